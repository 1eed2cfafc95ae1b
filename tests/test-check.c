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

#include "check-helpers.h"

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
	ck_assert_str_eq(remedy(r, NULL, "iommu.cmdline"),
			 "Remove intel_iommu=off from the kernel command line and reboot");
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
	ck_assert_str_eq(
	    msg(r, NULL, "iommu.acs_override"),
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
		pciback |=
		    strcmp(gpuvirt_report_get_reason(r, T4, GPUVIRT_VERDICT_PASSTHROUGH, i), "module.xen_pciback") == 0;
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
	th_write(root, "xl-stub",
		 "#!/bin/sh\necho 'virt_caps              : pv hvm hvm_directio pv_directio hap shadow'\n");
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
	tcase_add_test(tc, iommufd);
	tcase_add_test(tc, vfio_modules);
	tcase_add_test(tc, xen_dom0);
	tcase_add_test(tc, licensing_in_a_guest);
	tcase_add_test(tc, check_one_device);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, checks_write_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
