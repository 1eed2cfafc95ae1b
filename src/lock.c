/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Locks and state directories of the mutation layer.
 *
 * A lock is run/lock/gpuvirt/<key>.lock, flock()ed, holding the holder's
 * pid as a hint for the message another process gets. The directory is made
 * 0700 and must be a real directory owned by root or by us that nobody else
 * can write; a lock file must be a regular file with one link, owned by root
 * or us, opened without following a link. Anything else is refused: another
 * local user could otherwise hold root's lock (flock needs only read access)
 * or point the lock at a file of its choosing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

#define LOCK_DIR "run/lock/gpuvirt"
#define LOCK_WAIT_MS 60000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

int gv_state_dir(gpuvirt_ctx *ctx, const char *rel, mode_t mode)
{
	struct stat st;
	int r, fd;

	/* Mostly there already: made only when it is not. */
	fd = gv_open(ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd == -ENOENT) {
		if ((r = gv_mkdir_p(ctx, rel, mode)) < 0)
			return gv_fail(ctx, r, "cannot make %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
		fd = gv_open(ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
	if (fd < 0)
		return gv_fail(ctx, fd == -ELOOP || fd == -ENOTDIR ? -EPERM : fd, "%s under %s is not a directory: %s", rel,
			       ctx->root, gpuvirt_strerror(fd));
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return gv_fail(ctx, r, "cannot stat %s: %s", rel, gpuvirt_strerror(r));
	}
	if (!trusted_owner(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return gv_fail(ctx, -EPERM, "%s under %s is owned by uid %u with mode %04o: refusing to use it", rel,
			       ctx->root, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_uid == geteuid() && (st.st_mode & 0777) != mode && fchmod(fd, mode) < 0)
		gv_debug(ctx, "cannot set %s to %04o", rel, (unsigned)mode);
	close(fd);
	return 0;
}

/* Open the lock file: a regular file with one link, owned by root or us. */
static int open_lock(gpuvirt_ctx *ctx, const char *rel)
{
	struct stat st;
	int fd, r;

	fd = gv_open(ctx, rel, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0)
		return gv_fail(ctx, fd == -ELOOP ? -EPERM : fd, "cannot open the lock %s: %s%s", rel, gpuvirt_strerror(fd),
			       fd == -ELOOP ? " (it is a symbolic link)" : "");
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return gv_fail(ctx, r, "cannot stat the lock %s: %s", rel, gpuvirt_strerror(r));
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || !trusted_owner(st.st_uid)) {
		close(fd);
		return gv_fail(ctx, -EPERM, "the lock %s is %s (uid %u, %u links): refusing it; remove it if no gpuvirt runs",
			       rel, S_ISREG(st.st_mode) ? "not ours" : "not a regular file", (unsigned)st.st_uid,
			       (unsigned)st.st_nlink);
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
		gv_debug(ctx, "cannot set %s to 0600", rel);
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The pid the lock's holder wrote into it (a hint), or "unknown". */
static void holder_pid(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "unknown");
}

int gv_lock_take(gpuvirt_ctx *ctx, const char *key, bool wait, int *fd_out)
{
	char rel[GV_KEY_LEN + 32], buf[32];
	long deadline = now_ms() + LOCK_WAIT_MS;
	int fd, r;

	*fd_out = -1;
	if (!gv_valid_key(key, strlen(key)))
		return gv_fail(ctx, -EINVAL, "'%s' is not a lock name", key);
	if ((r = gv_state_dir(ctx, LOCK_DIR, 0700)) < 0)
		return r;
	if ((r = gv_path(rel, sizeof(rel), LOCK_DIR "/%s.lock", key)) < 0)
		return gv_fail(ctx, r, "lock %s: %s", key, gpuvirt_strerror(r));
	if ((fd = open_lock(ctx, rel)) < 0)
		return fd;
	for (bool said = false; flock(fd, LOCK_EX | LOCK_NB) < 0;) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -errno;
			close(fd);
			return gv_fail(ctx, r, "cannot lock %s: %s", rel, gpuvirt_strerror(r));
		}
		if (!wait || now_ms() > deadline) {
			holder_pid(fd, buf, sizeof(buf));
			close(fd);
			return gv_fail(ctx, wait ? -ETIMEDOUT : -EBUSY, "%s is being changed by pid %s (lock %s)", key,
				       buf, rel);
		}
		if (!said) {
			holder_pid(fd, buf, sizeof(buf));
			gv_log(ctx, 5, "waiting up to %d s for pid %s to finish changing %s", LOCK_WAIT_MS / 1000, buf, key);
			said = true;
		}
		sleep_ms(50);
	}
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		gv_warn(ctx, "cannot record our pid in %s", rel);
	*fd_out = fd;
	return 0;
}

void gv_lock_release(int fd)
{
	if (fd >= 0) {
		int r = ftruncate(fd, 0); /* the pid is only a hint: nothing to do if this fails */
		(void)r;
		flock(fd, LOCK_UN);
		close(fd);
	}
}

bool gv_owner_alive(long pid, uint64_t start)
{
	uint64_t now;

	if (pid <= 0)
		return false;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return false;
	now = gv_process_start((pid_t)pid);
	if (now == 0)
		return false;
	/* A pid that now names a process started at another time was reused. */
	return !(start && now != UINT64_MAX && now != start);
}
