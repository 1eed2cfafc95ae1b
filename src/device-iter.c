/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Iterating over the host's PCI functions.
 *
 * GPUs only (the default): each listed function's class is read first and
 * only GPUs are read in full, one at a time.
 *
 * Every function (GPUVIRT_DEVICES_ALL): the whole inventory is read in one
 * pass on the first call, because then the IOMMU groups need no listing of
 * their own: a group's PCI functions are exactly the functions whose
 * iommu_group link names it, and every one of them is being read. Only the
 * list of groups (sys/kernel/iommu_groups) is read, to tell a group whose
 * directory is missing. A PF's VFs likewise are the functions whose physfn
 * link names it (the kernel makes both links together), so its virtfnN
 * links are not read. A pass that stops at an error falls back to listing
 * the groups and reading the virtfnN links of what it read, so what is
 * yielded is the same either way.
 * What a pass reads once is shared through gv_load_hints: driverctl's
 * records, a PF's VF IDs, and which functions are mdev parents (one listing
 * of sys/class/mdev_bus, where the kernel links each parent as it makes its
 * mdev_supported_types, instead of a look at every function).
 *
 * A bus's functions are opened from its directory: the kernel makes the
 * functions of a bus children of one device (the bridge to it, or the host
 * bridge), and a PF's VFs, whatever their bus number, children of the PF's
 * parent. So a bus with a few functions or more in the listing has the
 * parent of its first function's directory opened once (that function's
 * link followed, then ".."), and each of its functions is one name looked
 * up there instead of a walk of sys/bus/pci/devices/<bdf>, a link four
 * directories up and down again. A function not there goes through its
 * link, as does every function without a pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct gpuvirt_device_iter {
	gpuvirt_ctx *ctx;
	uint32_t flags;
	char **names;
	size_t count, pos;
	struct gv_load_hints hints;
	/* GPUVIRT_DEVICES_ALL: the pass's devices, yielded in order, then err */
	bool loaded;
	gpuvirt_device **devs;
	size_t ndevs, next;
	int err;
	char errmsg[sizeof(((gpuvirt_ctx *)0)->error)];
};

GPUVIRT_EXPORT int gpuvirt_device_iter_new(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device_iter **out)
{
	struct gpuvirt_device_iter *it;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if (flags & ~(uint32_t)(GPUVIRT_DEVICES_ALL | GPUVIRT_DEVICES_NO_VFS))
		return gv_fail(ctx, -EINVAL, "unknown device iterator flags 0x%x", flags);
	it = calloc(1, sizeof(*it));
	if (!it)
		return gv_fail(ctx, -ENOMEM, "out of memory");
	r = gv_list_dir(ctx, "sys/bus/pci/devices", &it->names, &it->count);
	if (r < 0) {
		free(it);
		if (r == -ENOTDIR)
			r = -ENOENT;
		return gv_fail(ctx, r, "cannot list sys/bus/pci/devices under %s: %s", ctx->root,
			       gpuvirt_strerror(r));
	}
	it->ctx = gpuvirt_ctx_ref(ctx);
	it->flags = flags;
	it->hints.driverctl_err = gv_dir_open(ctx, "etc/driverctl.d", &it->hints.driverctl);
	if (it->hints.driverctl_err == -ENOTDIR)
		it->hints.driverctl_err = -ENOENT;
	*out = it;
	return 0;
}

/* In a pass over every function, a bus opened once (an open and a close)
 * pays for itself from this many of its functions, each a shorter walk. A
 * pass over GPUs reads every function's class first, which the bus's
 * directory reads in three system calls instead of seven (sysfs.c's
 * checks of a path it must walk): there, every bus is opened. */
#define BUS_MIN_FUNCTIONS 4

/* Open the directory of the bus of the listed function at pos when the
 * listing (sorted) has enough of its functions; once per bus. */
