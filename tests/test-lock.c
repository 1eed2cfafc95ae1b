/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mutation layer's locks (lock.c): a lock file that is a link, a FIFO,
 * has a second name or belongs to another user is refused, and so is a
 * lock folder that another user owns or can write; what the layer makes is
 * 0700 and 0600. A second taker gets -EBUSY naming the holder's pid. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "../src/private.h"

/* root/rel; two calls may share one statement. */
static const char *at(const char *root, const char *rel)
{
	static char bufs[2][4096];
	static int which;
	char *out = bufs[which ^= 1];

	snprintf(out, sizeof(bufs[0]), "%s/%s", root, rel);
	return out;
}

START_TEST(made_private)
{
	const char *root = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	struct stat st;
	int fd = -1;

	ck_assert_int_eq(gv_lock_take(ctx, "group-3", false, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(at(root, "run/lock/gpuvirt"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(at(root, "run/lock/gpuvirt/group-3.lock"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	gv_lock_release(fd);
	/* Not a lock name: refused before any file is touched. */
	ck_assert_int_eq(gv_lock_take(ctx, "../../etc/passwd", false, &fd), -EINVAL);
	ck_assert_int_eq(gv_lock_take(ctx, "group-3/x", false, &fd), -EINVAL);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(link_fifo_and_second_name_refused)
{
	const char *root = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	struct timespec t0, t1;
	struct stat st;
	int fd = -1;

	th_write(root, "etc/victim", "keep\n");
	th_write(root, "run/lock/gpuvirt/.keep", "");
	ck_assert_int_eq(chmod(at(root, "run/lock/gpuvirt"), 0700), 0);
	/* A symbolic link: never followed. */
	ck_assert_int_eq(symlink("/etc/victim", at(root, "run/lock/gpuvirt/group-1.lock")), 0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-1", false, &fd), -EPERM);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "symbolic link"));
	ck_assert_int_eq(stat(at(root, "etc/victim"), &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	/* A second name (a hard link to a file elsewhere). */
	ck_assert_int_eq(link(at(root, "etc/victim"), at(root, "run/lock/gpuvirt/group-2.lock")), 0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-2", false, &fd), -EPERM);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "2 links"));
	/* A FIFO: refused at once, never waited on. */
	ck_assert_int_eq(mkfifo(at(root, "run/lock/gpuvirt/group-4.lock"), 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-4", true, &fd), -EPERM);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "not a regular file"));
	ck_assert_int_eq(fd, -1);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(foreign_owner_refused)
{
	const char *root = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	int fd = -1;

	if (geteuid() != 0)
		return; /* making another user's file needs root */
	th_write(root, "run/lock/gpuvirt/group-5.lock", "");
	ck_assert_int_eq(chmod(at(root, "run/lock/gpuvirt"), 0700), 0);
	ck_assert_int_eq(chown(at(root, "run/lock/gpuvirt/group-5.lock"), 65534, 65534), 0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-5", false, &fd), -EPERM);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "uid 65534"));
	/* A lock folder another user owns, or anyone may write. */
	ck_assert_int_eq(chown(at(root, "run/lock/gpuvirt"), 65534, 65534), 0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-6", false, &fd), -EPERM);
	ck_assert_int_eq(chown(at(root, "run/lock/gpuvirt"), 0, 0), 0);
	ck_assert_int_eq(chmod(at(root, "run/lock/gpuvirt"), 0777), 0);
	ck_assert_int_eq(gv_lock_take(ctx, "group-6", false, &fd), -EPERM);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "mode 0777"));
	/* A lock folder that is a link to another folder. */
	th_remove(root, "run/lock/gpuvirt");
	th_write(root, "tmp/elsewhere/x", "");
	th_symlink(root, "run/lock/gpuvirt", "/tmp/elsewhere");
	ck_assert_int_eq(gv_lock_take(ctx, "group-6", false, &fd), -EPERM);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(second_taker_is_told_the_pid)
{
	const char *root = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	int fd = -1, pipefd[2], status;
	char c, want[64];
	pid_t child;

	ck_assert_int_eq(pipe(pipefd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int cfd;
		if (gv_lock_take(ctx, "gpu-0000:3b:00.0", false, &cfd) != 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	ck_assert_int_eq(gv_lock_take(ctx, "gpu-0000:3b:00.0", false, &fd), -EBUSY);
	snprintf(want, sizeof(want), "changed by pid %d", (int)child);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), want));
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	/* The lock dies with its holder. */
	ck_assert_int_eq(gv_lock_take(ctx, "gpu-0000:3b:00.0", false, &fd), 0);
	gv_lock_release(fd);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(owner_liveness)
{
	uint64_t start = gv_process_start(getpid());

	ck_assert(start != 0 && start != UINT64_MAX);
	ck_assert(gv_owner_alive(getpid(), start));
	ck_assert(gv_owner_alive(getpid(), 0));
	/* The same pid, started at another time: reused, so not the owner. */
	ck_assert(!gv_owner_alive(getpid(), start + 1));
	ck_assert(!gv_owner_alive(th_dead_pid(), 0));
	ck_assert(!gv_owner_alive(0, 0));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("lock");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, made_private);
	tcase_add_test(tc, link_fifo_and_second_name_refused);
	tcase_add_test(tc, foreign_owner_refused);
	tcase_add_test(tc, second_taker_is_told_the_pid);
	tcase_add_test(tc, owner_liveness);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
