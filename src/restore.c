/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore capability, its first half: a desired state (persisted under
 * etc/gpuvirt/, or a declarative file) compared with the host, object by
 * object, in the order applying takes them: VF counts, bindings, instances
 * on VFs (plain SR-IOV, then NVIDIA's vendor interface), mdev instances;
 * then what the host has that the state does not name (never touched).
 * Nothing here writes. restore-apply.c applies a plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore-private.h"

static const char *const status_names[] = {
	[GPUVIRT_STATE_IN_PLACE] = "in-place", [GPUVIRT_STATE_TO_DO] = "to-do",	     [GPUVIRT_STATE_DONE] = "done",
	[GPUVIRT_STATE_FAILED] = "failed",     [GPUVIRT_STATE_BLOCKED] = "blocked", [GPUVIRT_STATE_UNMANAGED] = "unmanaged",
};

GPUVIRT_EXPORT const char *gpuvirt_state_status_to_string(int status)
{
	if (status < 0 || status >= (int)(sizeof(status_names) / sizeof(status_names[0])))
		return NULL;
	return status_names[status];
}

static void set(struct gv_item *it, int status, const char *current, const char *reason)
{
	it->status = status;
	if (current)
		snprintf(it->current, sizeof(it->current), "%s", current);
	snprintf(it->reason, sizeof(it->reason), "%s", reason ? reason : "");
}

bool gv_state_binds(const gpuvirt_state_plan *p, const char *bdf, const char *driver)
{
	for (size_t i = 0; i < p->wants.n; i++)
		if (p->wants.v[i].kind == GV_WANT_BINDING && strcmp(p->wants.v[i].device, bdf) == 0 &&
		    (!driver || strcmp(p->wants.v[i].driver, driver) == 0))
			return true;
	return false;
}

/* ---- devices that appear once a VF count is made ------------------------ */

static long pf_attr(gpuvirt_ctx *ctx, const char *pf, const char *attr)
{
	char rel[128], buf[32];
	ssize_t n;
	long v;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", pf, attr) < 0 ||
	    (n = gv_read_text(ctx, rel, buf, sizeof(buf))) < 0 || gv_parse_int(buf, (size_t)n, 0, 65535, &v) < 0)
		return -1;
	return v;
}

/* Is bdf one of the VFs a VF count still to be made will bring (routing ID:
 * the PF's, plus sriov_offset, plus sriov_stride per VF)? */
static bool future_vf(const gpuvirt_state_plan *p, const char *bdf)
{
	unsigned dom, bus, dev, fn, pdom, pbus, pdev, pfn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		const struct gv_item *it = &p->items[i];
		if (it->kind != GV_WANT_VFS || it->status != GPUVIRT_STATE_TO_DO ||
		    sscanf(it->w.device, "%x:%x:%x.%x", &pdom, &pbus, &pdev, &pfn) != 4 || pdom != dom)
			continue;
		long off = pf_attr(p->ctx, it->w.device, "sriov_offset"), stride = pf_attr(p->ctx, it->w.device, "sriov_stride");
		long rid = (long)((bus << 8) | (dev << 3) | fn), prid = (long)((pbus << 8) | (pdev << 3) | pfn);
		if (off < 1 || stride < 1 || rid < prid + off)
			continue;
		if ((rid - prid - off) % stride == 0 && (rid - prid - off) / stride < it->w.count)
			return true;
	}
	return false;
}

/* A device an object needs: 1 there, 0 (with the item set) when not. */
static int need_device(gpuvirt_state_plan *p, struct gv_item *it, const char *bdf, gpuvirt_device **out)
{
	char why[sizeof(it->reason)];
	int r = gpuvirt_device_new_from_bdf(p->ctx, bdf, out);

	if (r == 0)
		return 1;
	if (r == -ENODEV && future_vf(p, bdf)) {
		snprintf(why, sizeof(why), "%s appears once its PF's VFs are enabled", bdf);
		set(it, GPUVIRT_STATE_TO_DO, "absent", why);
	} else if (r == -ENODEV) {
		snprintf(why, sizeof(why), "%s is not on this host", bdf);
		set(it, GPUVIRT_STATE_BLOCKED, "absent", why);
	} else {
		snprintf(why, sizeof(why), "%s cannot be read: %s", bdf, gpuvirt_ctx_get_error(p->ctx));
		set(it, GPUVIRT_STATE_BLOCKED, "unknown", why);
	}
	return 0;
}

