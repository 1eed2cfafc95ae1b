/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict parsers of the library's own state files (parse-state.c):
 * journals of both kinds, instance records, /proc/<pid>/stat. Every damaged
 * form is refused whole; nothing is split, cut or guessed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "../src/private.h"

#define BIND_V2                                                                                                        \
	"gpuvirt-journal 2\nkind bind\nstate binding\npid 4242 99\nkey group-1\ntarget vfio-pci\n"                     \
	"device 0000:01:00.0 nvidia -\ndevice 0000:01:00.1 snd_hda_intel -\nend\n"
#define CREATE_V2                                                                                                      \
	"gpuvirt-journal 2\nkind create\nstate creating\npid 4242 99\nkey gpu-0000:3b:00.0\n"                          \
	"uuid 11111111-2222-4333-8444-555555555555\nmechanism mdev\nparent 0000:3b:00.0\n"                             \
	"mdev_parent 0000:3b:00.0\nprofile nvidia-222\nvf -\nend\n"

static int parse(const char *text, struct gv_journal *j)
{
	return gv_parse_journal(text, strlen(text), j);
}

START_TEST(bind_journal_round_trip)
{
	static struct gv_journal j, again;
	char buf[8192];
	int n;

	ck_assert_int_eq(parse(BIND_V2, &j), 0);
	ck_assert_int_eq(j.version, 2);
	ck_assert_int_eq(j.kind, GV_JOURNAL_BIND);
	ck_assert_int_eq(j.state, GV_STATE_BINDING);
	ck_assert_int_eq(j.pid, 4242);
	ck_assert_uint_eq(j.start, 99);
	ck_assert_str_eq(j.key, "group-1");
	ck_assert_str_eq(j.target, "vfio-pci");
	ck_assert_uint_eq(j.ndev, 2);
	ck_assert_str_eq(j.dev[1].bdf, "0000:01:00.1");
	ck_assert_str_eq(j.dev[1].driver, "snd_hda_intel");
	ck_assert_str_eq(j.dev[1].override, "");
	/* A re-bind keeps the originals and where it started from. */
	j.nbefore = 2;
	j.before[0] = j.dev[0];
	j.before[1] = j.dev[1];
	snprintf(j.before[0].driver, sizeof(j.before[0].driver), "vfio-pci");
	snprintf(j.before[0].override, sizeof(j.before[0].override), "vfio-pci");
	n = gv_format_journal(&j, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "before 0000:01:00.0 vfio-pci vfio-pci\n"));
	ck_assert_int_eq(gv_parse_journal(buf, (size_t)n, &again), 0);
	ck_assert_uint_eq(again.nbefore, 2);
	ck_assert_str_eq(again.before[0].driver, "vfio-pci");
	ck_assert_str_eq(again.dev[0].driver, "nvidia");
}
END_TEST

START_TEST(create_journal_round_trip)
{
	static struct gv_journal j, again;
	char buf[8192];
	int n;

	ck_assert_int_eq(parse(CREATE_V2, &j), 0);
	ck_assert_int_eq(j.kind, GV_JOURNAL_CREATE);
	ck_assert_int_eq(j.state, GV_STATE_CREATING);
	ck_assert_int_eq(j.mechanism, 1);
	ck_assert_str_eq(j.uuid, "11111111-2222-4333-8444-555555555555");
	ck_assert_str_eq(j.parent, "0000:3b:00.0");
	ck_assert_str_eq(j.profile, "nvidia-222");
	ck_assert_str_eq(j.vf, "");
	n = gv_format_journal(&j, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, CREATE_V2 + 0);
	ck_assert_int_eq(gv_parse_journal(buf, (size_t)n, &again), 0);
}
END_TEST

/* Journals written by libgpuvirt 1.0 and 1.1 are still read. */
START_TEST(version_1_is_read)
{
	static struct gv_journal j;

	ck_assert_int_eq(parse("gpuvirt-journal 1\nstate bound\ntarget vfio-pci\nkey group-1\npid 12\n"
			       "device 0000:01:00.0 nvidia -\n",
			       &j),
			 0);
	ck_assert_int_eq(j.kind, GV_JOURNAL_BIND);
	ck_assert_int_eq(j.state, GV_STATE_BOUND);
	ck_assert_int_eq(parse("gpuvirt-journal 1\nstate creating\nmechanism nvidia-vendor\nparent 0000:41:00.0\n"
			       "mdev_parent 0000:41:00.0\nprofile 697\nvf 0000:41:00.4\n",
			       &j),
			 0);
	ck_assert_int_eq(j.kind, GV_JOURNAL_CREATE);
	ck_assert_str_eq(j.vf, "0000:41:00.4");
	/* Version 1 has no "end" line and no "before" lines. */
	ck_assert_int_eq(parse("gpuvirt-journal 1\nstate bound\ntarget vfio-pci\nkey group-1\nend\n", &j), -EBADMSG);
}
END_TEST

