/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root-relative file access: nothing leaves the root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

static Suite *suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("sysfs");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, path_safety);
	tcase_add_loop_test(tc, links_stay_inside_root, 0, 2);
	tcase_add_test(tc, read_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
