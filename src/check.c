/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host compatibility checks: virt-host-validate for GPU virtualization.
 *
 * Every check reads files under the context's root and adds findings to a
 * report; nothing is written. The codes, titles and meanings are listed in
 * docs/checks.md and never change meaning once released. Per GPU, two
 * verdicts (passthrough, share) name the codes that decided them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

#define P GPUVIRT_SEVERITY_PASS
#define I GPUVIRT_SEVERITY_INFO
#define W GPUVIRT_SEVERITY_WARN
#define F GPUVIRT_SEVERITY_FAIL

struct gpuvirt_finding {
	char *code, *subject, *title, *message, *remedy;
	int severity;
};

struct verdict {
	char bdf[GV_BDF_LEN];
	bool ok[2];
	struct gv_strv reasons[2];
};

struct gpuvirt_report {
	int refcount;
	gpuvirt_ctx *ctx;
	struct gpuvirt_finding *findings;
	size_t count, cap;
	struct verdict *verdicts;
	size_t nverdicts;
	int worst;
};

struct gpuvirt_finding_iter {
	gpuvirt_report *report;
	size_t pos;
};

/* Titles by code: one line each, in the style of virt-host-validate. */
static const struct {
	const char *code, *title;
} titles[] = {
	{"cpu.virtualization", "Checking for hardware virtualization"},
	{"iommu.firmware", "Checking for device assignment IOMMU support"},
	{"iommu.enabled", "Checking if IOMMU is enabled by kernel"},
	{"iommu.cmdline", "Checking the kernel command line for IOMMU options"},
	{"iommu.interrupt_remapping", "Checking for interrupt remapping"},
	{"module.vfio", "Checking for the vfio module"},
	{"module.vfio_pci", "Checking for the vfio-pci module"},
	{"module.vfio_iommu_type1", "Checking for the vfio_iommu_type1 module"},
	{"module.xen_pciback", "Checking for the xen-pciback module"},
	{"xen.iommu", "Checking Xen's I/O virtualisation (IOMMU)"},
	{"vgpu.manager", "Checking for the NVIDIA vGPU host manager"},
	{"license.guests", "Checking vGPU guest licensing requirements"},
	{"license.gridd_conf", "Checking the NVIDIA licensing configuration"},
	{"license.token", "Checking the NVIDIA client configuration token"},
	{"gpu.iommu_group", "Checking for an IOMMU group"},
	{"gpu.iommu_group.isolated", "Checking IOMMU group isolation"},
	{"gpu.reset", "Checking reset capability"},
	{"gpu.boot_vga", "Checking for the boot VGA / host console"},
	{"gpu.driver", "Checking the host driver"},
	{"gpu.driver.in_use", "Checking whether the host is using the GPU"},
	{"gpu.sriov", "Checking SR-IOV"},
	{"gpu.vgpu.capable", "Checking the vGPU support table"},
	{"gpu.vgpu.active", "Checking for vGPU types"},
};

static const char *title_of(const char *code)
{
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return code;
}

/* ---- the report -------------------------------------------------------- */

static int report_new(gpuvirt_ctx *ctx, gpuvirt_report **out)
{
	gpuvirt_report *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->refcount = 1;
	r->ctx = gpuvirt_ctx_ref(ctx);
	*out = r;
	return 0;
}

static void finding_free(struct gpuvirt_finding *f)
{
	free(f->code);
	free(f->subject);
	free(f->title);
	free(f->message);
	free(f->remedy);
}

/* Add a finding; remedy may be NULL. Messages are formatted here once. */
static int add(gpuvirt_report *r, const char *subject, const char *code, int severity, const char *remedy,
	       const char *fmt, ...) GV_PRINTF(6, 7);

static int add(gpuvirt_report *r, const char *subject, const char *code, int severity, const char *remedy,
	       const char *fmt, ...)
{
	struct gpuvirt_finding f = {0};
	va_list ap;
	int n;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct gpuvirt_finding *nf = realloc(r->findings, cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		r->findings = nf;
		r->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&f.message, fmt, ap);
	va_end(ap);
	f.code = strdup(code);
	f.title = strdup(title_of(code));
	f.subject = subject ? strdup(subject) : NULL;
	f.remedy = remedy ? strdup(remedy) : NULL;
	f.severity = severity;
	if (n < 0 || !f.code || !f.title || (subject && !f.subject) || (remedy && !f.remedy)) {
		if (n < 0)
			f.message = NULL;
		finding_free(&f);
		return -ENOMEM;
	}
	r->findings[r->count++] = f;
	if (severity > r->worst)
		r->worst = severity;
	return 0;
}

static const struct gpuvirt_finding *find(const gpuvirt_report *r, const char *subject, const char *code)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct gpuvirt_finding *f = &r->findings[i];
		if (strcmp(f->code, code) == 0 &&
		    ((!subject && !f->subject) || (subject && f->subject && strcmp(subject, f->subject) == 0)))
			return f;
	}
	return NULL;
}

static int severity_of(const gpuvirt_report *r, const char *subject, const char *code)
{
	const struct gpuvirt_finding *f = find(r, subject, code);
	return f ? f->severity : -1;
}

/* ---- reading the host -------------------------------------------------- */

/* A read that failed is an error naming the file, never an absent file:
 * *err keeps the first (its message is in ctx), and the run fails with it. */
