/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Documents for the engines that place VMs on hosts: a nova.conf fragment,
 * KubeVirt's permittedHostDevices, a node-feature-discovery feature file.
 * The naming rules are docs/export.md's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "export-private.h"

/* ---- Nova ---------------------------------------------------------------------- */

/* Nova's device type of a function: a VF, a PF that has VFs to give, else a
 * plain PCI device. */
static const char *nova_type(const gpuvirt_device *d)
{
	if (gpuvirt_device_get_physfn(d))
		return "type-VF";
	return gpuvirt_device_get_sriov_total_vfs(d) > 0 ? "type-PF" : "type-PCI";
}

/* A companion's alias: the GPU's model, then what it is. */
static void companion_alias(const char *model, const gpuvirt_device *c, char *out, size_t size)
{
	uint32_t cls = gpuvirt_device_get_class(c) >> 8;
	const char *what = cls == 0x0403 ? "audio" : cls == 0x0c03 ? "usb" : cls == 0x0c80 ? "serial" : NULL;
	char fn[8];

	if (!what) {
		snprintf(fn, sizeof(fn), "fn%c", gpuvirt_device_get_bdf(c)[11]);
		what = fn;
	}
	snprintf(out, size, "%.*s-%s", (int)(size > strlen(what) + 2 ? size - strlen(what) - 2 : 0), model, what);
}

static bool seen_alias(struct gv_strv *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return true;
	gv_strv_push(names, name);
	return false;
}

static void nova_function(struct gv_text *spec, struct gv_text *alias, struct gv_strv *names, const gpuvirt_device *d,
			  const char *name)
{
	unsigned v = gpuvirt_device_get_vendor_id(d), p = gpuvirt_device_get_device_id(d);

	gv_text_add(spec, "device_spec = {\"address\": \"%s\", \"vendor_id\": \"%04x\", \"product_id\": \"%04x\"}\n",
		    gpuvirt_device_get_bdf(d), v, p);
	if (!seen_alias(names, name))
		gv_text_add(alias,
			    "alias = {\"name\": \"%s\", \"vendor_id\": \"%04x\", \"product_id\": \"%04x\", "
			    "\"device_type\": \"%s\", \"numa_policy\": \"legacy\"}\n",
			    name, v, p, nova_type(d));
}

/* A GPU for passthrough, and the functions of its card in its group. */
static void nova_passthrough(const struct gv_export *x, const struct gv_xgpu *g, struct gv_text *spec,
			     struct gv_text *alias, struct gv_strv *names)
{
	nova_function(spec, alias, names, g->dev, g->model);
	for (size_t i = 0; i < gpuvirt_device_get_iommu_group_member_count(g->dev); i++) {
		const char *m = gpuvirt_device_get_iommu_group_member(g->dev, i);
		gpuvirt_device *c = NULL;
		char name[64];
		if (strcmp(m, g->bdf) == 0 || gpuvirt_device_new_from_bdf(x->ctx, m, &c) < 0)
			continue;
		if (!gv_device_is_companion(g->dev, c)) {
			gpuvirt_device_unref(c);
			continue;
		}
		companion_alias(g->model, c, name, sizeof(name));
		nova_function(spec, alias, names, c, name);
		gpuvirt_device_unref(c);
	}
	gv_clear_error(x->ctx);
}

/* The mdev type a GPU is listed under: the one it runs; else the one
 * another GPU of its model is listed under; else the first it offers. */
