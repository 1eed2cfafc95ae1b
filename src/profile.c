/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU profiles and instances over three sysfs dialects.
 *
 * mdev: a parent's mdev_supported_types/<type>/ (listed under
 *   sys/class/mdev_bus/, where mdevctl looks too); create by writing a UUID
 *   to `create`, release by writing 1 to the instance's `remove`. The driver
 *   keeps the accounting (available_instances).
 * NVIDIA vendor vGPU: each VF's nvidia/creatable_vgpu_types lists what it can
 *   create now; writing a type id to nvidia/current_vgpu_type creates, 0
 *   releases. A profile is (PF, type); its availability is the number of VFs
 *   that can still create it.
 * SR-IOV VF (AMD MxGPU, Intel SR-IOV): one profile per PF; an instance is a
 *   free VF handed to vfio-pci (bind.c), VFs enabled first when none is.
 *
 * An instance's UUID is the mdev's own; for VF-based mechanisms libgpuvirt
 * keeps run/gpuvirt/instances/<uuid>. Creation holds run/lock/gpuvirt/
 * gpu-<parent>.lock around check-and-create, and run/gpuvirt/
 * create-<uuid>.journal from before the write until the instance is
 * complete, so that recovery removes what a crash left half-made. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "private.h"

struct gpuvirt_profile {
	int refcount;
	char *id, *name, *description, *device_api, *parent;
	char *vf_parent; /* mdev types on a VF: the VF (the parent is its PF) */
	int mechanism, numa;
	uint32_t available, instances;
	struct gv_profile_info info;
};

struct gpuvirt_profile_iter {
	gpuvirt_profile **items;
	size_t n, pos;
};

struct gpuvirt_instance {
	int refcount;
	gpuvirt_ctx *ctx;
	char *uuid, *parent, *profile, *sysfs_path, *vf;
	int mechanism;
	bool active, persistent;
};

struct gpuvirt_instance_iter {
	gpuvirt_instance **items;
	size_t n, pos;
};

struct plist {
	gpuvirt_profile **v;
	size_t n;
};

/* Our record of a VF-based instance, run/gpuvirt/instances/<uuid>: lines
 * "mechanism M", "parent P", "profile T", "name N", "vf V". */
struct record {
	char uuid[37], parent[64], profile[64], vf[GV_BDF_LEN], name[96];
	int mechanism;
};
static int record_read(gpuvirt_ctx *ctx, const char *uuid, struct record *rec);
static void record_for_vf(gpuvirt_ctx *ctx, const char *vf, char out[37]);

/* ---- profile objects --------------------------------------------------- */

static gpuvirt_profile *profile_alloc(const char *id, const char *name, const char *desc, const char *api,
				      const char *parent, int mechanism)
{
	gpuvirt_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->refcount = 1;
	p->mechanism = mechanism;
	p->numa = -1;
	p->id = strdup(id);
	p->name = strdup(name && *name ? name : id);
	p->description = desc ? strdup(desc) : NULL;
	p->device_api = api ? strdup(api) : NULL;
	p->parent = strdup(parent);
	if (!p->id || !p->name || (desc && !p->description) || (api && !p->device_api) || !p->parent)
		return gpuvirt_profile_unref(p);
	gv_parse_profile(p->name, desc, desc ? strlen(desc) : 0, &p->info);
	return p;
}

