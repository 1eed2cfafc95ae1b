/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt: the command-line face of libgpuvirt, built only on its public API. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpuvirt/gpuvirt.h>

#include "json.h"

#define EXIT_USAGE 2
/* `gpuvirt check` exits with its verdict; usage errors there are EX_USAGE. */
#define EXIT_CHECK_WARN 1
#define EXIT_CHECK_FAIL 2
#define EXIT_CHECK_USAGE 64
#define EXIT_CHECK_ERROR 70

struct options {
	const char *root, *modprobe, *timeout;
	const char *target, *gpu, *policy, *numa, *uuid;
	bool all, json, verbose;
	bool dry_run, allow_group, force, persist, wait;
	int argc;
	char **argv; /* operands after the command */
};

static void log_to_stderr(void *userdata, int priority, const char *message)
{
	(void)userdata;
	if (priority >= 6)
		fprintf(stderr, "gpuvirt[%d]: %s\n", priority, message);
	else
		fprintf(stderr, "gpuvirt: %s%s\n", priority <= 4 ? "warning: " : "", message);
}

/* A string the host chose (an mdev type's name, a link's target) shown on a
 * terminal: control characters and DEL as '?', so that an ESC in a name
 * cannot drive the terminal. Four buffers, so that one printf may take
 * several. JSON output escapes instead (json.c). */
static const char *vis(const char *s)
{
	static char bufs[4][1024];
	static int which;
	char *out = bufs[which = (which + 1) % 4];
	size_t i = 0;

	if (!s)
		return NULL;
	for (; *s && i + 1 < sizeof(bufs[0]); s++)
		out[i++] = ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) ? '?' : *s;
	out[i] = '\0';
	return out;
}

static void notices_to_stderr(void *userdata, int priority, const char *message)
{
	if (priority == 5)
		log_to_stderr(userdata, priority, message);
}

static void usage(FILE *out)
{
	fputs("Usage: gpuvirt [--root DIR] [--verbose] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  list [--all] [--json]   the host's GPUs (--all: every PCI function)\n"
	      "  show BDF [--json]       one PCI function in detail\n"
	      "  report                  a one-page summary of the host, with verdicts\n"
	      "  check [--json] [BDF...] check the host (and each GPU, or the given ones)\n"
	      "                          for passthrough and vGPU; exit 0 all pass, 1 a\n"
	      "                          warning, 2 a failure, 64 usage, 70 an error\n"
	      "  bind BDF [--for kvm|xen|DRIVER] [--dry-run] [--allow-group] [--force]\n"
	      "       [--persist] [--wait]\n"
	      "                          hand the GPU and its IOMMU group to vfio-pci (kvm,\n"
	      "                          the default), xen-pciback (xen) or DRIVER; all or\n"
	      "                          nothing; --dry-run prints the plan\n"
	      "  unbind BDF [--persist] [--wait]\n"
	      "                          give the group back to the drivers it had\n"
	      "  recover                 undo binding work a crashed process left half-way\n"
	      "  profiles [BDF] [--json] the vGPU profiles of the host (or of one GPU)\n"
	      "  create PROFILE [--gpu BDF] [--policy pack|spread] [--numa N] [--uuid U]\n"
	      "         [--persist] [--wait] [--dry-run]\n"
	      "                          allocate a vGPU instance (by profile id or name);\n"
	      "                          --dry-run only says whether it would\n"
	      "  destroy UUID [--persist] release an instance (--persist: its mdevctl definition too)\n"
	      "  instances [--json]      the instances on the host, whoever made them\n"
	      "  version                 the library's version\n"
	      "\n"
	      "Options:\n"
	      "  --root DIR   read the host under DIR instead of / (also GPUVIRT_ROOT)\n"
	      "  --modprobe PATH  the program that loads a missing driver module (also\n"
	      "               GPUVIRT_MODPROBE; default /sbin/modprobe when the root is /)\n"
	      "  --timeout MS how long a kernel write that can block (an unbind of a held\n"
	      "               device) is waited for; default 15000\n"
	      "  --verbose    log the library's debug messages to stderr\n",
	      out);
}

/* Print the library's message for a failure and return exit status 1. */
static int fail(gpuvirt_ctx *ctx, int err, const char *what)
{
	const char *msg = ctx ? gpuvirt_ctx_get_error(ctx) : NULL;

	if (msg && *msg)
		fprintf(stderr, "gpuvirt: %s: %s (%s)\n", what, msg, gpuvirt_strerror(err));
	else
		fprintf(stderr, "gpuvirt: %s: %s\n", what, gpuvirt_strerror(err));
	return 1;
}

static int open_ctx(const struct options *o, gpuvirt_ctx **ctx)
{
	int r = gpuvirt_ctx_new(ctx);

	if (r < 0) {
		fprintf(stderr, "gpuvirt: cannot create a context: %s\n", gpuvirt_strerror(r));
		return r;
	}
	/* The waiting line (a notice) always; everything with --verbose. */
	gpuvirt_ctx_set_log_fn(*ctx, o->verbose ? log_to_stderr : notices_to_stderr, NULL);
	gpuvirt_ctx_set_log_priority(*ctx, o->verbose ? 7 : 5);
	if (o->modprobe && (r = gpuvirt_ctx_set_modprobe(*ctx, o->modprobe)) < 0) {
		fail(*ctx, r, "--modprobe");
		*ctx = gpuvirt_ctx_unref(*ctx);
		return r;
	}
	if (o->timeout) {
		char *end;
		long ms = strtol(o->timeout, &end, 10);
		r = *end || ms <= 0 || ms > 86400000L ? -EINVAL : gpuvirt_ctx_set_write_timeout(*ctx, (uint32_t)ms);
		if (r < 0) {
			fail(*ctx, r, "--timeout");
			*ctx = gpuvirt_ctx_unref(*ctx);
			return r;
		}
	}
	if (o->root) {
		/* The library takes absolute roots; on the command line a
		 * relative one means relative to the working directory. */
		char *abs = o->root[0] == '/' ? NULL : realpath(o->root, NULL);
		r = gpuvirt_ctx_set_root(*ctx, abs ? abs : o->root);
		free(abs);
		if (r < 0) {
			fail(*ctx, r, "--root");
			*ctx = gpuvirt_ctx_unref(*ctx);
		}
	}
	return r;
}

