/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU profiles over mediated devices: a parent's mdev_supported_types/<type>/
 * (listed under sys/class/mdev_bus/, where mdevctl looks too); create by
 * writing a UUID to `create`, release by writing 1 to the instance's
 * `remove` (both through the mutation layer). The driver keeps the
 * accounting (available_instances). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "profile-private.h"

/* An attribute of an mdev type: "" when it is absent (not every driver has
 * a name or a description); an error naming the file otherwise. */
static int type_attr(gpuvirt_ctx *ctx, struct gv_dir *t, const char *attr, char *buf, size_t size)
{
	ssize_t n = gv_dir_attr_str(ctx, t, attr, buf, size);

	if (n >= 0 || n == -ENOENT)
		return 0;
	return gv_fail(ctx, (int)n, "cannot read %s/%s under %s: %s", t->rel, attr, ctx->root, gpuvirt_strerror((int)n));
}

/* The host's instances: each one's parent and type, from sys/bus/mdev/devices
 * once (an instance's links name both), rather than a listing of every
 * type's devices/ folder. */
struct instance_list {
	struct instance_of {
		char parent[64], type[64];
	} *v;
	size_t n;
};

static int list_instances(gpuvirt_ctx *ctx, struct instance_list *il)
{
	struct gv_dir bus;
	int r = gv_dir_open(ctx, "sys/bus/mdev/devices", &bus);

	memset(il, 0, sizeof(*il));
	if (r == -ENOENT || r == -ENOTDIR)
		return 0; /* no instance on this host */
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/bus/mdev/devices under %s: %s", ctx->root, gpuvirt_strerror(r));
	if (bus.count && !(il->v = calloc(bus.count, sizeof(*il->v))))
		r = -ENOMEM;
	for (size_t i = 0; i < bus.count && r == 0; i++)
		if (gv_mdev_lookup(ctx, bus.ents[i].name, il->v[il->n].parent, sizeof(il->v[il->n].parent),
				   il->v[il->n].type, sizeof(il->v[il->n].type)) == 0)
			il->n++;
	gv_dir_close(&bus);
	return r;
}

static uint32_t instances_of(const struct instance_list *il, const char *parent, const char *type)
{
	uint32_t n = 0;

	for (size_t i = 0; i < il->n; i++)
		n += strcmp(il->v[i].parent, parent) == 0 && strcmp(il->v[i].type, type) == 0;
	return n;
}

/* Where the types are listed: the parent's name in sys/class/mdev_bus, the
 * GPU it belongs to (the PF of a VF parent) and its NUMA node; the host's
 * instances. */
struct mdev_parent {
	const char *name, *gpu;
	int numa;
	const struct instance_list *instances;
};

/* One type: its directory opened and listed once, its files read from it. */
static int type_profile(gpuvirt_ctx *ctx, const struct gv_dir *types, const char *type, const struct mdev_parent *mp,
			struct plist *out)
{
	char rel[512], name[256], desc[1024], api[64], avail[32];
	struct gv_dir t;
	gpuvirt_profile *p;
	long a;
	int r;

