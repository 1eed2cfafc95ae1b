/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each GPU's checks on simulated hosts: its group, reset, BARs, driver and
 * holders, boot VGA, vGPU, MIG; the host's are in test-check.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-helpers.h"

#define NAVI "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/"

/* The 64-bit BARs against QEMU q35's 32 GiB window: a 32 GiB Resizable
 * BAR needs 65 GiB (a warning with the settings), a BAR that could grow is
 * named; unknown without a resource file. A warning blocks nothing. */
START_TEST(bar_window)
{
	const char *root = th_host("rebar");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, "0000:01:00.0", "gpu.bars"), WARN);
	ck_assert_str_eq(msg(r, "0000:01:00.0", "gpu.bars"),
			 "64-bit BARs: BAR1 32 GiB, BAR3 32 MiB; a VM needs a 65 GiB 64-bit PCI window, more than QEMU "
			 "q35's default 32 GiB");
	ck_assert_str_eq(
	    remedy(r, "0000:01:00.0", "gpu.bars"),
	    "Give the VM a 65 GiB 64-bit PCI window: QEMU -global q35-pcihost.pci-hole64-size=65G (pc "
	    "machine: i440FX-pcihost), libvirt <pcihole64 unit='KiB'>68157440</pcihole64> in the pcie-root "
	    "controller, OVMF -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=66560; gpuvirt-qemu emits them");
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.bars"), PASS);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.bars"),
			 "64-bit BARs: BAR0 256 MiB (resizable up to 8 GiB), BAR2 2 MiB; a VM needs a 2 GiB 64-bit PCI "
			 "window (QEMU q35's default: 32 GiB)");
	gpuvirt_report_unref(r);
	th_remove(root, "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/resource");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.bars"), INFO);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.bars"), "BAR sizes unknown: the kernel shows no resource file");
	gpuvirt_report_unref(r);
	r = check_root(th_host("a100x8")); /* 128 GiB BAR1: warned, and passthrough still yes */
	ck_assert_str_eq(msg(r, "0000:07:00.0", "gpu.bars"),
			 "64-bit BARs: BAR1 128 GiB, BAR3 32 MiB; a VM needs a 257 GiB 64-bit PCI window, more than "
			 "QEMU q35's default 32 GiB");
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, "0000:07:00.0"), 1);
	gpuvirt_report_unref(r);
}
END_TEST

/* MIG on three H100s: on with GPU instances offering types, on without
 * any (nothing can be created: share says no), off with the time-sliced
 * types; a GPU the MIG table does not name has no gpu.mig; an unreadable
 * driver file stops the checks naming it. */