static const char *nova_type_of(const struct gv_export *x, size_t gi, const char **chosen)
{
	const struct gv_xgpu *g = &x->gpus[gi];
	const char *first = NULL;

	if (g->running)
		return g->running;
	for (size_t k = 0; k < x->nprofiles; k++) {
		const gpuvirt_profile *p = x->profiles[k];
		if (gpuvirt_profile_get_mechanism(p) != GPUVIRT_MECHANISM_MDEV || strcmp(gpuvirt_profile_get_parent(p), g->bdf))
			continue;
		if (!first)
			first = gpuvirt_profile_get_id(p);
		for (size_t o = 0; o < gi; o++)
			if (chosen[o] && strcmp(x->gpus[o].model, g->model) == 0 && strcmp(chosen[o], gpuvirt_profile_get_id(p)) == 0)
				return chosen[o];
	}
	return first;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void nova_mdev(const struct gv_export *x, const char **chosen, struct gv_text *t)
{
	const char **types = calloc(x->n ? x->n : 1, sizeof(*types));
	size_t nt = 0;

	if (!types) {
		t->failed = true;
		return;
	}
	for (size_t i = 0; i < x->n; i++)
		if (chosen[i] && !bsearch(&chosen[i], types, nt, sizeof(*types), cmp_str)) {
			types[nt++] = chosen[i];
			qsort(types, nt, sizeof(*types), cmp_str);
		}
	gv_text_add(t, "\n[devices]\nenabled_mdev_types = ");
	for (size_t k = 0; k < nt; k++)
		gv_text_add(t, "%s%s", k ? ", " : "", types[k]);
	gv_text_add(t, "\n");
	for (size_t k = 0; k < nt; k++) {
		gv_text_add(t, "\n[mdev_%s]\ndevice_addresses = ", types[k]);
		for (size_t i = 0, c = 0; i < x->n; i++)
			if (chosen[i] && strcmp(chosen[i], types[k]) == 0)
				gv_text_add(t, "%s%s", c++ ? "," : "", x->gpus[i].bdf);
		gv_text_add(t, "\n");
	}
	free(types);
}

static int write_nova(const struct gv_export *x, uint32_t flags, struct gv_text *t)
{
	struct gv_text spec = {0}, alias = {0};
	struct gv_strv names = {0};
	const char **chosen = calloc(x->n ? x->n : 1, sizeof(*chosen));

	(void)flags;
	if (!chosen)
		return -ENOMEM;
	gv_text_add(t, "# nova.conf for the GPUs of %s, by gpuvirt %s (docs/export.md)\n[pci]\n", x->ctx->root,
		    gpuvirt_version());
	for (size_t i = 0; i < x->n; i++) {
		const struct gv_xgpu *g = &x->gpus[i];
		if (g->nmdev) {
			chosen[i] = nova_type_of(x, i, chosen);
			gv_text_add(t, "# %s (%s): vGPU, mdev type %s%s\n", g->bdf, g->model, chosen[i],
				    g->running ? ", the type it runs" : "");
		} else if (gv_xgpu_for_passthrough(g)) {
			nova_passthrough(x, g, &spec, &alias, &names);
		} else if (g->vendor_vf) {
			gv_text_add(t, "# %s (%s): a VF of NVIDIA's vendor vGPU interface, which Nova does not configure\n",
				    g->bdf, g->model);
		} else {
			gv_text_add(t, "# %s (%s): not for passthrough:", g->bdf, g->model);
			for (size_t k = 0; k < gpuvirt_report_get_reason_count(x->report, g->bdf, GPUVIRT_VERDICT_PASSTHROUGH); k++)
				gv_text_add(t, " %s", gpuvirt_report_get_reason(x->report, g->bdf, GPUVIRT_VERDICT_PASSTHROUGH, k));
			gv_text_add(t, "\n");
		}
	}
	gv_text_add(t, "%s%s", spec.buf ? spec.buf : "", alias.buf ? alias.buf : "");
	t->failed |= spec.failed || alias.failed;
	nova_mdev(x, chosen, t);
	free(spec.buf);
	free(alias.buf);
	gv_strv_free(&names);
	free(chosen);
	return 0;
}

/* ---- KubeVirt ------------------------------------------------------------------------ */

/* "nvidia.com/TU104GL_Tesla_T4": the vendor's domain, then the name in
 * [A-Za-z0-9_] (a Kubernetes resource name: at most 63 characters). */
static void resource_name(uint16_t vendor, const char *name, char *out, size_t size)
{
	char slug[64];

	gv_export_slug(name, '_', false, slug, sizeof(slug));
	snprintf(out, size, "%s/%s", gv_export_vendor_domain(vendor), slug);
}

struct kv_entry {
	char selector[160], resource[160];
};

static int kv_add(struct kv_entry **v, size_t *n, const char *selector, const char *resource)
{
	struct kv_entry *nv;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].selector, selector) == 0)
			return 0;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].selector, sizeof(nv[*n].selector), "%s", selector);
	snprintf(nv[*n].resource, sizeof(nv[*n].resource), "%s", resource);
	(*n)++;
	return 0;
}

