/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the tests of the checks share (test-check.c: the host's findings,
 * test-check-gpu.c: each GPU's): a finding by subject and code, a report
 * of a root. */
#ifndef CHECK_HELPERS_H
#define CHECK_HELPERS_H

#include <stdbool.h>
#include <string.h>

#include "helpers.h"

/* The finding of `code` for `subject` (NULL: host); fails the test if absent. */
static inline const gpuvirt_finding *get(gpuvirt_report *r, const char *subject, const char *code)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f, *found = NULL;

	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (strcmp(gpuvirt_finding_get_code(f), code) == 0 &&
		    ((!subject && !s) || (subject && s && strcmp(subject, s) == 0)))
			found = f;
	}
	gpuvirt_finding_iter_unref(it);
	ck_assert_msg(found != NULL, "no finding %s for %s", code, subject ? subject : "the host");
	return found;
}

static inline bool has(gpuvirt_report *r, const char *subject, const char *code)
{
	gpuvirt_finding_iter *it;
	const gpuvirt_finding *f;
	bool found = false;

	ck_assert_int_eq(gpuvirt_finding_iter_new(r, &it), 0);
	while (gpuvirt_finding_iter_next(it, &f) > 0) {
		const char *s = gpuvirt_finding_get_subject(f);
		if (strcmp(gpuvirt_finding_get_code(f), code) == 0 &&
		    ((!subject && !s) || (subject && s && strcmp(subject, s) == 0)))
			found = true;
	}
	gpuvirt_finding_iter_unref(it);
	return found;
}

static inline int sev(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_severity(get(r, subject, code));
}

static inline const char *msg(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_message(get(r, subject, code));
}

static inline const char *remedy(gpuvirt_report *r, const char *subject, const char *code)
{
	return gpuvirt_finding_get_remedy(get(r, subject, code));
}

static inline gpuvirt_report *check_root(const char *root)
{
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_report *r = NULL;

	ck_assert_msg(gpuvirt_check_host(ctx, 0, &r) == 0, "check: %s", gpuvirt_ctx_get_error(ctx));
	gpuvirt_ctx_unref(ctx); /* the report keeps its own reference */
	return r;
}

#define PASS GPUVIRT_SEVERITY_PASS
#define INFO GPUVIRT_SEVERITY_INFO
#define WARN GPUVIRT_SEVERITY_WARN
#define FAIL GPUVIRT_SEVERITY_FAIL

#define T4  "0000:3b:00.0"
#define RTX "0000:01:00.0" /* workstation and iommu-off */

#endif
