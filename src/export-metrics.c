/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Documents for the tools that watch and list hosts: Prometheus's text
 * exposition format (the metrics are docs/export.md's) and libvirt's
 * node-device XML (libvirt's nodedev.rng). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-private.h"

/* ---- Prometheus ------------------------------------------------------------------ */

static void help(struct gv_text *t, const char *name, const char *text)
{
	gv_text_add(t, "# HELP %s %s\n# TYPE %s gauge\n", name, text, name);
}

/* A label value: escaped, and only printable ASCII (the format is UTF-8;
 * a host's odd bytes become '?'). */
static void label(struct gv_text *t, const char *name, const char *value, bool last)
{
	char clean[256];
	size_t n = 0;

	for (const char *p = value ? value : ""; *p && n + 1 < sizeof(clean); p++)
		clean[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	clean[n] = '\0';
	gv_text_add(t, "%s=\"", name);
	gv_text_label(t, clean);
	gv_text_add(t, "\"%s", last ? "" : ",");
}

static void gpu_metrics(const struct gv_export *x, struct gv_text *t)
{
	static const char *const names[] = {"gpuvirt_gpu_passthrough_ready", "gpuvirt_gpu_share_ready",
					    "gpuvirt_gpu_vm_driver", "gpuvirt_gpu_numa_node"};
	static const char *const helps[] = {
		"1 when the checks say the GPU can be passed through (gpuvirt bind would proceed), else 0.",
		"1 when the checks say the GPU can be shared (vGPU, mdev, SR-IOV VFs), else 0.",
		"1 when the GPU is bound to a VM's driver (vfio-pci or pciback), else 0.",
		"The GPU's NUMA node (-1 when the firmware does not say)."};

	help(t, "gpuvirt_gpu_info", "A GPU of the host (always 1), with its identity, model and driver.");
	for (size_t i = 0; i < x->n; i++) {
		const struct gv_xgpu *g = &x->gpus[i];
		char id[8], dev[8], grp[16];
		snprintf(id, sizeof(id), "%04x", gpuvirt_device_get_vendor_id(g->dev));
		snprintf(dev, sizeof(dev), "%04x", gpuvirt_device_get_device_id(g->dev));
		snprintf(grp, sizeof(grp), "%d", gpuvirt_device_get_iommu_group(g->dev));
		gv_text_add(t, "gpuvirt_gpu_info{");
		label(t, "bdf", g->bdf, false);
		label(t, "vendor_id", id, false);
		label(t, "device_id", dev, false);
		label(t, "model", g->model, false);
		label(t, "name", gpuvirt_device_get_device_name(g->dev), false);
		label(t, "driver", gpuvirt_device_get_driver(g->dev) ? gpuvirt_device_get_driver(g->dev) : "", false);
		label(t, "iommu_group", grp, true);
		gv_text_add(t, "} 1\n");
	}
	for (int m = 0; m < 4; m++) {
		help(t, names[m], helps[m]);
		for (size_t i = 0; i < x->n; i++) {
			const struct gv_xgpu *g = &x->gpus[i];
			const char *drv = gpuvirt_device_get_driver(g->dev);
			long v = m == 0 ? g->passthrough
				 : m == 1 ? g->share
				 : m == 2 ? drv && (strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "pciback") == 0)
					  : gpuvirt_device_get_numa_node(g->dev);
			gv_text_add(t, "%s{", names[m]);
			label(t, "bdf", g->bdf, true);
			gv_text_add(t, "} %ld\n", v);
		}
	}
}

static void profile_metrics(const struct gv_export *x, struct gv_text *t)
{
	static const char *const names[] = {"gpuvirt_profile_available", "gpuvirt_profile_instances",
					    "gpuvirt_profile_max_instances"};
	static const char *const helps[] = {"How many more instances of the profile fit on its GPU now.",
					    "How many instances of the profile its GPU holds.",
					    "The most instances of the profile one GPU can hold (0: the driver does not say)."};

	for (int m = 0; m < 3; m++) {
		help(t, names[m], helps[m]);
		for (size_t k = 0; k < x->nprofiles; k++) {
			const gpuvirt_profile *p = x->profiles[k];
			uint32_t v = m == 0 ? gpuvirt_profile_get_available(p)
				     : m == 1 ? gpuvirt_profile_get_instance_count(p)
					      : gpuvirt_profile_get_max_instances(p);
			if (!gv_export_gpu(x, gpuvirt_profile_get_parent(p)))
				continue;
			gv_text_add(t, "%s{", names[m]);
			label(t, "parent", gpuvirt_profile_get_parent(p), false);
			label(t, "profile", gpuvirt_profile_get_id(p), false);
			label(t, "name", gpuvirt_profile_get_name(p), false);
			label(t, "mechanism", gpuvirt_mechanism_to_string(gpuvirt_profile_get_mechanism(p)), true);
			gv_text_add(t, "} %u\n", v);
		}
	}
}

static void instance_metrics(const struct gv_export *x, struct gv_text *t)
{
	help(t, "gpuvirt_instance_active",
	     "A vGPU instance on the host: 1 when it exists now, 0 when only defined (mdevctl, /etc/gpuvirt).");
	for (size_t k = 0; k < x->ninstances; k++) {
		const gpuvirt_instance *in = x->instances[k];
		if (!gv_export_gpu(x, gpuvirt_instance_get_parent(in)))
			continue;
		gv_text_add(t, "gpuvirt_instance_active{");
		label(t, "uuid", gpuvirt_instance_get_uuid(in), false);
		label(t, "parent", gpuvirt_instance_get_parent(in), false);
		label(t, "profile", gpuvirt_instance_get_profile_id(in), false);
		label(t, "mechanism", gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)), false);
		label(t, "vf", gpuvirt_instance_get_vf_bdf(in), true);
		gv_text_add(t, "} %d\n", gpuvirt_instance_is_active(in) == 1);
	}
}

