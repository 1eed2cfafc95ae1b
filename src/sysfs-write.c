/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root-relative writes: attributes, files replaced whole, folders made,
 * files removed, all by sysfs.c's contained paths (gv_open and the parent's
 * descriptor). A write that the kernel may block (an unbind while a process
 * holds the device) can be bounded: it runs in a detached process with a
 * deadline. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

/* ---- writing ----------------------------------------------------------- */

int gv_write_attr(gpuvirt_ctx *ctx, const char *rel, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd = gv_open_regular(ctx, rel, O_WRONLY);

	if (fd < 0)
		return fd;
	/* One write(): sysfs takes the whole value at once, and its errors come
	 * back from write(), not close(). */
	n = write(fd, value, len);
	n = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return (int)n;
}

/* The directory holding `rel` (opened O_RDONLY for fsync) and the last name. */
static int open_parent(gpuvirt_ctx *ctx, const char *rel, char *base, size_t size)
{
	char dir[4096];
	const char *slash = strrchr(rel, '/');

	if (strlen(rel) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!slash) {
		if ((size_t)snprintf(base, size, "%s", rel) >= size)
			return -ENAMETOOLONG;
		return gv_open(ctx, ".", O_RDONLY | O_DIRECTORY, 0);
	}
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	if ((size_t)snprintf(base, size, "%s", slash + 1) >= size)
		return -ENAMETOOLONG;
	return gv_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
}

int gv_mkdir_p(gpuvirt_ctx *ctx, const char *rel, mode_t mode)
{
	char part[4096];
	size_t len = strlen(rel);

	if (!gv_path_is_safe(rel) || len >= sizeof(part))
		return -EXDEV;
	/* Mostly it is there already: one walk says so. */
	int fd = gv_open(ctx, rel, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		if (rel[i] != '/' && rel[i] != '\0')
			continue;
		char base[256];
		int dfd, r;
		memcpy(part, rel, i);
		part[i] = '\0';
		dfd = open_parent(ctx, part, base, sizeof(base));
		if (dfd < 0)
			return dfd;
		r = mkdirat(dfd, base, i == len ? mode : 0755) < 0 && errno != EEXIST ? -errno : 0;
		close(dfd);
		if (r < 0)
			return r;
	}
	return 0;
}

int gv_write_file_atomic(gpuvirt_ctx *ctx, const char *rel, const char *content)
{
	char base[256], tmp[300];
	size_t len = strlen(content);
	int dfd, fd, r = 0;

	if (!gv_path_is_safe(rel))
		return -EXDEV;
	dfd = open_parent(ctx, rel, base, sizeof(base));
	if (dfd < 0)
		return dfd;
	snprintf(tmp, sizeof(tmp), ".%s.tmp%ld", base, (long)getpid());
	unlinkat(dfd, tmp, 0); /* one left by a crashed process with our pid */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	if (write(fd, content, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	close(fd);
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd); /* the rename itself is durable */
	close(dfd);
	return r;
}

int gv_unlink(gpuvirt_ctx *ctx, const char *rel)
{
	char base[256];
	int dfd = open_parent(ctx, rel, base, sizeof(base)), r;

	if (dfd < 0)
		return dfd;
	r = unlinkat(dfd, base, 0) < 0 ? -errno : 0;
	if (r == 0)
		fsync(dfd);
	close(dfd);
	return r;
}

/* ---- bounded writes ---------------------------------------------------- */

/* In the writer process: keep only the attribute and the pipe. */
static void keep_only(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 0)
		close_range(0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
}

/* Read exactly 4 bytes from the pipe by the deadline: 0, -ETIMEDOUT or -EIO. */
static int read_word(int fd, int32_t *out, const struct timespec *deadline)
{
	size_t got = 0;

	while (got < sizeof(*out)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (deadline->tv_sec - now.tv_sec) * 1000L + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return -ETIMEDOUT;
		int r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		ssize_t n = read(fd, (char *)out + got, sizeof(*out) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

/* The writer's result by the deadline; past a second, a notice says that
 * the kernel is keeping the write (the CLI shows it as a waiting line). */
static int wait_result(gpuvirt_ctx *ctx, int fd, const char *rel, long timeout_ms, const struct timespec *deadline,
		       int32_t *word)
{
	struct timespec soon;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &soon);
	soon.tv_sec += 1;
	if (soon.tv_sec > deadline->tv_sec || (soon.tv_sec == deadline->tv_sec && soon.tv_nsec >= deadline->tv_nsec))
		return read_word(fd, word, deadline);
	r = read_word(fd, word, &soon);
	if (r != -ETIMEDOUT)
		return r;
	gv_log(ctx, 5, "waiting up to %ld s for the kernel to accept the write to %s (a process may hold the device)",
	       (timeout_ms + 999) / 1000, rel);
	return read_word(fd, word, deadline);
}

/* In the forked child: fork again (so that the writer is nobody's child),
 * tell the caller the writer's pid, write, tell the result. Only
 * async-signal-safe calls. */
static void __attribute__((noreturn)) be_the_writer(int fd, const char *value, size_t len, int out)
{
	pid_t w = fork();
	int32_t me, res;
	ssize_t n;

	if (w != 0)
		_exit(w < 0 ? 1 : 0);
	signal(SIGPIPE, SIG_IGN);
	keep_only(fd, out);
	me = (int32_t)getpid();
	if (write(out, &me, sizeof(me)) != (ssize_t)sizeof(me))
		_exit(1);
	n = write(fd, value, len);
	res = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	if (write(out, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	_exit(0);
}

/* CLOCK_MONOTONIC's now plus ms. */
static void deadline_after(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int gv_write_attr_bounded(gpuvirt_ctx *ctx, const char *rel, const char *value, long timeout_ms, pid_t *writer)
{
	size_t len = strlen(value);
	struct timespec deadline;
	int fd, pipefd[2], r, status;
	int32_t word;
	pid_t child;

	*writer = 0;
	fd = gv_open_regular(ctx, rel, O_WRONLY);
	if (fd < 0)
		return fd;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Two forks, so that the writer is nobody's child: if the kernel keeps
	 * it blocked past the deadline, it ends on its own, reaped by init, and
	 * the caller is free. Only async-signal-safe calls run in between. */
	child = fork();
	if (child == 0)
		be_the_writer(fd, value, len, pipefd[1]);
	close(pipefd[1]);
	close(fd);
	if (child < 0) {
		r = -errno;
		close(pipefd[0]);
		return r;
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	deadline_after(&deadline, timeout_ms);
	r = read_word(pipefd[0], &word, &deadline);
	if (r == 0) {
		*writer = (pid_t)word;
		r = wait_result(ctx, pipefd[0], rel, timeout_ms, &deadline, &word);
		if (r == 0)
			r = word;
	} else if (r == -EIO) {
		r = -ECHILD; /* the writer could not be started */
	}
	close(pipefd[0]);
	if (r != -ETIMEDOUT)
		*writer = 0;
	return r;
}
