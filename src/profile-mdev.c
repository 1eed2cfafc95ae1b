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
static int type_attr(gpuvirt_ctx *ctx, const char *base, const char *attr, char *buf, size_t size)
{
	ssize_t n = gv_attr_str(ctx, buf, size, "%s/%s", base, attr);

	if (n >= 0 || n == -ENOENT)
		return 0;
	return gv_fail(ctx, (int)n, "cannot read %s/%s under %s: %s", base, attr, ctx->root, gpuvirt_strerror((int)n));
}

/* The name a parent goes by in sys/class/mdev_bus, and the PF of a VF parent. */
int gv_mdev_profiles(gpuvirt_ctx *ctx, const struct gv_strv *only, struct plist *out)
{
	char **parents;
	size_t np;
	int r = 0;

	r = gv_list_dir(ctx, "sys/class/mdev_bus", &parents, &np);
	if (r == -ENOENT)
		return 0; /* no mdev parent on this host */
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/class/mdev_bus under %s: %s", ctx->root, gpuvirt_strerror(r));
	for (size_t i = 0; i < np && r == 0; i++) {
		char pf[GV_BDF_LEN] = "", rel[256], **types;
		size_t nt;
		const char *parent = parents[i];
		bool wanted = !only;
		/* mdev types on a VF belong to the GPU its PF is. */
		if (gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s/physfn", parent) == 0 &&
		    gv_readlink_base(ctx, rel, pf, sizeof(pf)) > 0)
			parent = pf;
		for (size_t k = 0; only && k < only->n && !wanted; k++)
			wanted = strcmp(only->v[k], parents[i]) == 0 || strcmp(only->v[k], parent) == 0;
		if (!wanted)
			continue;
		if (gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s/mdev_supported_types", parents[i]) < 0 ||
		    gv_list_dir(ctx, rel, &types, &nt) < 0)
			continue;
		long numa = gv_attr_long(ctx, -1, "sys/class/mdev_bus/%s/%s", parents[i], "numa_node");
		for (size_t t = 0; t < nt && r == 0; t++) {
			char base[400], name[256], desc[1024], api[64], avail[32];
			gpuvirt_profile *p;
			if (gv_path(base, sizeof(base), "sys/class/mdev_bus/%s/mdev_supported_types/%s", parents[i], types[t]) < 0)
				continue;
			if ((r = type_attr(ctx, base, "name", name, sizeof(name))) < 0 ||
			    (r = type_attr(ctx, base, "description", desc, sizeof(desc))) < 0 ||
			    (r = type_attr(ctx, base, "device_api", api, sizeof(api))) < 0 ||
			    (r = type_attr(ctx, base, "available_instances", avail, sizeof(avail))) < 0)
				break;
			p = gv_profile_alloc(types[t], name, desc[0] ? desc : NULL, api[0] ? api : NULL, parent,
					     GPUVIRT_MECHANISM_MDEV);
			if (p) {
				long a;
				p->numa = (int)numa;
				if (gv_parse_int(avail, strlen(avail), 0, 1L << 30, &a) < 0) {
					/* Unknown capacity is none free: never a guess. */
					gv_warn(ctx, "%s/available_instances: '%s' is not a count; taken as 0", base, avail);
					a = 0;
				}
				p->available = (uint32_t)a;
				p->instances = (uint32_t)gv_attr_count(ctx, "%s/%s", base, "devices");
				if (parent != parents[i] && !(p->vf_parent = strdup(parents[i]))) {
					gpuvirt_profile_unref(p);
					p = NULL;
				}
			}
			r = gv_plist_add(out, p);
		}
		gv_names_free(types, nt);
	}
	gv_names_free(parents, np);
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