/* Replace the first `from` in `text` by `to`. */
static const char *edit(const char *text, const char *from, const char *to)
{
	static char bufs[2][8192];
	static int which;
	char *out = bufs[which ^= 1];
	const char *at = strstr(text, from);

	ck_assert_ptr_nonnull(at);
	snprintf(out, sizeof(bufs[0]), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* A member whose reset_method the bind set: what it had, kept for unbind,
 * rollback and recovery; anything else on a reset line is damage. */
START_TEST(reset_lines)
{
	static struct gv_journal j, again;
	static const char *const bad[] = {
	    "reset 0000:02:00.0 bus\n",		  /* no such device line */
	    "reset 0000:01:00.0 bus\nreset 0000:01:00.0 flr\n", /* twice */
	    "reset 0000:01:00.0 BUS\n",		  /* not a method's name */
	    "reset 0000:01:00.0 bus flr\n",		  /* one word */
	    "reset 0000:01:00.0\n", "reset 01:00.0 bus\n", "reset 0000:01:00.0 --\n"};
	char buf[8192], text[1024];
	int n;

	ck_assert_int_eq(parse(edit(BIND_V2, "end\n", "reset 0000:01:00.0 flr,bus\nreset 0000:01:00.1 -\nend\n"), &j), 0);
	ck_assert_str_eq(j.dev[0].reset, "flr,bus");
	ck_assert_str_eq(j.dev[1].reset, "-");
	n = gv_format_journal(&j, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "reset 0000:01:00.0 flr,bus\nreset 0000:01:00.1 -\n"));
	ck_assert_int_eq(gv_parse_journal(buf, (size_t)n, &again), 0);
	ck_assert_str_eq(again.dev[0].reset, "flr,bus");
	j.dev[0].reset[0] = j.dev[1].reset[0] = '\0';
	n = gv_format_journal(&j, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "reset "));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%send\n", bad[i]);
		ck_assert_msg(parse(edit(BIND_V2, "end\n", text), &j) == -EBADMSG, "%s", bad[i]);
	}
}
END_TEST

/* What a bind released of the host console: kept for unbind, rollback and
 * recovery; anything else on a handover line is damage. */