static void note_io(gpuvirt_ctx *ctx, int *err, int r, const char *rel)
{
	if (r < 0 && !*err)
		*err = gv_fail(ctx, r, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
}

static bool exists(gpuvirt_ctx *ctx, const char *rel, int *err)
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

static size_t count_dir(gpuvirt_ctx *ctx, const char *rel, char *first, size_t first_size, int *err)
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

struct host {
	struct gv_cpuinfo cpu;
	bool cpu_known;
	char cmdline[4096];
	bool cmdline_known;
	struct gv_iommu_cmdline opts;
	struct gv_modules modules; /* the release and its module lists, read once */
	bool xen_dom0;
	bool dmar, ivrs, iort;
	size_t iommu_units;
	char iommu_unit[64];
	size_t pci_groups;
	bool iommu_on;
	int err; /* the first file that could not be read */
};


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

static void host_read(gpuvirt_ctx *ctx, struct host *h)
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
			h->xen_dom0 = exists(ctx, "sys/bus/xen-backend", &h->err);
	}
	h->dmar = exists(ctx, "sys/firmware/acpi/tables/DMAR", &h->err);
	h->ivrs = exists(ctx, "sys/firmware/acpi/tables/IVRS", &h->err);
	h->iort = exists(ctx, "sys/firmware/acpi/tables/IORT", &h->err);
	h->iommu_units = count_dir(ctx, "sys/class/iommu", h->iommu_unit, sizeof(h->iommu_unit), &h->err);
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
		return add(r, NULL, "cpu.virtualization", P, NULL, "Intel VT-x (vmx)");
	if (h->cpu.svm)
		return add(r, NULL, "cpu.virtualization", P, NULL, "AMD-V (svm)");
	if (h->xen_dom0) {
		/* Xen hides vmx/svm from dom0 and says what guests it can run. */
		n = gv_read_text(ctx, "sys/hypervisor/properties/capabilities", caps, sizeof(caps));
		if (n > 0 && strstr(caps, "hvm"))
			return add(r, NULL, "cpu.virtualization", P, NULL, "Xen runs HVM guests (%.*s)",
				   (int)strcspn(caps, "\n"), caps);
		return add(r, NULL, "cpu.virtualization", F,
			   "Enable Intel VT-x or AMD-V (SVM) in the firmware setup, then reboot",
			   "Xen offers no HVM guests: passthrough needs HVM or PVH guests");
	}
	if (!h->cpu_known)
		return add(r, NULL, "cpu.virtualization", W, "Check that /proc is mounted and readable",
			   "Cannot read the CPU flags from /proc/cpuinfo");
	if (h->cpu.hypervisor)
		return add(r, NULL, "cpu.virtualization", F,
			   "Enable nested virtualization on the outer hypervisor (kvm_intel nested=1, or expose vmx/svm to this VM)",
			   "No vmx or svm flag: this is a VM without nested virtualization");
	return add(r, NULL, "cpu.virtualization", F,
		   "Enable Intel VT-x or AMD-V (SVM) in the firmware setup, then reboot",
		   "No vmx or svm flag in /proc/cpuinfo: hardware virtualization is off or missing");
}

static const char *iommu_on_remedy(const struct host *h)
{
	if (is_intel(h))
		return h->opts.intel < 0 ? "Remove intel_iommu=off from the kernel command line and reboot"
					 : "Add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
					   "/etc/default/grub, then update-grub) and reboot";
	return h->opts.amd < 0 ? "Remove amd_iommu=off from the kernel command line and reboot"
			       : "Enable the IOMMU (AMD-Vi) in the firmware setup; check that the kernel command "
				 "line has no amd_iommu=off or iommu=off";
}

static int check_iommu(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h)
{
	char val[64], rel[256];
	int e;

	if (h->dmar || h->ivrs || h->iort)
		e = add(r, NULL, "iommu.firmware", P, NULL, "ACPI %s table (%s)",
			h->dmar ? "DMAR" : h->ivrs ? "IVRS" : "IORT",
			h->dmar ? "Intel VT-d" : h->ivrs ? "AMD-Vi" : "Arm SMMU");
	else if (h->iommu_units > 0)
		e = add(r, NULL, "iommu.firmware", P, NULL, "no ACPI IOMMU table, but the kernel drives %s",
			h->iommu_unit);
	else
		e = add(r, NULL, "iommu.firmware", W,
			"Enable VT-d (Intel) or the IOMMU / AMD-Vi (AMD) in the firmware setup",
			"No ACPI DMAR or IVRS table found: the IOMMU is disabled in the firmware or not supported by "
			"this platform");
	if (e < 0)
		return e;

	if (!h->iommu_on && h->xen_dom0)
		e = add(r, NULL, "iommu.enabled", I, NULL,
			"Xen owns the IOMMU, so Linux in dom0 shows no groups; `xl info` lists directio in virt_caps when "
			"Xen has I/O virtualisation enabled (iommu=1 on Xen's command line)");
	else if (h->iommu_on)
		e = add(r, NULL, "iommu.enabled", P, NULL, "%zu IOMMU group%s with PCI devices; IOMMU %s", h->pci_groups,
			h->pci_groups == 1 ? "" : "s", h->iommu_unit[0] ? h->iommu_unit : "active");
	else
		e = add(r, NULL, "iommu.enabled", F, iommu_on_remedy(h),
			"No IOMMU groups: the kernel has not enabled the IOMMU, so no device can be passed through");
	if (e < 0)
		return e;

	/* The command line: explicit "off" is a failure; pt is fine. */
	if (!h->cmdline_known)
		e = add(r, NULL, "iommu.cmdline", I, NULL, "cannot read /proc/cmdline");
	else if (h->opts.intel < 0 || h->opts.amd < 0 || h->opts.off)
		e = add(r, NULL, "iommu.cmdline", F, iommu_on_remedy(h), "the IOMMU is switched off: %s",
			h->opts.intel < 0 ? "intel_iommu=off" : h->opts.amd < 0 ? "amd_iommu=off" : "iommu=off");
	else if (h->opts.intel > 0 || h->opts.amd > 0)
		e = add(r, NULL, "iommu.cmdline", P, NULL, "%s%s", h->opts.intel > 0 ? "intel_iommu=on" : "amd_iommu=on",
			h->opts.passthrough > 0 ? ", iommu=pt (host DMA identity-mapped; fine for passthrough)" : "");
	else if (h->opts.passthrough > 0)
		e = add(r, NULL, "iommu.cmdline", P, NULL, "iommu=pt (host DMA identity-mapped; fine for passthrough)");
	else
		e = add(r, NULL, "iommu.cmdline", I, h->iommu_on ? NULL : iommu_on_remedy(h),
			"no IOMMU option: the kernel's default applies");
	if (e < 0)
		return e;

	/* Interrupt remapping. */
	ssize_t n = gv_read_text(ctx, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", val, sizeof(val));
	bool unsafe = n > 0 && (val[0] == 'Y' || val[0] == '1');
	if (h->opts.intremap_off)
		return add(r, NULL, "iommu.interrupt_remapping", W,
			   "Remove intremap=off / nointremap from the kernel command line",
			   "interrupt remapping is switched off on the kernel command line; vfio refuses devices unless "
			   "allow_unsafe_interrupts is set");
	if (unsafe)
		return add(r, NULL, "iommu.interrupt_remapping", W,
			   "Set vfio_iommu_type1 allow_unsafe_interrupts=0 where the platform has interrupt remapping",
			   "vfio_iommu_type1 allows unsafe interrupts: a guest could inject interrupts into the host");
	if (!h->iommu_on)
		return add(r, NULL, "iommu.interrupt_remapping", I, NULL, "not applicable while the IOMMU is off");
	if (strncmp(h->iommu_unit, "dmar", 4) == 0) {
		char ecap[64];
		uint32_t lo;
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
					return add(r, NULL, "iommu.interrupt_remapping", P, NULL,
						   "VT-d interrupt remapping (ecap IR bit)");
				return add(r, NULL, "iommu.interrupt_remapping", W,
					   "Use a platform with VT-d interrupt remapping, or accept the risk with "
					   "vfio_iommu_type1.allow_unsafe_interrupts=1",
					   "the VT-d unit lacks interrupt remapping; vfio refuses devices without it");
			}
		}
		return add(r, NULL, "iommu.interrupt_remapping", I, NULL, "cannot read %s", rel);
	}
	if (strncmp(h->iommu_unit, "ivhd", 4) == 0 || h->ivrs)
		return add(r, NULL, "iommu.interrupt_remapping", P, NULL, "AMD-Vi remaps interrupts");
	return add(r, NULL, "iommu.interrupt_remapping", I, NULL, "unknown for this IOMMU");
}