	if (gv_path(rel, sizeof(rel), "%s/%s", types->rel, type) < 0)
		return 0;
	if ((r = gv_dir_open(ctx, rel, &t)) == -ENOENT)
		return 0; /* gone since the listing */
	if (r < 0)
		return gv_fail(ctx, r, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
	if ((r = type_attr(ctx, &t, "name", name, sizeof(name))) < 0 ||
	    (r = type_attr(ctx, &t, "description", desc, sizeof(desc))) < 0 ||
	    (r = type_attr(ctx, &t, "device_api", api, sizeof(api))) < 0 ||
	    (r = type_attr(ctx, &t, "available_instances", avail, sizeof(avail))) < 0) {
		gv_dir_close(&t);
		return r;
	}
	p = gv_profile_alloc(type, name, desc[0] ? desc : NULL, api[0] ? api : NULL, mp->gpu, GPUVIRT_MECHANISM_MDEV);
	if (p) {
		p->numa = mp->numa;
		if (gv_parse_int(avail, strlen(avail), 0, 1L << 30, &a) < 0) {
			/* Unknown capacity is none free: never a guess. */
			gv_warn(ctx, "%s/available_instances: '%s' is not a count; taken as 0", rel, avail);
			a = 0;
		}
		p->available = (uint32_t)a;
		p->instances = instances_of(mp->instances, mp->name, type);
		if (mp->gpu != mp->name && !(p->vf_parent = strdup(mp->name))) {
			gpuvirt_profile_unref(p);
			p = NULL;
		}
	}
	gv_dir_close(&t);
	return gv_plist_add(out, p);
}

/* A parent's types; `only` filters by parent or GPU. */
static int parent_profiles(gpuvirt_ctx *ctx, const char *name, const struct gv_strv *only,
			   const struct instance_list *il, struct plist *out)
{
	char pf[GV_BDF_LEN] = "", rel[256], buf[64];
	struct mdev_parent mp = {.name = name, .gpu = name, .numa = -1, .instances = il};
	struct gv_dir dir, types;
	bool wanted = !only;
	long v;
	int r;

	if (gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s", name) < 0 || gv_dir_open(ctx, rel, &dir) < 0)
		return 0;
	/* mdev types on a VF belong to the GPU its PF is. */
	if (gv_dir_readlink_base(ctx, &dir, "physfn", pf, sizeof(pf)) > 0)
		mp.gpu = pf;
	for (size_t k = 0; only && k < only->n && !wanted; k++)
		wanted = strcmp(only->v[k], name) == 0 || strcmp(only->v[k], mp.gpu) == 0;
	if (gv_dir_attr_str(ctx, &dir, "numa_node", buf, sizeof(buf)) > 0 &&
	    gv_parse_int(buf, strlen(buf), -1, 1L << 30, &v) == 0)
		mp.numa = (int)v;
	gv_dir_close(&dir);
	if (!wanted || gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s/mdev_supported_types", name) < 0 ||
	    gv_dir_open(ctx, rel, &types) < 0)
		return 0;
	r = 0;
	for (size_t t = 0; t < types.count && r == 0; t++)
		r = type_profile(ctx, &types, types.ents[t].name, &mp, out);
	gv_dir_close(&types);
	return r;
}

int gv_mdev_profiles(gpuvirt_ctx *ctx, const struct gv_strv *only, struct plist *out)
{
	struct instance_list il;
	struct gv_dir parents;
	int r = gv_dir_open(ctx, "sys/class/mdev_bus", &parents);

	if (r == -ENOENT)
		return 0; /* no mdev parent on this host */
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/class/mdev_bus under %s: %s", ctx->root, gpuvirt_strerror(r));
	r = list_instances(ctx, &il);
	for (size_t i = 0; i < parents.count && r == 0; i++)
		r = parent_profiles(ctx, parents.ents[i].name, only, &il, out);
	free(il.v);
	gv_dir_close(&parents);
	return r;
}

bool gv_mdevctl_defined(gpuvirt_ctx *ctx, const char *parent, const char *uuid)
{
	char rel[256];

	return gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", parent, uuid) == 0 && gv_exists(ctx, rel) == 1;
}

/* An active mdev: its parent's name and its type. */
int gv_mdev_lookup(gpuvirt_ctx *ctx, const char *uuid, char *parent, size_t psize, char *type, size_t tsize)
{
	char rel[256], target[512];
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s/mdev_type", uuid) < 0)
		return -EINVAL;
	if (gv_readlink_base(ctx, rel, type, tsize) <= 0)
		return -ENOENT;
	/* The parent is the folder the instance lives in. */
	if (gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid) < 0)
		return -EINVAL;
	n = gv_readlink(ctx, rel, target, sizeof(target));
	if (n <= 0)
		return -ENOENT;
	char *last = strrchr(target, '/');
	if (!last)
		return -ENOENT;
	*last = '\0';
	char *prev = strrchr(target, '/');
	const char *name = prev ? prev + 1 : target;
	if (strlen(name) >= psize)
		return -ENAMETOOLONG;
	memcpy(parent, name, strlen(name) + 1);
	return 0;
}

/* ---- creating and releasing -------------------------------------------- */

static int define_for_mdevctl(gpuvirt_ctx *ctx, const char *parent, const gpuvirt_profile *p, const char *uuid)
{
	char rel[256], json[256];
	int r;

	if ((r = gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", parent, uuid)) < 0)
		return gv_fail(ctx, r, "%s: cannot name its mdevctl definition", uuid);
	snprintf(json, sizeof(json), "{\n  \"mdev_type\": \"%s\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}\n", p->id);
	return gv_mut_put_file(ctx, rel, json);
}

int gv_mdev_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, uint32_t flags)
{
	const char *mp = p->vf_parent ? p->vf_parent : p->parent;
	pid_t writer;
	int r;

	if ((r = gv_create_journal_begin(ctx, uuid, p, NULL)) < 0)
		return r;
	r = gv_mut_mdev_create(ctx, mp, p->id, uuid);
	if (r == -EUSERS || r == -ENOSPC || r == -EDQUOT)
		r = gv_fail(ctx, -ENOSPC, "profile %s (%s) is exhausted on %s (the kernel said: %s)", p->id, p->name, mp,
			    gpuvirt_strerror(r));
	if (r == 0 && (flags & GPUVIRT_INSTANCE_PERSIST) && (r = define_for_mdevctl(ctx, mp, p, uuid)) < 0) {
		char why[sizeof(ctx->error)];
		memcpy(why, ctx->error, sizeof(why));
		if (gv_mut_mdev_remove(ctx, uuid, &writer) < 0)
			return r; /* the journal stays: recovery removes it */
		gv_fail(ctx, r, "%s", why);
	}
	if (gv_journal_end_create(ctx, uuid) < 0 && r == 0)
		r = -EIO;
	return r;
}

int gv_mdev_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags)
{
	char rel[256];
	pid_t writer;
	int r = 0;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", inst->uuid)) < 0)
		return r;
	r = gv_exists(ctx, rel);
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot tell whether it is active: %s", inst->uuid, gpuvirt_strerror(r));
	if (r == 1) {
		if ((r = gv_instance_holders_refuse(ctx, inst->uuid)) < 0 || (r = gv_mut_mdev_remove(ctx, inst->uuid, &writer)) < 0)
			return r;
	} else if (!(flags & GPUVIRT_INSTANCE_PERSIST)) {
		return gv_fail(ctx, -ENODEV, "%s is only defined for mdevctl; release it with GPUVIRT_INSTANCE_PERSIST",
			       inst->uuid);
	}
	if ((flags & GPUVIRT_INSTANCE_PERSIST) && gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", inst->parent, inst->uuid) == 0)
		return gv_mut_remove_file(ctx, rel);
	return 0;
}
