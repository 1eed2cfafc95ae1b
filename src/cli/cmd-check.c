/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt check: findings in the style of virt-host-validate, exit status by the worst. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *severity_word(int s)
{
	switch (s) {
	case GPUVIRT_SEVERITY_PASS: return "PASS";
	case GPUVIRT_SEVERITY_INFO: return "INFO";
	case GPUVIRT_SEVERITY_WARN: return "WARN";
	case GPUVIRT_SEVERITY_FAIL: return "FAIL";
	default: return "????";
	}
}

/* Findings of one subject (NULL: the host), in the style of virt-host-validate. */
void print_findings(gpuvirt_report *report, const char *subject)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;

	if (gpuvirt_finding_iter_new(report, &it) < 0)
		return;
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		int sev = gpuvirt_finding_get_severity(f);
		if ((subject == NULL) != (s == NULL) || (subject && strcmp(subject, s) != 0))
			continue;
		printf("  %-56s : %s (%s)\n", gpuvirt_finding_get_title(f), severity_word(sev),
		       vis(gpuvirt_finding_get_message(f)));
		if (sev >= GPUVIRT_SEVERITY_WARN && gpuvirt_finding_get_remedy(f))
			printf("  %-56s   -> %s\n", "", vis(gpuvirt_finding_get_remedy(f)));
	}
	gpuvirt_finding_iter_unref(it);
}

void print_reasons(const gpuvirt_report *report, const char *bdf, uint32_t verdict)
{
	size_t n = gpuvirt_report_get_reason_count(report, bdf, verdict);

	printf(" (");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", gpuvirt_report_get_reason(report, bdf, verdict, i));
	printf(")");
}

void print_verdicts(const gpuvirt_report *report, const char *bdf)
{
	printf("  %-56s : %s", "Verdict: passthrough", gpuvirt_report_can_passthrough(report, bdf) == 1 ? "yes" : "no");
	print_reasons(report, bdf, GPUVIRT_VERDICT_PASSTHROUGH);
	printf("\n  %-56s : %s", "Verdict: share (vGPU)", gpuvirt_report_can_share(report, bdf) == 1 ? "yes" : "no");
	print_reasons(report, bdf, GPUVIRT_VERDICT_SHARE);
	printf("\n");
}

void json_findings(struct json *j, gpuvirt_report *report, const char *only_subject, bool host)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;

	if (gpuvirt_finding_iter_new(report, &it) < 0)
		return;
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (s ? (only_subject && strcmp(s, only_subject) != 0) : !host)
			continue;
		json_begin_object(j);
		json_key(j, "code");
		json_string(j, gpuvirt_finding_get_code(f));
		json_key(j, "severity");
		json_string(j, gpuvirt_severity_to_string(gpuvirt_finding_get_severity(f)));
		json_key(j, "subject");
		json_string(j, s);
		json_key(j, "title");
		json_string(j, gpuvirt_finding_get_title(f));
		json_key(j, "message");
		json_string(j, gpuvirt_finding_get_message(f));
		json_key(j, "remedy");
		json_string(j, gpuvirt_finding_get_remedy(f));
		json_end_object(j);
	}
	gpuvirt_finding_iter_unref(it);
}

static void json_verdict(struct json *j, const gpuvirt_report *report, const char *bdf, uint32_t verdict)
{
	size_t n = gpuvirt_report_get_reason_count(report, bdf, verdict);
	int ok = verdict == GPUVIRT_VERDICT_SHARE ? gpuvirt_report_can_share(report, bdf)
						  : gpuvirt_report_can_passthrough(report, bdf);

	json_begin_object(j);
	json_key(j, "ok");
	json_bool(j, ok == 1);
	json_key(j, "codes");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_string(j, gpuvirt_report_get_reason(report, bdf, verdict, i));
	json_end_array(j);
	json_end_object(j);
}

