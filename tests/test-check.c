/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compatibility checks, each in both directions, on simulated hosts. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* The finding of `code` for `subject` (NULL: host); fails the test if absent. */
static const gpuvirt_finding *get(gpuvirt_report *r, const char *subject, const char *code)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f, *found = NULL;

	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (strcmp(gpuvirt_finding_get_code(f), code) == 0 &&
		    ((!subject && !s) || (subject && s && strcmp(subject, s) == 0)))
			found = f;
	}
	gpuvirt_finding_iter_unref(it);
	ck_assert_msg(found != NULL, "no finding %s for %s", code, subject ? subject : "the host");
	return found;
}

static bool has(gpuvirt_report *r, const char *subject, const char *code)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;
	bool found = false;

	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (strcmp(gpuvirt_finding_get_code(f), code) == 0 &&
		    ((!subject && !s) || (subject && s && strcmp(subject, s) == 0)))
			found = true;
	}
	gpuvirt_finding_iter_unref(it);
	return found;
}

static int sev(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_severity(get(r, subject, code));
}

static const char *msg(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_message(get(r, subject, code));
}

static const char *remedy(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_remedy(get(r, subject, code));
}

static gpuvirt_report *check_root(const char *root)
{
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_report *r = NULL;

	ck_assert_msg(gpuvirt_check_host(ctx, 0, &r) == 0, "check: %s", gpuvirt_ctx_get_error(ctx));
	gpuvirt_ctx_unref(ctx); /* the report keeps its own reference */
	return r;
}

#define PASS GPUVIRT_SEVERITY_PASS
#define INFO GPUVIRT_SEVERITY_INFO
#define WARN GPUVIRT_SEVERITY_WARN
#define FAIL GPUVIRT_SEVERITY_FAIL

static const char *T4 = "0000:3b:00.0";
static const char *RTX = "0000:01:00.0"; /* workstation and iommu-off */

START_TEST(cpu_virtualization)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "cpu.virtualization"), PASS);
	ck_assert_str_eq(msg(r, NULL, "cpu.virtualization"), "Intel VT-x (vmx)");
	gpuvirt_report_unref(r);

	th_write(root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm lm\n");
	r = check_root(root);
	ck_assert_str_eq(msg(r, NULL, "cpu.virtualization"), "AMD-V (svm)");
	gpuvirt_report_unref(r);

	th_write(root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "cpu.virtualization"), FAIL);
	ck_assert_ptr_nonnull(strstr(remedy(r, NULL, "cpu.virtualization"), "firmware"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 0);
	gpuvirt_report_unref(r);

	th_write(root, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor lm\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "cpu.virtualization"), FAIL);
	ck_assert_ptr_nonnull(strstr(remedy(r, NULL, "cpu.virtualization"), "nested"));
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(iommu_firmware_and_enabled)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "iommu.firmware"), PASS);
	ck_assert_int_eq(sev(r, NULL, "iommu.enabled"), PASS);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 1);
	gpuvirt_report_unref(r);

	th_remove(root, "sys/firmware/acpi/tables/DMAR");
	th_remove(root, "sys/class/iommu");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.firmware"), WARN);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "iommu.firmware"), "No ACPI DMAR or IVRS table"));
	gpuvirt_report_unref(r);

	r = check_root(th_host("iommu-off"));
	ck_assert_int_eq(sev(r, NULL, "iommu.firmware"), PASS);
	ck_assert_int_eq(sev(r, NULL, "iommu.enabled"), FAIL);
	ck_assert_ptr_nonnull(strstr(remedy(r, NULL, "iommu.enabled"), "intel_iommu=on"));
	ck_assert_int_eq(sev(r, RTX, "gpu.iommu_group"), FAIL);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, RTX), 0);
	/* The boot VGA would be refused by bind too: the verdict says so. */
	ck_assert_int_eq(gpuvirt_report_get_reason_count(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH), 3);
	ck_assert_str_eq(gpuvirt_report_get_reason(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH, 0), "iommu.enabled");
	ck_assert_str_eq(gpuvirt_report_get_reason(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH, 1), "gpu.iommu_group");
	ck_assert_str_eq(gpuvirt_report_get_reason(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH, 2), "gpu.boot_vga");
	ck_assert_int_eq(gpuvirt_report_get_worst_severity(r), FAIL);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(iommu_groups_of_mdevs_do_not_count)
{
	/* With the IOMMU off an mdev instance still gets a group. */
	const char *root = th_host("iommu-off");
	gpuvirt_report *r;

	th_write(root, "sys/kernel/iommu_groups/0/type", "unknown\n");
	th_write(root, "sys/kernel/iommu_groups/0/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.enabled"), FAIL);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(iommu_cmdline)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "iommu.cmdline"), PASS);
	ck_assert_str_eq(msg(r, NULL, "iommu.cmdline"), "intel_iommu=on");
	gpuvirt_report_unref(r);

	th_write(root, "proc/cmdline", "root=/dev/sda1 intel_iommu=off quiet\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.cmdline"), FAIL);
	ck_assert_str_eq(remedy(r, NULL, "iommu.cmdline"), "Remove intel_iommu=off from the kernel command line and reboot");
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 0);
	gpuvirt_report_unref(r);

	th_write(root, "proc/cmdline", "root=/dev/sda1 iommu=pt\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.cmdline"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "iommu.cmdline"), "iommu=pt"));
	gpuvirt_report_unref(r);

	th_write(root, "proc/cmdline", "root=/dev/sda1\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.cmdline"), INFO);
	gpuvirt_report_unref(r);
}
END_TEST

