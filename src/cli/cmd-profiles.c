/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt profiles, create, destroy and instances. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void format_size(uint64_t bytes, char *buf, size_t size)
{
	if (!bytes)
		snprintf(buf, size, "-");
	else if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
		snprintf(buf, size, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
}

int collect_profiles(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile ***out, size_t *n)
{
	gpuvirt_profile_iter *it;
	gpuvirt_profile *p;
	int r = gpuvirt_profile_iter_new(ctx, dev, &it);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	while ((r = gpuvirt_profile_iter_next(it, &p)) > 0) {
		gpuvirt_profile **nv = realloc(*out, (*n + 1) * sizeof(*nv));
		if (!nv) {
			gpuvirt_profile_unref(p);
			r = -ENOMEM;
			break;
		}
		*out = nv;
		(*out)[(*n)++] = p;
	}
	gpuvirt_profile_iter_unref(it);
	return r;
}

void free_profiles(gpuvirt_profile **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_profile_unref(v[i]);
	free(v);
}

static const char *const profile_head[] = {"PARENT", "MECHANISM", "ID", "NAME", "FB", "CLASS", "AVAIL", "USED"};

void print_profiles(gpuvirt_profile **v, size_t n)
{
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));

	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *cls = gpuvirt_profile_get_vgpu_class(v[i]);
		snprintf(rows[i].cells[0], sizeof(rows[i].cells[0]), "%s", gpuvirt_profile_get_parent(v[i]));
		snprintf(rows[i].cells[1], sizeof(rows[i].cells[1]), "%s",
			 gpuvirt_mechanism_to_string(gpuvirt_profile_get_mechanism(v[i])));
		snprintf(rows[i].cells[2], sizeof(rows[i].cells[2]), "%s", gpuvirt_profile_get_id(v[i]));
		snprintf(rows[i].cells[3], sizeof(rows[i].cells[3]), "%s", vis(gpuvirt_profile_get_name(v[i])));
		format_size(gpuvirt_profile_get_framebuffer_bytes(v[i]), rows[i].cells[4], sizeof(rows[i].cells[4]));
		uint32_t mig = gpuvirt_profile_get_mig_slices(v[i]);
		if (mig) /* MIG-backed: the GPU instance's size as NVIDIA names it */
			snprintf(rows[i].cells[5], sizeof(rows[i].cells[5]), "%s %ug", cls ? cls : "-", mig);
		else
			snprintf(rows[i].cells[5], sizeof(rows[i].cells[5]), "%s", cls ? cls : "-");
		snprintf(rows[i].cells[6], sizeof(rows[i].cells[6]), "%u", gpuvirt_profile_get_available(v[i]));
		snprintf(rows[i].cells[7], sizeof(rows[i].cells[7]), "%u", gpuvirt_profile_get_instance_count(v[i]));
	}
	print_table(profile_head, rows, n, 8);
	free(rows);
	/* Why what is full is full. */
	for (size_t i = 0, said = 0; i < n; i++) {
		const char *why = gpuvirt_profile_get_unavailable_reason(v[i]);
		if (!why)
			continue;
		if (!said++)
			printf("\nNone available:\n");
		printf("  %s on %s: %s\n", gpuvirt_profile_get_id(v[i]), gpuvirt_profile_get_parent(v[i]), vis(why));
	}
}

/* "WxH", written without printf (a listing has one per profile). */
static void resolution_text(uint32_t w, uint32_t h, char buf[24])
{
	char *p = buf + 23;

	*p = '\0';
	do
		*--p = (char)('0' + h % 10);
	while (h /= 10);
	*--p = 'x';
	do
		*--p = (char)('0' + w % 10);
	while (w /= 10);
	memmove(buf, p, (size_t)(buf + 24 - p));
}