void json_verdicts(struct json *j, const gpuvirt_report *report)
{
	for (size_t i = 0; i < gpuvirt_report_get_device_count(report); i++) {
		const char *bdf = gpuvirt_report_get_device(report, i);
		json_begin_object(j);
		json_key(j, "bdf");
		json_string(j, bdf);
		json_key(j, "passthrough");
		json_verdict(j, report, bdf, GPUVIRT_VERDICT_PASSTHROUGH);
		json_key(j, "share");
		json_verdict(j, report, bdf, GPUVIRT_VERDICT_SHARE);
		json_end_object(j);
	}
}

static int check_exit(int worst)
{
	return worst >= GPUVIRT_SEVERITY_FAIL ? EXIT_CHECK_FAIL : worst == GPUVIRT_SEVERITY_WARN ? EXIT_CHECK_WARN : 0;
}

/* The reports: one of the host, or one per BDF named. Every BDF is looked
 * up first (a malformed one is a usage error before any check runs), and
 * each device found is checked as it was read. 0 or the exit status. */
static int run_checks(gpuvirt_ctx *ctx, const struct options *o, gpuvirt_report **reports, size_t n)
{
	gpuvirt_device **devs = calloc(n, sizeof(*devs));
	int r = devs ? 0 : cli_fail(ctx, -ENOMEM, "check");

	for (int i = 0; i < o->argc && r == 0; i++)
		r = cli_open_device(ctx, o, o->argv[i], &devs[i]);
	for (size_t i = 0; i < n && r == 0; i++) {
		int e = o->argc ? gpuvirt_check_device(devs[i], &reports[i]) : gpuvirt_check_host(ctx, 0, &reports[i]);
		if (e < 0)
			r = cli_fail(ctx, e, "check");
	}
	for (size_t i = 0; devs && i < n; i++)
		gpuvirt_device_unref(devs[i]);
	free(devs);
	return r;
}

static void check_json(gpuvirt_ctx *ctx, const struct options *o, gpuvirt_report **reports, size_t n, int worst)
{
	struct json j;

	json_header(&j, ctx);
	json_key(&j, "worst");
	json_string(&j, gpuvirt_severity_to_string(worst));
	json_key(&j, "findings");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++)
		json_findings(&j, reports[i], o->argc ? o->argv[i] : NULL, i == 0);
	json_end_array(&j);
	json_key(&j, "devices");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++)
		json_verdicts(&j, reports[i]);
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

static void check_text(gpuvirt_ctx *ctx, gpuvirt_report **reports, size_t n)
{
	printf("Host (%s):\n", gpuvirt_ctx_get_root(ctx));
	print_findings(reports[0], NULL);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < gpuvirt_report_get_device_count(reports[i]); k++) {
			const char *bdf = gpuvirt_report_get_device(reports[i], k);
			const char *name = gpuvirt_report_get_device_name(reports[i], k);
			printf("\n%s%s%s:\n", bdf, name ? " " : "", name ? vis(name) : "");
			print_findings(reports[i], bdf);
			print_verdicts(reports[i], bdf);
		}
}

int cmd_check(gpuvirt_ctx *ctx, const struct options *o)
{
	size_t n = o->argc ? (size_t)o->argc : 1;
	gpuvirt_report **reports = calloc(n, sizeof(*reports));
	int worst = 0, r;

	if (!reports)
		return cli_fail(ctx, -ENOMEM, "check");
	if ((r = run_checks(ctx, o, reports, n)) == 0) {
		for (size_t i = 0; i < n; i++)
			if (gpuvirt_report_get_worst_severity(reports[i]) > worst)
				worst = gpuvirt_report_get_worst_severity(reports[i]);
		if (o->json)
			check_json(ctx, o, reports, n, worst);
		else
			check_text(ctx, reports, n);
		r = check_exit(worst);
	}
	for (size_t i = 0; i < n; i++)
		gpuvirt_report_unref(reports[i]);
	free(reports);
	return r;
}