static int check_module(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, const char *code,
			const char *module, bool needed)
{
	/* A PCI driver's module as binding sees it: the driver registered, or
	 * the module to load (gv_driver_state()). */
	const char *driver = strcmp(module, "vfio_pci") == 0 ? "vfio-pci" : strcmp(module, "xen_pciback") == 0 ? "pciback" : NULL;
	int s = driver ? gv_driver_state(ctx, &h->modules, driver) : gv_module_state(ctx, &h->modules, module);
	char remedy[512];

	switch (s) {
	case GV_MODULE_LOADED:
		return add(r, NULL, code, P, NULL, "%s is loaded", module);
	case GV_MODULE_BUILTIN:
		return add(r, NULL, code, P, NULL, "%s is built into the kernel", module);
	case GV_MODULE_AVAILABLE:
		return add(r, NULL, code, needed ? P : I, NULL,
			   "%s is available for kernel %s, not loaded (binding loads it)", module, h->modules.release);
	case GV_MODULE_MISSING:
		snprintf(remedy, sizeof(remedy), "Install the modules of kernel %s (Debian: linux-image-%s)",
			 h->modules.release, h->modules.release);
		if (!needed)
			return add(r, NULL, code, I, NULL, "%s is not available for kernel %s; needed only under Xen",
				   module, h->modules.release);
		return add(r, NULL, code, F, remedy, "%s is neither loaded nor available for kernel %s", module,
			   h->modules.release);
	case GV_MODULE_UNKNOWN:
	default:
		return add(r, NULL, code, needed ? W : I, "Check that /lib/modules/<release> is installed and readable",
			   "%s is not loaded, and lib/modules/%s/modules.dep cannot be read", module,
			   h->modules.release[0] ? h->modules.release : "<release>");
	}
}

static bool unit_installed(gpuvirt_ctx *ctx, const char *unit, int *err)
{
	static const char *const dirs[] = {"lib/systemd/system", "usr/lib/systemd/system", "etc/systemd/system"};
	char rel[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (gv_path(rel, sizeof(rel), "%s/%s", dirs[i], unit) == 0 && exists(ctx, rel, err))
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
		return add(r, NULL, "xen.iommu", I, "Install xen-utils (xl) to let the checks ask Xen",
			   "cannot ask Xen: no xl%s", xl ? " at /usr/sbin/xl" : " for this root (GPUVIRT_XL)");
	if (gv_run_capture(ctx, xl, argv, out, sizeof(out), 20000) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", gpuvirt_ctx_get_error(ctx));
		gv_clear_error(ctx);
		return add(r, NULL, "xen.iommu", I, "Start the Xen toolstack (xenstored, xen-init-dom0)",
			   "cannot ask Xen: %s", why);
	}
	caps = strstr(out, "virt_caps");
	if (!caps)
		return add(r, NULL, "xen.iommu", I, NULL, "xl info gives no virt_caps");
	caps[strcspn(caps, "\n")] = '\0';
	caps = strchr(caps, ':') ? strchr(caps, ':') + 1 : caps;
	caps += strspn(caps, " ");
	if (strstr(caps, "directio"))
		return add(r, NULL, "xen.iommu", P, NULL, "Xen has I/O virtualisation enabled (virt_caps: %s)", caps);
	return add(r, NULL, "xen.iommu", F,
		   "Enable VT-d or AMD-Vi in the firmware and boot Xen with iommu=1; until then xl pci-assignable-add "
		   "fails with \"failed to quarantine\"",
		   "Xen has I/O virtualisation disabled (virt_caps: %s): it cannot pass devices through", caps);
}

/* ---- per-GPU evidence -------------------------------------------------- */

struct evidence {
	size_t mdev_types;
	char first_type[64];
	size_t vendor_vfs;   /* VFs with NVIDIA's vendor vGPU files */
	bool nvidia_mdev;    /* mdev types offered by an NVIDIA driver */
};

/* One function's vGPU files: its mdev types and NVIDIA's vendor files. */
static void function_evidence(gpuvirt_ctx *ctx, const char *bdf, struct evidence *ev, int *err)
{
	char rel[256];

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", bdf) == 0 &&
	    exists(ctx, rel, err))
		ev->vendor_vfs++;
	if (ev->mdev_types == 0 && gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/mdev_supported_types", bdf) == 0) {
		ev->mdev_types = count_dir(ctx, rel, ev->first_type, sizeof(ev->first_type), err);
		ev->nvidia_mdev = ev->mdev_types > 0 && strncmp(ev->first_type, "nvidia-", 7) == 0;
	}
}

static int gather_evidence(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct evidence *ev)
{
	int err = 0;

	memset(ev, 0, sizeof(*ev));
	function_evidence(ctx, gpuvirt_device_get_bdf(dev), ev, &err);
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(dev); i++)
		function_evidence(ctx, gpuvirt_device_get_vf(dev, i), ev, &err);
	return err;
}

