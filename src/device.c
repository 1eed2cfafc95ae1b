/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device model: PCI functions, their IOMMU groups and SR-IOV links.
 *
 * A device is read once, when it is looked up, into a snapshot; nothing is
 * read lazily, so a getter never fails and never sees a half-changed host.
 * Reading costs: one read of `config` gives vendor, device, class, revision
 * and subsystem IDs; the per-attribute files are read only where config
 * cannot answer (VFs read 0xffff there, and unprivileged readers may get
 * nothing). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct gpuvirt_device {
	int refcount;
	gpuvirt_ctx *ctx;
	char bdf[GV_BDF_LEN];
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code;
	uint8_t revision;
	char *vendor_name, *device_name;
	bool names_done; /* names come from pci.ids, looked up on first use */
	char *driver, *driver_override;
	int iommu_group;
	struct gv_strv group_members;
	int numa_node;
	int boot_vga;
	int sriov_total, sriov_num;
	struct gv_strv vfs;
	char *physfn;
	bool has_reset_method;
	struct gv_strv reset_methods;
	struct gv_strv drm;
	uint32_t modes;
	char *persistent_driver; /* driverctl's record, etc/driverctl.d/pci-<bdf> */
	uint64_t generation;	 /* the context's generation when it was read */
};

struct gpuvirt_device_iter {
	gpuvirt_ctx *ctx;
	uint32_t flags;
	char **names;
	size_t count, pos;
};

static bool class_is_gpu(uint32_t class_code)
{
	return (class_code >> 16) == 0x03 || (class_code >> 8) == 0x1200;
}

static void device_clear(struct gpuvirt_device *d)
{
	free(d->vendor_name);
	free(d->device_name);
	free(d->driver);
	free(d->driver_override);
	free(d->physfn);
	free(d->persistent_driver);
	d->persistent_driver = NULL;
	gv_strv_free(&d->group_members);
	gv_strv_free(&d->vfs);
	gv_strv_free(&d->reset_methods);
	gv_strv_free(&d->drm);
	d->vendor_name = d->device_name = d->driver = d->driver_override = d->physfn = NULL;
}

/* Read "sys/bus/pci/devices/<bdf>/<attr>" into buf. */
static ssize_t read_attr(gpuvirt_ctx *ctx, const char *bdf, const char *attr, char *buf, size_t size)
{
	char path[256];
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/%s", bdf, attr);

	return r < 0 ? r : gv_read_text(ctx, path, buf, size);
}

static int read_hex_attr(gpuvirt_ctx *ctx, const char *bdf, const char *attr, uint32_t max, uint32_t *out)
{
	char buf[64];
	ssize_t n = read_attr(ctx, bdf, attr, buf, sizeof(buf));

	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read sys/bus/pci/devices/%s/%s: %s", bdf, bdf, attr,
			       gpuvirt_strerror((int)n));
	if (gv_parse_hex(buf, (size_t)n, max, out) < 0)
		return gv_fail(ctx, -EBADMSG, "%s: cannot parse sys/bus/pci/devices/%s/%s: '%.32s'", bdf, bdf,
			       attr, buf);
	return 0;
}

/* An optional integer attribute: `fallback` when absent (or malformed, with
 * a warning); an error naming the file when it exists but cannot be read. */
static int read_int_attr(gpuvirt_ctx *ctx, const char *bdf, const char *attr, long min, long max, int fallback,
			 int *out)
{
	char buf[64];
	long v;
	ssize_t n = read_attr(ctx, bdf, attr, buf, sizeof(buf));

	*out = fallback;
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read sys/bus/pci/devices/%s/%s: %s", bdf, bdf, attr,
			       gpuvirt_strerror((int)n));
	if (gv_parse_int(buf, (size_t)n, min, max, &v) < 0) {
		gv_warn(ctx, "%s: ignoring malformed %s: '%.32s'", bdf, attr, buf);
		return 0;
	}
	*out = (int)v;
	return 0;
}

