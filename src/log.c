/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging through the caller's function, the context's last error, and the
 * names of error codes. Below everything else in the library: it calls
 * nothing of it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

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

/* Messages are built in a buffer of their own: an argument may be
 * ctx->error itself (the first failure, quoted in a later one). */
int gv_fail(gpuvirt_ctx *ctx, int err, const char *fmt, ...)
{
	char msg[sizeof(ctx->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(ctx->error, msg, sizeof(msg));
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
	case EMEDIUMTYPE: return "Not a regular file";
	default: return "Unknown error";
	}
}

