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

/* The files of a type that do not change while its driver is loaded (name,
 * description, device API) are read from the first parent of a model and
 * shared with the other parents of the same model: same driver, PCI IDs
 * (subsystem and revision included) and type. Each parent's own
 * available_instances is still read. A parent whose model cannot be told
 * shares nothing. */
struct type_consts {
	char name[256], desc[1024], api[64];
	struct gv_profile_info info; /* what name and description tell */
};

struct seen_types {
	struct seen_type {
		char *key; /* "<model>/<type>" */
		struct type_consts c;
	} *v;
	size_t n;
};

static const struct type_consts *seen_find(const struct seen_types *s, const char *model, const char *type)
{
	size_t ml = strlen(model);

	if (!model[0])
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strncmp(s->v[i].key, model, ml) == 0 && s->v[i].key[ml] == '/' &&
		    strcmp(s->v[i].key + ml + 1, type) == 0)
			return &s->v[i].c;
	return NULL;
}

/* Remember a type's files; running out of memory only costs the sharing. */
static void seen_add(struct seen_types *s, const char *model, const char *type, const struct type_consts *c)
{
	struct seen_type *v;
	char *key;

	if (!model[0] || asprintf(&key, "%s/%s", model, type) < 0)
		return;
	if (!(v = realloc(s->v, (s->n + 1) * sizeof(*v)))) {
		free(key);
		return;
	}
	s->v = v;
	v[s->n].key = key;
	v[s->n++].c = *c;
}

static void seen_free(struct seen_types *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
}

/* Where the types are listed: the parent's name in sys/class/mdev_bus, the
 * GPU it belongs to (the PF of a VF parent), its NUMA node and its model
 * ("" when it cannot be told); the host's instances and the types seen. */
struct mdev_parent {
	const char *name, *gpu;
	int numa;
	char model[96];
	const struct instance_list *instances;
	struct seen_types *seen;
};

/* A type's files from its directory, opened once from the parent's
 * mdev_supported_types: -ENOENT when the type is gone since the listing. */
static int read_type(gpuvirt_ctx *ctx, struct gv_dir *types, const char *type, struct type_consts *c, char *avail,
		     size_t asize)
{
	struct gv_dir t;
	int r = gv_dir_open_sub(ctx, types, type, false, &t);

	if (r == -ENOENT)
		return r;
	if (r < 0)
		return gv_fail(ctx, r, "cannot read %s/%s under %s: %s", types->rel, type, ctx->root, gpuvirt_strerror(r));
	if ((r = type_attr(ctx, &t, "name", c->name, sizeof(c->name))) == 0 &&
	    (r = type_attr(ctx, &t, "description", c->desc, sizeof(c->desc))) == 0 &&
	    (r = type_attr(ctx, &t, "device_api", c->api, sizeof(c->api))) == 0)
		r = type_attr(ctx, &t, "available_instances", avail, asize);
	gv_dir_close(&t);
	return r;
}

/* A type of a model already seen: only its available_instances, opened
 * beneath the parent's open mdev_supported_types. */
static int read_avail(gpuvirt_ctx *ctx, struct gv_dir *types, const char *type, char *avail, size_t asize)
{
	char name[320];
	ssize_t n;

	if (gv_path_join(name, sizeof(name), type, "available_instances") < 0)
		return -ENOENT;
	if ((n = gv_dir_attr_str(ctx, types, name, avail, asize)) >= 0 || n == -ENOENT)
		return n < 0 ? -ENOENT : 0; /* -ENOENT: the type is gone */
	return gv_fail(ctx, (int)n, "cannot read %s/%s under %s: %s", types->rel, name, ctx->root,
		       gpuvirt_strerror((int)n));
}

/* One type of a parent as a profile. */
static int type_profile(gpuvirt_ctx *ctx, struct gv_dir *types, const char *type, const struct mdev_parent *mp,
			struct plist *out)
{
	const struct type_consts *seen = seen_find(mp->seen, mp->model, type);
	struct type_consts own;
	char avail[32];
	gpuvirt_profile *p;
	long a;
	int r;