static void format_class(uint32_t cls, char buf[8])
{
	snprintf(buf, 8, "%06x", cls & 0xffffff);
}

static void modes_string(uint32_t modes, char *buf, size_t size)
{
	buf[0] = '\0';
	for (uint32_t bit = 1; bit; bit <<= 1) {
		const char *name = (modes & bit) ? gpuvirt_mode_to_string(bit) : NULL;
		if (!name)
			continue;
		if (buf[0])
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, name, size - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

static void json_hex4(struct json *j, const char *key, unsigned v)
{
	char buf[8];
	snprintf(buf, sizeof(buf), "%04x", v & 0xffff);
	json_key(j, key);
	json_string(j, buf);
}

static void json_device(struct json *j, const gpuvirt_device *d)
{
	char buf[16];
	size_t n;
	int v;

	json_begin_object(j);
	json_key(j, "bdf");
	json_string(j, gpuvirt_device_get_bdf(d));
	json_hex4(j, "vendor_id", gpuvirt_device_get_vendor_id(d));
	json_hex4(j, "device_id", gpuvirt_device_get_device_id(d));
	json_hex4(j, "subsystem_vendor_id", gpuvirt_device_get_subsystem_vendor_id(d));
	json_hex4(j, "subsystem_device_id", gpuvirt_device_get_subsystem_device_id(d));
	format_class(gpuvirt_device_get_class(d), buf);
	json_key(j, "class");
	json_string(j, buf);
	snprintf(buf, sizeof(buf), "%02x", gpuvirt_device_get_revision(d));
	json_key(j, "revision");
	json_string(j, buf);
	json_key(j, "vendor_name");
	json_string(j, gpuvirt_device_get_vendor_name(d));
	json_key(j, "device_name");
	json_string(j, gpuvirt_device_get_device_name(d));
	json_key(j, "driver");
	json_string(j, gpuvirt_device_get_driver(d));
	json_key(j, "driver_override");
	json_string(j, gpuvirt_device_get_driver_override(d));
	v = gpuvirt_device_get_iommu_group(d);
	json_key(j, "iommu_group");
	if (v >= 0)
		json_int(j, v);
	else
		json_null(j);
	json_key(j, "iommu_group_members");
	if (v >= 0) {
		json_begin_array(j);
		n = gpuvirt_device_get_iommu_group_member_count(d);
		for (size_t i = 0; i < n; i++)
			json_string(j, gpuvirt_device_get_iommu_group_member(d, i));
		json_end_array(j);
	} else {
		json_null(j);
	}
	v = gpuvirt_device_get_numa_node(d);
	json_key(j, "numa_node");
	if (v >= 0)
		json_int(j, v);
	else
		json_null(j);
	v = gpuvirt_device_get_boot_vga(d);
	json_key(j, "boot_vga");
	if (v >= 0)
		json_bool(j, v == 1);
	else
		json_null(j);
	json_key(j, "sriov");
	if (gpuvirt_device_get_sriov_total_vfs(d) >= 0) {
		json_begin_object(j);
		json_key(j, "total_vfs");
		json_int(j, gpuvirt_device_get_sriov_total_vfs(d));
		json_key(j, "num_vfs");
		json_int(j, gpuvirt_device_get_sriov_num_vfs(d));
		json_key(j, "vfs");
		json_begin_array(j);
		n = gpuvirt_device_get_vf_count(d);
		for (size_t i = 0; i < n; i++)
			json_string(j, gpuvirt_device_get_vf(d, i));
		json_end_array(j);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_key(j, "physfn");
	json_string(j, gpuvirt_device_get_physfn(d));
	json_key(j, "reset_methods");
	if (gpuvirt_device_has_reset_method_info(d)) {
		json_begin_array(j);
		n = gpuvirt_device_get_reset_method_count(d);
		for (size_t i = 0; i < n; i++)
			json_string(j, gpuvirt_device_get_reset_method(d, i));
		json_end_array(j);
	} else {
		json_null(j);
	}
	json_key(j, "drm");
	json_begin_array(j);
	n = gpuvirt_device_get_drm_node_count(d);
	for (size_t i = 0; i < n; i++)
		json_string(j, gpuvirt_device_get_drm_node(d, i));
	json_end_array(j);
	json_key(j, "modes");
	json_begin_array(j);
	for (uint32_t bit = 1; bit; bit <<= 1)
		if ((gpuvirt_device_get_modes(d) & bit) && gpuvirt_mode_to_string(bit))
			json_string(j, gpuvirt_mode_to_string(bit));
	json_end_array(j);
	json_key(j, "persistent_driver");
	json_string(j, gpuvirt_device_get_persistent_driver(d));
	json_end_object(j);
}

/* Collect the devices of an iteration into an array the caller frees. */
static int collect_devices(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device ***out, size_t *count)
{
	gpuvirt_device_iter *it;
	gpuvirt_device *d, **list = NULL;
	size_t n = 0;
	int r = gpuvirt_device_iter_new(ctx, flags, &it);

	if (r < 0)
		return r;
	while ((r = gpuvirt_device_iter_next(it, &d)) > 0) {
		gpuvirt_device **nl = realloc(list, (n + 1) * sizeof(*nl));
		if (!nl) {
			gpuvirt_device_unref(d);
			r = -ENOMEM;
			break;
		}
		list = nl;
		list[n++] = d;
	}
	gpuvirt_device_iter_unref(it);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			gpuvirt_device_unref(list[i]);
		free(list);
		return r;
	}
	*out = list;
	*count = n;
	return 0;
}

static void free_devices(gpuvirt_device **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_device_unref(list[i]);
	free(list);
}

struct row {
	char cells[8][160];
};

static void print_cell(const char *text, size_t width, bool last)
{
	if (last)
		printf("%s\n", text);
	else
		printf("%-*s  ", (int)width, text);
}

static void print_table(const char *const *head, struct row *rows, size_t nrows, int ncols)
{
	size_t width[8] = {0};

	for (int c = 0; c < ncols; c++) {
		width[c] = strlen(head[c]);
		for (size_t r = 0; r < nrows; r++)
			if (strlen(rows[r].cells[c]) > width[c])
				width[c] = strlen(rows[r].cells[c]);
	}
	for (int c = 0; c < ncols; c++)
		print_cell(head[c], width[c], c + 1 == ncols);
	for (size_t r = 0; r < nrows; r++)
		for (int c = 0; c < ncols; c++)
			print_cell(rows[r].cells[c], width[c], c + 1 == ncols);
}

static void device_row(const gpuvirt_device *d, struct row *row)
{
	const char *vn = gpuvirt_device_get_vendor_name(d), *dn = gpuvirt_device_get_device_name(d);
	int group = gpuvirt_device_get_iommu_group(d), numa = gpuvirt_device_get_numa_node(d);
	char cls[8];

	format_class(gpuvirt_device_get_class(d), cls);
	snprintf(row->cells[0], sizeof(row->cells[0]), "%s", gpuvirt_device_get_bdf(d));
	snprintf(row->cells[1], sizeof(row->cells[1]), "%s", cls);
	snprintf(row->cells[2], sizeof(row->cells[2]), "%04x:%04x", gpuvirt_device_get_vendor_id(d),
		 gpuvirt_device_get_device_id(d));
	snprintf(row->cells[3], sizeof(row->cells[3]), "%s",
		 gpuvirt_device_get_driver(d) ? gpuvirt_device_get_driver(d) : "-");
	if (group >= 0)
		snprintf(row->cells[4], sizeof(row->cells[4]), "%d", group);
	else
		snprintf(row->cells[4], sizeof(row->cells[4]), "-");
	if (numa >= 0)
		snprintf(row->cells[5], sizeof(row->cells[5]), "%d", numa);
	else
		snprintf(row->cells[5], sizeof(row->cells[5]), "-");
	modes_string(gpuvirt_device_get_modes(d), row->cells[6], sizeof(row->cells[6]));
	snprintf(row->cells[7], sizeof(row->cells[7]), "%s%s%s", vn ? vn : "", vn && dn ? " " : "", dn ? dn : "");
}

static const char *const list_head[] = {"BDF", "CLASS", "ID", "DRIVER", "GROUP", "NUMA", "MODES", "NAME"};

static void json_header(struct json *j, gpuvirt_ctx *ctx)
{
	json_init(j, stdout);
	json_begin_object(j);
	json_key(j, "gpuvirt_version");
	json_string(j, gpuvirt_version());
	json_key(j, "root");
	json_string(j, gpuvirt_ctx_get_root(ctx));
}

static int cmd_list(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device **devs;
	size_t n;
	int r;

	if (o->argc != 0)
		return -EXIT_USAGE;
	r = collect_devices(ctx, o->all ? GPUVIRT_DEVICES_ALL : GPUVIRT_DEVICES_GPUS, &devs, &n);
	if (r < 0)
		return fail(ctx, r, "list");
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "devices");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			json_device(&j, devs[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (n == 0) {
		printf(o->all ? "No PCI functions found under %s.\n" : "No GPUs found under %s.\n",
		       gpuvirt_ctx_get_root(ctx));
	} else {
		struct row *rows = calloc(n, sizeof(*rows));
		if (!rows) {
			free_devices(devs, n);
			return fail(ctx, -ENOMEM, "list");
		}
		for (size_t i = 0; i < n; i++)
			device_row(devs[i], &rows[i]);
		print_table(list_head, rows, n, 8);
		free(rows);
	}
	free_devices(devs, n);
	return 0;
}

static void print_list_line(const char *label, const gpuvirt_device *d, size_t (*count)(const gpuvirt_device *),
			    const char *(*get)(const gpuvirt_device *, size_t), const char *none)
{
	size_t n = count(d);

	printf("  %-20s", label);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", get(d, i));
	printf("%s\n", n ? "" : none);
}

/* Who holds the device: the holders' list, as JSON or lines. */
static int collect_holders(gpuvirt_ctx *ctx, gpuvirt_device *d, gpuvirt_holder ***out, size_t *n)
{
	gpuvirt_holder_iter *it;
	gpuvirt_holder *h;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = gpuvirt_holder_iter_new_for_device(d, &it)) < 0)
		return fail(ctx, r, "holders");
	while ((r = gpuvirt_holder_iter_next(it, &h)) > 0) {
		gpuvirt_holder **nv = realloc(*out, (*n + 1) * sizeof(*nv));
		if (!nv) {
			gpuvirt_holder_unref(h);
			r = -ENOMEM;
			break;
		}
		*out = nv;
		(*out)[(*n)++] = h;
	}
	gpuvirt_holder_iter_unref(it);
	return r < 0 ? fail(ctx, r, "holders") : 0;
}

static void free_holders(gpuvirt_holder **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_holder_unref(v[i]);
	free(v);
}

static void json_holders(struct json *j, gpuvirt_holder **v, size_t n)
{
	json_key(j, "holders");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const gpuvirt_holder *h = v[i];
		json_begin_object(j);
		json_key(j, "kind");
		json_string(j, gpuvirt_holder_kind_to_string(gpuvirt_holder_get_kind(h)));
		json_key(j, "device");
		json_string(j, gpuvirt_holder_get_device(h));
		json_key(j, "pid");
		if (gpuvirt_holder_get_pid(h) >= 0)
			json_int(j, (long long)gpuvirt_holder_get_pid(h));
		else
			json_null(j);
		json_key(j, "command");
		json_string(j, gpuvirt_holder_get_command(h));
		json_key(j, "path");
		json_string(j, gpuvirt_holder_get_path(h));
		json_key(j, "instance");
		json_string(j, gpuvirt_holder_get_instance(h));
		json_key(j, "vm");
		json_bool(j, gpuvirt_holder_is_vm(h) == 1);
		json_key(j, "description");
		json_string(j, gpuvirt_holder_get_description(h));
		json_end_object(j);
	}
	json_end_array(j);
}

