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
#include "device-private.h"

bool gv_class_is_gpu(uint32_t class_code)
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
	free(d->vfio_cdev);
	d->persistent_driver = d->vfio_cdev = NULL;
	gv_strv_free(&d->group_members);
	gv_strv_free(&d->vfs);
	gv_strv_free(&d->reset_methods);
	gv_strv_free(&d->drm);
	d->vendor_name = d->device_name = d->driver = d->driver_override = d->physfn = NULL;
}

/* A device directory's attribute into buf; the directory was opened and
 * listed once (sysfs-dir.c), so an attribute it does not have costs nothing. */
static ssize_t read_attr(struct gpuvirt_device *d, struct gv_dir *dir, const char *attr, char *buf, size_t size)
{
	return gv_dir_read_text(d->ctx, dir, attr, buf, size);
}

static int read_hex_attr(struct gpuvirt_device *d, struct gv_dir *dir, const char *attr, uint32_t max, uint32_t *out)
{
	char buf[64];
	ssize_t n = read_attr(d, dir, attr, buf, sizeof(buf));

	if (n < 0)
		return gv_fail(d->ctx, (int)n, "%s: cannot read %s/%s: %s", d->bdf, dir->rel, attr,
			       gpuvirt_strerror((int)n));
	if (gv_parse_hex(buf, (size_t)n, max, out) < 0)
		return gv_fail(d->ctx, -EBADMSG, "%s: cannot parse %s/%s: '%.32s'", d->bdf, dir->rel, attr, buf);
	return 0;
}

/* An optional integer attribute: `fallback` when absent (or malformed, with
 * a warning); an error naming the file when it exists but cannot be read. */
static int read_int_attr(struct gpuvirt_device *d, struct gv_dir *dir, const char *attr, long min, long max,
			 int fallback, int *out)
{
	char buf[64];
	long v;
	ssize_t n = read_attr(d, dir, attr, buf, sizeof(buf));

	*out = fallback;
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return gv_fail(d->ctx, (int)n, "%s: cannot read %s/%s: %s", d->bdf, dir->rel, attr,
			       gpuvirt_strerror((int)n));
	if (gv_parse_int(buf, (size_t)n, min, max, &v) < 0) {
		gv_warn(d->ctx, "%s: ignoring malformed %s: '%.32s'", d->bdf, attr, buf);
		return 0;
	}
	*out = (int)v;
	return 0;
}

/* vendor and device from their own files. */
static int read_id_files(struct gpuvirt_device *d, struct gv_dir *dir)
{
	uint32_t v;
	int r;

	if ((r = read_hex_attr(d, dir, "vendor", 0xffff, &v)) < 0)
		return r;
	d->vendor = (uint16_t)v;
	if ((r = read_hex_attr(d, dir, "device", 0xffff, &v)) < 0)
		return r;
	d->device = (uint16_t)v;
	return 0;
}

/* vendor, device, class and revision from their own files, where config
 * cannot tell them. */
static int read_identity_files(struct gpuvirt_device *d, struct gv_dir *dir)
{
	uint32_t v;
	int r;

	if ((r = read_id_files(d, dir)) < 0)
		return r;
	if ((r = read_hex_attr(d, dir, "class", 0xffffff, &v)) < 0)
		return r;
	d->class_code = v;
	/* `revision` appeared in Linux 4.13: optional. */
	if (read_hex_attr(d, dir, "revision", 0xff, &v) == 0)
		d->revision = (uint8_t)v;
	return 0;
}

/* A VF's vendor and device: those of its PF's other VFs where this pass
 * has read them, otherwise its own files. */
static int read_vf_ids(struct gpuvirt_device *d, struct gv_dir *dir, struct gv_load_hints *h)
{
	int r;

	if (h && d->physfn && strcmp(h->vf_pf, d->physfn) == 0) {
		d->vendor = h->vf_vendor;
		d->device = h->vf_device;
		return 0;
	}
	if ((r = read_id_files(d, dir)) < 0)
		return r;
	if (h && d->physfn) {
		memcpy(h->vf_pf, d->physfn, GV_BDF_LEN);
		h->vf_vendor = d->vendor;
		h->vf_device = d->device;
	}
	return 0;
}

