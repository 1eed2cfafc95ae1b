/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's findings: CPU, IOMMU, modules, Xen, the vGPU manager and
 * licensing, read once per run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "check-private.h"

/* What installs a vGPU mechanism's host side. */
const char *gv_check_mechanism_remedy(int mechanism)
{
	switch (mechanism) {
	case GV_VGPU_NVIDIA_LEGACY:
		return "Install NVIDIA's vGPU Manager (the vGPU host driver, not the data-center driver) for this "
		       "kernel and start nvidia-vgpud and nvidia-vgpu-mgr";
	case GV_VGPU_NVIDIA_SRIOV:
		return "Install NVIDIA's vGPU Manager for this kernel and enable the VFs with "
		       "/usr/lib/nvidia/sriov-manage -e <BDF>";
	case GV_VGPU_AMD_MXGPU: return "Load AMD's GIM host driver and enable VFs through sriov_numvfs";
	case GV_VGPU_INTEL_GVTG: return "Boot with i915.enable_gvt=1 and load the kvmgt module";
	case GV_VGPU_INTEL_SRIOV:
		return "Use a driver with SR-IOV support (xe, or i915 with SR-IOV) and enable VFs through sriov_numvfs";
	default: return NULL;
	}
}

/* ---- reading the host -------------------------------------------------- */

/* A read that failed is an error naming the file, never an absent file:
 * *err keeps the first (its message is in ctx), and the run fails with it. */
static void note_io(gpuvirt_ctx *ctx, int *err, int r, const char *rel)
{
	if (r < 0 && !*err)
		*err = gv_fail(ctx, r, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
}

bool gv_check_exists(gpuvirt_ctx *ctx, const char *rel, int *err)
{
	int r = gv_exists(ctx, rel);

	note_io(ctx, err, r, rel);
	return r == 1;
}

/* Text of a file that may be absent: its length, or -ENOENT. */
static ssize_t read_optional(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size, int *err)
{
	ssize_t n = gv_read_text(ctx, rel, buf, size);

	if (n < 0 && n != -ENOENT && n != -ENOTDIR)
		note_io(ctx, err, (int)n, rel);
	return n < 0 ? -ENOENT : n;
}

size_t gv_check_count_dir(gpuvirt_ctx *ctx, const char *rel, char *first, size_t first_size, int *err)
{
	char **names;
	size_t n = 0;
	int r;

	if (first)
		first[0] = '\0';
	r = gv_list_dir(ctx, rel, &names, &n);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0) {
		note_io(ctx, err, r, rel);
		return 0;
	}
	if (first && n > 0)
		snprintf(first, first_size, "%s", names[0]);
	gv_names_free(names, n);
	return n;
}

/* Groups that hold at least one PCI function: mdev instances get groups
 * even with the IOMMU off, so they do not count. */
static size_t count_pci_groups(gpuvirt_ctx *ctx, int *err)
{
	char **groups, rel[128];
	size_t ng, found = 0;
	int r = gv_list_dir(ctx, "sys/kernel/iommu_groups", &groups, &ng);

	if (r < 0) {
		if (r != -ENOENT)
			note_io(ctx, err, r, "sys/kernel/iommu_groups");
		return 0;
	}
	for (size_t i = 0; i < ng; i++) {
		char **devs, bdf[GV_BDF_LEN];
		size_t nd;
		if (gv_path(rel, sizeof(rel), "sys/kernel/iommu_groups/%s/devices", groups[i]) < 0)
			continue;
		if ((r = gv_list_dir(ctx, rel, &devs, &nd)) < 0) {
			if (r != -ENOENT)
				note_io(ctx, err, r, rel);
			continue;
		}
		for (size_t k = 0; k < nd; k++)
			if (gv_parse_bdf(devs[k], bdf) == 0) {
				found++;
				break;
			}
		gv_names_free(devs, nd);
	}
	gv_names_free(groups, ng);
	return found;
}

