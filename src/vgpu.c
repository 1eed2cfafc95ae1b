/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The vGPU table: which boards can share, and by which mechanism. Part of
 * the model: the checks and the profiles both read it. The default is the
 * installed share/gpuvirt/vgpu-devices.txt, or the copy built in; a
 * context may name another (gpuvirt_ctx_set_vgpu_table(), or
 * GPUVIRT_VGPU_TABLE as read by gpuvirt_ctx_new()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"
#include "vgpu-table.h" /* gv_vgpu_table_builtin[], made from src/data/vgpu-devices.txt */

static int load_table_file(gpuvirt_ctx *ctx, const char *path, struct gv_vgpu_entry **entries, size_t *count)
{
	char *buf;
	size_t bad = 0;
	ssize_t n = gv_load_local_file(ctx, "vGPU table", path, &buf);
	int r;

	if (n < 0)
		return (int)n;
	if ((r = gv_parse_vgpu_table(buf, (size_t)n, entries, count, &bad)) == -EBADMSG)
		gv_fail(ctx, r, "vGPU table %s: line %zu is malformed", path, bad);
	else if (r < 0)
		gv_fail(ctx, r, "vGPU table %s: %s", path, gpuvirt_strerror(r));
	free(buf);
	return r;
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_vgpu_table(gpuvirt_ctx *ctx, const char *path)
{
	struct gv_vgpu_entry *entries = NULL;
	size_t count = 0;
	int r;

	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (!path) {
		free(ctx->vgpu_table);
		ctx->vgpu_table = NULL;
		ctx->vgpu_count = 0;
		return 0;
	}
	if ((r = load_table_file(ctx, path, &entries, &count)) < 0)
		return r;
	free(ctx->vgpu_table);
	/* An empty table is a real choice: keep a non-NULL pointer for it. */
	ctx->vgpu_table = entries ? entries : calloc(1, sizeof(*entries));
	ctx->vgpu_count = count;
	return ctx->vgpu_table ? 0 : -ENOMEM;
}

int gv_vgpu_table_load(gpuvirt_ctx *ctx)
{
	const char *env = ctx->vgpu_table_env;
	size_t bad = 0;

	if (ctx->vgpu_table)
		return 0;
	if (env && *env) {
		if (gpuvirt_ctx_set_vgpu_table(ctx, env) == 0)
			return 0;
		gv_warn(ctx, "GPUVIRT_VGPU_TABLE: %s; using the default table", gpuvirt_ctx_get_error(ctx));
	}
	if (access(GPUVIRT_VGPU_TABLE_PATH, R_OK) == 0 && gpuvirt_ctx_set_vgpu_table(ctx, GPUVIRT_VGPU_TABLE_PATH) == 0)
		return 0;
	gv_clear_error(ctx);
	if (gv_parse_vgpu_table(gv_vgpu_table_builtin, sizeof(gv_vgpu_table_builtin) - 1, &ctx->vgpu_table, &ctx->vgpu_count, &bad) < 0)
		return -ENOMEM; /* the build checks the built-in table; only memory can fail */
	return 0;
}

const struct gv_vgpu_entry *gv_vgpu_lookup(gpuvirt_ctx *ctx, const gpuvirt_device *dev)
{
	uint16_t v = gpuvirt_device_get_vendor_id(dev), d = gpuvirt_device_get_device_id(dev);
	int32_t sv = gpuvirt_device_get_subsystem_vendor_id(dev), sd = gpuvirt_device_get_subsystem_device_id(dev);

	for (size_t i = 0; i < ctx->vgpu_count; i++) {
		const struct gv_vgpu_entry *e = &ctx->vgpu_table[i];
		if (e->vendor == v && e->device == d && (e->subsystem_vendor < 0 || e->subsystem_vendor == sv) &&
		    (e->subsystem_device < 0 || e->subsystem_device == sd))
			return e;
	}
	return NULL;
}