static int kv_collect(const struct gv_export *x, struct kv_entry **pci, size_t *npci, struct kv_entry **mdev,
		      size_t *nmdev)
{
	char sel[160], res[160];
	int r = 0;

	for (size_t i = 0; i < x->n && r == 0; i++) {
		const struct gv_xgpu *g = &x->gpus[i];
		uint16_t v = gpuvirt_device_get_vendor_id(g->dev);
		const char *name = gpuvirt_device_get_device_name(g->dev);
		char id[8];
		if (!gv_xgpu_for_passthrough(g))
			continue;
		snprintf(id, sizeof(id), "%04x", gpuvirt_device_get_device_id(g->dev));
		snprintf(sel, sizeof(sel), "%04X:%04X", v, gpuvirt_device_get_device_id(g->dev));
		resource_name(v, name ? name : id, res, sizeof(res));
		r = kv_add(pci, npci, sel, res);
	}
	for (size_t k = 0; k < x->nprofiles && r == 0; k++) {
		const gpuvirt_profile *p = x->profiles[k];
		const struct gv_xgpu *g = gv_export_gpu(x, gpuvirt_profile_get_parent(p));
		if (!g || gpuvirt_profile_get_mechanism(p) != GPUVIRT_MECHANISM_MDEV)
			continue;
		resource_name(gpuvirt_device_get_vendor_id(g->dev), gpuvirt_profile_get_name(p), res, sizeof(res));
		r = kv_add(mdev, nmdev, gpuvirt_profile_get_name(p), res);
	}
	return r;
}

static void kv_yaml_string(struct gv_text *t, const char *s)
{
	gv_text_add(t, "\"");
	for (; *s; s++)
		gv_text_add(t, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	gv_text_add(t, "\"");
}

static void kv_yaml_list(struct gv_text *t, const char *list, const char *selector, const struct kv_entry *v, size_t n)
{
	gv_text_add(t, "  %s:%s\n", list, n ? "" : " []");
	for (size_t i = 0; i < n; i++) {
		gv_text_add(t, "  - %s: ", selector);
		kv_yaml_string(t, v[i].selector);
		gv_text_add(t, "\n    resourceName: ");
		kv_yaml_string(t, v[i].resource);
		gv_text_add(t, "\n");
	}
}

static void kv_yaml(struct gv_text *t, const struct kv_entry *pci, size_t npci, const struct kv_entry *mdev,
		    size_t nmdev)
{
	gv_text_add(t, "permittedHostDevices:\n");
	kv_yaml_list(t, "pciHostDevices", "pciVendorSelector", pci, npci);
	kv_yaml_list(t, "mediatedDevices", "mdevNameSelector", mdev, nmdev);
}

static void kv_json_list(struct json_object *list, const char *selector, const struct kv_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, selector, json_object_new_string(v[i].selector));
		json_object_object_add(e, "resourceName", json_object_new_string(v[i].resource));
		json_object_array_add(list, e);
	}
}