START_TEST(mig_states)
{
	const char *root = th_host("h100-mig");
	gpuvirt_report *r = check_root(root);
	gpuvirt_ctx *ctx;

	ck_assert_int_eq(sev(r, "0000:18:00.0", "gpu.mig"), PASS);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on (7 slices); GPU instances gi1, gi2, gi9; MIG-backed types of 1g, 3g can be "
			 "created");
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:18:00.0"), 1);
	ck_assert_int_eq(sev(r, "0000:2a:00.0", "gpu.mig"), WARN);
	ck_assert_str_eq(msg(r, "0000:2a:00.0", "gpu.mig"),
			 "MIG mode is on without GPU instances: no vGPU can be created on it");
	ck_assert_str_eq(
	    remedy(r, "0000:2a:00.0", "gpu.mig"),
	    "Create GPU instances: nvidia-smi mig -i 0000:2a:00.0 -cgi <profile IDs> -C (nvidia-smi mig "
	    "-lgip lists them; a MIG-backed type needs one of its size); or nvidia-smi -i 0000:2a:00.0 -mig 0 "
	    "for time-sliced types");
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:2a:00.0"), 0);
	ck_assert_int_eq(sev(r, "0000:3c:00.0", "gpu.mig"), PASS);
	ck_assert_str_eq(msg(r, "0000:3c:00.0", "gpu.mig"),
			 "MIG mode is off: its VFs offer time-sliced vGPU types (for MIG-backed ones, with no vGPU "
			 "running: nvidia-smi -i 0000:3c:00.0 -mig 1, then GPU instances with nvidia-smi mig -cgi)");
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:3c:00.0"), 1);
	ck_assert(!has(r, "0000:18:00.4", "gpu.mig")); /* a VF is no GPU of its own here */
	gpuvirt_report_unref(r);
	/* Every GPU instance taken: nothing offered, a VF running one. */
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.4/nvidia/creatable_vgpu_types",
		 "ID : vGPU Name\n");
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.5/nvidia/creatable_vgpu_types",
		 "ID : vGPU Name\n");
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.5/nvidia/current_vgpu_type", "1303\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:18:00.0", "gpu.mig"), INFO);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on; every GPU instance (gi1, gi2, gi9) is in use");
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:18:00.0"), 0);
	gpuvirt_report_unref(r);
	/* GPU instances, none of them offering a type, none in use. */
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.5/nvidia/current_vgpu_type", "0\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:18:00.0", "gpu.mig"), WARN);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on; its GPU instances (gi1, gi2, gi9) offer no vGPU type");
	gpuvirt_report_unref(r);
	/* Not in the MIG table: no finding (the A100 host's PFs are; the L40S's not). */
	r = check_root(th_host("l40s"));
	ck_assert(!has(r, "0000:41:00.0", "gpu.mig"));
	gpuvirt_report_unref(r);
	/* Unreadable is not absent. */
	th_remove(root, "proc/driver/nvidia/gpus/0000:3c:00.0/information");
	th_write(root, "proc/driver/nvidia/gpus/0000:3c:00.0/information/x", "");
	ctx = th_ctx_at(root);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), -EISDIR);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "checks failed: cannot read proc/driver/nvidia/gpus/0000:3c:00.0/information: Is a directory");
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* nvidia-smi's listing, as a caller captured it: its GPU lines and -lgi table. */
static const char mig_listing[] = "0, 00000000:18:00.0, Enabled\n"
				  "1, 00000000:2A:00.0, Enabled\n"
				  "2, 00000000:3C:00.0, Disabled\n"
				  "+-------------------------------------------------------+\n"
				  "| GPU instances:                                        |\n"
				  "| GPU   Name             Profile  Instance   Placement  |\n"
				  "|                          ID       ID       Start:Size |\n"
				  "|=======================================================|\n"
				  "|   0  MIG 3g.40gb          9        1          4:4     |\n"
				  "+-------------------------------------------------------+\n"
				  "|   0  MIG 2g.20gb         14        2          0:2     |\n"
				  "+-------------------------------------------------------+\n"
				  "|   0  MIG 1g.10gb+me      20        5          3:1     |\n"
				  "+-------------------------------------------------------+\n"
				  "|   0  MIG 1g.10gb         19        9          2:1     |\n"
				  "+-------------------------------------------------------+\n";

static gpuvirt_report *check_listed(gpuvirt_ctx *ctx)
{
	gpuvirt_report *r;

	ck_assert_msg(gpuvirt_check_host(ctx, 0, &r) >= 0, "%s", gpuvirt_ctx_get_error(ctx));
	return r;
}

/* The listing sizes and places the driver's GPU instances (gi5, which the
 * driver no longer has, is not shown); where the driver has no capability
 * files its instances are the listing's; with every VF busy, its MIG mode
 * is the listing's. A bad listing is refused naming its line, and the
 * previous one stays; NULL drops it. */