void gv_check_host_read(gpuvirt_ctx *ctx, struct host *h)
{
	char buf[8192];
	ssize_t n;

	memset(h, 0, sizeof(*h));
	n = read_optional(ctx, "proc/cpuinfo", buf, sizeof(buf), &h->err);
	h->cpu_known = n > 0 && gv_parse_cpuinfo(buf, (size_t)n, &h->cpu) == 0 && h->cpu.has_flags;
	n = read_optional(ctx, "proc/cmdline", h->cmdline, sizeof(h->cmdline), &h->err);
	h->cmdline_known = n >= 0;
	if (!h->cmdline_known)
		h->cmdline[0] = '\0';
	gv_parse_cmdline_iommu(h->cmdline, strlen(h->cmdline), &h->opts);
	gv_modules_open(ctx, &h->modules);
	n = read_optional(ctx, "sys/hypervisor/type", buf, sizeof(buf), &h->err);
	if (n > 0 && strncmp(buf, "xen", 3) == 0) {
		n = read_optional(ctx, "proc/xen/capabilities", buf, sizeof(buf), &h->err);
		h->xen_dom0 = n > 0 && strstr(buf, "control_d");
		if (n < 0) /* xenfs not mounted: a Xen PV/PVH dom0 still has no HVM flags */
			h->xen_dom0 = gv_check_exists(ctx, "sys/bus/xen-backend", &h->err);
	}
	h->dmar = gv_check_exists(ctx, "sys/firmware/acpi/tables/DMAR", &h->err);
	h->ivrs = gv_check_exists(ctx, "sys/firmware/acpi/tables/IVRS", &h->err);
	h->iort = gv_check_exists(ctx, "sys/firmware/acpi/tables/IORT", &h->err);
	h->iommu_units = gv_check_count_dir(ctx, "sys/class/iommu", h->iommu_unit, sizeof(h->iommu_unit), &h->err);
	h->pci_groups = count_pci_groups(ctx, &h->err);
	h->iommu_on = h->pci_groups > 0;
}

static bool is_intel(const struct host *h)
{
	if (h->dmar || strncmp(h->iommu_unit, "dmar", 4) == 0)
		return true;
	if (h->ivrs || strncmp(h->iommu_unit, "ivhd", 4) == 0)
		return false;
	return strcmp(h->cpu.vendor, "AuthenticAMD") != 0;
}

/* ---- host checks ------------------------------------------------------- */

static int check_cpu(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h)
{
	char caps[512];
	ssize_t n;

	if (h->cpu.vmx)
		return gv_report_add(r, NULL, "cpu.virtualization", P, NULL, "Intel VT-x (vmx)");
	if (h->cpu.svm)
		return gv_report_add(r, NULL, "cpu.virtualization", P, NULL, "AMD-V (svm)");
	if (h->xen_dom0) {
		/* Xen hides vmx/svm from dom0 and says what guests it can run. */
		n = gv_read_text(ctx, "sys/hypervisor/properties/capabilities", caps, sizeof(caps));
		if (n > 0 && strstr(caps, "hvm"))
			return gv_report_add(r, NULL, "cpu.virtualization", P, NULL, "Xen runs HVM guests (%.*s)",
					     (int)strcspn(caps, "\n"), caps);
		return gv_report_add(r, NULL, "cpu.virtualization", F,
				     "Enable Intel VT-x or AMD-V (SVM) in the firmware setup, then reboot",
				     "Xen offers no HVM guests: passthrough needs HVM or PVH guests");
	}
	if (!h->cpu_known)
		return gv_report_add(r, NULL, "cpu.virtualization", W, "Check that /proc is mounted and readable",
				     "Cannot read the CPU flags from /proc/cpuinfo");
	if (h->cpu.hypervisor)
		return gv_report_add(r, NULL, "cpu.virtualization", F,
				     "Enable nested virtualization on the outer hypervisor (kvm_intel nested=1, or "
				     "expose vmx/svm to this VM)",
				     "No vmx or svm flag: this is a VM without nested virtualization");
	return gv_report_add(r, NULL, "cpu.virtualization", F,
			     "Enable Intel VT-x or AMD-V (SVM) in the firmware setup, then reboot",
			     "No vmx or svm flag in /proc/cpuinfo: hardware virtualization is off or missing");
}