START_TEST(handover_lines)
{
	static struct gv_journal j, again;
	static const char *const bad[] = {
	    "handover vtcon vtcon1 fbcon\n",		     /* a vtcon has no driver */
	    "handover framebuffer efi-framebuffer.0 -\n",  /* a framebuffer has one */
	    "handover vtcon tty1 -\n",			     /* not a vtcon */
	    "handover vtcon vtcon -\n", "handover vtcon vtcon1x -\n",
	    "handover console vtcon1 -\n",			     /* no such kind */
	    "handover vtcon vtcon1 -\nhandover vtcon vtcon1 -\n", /* twice */
	    "handover framebuffer ../efi efi-framebuffer\n",
	    "handover framebuffer efi-framebuffer.0 efi-framebuffer extra\n", "handover vtcon\n"};
	char buf[8192], text[1024];
	int n;

	ck_assert_int_eq(parse(edit(BIND_V2, "end\n",
				    "handover vtcon vtcon1 -\nhandover framebuffer efi-framebuffer.0 efi-framebuffer\nend\n"),
			       &j),
			 0);
	ck_assert_uint_eq(j.nhandover, 2);
	ck_assert_int_eq(j.handover[0].kind, GV_HANDOVER_VTCON);
	ck_assert_str_eq(j.handover[0].name, "vtcon1");
	ck_assert_str_eq(j.handover[0].driver, "");
	ck_assert_int_eq(j.handover[1].kind, GV_HANDOVER_FRAMEBUFFER);
	ck_assert_str_eq(j.handover[1].name, "efi-framebuffer.0");
	ck_assert_str_eq(j.handover[1].driver, "efi-framebuffer");
	n = gv_format_journal(&j, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(
	    strstr(buf, "handover vtcon vtcon1 -\nhandover framebuffer efi-framebuffer.0 efi-framebuffer\nend\n"));
	ck_assert_int_eq(gv_parse_journal(buf, (size_t)n, &again), 0);
	ck_assert_uint_eq(again.nhandover, 2);
	ck_assert_str_eq(again.handover[1].driver, "efi-framebuffer");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%send\n", bad[i]);
		ck_assert_msg(parse(edit(BIND_V2, "end\n", text), &j) == -EBADMSG, "%s", bad[i]);
	}
	/* Only a bind releases the console. */
	ck_assert_int_eq(parse(edit(CREATE_V2, "end\n", "handover vtcon vtcon1 -\nend\n"), &j), -EBADMSG);
	/* A kind the formatter does not know is not written. */
	again.handover[0].kind = 9;
	ck_assert_int_eq(gv_format_journal(&again, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(damaged_bind_journals)
{
	static struct gv_journal j;
	char longword[120];

	memset(longword, 'a', 100);
	longword[100] = '\0';
	/* Cut off anywhere: mid-line, or at a line's end before "end". */
	ck_assert_int_eq(gv_parse_journal(BIND_V2, strlen(BIND_V2) - 3, &j), -EBADMSG);
	ck_assert_int_eq(gv_parse_journal(BIND_V2, strlen(BIND_V2) - 4, &j), -EBADMSG);
	ck_assert_int_eq(gv_parse_journal(BIND_V2, 40, &j), -EBADMSG);
	ck_assert_int_eq(gv_parse_journal("", 0, &j), -EBADMSG);
	/* Unknown versions, keys and states. */
	ck_assert_int_eq(parse(edit(BIND_V2, "journal 2", "journal 3"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "state binding", "state half-done"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "state binding", "state creating"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "target vfio-pci\n", "target vfio-pci\ncolour blue\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "kind bind", "kind bake"), &j), -EBADMSG);
	/* A 100-character driver word is damage, not a driver and an override. */
	ck_assert_int_eq(parse(edit(BIND_V2, "device 0000:01:00.0 nvidia", longword), &j), -EBADMSG);
	char line[200];
	snprintf(line, sizeof(line), "device 0000:01:00.0 %s", longword);
	ck_assert_int_eq(parse(edit(BIND_V2, "device 0000:01:00.0 nvidia", line), &j), -EBADMSG);
	/* Device lines have exactly three words, a canonical address, names. */
	ck_assert_int_eq(parse(edit(BIND_V2, "nvidia -\n", "nvidia\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "nvidia -\n", "nvidia - x\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "device 0000:01:00.0", "device 01:00.0"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "device 0000:01:00.0", "device 0000:01:00.A"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "nvidia -", "../nvidia -"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "0000:01:00.1 snd_hda_intel", "0000:01:00.0 snd_hda_intel"), &j), -EBADMSG);
	/* Repeated keys, bad keys, bad pids, blank lines, anything after "end". */
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1\n", "key group-1\nkey group-2\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1", "key ../../x"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1", "key group-x"), &j), -EBADMSG);
	/* A card without a group is named by its slot: card-DDDD:BB:DD. */
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1", "key card-0000:01:00"), &j), 0);
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1", "key card-0000:01:00.0"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "key group-1", "key card-0000:01:0"), &j), -EBADMSG);
	ck_assert(gv_valid_key("card-0000:01:00", 15));
	ck_assert(gv_valid_key("gpu-0000:3b:00.0", 16));
	ck_assert(gv_valid_key("gpu-mbochs", 10));
	ck_assert(!gv_valid_key("gpu-a/b", 7));
	ck_assert_int_eq(parse(edit(BIND_V2, "pid 4242 99", "pid -1"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "pid 4242 99", "pid 99999999999"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "target vfio-pci\n", "target vfio-pci\n\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "end\n", "end\ndevice 0000:02:00.0 nvidia -\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "end\n", "end x\n"), &j), -EBADMSG);
	/* Missing what a bind needs; "before" only while binding, one per device. */
	ck_assert_int_eq(parse(edit(BIND_V2, "target vfio-pci\n", ""), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(BIND_V2, "end\n", "before 0000:01:00.0 vfio-pci -\nend\n"), &j), -EBADMSG);
	/* A NUL byte. */
	char bin[sizeof(BIND_V2)];
	memcpy(bin, BIND_V2, sizeof(bin));
	bin[30] = '\0';
	ck_assert_int_eq(gv_parse_journal(bin, sizeof(bin) - 1, &j), -EBADMSG);
	/* Too many devices for one journal. */
	char big[16384] = "gpuvirt-journal 2\nkind bind\nstate bound\npid 1 1\nkey group-1\ntarget vfio-pci\n";
	for (int i = 0; i <= GV_JOURNAL_MAX_DEVICES; i++) {
		size_t l = strlen(big);
		snprintf(big + l, sizeof(big) - l, "device 0000:%02x:%02x.0 nvidia -\n", i / 32, i % 32);
	}
	strcat(big, "end\n");
	ck_assert_int_eq(parse(big, &j), -EBADMSG);
}
END_TEST

START_TEST(damaged_create_journals)
{
	static struct gv_journal j;

	ck_assert_int_eq(gv_parse_journal(CREATE_V2, strlen(CREATE_V2) - 1, &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "uuid 11111111-2222-4333-8444-555555555555\n", ""), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "uuid 1111", "uuid x111"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "mechanism mdev", "mechanism magic"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "state creating", "state bound"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "parent 0000:3b:00.0\n", "parent ../../etc\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "mdev_parent 0000:3b:00.0", "mdev_parent a/b"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "profile nvidia-222", "profile nvidia 222"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(CREATE_V2, "key gpu-0000:3b:00.0\n", ""), &j), -EBADMSG);
	/* A VF-based instance names its VF. */
	ck_assert_int_eq(parse(edit(CREATE_V2, "mechanism mdev", "mechanism sriov-vf"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(edit(CREATE_V2, "vf -", "vf 0000:3b:00.4"), "mechanism mdev", "mechanism sriov-vf"), &j),
			 0);
}
END_TEST

/* Enabling a PF's VFs with its autoprobe off: kind vfs, its lock the PF's. */
START_TEST(vfs_journal_round_trip)
{
	static struct gv_journal j, again;
	const char *good = "gpuvirt-journal 2\nkind vfs\nstate enabling\npid 4242 99\nkey gpu-0000:c1:00.0\n"
			   "parent 0000:c1:00.0\nend\n";
	char buf[1024];

	ck_assert_int_eq(gv_parse_journal(good, strlen(good), &j), 0);
	ck_assert_int_eq(j.kind, GV_JOURNAL_VFS);
	ck_assert_int_eq(j.state, GV_STATE_ENABLING);
	ck_assert_str_eq(j.parent, "0000:c1:00.0");
	ck_assert_int_eq(gv_format_journal(&j, buf, sizeof(buf)), (int)strlen(good));
	ck_assert_str_eq(buf, good);
	ck_assert_int_eq(gv_parse_journal(buf, strlen(buf), &again), 0);
	/* Another PF's lock, a device line, a target, another state: damaged. */
	ck_assert_int_eq(parse(edit(good, "key gpu-0000:c1:00.0", "key gpu-0000:c2:00.0"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(good, "end\n", "device 0000:c1:00.4 - -\nend\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(good, "end\n", "target vfio-pci\nend\n"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(good, "state enabling", "state binding"), &j), -EBADMSG);
	ck_assert_int_eq(parse(edit(good, "parent 0000:c1:00.0\n", ""), &j), -EBADMSG);
}
END_TEST

START_TEST(records)
{
	struct gv_record rec;
	const char *good = "mechanism nvidia-vendor\nparent 0000:41:00.0\nprofile 697\nname NVIDIA A100DX-1-10C\n"
			   "vf 0000:41:00.4\n";
	char buf[512];

	ck_assert_int_eq(gv_parse_record(good, strlen(good), &rec), 0);
	ck_assert_str_eq(rec.name, "NVIDIA A100DX-1-10C");
	ck_assert_str_eq(rec.vf, "0000:41:00.4");
	ck_assert_int_eq(gv_format_record(&rec, buf, sizeof(buf)), (int)strlen(good));
	ck_assert_str_eq(buf, good);
	ck_assert_int_eq(gv_parse_record(good, strlen(good) - 1, &rec), -EBADMSG);
	const char *mdev = "mechanism mdev\nparent 0000:41:00.0\nprofile x\nvf 0000:41:00.4\n";
	const char *no_vf = "mechanism sriov-vf\nparent 0000:41:00.0\nprofile x\n";
	ck_assert_int_eq(gv_parse_record(mdev, strlen(mdev), &rec), -EBADMSG);
	ck_assert_int_eq(gv_parse_record(no_vf, strlen(no_vf), &rec), -EBADMSG);
}
END_TEST

START_TEST(proc_stat_start)
{
	const char *stat = "812 (Xorg) S 1 812 812 0 -1 4194560 2 0 0 0 0 0 0 0 20 0 1 0 5551234 1 1\n";
	const char *odd = "77 (a) b) c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20\n";
	uint64_t start;
	char state;

	ck_assert_int_eq(gv_parse_proc_stat_start(stat, strlen(stat), &state, &start), 0);
	ck_assert_uint_eq(start, 5551234);
	ck_assert_int_eq(state, 'S');
	ck_assert_int_eq(gv_parse_proc_stat_start(odd, strlen(odd), &state, &start), 0);
	ck_assert_uint_eq(start, 424242);
	ck_assert_int_eq(state, 'R');
	ck_assert_int_eq(gv_parse_proc_stat_start("12 (x) S 1", 10, &state, &start), -EBADMSG);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parse-state");
	TCase *tc = tcase_create("parse-state");

	tcase_add_test(tc, bind_journal_round_trip);
	tcase_add_test(tc, create_journal_round_trip);
	tcase_add_test(tc, reset_lines);
	tcase_add_test(tc, handover_lines);
	tcase_add_test(tc, version_1_is_read);
	tcase_add_test(tc, damaged_bind_journals);
	tcase_add_test(tc, damaged_create_journals);
	tcase_add_test(tc, vfs_journal_round_trip);
	tcase_add_test(tc, records);
	tcase_add_test(tc, proc_stat_start);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
