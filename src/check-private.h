/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the checks capability share: check.c (the report,
 * verdicts, the public API), check-host.c (the host's findings) and
 * check-gpu.c (each GPU's). Nothing here is public. */
#ifndef GV_CHECK_PRIVATE_H
#define GV_CHECK_PRIVATE_H

#include "private.h"

#define P GPUVIRT_SEVERITY_PASS
#define I GPUVIRT_SEVERITY_INFO
#define W GPUVIRT_SEVERITY_WARN
#define F GPUVIRT_SEVERITY_FAIL

/* What the host is, read once per run (check-host.c). */
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

/* A GPU's vGPU evidence, read once per run (check-gpu.c). */
struct evidence {
	size_t mdev_types;
	char first_type[64];
	size_t vendor_vfs;   /* VFs with NVIDIA's vendor vGPU files */
	bool nvidia_mdev;    /* mdev types offered by an NVIDIA driver */
};

/* check-reset.c: gpu.reset (methods, the quirk table, vendor-reset) and
 * gpu.power_state. */
int gv_check_reset(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev);

/* check-mig.c: gpu.mig (MIG mode and GPU instances of a MIG GPU with the
 * vendor interface on its VFs). */
int gv_check_mig(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev);

/* report.c: the report */
int gv_report_new(gpuvirt_ctx *ctx, gpuvirt_report **out);
int gv_report_add(gpuvirt_report *r, const char *subject, const char *code, int severity, const char *remedy,
		  const char *fmt, ...) GV_PRINTF(6, 7);
/* A finding's severity, or -1 when there is none. */
int gv_report_severity_of(const gpuvirt_report *r, const char *subject, const char *code);
/* The GPU's two verdicts, from the requirement tables and the unit's refusals. */
int gv_check_verdicts(gpuvirt_report *r, const struct host *h, gpuvirt_device *dev, int mechanism,
		      const struct evidence *ev, const struct gv_unit *u);

/* check-host.c */
/* A look that failed keeps the first error in *err (never "absent"). */
bool gv_check_exists(gpuvirt_ctx *ctx, const char *rel, int *err);
size_t gv_check_count_dir(gpuvirt_ctx *ctx, const char *rel, char *first, size_t first_size, int *err);
const char *gv_check_iommu_remedy(const struct host *h);
void gv_check_host_read(gpuvirt_ctx *ctx, struct host *h);
int gv_check_host(gpuvirt_ctx *ctx, gpuvirt_report *r, const struct host *h, gpuvirt_device **devs,
		  const struct evidence *ev, size_t n);

/* check-gpu.c */
int gv_check_evidence(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct evidence *ev);
/* What installs a vGPU mechanism's host side. */
const char *gv_check_mechanism_remedy(int mechanism);
int gv_check_device(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev,
		    const struct evidence *ev);

#endif
