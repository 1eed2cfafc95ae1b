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

GPUVIRT_EXPORT int gpuvirt_ctx_new(gpuvirt_ctx **out)
{
	gpuvirt_ctx *ctx;
	const char *env;
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
	env = getenv("GPUVIRT_LOG");
	if (env && *env) {
		int p = parse_log_priority(env);
		if (p >= 0)
			ctx->log_priority = p;
	}
	env = getenv("GPUVIRT_ROOT");
	r = gpuvirt_ctx_set_root(ctx, env && *env ? env : "/");
	if (r < 0) {
		gpuvirt_ctx_unref(ctx);
		return r;
	}
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
	free(ctx->modprobe);
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

GPUVIRT_EXPORT const char *gpuvirt_ctx_get_error(const gpuvirt_ctx *ctx)
{
	return ctx ? ctx->error : NULL;
}

static void log_va(gpuvirt_ctx *ctx, int priority, const char *fmt, va_list ap)
{
	char msg[1024];

	if (!ctx->log_fn || priority > ctx->log_priority)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ctx->log_fn(ctx->log_userdata, priority, msg);
}

void gv_log(gpuvirt_ctx *ctx, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(ctx, priority, fmt, ap);
	va_end(ap);
}

int gv_fail(gpuvirt_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	gv_log(ctx, 7, "error %d: %s", err, ctx->error);
	return err;
}

void gv_clear_error(gpuvirt_ctx *ctx)
{
	ctx->error[0] = '\0';
}

GPUVIRT_EXPORT const char *gpuvirt_strerror(int error)
{
	/* Our own wording for the codes the library returns, so that messages
	 * do not depend on the C library's locale or version. */
	switch (error < 0 ? -error : error) {
	case 0: return "Success";
	case EPERM: return "Operation not permitted";
	case ENOENT: return "No such file or directory";
	case EINTR: return "Interrupted";
	case EIO: return "Input/output error";
	case ENXIO: return "No such device or address";
	case E2BIG: return "Argument list too long";
	case EBADF: return "Bad file descriptor";
	case EAGAIN: return "Resource temporarily unavailable";
	case ENOMEM: return "Out of memory";
	case EACCES: return "Permission denied";
	case EFAULT: return "Bad address";
	case EBUSY: return "Device or resource busy";
	case EEXIST: return "Already exists";
	case EXDEV: return "Path leaves the root";
	case ENODEV: return "No such device";
	case ENOTDIR: return "Not a directory";
	case EISDIR: return "Is a directory";
	case EINVAL: return "Invalid argument";
	case ENOSPC: return "No capacity left";
	case EROFS: return "Read-only file system";
	case ERANGE: return "Value out of range";
	case ENAMETOOLONG: return "Name too long";
	case ENOSYS: return "Function not implemented";
	case ELOOP: return "Too many levels of symbolic links";
	case ENODATA: return "No data available";
	case ETIME: return "Timer expired";
	case EBADMSG: return "Malformed content";
	case EOVERFLOW: return "Value too large";
	case EOPNOTSUPP: return "Operation not supported";
	case EFBIG: return "File too large";
	case ETIMEDOUT: return "Timed out";
	case EALREADY: return "Already in progress";
	case ESTALE: return "Stale state";
	case ECANCELED: return "Operation canceled";
	case EDEADLK: return "Resource deadlock would occur";
	case ENOLCK: return "No locks available";
	default: return "Unknown error";
	}
}

GPUVIRT_EXPORT const char *gpuvirt_version(void)
{
	return GPUVIRT_VERSION_STRING;
}
