/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/context.h
 * @brief Library context, error reporting and logging.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 *
 * **Threading rule**: a context and every object made from it are used by
 * one thread at a time. Separate contexts are independent and may be used
 * from different threads at once. Safety between processes comes from file
 * locks on the host, not from this library's memory.
 *
 * **Errors**: every function that can fail returns 0 (or a count) on success
 * and a negative errno value on failure (`-EINVAL`, `-ENOENT`, `-ENODEV`...).
 * gpuvirt_strerror() names a code; gpuvirt_ctx_get_error() returns a human
 * message for the last failure in a context, naming the device and the file.
 */
#ifndef GPUVIRT_CONTEXT_H
#define GPUVIRT_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The library context: root prefix, logging, last error.
 *
 * Opaque; made by gpuvirt_ctx_new(), reference counted with gpuvirt_ctx_ref()
 * and gpuvirt_ctx_unref(). Every object made from a context holds a reference
 * to it.
 * @since 1.0
 */
typedef struct gpuvirt_ctx gpuvirt_ctx;

/**
 * @brief Signature of the caller's log function.
 *
 * @param userdata  the pointer given to gpuvirt_ctx_set_log_fn().
 * @param priority  a syslog priority (`LOG_ERR` = 3 ... `LOG_DEBUG` = 7).
 * @param message   the message, already formatted, without a trailing newline;
 *                  valid only during the call.
 * @since 1.0
 */
typedef void (*gpuvirt_log_fn)(void *userdata, int priority, const char *message);

/**
 * @brief Create a library context.
 *
 * The root prefix is taken from the environment variable `GPUVIRT_ROOT` when
 * it is set and not empty, else it is `/`. The log priority is `LOG_ERR` (3),
 * or what `GPUVIRT_LOG` says (a number 0-7 or one of `err`, `warning`,
 * `notice`, `info`, `debug`). No log function is set: the library never
 * prints on its own.
 *
 * @param[out] ctx  receives the new context, with one reference.
 * @return 0; `-EINVAL` if @p ctx is NULL; `-ENOMEM`; or the error of
 *         gpuvirt_ctx_set_root() for a bad `GPUVIRT_ROOT`.
 * @since 1.0
 */
int gpuvirt_ctx_new(gpuvirt_ctx **ctx);

/**
 * @brief Take a reference on a context.
 * @param ctx  the context, or NULL.
 * @return @p ctx.
 * @since 1.0
 */
gpuvirt_ctx *gpuvirt_ctx_ref(gpuvirt_ctx *ctx);

/**
 * @brief Drop a reference on a context, freeing it with the last one.
 * @param ctx  the context, or NULL (a no-op).
 * @return NULL once the context is freed, else @p ctx.
 * @since 1.0
 */
gpuvirt_ctx *gpuvirt_ctx_unref(gpuvirt_ctx *ctx);

/**
 * @brief Set the root prefix under which every host file is read and written.
 *
 * `/` is the running host. A directory holding `sys/`, `proc/`, `etc/`,
 * `run/`, `lib/modules/` (a container's view of the host, or a simulated
 * host) redirects all of the library's file access there. No path the
 * library builds may leave this root: `..` components are refused and
 * symbolic links are resolved inside it.
 *
 * @param ctx   the context.
 * @param root  an absolute path to an existing directory.
 * @return 0; `-EINVAL` for NULL, an empty or relative path;
 *         `-ENOENT` or `-ENOTDIR` if it is not a directory; `-ENAMETOOLONG`.
 *         On failure the previous root stays in force.
 * @since 1.0
 */
int gpuvirt_ctx_set_root(gpuvirt_ctx *ctx, const char *root);

/**
 * @brief The root prefix in use.
 * @param ctx  the context.
 * @return the canonical absolute root path, borrowed: valid until the next
 *         gpuvirt_ctx_set_root() or the context is freed; NULL if @p ctx is NULL.
 * @since 1.0
 */
const char *gpuvirt_ctx_get_root(const gpuvirt_ctx *ctx);

/**
 * @brief Set the function that receives the library's log messages.
 * @param ctx       the context.
 * @param fn        the function, or NULL to drop messages.
 * @param userdata  passed to @p fn unchanged.
 * @since 1.0
 */
