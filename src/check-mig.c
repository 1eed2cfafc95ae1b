/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpu.mig: a MIG GPU's mode and GPU instances, as mig.c reads them, with
 * what to do when MIG-backed vGPU types cannot be created. A pass is a GPU
 * whose VFs offer a type now (MIG-backed, or time-sliced with MIG off);
 * anything else leaves nothing to create, and the share verdict says no. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "check-private.h"

/* "gi1 (3g.40gb at 4:4), gi2" and "1g, 3g". */
static void describe(const struct gv_mig *m, char *gis, size_t gsize, char *sizes, size_t ssize)
{
	size_t g = 0, s = 0;

	gis[0] = sizes[0] = '\0';
	for (size_t i = 0; i < m->ngis; i++) {
		const struct gv_mig_gi *gi = &m->gis[i];
		gv_appendf(gis, gsize, &g, "%sgi%d", i ? ", " : "", gi->id);
		if (gi->slices)
			gv_appendf(gis, gsize, &g, " (%s at %d:%d)", gi->name, gi->start, gi->size);
	}
	for (int k = 1; k <= 8; k++)
		if (m->offered & (1u << k))
			gv_appendf(sizes, ssize, &s, "%s%dg", s ? ", " : "", k);
}

int gv_check_mig(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	char gis[1024], sizes[64], fix[320];
	struct gv_mig m;
	int e = gv_mig_read(ctx, dev, &m);

	if (e < 0)
		return e;
	if (!m.slices || !m.vfs)
		return 0; /* not a MIG GPU, or no VF with the vendor's files to tell */
	describe(&m, gis, sizeof(gis), sizes, sizeof(sizes));
	switch (m.mode) {
	case GV_MIG_OFF:
		if (!m.time_sliced) /* told by the caller's listing: every VF is busy */
			return gv_report_add(r, bdf, "gpu.mig", I, NULL,
					     "MIG mode is off (as nvidia-smi's listing says); every VF runs a vGPU");
		return gv_report_add(r, bdf, "gpu.mig", P, NULL,
				     "MIG mode is off: its VFs offer time-sliced vGPU types (for MIG-backed ones, with no "
				     "vGPU running: nvidia-smi -i %s -mig 1, then GPU instances with nvidia-smi mig -cgi)",
				     bdf);
	case GV_MIG_ON_EMPTY:
		snprintf(fix, sizeof(fix),
			 "Create GPU instances: nvidia-smi mig -i %s -cgi <profile IDs> -C (nvidia-smi mig -lgip lists "
			 "them; a MIG-backed type needs one of its size); or nvidia-smi -i %s -mig 0 for time-sliced types",
			 bdf, bdf);
		return gv_report_add(r, bdf, "gpu.mig", W, fix,
				     "MIG mode is on without GPU instances: no vGPU can be created on it");
	case GV_MIG_ON:
		if (m.offered)
			return gv_report_add(r, bdf, "gpu.mig", P, NULL,
					     "MIG mode is on (%d slices); GPU instances %s; MIG-backed types of %s can be "
					     "created",
					     m.slices, gis[0] ? gis : "not listed by the driver", sizes);
		if (m.active)
			return gv_report_add(r, bdf, "gpu.mig", I, NULL,
					     "MIG mode is on; every GPU instance (%s) is in use", gis);
		snprintf(fix, sizeof(fix),
			 "A MIG-backed vGPU takes a free GPU instance of its type's size: see nvidia-smi mig -i %s -lgi "
			 "and create what is missing (-cgi <profile IDs> -C)",
			 bdf);
		return gv_report_add(r, bdf, "gpu.mig", W, fix,
				     "MIG mode is on; its GPU instances (%s) offer no vGPU type", gis);
	default:
		return gv_report_add(r, bdf, "gpu.mig", I, NULL,
				     "MIG mode cannot be told: every VF runs a vGPU and the driver lists no GPU instance");
	}
}
