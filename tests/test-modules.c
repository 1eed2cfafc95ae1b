/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's modules and drivers as binding and check see them. */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "../src/private.h"

/* A driver's and a module's presence are looked at once while nothing is
 * written (a check asks for every GPU); a write, or a module loaded, makes
 * the next question look again. */
START_TEST(presence_is_remembered_until_a_write)
{
	const char *root = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	struct gv_modules m;

	gv_modules_open(ctx, &m);
	ck_assert_int_eq(gv_driver_state(ctx, &m, "vfio-pci"), GV_MODULE_AVAILABLE);
	ck_assert_int_eq(gv_module_state(ctx, &m, "vendor-reset"), GV_MODULE_MISSING);
	th_write(root, "sys/bus/pci/drivers/vfio-pci/bind", "");
	th_write(root, "sys/module/vendor_reset/refcnt", "0\n");
	ck_assert_int_eq(gv_driver_state(ctx, &m, "vfio-pci"), GV_MODULE_AVAILABLE); /* remembered */
	ctx->generation++;							      /* a write */
	ck_assert_int_eq(gv_driver_state(ctx, &m, "vfio-pci"), GV_MODULE_LOADED);
	ck_assert_int_eq(gv_module_state(ctx, &m, "vendor_reset"), GV_MODULE_LOADED);
	gv_modules_close(&m);
	ck_assert_ptr_null(m.seen);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* VFIO device cdevs: proc/devices lists vfio's "vfio-dev" major (Linux
 * 6.6+); a host without proc/devices has none; an unreadable one is an
 * error, not a "no". */
START_TEST(vfio_cdevs_from_proc_devices)
{
	const char *root = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(root);

	ck_assert_int_eq(gv_vfio_cdevs(ctx), 0);
	th_write(root, "proc/devices", "Character devices:\n  1 mem\n242 vfio\n\nBlock devices:\n  7 loop\n");
	ck_assert_int_eq(gv_vfio_cdevs(ctx), 0);
	th_write(root, "proc/devices", "Character devices:\n  1 mem\n241 vfio-dev\n242 vfio\n\nBlock devices:\n");
	ck_assert_int_eq(gv_vfio_cdevs(ctx), 1);
	th_remove(root, "proc/devices");
	th_write(root, "proc/devices/x", "");
	ck_assert_int_eq(gv_vfio_cdevs(ctx), -EISDIR);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("modules");
	TCase *tc = tcase_create("modules");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, presence_is_remembered_until_a_write);
	tcase_add_test(tc, vfio_cdevs_from_proc_devices);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