static int cmd_show(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d;
	gpuvirt_holder **holders;
	size_t nholders;
	char modes[128];
	int r;

	if (o->argc != 1)
		return -EXIT_USAGE;
	r = gpuvirt_device_new_from_bdf(ctx, o->argv[0], &d);
	if (r < 0)
		return fail(ctx, r, o->argv[0]);
	if ((r = collect_holders(ctx, d, &holders, &nholders)) != 0) {
		gpuvirt_device_unref(d);
		return r;
	}
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "device");
		json_device(&j, d);
		json_holders(&j, holders, nholders);
		json_end_object(&j);
		json_finish(&j);
	} else {
		const char *s;
		int v;
		printf("%s\n", gpuvirt_device_get_bdf(d));
		s = gpuvirt_device_get_vendor_name(d);
		printf("  %-20s%04x %s\n", "vendor", gpuvirt_device_get_vendor_id(d), s ? s : "");
		s = gpuvirt_device_get_device_name(d);
		printf("  %-20s%04x %s\n", "device", gpuvirt_device_get_device_id(d), s ? s : "");
		printf("  %-20s%04x:%04x\n", "subsystem", gpuvirt_device_get_subsystem_vendor_id(d),
		       gpuvirt_device_get_subsystem_device_id(d));
		printf("  %-20s%06x (revision %02x)\n", "class", gpuvirt_device_get_class(d),
		       gpuvirt_device_get_revision(d));
		s = gpuvirt_device_get_driver(d);
		printf("  %-20s%s\n", "driver", s ? s : "(none)");
		s = gpuvirt_device_get_driver_override(d);
		printf("  %-20s%s\n", "driver_override", s ? s : "(none)");
		s = gpuvirt_device_get_persistent_driver(d);
		printf("  %-20s%s\n", "at boot (driverctl)", s ? s : "(no override recorded)");
		v = gpuvirt_device_get_iommu_group(d);
		if (v >= 0)
			printf("  %-20s%d\n", "iommu group", v);
		else
			printf("  %-20s%s\n", "iommu group", "(none: IOMMU off or unsupported)");
		print_list_line("group members", d, gpuvirt_device_get_iommu_group_member_count,
				gpuvirt_device_get_iommu_group_member, "-");
		v = gpuvirt_device_get_numa_node(d);
		if (v >= 0)
			printf("  %-20s%d\n", "numa node", v);
		else
			printf("  %-20s%s\n", "numa node", "unknown");
		v = gpuvirt_device_get_boot_vga(d);
		printf("  %-20s%s\n", "boot vga", v < 0 ? "n/a" : v ? "yes" : "no");
		if (gpuvirt_device_get_sriov_total_vfs(d) >= 0) {
			printf("  %-20s%d of %d enabled\n", "sr-iov vfs", gpuvirt_device_get_sriov_num_vfs(d),
			       gpuvirt_device_get_sriov_total_vfs(d));
			print_list_line("vfs", d, gpuvirt_device_get_vf_count, gpuvirt_device_get_vf, "-");
		}
		if (gpuvirt_device_get_physfn(d))
			printf("  %-20s%s\n", "physical function", gpuvirt_device_get_physfn(d));
		print_list_line("reset methods", d, gpuvirt_device_get_reset_method_count,
				gpuvirt_device_get_reset_method,
				gpuvirt_device_has_reset_method_info(d) ? "none" : "unknown");
		print_list_line("drm nodes", d, gpuvirt_device_get_drm_node_count, gpuvirt_device_get_drm_node, "-");
		modes_string(gpuvirt_device_get_modes(d), modes, sizeof(modes));
		printf("  %-20s%s\n", "modes", modes);
		for (size_t i = 0; i < nholders; i++)
			printf("  %-20s%s%s\n", i ? "" : "held by", vis(gpuvirt_holder_get_description(holders[i])),
			       gpuvirt_holder_is_vm(holders[i]) == 1 ? " (a VM's)" : "");
		if (!nholders)
			printf("  %-20s%s\n", "held by", "nothing");
	}
	free_holders(holders, nholders);
	gpuvirt_device_unref(d);
	return 0;
}

