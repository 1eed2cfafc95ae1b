/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state plan (gpuvirt/state.h) and owner tags on plain simulated hosts:
 * each item's kind, object, wanted, current, status and reason exactly;
 * applying a state that needs no write. Restores that write to the host run
 * on the FUSE host (tests/simhost/test-restore.sh). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define T1 "0000:3b:00.0"
#define U1 "11111111-2222-4333-8444-000000000001"
#define U2 "11111111-2222-4333-8444-000000000002"

static void record(const char *root, const char *uuid, const char *parent, const char *profile)
{
	char rel[128], text[512];

	snprintf(rel, sizeof(rel), "etc/gpuvirt/instances/%s.json", uuid);
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"%s\", \"parent\": \"%s\", \"profile\": \"%s\", "
		 "\"mechanism\": \"mdev\"}\n",
		 uuid, parent, profile);
	th_write(root, rel, text);
}

static int item(const gpuvirt_state_plan *p, size_t i, char *out, size_t size)
{
	const char *k, *o, *w, *c, *r;
	int s = gpuvirt_state_plan_get_item(p, i, &k, &o, &w, &c, &r);

	snprintf(out, size, "%s|%s|%s|%s|%s|%s", gpuvirt_state_status_to_string(s), k, o, w, c, r);
	return s;
}

START_TEST(plan_of_the_persisted_state)
{
	const char *root = th_host("t4");
	gpuvirt_state_plan *p = NULL;
	gpuvirt_ctx *ctx;
	char s[1200];

	record(root, U1, T1, "nvidia-233");
	record(root, U2, "0000:99:00.0", "nvidia-233");
	th_write(root, "etc/gpuvirt/vfs/" T1 ".json", "{\"version\": 1, \"kind\": \"vfs\", \"device\": \"" T1 "\", \"count\": 2}\n");
	th_write(root, "etc/gpuvirt/bindings/0000:d8:00.0.json", "{\"version\": 1, \"kind\": \"binding\"}\n");
	ctx = th_ctx_at(root);
	ck_assert_int_eq(gpuvirt_state_plan_new(ctx, NULL, 0, &p), 0);
	ck_assert_uint_eq(gpuvirt_state_plan_get_count(p), 4);
	ck_assert_int_eq(item(p, 0, s, sizeof(s)), GPUVIRT_STATE_BLOCKED);
	ck_assert_str_eq(s, "blocked|record|etc/gpuvirt/bindings/0000:d8:00.0.json|a valid record|unknown|"
			    "damaged: \"device\" is not a canonical PCI address");
	ck_assert_int_eq(item(p, 1, s, sizeof(s)), GPUVIRT_STATE_BLOCKED);
	ck_assert_str_eq(s, "blocked|vfs|" T1 "|2 VFs|no SR-IOV|" T1 " has no SR-IOV: no VFs to enable");
	ck_assert_int_eq(item(p, 2, s, sizeof(s)), GPUVIRT_STATE_TO_DO);
	ck_assert_str_eq(s, "to-do|instance|" U1 "|nvidia-233 on " T1 "|defined, not active|create it");
	ck_assert_int_eq(item(p, 3, s, sizeof(s)), GPUVIRT_STATE_BLOCKED);
	ck_assert_str_eq(s, "blocked|instance|" U2 "|nvidia-233 on 0000:99:00.0|absent|0000:99:00.0 is not on this host");
	ck_assert_int_eq(gpuvirt_state_plan_get_item(p, 4, NULL, NULL, NULL, NULL, NULL), -ERANGE);
	ck_assert_int_eq(gpuvirt_state_plan_get_item(NULL, 0, NULL, NULL, NULL, NULL, NULL), -EINVAL);
	ck_assert_ptr_eq(gpuvirt_state_plan_ref(p), p);
	ck_assert_ptr_eq(gpuvirt_state_plan_unref(p), p);
	ck_assert_ptr_null(gpuvirt_state_plan_unref(p));
	ck_assert_str_eq(gpuvirt_state_status_to_string(GPUVIRT_STATE_UNMANAGED), "unmanaged");
	ck_assert_ptr_null(gpuvirt_state_status_to_string(6));
	ck_assert_int_eq(gpuvirt_state_plan_new(ctx, "relative.json", 0, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(gpuvirt_state_plan_new(ctx, NULL, 1u << 7, &p), -EINVAL);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Nothing to do: applying (and restoring) makes no write and says how many
 * objects do not hold. */
START_TEST(restore_with_nothing_to_do)
{
	const char *root = th_host("t4");
	gpuvirt_state_plan *p = NULL;
	gpuvirt_ctx *ctx = th_ctx_at(root);

	ck_assert_int_eq(gpuvirt_restore(ctx, 0, &p), 0);
	ck_assert_uint_eq(gpuvirt_state_plan_get_count(p), 0);
	gpuvirt_state_plan_unref(p);
	ck_assert_int_eq(gpuvirt_restore(ctx, GPUVIRT_STATE_PERSIST, NULL), -EINVAL);
	record(root, U2, "0000:99:00.0", "nvidia-233");
	ck_assert_int_eq(gpuvirt_restore(ctx, 0, NULL), 1); /* blocked: its GPU is gone */
	ck_assert_int_eq(gpuvirt_state_plan_apply(NULL), -EINVAL);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* An owner tag goes into the instance's record and comes back with it. */
START_TEST(owner_tags)
{
	const char *root = th_host("t4");
	gpuvirt_instance *in = NULL, *again = NULL;
	gpuvirt_ctx *ctx;
	char path[512], buf[1024];
	FILE *f;
	size_t n;

	record(root, U1, T1, "nvidia-233");
	ctx = th_ctx_at(root);
	ck_assert_int_eq(gpuvirt_instance_new_from_uuid(ctx, U1, &in), 0);
	ck_assert_int_eq(gpuvirt_instance_is_persistent(in), 1);
	ck_assert_int_eq(gpuvirt_instance_is_active(in), 0);
	ck_assert_ptr_null(gpuvirt_instance_get_owner(in));
	ck_assert_int_eq(gpuvirt_instance_set_owner(in, "vm-42"), 0);
	ck_assert_str_eq(gpuvirt_instance_get_owner(in), "vm-42");
	snprintf(path, sizeof(path), "%s/etc/gpuvirt/instances/%s.json", root, U1);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"owner\": \"vm-42\""));
	ck_assert_int_eq(gpuvirt_instance_new_from_uuid(ctx, U1, &again), 0);
	ck_assert_str_eq(gpuvirt_instance_get_owner(again), "vm-42");
	ck_assert_int_eq(gpuvirt_instance_set_owner(in, "a\tb"), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_set_owner(in, NULL), 0);
	ck_assert_ptr_null(gpuvirt_instance_get_owner(in));
	th_remove(root, "etc/gpuvirt/instances/" U1 ".json");
	ck_assert_int_eq(gpuvirt_instance_set_owner(in, "x"), -ENOENT);
	ck_assert_int_eq(gpuvirt_instance_set_owner(NULL, "x"), -EINVAL);
	gpuvirt_instance_unref(again);
	gpuvirt_instance_unref(in);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("restore");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, plan_of_the_persisted_state);
	tcase_add_test(tc, restore_with_nothing_to_do);
	tcase_add_test(tc, owner_tags);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
