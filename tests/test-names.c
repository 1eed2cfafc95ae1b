/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names from the PCI ID database: the line parser on every kind of line,
 * and every vendor, device and class of the installed pci.ids looked up by
 * libgpuvirt and by libpci (what lspci prints), which must agree. */
#include <errno.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "../src/private.h"

static int parse(const char *s, struct gv_ids_line *l)
{
	return gv_parse_pciids_line(s, strlen(s), l);
}

static void name_is(const struct gv_ids_line *l, const char *want)
{
	ck_assert_uint_eq(l->name_len, strlen(want));
	ck_assert(memcmp(l->name, want, l->name_len) == 0);
}

START_TEST(lines)
{
	struct gv_ids_line l;

	ck_assert_int_eq(parse("10de  NVIDIA Corporation", &l), 0);
	ck_assert_int_eq(l.depth, 0);
	ck_assert(!l.is_class);
	ck_assert_uint_eq(l.id, 0x10de);
	name_is(&l, "NVIDIA Corporation");
	ck_assert_int_eq(parse("\t20b2  GA100 [A100 SXM4 80GB]  \r", &l), 0);
	ck_assert_int_eq(l.depth, 1);
	ck_assert_uint_eq(l.id, 0x20b2);
	name_is(&l, "GA100 [A100 SXM4 80GB]");
	ck_assert_int_eq(parse("\t\t10de 1463  A100 80GB", &l), 0);
	ck_assert_int_eq(l.depth, 2);
	ck_assert(l.has_id2);
	ck_assert_uint_eq(l.id2, 0x1463);
	ck_assert_int_eq(parse("C 0c  Serial bus controller", &l), 0);
	ck_assert(l.is_class);
	ck_assert_uint_eq(l.id, 0x0c);
	ck_assert_int_eq(parse("\t03  USB controller", &l), 0);
	ck_assert(l.short_id);
	ck_assert_uint_eq(l.id, 0x03);
	name_is(&l, "USB controller");
	ck_assert_int_eq(parse("\t\t30  XHCI", &l), 0);
	ck_assert_int_eq(l.depth, 2);
	ck_assert_int_eq(parse("# a comment", &l), -ENODATA);
	ck_assert_int_eq(parse("", &l), -ENODATA);
	ck_assert_int_eq(parse("\t# indented comment", &l), -ENODATA);
	ck_assert_int_eq(parse("10dx  Bad", &l), -EBADMSG);
	ck_assert_int_eq(parse("10de", &l), -EBADMSG);
	ck_assert_int_eq(parse("10de  ", &l), -EBADMSG);
	ck_assert_int_eq(parse("10deX Name", &l), -EBADMSG);
	ck_assert_int_eq(parse("\t\t\t0000  too deep", &l), -ENODATA);
}
END_TEST

static char *libpci_name(struct pci_access *pacc, int flags, unsigned a, unsigned b)
{
	char buf[512];
	char *r = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, a, b);
	return r ? strdup(r) : NULL;
}

static void same(const char *what, unsigned a, unsigned b, char *ours, char *theirs, size_t *n)
{
	ck_assert_msg((!ours && !theirs) || (ours && theirs && strcmp(ours, theirs) == 0),
		      "%s %04x:%04x: ours '%s', libpci '%s'", what, a, b, ours ? ours : "(none)",
		      theirs ? theirs : "(none)");
	*n += ours != NULL;
	free(ours);
	free(theirs);
}