static void open_bus(struct gpuvirt_device_iter *it, size_t pos)
{
	struct gv_load_hints *h = &it->hints;
	const char *bdf = it->names[pos];
	size_t n = 0, want = (it->flags & GPUVIRT_DEVICES_ALL) ? BUS_MIN_FUNCTIONS : 1;
	char path[64];

	if (memcmp(h->bus, bdf, GV_BUS_LEN) == 0)
		return; /* this bus is open, or was found not worth it */
	if (h->bus_open)
		gv_dir_close(&h->bus_dir);
	h->bus_open = false;
	memcpy(h->bus, bdf, GV_BUS_LEN);
	while (pos + n < it->count && n < want && strncmp(it->names[pos + n], bdf, GV_BUS_LEN) == 0)
		n++;
	if (n == want && gv_path_join(path, sizeof(path), "sys/bus/pci/devices", bdf) == 0)
		h->bus_open = gv_dir_open_parent(it->ctx, path, &h->bus_dir) == 0;
	gv_clear_error(it->ctx);
}

/* The class of a listed function, to filter on before reading the rest:
 * from its bus's directory when that is open and has it, else (and to say
 * why not) through its link. */
static int read_class(struct gpuvirt_device_iter *it, const char *bdf, uint32_t *cls)
{
	gpuvirt_ctx *ctx = it->ctx;
	char path[256], buf[64];
	ssize_t n = -ENOENT;
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/class", bdf);
	struct gv_dir *bus = gv_hints_bus_dir(&it->hints, bdf);

	if (r < 0)
		return r;
	if (bus)
		n = gv_dir_read_text(ctx, bus, path + strlen("sys/bus/pci/devices/"), buf, sizeof(buf));
	if (n < 0)
		n = gv_read_text(ctx, path, buf, sizeof(buf));
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", bdf, path, gpuvirt_strerror((int)n));
	if (gv_parse_hex(buf, (size_t)n, 0xffffff, cls) < 0)
		return gv_fail(ctx, -EBADMSG, "%s: cannot parse %s: '%.32s'", bdf, path, buf);
	return 0;
}

/* The next listed function the iterator's filter takes, read: 1, 0 at the
 * end, or -errno. */
static int load_next(struct gpuvirt_device_iter *it, gpuvirt_device **dev)
{
	while (it->pos < it->count) {
		const char *name = it->names[it->pos++];
		char bdf[GV_BDF_LEN];
		int r;

		if (gv_parse_bdf(name, bdf) < 0 || strcmp(bdf, name) != 0) {
			gv_debug(it->ctx, "skipping sys/bus/pci/devices/%s: not a PCI address", name);
			continue;
		}
		open_bus(it, it->pos - 1);
		if (!(it->flags & GPUVIRT_DEVICES_ALL)) {
			/* Filter on the class before reading the rest. */
			uint32_t cls;
			int e = read_class(it, bdf, &cls);
			if (e == -ENOENT) { /* gone since the listing */
				gv_debug(it->ctx, "skipping %s: %s", bdf, it->ctx->error);
				gv_clear_error(it->ctx);
				continue;
			}
			if (e < 0)
				return e; /* unreadable is an error naming the file, not an absent device */
			if (!gv_class_is_gpu(cls))
				continue;
		}
		r = gv_device_load(it->ctx, bdf, &it->hints, dev);
		/* Removed while we listed, or a broken tree without its identity
		 * files: absent. Anything that exists but cannot be read is an
		 * error that names the file, never a device left out. */
		if (r == -ENODEV || r == -ENOENT) {
			gv_log(it->ctx, r == -ENODEV ? 7 : 4, "skipping %s: %s", bdf, it->ctx->error);
			gv_clear_error(it->ctx);
			continue;
		}
		return r < 0 ? r : 1;
	}
	return 0;
}

/* A device's place in the pass (BDF order) and its group: sorted by
 * group, then place, with integer comparisons only. */
struct by_group {
	int group;
	size_t pos;
};

