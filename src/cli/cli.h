/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the gpuvirt tool share. The tool is built only on the
 * library's public API. */
#ifndef GPUVIRT_CLI_H
#define GPUVIRT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/gpuvirt.h>

#include "json.h"

/* The one exit-status table of every command (gpuvirt.1, README):
 * a usage error is 64 and an operational error 70 whatever the command;
 * `check` uses 1 and 2 for its verdict; restore, apply and diff use 1 when
 * an object of the state does not hold. */
enum {
	EXIT_OK = 0,
	EXIT_CHECK_WARN = 1, /* check: the worst finding is a warning */
	EXIT_CHECK_FAIL = 2, /* check: the worst finding is a failure */
	EXIT_STATE_LEFT = 1, /* restore, apply: an object could not be made; diff: one does not hold */
	EXIT_USAGE = 64,     /* EX_USAGE: an unknown command or option, an option the command does not take,
				a missing, extra or malformed argument */
	EXIT_ERROR = 70,     /* EX_SOFTWARE: the command could not do its work (the host could not be read, the
				device is not there, the library refused or failed); stderr says why */
};

struct options {
	const char *cmd; /* the command's name, for messages */
	const char *root, *modprobe, *timeout, *vgpu_table, *xl, *mig_listing;
	const char *target, *gpu, *policy, *numa, *uuid, *count, *output, *owner;
	bool all, pf, json, verbose;
	bool dry_run, allow_group, force, persist, wait, yaml;
	int argc;
	char **argv; /* operands after the command */
};

/* ---- out.c ---- */
/* A usage error of the command: its message, a pointer to its help; EXIT_USAGE. */
int cli_usage(const struct options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The library's message for a failure on stderr; EXIT_ERROR. */
int cli_fail(gpuvirt_ctx *ctx, int err, const char *what);
/* A device named on the command line: 0, EXIT_USAGE (not a PCI address) or
 * EXIT_ERROR (not there, unreadable). */
int cli_open_device(gpuvirt_ctx *ctx, const struct options *o, const char *bdf, gpuvirt_device **d);
const char *vis(const char *s);
void format_class(uint32_t cls, char buf[8]);
void modes_string(uint32_t modes, char *buf, size_t size);
void json_hex4(struct json *j, const char *key, unsigned v);
void json_device(struct json *j, const gpuvirt_device *d);
int collect_devices(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device ***out, size_t *count);
void free_devices(gpuvirt_device **list, size_t n);
struct row {
	char cells[8][160];
};
void print_cell(const char *text, size_t width, bool last);
void print_table(const char *const *head, struct row *rows, size_t nrows, int ncols);
void device_row(const gpuvirt_device *d, struct row *row);
extern const char *const list_head[];
void json_header(struct json *j, gpuvirt_ctx *ctx);
void print_list_line(const char *label, const gpuvirt_device *d, size_t (*count)(const gpuvirt_device *),
		     const char *(*get)(const gpuvirt_device *, size_t), const char *none);
int collect_holders(gpuvirt_ctx *ctx, gpuvirt_device *d, gpuvirt_holder ***out, size_t *n);
void free_holders(gpuvirt_holder **v, size_t n);
void json_holders(struct json *j, gpuvirt_holder **v, size_t n);

/* ---- cmd-check.c: findings, shared with report ---- */
const char *severity_word(int s);
void print_findings(gpuvirt_report *report, const char *subject);
void print_reasons(const gpuvirt_report *report, const char *bdf, uint32_t verdict);
void print_verdicts(const gpuvirt_report *report, const char *bdf);
void json_findings(struct json *j, gpuvirt_report *report, const char *only_subject, bool host);
void json_verdicts(struct json *j, const gpuvirt_report *report);

/* ---- cmd-profiles.c: shared with report ---- */
int collect_profiles(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile ***out, size_t *n);
void free_profiles(gpuvirt_profile **v, size_t n);
void print_profiles(gpuvirt_profile **v, size_t n);
void json_profile(struct json *j, const gpuvirt_profile *p);
void json_instance(struct json *j, const gpuvirt_instance *in);

/* ---- the commands: each returns its exit status ---- */
int cmd_list(gpuvirt_ctx *ctx, const struct options *o);
int cmd_show(gpuvirt_ctx *ctx, const struct options *o);
int cmd_report(gpuvirt_ctx *ctx, const struct options *o);
int cmd_check(gpuvirt_ctx *ctx, const struct options *o);
int cmd_bind(gpuvirt_ctx *ctx, const struct options *o);
int cmd_unbind(gpuvirt_ctx *ctx, const struct options *o);
int cmd_recover(gpuvirt_ctx *ctx, const struct options *o);
int cmd_profiles(gpuvirt_ctx *ctx, const struct options *o);
int cmd_create(gpuvirt_ctx *ctx, const struct options *o);
int cmd_destroy(gpuvirt_ctx *ctx, const struct options *o);
int cmd_instances(gpuvirt_ctx *ctx, const struct options *o);
int cmd_monitor(gpuvirt_ctx *ctx, const struct options *o);
int cmd_restore(gpuvirt_ctx *ctx, const struct options *o);
int cmd_diff(gpuvirt_ctx *ctx, const struct options *o);
int cmd_apply(gpuvirt_ctx *ctx, const struct options *o);
int cmd_export(gpuvirt_ctx *ctx, const struct options *o);

#endif