/* Every entry of the file, and IDs it does not have, both ways. */
START_TEST(as_libpci)
{
	gpuvirt_ctx *ctx = th_ctx("nogpu");
	struct pci_access *pacc = pci_alloc();
	FILE *f = fopen("/usr/share/misc/pci.ids", "r");
	char line[1024];
	unsigned vendor = 0, cls = 0;
	bool in_class = false;
	size_t vendors = 0, devices = 0, classes = 0;

	ck_assert_ptr_nonnull(f);
	pci_init(pacc);
	while (fgets(line, sizeof(line), f)) {
		struct gv_ids_line l;
		if (gv_parse_pciids_line(line, strcspn(line, "\n"), &l) < 0)
			continue;
		if (l.depth == 0) {
			in_class = l.is_class;
			if (in_class) {
				cls = l.id;
				same("class", cls, 0, gv_pci_class_name(ctx, cls << 16 | 0xff00),
				     libpci_name(pacc, PCI_LOOKUP_CLASS, cls << 8 | 0xff, 0), &classes);
			} else {
				vendor = l.id;
				same("vendor", vendor, 0, gv_pci_vendor_name(ctx, (uint16_t)vendor),
				     libpci_name(pacc, PCI_LOOKUP_VENDOR, vendor, 0), &vendors);
			}
		} else if (l.depth == 1 && in_class) {
			same("subclass", cls, l.id, gv_pci_class_name(ctx, cls << 16 | l.id << 8),
			     libpci_name(pacc, PCI_LOOKUP_CLASS, cls << 8 | l.id, 0), &classes);
		} else if (l.depth == 1) {
			same("device", vendor, l.id, gv_pci_device_name(ctx, (uint16_t)vendor, (uint16_t)l.id),
			     libpci_name(pacc, PCI_LOOKUP_DEVICE, vendor, l.id), &devices);
			if (l.id < 0xffff) /* the next ID, mostly absent */
				same("device", vendor, l.id + 1,
				     gv_pci_device_name(ctx, (uint16_t)vendor, (uint16_t)(l.id + 1)),
				     libpci_name(pacc, PCI_LOOKUP_DEVICE, vendor, l.id + 1), &devices);
		}
	}
	fclose(f);
	same("vendor", 0xfffe, 0, gv_pci_vendor_name(ctx, 0xfffe), libpci_name(pacc, PCI_LOOKUP_VENDOR, 0xfffe, 0),
	     &vendors);
	ck_assert_uint_gt(vendors, 2000);
	ck_assert_uint_gt(devices, 20000);
	ck_assert_uint_gt(classes, 100);
	pci_cleanup(pacc);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A database of this text, as the context's. */
static gpuvirt_ctx *ctx_with_ids(const char *text)
{
	gpuvirt_ctx *ctx = th_ctx("nogpu");
	char path[] = "/tmp/gv-pciids-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	gv_pci_names_free(ctx);
	ctx->pci_ids = gv_pci_db_open(path);
	unlink(path); /* mapped: the mapping stays */
	ck_assert_ptr_nonnull(ctx->pci_ids);
	return ctx;
}

static void name_eq(char *got, const char *want)
{
	ck_assert_msg((!got && !want) || (got && want && strcmp(got, want) == 0), "got '%s', want '%s'",
		      got ? got : "(none)", want ? want : "(none)");
	free(got);
}

static const char ids_sorted[] = "# header\n"
				 "\n"
				 "0001  First\n"
				 "\t0002  First's device\n"
				 "# a comment between\n"
				 "1002  AMD\n"
				 "\t73bf  Navi 21\n"
				 "\t\t1002 0e3a  a subsystem\n"
				 "10de  NVIDIA\n"
				 "\t20b5  A100\n"
				 "8086  Intel\n"
				 "ffff  Last\n"
				 "C 02  Network controller\n"
				 "\t00  Ethernet controller\n"
				 "C 03  Display controller\n"
				 "\t02  3D controller\n"
				 "C ff  Unassigned class\n";

/* A vendor's devices found in the order pci.ids lists them (by ID, then
 * never sorted) and out of it (sorted once): each one, the first and last,
 * and one between that is absent. */
START_TEST(devices_in_any_order)
{
	static const char in_order[] = "10de  NVIDIA\n"
				       "\t1eb8  T4\n"
				       "\t\t10de 12a2  T4 16GB\n"
				       "\t20b5  A100\n"
				       "\t2236  A10\n"
				       "\t2331  H100\n";
	static const char out_of_order[] = "10de  NVIDIA\n"
					   "\t2236  A10\n"
					   "\t20b5  A100\n"
					   "\t2331  H100\n"
					   "\t1eb8  T4\n"
					   "\t\t10de 12a2  T4 16GB\n";
	const char *texts[] = {in_order, out_of_order};

	for (size_t i = 0; i < 2; i++) {
		gpuvirt_ctx *ctx = ctx_with_ids(texts[i]);
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x1eb8), "T4");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x20b5), "A100");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x2236), "A10");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x2331), "H100");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x2230), NULL);
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x12a2), NULL); /* a subsystem, not a device */
		gpuvirt_ctx_unref(ctx);
	}
}
END_TEST