/* The ACS override patch splits groups the hardware does not isolate: the
 * host says so, and every group's isolation is a warning naming it (it
 * blocks nothing: bind proceeds, as the verdict says). */
START_TEST(acs_override)
{
	const char *root = th_host("workstation");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "iommu.acs_override"), PASS);
	ck_assert_int_eq(sev(r, "0000:01:00.0", "gpu.iommu_group.isolated"), PASS);
	gpuvirt_report_unref(r);
	th_write(root, "proc/cmdline", "root=/dev/sda1 intel_iommu=on pcie_acs_override=downstream,multifunction\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.acs_override"), WARN);
	ck_assert_str_eq(msg(r, NULL, "iommu.acs_override"),
			 "pcie_acs_override=downstream,multifunction: the kernel splits IOMMU groups the hardware may not "
			 "isolate, so a device in a VM may reach devices of other groups by peer-to-peer DMA");
	ck_assert_int_eq(sev(r, "0000:01:00.0", "gpu.iommu_group.isolated"), WARN);
	ck_assert_str_eq(msg(r, "0000:01:00.0", "gpu.iommu_group.isolated"),
			 "IOMMU group 1 holds the GPU and 0000:01:00.1 (Audio device, same card), but only as "
			 "pcie_acs_override=downstream,multifunction splits it: the hardware may not isolate it");
	ck_assert_int_eq(sev(r, "0000:00:02.0", "gpu.iommu_group.isolated"), WARN);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, "0000:01:00.0"), 1);
	gpuvirt_report_unref(r);
	/* A group that holds another card still fails, override or not. */
	root = th_host("bad-group");
	th_write(root, "proc/cmdline", "root=/dev/sda1 pcie_acs_override=downstream\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:02:00.0", "gpu.iommu_group.isolated"), FAIL);
	gpuvirt_report_unref(r);
}
END_TEST

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
	ck_assert_str_eq(remedy(r, "0000:01:00.0", "gpu.bars"),
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
	ck_assert_str_eq(remedy(r, "0000:2a:00.0", "gpu.mig"),
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
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.4/nvidia/creatable_vgpu_types", "ID : vGPU Name\n");
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.5/nvidia/creatable_vgpu_types", "ID : vGPU Name\n");
	th_write(root, "sys/devices/pci0000:00/0000:00:01.0/0000:18:00.5/nvidia/current_vgpu_type", "1303\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, "0000:18:00.0", "gpu.mig"), INFO);
	ck_assert_str_eq(msg(r, "0000:18:00.0", "gpu.mig"), "MIG mode is on; every GPU instance (gi1, gi2, gi9) is in use");
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

#define NAVI "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/"

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
	ck_assert_str_eq(remedy(r, "0000:02:00.0", "gpu.reset"),
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

/* iommufd and VFIO device cdevs: both (Linux 6.8 host), neither (6.1). */
START_TEST(iommufd)
{
	gpuvirt_report *r = check_root(th_host("rebar"));

	ck_assert_int_eq(sev(r, NULL, "iommu.iommufd"), PASS);
	ck_assert_str_eq(msg(r, NULL, "iommu.iommufd"),
			 "iommufd (/dev/iommu) and VFIO device cdevs (/dev/vfio/devices): QEMU 8.2+ and libvirt can "
			 "use them instead of VFIO groups");
	gpuvirt_report_unref(r);
	r = check_root(th_host("t4"));
	ck_assert_int_eq(sev(r, NULL, "iommu.iommufd"), INFO);
	ck_assert_str_eq(msg(r, NULL, "iommu.iommufd"),
			 "no iommufd (/dev/iommu): VMs use VFIO groups (/dev/vfio/<group>) and the type1 container");
	ck_assert_str_eq(remedy(r, NULL, "iommu.iommufd"), "On Linux 6.2 or later, modprobe iommufd");
	gpuvirt_report_unref(r);
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

START_TEST(interrupt_remapping)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "iommu.interrupt_remapping"), PASS);
	gpuvirt_report_unref(r);

	th_write(root, "sys/class/iommu/dmar0/intel-iommu/ecap", "f050d2\n"); /* bit 3 clear */
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.interrupt_remapping"), WARN);
	gpuvirt_report_unref(r);

	th_write(root, "sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n");
	th_write(root, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.interrupt_remapping"), WARN);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "iommu.interrupt_remapping"), "unsafe"));
	gpuvirt_report_unref(r);

	th_write(root, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n");
	th_write(root, "proc/cmdline", "root=/dev/sda1 intel_iommu=on intremap=off\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.interrupt_remapping"), WARN);
	gpuvirt_report_unref(r);

	r = check_root(th_host("amd-mxgpu"));
	ck_assert_int_eq(sev(r, NULL, "iommu.interrupt_remapping"), PASS);
	ck_assert_str_eq(msg(r, NULL, "iommu.interrupt_remapping"), "AMD-Vi remaps interrupts");
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(vfio_modules)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "module.vfio_pci"), PASS);
	ck_assert_str_eq(msg(r, NULL, "module.vfio_pci"), "vfio_pci is loaded");
	gpuvirt_report_unref(r);

	/* Unloaded: the module and its driver go together. */
	th_remove(root, "sys/module/vfio_pci");
	th_remove(root, "sys/bus/pci/drivers/vfio-pci");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "module.vfio_pci"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "module.vfio_pci"), "available"));
	gpuvirt_report_unref(r);

	th_write(root, "lib/modules/6.1.0-56-amd64/modules.builtin", "kernel/drivers/vfio/pci/vfio-pci.ko\n");
	r = check_root(root);
	ck_assert_str_eq(msg(r, NULL, "module.vfio_pci"), "vfio_pci is built into the kernel");
	gpuvirt_report_unref(r);

	th_write(root, "lib/modules/6.1.0-56-amd64/modules.builtin", "");
	th_write(root, "lib/modules/6.1.0-56-amd64/modules.dep", "kernel/drivers/vfio/vfio.ko:\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "module.vfio_pci"), FAIL);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 0);
	gpuvirt_report_unref(r);

	th_remove(root, "lib/modules");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "module.vfio_pci"), WARN);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(xen_dom0)
{
	const char *root = th_host("t4");
	gpuvirt_report *r = check_root(root);

	ck_assert_int_eq(sev(r, NULL, "module.xen_pciback"), INFO);
	gpuvirt_report_unref(r);

	/* A Xen dom0: no vmx flag, HVM from the hypervisor, pciback decides. */
	th_write(root, "sys/hypervisor/type", "xen\n");
	th_write(root, "proc/xen/capabilities", "control_d\n");
	th_write(root, "sys/hypervisor/properties/capabilities", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_64\n");
	th_write(root, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor lm\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "cpu.virtualization"), PASS);
	ck_assert_int_eq(sev(r, NULL, "module.xen_pciback"), PASS);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 1);
	bool pciback = false;
	for (size_t i = 0; i < gpuvirt_report_get_reason_count(r, T4, GPUVIRT_VERDICT_PASSTHROUGH); i++)
		pciback |= strcmp(gpuvirt_report_get_reason(r, T4, GPUVIRT_VERDICT_PASSTHROUGH, i), "module.xen_pciback") == 0;
	ck_assert(pciback);
	gpuvirt_report_unref(r);

	th_write(root, "lib/modules/6.1.0-56-amd64/modules.dep", "kernel/drivers/vfio/vfio.ko:\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "module.xen_pciback"), FAIL);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 0);
	gpuvirt_report_unref(r);

	/* Xen's I/O virtualisation, as `xl info` tells it. */
	char xl[512];
	snprintf(xl, sizeof(xl), "%s/xl-stub", root);
	th_write(root, "xl-stub", "#!/bin/sh\necho 'virt_caps              : pv hvm hvm_directio pv_directio hap shadow'\n");
	chmod(xl, 0755);
	setenv("GPUVIRT_XL", xl, 1);
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "xen.iommu"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "xen.iommu"), "hvm_directio"));
	gpuvirt_report_unref(r);
	th_write(root, "xl-stub", "#!/bin/sh\necho 'virt_caps              : pv hvm hap shadow'\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "xen.iommu"), FAIL);
	ck_assert_ptr_nonnull(strstr(remedy(r, NULL, "xen.iommu"), "iommu=1"));
	ck_assert_ptr_nonnull(strstr(remedy(r, NULL, "xen.iommu"), "failed to quarantine"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, T4), 0);
	gpuvirt_report_unref(r);
	unsetenv("GPUVIRT_XL");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "xen.iommu"), INFO); /* a simulated root: no xl to ask */
	gpuvirt_report_unref(r);

	/* A real dom0 shows no IOMMU groups: Xen owns the IOMMU. */
	root = th_host("iommu-off");
	th_write(root, "sys/hypervisor/type", "xen\n");
	th_write(root, "proc/xen/capabilities", "control_d\n");
	th_write(root, "sys/hypervisor/properties/capabilities", "xen-3.0-x86_64 hvm-3.0-x86_64\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "iommu.enabled"), INFO);
	ck_assert_int_eq(sev(r, RTX, "gpu.iommu_group"), INFO);
	/* Xen's IOMMU is fine; only the boot VGA stops the bind, as it would. */
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, RTX), 0);
	ck_assert_int_eq(gpuvirt_report_get_reason_count(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH), 1);
	ck_assert_str_eq(gpuvirt_report_get_reason(r, RTX, GPUVIRT_VERDICT_PASSTHROUGH, 0), "gpu.boot_vga");
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
	ck_assert_ptr_nonnull(strstr(msg(r, gpu, "gpu.iommu_group.isolated"), "0000:02:00.1 (Audio device, same card)"));
	ck_assert_ptr_nonnull(strstr(remedy(r, gpu, "gpu.iommu_group.isolated"), "ACS"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, gpu), 0);
	ck_assert_int_eq(gpuvirt_report_get_reason_count(r, gpu, GPUVIRT_VERDICT_PASSTHROUGH), 1);
	ck_assert_str_eq(gpuvirt_report_get_reason(r, gpu, GPUVIRT_VERDICT_PASSTHROUGH, 0), "gpu.iommu_group.isolated");
	gpuvirt_report_unref(r);

	r = check_root(th_host("workstation"));
	ck_assert_int_eq(sev(r, RTX, "gpu.iommu_group.isolated"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, RTX, "gpu.iommu_group.isolated"), "0000:01:00.1 (Audio device, same card)"));
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
	ck_assert_str_eq(msg(r, RTX, "gpu.driver.in_use"), "the host is using it: 0000:01:00.0: pid 812 (Xorg) has /dev/dri/card1 open; GPUVIRT_BIND_FORCE (--force) takes it anyway");
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
	th_symlink(root, "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/driver", "../../../../bus/pci/drivers/vfio-pci");
	th_write(root, "proc/900/comm", "qemu-system-x86\n");
	th_symlink(root, "proc/900/fd/5", "/dev/vfio/2");
	r = check_root(root);
	ck_assert_int_eq(sev(r, T4, "gpu.driver.in_use"), INFO);
	ck_assert_str_eq(msg(r, T4, "gpu.driver.in_use"), "in use where it is: pid 900 (qemu-system-x86) has /dev/vfio/2 open");
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

