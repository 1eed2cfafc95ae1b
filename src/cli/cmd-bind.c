/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt bind, unbind and recover. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static uint32_t bind_flags(const struct options *o)
{
	return (o->allow_group ? GPUVIRT_BIND_ALLOW_GROUP : 0) | (o->force ? GPUVIRT_BIND_FORCE : 0) |
	       (o->persist ? GPUVIRT_BIND_PERSIST : 0) | (o->wait ? GPUVIRT_BIND_WAIT : 0);
}

static const char *bind_target(const struct options *o)
{
	return o->target ? o->target : "vfio-pci";
}

/* The plan's devices and target, as JSON members or as a line. */
static void plan_devices(const gpuvirt_bind_plan *plan, struct json *j)
{
	size_t n = gpuvirt_bind_plan_get_device_count(plan);

	if (!j) {
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "", gpuvirt_bind_plan_get_device(plan, i));
		return;
	}
	json_key(j, "target");
	json_string(j, gpuvirt_bind_plan_get_target(plan));
	json_key(j, "devices");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_string(j, gpuvirt_bind_plan_get_device(plan, i));
	json_end_array(j);
}

/* --dry-run: the exact writes, in order. */
static void print_plan(gpuvirt_ctx *ctx, const struct options *o, const gpuvirt_bind_plan *plan)
{
	size_t n = gpuvirt_bind_plan_get_step_count(plan), nd = gpuvirt_bind_plan_get_device_count(plan);
	struct json j;

	if (o->json) {
		json_header(&j, ctx);
		json_key(&j, "dry_run");
		json_bool(&j, true);
		plan_devices(plan, &j);
		json_key(&j, "steps");
		json_begin_array(&j);
	} else {
		const char *t = gpuvirt_bind_plan_get_target(plan);
		bool variant = o->target && strcmp(o->target, "kvm") == 0 && strcmp(t, "vfio-pci") != 0;
		printf("Plan: %zu device%s to %s%s, %zu step%s\n", nd, nd == 1 ? "" : "s", t,
		       variant ? " (the vfio-pci variant modules.alias offers for it)" : "", n, n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++) {
		const char *dev, *action, *path, *value;
		gpuvirt_bind_plan_get_step(plan, i, &dev, &action, &path, &value);
		if (!o->json) {
			printf("  %2zu. %-12s %-9s %s%s%s\n", i + 1, dev ? dev : "", action, path ? path : "",
			       value ? " <- " : "", value ? value : "");
			continue;
		}
		json_begin_object(&j);
		json_key(&j, "device");
		json_string(&j, dev);
		json_key(&j, "action");
		json_string(&j, action);
		json_key(&j, "path");
		json_string(&j, path);
		json_key(&j, "value");
		json_string(&j, value);
		json_end_object(&j);
	}
	if (o->json) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	}
}

/* Apply; with --wait, the process waited for may have moved the devices
 * (an unbind): plan again from where they are now, a few times. */
static int apply(gpuvirt_device *d, const struct options *o, gpuvirt_bind_plan **plan)
{
	int r = gpuvirt_bind_apply(*plan);

	for (int again = 0; r == -ESTALE && o->wait && again < 3; again++) {
		*plan = gpuvirt_bind_plan_unref(*plan);
		if ((r = gpuvirt_device_refresh(d)) == 0 &&
		    (r = gpuvirt_bind_plan_new(d, bind_target(o), bind_flags(o), plan)) == 0)
			r = gpuvirt_bind_apply(*plan);
	}
	return r;
}

int cmd_bind(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_bind_plan *plan = NULL;
	gpuvirt_device *d;
	int r;

	if ((r = cli_open_device(ctx, o, o->argv[0], &d)) != 0)
		return r;
	if ((r = gpuvirt_bind_plan_new(d, bind_target(o), bind_flags(o), &plan)) == 0 && o->dry_run)
		print_plan(ctx, o, plan);
	else if (r == 0)
		r = apply(d, o, &plan);
	gpuvirt_device_unref(d);
	if (r < 0) {
		gpuvirt_bind_plan_unref(plan);
		return cli_fail(ctx, r, "bind");
	}
	if (!o->dry_run && o->json) {
		struct json j;
		json_header(&j, ctx);
		plan_devices(plan, &j);
		json_key(&j, "persisted");
		json_bool(&j, o->persist);
		json_end_object(&j);
		json_finish(&j);
	} else if (!o->dry_run) {
		plan_devices(plan, NULL);
		printf(": on %s%s\n", gpuvirt_bind_plan_get_target(plan),
		       o->persist ? " (persisted for driverctl)" : "");
	}
	gpuvirt_bind_plan_unref(plan);
	return EXIT_OK;
}

int cmd_unbind(gpuvirt_ctx *ctx, const struct options *o)
{
	char bdf[16];
	gpuvirt_device *d;
	int r;

	if ((r = cli_open_device(ctx, o, o->argv[0], &d)) != 0)
		return r;
	snprintf(bdf, sizeof(bdf), "%s", gpuvirt_device_get_bdf(d));
	r = gpuvirt_unbind(d, bind_flags(o) & (GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT));
	gpuvirt_device_unref(d);
	if (r < 0)
		return cli_fail(ctx, r, "unbind");
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "given_back");
		json_string(&j, bdf);
		json_key(&j, "persisted");
		json_bool(&j, o->persist);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%s: given back\n", bdf);
	}
	return EXIT_OK;
}

int cmd_recover(gpuvirt_ctx *ctx, const struct options *o)
{
	int r = gpuvirt_recover(ctx);

	if (r < 0)
		return cli_fail(ctx, r, "recover");
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "undone");
		json_int(&j, r);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%d interrupted operation%s undone\n", r, r == 1 ? "" : "s");
	}
	return EXIT_OK;
}