static void print_reasons(const gpuvirt_report *report, const char *bdf, uint32_t verdict);
static int collect_profiles(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile ***out, size_t *n);
static void free_profiles(gpuvirt_profile **v, size_t n);
static void print_profiles(gpuvirt_profile **v, size_t n);

static int cmd_report(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device **devs;
	size_t n, grouped = 0;
	int r;

	if (o->argc != 0)
		return -EXIT_USAGE;
	r = collect_devices(ctx, GPUVIRT_DEVICES_GPUS, &devs, &n);
	if (r < 0)
		return fail(ctx, r, "report");
	printf("gpuvirt %s report for %s\n\n", gpuvirt_version(), gpuvirt_ctx_get_root(ctx));
	for (size_t i = 0; i < n; i++)
		grouped += gpuvirt_device_get_iommu_group(devs[i]) >= 0;
	printf("GPUs: %zu found, %zu in IOMMU groups\n\n", n, grouped);
	if (n) {
		struct row *rows = calloc(n, sizeof(*rows));
		if (!rows) {
			free_devices(devs, n);
			return fail(ctx, -ENOMEM, "report");
		}
		for (size_t i = 0; i < n; i++)
			device_row(devs[i], &rows[i]);
		print_table(list_head, rows, n, 8);
		free(rows);
		printf("\nIOMMU groups of the GPUs:\n");
		for (size_t i = 0; i < n; i++) {
			const gpuvirt_device *d = devs[i];
			size_t m = gpuvirt_device_get_iommu_group_member_count(d);
			if (gpuvirt_device_get_iommu_group(d) < 0) {
				printf("  %s  no group (the IOMMU is off or absent: no passthrough)\n",
				       gpuvirt_device_get_bdf(d));
				continue;
			}
			printf("  %s  group %d:", gpuvirt_device_get_bdf(d), gpuvirt_device_get_iommu_group(d));
			for (size_t k = 0; k < m; k++)
				printf(" %s", gpuvirt_device_get_iommu_group_member(d, k));
			printf("\n");
		}
		gpuvirt_report *report = NULL;
		r = gpuvirt_check_host(ctx, 0, &report);
		if (r < 0) {
			free_devices(devs, n);
			return fail(ctx, r, "report: checks");
		}
		printf("\nVerdicts (gpuvirt check explains each code):\n");
		for (size_t i = 0; i < n; i++) {
			const char *bdf = gpuvirt_device_get_bdf(devs[i]);
			printf("  %s  passthrough: %-3s", bdf, gpuvirt_report_can_passthrough(report, bdf) == 1 ? "yes" : "no");
			print_reasons(report, bdf, GPUVIRT_VERDICT_PASSTHROUGH);
			printf("\n  %s  vGPU:        %-3s", bdf, gpuvirt_report_can_share(report, bdf) == 1 ? "yes" : "no");
			print_reasons(report, bdf, GPUVIRT_VERDICT_SHARE);
			printf("\n");
		}
		printf("Worst finding: %s\n", gpuvirt_severity_to_string(gpuvirt_report_get_worst_severity(report)));
		gpuvirt_report_unref(report);
		gpuvirt_profile **profiles;
		size_t np;
		r = collect_profiles(ctx, NULL, &profiles, &np);
		if (r < 0) {
			free_profiles(profiles, np);
			free_devices(devs, n);
			return fail(ctx, r, "report: profiles");
		}
		if (np) {
			uint32_t free_total = 0, used = 0;
			for (size_t i = 0; i < np; i++) {
				free_total += gpuvirt_profile_get_available(profiles[i]);
				used += gpuvirt_profile_get_instance_count(profiles[i]);
			}
			printf("\nvGPU profiles: %zu offered, %u instance%s in use (AVAIL: how many more fit now):\n", np, used,
			       used == 1 ? "" : "s");
			print_profiles(profiles, np);
		}
		free_profiles(profiles, np);
	}
	free_devices(devs, n);
	return 0;
}

