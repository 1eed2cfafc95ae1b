/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The desired-state format (src/parse-persist.c): each kind round-trips, a
 * declarative file holds many, and anything damaged is refused with why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "../src/private.h"

static int one(const char *text, struct gv_want *w, char *why, size_t wsize)
{
	return gv_parse_want(text, strlen(text), w, why, wsize);
}

START_TEST(each_kind_round_trips)
{
	const char *in[] = {
		"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 8}",
		"{\"version\": 1, \"kind\": \"binding\", \"device\": \"0000:01:00.1\", \"driver\": \"vfio-pci\"}",
		"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-555555555555\", "
		"\"parent\": \"0000:41:00.0\", \"profile\": \"697\", \"mechanism\": \"nvidia-vendor\", "
		"\"vf\": \"0000:41:00.4\", \"owner\": \"vm-42\"}",
		"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-555555555555\", "
		"\"parent\": \"mbochs\", \"profile\": \"mbochs-1\", \"mechanism\": \"mdev\"}",
	};
	struct gv_want w, again;
	char buf[1024], why[200];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_msg(one(in[i], &w, why, sizeof(why)) == 0, "%s: %s", in[i], why);
		ck_assert_int_gt(gv_format_want(&w, buf, sizeof(buf)), 0);
		ck_assert_msg(one(buf, &again, why, sizeof(why)) == 0, "%s: %s", buf, why);
		ck_assert_int_eq(memcmp(&w, &again, sizeof(w)), 0);
	}
	ck_assert_int_eq(one(in[0], &w, NULL, 0), 0);
	ck_assert_int_eq(w.kind, GV_WANT_VFS);
	ck_assert_int_eq(w.count, 8);
	ck_assert_int_eq(one(in[2], &w, NULL, 0), 0);
	ck_assert_int_eq(w.mechanism, GPUVIRT_MECHANISM_NVIDIA_VENDOR);
	ck_assert_str_eq(w.vf, "0000:41:00.4");
	ck_assert_str_eq(w.owner, "vm-42");
	/* What is written is pretty-printed, one key a line, and ends with a newline. */
	ck_assert_int_gt(gv_format_want(&w, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\n  \"uuid\": \"11111111-2222-4333-8444-555555555555\",\n"));
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
	ck_assert_int_eq(gv_format_want(&w, buf, 40), -ENAMETOOLONG);
}
END_TEST

START_TEST(damaged_objects_say_why)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"", "empty"},
		{"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 8", "not JSON"},
		{"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 8} x", "not JSON"},
		{"{\"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 8}", "\"version\" is missing"},
		{"{\"version\": 2, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 8}", "not 1"},
		{"{\"version\": 1, \"kind\": \"gpu\"}", "unknown kind \"gpu\""},
		{"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"c1:00.0\", \"count\": 8}", "canonical"},
		{"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 0}", "between 1"},
		{"{\"version\": 1, \"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": \"8\"}", "not a number"},
		{"{\"version\": 1, \"kind\": \"binding\", \"device\": \"0000:01:00.0\", \"drvier\": \"x\"}",
		 "unknown key \"drvier\""},
		{"{\"version\": 1, \"kind\": \"binding\", \"device\": \"0000:01:00.0\", \"driver\": \"../x\"}", "driver's name"},
		{"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-55555555555\", "
		 "\"parent\": \"0000:41:00.0\", \"profile\": \"1\", \"mechanism\": \"mdev\"}",
		 "\"uuid\""},
		{"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-555555555555\", "
		 "\"parent\": \"a:b\", \"profile\": \"1\", \"mechanism\": \"mdev\"}",
		 "\"parent\""},
		{"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-555555555555\", "
		 "\"parent\": \"0000:41:00.0\", \"profile\": \"1\", \"mechanism\": \"magic\"}",
		 "unknown mechanism \"magic\""},
		{"{\"version\": 1, \"kind\": \"instance\", \"uuid\": \"11111111-2222-4333-8444-555555555555\", "
		 "\"parent\": \"0000:41:00.0\", \"profile\": \"1\", \"mechanism\": \"mdev\", \"owner\": \"a\\u0007\"}",
		 "control character"},
		{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "not JSON"},
	};
	struct gv_want w;
	char why[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(one(bad[i].text, &w, why, sizeof(why)) == -EBADMSG, "accepted: %s", bad[i].text);
		ck_assert_msg(strstr(why, bad[i].why), "%s: said '%s', not '%s'", bad[i].text, why, bad[i].why);
	}
	ck_assert_int_eq(gv_parse_want("{\"a\":\0}", 7, &w, why, sizeof(why)), -EBADMSG);
}
END_TEST

START_TEST(declarative_files)
{
	const char *file = "{\"version\": 1, \"objects\": ["
			   "{\"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 4},"
			   "{\"kind\": \"binding\", \"device\": \"0000:01:00.0\", \"driver\": \"vfio-pci\"}]}";
	struct gv_want *v = NULL, *again = NULL;
	size_t n = 0, m = 0;
	char buf[2048], why[200] = "";

	ck_assert_msg(gv_parse_wants(file, strlen(file), &v, &n, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1].driver, "vfio-pci");
	ck_assert_int_gt(gv_format_wants(v, n, buf, sizeof(buf)), 0);
	ck_assert_msg(gv_parse_wants(buf, strlen(buf), &again, &m, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(m, 2);
	ck_assert_int_eq(memcmp(v, again, 2 * sizeof(*v)), 0);
	free(v);
	free(again);
	/* One object's file is a state of one. */
	const char *single = "{\"version\": 1, \"kind\": \"binding\", \"device\": \"0000:01:00.0\", \"driver\": \"nvidia\"}";
	ck_assert_int_eq(gv_parse_wants(single, strlen(single), &v, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 1);
	free(v);
	/* An empty state is valid; a bad object is named by its position. */
	ck_assert_int_eq(gv_parse_wants("{\"version\": 1, \"objects\": []}", 29, &v, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	const char *bad = "{\"version\": 1, \"objects\": [{\"kind\": \"vfs\", \"device\": \"0000:c1:00.0\", \"count\": 4}, 7]}";
	ck_assert_int_eq(gv_parse_wants(bad, strlen(bad), &v, &n, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(why, "object 2: an object is not a JSON object"), "%s", why);
	const char *extra = "{\"version\": 1, \"objects\": [], \"more\": 1}";
	ck_assert_int_eq(gv_parse_wants(extra, strlen(extra), &v, &n, why, sizeof(why)), -EBADMSG);
	ck_assert_msg(strstr(why, "unknown key \"more\""), "%s", why);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parse-persist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, each_kind_round_trips);
	tcase_add_test(tc, damaged_objects_say_why);
	tcase_add_test(tc, declarative_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
