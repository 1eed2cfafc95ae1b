/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIG (Multi-Instance GPU) on NVIDIA's GPUs, as the driver shows it; the
 * library never runs nvidia-smi.
 *
 *   - a GPU of the MIG table (src/data/mig-devices.txt) and its compute
 *     slices;
 *   - its GPU instances: proc/driver/nvidia/capabilities/gpu<minor>/mig/
 *     gi<ID> (one per instance, the driver's capability files), the minor
 *     from proc/driver/nvidia/gpus/<bdf>/information;
 *   - what the vendor interface offers on its VFs (nvidia/
 *     creatable_vgpu_types): MIG-backed types (named with their slices,
 *     "A100DX-3-40C") only while MIG mode is on and a free GPU instance of
 *     their size exists, time-sliced ones only while it is off; and the VFs
 *     that run one (nvidia/current_vgpu_type);
 *   - what the caller's capture of nvidia-smi says (gpuvirt_ctx_set_mig_listing()):
 *     each GPU instance's size and placement, and the GPU instances and MIG
 *     mode where the driver's files cannot tell. The driver's files, read
 *     now, win over the capture: an instance it no longer lists is gone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "mig-devices.h" /* gv_mig_devices_builtin[] */

static int table_slices(gpuvirt_ctx *ctx, const gpuvirt_device *dev)
{
	struct gv_id_entry e;
	size_t bad = 0;
	int r = gv_parse_mig_device(gv_mig_devices_builtin, sizeof(gv_mig_devices_builtin) - 1,
				    gpuvirt_device_get_vendor_id(dev), gpuvirt_device_get_device_id(dev), &e, &bad);

	if (r == -EBADMSG)
		return gv_fail(ctx, r, "the built-in MIG table is damaged at line %zu", bad);
	return r == -ENOENT ? 0 : r < 0 ? r : e.kind;
}

/* The driver's capability files: gi<ID> for each GPU instance. */
static int gpu_instances(gpuvirt_ctx *ctx, const char *bdf, struct gv_mig *m)
{
	char rel[160], info[2048], **names;
	size_t n;
	ssize_t len;
	int r;

	if (gv_path(rel, sizeof(rel), "proc/driver/nvidia/gpus/%s/information", bdf) < 0)
		return -EINVAL;
	if ((len = gv_read_text(ctx, rel, info, sizeof(info))) == -ENOENT)
		return 0; /* not the nvidia driver's, or no proc/ */
	if (len < 0)
		return gv_fail(ctx, (int)len, "cannot read %s: %s", rel, gpuvirt_strerror((int)len));
	if (gv_parse_nvidia_minor(info, (size_t)len, &m->minor) < 0)
		return gv_fail(ctx, -EBADMSG, "%s: no \"Device Minor:\" line", rel);
	if (gv_path(rel, sizeof(rel), "proc/driver/nvidia/capabilities/gpu%ld/mig", m->minor) < 0)
		return -EINVAL;
	if ((r = gv_list_dir(ctx, rel, &names, &n)) == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list %s: %s", rel, gpuvirt_strerror(r));
	m->caps = true;
	for (size_t i = 0; i < n && m->ngis < GV_MIG_MAX_GIS; i++) {
		long id;
		if (strncmp(names[i], "gi", 2) == 0 && gv_parse_int(names[i] + 2, strlen(names[i] + 2), 0, 1 << 16, &id) == 0)
			m->gis[m->ngis++] = (struct gv_mig_gi){.id = (int)id};
	}
	gv_names_free(names, n);
	return 0;
}

/* The caller's listing: sizes for the driver's instances, or its own
 * instances where the driver has no capability files. */
static void from_listing(const gpuvirt_ctx *ctx, const char *bdf, struct gv_mig *m)
{
	const struct gv_mig_gpu *g = NULL;

	for (size_t i = 0; ctx->mig_listing && i < ctx->mig_listing->ngpus; i++)
		if (strcmp(ctx->mig_listing->gpus[i].bdf, bdf) == 0)
			g = &ctx->mig_listing->gpus[i];
	if (!g)
		return;
	m->listed = true;
	m->listed_mode = g->mode;
	if (!m->caps) {
		memcpy(m->gis, g->gis, g->ngis * sizeof(g->gis[0]));
		m->ngis = g->ngis;
	}
	for (size_t i = 0; m->caps && i < m->ngis; i++)
		for (size_t k = 0; k < g->ngis; k++)
			if (g->gis[k].id == m->gis[i].id)
				m->gis[i] = g->gis[k];
	for (size_t i = 1; i < m->ngis; i++) /* in ID order (the file system's or nvidia-smi's is another) */
		for (size_t k = i; k > 0 && m->gis[k - 1].id > m->gis[k].id; k--) {
			struct gv_mig_gi t = m->gis[k];
			m->gis[k] = m->gis[k - 1];
			m->gis[k - 1] = t;
		}
}

static void offered(void *ud, long id, const char *name)
{
	struct gv_mig *m = ud;
	struct gv_profile_info info;

	(void)id;
	if (gv_parse_profile(name, NULL, 0, &info) < 0)
		return;
	if (info.mig_slices)
		m->offered |= 1u << info.mig_slices;
	else
		m->time_sliced = true;
}

/* What each VF offers and runs. */
static int vf_offers(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_mig *m)
{
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(dev); i++) {
		const char *vf = gpuvirt_device_get_vf(dev, i);
		char rel[160], text[8192];
		ssize_t n;
		long cur;
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", vf) < 0)
			return -EINVAL;
		if ((n = gv_read_text(ctx, rel, text, sizeof(text))) == -ENOENT)
			continue; /* a VF without the vendor's files */
		if (n < 0)
			return gv_fail(ctx, (int)n, "cannot read %s: %s", rel, gpuvirt_strerror((int)n));
		m->vfs++;
		gv_parse_vendor_types(text, (size_t)n, offered, m);
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf) < 0)
			return -EINVAL;
		if ((n = gv_read_text(ctx, rel, text, sizeof(text))) < 0 && n != -ENOENT)
			return gv_fail(ctx, (int)n, "cannot read %s: %s", rel, gpuvirt_strerror((int)n));
		if (n > 0 && gv_parse_int(text, gv_trim_end(text, (size_t)n), 0, 1L << 30, &cur) == 0 && cur > 0)
			m->active++;
	}
	return 0;
}