static int read_identity(struct gpuvirt_device *d)
{
	gpuvirt_ctx *ctx = d->ctx;
	struct gv_pci_ids ids;
	uint8_t cfg[64];
	char path[256];
	uint32_t v;
	ssize_t n;
	int r;

	r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/config", d->bdf);
	if (r < 0)
		return r;
	n = gv_read_bin(ctx, path, cfg, sizeof(cfg));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", d->bdf, path, gpuvirt_strerror((int)n));
	if (n >= 0 && gv_parse_config(cfg, (size_t)n, &ids) == 0) {
		d->vendor = ids.vendor;
		d->device = ids.device;
		d->class_code = ids.class_code;
		d->revision = ids.revision;
		if (ids.has_subsystem) {
			d->subsystem_vendor = ids.subsystem_vendor;
			d->subsystem_device = ids.subsystem_device;
			return 0;
		}
	} else {
		if ((r = read_hex_attr(ctx, d->bdf, "vendor", 0xffff, &v)) < 0)
			return r;
		d->vendor = (uint16_t)v;
		if ((r = read_hex_attr(ctx, d->bdf, "device", 0xffff, &v)) < 0)
			return r;
		d->device = (uint16_t)v;
		if ((r = read_hex_attr(ctx, d->bdf, "class", 0xffffff, &v)) < 0)
			return r;
		d->class_code = v;
		/* `revision` appeared in Linux 4.13: optional. */
		if (read_hex_attr(ctx, d->bdf, "revision", 0xff, &v) == 0)
			d->revision = (uint8_t)v;
	}
	gv_clear_error(ctx);
	if (read_hex_attr(ctx, d->bdf, "subsystem_vendor", 0xffff, &v) == 0)
		d->subsystem_vendor = (uint16_t)v;
	if (read_hex_attr(ctx, d->bdf, "subsystem_device", 0xffff, &v) == 0)
		d->subsystem_device = (uint16_t)v;
	gv_clear_error(ctx);
	return 0;
}

/* Read a link under the device directory and keep its last component. */
static int read_link_base(gpuvirt_ctx *ctx, const char *bdf, const char *link, char **out)
{
	char path[256], base[256];
	ssize_t n;
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/%s", bdf, link);

	*out = NULL;
	if (r < 0)
		return r;
	n = gv_readlink_base(ctx, path, base, sizeof(base));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	*out = strdup(base);
	return *out ? 1 : -ENOMEM;
}

static int read_iommu_group(struct gpuvirt_device *d)
{
	gpuvirt_ctx *ctx = d->ctx;
	char *group = NULL, path[256], **names;
	size_t count;
	long v;
	int r = read_link_base(ctx, d->bdf, "iommu_group", &group);

	d->iommu_group = -1;
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot read its iommu_group link: %s", d->bdf, gpuvirt_strerror(r));
	if (r == 0)
		return 0;
	r = gv_parse_int(group, strlen(group), 0, 1 << 30, &v);
	if (r < 0) {
		/* Not "no group": a link we cannot read as one (a loop, a
		 * chain of links) is an error naming it. */
		r = gv_fail(ctx, -EBADMSG, "%s: its iommu_group link names '%s', not an IOMMU group", d->bdf, group);
		free(group);
		return r;
	}
	free(group);
	d->iommu_group = (int)v;
	r = gv_path(path, sizeof(path), "sys/kernel/iommu_groups/%ld/devices", v);
	if (r < 0)
		return r;
	r = gv_list_dir(ctx, path, &names, &count);
	if (r == -ENOENT) {
		/* The link is there but the group's directory is not: a broken
		 * tree. The device still belongs to the group. */
		gv_warn(ctx, "%s: no %s", d->bdf, path);
		return gv_strv_push(&d->group_members, d->bdf);
	}
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	for (size_t i = 0; i < count && r == 0; i++) {
		char bdf[GV_BDF_LEN];
		/* mdev instances get groups too; only PCI functions are members here. */
		if (gv_parse_bdf(names[i], bdf) == 0)
			r = gv_strv_push(&d->group_members, bdf);
	}
	gv_names_free(names, count);
	return r;
}

static int cmp_virtfn(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a + 6, NULL, 10), y = strtol(*(char *const *)b + 6, NULL, 10);
	return (x > y) - (x < y);
}