static void finding_metrics(const struct gv_export *x, struct gv_text *t)
{
	gpuvirt_finding_iter *it = NULL;
	const gpuvirt_finding *f;
	long count[4] = {0};

	help(t, "gpuvirt_host_finding", "A finding of the host's checks: its severity (0 pass, 1 info, 2 warn, 3 fail).");
	if (gpuvirt_finding_iter_new(x->report, &it) == 0)
		while (gpuvirt_finding_iter_next(it, &f) == 1) {
			int s = gpuvirt_finding_get_severity(f);
			if (gpuvirt_finding_get_subject(f))
				continue;
			count[s >= 0 && s <= 3 ? s : 3]++;
			gv_text_add(t, "gpuvirt_host_finding{");
			label(t, "code", gpuvirt_finding_get_code(f), false);
			label(t, "severity", gpuvirt_severity_to_string(s), true);
			gv_text_add(t, "} %d\n", s);
		}
	gpuvirt_finding_iter_unref(it);
	help(t, "gpuvirt_host_findings", "How many of the host's findings have each severity.");
	for (int s = 0; s < 4; s++) {
		gv_text_add(t, "gpuvirt_host_findings{");
		label(t, "severity", gpuvirt_severity_to_string(s), true);
		gv_text_add(t, "} %ld\n", count[s]);
	}
}

static int write_prometheus(const struct gv_export *x, uint32_t flags, struct gv_text *t)
{
	(void)flags;
	gpu_metrics(x, t);
	profile_metrics(x, t);
	instance_metrics(x, t);
	finding_metrics(x, t);
	return 0;
}

/* ---- libvirt's node devices ------------------------------------------------------------- */

static void address(struct gv_text *t, const char *bdf)
{
	unsigned d, b, s, f;

	if (sscanf(bdf, "%x:%x:%x.%x", &d, &b, &s, &f) == 4)
		gv_text_add(t, "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>", d, b, s, f);
}

/* Each address of a device's list (its VFs, its group's members), a line each. */
static void addresses(struct gv_text *t, const gpuvirt_device *d, size_t (*count)(const gpuvirt_device *),
		      const char *(*get)(const gpuvirt_device *, size_t))
{
	for (size_t i = 0; i < count(d); i++) {
		gv_text_add(t, "      ");
		address(t, get(d, i));
		gv_text_add(t, "\n");
	}
}

static void nodedev_sriov(const gpuvirt_device *d, struct gv_text *t)
{
	if (gpuvirt_device_get_physfn(d)) {
		gv_text_add(t, "    <capability type='phys_function'>\n      ");
		address(t, gpuvirt_device_get_physfn(d));
		gv_text_add(t, "\n    </capability>\n");
	}
	if (gpuvirt_device_get_sriov_total_vfs(d) > 0) {
		gv_text_add(t, "    <capability type='virt_functions' maxCount='%d'>\n", gpuvirt_device_get_sriov_total_vfs(d));
		addresses(t, d, gpuvirt_device_get_vf_count, gpuvirt_device_get_vf);
		gv_text_add(t, "    </capability>\n");
	}
}

