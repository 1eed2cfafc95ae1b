/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU instances: listing them whoever made them, creating one with
 * placement, destroying one. The mechanisms' own files do the writes
 * through the mutation layer; this file holds the parent GPU's lock
 * (run/lock/gpuvirt/gpu-<parent>.lock) around check-and-create, and keeps
 * the create journal (run/gpuvirt/create-<uuid>.journal) from before the
 * first write until the instance is complete, so that gpuvirt recover
 * removes what a crash left half-made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "private.h"
#include "profile-private.h"

/* ---- instance objects ---------------------------------------------------- */

static gpuvirt_instance *instance_alloc(gpuvirt_ctx *ctx, const char *uuid, const char *parent, const char *profile,
					int mechanism, const char *vf)
{
	gpuvirt_instance *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->refcount = 1;
	in->ctx = gpuvirt_ctx_ref(ctx);
	in->mechanism = mechanism;
	in->uuid = uuid ? strdup(uuid) : NULL;
	in->parent = strdup(parent);
	in->profile = strdup(profile);
	in->vf = vf ? strdup(vf) : NULL;
	if (mechanism == GPUVIRT_MECHANISM_MDEV && uuid &&
	    asprintf(&in->sysfs_path, "%s%ssys/bus/mdev/devices/%s", ctx->root, strcmp(ctx->root, "/") ? "/" : "",
		     uuid) < 0)
		in->sysfs_path = NULL;
	if ((uuid && !in->uuid) || !in->parent || !in->profile || (vf && !in->vf) ||
	    (mechanism == GPUVIRT_MECHANISM_MDEV && uuid && !in->sysfs_path))
		return gpuvirt_instance_unref(in);
	return in;
}



struct ilist {
	gpuvirt_instance **v;
	size_t n;
};

static int ilist_add(struct ilist *l, gpuvirt_instance *in)
{
	gpuvirt_instance **nv;

	if (!in)
		return -ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		gpuvirt_instance_unref(in);
		return -ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = in;
	return 0;
}

static int cmp_instance(const void *a, const void *b)
{
	const gpuvirt_instance *x = *(gpuvirt_instance *const *)a, *y = *(gpuvirt_instance *const *)b;
	int c = strcmp(x->parent, y->parent);

	if (c)
		return c;
	c = strcmp(x->vf ? x->vf : "", y->vf ? y->vf : "");
	return c ? c : strcmp(x->uuid ? x->uuid : "", y->uuid ? y->uuid : "");
}

