/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the pure parsers in src/parse.c. */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "../src/private.h"

#define S(x) x, strlen(x)

START_TEST(hex_values)
{
	uint32_t v = 0;
	ck_assert_int_eq(gv_parse_hex(S("0x10de\n"), 0xffff, &v), 0);
	ck_assert_uint_eq(v, 0x10de);
	ck_assert_int_eq(gv_parse_hex(S("030200"), 0xffffff, &v), 0);
	ck_assert_uint_eq(v, 0x030200);
	ck_assert_int_eq(gv_parse_hex(S("0XABCD  "), 0xffff, &v), 0);
	ck_assert_uint_eq(v, 0xabcd);
	ck_assert_int_eq(gv_parse_hex(S("0x10000"), 0xffff, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_hex(S("zzz"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S("0x"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S(""), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S("0x10 de"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex("0x10de", 4, 0xffff, &v), 0); /* length bounds the read */
	ck_assert_uint_eq(v, 0x10);
	ck_assert_int_eq(gv_parse_hex(NULL, 0, 0xffff, &v), -EINVAL);
}
END_TEST

START_TEST(int_values)
{
	long v = 0;
	ck_assert_int_eq(gv_parse_int(S("-1\n"), -1, 100, &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(gv_parse_int(S("42"), 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(gv_parse_int(S("101"), 0, 100, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_int(S("-2"), -1, 100, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_int(S("4x"), 0, 100, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_int(S("-"), -5, 5, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_int(S("99999999999999999999999"), 0, 100, &v), -ERANGE);
}
END_TEST

START_TEST(bdf_forms)
{
	char out[GV_BDF_LEN];
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.0", out), 0);
	ck_assert_str_eq(out, "0000:01:00.0");
	ck_assert_int_eq(gv_parse_bdf("01:00.1", out), 0);
	ck_assert_str_eq(out, "0000:01:00.1");
	ck_assert_int_eq(gv_parse_bdf("0000:AF:1F.7", out), 0);
	ck_assert_str_eq(out, "0000:af:1f.7");
	ck_assert_int_eq(gv_parse_bdf("0000:01:20.0", out), -EINVAL); /* device > 0x1f */
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.8", out), -EINVAL); /* function > 7 */
	ck_assert_int_eq(gv_parse_bdf("0000:01:00", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("../../etc", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.0/../x", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("0000/01:00.0", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf(NULL, out), -EINVAL);
}
END_TEST

START_TEST(words)
{
	struct gv_strv s = {0};
	ck_assert_int_eq(gv_parse_words(S("flr bus\n"), &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.v[0], "flr");
	ck_assert_str_eq(s.v[1], "bus");
	gv_strv_free(&s);
	ck_assert_int_eq(gv_parse_words(S("\n"), &s), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(gv_parse_words("a\0b", 3, &s), -EBADMSG);
	gv_strv_free(&s);
}
END_TEST

START_TEST(override)
{
	char out[32];
	ck_assert_int_eq(gv_parse_override(S("(null)\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(gv_parse_override(S("vfio-pci\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vfio-pci");
	ck_assert_int_eq(gv_parse_override(S("\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(gv_parse_override(S("vfio pci"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_override(S("a-very-long-driver-name-beyond-32"), out, sizeof(out)), -ERANGE);
}
END_TEST

START_TEST(config_space)
{
	uint8_t cfg[64] = {0};
	struct gv_pci_ids ids;

	cfg[0] = 0xde; cfg[1] = 0x10; cfg[2] = 0xb8; cfg[3] = 0x1e; /* 10de:1eb8 */
	cfg[8] = 0xa1; cfg[9] = 0x00; cfg[10] = 0x02; cfg[11] = 0x03; /* class 030200 */
	cfg[0x2c] = 0xde; cfg[0x2d] = 0x10; cfg[0x2e] = 0xa2; cfg[0x2f] = 0x12;
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), 0);
	ck_assert_uint_eq(ids.vendor, 0x10de);
	ck_assert_uint_eq(ids.device, 0x1eb8);
	ck_assert_uint_eq(ids.class_code, 0x030200);
	ck_assert_uint_eq(ids.revision, 0xa1);
	ck_assert(ids.has_subsystem);
	ck_assert_uint_eq(ids.subsystem_device, 0x12a2);
	ck_assert_int_eq(gv_parse_config(cfg, 0x2f, &ids), -ENODATA); /* short read */
	cfg[0x0e] = 0x81; /* multifunction bridge: no subsystem in the header */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), 0);
	ck_assert(!ids.has_subsystem);
	memset(cfg, 0xff, 4); /* a VF */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), -ENODATA);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, hex_values);
	tcase_add_test(tc, int_values);
	tcase_add_test(tc, bdf_forms);
	tcase_add_test(tc, words);
	tcase_add_test(tc, override);
	tcase_add_test(tc, config_space);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