/* The file's order used to find a vendor or class: first, last, between,
 * under comments, absent; and the same answers from a file out of order
 * (found by reading it all). */
START_TEST(ordered_and_not)
{
	static const char unsorted[] = "10de  NVIDIA\n"
				       "\t20b5  A100\n"
				       "C 03  Display controller\n"
				       "\t02  3D controller\n"
				       "8086  Intel\n"
				       "0001  First\n"
				       "\t0002  First's device\n"
				       "ffff  Last\n"
				       "1002  AMD\n"
				       "\t73bf  Navi 21\n"
				       "C 02  Network controller\n"
				       "\t00  Ethernet controller\n"
				       "C ff  Unassigned class\n";
	const char *texts[] = {ids_sorted, unsorted};

	for (size_t i = 0; i < 2; i++) {
		gpuvirt_ctx *ctx = ctx_with_ids(texts[i]);
		name_eq(gv_pci_vendor_name(ctx, 0x0001), "First");
		name_eq(gv_pci_vendor_name(ctx, 0xffff), "Last");
		name_eq(gv_pci_vendor_name(ctx, 0x10de), "NVIDIA");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x20b5), "A100");
		name_eq(gv_pci_device_name(ctx, 0x1002, 0x73bf), "Navi 21");
		name_eq(gv_pci_device_name(ctx, 0x0001, 0x0002), "First's device");
		name_eq(gv_pci_device_name(ctx, 0x10de, 0x20b6), NULL);
		name_eq(gv_pci_class_name(ctx, 0x030200), "3D controller");
		/* In order, every one was found by the search alone. */
		ck_assert(gv_pci_db_read_whole(ctx->pci_ids) == (i == 1));
		name_eq(gv_pci_vendor_name(ctx, 0x1234), NULL);
		ck_assert(gv_pci_db_read_whole(ctx->pci_ids));
		name_eq(gv_pci_vendor_name(ctx, 0x8086), "Intel"); /* after a miss */
		name_eq(gv_pci_class_name(ctx, 0x030200), "3D controller");
		name_eq(gv_pci_class_name(ctx, 0x020000), "Ethernet controller");
		name_eq(gv_pci_class_name(ctx, 0xff0000), "Unassigned class [ff00]");
		name_eq(gv_pci_class_name(ctx, 0x040000), NULL);
		gpuvirt_ctx_unref(ctx);
	}
}
END_TEST

/* A file of one line, of none, of no top-level line. */
START_TEST(tiny_files)
{
	gpuvirt_ctx *ctx = ctx_with_ids("10de  NVIDIA");
	name_eq(gv_pci_vendor_name(ctx, 0x10de), "NVIDIA");
	name_eq(gv_pci_vendor_name(ctx, 0x10df), NULL);
	gpuvirt_ctx_unref(ctx);
	ctx = ctx_with_ids("# only\n\n\t20b5  a device without a vendor\n");
	name_eq(gv_pci_vendor_name(ctx, 0x20b5), NULL);
	name_eq(gv_pci_class_name(ctx, 0x030000), NULL);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("pci.ids");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lines);
	tcase_add_test(tc, as_libpci);
	tcase_add_test(tc, ordered_and_not);
	tcase_add_test(tc, devices_in_any_order);
	tcase_add_test(tc, tiny_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