static int read_sriov(struct gpuvirt_device *d, char **names, size_t count)
{
	gpuvirt_ctx *ctx = d->ctx;
	char **virtfn = NULL;
	size_t nv = 0;
	int r = 0;

	if ((r = read_int_attr(ctx, d->bdf, "sriov_totalvfs", 0, 65535, -1, &d->sriov_total)) < 0)
		return r;
	d->sriov_num = -1;
	if (d->sriov_total < 0)
		return 0;
	if ((r = read_int_attr(ctx, d->bdf, "sriov_numvfs", 0, 65535, 0, &d->sriov_num)) < 0)
		return r;
	virtfn = calloc(count ? count : 1, sizeof(*virtfn));
	if (!virtfn)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		long idx;
		if (strncmp(names[i], "virtfn", 6) == 0 &&
		    gv_parse_int(names[i] + 6, strlen(names[i] + 6), 0, 65535, &idx) == 0)
			virtfn[nv++] = names[i];
	}
	qsort(virtfn, nv, sizeof(*virtfn), cmp_virtfn);
	for (size_t i = 0; i < nv && r >= 0; i++) {
		char *base = NULL, bdf[GV_BDF_LEN];
		r = read_link_base(ctx, d->bdf, virtfn[i], &base);
		if (r > 0 && gv_parse_bdf(base, bdf) == 0)
			r = gv_strv_push(&d->vfs, bdf);
		else if (r >= 0)
			gv_warn(ctx, "%s: ignoring dangling or malformed %s link", d->bdf, virtfn[i]);
		free(base);
		if (r == -ENOENT || r == -EXDEV)
			r = 0;
	}
	free(virtfn);
	return r < 0 ? r : 0;
}

static int read_drm(struct gpuvirt_device *d)
{
	char path[256], **names;
	size_t count;
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/drm", d->bdf);

	if (r < 0)
		return r;
	r = gv_list_dir(d->ctx, path, &names, &count);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	for (size_t i = 0; i < count && r == 0; i++)
		if (strncmp(names[i], "card", 4) == 0 || strncmp(names[i], "renderD", 7) == 0)
			if (!strchr(names[i], '-')) /* card0-HDMI-A-1 is a connector */
				r = gv_strv_push(&d->drm, names[i]);
	gv_names_free(names, count);
	return r;
}

static bool vf_has_nvidia_vgpu(gpuvirt_ctx *ctx, const char *bdf)
{
	char path[256];

	return gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", bdf) == 0 &&
	       gv_exists(ctx, path) == 1;
}

/* Its driver and override, its group, its PF. */
static int read_links(struct gpuvirt_device *d)
{
	gpuvirt_ctx *ctx = d->ctx;
	char buf[512], override[256];
	ssize_t n;
	int r;

	if ((r = read_link_base(ctx, d->bdf, "driver", &d->driver)) < 0)
		return gv_fail(ctx, r, "%s: cannot read its driver link: %s", d->bdf, gpuvirt_strerror(r));
	n = read_attr(ctx, d->bdf, "driver_override", buf, sizeof(buf));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read sys/bus/pci/devices/%s/driver_override: %s", d->bdf, d->bdf,
			       gpuvirt_strerror((int)n));
	if (n >= 0 && gv_parse_override(buf, (size_t)n, override, sizeof(override)) == 0 && override[0] &&
	    !(d->driver_override = strdup(override)))
		return -ENOMEM;
	if ((r = read_iommu_group(d)) < 0)
		return r;
	if ((r = read_link_base(ctx, d->bdf, "physfn", &d->physfn)) < 0)
		return gv_fail(ctx, r, "%s: cannot read its physfn link: %s", d->bdf, gpuvirt_strerror(r));
	if (d->physfn) {
		char pf[GV_BDF_LEN];
		if (gv_parse_bdf(d->physfn, pf) == 0) {
			memcpy(d->physfn, pf, GV_BDF_LEN);
		} else {
			free(d->physfn);
			d->physfn = NULL;
		}
	}
	return 0;
}

