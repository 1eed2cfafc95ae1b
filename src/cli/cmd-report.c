/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt report: one page on the host. It leads with the worst of the
 * checks and the host's own problems (a host without GPUs still shows why
 * nothing could pass through), then the GPUs, their groups, verdicts and
 * profiles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What the report is made of, read once. */
struct report_data {
	gpuvirt_device **devs;
	size_t n;
	gpuvirt_report *checks;
	gpuvirt_profile **profiles;
	size_t np;
};

static void report_free(struct report_data *d)
{
	free_devices(d->devs, d->n);
	gpuvirt_report_unref(d->checks);
	free_profiles(d->profiles, d->np);
}

static int report_read(gpuvirt_ctx *ctx, struct report_data *d)
{
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = collect_devices(ctx, GPUVIRT_DEVICES_GPUS, &d->devs, &d->n)) < 0)
		return cli_fail(ctx, r, "report");
	if ((r = gpuvirt_check_host(ctx, 0, &d->checks)) < 0)
		return cli_fail(ctx, r, "report: checks");
	if ((r = collect_profiles(ctx, NULL, &d->profiles, &d->np)) < 0)
		return cli_fail(ctx, r, "report: profiles");
	return 0;
}

/* The host's findings that need attention (warnings and failures). */
static void print_host_problems(gpuvirt_report *report)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;
	size_t n = 0;

	if (gpuvirt_finding_iter_new(report, &it) < 0)
		return;
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		int sev = gpuvirt_finding_get_severity(f);
		if (gpuvirt_finding_get_subject(f) || sev < GPUVIRT_SEVERITY_WARN)
			continue;
		if (n++ == 0)
			printf("Host problems:\n");
		printf("  %s: %s (%s)\n", severity_word(sev), gpuvirt_finding_get_title(f),
		       vis(gpuvirt_finding_get_message(f)));
		if (gpuvirt_finding_get_remedy(f))
			printf("      -> %s\n", vis(gpuvirt_finding_get_remedy(f)));
	}
	gpuvirt_finding_iter_unref(it);
	printf("%s", n ? "\n" : "Host problems: none\n\n");
}

static void print_groups(const struct report_data *d)
{
	printf("\nIOMMU groups of the GPUs:\n");
	for (size_t i = 0; i < d->n; i++) {
		const gpuvirt_device *g = d->devs[i];
		if (gpuvirt_device_get_iommu_group(g) < 0) {
			printf("  %s  no group (the IOMMU is off or absent: no passthrough)\n",
			       gpuvirt_device_get_bdf(g));
			continue;
		}
		printf("  %s  group %d:", gpuvirt_device_get_bdf(g), gpuvirt_device_get_iommu_group(g));
		for (size_t k = 0; k < gpuvirt_device_get_iommu_group_member_count(g); k++)
			printf(" %s", gpuvirt_device_get_iommu_group_member(g, k));
		printf("\n");
	}
}

static void print_gpu_verdicts(const struct report_data *d)
{
	printf("\nVerdicts (gpuvirt check explains each code):\n");
	for (size_t i = 0; i < d->n; i++) {
		const char *bdf = gpuvirt_device_get_bdf(d->devs[i]);
		printf("  %s  passthrough: %-3s", bdf,
		       gpuvirt_report_can_passthrough(d->checks, bdf) == 1 ? "yes" : "no");
		print_reasons(d->checks, bdf, GPUVIRT_VERDICT_PASSTHROUGH);
		printf("\n  %s  vGPU:        %-3s", bdf, gpuvirt_report_can_share(d->checks, bdf) == 1 ? "yes" : "no");
		print_reasons(d->checks, bdf, GPUVIRT_VERDICT_SHARE);
		printf("\n");
	}
}

static int report_text(gpuvirt_ctx *ctx, const struct report_data *d)
{
	size_t grouped = 0;
	uint32_t used = 0;

	printf("gpuvirt %s report for %s\n\n", gpuvirt_version(), gpuvirt_ctx_get_root(ctx));
	printf("Worst finding: %s (gpuvirt check shows them all)\n",
	       gpuvirt_severity_to_string(gpuvirt_report_get_worst_severity(d->checks)));
	print_host_problems(d->checks);
	for (size_t i = 0; i < d->n; i++)
		grouped += gpuvirt_device_get_iommu_group(d->devs[i]) >= 0;
	printf("GPUs: %zu found, %zu in IOMMU groups\n", d->n, grouped);
	if (!d->n)
		return EXIT_OK;
	struct row *rows = calloc(d->n, sizeof(*rows));
	if (!rows)
		return cli_fail(ctx, -ENOMEM, "report");
	printf("\n");
	for (size_t i = 0; i < d->n; i++)
		device_row(d->devs[i], &rows[i]);
	print_table(list_head, rows, d->n, 8);
	free(rows);
	print_groups(d);
	print_gpu_verdicts(d);
	if (!d->np)
		return EXIT_OK;
	for (size_t i = 0; i < d->np; i++)
		used += gpuvirt_profile_get_instance_count(d->profiles[i]);
	printf("\nvGPU profiles: %zu offered, %u instance%s in use (AVAIL: how many more fit now):\n", d->np, used,
	       used == 1 ? "" : "s");
	print_profiles(d->profiles, d->np);
	return EXIT_OK;
}

static void report_json(gpuvirt_ctx *ctx, const struct report_data *d)
{
	struct json j;

	json_header(&j, ctx);
	json_key(&j, "worst");
	json_string(&j, gpuvirt_severity_to_string(gpuvirt_report_get_worst_severity(d->checks)));
	json_key(&j, "host_findings");
	json_begin_array(&j);
	json_findings(&j, d->checks, "", true); /* "": no device's */
	json_end_array(&j);
	json_key(&j, "devices");
	json_begin_array(&j);
	for (size_t i = 0; i < d->n; i++)
		json_device(&j, d->devs[i]);
	json_end_array(&j);
	json_key(&j, "verdicts");
	json_begin_array(&j);
	json_verdicts(&j, d->checks);
	json_end_array(&j);
	json_key(&j, "profiles");
	json_begin_array(&j);
	for (size_t i = 0; i < d->np; i++)
		json_profile(&j, d->profiles[i]);
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_report(gpuvirt_ctx *ctx, const struct options *o)
{
	struct report_data d;
	int r = report_read(ctx, &d);

	if (r == 0 && o->json)
		report_json(ctx, &d);
	else if (r == 0)
		r = report_text(ctx, &d);
	report_free(&d);
	return r;
}
