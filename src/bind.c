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
 * whatever the flags, a device a VM holds. */
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

/* ---- which devices move ------------------------------------------------ */

static bool same_card(const char *a, const char *b)
{
	return strncmp(a, b, 10) == 0; /* dddd:bb:dd */
}

static int add_member(struct gv_move *m, gpuvirt_device *d)
{
	struct gv_member *nm = realloc(m->members, (m->nmembers + 1) * sizeof(*nm));
	const char *drv = gpuvirt_device_get_driver(d), *ov = gpuvirt_device_get_driver_override(d);

	if (!nm)
		return -ENOMEM;
	m->members = nm;
	memset(&nm[m->nmembers], 0, sizeof(*nm));
	memcpy(nm[m->nmembers].bdf, gpuvirt_device_get_bdf(d), GV_BDF_LEN);
	snprintf(nm[m->nmembers].driver, sizeof(nm->driver), "%s", drv ? drv : "");
	snprintf(nm[m->nmembers].override, sizeof(nm->override), "%s", ov ? ov : "");
	m->nmembers++;
	return 0;
}

/* The names of the functions that may move with dev: its group's, or
 * without a group its slot's. */
static int candidates(gpuvirt_ctx *ctx, gpuvirt_device *dev, int group, struct gv_strv *out)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	char **all;
	size_t na;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (group >= 0) {
		for (size_t i = 0; i < gpuvirt_device_get_iommu_group_member_count(dev) && r == 0; i++)
			r = gv_strv_push(out, gpuvirt_device_get_iommu_group_member(dev, i));
		return r;
	}
	if ((r = gv_list_dir(ctx, "sys/bus/pci/devices", &all, &na)) < 0)
		return gv_fail(ctx, r, "cannot list sys/bus/pci/devices under %s: %s", ctx->root, gpuvirt_strerror(r));
	for (size_t i = 0; i < na && r == 0; i++)
		if (same_card(all[i], bdf))
			r = gv_strv_push(out, all[i]);
	gv_names_free(all, na);
	return r;
}

/* Whether one candidate may move with dev under the flags: 1 it moves, 0 it
 * stays (a bridge; another card without a group), or a refusal. */
static int admit(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_device *d, int group, uint32_t flags)
{
	const char *bdf = gpuvirt_device_get_bdf(dev), *name = gpuvirt_device_get_bdf(d);
	bool own = strcmp(name, bdf) == 0 || gv_device_is_companion(dev, d);

	if (!gv_device_is_endpoint(d))
		return 0;
	if (!own && group < 0)
		return 0; /* no group: only the card moves */
	if (!own && !(flags & GPUVIRT_BIND_ALLOW_GROUP)) {
		const char *drv = gpuvirt_device_get_driver(d);
		return gv_fail(ctx, -EPERM,
			       "%s: IOMMU group %d also holds %s (another card%s%s); moving the group whole needs "
			       "GPUVIRT_BIND_ALLOW_GROUP (--allow-group)",
			       bdf, group, name, drv ? ", driver " : "", drv ? drv : "");
	}
	if (gpuvirt_device_get_boot_vga(d) == 1 && !(flags & GPUVIRT_BIND_FORCE))
		return gv_fail(ctx, -EBUSY,
			       "%s is the boot VGA device (the host console may use it)%s%s; GPUVIRT_BIND_FORCE (--force) "
			       "takes it anyway",
			       name, strcmp(name, bdf) ? " and moves with " : "", strcmp(name, bdf) ? bdf : "");
	return 1;
}

/* The devices that move together, checked against the flags. */
static int collect_members(gpuvirt_ctx *ctx, struct gv_move *m, gpuvirt_device *dev, bool policy)
{
	struct gv_strv names;
	int r = candidates(ctx, dev, m->group, &names);

	for (size_t i = 0; i < names.n && r == 0; i++) {
		gpuvirt_device *d = NULL;
		if ((r = gpuvirt_device_new_from_bdf(ctx, names.v[i], &d)) < 0)
			break;
		r = policy ? admit(ctx, dev, d, m->group, m->flags) : gv_device_is_endpoint(d);
		if (r == 1)
			r = add_member(m, d);
		gpuvirt_device_unref(d);
	}
	gv_strv_free(&names);
	return r;
}

/* Generic drivers take any device through driver_override; others only
 * what their ID table names, or the device may end up driverless. */
static bool generic_driver(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "pciback") == 0 || strcmp(driver, "pci-stub") == 0;
}

