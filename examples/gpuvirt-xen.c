/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt-xen: make a GPU assignable to a Xen guest through xen-pciback,
 * and print the xl.cfg line that gives it to a domU.
 *
 *   gpuvirt-xen [--root DIR] BDF [--permissive] [--dry-run]
 *   gpuvirt-xen [--root DIR] --release BDF
 *
 * The checks run first (the host must be able to pass the GPU through);
 * then the GPU and its group-mates are bound to pciback, all or nothing,
 * and `pci = [ 'BDF,permissive=0', ... ]` is printed for xl.cfg. --release
 * gives them back to the drivers they had. Only the public API is used. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gpuvirt/gpuvirt.h>

static int die(gpuvirt_ctx *ctx, int err, const char *what)
{
	fprintf(stderr, "gpuvirt-xen: %s: %s (%s)\n", what, ctx ? gpuvirt_ctx_get_error(ctx) : "", gpuvirt_strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'}, {"release", no_argument, NULL, 'R'},
		{"permissive", no_argument, NULL, 'p'}, {"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'f'},      {NULL, 0, NULL, 0},
	};
	const char *root = NULL;
	bool release = false, permissive = false, dry = false, force = false;
	gpuvirt_ctx *ctx = NULL;
	gpuvirt_device *dev = NULL;
	gpuvirt_bind_plan *plan = NULL;
	gpuvirt_report *report = NULL;
	int c, r, status = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'R': release = true; break;
		case 'p': permissive = true; break;
		case 'n': dry = true; break;
		case 'f': force = true; break;
		default:
			fprintf(stderr, "usage: gpuvirt-xen [--root DIR] [--release] [--permissive] [--dry-run] BDF\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: gpuvirt-xen [--root DIR] [--release] [--permissive] [--dry-run] BDF\n");
		return 2;
	}
	if ((r = gpuvirt_ctx_new(&ctx)) < 0)
		return die(NULL, r, "context");
	if (root && (r = gpuvirt_ctx_set_root(ctx, root)) < 0) {
		status = die(ctx, r, "--root");
		goto out;
	}
	if ((r = gpuvirt_device_new_from_bdf(ctx, argv[optind], &dev)) < 0) {
		status = die(ctx, r, argv[optind]);
		goto out;
	}
	if (release) {
		if ((r = gpuvirt_unbind(dev, 0)) < 0)
			status = die(ctx, r, "giving it back");
		else
			printf("%s: given back to its drivers\n", gpuvirt_device_get_bdf(dev));
		goto out;
	}
	/* What blocks passthrough, with the fix, before anything is touched. */
	if ((r = gpuvirt_check_device(dev, &report)) < 0) {
		status = die(ctx, r, "checks");
		goto out;
	}
	const char *bdf = gpuvirt_device_get_bdf(dev);
	if (gpuvirt_report_can_passthrough(report, bdf) != 1 && !force) {
		fprintf(stderr, "gpuvirt-xen: %s cannot be passed through:", bdf);
		for (size_t i = 0; i < gpuvirt_report_get_reason_count(report, bdf, GPUVIRT_VERDICT_PASSTHROUGH); i++)
			fprintf(stderr, " %s", gpuvirt_report_get_reason(report, bdf, GPUVIRT_VERDICT_PASSTHROUGH, i));
		fprintf(stderr, " (gpuvirt check %s explains; --force skips this)\n", bdf);
		status = 1;
		goto out;
	}
	if ((r = gpuvirt_bind_plan_new(dev, "xen", force ? GPUVIRT_BIND_FORCE : 0, &plan)) < 0) {
		status = die(ctx, r, "planning");
		goto out;
	}
	if (!dry && (r = gpuvirt_bind_apply(plan)) < 0) {
		status = die(ctx, r, "binding to pciback");
		goto out;
	}
	printf("pci = [ ");
	for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(plan); i++)
		printf("%s'%s,permissive=%d'", i ? ", " : "", gpuvirt_bind_plan_get_device(plan, i), permissive);
	printf(" ]\n");
out:
	gpuvirt_bind_plan_unref(plan);
	gpuvirt_report_unref(report);
	gpuvirt_device_unref(dev);
	gpuvirt_ctx_unref(ctx);
	return status;
}