const char *gv_check_iommu_remedy(const struct host *h)
{
	if (is_intel(h))
		return h->opts.intel < 0 ? "Remove intel_iommu=off from the kernel command line and reboot"
					 : "Add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
					   "/etc/default/grub, then update-grub) and reboot";
	return h->opts.amd < 0 ? "Remove amd_iommu=off from the kernel command line and reboot"
			       : "Enable the IOMMU (AMD-Vi) in the firmware setup; check that the kernel command "
				 "line has no amd_iommu=off or iommu=off";
}

static int check_iommu_firmware(gpuvirt_report *r, const struct host *h)
{
	int e;

	if (h->dmar || h->ivrs || h->iort)
		e = gv_report_add(r, NULL, "iommu.firmware", P, NULL, "ACPI %s table (%s)",
				  h->dmar   ? "DMAR"
				  : h->ivrs ? "IVRS"
					    : "IORT",
				  h->dmar   ? "Intel VT-d"
				  : h->ivrs ? "AMD-Vi"
					    : "Arm SMMU");
	else if (h->iommu_units > 0)
		e = gv_report_add(r, NULL, "iommu.firmware", P, NULL, "no ACPI IOMMU table, but the kernel drives %s",
				  h->iommu_unit);
	else
		e = gv_report_add(
		    r, NULL, "iommu.firmware", W,
		    "Enable VT-d (Intel) or the IOMMU / AMD-Vi (AMD) in the firmware setup",
		    "No ACPI DMAR or IVRS table found: the IOMMU is disabled in the firmware or not supported by "
		    "this platform");
	if (e < 0)
		return e;
	if (!h->iommu_on && h->xen_dom0)
		e = gv_report_add(
		    r, NULL, "iommu.enabled", I, NULL,
		    "Xen owns the IOMMU, so Linux in dom0 shows no groups; `xl info` lists directio in virt_caps when "
		    "Xen has I/O virtualisation enabled (iommu=1 on Xen's command line)");
	else if (h->iommu_on)
		e = gv_report_add(r, NULL, "iommu.enabled", P, NULL, "%zu IOMMU group%s with PCI devices; IOMMU %s",
				  h->pci_groups, h->pci_groups == 1 ? "" : "s",
				  h->iommu_unit[0] ? h->iommu_unit : "active");
	else
		e = gv_report_add(
		    r, NULL, "iommu.enabled", F, gv_check_iommu_remedy(h),
		    "No IOMMU groups: the kernel has not enabled the IOMMU, so no device can be passed through");
	return e;
}

/* The command line: explicit "off" is a failure; pt is fine. */
static int check_iommu_cmdline(gpuvirt_report *r, const struct host *h)
{
	int e;

	if (!h->cmdline_known)
		e = gv_report_add(r, NULL, "iommu.cmdline", I, NULL, "cannot read /proc/cmdline");
	else if (h->opts.intel < 0 || h->opts.amd < 0 || h->opts.off)
		e = gv_report_add(r, NULL, "iommu.cmdline", F, gv_check_iommu_remedy(h),
				  "the IOMMU is switched off: %s",
				  h->opts.intel < 0 ? "intel_iommu=off"
				  : h->opts.amd < 0 ? "amd_iommu=off"
						    : "iommu=off");
	else if (h->opts.intel > 0 || h->opts.amd > 0)
		e = gv_report_add(
		    r, NULL, "iommu.cmdline", P, NULL, "%s%s", h->opts.intel > 0 ? "intel_iommu=on" : "amd_iommu=on",
		    h->opts.passthrough > 0 ? ", iommu=pt (host DMA identity-mapped; fine for passthrough)" : "");
	else if (h->opts.passthrough > 0)
		e = gv_report_add(r, NULL, "iommu.cmdline", P, NULL,
				  "iommu=pt (host DMA identity-mapped; fine for passthrough)");
	else
		e = gv_report_add(r, NULL, "iommu.cmdline", I, h->iommu_on ? NULL : gv_check_iommu_remedy(h),
				  "no IOMMU option: the kernel's default applies");
	return e;
}