static int cmp_group(const void *a, const void *b)
{
	const struct by_group *x = a, *y = b;

	if (x->group != y->group)
		return (x->group > y->group) - (x->group < y->group);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Members of the run of devices [from, to) that share group g. */
static int fill_run(struct gpuvirt_device_iter *it, const struct by_group *bg, size_t from, size_t to,
		    const struct gv_dir *groups)
{
	char name[16];
	int r = 0;

	snprintf(name, sizeof(name), "%d", bg[from].group);
	for (size_t i = from; i < to && r == 0; i++) {
		gpuvirt_device *d = it->devs[bg[i].pos];
		if (gv_dir_type(groups, name) == -ENOENT) {
			/* The link is there but the group's directory is not: a
			 * broken tree. The device still belongs to the group. */
			gv_warn(it->ctx, "%s: no sys/kernel/iommu_groups/%s/devices", gpuvirt_device_get_bdf(d), name);
			r = gv_device_add_group_member(d, gpuvirt_device_get_bdf(d));
			continue;
		}
		for (size_t k = from; k < to && r == 0; k++)
			r = gv_device_add_group_member(d, gpuvirt_device_get_bdf(it->devs[bg[k].pos]));
	}
	return r;
}

/* Each group's members from the devices' own links. */
static int derive_groups(struct gpuvirt_device_iter *it, const struct gv_dir *groups)
{
	struct by_group *bg = malloc((it->ndevs ? it->ndevs : 1) * sizeof(*bg));
	size_t i = 0;
	int r = 0;

	if (!bg)
		return -ENOMEM;
	for (size_t k = 0; k < it->ndevs; k++)
		bg[k] = (struct by_group){gpuvirt_device_get_iommu_group(it->devs[k]), k};
	if (it->ndevs > 1)
		qsort(bg, it->ndevs, sizeof(*bg), cmp_group);
	while (i < it->ndevs && r == 0) {
		size_t j = i + 1;
		while (j < it->ndevs && bg[j].group == bg[i].group)
			j++;
		if (bg[i].group >= 0)
			r = fill_run(it, bg, i, j, groups);
		i = j;
	}
	free(bg);
	return r;
}

static int cmp_bdf(const void *key, const void *dev)
{
	return strcmp(key, gpuvirt_device_get_bdf(*(gpuvirt_device *const *)dev));
}

/* Each PF's VFs from the VFs' physfn links. The pass reads in address
 * order (the listing's, sorted), so a PF's VFs come in the order of their
 * routing IDs, which is the order of virtfnN. */
static int derive_vfs(struct gpuvirt_device_iter *it)
{
	gpuvirt_device **pf = NULL;
	int r = 0;

	for (size_t i = 0; i < it->ndevs && r == 0; i++) {
		const char *name = gpuvirt_device_get_physfn(it->devs[i]);
		if (!name)
			continue;
		if (!pf || strcmp(gpuvirt_device_get_bdf(*pf), name) != 0)
			pf = bsearch(name, it->devs, it->ndevs, sizeof(*it->devs), cmp_bdf);
		if (pf)
			r = gv_device_add_vf(*pf, it->devs[i]);
	}
	return r;
}

/* Yield only what was read before i, then err. */
static void drop_from(struct gpuvirt_device_iter *it, size_t i, int err)
{
	for (size_t k = i; k < it->ndevs; k++)
		gpuvirt_device_unref(it->devs[k]);
	it->ndevs = i;
	it->err = err;
}

/* The mdev parents, for every function at once: none where the kernel has
 * no mdev (no sys/class/mdev_bus); a listing that fails leaves each
 * function to tell its own. */
static void list_mdev_parents(struct gpuvirt_device_iter *it)
{
	int r = gv_list_dir(it->ctx, "sys/class/mdev_bus", &it->hints.mdev_parents, &it->hints.n_mdev_parents);

	it->hints.mdev_listed = r == 0 || r == -ENOENT || r == -ENOTDIR;
	if (!it->hints.mdev_listed)
		gv_debug(it->ctx, "cannot list sys/class/mdev_bus: %s; each function is asked", gpuvirt_strerror(r));
	gv_clear_error(it->ctx);
}

/* Read every function, then their groups. */
static void load_all(struct gpuvirt_device_iter *it)
{
	struct gv_dir groups;
	gpuvirt_device *d;
	int gerr = gv_dir_open(it->ctx, "sys/kernel/iommu_groups", &groups), r;
	size_t cap = 0;

	it->loaded = true;
	it->hints.whole_pass = gerr == 0 || gerr == -ENOENT || gerr == -ENOTDIR;
	list_mdev_parents(it);
	while ((r = load_next(it, &d)) > 0) {
		if (it->ndevs == cap) {
			gpuvirt_device **nd = realloc(it->devs, (cap = cap ? 2 * cap : 64) * sizeof(*nd));
			if (!nd) {
				gpuvirt_device_unref(d);
				r = gv_fail(it->ctx, -ENOMEM, "out of memory");
				break;
			}
			it->devs = nd;
		}
		it->devs[it->ndevs++] = d;
	}
	it->err = r;
	if (it->hints.whole_pass && r == 0) {
		if ((r = derive_groups(it, &groups)) < 0 || (r = derive_vfs(it)) < 0)
			drop_from(it, 0, r);
	} else if (it->hints.whole_pass) {
		/* A pass cut short: what it read lists its own groups and VFs. */
		for (size_t i = 0; i < it->ndevs; i++)
			if ((gpuvirt_device_get_iommu_group(it->devs[i]) >= 0 &&
			     (r = gv_device_read_group_members(it->devs[i])) < 0) ||
			    (r = gv_device_read_vfs(it->devs[i])) < 0) {
				drop_from(it, i, r); /* yield what is whole, then this error */
				break;
			}
	}
	/* The caller may clear the context's message before it reaches the
	 * error: keep it for then. */
	memcpy(it->errmsg, it->ctx->error, sizeof(it->errmsg));
	it->hints.whole_pass = false;
	gv_dir_close(&groups);
}

static int next_any(gpuvirt_device_iter *it, gpuvirt_device **dev)
{
	if (!(it->flags & GPUVIRT_DEVICES_ALL))
		return load_next(it, dev);
	if (!it->loaded)
		load_all(it);
	if (it->next < it->ndevs) {
		*dev = it->devs[it->next];
		it->devs[it->next++] = NULL; /* the caller's reference now */
		return 1;
	}
	if (it->err < 0)
		memcpy(it->ctx->error, it->errmsg, sizeof(it->errmsg));
	return it->err;
}

GPUVIRT_EXPORT int gpuvirt_device_iter_next(gpuvirt_device_iter *it, gpuvirt_device **dev)
{
	int r;

	if (!it || !dev)
		return -EINVAL;
	*dev = NULL;
	while ((r = next_any(it, dev)) > 0 && (it->flags & GPUVIRT_DEVICES_NO_VFS) && gpuvirt_device_get_physfn(*dev))
		*dev = gpuvirt_device_unref(*dev); /* a VF, left out */
	return r;
}

GPUVIRT_EXPORT gpuvirt_device_iter *gpuvirt_device_iter_unref(gpuvirt_device_iter *it)
{
	if (!it)
		return NULL;
	for (size_t i = it->next; i < it->ndevs; i++)
		gpuvirt_device_unref(it->devs[i]);
	free(it->devs);
	gv_names_free(it->names, it->count);
	gv_names_free(it->hints.mdev_parents, it->hints.n_mdev_parents);
	gv_dir_close(&it->hints.driverctl);
	if (it->hints.bus_open)
		gv_dir_close(&it->hints.bus_dir);
	gpuvirt_ctx_unref(it->ctx);
	free(it);
	return NULL;
}