/* ---- each kind ---------------------------------------------------------- */

static void assess_vfs(gpuvirt_state_plan *p, struct gv_item *it)
{
	gpuvirt_device *pf = NULL;
	char now[64], why[256];
	int total, num;

	if (!need_device(p, it, it->w.device, &pf))
		return;
	total = gpuvirt_device_get_sriov_total_vfs(pf); /* -1: no SR-IOV */
	num = gpuvirt_device_get_sriov_num_vfs(pf);
	gpuvirt_device_unref(pf);
	snprintf(now, sizeof(now), total > 0 ? "%d VFs" : "no SR-IOV", num);
	if (total <= 0) {
		snprintf(why, sizeof(why), "%s has no SR-IOV: no VFs to enable", it->w.device);
		set(it, GPUVIRT_STATE_BLOCKED, now, why);
	} else if (it->w.count > total) {
		snprintf(why, sizeof(why), "%s has %d VFs at most", it->w.device, total);
		set(it, GPUVIRT_STATE_BLOCKED, now, why);
	} else if (num == it->w.count) {
		set(it, GPUVIRT_STATE_IN_PLACE, now, NULL);
	} else if (num == 0) {
		set(it, GPUVIRT_STATE_TO_DO, now, "enable the VFs (sriov_numvfs)");
	} else {
		snprintf(why, sizeof(why),
			 "%s has %d VFs enabled: the kernel changes the count only from 0, and lowering it would "
			 "remove VFs their users hold; set it to 0 by hand first",
			 it->w.device, num);
		set(it, GPUVIRT_STATE_BLOCKED, now, why);
	}
}

/* Whether a bind of the device goes ahead, and with which flags: the group's
 * other devices move along only when the state binds them the same way. */
static void assess_bind_plan(gpuvirt_state_plan *p, struct gv_item *it, gpuvirt_device *dev)
{
	gpuvirt_bind_plan *bp = NULL;
	char first[sizeof(it->reason)];
	int r;

	it->bind_flags = 0;
	r = gpuvirt_bind_plan_new(dev, it->w.driver, 0, &bp);
	if (r == -EPERM) {
		snprintf(first, sizeof(first), "%s", gpuvirt_ctx_get_error(p->ctx));
		if (gpuvirt_bind_plan_new(dev, it->w.driver, GPUVIRT_BIND_ALLOW_GROUP, &bp) == 0) {
			bool all = true; /* does the state bind every member the same way? */
			for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(bp); i++)
				all = all && gv_state_binds(p, gpuvirt_bind_plan_get_device(bp, i), it->w.driver);
			r = all ? 0 : -EPERM;
			it->bind_flags = all ? GPUVIRT_BIND_ALLOW_GROUP : 0;
		}
		if (r < 0)
			snprintf(p->ctx->error, sizeof(p->ctx->error), "%s (and the state does not bind them all)", first);
	}
	gpuvirt_bind_plan_unref(bp);
	if (r < 0)
		set(it, GPUVIRT_STATE_BLOCKED, NULL, gpuvirt_ctx_get_error(p->ctx));
	else
		set(it, GPUVIRT_STATE_TO_DO, NULL,
		    it->bind_flags ? "bind it (with its group, which the state binds too)" : "bind it");
}

