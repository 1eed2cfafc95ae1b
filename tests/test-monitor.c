/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device events: only on the running host. */
#include <errno.h>
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

static Suite *suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("monitor");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, refused_under_another_root);
	tcase_add_test(tc, on_the_running_host);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
