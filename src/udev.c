/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libudev, loaded on first use.
 *
 * Only two things use it: the device-event monitor and, on the running
 * host, the wait for a VFIO device node after a bind. Most runs do neither,
 * and a library the linker names is loaded, relocated and mapped at the
 * start of every process that links this one: for a short command, about a
 * tenth of its start. So libudev.so.1 is opened with dlopen() the first time
 * one of them needs it, once per process (never closed), and each function
 * is checked against the header's own declaration when compiling. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "udev.h"

#define UDEV_SONAME "libudev.so.1"

static struct gv_udev_api api;
static const struct gv_udev_api *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym into a pointer of the declared type; false when it is missing. */
#define BIND(field, symbol) \
	((*(void **)&api.field = dlsym(handle, #symbol)) != NULL || (missing = #symbol, false))

static void load(void)
{
	const char *missing = NULL;
	void *handle = dlopen(UDEV_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!handle) {
		const char *e = dlerror();
		snprintf(load_error, sizeof(load_error), "%s", e ? e : "cannot be loaded");
		return;
	}
	if (BIND(new_, udev_new) && BIND(unref, udev_unref) &&
	    BIND(monitor_new_from_netlink, udev_monitor_new_from_netlink) &&
	    BIND(monitor_filter_add_match_subsystem_devtype, udev_monitor_filter_add_match_subsystem_devtype) &&
	    BIND(monitor_enable_receiving, udev_monitor_enable_receiving) &&
	    BIND(monitor_get_fd, udev_monitor_get_fd) && BIND(monitor_receive_device, udev_monitor_receive_device) &&
	    BIND(monitor_unref, udev_monitor_unref) && BIND(device_get_action, udev_device_get_action) &&
	    BIND(device_get_sysname, udev_device_get_sysname) && BIND(device_unref, udev_device_unref)) {
		loaded = &api;
		return;
	}
	snprintf(load_error, sizeof(load_error), "%s has no %s", UDEV_SONAME, missing);
	dlclose(handle);
}

const struct gv_udev_api *gv_udev(const char **why)
{
	pthread_once(&once, load);
	*why = load_error;
	return loaded;
}