/* ---- check ---- */

static const char *severity_word(int s)
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
static void print_findings(gpuvirt_report *report, const char *subject)
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

static void print_reasons(const gpuvirt_report *report, const char *bdf, uint32_t verdict)
{
	size_t n = gpuvirt_report_get_reason_count(report, bdf, verdict);

	printf(" (");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", gpuvirt_report_get_reason(report, bdf, verdict, i));
	printf(")");
}

static void print_verdicts(const gpuvirt_report *report, const char *bdf)
{
	printf("  %-56s : %s", "Verdict: passthrough", gpuvirt_report_can_passthrough(report, bdf) == 1 ? "yes" : "no");
	print_reasons(report, bdf, GPUVIRT_VERDICT_PASSTHROUGH);
	printf("\n  %-56s : %s", "Verdict: share (vGPU)", gpuvirt_report_can_share(report, bdf) == 1 ? "yes" : "no");
	print_reasons(report, bdf, GPUVIRT_VERDICT_SHARE);
	printf("\n");
}

static void json_findings(struct json *j, gpuvirt_report *report, const char *only_subject, bool host)
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

static void json_verdicts(struct json *j, const gpuvirt_report *report)
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

static int cmd_check(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_report **reports;
	size_t n = o->argc ? (size_t)o->argc : 1;
	int worst = 0, r = 0;

	for (int i = 0; i < o->argc; i++) {
		gpuvirt_device *d;
		r = gpuvirt_device_new_from_bdf(ctx, o->argv[i], &d);
		if (r == -EINVAL) {
			fprintf(stderr, "gpuvirt: '%s' is not a PCI address (DDDD:BB:DD.F)\n", o->argv[i]);
			return -EXIT_USAGE;
		}
		if (r < 0) {
			fail(ctx, r, o->argv[i]);
			return EXIT_CHECK_ERROR;
		}
		gpuvirt_device_unref(d);
	}
	reports = calloc(n, sizeof(*reports));
	if (!reports)
		return fail(ctx, -ENOMEM, "check"), EXIT_CHECK_ERROR;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (o->argc) {
			gpuvirt_device *d = NULL;
			r = gpuvirt_device_new_from_bdf(ctx, o->argv[i], &d);
			if (r >= 0)
				r = gpuvirt_check_device(d, &reports[i]);
			gpuvirt_device_unref(d);
		} else {
			r = gpuvirt_check_host(ctx, 0, &reports[i]);
		}
	}
	if (r < 0) {
		fail(ctx, r, "check");
		for (size_t i = 0; i < n; i++)
			gpuvirt_report_unref(reports[i]);
		free(reports);
		return EXIT_CHECK_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		if (gpuvirt_report_get_worst_severity(reports[i]) > worst)
			worst = gpuvirt_report_get_worst_severity(reports[i]);
	if (o->json) {
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
	} else {
		printf("Host (%s):\n", gpuvirt_ctx_get_root(ctx));
		print_findings(reports[0], NULL);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < gpuvirt_report_get_device_count(reports[i]); k++) {
				const char *bdf = gpuvirt_report_get_device(reports[i], k);
				gpuvirt_device *d = NULL;
				const char *name = NULL;
				if (gpuvirt_device_new_from_bdf(ctx, bdf, &d) == 0)
					name = gpuvirt_device_get_device_name(d);
				printf("\n%s%s%s:\n", bdf, name ? " " : "", name ? name : "");
				gpuvirt_device_unref(d);
				print_findings(reports[i], bdf);
				print_verdicts(reports[i], bdf);
			}
	}
	for (size_t i = 0; i < n; i++)
		gpuvirt_report_unref(reports[i]);
	free(reports);
	return check_exit(worst);
}

