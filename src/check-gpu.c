/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each GPU's findings: its IOMMU group, reset, driver and holders, SR-IOV
 * and vGPU; the passthrough unit comes from unit.c, the table bind uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "check-private.h"

/* ---- per-GPU evidence -------------------------------------------------- */

/* One function's vGPU files: its mdev types and NVIDIA's vendor files. */
static void function_evidence(gpuvirt_ctx *ctx, const char *bdf, struct evidence *ev, int *err)
{
	char rel[256];

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", bdf) == 0 &&
	    gv_check_exists(ctx, rel, err))
		ev->vendor_vfs++;
	if (ev->mdev_types == 0 && gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/mdev_supported_types", bdf) == 0) {
		ev->mdev_types = gv_check_count_dir(ctx, rel, ev->first_type, sizeof(ev->first_type), err);
		ev->nvidia_mdev = ev->mdev_types > 0 && strncmp(ev->first_type, "nvidia-", 7) == 0;
	}
}

int gv_check_evidence(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct evidence *ev)
{
	int err = 0;

	memset(ev, 0, sizeof(*ev));
	function_evidence(ctx, gpuvirt_device_get_bdf(dev), ev, &err);
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(dev); i++)
		function_evidence(ctx, gpuvirt_device_get_vf(dev, i), ev, &err);
	return err;
}

/* The other members of dev's group, bridges aside: the card's own
 * functions in `same`, anything else in `foreign`, each with its class (and
 * a foreign device's driver). */
static void group_members(gpuvirt_ctx *ctx, gpuvirt_device *dev, char *same, char *foreign, size_t size)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	size_t ls = 0, lf = 0;

	same[0] = foreign[0] = '\0';
	for (size_t i = 0; i < gpuvirt_device_get_iommu_group_member_count(dev); i++) {
		const char *m = gpuvirt_device_get_iommu_group_member(dev, i), *drv;
		gpuvirt_device *md = NULL;
		char *cname;
		uint32_t cls;
		if (strcmp(m, bdf) == 0)
			continue;
		if (gpuvirt_device_new_from_bdf(ctx, m, &md) < 0) {
			gv_appendf(foreign, size, &lf, "%s%s (unreadable)", lf ? ", " : "", m);
			continue;
		}
		cls = gpuvirt_device_get_class(md);
		if ((cls >> 8) == 0x0604 || (cls >> 16) == 0x06) { /* bridges stay with the host */
			gpuvirt_device_unref(md);
			continue;
		}
		cname = gv_pci_class_name(ctx, cls);
		drv = gpuvirt_device_get_driver(md);
		if (gv_device_is_companion(dev, md))
			gv_appendf(same, size, &ls, "%s%s (%s, same card)", ls ? ", " : "", m, cname ? cname : "function");
		else
			gv_appendf(foreign, size, &lf, "%s%s (%s%s%s)", lf ? ", " : "", m, cname ? cname : "device",
				   drv ? ", driver " : "", drv ? drv : "");
		free(cname);
		gpuvirt_device_unref(md);
	}
}

static int check_group(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	int group = gpuvirt_device_get_iommu_group(dev);
	char same[1024], foreign[1024];
	int e;

	if (group < 0 && h->xen_dom0)
		return gv_report_add(
		    r, bdf, "gpu.iommu_group", I, NULL,
		    "no IOMMU group in dom0: Xen assigns devices by its own IOMMU, the card's functions together");
	if (group < 0)
		return gv_report_add(r, bdf, "gpu.iommu_group", F, gv_check_iommu_remedy(h),
				     "no IOMMU group: the IOMMU is off or does not cover this device");
	if ((e = gv_report_add(r, bdf, "gpu.iommu_group", P, NULL, "IOMMU group %d", group)) < 0)
		return e;
	group_members(ctx, dev, same, foreign, sizeof(same));
	if (foreign[0])
		return gv_report_add(
		    r, bdf, "gpu.iommu_group.isolated", F,
		    "Move the GPU to a slot whose group holds only it (an x16 slot wired to the CPU), or enable "
		    "ACS in the firmware; to pass the group whole, allow it explicitly (gpuvirt bind --allow-group)",
		    "IOMMU group %d also holds %s%s%s", group, foreign, same[0] ? "; and " : "", same);
	if (h->opts.acs_override[0])
		return gv_report_add(r, bdf, "gpu.iommu_group.isolated", W,
				     "Remove pcie_acs_override= and isolate the GPU in hardware (a slot wired to the CPU, "
				     "ACS enabled in the firmware); until then treat its group as shared",
				     "IOMMU group %d holds %s%s, but only as pcie_acs_override=%s splits it: the hardware "
				     "may not isolate it",
				     group, same[0] ? "the GPU and " : "only this device", same, h->opts.acs_override);
	if (same[0])
		return gv_report_add(r, bdf, "gpu.iommu_group.isolated", P, NULL,
				     "IOMMU group %d holds the GPU and %s; they are moved together", group, same);
	return gv_report_add(r, bdf, "gpu.iommu_group.isolated", P, NULL, "IOMMU group %d holds only this device",
			     group);
}