static const char *mechanism_remedy(int mechanism)
{
	switch (mechanism) {
	case GV_VGPU_NVIDIA_LEGACY:
		return "Install NVIDIA's vGPU Manager (the vGPU host driver, not the data-center driver) for this "
		       "kernel and start nvidia-vgpud and nvidia-vgpu-mgr";
	case GV_VGPU_NVIDIA_SRIOV:
		return "Install NVIDIA's vGPU Manager for this kernel and enable the VFs with "
		       "/usr/lib/nvidia/sriov-manage -e <BDF>";
	case GV_VGPU_AMD_MXGPU:
		return "Load AMD's GIM host driver and enable VFs through sriov_numvfs";
	case GV_VGPU_INTEL_GVTG:
		return "Boot with i915.enable_gvt=1 and load the kvmgt module";
	case GV_VGPU_INTEL_SRIOV:
		return "Use a driver with SR-IOV support (xe, or i915 with SR-IOV) and enable VFs through sriov_numvfs";
	default:
		return NULL;
	}
}

static int check_group(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	int group = gpuvirt_device_get_iommu_group(dev);
	char same[1024] = "", foreign[1024] = "";
	size_t ls = 0, lf = 0;
	int e;

	if (group < 0 && h->xen_dom0)
		return add(r, bdf, "gpu.iommu_group", I, NULL,
			   "no IOMMU group in dom0: Xen assigns devices by its own IOMMU, the card's functions together");
	if (group < 0)
		return add(r, bdf, "gpu.iommu_group", F, iommu_on_remedy(h),
			   "no IOMMU group: the IOMMU is off or does not cover this device");
	if ((e = add(r, bdf, "gpu.iommu_group", P, NULL, "IOMMU group %d", group)) < 0)
		return e;
	for (size_t i = 0; i < gpuvirt_device_get_iommu_group_member_count(dev); i++) {
		const char *m = gpuvirt_device_get_iommu_group_member(dev, i);
		gpuvirt_device *md = NULL;
		char *cname = NULL;
		uint32_t cls;
		if (strcmp(m, bdf) == 0)
			continue;
		if (gpuvirt_device_new_from_bdf(ctx, m, &md) < 0) {
			lf += (size_t)snprintf(foreign + lf, sizeof(foreign) - lf, "%s%s (unreadable)", lf ? ", " : "", m);
			continue;
		}
		cls = gpuvirt_device_get_class(md);
		if ((cls >> 8) == 0x0604 || (cls >> 16) == 0x06) { /* bridges stay with the host */
			gpuvirt_device_unref(md);
			continue;
		}
		cname = gv_pci_class_name(ctx, cls);
		if (gv_device_is_companion(dev, md)) {
			if (ls < sizeof(same))
				ls += (size_t)snprintf(same + ls, sizeof(same) - ls, "%s%s (%s, same card)", ls ? ", " : "", m,
						       cname ? cname : "function");
		} else if (lf < sizeof(foreign)) {
			lf += (size_t)snprintf(foreign + lf, sizeof(foreign) - lf, "%s%s (%s%s%s)", lf ? ", " : "", m,
					       cname ? cname : "device", gpuvirt_device_get_driver(md) ? ", driver " : "",
					       gpuvirt_device_get_driver(md) ? gpuvirt_device_get_driver(md) : "");
		}
		free(cname);
		gpuvirt_device_unref(md);
	}
	if (foreign[0])
		return add(r, bdf, "gpu.iommu_group.isolated", F,
			   "Move the GPU to a slot whose group holds only it (an x16 slot wired to the CPU), or enable "
			   "ACS in the firmware; to pass the group whole, allow it explicitly (gpuvirt bind --allow-group)",
			   "IOMMU group %d also holds %s%s%s", group, foreign, same[0] ? "; and " : "", same);
	if (same[0])
		return add(r, bdf, "gpu.iommu_group.isolated", P, NULL,
			   "IOMMU group %d holds the GPU and %s; they are moved together", group, same);
	return add(r, bdf, "gpu.iommu_group.isolated", P, NULL, "IOMMU group %d holds only this device", group);
}

/* Kernel release as major * 1000 + minor, 0 when unknown. */
static int kernel_version(const struct host *h)
{
	return gv_parse_kernel_version(h->modules.release, strlen(h->modules.release));
}

static int check_reset(gpuvirt_report *r, const struct host *h, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	size_t n = gpuvirt_device_get_reset_method_count(dev);
	char list[256] = "";
	bool flr = false, only_bus = n > 0;

	/* Since 5.15 the kernel shows reset_method only where a method exists. */
	if (!gpuvirt_device_has_reset_method_info(dev) && (kernel_version(h) == 0 || kernel_version(h) < 5015))
		return add(r, bdf, "gpu.reset", I, NULL, "unknown: the kernel (%s) has no reset_method attribute",
			   h->modules.release[0] ? h->modules.release : "release unknown");
	if (n == 0)
		return add(r, bdf, "gpu.reset", W,
			   "Prefer a GPU with function-level reset; otherwise reboot the host between guests, or check "
			   "the vendor's reset quirk (vendor-reset for some AMD GPUs)",
			   "no reset method: the GPU cannot be reset between guests");
	for (size_t i = 0; i < n; i++) {
		const char *m = gpuvirt_device_get_reset_method(dev, i);
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? " " : "", m);
		flr |= strcmp(m, "flr") == 0;
		only_bus &= strcmp(m, "bus") == 0 || strcmp(m, "cxl_bus") == 0;
	}
	if (only_bus)
		return add(r, bdf, "gpu.reset", I, NULL,
			   "reset by %s only: it resets every function behind the same bridge (fine for one card)", list);
	return add(r, bdf, "gpu.reset", P, NULL, "reset methods: %s%s", list, flr ? "" : " (no function-level reset)");
}

/* A refusal of the unit's move under this code, or NULL. */
static const struct gv_refusal *unit_refuses(const struct gv_unit *u, const char *code)
{
	for (size_t i = 0; i < u->nrefusals; i++)
		if (strcmp(u->refusals[i].code, code) == 0)
			return &u->refusals[i];
	return NULL;
}

/* Who holds the GPU or a function that moves with it: a VM (VFIO nodes,
 * instances, VFs in use) or the host (DRM, nvidia, kfd, sound nodes).
 * Binding refuses both; force takes only the host's. */
