/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: lifecycle, root, logging, errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

START_TEST(lifecycle)
{
	gpuvirt_ctx *ctx = NULL;

	unsetenv("GPUVIRT_ROOT");
	ck_assert_int_eq(gpuvirt_ctx_new(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_str_eq(gpuvirt_ctx_get_root(ctx), "/");
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "");
	ck_assert_ptr_eq(gpuvirt_ctx_ref(ctx), ctx);
	ck_assert_ptr_eq(gpuvirt_ctx_unref(ctx), ctx);
	ck_assert_ptr_null(gpuvirt_ctx_unref(ctx));
	ck_assert_ptr_null(gpuvirt_ctx_unref(NULL));
	ck_assert_ptr_null(gpuvirt_ctx_ref(NULL));
	ck_assert_ptr_null(gpuvirt_ctx_get_root(NULL));
	ck_assert_ptr_null(gpuvirt_ctx_get_error(NULL));
}
END_TEST

START_TEST(root_from_env_and_setter)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = NULL;
	char bad[4096];

	setenv("GPUVIRT_ROOT", host, 1);
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_str_eq(gpuvirt_ctx_get_root(ctx), host);
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, "relative/dir"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "absolute"));
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, "/nonexistent/gpuvirt"), -ENOENT);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "/nonexistent/gpuvirt"));
	snprintf(bad, sizeof(bad), "%s/proc/cmdline", host);
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, bad), -ENOTDIR);
	ck_assert_str_eq(gpuvirt_ctx_get_root(ctx), host); /* unchanged after failures */
	snprintf(bad, sizeof(bad), "%s/sys/../sys/..", host);
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, bad), 0);
	ck_assert_str_eq(gpuvirt_ctx_get_root(ctx), host); /* canonical */
	gpuvirt_ctx_unref(ctx);
	setenv("GPUVIRT_ROOT", "/nonexistent/gpuvirt", 1);
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), -ENOENT);
	ck_assert_ptr_null(ctx);
}
END_TEST

struct logbuf {
	int count, last_prio;
	char last[256];
};

static void collect(void *userdata, int prio, const char *msg)
{
	struct logbuf *b = userdata;
	b->count++;
	b->last_prio = prio;
	snprintf(b->last, sizeof(b->last), "%s", msg);
}

START_TEST(logging)
{
	struct logbuf b = {0};
	gpuvirt_ctx *ctx;
	gpuvirt_device *dev = NULL;

	setenv("GPUVIRT_LOG", "debug", 1);
	unsetenv("GPUVIRT_ROOT");
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_int_eq(gpuvirt_ctx_get_log_priority(ctx), 7);
	gpuvirt_ctx_set_log_fn(ctx, collect, &b);
	ck_assert_int_eq(gpuvirt_ctx_set_root(ctx, th_host("nogpu")), 0);
	ck_assert_int_gt(b.count, 0);
	ck_assert_int_eq(b.last_prio, 7);
	gpuvirt_ctx_set_log_priority(ctx, 3);
	b.count = 0;
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:09:00.0", &dev), -ENODEV);
	ck_assert_int_eq(b.count, 0); /* debug messages filtered out */
	gpuvirt_ctx_set_log_priority(ctx, 99);
	ck_assert_int_eq(gpuvirt_ctx_get_log_priority(ctx), 7);
	gpuvirt_ctx_set_log_priority(ctx, -5);
	ck_assert_int_eq(gpuvirt_ctx_get_log_priority(ctx), 0);
	gpuvirt_ctx_unref(ctx);
	setenv("GPUVIRT_LOG", "4", 1);
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_int_eq(gpuvirt_ctx_get_log_priority(ctx), 4);
	gpuvirt_ctx_unref(ctx);
	setenv("GPUVIRT_LOG", "bogus", 1);
	ck_assert_int_eq(gpuvirt_ctx_new(&ctx), 0);
	ck_assert_int_eq(gpuvirt_ctx_get_log_priority(ctx), 3);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(error_names)
{
	ck_assert_str_eq(gpuvirt_strerror(0), "Success");
	ck_assert_str_eq(gpuvirt_strerror(-EINVAL), "Invalid argument");
	ck_assert_str_eq(gpuvirt_strerror(EINVAL), "Invalid argument");
	ck_assert_str_eq(gpuvirt_strerror(-ENODEV), "No such device");
	ck_assert_str_eq(gpuvirt_strerror(-EXDEV), "Path leaves the root");
	ck_assert_str_eq(gpuvirt_strerror(-123456), "Unknown error");
	ck_assert_str_eq(gpuvirt_version(), GPUVIRT_EXPECTED_VERSION);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctx");
	TCase *tc = tcase_create("ctx");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, lifecycle);
	tcase_add_test(tc, root_from_env_and_setter);
	tcase_add_test(tc, logging);
	tcase_add_test(tc, error_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