/* An error listing a folder that may be absent: 0 when it is. */
static int list_or_none(gpuvirt_ctx *ctx, const char *rel, char ***names, size_t *n)
{
	int r = gv_list_dir(ctx, rel, names, n);

	if (r == -ENOENT || r == -ENOTDIR) {
		*names = NULL;
		*n = 0;
		return 0;
	}
	return r < 0 ? gv_fail(ctx, r, "cannot list %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r)) : 0;
}

/* Active mdevs, whoever made them. */
static int list_mdevs(gpuvirt_ctx *ctx, struct ilist *out)
{
	char **names;
	size_t n;
	int r = list_or_none(ctx, "sys/bus/mdev/devices", &names, &n);

	for (size_t i = 0; i < n && r == 0; i++) {
		char uuid[37], parent[64], type[128];
		if (gv_parse_uuid(names[i], uuid) < 0 ||
		    gv_mdev_lookup(ctx, uuid, parent, sizeof(parent), type, sizeof(type)) < 0)
			continue;
		gpuvirt_instance *in = instance_alloc(ctx, uuid, parent, type, GPUVIRT_MECHANISM_MDEV, NULL);
		if (in) {
			in->active = true;
			in->persistent = gv_mdevctl_defined(ctx, parent, uuid);
		}
		r = ilist_add(out, in);
	}
	gv_names_free(names, n);
	return r;
}

static bool listed(const struct ilist *l, const char *uuid)
{
	for (size_t j = 0; j < l->n; j++)
		if (l->v[j]->uuid && strcmp(l->v[j]->uuid, uuid) == 0)
			return true;
	return false;
}

/* mdevctl definitions of one parent that are not started. */
static int list_defined_on(gpuvirt_ctx *ctx, const char *parent, struct ilist *out)
{
	char rel[256], **names;
	size_t n;
	int r;

	if (gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s", parent) < 0)
		return 0;
	r = list_or_none(ctx, rel, &names, &n);
	for (size_t k = 0; k < n && r == 0; k++) {
		char uuid[37], buf[4096], type[128];
		if (gv_parse_uuid(names[k], uuid) < 0 || listed(out, uuid) ||
		    gv_attr_str(ctx, buf, sizeof(buf), "etc/mdevctl.d/%s/%s", parent, uuid) <= 0 ||
		    gv_parse_json_string(buf, strlen(buf), "mdev_type", type, sizeof(type)) < 0)
			continue;
		gpuvirt_instance *in = instance_alloc(ctx, uuid, parent, type, GPUVIRT_MECHANISM_MDEV, NULL);
		if (in)
			in->persistent = true;
		r = ilist_add(out, in);
	}
	gv_names_free(names, n);
	return r;
}

static int list_defined(gpuvirt_ctx *ctx, struct ilist *out)
{
	char **parents;
	size_t np;
	int r = list_or_none(ctx, "etc/mdevctl.d", &parents, &np);

	for (size_t i = 0; i < np && r == 0; i++)
		if (strcmp(parents[i], "scripts.d") != 0)
			r = list_defined_on(ctx, parents[i], out);
	gv_names_free(parents, np);
	return r;
}

/* VFs holding a vendor vGPU type. */
static int list_vendor(gpuvirt_ctx *ctx, struct ilist *out)
{
	char **names;
	size_t n;
	int r = list_or_none(ctx, "sys/bus/pci/devices", &names, &n);

	for (size_t i = 0; i < n && r == 0; i++) {
		char pf[GV_BDF_LEN] = "", rel[128], uuid[37], id[32];
		long cur = gv_attr_long(ctx, 0, "sys/bus/pci/devices/%s/%s", names[i], "nvidia/current_vgpu_type");
		if (cur <= 0 || gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", names[i]) < 0 ||
		    gv_readlink_base(ctx, rel, pf, sizeof(pf)) <= 0)
			continue;
		if ((r = gv_record_for_vf(ctx, names[i], uuid)) < 0)
			break;
		snprintf(id, sizeof(id), "%ld", cur);
		gpuvirt_instance *in =
			instance_alloc(ctx, uuid[0] ? uuid : NULL, pf, id, GPUVIRT_MECHANISM_NVIDIA_VENDOR, names[i]);
		if (in)
			in->active = true;
		r = ilist_add(out, in);
	}
	gv_names_free(names, n);
	return r;
}

/* VFs we allocated as plain SR-IOV instances. */
static int list_records(gpuvirt_ctx *ctx, struct ilist *out)
{
	char **names;
	size_t n;
	int r = list_or_none(ctx, "run/gpuvirt/instances", &names, &n);

	for (size_t i = 0; i < n && r == 0; i++) {
		struct gv_record rec;
		char uuid[37];
		if (gv_parse_uuid(names[i], uuid) < 0 || strcmp(uuid, names[i]) != 0)
			continue;
		if ((r = gv_record_read(ctx, uuid, &rec)) == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0 || rec.mechanism != GPUVIRT_MECHANISM_SRIOV_VF)
			continue; /* a damaged record is named by gpuvirt recover, not hidden here */
		gpuvirt_instance *in = instance_alloc(ctx, uuid, rec.parent, rec.profile, rec.mechanism, rec.vf);
		if (in)
			in->active = true;
		r = ilist_add(out, in);
	}
	if (r > 0)
		r = 0;
	gv_names_free(names, n);
	return r;
}

/* Instances recorded in etc/gpuvirt/instances: those listed are persistent,
 * the others (not restored since a reboot) are listed as defined. A damaged
 * record is reported by restore and diff, not hidden: it is skipped here. */
static int list_persisted(gpuvirt_ctx *ctx, struct ilist *out)
{
	struct gv_wants w;
	int r = gv_persist_load(ctx, &w);

	for (size_t i = 0; i < w.n && r == 0; i++) {
		const struct gv_want *x = &w.v[i];
		gpuvirt_instance *in = NULL;
		if (x->kind != GV_WANT_INSTANCE)
			continue;
		for (size_t j = 0; j < out->n && !in; j++)
			if (out->v[j]->uuid && strcmp(out->v[j]->uuid, x->uuid) == 0)
				in = out->v[j];
		if (!in && (in = instance_alloc(ctx, x->uuid, x->device, x->profile, x->mechanism, x->vf[0] ? x->vf : NULL)) &&
		    (r = ilist_add(out, in)) < 0)
			break;
		if (!in) {
			r = -ENOMEM;
			break;
		}
		in->persistent = true;
		memcpy(in->owner, x->owner, sizeof(in->owner));
	}
	gv_wants_free(&w);
	return r;
}

static int list_instances(gpuvirt_ctx *ctx, struct ilist *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = list_mdevs(ctx, out)) < 0 || (r = list_defined(ctx, out)) < 0 || (r = list_vendor(ctx, out)) < 0 ||
	    (r = list_records(ctx, out)) < 0 || (r = list_persisted(ctx, out)) < 0) {
		for (size_t i = 0; i < out->n; i++)
			gpuvirt_instance_unref(out->v[i]);
		free(out->v);
		return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_instance);
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_instance_iter_new(gpuvirt_ctx *ctx, gpuvirt_instance_iter **out)
{
	struct ilist l;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if ((r = list_instances(ctx, &l)) < 0)
		return r;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		for (size_t i = 0; i < l.n; i++)
			gpuvirt_instance_unref(l.v[i]);
		free(l.v);
		return -ENOMEM;
	}
	(*out)->items = l.v;
	(*out)->n = l.n;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_instance_iter_next(gpuvirt_instance_iter *it, gpuvirt_instance **inst)
{
	if (!it || !inst)
		return -EINVAL;
	if (it->pos >= it->n) {
		*inst = NULL;
		return 0;
	}
	*inst = gpuvirt_instance_ref(it->items[it->pos++]);
	return 1;
}

GPUVIRT_EXPORT gpuvirt_instance_iter *gpuvirt_instance_iter_unref(gpuvirt_instance_iter *it)
{
	if (it) {
		for (size_t i = 0; i < it->n; i++)
			gpuvirt_instance_unref(it->items[i]);
		free(it->items);
		free(it);
	}
	return NULL;
}

GPUVIRT_EXPORT int gpuvirt_instance_new_from_uuid(gpuvirt_ctx *ctx, const char *uuid, gpuvirt_instance **out)
{
	char canon[37];
	struct ilist l;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if (!uuid || gv_parse_uuid(uuid, canon) < 0)
		return gv_fail(ctx, -EINVAL, "'%s' is not a UUID", uuid ? uuid : "(null)");
	if ((r = list_instances(ctx, &l)) < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		if (!*out && l.v[i]->uuid && strcmp(l.v[i]->uuid, canon) == 0)
			*out = gpuvirt_instance_ref(l.v[i]);
		gpuvirt_instance_unref(l.v[i]);
	}
	free(l.v);
	return *out ? 0 : gv_fail(ctx, -ENOENT, "no instance %s", canon);
}

GPUVIRT_EXPORT gpuvirt_instance *gpuvirt_instance_ref(gpuvirt_instance *inst)
{
	if (inst)
		inst->refcount++;
	return inst;
}

GPUVIRT_EXPORT gpuvirt_instance *gpuvirt_instance_unref(gpuvirt_instance *inst)
{
	if (!inst)
		return NULL;
	if (--inst->refcount > 0)
		return inst;
	free(inst->uuid);
	free(inst->parent);
	free(inst->profile);
	free(inst->sysfs_path);
	free(inst->vf);
	gpuvirt_ctx_unref(inst->ctx);
	free(inst);
	return NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_uuid(const gpuvirt_instance *inst)
{
	return inst ? inst->uuid : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_parent(const gpuvirt_instance *inst)
{
	return inst ? inst->parent : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_profile_id(const gpuvirt_instance *inst)
{
	return inst ? inst->profile : NULL;
}

GPUVIRT_EXPORT int gpuvirt_instance_get_mechanism(const gpuvirt_instance *inst)
{
	return inst ? inst->mechanism : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_sysfs_path(const gpuvirt_instance *inst)
{
	return inst ? inst->sysfs_path : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_vf_bdf(const gpuvirt_instance *inst)
{
	return inst ? inst->vf : NULL;
}

GPUVIRT_EXPORT int gpuvirt_instance_is_active(const gpuvirt_instance *inst)
{
	return inst ? inst->active : -EINVAL;
}

GPUVIRT_EXPORT int gpuvirt_instance_is_persistent(const gpuvirt_instance *inst)
{
	return inst ? inst->persistent : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_instance_get_owner(const gpuvirt_instance *inst)
{
	return inst && inst->owner[0] ? inst->owner : NULL;
}

static int check_owner(gpuvirt_ctx *ctx, const char *owner)
{
	size_t len = owner ? strlen(owner) : 0;

	if (len >= sizeof(((gpuvirt_instance *)0)->owner))
		return gv_fail(ctx, -EINVAL, "an owner tag has at most 63 characters");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)owner[i] < 0x20 || owner[i] == 0x7f)
			return gv_fail(ctx, -EINVAL, "an owner tag has no control characters");
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_instance_set_owner(gpuvirt_instance *inst, const char *owner)
{
	struct gv_want w;
	char key[GV_KEY_LEN];
	int fd, r;

	if (!inst)
		return -EINVAL;
	gv_clear_error(inst->ctx);
	if (!inst->uuid)
		return gv_fail(inst->ctx, -EINVAL, "an instance made by another tool (no UUID) has no record");
	if ((r = check_owner(inst->ctx, owner)) < 0)
		return r;
	snprintf(key, sizeof(key), "gpu-%s", inst->parent);
	if ((r = gv_lock_take(inst->ctx, key, false, &fd)) < 0)
		return r;
	r = gv_persist_get(inst->ctx, GV_WANT_INSTANCE, inst->uuid, &w);
	if (r == -ENOENT)
		r = gv_fail(inst->ctx, -ENOENT, "%s is not recorded in etc/gpuvirt: create it with GPUVIRT_INSTANCE_PERSIST",
			    inst->uuid);
	if (r == 0) {
		snprintf(w.owner, sizeof(w.owner), "%s", owner ? owner : "");
		r = gv_persist_put(inst->ctx, &w);
	}
	gv_lock_release(fd);
	if (r == 0)
		snprintf(inst->owner, sizeof(inst->owner), "%s", owner ? owner : "");
	return r;
}

/* ---- creating ---------------------------------------------------------- */


static int make_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -errno;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static bool uuid_in_use(gpuvirt_ctx *ctx, const char *uuid)
{
	char rel[128];
	gpuvirt_instance *in = NULL;
	bool used;

	if (gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid) < 0 || gv_exists(ctx, rel) != 0)
		return true;
	if (gv_path(rel, sizeof(rel), "run/gpuvirt/instances/%s", uuid) < 0 || gv_exists(ctx, rel) != 0)
		return true;
	/* one only defined (for mdevctl, or in etc/gpuvirt) is what a restore
	 * or mdevctl start makes: not in use */
	used = gpuvirt_instance_new_from_uuid(ctx, uuid, &in) == 0 && gpuvirt_instance_is_active(in) == 1;
	gpuvirt_instance_unref(in);
	gv_clear_error(ctx);
	return used;
}

/* Re-read one profile under the lock. */
static int fresh_profile(gpuvirt_ctx *ctx, const gpuvirt_profile *old, gpuvirt_profile **out)
{
	gpuvirt_device *d = NULL;
	struct plist l;
	int r;

	*out = NULL;
	if (gv_parse_bdf(old->parent, (char[GV_BDF_LEN]){0}) == 0 &&
	    (r = gpuvirt_device_new_from_bdf(ctx, old->parent, &d)) < 0)
		return r;
	r = gv_profiles_collect(ctx, d, &l);
	gpuvirt_device_unref(d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n && !*out; i++)
		if (strcmp(l.v[i]->id, old->id) == 0 && strcmp(l.v[i]->parent, old->parent) == 0 &&
		    l.v[i]->mechanism == old->mechanism)
			*out = gpuvirt_profile_ref(l.v[i]);
	gv_plist_free(&l);
	return *out ? 0 : -ENOENT;
}
/* ---- creating: the request and its placement ---------------------------- */

struct request {
	const char *profile;
	char bdf[GV_BDF_LEN]; /* "" any GPU */
	int policy, numa_node;
	uint32_t flags;
	char uuid[37];
	const char *parent; /* a restore: this parent (a BDF, or mbochs) only */
	const char *vf;	    /* a restore: this VF only */
	const char *owner;  /* recorded with GPUVIRT_INSTANCE_PERSIST */
};

static int check_request(gpuvirt_ctx *ctx, const char *profile, const char *bdf, int policy, int numa_node,
			 const char *uuid, uint32_t flags, struct request *rq)
{
	const uint32_t known = GPUVIRT_INSTANCE_PERSIST | GPUVIRT_INSTANCE_WAIT | GPUVIRT_INSTANCE_DRY_RUN;
	int r;

	memset(rq, 0, sizeof(*rq));
	rq->profile = profile;
	rq->policy = policy;
	rq->numa_node = numa_node;
	rq->flags = flags;
	if (!profile || !*profile || strlen(profile) > 128)
		return gv_fail(ctx, -EINVAL, "no profile named");
	if (policy != GPUVIRT_POLICY_PACK && policy != GPUVIRT_POLICY_SPREAD)
		return gv_fail(ctx, -EINVAL, "unknown placement policy %d", policy);
	if (numa_node < -1 || (flags & ~known))
		return gv_fail(ctx, -EINVAL, "%s", numa_node < -1 ? "bad NUMA node" : "unknown flags");
	if (bdf && gv_parse_bdf(bdf, rq->bdf) < 0)
		return gv_fail(ctx, -EINVAL, "'%s' is not a PCI address", bdf);
	if (!uuid)
		return (r = make_uuid(rq->uuid)) < 0 ? gv_fail(ctx, r, "cannot make a UUID: %s", gpuvirt_strerror(r)) : 0;
	if (gv_parse_uuid(uuid, rq->uuid) < 0)
		return gv_fail(ctx, -EINVAL, "'%s' is not a UUID", uuid);
	if (uuid_in_use(ctx, rq->uuid))
		return gv_fail(ctx, -EEXIST, "UUID %s is already in use", rq->uuid);
	return 0;
}

static int release_locked(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags);

/* Record a new instance in etc/gpuvirt (and its PF's VF count where it
 * lives on a VF); when that fails, the instance is released again. */
static int persist_new(gpuvirt_ctx *ctx, const struct request *rq, const gpuvirt_profile *p)
{
	struct gv_want w = {.kind = GV_WANT_INSTANCE, .mechanism = p->mechanism};
	gpuvirt_instance *in = NULL;
	char why[sizeof(ctx->error)];
	int r;

	if ((r = gpuvirt_instance_new_from_uuid(ctx, rq->uuid, &in)) < 0)
		return r;
	memcpy(w.uuid, rq->uuid, sizeof(w.uuid));
	snprintf(w.device, sizeof(w.device), "%s", in->parent);
	snprintf(w.profile, sizeof(w.profile), "%s", in->profile);
	snprintf(w.vf, sizeof(w.vf), "%s", in->vf ? in->vf : "");
	snprintf(w.owner, sizeof(w.owner), "%s", rq->owner ? rq->owner : "");
	if ((r = gv_persist_put(ctx, &w)) == 0 && (r = gv_persist_vfs_of(ctx, in->vf ? in->vf : in->parent)) == 0) {
		gpuvirt_instance_unref(in);
		return 0;
	}
	memcpy(why, ctx->error, sizeof(why));
	if (release_locked(ctx, in, GPUVIRT_INSTANCE_PERSIST) == 0)
		gv_fail(ctx, r, "%s (the instance was released again)", why);
	gpuvirt_instance_unref(in);
	return r;
}

/* One candidate GPU, under its lock: -ENOSPC when it has no room now. */
static int try_parent(gpuvirt_ctx *ctx, const struct request *rq, const gpuvirt_profile *p)
{
	gpuvirt_profile *now = NULL;
	char key[GV_KEY_LEN];
	int fd, r;

	snprintf(key, sizeof(key), "gpu-%s", p->parent);
	if ((r = gv_lock_take(ctx, key, rq->flags & GPUVIRT_INSTANCE_WAIT, &fd)) < 0)
		return r;
	gv_devdirs_hold(ctx); /* the parent's and its VFs' directories: walked once */
	/* Check again under the lock: another process may have taken the last one. */
	if ((r = fresh_profile(ctx, p, &now)) == 0 && now->available > 0) {
		if (now->mechanism == GPUVIRT_MECHANISM_MDEV)
			r = gv_mdev_create(ctx, now, rq->uuid, rq->flags);
		else if (now->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR)
			r = gv_vendor_create(ctx, now, rq->uuid, rq->vf);
		else
			r = gv_sriov_create(ctx, now, rq->uuid, rq->vf);
		if (r == 0 && (rq->flags & GPUVIRT_INSTANCE_PERSIST))
			r = persist_new(ctx, rq, now);
	} else if (r == 0 || r == -ENOENT) {
		r = -ENOSPC;
	}
	gv_devdirs_release(ctx);
	gv_lock_release(fd);
	gpuvirt_profile_unref(now);
	return r;
}

static int create(gpuvirt_ctx *ctx, const struct request *rq, gpuvirt_instance **out)
{
	const uint32_t flags = rq->flags;
	struct gv_candidate *cands = NULL;
	struct plist all = {0};
	gpuvirt_device *dev = NULL;
	char tried[1024] = "";
	size_t nc = 0;
	int r;

	if (rq->bdf[0] && (r = gpuvirt_device_new_from_bdf(ctx, rq->bdf, &dev)) < 0)
		return r;
	r = gv_profiles_collect(ctx, dev, &all);
	gpuvirt_device_unref(dev);
	if (r == 0 && (r = gv_place(ctx, &(struct gv_place_request){rq->profile, rq->bdf, rq->parent, rq->policy,
								     rq->numa_node},
				    &all, &cands, &nc)) == 0) {
		r = -ENOSPC;
		for (size_t i = 0; i < nc && r == -ENOSPC; i++) {
			size_t l = strlen(tried);
			snprintf(tried + l, sizeof(tried) - l, "%s%s: %s", l ? "; " : "", cands[i].p->parent,
				 cands[i].p->why ? cands[i].p->why : "taken by the time its lock was held");
			if (cands[i].p->available > 0)
				r = (flags & GPUVIRT_INSTANCE_DRY_RUN) ? 0 : try_parent(ctx, rq, cands[i].p);
			if (r == 0 && (flags & GPUVIRT_INSTANCE_DRY_RUN))
				gv_info(ctx, "would create %s on %s", cands[i].p->id, cands[i].p->parent);
		}
		if (r == 0 && !(flags & GPUVIRT_INSTANCE_DRY_RUN))
			r = gpuvirt_instance_new_from_uuid(ctx, rq->uuid, out);
		else if (r == -ENOSPC)
			r = gv_fail(ctx, -ENOSPC, "profile %s has no room: %s", rq->profile, tried);
	}
	free(cands);
	gv_plist_free(&all);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_instance_create(gpuvirt_ctx *ctx, const char *profile, const char *bdf, int policy,
					   int numa_node, const char *uuid, uint32_t flags, gpuvirt_instance **out)
{
	struct request rq;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if ((r = check_request(ctx, profile, bdf, policy, numa_node, uuid, flags, &rq)) < 0)
		return r;
	return create(ctx, &rq, out);
}

int gv_instance_restore(gpuvirt_ctx *ctx, const struct gv_want *w, uint32_t flags)
{
	const char *bdf = gv_parse_bdf(w->device, (char[GV_BDF_LEN]){0}) == 0 ? w->device : NULL;
	gpuvirt_instance *in = NULL;
	struct request rq;
	int r;

	if ((r = check_request(ctx, w->profile, bdf, GPUVIRT_POLICY_PACK, -1, w->uuid, flags, &rq)) < 0)
		return r;
	rq.parent = w->device;
	rq.vf = w->vf[0] ? w->vf : NULL;
	rq.owner = w->owner[0] ? w->owner : NULL;
	r = create(ctx, &rq, &in);
	gpuvirt_instance_unref(in);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_holder_iter_new_for_instance(gpuvirt_instance *inst, gpuvirt_holder_iter **out)
{
	struct gv_holders h;
	int r;

	if (out)
		*out = NULL;
	if (!inst || !out)
		return -EINVAL;
	gv_clear_error(inst->ctx);
	if ((r = gv_instance_holders(inst->ctx, inst->mechanism == GPUVIRT_MECHANISM_MDEV ? inst->uuid : inst->vf, &h)) < 0)
		return r;
	r = gv_holder_iter_from(&h, out);
	gv_holders_free(&h);
	return r;
}

/* ---- destroying -------------------------------------------------------- */

static int release_mechanism(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags)
{
	if (!inst->active && inst->mechanism != GPUVIRT_MECHANISM_MDEV)
		return (flags & GPUVIRT_INSTANCE_PERSIST) ? 0
			: gv_fail(ctx, -ENODEV, "%s is only recorded in etc/gpuvirt (not restored); release it with "
				  "GPUVIRT_INSTANCE_PERSIST", inst->uuid ? inst->uuid : inst->vf);
	switch (inst->mechanism) {
	case GPUVIRT_MECHANISM_MDEV: return gv_mdev_release(ctx, inst, flags);
	case GPUVIRT_MECHANISM_NVIDIA_VENDOR: return gv_vendor_release(ctx, inst);
	case GPUVIRT_MECHANISM_SRIOV_VF: return gv_sriov_release(ctx, inst);
	default: return gv_fail(ctx, -EINVAL, "instance of an unknown mechanism %d", inst->mechanism);
	}
}

/* The instance, and with GPUVIRT_INSTANCE_PERSIST its record in etc/gpuvirt. */
static int release_locked(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags)
{
	int r = release_mechanism(ctx, inst, flags);

	if (r == 0 && (flags & GPUVIRT_INSTANCE_PERSIST) && inst->uuid)
		r = gv_persist_remove(ctx, GV_WANT_INSTANCE, inst->uuid);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_instance_destroy(gpuvirt_instance *inst, uint32_t flags)
{
	gpuvirt_ctx *ctx;
	char key[GV_KEY_LEN];
	int fd = -1, r;

	if (!inst)
		return -EINVAL;
	ctx = inst->ctx;
	gv_clear_error(ctx);
	if (flags & ~(uint32_t)(GPUVIRT_INSTANCE_PERSIST | GPUVIRT_INSTANCE_WAIT))
		return gv_fail(ctx, -EINVAL, "unknown flags");
	snprintf(key, sizeof(key), "gpu-%s", inst->parent);
	if ((r = gv_lock_take(ctx, key, flags & GPUVIRT_INSTANCE_WAIT, &fd)) < 0)
		return r;
	gv_devdirs_hold(ctx);
	r = release_locked(ctx, inst, flags);
	gv_devdirs_release(ctx);
	gv_lock_release(fd);
	if (r == 0)
		inst->active = false;
	return r;
}
