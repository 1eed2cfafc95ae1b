/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public face of holders (holder.h): iterators over who holds a device,
 * an IOMMU group or an instance, and the holder objects. What holds what is
 * found in holders.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct gpuvirt_holder {
	int refcount;
	struct gv_holder h;
	char description[320];
};

struct gpuvirt_holder_iter {
	gpuvirt_holder **items;
	size_t n, pos;
};

int gv_holder_iter_from(const struct gv_holders *h, gpuvirt_holder_iter **out)
{
	gpuvirt_holder_iter *it = calloc(1, sizeof(*it));

	*out = NULL;
	if (!it || !(it->items = calloc(h->n ? h->n : 1, sizeof(*it->items)))) {
		free(it);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->n; i++) {
		gpuvirt_holder *x = calloc(1, sizeof(*x));
		if (!x) {
			gpuvirt_holder_iter_unref(it);
			return -ENOMEM;
		}
		x->refcount = 1;
		x->h = h->v[i];
		gv_holder_describe(&x->h, x->description, sizeof(x->description));
		it->items[it->n++] = x;
	}
	*out = it;
	return 0;
}

static int iter_for(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, gpuvirt_holder_iter **out)
{
	struct gv_holders h;
	int r = gv_holders_collect(ctx, bdfs, n, &h);

	if (r < 0)
		return r;
	r = gv_holder_iter_from(&h, out);
	gv_holders_free(&h);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_holder_iter_new_for_device(gpuvirt_device *dev, gpuvirt_holder_iter **out)
{
	const char *bdf;

	if (out)
		*out = NULL;
	if (!dev || !out)
		return -EINVAL;
	gv_clear_error(gpuvirt_device_get_ctx(dev));
	bdf = gpuvirt_device_get_bdf(dev);
	return iter_for(gpuvirt_device_get_ctx(dev), &bdf, 1, out);
}

GPUVIRT_EXPORT int gpuvirt_holder_iter_new_for_group(gpuvirt_ctx *ctx, int group, gpuvirt_holder_iter **out)
{
	struct gv_strv bdfs = {0};
	char rel[128], **names;
	size_t n;
	int r;

	if (out)
		*out = NULL;
	if (!ctx || !out)
		return -EINVAL;
	gv_clear_error(ctx);
	if (group < 0)
		return gv_fail(ctx, -EINVAL, "%d is not an IOMMU group", group);
	if ((r = gv_path(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices", group)) < 0)
		return r;
	r = gv_list_dir(ctx, rel, &names, &n);
	if (r < 0)
		return gv_fail(ctx, r, "IOMMU group %d: cannot list %s: %s", group, rel, gpuvirt_strerror(r));
	for (size_t i = 0; i < n && r == 0; i++) {
		char bdf[GV_BDF_LEN];
		if (gv_parse_bdf(names[i], bdf) == 0)
			r = gv_strv_push(&bdfs, bdf);
	}
	gv_names_free(names, n);
	if (r == 0)
		r = iter_for(ctx, (const char *const *)bdfs.v, bdfs.n, out);
	gv_strv_free(&bdfs);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_holder_iter_next(gpuvirt_holder_iter *it, gpuvirt_holder **holder)
{
	if (!it || !holder)
		return -EINVAL;
	if (it->pos >= it->n) {
		*holder = NULL;
		return 0;
	}
	*holder = gpuvirt_holder_ref(it->items[it->pos++]);
	return 1;
}

GPUVIRT_EXPORT gpuvirt_holder_iter *gpuvirt_holder_iter_unref(gpuvirt_holder_iter *it)
{
	if (it) {
		for (size_t i = 0; i < it->n; i++)
			gpuvirt_holder_unref(it->items[i]);
		free(it->items);
		free(it);
	}
	return NULL;
}

GPUVIRT_EXPORT gpuvirt_holder *gpuvirt_holder_ref(gpuvirt_holder *h)
{
	if (h)
		h->refcount++;
	return h;
}

GPUVIRT_EXPORT gpuvirt_holder *gpuvirt_holder_unref(gpuvirt_holder *h)
{
	if (!h || --h->refcount > 0)
		return h ? h : NULL;
	free(h);
	return NULL;
}

GPUVIRT_EXPORT int gpuvirt_holder_get_kind(const gpuvirt_holder *h)
{
	return h ? h->h.kind : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_holder_kind_to_string(int kind)
{
	switch (kind) {
	case GPUVIRT_HOLDER_PROCESS: return "process";
	case GPUVIRT_HOLDER_INSTANCE: return "instance";
	case GPUVIRT_HOLDER_VF: return "vf";
	default: return NULL;
	}
}

GPUVIRT_EXPORT const char *gpuvirt_holder_get_device(const gpuvirt_holder *h)
{
	return h ? h->h.device : NULL;
}

GPUVIRT_EXPORT int64_t gpuvirt_holder_get_pid(const gpuvirt_holder *h)
{
	return h && h->h.kind != GV_HOLDER_INSTANCE ? (int64_t)h->h.pid : -1;
}

GPUVIRT_EXPORT const char *gpuvirt_holder_get_command(const gpuvirt_holder *h)
{
	return h && h->h.kind != GV_HOLDER_INSTANCE && h->h.comm[0] ? h->h.comm : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_holder_get_path(const gpuvirt_holder *h)
{
	return h ? h->h.path : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_holder_get_instance(const gpuvirt_holder *h)
{
	return h && h->h.kind != GV_HOLDER_PROCESS && h->h.uuid[0] ? h->h.uuid : NULL;
}

GPUVIRT_EXPORT int gpuvirt_holder_is_vm(const gpuvirt_holder *h)
{
	return h ? h->h.vm : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_holder_get_description(const gpuvirt_holder *h)
{
	return h ? h->description : NULL;
}