static int read_identity(struct gpuvirt_device *d, struct gv_dir *dir, struct gv_load_hints *h)
{
	gpuvirt_ctx *ctx = d->ctx;
	struct gv_pci_ids ids;
	uint8_t cfg[64];
	uint32_t v;
	ssize_t n;
	int r;

	n = gv_dir_read(ctx, dir, "config", cfg, sizeof(cfg));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read %s/config: %s", d->bdf, dir->rel, gpuvirt_strerror((int)n));
	if (n >= 0 && gv_parse_config(cfg, (size_t)n, &ids) == 0) {
		if (!ids.has_ids && (r = read_vf_ids(d, dir, h)) < 0)
			return r;
		if (ids.has_ids) {
			d->vendor = ids.vendor;
			d->device = ids.device;
		}
		d->class_code = ids.class_code;
		d->revision = ids.revision;
		if (ids.has_subsystem) {
			d->subsystem_vendor = ids.subsystem_vendor;
			d->subsystem_device = ids.subsystem_device;
			return 0;
		}
	} else if ((r = read_identity_files(d, dir)) < 0) {
		return r;
	}
	gv_clear_error(ctx);
	if (read_hex_attr(d, dir, "subsystem_vendor", 0xffff, &v) == 0)
		d->subsystem_vendor = (uint16_t)v;
	if (read_hex_attr(d, dir, "subsystem_device", 0xffff, &v) == 0)
		d->subsystem_device = (uint16_t)v;
	gv_clear_error(ctx);
	return 0;
}

/* Read a link under the device directory and keep its last component. */
static int read_link_base(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *link, char **out)
{
	char base[256];
	ssize_t n = gv_dir_readlink_base(ctx, dir, link, base, sizeof(base));

	*out = NULL;
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	*out = strdup(base);
	return *out ? 1 : -ENOMEM;
}

/* The PCI functions of its IOMMU group, from the group's listing (mdev
 * instances get groups too). */
int gv_device_read_group_members(struct gpuvirt_device *d)
{
	long v = d->iommu_group;
	gpuvirt_ctx *ctx = d->ctx;
	char path[256];
	struct gv_dir gdir;
	int r = gv_path(path, sizeof(path), "sys/kernel/iommu_groups/%ld/devices", v);

	if (r < 0)
		return r;
	r = gv_dir_open(ctx, path, &gdir);
	if (r == -ENOENT) {
		/* The link is there but the group's directory is not: a broken
		 * tree. The device still belongs to the group. */
		gv_warn(ctx, "%s: no %s", d->bdf, path);
		return gv_strv_push(&d->group_members, d->bdf);
	}
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	for (size_t i = 0; i < gdir.count && r == 0; i++) {
		char bdf[GV_BDF_LEN];
		if (gv_parse_bdf(gdir.ents[i].name, bdf) == 0)
			r = gv_strv_push(&d->group_members, bdf);
	}
	gv_dir_close(&gdir);
	return r;
}

static int read_iommu_group(struct gpuvirt_device *d, struct gv_dir *dir, struct gv_load_hints *h)
{
	gpuvirt_ctx *ctx = d->ctx;
	char *group = NULL;
	long v;
	int r = read_link_base(ctx, dir, "iommu_group", &group);

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
	/* A pass over every function tells the members without the listing. */
	return h && h->whole_pass ? 0 : gv_device_read_group_members(d);
}

int gv_device_add_group_member(gpuvirt_device *d, const char *bdf)
{
	return gv_strv_push(&d->group_members, bdf);
}

static int cmp_virtfn(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a + 6, NULL, 10), y = strtol(*(char *const *)b + 6, NULL, 10);
	return (x > y) - (x < y);
}

static int read_virtfns(struct gpuvirt_device *d, struct gv_dir *dir)
{
	const char **virtfn = calloc(dir->count ? dir->count : 1, sizeof(*virtfn));
	size_t nv = 0;
	int r = 0;

	if (!virtfn)
		return -ENOMEM;
	for (size_t i = 0; i < dir->count; i++) {
		const char *name = dir->ents[i].name;
		long idx;
		if (strncmp(name, "virtfn", 6) == 0 && gv_parse_int(name + 6, strlen(name + 6), 0, 65535, &idx) == 0)
			virtfn[nv++] = name;
	}
	qsort(virtfn, nv, sizeof(*virtfn), cmp_virtfn);
	for (size_t i = 0; i < nv && r >= 0; i++) {
		char *base = NULL, bdf[GV_BDF_LEN];
		r = read_link_base(d->ctx, dir, virtfn[i], &base);
		if (r > 0 && gv_parse_bdf(base, bdf) == 0)
			r = gv_strv_push(&d->vfs, bdf);
		else if (r >= 0)
			gv_warn(d->ctx, "%s: ignoring dangling or malformed %s link", d->bdf, virtfn[i]);
		free(base);
		if (r == -ENOENT || r == -EXDEV)
			r = 0;
	}
	free(virtfn);
	return r < 0 ? r : 0;
}