static int check_holders(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev, const struct gv_unit *u)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	const struct gv_refusal *no = unit_refuses(u, "gpu.driver.in_use");
	struct gv_holders own;
	int e;

	if (no && no->lifted_by == 0)
		return add(r, bdf, "gpu.driver.in_use", F,
			   "Stop the VMs that use it, or destroy its vGPU instances; nothing takes a device from a VM",
			   "%s", no->message);
	if (no)
		return add(r, bdf, "gpu.driver.in_use", W,
			   "Stop what uses the GPU (a display manager, a compute job) before binding, or bind with --force",
			   "%s", no->message);
	/* Already passed through: a VM holding it is where it should be. */
	if ((e = gv_holders_collect(ctx, &bdf, 1, &own)) < 0)
		return e;
	if (own.n) {
		char one[256];
		gv_holder_describe(&own.v[0], one, sizeof(one));
		e = add(r, bdf, "gpu.driver.in_use", I, NULL, "in use where it is: %s%s", one, own.n > 1 ? ", ..." : "");
	} else {
		e = add(r, bdf, "gpu.driver.in_use", P, NULL,
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

	if (gpuvirt_device_get_boot_vga(dev) == 1)
		e = add(r, bdf, "gpu.boot_vga", W,
			"Use another GPU for the host console, or boot with video=efifb:off (and no fbcon on it); then "
			"bind with --force",
			"the boot VGA device: the firmware and the host console use it");
	else if (vga)
		e = add(r, bdf, "gpu.boot_vga", W,
			"Use another GPU for the host console, or boot with video=efifb:off; then bind with --force",
			"%s", vga->message);
	else
		e = add(r, bdf, "gpu.boot_vga", P, NULL, "not the boot VGA device");
	if (e < 0)
		return e;
	if (!drv)
		e = add(r, bdf, "gpu.driver", I, NULL, "no driver bound");
	else if (strcmp(drv, "vfio-pci") == 0)
		e = add(r, bdf, "gpu.driver", P, NULL, "bound to vfio-pci: ready for KVM/QEMU passthrough");
	else if (strcmp(drv, "pciback") == 0)
		e = add(r, bdf, "gpu.driver", P, NULL, "bound to xen-pciback: ready for Xen passthrough");
	else
		e = add(r, bdf, "gpu.driver", I, NULL, "bound to %s; binding for passthrough moves it", drv);
	if (e < 0)
		return e;
	return check_holders(ctx, r, dev, u);
}

static int check_sriov(gpuvirt_report *r, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev), *pf = gpuvirt_device_get_physfn(dev);
	int total = gpuvirt_device_get_sriov_total_vfs(dev);

	if (pf)
		return add(r, bdf, "gpu.sriov", I, NULL, "a virtual function of %s", pf);
	if (total <= 0)
		return add(r, bdf, "gpu.sriov", I, NULL, "not SR-IOV capable");
	return add(r, bdf, "gpu.sriov", I, NULL, "SR-IOV capable: %d of %d VFs enabled",
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
		rr = add(r, bdf, "gpu.vgpu.capable", P, NULL, "listed: %s (%s)", e->name,
			 gv_vgpu_mechanism_name(e->mechanism));
	else if (ev->mdev_types || ev->vendor_vfs)
		rr = add(r, bdf, "gpu.vgpu.capable", I, NULL,
			 "not in the vGPU table, but the host offers vGPU types for it (run-time evidence wins)");
	else
		rr = add(r, bdf, "gpu.vgpu.capable", I, NULL, "not listed as vGPU-capable");
	if (rr < 0)
		return rr;

	if (ev->vendor_vfs)
		return add(r, bdf, "gpu.vgpu.active", P, NULL, "NVIDIA vendor vGPU on %zu VF%s", ev->vendor_vfs,
			   ev->vendor_vfs == 1 ? "" : "s");
	if (ev->mdev_types)
		return add(r, bdf, "gpu.vgpu.active", P, NULL, "%zu mdev type%s (%s%s)", ev->mdev_types,
			   ev->mdev_types == 1 ? "" : "s", ev->first_type, ev->mdev_types > 1 ? ", ..." : "");
	if (sriov_evidence)
		return add(r, bdf, "gpu.vgpu.active", P, NULL, "%d SR-IOV VF%s enabled by %s", num, num == 1 ? "" : "s", drv);
	/* Creating an instance enables the VFs itself (profile-sriov.c). */
	if (e && (e->mechanism == GV_VGPU_AMD_MXGPU || e->mechanism == GV_VGPU_INTEL_SRIOV) && total > 0 && drv &&
	    strcmp(drv, "vfio-pci") != 0)
		return add(r, bdf, "gpu.vgpu.active", P, NULL,
			   "SR-IOV capable (%d VFs) with %s; none is enabled yet: creating an instance enables them", total,
			   drv);
	if (e)
		return add(r, bdf, "gpu.vgpu.active", W, mechanism_remedy(e->mechanism),
			   "a vGPU-capable board (%s), but nothing offers vGPU types: the vendor's host driver is "
			   "missing (driver now: %s)",
			   gv_vgpu_mechanism_name(e->mechanism), drv ? drv : "none");
	return add(r, bdf, "gpu.vgpu.active", I, NULL, "no vGPU types");
}

/* ---- verdicts ---------------------------------------------------------- */

/* A verdict rests on codes, each blocking from a severity up: for a "no",
 * the reasons are the blocking findings; for a "yes", every finding it
 * rested on. Codes of "gpu." findings are the GPU's; the others the host's. */
struct requirement {
	const char *code;
	int blocks_at;
};

static int verdict_for(gpuvirt_report *r, struct verdict *v, const struct requirement *req, size_t n, int kind)
{
	bool ok = true;
	int e;

	for (size_t i = 0; i < n; i++) {
		int s = severity_of(r, strncmp(req[i].code, "gpu.", 4) == 0 ? v->bdf : NULL, req[i].code);
		if (s >= req[i].blocks_at)
			ok = false;
	}
	for (size_t i = 0; i < n; i++) {
		int s = severity_of(r, strncmp(req[i].code, "gpu.", 4) == 0 ? v->bdf : NULL, req[i].code);
		if (s >= 0 && (ok || s >= req[i].blocks_at) && (e = gv_strv_push(&v->reasons[kind], req[i].code)) < 0)
			return e;
	}
	v->ok[kind] = ok;
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The refusals that stand with no flags: a passthrough "no", each reason
 * under its finding's code. */
static int add_refusals(struct verdict *v, const struct gv_unit *u)
{
	int e;

	if (!gv_unit_refusal(u, 0))
		return 0;
	if (v->ok[GPUVIRT_VERDICT_PASSTHROUGH]) /* a "yes" listed what it rested on: a "no" lists its reasons */
		gv_strv_free(&v->reasons[GPUVIRT_VERDICT_PASSTHROUGH]);
	v->ok[GPUVIRT_VERDICT_PASSTHROUGH] = false;
	for (size_t i = 0; i < u->nrefusals; i++) {
		bool seen = false;
		for (size_t k = 0; k < v->reasons[GPUVIRT_VERDICT_PASSTHROUGH].n && !seen; k++)
			seen = strcmp(v->reasons[GPUVIRT_VERDICT_PASSTHROUGH].v[k], u->refusals[i].code) == 0;
		if (!seen && (e = gv_strv_push(&v->reasons[GPUVIRT_VERDICT_PASSTHROUGH], u->refusals[i].code)) < 0)
			return e;
	}
	return 0;
}

static int add_verdicts(gpuvirt_report *r, const struct host *h, gpuvirt_device *dev, int mechanism,
			const struct evidence *ev, const struct gv_unit *u)
{
	static const struct requirement pass_kvm[] = {
		{"cpu.virtualization", F}, {"iommu.enabled", F}, {"iommu.cmdline", F}, {"module.vfio", F},
		{"module.vfio_pci", F}, {"module.vfio_iommu_type1", F}, {"gpu.iommu_group", F},
		{"gpu.iommu_group.isolated", F}};
	static const struct requirement pass_xen[] = {
		{"cpu.virtualization", F}, {"iommu.enabled", F}, {"iommu.cmdline", F}, {"module.xen_pciback", F},
		{"xen.iommu", F}, {"gpu.iommu_group", F}, {"gpu.iommu_group.isolated", F}};
	/* Sharing needs the mechanism itself (anything but a pass is a "no") and
	 * no warning about NVIDIA's manager; VF-based mechanisms also pass a VF
	 * through, so they need the IOMMU. */
	static const struct requirement share_mdev[] = {
		{"cpu.virtualization", F}, {"gpu.vgpu.active", I}, {"vgpu.manager", W}};
	static const struct requirement share_vf[] = {
		{"cpu.virtualization", F}, {"gpu.vgpu.active", I}, {"vgpu.manager", W}, {"iommu.enabled", F}};
	struct verdict *nv = realloc(r->verdicts, (r->nverdicts + 1) * sizeof(*nv)), *v;
	bool vf_based = ev->vendor_vfs > 0 || mechanism == GV_VGPU_AMD_MXGPU || mechanism == GV_VGPU_INTEL_SRIOV ||
			(mechanism == GV_VGPU_NVIDIA_SRIOV && !ev->mdev_types);
	int e;

	if (!nv)
		return -ENOMEM;
	r->verdicts = nv;
	v = &nv[r->nverdicts++];
	memset(v, 0, sizeof(*v));
	memcpy(v->bdf, gpuvirt_device_get_bdf(dev), GV_BDF_LEN);
	e = h->xen_dom0 ? verdict_for(r, v, pass_xen, N(pass_xen), GPUVIRT_VERDICT_PASSTHROUGH)
			: verdict_for(r, v, pass_kvm, N(pass_kvm), GPUVIRT_VERDICT_PASSTHROUGH);
	if (e < 0 || (e = add_refusals(v, u)) < 0)
		return e;
	/* A VF is shared by way of its PF: instances are made there. */
	if (gpuvirt_device_get_physfn(dev)) {
		v->ok[GPUVIRT_VERDICT_SHARE] = false;
		return gv_strv_push(&v->reasons[GPUVIRT_VERDICT_SHARE], "gpu.sriov");
	}
	return vf_based ? verdict_for(r, v, share_vf, N(share_vf), GPUVIRT_VERDICT_SHARE)
			: verdict_for(r, v, share_mdev, N(share_mdev), GPUVIRT_VERDICT_SHARE);
}

/* ---- licensing --------------------------------------------------------- */

static int check_license_guest(gpuvirt_ctx *ctx, gpuvirt_report *r)
{
	char conf[16384], val[256], **toks = NULL;
	size_t ntoks = 0, good = 0;
	ssize_t n = gv_read_text(ctx, "etc/nvidia/gridd.conf", conf, sizeof(conf));
	int e;

	if (n < 0)
		e = add(r, NULL, "license.gridd_conf", W,
			"Copy /etc/nvidia/gridd.conf.template to /etc/nvidia/gridd.conf, set FeatureType (1 for vGPU), "
			"and restart nvidia-gridd",
			"no /etc/nvidia/gridd.conf: the guest driver runs unlicensed (degraded after 20 minutes)");
	else if (gv_parse_conf_value(conf, (size_t)n, "FeatureType", val, sizeof(val)) < 0)
		e = add(r, NULL, "license.gridd_conf", W, "Set FeatureType=1 (vGPU) in /etc/nvidia/gridd.conf",
			"gridd.conf sets no FeatureType");
	else if (strcmp(val, "0") == 0)
		e = add(r, NULL, "license.gridd_conf", W, "Set FeatureType=1 (vGPU) in /etc/nvidia/gridd.conf",
			"FeatureType=0: unlicensed");
	else {
		char server[256];
		bool legacy = gv_parse_conf_value(conf, (size_t)n, "ServerAddress", server, sizeof(server)) == 0 &&
			      server[0];
		e = add(r, NULL, "license.gridd_conf", P, NULL, "FeatureType=%s%s%s", val,
			legacy ? "; legacy license server ServerAddress=" : "", legacy ? server : "");
	}
	if (e < 0)
		return e;

	if ((e = gv_list_dir(ctx, "etc/nvidia/ClientConfigToken", &toks, &ntoks)) < 0) {
		if (e != -ENOENT && e != -ENOTDIR)
			return gv_fail(ctx, e, "cannot list etc/nvidia/ClientConfigToken under %s: %s", ctx->root,
				       gpuvirt_strerror(e));
		ntoks = 0;
		e = 0;
	}
	for (size_t i = 0; i < ntoks; i++) {
		size_t l = strlen(toks[i]);
		char rel[512];
		struct stat st;
		if (l < 4 || strcmp(toks[i] + l - 4, ".tok") != 0)
			continue;
		good++;
		if (gv_path(rel, sizeof(rel), "etc/nvidia/ClientConfigToken/%s", toks[i]) < 0)
			continue;
		/* The token is a secret: read into a local buffer, take the size, age
		 * and expiry, wipe it. Nothing of it leaves this block. */
		char tok[8192];
		ssize_t tn = gv_read_stat(ctx, rel, tok, sizeof(tok), &st);
		if (tn < 0) {
			e = add(r, NULL, "license.token", F, "Make the token a regular file readable by nvidia-gridd (chmod 744)",
				"%s is not readable: %s", toks[i], gpuvirt_strerror((int)tn));
			gv_clear_error(ctx);
			goto next;
		}
		if (tn == 0) {
			e = add(r, NULL, "license.token", F, "Download a new client configuration token from the NVIDIA "
							     "Licensing Portal into /etc/nvidia/ClientConfigToken/",
				"%s is empty", toks[i]);
			goto next;
		}
		int64_t exp = 0;
		int xr = gv_parse_token_expiry(tok, (size_t)tn, &exp);
		memset(tok, 0, sizeof(tok));
		long age = (long)((time(NULL) - st.st_mtime) / 86400);
		if (xr == 0 && exp < (int64_t)time(NULL)) {
			char when[32];
			time_t t = (time_t)exp;
			strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
			e = add(r, NULL, "license.token", F,
				"Download a new client configuration token from the NVIDIA Licensing Portal into "
				"/etc/nvidia/ClientConfigToken/ and restart nvidia-gridd",
				"%s expired on %s (%zd bytes, %ld days old)", toks[i], when, tn, age);
		} else if (xr == 0) {
			char when[32];
			time_t t = (time_t)exp;
			strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
			e = add(r, NULL, "license.token", P, NULL, "%s: %zd bytes, %ld days old, valid until %s", toks[i], tn,
				age, when);
		} else {
			e = add(r, NULL, "license.token", P, NULL, "%s: %zd bytes, %ld days old (no expiry recorded)",
				toks[i], tn, age);
		}
	next:
		if (e < 0)
			break;
	}
	gv_names_free(toks, ntoks);
	if (e < 0)
		return e;
	if (good == 0)
		return add(r, NULL, "license.token", W,
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

static int host_checks(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, gpuvirt_device **devs,
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
		e = add(r, NULL, "module.xen_pciback", I, NULL, "not a Xen dom0: xen-pciback is needed only under Xen");
	if (e < 0)
		return e;
	if (h->xen_dom0 && (e = check_xen_iommu(ctx, r)) < 0)
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
			e = add(r, NULL, "vgpu.manager", P, NULL, "%s%s%s%s", mod ? "nvidia_vgpu_vfio loaded" : "vendor vGPU sysfs present",
				units[0] ? "; services installed: " : "", units, units[0] ? "" : "; no systemd units found");
		else
			e = add(r, NULL, "vgpu.manager", W, mechanism_remedy(GV_VGPU_NVIDIA_LEGACY),
				"vGPU-capable NVIDIA GPUs, but no vGPU manager: no nvidia_vgpu_vfio, no vendor vGPU files%s%s",
				units[0] ? "; units present: " : "", units);
		if (e < 0)
			return e;
		if ((e = add(r, NULL, "license.guests", I, NULL,
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
	bool conf = exists(ctx, "etc/nvidia/gridd.conf", &err) || exists(ctx, "etc/nvidia/ClientConfigToken", &err);
	if (err < 0)
		return err;
	if (conf ||
	    (h->cpu.hypervisor && nvidia_gpu && !nvidia))
		return check_license_guest(ctx, r);
	return 0;
}

/* Each GPU's checks. The passthrough unit and its refusals come from the
 * same table the bind plan uses (unit.c), so that "passthrough: yes" is a
 * plan that proceeds. */
static int device_checks(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev,
			 const struct evidence *ev)
{
	int mechanism = -1, e;
	struct gv_unit u;

	if ((e = gv_unit_assess(ctx, dev, h->xen_dom0 ? "pciback" : "vfio-pci", &h->modules, &u)) < 0) {
		gv_unit_free(&u);
		return e;
	}
	if ((e = check_group(ctx, r, h, dev)) < 0 || (e = check_reset(r, h, dev)) < 0 ||
	    (e = check_driver(ctx, r, dev, &u)) < 0 || (e = check_sriov(r, dev)) < 0 ||
	    (e = check_vgpu(ctx, r, dev, &mechanism, ev)) < 0 || (e = add_verdicts(r, h, dev, mechanism, ev, &u)) < 0) {
		gv_unit_free(&u);
		return e;
	}
	gv_unit_free(&u);
	return 0;
}

static int run(gpuvirt_ctx *ctx, gpuvirt_device **devs, size_t n, bool per_device, gpuvirt_report **out)
{
	gpuvirt_report *r;
	struct evidence *ev;
	struct host h;
	int e;

	/* Each GPU's vGPU evidence, read once: the host checks and the GPU's own use it. */
	ev = calloc(n ? n : 1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = gather_evidence(ctx, devs[i], &ev[i])) < 0) {
			free(ev);
			return e;
		}
	if ((e = report_new(ctx, &r)) < 0) {
		free(ev);
		return e;
	}
	host_read(ctx, &h);
	e = h.err < 0 ? h.err : host_checks(ctx, r, &h, devs, ev, n);
	for (size_t i = 0; per_device && e >= 0 && i < n; i++)
		e = device_checks(ctx, r, &h, devs[i], &ev[i]);
	gv_modules_close(&h.modules);
	free(ev);
	if (e < 0) {
		char why[sizeof(ctx->error)];
		memcpy(why, ctx->error, sizeof(why));
		gpuvirt_report_unref(r);
		return gv_fail(ctx, e, "checks failed: %s", why[0] ? why : gpuvirt_strerror(e));
	}
	*out = r;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_check_host(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_report **report)
{
	gpuvirt_device_iter *it = NULL;
	gpuvirt_device **devs = NULL, *dev;
	size_t n = 0;
	int e;

	if (!ctx || !report || (flags & ~(uint32_t)GPUVIRT_CHECK_HOST_ONLY))
		return -EINVAL;
	*report = NULL;
	gv_clear_error(ctx);
	if ((e = gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_GPUS, &it)) < 0)
		return e;
	while ((e = gpuvirt_device_iter_next(it, &dev)) > 0) {
		gpuvirt_device **nd = realloc(devs, (n + 1) * sizeof(*nd));
		if (!nd) {
			gpuvirt_device_unref(dev);
			e = -ENOMEM;
			break;
		}
		devs = nd;
		devs[n++] = dev;
	}
	gpuvirt_device_iter_unref(it);
	if (e == 0)
		e = run(ctx, devs, n, !(flags & GPUVIRT_CHECK_HOST_ONLY), report);
	for (size_t i = 0; i < n; i++)
		gpuvirt_device_unref(devs[i]);
	free(devs);
	return e;
}

GPUVIRT_EXPORT int gpuvirt_check_device(gpuvirt_device *dev, gpuvirt_report **report)
{
	if (!dev || !report)
		return -EINVAL;
	*report = NULL;
	gv_clear_error(gpuvirt_device_get_ctx(dev));
	return run(gpuvirt_device_get_ctx(dev), &dev, 1, true, report);
}

GPUVIRT_EXPORT gpuvirt_report *gpuvirt_report_ref(gpuvirt_report *report)
{
	if (report)
		report->refcount++;
	return report;
}

GPUVIRT_EXPORT gpuvirt_report *gpuvirt_report_unref(gpuvirt_report *report)
{
	if (!report)
		return NULL;
	if (--report->refcount > 0)
		return report;
	for (size_t i = 0; i < report->count; i++)
		finding_free(&report->findings[i]);
	for (size_t i = 0; i < report->nverdicts; i++) {
		gv_strv_free(&report->verdicts[i].reasons[0]);
		gv_strv_free(&report->verdicts[i].reasons[1]);
	}
	free(report->findings);
	free(report->verdicts);
	gpuvirt_ctx_unref(report->ctx);
	free(report);
	return NULL;
}

GPUVIRT_EXPORT int gpuvirt_report_get_worst_severity(const gpuvirt_report *report)
{
	return report ? report->worst : -EINVAL;
}

GPUVIRT_EXPORT size_t gpuvirt_report_get_device_count(const gpuvirt_report *report)
{
	return report ? report->nverdicts : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_report_get_device(const gpuvirt_report *report, size_t index)
{
	return report && index < report->nverdicts ? report->verdicts[index].bdf : NULL;
}

static int find_verdict(const gpuvirt_report *report, const char *bdf, const struct verdict **out)
{
	char canon[GV_BDF_LEN];

	if (!report || !bdf || gv_parse_bdf(bdf, canon) < 0)
		return -EINVAL;
	for (size_t i = 0; i < report->nverdicts; i++)
		if (strcmp(report->verdicts[i].bdf, canon) == 0) {
			*out = &report->verdicts[i];
			return 0;
		}
	return -ENOENT;
}

GPUVIRT_EXPORT int gpuvirt_report_can_passthrough(const gpuvirt_report *report, const char *bdf)
{
	const struct verdict *v;
	int e = find_verdict(report, bdf, &v);

	return e < 0 ? e : v->ok[GPUVIRT_VERDICT_PASSTHROUGH];
}

GPUVIRT_EXPORT int gpuvirt_report_can_share(const gpuvirt_report *report, const char *bdf)
{
	const struct verdict *v;
	int e = find_verdict(report, bdf, &v);

	return e < 0 ? e : v->ok[GPUVIRT_VERDICT_SHARE];
}

GPUVIRT_EXPORT size_t gpuvirt_report_get_reason_count(const gpuvirt_report *report, const char *bdf,
						      uint32_t verdict)
{
	const struct verdict *v;

	if (verdict > GPUVIRT_VERDICT_SHARE || find_verdict(report, bdf, &v) < 0)
		return 0;
	return v->reasons[verdict].n;
}

GPUVIRT_EXPORT const char *gpuvirt_report_get_reason(const gpuvirt_report *report, const char *bdf,
						     uint32_t verdict, size_t index)
{
	const struct verdict *v;

	if (verdict > GPUVIRT_VERDICT_SHARE || find_verdict(report, bdf, &v) < 0)
		return NULL;
	return gv_strv_get(&v->reasons[verdict], index);
}

GPUVIRT_EXPORT int gpuvirt_finding_iter_new(gpuvirt_report *report, gpuvirt_finding_iter **it)
{
	if (!report || !it)
		return -EINVAL;
	*it = calloc(1, sizeof(**it));
	if (!*it)
		return -ENOMEM;
	(*it)->report = gpuvirt_report_ref(report);
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_finding_iter_next(gpuvirt_finding_iter *it, const gpuvirt_finding **finding)
{
	if (!it || !finding)
		return -EINVAL;
	if (it->pos >= it->report->count) {
		*finding = NULL;
		return 0;
	}
	*finding = &it->report->findings[it->pos++];
	return 1;
}

GPUVIRT_EXPORT gpuvirt_finding_iter *gpuvirt_finding_iter_unref(gpuvirt_finding_iter *it)
{
	if (it) {
		gpuvirt_report_unref(it->report);
		free(it);
	}
	return NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_finding_get_code(const gpuvirt_finding *f)
{
	return f ? f->code : NULL;
}

GPUVIRT_EXPORT int gpuvirt_finding_get_severity(const gpuvirt_finding *f)
{
	return f ? f->severity : -EINVAL;
}

GPUVIRT_EXPORT const char *gpuvirt_finding_get_subject(const gpuvirt_finding *f)
{
	return f ? f->subject : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_finding_get_title(const gpuvirt_finding *f)
{
	return f ? f->title : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_finding_get_message(const gpuvirt_finding *f)
{
	return f ? f->message : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_finding_get_remedy(const gpuvirt_finding *f)
{
	return f ? f->remedy : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_severity_to_string(int severity)
{
	switch (severity) {
	case GPUVIRT_SEVERITY_PASS:
		return "pass";
	case GPUVIRT_SEVERITY_INFO:
		return "info";
	case GPUVIRT_SEVERITY_WARN:
		return "warn";
	case GPUVIRT_SEVERITY_FAIL:
		return "fail";
	default:
		return "unknown";
	}
}