	r = seen ? read_avail(ctx, types, type, avail, sizeof(avail))
		 : read_type(ctx, types, type, &own, avail, sizeof(avail));
	if (r == -ENOENT)
		return 0; /* gone since the listing */
	if (r < 0)
		return r;
	if (!seen) {
		gv_parse_profile(own.name[0] ? own.name : type, own.desc[0] ? own.desc : NULL, strlen(own.desc),
				 &own.info);
		seen_add(mp->seen, mp->model, type, &own);
		seen = &own;
	}
	p = gv_profile_alloc(type, seen->name, seen->desc[0] ? seen->desc : NULL, seen->api[0] ? seen->api : NULL,
			     mp->gpu, GPUVIRT_MECHANISM_MDEV, &seen->info);
	if (p) {
		p->numa = mp->numa;
		if (gv_parse_int(avail, strlen(avail), 0, 1L << 30, &a) < 0) {
			/* Unknown capacity is none free: never a guess. */
			gv_warn(ctx, "%s/%s/available_instances: '%s' is not a count; taken as 0", types->rel, type,
				avail);
			a = 0;
		}
		p->available = (uint32_t)a;
		p->instances = instances_of(mp->instances, mp->name, type);
		if (mp->gpu != mp->name && !(p->vf_parent = strdup(mp->name))) {
			gpuvirt_profile_unref(p);
			p = NULL;
		}
	}
	return gv_plist_add(out, p);
}

/* A parent's model: its driver and the IDs from its config space (a VF's
 * vendor and device from their own files); "" when any of it is unreadable. */
static void parent_model(gpuvirt_ctx *ctx, struct gv_dir *dir, char *model, size_t size)
{
	char drv[64], id[16];
	uint8_t cfg[64];
	struct gv_pci_ids ids;
	uint32_t v[2];
	ssize_t n;

	model[0] = '\0';
	if (gv_dir_readlink_base(ctx, dir, "driver", drv, sizeof(drv)) <= 0 ||
	    (n = gv_dir_read(ctx, dir, "config", cfg, sizeof(cfg))) < 0 || gv_parse_config(cfg, (size_t)n, &ids) < 0)
		return;
	if (!ids.has_ids) {
		for (int i = 0; i < 2; i++)
			if (gv_dir_attr_str(ctx, dir, i ? "device" : "vendor", id, sizeof(id)) <= 0 ||
			    gv_parse_hex(id, strlen(id), 0xffff, &v[i]) < 0)
				return;
		ids.vendor = (uint16_t)v[0];
		ids.device = (uint16_t)v[1];
	}
	snprintf(model, size, "%s %04x:%04x %04x:%04x r%02x", drv, ids.vendor, ids.device, ids.subsystem_vendor,
		 ids.subsystem_device, ids.revision);
}

/* A parent's types; `only` filters by parent or GPU. */
static int parent_profiles(gpuvirt_ctx *ctx, const char *name, const struct gv_strv *only,
			   const struct instance_list *il, struct seen_types *seen, struct plist *out)
{
	char pf[GV_BDF_LEN] = "", rel[256], buf[64];
	struct mdev_parent mp = {.name = name, .gpu = name, .numa = -1, .instances = il, .seen = seen};
	struct gv_dir dir, types;
	bool wanted = !only;
	long v;
	int r;

	if (gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s", name) < 0 || gv_dir_open_unlisted(ctx, rel, &dir) < 0)
		return 0;
	/* mdev types on a VF belong to the GPU its PF is. */
	if (gv_dir_readlink_base(ctx, &dir, "physfn", pf, sizeof(pf)) > 0)
		mp.gpu = pf;
	for (size_t k = 0; only && k < only->n && !wanted; k++)
		wanted = strcmp(only->v[k], name) == 0 || strcmp(only->v[k], mp.gpu) == 0;
	if (wanted && gv_dir_attr_str(ctx, &dir, "numa_node", buf, sizeof(buf)) > 0 &&
	    gv_parse_int(buf, strlen(buf), -1, 1L << 30, &v) == 0)
		mp.numa = (int)v;
	if (wanted)
		parent_model(ctx, &dir, mp.model, sizeof(mp.model));
	r = wanted ? gv_dir_open_sub(ctx, &dir, "mdev_supported_types", true, &types) : -ENOENT;
	gv_dir_close(&dir);
	if (r < 0)
		return 0;
	r = 0;
	for (size_t t = 0; t < types.count && r == 0; t++)
		r = type_profile(ctx, &types, types.ents[t].name, &mp, out);
	gv_dir_close(&types);
	return r;
}

int gv_mdev_profiles(gpuvirt_ctx *ctx, const struct gv_strv *only, struct plist *out)
{
	struct seen_types seen = {0};
	struct instance_list il;
	struct gv_dir parents;
	int r = gv_dir_open(ctx, "sys/class/mdev_bus", &parents);

	if (r == -ENOENT)
		return 0; /* no mdev parent on this host */
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/class/mdev_bus under %s: %s", ctx->root, gpuvirt_strerror(r));
	r = list_instances(ctx, &il);
	for (size_t i = 0; i < parents.count && r == 0; i++)
		r = parent_profiles(ctx, parents.ents[i].name, only, &il, &seen, out);
	seen_free(&seen);
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