int gv_mig_read(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_mig *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->minor = -1;
	m->mode = GV_MIG_UNKNOWN;
	m->listed_mode = -1;
	if ((r = table_slices(ctx, dev)) <= 0)
		return r;
	m->slices = r;
	if ((r = gpu_instances(ctx, gpuvirt_device_get_bdf(dev), m)) < 0 || (r = vf_offers(ctx, dev, m)) < 0)
		return r;
	from_listing(ctx, gpuvirt_device_get_bdf(dev), m);
	if (m->ngis || m->offered)
		m->mode = GV_MIG_ON;
	else if (m->time_sliced)
		m->mode = GV_MIG_OFF;
	else if (m->vfs && !m->active)
		m->mode = GV_MIG_ON_EMPTY; /* off would offer the time-sliced types */
	else if (m->listed && m->listed_mode >= 0) /* every VF busy: what nvidia-smi said */
		m->mode = m->listed_mode ? GV_MIG_ON : GV_MIG_OFF;
	return 0;
}

static int load_listing(gpuvirt_ctx *ctx, const char *path, struct gv_mig_listing *l)
{
	char *buf;
	size_t bad = 0;
	ssize_t n = gv_load_local_file(ctx, "MIG listing", path, &buf);
	int r;

	if (n < 0)
		return (int)n;
	if ((r = gv_parse_mig_listing(buf, (size_t)n, l, &bad)) == -EBADMSG)
		gv_fail(ctx, r, "MIG listing %s: line %zu is malformed", path, bad);
	else if (r == -ENOENT)
		r = gv_fail(ctx, -EBADMSG,
			    "MIG listing %s: no GPU line (nvidia-smi --query-gpu=index,pci.bus_id,mig.mode.current "
			    "--format=csv,noheader)",
			    path);
	else if (r < 0)
		gv_fail(ctx, r, "MIG listing %s: %s", path, gpuvirt_strerror(r));
	free(buf);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_mig_listing(gpuvirt_ctx *ctx, const char *path)
{
	struct gv_mig_listing *l;
	int r;

	if (!ctx || (path && path[0] != '/'))
		return -EINVAL;
	gv_clear_error(ctx);
	if (!path) {
		gv_mig_listing_free(ctx->mig_listing);
		ctx->mig_listing = NULL;
		return 0;
	}
	if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	if ((r = load_listing(ctx, path, l)) < 0) {
		free(l);
		return r;
	}
	gv_mig_listing_free(ctx->mig_listing);
	ctx->mig_listing = l;
	return 0;
}
