/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore capability, its second half: a state plan made true, item by
 * item in its order, each through the operation that owns it (a VF count
 * under the PF's lock through the mutation layer; a binding through a bind
 * plan; an instance through create with its UUID, parent and VF), each
 * looked at again just before, so that what another item or process made
 * meanwhile is left as it is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore-private.h"

static int apply_vfs(gpuvirt_state_plan *p, struct gv_item *it)
{
	char key[GV_KEY_LEN];
	int fd, r;

	snprintf(key, sizeof(key), "gpu-%s", it->w.device);
	if ((r = gv_lock_take(p->ctx, key, p->flags & GPUVIRT_STATE_WAIT, &fd)) < 0)
		return r;
	gv_item_assess(p, it); /* under the lock: the count is still 0 */
	r = it->status == GPUVIRT_STATE_TO_DO ? gv_mut_enable_vfs(p->ctx, it->w.device, it->w.count) : 0;
	gv_lock_release(fd);
	return r;
}

static int apply_binding(gpuvirt_state_plan *p, struct gv_item *it)
{
	uint32_t flags = it->bind_flags | ((p->flags & GPUVIRT_STATE_WAIT) ? GPUVIRT_BIND_WAIT : 0);
	gpuvirt_bind_plan *bp = NULL;
	gpuvirt_device *dev = NULL;
	int r;

	if ((r = gpuvirt_device_new_from_bdf(p->ctx, it->w.device, &dev)) == 0 &&
	    (r = gpuvirt_bind_plan_new(dev, it->w.driver, flags, &bp)) == 0)
		r = gpuvirt_bind_apply(bp);
	gpuvirt_bind_plan_unref(bp);
	gpuvirt_device_unref(dev);
	return r;
}

static int apply_item(gpuvirt_state_plan *p, struct gv_item *it)
{
	switch (it->kind) {
	case GV_WANT_VFS: return apply_vfs(p, it);
	case GV_WANT_BINDING: return apply_binding(p, it);
	default:
		return gv_instance_restore(p->ctx, &it->w,
					   (p->flags & GPUVIRT_STATE_WAIT) ? GPUVIRT_INSTANCE_WAIT : 0);
	}
}

/* One item to do: made, or why not. */
static void apply_one(gpuvirt_state_plan *p, struct gv_item *it)
{
	char why[sizeof(it->reason)];
	int r;

	gv_item_assess(p, it);
	if (it->status != GPUVIRT_STATE_TO_DO)
		return; /* made meanwhile (a group moved with another), or blocked now */
	gv_clear_error(p->ctx);
	r = apply_item(p, it);
	snprintf(why, sizeof(why), "%s", gpuvirt_ctx_get_error(p->ctx));
	gv_item_assess(p, it);
	if (r == 0 && it->status == GPUVIRT_STATE_IN_PLACE) {
		it->status = GPUVIRT_STATE_DONE;
		gv_info(p->ctx, "restored %s %s: %s", gv_want_kind_name(it->kind), it->object, it->wanted);
		return;
	}
	it->status = r == -ENOSPC || r == -ENOENT || r == -ENODEV || r == -EBUSY ? GPUVIRT_STATE_BLOCKED : GPUVIRT_STATE_FAILED;
	snprintf(it->reason, sizeof(it->reason), "%s", r < 0 && why[0] ? why : "not as the state says after it was made");
	gv_warn(p->ctx, "%s %s not restored: %s", gv_want_kind_name(it->kind), it->object, it->reason);
}

/* GPUVIRT_STATE_PERSIST: record what holds now in etc/gpuvirt. */
static int persist_held(gpuvirt_state_plan *p)
{
	int r = 0;

	for (size_t i = 0; i < p->n && r == 0; i++) {
		struct gv_item *it = &p->items[i];
		if (it->kind > 0 && (it->status == GPUVIRT_STATE_IN_PLACE || it->status == GPUVIRT_STATE_DONE))
			r = gv_persist_put(p->ctx, &it->w);
	}
	return r;
}

GPUVIRT_EXPORT int gpuvirt_state_plan_apply(gpuvirt_state_plan *p)
{
	int left = 0, r;

	if (!p)
		return -EINVAL;
	gv_clear_error(p->ctx);
	for (size_t i = 0; i < p->n; i++) {
		struct gv_item *it = &p->items[i];
		if (it->status == GPUVIRT_STATE_TO_DO || it->status == GPUVIRT_STATE_FAILED)
			apply_one(p, it);
		if (it->status == GPUVIRT_STATE_BLOCKED || it->status == GPUVIRT_STATE_FAILED)
			left++;
	}
	if ((p->flags & GPUVIRT_STATE_PERSIST) && (r = persist_held(p)) < 0)
		return r;
	return left;
}

GPUVIRT_EXPORT int gpuvirt_restore(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_state_plan **out)
{
	gpuvirt_state_plan *p = NULL;
	int r;

	if (out)
		*out = NULL;
	if (!ctx)
		return -EINVAL;
	if (flags & ~(uint32_t)GPUVIRT_STATE_WAIT)
		return gv_fail(ctx, -EINVAL, "restore: unknown flags");
	if ((r = gpuvirt_state_plan_new(ctx, NULL, flags, &p)) < 0)
		return r;
	r = gpuvirt_state_plan_apply(p);
	if (out)
		*out = p;
	else
		gpuvirt_state_plan_unref(p);
	return r;
}