static int plist_add(struct plist *l, gpuvirt_profile *p)
{
	gpuvirt_profile **nv;

	if (!p)
		return -ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		gpuvirt_profile_unref(p);
		return -ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = p;
	return 0;
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		gpuvirt_profile_unref(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A path from a format, checked to stay in the root. */
static int vpath(char *rel, size_t size, const char *fmt, va_list ap) GV_PRINTF(3, 0);
static int vpath(char *rel, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(rel, size, fmt, ap);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return gv_path_is_safe(rel) ? 0 : -EXDEV;
}

/* A small attribute, trailing newlines and blanks dropped; "" on error. */
static ssize_t read_str(gpuvirt_ctx *ctx, char *buf, size_t size, const char *fmt, ...) GV_PRINTF(4, 5);
static ssize_t read_str(gpuvirt_ctx *ctx, char *buf, size_t size, const char *fmt, ...)
{
	char rel[512];
	va_list ap;
	ssize_t n;
	int r;

	buf[0] = '\0';
	va_start(ap, fmt);
	r = vpath(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	n = gv_read_text(ctx, rel, buf, size);
	if (n < 0) {
		buf[0] = '\0';
		return n;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

static long read_long(gpuvirt_ctx *ctx, long dflt, const char *fmt, ...) GV_PRINTF(3, 4);
static long read_long(gpuvirt_ctx *ctx, long dflt, const char *fmt, ...)
{
	char rel[512], buf[64];
	va_list ap;
	long v;
	int r;

	va_start(ap, fmt);
	r = vpath(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0 || read_str(ctx, buf, sizeof(buf), "%s", rel) <= 0 || gv_parse_int(buf, strlen(buf), -1, 1L << 30, &v) < 0)
		return dflt;
	return v;
}

static size_t count_entries(gpuvirt_ctx *ctx, const char *fmt, ...) GV_PRINTF(2, 3);
static size_t count_entries(gpuvirt_ctx *ctx, const char *fmt, ...)
{
	char rel[512], **names;
	va_list ap;
	size_t n = 0;
	int r;

	va_start(ap, fmt);
	r = vpath(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0 || gv_list_dir(ctx, rel, &names, &n) < 0)
		return 0;
	gv_names_free(names, n);
	return n;
}

/* ---- listing ----------------------------------------------------------- */

/* The name a parent goes by in sys/class/mdev_bus, and the PF of a VF parent. */
static int mdev_profiles(gpuvirt_ctx *ctx, const struct gv_strv *only, struct plist *out)
{
	char **parents;
	size_t np;
	int r = 0;

	if (gv_list_dir(ctx, "sys/class/mdev_bus", &parents, &np) < 0)
		return 0;
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
		long numa = read_long(ctx, -1, "sys/class/mdev_bus/%s/%s", parents[i], "numa_node");
		for (size_t t = 0; t < nt && r == 0; t++) {
			char base[400], name[256], desc[1024], api[64], avail[32];
			gpuvirt_profile *p;
			snprintf(base, sizeof(base), "sys/class/mdev_bus/%s/mdev_supported_types/%s", parents[i], types[t]);
			read_str(ctx, name, sizeof(name), "%s/%s", base, "name");
			read_str(ctx, desc, sizeof(desc), "%s/%s", base, "description");
			read_str(ctx, api, sizeof(api), "%s/%s", base, "device_api");
			read_str(ctx, avail, sizeof(avail), "%s/%s", base, "available_instances");
			p = profile_alloc(types[t], name, desc[0] ? desc : NULL, api[0] ? api : NULL, parent,
					  GPUVIRT_MECHANISM_MDEV);
			if (p) {
				long a;
				p->numa = (int)numa;
				p->available = gv_parse_int(avail, strlen(avail), 0, 1L << 30, &a) == 0 ? (uint32_t)a : 0;
				p->instances = (uint32_t)count_entries(ctx, "%s/%s", base, "devices");
				if (parent != parents[i] && !(p->vf_parent = strdup(parents[i]))) {
					gpuvirt_profile_unref(p);
					p = NULL;
				}
			}
			r = plist_add(out, p);
		}
		gv_names_free(types, nt);
	}
	gv_names_free(parents, np);
	return r;
}

/* "697 : NVIDIA A100DX-1-10C" lines; calls fn for each. */
static void each_vendor_type(const char *text, void (*fn)(void *ud, long id, const char *name), void *ud)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *end, *colon = strchr(l, ':');
		long id = strtol(l, &end, 10);
		if (!colon || end == l || id <= 0)
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		fn(ud, id, colon);
	}
}

struct vendor_acc {
	struct vtype {
		long id;
		char name[96];
		uint32_t available, instances;
	} t[128];
	size_t n;
	long current; /* the VF being read */
};

static struct vtype *vendor_type(struct vendor_acc *acc, long id, const char *name)
{
	for (size_t i = 0; i < acc->n; i++)
		if (acc->t[i].id == id) {
			if (name && !acc->t[i].name[0])
				snprintf(acc->t[i].name, sizeof(acc->t[i].name), "%s", name);
			return &acc->t[i];
		}
	if (acc->n == sizeof(acc->t) / sizeof(acc->t[0]))
		return NULL;
	memset(&acc->t[acc->n], 0, sizeof(acc->t[0]));
	acc->t[acc->n].id = id;
	if (name)
		snprintf(acc->t[acc->n].name, sizeof(acc->t[0].name), "%s", name);
	return &acc->t[acc->n++];
}

static void count_creatable(void *ud, long id, const char *name)
{
	struct vtype *t = vendor_type(ud, id, name);
	if (t)
		t->available++;
}

static int cmp_vtype(const void *a, const void *b)
{
	const struct vtype *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int vendor_profiles(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out)
{
	struct vendor_acc *acc = calloc(1, sizeof(*acc));
	const char *bdf = gpuvirt_device_get_bdf(pf);
	bool any = false;
	int r = 0;

	if (!acc)
		return -ENOMEM;
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf); i++) {
		const char *vf = gpuvirt_device_get_vf(pf, i);
		char text[8192];
		long cur;
		if (read_str(ctx, text, sizeof(text), "sys/bus/pci/devices/%s/%s", vf, "nvidia/creatable_vgpu_types") < 0)
			continue;
		any = true;
		cur = read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", vf, "nvidia/current_vgpu_type");
		if (cur > 0) {
			struct vtype *t = vendor_type(acc, cur, NULL);
			if (t)
				t->instances++;
		} else {
			each_vendor_type(text, count_creatable, acc);
		}
	}
	/* A type every VF has used up is listed by none: its name is in our
	 * records of the instances that hold it. */
	for (size_t i = 0; i < acc->n; i++) {
		char **names;
		size_t nr;
		if (acc->t[i].name[0] || gv_list_dir(ctx, "run/gpuvirt/instances", &names, &nr) < 0)
			continue;
		for (size_t k = 0; k < nr && !acc->t[i].name[0]; k++) {
			struct record rec;
			if (record_read(ctx, names[k], &rec) == 0 && strcmp(rec.parent, bdf) == 0 &&
			    atol(rec.profile) == acc->t[i].id && rec.name[0])
				snprintf(acc->t[i].name, sizeof(acc->t[i].name), "%s", rec.name);
		}
		gv_names_free(names, nr);
	}
	qsort(acc->t, acc->n, sizeof(acc->t[0]), cmp_vtype);
	for (size_t i = 0; any && i < acc->n && r == 0; i++) {
		char id[32];
		gpuvirt_profile *p;
		snprintf(id, sizeof(id), "%ld", acc->t[i].id);
		p = profile_alloc(id, acc->t[i].name[0] ? acc->t[i].name : id, NULL, "vfio-pci", bdf,
				  GPUVIRT_MECHANISM_NVIDIA_VENDOR);
		if (p) {
			p->numa = gpuvirt_device_get_numa_node(pf);
			p->available = acc->t[i].available;
			p->instances = acc->t[i].instances;
		}
		r = plist_add(out, p);
	}
	free(acc);
	return r;
}

/* Is this VF taken: bound to vfio-pci, or recorded as ours? */
static bool vf_taken(gpuvirt_ctx *ctx, const char *vf)
{
	char drv[64] = "", rel[128], uuid[37];

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", vf) == 0 &&
	    gv_readlink_base(ctx, rel, drv, sizeof(drv)) > 0 && strcmp(drv, "vfio-pci") == 0)
		return true;
	record_for_vf(ctx, vf, uuid);
	return uuid[0] != '\0';
}

static bool sriov_mechanism(gpuvirt_ctx *ctx, gpuvirt_device *d)
{
	const struct gv_vgpu_entry *e;

	if (gpuvirt_device_get_sriov_total_vfs(d) <= 0 || gpuvirt_device_get_vendor_id(d) == 0x10de ||
	    gv_vgpu_table_load(ctx) < 0)
		return false;
	e = gv_vgpu_lookup(ctx, d);
	return e && (e->mechanism == GV_VGPU_AMD_MXGPU || e->mechanism == GV_VGPU_INTEL_SRIOV);
}