START_TEST(mig_listing_sizes)
{
	const char *root = th_host("h100-mig");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	char path[512], bad[512], expect[600];
	gpuvirt_report *r;

	snprintf(path, sizeof(path), "%s/captured/mig.txt", root);
	snprintf(bad, sizeof(bad), "%s/captured/bad.txt", root);
	th_write(root, "captured/mig.txt", mig_listing);
	th_write(root, "captured/bad.txt", "0, 00000000:18:00.0, Enabled\n|   1  MIG 3g.40gb  9  1  4:4  |\n");
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, path), 0);
	r = check_listed(ctx);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on (7 slices); GPU instances gi1 (3g.40gb at 4:4), gi2 (2g.20gb at 0:2), gi9 "
			 "(1g.10gb at 2:1); MIG-backed types of 1g, 3g can be created");
	gpuvirt_report_unref(r);
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, bad), -EBADMSG);
	snprintf(expect, sizeof(expect), "MIG listing %s: line 2 is malformed", bad);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), expect);
	th_remove(root, "proc/driver/nvidia/capabilities/gpu0/mig");
	r = check_listed(ctx);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on (7 slices); GPU instances gi1 (3g.40gb at 4:4), gi2 (2g.20gb at 0:2), gi5 "
			 "(1g.10gb+me at 3:1), gi9 (1g.10gb at 2:1); MIG-backed types of 1g, 3g can be created");
	gpuvirt_report_unref(r);
	/* Every VF of the MIG-off H100 busy: only the listing can tell. */
	for (int fn = 4; fn <= 5; fn++) {
		char rel[160];
		snprintf(rel, sizeof(rel),
			 "sys/devices/pci0000:00/0000:00:03.0/0000:3c:00.%d/nvidia/creatable_vgpu_types", fn);
		th_write(root, rel, "ID : vGPU Name\n");
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/0000:00:03.0/0000:3c:00.%d/nvidia/current_vgpu_type",
			 fn);
		th_write(root, rel, "1312\n");
	}
	r = check_listed(ctx);
	ck_assert_int_eq(sev(r, "0000:3c:00.0", "gpu.mig"), INFO);
	ck_assert_str_eq(msg(r, "0000:3c:00.0", "gpu.mig"),
			 "MIG mode is off (as nvidia-smi's listing says); every VF runs a vGPU");
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:3c:00.0"), 0);
	gpuvirt_report_unref(r);
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, NULL), 0);
	r = check_listed(ctx);
	ck_assert_str_eq(msg(r, "0000:3c:00.0", "gpu.mig"),
			 "MIG mode cannot be told: every VF runs a vGPU and the driver lists no GPU instance");
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"),
			 "MIG mode is on (7 slices); GPU instances not listed by the driver; MIG-backed types of 1g, "
			 "3g can be created");
	gpuvirt_report_unref(r);
	/* What is no listing: a relative path, a folder, a FIFO (refused
	 * unopened: no writer could hold the caller), no GPU line. */
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, "captured/mig.txt"), -EINVAL);
	snprintf(path, sizeof(path), "%s/captured", root);
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, path), -EISDIR);
	snprintf(path, sizeof(path), "%s/captured/fifo", root);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, path), -EMEDIUMTYPE);
	th_write(root, "captured/mig.txt", "No GPU instances found: Not Found\n");
	snprintf(path, sizeof(path), "%s/captured/mig.txt", root);
	ck_assert_int_eq(gpuvirt_ctx_set_mig_listing(ctx, path), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "mig.txt: no GPU line (nvidia-smi --query-gpu="));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The reset quirk table and vendor-reset: installed but not loaded, loaded
 * (binding sets device_specific), in effect; not installed; a no-reset
 * quirk. A GPU the table does not name keeps the kernel's methods. */