/* A JWT whose payload is {"exp":EXP,"secret":"tok-SECRET-marker"}. */
static void write_token(const char *root, const char *name, long long exp)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char payload[256], enc[512], tok[1024], rel[256];
	size_t n, k = 0;

	n = (size_t)snprintf(payload, sizeof(payload), "{\"exp\":%lld,\"secret\":\"tok-SECRET-marker\"}", exp);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)payload[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)payload[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)payload[i + 2];
		enc[k++] = b64[(v >> 18) & 63];
		enc[k++] = b64[(v >> 12) & 63];
		if (i + 1 < n)
			enc[k++] = b64[(v >> 6) & 63];
		if (i + 2 < n)
			enc[k++] = b64[v & 63];
	}
	enc[k] = '\0';
	snprintf(tok, sizeof(tok), "eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl\n", enc);
	snprintf(rel, sizeof(rel), "etc/nvidia/ClientConfigToken/%s", name);
	th_write(root, rel, tok);
}

static void assert_no_secret(gpuvirt_report *r)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;

	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		ck_assert_ptr_null(strstr(gpuvirt_finding_get_message(f), "SECRET"));
		ck_assert_ptr_null(strstr(gpuvirt_finding_get_message(f), "eyJ"));
	}
	gpuvirt_finding_iter_unref(it);
}

