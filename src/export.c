/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The export capability: what the host offers, in the language of the
 * engines that schedule GPU VMs (gpuvirt/export.h, docs/export.md). This
 * file reads the host once for every format and holds the naming rules;
 * export-cluster.c writes (and exports the functions of) Nova's, KubeVirt's
 * and node-feature-discovery's documents, export-metrics.c Prometheus's and
 * libvirt's: they call this file, never the other way round. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-private.h"

/* ---- text ----------------------------------------------------------------- */

static bool grow(struct gv_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *b;

	if (t->failed)
		return false;
	while (cap < t->len + more + 1)
		cap *= 2;
	if (cap == t->cap)
		return true;
	if (!(b = realloc(t->buf, cap))) {
		t->failed = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

void gv_text_add(struct gv_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void gv_text_xml(struct gv_text *t, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			gv_text_add(t, "&lt;");
		else if (c == '>')
			gv_text_add(t, "&gt;");
		else if (c == '&')
			gv_text_add(t, "&amp;");
		else if (c == '\'' || c == '"')
			gv_text_add(t, "&#%d;", c);
		else if (c < 0x20 || c == 0x7f)
			gv_text_add(t, "?"); /* not allowed in XML 1.0 */
		else
			gv_text_add(t, "%c", c);
	}
}

void gv_text_label(struct gv_text *t, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			gv_text_add(t, "\\%c", *s);
		else if (*s == '\n')
			gv_text_add(t, "\\n");
		else
			gv_text_add(t, "%c", *s);
	}
}

/* ---- naming ------------------------------------------------------------------ */

static const struct {
	uint16_t id;
	const char *word, *domain;
} vendors[] = {
	{0x10de, "nvidia", "nvidia.com"}, {0x1002, "amd", "amd.com"},	   {0x8086, "intel", "intel.com"},
	{0x1af4, "virtio", "redhat.com"}, {0x1b36, "qemu", "redhat.com"}, {0x1234, "qemu", "redhat.com"},
	{0x1a03, "aspeed", "aspeedtech.com"}, {0x102b, "matrox", "matrox.com"},
};

const char *gv_export_vendor_word(uint16_t vendor)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].id == vendor)
			return vendors[i].word;
	return NULL;
}

const char *gv_export_vendor_domain(uint16_t vendor)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].id == vendor)
			return vendors[i].domain;
	return "gpuvirt.io";
}

void gv_export_slug(const char *in, char sep, bool lower, char *out, size_t size)
{
	size_t n = 0;
	bool gap = false;

	for (const char *p = in ? in : ""; *p && n + 1 < size; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum) {
			gap = n > 0;
			continue;
		}
		if (gap && n + 2 < size)
			out[n++] = sep;
		gap = false;
		out[n++] = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	if (!n)
		out[n++] = 'x';
	out[n] = '\0';
}

/* "nvidia-tesla-t4": the vendor's word, then the marketing name (the last
 * bracketed part of the device's name in pci.ids), else the name, else the
 * device ID. */
static void model_name(const gpuvirt_device *d, char *out, size_t size)
{
	const char *name = gpuvirt_device_get_device_name(d), *vw = gv_export_vendor_word(gpuvirt_device_get_vendor_id(d));
	char vbuf[16], product[128], slug[64];
	const char *open = name ? strrchr(name, '[') : NULL, *close = open ? strchr(open, ']') : NULL;

	if (!vw) {
		snprintf(vbuf, sizeof(vbuf), "%04x", gpuvirt_device_get_vendor_id(d));
		vw = vbuf;
	}
	if (open && close && close > open + 1)
		snprintf(product, sizeof(product), "%.*s", (int)(close - open - 1), open + 1);
	else if (name)
		snprintf(product, sizeof(product), "%s", name);
	else
		snprintf(product, sizeof(product), "%04x", gpuvirt_device_get_device_id(d));
	gv_export_slug(product, '-', true, slug, sizeof(slug));
	snprintf(out, size, "%s-%.*s", vw, (int)(size > strlen(vw) + 2 ? size - strlen(vw) - 2 : 0), slug);
	gv_export_trim(out);
}

