/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the export capability share (export.c collects the
 * host and holds the naming rules; one file per engine writes its
 * document). Export composes the public reads (devices, the checks'
 * verdicts, profiles, instances); nothing else calls it. */
#ifndef GV_EXPORT_PRIVATE_H
#define GV_EXPORT_PRIVATE_H

#include "private.h"

/* A growing text; an allocation failure is remembered and reported once. */
struct gv_text {
	char *buf;
	size_t len, cap;
	bool failed;
};
void gv_text_add(struct gv_text *t, const char *fmt, ...) GV_PRINTF(2, 3);
/* s escaped for XML text and attributes. */
void gv_text_xml(struct gv_text *t, const char *s);
/* s escaped as a Prometheus label value (backslash, quote, newline). */
void gv_text_label(struct gv_text *t, const char *s);

/* One exported GPU. */
struct gv_xgpu {
	gpuvirt_device *dev;
	const char *bdf;
	bool passthrough, share; /* the checks' verdicts */
	char model[48];		 /* its model's name in the documented form: "nvidia-tesla-t4" */
	const char *running;	 /* the mdev type its instances run, or NULL */
	size_t nmdev;		 /* mdev types it offers (on itself, a PCI parent) */
	bool vendor_vf;		 /* a VF of NVIDIA's vendor interface: a vGPU's carrier, not a GPU to pass */
};
/* Offered whole to one VM: the checks say it can be, it offers no mdev
 * type (then it is for vGPU), it is no vendor-interface VF. */
static inline bool gv_xgpu_for_passthrough(const struct gv_xgpu *g)
{
	return g->passthrough && !g->nmdev && !g->vendor_vf;
}

struct gv_export {
	gpuvirt_ctx *ctx;
	struct gv_xgpu *gpus;
	size_t n;
	gpuvirt_report *report;
	gpuvirt_profile **profiles; /* every profile of the host */
	size_t nprofiles;
	gpuvirt_instance **instances;
	size_t ninstances;
};

/* A public export function's body: read the host once (the GPUs or those
 * named, verdicts, profiles, instances), let `write` write the document,
 * hand it to the caller. */
typedef int (*gv_export_writer)(const struct gv_export *x, uint32_t flags, struct gv_text *t);
int gv_export_run(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, uint32_t known,
		  gv_export_writer write, char **out);
/* The GPU a profile or instance lives on, when it is exported; NULL if not. */
const struct gv_xgpu *gv_export_gpu(const struct gv_export *x, const char *bdf);
/* The finding of a host check by code, or NULL. */
const gpuvirt_finding *gv_export_finding(const struct gv_export *x, const char *code, const char *subject);
/* A name within [A-Za-z0-9] with `sep` between words, lower-case when asked,
 * at most size - 1 characters, never empty ("x"). */
void gv_export_slug(const char *in, char sep, bool lower, char *out, size_t size);
/* The vendor's short name ("nvidia", "amd", "intel") and its DNS domain
 * ("nvidia.com"), from the PCI vendor ID. */
const char *gv_export_vendor_word(uint16_t vendor);
/* Drop what is not alphanumeric from the end (a name cut to fit). */
void gv_export_trim(char *s);
const char *gv_export_vendor_domain(uint16_t vendor);


#endif
