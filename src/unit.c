/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit of a passthrough move and what refuses it: one table for both
 * the bind plan (bind.c refuses with the first refusal its flags do not
 * lift) and the check verdict (check.c says "passthrough: yes" only when
 * no refusal stands with no flags), so that a "yes" is a plan that proceeds.
 *
 * The unit is the IOMMU group's endpoints (bridges stay with the host), or
 * without a group the functions of the same card. Refusals, each with the
 * finding code it appears under in the checks:
 *   gpu.bridge                a bridge is no device for a VM
 *   gpu.iommu_group           no group, and vfio-pci needs one
 *   gpu.iommu_group.isolated  another card shares the group (GPUVIRT_BIND_ALLOW_GROUP)
 *   gpu.boot_vga              the boot VGA is in the unit (GPUVIRT_BIND_FORCE; what
 *                             holds it for the console is released: console.c)
 *   gpu.driver.in_use         the host uses a device (FORCE) or a VM does (nothing)
 *   gpu.driver.handles        the target's ID table does not cover it (FORCE)
 *   module.<module>           the target driver is neither there nor loadable */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static int refuse(struct gv_unit *u, const char *code, int err, uint32_t lifted_by, const char *fmt, ...)
	GV_PRINTF(5, 6);
static int refuse(struct gv_unit *u, const char *code, int err, uint32_t lifted_by, const char *fmt, ...)
{
	struct gv_refusal *nv = realloc(u->refusals, (u->nrefusals + 1) * sizeof(*nv));
	va_list ap;

	if (!nv)
		return -ENOMEM;
	u->refusals = nv;
	nv += u->nrefusals++;
	memset(nv, 0, sizeof(*nv));
	snprintf(nv->code, sizeof(nv->code), "%s", code);
	nv->err = err;
	nv->lifted_by = lifted_by;
	va_start(ap, fmt);
	vsnprintf(nv->message, sizeof(nv->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* A member whose reset quirk vendor-reset answers: its reset methods now
 * (comma-separated, "-" for none) into reset, when device_specific is not
 * already first. */
static void reset_to_set(gpuvirt_ctx *ctx, const struct gv_unit *u, gpuvirt_device *d, char *reset, size_t size)
{
	struct gv_id_entry q;
	size_t n = gpuvirt_device_get_reset_method_count(d), l = 0;

	reset[0] = '\0';
	if (!u->vendor_reset || gv_reset_quirk_find(ctx, d, &q) < 0 || q.kind != GV_QUIRK_VENDOR_RESET ||
	    (n && strcmp(gpuvirt_device_get_reset_method(d, 0), "device_specific") == 0))
		return;
	for (size_t i = 0; i < n; i++)
		gv_appendf(reset, size, &l, "%s%s", i ? "," : "", gpuvirt_device_get_reset_method(d, i));
	if (!n)
		snprintf(reset, size, "-");
}

static int add_member(gpuvirt_ctx *ctx, struct gv_unit *u, gpuvirt_device *d)
{
	struct gv_member *nm = realloc(u->members, (u->nmembers + 1) * sizeof(*nm));
	const char *drv = gpuvirt_device_get_driver(d), *ov = gpuvirt_device_get_driver_override(d);

	if (!nm)
		return -ENOMEM;
	u->members = nm;
	memset(&nm[u->nmembers], 0, sizeof(*nm));
	memcpy(nm[u->nmembers].bdf, gpuvirt_device_get_bdf(d), GV_BDF_LEN);
	snprintf(nm[u->nmembers].driver, sizeof(nm->driver), "%s", drv ? drv : "");
	snprintf(nm[u->nmembers].override, sizeof(nm->override), "%s", ov ? ov : "");
	reset_to_set(ctx, u, d, nm[u->nmembers].reset, sizeof(nm->reset));
	u->nmembers++;
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
		if (strncmp(all[i], bdf, 10) == 0) /* dddd:bb:dd: the same slot */
			r = gv_strv_push(out, all[i]);
	gv_names_free(all, na);
	return r;
}

/* The boot VGA: refused without GPUVIRT_BIND_FORCE; with it, what holds
 * it for the host console is released first and given back on unbind. */
static int admit_boot_vga(gpuvirt_ctx *ctx, struct gv_unit *u, const char *bdf, gpuvirt_device *d)
{
	const char *name = gpuvirt_device_get_bdf(d);
	char held[320], with[64] = "";
	int r;

	if (u->nhandover == 0 && (r = gv_console_claims(ctx, d, u->handover, &u->nhandover)) < 0)
		return r;
	if (u->nhandover)
		snprintf(u->vga, sizeof(u->vga), "%s", name);
	gv_console_describe(u->handover, u->nhandover, held, sizeof(held));
	if (strcmp(name, bdf) != 0)
		snprintf(with, sizeof(with), " and moves with %s", bdf);
	if (!held[0])
		return refuse(u, "gpu.boot_vga", -EBUSY, GPUVIRT_BIND_FORCE,
			      "%s is the boot VGA device (the firmware and a console may use it; none holds it now)%s; "
			      "GPUVIRT_BIND_FORCE (--force) takes it anyway",
			      name, with);
	return refuse(u, "gpu.boot_vga", -EBUSY, GPUVIRT_BIND_FORCE,
		      "%s is the boot VGA device and the host console holds it (%s)%s; GPUVIRT_BIND_FORCE (--force) "
		      "releases the console for the bind and gives it back on unbind",
		      name, held, with);
}

/* One candidate: a member, a function that stays (a bridge; another card
 * without a group), and what it refuses. */
static int admit(gpuvirt_ctx *ctx, struct gv_unit *u, gpuvirt_device *dev, gpuvirt_device *d)
{
	const char *bdf = gpuvirt_device_get_bdf(dev), *name = gpuvirt_device_get_bdf(d);
	bool own = strcmp(name, bdf) == 0 || gv_device_is_companion(dev, d);
	int r;

	if (!gv_device_is_endpoint(d) || (!own && u->group < 0))
		return 0;
	if (!own) {
		const char *drv = gpuvirt_device_get_driver(d);
		r = refuse(u, "gpu.iommu_group.isolated", -EPERM, GPUVIRT_BIND_ALLOW_GROUP,
			   "%s: IOMMU group %d also holds %s (another card%s%s); moving the group whole needs "
			   "GPUVIRT_BIND_ALLOW_GROUP (--allow-group)",
			   bdf, u->group, name, drv ? ", driver " : "", drv ? drv : "");
		if (r < 0)
			return r;
	}
	if (gpuvirt_device_get_boot_vga(d) == 1 && (r = admit_boot_vga(ctx, u, bdf, d)) < 0)
		return r;
	return add_member(ctx, u, d);
}

static int collect_members(gpuvirt_ctx *ctx, struct gv_unit *u, gpuvirt_device *dev)
{
	struct gv_strv names;
	int r = candidates(ctx, dev, u->group, &names);

	for (size_t i = 0; i < names.n && r == 0; i++) {
		gpuvirt_device *d = NULL;
		/* The device itself as read by the caller (a bind reads it just
		 * before); only the others are read here. */
		if (strcmp(names.v[i], gpuvirt_device_get_bdf(dev)) == 0 && !gpuvirt_device_is_stale(dev))
			d = gpuvirt_device_ref(dev);
		else
			r = gpuvirt_device_new_from_bdf(ctx, names.v[i], &d);
		if (r == 0)
			r = admit(ctx, u, dev, d);
		gpuvirt_device_unref(d);
	}
	gv_strv_free(&names);
	return r;
}

/* Who would lose a device: the host's use (force lifts it), a VM's (never). */
static int check_holders(gpuvirt_ctx *ctx, struct gv_unit *u)
{
	char list[768];
	int r = gv_holders_of_members(ctx, u->members, u->nmembers, u->target, &u->holders);

	if (r < 0)
		return r;
	gv_holders_list(&u->holders, true, list, sizeof(list));
	if (list[0] && (r = refuse(u, "gpu.driver.in_use", -EBUSY, 0, GV_HOLDERS_VM_FMT, list)) < 0)
		return r;
	gv_holders_list(&u->holders, false, list, sizeof(list));
	if (list[0])
		r = refuse(u, "gpu.driver.in_use", -EBUSY, GPUVIRT_BIND_FORCE, GV_HOLDERS_HOST_FMT, list);
	return r;
}

/* Generic drivers take any device through driver_override; others only
 * what their ID table names, or the device may end up driverless. */
static bool generic_driver(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "pciback") == 0 || strcmp(driver, "pci-stub") == 0;
}

int gv_unit_variant(gpuvirt_ctx *ctx, const struct gv_unit *u, struct gv_modules *mods, char *out, size_t size)
{
	char first[GV_DRIVER_LEN] = "", mod[GV_DRIVER_LEN], rel[160], alias[256];
	ssize_t n;

	out[0] = '\0';
	for (size_t i = 0; i < u->nmembers; i++) {
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", u->members[i].bdf) < 0)
			return -EINVAL;
		if ((n = gv_read_text(ctx, rel, alias, sizeof(alias))) == -ENOENT)
			return 0; /* no modalias (not a kernel's tree): nothing to match */
		if (n < 0)
			return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", u->members[i].bdf, rel,
				       gpuvirt_strerror((int)n));
		alias[gv_trim_end(alias, (size_t)n)] = '\0';
		if (gv_module_vfio_variant(ctx, mods, alias, mod, sizeof(mod)) < 0 || (i && strcmp(mod, first) != 0))
			return 0;
		if (!i)
			snprintf(first, sizeof(first), "%s", mod);
	}
	snprintf(out, size, "%s", first);
	return 0;
}

/* "kvm": the variant every member takes, else vfio-pci itself. */
static int resolve_kvm(gpuvirt_ctx *ctx, struct gv_unit *u, struct gv_modules *mods)
{
	char variant[GV_DRIVER_LEN];
	int r = gv_unit_variant(ctx, u, mods, variant, sizeof(variant));

	snprintf(u->target, sizeof(u->target), "%s", r == 0 && variant[0] ? variant : "vfio-pci");
	return r;
}

static int check_driver_handles(gpuvirt_ctx *ctx, struct gv_unit *u, struct gv_modules *mods)
{
	char module[64], rel[160];

	if (generic_driver(u->target))
		return 0;
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", u->target) < 0 ||
	    gv_readlink_base(ctx, rel, module, sizeof(module)) <= 0)
		snprintf(module, sizeof(module), "%s", gv_module_of_driver(u->target));
	for (size_t i = 0; i < u->nmembers; i++) {
		char alias[256];
		if (strcmp(u->members[i].driver, u->target) == 0)
			continue;
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", u->members[i].bdf) < 0 ||
		    gv_read_text(ctx, rel, alias, sizeof(alias)) <= 0)
			continue;
		alias[strcspn(alias, "\n")] = '\0';
		if (gv_module_handles(ctx, mods, module, alias) == 0)
			return refuse(u, "gpu.driver.handles", -ENODEV, GPUVIRT_BIND_FORCE,
				      "%s: driver %s does not handle it (no alias of module %s matches %s); "
				      "GPUVIRT_BIND_FORCE (--force) binds it anyway",
				      u->members[i].bdf, u->target, module, alias);
	}
	return 0;
}