START_TEST(licensing_in_a_guest)
{
	const char *root = th_host("workstation");
	gpuvirt_report *r = check_root(root);

	ck_assert(!has(r, NULL, "license.gridd_conf")); /* not a guest, no config */
	gpuvirt_report_unref(r);

	th_write(root, "etc/nvidia/gridd.conf", "# licensing\nFeatureType=1\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.gridd_conf"), PASS);
	ck_assert_str_eq(msg(r, NULL, "license.gridd_conf"), "FeatureType=1");
	ck_assert_int_eq(sev(r, NULL, "license.token"), WARN); /* missing */
	gpuvirt_report_unref(r);

	write_token(root, "client_configuration_token_good.tok", (long long)time(NULL) + 86400 * 365);
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.token"), PASS);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "license.token"), "valid until"));
	assert_no_secret(r);
	gpuvirt_report_unref(r);

	th_remove(root, "etc/nvidia/ClientConfigToken/client_configuration_token_good.tok");
	write_token(root, "client_configuration_token_old.tok", 1600000000LL); /* 2020-09-13 */
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.token"), FAIL);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "license.token"), "expired on 2020-09-13"));
	assert_no_secret(r);
	gpuvirt_report_unref(r);

	th_write(root, "etc/nvidia/ClientConfigToken/client_configuration_token_old.tok", "");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.token"), FAIL);
	ck_assert_ptr_nonnull(strstr(msg(r, NULL, "license.token"), "is empty"));
	gpuvirt_report_unref(r);

	th_write(root, "etc/nvidia/gridd.conf", "FeatureType=0\n");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.gridd_conf"), WARN);
	gpuvirt_report_unref(r);
	th_remove(root, "etc/nvidia/gridd.conf");
	r = check_root(root);
	ck_assert_int_eq(sev(r, NULL, "license.gridd_conf"), WARN);
	gpuvirt_report_unref(r);
}
END_TEST

