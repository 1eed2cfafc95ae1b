/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: root prefix, logging, last error, error names. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#ifndef GPUVIRT_VERSION_STRING
#error "GPUVIRT_VERSION_STRING must be defined by the build"
#endif

static int parse_log_priority(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} names[] = {
		{"emerg", 0}, {"alert", 1}, {"crit", 2}, {"err", 3}, {"error", 3},
		{"warning", 4}, {"warn", 4}, {"notice", 5}, {"info", 6}, {"debug", 7},
	};
	long v;

	if (gv_parse_int(s, strlen(s), 0, 7, &v) == 0)
		return (int)v;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].prio;
	return -1;
}

static int copy_env(const char *name, char **out)
{
	/* secure_getenv: a setuid or setcap program that links us must not let
	 * its caller choose the program we run as root, or the root we act on. */
	const char *v = secure_getenv(name);

	*out = NULL;
	if (!v || !*v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

/* Every variable the library heeds is read here, once, when a context is
 * made; each also has a setter. GPUVIRT_MODPROBE and GPUVIRT_XL name
 * programs: only absolute paths are taken. */
static int read_environment(gpuvirt_ctx *ctx)
{
	char *log = NULL, *modprobe = NULL, *xl = NULL;
	int r;

	if ((r = copy_env("GPUVIRT_LOG", &log)) < 0 || (r = copy_env("GPUVIRT_ROOT", &ctx->root_env)) < 0 ||
	    (r = copy_env("GPUVIRT_VGPU_TABLE", &ctx->vgpu_table_env)) < 0 || (r = copy_env("GPUVIRT_MODPROBE", &modprobe)) < 0 ||
	    (r = copy_env("GPUVIRT_XL", &xl)) < 0)
		goto out;
	if (log) {
		int p = parse_log_priority(log);
		if (p >= 0)
			ctx->log_priority = p;
	}
	if (modprobe && modprobe[0] == '/') {
		ctx->modprobe = modprobe;
		modprobe = NULL;
	}
	if (xl && xl[0] == '/') {
		ctx->xl = xl;
		xl = NULL;
	}
out:
	free(log);
	free(modprobe);
	free(xl);
	return r;
}

static const char *root_env(const gpuvirt_ctx *ctx)
{
	return ctx->root_env ? ctx->root_env : "/";
}

GPUVIRT_EXPORT int gpuvirt_ctx_new(gpuvirt_ctx **out)
{
	gpuvirt_ctx *ctx;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->root_fd = -1;
	ctx->log_priority = 3;
	ctx->write_timeout_ms = GV_WRITE_TIMEOUT_MS;
	if ((r = read_environment(ctx)) < 0 || (r = gpuvirt_ctx_set_root(ctx, root_env(ctx))) < 0) {
		gpuvirt_ctx_unref(ctx);
		return r;
	}
	free(ctx->root_env);
	ctx->root_env = NULL;
	*out = ctx;
	return 0;
}

GPUVIRT_EXPORT gpuvirt_ctx *gpuvirt_ctx_ref(gpuvirt_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

GPUVIRT_EXPORT gpuvirt_ctx *gpuvirt_ctx_unref(gpuvirt_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (--ctx->refcount > 0)
		return ctx;
	gv_pci_names_free(ctx);
	free(ctx->vgpu_table);
	gv_mig_listing_free(ctx->mig_listing);
	free(ctx->vgpu_table_env);
	free(ctx->root_env);
	free(ctx->modprobe);
	free(ctx->xl);
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	free(ctx->root);
	free(ctx);
	return NULL;
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_root(gpuvirt_ctx *ctx, const char *root)
{
	char *canon;
	int fd;

	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (!root || root[0] != '/')
		return gv_fail(ctx, -EINVAL, "root must be an absolute path, got '%s'", root ? root : "(null)");
	if (strnlen(root, PATH_MAX) >= PATH_MAX)
		return gv_fail(ctx, -ENAMETOOLONG, "root path is too long");
	canon = realpath(root, NULL);
	if (!canon)
		return gv_fail(ctx, -errno, "root %s: %s", root, strerror(errno));
	fd = open(canon, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		free(canon);
		return gv_fail(ctx, err, "root %s: %s", root, strerror(-err));
	}
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	free(ctx->root);
	ctx->root = canon;
	ctx->root_fd = fd;
	gv_debug(ctx, "root is %s", canon);
	return 0;
}

GPUVIRT_EXPORT const char *gpuvirt_ctx_get_root(const gpuvirt_ctx *ctx)
{
	return ctx ? ctx->root : NULL;
}

GPUVIRT_EXPORT void gpuvirt_ctx_set_log_fn(gpuvirt_ctx *ctx, gpuvirt_log_fn fn, void *userdata)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_userdata = userdata;
}

GPUVIRT_EXPORT void gpuvirt_ctx_set_log_priority(gpuvirt_ctx *ctx, int priority)
{
	if (!ctx)
		return;
	ctx->log_priority = priority < 0 ? 0 : priority > 7 ? 7 : priority;
}

GPUVIRT_EXPORT int gpuvirt_ctx_get_log_priority(const gpuvirt_ctx *ctx)
{
	return ctx ? ctx->log_priority : -1;
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_write_timeout(gpuvirt_ctx *ctx, uint32_t timeout_ms)
{
	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (timeout_ms == 0 || timeout_ms > 24u * 3600 * 1000)
		return gv_fail(ctx, -EINVAL, "a write timeout of %u ms is out of range (1 ms to 24 h)", timeout_ms);
	ctx->write_timeout_ms = (long)timeout_ms;
	return 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_ctx_get_write_timeout(const gpuvirt_ctx *ctx)
{
	return ctx ? (uint32_t)ctx->write_timeout_ms : 0;
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_xl(gpuvirt_ctx *ctx, const char *path)
{
	char *copy = NULL;

	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (path && path[0] != '/')
		return gv_fail(ctx, -EINVAL, "xl '%s': not an absolute path", path);
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(ctx->xl);
	ctx->xl = copy;
	return 0;
}

GPUVIRT_EXPORT uint64_t gpuvirt_ctx_get_generation(const gpuvirt_ctx *ctx)
{
	return ctx ? ctx->generation : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_ctx_get_error(const gpuvirt_ctx *ctx)
{
	return ctx ? ctx->error : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_version(void)
{
	return GPUVIRT_VERSION_STRING;
}