void json_profile(struct json *j, const gpuvirt_profile *p)
{
	uint32_t w = 0, h = 0;

	gpuvirt_profile_get_max_resolution(p, &w, &h);
	json_begin_object(j);
	json_key(j, "parent");
	json_string(j, gpuvirt_profile_get_parent(p));
	json_key(j, "mechanism");
	json_string(j, gpuvirt_mechanism_to_string(gpuvirt_profile_get_mechanism(p)));
	json_key(j, "id");
	json_string(j, gpuvirt_profile_get_id(p));
	json_key(j, "name");
	json_string(j, gpuvirt_profile_get_name(p));
	json_key(j, "description");
	json_string(j, gpuvirt_profile_get_description(p));
	json_key(j, "device_api");
	json_string(j, gpuvirt_profile_get_device_api(p));
	json_key(j, "numa_node");
	if (gpuvirt_profile_get_numa_node(p) >= 0)
		json_int(j, gpuvirt_profile_get_numa_node(p));
	else
		json_null(j);
	json_key(j, "available");
	json_int(j, gpuvirt_profile_get_available(p));
	json_key(j, "instances");
	json_int(j, gpuvirt_profile_get_instance_count(p));
	json_key(j, "unavailable_reason");
	json_string(j, gpuvirt_profile_get_unavailable_reason(p));
	json_key(j, "framebuffer_bytes");
	json_int(j, (long long)gpuvirt_profile_get_framebuffer_bytes(p));
	json_key(j, "heads");
	json_int(j, gpuvirt_profile_get_heads(p));
	json_key(j, "max_resolution");
	if (w && h) {
		char res[24];
		resolution_text(w, h, res);
		json_string(j, res);
	} else {
		json_null(j);
	}
	json_key(j, "max_instances");
	json_int(j, gpuvirt_profile_get_max_instances(p));
	json_key(j, "frame_rate_limit");
	json_int(j, gpuvirt_profile_get_frame_rate_limit(p));
	json_key(j, "vgpu_class");
	json_string(j, gpuvirt_profile_get_vgpu_class(p));
	json_key(j, "mig_slices");
	json_int(j, gpuvirt_profile_get_mig_slices(p));
	json_end_object(j);
}

int cmd_profiles(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d = NULL;
	gpuvirt_profile **v;
	size_t n;
	int r;

	if (o->argc == 1 && (r = cli_open_device(ctx, o, o->argv[0], &d)) != 0)
		return r;
	r = collect_profiles(ctx, d, &v, &n);
	gpuvirt_device_unref(d);
	if (r < 0) {
		free_profiles(v, n);
		return cli_fail(ctx, r, "profiles");
	}
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "profiles");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			json_profile(&j, v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (n == 0) {
		printf("No vGPU profiles offered.\n");
	} else {
		print_profiles(v, n);
	}
	free_profiles(v, n);
	return 0;
}

void json_instance(struct json *j, const gpuvirt_instance *in)
{
	json_begin_object(j);
	json_key(j, "uuid");
	json_string(j, gpuvirt_instance_get_uuid(in));
	json_key(j, "parent");
	json_string(j, gpuvirt_instance_get_parent(in));
	json_key(j, "profile");
	json_string(j, gpuvirt_instance_get_profile_id(in));
	json_key(j, "mechanism");
	json_string(j, gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)));
	json_key(j, "sysfs_path");
	json_string(j, gpuvirt_instance_get_sysfs_path(in));
	json_key(j, "vf");
	json_string(j, gpuvirt_instance_get_vf_bdf(in));
	json_key(j, "active");
	json_bool(j, gpuvirt_instance_is_active(in) == 1);
	json_key(j, "persistent");
	json_bool(j, gpuvirt_instance_is_persistent(in) == 1);
	json_key(j, "owner");
	json_string(j, gpuvirt_instance_get_owner(in));
	json_end_object(j);
}

/* 8-4-4-4-12 hexadecimal digits. */
static bool is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							    : !strchr("0123456789abcdefABCDEF", s[i] ? s[i] : 'x'))
			return false;
	return s[36] == '\0';
}

/* create's options as the library takes them: 0 or EXIT_USAGE. */
static int create_args(gpuvirt_ctx *ctx, const struct options *o, int *policy, int *numa)
{
	gpuvirt_device *d;
	int r;

	*policy = GPUVIRT_POLICY_PACK;
	*numa = -1;
	if (o->owner && !o->persist)
		return cli_usage(o, "--owner is recorded with --persist only");
	if (o->policy && strcmp(o->policy, "spread") == 0)
		*policy = GPUVIRT_POLICY_SPREAD;
	else if (o->policy && strcmp(o->policy, "pack") != 0)
		return cli_usage(o, "--policy takes pack or spread, not '%s'", vis(o->policy));
	if (o->numa) {
		char *end;
		long v = strtol(o->numa, &end, 10);
		if (*end || end == o->numa || v < 0 || v > 65535)
			return cli_usage(o, "--numa takes a NUMA node number, not '%s'", vis(o->numa));
		*numa = (int)v;
	}
	if (o->uuid && !is_uuid(o->uuid))
		return cli_usage(o, "--uuid '%s' is not a UUID", vis(o->uuid));
	if (o->gpu && (r = cli_open_device(ctx, o, o->gpu, &d)) != 0)
		return r;
	if (o->gpu)
		gpuvirt_device_unref(d);
	return 0;
}