static int kv_json(struct gv_text *t, const struct kv_entry *pci, size_t npci, const struct kv_entry *mdev, size_t nmdev)
{
	struct json_object *top = json_object_new_object(), *phd = json_object_new_object();
	struct json_object *lp = json_object_new_array(), *lm = json_object_new_array();

	if (!top || !phd || !lp || !lm) {
		json_object_put(top);
		json_object_put(phd);
		json_object_put(lp);
		json_object_put(lm);
		return -ENOMEM;
	}
	kv_json_list(lp, "pciVendorSelector", pci, npci);
	kv_json_list(lm, "mdevNameSelector", mdev, nmdev);
	json_object_object_add(phd, "pciHostDevices", lp);
	json_object_object_add(phd, "mediatedDevices", lm);
	json_object_object_add(top, "permittedHostDevices", phd);
	gv_text_add(t, "%s\n",
		    json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	return 0;
}

static int write_kubevirt(const struct gv_export *x, uint32_t flags, struct gv_text *t)
{
	struct kv_entry *pci = NULL, *mdev = NULL;
	size_t npci = 0, nmdev = 0;
	int r = kv_collect(x, &pci, &npci, &mdev, &nmdev);

	if (r == 0 && (flags & GPUVIRT_EXPORT_YAML))
		kv_yaml(t, pci, npci, mdev, nmdev);
	else if (r == 0)
		r = kv_json(t, pci, npci, mdev, nmdev);
	free(pci);
	free(mdev);
	return r;
}

/* ---- node-feature-discovery ------------------------------------------------------------ */

static bool host_passes(const struct gv_export *x, const char *code)
{
	const gpuvirt_finding *f = gv_export_finding(x, code, NULL);

	return f && gpuvirt_finding_get_severity(f) == GPUVIRT_SEVERITY_PASS;
}

struct nfd_count {
	char key[64];
	long value;
};

static int nfd_add(struct nfd_count **v, size_t *n, const char *key, long value)
{
	struct nfd_count *nv;

	char trimmed[64];

	snprintf(trimmed, sizeof(trimmed), "%s", key);
	gv_export_trim(trimmed);
	key = trimmed;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].key, key) == 0) {
			(*v)[i].value += value;
			return 0;
		}
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].key, sizeof(nv[*n].key), "%s", key);
	nv[(*n)++].value = value;
	return 0;
}

/* Label names: at most 63 characters of [A-Za-z0-9-_.], starting and ending
 * alphanumeric (the model and profile parts are cut to fit). */
static int nfd_counts(const struct gv_export *x, struct nfd_count **v, size_t *n)
{
	char key[64], slug[48];
	int r = 0;

	for (size_t i = 0; i < x->n && r == 0; i++)
		if (gv_xgpu_for_passthrough(&x->gpus[i])) {
			snprintf(key, sizeof(key), "gpuvirt-passthrough.%.40s", x->gpus[i].model);
			r = nfd_add(v, n, key, 1);
		}
	for (size_t k = 0; k < x->nprofiles && r == 0; k++) {
		const gpuvirt_profile *p = x->profiles[k];
		if (!gv_export_gpu(x, gpuvirt_profile_get_parent(p)))
			continue;
		gv_export_slug(gpuvirt_profile_get_name(p), '-', true, slug, 44);
		snprintf(key, sizeof(key), "gpuvirt-vgpu.%s", slug);
		r = nfd_add(v, n, key, (long)gpuvirt_profile_get_available(p));
	}
	return r;
}

static int write_nfd(const struct gv_export *x, uint32_t flags, struct gv_text *t)
{
	struct nfd_count *v = NULL;
	size_t n = 0;
	int r;

	(void)flags;
	gv_text_add(t, "gpuvirt-gpus=%zu\n", x->n);
	gv_text_add(t, "gpuvirt-iommu=%s\n", host_passes(x, "iommu.enabled") ? "true" : "false");
	gv_text_add(t, "gpuvirt-vgpu-manager=%s\n", host_passes(x, "vgpu.manager") ? "true" : "false");
	gv_text_add(t, "gpuvirt-vgpu-license=%s\n",
		    host_passes(x, "license.gridd_conf") || host_passes(x, "license.token") ? "true" : "false");
	if ((r = nfd_counts(x, &v, &n)) == 0)
		for (size_t i = 0; i < n; i++)
			gv_text_add(t, "%s=%ld\n", v[i].key, v[i].value);
	free(v);
	return r;
}

/* ---- the public functions ---------------------------------------------------------------- */

GPUVIRT_EXPORT int gpuvirt_export_nova(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out)
{
	return gv_export_run(ctx, bdfs, n, flags, 0, write_nova, out);
}

GPUVIRT_EXPORT int gpuvirt_export_kubevirt(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags,
					   char **out)
{
	return gv_export_run(ctx, bdfs, n, flags, GPUVIRT_EXPORT_YAML, write_kubevirt, out);
}

GPUVIRT_EXPORT int gpuvirt_export_nfd(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out)
{
	return gv_export_run(ctx, bdfs, n, flags, 0, write_nfd, out);
}