/* ---- binding ---- */

static uint32_t bind_flags(const struct options *o)
{
	return (o->allow_group ? GPUVIRT_BIND_ALLOW_GROUP : 0) | (o->force ? GPUVIRT_BIND_FORCE : 0) |
	       (o->persist ? GPUVIRT_BIND_PERSIST : 0) | (o->wait ? GPUVIRT_BIND_WAIT : 0);
}

static int open_device(gpuvirt_ctx *ctx, const char *bdf, gpuvirt_device **d)
{
	int r = gpuvirt_device_new_from_bdf(ctx, bdf, d);

	if (r == -EINVAL) {
		fprintf(stderr, "gpuvirt: '%s' is not a PCI address (DDDD:BB:DD.F)\n", bdf);
		return -EXIT_USAGE;
	}
	return r < 0 ? fail(ctx, r, bdf) : 0;
}

static int cmd_bind(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d;
	gpuvirt_bind_plan *plan;
	int r;

	if (o->argc != 1)
		return -EXIT_USAGE;
	if ((r = open_device(ctx, o->argv[0], &d)) != 0)
		return r;
	r = gpuvirt_bind_plan_new(d, o->target ? o->target : "vfio-pci", bind_flags(o), &plan);
	if (r < 0) {
		gpuvirt_device_unref(d);
		return fail(ctx, r, "bind");
	}
	if (o->dry_run) {
		gpuvirt_device_unref(d);
		size_t n = gpuvirt_bind_plan_get_step_count(plan);
		printf("Plan: %zu device%s to %s, %zu step%s\n", gpuvirt_bind_plan_get_device_count(plan),
		       gpuvirt_bind_plan_get_device_count(plan) == 1 ? "" : "s", gpuvirt_bind_plan_get_target(plan), n,
		       n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			const char *dev, *action, *path, *value;
			gpuvirt_bind_plan_get_step(plan, i, &dev, &action, &path, &value);
			printf("  %2zu. %-12s %-9s %s%s%s\n", i + 1, dev ? dev : "", action, path ? path : "",
			       value ? " <- " : "", value ? value : "");
		}
		gpuvirt_bind_plan_unref(plan);
		return 0;
	}
	r = gpuvirt_bind_apply(plan);
	/* With --wait, the process we waited for may have moved the devices
	 * (an unbind): plan again from where they are now, a few times. */
	for (int again = 0; r == -ESTALE && o->wait && again < 3; again++) {
		gpuvirt_bind_plan_unref(plan);
		plan = NULL;
		if ((r = gpuvirt_device_refresh(d)) == 0 &&
		    (r = gpuvirt_bind_plan_new(d, o->target ? o->target : "vfio-pci", bind_flags(o), &plan)) == 0)
			r = gpuvirt_bind_apply(plan);
	}
	gpuvirt_device_unref(d);
	if (r < 0) {
		gpuvirt_bind_plan_unref(plan);
		return fail(ctx, r, "bind");
	}
	for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(plan); i++)
		printf("%s%s", i ? ", " : "", gpuvirt_bind_plan_get_device(plan, i));
	printf(": on %s%s\n", gpuvirt_bind_plan_get_target(plan), o->persist ? " (persisted for driverctl)" : "");
	gpuvirt_bind_plan_unref(plan);
	return 0;
}