/* The ACS override patch makes the kernel split IOMMU groups the hardware
 * does not isolate: every group's isolation is then a claim, not a fact. */
static int check_acs_override(gpuvirt_report *r, const struct host *h)
{
	if (!h->cmdline_known)
		return gv_report_add(r, NULL, "iommu.acs_override", I, NULL, "cannot read /proc/cmdline");
	if (!h->opts.acs_override[0])
		return gv_report_add(r, NULL, "iommu.acs_override", P, NULL, "no ACS override on the kernel command line");
	return gv_report_add(r, NULL, "iommu.acs_override", W,
			     "Remove pcie_acs_override= from the kernel command line and isolate the GPUs in hardware (a "
			     "slot wired to the CPU, ACS enabled in the firmware)",
			     "pcie_acs_override=%s: the kernel splits IOMMU groups the hardware may not isolate, so a "
			     "device in a VM may reach devices of other groups by peer-to-peer DMA",
			     h->opts.acs_override);
}

/* VT-d's extended capabilities say whether it remaps interrupts (bit 3). */
static int check_vtd_remapping(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h)
{
	char ecap[64], rel[256];
	uint32_t lo;
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/class/iommu/%s/intel-iommu/ecap", h->iommu_unit) < 0)
		return -EINVAL;
	n = gv_read_text(ctx, rel, ecap, sizeof(ecap));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror((int)n));
	if (n > 0) {
		size_t len = strcspn(ecap, "\n");
		/* Only the low 32 bits matter: IR is bit 3. */
		size_t start = len > 8 ? len - 8 : 0;
		if (gv_parse_hex(ecap + start, len - start, UINT32_MAX, &lo) == 0) {
			if (lo & (1u << 3))
				return gv_report_add(r, NULL, "iommu.interrupt_remapping", P, NULL,
						     "VT-d interrupt remapping (ecap IR bit)");
			return gv_report_add(
			    r, NULL, "iommu.interrupt_remapping", W,
			    "Use a platform with VT-d interrupt remapping, or accept the risk with "
			    "vfio_iommu_type1.allow_unsafe_interrupts=1",
			    "the VT-d unit lacks interrupt remapping; vfio refuses devices without it");
		}
	}
	return gv_report_add(r, NULL, "iommu.interrupt_remapping", I, NULL, "cannot read %s", rel);
}

