/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/gpuvirt.h
 * @brief libgpuvirt: discover, check, pass through and share the host's GPUs.
 *
 * The one header to include. It pulls in every part of the public API and
 * compiles on its own as C99 or C++.
 */
#ifndef GPUVIRT_GPUVIRT_H
#define GPUVIRT_GPUVIRT_H

#include <gpuvirt/context.h>
#include <gpuvirt/device.h>
#include <gpuvirt/check.h>
#include <gpuvirt/bind.h>
#include <gpuvirt/profile.h>
#include <gpuvirt/holder.h>
#include <gpuvirt/state.h>
#include <gpuvirt/export.h>
#include <gpuvirt/monitor.h>

#endif /* GPUVIRT_GPUVIRT_H */
