/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The checks' report: findings with codes, titles and remedies, and per
 * GPU two verdicts (passthrough, share) that name the codes deciding them.
 * The passthrough verdict reads the unit's refusals (unit.c), the table the
 * bind plan reads, so that a "yes" is a plan that proceeds. */
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
#include "check-private.h"

struct gpuvirt_finding {
	char *code, *subject, *title, *message, *remedy;
	int severity;
};

struct verdict {
	char bdf[GV_BDF_LEN];
	gpuvirt_device *dev; /* a reference: its name for the caller, not read again */
	bool ok[2];
	struct gv_strv reasons[2];
};

struct gpuvirt_report {
	int refcount;
	gpuvirt_ctx *ctx;
	struct gpuvirt_finding *findings;
	size_t count, cap;
	struct verdict *verdicts;
	size_t nverdicts, vcap;
	/* Findings by subject and code, verdicts by address: constant-time
	 * lookups, so that a report stays linear in its GPUs. */
	struct gv_index by_finding, by_verdict;
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
    {"iommu.acs_override", "Checking for an ACS override"},
    {"module.vfio", "Checking for the vfio module"},
    {"module.vfio_pci", "Checking for the vfio-pci module"},
    {"module.vfio_iommu_type1", "Checking for the vfio_iommu_type1 module"},
    {"module.xen_pciback", "Checking for the xen-pciback module"},
    {"xen.iommu", "Checking Xen's I/O virtualisation (IOMMU)"},
    {"vgpu.manager", "Checking for the NVIDIA vGPU host manager"},
    {"license.guests", "Checking vGPU guest licensing requirements"},
    {"license.gridd_conf", "Checking the NVIDIA licensing configuration"},
    {"license.token", "Checking the NVIDIA client configuration token"},
    {"iommu.iommufd", "Checking for iommufd and VFIO device cdevs"},
    {"gpu.iommu_group", "Checking for an IOMMU group"},
    {"gpu.iommu_group.isolated", "Checking IOMMU group isolation"},
    {"gpu.reset", "Checking reset capability"},
    {"gpu.power_state", "Checking the power state"},
    {"gpu.vfio_variant", "Checking for a vfio-pci variant driver"},
    {"gpu.bars", "Checking the BARs and the VM's 64-bit window"},
    {"gpu.boot_vga", "Checking for the boot VGA / host console"},
    {"gpu.driver", "Checking the host driver"},
    {"gpu.driver.in_use", "Checking whether the host is using the GPU"},
    {"gpu.sriov", "Checking SR-IOV"},
    {"gpu.vgpu.capable", "Checking the vGPU support table"},
    {"gpu.vgpu.active", "Checking for vGPU types"},
    {"gpu.mig", "Checking MIG mode and GPU instances"},
};

static const char *title_of(const char *code)
{
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return code;
}

/* ---- the report -------------------------------------------------------- */

int gv_report_new(gpuvirt_ctx *ctx, gpuvirt_report **out)
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
int gv_report_add(gpuvirt_report *r, const char *subject, const char *code, int severity, const char *remedy,
		  const char *fmt, ...) GV_PRINTF(6, 7);