void gv_export_trim(char *s)
{
	size_t n = strlen(s);

	while (n && !((s[n - 1] >= 'a' && s[n - 1] <= 'z') || (s[n - 1] >= 'A' && s[n - 1] <= 'Z') ||
		      (s[n - 1] >= '0' && s[n - 1] <= '9')))
		s[--n] = '\0';
}

/* ---- reading the host once ---------------------------------------------------------- */

static int add_gpu(struct gv_export *x, gpuvirt_device *d)
{
	struct gv_xgpu *v = realloc(x->gpus, (x->n + 1) * sizeof(*v)), *g;

	if (!v) {
		gpuvirt_device_unref(d);
		return -ENOMEM;
	}
	x->gpus = v;
	g = &v[x->n++];
	memset(g, 0, sizeof(*g));
	g->dev = d;
	g->bdf = gpuvirt_device_get_bdf(d);
	model_name(d, g->model, sizeof(g->model));
	return 0;
}

static int collect_gpus(struct gv_export *x, const char *const *bdfs, size_t n)
{
	gpuvirt_device_iter *it = NULL;
	gpuvirt_device *d;
	int r = 0;

	if (bdfs) {
		for (size_t i = 0; i < n && r == 0; i++)
			if ((r = gpuvirt_device_new_from_bdf(x->ctx, bdfs[i], &d)) == 0)
				r = add_gpu(x, d);
		return r;
	}
	if ((r = gpuvirt_device_iter_new(x->ctx, GPUVIRT_DEVICES_GPUS, &it)) < 0)
		return r;
	while (r == 0 && (r = gpuvirt_device_iter_next(it, &d)) == 1)
		r = add_gpu(x, d);
	gpuvirt_device_iter_unref(it);
	return r < 0 ? r : 0;
}

/* Append an object to a growing array of pointers (taking its reference). */
static int push(void ***v, size_t *n, void *item)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = item;
	return 0;
}

static int collect_profiles(struct gv_export *x)
{
	gpuvirt_profile_iter *it = NULL;
	gpuvirt_profile *p;
	int r = gpuvirt_profile_iter_new(x->ctx, NULL, &it);

	while (r >= 0 && (r = gpuvirt_profile_iter_next(it, &p)) == 1)
		if ((r = push((void ***)&x->profiles, &x->nprofiles, p)) < 0)
			gpuvirt_profile_unref(p);
	gpuvirt_profile_iter_unref(it);
	return r < 0 ? r : 0;
}

static int collect_instances(struct gv_export *x)
{
	gpuvirt_instance_iter *it = NULL;
	gpuvirt_instance *in;
	int r = gpuvirt_instance_iter_new(x->ctx, &it);

	while (r >= 0 && (r = gpuvirt_instance_iter_next(it, &in)) == 1)
		if ((r = push((void ***)&x->instances, &x->ninstances, in)) < 0)
			gpuvirt_instance_unref(in);
	gpuvirt_instance_iter_unref(it);
	return r < 0 ? r : 0;
}

/* Each GPU's verdicts, the mdev types it offers and the one it runs. */
static void annotate(struct gv_export *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct gv_xgpu *g = &x->gpus[i];
		g->passthrough = gpuvirt_report_can_passthrough(x->report, g->bdf) == 1;
		g->share = gpuvirt_report_can_share(x->report, g->bdf) == 1;
		const char *pf = gpuvirt_device_get_physfn(g->dev);
		for (size_t k = 0; k < x->nprofiles; k++) {
			int m = gpuvirt_profile_get_mechanism(x->profiles[k]);
			const char *parent = gpuvirt_profile_get_parent(x->profiles[k]);
			if (m == GPUVIRT_MECHANISM_MDEV && strcmp(parent, g->bdf) == 0)
				g->nmdev++;
			if (m == GPUVIRT_MECHANISM_NVIDIA_VENDOR && pf && strcmp(parent, pf) == 0)
				g->vendor_vf = true;
		}
		for (size_t k = 0; k < x->ninstances && !g->running; k++)
			if (gpuvirt_instance_get_mechanism(x->instances[k]) == GPUVIRT_MECHANISM_MDEV &&
			    gpuvirt_instance_is_active(x->instances[k]) == 1 &&
			    strcmp(gpuvirt_instance_get_parent(x->instances[k]), g->bdf) == 0)
				g->running = gpuvirt_instance_get_profile_id(x->instances[k]);
	}
	gv_clear_error(x->ctx);
}

