/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device events: only on the running host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

START_TEST(refused_under_another_root)
{
	gpuvirt_ctx *ctx = th_ctx("nogpu");
	gpuvirt_monitor *mon = (gpuvirt_monitor *)1;

	ck_assert_int_eq(gpuvirt_monitor_new(ctx, &mon), -EOPNOTSUPP);
	ck_assert_ptr_null(mon);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "running host"));
	ck_assert_int_eq(gpuvirt_monitor_new(NULL, &mon), -EINVAL);
	ck_assert_int_eq(gpuvirt_monitor_new(ctx, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_monitor_get_fd(NULL), -EINVAL);
	ck_assert_ptr_null(gpuvirt_monitor_unref(NULL));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(on_the_running_host)
{
	gpuvirt_ctx *ctx = th_ctx_at("/");
	gpuvirt_monitor *mon = NULL;
	const char *subject;
	int kind, r;

	r = gpuvirt_monitor_new(ctx, &mon);
	/* Anyone may listen to the kernel's uevents; a sandbox without netlink
	 * is a failure here, not a pass. (Events themselves are received in
	 * the real-kernel tier: `gpuvirt monitor` in tests/kernel/guest.sh.) */
	ck_assert_msg(r == 0, "monitor: %s", gpuvirt_ctx_get_error(ctx));
	ck_assert_int_ge(gpuvirt_monitor_get_fd(mon), 0);
	/* Nothing is plugged in here: no event is waiting, and it does not block. */
	ck_assert_int_eq(gpuvirt_monitor_next_event(mon, &kind, &subject), 0);
	ck_assert_ptr_null(subject);
	ck_assert_int_eq(gpuvirt_monitor_next_event(mon, NULL, &subject), -EINVAL);
	ck_assert_ptr_null(gpuvirt_monitor_unref(mon));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Run only as CK_RUN_CASE=no-libudev (the test monitor-no-libudev), with a
 * libudev.so.1 that has none of its functions first on LD_LIBRARY_PATH: the
 * monitor is refused, saying why, and nothing else of the library needs
 * libudev. */
START_TEST(without_libudev)
{
	gpuvirt_ctx *ctx = th_ctx_at("/");
	gpuvirt_monitor *mon = (gpuvirt_monitor *)1;
	gpuvirt_device_iter *it;
	gpuvirt_device *d;

	ck_assert_int_eq(gpuvirt_monitor_new(ctx, &mon), -EOPNOTSUPP);
	ck_assert_ptr_null(mon);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "device events need libudev: libudev.so.1 has no udev_new");
	/* Asked again: the same answer, from the one try of the process. */
	ck_assert_int_eq(gpuvirt_monitor_new(ctx, &mon), -EOPNOTSUPP);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "device events need libudev: libudev.so.1 has no udev_new");
	gpuvirt_ctx_unref(ctx);
	ctx = th_ctx("t4");
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_GPUS, &it), 0);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "nvidia");
	gpuvirt_device_unref(d);
	gpuvirt_device_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("monitor");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, refused_under_another_root);
	tcase_add_test(tc, on_the_running_host);
	suite_add_tcase(s, tc);
	if (getenv("CK_RUN_CASE") && strcmp(getenv("CK_RUN_CASE"), "no-libudev") == 0) {
		TCase *none = tcase_create("no-libudev");
		tcase_add_checked_fixture(none, NULL, th_teardown);
		tcase_add_test(none, without_libudev);
		suite_add_tcase(s, none);
	}
	return s;
}

int main(void)
{
	return th_run(suite());
}
