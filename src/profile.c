/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU profiles: the objects, and the listing across three sysfs dialects,
 * each in its own file (profile-mdev.c, profile-vendor.c, profile-sriov.c);
 * instances are instance.c's.
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
 *   free VF handed to vfio-pci (the mutation layer's move), VFs enabled first
 *   when none is.
 *
 * An instance's UUID is the mdev's own; for VF-based mechanisms libgpuvirt
 * keeps run/gpuvirt/instances/<uuid>. Creation holds run/lock/gpuvirt/
 * gpu-<parent>.lock around check-and-create, and run/gpuvirt/
 * create-<uuid>.journal from before the write until the instance is
 * complete, so that recovery removes what a crash left half-made. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"
#include "profile-private.h"

/* ---- profile objects --------------------------------------------------- */

/* s copied to *at, which moves past it; NULL stays NULL. */
static char *stash(char **at, const char *s)
{
	char *d = *at;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*at += n;
	return d;
}

gpuvirt_profile *gv_profile_alloc(const char *id, const char *name, const char *desc, const char *api,
				  const char *parent, int mechanism, const struct gv_profile_info *info)
{
	const char *shown = name && *name ? name : id;
	const char *strs[] = {id, shown, desc, api, parent};
	size_t size = sizeof(gpuvirt_profile);
	gpuvirt_profile *p;
	char *at;

	/* One allocation: the object and the strings that are its own for
	 * life (vf_parent and why come later, each on its own). */
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		size += strs[i] ? strlen(strs[i]) + 1 : 0;
	if (!(p = calloc(1, size)))
		return NULL;
	at = (char *)(p + 1);
	p->refcount = 1;
	p->mechanism = mechanism;
	p->numa = -1;
	p->id = stash(&at, id);
	p->name = stash(&at, shown);
	p->description = stash(&at, desc);
	p->device_api = stash(&at, api);
	p->parent = stash(&at, parent);
	if (info)
		p->info = *info;
	else
		gv_parse_profile(p->name, desc, desc ? strlen(desc) : 0, &p->info);
	return p;
}

int gv_plist_add(struct plist *l, gpuvirt_profile *p)
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

void gv_plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		gpuvirt_profile_unref(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A small attribute, trailing newlines and blanks dropped; "" on error. */
/* A text attribute read into buf (n bytes, or an error), without its
 * trailing newline and blanks; "" on an error. */
static ssize_t trimmed(char *buf, ssize_t n)
{
	if (n < 0) {
		buf[0] = '\0';
		return n;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

ssize_t gv_attr_str(gpuvirt_ctx *ctx, char *buf, size_t size, const char *fmt, ...)
{
	char rel[512];
	va_list ap;
	int r;

	buf[0] = '\0';
	va_start(ap, fmt);
	r = gv_vpath(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	return trimmed(buf, gv_read_text(ctx, rel, buf, size));
}

ssize_t gv_dir_attr_str(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *name, char *buf, size_t size)
{
	buf[0] = '\0';
	return trimmed(buf, gv_dir_read_text(ctx, dir, name, buf, size));
}

long gv_attr_long(gpuvirt_ctx *ctx, long dflt, const char *fmt, ...)
{
	char rel[512], buf[64];
	va_list ap;
	long v;
	int r;

	va_start(ap, fmt);
	r = gv_vpath(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0 || gv_attr_str(ctx, buf, sizeof(buf), "%s", rel) <= 0 || gv_parse_int(buf, strlen(buf), -1, 1L << 30, &v) < 0)
		return dflt;
	return v;
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
	free(p->vf_parent);
	free(p->why);
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

GPUVIRT_EXPORT const char *gpuvirt_profile_get_unavailable_reason(const gpuvirt_profile *p)
{
	return p ? p->why : NULL;
}

GPUVIRT_EXPORT uint32_t gpuvirt_profile_get_mig_slices(const gpuvirt_profile *p)
{
	return p ? p->info.mig_slices : 0;
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

/* NVIDIA's drivers run one vGPU type at a time on a GPU (its legacy mdev
 * types, "nvidia-N", and its vendor interface on VFs). */
static bool one_type_per_gpu(const gpuvirt_profile *p)
{
	return p->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR ||
	       (p->mechanism == GPUVIRT_MECHANISM_MDEV && strncmp(p->id, "nvidia-", 7) == 0);
}

/* Append to out (size, used so far in *used). */
static void add_text(char *out, size_t size, size_t *used, const char *fmt, ...) GV_PRINTF(4, 5);
static void add_text(char *out, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used + 1 >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *used, size - *used, fmt, ap);
	va_end(ap);
	*used = k < 0 ? *used : *used + (size_t)k >= size ? size - 1 : *used + (size_t)k;
}

void gv_profile_why_full(const struct plist *all, const gpuvirt_profile *p, char *out, size_t size)
{
	uint32_t others = 0;
	size_t used = 0;
	bool any = false;

	out[0] = '\0';
	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->v[i]->parent, p->parent) == 0 && strcmp(all->v[i]->id, p->id) != 0)
			others += all->v[i]->instances;
	if (p->mechanism == GPUVIRT_MECHANISM_SRIOV_VF) {
		add_text(out, size, &used, "each of its %u enabled VFs is taken", p->instances);
	} else if (others && one_type_per_gpu(p)) {
		add_text(out, size, &used, "one vGPU type per GPU, and it runs");
		for (size_t i = 0; i < all->n; i++)
			if (strcmp(all->v[i]->parent, p->parent) == 0 && all->v[i]->instances && all->v[i] != p)
				add_text(out, size, &used, " %s (%u instance%s)", all->v[i]->id, all->v[i]->instances,
					 all->v[i]->instances == 1 ? "" : "s");
	} else if (p->info.max_instances && p->instances >= p->info.max_instances) {
		add_text(out, size, &used, "all %u of its %s taken", p->info.max_instances, p->id);
	} else if (others) {
		add_text(out, size, &used, "the %u instance%s of its other types use the room", others, others == 1 ? "" : "s");
	} else if (p->instances && p->info.framebuffer) {
		add_text(out, size, &used, "its %u instance%s %llu GiB of framebuffer, and the driver offers no more",
			 p->instances, p->instances == 1 ? " holds" : "s hold",
			 (unsigned long long)((p->info.framebuffer * p->instances) >> 30));
	} else {
		add_text(out, size, &used, "the driver offers none now");
	}
	for (size_t i = 0; i < all->n; i++) {
		const gpuvirt_profile *q = all->v[i];
		if (strcmp(q->parent, p->parent) != 0 || q == p || !q->available)
			continue;
		add_text(out, size, &used, "%s %s (%u free)", any ? "," : "; still creatable there:", q->id, q->available);
		any = true;
	}
	if (!any)
		add_text(out, size, &used, "; nothing else is creatable there now");
}
