/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt restore, diff and apply: the persisted (or a declarative) state
 * compared with the host and made true (gpuvirt/state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static uint32_t state_flags(const struct options *o)
{
	return (o->wait ? GPUVIRT_STATE_WAIT : 0) | (o->persist ? GPUVIRT_STATE_PERSIST : 0);
}

/* Items of a status (the first two) or of any that does not hold. */
static int count_status(const gpuvirt_state_plan *p, int a, int b)
{
	int n = 0;

	for (size_t i = 0; i < gpuvirt_state_plan_get_count(p); i++) {
		int s = gpuvirt_state_plan_get_item(p, i, NULL, NULL, NULL, NULL, NULL);
		n += s == a || s == b;
	}
	return n;
}

static int not_held(const gpuvirt_state_plan *p)
{
	return count_status(p, GPUVIRT_STATE_TO_DO, GPUVIRT_STATE_FAILED) +
	       count_status(p, GPUVIRT_STATE_BLOCKED, GPUVIRT_STATE_BLOCKED);
}

static void print_items_json(gpuvirt_ctx *ctx, const gpuvirt_state_plan *p, const char *key)
{
	struct json j;

	json_header(&j, ctx);
	json_key(&j, key);
	json_begin_array(&j);
	for (size_t i = 0; i < gpuvirt_state_plan_get_count(p); i++) {
		const char *kind, *object, *wanted, *current, *reason;
		int s = gpuvirt_state_plan_get_item(p, i, &kind, &object, &wanted, &current, &reason);
		json_begin_object(&j);
		json_key(&j, "kind");
		json_string(&j, kind);
		json_key(&j, "object");
		json_string(&j, object);
		json_key(&j, "wanted");
		json_string(&j, wanted);
		json_key(&j, "current");
		json_string(&j, current);
		json_key(&j, "status");
		json_string(&j, gpuvirt_state_status_to_string(s));
		json_key(&j, "reason");
		json_string(&j, reason);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "not_held");
	json_int(&j, not_held(p));
	json_end_object(&j);
	json_finish(&j);
}

static void print_items(const gpuvirt_state_plan *p)
{
	static const char *const head[] = {"STATUS", "KIND", "OBJECT", "WANTED", "CURRENT"};
	size_t n = gpuvirt_state_plan_get_count(p);
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));

	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *v[5];
		int s = gpuvirt_state_plan_get_item(p, i, &v[1], &v[2], &v[3], &v[4], NULL);
		v[0] = gpuvirt_state_status_to_string(s);
		for (int c = 0; c < 5; c++)
			snprintf(rows[i].cells[c], sizeof(rows[i].cells[c]), "%s", vis(v[c]));
	}
	if (n)
		print_table(head, rows, n, 5);
	else
		printf("the state names no object, and the host has none it would leave alone\n");
	free(rows);
	for (size_t i = 0; i < n; i++) {
		const char *object, *reason;
		int s = gpuvirt_state_plan_get_item(p, i, NULL, &object, NULL, NULL, &reason);
		if ((s == GPUVIRT_STATE_BLOCKED || s == GPUVIRT_STATE_FAILED) && reason[0])
			printf("  %s: %s\n", vis(object), vis(reason));
	}
}

static int show(gpuvirt_ctx *ctx, const struct options *o, const gpuvirt_state_plan *p, const char *key)
{
	if (o->json)
		print_items_json(ctx, p, key);
	else
		print_items(p);
	return not_held(p) ? EXIT_STATE_LEFT : EXIT_OK;
}

/* The plan of a file named on the command line (relative to the working
 * directory), or of the persisted state. */
static int plan_for(gpuvirt_ctx *ctx, const struct options *o, const char *file, gpuvirt_state_plan **p)
{
	char *abs = file && file[0] != '/' ? realpath(file, NULL) : NULL;
	int r;

	if (file && file[0] != '/' && !abs) {
		fprintf(stderr, "gpuvirt: %s: %s: %s\n", o->cmd, vis(file), strerror(errno));
		return EXIT_ERROR;
	}
	r = gpuvirt_state_plan_new(ctx, abs ? abs : file, state_flags(o), p);
	free(abs);
	return r < 0 ? cli_fail(ctx, r, o->cmd) : 0;
}

int cmd_diff(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_state_plan *p = NULL;
	int r = plan_for(ctx, o, o->argc ? o->argv[0] : NULL, &p);

	if (r == 0)
		r = show(ctx, o, p, "items");
	gpuvirt_state_plan_unref(p);
	return r;
}

static int apply_and_show(gpuvirt_ctx *ctx, const struct options *o, gpuvirt_state_plan *p)
{
	int r;

	if (o->dry_run)
		return show(ctx, o, p, "items");
	if (!o->json && count_status(p, GPUVIRT_STATE_TO_DO, GPUVIRT_STATE_FAILED)) {
		printf("plan:\n");
		print_items(p);
		printf("\n");
	}
	if ((r = gpuvirt_state_plan_apply(p)) < 0)
		return cli_fail(ctx, r, o->cmd);
	if (!o->json)
		printf("%s:\n", o->cmd);
	return show(ctx, o, p, "items");
}

int cmd_apply(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_state_plan *p = NULL;
	int r = plan_for(ctx, o, o->argv[0], &p);

	if (r == 0)
		r = apply_and_show(ctx, o, p);
	gpuvirt_state_plan_unref(p);
	return r;
}

int cmd_restore(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_state_plan *p = NULL;
	int r = plan_for(ctx, o, NULL, &p);

	if (r == 0)
		r = apply_and_show(ctx, o, p);
	gpuvirt_state_plan_unref(p);
	return r;
}