/* The 64-bit BARs and the window a VM needs for them: QEMU q35's default
 * holds 32 GiB; a larger need is a warning with the settings to give. */
static int check_bars(gpuvirt_report *r, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	const gpuvirt_device *one[1] = {dev};
	char list[512] = "", a[32], b[32], remedy[512];
	uint64_t window, size, sizes;
	uint32_t flags;
	size_t l = 0;
	int e = gpuvirt_guest_mmio64_window(one, 1, &window);

	if (e == -ENODATA)
		return gv_report_add(r, bdf, "gpu.bars", I, NULL, "BAR sizes unknown: the kernel shows no resource file");
	if (e < 0)
		return e; /* the read that failed is logged, naming the file */
	for (unsigned i = 0; i < GV_NBARS; i++) {
		if (gpuvirt_device_get_bar(dev, i, &size, &flags, &sizes) < 0 || !(flags & GPUVIRT_BAR_64))
			continue;
		gv_appendf(list, sizeof(list), &l, "%sBAR%u %s", l ? ", " : "", i, gv_format_size(size, a, sizeof(a)));
		if (sizes && (UINT64_C(1) << (63 - __builtin_clzll(sizes))) > size >> 20)
			gv_appendf(list, sizeof(list), &l, " (resizable up to %s)",
				   gv_format_size((UINT64_C(1) << 20) << (63 - __builtin_clzll(sizes)), b, sizeof(b)));
	}
	if (window == 0)
		return gv_report_add(r, bdf, "gpu.bars", P, NULL, "no 64-bit BAR: fits any VM's PCI window");
	gv_format_size(window, a, sizeof(a));
	if (window <= GPUVIRT_QEMU_Q35_MMIO64)
		return gv_report_add(r, bdf, "gpu.bars", P, NULL,
				     "64-bit BARs: %s; a VM needs a %s 64-bit PCI window (QEMU q35's default: 32 GiB)",
				     list, a);
	snprintf(remedy, sizeof(remedy),
		 "Give the VM a %s 64-bit PCI window: QEMU -global q35-pcihost.pci-hole64-size=%lluG (pc machine: "
		 "i440FX-pcihost), libvirt <pcihole64 unit='KiB'>%llu</pcihole64> in the pcie-root controller, OVMF "
		 "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=%llu; gpuvirt-qemu emits them",
		 a, (unsigned long long)(window >> 30), (unsigned long long)(window >> 10),
		 (unsigned long long)(window >> 20));
	return gv_report_add(r, bdf, "gpu.bars", W, remedy,
			     "64-bit BARs: %s; a VM needs a %s 64-bit PCI window, more than QEMU q35's default 32 GiB",
			     list, a);
}

/* A vfio-pci variant driver for the GPU and what moves with it: what
 * binding for KVM uses (no finding when there is none). */
static int check_variant(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev,
			 const struct gv_unit *u)
{
	char variant[GV_DRIVER_LEN];
	int e = gv_unit_variant(ctx, u, &h->modules, variant, sizeof(variant));

	if (e < 0 || !variant[0])
		return e;
	return gv_report_add(r, gpuvirt_device_get_bdf(dev), "gpu.vfio_variant", I, NULL,
			     "binding for KVM (--for kvm) uses %s, the vfio-pci variant driver modules.alias offers "
			     "for it; a bind to vfio-pci (the default) keeps plain vfio-pci",
			     variant);
}

/* A refusal of the unit's move under this code, or NULL. */
static const struct gv_refusal *unit_refuses(const struct gv_unit *u, const char *code)
{
	for (size_t i = 0; i < u->nrefusals; i++)
		if (strcmp(u->refusals[i].code, code) == 0)
			return &u->refusals[i];
	return NULL;
}

/* Whether the unit looked for the holders of `bdf`: a member that would
 * change drivers (no holder of it, or the unit would have refused). */
static bool unit_looked_at(const struct gv_unit *u, const char *bdf)
{
	for (size_t i = 0; i < u->nmembers; i++)
		if (strcmp(u->members[i].bdf, bdf) == 0)
			return strcmp(u->members[i].driver, u->target) != 0;
	return false;
}