static int sriov_profile(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out)
{
	const char *bdf = gpuvirt_device_get_bdf(pf);
	const char *dn = gpuvirt_device_get_device_name(pf);
	char name[160];
	uint32_t free_vfs = 0, used = 0;
	gpuvirt_profile *p;

	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf); i++) {
		if (vf_taken(ctx, gpuvirt_device_get_vf(pf, i)))
			used++;
		else
			free_vfs++;
	}
	if (gpuvirt_device_get_sriov_num_vfs(pf) == 0)
		free_vfs = (uint32_t)gpuvirt_device_get_sriov_total_vfs(pf);
	snprintf(name, sizeof(name), "%s VF", dn ? dn : bdf);
	p = profile_alloc("sriov-vf", name, NULL, "vfio-pci", bdf, GPUVIRT_MECHANISM_SRIOV_VF);
	if (p) {
		p->numa = gpuvirt_device_get_numa_node(pf);
		p->available = free_vfs;
		p->instances = used;
		p->info.max_instances = (uint32_t)gpuvirt_device_get_sriov_total_vfs(pf);
	}
	return plist_add(out, p);
}

static int cmp_profile(const void *a, const void *b)
{
	const gpuvirt_profile *x = *(gpuvirt_profile *const *)a, *y = *(gpuvirt_profile *const *)b;
	int c = strcmp(x->parent, y->parent);

	if (c)
		return c;
	if (x->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR && y->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR)
		return (atol(x->id) > atol(y->id)) - (atol(x->id) < atol(y->id));
	return strcmp(x->id, y->id);
}

/* Every profile of the host, or of one GPU (and its VFs). */
static int collect(gpuvirt_ctx *ctx, gpuvirt_device *only, struct plist *out)
{
	gpuvirt_device *d;
	struct gv_strv names = {0};
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (only) {
		if ((r = gv_strv_push(&names, gpuvirt_device_get_bdf(only))) < 0)
			return r;
		for (size_t i = 0; i < gpuvirt_device_get_vf_count(only) && r == 0; i++)
			r = gv_strv_push(&names, gpuvirt_device_get_vf(only, i));
	}
	r = r < 0 ? r : mdev_profiles(ctx, only ? &names : NULL, out);
	gv_strv_free(&names);
	if (r < 0)
		goto fail;
	/* A device named by the caller is taken as it is, GPU or not (an SR-IOV
	 * device listed in the vGPU table). */
	if (only) {
		if (gpuvirt_device_get_modes(only) & GPUVIRT_MODE_NVIDIA_VGPU)
			r = vendor_profiles(ctx, only, out);
		else if (sriov_mechanism(ctx, only))
			r = sriov_profile(ctx, only, out);
		if (r < 0)
			goto fail;
		goto sort;
	}
	/* Vendor vGPU and plain SR-IOV need an SR-IOV PF: a GPU with
	 * sriov_totalvfs. Only those are read in full. */
	char **pci;
	size_t npci;
	if ((r = gv_list_dir(ctx, "sys/bus/pci/devices", &pci, &npci)) < 0)
		goto fail;
	for (size_t i = 0; i < npci && r >= 0; i++) {
		char cls[32];
		long total = read_long(ctx, 0, "sys/bus/pci/devices/%s/sriov_totalvfs", pci[i]);
		uint32_t c;
		if (total <= 0 || read_str(ctx, cls, sizeof(cls), "sys/bus/pci/devices/%s/class", pci[i]) <= 0 ||
		    gv_parse_hex(cls, strlen(cls), 0xffffff, &c) < 0 || !((c >> 16) == 0x03 || (c >> 8) == 0x1200))
			continue;
		if ((r = gpuvirt_device_new_from_bdf(ctx, pci[i], &d)) < 0)
			break;
		if (gpuvirt_device_get_modes(d) & GPUVIRT_MODE_NVIDIA_VGPU)
			r = vendor_profiles(ctx, d, out);
		else if (sriov_mechanism(ctx, d))
			r = sriov_profile(ctx, d, out);
		gpuvirt_device_unref(d);
	}
	gv_names_free(pci, npci);
	if (r < 0)
		goto fail;
sort:
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_profile);
	return 0;
fail:
	plist_free(out);
	return gv_fail(ctx, r, "listing profiles: %s", gpuvirt_strerror(r));
}

GPUVIRT_EXPORT int gpuvirt_profile_iter_new(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile_iter **out)
{
	struct plist l;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if ((r = collect(ctx, dev, &l)) < 0)
		return r;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		plist_free(&l);
		return -ENOMEM;
	}
	(*out)->items = l.v;
	(*out)->n = l.n;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_profile_iter_next(gpuvirt_profile_iter *it, gpuvirt_profile **profile)
{
	if (!it || !profile)
		return -EINVAL;
	if (it->pos >= it->n) {
		*profile = NULL;
		return 0;
	}
	*profile = gpuvirt_profile_ref(it->items[it->pos++]);
	return 1;
}

GPUVIRT_EXPORT gpuvirt_profile_iter *gpuvirt_profile_iter_unref(gpuvirt_profile_iter *it)
{
	if (it) {
		struct plist l = {it->items, it->n};
		plist_free(&l);
		free(it);
	}
	return NULL;
}

GPUVIRT_EXPORT gpuvirt_profile *gpuvirt_profile_ref(gpuvirt_profile *p)
{
	if (p)
		p->refcount++;
	return p;
}

