/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root-relative, bounded file access: the only code that opens host files.
 *
 * Every path is relative to the context's root directory fd. openat2() with
 * RESOLVE_IN_ROOT makes the kernel resolve ".." and symlinks (sysfs is full
 * of relative links) as if the root were "/", so a link cannot lead out of a
 * simulated host or a container's copy of /sys. Where openat2() is missing
 * (kernels before 5.6, seccomp filters, valgrind) walk_open() does the same
 * resolution one component at a time.
 *
 * The rules this file keeps for everything above it:
 * - openat2() answers EAGAIN when a rename or mount anywhere on the system
 *   races a walk through ".."; that is retried (bounded), then the walker.
 *   No error is ever turned into "absent": only ENOENT/ENOTDIR are.
 * - Files are read and written only when they are regular files (every
 *   sysfs and procfs attribute is). A FIFO, socket or device node is refused
 *   without being opened, so nothing blocks and no device sees an open().
 * - Writing (sysfs-write.c) goes by the same paths.
 * - While an operation holds device directories, a path under one resolves
 *   from its directory opened once (RESOLVE_BENEATH); anything else (a link
 *   out of it, an EAGAIN that does not end) goes the long way. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "private.h"

int gv_path_is_safe(const char *rel)
{
	const char *p = rel;

	if (!rel || !*rel || rel[0] == '/')
		return 0;
	/* Each component: not empty ("a//b") and not ".."; one '/' may end it. */
	for (;;) {
		const char *start = p;
		while (*p && *p != '/')
			p++;
		if (p == start || (p - start == 2 && start[0] == '.' && start[1] == '.'))
			return 0;
		if (!*p || !*++p)
			return 1;
	}
}

int gv_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = gv_vpath(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

int gv_path_join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);

	if (dl + 1 + nl >= size)
		return -ENAMETOOLONG;
	memcpy(buf, dir, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	return gv_path_is_safe(buf) ? 0 : -EXDEV;
}

int gv_vpath(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return gv_path_is_safe(buf) ? 0 : -EXDEV;
}

/* Whether the kernel has openat2(): learnt once for the process (every
 * context and thread shares the answer, so it is atomic). Tests may force
 * the walker. */
static atomic_int openat2_works = 1;
static atomic_bool fallback_forced;

void gv_sysfs_force_fallback(bool on)
{
	atomic_store(&fallback_forced, on);
}

/* Tests only: openat2() answers EAGAIN every time, as under a storm of
 * renames elsewhere on the system. */
static atomic_bool eagain_forced;

void gv_sysfs_force_eagain(bool on)
{
	atomic_store(&eagain_forced, on);
}

/* How often an EAGAIN from openat2() is retried before the walker does the
 * resolution itself (the walker cannot be raced that way: it never asks the
 * kernel to check ".."). */
#define EAGAIN_TRIES 16

#define MAX_DEPTH 64
#define MAX_LINKS 40

struct walk {
	char rest[8192]; /* what is left to resolve */
	int stack[MAX_DEPTH + 1];
	int depth, links;
};

/* Take the next component off w->rest into comp; false at the end. *last
 * says whether it is the final one. */
static int next_component(struct walk *w, char *comp, size_t size, bool *last)
{
	char *p = w->rest, *slash;
	size_t len;

	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	slash = strchr(p, '/');
	len = slash ? (size_t)(slash - p) : strlen(p);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(comp, p, len);
	comp[len] = '\0';
	memmove(w->rest, p + len, strlen(p + len) + 1);
	*last = w->rest[strspn(w->rest, "/")] == '\0';
	return 1;
}

/* comp is a link to target: splice it into the rest of the path; an
 * absolute one starts again from the root. */
static int splice_link(struct walk *w, const char *target, size_t n)
{
	if (++w->links > MAX_LINKS || n + strlen(w->rest) + 2 > sizeof(w->rest))
		return -ELOOP;
	if (target[0] == '/')
		while (w->depth > 0)
			close(w->stack[w->depth--]);
	memmove(w->rest + n + 1, w->rest, strlen(w->rest) + 1);
	memcpy(w->rest, target, n);
	w->rest[n] = '/';
	return 0;
}

/* One component: ".", "..", a link to splice, or a directory to enter; the
 * final one is opened into *fd_out. 0 to go on, or -errno. */