static int check_interrupt_remapping(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h)
{
	char val[64];
	ssize_t n =
	    gv_read_text(ctx, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", val, sizeof(val));
	bool unsafe = n > 0 && (val[0] == 'Y' || val[0] == '1');
	if (h->opts.intremap_off)
		return gv_report_add(
		    r, NULL, "iommu.interrupt_remapping", W,
		    "Remove intremap=off / nointremap from the kernel command line",
		    "interrupt remapping is switched off on the kernel command line; vfio refuses devices unless "
		    "allow_unsafe_interrupts is set");
	if (unsafe)
		return gv_report_add(
		    r, NULL, "iommu.interrupt_remapping", W,
		    "Set vfio_iommu_type1 allow_unsafe_interrupts=0 where the platform has interrupt remapping",
		    "vfio_iommu_type1 allows unsafe interrupts: a guest could inject interrupts into the host");
	if (!h->iommu_on)
		return gv_report_add(r, NULL, "iommu.interrupt_remapping", I, NULL,
				     "not applicable while the IOMMU is off");
	if (strncmp(h->iommu_unit, "dmar", 4) == 0)
		return check_vtd_remapping(ctx, r, h);
	if (strncmp(h->iommu_unit, "ivhd", 4) == 0 || h->ivrs)
		return gv_report_add(r, NULL, "iommu.interrupt_remapping", P, NULL, "AMD-Vi remaps interrupts");
	return gv_report_add(r, NULL, "iommu.interrupt_remapping", I, NULL, "unknown for this IOMMU");
}

static int check_iommu(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h)
{
	int e;

	if ((e = check_iommu_firmware(r, h)) < 0 || (e = check_iommu_cmdline(r, h)) < 0 ||
	    (e = check_acs_override(r, h)) < 0)
		return e;
	return check_interrupt_remapping(ctx, r, h);
}

/* iommufd (/dev/iommu, Linux 6.2+) and VFIO device cdevs (vfio's
 * "vfio-dev" char major, 6.6+): what QEMU 8.2+ and libvirt can use instead of groups. */
static int check_iommufd(gpuvirt_ctx *ctx, gpuvirt_report *r)
{
	int err = 0;
	bool iommufd = gv_check_exists(ctx, "dev/iommu", &err);
	int cdev = gv_vfio_cdevs(ctx);

	if (err < 0)
		return err;
	if (cdev < 0)
		return cdev;
	if (iommufd && cdev)
		return gv_report_add(r, NULL, "iommu.iommufd", P, NULL,
				     "iommufd (/dev/iommu) and VFIO device cdevs (/dev/vfio/devices): QEMU 8.2+ and "
				     "libvirt can use them instead of VFIO groups");
	return gv_report_add(r, NULL, "iommu.iommufd", I,
			     iommufd ? NULL : "On Linux 6.2 or later, modprobe iommufd",
			     "%s: VMs use VFIO groups (/dev/vfio/<group>) and the type1 container",
			     iommufd ? "iommufd without VFIO device cdevs (Linux 6.6+ has them)"
				     : "no iommufd (/dev/iommu)");
}

static int check_module(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, const char *code, const char *module,
			bool needed)
{
	/* A PCI driver's module as binding sees it: the driver registered, or
	 * the module to load (gv_driver_state()). */
	const char *driver = strcmp(module, "vfio_pci") == 0	  ? "vfio-pci"
			     : strcmp(module, "xen_pciback") == 0 ? "pciback"
								  : NULL;
	int s = driver ? gv_driver_state(ctx, &h->modules, driver) : gv_module_state(ctx, &h->modules, module);
	char remedy[512];

	switch (s) {
	case GV_MODULE_LOADED: return gv_report_add(r, NULL, code, P, NULL, "%s is loaded", module);
	case GV_MODULE_BUILTIN: return gv_report_add(r, NULL, code, P, NULL, "%s is built into the kernel", module);
	case GV_MODULE_AVAILABLE:
		return gv_report_add(r, NULL, code, needed ? P : I, NULL,
				     "%s is available for kernel %s, not loaded (binding loads it)", module,
				     h->modules.release);
	case GV_MODULE_MISSING:
		snprintf(remedy, sizeof(remedy), "Install the modules of kernel %s (Debian: linux-image-%s)",
			 h->modules.release, h->modules.release);
		if (!needed)
			return gv_report_add(r, NULL, code, I, NULL,
					     "%s is not available for kernel %s; needed only under Xen", module,
					     h->modules.release);
		return gv_report_add(r, NULL, code, F, remedy, "%s is neither loaded nor available for kernel %s",
				     module, h->modules.release);
	case GV_MODULE_UNKNOWN:
	default:
		return gv_report_add(r, NULL, code, needed ? W : I,
				     "Check that /lib/modules/<release> is installed and readable",
				     "%s is not loaded, and lib/modules/%s/modules.dep cannot be read", module,
				     h->modules.release[0] ? h->modules.release : "<release>");
	}
}

static bool unit_installed(gpuvirt_ctx *ctx, const char *unit, int *err)
{
	static const char *const dirs[] = {"lib/systemd/system", "usr/lib/systemd/system", "etc/systemd/system"};
	char rel[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (gv_path(rel, sizeof(rel), "%s/%s", dirs[i], unit) == 0 && gv_check_exists(ctx, rel, err))
			return true;
	return false;
}

/* Xen keeps the IOMMU to itself: only the toolstack can ask it. `xl info`
 * lists hvm_directio/pv_directio in virt_caps when I/O virtualisation is on.
 * The program is GPUVIRT_XL, or /usr/sbin/xl when the root is "/". */
static int check_xen_iommu(gpuvirt_ctx *ctx, gpuvirt_report *r)
{
	const char *xl = ctx->xl ? ctx->xl : strcmp(ctx->root, "/") == 0 ? "/usr/sbin/xl" : NULL;
	char *argv[] = {(char *)"xl", (char *)"info", NULL}, out[8192], *caps;

	if (!xl || access(xl, X_OK) != 0)
		return gv_report_add(r, NULL, "xen.iommu", I, "Install xen-utils (xl) to let the checks ask Xen",
				     "cannot ask Xen: no xl%s",
				     xl ? " at /usr/sbin/xl" : " for this root (GPUVIRT_XL)");
	if (gv_run_capture(ctx, xl, argv, out, sizeof(out), 20000) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", gpuvirt_ctx_get_error(ctx));
		gv_clear_error(ctx);
		return gv_report_add(r, NULL, "xen.iommu", I, "Start the Xen toolstack (xenstored, xen-init-dom0)",
				     "cannot ask Xen: %s", why);
	}
	caps = strstr(out, "virt_caps");
	if (!caps)
		return gv_report_add(r, NULL, "xen.iommu", I, NULL, "xl info gives no virt_caps");
	caps[strcspn(caps, "\n")] = '\0';
	caps = strchr(caps, ':') ? strchr(caps, ':') + 1 : caps;
	caps += strspn(caps, " ");
	if (strstr(caps, "directio"))
		return gv_report_add(r, NULL, "xen.iommu", P, NULL,
				     "Xen has I/O virtualisation enabled (virt_caps: %s)", caps);
	return gv_report_add(
	    r, NULL, "xen.iommu", F,
	    "Enable VT-d or AMD-Vi in the firmware and boot Xen with iommu=1; until then xl pci-assignable-add "
	    "fails with \"failed to quarantine\"",
	    "Xen has I/O virtualisation disabled (virt_caps: %s): it cannot pass devices through", caps);
}

/* ---- licensing --------------------------------------------------------- */

static int check_gridd_conf(gpuvirt_ctx *ctx, gpuvirt_report *r)
{
	char conf[16384], val[256], server[256];
	ssize_t n = gv_read_text(ctx, "etc/nvidia/gridd.conf", conf, sizeof(conf));
	bool legacy;

	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "cannot read etc/nvidia/gridd.conf under %s: %s", ctx->root,
			       gpuvirt_strerror((int)n));
	if (n < 0)
		return gv_report_add(
		    r, NULL, "license.gridd_conf", W,
		    "Copy /etc/nvidia/gridd.conf.template to /etc/nvidia/gridd.conf, set FeatureType (1 "
		    "for vGPU), and restart nvidia-gridd",
		    "no /etc/nvidia/gridd.conf: the guest driver runs unlicensed (degraded after 20 minutes)");
	if (gv_parse_conf_value(conf, (size_t)n, "FeatureType", val, sizeof(val)) < 0)
		return gv_report_add(r, NULL, "license.gridd_conf", W,
				     "Set FeatureType=1 (vGPU) in /etc/nvidia/gridd.conf",
				     "gridd.conf sets no FeatureType");
	if (strcmp(val, "0") == 0)
		return gv_report_add(r, NULL, "license.gridd_conf", W,
				     "Set FeatureType=1 (vGPU) in /etc/nvidia/gridd.conf", "FeatureType=0: unlicensed");
	legacy = gv_parse_conf_value(conf, (size_t)n, "ServerAddress", server, sizeof(server)) == 0 && server[0];
	return gv_report_add(r, NULL, "license.gridd_conf", P, NULL, "FeatureType=%s%s%s", val,
			     legacy ? "; legacy license server ServerAddress=" : "", legacy ? server : "");
}

/* One client configuration token. It is a secret: read into a local buffer,
 * take the size, age and expiry, wipe it. Nothing of it leaves here. */
static int check_token(gpuvirt_ctx *ctx, gpuvirt_report *r, const char *name)
{
	static const char new_token[] = "Download a new client configuration token from the NVIDIA Licensing Portal "
					"into /etc/nvidia/ClientConfigToken/ and restart nvidia-gridd";
	char rel[512], tok[8192], when[32] = "";
	struct stat st;
	int64_t exp = 0;
	ssize_t tn;
	int xr;

	if (gv_path(rel, sizeof(rel), "etc/nvidia/ClientConfigToken/%s", name) < 0)
		return 0;
	tn = gv_read_stat(ctx, rel, tok, sizeof(tok), &st);
	if (tn < 0) {
		gv_clear_error(ctx);
		return gv_report_add(r, NULL, "license.token", F,
				     "Make the token a regular file readable by nvidia-gridd (chmod 744)",
				     "%s is not readable: %s", name, gpuvirt_strerror((int)tn));
	}
	if (tn == 0)
		return gv_report_add(r, NULL, "license.token", F, new_token, "%s is empty", name);
	xr = gv_parse_token_expiry(tok, (size_t)tn, &exp);
	memset(tok, 0, sizeof(tok));
	long age = (long)((time(NULL) - st.st_mtime) / 86400);
	if (xr == 0) {
		time_t t = (time_t)exp;
		strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
	}
	if (xr == 0 && exp < (int64_t)time(NULL))
		return gv_report_add(r, NULL, "license.token", F, new_token,
				     "%s expired on %s (%zd bytes, %ld days old)", name, when, tn, age);
	if (xr == 0)
		return gv_report_add(r, NULL, "license.token", P, NULL, "%s: %zd bytes, %ld days old, valid until %s",
				     name, tn, age, when);
	return gv_report_add(r, NULL, "license.token", P, NULL, "%s: %zd bytes, %ld days old (no expiry recorded)",
			     name, tn, age);
}

static int check_license_guest(gpuvirt_ctx *ctx, gpuvirt_report *r)
{
	char **toks = NULL;
	size_t ntoks = 0, good = 0;
	int e;

	if ((e = check_gridd_conf(ctx, r)) < 0)
		return e;
	if ((e = gv_list_dir(ctx, "etc/nvidia/ClientConfigToken", &toks, &ntoks)) < 0) {
		if (e != -ENOENT && e != -ENOTDIR)
			return gv_fail(ctx, e, "cannot list etc/nvidia/ClientConfigToken under %s: %s", ctx->root,
				       gpuvirt_strerror(e));
		ntoks = 0;
		e = 0;
	}
	for (size_t i = 0; i < ntoks && e >= 0; i++) {
		size_t l = strlen(toks[i]);
		if (l < 4 || strcmp(toks[i] + l - 4, ".tok") != 0)
			continue;
		good++;
		e = check_token(ctx, r, toks[i]);
	}
	gv_names_free(toks, ntoks);
	if (e < 0)
		return e;
	if (good == 0)
		return gv_report_add(r, NULL, "license.token", W,
				     "Download a client configuration token from the NVIDIA Licensing Portal into "
				     "/etc/nvidia/ClientConfigToken/ and restart nvidia-gridd",
				     "no client configuration token (/etc/nvidia/ClientConfigToken/*.tok)");
	return 0;
}

/* ---- the runs ---------------------------------------------------------- */

static bool any_nvidia_vgpu(gpuvirt_ctx *ctx, gpuvirt_device **devs, const struct evidence *ev, size_t n,
			    bool *evidence)
{
	bool capable = false;

	*evidence = false;
	if (gv_vgpu_table_load(ctx) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct gv_vgpu_entry *e = gv_vgpu_lookup(ctx, devs[i]);
		if (gpuvirt_device_get_vendor_id(devs[i]) != 0x10de)
			continue;
		if (ev[i].vendor_vfs || ev[i].nvidia_mdev)
			*evidence = true;
		if (e || ev[i].vendor_vfs || ev[i].nvidia_mdev)
			capable = true;
	}
	return capable;
}

int gv_check_host(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, gpuvirt_device **devs,
		  const struct evidence *ev, size_t n)
{
	bool evidence, nvidia;
	int e;

	if ((e = check_cpu(ctx, r, h)) < 0 || (e = check_iommu(ctx, r, h)) < 0)
		return e;
	if ((e = check_module(ctx, r, h, "module.vfio", "vfio", !h->xen_dom0)) < 0 ||
	    (e = check_module(ctx, r, h, "module.vfio_pci", "vfio_pci", !h->xen_dom0)) < 0 ||
	    (e = check_module(ctx, r, h, "module.vfio_iommu_type1", "vfio_iommu_type1", !h->xen_dom0)) < 0)
		return e;
	if (h->xen_dom0)
		e = check_module(ctx, r, h, "module.xen_pciback", "xen_pciback", true);
	else
		e = gv_report_add(r, NULL, "module.xen_pciback", I, NULL,
				  "not a Xen dom0: xen-pciback is needed only under Xen");
	if (e < 0)
		return e;
	if (h->xen_dom0 && (e = check_xen_iommu(ctx, r)) < 0)
		return e;
	if (!h->xen_dom0 && (e = check_iommufd(ctx, r)) < 0)
		return e;

	nvidia = any_nvidia_vgpu(ctx, devs, ev, n, &evidence);
	if (nvidia) {
		int err = 0;
		bool vgpud = unit_installed(ctx, "nvidia-vgpud.service", &err);
		bool mgr = unit_installed(ctx, "nvidia-vgpu-mgr.service", &err);
		if (err < 0)
			return err;
		bool mod = gv_module_state(ctx, &h->modules, "nvidia_vgpu_vfio") == GV_MODULE_LOADED;
		char units[128];
		snprintf(units, sizeof(units), "%s%s%s", vgpud ? "nvidia-vgpud" : "", vgpud && mgr ? ", " : "",
			 mgr ? "nvidia-vgpu-mgr" : "");
		if (evidence || mod)
			e = gv_report_add(r, NULL, "vgpu.manager", P, NULL, "%s%s%s%s",
					  mod ? "nvidia_vgpu_vfio loaded" : "vendor vGPU sysfs present",
					  units[0] ? "; services installed: " : "", units,
					  units[0] ? "" : "; no systemd units found");
		else
			e = gv_report_add(r, NULL, "vgpu.manager", W, gv_check_mechanism_remedy(GV_VGPU_NVIDIA_LEGACY),
					  "vGPU-capable NVIDIA GPUs, but no vGPU manager: no nvidia_vgpu_vfio, no "
					  "vendor vGPU files%s%s",
					  units[0] ? "; units present: " : "", units);
		if (e < 0)
			return e;
		if ((e = gv_report_add(
			 r, NULL, "license.guests", I, NULL,
			 "NVIDIA vGPU: the host needs no license; each guest running a Q, B, A or C profile needs "
			 "gridd.conf and a client configuration token from the NVIDIA License System")) < 0)
			return e;
	}
	/* Licensing inside a guest: where its configuration exists, or in a VM
	 * that has an NVIDIA GPU. */
	bool nvidia_gpu = false;
	for (size_t i = 0; i < n; i++)
		nvidia_gpu |= gpuvirt_device_get_vendor_id(devs[i]) == 0x10de;
	int err = 0;
	bool conf = gv_check_exists(ctx, "etc/nvidia/gridd.conf", &err) ||
		    gv_check_exists(ctx, "etc/nvidia/ClientConfigToken", &err);
	if (err < 0)
		return err;
	if (conf || (h->cpu.hypervisor && nvidia_gpu && !nvidia))
		return check_license_guest(ctx, r);
	return 0;
}