/* Who holds the GPU or a function that moves with it: a VM (VFIO nodes,
 * instances, VFs in use) or the host (DRM, nvidia, kfd, sound nodes).
 * Binding refuses both; force takes only the host's. */
static int check_holders(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev, const struct gv_unit *u)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	const struct gv_refusal *no = unit_refuses(u, "gpu.driver.in_use");
	const struct gv_holder *first = NULL;
	struct gv_holders own = {0};
	int e;

	if (no && no->lifted_by == 0)
		return gv_report_add(
		    r, bdf, "gpu.driver.in_use", F,
		    "Stop the VMs that use it, or destroy its vGPU instances; nothing takes a device from a VM", "%s",
		    no->message);
	if (no)
		return gv_report_add(
		    r, bdf, "gpu.driver.in_use", W,
		    "Stop what uses the GPU (a display manager, a compute job) before binding, or bind with --force",
		    "%s", no->message);
	/* Already passed through: a VM holding it is where it should be. The
	 * unit looked for its holders unless it is on the target already. */
	if (!unit_looked_at(u, bdf) && (e = gv_holders_collect(ctx, &bdf, 1, &own)) < 0)
		return e;
	for (size_t i = 0; i < own.n && !first; i++)
		first = strcmp(own.v[i].device, bdf) == 0 ? &own.v[i] : NULL;
	if (first) {
		char one[256];
		gv_holder_describe(first, one, sizeof(one));
		e = gv_report_add(r, bdf, "gpu.driver.in_use", I, NULL, "in use where it is: %s%s", one,
				  own.n > 1 ? ", ..." : "");
	} else {
		e = gv_report_add(r, bdf, "gpu.driver.in_use", P, NULL,
				  "nothing holds it: no process has its nodes open, no vGPU instance is live");
	}
	gv_holders_free(&own);
	return e;
}

static int check_driver(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev, const struct gv_unit *u)
{
	const char *bdf = gpuvirt_device_get_bdf(dev), *drv = gpuvirt_device_get_driver(dev);
	const struct gv_refusal *vga = unit_refuses(u, "gpu.boot_vga");
	int e;

	if (gpuvirt_device_get_boot_vga(dev) == 1 && u->nhandover)
		e = gv_report_add(r, bdf, "gpu.boot_vga", W,
				  "bind with --force: the console and framebuffer are released first and given back on "
				  "unbind (or use another GPU for the host console)",
				  "%s", vga ? vga->message : "the boot VGA device");
	else if (gpuvirt_device_get_boot_vga(dev) == 1)
		e = gv_report_add(r, bdf, "gpu.boot_vga", W,
				  "bind with --force (the firmware's console may use it until the guest starts), or use "
				  "another GPU for the host console",
				  "the boot VGA device: the firmware uses it; no console or framebuffer holds it now");
	else if (vga)
		e = gv_report_add(r, bdf, "gpu.boot_vga", W,
				  "bind with --force (it releases the boot VGA's console and gives it back on unbind), or "
				  "use another GPU for the host console",
				  "%s", vga->message);
	else
		e = gv_report_add(r, bdf, "gpu.boot_vga", P, NULL, "not the boot VGA device");
	if (e < 0)
		return e;
	if (!drv)
		e = gv_report_add(r, bdf, "gpu.driver", I, NULL, "no driver bound");
	else if (strcmp(drv, "vfio-pci") == 0)
		e = gv_report_add(r, bdf, "gpu.driver", P, NULL, "bound to vfio-pci: ready for KVM/QEMU passthrough");
	else if (strcmp(drv, "pciback") == 0)
		e = gv_report_add(r, bdf, "gpu.driver", P, NULL, "bound to xen-pciback: ready for Xen passthrough");
	else
		e = gv_report_add(r, bdf, "gpu.driver", I, NULL, "bound to %s; binding for passthrough moves it", drv);
	if (e < 0)
		return e;
	return check_holders(ctx, r, dev, u);
}

static int check_sriov(gpuvirt_report *r, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev), *pf = gpuvirt_device_get_physfn(dev);
	int total = gpuvirt_device_get_sriov_total_vfs(dev);

	if (pf)
		return gv_report_add(r, bdf, "gpu.sriov", I, NULL, "a virtual function of %s", pf);
	if (total <= 0)
		return gv_report_add(r, bdf, "gpu.sriov", I, NULL, "not SR-IOV capable");
	return gv_report_add(r, bdf, "gpu.sriov", I, NULL, "SR-IOV capable: %d of %d VFs enabled",
			     gpuvirt_device_get_sriov_num_vfs(dev), total);
}