static int walk_step(struct walk *w, const char *comp, bool last, int flags, mode_t mode, int *fd_out)
{
	char target[4096];
	int fd;

	*fd_out = -1;
	if (strcmp(comp, ".") == 0)
		return 0;
	if (strcmp(comp, "..") == 0) {
		if (w->depth > 0)
			close(w->stack[w->depth--]);
		return 0;
	}
	if (!last || !(flags & O_NOFOLLOW)) {
		ssize_t n = readlinkat(w->stack[w->depth], comp, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			return splice_link(w, target, (size_t)n);
		}
	}
	if (last) {
		fd = openat(w->stack[w->depth], comp, flags | O_NOFOLLOW, mode);
		if (fd < 0)
			return -errno;
		*fd_out = fd;
		return 0;
	}
	fd = openat(w->stack[w->depth], comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (w->depth == MAX_DEPTH) {
		close(fd);
		return -ELOOP;
	}
	w->stack[++w->depth] = fd;
	return 0;
}

/* The fallback walker: one component at a time from the root's fd, never
 * following a link by the kernel. A link's target is spliced into the rest
 * of the path and resolved the same way (an absolute one from the root), and
 * ".." never climbs above the root: what RESOLVE_IN_ROOT does, in userspace. */
static int walk_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	struct walk w = {.depth = 0, .links = 0};
	char comp[256];
	bool last = false;
	int r, fd = -1;

	if (strlen(rel) >= sizeof(w.rest))
		return -ENAMETOOLONG;
	strcpy(w.rest, rel);
	w.stack[0] = fcntl(ctx->root_fd, F_DUPFD_CLOEXEC, 0);
	if (w.stack[0] < 0)
		return -errno;
	for (;;) {
		r = next_component(&w, comp, sizeof(comp), &last);
		if (r == 0) { /* the path named a directory we already hold */
			fd = openat(w.stack[w.depth], ".", flags, mode);
			r = fd < 0 ? -errno : fd;
			break;
		}
		if (r < 0 || (r = walk_step(&w, comp, last, flags, mode, &fd)) < 0)
			break;
		if (fd >= 0) {
			r = fd;
			break;
		}
	}
	while (w.depth >= 0)
		close(w.stack[w.depth--]);
	return r;
}

int gv_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};

	if (!atomic_load(&openat2_works) || atomic_load(&fallback_forced))
		return -ENOSYS;
	if (atomic_load(&eagain_forced))
		return -EAGAIN;
	for (int tries = 0; tries < EAGAIN_TRIES; tries++) {
		int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == EAGAIN || errno == EINTR)
			continue; /* a rename or mount raced the walk: the kernel asks us to retry */
		if (errno == ENOSYS) /* kernels before 5.6, valgrind, some seccomp filters */
			atomic_store(&openat2_works, 0);
		return -errno;
	}
	return -EAGAIN;
}

/* rel resolved in the root by the kernel (openat2), or by the walker where
 * openat2 cannot answer (no openat2, renames racing every try). */
static int open_in_root(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	int fd = gv_openat2(ctx->root_fd, rel, flags, mode, RESOLVE_IN_ROOT);

	if (fd != -ENOSYS && fd != -EAGAIN)
		return fd;
	return walk_open(ctx, rel, flags, mode);
}

int gv_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	int fd;

	if (!gv_path_is_safe(rel))
		return -EXDEV;
	flags |= O_CLOEXEC;
	/* Under a device directory held open for an operation: from there. */
	fd = gv_devdir_open(ctx, rel, flags, mode);
	if (fd != -EOPNOTSUPP)
		return fd;
	return open_in_root(ctx, rel, flags, mode);
}

int gv_open_parent(gpuvirt_ctx *ctx, const char *rel)
{
	char up[512];

	if (!gv_path_is_safe(rel))
		return -EXDEV;
	if (strlen(rel) + sizeof("/..") > sizeof(up))
		return -ENAMETOOLONG;
	strcpy(up, rel);
	strcat(up, "/..");
	/* ".." after the link is the kernel's, or the walker's: neither climbs
	 * above the root. */
	return open_in_root(ctx, up, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
}

/* ---- device directories held for an operation ---------------------------- */

void gv_devdirs_hold(gpuvirt_ctx *ctx)
{
	ctx->devdirs_held++;
}

void gv_devdirs_release(gpuvirt_ctx *ctx)
{
	if (ctx->devdirs_held > 0 && --ctx->devdirs_held == 0) {
		for (size_t i = 0; i < ctx->ndevdirs; i++)
			close(ctx->devdirs[i].fd);
		ctx->ndevdirs = 0;
	}
}

/* The held directory of a device, opened on first use: fd or -errno. */
static int held_dir(gpuvirt_ctx *ctx, const char *bdf)
{
	char rel[64];
	int fd;

	for (size_t i = 0; i < ctx->ndevdirs; i++)
		if (strcmp(ctx->devdirs[i].bdf, bdf) == 0)
			return ctx->devdirs[i].fd;
	if (ctx->ndevdirs == sizeof(ctx->devdirs) / sizeof(ctx->devdirs[0]))
		return -EOPNOTSUPP; /* a unit this large goes the long way */
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
	fd = gv_openat2(ctx->root_fd, rel, O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT);
	if (fd == -ENOSYS || fd == -EAGAIN)
		return -EOPNOTSUPP; /* the walker, the long way */
	if (fd < 0)
		return fd;
	memcpy(ctx->devdirs[ctx->ndevdirs].bdf, bdf, GV_BDF_LEN);
	ctx->devdirs[ctx->ndevdirs++].fd = fd;
	return fd;
}

int gv_devdir_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	static const char prefix[] = "sys/bus/pci/devices/";
	char bdf[GV_BDF_LEN], canon[GV_BDF_LEN];
	const char *rest;
	int dfd, fd;

	if (!ctx->devdirs_held || strncmp(rel, prefix, sizeof(prefix) - 1) != 0)
		return -EOPNOTSUPP;
	rel += sizeof(prefix) - 1;
	rest = strchr(rel, '/');
	if ((rest ? (size_t)(rest - rel) : strlen(rel)) != GV_BDF_LEN - 1)
		return -EOPNOTSUPP;
	memcpy(bdf, rel, GV_BDF_LEN - 1);
	bdf[GV_BDF_LEN - 1] = '\0';
	if (gv_parse_bdf(bdf, canon) < 0 || strcmp(canon, bdf) != 0 || (dfd = held_dir(ctx, bdf)) == -EOPNOTSUPP)
		return -EOPNOTSUPP;
	if (dfd < 0)
		return dfd;
	if (!rest || !rest[1]) { /* the directory itself */
		fd = (flags & O_PATH) ? fcntl(dfd, F_DUPFD_CLOEXEC, 0) : openat(dfd, ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fd = gv_openat2(dfd, rest + 1, flags, mode, RESOLVE_BENEATH);
	/* A link out of the device's directory (driver/unbind), or renames
	 * racing every try: the long way (it ends in the walker). */
	return fd == -EXDEV || fd == -ENOSYS || fd == -EAGAIN ? -EOPNOTSUPP : fd;
}

const char *gv_file_kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symbolic link";
	default: return "not a regular file";
	}
}