/* NUMA node, boot VGA, reset methods, DRM nodes. */
static int read_optional(struct gpuvirt_device *d)
{
	gpuvirt_ctx *ctx = d->ctx;
	char buf[512];
	ssize_t n;
	int r;

	if ((r = read_int_attr(ctx, d->bdf, "numa_node", -1, 65535, -1, &d->numa_node)) < 0 ||
	    (r = read_int_attr(ctx, d->bdf, "boot_vga", 0, 1, -1, &d->boot_vga)) < 0)
		return r;
	n = read_attr(ctx, d->bdf, "reset_method", buf, sizeof(buf));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read sys/bus/pci/devices/%s/reset_method: %s", d->bdf, d->bdf,
			       gpuvirt_strerror((int)n));
	d->has_reset_method = n >= 0;
	if (n > 0 && gv_parse_words(buf, (size_t)n, &d->reset_methods) < 0)
		gv_warn(ctx, "%s: ignoring malformed reset_method", d->bdf);
	return read_drm(d);
}

static void compute_modes(struct gpuvirt_device *d, char **names, size_t count)
{
	d->modes = 0;
	if (d->iommu_group >= 0)
		d->modes |= GPUVIRT_MODE_PASSTHROUGH;
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], "mdev_supported_types") == 0)
			d->modes |= GPUVIRT_MODE_MDEV;
	if (d->sriov_total > 0)
		d->modes |= GPUVIRT_MODE_SRIOV;
	if (d->vendor == 0x10de) {
		bool vgpu = vf_has_nvidia_vgpu(d->ctx, d->bdf);
		for (size_t i = 0; i < d->vfs.n && !vgpu; i++)
			vgpu = vf_has_nvidia_vgpu(d->ctx, d->vfs.v[i]);
		if (vgpu)
			d->modes |= GPUVIRT_MODE_NVIDIA_VGPU;
	}
}

/* driverctl's record: the driver it binds at boot. */
static int read_persistent(struct gpuvirt_device *d)
{
	char path[256], buf[512];
	ssize_t n;
	int r = gv_path(path, sizeof(path), "etc/driverctl.d/pci-%s", d->bdf);

	if (r < 0)
		return r;
	n = gv_read_text(d->ctx, path, buf, sizeof(buf));
	if (n == -ENOENT || n == -ENOTDIR)
		return 0;
	if (n < 0)
		return gv_fail(d->ctx, (int)n, "%s: cannot read %s: %s", d->bdf, path, gpuvirt_strerror((int)n));
	buf[strcspn(buf, "\n")] = '\0';
	if (buf[0] && !(d->persistent_driver = strdup(buf)))
		return -ENOMEM;
	return 0;
}

static int device_load(struct gpuvirt_device *d)
{
	gpuvirt_ctx *ctx = d->ctx;
	char path[256], **names = NULL;
	size_t count = 0;
	int r;

	d->generation = ctx->generation;
	r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);
	if (r < 0)
		return gv_fail(ctx, r, "%s: bad device path", d->bdf);
	r = gv_list_dir(ctx, path, &names, &count);
	if (r == -ENOENT || r == -ENOTDIR)
		return gv_fail(ctx, -ENODEV, "%s: no such PCI device under %s (no %s)", d->bdf, ctx->root, path);
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	r = read_identity(d);
	if (r == -ENOENT && gv_exists(ctx, path) == 0) /* vanished after the listing */
		r = gv_fail(ctx, -ENODEV, "%s: device vanished while it was read", d->bdf);
	if (r == 0 && (r = read_links(d)) == 0 && (r = read_sriov(d, names, count)) == 0 && (r = read_optional(d)) == 0 &&
	    (r = read_persistent(d)) == 0) {
		compute_modes(d, names, count);
		d->names_done = false;
	}
	gv_names_free(names, count);
	return r;
}