/* The target driver: there, or a module to load. The checks' module.*
 * findings read the same evidence (gv_driver_state()). */
static int check_driver_present(gpuvirt_ctx *ctx, struct gv_unit *u, struct gv_modules *mods)
{
	const char *module = gv_module_of_driver(u->target);
	char code[80];

	if (gv_driver_state(ctx, mods, u->target) != GV_MODULE_MISSING)
		return 0;
	snprintf(code, sizeof(code), "module.%s", module);
	for (char *c = code; *c; c++)
		if (*c == '-')
			*c = '_';
	return refuse(u, code, -ENOENT, 0, "driver %s is not loaded, and module %s is not available for kernel %s",
		      u->target, module, mods->release);
}

int gv_unit_assess(gpuvirt_ctx *ctx, gpuvirt_device *dev, const char *target, struct gv_modules *mods,
		   struct gv_unit *u)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	int r;

	memset(u, 0, sizeof(*u));
	snprintf(u->target, sizeof(u->target), "%s", target);
	u->vendor_reset = gv_module_state(ctx, mods, "vendor_reset") == GV_MODULE_LOADED;
	u->group = gpuvirt_device_get_iommu_group(dev);
	gv_move_key_for(u->group, bdf, u->key, sizeof(u->key));
	if (!gv_device_is_endpoint(dev))
		return refuse(u, "gpu.bridge", -EINVAL, 0,
			      "%s is a PCI bridge, not a device a VM can take: bind the GPU behind it", bdf);
	if (u->group < 0 && (strcmp(target, "vfio-pci") == 0 || strcmp(target, "kvm") == 0) &&
	    (r = refuse(u, "gpu.iommu_group", -EINVAL, 0,
			"%s has no IOMMU group: vfio-pci cannot take it (enable the IOMMU; see gpuvirt check)", bdf)) < 0)
		return r;
	if ((r = collect_members(ctx, u, dev)) < 0 ||
	    (strcmp(target, "kvm") == 0 && (r = resolve_kvm(ctx, u, mods)) < 0) || (r = check_holders(ctx, u)) < 0 ||
	    (r = check_driver_handles(ctx, u, mods)) < 0)
		return r;
	return check_driver_present(ctx, u, mods);
}

const struct gv_refusal *gv_unit_refusal(const struct gv_unit *u, uint32_t flags)
{
	for (size_t i = 0; i < u->nrefusals; i++)
		if (!(u->refusals[i].lifted_by & flags))
			return &u->refusals[i];
	return NULL;
}

void gv_unit_free(struct gv_unit *u)
{
	free(u->members);
	free(u->refusals);
	gv_holders_free(&u->holders);
	memset(u, 0, sizeof(*u));
}
