/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files of this machine, not of the host under the root: its processes
 * (/proc/<pid>/stat, to tell a lock's or a journal's owner alive) and the
 * databases the caller or the distribution provides (a vGPU table, pci.ids).
 * Opened the same careful way as the host's: only a regular file is ever
 * opened for reading (O_PATH, fstat, reopen through /proc/self/fd). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* ---- this machine's processes (not under the root) -------------------- */

uint64_t gv_process_start(pid_t pid)
{
	char rel[64], buf[1024];
	int fd;
	ssize_t n;
	uint64_t start = 0;
	char state = '?';

	if (pid <= 0)
		return 0;
	snprintf(rel, sizeof(rel), "/proc/%ld/stat", (long)pid);
	fd = open(rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) /* no /proc at all tells nothing */
		return (errno == ENOENT || errno == ESRCH) && access("/proc/self", F_OK) == 0 ? 0 : UINT64_MAX;
	n = gv_read_fd(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 || n == -ESRCH ? 0 : UINT64_MAX;
	if (gv_parse_proc_stat_start(buf, (size_t)n, &state, &start) < 0)
		return UINT64_MAX;
	return state == 'Z' || state == 'X' ? 0 : start;
}

/* ---- files of this machine named by the caller (not under the root) ---- */

/* A regular file of this machine, opened for reading without ever opening
 * anything else: fd or -errno. */
static int open_local_regular(const char *path)
{
	struct stat st;
	char self[64];
	int pfd, fd;

	if (!path || path[0] != '/')
		return -EINVAL;
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0) {
		fd = -errno;
		close(pfd);
		return fd;
	}
	if (!S_ISREG(st.st_mode)) {
		close(pfd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	fd = fd < 0 ? -errno : fd;
	close(pfd);
	return fd;
}

ssize_t gv_read_local_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if (size < 2)
		return -EINVAL;
	if ((fd = open_local_regular(path)) < 0)
		return fd;
	n = gv_read_fd(fd, buf, size);
	close(fd);
	if (n < 0)
		return n;
	if ((size_t)n >= size)
		return -EFBIG;
	buf[n] = '\0';
	return n;
}

ssize_t gv_load_local_file(gpuvirt_ctx *ctx, const char *what, const char *path, char **out)
{
	char *buf = malloc(GV_LOCAL_FILE_MAX);
	ssize_t n;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	if ((n = gv_read_local_file(path, buf, GV_LOCAL_FILE_MAX)) < 0) {
		free(buf);
		return gv_fail(ctx, (int)n, "%s %s: %s", what, path,
			       n == -EFBIG ? "larger than 1 MiB" : gpuvirt_strerror((int)n));
	}
	*out = buf;
	return n;
}

int gv_map_local_file(const char *path, const char **map, size_t *len)
{
	struct stat st;
	void *m;
	int fd = open_local_regular(path), r = 0;

	*map = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (st.st_size <= 0)
		r = -ENODATA;
	else if ((m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		r = -errno;
	else {
		*map = m;
		*len = (size_t)st.st_size;
	}
	close(fd);
	return r;
}

void gv_unmap_local_file(const char *map, size_t len)
{
	if (map)
		munmap((void *)map, len);
}