static int read_sriov(struct gpuvirt_device *d, struct gv_dir *dir, const struct gv_load_hints *h)
{
	int r;

	d->sriov_total = d->sriov_num = -1;
	if (d->physfn)
		return 0; /* a VF is never a PF: the kernel gives it no sriov_* files */
	if ((r = read_int_attr(d, dir, "sriov_totalvfs", 0, 65535, -1, &d->sriov_total)) < 0)
		return r;
	if (d->sriov_total < 0)
		return 0;
	if ((r = read_int_attr(d, dir, "sriov_numvfs", 0, 65535, 0, &d->sriov_num)) < 0)
		return r;
	/* A whole pass tells the VFs by their physfn links; otherwise the
	 * virtfnN links, from the directory's listing. */
	if (h && h->whole_pass)
		return 0;
	if ((r = gv_dir_list(d->ctx, dir)) < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s: %s", d->bdf, dir->rel, gpuvirt_strerror(r));
	return read_virtfns(d, dir);
}

/* Folders only a bound driver makes, asked of the file system only where
 * one can be: DRM nodes come from a DRM driver of a display or accelerator
 * function, vfio-dev from vfio-pci and its variant drivers (each named
 * so: mlx5_vfio_pci, nvgrace_gpu_vfio_pci, ...), never both. */
static bool may_have_drm(const struct gpuvirt_device *d)
{
	return d->driver && !strstr(d->driver, "vfio") && gv_class_is_gpu(d->class_code);
}

static bool may_have_vfio_cdev(const struct gpuvirt_device *d)
{
	return d->driver && strstr(d->driver, "vfio");
}

/* The kernel shows boot_vga on VGA-class functions only (pci_is_vga()). */
static bool may_have_boot_vga(const struct gpuvirt_device *d)
{
	return (d->class_code >> 8) == 0x0300 || (d->class_code >> 8) == 0x0001;
}

static int read_drm(struct gpuvirt_device *d, struct gv_dir *dir)
{
	struct gv_dir ddir;
	int r;

	if (!may_have_drm(d))
		return 0; /* most functions: nothing to ask */
	r = gv_dir_open_sub(d->ctx, dir, "drm", true, &ddir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s/drm: %s", d->bdf, dir->rel, gpuvirt_strerror(r));
	for (size_t i = 0; i < ddir.count && r == 0; i++) {
		const char *name = ddir.ents[i].name;
		if (strncmp(name, "card", 4) == 0 || strncmp(name, "renderD", 7) == 0)
			if (!strchr(name, '-')) /* card0-HDMI-A-1 is a connector */
				r = gv_strv_push(&d->drm, name);
	}
	gv_dir_close(&ddir);
	return r;
}

/* A VFIO device cdev (Linux 6.6+, bound to vfio-pci or a variant):
 * vfio-dev/vfioN with a dev number, listed only where the device has that
 * folder. Linux 6.1 to 6.5 make vfio-dev/vfioN without one: no node. */
static int read_vfio_cdev(struct gpuvirt_device *d, struct gv_dir *dir)
{
	struct gv_dir vdir;
	const char *path = vdir.rel;
	int r;

	if (!may_have_vfio_cdev(d))
		return 0;
	r = gv_dir_open_sub(d->ctx, dir, "vfio-dev", true, &vdir);
	if (r == -ENOENT)
		return 0; /* unbound meanwhile */
	if (r < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s/vfio-dev: %s", d->bdf, dir->rel, gpuvirt_strerror(r));
	for (size_t i = 0; i < vdir.count && r == 0 && !d->vfio_cdev; i++) {
		const char *name = vdir.ents[i].name;
		char dev[600];
		if (!gv_parse_vfio_cdev_name(name))
			continue;
		if ((r = gv_path(dev, sizeof(dev), "%s/%s/dev", path, name)) < 0 || (r = gv_exists(d->ctx, dev)) <= 0)
			r = r == 0 || r == -ENOENT ? 0 : gv_fail(d->ctx, r, "%s: cannot read %s: %s", d->bdf, dev,
								  gpuvirt_strerror(r));
		else if (!(d->vfio_cdev = strdup(name)))
			r = -ENOMEM;
	}
	gv_dir_close(&vdir);
	return r;
}

/* Its driver and override, its group. */
static int read_links(struct gpuvirt_device *d, struct gv_dir *dir, struct gv_load_hints *h)
{
	gpuvirt_ctx *ctx = d->ctx;
	char buf[512], override[256];
	ssize_t n;
	int r;

	if ((r = read_link_base(ctx, dir, "driver", &d->driver)) < 0)
		return gv_fail(ctx, r, "%s: cannot read its driver link: %s", d->bdf, gpuvirt_strerror(r));
	n = read_attr(d, dir, "driver_override", buf, sizeof(buf));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read %s/driver_override: %s", d->bdf, dir->rel,
			       gpuvirt_strerror((int)n));
	if (n >= 0 && gv_parse_override(buf, (size_t)n, override, sizeof(override)) == 0 && override[0] &&
	    !(d->driver_override = strdup(override)))
		return -ENOMEM;
	return read_iommu_group(d, dir, h);
}

/* A VF's PF, first: a VF's IDs depend on it. */
static int read_physfn(struct gpuvirt_device *d, struct gv_dir *dir)
{
	int r = read_link_base(d->ctx, dir, "physfn", &d->physfn);

	if (r < 0)
		return gv_fail(d->ctx, r, "%s: cannot read its physfn link: %s", d->bdf, gpuvirt_strerror(r));
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
static int read_optional(struct gpuvirt_device *d, struct gv_dir *dir)
{
	gpuvirt_ctx *ctx = d->ctx;
	char buf[512];
	ssize_t n;
	int r;

	d->boot_vga = -1;
	if ((r = read_int_attr(d, dir, "numa_node", -1, 65535, -1, &d->numa_node)) < 0 ||
	    (may_have_boot_vga(d) && (r = read_int_attr(d, dir, "boot_vga", 0, 1, -1, &d->boot_vga)) < 0))
		return r;
	n = read_attr(d, dir, "reset_method", buf, sizeof(buf));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read %s/reset_method: %s", d->bdf, dir->rel,
			       gpuvirt_strerror((int)n));
	d->has_reset_method = n >= 0;
	if (n > 0 && gv_parse_words(buf, (size_t)n, &d->reset_methods) < 0)
		gv_warn(ctx, "%s: ignoring malformed reset_method", d->bdf);
	if ((r = read_drm(d, dir)) < 0)
		return r;
	return read_vfio_cdev(d, dir);
}

static bool vf_has_nvidia_vgpu(gpuvirt_ctx *ctx, const char *bdf)
{
	char path[256];

	return gv_path(path, sizeof(path), "sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", bdf) == 0 &&
	       gv_exists(ctx, path) == 1;
}

static int cmp_name(const void *key, const void *name)
{
	return strcmp(key, *(char *const *)name);
}

/* An mdev parent: the pass's listing of sys/class/mdev_bus (where the
 * kernel links each parent as it makes its mdev_supported_types), or the
 * device's own folder. */
static bool is_mdev_parent(struct gpuvirt_device *d, struct gv_dir *dir, const struct gv_load_hints *h)
{
	if (h && h->whole_pass && h->mdev_listed)
		return h->n_mdev_parents &&
		       bsearch(d->bdf, h->mdev_parents, h->n_mdev_parents, sizeof(char *), cmp_name) != NULL;
	return d->driver && gv_dir_exists(d->ctx, dir, "mdev_supported_types") == 1;
}

static void compute_modes(struct gpuvirt_device *d, struct gv_dir *dir, const struct gv_load_hints *h)
{
	d->modes = 0;
	if (d->iommu_group >= 0)
		d->modes |= GPUVIRT_MODE_PASSTHROUGH;
	if (is_mdev_parent(d, dir, h))
		d->modes |= GPUVIRT_MODE_MDEV;
	if (d->sriov_total > 0)
		d->modes |= GPUVIRT_MODE_SRIOV;
	if (d->vendor == 0x10de) {
		/* The driver offers a function one way: mdev types (before
		 * Ampere's vendor interface) or nvidia/, never both. */
		bool vgpu = !(d->modes & GPUVIRT_MODE_MDEV) && d->driver &&
			    gv_dir_exists(d->ctx, dir, "nvidia/creatable_vgpu_types") == 1;
		for (size_t i = 0; i < d->vfs.n && !vgpu; i++)
			vgpu = vf_has_nvidia_vgpu(d->ctx, d->vfs.v[i]);
		if (vgpu)
			d->modes |= GPUVIRT_MODE_NVIDIA_VGPU;
	}
}

int gv_device_add_vf(gpuvirt_device *pf, const gpuvirt_device *vf)
{
	if (vf->modes & GPUVIRT_MODE_NVIDIA_VGPU)
		pf->modes |= GPUVIRT_MODE_NVIDIA_VGPU;
	return gv_strv_push(&pf->vfs, vf->bdf);
}

int gv_device_read_vfs(gpuvirt_device *d)
{
	char path[256];
	struct gv_dir dir;
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);

	if (r < 0 || d->sriov_total < 0)
		return r;
	if ((r = gv_dir_open(d->ctx, path, &dir)) < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	gv_strv_free(&d->vfs);
	if ((r = read_virtfns(d, &dir)) == 0)
		compute_modes(d, &dir, NULL);
	gv_dir_close(&dir);
	return r;
}

/* driverctl's record: the driver it binds at boot. */
static int read_persistent(struct gpuvirt_device *d, struct gv_load_hints *h)
{
	char path[256], buf[512];
	const char *name = path + strlen("etc/driverctl.d/");
	ssize_t n;

	/* d->bdf is a PCI address (DDDD:BB:DD.F): the path is a safe one */
	memcpy(path, "etc/driverctl.d/pci-", strlen("etc/driverctl.d/pci-"));
	memcpy(path + strlen("etc/driverctl.d/pci-"), d->bdf, GV_BDF_LEN);
	if (h && h->driverctl_err == -ENOENT)
		n = -ENOENT; /* no records at all */
	else if (h && h->driverctl_err == 0)
		n = gv_dir_read_text(d->ctx, &h->driverctl, name, buf, sizeof(buf));
	else
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

/* The device's directory: in a pass, by its name in its bus's directory
 * when that is open (one name looked up, not the bus link's walk), else, or
 * when it is not there, through its link in sys/bus/pci/devices. */
static int open_device_dir(gpuvirt_ctx *ctx, const char *bdf, const char *path, struct gv_load_hints *h,
			   struct gv_dir *dir)
{
	const struct gv_dir *bus = gv_hints_bus_dir(h, bdf);

	if (bus && gv_dir_open_beneath(bus, bdf, path, dir) == 0)
		return 0;
	return gv_dir_open_unlisted(ctx, path, dir);
}

/* One open of the device directory; everything else is read relative to
 * it, and only what the function can have is asked for. */
static int device_load(struct gpuvirt_device *d, struct gv_load_hints *h)
{
	gpuvirt_ctx *ctx = d->ctx;
	char path[256];
	struct gv_dir dir;
	int r;

	d->generation = ctx->generation;
	if ((r = gv_path_join(path, sizeof(path), "sys/bus/pci/devices", d->bdf)) < 0)
		return gv_fail(ctx, r, "%s: bad device path", d->bdf);
	r = open_device_dir(ctx, d->bdf, path, h, &dir);
	if (r == -ENOENT || r == -ENOTDIR)
		return gv_fail(ctx, -ENODEV, "%s: no such PCI device under %s (no %s)", d->bdf, ctx->root, path);
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot open %s: %s", d->bdf, path, gpuvirt_strerror(r));
	if ((r = read_physfn(d, &dir)) == 0)
		r = read_identity(d, &dir, h);
	if (r == -ENOENT && gv_exists(ctx, path) == 0) /* vanished after the listing */
		r = gv_fail(ctx, -ENODEV, "%s: device vanished while it was read", d->bdf);
	if (r == 0 && (r = read_links(d, &dir, h)) == 0 && (r = read_sriov(d, &dir, h)) == 0 &&
	    (r = read_optional(d, &dir)) == 0 && (r = read_persistent(d, h)) == 0) {
		compute_modes(d, &dir, h);
		d->names_done = false;
	}
	gv_dir_close(&dir);
	return r;
}

int gv_device_load(gpuvirt_ctx *ctx, const char *bdf, struct gv_load_hints *h, struct gpuvirt_device **out)
{
	struct gpuvirt_device *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return gv_fail(ctx, -ENOMEM, "out of memory");
	d->refcount = 1;
	d->ctx = gpuvirt_ctx_ref(ctx);
	memcpy(d->bdf, bdf, GV_BDF_LEN);
	r = device_load(d, h);
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
	return gv_device_load(ctx, canon, NULL, dev);
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
	r = device_load(&fresh, NULL);
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