int gv_open_regular(gpuvirt_ctx *ctx, const char *rel, int accmode)
{
	struct stat st, st2;
	char self[64];
	int pfd, fd;

	pfd = gv_open(ctx, rel, O_PATH, 0);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, &st) < 0) {
		fd = -errno;
		close(pfd);
		return fd;
	}
	if (!S_ISREG(st.st_mode)) {
		close(pfd);
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return gv_fail(ctx, -EMEDIUMTYPE, "%s under %s is %s, not an attribute file: refused", rel, ctx->root,
			       gv_file_kind(st.st_mode));
	}
	/* Open the very file we checked, not whatever the name means now. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, accmode | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		/* No /proc: open by name again and check it is still that file. */
		fd = gv_open(ctx, rel, accmode | O_NOCTTY | O_NONBLOCK, 0);
		if (fd >= 0 && (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)) {
			close(fd);
			fd = -ESTALE;
		}
	} else if (fd < 0) {
		fd = -errno;
	}
	close(pfd);
	return fd;
}

static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t gv_read_fd(int fd, void *buf, size_t size)
{
	ssize_t n = read_all(fd, buf, size);

	/* A sysfs attribute asks to be read again when it is busy (EAGAIN); a
	 * regular file does not block, so O_NONBLOCK changes nothing else. */
	for (int tries = 0; n == -EAGAIN && tries < EAGAIN_TRIES; tries++)
		n = lseek(fd, 0, SEEK_SET) < 0 ? -errno : read_all(fd, buf, size);
	return n;
}

ssize_t gv_read_bin(gpuvirt_ctx *ctx, const char *rel, void *buf, size_t size)
{
	int fd = gv_open_regular(ctx, rel, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = gv_read_fd(fd, buf, size);
	close(fd);
	return n;
}

ssize_t gv_read_stat(gpuvirt_ctx *ctx, const char *rel, void *buf, size_t size, struct stat *st)
{
	int fd = gv_open_regular(ctx, rel, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = fstat(fd, st) < 0 ? -errno : read_all(fd, buf, size);
	close(fd);
	return n;
}

ssize_t gv_read_text(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size)
{
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	n = gv_read_bin(ctx, rel, buf, size);
	return n < 0 ? n : gv_text_check(buf, (size_t)n, size);
}

ssize_t gv_text_check(char *buf, size_t n, size_t size)
{
	if (n >= size)
		return -EFBIG;
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return -EBADMSG;
	return (ssize_t)n;
}

ssize_t gv_readlink(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size)
{
	char dir[4096];
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;
	int dfd;
	ssize_t n;

	if (!gv_path_is_safe(rel) || size < 2)
		return -EXDEV;
	if (slash) {
		size_t len = (size_t)(slash - rel);
		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, rel, len);
		dir[len] = '\0';
		dfd = gv_open(ctx, dir, O_PATH | O_DIRECTORY, 0);
		if (dfd < 0)
			return dfd;
	} else {
		dfd = dup(ctx->root_fd);
		if (dfd < 0)
			return -errno;
	}
	n = readlinkat(dfd, base, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(dfd);
	return n;
}

ssize_t gv_readlink_base(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size)
{
	char target[4096];
	ssize_t n = gv_readlink(ctx, rel, target, sizeof(target));

	return n < 0 ? n : gv_parse_link_base(rel, target, (size_t)n, buf, size);
}

int gv_exists(gpuvirt_ctx *ctx, const char *rel)
{
	int fd = gv_open(ctx, rel, O_PATH | O_NOFOLLOW, 0);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return (fd == -ENOENT || fd == -ENOTDIR) ? 0 : fd;
}