static void assess_binding(gpuvirt_state_plan *p, struct gv_item *it)
{
	gpuvirt_device *dev = NULL;
	const char *drv;

	if (!need_device(p, it, it->w.device, &dev))
		return;
	drv = gpuvirt_device_get_driver(dev);
	snprintf(it->current, sizeof(it->current), "%s", drv ? drv : "none");
	if (drv && strcmp(drv, it->w.driver) == 0)
		set(it, GPUVIRT_STATE_IN_PLACE, NULL, NULL);
	else
		assess_bind_plan(p, it, dev);
	gpuvirt_device_unref(dev);
}

/* The instance with the item's UUID on the host: 1 it holds (item set), 0
 * absent or only defined, -1 (item set) in the way or unknown. */
static int instance_now(gpuvirt_state_plan *p, struct gv_item *it)
{
	gpuvirt_instance *in = NULL;
	char why[sizeof(it->reason)];
	int r = gpuvirt_instance_new_from_uuid(p->ctx, it->w.uuid, &in);

	if (r == -ENOENT || (r == 0 && gpuvirt_instance_is_active(in) != 1)) {
		snprintf(it->current, sizeof(it->current), "%s", r == 0 ? "defined, not active" : "absent");
		gpuvirt_instance_unref(in);
		return 0;
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot tell whether it exists: %s", gpuvirt_ctx_get_error(p->ctx));
		set(it, GPUVIRT_STATE_BLOCKED, "unknown", why);
		return -1;
	}
	snprintf(it->current, sizeof(it->current), "%s on %s", gpuvirt_instance_get_profile_id(in),
		 gpuvirt_instance_get_vf_bdf(in) ? gpuvirt_instance_get_vf_bdf(in) : gpuvirt_instance_get_parent(in));
	r = strcmp(gpuvirt_instance_get_parent(in), it->w.device) == 0 &&
	    strcmp(gpuvirt_instance_get_profile_id(in), it->w.profile) == 0 &&
	    (!it->w.vf[0] || (gpuvirt_instance_get_vf_bdf(in) && strcmp(gpuvirt_instance_get_vf_bdf(in), it->w.vf) == 0));
	gpuvirt_instance_unref(in);
	if (r) {
		set(it, GPUVIRT_STATE_IN_PLACE, NULL, NULL);
		return 1;
	}
	set(it, GPUVIRT_STATE_BLOCKED, NULL, "its UUID is in use by another instance (left alone)");
	return -1;
}

static void assess_instance(gpuvirt_state_plan *p, struct gv_item *it)
{
	gpuvirt_device *d = NULL;
	char rel[160];
	int r;

	if (instance_now(p, it) != 0)
		return;
	if (gv_parse_bdf(it->w.device, (char[GV_BDF_LEN]){0}) == 0) {
		if (!need_device(p, it, it->w.device, &d))
			return;
		gpuvirt_device_unref(d);
	} else if (gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s", it->w.device) < 0 || gv_exists(p->ctx, rel) != 1) {
		set(it, GPUVIRT_STATE_BLOCKED, NULL, "its parent is not on this host");
		return;
	}
	if (it->w.vf[0]) {
		if (!need_device(p, it, it->w.vf, &d))
			return;
		gpuvirt_device_unref(d);
	}
	r = gv_instance_restore(p->ctx, &it->w, GPUVIRT_INSTANCE_DRY_RUN);
	set(it, r == 0 ? GPUVIRT_STATE_TO_DO : GPUVIRT_STATE_BLOCKED, NULL,
	    r == 0 ? "create it" : gpuvirt_ctx_get_error(p->ctx));
}

void gv_item_assess(gpuvirt_state_plan *p, struct gv_item *it)
{
	gv_clear_error(p->ctx);
	switch (it->kind) {
	case GV_WANT_VFS: assess_vfs(p, it); break;
	case GV_WANT_BINDING: assess_binding(p, it); break;
	case GV_WANT_INSTANCE: assess_instance(p, it); break;
	default: set(it, GPUVIRT_STATE_BLOCKED, "unknown", it->w.error);
	}
}

/* ---- the plan ----------------------------------------------------------- */