START_TEST(check_one_device)
{
	gpuvirt_ctx *ctx = th_ctx("bad-group");
	gpuvirt_device *usb;
	gpuvirt_report *r;

	/* Any function may be checked, not only GPUs. */
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "03:00.0", &usb), 0);
	ck_assert_int_eq(gpuvirt_check_device(usb, &r), 0);
	ck_assert_int_eq(gpuvirt_report_get_device_count(r), 1);
	ck_assert_str_eq(gpuvirt_report_get_device(r, 0), "0000:03:00.0");
	ck_assert_ptr_null(gpuvirt_report_get_device(r, 1));
	/* Its name from the device the report kept, gone with the device's
	 * own reference. */
	gpuvirt_device_unref(usb);
	ck_assert_str_eq(gpuvirt_report_get_device_name(r, 0), "uPD720202 USB 3.0 Host Controller");
	ck_assert_ptr_null(gpuvirt_report_get_device_name(r, 1));
	ck_assert_ptr_null(gpuvirt_report_get_device_name(NULL, 0));
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "03:00.0", &usb), 0);
	ck_assert_int_eq(sev(r, "0000:03:00.0", "gpu.iommu_group.isolated"), FAIL);
	ck_assert(has(r, NULL, "iommu.enabled"));
	ck_assert(!has(r, "0000:02:00.0", "gpu.iommu_group"));
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, "0000:02:00.0"), -ENOENT);
	gpuvirt_report_unref(r);
	gpuvirt_device_unref(usb);

	ck_assert_int_eq(gpuvirt_check_host(ctx, GPUVIRT_CHECK_HOST_ONLY, &r), 0);
	ck_assert_int_eq(gpuvirt_report_get_device_count(r), 0);
	ck_assert(has(r, NULL, "cpu.virtualization"));
	gpuvirt_report_unref(r);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(bad_arguments)
{
	gpuvirt_ctx *ctx = th_ctx("t4");
	gpuvirt_report *r = NULL;
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;

	ck_assert_int_eq(gpuvirt_check_host(NULL, 0, &r), -EINVAL);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_check_host(ctx, 1u << 7, &r), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(gpuvirt_check_device(NULL, &r), -EINVAL);
	ck_assert_int_eq(gpuvirt_finding_iter_new(NULL, &it), -EINVAL);
	ck_assert_int_eq(gpuvirt_finding_iter_next(NULL, &f), -EINVAL);
	ck_assert_ptr_null(gpuvirt_finding_iter_unref(NULL));
	ck_assert_ptr_null(gpuvirt_report_unref(NULL));
	ck_assert_ptr_null(gpuvirt_report_ref(NULL));
	ck_assert_int_eq(gpuvirt_report_get_worst_severity(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_report_get_device_count(NULL), 0);
	ck_assert_ptr_null(gpuvirt_finding_get_code(NULL));
	ck_assert_ptr_null(gpuvirt_finding_get_message(NULL));
	ck_assert_ptr_null(gpuvirt_finding_get_remedy(NULL));
	ck_assert_ptr_null(gpuvirt_finding_get_title(NULL));
	ck_assert_ptr_null(gpuvirt_finding_get_subject(NULL));
	ck_assert_int_eq(gpuvirt_finding_get_severity(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_ctx_set_vgpu_table(NULL, "/x"), -EINVAL);
	ck_assert_str_eq(gpuvirt_severity_to_string(GPUVIRT_SEVERITY_WARN), "warn");
	ck_assert_str_eq(gpuvirt_severity_to_string(99), "unknown");

	ck_assert_int_eq(gpuvirt_check_host(ctx, 0, &r), 0);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, "not-a-bdf"), -EINVAL);
	ck_assert_int_eq(gpuvirt_report_can_passthrough(r, "../../etc"), -EINVAL);
	ck_assert_int_eq(gpuvirt_report_can_share(r, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_report_can_share(r, "0000:99:00.0"), -ENOENT);
	ck_assert_int_eq(gpuvirt_report_get_reason_count(r, T4, 7), 0);
	ck_assert_ptr_null(gpuvirt_report_get_reason(r, T4, GPUVIRT_VERDICT_SHARE, 99));
	/* The iterator keeps the report alive, and ends with 0. */
	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	ck_assert_ptr_eq(gpuvirt_report_unref(r), r); /* ours is gone; the iterator's remains */
	size_t n = 0;
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		ck_assert_ptr_nonnull(gpuvirt_finding_get_title(f));
		ck_assert_ptr_nonnull(gpuvirt_finding_get_message(f));
		if (gpuvirt_finding_get_severity(f) >= GPUVIRT_SEVERITY_WARN)
			ck_assert_ptr_nonnull(gpuvirt_finding_get_remedy(f));
		n++;
	}
	ck_assert_int_gt(n, 20);
	ck_assert_int_eq(gpuvirt_finding_iter_next(it, &f), 0);
	ck_assert_ptr_null(f);
	gpuvirt_finding_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A check reads and never writes: the host is unchanged, byte for byte. */
START_TEST(checks_write_nothing)
{
	const char *root = th_host("t4");
	char cmd[1024], before[64], after[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -printf '%%p %%s %%l\\n' | sort | md5sum", root);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(before, sizeof(before), p));
	pclose(p);
	gpuvirt_report_unref(check_root(root));
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(after, sizeof(after), p));
	pclose(p);
	ck_assert_str_eq(before, after);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("check");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, cpu_virtualization);
	tcase_add_test(tc, iommu_firmware_and_enabled);
	tcase_add_test(tc, iommu_groups_of_mdevs_do_not_count);
	tcase_add_test(tc, iommu_cmdline);
	tcase_add_test(tc, interrupt_remapping);
	tcase_add_test(tc, acs_override);
	tcase_add_test(tc, bar_window);
	tcase_add_test(tc, reset_quirk);
	tcase_add_test(tc, power_state);
	tcase_add_test(tc, vfio_variant);
	tcase_add_test(tc, iommufd);
	tcase_add_test(tc, vfio_modules);
	tcase_add_test(tc, xen_dom0);
	tcase_add_test(tc, group_isolation);
	tcase_add_test(tc, group_isolation_driverless_member);
	tcase_add_test(tc, reset);
	tcase_add_test(tc, boot_vga_and_driver_in_use);
	tcase_add_test(tc, holders_of_each_gpu);
	tcase_add_test(tc, vgpu_capable_and_active);
	tcase_add_test(tc, vgpu_evidence_outranks_the_table);
	tcase_add_test(tc, vgpu_table_file);
	tcase_add_test(tc, share_by_sriov_and_vendor_vgpu);
	tcase_add_test(tc, licensing_in_a_guest);
	tcase_add_test(tc, check_one_device);
	tcase_add_test(tc, mig_states);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, checks_write_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
