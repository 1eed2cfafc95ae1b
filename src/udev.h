/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libudev, loaded on first use (udev.c). */
#ifndef GV_UDEV_H
#define GV_UDEV_H

#include <libudev.h>

/* Each function of libudev this library calls, of the header's own type. */
struct gv_udev_api {
	__typeof__(udev_new) *new_;
	__typeof__(udev_unref) *unref;
	__typeof__(udev_monitor_new_from_netlink) *monitor_new_from_netlink;
	__typeof__(udev_monitor_filter_add_match_subsystem_devtype) *monitor_filter_add_match_subsystem_devtype;
	__typeof__(udev_monitor_enable_receiving) *monitor_enable_receiving;
	__typeof__(udev_monitor_get_fd) *monitor_get_fd;
	__typeof__(udev_monitor_receive_device) *monitor_receive_device;
	__typeof__(udev_monitor_unref) *monitor_unref;
	__typeof__(udev_device_get_action) *device_get_action;
	__typeof__(udev_device_get_sysname) *device_get_sysname;
	__typeof__(udev_device_unref) *device_unref;
};
/* libudev's functions, libudev.so.1 loaded by the first call of the
 * process (thread-safe); NULL with *why (a static string) when it cannot
 * be loaded or lacks one of them. */
const struct gv_udev_api *gv_udev(const char **why);

#endif