static void export_free(struct gv_export *x);

static int export_collect(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, uint32_t known,
			  struct gv_export *x)
{
	int r;

	memset(x, 0, sizeof(*x));
	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (flags & ~known)
		return gv_fail(ctx, -EINVAL, "export: unknown flags");
	if (!bdfs && n)
		return gv_fail(ctx, -EINVAL, "export: %zu addresses, but none given", n);
	x->ctx = ctx;
	if ((r = collect_gpus(x, bdfs, n)) < 0 || (r = gpuvirt_check_host(ctx, 0, &x->report)) < 0 ||
	    (r = collect_profiles(x)) < 0 || (r = collect_instances(x)) < 0) {
		export_free(x);
		return r;
	}
	annotate(x);
	return 0;
}

static void export_free(struct gv_export *x)
{
	for (size_t i = 0; i < x->n; i++)
		gpuvirt_device_unref(x->gpus[i].dev);
	for (size_t i = 0; i < x->nprofiles; i++)
		gpuvirt_profile_unref(x->profiles[i]);
	for (size_t i = 0; i < x->ninstances; i++)
		gpuvirt_instance_unref(x->instances[i]);
	free(x->gpus);
	free(x->profiles);
	free(x->instances);
	gpuvirt_report_unref(x->report);
	memset(x, 0, sizeof(*x));
}

const struct gv_xgpu *gv_export_gpu(const struct gv_export *x, const char *bdf)
{
	for (size_t i = 0; bdf && i < x->n; i++)
		if (strcmp(x->gpus[i].bdf, bdf) == 0)
			return &x->gpus[i];
	return NULL;
}

const gpuvirt_finding *gv_export_finding(const struct gv_export *x, const char *code, const char *subject)
{
	gpuvirt_finding_iter *it = NULL;
	const gpuvirt_finding *f, *found = NULL;

	if (gpuvirt_finding_iter_new(x->report, &it) < 0)
		return NULL;
	while (!found && gpuvirt_finding_iter_next(it, &f) == 1) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (strcmp(gpuvirt_finding_get_code(f), code) == 0 &&
		    (subject ? s && strcmp(s, subject) == 0 : !s))
			found = f;
	}
	gpuvirt_finding_iter_unref(it);
	return found;
}

static int export_finish(struct gv_export *x, struct gv_text *t, char **out)
{
	int r = 0;

	if (!t->failed && !t->buf)
		gv_text_add(t, "%s", "");
	if (t->failed) {
		free(t->buf);
		r = gv_fail(x->ctx, -ENOMEM, "export: out of memory");
	} else {
		*out = t->buf;
	}
	export_free(x);
	return r;
}

/* ---- one document ------------------------------------------------------------------ */

int gv_export_run(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, uint32_t known,
		  gv_export_writer write, char **out)
{
	struct gv_text t = {0};
	struct gv_export x;
	int r;

	if (out)
		*out = NULL;
	if (!out)
		return -EINVAL;
	if ((r = export_collect(ctx, bdfs, n, flags, known, &x)) < 0)
		return r;
	if ((r = write(&x, flags, &t)) < 0) {
		free(t.buf);
		export_free(&x);
		return r;
	}
	return export_finish(&x, &t, out);
}