void gpuvirt_ctx_set_log_fn(gpuvirt_ctx *ctx, gpuvirt_log_fn fn, void *userdata);

/**
 * @brief Set the most verbose syslog priority passed to the log function.
 * @param ctx       the context.
 * @param priority  0 (`LOG_EMERG`) to 7 (`LOG_DEBUG`); values outside are clamped.
 * @since 1.0
 */
void gpuvirt_ctx_set_log_priority(gpuvirt_ctx *ctx, int priority);

/**
 * @brief The log priority in force.
 * @param ctx  the context.
 * @return the priority, or -1 if @p ctx is NULL.
 * @since 1.0
 */
int gpuvirt_ctx_get_log_priority(const gpuvirt_ctx *ctx);

/**
 * @brief A human-readable message for the last failure in this context.
 *
 * The message says what failed and where, for example
 * `0000:01:00.0: cannot read sys/bus/pci/devices/0000:01:00.0/config: No such file or directory`.
 *
 * Every function that can fail with a message clears it on entry, so it
 * always speaks of the last such call; getters (which fail only on NULL
 * arguments) leave it alone, so that a caller can read a device's address
 * or a plan's steps while it reports a failure.
 *
 * @param ctx  the context.
 * @return the message, borrowed: valid until the next call into the
 *         library with this context; "" when nothing failed yet; NULL if
 *         @p ctx is NULL.
 * @since 1.0
 */
const char *gpuvirt_ctx_get_error(const gpuvirt_ctx *ctx);

/**
 * @brief Set the deadline of a kernel write that can block.
 *
 * An unbind of a device a process holds open (vfio-pci, an mdev parent),
 * an mdev remove and a change of `sriov_numvfs` can block in the kernel until
 * the holder lets go. The library refuses first when it sees a holder; a
 * write that blocks anyway runs in a separate process and is given up after
 * this long: the call returns `-ETIMEDOUT`, the write goes on in that
 * process, and the operation's journal is left for gpuvirt_recover() to
 * finish once the kernel returns. The default is 15000 ms.
 *
 * @param ctx         the context.
 * @param timeout_ms  1 ms to 24 hours.
 * @return 0; `-EINVAL` for a NULL context or a value out of range.
 * @since 1.2
 */
int gpuvirt_ctx_set_write_timeout(gpuvirt_ctx *ctx, uint32_t timeout_ms);

/**
 * @brief The deadline of a kernel write that can block, in milliseconds.
 * @param ctx  the context.
 * @return the deadline; 0 if @p ctx is NULL.
 * @since 1.2
 */
uint32_t gpuvirt_ctx_get_write_timeout(const gpuvirt_ctx *ctx);

/**
 * @brief Set the `xl` program the checks ask about Xen's IOMMU.
 *
 * By default `/usr/sbin/xl` when the root is `/`, else none (the check then
 * reports that Xen cannot be asked). `GPUVIRT_XL`, read when the context is
 * made, sets it too.
 *
 * @param ctx   the context.
 * @param path  an absolute path, copied; NULL for the default.
 * @return 0; `-EINVAL` for a NULL context or a relative path.
 * @since 1.2
 */
int gpuvirt_ctx_set_xl(gpuvirt_ctx *ctx, const char *path);

/**
 * @brief A counter of the writes this context made to the host.
 *
 * Every write (bind, unbind, create, destroy, recover) increases it. A
 * ::gpuvirt_device read before a write reports itself stale
 * (gpuvirt_device_is_stale()); gpuvirt_device_refresh() reads it again.
 *
 * @param ctx  the context.
 * @return the counter; 0 if @p ctx is NULL.
 * @since 1.2
 */
uint64_t gpuvirt_ctx_get_generation(const gpuvirt_ctx *ctx);

/**
 * @brief Name an error code returned by this library.
 * @param error  a negative (or positive) errno value.
 * @return a static, constant string; never NULL.
 * @since 1.0
 */
const char *gpuvirt_strerror(int error);

/**
 * @brief The library's version.
 * @return a static string such as "1.0.0".
 * @since 1.0
 */
const char *gpuvirt_version(void);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_CONTEXT_H */
