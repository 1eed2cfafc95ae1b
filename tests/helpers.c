/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simhost/simhost.h"

#ifndef SIMHOST_HOSTS
#error "SIMHOST_HOSTS must name the folder of simulated hosts"
#endif

static char *built[16];
static int nbuilt;
static char *mounts[8];
static int nmounts;

const char *th_host(const char *name)
{
	char tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char *dir;
	int r;

	snprintf(tmpl, sizeof(tmpl), "%s/gpuvirt-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	dir = mkdtemp(tmpl);
	ck_assert_msg(dir != NULL, "mkdtemp: %s", strerror(errno));
	ck_assert_int_lt(nbuilt, 16);
	built[nbuilt] = strdup(dir);
	r = simhost_build_named(SIMHOST_HOSTS, name, built[nbuilt]);
	ck_assert_msg(r == 0, "building host %s: %s: %s", name, simhost_error(), strerror(-r));
	return built[nbuilt++];
}

gpuvirt_ctx *th_ctx_at(const char *root)
{
	gpuvirt_ctx *ctx = NULL;

	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_msg(gpuvirt_ctx_set_root(ctx, root) == 0, "set_root %s: %s", root, gpuvirt_ctx_get_error(ctx));
	return ctx;
}

gpuvirt_ctx *th_ctx(const char *name)
{
	return th_ctx_at(th_host(name));
}

/* mkdir -p of the folder that holds `path`. */
static void make_parents(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ck_assert_msg(mkdir(tmp, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
}

void th_write(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

void th_symlink(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	make_parents(path);
	unlink(path);
	ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

void th_remove(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_msg(simhost_remove_tree(path) == 0, "remove %s", path);
}

int th_dead_pid(void)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return (int)pid;
}

#ifdef SIMHOST_FUSE
const char *th_fuse_host(const char *name, const char **backing)
{
	const char *tree = th_host(name);
	char mnt[PATH_MAX], cmd[3 * PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	snprintf(mnt, sizeof(mnt), "%s/gpuvirt-mnt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(mnt) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "'%s' --tree '%s' '%s'", SIMHOST_FUSE, tree, mnt);
	ck_assert_msg(system(cmd) == 0, "cannot serve %s over FUSE (%s)", name, cmd);
	ck_assert_int_lt(nmounts, 8);
	mounts[nmounts] = strdup(mnt);
	if (backing)
		*backing = tree;
	return mounts[nmounts++];
}
#endif

void th_teardown(void)
{
	for (int i = 0; i < nmounts; i++) {
		char cmd[PATH_MAX + 64];
		snprintf(cmd, sizeof(cmd), "umount -l '%s' 2>/dev/null || fusermount3 -uz '%s' 2>/dev/null", mounts[i],
			 mounts[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot unmount %s\n", mounts[i]);
		rmdir(mounts[i]);
		free(mounts[i]);
	}
	nmounts = 0;
	for (int i = 0; i < nbuilt; i++) {
		simhost_remove_tree(built[i]);
		free(built[i]);
	}
	nbuilt = 0;
}

int th_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int th_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", "..", and the listing's own descriptor */
}