static void print_instance(gpuvirt_ctx *ctx, const struct options *o, const gpuvirt_instance *in)
{
	const char *sysfs = gpuvirt_instance_get_sysfs_path(in);
	struct json j;

	if (o->json) {
		json_header(&j, ctx);
		json_key(&j, "instance");
		json_instance(&j, in);
		json_end_object(&j);
		json_finish(&j);
		return;
	}
	printf("%s on %s (%s %s): %s%s\n", gpuvirt_instance_get_uuid(in), gpuvirt_instance_get_parent(in),
	       gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)), gpuvirt_instance_get_profile_id(in),
	       sysfs ? "sysfsdev=" : "host=", sysfs ? sysfs : gpuvirt_instance_get_vf_bdf(in));
}

int cmd_create(gpuvirt_ctx *ctx, const struct options *o)
{
	uint32_t flags = (o->persist ? GPUVIRT_INSTANCE_PERSIST : 0) | (o->wait ? GPUVIRT_INSTANCE_WAIT : 0) |
			 (o->dry_run ? GPUVIRT_INSTANCE_DRY_RUN : 0);
	gpuvirt_instance *in = NULL;
	int policy, numa, r;

	if ((r = create_args(ctx, o, &policy, &numa)) != 0)
		return r;
	r = gpuvirt_instance_create(ctx, o->argv[0], o->gpu, policy, numa, o->uuid, flags, &in);
	if (r < 0)
		return cli_fail(ctx, r, "create");
	if (in && o->owner && (r = gpuvirt_instance_set_owner(in, o->owner)) < 0) {
		fprintf(stderr, "gpuvirt: create: %s was created and persisted, but its owner tag was not recorded\n",
			gpuvirt_instance_get_uuid(in));
		gpuvirt_instance_unref(in);
		return cli_fail(ctx, r, "create --owner");
	}
	if (o->dry_run && o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "dry_run");
		json_bool(&j, true);
		json_key(&j, "profile");
		json_string(&j, o->argv[0]);
		json_key(&j, "gpu");
		json_string(&j, o->gpu);
		json_key(&j, "would_proceed");
		json_bool(&j, true);
		json_end_object(&j);
		json_finish(&j);
	} else if (o->dry_run) {
		printf("%s: a create would proceed%s%s\n", vis(o->argv[0]), o->gpu ? " on " : "", o->gpu ? o->gpu : "");
	} else {
		print_instance(ctx, o, in);
	}
	gpuvirt_instance_unref(in);
	return EXIT_OK;
}

int cmd_destroy(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_instance *in;
	int r;

	if (!is_uuid(o->argv[0]))
		return cli_usage(o, "'%s' is not a UUID", vis(o->argv[0]));
	r = gpuvirt_instance_new_from_uuid(ctx, o->argv[0], &in);
	if (r < 0)
		return cli_fail(ctx, r, "destroy");
	r = gpuvirt_instance_destroy(in, (o->persist ? GPUVIRT_INSTANCE_PERSIST : 0) |
					     (o->wait ? GPUVIRT_INSTANCE_WAIT : 0));
	gpuvirt_instance_unref(in);
	if (r < 0)
		return cli_fail(ctx, r, "destroy");
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "released");
		json_string(&j, o->argv[0]);
		json_key(&j, "persisted");
		json_bool(&j, o->persist);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%s: released\n", o->argv[0]);
	}
	return EXIT_OK;
}

int cmd_instances(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_instance_iter *it;
	gpuvirt_instance *in;
	struct json j;
	size_t n = 0;
	int r;

	if ((r = gpuvirt_instance_iter_new(ctx, &it)) < 0)
		return cli_fail(ctx, r, "instances");
	if (o->json) {
		json_header(&j, ctx);
		json_key(&j, "instances");
		json_begin_array(&j);
	}
	while (gpuvirt_instance_iter_next(it, &in) > 0) {
		if (o->json) {
			json_instance(&j, in);
		} else {
			const char *vf = gpuvirt_instance_get_vf_bdf(in);
			if (n == 0)
				printf("%-36s  %-12s  %-14s  %-13s  %-12s  %s\n", "UUID", "PARENT", "PROFILE",
				       "MECHANISM", "VF", "STATE");
			printf("%-36s  %-12s  %-14s  %-13s  %-12s  %s%s\n",
			       gpuvirt_instance_get_uuid(in) ? gpuvirt_instance_get_uuid(in) : "-",
			       gpuvirt_instance_get_parent(in), gpuvirt_instance_get_profile_id(in),
			       gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)), vf ? vf : "-",
			       gpuvirt_instance_is_active(in) == 1 ? "active" : "defined",
			       gpuvirt_instance_is_persistent(in) == 1 ? ",persistent" : "");
		}
		n++;
		gpuvirt_instance_unref(in);
	}
	gpuvirt_instance_iter_unref(it);
	if (o->json) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (n == 0) {
		printf("No vGPU instances.\n");
	}
	return 0;
}