START_TEST(reset_quirk)
{
	const char *root = th_host("rebar");
	gpuvirt_report *r = check_root(root);
	uint8_t cfg[64];
	FILE *f;
	char path[512];

	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.reset"), WARN);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.reset"),
			 "quirk vendor-reset (AMD Navi 10): its bus reset leaves it hung for the next guest, and "
			 "vendor-reset is not loaded");
	ck_assert_str_eq(
	    remedy(r, "0000:02:00.0", "gpu.reset"),
	    "Load vendor-reset (modprobe vendor-reset; list it in /etc/modules-load.d/); binding then sets "
	    "reset_method to device_specific");
	ck_assert_str_eq(msg(r, "0000:01:00.0", "gpu.reset"),
			 "reset by bus only: it resets every function behind the same bridge (fine for one card)");
	gpuvirt_report_unref(r);
	th_write(root, "sys/module/vendor_reset/refcnt", "0\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.reset"), INFO);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.reset"),
			 "quirk vendor-reset (AMD Navi 10): vendor-reset is loaded; binding for passthrough sets "
			 "reset_method to device_specific (now: bus)");
	gpuvirt_report_unref(r);
	th_write(root, NAVI "reset_method", "device_specific bus\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.reset"), PASS);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.reset"),
			 "quirk vendor-reset (AMD Navi 10): reset by device_specific, vendor-reset's");
	gpuvirt_report_unref(r);
	th_remove(root, "sys/module/vendor_reset/refcnt");
	th_remove(root, "sys/module/vendor_reset");
	th_write(root, "lib/modules/6.8.0-49-generic/modules.dep", "kernel/drivers/vfio/vfio.ko: \n");
	r = check_root(root);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.reset"),
			 "quirk vendor-reset (AMD Navi 10): its bus reset leaves it hung for the next guest, and "
			 "vendor-reset is not installed");
	ck_assert_str_eq(remedy(r, "0000:02:00.0", "gpu.reset"),
			 "Install vendor-reset (github.com/gnif/vendor-reset, as DKMS) and load it; binding then sets "
			 "reset_method to device_specific");
	gpuvirt_report_unref(r);
	/* The same slot holding an AMD Fiji (1002:7300): no reset works. */
	snprintf(path, sizeof(path), "%s/" NAVI "config", root);
	ck_assert_ptr_nonnull(f = fopen(path, "r+b"));
	ck_assert_uint_eq(fread(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	cfg[2] = 0x00, cfg[3] = 0x73;
	rewind(f);
	ck_assert_uint_eq(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
	th_write(root, NAVI "device", "0x7300\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.reset"), WARN);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.reset"),
			 "quirk no-reset (AMD Fiji): no known reset works for it, so its next guest may find it hung "
			 "(kernel's methods: device_specific bus)");
	gpuvirt_report_unref(r);
}
END_TEST

/* power_state: D3cold warned, D0 passes; none on an older kernel; an
 * unreadable one fails the check, naming the file. */
START_TEST(power_state)
{
	const char *root = th_host("rebar");
	gpuvirt_report *r = check_root(root);
	gpuvirt_ctx *ctx;

	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.power_state"), WARN);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.power_state"),
			 "D3cold: runtime power management turned it off; binding wakes it, but some GPUs do not come "
			 "back from D3cold");
	ck_assert_int_eq(sev(r, "0000:01:00.0", "gpu.power_state"), PASS);
	gpuvirt_report_unref(r);
	th_write(root, NAVI "power_state", "D3hot\n");
	th_remove(root, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/power_state");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.power_state"), INFO);
	ck_assert_str_eq(msg(r, "0000:02:00.0", "gpu.power_state"), "D3hot: suspended; binding wakes it");
	ck_assert(!has(r, "0000:01:00.0", "gpu.power_state"));
	gpuvirt_report_unref(r);
	th_remove(root, NAVI "power_state");
	th_write(root, NAVI "power_state/x", "a folder, not the attribute\n");
	ctx = th_ctx_at(root);
	r = NULL;
	ck_assert_int_lt(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "0000:02:00.0: cannot read "
								 "sys/bus/pci/devices/0000:02:00.0/power_state"));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A vfio-pci variant in modules.alias is named for --for kvm; none, no finding. */