static int device_new(gpuvirt_ctx *ctx, const char *bdf, struct gpuvirt_device **out)
{
	struct gpuvirt_device *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return gv_fail(ctx, -ENOMEM, "out of memory");
	d->refcount = 1;
	d->ctx = gpuvirt_ctx_ref(ctx);
	memcpy(d->bdf, bdf, GV_BDF_LEN);
	r = device_load(d);
	if (r < 0) {
		gpuvirt_device_unref(d);
		return r;
	}
	*out = d;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_device_new_from_bdf(gpuvirt_ctx *ctx, const char *bdf, gpuvirt_device **dev)
{
	char canon[GV_BDF_LEN];

	if (!ctx || !dev)
		return -EINVAL;
	*dev = NULL;
	gv_clear_error(ctx);
	if (gv_parse_bdf(bdf, canon) < 0)
		return gv_fail(ctx, -EINVAL, "'%.64s' is not a PCI address (DDDD:BB:DD.F)", bdf ? bdf : "(null)");
	return device_new(ctx, canon, dev);
}

GPUVIRT_EXPORT int gpuvirt_device_refresh(gpuvirt_device *dev)
{
	struct gpuvirt_device fresh;
	int r;

	if (!dev)
		return -EINVAL;
	gv_clear_error(dev->ctx);
	memset(&fresh, 0, sizeof(fresh));
	fresh.ctx = dev->ctx;
	memcpy(fresh.bdf, dev->bdf, GV_BDF_LEN);
	r = device_load(&fresh);
	if (r < 0) {
		device_clear(&fresh);
		return r;
	}
	device_clear(dev);
	fresh.refcount = dev->refcount;
	*dev = fresh;
	return 0;
}

GPUVIRT_EXPORT gpuvirt_device *gpuvirt_device_ref(gpuvirt_device *dev)
{
	if (dev)
		dev->refcount++;
	return dev;
}

GPUVIRT_EXPORT gpuvirt_device *gpuvirt_device_unref(gpuvirt_device *dev)
{
	if (!dev)
		return NULL;
	if (--dev->refcount > 0)
		return dev;
	device_clear(dev);
	gpuvirt_ctx_unref(dev->ctx);
	free(dev);
	return NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_iter_new(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device_iter **out)
{
	struct gpuvirt_device_iter *it;
	int r;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	gv_clear_error(ctx);
	if (flags & ~(uint32_t)GPUVIRT_DEVICES_ALL)
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
	*out = it;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_device_iter_next(gpuvirt_device_iter *it, gpuvirt_device **dev)
{
	if (!it || !dev)
		return -EINVAL;
	*dev = NULL;
	while (it->pos < it->count) {
		const char *name = it->names[it->pos++];
		char bdf[GV_BDF_LEN];
		int r;

		if (gv_parse_bdf(name, bdf) < 0 || strcmp(bdf, name) != 0) {
			gv_debug(it->ctx, "skipping sys/bus/pci/devices/%s: not a PCI address", name);
			continue;
		}
		if (!(it->flags & GPUVIRT_DEVICES_ALL)) {
			/* Filter on the class before reading the rest. */
			uint32_t cls;
			int e = read_hex_attr(it->ctx, bdf, "class", 0xffffff, &cls);
			if (e == -ENOENT) { /* gone since the listing */
				gv_debug(it->ctx, "skipping %s: %s", bdf, it->ctx->error);
				gv_clear_error(it->ctx);
				continue;
			}
			if (e < 0)
				return e; /* unreadable is an error naming the file, not an absent device */
			if (!class_is_gpu(cls))
				continue;
		}
		r = device_new(it->ctx, bdf, dev);
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

GPUVIRT_EXPORT gpuvirt_device_iter *gpuvirt_device_iter_unref(gpuvirt_device_iter *it)
{
	if (!it)
		return NULL;
	gv_names_free(it->names, it->count);
	gpuvirt_ctx_unref(it->ctx);
	free(it);
	return NULL;
}

/* ---- getters ---- */

GPUVIRT_EXPORT gpuvirt_ctx *gpuvirt_device_get_ctx(const gpuvirt_device *dev)
{
	return dev ? dev->ctx : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_bdf(const gpuvirt_device *dev)
{
	return dev ? dev->bdf : NULL;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_vendor_id(const gpuvirt_device *dev)
{
	return dev ? dev->vendor : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_device_id(const gpuvirt_device *dev)
{
	return dev ? dev->device : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_subsystem_vendor_id(const gpuvirt_device *dev)
{
	return dev ? dev->subsystem_vendor : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_subsystem_device_id(const gpuvirt_device *dev)
{
	return dev ? dev->subsystem_device : 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_device_get_class(const gpuvirt_device *dev)
{
	return dev ? dev->class_code : 0;
}

GPUVIRT_EXPORT uint8_t gpuvirt_device_get_revision(const gpuvirt_device *dev)
{
	return dev ? dev->revision : 0;
}

GPUVIRT_EXPORT int gpuvirt_device_is_gpu(const gpuvirt_device *dev)
{
	return dev && class_is_gpu(dev->class_code);
}

/* Names come from the pci.ids database, not from the host, so looking them
 * up on first use keeps the snapshot's meaning and spares every caller that
 * does not need them the database's loading (most of a listing's time). */
static void load_names(const gpuvirt_device *cdev)
{
	struct gpuvirt_device *dev = (struct gpuvirt_device *)cdev; /* a cache: logically const */

	if (dev->names_done)
		return;
	dev->names_done = true;
	dev->vendor_name = gv_pci_vendor_name(dev->ctx, dev->vendor);
	dev->device_name = gv_pci_device_name(dev->ctx, dev->vendor, dev->device);
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_vendor_name(const gpuvirt_device *dev)
{
	if (!dev)
		return NULL;
	load_names(dev);
	return dev->vendor_name;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_device_name(const gpuvirt_device *dev)
{
	if (!dev)
		return NULL;
	load_names(dev);
	return dev->device_name;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_driver(const gpuvirt_device *dev)
{
	return dev ? dev->driver : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_driver_override(const gpuvirt_device *dev)
{
	return dev ? dev->driver_override : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_get_iommu_group(const gpuvirt_device *dev)
{
	return dev ? dev->iommu_group : -1;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_iommu_group_member_count(const gpuvirt_device *dev)
{
	return dev ? dev->group_members.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_iommu_group_member(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->group_members, index) : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_get_numa_node(const gpuvirt_device *dev)
{
	return dev ? dev->numa_node : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_boot_vga(const gpuvirt_device *dev)
{
	return dev ? dev->boot_vga : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_sriov_total_vfs(const gpuvirt_device *dev)
{
	return dev ? dev->sriov_total : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_sriov_num_vfs(const gpuvirt_device *dev)
{
	return dev ? dev->sriov_num : -1;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_vf_count(const gpuvirt_device *dev)
{
	return dev ? dev->vfs.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_vf(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->vfs, index) : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_physfn(const gpuvirt_device *dev)
{
	return dev ? dev->physfn : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_has_reset_method_info(const gpuvirt_device *dev)
{
	return dev && dev->has_reset_method;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_reset_method_count(const gpuvirt_device *dev)
{
	return dev ? dev->reset_methods.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_reset_method(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->reset_methods, index) : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_drm_node_count(const gpuvirt_device *dev)
{
	return dev ? dev->drm.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_drm_node(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->drm, index) : NULL;
}

GPUVIRT_EXPORT uint32_t gpuvirt_device_get_modes(const gpuvirt_device *dev)
{
	return dev ? dev->modes : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_mode_to_string(uint32_t mode)
{
	switch (mode) {
	case GPUVIRT_MODE_PASSTHROUGH: return "passthrough";
	case GPUVIRT_MODE_MDEV: return "mdev";
	case GPUVIRT_MODE_SRIOV: return "sriov";
	case GPUVIRT_MODE_NVIDIA_VGPU: return "nvidia-vgpu";
	default: return NULL;
	}
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_persistent_driver(const gpuvirt_device *dev)
{
	return dev ? dev->persistent_driver : NULL;
}

/* The functions a GPU card carries beside its display function: HDMI/DP
 * audio, USB-C (xHCI) and its UCSI controller, more display functions. They
 * move with the GPU; other functions of the same slot (a chipset's SATA and
 * SMBus at 1f.x) are separate devices. */
static bool card_class(uint32_t c)
{
	return class_is_gpu(c) || (c >> 8) == 0x0403 || (c >> 8) == 0x0401 || (c >> 8) == 0x0c03 || (c >> 8) == 0x0c80;
}

bool gv_device_is_endpoint(const gpuvirt_device *dev)
{
	return (dev->class_code >> 16) != 0x06;
}

GPUVIRT_EXPORT int gpuvirt_device_is_stale(const gpuvirt_device *dev)
{
	if (!dev)
		return -EINVAL;
	return dev->generation != dev->ctx->generation;
}

bool gv_device_is_companion(const gpuvirt_device *a, const gpuvirt_device *b)
{
	if (strncmp(a->bdf, b->bdf, 10) != 0 || a->vendor != b->vendor)
		return false;
	/* One of the two is the GPU; the other is a function a GPU card has. */
	return (class_is_gpu(a->class_code) && card_class(b->class_code)) ||
	       (class_is_gpu(b->class_code) && card_class(a->class_code));
}
