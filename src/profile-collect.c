/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's vGPU profiles: every mechanism's listing, merged and sorted,
 * behind the public profile iterator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "profile-private.h"

/* ---- listing ----------------------------------------------------------- */
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
/* The vendor's or plain SR-IOV's profiles of one device. */
static int device_profiles(gpuvirt_ctx *ctx, gpuvirt_device *d, struct plist *out)
{
	if (gpuvirt_device_get_modes(d) & GPUVIRT_MODE_NVIDIA_VGPU)
		return gv_vendor_profiles(ctx, d, out);
	if (gv_sriov_is_mechanism(ctx, d))
		return gv_sriov_profile(ctx, d, out);
	return 0;
}

/* Vendor vGPU and plain SR-IOV need an SR-IOV PF: a GPU (or processing
 * accelerator) with sriov_totalvfs. Only those are read in full. */
static int sriov_profiles(gpuvirt_ctx *ctx, struct plist *out)
{
	gpuvirt_device *d;
	char **pci;
	size_t npci;
	int r;

	if ((r = gv_list_dir(ctx, "sys/bus/pci/devices", &pci, &npci)) < 0)
		return r;
	for (size_t i = 0; i < npci && r >= 0; i++) {
		char cls[32];
		long total = gv_attr_long(ctx, 0, "sys/bus/pci/devices/%s/sriov_totalvfs", pci[i]);
		uint32_t c;
		if (total <= 0 || gv_attr_str(ctx, cls, sizeof(cls), "sys/bus/pci/devices/%s/class", pci[i]) <= 0 ||
		    gv_parse_hex(cls, strlen(cls), 0xffffff, &c) < 0 || !((c >> 16) == 0x03 || (c >> 8) == 0x1200))
			continue;
		if ((r = gpuvirt_device_new_from_bdf(ctx, pci[i], &d)) < 0)
			break;
		r = device_profiles(ctx, d, out);
		gpuvirt_device_unref(d);
	}
	gv_names_free(pci, npci);
	return r;
}

/* Sorted, each that has no room saying why, as a create would. */
static int finish(struct plist *out)
{
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_profile);
	for (size_t i = 0; i < out->n; i++) {
		char why[512];
		if (out->v[i]->available)
			continue;
		gv_profile_why_full(out, out->v[i], why, sizeof(why));
		if (!(out->v[i]->why = strdup(why)))
			return -ENOMEM;
	}
	return 0;
}

int gv_profiles_collect(gpuvirt_ctx *ctx, gpuvirt_device *only, struct plist *out)
{
	struct gv_strv names = {0};
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (only) {
		if ((r = gv_strv_push(&names, gpuvirt_device_get_bdf(only))) < 0)
			return r;
		for (size_t i = 0; i < gpuvirt_device_get_vf_count(only) && r == 0; i++)
			r = gv_strv_push(&names, gpuvirt_device_get_vf(only, i));
	}
	r = r < 0 ? r : gv_mdev_profiles(ctx, only ? &names : NULL, out);
	gv_strv_free(&names);
	/* A device named by the caller is taken as it is, GPU or not (an SR-IOV
	 * device listed in the vGPU table). */
	if (r >= 0)
		r = only ? device_profiles(ctx, only, out) : sriov_profiles(ctx, out);
	if (r >= 0 && (r = finish(out)) == 0)
		return 0;
	gv_plist_free(out);
	return gv_fail(ctx, r, "listing profiles: %s", ctx->error[0] ? ctx->error : gpuvirt_strerror(r));
}

GPUVIRT_EXPORT int gpuvirt_profile_iter_new(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile_iter **out)
{
	struct plist l;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if ((r = gv_profiles_collect(ctx, dev, &l)) < 0)
		return r;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		gv_plist_free(&l);
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
		gv_plist_free(&l);
		free(it);
	}
	return NULL;
}

