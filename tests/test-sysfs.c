/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root-relative file access: nothing leaves the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "../src/private.h"

START_TEST(path_safety)
{
	char buf[64];
	ck_assert(gv_path_is_safe("sys/bus/pci/devices"));
	ck_assert(!gv_path_is_safe("/sys"));
	ck_assert(!gv_path_is_safe("sys/../etc/passwd"));
	ck_assert(!gv_path_is_safe(".."));
	ck_assert(!gv_path_is_safe("sys//bus"));
	ck_assert(!gv_path_is_safe(""));
	ck_assert(!gv_path_is_safe(NULL));
	ck_assert(gv_path_is_safe("sys/..foo")); /* only ".." itself is a parent */
	ck_assert_int_eq(gv_path(buf, sizeof(buf), "sys/bus/pci/devices/%s", "0000:00:02.0"), 0);
	ck_assert_str_eq(buf, "sys/bus/pci/devices/0000:00:02.0");
	ck_assert_int_eq(gv_path(buf, sizeof(buf), "sys/bus/pci/devices/%s", "../../../etc"), -EXDEV);
	ck_assert_int_eq(gv_path(buf, 16, "sys/bus/pci/devices/%s", "x"), -ENAMETOOLONG);
	/* gv_path_join answers as gv_path("%s/%s") does. */
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "sys/bus/pci/devices", "0000:00:02.0"), 0);
	ck_assert_str_eq(buf, "sys/bus/pci/devices/0000:00:02.0");
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "types", "nvidia-222/available_instances"), 0);
	ck_assert_str_eq(buf, "types/nvidia-222/available_instances");
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "sys/bus/pci/devices", ".."), -EXDEV);
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "sys", "../../etc"), -EXDEV);
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "sys", "/bus"), -EXDEV); /* "sys//bus" */
	ck_assert_int_eq(gv_path_join(buf, sizeof(buf), "/sys", "bus"), -EXDEV);
	ck_assert_int_eq(gv_path_join(buf, 12, "sys/bus", "pci"), 0);
	ck_assert_int_eq(gv_path_join(buf, 11, "sys/bus", "pci"), -ENAMETOOLONG);
}
END_TEST