static int cmd_unbind(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d;
	int r;

	if (o->argc != 1)
		return -EXIT_USAGE;
	if ((r = open_device(ctx, o->argv[0], &d)) != 0)
		return r;
	r = gpuvirt_unbind(d, bind_flags(o) & (GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT));
	gpuvirt_device_unref(d);
	if (r < 0)
		return fail(ctx, r, "unbind");
	printf("%s: given back\n", o->argv[0]);
	return 0;
}

static int cmd_recover(gpuvirt_ctx *ctx, const struct options *o)
{
	int r;

	if (o->argc != 0)
		return -EXIT_USAGE;
	r = gpuvirt_recover(ctx);
	if (r < 0)
		return fail(ctx, r, "recover");
	printf("%d interrupted operation%s undone\n", r, r == 1 ? "" : "s");
	return 0;
}

/* ---- profiles and instances ---- */

static void format_size(uint64_t bytes, char *buf, size_t size)
{
	if (!bytes)
		snprintf(buf, size, "-");
	else if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
		snprintf(buf, size, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
}

static int collect_profiles(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile ***out, size_t *n)
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

static void free_profiles(gpuvirt_profile **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_profile_unref(v[i]);
	free(v);
}

static const char *const profile_head[] = {"PARENT", "MECHANISM", "ID", "NAME", "FB", "CLASS", "AVAIL", "USED"};

static void print_profiles(gpuvirt_profile **v, size_t n)
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
		snprintf(rows[i].cells[5], sizeof(rows[i].cells[5]), "%s", cls ? cls : "-");
		snprintf(rows[i].cells[6], sizeof(rows[i].cells[6]), "%u", gpuvirt_profile_get_available(v[i]));
		snprintf(rows[i].cells[7], sizeof(rows[i].cells[7]), "%u", gpuvirt_profile_get_instance_count(v[i]));
	}
	print_table(profile_head, rows, n, 8);
	free(rows);
}

static void json_profile(struct json *j, const gpuvirt_profile *p)
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
	json_key(j, "framebuffer_bytes");
	json_int(j, (long long)gpuvirt_profile_get_framebuffer_bytes(p));
	json_key(j, "heads");
	json_int(j, gpuvirt_profile_get_heads(p));
	json_key(j, "max_resolution");
	if (w && h) {
		char res[32];
		snprintf(res, sizeof(res), "%ux%u", w, h);
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
	json_end_object(j);
}

static int cmd_profiles(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d = NULL;
	gpuvirt_profile **v;
	size_t n;
	int r;

	if (o->argc > 1)
		return -EXIT_USAGE;
	if (o->argc == 1 && (r = open_device(ctx, o->argv[0], &d)) != 0)
		return r;
	r = collect_profiles(ctx, d, &v, &n);
	gpuvirt_device_unref(d);
	if (r < 0) {
		free_profiles(v, n);
		return fail(ctx, r, "profiles");
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

static void json_instance(struct json *j, const gpuvirt_instance *in)
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
	json_end_object(j);
}

static int cmd_create(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_instance *in;
	int policy = GPUVIRT_POLICY_PACK, numa = -1, r;
	uint32_t flags = (o->persist ? GPUVIRT_INSTANCE_PERSIST : 0) | (o->wait ? GPUVIRT_INSTANCE_WAIT : 0) |
			 (o->dry_run ? GPUVIRT_INSTANCE_DRY_RUN : 0);

	if (o->argc != 1)
		return -EXIT_USAGE;
	if (o->policy) {
		if (strcmp(o->policy, "pack") == 0)
			policy = GPUVIRT_POLICY_PACK;
		else if (strcmp(o->policy, "spread") == 0)
			policy = GPUVIRT_POLICY_SPREAD;
		else
			return -EXIT_USAGE;
	}
	if (o->numa) {
		char *end;
		long v = strtol(o->numa, &end, 10);
		if (*end || end == o->numa || v < 0 || v > 65535)
			return -EXIT_USAGE;
		numa = (int)v;
	}
	r = gpuvirt_instance_create(ctx, o->argv[0], o->gpu, policy, numa, o->uuid, flags, &in);
	if (r < 0)
		return fail(ctx, r, "create");
	if (o->dry_run) {
		printf("%s: a create would proceed%s%s\n", o->argv[0], o->gpu ? " on " : "", o->gpu ? o->gpu : "");
		return 0;
	}
	if (o->json) {
		struct json j;
		json_header(&j, ctx);
		json_key(&j, "instance");
		json_instance(&j, in);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%s on %s (%s %s): %s%s\n", gpuvirt_instance_get_uuid(in), gpuvirt_instance_get_parent(in),
		       gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)), gpuvirt_instance_get_profile_id(in),
		       gpuvirt_instance_get_sysfs_path(in) ? "sysfsdev=" : "host=",
		       gpuvirt_instance_get_sysfs_path(in) ? gpuvirt_instance_get_sysfs_path(in)
							    : gpuvirt_instance_get_vf_bdf(in));
	}
	gpuvirt_instance_unref(in);
	return 0;
}