static int check_vgpu(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev, int *mechanism,
		      const struct evidence *ev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	const struct gv_vgpu_entry *e;
	int total = gpuvirt_device_get_sriov_total_vfs(dev), num = gpuvirt_device_get_sriov_num_vfs(dev);
	const char *drv = gpuvirt_device_get_driver(dev);
	bool sriov_evidence;
	int rr;

	if ((rr = gv_vgpu_table_load(ctx)) < 0)
		return rr;
	e = gv_vgpu_lookup(ctx, dev);
	*mechanism = e ? e->mechanism : -1;
	/* SR-IOV VFs count as vGPU evidence for the vendors that share that way. */
	sriov_evidence = e && (e->mechanism == GV_VGPU_AMD_MXGPU || e->mechanism == GV_VGPU_INTEL_SRIOV) && total > 0 &&
			 num > 0 && drv && strcmp(drv, "vfio-pci") != 0;

	if (e)
		rr = gv_report_add(r, bdf, "gpu.vgpu.capable", P, NULL, "listed: %s (%s)", e->name,
				   gv_vgpu_mechanism_name(e->mechanism));
	else if (ev->mdev_types || ev->vendor_vfs)
		rr = gv_report_add(
		    r, bdf, "gpu.vgpu.capable", I, NULL,
		    "not in the vGPU table, but the host offers vGPU types for it (run-time evidence wins)");
	else
		rr = gv_report_add(r, bdf, "gpu.vgpu.capable", I, NULL, "not listed as vGPU-capable");
	if (rr < 0)
		return rr;

	if (ev->vendor_vfs)
		return gv_report_add(r, bdf, "gpu.vgpu.active", P, NULL, "NVIDIA vendor vGPU on %zu VF%s",
				     ev->vendor_vfs, ev->vendor_vfs == 1 ? "" : "s");
	if (ev->mdev_types)
		return gv_report_add(r, bdf, "gpu.vgpu.active", P, NULL, "%zu mdev type%s (%s%s)", ev->mdev_types,
				     ev->mdev_types == 1 ? "" : "s", ev->first_type, ev->mdev_types > 1 ? ", ..." : "");
	if (sriov_evidence)
		return gv_report_add(r, bdf, "gpu.vgpu.active", P, NULL, "%d SR-IOV VF%s enabled by %s", num,
				     num == 1 ? "" : "s", drv);
	/* Creating an instance enables the VFs itself (profile-sriov.c). */
	if (e && (e->mechanism == GV_VGPU_AMD_MXGPU || e->mechanism == GV_VGPU_INTEL_SRIOV) && total > 0 && drv &&
	    strcmp(drv, "vfio-pci") != 0)
		return gv_report_add(
		    r, bdf, "gpu.vgpu.active", P, NULL,
		    "SR-IOV capable (%d VFs) with %s; none is enabled yet: creating an instance enables them", total,
		    drv);
	if (e)
		return gv_report_add(
		    r, bdf, "gpu.vgpu.active", W, gv_check_mechanism_remedy(e->mechanism),
		    "a vGPU-capable board (%s), but nothing offers vGPU types: the vendor's host driver is "
		    "missing (driver now: %s)",
		    gv_vgpu_mechanism_name(e->mechanism), drv ? drv : "none");
	return gv_report_add(r, bdf, "gpu.vgpu.active", I, NULL, "no vGPU types");
}

/* Each GPU's checks. The passthrough unit and its refusals come from the
 * same table the bind plan uses (unit.c), so that "passthrough: yes" is a
 * plan that proceeds. */
int gv_check_device(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev, const struct evidence *ev)
{
	int mechanism = -1, e;
	struct gv_unit u;

	if ((e = gv_unit_assess(ctx, dev, h->xen_dom0 ? "pciback" : "vfio-pci", &h->modules, &u)) < 0) {
		gv_unit_free(&u);
		return e;
	}
	if (!h->xen_dom0 && (e = check_variant(ctx, r, h, dev, &u)) < 0) {
		gv_unit_free(&u);
		return e;
	}
	if ((e = check_group(ctx, r, h, dev)) < 0 || (e = gv_check_reset(ctx, r, h, dev)) < 0 || (e = check_bars(r, dev)) < 0 ||
	    (e = check_driver(ctx, r, dev, &u)) < 0 || (e = check_sriov(r, dev)) < 0 ||
	    (e = check_vgpu(ctx, r, dev, &mechanism, ev)) < 0 || (e = gv_check_mig(ctx, r, dev)) < 0 ||
	    (e = gv_check_verdicts(r, h, dev, mechanism, ev, &u)) < 0) {
		gv_unit_free(&u);
		return e;
	}
	gv_unit_free(&u);
	return 0;
}