int gv_report_add(gpuvirt_report *r, const char *subject, const char *code, int severity, const char *remedy,
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
	if (gv_index_add(&r->by_finding, gv_hash(subject, code), r->count) < 0) {
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
	size_t cursor = 0, i;

	while (gv_index_next(&r->by_finding, gv_hash(subject, code), &cursor, &i)) {
		const struct gpuvirt_finding *f = &r->findings[i];
		if (strcmp(f->code, code) == 0 &&
		    ((!subject && !f->subject) || (subject && f->subject && strcmp(subject, f->subject) == 0)))
			return f;
	}
	return NULL;
}

int gv_report_severity_of(const gpuvirt_report *r, const char *subject, const char *code)
{
	const struct gpuvirt_finding *f = find(r, subject, code);
	return f ? f->severity : -1;
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
		int s = gv_report_severity_of(r, strncmp(req[i].code, "gpu.", 4) == 0 ? v->bdf : NULL, req[i].code);
		if (s >= req[i].blocks_at)
			ok = false;
	}
	for (size_t i = 0; i < n; i++) {
		int s = gv_report_severity_of(r, strncmp(req[i].code, "gpu.", 4) == 0 ? v->bdf : NULL, req[i].code);
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

int gv_check_verdicts(gpuvirt_report *r, const struct host *h, gpuvirt_device *dev, int mechanism,
		      const struct evidence *ev, const struct gv_unit *u)
{
	static const struct requirement pass_kvm[] = {{"cpu.virtualization", F}, {"iommu.enabled", F},
						      {"iommu.cmdline", F},	 {"module.vfio", F},
						      {"module.vfio_pci", F},	 {"module.vfio_iommu_type1", F},
						      {"gpu.iommu_group", F},	 {"gpu.iommu_group.isolated", F}};
	static const struct requirement pass_xen[] = {
	    {"cpu.virtualization", F},	    {"iommu.enabled", F}, {"iommu.cmdline", F},
	    {"module.xen_pciback", F},	    {"xen.iommu", F},	  {"gpu.iommu_group", F},
	    {"gpu.iommu_group.isolated", F}};
	/* Sharing needs the mechanism itself (anything but a pass is a "no") and
	 * no warning about NVIDIA's manager; VF-based mechanisms also pass a VF
	 * through, so they need the IOMMU. */
	static const struct requirement share_mdev[] = {
	    {"cpu.virtualization", F}, {"gpu.vgpu.active", I}, {"vgpu.manager", W}};
	static const struct requirement share_vf[] = {{"cpu.virtualization", F}, {"gpu.vgpu.active", I},
						      {"vgpu.manager", W},	  {"iommu.enabled", F},
						      {"gpu.mig", I}};
	struct verdict *v;
	bool vf_based = ev->vendor_vfs > 0 || mechanism == GV_VGPU_AMD_MXGPU || mechanism == GV_VGPU_INTEL_SRIOV ||
			(mechanism == GV_VGPU_NVIDIA_SRIOV && !ev->mdev_types);
	int e;

	if (r->nverdicts == r->vcap) {
		size_t cap = r->vcap ? r->vcap * 2 : 16;
		struct verdict *nv = realloc(r->verdicts, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->verdicts = nv;
		r->vcap = cap;
	}
	if ((e = gv_index_add(&r->by_verdict, gv_hash(gpuvirt_device_get_bdf(dev), NULL), r->nverdicts)) < 0)
		return e;
	v = &r->verdicts[r->nverdicts++];
	memset(v, 0, sizeof(*v));
	memcpy(v->bdf, gpuvirt_device_get_bdf(dev), GV_BDF_LEN);
	v->dev = gpuvirt_device_ref(dev);
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
		gpuvirt_device_unref(report->verdicts[i].dev);
	}
	free(report->findings);
	free(report->verdicts);
	gv_index_free(&report->by_finding);
	gv_index_free(&report->by_verdict);
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

GPUVIRT_EXPORT const char *gpuvirt_report_get_device_name(const gpuvirt_report *report, size_t index)
{
	return report && index < report->nverdicts ? gpuvirt_device_get_device_name(report->verdicts[index].dev) : NULL;
}

static int find_verdict(const gpuvirt_report *report, const char *bdf, const struct verdict **out)
{
	char canon[GV_BDF_LEN];

	if (!report || !bdf || gv_parse_bdf(bdf, canon) < 0)
		return -EINVAL;
	for (size_t cursor = 0, i; gv_index_next(&report->by_verdict, gv_hash(canon, NULL), &cursor, &i);)
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

GPUVIRT_EXPORT size_t gpuvirt_report_get_reason_count(const gpuvirt_report *report, const char *bdf, uint32_t verdict)
{
	const struct verdict *v;

	if (verdict > GPUVIRT_VERDICT_SHARE || find_verdict(report, bdf, &v) < 0)
		return 0;
	return v->reasons[verdict].n;
}

GPUVIRT_EXPORT const char *gpuvirt_report_get_reason(const gpuvirt_report *report, const char *bdf, uint32_t verdict,
						     size_t index)
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
	case GPUVIRT_SEVERITY_PASS: return "pass";
	case GPUVIRT_SEVERITY_INFO: return "info";
	case GPUVIRT_SEVERITY_WARN: return "warn";
	case GPUVIRT_SEVERITY_FAIL: return "fail";
	default: return "unknown";
	}
}