GPUVIRT_EXPORT gpuvirt_profile *gpuvirt_profile_unref(gpuvirt_profile *p)
{
	if (!p)
		return NULL;
	if (--p->refcount > 0)
		return p;
	free(p->id);
	free(p->name);
	free(p->description);
	free(p->device_api);
	free(p->parent);
	free(p->vf_parent);
	free(p);
	return NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_id(const gpuvirt_profile *p)
{
	return p ? p->id : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_name(const gpuvirt_profile *p)
{
	return p ? p->name : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_description(const gpuvirt_profile *p)
{
	return p ? p->description : NULL;
}

GPUVIRT_EXPORT int gpuvirt_profile_get_mechanism(const gpuvirt_profile *p)
{
	return p ? p->mechanism : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_mechanism_to_string(int mechanism)
{
	switch (mechanism) {
	case GPUVIRT_MECHANISM_MDEV:
		return "mdev";
	case GPUVIRT_MECHANISM_NVIDIA_VENDOR:
		return "nvidia-vendor";
	case GPUVIRT_MECHANISM_SRIOV_VF:
		return "sriov-vf";
	default:
		return NULL;
	}
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_parent(const gpuvirt_profile *p)
{
	return p ? p->parent : NULL;
}

GPUVIRT_EXPORT int gpuvirt_profile_get_numa_node(const gpuvirt_profile *p)
{
	return p ? p->numa : -1;
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_device_api(const gpuvirt_profile *p)
{
	return p ? p->device_api : NULL;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_available(const gpuvirt_profile *p)
{
	return p ? p->available : 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_instance_count(const gpuvirt_profile *p)
{
	return p ? p->instances : 0;
}

GPUVIRT_EXPORT uint64_t gpuvirt_profile_get_framebuffer_bytes(const gpuvirt_profile *p)
{
	return p ? p->info.framebuffer : 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_heads(const gpuvirt_profile *p)
{
	return p ? p->info.heads : 0;
}

GPUVIRT_EXPORT int gpuvirt_profile_get_max_resolution(const gpuvirt_profile *p, uint32_t *width, uint32_t *height)
{
	if (!p)
		return -EINVAL;
	if (width)
		*width = p->info.max_width;
	if (height)
		*height = p->info.max_height;
	return 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_max_instances(const gpuvirt_profile *p)
{
	return p ? p->info.max_instances : 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_frame_rate_limit(const gpuvirt_profile *p)
{
	return p ? p->info.frame_rate_limit : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_profile_get_vgpu_class(const gpuvirt_profile *p)
{
	if (!p)
		return NULL;
	switch (p->info.vgpu_class) {
	case 'Q': return "Q";
	case 'B': return "B";
	case 'A': return "A";
	case 'C': return "C";
	default: return NULL;
	}
}

/* ---- instances: objects and records ------------------------------------ */

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


static int record_read(gpuvirt_ctx *ctx, const char *uuid, struct record *rec)
{
	char buf[512], mech[32] = "";

	memset(rec, 0, sizeof(*rec));
	if (gv_parse_uuid(uuid, rec->uuid) < 0)
		return -EINVAL;
	if (read_str(ctx, buf, sizeof(buf), "run/gpuvirt/instances/%s", rec->uuid) <= 0)
		return -ENOENT;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "name ", 5) == 0)
			snprintf(rec->name, sizeof(rec->name), "%s", l + 5);
		else if (sscanf(l, "mechanism %31s", mech) == 1 || sscanf(l, "parent %63s", rec->parent) == 1 ||
			 sscanf(l, "profile %63s", rec->profile) == 1 || sscanf(l, "vf %12s", rec->vf) == 1)
			continue;
	}
	rec->mechanism = strcmp(mech, "nvidia-vendor") == 0 ? GPUVIRT_MECHANISM_NVIDIA_VENDOR
			 : strcmp(mech, "sriov-vf") == 0	   ? GPUVIRT_MECHANISM_SRIOV_VF
								   : 0;
	char canon[GV_BDF_LEN];
	if (!rec->mechanism || gv_parse_bdf(rec->vf, canon) < 0 || gv_parse_bdf(rec->parent, canon) < 0)
		return -EBADMSG;
	return 0;
}

static int record_write(gpuvirt_ctx *ctx, const char *uuid, const gpuvirt_profile *p, const char *vf)
{
	char rel[128], text[512];
	int r;

	snprintf(text, sizeof(text), "mechanism %s\nparent %s\nprofile %s\nname %s\nvf %s\n",
		 gpuvirt_mechanism_to_string(p->mechanism), p->parent, p->id, p->name, vf);
	snprintf(rel, sizeof(rel), "run/gpuvirt/instances/%s", uuid);
	if ((r = gv_mkdir_p(ctx, "run/gpuvirt/instances")) < 0 || (r = gv_write_file_atomic(ctx, rel, text)) < 0)
		return gv_fail(ctx, r, "cannot write %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

/* The uuid of our record for a VF, into out[37] ("" when none). */
static void record_for_vf(gpuvirt_ctx *ctx, const char *vf, char out[37])
{
	char **names;
	size_t n;

	out[0] = '\0';
	if (gv_list_dir(ctx, "run/gpuvirt/instances", &names, &n) < 0)
		return;
	for (size_t i = 0; i < n && !out[0]; i++) {
		struct record rec;
		if (record_read(ctx, names[i], &rec) == 0 && strcmp(rec.vf, vf) == 0)
			memcpy(out, rec.uuid, 37);
	}
	gv_names_free(names, n);
}

static bool mdevctl_defined(gpuvirt_ctx *ctx, const char *parent, const char *uuid)
{
	char rel[256];

	return gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", parent, uuid) == 0 && gv_exists(ctx, rel) == 1;
}

/* An active mdev: its parent's name and its type. */
static int mdev_lookup(gpuvirt_ctx *ctx, const char *uuid, char *parent, size_t psize, char *type, size_t tsize)
{
	char rel[256], target[512];
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s/mdev_type", uuid) < 0)
		return -EINVAL;
	if (gv_readlink_base(ctx, rel, type, tsize) <= 0)
		return -ENOENT;
	/* The parent is the folder the instance lives in. */
	gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
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

/* ---- listing instances ------------------------------------------------- */

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

static int list_instances(gpuvirt_ctx *ctx, struct ilist *out)
{
	char **names, **parents;
	size_t n, np;
	int r = 0;

	memset(out, 0, sizeof(*out));
	/* Active mdevs, whoever made them. */
	if (gv_list_dir(ctx, "sys/bus/mdev/devices", &names, &n) == 0) {
		for (size_t i = 0; i < n && r == 0; i++) {
			char uuid[37], parent[64], type[128];
			if (gv_parse_uuid(names[i], uuid) < 0 || mdev_lookup(ctx, uuid, parent, sizeof(parent), type, sizeof(type)) < 0)
				continue;
			gpuvirt_instance *in = instance_alloc(ctx, uuid, parent, type, GPUVIRT_MECHANISM_MDEV, NULL);
			if (in) {
				in->active = true;
				in->persistent = mdevctl_defined(ctx, parent, uuid);
			}
			r = ilist_add(out, in);
		}
		gv_names_free(names, n);
	}
	/* mdevctl definitions that are not started. */
	if (r == 0 && gv_list_dir(ctx, "etc/mdevctl.d", &parents, &np) == 0) {
		for (size_t i = 0; i < np && r == 0; i++) {
			char rel[256];
			if (strcmp(parents[i], "scripts.d") == 0 || gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s", parents[i]) < 0 ||
			    gv_list_dir(ctx, rel, &names, &n) < 0)
				continue;
			for (size_t k = 0; k < n && r == 0; k++) {
				char uuid[37], buf[4096], type[128];
				bool seen = false;
				if (gv_parse_uuid(names[k], uuid) < 0)
					continue;
				for (size_t j = 0; j < out->n && !seen; j++)
					seen = out->v[j]->uuid && strcmp(out->v[j]->uuid, uuid) == 0;
				if (seen || read_str(ctx, buf, sizeof(buf), "etc/mdevctl.d/%s/%s", parents[i], uuid) <= 0 ||
				    gv_parse_json_string(buf, strlen(buf), "mdev_type", type, sizeof(type)) < 0)
					continue;
				gpuvirt_instance *in = instance_alloc(ctx, uuid, parents[i], type, GPUVIRT_MECHANISM_MDEV, NULL);
				if (in)
					in->persistent = true;
				r = ilist_add(out, in);
			}
			gv_names_free(names, n);
		}
		gv_names_free(parents, np);
	}
	/* VFs holding a vendor vGPU, and VFs we allocated. */
	if (r == 0 && gv_list_dir(ctx, "sys/bus/pci/devices", &names, &n) == 0) {
		for (size_t i = 0; i < n && r == 0; i++) {
			char pf[GV_BDF_LEN] = "", rel[128], uuid[37], id[32];
			long cur = read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", names[i], "nvidia/current_vgpu_type");
			if (cur <= 0)
				continue;
			gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", names[i]);
			if (gv_readlink_base(ctx, rel, pf, sizeof(pf)) <= 0)
				continue;
			record_for_vf(ctx, names[i], uuid);
			snprintf(id, sizeof(id), "%ld", cur);
			gpuvirt_instance *in = instance_alloc(ctx, uuid[0] ? uuid : NULL, pf, id,
							      GPUVIRT_MECHANISM_NVIDIA_VENDOR, names[i]);
			if (in)
				in->active = true;
			r = ilist_add(out, in);
		}
		gv_names_free(names, n);
	}
	if (r == 0 && gv_list_dir(ctx, "run/gpuvirt/instances", &names, &n) == 0) {
		for (size_t i = 0; i < n && r == 0; i++) {
			struct record rec;
			if (record_read(ctx, names[i], &rec) < 0 || rec.mechanism != GPUVIRT_MECHANISM_SRIOV_VF)
				continue;
			gpuvirt_instance *in = instance_alloc(ctx, rec.uuid, rec.parent, rec.profile, rec.mechanism, rec.vf);
			if (in)
				in->active = true;
			r = ilist_add(out, in);
		}
		gv_names_free(names, n);
	}
	if (r < 0) {
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

	gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	if (gv_exists(ctx, rel) == 1)
		return true;
	gv_path(rel, sizeof(rel), "run/gpuvirt/instances/%s", uuid);
	if (gv_exists(ctx, rel) == 1)
		return true;
	used = gpuvirt_instance_new_from_uuid(ctx, uuid, &in) == 0;
	gpuvirt_instance_unref(in);
	gv_clear_error(ctx);
	return used;
}

static void journal_name(const char *uuid, char *rel, size_t size)
{
	snprintf(rel, size, "run/gpuvirt/create-%s.journal", uuid);
}

static int journal_begin(gpuvirt_ctx *ctx, const char *uuid, const gpuvirt_profile *p, const char *vf)
{
	char rel[128], text[512];
	int r;

	snprintf(text, sizeof(text), "gpuvirt-journal 1\nstate creating\nmechanism %s\nparent %s\nmdev_parent %s\nprofile %s\nvf %s\n",
		 gpuvirt_mechanism_to_string(p->mechanism), p->parent, p->vf_parent ? p->vf_parent : p->parent, p->id,
		 vf ? vf : "-");
	journal_name(uuid, rel, sizeof(rel));
	if ((r = gv_mkdir_p(ctx, "run/gpuvirt")) < 0 || (r = gv_write_file_atomic(ctx, rel, text)) < 0)
		return gv_fail(ctx, r, "cannot write %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

static void journal_end(gpuvirt_ctx *ctx, const char *uuid)
{
	char rel[128];

	journal_name(uuid, rel, sizeof(rel));
	gv_unlink(ctx, rel);
}

static int write_named(gpuvirt_ctx *ctx, const char *rel, const char *value, const char *what)
{
	int r = gv_write_attr(ctx, rel, value);

	if (r < 0)
		return gv_fail(ctx, r, "%s: writing '%.*s' to %s failed: %s (errno %d)", what, (int)strcspn(value, "\n"), value,
			       rel, gpuvirt_strerror(r), -r);
	return 0;
}

static int mdev_remove(gpuvirt_ctx *ctx, const char *uuid)
{
	char rel[128];
	int r;

	gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s/remove", uuid);
	if ((r = write_named(ctx, rel, "1\n", uuid)) < 0)
		return r;
	gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	return gv_exists(ctx, rel) == 1 ? gv_fail(ctx, -EBUSY, "%s: still there after remove", uuid) : 0;
}

static int create_mdev(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, uint32_t flags)
{
	const char *mp = p->vf_parent ? p->vf_parent : p->parent;
	char rel[512], parent[64], type[128], val[64];
	int r;

	snprintf(rel, sizeof(rel), "sys/class/mdev_bus/%s/mdev_supported_types/%s/create", mp, p->id);
	snprintf(val, sizeof(val), "%s\n", uuid);
	r = gv_write_attr(ctx, rel, val);
	if (r == -EUSERS || r == -ENOSPC || r == -EDQUOT)
		return gv_fail(ctx, -ENOSPC, "profile %s (%s) is exhausted on %s (the kernel said: %s)", p->id, p->name, mp,
			       gpuvirt_strerror(r));
	if (r < 0)
		return gv_fail(ctx, r, "%s: writing the UUID to %s failed: %s (errno %d)", mp, rel, gpuvirt_strerror(r), -r);
	if (mdev_lookup(ctx, uuid, parent, sizeof(parent), type, sizeof(type)) < 0 || strcmp(type, p->id) != 0)
		return gv_fail(ctx, -EIO, "%s: instance %s did not appear with type %s", mp, uuid, p->id);
	if (flags & GPUVIRT_INSTANCE_PERSIST) {
		char dir[128], json[256];
		snprintf(dir, sizeof(dir), "etc/mdevctl.d/%s", mp);
		snprintf(rel, sizeof(rel), "%s/%s", dir, uuid);
		snprintf(json, sizeof(json), "{\n  \"mdev_type\": \"%s\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}\n", p->id);
		if ((r = gv_mkdir_p(ctx, dir)) < 0 || (r = gv_write_file_atomic(ctx, rel, json)) < 0) {
			int e = gv_fail(ctx, r, "cannot write the mdevctl definition %s: %s", rel, gpuvirt_strerror(r));
			mdev_remove(ctx, uuid);
			return e;
		}
	}
	return 0;
}

/* A VF of the PF that can create vendor type `id` now. */
static int vendor_pick_vf(gpuvirt_ctx *ctx, const char *pf, long id, char vf[GV_BDF_LEN])
{
	gpuvirt_device *d;
	int r = -ENOSPC;

	if (gpuvirt_device_new_from_bdf(ctx, pf, &d) < 0)
		return -ENODEV;
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(d) && r < 0; i++) {
		const char *v = gpuvirt_device_get_vf(d, i);
		char text[8192];
		if (read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", v, "nvidia/current_vgpu_type") != 0 ||
		    read_str(ctx, text, sizeof(text), "sys/bus/pci/devices/%s/%s", v, "nvidia/creatable_vgpu_types") < 0)
			continue;
		for (char *save, *l = strtok_r(text, "\n", &save); l && r < 0; l = strtok_r(NULL, "\n", &save)) {
			char *end;
			if (strtol(l, &end, 10) == id && end != l) {
				memcpy(vf, v, GV_BDF_LEN);
				r = 0;
			}
		}
	}
	gpuvirt_device_unref(d);
	return r;
}

static int vendor_set(gpuvirt_ctx *ctx, const char *vf, long id)
{
	char rel[128], val[32];
	int r;

	gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf);
	snprintf(val, sizeof(val), "%ld\n", id);
	if ((r = write_named(ctx, rel, val, vf)) < 0)
		return r;
	if (read_long(ctx, -1, "sys/bus/pci/devices/%s/%s", vf, "nvidia/current_vgpu_type") != id)
		return gv_fail(ctx, -EIO, "%s: current_vgpu_type does not read %ld after the write", vf, id);
	return 0;
}

static int create_vendor(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid)
{
	char vf[GV_BDF_LEN];
	long id = atol(p->id);
	int r;

	if (vendor_pick_vf(ctx, p->parent, id, vf) < 0)
		return gv_fail(ctx, -ENOSPC, "profile %s (%s) is exhausted on %s: no VF can create it now", p->id, p->name,
			       p->parent);
	if ((r = journal_begin(ctx, uuid, p, vf)) < 0)
		return r;
	if ((r = vendor_set(ctx, vf, id)) < 0 ||
	    (r = record_write(ctx, uuid, p, vf)) < 0) {
		char why[sizeof(ctx->error)];
		snprintf(why, sizeof(why), "%s", ctx->error);
		if (read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", vf, "nvidia/current_vgpu_type") == id)
			vendor_set(ctx, vf, 0);
		gv_fail(ctx, r, "%s", why);
	}
	journal_end(ctx, uuid);
	return r;
}

static int create_sriov(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid)
{
	gpuvirt_device *pf = NULL, *vfdev = NULL;
	gpuvirt_bind_plan *plan = NULL;
	char vf[GV_BDF_LEN] = "";
	int r;

	if ((r = gpuvirt_device_new_from_bdf(ctx, p->parent, &pf)) < 0)
		return r;
	if (gpuvirt_device_get_sriov_num_vfs(pf) == 0) {
		/* Enable every VF the PF has: the kernel only changes a count from 0. */
		char rel[128], val[32];
		gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", p->parent);
		snprintf(val, sizeof(val), "%d\n", gpuvirt_device_get_sriov_total_vfs(pf));
		if ((r = write_named(ctx, rel, val, p->parent)) < 0 || (r = gpuvirt_device_refresh(pf)) < 0)
			goto out;
	}
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf) && !vf[0]; i++)
		if (!vf_taken(ctx, gpuvirt_device_get_vf(pf, i)))
			memcpy(vf, gpuvirt_device_get_vf(pf, i), GV_BDF_LEN);
	if (!vf[0]) {
		r = gv_fail(ctx, -ENOSPC, "profile sriov-vf is exhausted on %s: every VF is taken", p->parent);
		goto out;
	}
	if ((r = journal_begin(ctx, uuid, p, vf)) < 0)
		goto out;
	if ((r = gpuvirt_device_new_from_bdf(ctx, vf, &vfdev)) == 0 &&
	    (r = gpuvirt_bind_plan_new(vfdev, "vfio-pci", GPUVIRT_BIND_WAIT, &plan)) == 0 &&
	    (r = gpuvirt_bind_apply(plan)) == 0 && (r = record_write(ctx, uuid, p, vf)) < 0) {
		char why[sizeof(ctx->error)];
		snprintf(why, sizeof(why), "%s", ctx->error);
		gpuvirt_unbind(vfdev, GPUVIRT_BIND_WAIT);
		gv_fail(ctx, r, "%s", why);
	}
	journal_end(ctx, uuid);
out:
	gpuvirt_bind_plan_unref(plan);
	gpuvirt_device_unref(vfdev);
	gpuvirt_device_unref(pf);
	return r;
}

/* How many instances a parent holds, across its profiles. */
static uint32_t parent_load(const struct plist *all, const char *parent)
{
	uint32_t n = 0;

	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->v[i]->parent, parent) == 0)
			n += all->v[i]->instances;
	return n;
}

struct candidate {
	gpuvirt_profile *p;
	uint32_t load;
};

static int policy_pack(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->load != y->load)
		return x->load > y->load ? -1 : 1; /* fullest first */
	if (x->p->available != y->p->available)
		return x->p->available < y->p->available ? -1 : 1;
	return strcmp(x->p->parent, y->p->parent);
}

static int policy_spread(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->load != y->load)
		return x->load < y->load ? -1 : 1; /* emptiest first */
	if (x->p->available != y->p->available)
		return x->p->available > y->p->available ? -1 : 1;
	return strcmp(x->p->parent, y->p->parent);
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
	r = collect(ctx, d, &l);
	gpuvirt_device_unref(d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n && !*out; i++)
		if (strcmp(l.v[i]->id, old->id) == 0 && strcmp(l.v[i]->parent, old->parent) == 0 &&
		    l.v[i]->mechanism == old->mechanism)
			*out = gpuvirt_profile_ref(l.v[i]);
	plist_free(&l);
	return *out ? 0 : -ENOENT;
}

GPUVIRT_EXPORT int gpuvirt_instance_create(gpuvirt_ctx *ctx, const char *profile, const char *bdf, int policy,
					   int numa_node, const char *uuid, uint32_t flags, gpuvirt_instance **out)
{
	const uint32_t known = GPUVIRT_INSTANCE_PERSIST | GPUVIRT_INSTANCE_WAIT;
	char canon_bdf[GV_BDF_LEN] = "", id[37], tried[512] = "";
	gpuvirt_device *dev = NULL;
	struct candidate *cands = NULL;
	struct plist all = {0};
	size_t nc = 0;
	int r, last = -ENOSPC;
	bool matched = false;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if (!profile || !*profile || strlen(profile) > 128)
		return gv_fail(ctx, -EINVAL, "no profile named");
	if (policy != GPUVIRT_POLICY_PACK && policy != GPUVIRT_POLICY_SPREAD)
		return gv_fail(ctx, -EINVAL, "unknown placement policy %d", policy);
	if (numa_node < -1 || (flags & ~known))
		return gv_fail(ctx, -EINVAL, "%s", numa_node < -1 ? "bad NUMA node" : "unknown flags");
	if (bdf && gv_parse_bdf(bdf, canon_bdf) < 0)
		return gv_fail(ctx, -EINVAL, "'%s' is not a PCI address", bdf);
	if (uuid) {
		if (gv_parse_uuid(uuid, id) < 0)
			return gv_fail(ctx, -EINVAL, "'%s' is not a UUID", uuid);
		if (uuid_in_use(ctx, id))
			return gv_fail(ctx, -EEXIST, "UUID %s is already in use", id);
	} else if ((r = make_uuid(id)) < 0) {
		return gv_fail(ctx, r, "cannot make a UUID: %s", gpuvirt_strerror(r));
	}
	gpuvirt_recover(ctx); /* what a crash left half-made, first */
	gv_clear_error(ctx);
	if (bdf && (r = gpuvirt_device_new_from_bdf(ctx, canon_bdf, &dev)) < 0)
		return r;
	r = collect(ctx, dev, &all);
	gpuvirt_device_unref(dev);
	if (r < 0)
		return r;
	cands = calloc(all.n ? all.n : 1, sizeof(*cands));
	if (!cands) {
		plist_free(&all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < all.n; i++) {
		gpuvirt_profile *p = all.v[i];
		if (strcmp(p->id, profile) != 0 && strcasecmp(p->name, profile) != 0)
			continue;
		matched = true;
		if (numa_node >= 0 && p->numa != numa_node)
			continue;
		cands[nc].p = p;
		cands[nc].load = parent_load(&all, p->parent);
		nc++;
	}
	if (!matched || nc == 0) {
		r = gv_fail(ctx, -ENOENT, "no GPU%s%s offers profile %s%s", bdf ? " " : "", bdf ? canon_bdf : "", profile,
			    matched ? " on that NUMA node" : "");
		goto out;
	}
	if ((flags & GPUVIRT_INSTANCE_PERSIST) && cands[0].p->mechanism != GPUVIRT_MECHANISM_MDEV) {
		r = gv_fail(ctx, -EOPNOTSUPP, "profile %s is not an mdev type: mdevctl cannot persist it", profile);
		goto out;
	}
	qsort(cands, nc, sizeof(*cands), policy == GPUVIRT_POLICY_PACK ? policy_pack : policy_spread);
	for (size_t i = 0; i < nc; i++) {
		gpuvirt_profile *p = cands[i].p, *now = NULL;
		char key[96];
		int fd = -1;
		size_t l = strlen(tried);
		snprintf(tried + l, sizeof(tried) - l, "%s%s (%u free)", l ? ", " : "", p->parent, p->available);
		if (p->available == 0)
			continue;
		snprintf(key, sizeof(key), "gpu-%s", p->parent);
		if ((r = gv_lock_take(ctx, key, flags & GPUVIRT_INSTANCE_WAIT, &fd)) < 0)
			goto out;
		/* Check again under the lock: another process may have taken the last one. */
		if ((r = fresh_profile(ctx, p, &now)) == 0 && now->available > 0) {
			if (now->mechanism == GPUVIRT_MECHANISM_MDEV) {
				if ((r = journal_begin(ctx, id, now, NULL)) == 0) {
					r = create_mdev(ctx, now, id, flags);
					journal_end(ctx, id);
				}
			} else if (now->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR) {
				r = create_vendor(ctx, now, id);
			} else {
				r = create_sriov(ctx, now, id);
			}
		} else if (r == 0 || r == -ENOENT) {
			r = -ENOSPC;
		}
		gv_lock_release(fd);
		if (r == 0) {
			r = gpuvirt_instance_new_from_uuid(ctx, id, out);
			gpuvirt_profile_unref(now);
			goto out;
		}
		gpuvirt_profile_unref(now);
		if (r != -ENOSPC)
			goto out;
		last = r;
	}
	r = gv_fail(ctx, last, "profile %s is exhausted: no room on %s", profile, tried);
out:
	free(cands);
	plist_free(&all);
	return r;
}

/* ---- destroying and recovery ------------------------------------------- */

static int release_locked(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags)
{
	char rel[256];
	int r = 0;

	switch (inst->mechanism) {
	case GPUVIRT_MECHANISM_MDEV:
		gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", inst->uuid);
		if (gv_exists(ctx, rel) == 1)
			r = mdev_remove(ctx, inst->uuid);
		else if (!(flags & GPUVIRT_INSTANCE_PERSIST))
			return gv_fail(ctx, -ENODEV, "%s is only defined for mdevctl; release it with GPUVIRT_INSTANCE_PERSIST",
				       inst->uuid);
		if (r == 0 && (flags & GPUVIRT_INSTANCE_PERSIST) &&
		    gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", inst->parent, inst->uuid) == 0 && gv_exists(ctx, rel) == 1)
			r = gv_unlink(ctx, rel);
		return r;
	case GPUVIRT_MECHANISM_NVIDIA_VENDOR:
		if (read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", inst->vf, "nvidia/current_vgpu_type") != 0)
			r = vendor_set(ctx, inst->vf, 0);
		break;
	case GPUVIRT_MECHANISM_SRIOV_VF: {
		gpuvirt_device *vf = NULL;
		if ((r = gpuvirt_device_new_from_bdf(ctx, inst->vf, &vf)) == 0)
			r = gpuvirt_unbind(vf, GPUVIRT_BIND_WAIT);
		gpuvirt_device_unref(vf);
		break;
	}
	default:
		return -EINVAL;
	}
	if (r == 0 && inst->uuid && gv_path(rel, sizeof(rel), "run/gpuvirt/instances/%s", inst->uuid) == 0 &&
	    gv_exists(ctx, rel) == 1)
		r = gv_unlink(ctx, rel);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_instance_destroy(gpuvirt_instance *inst, uint32_t flags)
{
	gpuvirt_ctx *ctx;
	char key[96];
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
	r = release_locked(ctx, inst, flags);
	gv_lock_release(fd);
	if (r == 0)
		inst->active = false;
	return r;
}

/* A crash between the journal and the end of a create: take away whatever
 * part of the instance exists, so that nothing is orphaned. */
int gv_instance_recover(gpuvirt_ctx *ctx)
{
	char **names;
	size_t n;
	int done = 0, first = 0;

	if (gv_list_dir(ctx, "run/gpuvirt", &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char uuid[37], buf[1024], mech[32] = "", parent[64] = "", mparent[64] = "", profile[64] = "", vf[32] = "";
		char key[96], rel[256];
		int fd = -1, r = 0;
		size_t l = strlen(names[i]);
		if (l != 7 + 36 + 8 || strncmp(names[i], "create-", 7) != 0 || strcmp(names[i] + 43, ".journal") != 0)
			continue;
		memcpy(uuid, names[i] + 7, 36);
		uuid[36] = '\0';
		if (gv_parse_uuid(uuid, uuid) < 0 ||
		    read_str(ctx, buf, sizeof(buf), "run/gpuvirt/%s", names[i]) <= 0)
			continue;
		for (char *save, *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
			if (sscanf(ln, "mechanism %31s", mech) == 1 || sscanf(ln, "parent %63s", parent) == 1 ||
			    sscanf(ln, "mdev_parent %63s", mparent) == 1 || sscanf(ln, "profile %63s", profile) == 1 ||
			    sscanf(ln, "vf %31s", vf) == 1)
				continue;
		if (!parent[0] || strchr(parent, '/') || strchr(mparent, '/'))
			continue;
		snprintf(key, sizeof(key), "gpu-%s", parent);
		if (gv_lock_take(ctx, key, false, &fd) < 0) {
			gv_clear_error(ctx); /* its creator is alive and at work */
			continue;
		}
		gpuvirt_instance tmp = {.ctx = ctx, .uuid = uuid, .parent = mparent[0] ? mparent : parent, .profile = profile,
					.vf = strcmp(vf, "-") ? vf : NULL};
		char canon[GV_BDF_LEN];
		if (strcmp(mech, "mdev") == 0) {
			tmp.mechanism = GPUVIRT_MECHANISM_MDEV;
			gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
			if (gv_exists(ctx, rel) == 1)
				r = mdev_remove(ctx, uuid);
			if (r == 0 && gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", tmp.parent, uuid) == 0 &&
			    gv_exists(ctx, rel) == 1)
				gv_unlink(ctx, rel);
		} else if (tmp.vf && gv_parse_bdf(tmp.vf, canon) == 0) {
			tmp.vf = canon;
			if (strcmp(mech, "nvidia-vendor") == 0) {
				if (read_long(ctx, 0, "sys/bus/pci/devices/%s/%s", canon, "nvidia/current_vgpu_type") == atol(profile))
					r = vendor_set(ctx, canon, 0);
			} else if (strcmp(mech, "sriov-vf") == 0) {
				gpuvirt_device *d = NULL;
				char drv[64] = "";
				gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", canon);
				if (gv_readlink_base(ctx, rel, drv, sizeof(drv)) > 0 && strcmp(drv, "vfio-pci") == 0 &&
				    (r = gpuvirt_device_new_from_bdf(ctx, canon, &d)) == 0)
					r = gpuvirt_unbind(d, GPUVIRT_BIND_WAIT);
				gpuvirt_device_unref(d);
			}
			if (r == 0 && gv_path(rel, sizeof(rel), "run/gpuvirt/instances/%s", uuid) == 0 && gv_exists(ctx, rel) == 1)
				gv_unlink(ctx, rel);
		}
		if (r == 0) {
			gv_path(rel, sizeof(rel), "run/gpuvirt/%s", names[i]);
			gv_unlink(ctx, rel);
			done++;
			gv_info(ctx, "removed instance %s, whose creation was interrupted", uuid);
		} else if (!first) {
			first = r;
		}
		gv_lock_release(fd);
	}
	gv_names_free(names, n);
	return first < 0 ? first : done;
}