static int check_driver_handles(gpuvirt_bind_plan *p)
{
	gpuvirt_ctx *ctx = p->ctx;
	struct gv_move *m = &p->move;
	char module[64], rel[160];

	if (generic_driver(m->target) || (m->flags & GPUVIRT_BIND_FORCE))
		return 0;
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", m->target) < 0 ||
	    gv_readlink_base(ctx, rel, module, sizeof(module)) <= 0)
		snprintf(module, sizeof(module), "%s", gv_module_of_driver(m->target));
	for (size_t i = 0; i < m->nmembers; i++) {
		char alias[256];
		if (strcmp(m->members[i].driver, m->target) == 0)
			continue;
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", m->members[i].bdf) < 0 ||
		    gv_read_text(ctx, rel, alias, sizeof(alias)) <= 0)
			continue;
		alias[strcspn(alias, "\n")] = '\0';
		if (gv_module_handles(ctx, &p->modules, module, alias) == 0)
			return gv_fail(ctx, -ENODEV,
				       "%s: driver %s does not handle it (no alias of module %s matches %s); "
				       "GPUVIRT_BIND_FORCE (--force) binds it anyway",
				       m->members[i].bdf, m->target, module, alias);
	}
	return 0;
}

/* ---- the plan ---------------------------------------------------------- */

static const char *target_driver(const char *target)
{
	if (strcmp(target, "kvm") == 0)
		return "vfio-pci";
	if (strcmp(target, "xen") == 0 || strcmp(target, "xen-pciback") == 0)
		return "pciback";
	return target;
}

static int plan_checks(gpuvirt_bind_plan *p, gpuvirt_device *now)
{
	gpuvirt_ctx *ctx = p->ctx;
	struct gv_move *m = &p->move;
	int r;

	if (!gv_device_is_endpoint(now))
		return gv_fail(ctx, -EINVAL, "%s is a PCI bridge, not a device a VM can take: bind the GPU behind it",
			       gpuvirt_device_get_bdf(now));
	if (m->group < 0 && strcmp(m->target, "vfio-pci") == 0)
		return gv_fail(ctx, -EINVAL,
			       "%s has no IOMMU group: vfio-pci cannot take it (enable the IOMMU; see gpuvirt check)",
			       gpuvirt_device_get_bdf(now));
	if ((r = collect_members(ctx, m, now, true)) < 0)
		return r;
	if ((r = gv_holders_refuse(ctx, m->members, m->nmembers, m->target, m->flags & GPUVIRT_BIND_FORCE)) < 0)
		return r;
	gv_modules_open(ctx, &p->modules);
	if ((r = check_driver_handles(p)) == 0)
		r = gv_move_plan(ctx, m, &p->modules);
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
	if (!dev || !out)
		return dev ? gv_fail(gpuvirt_device_get_ctx(dev), -EINVAL, "bind: no place for the plan") : -EINVAL;
	ctx = gpuvirt_device_get_ctx(dev);
	gv_clear_error(ctx);
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
	gv_move_key(ctx, gpuvirt_device_get_bdf(now), p->move.key, sizeof(p->move.key), &p->move.group);
	r = plan_checks(p, now);
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

/* driverctl's records of the unit: forgotten with GPUVIRT_BIND_PERSIST, or
 * a warning that they still bind at boot. */
static int persistent_records(gpuvirt_ctx *ctx, const struct gv_move *m, uint32_t flags)
{
	int r = 0;

	for (size_t i = 0; i < m->nmembers && r == 0; i++) {
		const char *b = m->members[i].bdf;
		char rel[128];
		if (gv_path(rel, sizeof(rel), "etc/driverctl.d/pci-%s", b) < 0 || gv_exists(ctx, rel) != 1)
			continue;
		if (flags & GPUVIRT_BIND_PERSIST)
			r = gv_mut_remove_file(ctx, rel);
		else
			gv_warn(ctx, "%s: driverctl still binds it at boot (%s); unbind with GPUVIRT_BIND_PERSIST to forget it",
				b, rel);
	}
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
	gv_move_key(ctx, gpuvirt_device_get_bdf(now), m.key, sizeof(m.key), &m.group);
	m.flags |= GPUVIRT_BIND_ALLOW_GROUP | GPUVIRT_BIND_FORCE;
	if ((r = collect_members(ctx, &m, now, false)) == 0 && (r = gv_move_undo(ctx, &m)) == 0)
		r = persistent_records(ctx, &m, flags);
	gv_move_free(&m);
	gpuvirt_device_unref(now);
	return r;
}
