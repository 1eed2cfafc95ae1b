/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The desired host state under the root's etc/gpuvirt/ (docs/persistence.md):
 * one JSON file per object, written atomically through the mutation layer's
 * state-file writer, read back for restore, diff and apply. The format is
 * parse-persist.c's. Part of the mutation layer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define OBJECT_MAX 4096 /* bytes of one object's file */

static const char *const folders[] = {[GV_WANT_VFS] = "vfs", [GV_WANT_BINDING] = "bindings",
				      [GV_WANT_INSTANCE] = "instances"};

int gv_wants_add(struct gv_wants *w, const struct gv_want *one)
{
	struct gv_want *v = realloc(w->v, (w->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	w->v = v;
	w->v[w->n++] = *one;
	return 0;
}

void gv_wants_free(struct gv_wants *w)
{
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

int gv_persist_rel(int kind, const char *name, char *rel, size_t size)
{
	if (kind < GV_WANT_VFS || kind > GV_WANT_INSTANCE)
		return -EINVAL;
	return gv_path(rel, size, "etc/gpuvirt/%s/%s.json", folders[kind], name);
}

/* The name a file of this object must have. */
static const char *object_name(const struct gv_want *w)
{
	return w->kind == GV_WANT_INSTANCE ? w->uuid : w->device;
}

GV_PRINTF(3, 4) static void damaged(struct gv_want *w, const char *rel, const char *fmt, ...)
{
	va_list ap;

	memset(w, 0, sizeof(*w));
	snprintf(w->source, sizeof(w->source), "%s", rel);
	va_start(ap, fmt);
	vsnprintf(w->error, sizeof(w->error), fmt, ap);
	va_end(ap);
}

static int load_one(gpuvirt_ctx *ctx, int kind, const char *file, struct gv_wants *out)
{
	char rel[160], buf[OBJECT_MAX], why[160] = "";
	size_t len = strlen(file);
	struct gv_want w;
	ssize_t n;

	if (len < 6 || strcmp(file + len - 5, ".json") != 0)
		return 0; /* an editor's backup, a temporary of an atomic write */
	if (gv_path(rel, sizeof(rel), "etc/gpuvirt/%s/%s", folders[kind], file) < 0) {
		damaged(&w, file, "%s", "cannot be named under the root");
		return gv_wants_add(out, &w);
	}
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n < 0)
		damaged(&w, rel, "cannot be read: %s", gpuvirt_strerror((int)n));
	else if (gv_parse_want(buf, (size_t)n, &w, why, sizeof(why)) < 0)
		damaged(&w, rel, "damaged: %s", why);
	else if (w.kind != kind || strlen(object_name(&w)) != len - 5 || strncmp(object_name(&w), file, len - 5) != 0)
		damaged(&w, rel, "%s", "names another object than its file's name (or is of another folder's kind)");
	else
		snprintf(w.source, sizeof(w.source), "%s", rel);
	if (w.error[0])
		gv_warn(ctx, "%s: %s", w.source, w.error);
	return gv_wants_add(out, &w);
}

int gv_persist_load(gpuvirt_ctx *ctx, struct gv_wants *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (int kind = GV_WANT_VFS; kind <= GV_WANT_INSTANCE && r == 0; kind++) {
		char rel[64], **names = NULL;
		size_t n = 0;
		snprintf(rel, sizeof(rel), "etc/gpuvirt/%s", folders[kind]);
		r = gv_list_dir(ctx, rel, &names, &n);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0) {
			r = gv_fail(ctx, r, "cannot list %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
			break;
		}
		for (size_t i = 0; i < n && r == 0; i++)
			r = load_one(ctx, kind, names[i], out);
		gv_names_free(names, n);
	}
	if (r < 0)
		gv_wants_free(out);
	return r;
}

int gv_persist_load_file(gpuvirt_ctx *ctx, const char *path, struct gv_wants *out)
{
	char why[240] = "", *buf;
	ssize_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if ((n = gv_load_local_file(ctx, "cannot read", path, &buf)) < 0)
		return (int)n;
	if ((r = gv_parse_wants(buf, (size_t)n, &out->v, &out->n, why, sizeof(why))) < 0)
		r = gv_fail(ctx, r, "%s: %s", path, r == -EBADMSG ? why : gpuvirt_strerror(r));
	free(buf);
	return r;
}

int gv_persist_put(gpuvirt_ctx *ctx, const struct gv_want *w)
{
	char rel[160], buf[OBJECT_MAX];
	int r;

	if ((r = gv_persist_rel(w->kind, object_name(w), rel, sizeof(rel))) < 0 ||
	    (r = gv_format_want(w, buf, sizeof(buf))) < 0)
		return gv_fail(ctx, r, "%s: cannot record it in etc/gpuvirt: %s", object_name(w), gpuvirt_strerror(r));
	return gv_mut_put_file(ctx, rel, buf);
}

int gv_persist_remove(gpuvirt_ctx *ctx, int kind, const char *name)
{
	char rel[160];
	int r;

	if ((r = gv_persist_rel(kind, name, rel, sizeof(rel))) < 0)
		return gv_fail(ctx, r, "%s: cannot name its record in etc/gpuvirt", name);
	return gv_mut_remove_file(ctx, rel);
}

int gv_persist_get(gpuvirt_ctx *ctx, int kind, const char *name, struct gv_want *w)
{
	char rel[160], buf[OBJECT_MAX], why[160];
	ssize_t n;
	int r;

	if ((r = gv_persist_rel(kind, name, rel, sizeof(rel))) < 0)
		return r;
	if ((n = gv_read_text(ctx, rel, buf, sizeof(buf))) < 0)
		return n == -ENOENT ? -ENOENT : gv_fail(ctx, (int)n, "cannot read %s: %s", rel, gpuvirt_strerror((int)n));
	if (gv_parse_want(buf, (size_t)n, w, why, sizeof(why)) < 0 || w->kind != kind)
		return gv_fail(ctx, -EBADMSG, "%s is damaged: %s", rel, why);
	return 0;
}

int gv_persist_vfs_of(gpuvirt_ctx *ctx, const char *dev)
{
	struct gv_want w = {.kind = GV_WANT_VFS}, had;
	char rel[160], pf[GV_DRIVER_LEN], buf[OBJECT_MAX];
	ssize_t n;
	long count;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", dev) < 0)
		return 0; /* an mdev parent that is not a PCI function */
	if ((n = gv_readlink_base(ctx, rel, pf, sizeof(pf))) == -ENOENT)
		return 0;
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", dev, rel, gpuvirt_strerror((int)n));
	if (gv_parse_bdf(pf, w.device) < 0 ||
	    gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", w.device) < 0)
		return gv_fail(ctx, -EBADMSG, "%s: its physfn link names no PCI address (%s)", dev, pf);
	if ((n = gv_read_text(ctx, rel, buf, sizeof(buf))) < 0 || gv_parse_int(buf, (size_t)n, 1, 65535, &count) < 0)
		return gv_fail(ctx, n < 0 ? (int)n : -EBADMSG, "%s: cannot read its PF's VF count (%s)", dev, rel);
	w.count = (int)count;
	/* Already recorded as it is: nothing to write. */
	if (gv_persist_get(ctx, GV_WANT_VFS, w.device, &had) == 0 && had.count == w.count)
		return 0;
	gv_clear_error(ctx);
	return gv_persist_put(ctx, &w);
}
