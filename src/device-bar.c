/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A device's BARs, read on first use: `resource`, the sizes each resizable
 * BAR supports, and the 64-bit window a guest needs for them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "device-private.h"

/* The resizable BARs' sizes: `resourceN_resize` (Linux 6.1+), or else the
 * capability in config space (root reads past the first 64 bytes). */
static int read_resizable(struct gpuvirt_device *d, struct gv_dir *dir)
{
	char name[32], buf[64];
	uint8_t cfg[4096];
	bool any = false;
	ssize_t n;
	int r;

	for (int i = 0; i < GV_NBARS; i++) {
		snprintf(name, sizeof(name), "resource%d_resize", i);
		n = gv_dir_read_text(d->ctx, dir, name, buf, sizeof(buf));
		if (n == -ENOENT)
			continue;
		if (n < 0)
			return gv_fail(d->ctx, (int)n, "%s: cannot read %s/%s: %s", d->bdf, dir->rel, name,
				       gpuvirt_strerror((int)n));
		if (gv_parse_rebar_sizes(buf, (size_t)n, &d->bars[i].sizes) < 0)
			return gv_fail(d->ctx, -EBADMSG, "%s: %s/%s is not a size mask", d->bdf, dir->rel, name);
		any = true;
	}
	if (any)
		return 0;
	n = gv_dir_read(d->ctx, dir, "config", cfg, sizeof(cfg));
	if (n < 0)
		return gv_fail(d->ctx, (int)n, "%s: cannot read %s/config: %s", d->bdf, dir->rel,
			       gpuvirt_strerror((int)n));
	r = gv_parse_rebar_config(cfg, (size_t)n, d->bars);
	if (r == -EBADMSG)
		gv_warn(d->ctx, "%s: ignoring a malformed extended capability list in %s/config", d->bdf, dir->rel);
	return 0;
}

static int read_bars(struct gpuvirt_device *d)
{
	char path[256], buf[4096];
	struct gv_dir dir;
	ssize_t n;
	int r = gv_path(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);

	if (r < 0)
		return r;
	if ((r = gv_dir_open(d->ctx, path, &dir)) < 0)
		return gv_fail(d->ctx, r, "%s: cannot list %s: %s", d->bdf, path, gpuvirt_strerror(r));
	n = gv_dir_read_text(d->ctx, &dir, "resource", buf, sizeof(buf));
	if (n == -ENOENT)
		r = gv_fail(d->ctx, -ENODATA, "%s: the kernel shows no %s/resource", d->bdf, path);
	else if (n < 0)
		r = gv_fail(d->ctx, (int)n, "%s: cannot read %s/resource: %s", d->bdf, path, gpuvirt_strerror((int)n));
	else if (gv_parse_resource(buf, (size_t)n, d->bars) < 0)
		r = gv_fail(d->ctx, -EBADMSG, "%s: %s/resource is not the kernel's resource table", d->bdf, path);
	else
		r = read_resizable(d, &dir);
	gv_dir_close(&dir);
	for (int i = 0; r == 0 && i < GV_NBARS; i++)
		if (d->bars[i].sizes)
			d->bars[i].flags |= GPUVIRT_BAR_RESIZABLE;
	return r;
}

GPUVIRT_EXPORT int gpuvirt_device_get_bar(const gpuvirt_device *cdev, unsigned index, uint64_t *size,
					  uint32_t *flags, uint64_t *resizable)
{
	struct gpuvirt_device *d = (struct gpuvirt_device *)cdev; /* a cache: logically const */

	if (!d)
		return -EINVAL;
	if (index >= GV_NBARS)
		return -ERANGE;
	if (d->bars_read == 0) {
		int r = read_bars(d);
		d->bars_read = r < 0 ? r : 1;
	}
	if (d->bars_read < 0)
		return d->bars_read;
	if (size)
		*size = d->bars[index].size;
	if (flags)
		*flags = d->bars[index].flags;
	if (resizable)
		*resizable = d->bars[index].sizes;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_guest_mmio64_window(const gpuvirt_device *const *devs, size_t n, uint64_t *bytes)
{
	uint64_t *sizes;
	size_t count = 0;
	int r = 0;

	if ((!devs && n) || !bytes)
		return -EINVAL;
	if (!(sizes = calloc(n * GV_NBARS + 1, sizeof(*sizes))))
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++)
		for (unsigned b = 0; b < GV_NBARS && r == 0; b++) {
			uint64_t size;
			uint32_t flags;
			if ((r = gpuvirt_device_get_bar(devs[i], b, &size, &flags, NULL)) == 0 && size &&
			    (flags & GPUVIRT_BAR_64))
				sizes[count++] = size;
		}
	if (r == 0)
		*bytes = gv_mmio64_window(sizes, count);
	free(sizes);
	return r;
}