static struct gv_item *add_item(gpuvirt_state_plan *p)
{
	struct gv_item *v = realloc(p->items, (p->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->items = v;
	memset(&v[p->n], 0, sizeof(v[p->n]));
	return &v[p->n++];
}

static int add_want(gpuvirt_state_plan *p, const struct gv_want *w)
{
	struct gv_item *it = add_item(p);

	if (!it)
		return -ENOMEM;
	it->kind = w->kind;
	it->w = *w;
	switch (w->kind) {
	case GV_WANT_VFS:
		snprintf(it->object, sizeof(it->object), "%s", w->device);
		snprintf(it->wanted, sizeof(it->wanted), "%d VFs", w->count);
		break;
	case GV_WANT_BINDING:
		snprintf(it->object, sizeof(it->object), "%s", w->device);
		snprintf(it->wanted, sizeof(it->wanted), "%s", w->driver);
		break;
	case GV_WANT_INSTANCE:
		snprintf(it->object, sizeof(it->object), "%s", w->uuid);
		snprintf(it->wanted, sizeof(it->wanted), "%s on %s", w->profile, w->vf[0] ? w->vf : w->device);
		break;
	default:
		snprintf(it->object, sizeof(it->object), "%s", w->source);
		snprintf(it->wanted, sizeof(it->wanted), "a valid record");
	}
	gv_item_assess(p, it);
	return 0;
}

/* The order of making: VF counts, bindings, instances on VFs, mdevs. */
static int rank(const struct gv_want *w)
{
	static const int by_mechanism[] = {[GPUVIRT_MECHANISM_SRIOV_VF] = 3, [GPUVIRT_MECHANISM_NVIDIA_VENDOR] = 4,
					   [GPUVIRT_MECHANISM_MDEV] = 5};

	if (w->kind == GV_WANT_INSTANCE)
		return by_mechanism[w->mechanism];
	return w->kind == GV_WANT_VFS ? 1 : w->kind == GV_WANT_BINDING ? 2 : 0;
}

static int add_unmanaged(gpuvirt_state_plan *p, int kind, const char *object, const char *current)
{
	struct gv_item *it = add_item(p);

	if (!it)
		return -ENOMEM;
	it->kind = kind;
	it->status = GPUVIRT_STATE_UNMANAGED;
	snprintf(it->object, sizeof(it->object), "%s", object);
	snprintf(it->wanted, sizeof(it->wanted), "not in the state");
	snprintf(it->current, sizeof(it->current), "%s", current);
	return 0;
}

static bool state_has_instance(const gpuvirt_state_plan *p, const char *uuid)
{
	for (size_t i = 0; uuid && i < p->wants.n; i++)
		if (p->wants.v[i].kind == GV_WANT_INSTANCE && strcmp(p->wants.v[i].uuid, uuid) == 0)
			return true;
	return false;
}

/* Live instances the state does not name; the VFs instances live on into
 * vfs (their binding is the instance's, not one of its own). */
static int unmanaged_instances(gpuvirt_state_plan *p, struct gv_strv *vfs)
{
	gpuvirt_instance_iter *ii = NULL;
	gpuvirt_instance *in;
	char now[160];
	int r;

	if ((r = gpuvirt_instance_iter_new(p->ctx, &ii)) < 0)
		return r;
	while (r >= 0 && gpuvirt_instance_iter_next(ii, &in) == 1) {
		const char *u = gpuvirt_instance_get_uuid(in), *vf = gpuvirt_instance_get_vf_bdf(in);
		snprintf(now, sizeof(now), "%s on %s", gpuvirt_instance_get_profile_id(in), vf ? vf : gpuvirt_instance_get_parent(in));
		if (vf)
			r = gv_strv_push(vfs, vf);
		if (r >= 0 && gpuvirt_instance_is_active(in) == 1 && !state_has_instance(p, u))
			r = add_unmanaged(p, GV_WANT_INSTANCE, u ? u : vf, now);
		gpuvirt_instance_unref(in);
	}
	gpuvirt_instance_iter_unref(ii);
	return r;
}

static bool listed(const struct gv_strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

/* Instances, and devices on a VM's driver, that the state does not name. */
static int unmanaged(gpuvirt_state_plan *p)
{
	struct gv_strv vfs = {0};
	gpuvirt_device_iter *di = NULL;
	gpuvirt_device *d;
	int r = unmanaged_instances(p, &vfs);

	if (r < 0 || (r = gpuvirt_device_iter_new(p->ctx, GPUVIRT_DEVICES_ALL, &di)) < 0) {
		gv_strv_free(&vfs);
		return r;
	}
	while (r >= 0 && gpuvirt_device_iter_next(di, &d) == 1) {
		const char *drv = gpuvirt_device_get_driver(d), *bdf = gpuvirt_device_get_bdf(d);
		if (drv && (strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "pciback") == 0) &&
		    !gv_state_binds(p, bdf, NULL) && !listed(&vfs, bdf))
			r = add_unmanaged(p, GV_WANT_BINDING, bdf, drv);
		gpuvirt_device_unref(d);
	}
	gpuvirt_device_iter_unref(di);
	gv_strv_free(&vfs);
	return r < 0 ? r : 0;
}

static int build(gpuvirt_state_plan *p)
{
	int r = 0;

	for (int k = 0; k <= 5 && r == 0; k++)
		for (size_t i = 0; i < p->wants.n && r == 0; i++)
			if (rank(&p->wants.v[i]) == k)
				r = add_want(p, &p->wants.v[i]);
	return r < 0 ? r : unmanaged(p);
}

GPUVIRT_EXPORT int gpuvirt_state_plan_new(gpuvirt_ctx *ctx, const char *path, uint32_t flags, gpuvirt_state_plan **out)
{
	gpuvirt_state_plan *p;
	int r;

	if (out)
		*out = NULL;
	if (!ctx || !out)
		return -EINVAL;
	gv_clear_error(ctx);
	if ((flags & ~(uint32_t)(GPUVIRT_STATE_WAIT | GPUVIRT_STATE_PERSIST)) || (path && path[0] != '/'))
		return gv_fail(ctx, -EINVAL, "%s", path && path[0] != '/' ? "a state file's path must be absolute" : "unknown flags");
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->refcount = 1;
	p->ctx = gpuvirt_ctx_ref(ctx);
	p->flags = flags;
	r = path ? gv_persist_load_file(ctx, path, &p->wants) : gv_persist_load(ctx, &p->wants);
	if (r == 0 && (r = build(p)) == 0) {
		gv_clear_error(ctx);
		*out = p;
		return 0;
	}
	gpuvirt_state_plan_unref(p);
	return r;
}

GPUVIRT_EXPORT gpuvirt_state_plan *gpuvirt_state_plan_ref(gpuvirt_state_plan *p)
{
	if (p)
		p->refcount++;
	return p;
}

GPUVIRT_EXPORT gpuvirt_state_plan *gpuvirt_state_plan_unref(gpuvirt_state_plan *p)
{
	if (!p || --p->refcount > 0)
		return p;
	gv_wants_free(&p->wants);
	free(p->items);
	gpuvirt_ctx_unref(p->ctx);
	free(p);
	return NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_state_plan_get_count(const gpuvirt_state_plan *p)
{
	return p ? p->n : 0;
}


GPUVIRT_EXPORT int gpuvirt_state_plan_get_item(const gpuvirt_state_plan *p, size_t index, const char **kind,
					       const char **object, const char **wanted, const char **current,
					       const char **reason)
{
	const struct gv_item *it;

	if (!p)
		return -EINVAL;
	if (index >= p->n)
		return -ERANGE;
	it = &p->items[index];
	if (kind)
		*kind = it->kind ? gv_want_kind_name(it->kind) : "record";
	if (object)
		*object = it->object;
	if (wanted)
		*wanted = it->wanted;
	if (current)
		*current = it->current;
	if (reason)
		*reason = it->reason;
	return it->status;
}
