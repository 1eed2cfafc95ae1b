/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/monitor.h
 * @brief Hotplug and driver events of PCI functions and mdev instances (libudev).
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_MONITOR_H
#define GPUVIRT_MONITOR_H

#include <gpuvirt/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A listener for kernel device events. Opaque.
 * @since 1.0
 */
typedef struct gpuvirt_monitor gpuvirt_monitor;

/**
 * @brief Kinds of events returned by gpuvirt_monitor_next_event().
 * @since 1.0
 */
enum gpuvirt_event_kind {
	GPUVIRT_EVENT_ADD = 1,    /**< a PCI function or mdev instance appeared */
	GPUVIRT_EVENT_REMOVE = 2, /**< it went away */
	GPUVIRT_EVENT_BIND = 3,   /**< a driver bound to it */
	GPUVIRT_EVENT_UNBIND = 4, /**< its driver let it go */
	GPUVIRT_EVENT_CHANGE = 5, /**< anything else the kernel reported */
	GPUVIRT_EVENT_KIND_PAD_ = 0x7fffffff /**< pins the enum's size; never returned */
};

/**
 * @brief Start listening for events of the `pci` and `mdev` subsystems.
 *
 * Events come from the running kernel through udev, so a monitor exists only
 * when the context's root is `/`. libudev (`libudev.so.1`) is opened by the
 * first call of the process that needs it, not when this library is loaded.
 *
 * @param ctx       the context.
 * @param[out] mon  receives the monitor, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments; `-EOPNOTSUPP` when the root is not
 *         `/` or libudev cannot be loaded (the context's error says why);
 *         `-ENOMEM`; other negative errno values from udev.
 * @since 1.0
 */
int gpuvirt_monitor_new(gpuvirt_ctx *ctx, gpuvirt_monitor **mon);

/**
 * @brief A file descriptor that becomes readable when an event is waiting.
 * @param mon  the monitor.
 * @return the descriptor (owned by the monitor), or `-EINVAL`.
 * @since 1.0
 */
int gpuvirt_monitor_get_fd(const gpuvirt_monitor *mon);

/**
 * @brief Take the next waiting event, without blocking.
 *
 * @param mon           the monitor.
 * @param[out] kind     receives a ::gpuvirt_event_kind value.
 * @param[out] subject  receives the BDF of the PCI function or the UUID of
 *                      the mdev instance, borrowed until the next call.
 * @return 1 with an event, 0 when none is waiting, a negative errno on error.
 * @since 1.0
 */
int gpuvirt_monitor_next_event(gpuvirt_monitor *mon, int *kind, const char **subject);

/**
 * @brief Release a monitor.
 * @param mon  the monitor, or NULL.
 * @return NULL.
 * @since 1.0
 */
gpuvirt_monitor *gpuvirt_monitor_unref(gpuvirt_monitor *mon);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_MONITOR_H */