/* Run in both resolvers: the kernel's openat2() and the userspace walker. */
START_TEST(links_stay_inside_root)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	char buf[64], secret[PATH_MAX], dir[PATH_MAX - 64], rel[PATH_MAX + 64];
	int fd;

	gv_sysfs_force_fallback(_i == 1);
	/* A file outside the root that links try to reach. */
	snprintf(dir, sizeof(dir), "%s-outside", host);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	fd = open(secret, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "secret\n", 7), 7);
	close(fd);
	/* An absolute link and a link climbing above the root both resolve
	 * inside the root, where no such file exists. */
	th_symlink(host, "sys/escape-abs", secret);
	snprintf(rel, sizeof(rel), "../../../../../../../../../../..%s", secret);
	th_symlink(host, "sys/escape-rel", rel);
	th_symlink(host, "sys/escape-dir", dir);
	ck_assert_int_eq(access(secret, R_OK), 0);
	ck_assert_int_eq(gv_read_text(ctx, "sys/escape-abs", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_read_text(ctx, "sys/escape-rel", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_read_text(ctx, "sys/escape-dir/secret", buf, sizeof(buf)), -ENOENT);
	unlink(secret);
	rmdir(dir);
	th_write(host, "etc-hostname-inside", "inside\n");
	th_symlink(host, "sys/inside", "/etc-hostname-inside");
	ck_assert_int_eq(gv_read_text(ctx, "sys/inside", buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "inside\n");
	th_symlink(host, "sys/loop", "loop");
	ck_assert_int_eq(gv_read_text(ctx, "sys/loop", buf, sizeof(buf)), -ELOOP);
	ck_assert_int_eq(gv_read_text(ctx, "../etc/hostname", buf, sizeof(buf)), -EXDEV);
	ck_assert_int_eq(gv_open(ctx, "/etc/hostname", O_RDONLY, 0), -EXDEV);
	/* sysfs's own relative links resolve: bus -> devices -> driver. */
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "0x10de\n");
	ck_assert_int_eq(gv_readlink_base(ctx, "sys/bus/pci/devices/0000:01:00.0/driver", buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "nvidia");
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:01:00.0/driver"), 1);
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:01:00.0/driver/0000:01:00.0/vendor"), 1);
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:01:00.0/nothing"), 0);
	gv_sysfs_force_fallback(false);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(read_bounds)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	char small[4], buf[64];
	char **names;
	size_t n;

	th_write(host, "big", "0123456789");
	ck_assert_int_eq(gv_read_text(ctx, "big", small, sizeof(small)), -EFBIG);
	ck_assert_int_eq(gv_read_text(ctx, "big", buf, sizeof(buf)), 10);
	ck_assert_int_eq(gv_readlink_base(ctx, "sys/bus/pci/devices/0000:00:17.0/driver", buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "ahci");
	ck_assert_int_eq(gv_readlink(ctx, "big", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:00:17.0"), 1);
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:00:99.0"), 0);
	ck_assert_int_eq(gv_list_dir(ctx, "sys/bus/pci/devices", &names, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(names[0], "0000:00:00.0");
	ck_assert_str_eq(names[2], "0000:00:1f.6");
	gv_names_free(names, n);
	ck_assert_int_eq(gv_list_dir(ctx, "big", &names, &n), -ENOTDIR);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A directory under sys/ of many long names, listed whole. */
static void many_entries(const char *tree, const char *root, int expect_fills)
{
	gpuvirt_ctx *ctx = th_ctx_at(root);
	char path[PATH_MAX], name[220];
	char **names;
	size_t n;

	snprintf(path, sizeof(path), "%s/sys/many", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "%04d-%0200d", i, 0);
		snprintf(path, sizeof(path), "%s/sys/many/%s", tree, name);
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	ck_assert_int_eq(gv_list_dir(ctx, "sys/many", &names, &n), 0);
	ck_assert_uint_eq(n, 600); /* 131 kB of records: several calls */
	snprintf(name, sizeof(name), "%04d-%0200d", 599, 0);
	ck_assert_str_eq(names[599], name);
	gv_names_free(names, n);
	ck_assert_int_eq(ctx->sys_fills, expect_fills);
	gpuvirt_ctx_unref(ctx);
}

/* A listing under sys/ stops at a call that left room for another record
 * only where the file system fills the buffer (sysfs, ext4, tmpfs); over
 * FUSE, which answers a page at a time, it reads until getdents64 says 0.
 * Either way every entry is there. */
START_TEST(listings_whole)
{
	const char *host = th_host("nogpu"), *backing;
	struct statfs fs;

	ck_assert_int_eq(statfs(host, &fs), 0);
	/* The hosts are built in TMPDIR: ext4 or tmpfs here and in CI. */
	many_entries(host, host, fs.f_type == 0xEF53 || fs.f_type == 0x01021994 ? 1 : -1);
#ifdef SIMHOST_FUSE
	if (access(SIMHOST_FUSE, X_OK) != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
		ck_assert_msg(!getenv("GPUVIRT_REQUIRE_FUSE"), "no FUSE here");
		return;
	}
	const char *mnt = th_fuse_host("nogpu", &backing);
	many_entries(backing, mnt, -1);
#else
	(void)backing;
	ck_assert_msg(!getenv("GPUVIRT_REQUIRE_FUSE"), "built without FUSE");
#endif
}
END_TEST

/* A listing is in strcmp() order whatever the names share: shorter than
 * the 8 bytes compared first, equal in them and told apart after, PCI
 * addresses of one bus; each is then found by name, and a name between two
 * of them is not. */
START_TEST(listing_order)
{
	static const char *const sorted[] = {"0000:3b:00.0", "0000:3b:00.1", "0000:3b:10.0", "0000:d8:00.0", "a", "ab",
					     "abcdefgh", "abcdefgh0", "abcdefghi", "b", "\xc3\xa9t\xc3\xa9"};
	static const int order[] = {7, 2, 10, 0, 5, 9, 1, 4, 8, 3, 6}; /* planted in this order */
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	struct gv_dir d;
	char rel[64];
	size_t n = sizeof(sorted) / sizeof(sorted[0]);

	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "names/%s", sorted[order[i]]);
		th_write(host, rel, "x\n");
	}
	ck_assert_int_eq(gv_dir_open(ctx, "names", &d), 0);
	ck_assert_uint_eq(d.count, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(d.ents[i].name, sorted[i]);
		ck_assert_int_eq(gv_dir_type(&d, sorted[i]), DT_REG);
	}
	ck_assert_int_eq(gv_dir_type(&d, "abcdefg"), -ENOENT);
	ck_assert_int_eq(gv_dir_type(&d, "abcdefgh1"), -ENOENT);
	ck_assert_int_eq(gv_dir_type(&d, "0000:3b:00.2"), -ENOENT);
	gv_dir_close(&d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A file below a folder of a listed directory (an mdev type's
 * available_instances from its parent's mdev_supported_types): read beneath
 * it; what is no regular file is refused before anything of it is read,
 * naming it; a link on the
 * way goes the contained path and never leaves the root; a first folder the
 * listing lacks is absent with no system call. */
START_TEST(reads_below_a_listing)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	struct gv_dir d;
	char buf[64], path[4096];

	th_write(host, "top/t1/avail", "7\n");
	th_write(host, "top/t2/avail", "");
	th_write(host, "secret/avail", "outside\n");
	th_symlink(host, "top/out", "../../../../secret");
	th_symlink(host, "top/in", "t1");
	snprintf(path, sizeof(path), "%s/top/t2/avail", host);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_int_eq(gv_dir_open(ctx, "top", &d), 0);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "t1/avail", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "7\n");
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "t2/avail", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "top/t2/avail"));
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a FIFO"));
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "t1", buf, sizeof(buf)), -EISDIR);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "t1/none", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "t3/avail", buf, sizeof(buf)), -ENOENT);
	/* Links: resolved inside the root (../../../../secret stops at it). */
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "in/avail", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "7\n");
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "out/avail", buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "outside\n"); /* the root's own secret/, not the machine's */
	gv_dir_close(&d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A directory opened without a listing (a device's in discovery): each
 * name asked at once. An absent one is -ENOENT; a FIFO, a socket or a
 * device node is refused naming it, in the words a listed directory uses;
 * a folder is -EISDIR; a link is read the contained way; a listing made
 * afterwards gives the entries and their types. */
START_TEST(unlisted_reads)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct gv_dir d, sub;
	char buf[64], path[4096];
	int sock;

	th_write(host, "dev/attr", "7\n");
	th_write(host, "dev/empty", "");
	th_write(host, "dev/folder/inner", "x\n");
	th_write(host, "secret", "outside\n");
	th_symlink(host, "dev/out", "../../../../secret");
	th_symlink(host, "dev/tofolder", "folder");
	th_symlink(host, "dev/driver", "../bus/pci/drivers/vfio-pci");
	snprintf(path, sizeof(path), "%s/dev/fifo", host);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dev/sock", host);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(sock, 0);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(gv_dir_open_unlisted(ctx, "dev", &d), 0);
	ck_assert(!d.listed);
	ck_assert_int_eq(gv_dir_type(&d, "attr"), -EOPNOTSUPP);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "attr", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "7\n");
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "empty", buf, sizeof(buf)), 0);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "none", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "fifo", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "dev/fifo under"));
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a FIFO"));
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "sock", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a socket"));
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/dev/null", host);
		ck_assert_int_eq(mknod(path, S_IFCHR | 0644, makedev(1, 3)), 0);
		ck_assert_int_eq(gv_dir_read_text(ctx, &d, "null", buf, sizeof(buf)), -EMEDIUMTYPE);
		ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a character device"));
	}
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "folder", buf, sizeof(buf)), -EISDIR);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "out", buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "outside\n"); /* the root's own secret, not the machine's */
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "folder/inner", buf, sizeof(buf)), 2);
	/* Links and what exists. */
	ck_assert_int_eq(gv_dir_readlink_base(ctx, &d, "driver", buf, sizeof(buf)), (ssize_t)strlen("vfio-pci"));
	ck_assert_str_eq(buf, "vfio-pci");
	ck_assert_int_eq(gv_dir_readlink_base(ctx, &d, "nolink", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_dir_readlink_base(ctx, &d, "attr", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(gv_dir_exists(ctx, &d, "folder/inner"), 1);
	ck_assert_int_eq(gv_dir_exists(ctx, &d, "folder/none"), 0);
	ck_assert_int_eq(gv_dir_exists(ctx, &d, "none/inner"), 0);
	/* Its folders, from its descriptor; a link there the contained way. */
	ck_assert_int_eq(gv_dir_open_sub(ctx, &d, "folder", true, &sub), 0);
	ck_assert_uint_eq(sub.count, 1);
	ck_assert_str_eq(sub.ents[0].name, "inner");
	ck_assert_str_eq(sub.rel, "dev/folder");
	gv_dir_close(&sub);
	ck_assert_int_eq(gv_dir_open_sub(ctx, &d, "tofolder", true, &sub), 0);
	ck_assert_uint_eq(sub.count, 1);
	gv_dir_close(&sub);
	ck_assert_int_eq(gv_dir_open_sub(ctx, &d, "none", true, &sub), -ENOENT);
	ck_assert_int_eq(gv_dir_open_sub(ctx, &d, "attr", true, &sub), -ENOTDIR);
	ck_assert_int_eq(gv_dir_open_sub(ctx, &d, "a/b", true, &sub), -EINVAL);
	/* Listed now: the entries and their types, and the same answers. */
	ck_assert_int_eq(gv_dir_list(ctx, &d), 0);
	ck_assert(d.listed);
	ck_assert_int_eq(gv_dir_type(&d, "attr"), DT_REG);
	ck_assert_int_eq(gv_dir_type(&d, "folder"), DT_DIR);
	ck_assert_int_eq(gv_dir_type(&d, "none"), -ENOENT);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "fifo", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_int_eq(gv_dir_read_text(ctx, &d, "attr", buf, sizeof(buf)), 2);
	gv_dir_close(&d);
	close(sock);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A wait a person would notice says what it waits for, once, as a notice
 * (the tool shows it on a terminal or with --verbose); a short one says
 * nothing. */
static char said[512];
static int nsaid;

static void keep_notice(void *userdata, int priority, const char *message)
{
	(void)userdata;
	if (priority == 5) {
		snprintf(said, sizeof(said), "%s", message);
		nsaid++;
	}
}

START_TEST(long_wait_says_so)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	char path[4096];
	pid_t child;
	int status;

	gpuvirt_ctx_set_log_fn(ctx, keep_notice, NULL);
	gpuvirt_ctx_set_log_priority(ctx, 7);
	th_write(host, "soon", "");
	ck_assert_int_eq(gv_mut_wait_for(ctx, "soon", 2000), 0);
	ck_assert_int_eq(nsaid, 0);
	snprintf(path, sizeof(path), "%s/late", host);
	if ((child = fork()) == 0) {
		usleep(1400 * 1000);
		_exit(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(gv_mut_wait_for(ctx, "late", 5000), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(nsaid, 1);
	ck_assert_str_eq(said, "waiting up to 4 s for late to appear");
	ck_assert_int_eq(gv_mut_wait_for(ctx, "never", 300), -ETIMEDOUT);
	ck_assert_int_eq(nsaid, 1);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* What sits where an attribute should be is opened only if it is a regular
 * file: a FIFO would block a reader for ever, a device node would see an
 * open() from root. Answers come at once, naming the file. */
START_TEST(only_regular_files)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	char path[4096], buf[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec t0, t1;
	int sock;

	gv_sysfs_force_fallback(_i == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:00:17.0/numa_node", host);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:00:17.0/numa_node", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "numa_node"));
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a FIFO"));
	ck_assert_int_eq(gv_write_attr(ctx, "sys/bus/pci/devices/0000:00:17.0/numa_node", "1\n"), -EMEDIUMTYPE);
	/* A character device (the null device's numbers) is never opened. */
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:00:17.0/class", host);
		ck_assert_int_eq(unlink(path), 0);
		ck_assert_int_eq(mknod(path, S_IFCHR | 0644, makedev(1, 3)), 0);
		ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:00:17.0/class", buf, sizeof(buf)), -EMEDIUMTYPE);
		ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a character device"));
	}
	/* A socket. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run-sock", host);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(sock, 0);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(gv_read_text(ctx, "run-sock", buf, sizeof(buf)), -EMEDIUMTYPE);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "a socket"));
	close(sock);
	/* This machine's own files (a vGPU table, pci.ids): a FIFO is refused
	 * unopened, read or mapped. */
	{
		const char *map;
		size_t len;
		snprintf(path, sizeof(path), "%s/local-fifo", host);
		ck_assert_int_eq(mkfifo(path, 0644), 0);
		ck_assert_int_eq(gv_read_local_file(path, buf, sizeof(buf)), -EMEDIUMTYPE);
		ck_assert_int_eq(gv_map_local_file(path, &map, &len), -EMEDIUMTYPE);
		ck_assert_ptr_null(map);
	}
	/* A directory is not an attribute either. */
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices", buf, sizeof(buf)), -EISDIR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	gv_sysfs_force_fallback(false);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A write the kernel keeps blocked is given up at the deadline; the
 * writer goes on alone. A FIFO with no reader stands in for the kernel. */
START_TEST(bounded_write)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	struct timespec t0, t1;
	pid_t writer = 0;

	th_write(host, "attr", "");
	ck_assert_int_eq(gv_write_attr_bounded(ctx, "attr", "1\n", 1000, &writer), 0);
	ck_assert_int_eq(writer, 0);
	/* A path that is no regular file is refused before any process starts. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/fifo", host);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(gv_write_attr_bounded(ctx, "fifo", "1\n", 300, &writer), -EMEDIUMTYPE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Device directories held for an operation: links under a device still
 * resolve inside the root (a link out of the directory goes the long way),
 * the directory is walked once (a rename of the bus's entry does not reach
 * a held one), and the last release closes what the holds opened. */
START_TEST(held_device_dirs)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	char buf[64], secret[PATH_MAX], rel[PATH_MAX + 64];
	const char *dev = "sys/bus/pci/devices/0000:01:00.0";
	int fd, fds_before;

	snprintf(secret, sizeof(secret), "%s-secret", host);
	fd = open(secret, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "secret\n", 7), 7);
	close(fd);
	snprintf(rel, sizeof(rel), "../../../../../../../../../../..%s", secret);
	th_symlink(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/escape-rel", rel);
	th_symlink(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/escape-abs", secret);
	/* openat2 saying EAGAIN every time (renames racing each walk): held or
	 * not, every answer comes the long way, by the walker. */
	gv_sysfs_force_eagain(true);
	gv_devdirs_hold(ctx);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), 7);
	ck_assert_int_eq(gv_readlink_base(ctx, "sys/bus/pci/devices/0000:01:00.0/driver", buf, sizeof(buf)), 6);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/escape-rel", buf, sizeof(buf)), -ENOENT);
	gv_devdirs_release(ctx);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), 7);
	gv_sysfs_force_eagain(false);
	fds_before = th_count_fds();
	gv_devdirs_hold(ctx);
	gv_devdirs_hold(ctx);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/escape-rel", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/escape-abs", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "0x10de\n");
	ck_assert_int_eq(gv_readlink_base(ctx, "sys/bus/pci/devices/0000:01:00.0/driver", buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "nvidia");
	ck_assert_int_eq(gv_exists(ctx, "sys/bus/pci/devices/0000:01:00.0/driver/0000:01:00.0/vendor"), 1);
	/* Walked once: with the bus's entry gone, the held directory answers.
	 * Without openat2 (valgrind, old kernels) nothing is held: every open
	 * is the walker's, and the entry is gone. */
	fd = gv_openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY, 0, 0);
	int held = fd >= 0 ? 7 : -ENOENT;
	if (fd >= 0)
		close(fd);
	th_remove(host, dev);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), held);
	gv_devdirs_release(ctx);
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), held);
	gv_devdirs_release(ctx);
	/* Released: the next open walks, and finds no entry. */
	ck_assert_int_eq(gv_read_text(ctx, "sys/bus/pci/devices/0000:01:00.0/vendor", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(th_count_fds(), fds_before);
	unlink(secret);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The directory that holds what a link names: the link followed, then
 * "..", in the root (both resolvers); a folder of it opened by one name,
 * no link followed. */
START_TEST(parent_through_a_link)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	struct gv_dir bus, dev;
	char buf[64];

	gv_sysfs_force_fallback(_i == 1);
	ck_assert_int_eq(gv_dir_open_parent(ctx, "sys/bus/pci/devices/0000:01:00.0", &bus), 0);
	ck_assert_str_eq(bus.rel, "sys/bus/pci/devices/0000:01:00.0/..");
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "0000:01:00.1", "sys/bus/pci/devices/0000:01:00.1", &dev), 0);
	ck_assert_str_eq(dev.rel, "sys/bus/pci/devices/0000:01:00.1");
	ck_assert_int_eq(gv_dir_read_text(ctx, &dev, "vendor", buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "0x10de\n");
	gv_dir_close(&dev);
	/* One name, never a link, ".", ".." or a path. */
	th_symlink(host, "sys/devices/pci0000:00/0000:00:01.0/alias", "0000:01:00.0");
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "alias", "x", &dev), -ENOTDIR); /* O_DIRECTORY says so first */
	ck_assert_int_eq(dev.fd, -ENOTDIR);
	gv_dir_close(&dev);
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "..", "x", &dev), -EINVAL);
	ck_assert_int_eq(gv_dir_open_beneath(&bus, ".", "x", &dev), -EINVAL);
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "0000:01:00.0/drm", "x", &dev), -EINVAL);
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "absent", "x", &dev), -ENOENT);
	gv_dir_close(&bus);
	/* The bus's folder itself is the root's own: a link that climbs above
	 * the root reaches no higher than it, and its parent is inside. */
	th_symlink(host, "sys/bus/pci/devices/0000:01:00.0",
		   "../../../../../../../../../sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	ck_assert_int_eq(gv_dir_open_parent(ctx, "sys/bus/pci/devices/0000:01:00.0", &bus), 0);
	ck_assert_int_eq(gv_dir_open_beneath(&bus, "0000:01:00.0", "y", &dev), 0);
	gv_dir_close(&dev);
	gv_dir_close(&bus);
	th_symlink(host, "sys/bus/pci/devices/0000:01:00.0", "../../../devices/none/0000:01:00.0");
	ck_assert_int_eq(gv_dir_open_parent(ctx, "sys/bus/pci/devices/0000:01:00.0", &bus), -ENOENT);
	ck_assert_int_eq(gv_dir_open_parent(ctx, "sys/../etc", &bus), -EXDEV);
	gv_sysfs_force_fallback(false);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("sysfs");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, path_safety);
	tcase_add_loop_test(tc, links_stay_inside_root, 0, 2);
	tcase_add_test(tc, read_bounds);
	tcase_add_test(tc, listings_whole);
	tcase_add_test(tc, listing_order);
	tcase_add_test(tc, reads_below_a_listing);
	tcase_add_test(tc, unlisted_reads);
	tcase_add_test(tc, long_wait_says_so);
	tcase_add_loop_test(tc, only_regular_files, 0, 2);
	tcase_add_test(tc, bounded_write);
	tcase_add_test(tc, held_device_dirs);
	tcase_add_loop_test(tc, parent_through_a_link, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