START_TEST(vfio_variant)
{
	gpuvirt_report *r = check_root(th_host("l40s"));

	ck_assert_str_eq(msg(r, "0000:41:00.4", "gpu.vfio_variant"),
			 "binding for KVM (--for kvm) uses nvidia_vgpu_vfio, the vfio-pci variant driver modules.alias "
			 "offers for it; a bind to vfio-pci (the default) keeps plain vfio-pci");
	ck_assert_int_eq(sev(r, "0000:41:00.4", "gpu.vfio_variant"), INFO);
	gpuvirt_report_unref(r);
	r = check_root(th_host("t4"));
	ck_assert(!has(r, "0000:3b:00.0", "gpu.vfio_variant"));
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(group_isolation)
{
	gpuvirt_report *r = check_root(th_host("bad-group"));
	const char *gpu = "0000:02:00.0";

	ck_assert_int_eq(sev(r, gpu, "gpu.iommu_group.isolated"), FAIL);
	ck_assert_ptr_nonnull(strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:03:00.0 (USB controller"));
	ck_assert_ptr_nonnull(strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:04:00.0 (Ethernet controller"));
	ck_assert_ptr_nonnull(
	    strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:02:00.1 (Audio device, same card)"));
	ck_assert_ptr_nonnull(strstr(remedy(r, gpu, "gpu.iommu_group.isolated"), "ACS"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, gpu), 0);
	ck_assert_int_eq(gpuvirt_report_get_reason_count(r, gpu, GPUVIRT_VERDICT_PASSTHROUGH), 1);
	ck_assert_str_eq(gpuvirt_report_get_reason(r, gpu, GPUVIRT_VERDICT_PASSTHROUGH, 0), "gpu.iommu_group.isolated");
	gpuvirt_report_unref(r);

	r = check_root(th_host("workstation"));
	ck_assert_int_eq(sev(r, RTX, "gpu.iommu_group.isolated"), PASS);
	ck_assert_ptr_nonnull(
	    strstr(msg(r, RTX, "gpu.iommu_group.isolated"), "0000:01:00.1 (Audio device, same card)"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, RTX), 1);
	gpuvirt_report_unref(r);
}
END_TEST

/* A foreign group member without a driver is still in the group: vfio-pci
 * would have to take it too (a mutation survivor: the check once looked
 * only at members with a driver). */
START_TEST(group_isolation_driverless_member)
{
	const char *root = th_host("bad-group");
	const char *gpu = "0000:02:00.0";
	gpuvirt_report *r;

	th_remove(root, "sys/bus/pci/devices/0000:03:00.0/driver");
	th_remove(root, "sys/bus/pci/devices/0000:04:00.0/driver");
	r = check_root(root);
	ck_assert_int_eq(sev(r, gpu, "gpu.iommu_group.isolated"), FAIL);
	ck_assert_ptr_nonnull(strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:03:00.0 (USB controller)"));
	ck_assert_ptr_nonnull(strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:04:00.0 (Ethernet controller)"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, gpu), 0);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(reset)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, T4, "gpu.reset"), PASS);
	ck_assert_str_eq(msg(r, T4, "gpu.reset"), "reset methods: flr bus");
	gpuvirt_report_unref(r);

	th_write(root, "sys/bus/pci/devices/0000:3b:00.0/reset_method", "\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.reset"), WARN);
	gpuvirt_report_unref(r);

	/* No attribute: no method on 5.15 and later, unknown before. */
	th_remove(root, "sys/bus/pci/devices/0000:3b:00.0/reset_method");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.reset"), WARN);
	gpuvirt_report_unref(r);
	th_write(root, "proc/sys/kernel/osrelease", "5.10.0-28-amd64\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.reset"), INFO);
	gpuvirt_report_unref(r);

	th_write(root, "proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
	th_write(root, "sys/bus/pci/devices/0000:3b:00.0/reset_method", "bus\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.reset"), INFO);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(boot_vga_and_driver_in_use)
{
	const char *root = th_host("iommu-off");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, RTX, "gpu.boot_vga"), WARN);
	ck_assert_int_eq(sev(r, RTX, "gpu.driver.in_use"), PASS);
	gpuvirt_report_unref(r);

	th_write(root, "proc/812/comm", "Xorg\n");
	th_write(root, "proc/812/fd/0", "");
	th_symlink(root, "proc/812/fd/7", "/dev/dri/card1");
	th_symlink(root, "proc/812/fd/8", "/dev/dri/card9");
	r = check_root(root);
	ck_assert_int_eq(sev(r, RTX, "gpu.driver.in_use"), WARN);
	ck_assert_str_eq(msg(r, RTX, "gpu.driver.in_use"),
			 "the host is using it: 0000:01:00.0: pid 812 (Xorg) has /dev/dri/card1 open; "
			 "GPUVIRT_BIND_FORCE (--force) takes it anyway");
	gpuvirt_report_unref(r);

	r = check_root(th_host("t4"));
	ck_assert_int_eq(sev(r, T4, "gpu.boot_vga"), PASS);
	ck_assert_int_eq(sev(r, T4, "gpu.driver"), INFO);
	ck_assert_str_eq(msg(r, T4, "gpu.driver"), "bound to nvidia; binding for passthrough moves it");
	gpuvirt_report_unref(r);
}
END_TEST

/* Holders in a run of checks: proc/ and the live instances are read once
 * for every GPU, each GPU gets its own; a GPU already on vfio-pci that a VM
 * holds is in use where it should be. */
START_TEST(holders_of_each_gpu)
{
	const char *root = th_host("t4"), *D8 = "0000:d8:00.0";
	const char *uuid = "4b20d080-1b54-4048-85b3-a6a62d165c01";
	char rel[256], target[256];
	gpuvirt_report *r;

	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/%s/uevent", uuid);
	th_write(root, rel, "MDEV_TYPE=nvidia-232\n");
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/0000:00:02.0/0000:d8:00.0/%s", uuid);
	th_symlink(root, rel, target);
	r = check_root(root);
	ck_assert_int_eq(sev(r, D8, "gpu.driver.in_use"), FAIL);
	ck_assert_ptr_nonnull(strstr(msg(r, D8, "gpu.driver.in_use"), uuid));
	ck_assert_int_eq(sev(r, T4, "gpu.driver.in_use"), PASS);
	gpuvirt_report_unref(r);

	th_remove(root, "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/driver");
	th_symlink(root, "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/driver",
		   "../../../../bus/pci/drivers/vfio-pci");
	th_write(root, "proc/900/comm", "qemu-system-x86\n");
	th_symlink(root, "proc/900/fd/5", "/dev/vfio/2");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.driver.in_use"), INFO);
	ck_assert_str_eq(msg(r, T4, "gpu.driver.in_use"),
			 "in use where it is: pid 900 (qemu-system-x86) has /dev/vfio/2 open");
	ck_assert_int_eq(sev(r, D8, "gpu.driver.in_use"), FAIL);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(vgpu_capable_and_active)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.capable"), PASS);
	ck_assert_str_eq(msg(r, T4, "gpu.vgpu.capable"), "listed: Tesla T4 (nvidia-legacy)");
	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.active"), PASS);
	ck_assert_int_eq(sev(r, NULL, "vgpu.manager"), PASS);
	ck_assert_int_eq(sev(r, NULL, "license.guests"), INFO);
	ck_assert_int_eq(gpuvirt_report_can_share(r, T4), 1);
	gpuvirt_report_unref(r);

	/* A board in the table without the vendor's host driver. */
	th_remove(root, "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/mdev_supported_types");
	th_remove(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/mdev_supported_types");
	th_remove(root, "sys/module/nvidia_vgpu_vfio");
	th_remove(root, "lib/systemd");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.capable"), PASS);
	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.active"), WARN);
	ck_assert_ptr_nonnull(strstr(msg(r, T4, "gpu.vgpu.active"), "host driver is missing"));
	ck_assert_ptr_nonnull(strstr(remedy(r, T4, "gpu.vgpu.active"), "vGPU Manager"));
	ck_assert_int_eq(sev(r, NULL, "vgpu.manager"), WARN);
	ck_assert_int_eq(gpuvirt_report_can_share(r, T4), 0);
	ck_assert_str_eq(gpuvirt_report_get_reason(r, T4, GPUVIRT_VERDICT_SHARE, 0), "gpu.vgpu.active");
	gpuvirt_report_unref(r);

	/* Not a vGPU board at all. */
	r = check_root(th_host("workstation"));
	ck_assert_int_eq(sev(r, RTX, "gpu.vgpu.capable"), INFO);
	ck_assert_int_eq(sev(r, RTX, "gpu.vgpu.active"), INFO);
	ck_assert(!has(r, NULL, "vgpu.manager"));
	ck_assert_int_eq(gpuvirt_report_can_share(r, RTX), 0);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(vgpu_evidence_outranks_the_table)
{
	const char *root = th_host("t4");
	char table[512];
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_report *r;
	FILE *f;

	snprintf(table, sizeof(table), "%s/empty-table.txt", root);
	f = fopen(table, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# nothing\n", f);
	fclose(f);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(ctx, table), 0);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.capable"), INFO);
	ck_assert_ptr_nonnull(strstr(msg(r, T4, "gpu.vgpu.capable"), "run-time evidence"));
	ck_assert_int_eq(sev(r, T4, "gpu.vgpu.active"), PASS);
	ck_assert_int_eq(gpuvirt_report_can_share(r, T4), 1);
	gpuvirt_report_unref(r);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(vgpu_table_file)
{
	const char *root = th_host("workstation");
	char path[512];
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_report *r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/table.txt", root);
	f = fopen(path, "w");
	fputs("# vendor device sv sd mechanism name\n10de 1e87 * * nvidia-legacy Test board\n", f);
	fclose(f);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(ctx, path), 0);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_str_eq(msg(r, RTX, "gpu.vgpu.capable"), "listed: Test board (nvidia-legacy)");
	ck_assert_int_eq(sev(r, RTX, "gpu.vgpu.active"), WARN);
	gpuvirt_report_unref(r);

	f = fopen(path, "w");
	fputs("10de 1e87 * * nvidia-legacy ok\n10de zz * * nvidia-legacy bad\n", f);
	fclose(f);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(ctx, path), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "line 2"));
	/* The previous table stays. */
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_str_eq(msg(r, RTX, "gpu.vgpu.capable"), "listed: Test board (nvidia-legacy)");
	gpuvirt_report_unref(r);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(ctx, "/nonexistent/table"), -ENOENT);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(ctx, NULL), 0);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_int_eq(sev(r, RTX, "gpu.vgpu.capable"), INFO);
	gpuvirt_report_unref(r);
	gpuvirt_ctx_unref(ctx);

	/* GPUVIRT_VGPU_TABLE names one for new contexts. */
	f = fopen(path, "w");
	fputs("10de 1e87 * * nvidia-legacy From the environment\n", f);
	fclose(f);
	setenv("GPUVIRT_VGPU_TABLE", path, 1);
	r = check_root(root);
	ck_assert_str_eq(msg(r, RTX, "gpu.vgpu.capable"), "listed: From the environment (nvidia-legacy)");
	gpuvirt_report_unref(r);
	unsetenv("GPUVIRT_VGPU_TABLE");
}
END_TEST

START_TEST(share_by_sriov_and_vendor_vgpu)
{
	gpuvirt_report *r = check_root(th_host("amd-mxgpu"));
	const char *amd = "0000:03:00.0";

	ck_assert_int_eq(sev(r, amd, "gpu.vgpu.active"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, amd, "gpu.vgpu.active"), "SR-IOV VF"));
	ck_assert_int_eq(gpuvirt_report_can_share(r, amd), 1);
	gpuvirt_report_unref(r);

	r = check_root(th_host("a100x8"));
	ck_assert_int_eq(sev(r, "0000:07:00.0", "gpu.vgpu.active"), PASS);
	ck_assert_str_eq(msg(r, "0000:07:00.0", "gpu.vgpu.active"), "NVIDIA vendor vGPU on 4 VFs");
	ck_assert_int_eq(sev(r, NULL, "vgpu.manager"), PASS);
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:07:00.0"), 1);
	ck_assert_int_eq(gpuvirt_report_can_share(r, "07:00.0"), 1);
	gpuvirt_report_unref(r);

	r = check_root(th_host("gvtg-laptop"));
	ck_assert_int_eq(sev(r, "0000:00:02.0", "gpu.vgpu.capable"), PASS);
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:00:02.0"), 1);
	gpuvirt_report_unref(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check-gpu");
	TCase *tc = tcase_create("check-gpu");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, bar_window);
	tcase_add_test(tc, mig_states);
	tcase_add_test(tc, mig_listing_sizes);
	tcase_add_test(tc, reset_quirk);
	tcase_add_test(tc, power_state);
	tcase_add_test(tc, vfio_variant);
	tcase_add_test(tc, group_isolation);
	tcase_add_test(tc, group_isolation_driverless_member);
	tcase_add_test(tc, reset);
	tcase_add_test(tc, boot_vga_and_driver_in_use);
	tcase_add_test(tc, holders_of_each_gpu);
	tcase_add_test(tc, vgpu_capable_and_active);
	tcase_add_test(tc, vgpu_evidence_outranks_the_table);
	tcase_add_test(tc, vgpu_table_file);
	tcase_add_test(tc, share_by_sriov_and_vendor_vgpu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
