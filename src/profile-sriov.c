/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU profiles over plain SR-IOV VFs (AMD MxGPU, Intel SR-IOV): one
 * profile per PF; an instance is a free VF moved to vfio-pci by the
 * mutation layer (the same journaled move a passthrough bind makes), the
 * PF's VFs enabled first when none is. libgpuvirt keeps
 * run/gpuvirt/instances/<uuid> for each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "profile-private.h"

/* Is this VF taken: bound to vfio-pci, or recorded as ours? 1, 0 or an error. */
static int vf_taken(gpuvirt_ctx *ctx, const char *vf)
{
	char drv[GV_DRIVER_LEN], uuid[37];
	int r;

	if ((r = gv_mut_driver(ctx, vf, drv, sizeof(drv))) < 0)
		return r;
	if (strcmp(drv, "vfio-pci") == 0)
		return 1;
	if ((r = gv_record_for_vf(ctx, vf, uuid)) < 0)
		return r;
	return uuid[0] != '\0';
}

bool gv_sriov_is_mechanism(gpuvirt_ctx *ctx, gpuvirt_device *d)
{
	const struct gv_vgpu_entry *e;

	if (gpuvirt_device_get_sriov_total_vfs(d) <= 0 || gpuvirt_device_get_vendor_id(d) == 0x10de ||
	    gv_vgpu_table_load(ctx) < 0)
		return false;
	e = gv_vgpu_lookup(ctx, d);
	return e && (e->mechanism == GV_VGPU_AMD_MXGPU || e->mechanism == GV_VGPU_INTEL_SRIOV);
}

int gv_sriov_profile(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out)
{
	const char *bdf = gpuvirt_device_get_bdf(pf);
	const char *dn = gpuvirt_device_get_device_name(pf);
	char name[160];
	uint32_t free_vfs = 0, used = 0;
	gpuvirt_profile *p;

	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf); i++) {
		int t = vf_taken(ctx, gpuvirt_device_get_vf(pf, i));
		if (t < 0)
			return t;
		if (t)
			used++;
		else
			free_vfs++;
	}
	if (gpuvirt_device_get_sriov_num_vfs(pf) == 0)
		free_vfs = (uint32_t)gpuvirt_device_get_sriov_total_vfs(pf);
	snprintf(name, sizeof(name), "%s VF", dn ? dn : bdf);
	p = gv_profile_alloc("sriov-vf", name, NULL, "vfio-pci", bdf, GPUVIRT_MECHANISM_SRIOV_VF, NULL);
	if (p) {
		p->numa = gpuvirt_device_get_numa_node(pf);
		p->available = free_vfs;
		p->instances = used;
		p->info.max_instances = (uint32_t)gpuvirt_device_get_sriov_total_vfs(pf);
	}
	return gv_plist_add(out, p);
}


/* ---- creating and releasing -------------------------------------------- */

static int pick_vf(gpuvirt_ctx *ctx, gpuvirt_device *pf, const char *want, char vf[GV_BDF_LEN])
{
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf); i++) {
		if (want && strcmp(want, gpuvirt_device_get_vf(pf, i)) != 0)
			continue;
		int t = vf_taken(ctx, gpuvirt_device_get_vf(pf, i));
		if (t < 0)
			return t;
		if (!t) {
			memcpy(vf, gpuvirt_device_get_vf(pf, i), GV_BDF_LEN);
			return 0;
		}
	}
	if (want)
		return gv_fail(ctx, -ENOSPC, "profile sriov-vf has no room on %s: VF %s is taken or not there", gpuvirt_device_get_bdf(pf), want);
	return gv_fail(ctx, -ENOSPC, "profile sriov-vf is exhausted on %s: every VF is taken", gpuvirt_device_get_bdf(pf));
}

/* The move that hands one VF to vfio-pci. */
static int vf_move(gpuvirt_ctx *ctx, const char *vf, struct gv_move *m)
{
	struct gv_modules mods;
	int r;

	memset(m, 0, sizeof(*m));
	m->flags = GPUVIRT_BIND_WAIT;
	snprintf(m->target, sizeof(m->target), "vfio-pci");
	gv_move_key(ctx, vf, m->key, sizeof(m->key), &m->group);
	if (!(m->members = calloc(1, sizeof(*m->members))))
		return -ENOMEM;
	m->nmembers = 1;
	memcpy(m->members[0].bdf, vf, GV_BDF_LEN);
	if ((r = gv_mut_driver(ctx, vf, m->members[0].driver, sizeof(m->members[0].driver))) < 0 ||
	    (r = gv_mut_override(ctx, vf, m->members[0].override, sizeof(m->members[0].override))) < 0)
		return r;
	gv_modules_open(ctx, &mods);
	r = gv_move_plan(ctx, m, &mods);
	gv_modules_close(&mods);
	return r;
}

/* Enable every VF of the PF for VMs (gv_mut_enable_vfs: without a host
 * driver). */
static int enable_vfs(gpuvirt_ctx *ctx, gpuvirt_device *pf)
{
	int r = gv_mut_enable_vfs(ctx, gpuvirt_device_get_bdf(pf), (int)gpuvirt_device_get_sriov_total_vfs(pf));

	return r < 0 ? r : gpuvirt_device_refresh(pf);
}

int gv_sriov_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, const char *want_vf)
{
	struct gv_record rec = {.mechanism = GPUVIRT_MECHANISM_SRIOV_VF};
	struct gv_move m = {0};
	gpuvirt_device *pf = NULL;
	int r;

	if ((r = gpuvirt_device_new_from_bdf(ctx, p->parent, &pf)) < 0)
		return r;
	if (gpuvirt_device_get_sriov_num_vfs(pf) == 0) {
		/* Enable every VF the PF has: the kernel only changes a count from 0. */
		if ((r = enable_vfs(ctx, pf)) < 0)
			goto out;
	}
	if ((r = pick_vf(ctx, pf, want_vf, rec.vf)) < 0 || (r = gv_create_journal_begin(ctx, uuid, p, rec.vf)) < 0)
		goto out;
	snprintf(rec.parent, sizeof(rec.parent), "%s", p->parent);
	snprintf(rec.profile, sizeof(rec.profile), "%s", p->id);
	snprintf(rec.name, sizeof(rec.name), "%s", p->name);
	if ((r = vf_move(ctx, rec.vf, &m)) == 0 && (r = gv_move_apply(ctx, &m)) == 0 &&
	    (r = gv_record_write(ctx, uuid, &rec)) < 0) {
		char why[sizeof(ctx->error)];
		memcpy(why, ctx->error, sizeof(why));
		if (gv_move_undo(ctx, &m) < 0)
			goto out; /* the journal stays: recovery gives the VF back */
		gv_fail(ctx, r, "%s", why);
	}
	if (gv_journal_end_create(ctx, uuid) < 0 && r == 0)
		r = -EIO;
out:
	gv_move_free(&m);
	gpuvirt_device_unref(pf);
	return r;
}

int gv_sriov_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst)
{
	struct gv_move m = {.flags = GPUVIRT_BIND_WAIT};
	int r;

	gv_move_key(ctx, inst->vf, m.key, sizeof(m.key), &m.group);
	if ((r = gv_move_undo(ctx, &m)) < 0)
		return r;
	return inst->uuid ? gv_record_remove(ctx, inst->uuid) : 0;
}
