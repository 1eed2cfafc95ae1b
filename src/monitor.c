/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device events from the kernel through libudev's netlink monitor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "udev.h"

struct gpuvirt_monitor {
	gpuvirt_ctx *ctx;
	const struct gv_udev_api *u;
	struct udev *udev;
	struct udev_monitor *mon;
	char subject[64];
};

GPUVIRT_EXPORT int gpuvirt_monitor_new(gpuvirt_ctx *ctx, gpuvirt_monitor **out)
{
	struct gpuvirt_monitor *m;
	const struct gv_udev_api *u;
	const char *why;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if (strcmp(ctx->root, "/") != 0)
		return gv_fail(ctx, -EOPNOTSUPP, "device events need the running host; the root is %s", ctx->root);
	if (!(u = gv_udev(&why)))
		return gv_fail(ctx, -EOPNOTSUPP, "device events need libudev: %s", why);
	m = calloc(1, sizeof(*m));
	if (!m)
		return gv_fail(ctx, -ENOMEM, "out of memory");
	m->ctx = gpuvirt_ctx_ref(ctx);
	m->u = u;
	m->udev = u->new_();
	if (!m->udev) {
		r = gv_fail(ctx, -ENOMEM, "udev_new failed");
		goto fail;
	}
	/* "kernel" events arrive before udev rules ran: we want the kernel's view. */
	m->mon = u->monitor_new_from_netlink(m->udev, "kernel");
	if (!m->mon) {
		r = gv_fail(ctx, -EPERM, "cannot open the kernel's uevent socket");
		goto fail;
	}
	if ((r = u->monitor_filter_add_match_subsystem_devtype(m->mon, "pci", NULL)) < 0 ||
	    (r = u->monitor_filter_add_match_subsystem_devtype(m->mon, "mdev", NULL)) < 0 ||
	    (r = u->monitor_enable_receiving(m->mon)) < 0) {
		r = gv_fail(ctx, r, "cannot start the uevent monitor: %s", gpuvirt_strerror(r));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	gpuvirt_monitor_unref(m);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_monitor_get_fd(const gpuvirt_monitor *mon)
{
	return mon ? mon->u->monitor_get_fd(mon->mon) : -EINVAL;
}

static int event_kind(const char *action)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
		{"add", GPUVIRT_EVENT_ADD}, {"remove", GPUVIRT_EVENT_REMOVE},
		{"bind", GPUVIRT_EVENT_BIND}, {"unbind", GPUVIRT_EVENT_UNBIND},
	};
	for (size_t i = 0; action && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(action, kinds[i].name) == 0)
			return kinds[i].kind;
	return GPUVIRT_EVENT_CHANGE;
}

GPUVIRT_EXPORT int gpuvirt_monitor_next_event(gpuvirt_monitor *mon, int *kind, const char **subject)
{
	struct udev_device *ud;
	const char *name;

	if (!mon || !kind || !subject)
		return -EINVAL;
	*subject = NULL;
	for (;;) {
		/* The socket is non-blocking: NULL means nothing is waiting. */
		ud = mon->u->monitor_receive_device(mon->mon);
		if (!ud)
			return 0;
		name = mon->u->device_get_sysname(ud);
		if (name && strlen(name) < sizeof(mon->subject)) {
			strcpy(mon->subject, name);
			*kind = event_kind(mon->u->device_get_action(ud));
			*subject = mon->subject;
			mon->u->device_unref(ud);
			return 1;
		}
		mon->u->device_unref(ud);
	}
}

GPUVIRT_EXPORT gpuvirt_monitor *gpuvirt_monitor_unref(gpuvirt_monitor *mon)
{
	if (!mon)
		return NULL;
	mon->u->monitor_unref(mon->mon);
	mon->u->unref(mon->udev);
	gpuvirt_ctx_unref(mon->ctx);
	free(mon);
	return NULL;
}