static int cmd_destroy(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_instance *in;
	int r;

	if (o->argc != 1)
		return -EXIT_USAGE;
	r = gpuvirt_instance_new_from_uuid(ctx, o->argv[0], &in);
	if (r == -EINVAL) {
		fprintf(stderr, "gpuvirt: '%s' is not a UUID\n", o->argv[0]);
		return -EXIT_USAGE;
	}
	if (r < 0)
		return fail(ctx, r, "destroy");
	r = gpuvirt_instance_destroy(in, (o->persist ? GPUVIRT_INSTANCE_PERSIST : 0) | (o->wait ? GPUVIRT_INSTANCE_WAIT : 0));
	gpuvirt_instance_unref(in);
	if (r < 0)
		return fail(ctx, r, "destroy");
	printf("%s: released\n", o->argv[0]);
	return 0;
}

static int cmd_instances(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_instance_iter *it;
	gpuvirt_instance *in;
	struct json j;
	size_t n = 0;
	int r;

	if (o->argc != 0)
		return -EXIT_USAGE;
	if ((r = gpuvirt_instance_iter_new(ctx, &it)) < 0)
		return fail(ctx, r, "instances");
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
				printf("%-36s  %-12s  %-14s  %-13s  %-12s  %s\n", "UUID", "PARENT", "PROFILE", "MECHANISM", "VF",
				       "STATE");
			printf("%-36s  %-12s  %-14s  %-13s  %-12s  %s%s\n",
			       gpuvirt_instance_get_uuid(in) ? gpuvirt_instance_get_uuid(in) : "-", gpuvirt_instance_get_parent(in),
			       gpuvirt_instance_get_profile_id(in), gpuvirt_mechanism_to_string(gpuvirt_instance_get_mechanism(in)),
			       vf ? vf : "-", gpuvirt_instance_is_active(in) == 1 ? "active" : "defined",
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

static int cmd_version(gpuvirt_ctx *ctx, const struct options *o)
{
	(void)ctx;
	if (o->argc != 0)
		return -EXIT_USAGE;
	printf("gpuvirt %s\n", gpuvirt_version());
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(gpuvirt_ctx *ctx, const struct options *o);
	bool needs_ctx;
} commands[] = {
	{"list", cmd_list, true},
	{"show", cmd_show, true},
	{"report", cmd_report, true},
	{"check", cmd_check, true},
	{"bind", cmd_bind, true},
	{"unbind", cmd_unbind, true},
	{"recover", cmd_recover, true},
	{"profiles", cmd_profiles, true},
	{"create", cmd_create, true},
	{"destroy", cmd_destroy, true},
	{"instances", cmd_instances, true},
	{"version", cmd_version, false},
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'}, {"all", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},       {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},       {"for", required_argument, NULL, 'F'},
		{"dry-run", no_argument, NULL, 'n'},    {"allow-group", no_argument, NULL, 'G'},
		{"force", no_argument, NULL, 'f'},      {"persist", no_argument, NULL, 'p'},
		{"wait", no_argument, NULL, 'w'},       {"gpu", required_argument, NULL, 'g'},
		{"policy", required_argument, NULL, 'P'}, {"numa", required_argument, NULL, 'N'},
		{"uuid", required_argument, NULL, 'U'}, {"modprobe", required_argument, NULL, 'M'},
		{"timeout", required_argument, NULL, 'T'}, {NULL, 0, NULL, 0},
	};
	struct options o = {0};
	const struct command *cmd = NULL;
	gpuvirt_ctx *ctx = NULL;
	int c, r, usage_exit = EXIT_USAGE;

	/* `check` reports usage errors as EX_USAGE (64): find the command word. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 || strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--for") == 0 ||
		    strcmp(argv[i], "--gpu") == 0 || strcmp(argv[i], "--policy") == 0 || strcmp(argv[i], "--numa") == 0 ||
		    strcmp(argv[i], "--uuid") == 0 || strcmp(argv[i], "--modprobe") == 0 ||
		    strcmp(argv[i], "--timeout") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] != '-') {
			if (strcmp(argv[i], "check") == 0)
				usage_exit = EXIT_CHECK_USAGE;
			break;
		}
	}

	/* Options may come before or after the command ("+" is not used). */
	while ((c = getopt_long(argc, argv, "r:ajvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.root = optarg; break;
		case 'a': o.all = true; break;
		case 'j': o.json = true; break;
		case 'v': o.verbose = true; break;
		case 'F': o.target = optarg; break;
		case 'n': o.dry_run = true; break;
		case 'G': o.allow_group = true; break;
		case 'f': o.force = true; break;
		case 'p': o.persist = true; break;
		case 'w': o.wait = true; break;
		case 'g': o.gpu = optarg; break;
		case 'P': o.policy = optarg; break;
		case 'N': o.numa = optarg; break;
		case 'U': o.uuid = optarg; break;
		case 'M': o.modprobe = optarg; break;
		case 'T': o.timeout = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return usage_exit;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "gpuvirt: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	o.argc = argc - optind - 1;
	o.argv = argv + optind + 1;
	if (cmd->needs_ctx && open_ctx(&o, &ctx) < 0)
		return 1;
	r = cmd->run(ctx, &o);
	gpuvirt_ctx_unref(ctx);
	if (r == -EXIT_USAGE) {
		fprintf(stderr, "gpuvirt: wrong arguments for '%s'\n", cmd->name);
		usage(stderr);
		return usage_exit;
	}
	return r;
}
