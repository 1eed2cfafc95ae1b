/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Passthrough binding: the policy (which devices move together, what is
 * refused) and the public plan. The change itself is the mutation layer's
 * (move.c): lock, holders, journal, verified steps, rollback.
 *
 * The unit moved together is the IOMMU group's endpoints (bridges stay), or
 * without a group the functions of the same card. Refused before any write:
 * a bridge, another card in the group (unless GPUVIRT_BIND_ALLOW_GROUP), the
 * boot VGA anywhere in the unit, a device the host uses, or a driver whose
 * ID table does not cover the device (unless GPUVIRT_BIND_FORCE); and,
 * whatever the flags, a device a VM holds. unit.c keeps that table, which
 * the checks' passthrough verdict reads too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct gpuvirt_bind_plan {
	int refcount;
	gpuvirt_ctx *ctx;
	struct gv_move move;
	struct gv_modules modules; /* while planning: the release's module lists */
};

/* ---- the plan ---------------------------------------------------------- */

static const char *target_driver(const char *target)
{
	if (strcmp(target, "xen") == 0 || strcmp(target, "xen-pciback") == 0)
		return "pciback";
	return target;
}

/* The unit and its refusals (unit.c: the table the checks' verdicts use
 * too), then the steps. */
static int plan_checks(gpuvirt_bind_plan *p, gpuvirt_device *now)
{
	gpuvirt_ctx *ctx = p->ctx;
	struct gv_move *m = &p->move;
	const struct gv_refusal *no;
	struct gv_unit u;
	int r;

	gv_modules_open(ctx, &p->modules);
	r = gv_unit_assess(ctx, now, m->target, &p->modules, &u);
	if (r == 0 && (no = gv_unit_refusal(&u, m->flags)))
		r = gv_fail(ctx, no->err, "%s", no->message);
	if (r == 0) {
		m->vfio = strcmp(m->target, "kvm") == 0 || strcmp(m->target, "vfio-pci") == 0;
		snprintf(m->target, sizeof(m->target), "%s", u.target); /* "kvm": vfio-pci or a variant */
		m->members = u.members; /* the move owns them now */
		m->nmembers = u.nmembers;
		u.members = NULL;
		memcpy(m->handover, u.handover, sizeof(m->handover));
		m->nhandover = u.nhandover;
		memcpy(m->vga, u.vga, sizeof(m->vga));
		r = gv_move_plan(ctx, m, &p->modules);
	}
	gv_unit_free(&u);
	gv_modules_close(&p->modules);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_bind_plan_new(gpuvirt_device *dev, const char *target, uint32_t flags,
					 gpuvirt_bind_plan **out)
{
	const uint32_t known = GPUVIRT_BIND_ALLOW_GROUP | GPUVIRT_BIND_FORCE | GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT;
	gpuvirt_bind_plan *p;
	gpuvirt_device *now = NULL;
	gpuvirt_ctx *ctx;
	int r;

	if (out)
		*out = NULL;
	if (!dev)
		return -EINVAL;
	ctx = gpuvirt_device_get_ctx(dev);
	gv_clear_error(ctx);
	if (!out)
		return gv_fail(ctx, -EINVAL, "bind: no place for the plan");
	if (!target || (flags & ~known))
		return gv_fail(ctx, -EINVAL, "bind: %s", !target ? "no target driver" : "unknown flags");
	target = target_driver(target);
	if (!gv_valid_driver_name(target, strlen(target)))
		return gv_fail(ctx, -EINVAL, "bind: '%s' is not a driver name", target);
	/* Plan on what the host is now, not on an old snapshot. */
	if ((r = gpuvirt_device_new_from_bdf(ctx, gpuvirt_device_get_bdf(dev), &now)) < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p) {
		gpuvirt_device_unref(now);
		return -ENOMEM;
	}
	p->refcount = 1;
	p->ctx = gpuvirt_ctx_ref(ctx);
	p->move.flags = flags;
	snprintf(p->move.target, sizeof(p->move.target), "%s", target);
	p->move.group = gpuvirt_device_get_iommu_group(now);
	gv_move_key_for(p->move.group, gpuvirt_device_get_bdf(now), p->move.key, sizeof(p->move.key));
	gv_devdirs_hold(ctx);
	r = plan_checks(p, now);
	gv_devdirs_release(ctx);
	gpuvirt_device_unref(now);
	if (r < 0) {
		gpuvirt_bind_plan_unref(p);
		return r;
	}
	*out = p;
	return 0;
}

GPUVIRT_EXPORT gpuvirt_bind_plan *gpuvirt_bind_plan_ref(gpuvirt_bind_plan *plan)
{
	if (plan)
		plan->refcount++;
	return plan;
}

GPUVIRT_EXPORT gpuvirt_bind_plan *gpuvirt_bind_plan_unref(gpuvirt_bind_plan *plan)
{
	if (!plan)
		return NULL;
	if (--plan->refcount > 0)
		return plan;
	gv_move_free(&plan->move);
	gpuvirt_ctx_unref(plan->ctx);
	free(plan);
	return NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_bind_plan_get_target(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->move.target : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_bind_plan_get_device_count(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->move.nmembers : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_bind_plan_get_device(const gpuvirt_bind_plan *plan, size_t index)
{
	return plan && index < plan->move.nmembers ? plan->move.members[index].bdf : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_bind_plan_get_step_count(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->move.nsteps : 0;
}

GPUVIRT_EXPORT int gpuvirt_bind_plan_get_step(const gpuvirt_bind_plan *plan, size_t index, const char **device,
					      const char **action, const char **path, const char **value)
{
	if (!plan)
		return -EINVAL;
	if (index >= plan->move.nsteps)
		return -ERANGE;
	if (device)
		*device = plan->move.steps[index].device;
	if (action)
		*action = plan->move.steps[index].action;
	if (path)
		*path = plan->move.steps[index].path;
	if (value)
		*value = plan->move.steps[index].value;
	return 0;
}

/* ---- applying and unbinding ------------------------------------------- */

GPUVIRT_EXPORT int gpuvirt_bind_apply(gpuvirt_bind_plan *p)
{
	if (!p)
		return -EINVAL;
	gv_clear_error(p->ctx);
	return gv_move_apply(p->ctx, &p->move);
}

/* The unit's records in driverctl's and libgpuvirt's persisted state:
 * forgotten with GPUVIRT_BIND_PERSIST, or a warning that they still bind at
 * boot. */
static int persistent_records(gpuvirt_ctx *ctx, const struct gv_move *m, uint32_t flags)
{
	int r = 0;

	for (size_t i = 0; i < m->nmembers * 2 && r == 0; i++) {
		const char *b = m->members[i / 2].bdf;
		char rel[128];
		if ((i % 2 ? gv_persist_rel(GV_WANT_BINDING, b, rel, sizeof(rel))
			   : gv_path(rel, sizeof(rel), "etc/driverctl.d/pci-%s", b)) < 0 ||
		    gv_exists(ctx, rel) != 1)
			continue;
		if (flags & GPUVIRT_BIND_PERSIST)
			r = gv_mut_remove_file(ctx, rel);
		else
			gv_warn(ctx, "%s: still bound at boot (%s); unbind with GPUVIRT_BIND_PERSIST to forget it", b, rel);
	}
	return r;
}

/* The devices of dev's unit, whatever would refuse a bind of them. */
static int unit_members(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_move *m)
{
	struct gv_modules mods;
	struct gv_unit u;
	int r;

	gv_modules_open(ctx, &mods);
	r = gv_unit_assess(ctx, dev, "vfio-pci", &mods, &u);
	gv_modules_close(&mods);
	if (r == 0) {
		snprintf(m->key, sizeof(m->key), "%s", u.key);
		m->group = u.group;
		m->members = u.members;
		m->nmembers = u.nmembers;
		u.members = NULL;
	}
	gv_unit_free(&u);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_unbind(gpuvirt_device *dev, uint32_t flags)
{
	struct gv_move m = {.flags = flags};
	gpuvirt_device *now = NULL;
	gpuvirt_ctx *ctx;
	int r;

	if (!dev)
		return -EINVAL;
	ctx = gpuvirt_device_get_ctx(dev);
	gv_clear_error(ctx);
	if (flags & ~(uint32_t)(GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT))
		return gv_fail(ctx, -EINVAL, "unbind: unknown flags");
	if ((r = gpuvirt_device_new_from_bdf(ctx, gpuvirt_device_get_bdf(dev), &now)) < 0)
		return r;
	gv_devdirs_hold(ctx);
	if ((r = unit_members(ctx, now, &m)) == 0 && (r = gv_move_undo(ctx, &m)) == 0)
		r = persistent_records(ctx, &m, flags);
	gv_devdirs_release(ctx);
	gv_move_free(&m);
	gpuvirt_device_unref(now);
	return r;
}