/* The device's mdev types, as libvirt lists them (only the device APIs its
 * schema knows). */
static void nodedev_mdev(const struct gv_export *x, const char *bdf, struct gv_text *t)
{
	bool any = false;

	for (size_t k = 0; k < x->nprofiles; k++) {
		const gpuvirt_profile *p = x->profiles[k];
		const char *api = gpuvirt_profile_get_device_api(p);
		if (gpuvirt_profile_get_mechanism(p) != GPUVIRT_MECHANISM_MDEV || strcmp(gpuvirt_profile_get_parent(p), bdf) ||
		    !api || (strcmp(api, "vfio-pci") && strcmp(api, "vfio-ccw") && strcmp(api, "vfio-ap")))
			continue;
		if (!any)
			gv_text_add(t, "    <capability type='mdev_types'>\n");
		any = true;
		gv_text_add(t, "      <type id='");
		gv_text_xml(t, gpuvirt_profile_get_id(p));
		gv_text_add(t, "'>\n        <name>");
		gv_text_xml(t, gpuvirt_profile_get_name(p));
		gv_text_add(t, "</name>\n        <deviceAPI>%s</deviceAPI>\n        <availableInstances>%u</availableInstances>\n"
			    "      </type>\n",
			    api, gpuvirt_profile_get_available(p));
	}
	if (any)
		gv_text_add(t, "    </capability>\n");
}

static void nodedev_one(const struct gv_export *x, const gpuvirt_device *d, struct gv_text *t)
{
	const char *bdf = gpuvirt_device_get_bdf(d), *drv = gpuvirt_device_get_driver(d);
	unsigned dom, bus, slot, fn;
	char name[32];

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return;
	snprintf(name, sizeof(name), "pci_%04x_%02x_%02x_%x", dom, bus, slot, fn);
	gv_text_add(t, "<device>\n  <name>%s</name>\n", name);
	if (drv) {
		gv_text_add(t, "  <driver>\n    <name>");
		gv_text_xml(t, drv);
		gv_text_add(t, "</name>\n  </driver>\n");
	}
	gv_text_add(t, "  <capability type='pci'>\n    <class>0x%06x</class>\n    <domain>%u</domain>\n    <bus>%u</bus>\n"
		    "    <slot>%u</slot>\n    <function>%u</function>\n    <product id='0x%04x'>",
		    gpuvirt_device_get_class(d), dom, bus, slot, fn, gpuvirt_device_get_device_id(d));
	gv_text_xml(t, gpuvirt_device_get_device_name(d));
	gv_text_add(t, "</product>\n    <vendor id='0x%04x'>", gpuvirt_device_get_vendor_id(d));
	gv_text_xml(t, gpuvirt_device_get_vendor_name(d));
	gv_text_add(t, "</vendor>\n");
	nodedev_sriov(d, t);
	nodedev_mdev(x, bdf, t);
	if (gpuvirt_device_get_iommu_group(d) >= 0) {
		gv_text_add(t, "    <iommuGroup number='%d'>\n", gpuvirt_device_get_iommu_group(d));
		addresses(t, d, gpuvirt_device_get_iommu_group_member_count, gpuvirt_device_get_iommu_group_member);
		gv_text_add(t, "    </iommuGroup>\n");
	}
	if (gpuvirt_device_get_numa_node(d) >= 0)
		gv_text_add(t, "    <numa node='%d'/>\n", gpuvirt_device_get_numa_node(d));
	gv_text_add(t, "  </capability>\n</device>\n");
}

static int write_nodedev(const struct gv_export *x, uint32_t flags, struct gv_text *t)
{
	(void)flags;
	for (size_t i = 0; i < x->n; i++)
		nodedev_one(x, x->gpus[i].dev, t);
	return 0;
}

/* ---- the public functions ---------------------------------------------------------------- */

GPUVIRT_EXPORT int gpuvirt_export_prometheus(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags,
					     char **out)
{
	return gv_export_run(ctx, bdfs, n, flags, 0, write_prometheus, out);
}

GPUVIRT_EXPORT int gpuvirt_export_nodedev(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags,
					  char **out)
{
	return gv_export_run(ctx, bdfs, n, flags, 0, write_nodedev, out);
}
