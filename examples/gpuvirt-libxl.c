/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt-libxl: libgpuvirt's checks, then libxl's own assignable-device API.
 *
 *   gpuvirt-libxl [--dry-run] [--remove] BDF
 *
 * A Xen toolstack that keeps libxl in charge of the binding (it records the
 * previous driver in xenstore) can still use libgpuvirt to decide: the
 * checks say whether the GPU can be passed through, and which functions of
 * its card must go with it; then libxl_device_pci_assignable_add() makes
 * each of them assignable (rebind=1 on removal gives them back).
 * --dry-run stops after the checks and prints what libxl would be asked. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxl.h>

#include <gpuvirt/gpuvirt.h>

static int die(gpuvirt_ctx *ctx, int err, const char *what)
{
	fprintf(stderr, "gpuvirt-libxl: %s: %s (%s)\n", what, ctx ? gpuvirt_ctx_get_error(ctx) : "",
		gpuvirt_strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'}, {"remove", no_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};
	bool dry = false, remove_ = false;
	gpuvirt_ctx *ctx = NULL;
	gpuvirt_device *dev = NULL;
	gpuvirt_report *report = NULL;
	gpuvirt_bind_plan *plan = NULL;
	libxl_ctx *xl = NULL;
	xentoollog_logger_stdiostream *logger = NULL;
	int c, r, status = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else if (c == 'R')
			remove_ = true;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: gpuvirt-libxl [--dry-run] [--remove] BDF\n");
		return 2;
	}
	if ((r = gpuvirt_ctx_new(&ctx)) < 0) /* GPUVIRT_ROOT names a simulated host */
		return die(NULL, r, "context");
	if ((r = gpuvirt_device_new_from_bdf(ctx, argv[optind], &dev)) < 0) {
		status = die(ctx, r, argv[optind]);
		goto out;
	}
	if (!remove_) {
		if ((r = gpuvirt_check_device(dev, &report)) < 0) {
			status = die(ctx, r, "checks");
			goto out;
		}
		if (gpuvirt_report_can_passthrough(report, gpuvirt_device_get_bdf(dev)) != 1) {
			fprintf(stderr, "gpuvirt-libxl: %s cannot be passed through (gpuvirt check explains)\n",
				gpuvirt_device_get_bdf(dev));
			status = 1;
			goto out;
		}
	}
	/* The plan names the functions that must move together. */
	if ((r = gpuvirt_bind_plan_new(dev, "pciback", GPUVIRT_BIND_FORCE, &plan)) < 0) {
		status = die(ctx, r, "planning");
		goto out;
	}
	if (!dry) {
		logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
		if (libxl_ctx_alloc(&xl, LIBXL_VERSION, 0, (xentoollog_logger *)logger) != 0) {
			fprintf(stderr, "gpuvirt-libxl: libxl_ctx_alloc failed: is this a Xen dom0?\n");
			status = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(plan) && status == 0; i++) {
		const char *bdf = gpuvirt_bind_plan_get_device(plan, i);
		unsigned d, b, s, f;
		libxl_device_pci pci;
		if (sscanf(bdf, "%x:%x:%x.%x", &d, &b, &s, &f) != 4)
			continue;
		libxl_device_pci_init(&pci);
		pci.domain = (int)d;
		pci.bus = (uint8_t)b;
		pci.dev = (uint8_t)s;
		pci.func = (uint8_t)f;
		if (dry) {
			printf("libxl_device_pci_%s(%04x:%02x:%02x.%x)\n", remove_ ? "assignable_remove" : "assignable_add", d,
			       b, s, f);
		} else {
			r = remove_ ? libxl_device_pci_assignable_remove(xl, &pci, 1) : libxl_device_pci_assignable_add(xl, &pci, 1);
			printf("%s: %s\n", bdf, r == 0 ? (remove_ ? "given back" : "assignable") : "libxl failed");
			if (r != 0)
				status = 1;
		}
		libxl_device_pci_dispose(&pci);
	}
out:
	if (xl)
		libxl_ctx_free(xl);
	if (logger)
		xtl_logger_destroy((xentoollog_logger *)logger);
	gpuvirt_bind_plan_unref(plan);
	gpuvirt_report_unref(report);
	gpuvirt_device_unref(dev);
	gpuvirt_ctx_unref(ctx);
	return status;
}
