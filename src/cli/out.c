/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt: what several commands print (tables, JSON objects, host strings made safe). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage(const struct options *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gpuvirt%s%s: ", o->cmd ? " " : "", o->cmd ? o->cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gpuvirt help%s%s'.\n", o->cmd ? " " : "", o->cmd ? o->cmd : "");
	return EXIT_USAGE;
}

int cli_fail(gpuvirt_ctx *ctx, int err, const char *what)
{
	const char *msg = ctx ? gpuvirt_ctx_get_error(ctx) : NULL, *why = gpuvirt_strerror(err);

	if (msg && strncmp(msg, what, strlen(what)) == 0 && msg[strlen(what)] == ':')
		what = "error"; /* the message names it already */
	if (!msg || !*msg)
		fprintf(stderr, "gpuvirt: %s: %s\n", what, why);
	else if (strstr(msg, why)) /* the message says it already */
		fprintf(stderr, "gpuvirt: %s: %s\n", what, vis(msg));
	else
		fprintf(stderr, "gpuvirt: %s: %s (%s)\n", what, vis(msg), why);
	return EXIT_ERROR;
}

int cli_open_device(gpuvirt_ctx *ctx, const struct options *o, const char *bdf, gpuvirt_device **d)
{
	int r = gpuvirt_device_new_from_bdf(ctx, bdf, d);

	if (r == -EINVAL)
		return cli_usage(o, "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)", vis(bdf));
	return r < 0 ? cli_fail(ctx, r, bdf) : 0;
}

const char *vis(const char *s)
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

/* v as `digits` lowercase hex digits and a NUL. */
static void hex_digits(uint32_t v, int digits, char *buf)
{
	buf[digits] = '\0';
	while (digits-- > 0) {
		buf[digits] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	}
}

void format_class(uint32_t cls, char buf[8])
{
	hex_digits(cls & 0xffffff, 6, buf);
}

void modes_string(uint32_t modes, char *buf, size_t size)
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

void json_hex4(struct json *j, const char *key, unsigned v)
{
	char buf[8];
	hex_digits(v & 0xffff, 4, buf);
	json_key(j, key);
	json_string(j, buf);
}

/* "key": one of the device's lists, or null when `has` is false. */
static void json_device_list(struct json *j, const char *key, const gpuvirt_device *d, bool has,
			     size_t (*count)(const gpuvirt_device *), const char *(*item)(const gpuvirt_device *, size_t))
{
	size_t n = count(d);

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_string(j, item(d, i));
	json_end_array(j);
}

static void json_key_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

/* "key": v, or null for the library's -1 (unknown, none). */
static void json_key_int(struct json *j, const char *key, int v)
{
	json_key(j, key);
	if (v >= 0)
		json_int(j, v);
	else
		json_null(j);
}

static void json_device_identity(struct json *j, const gpuvirt_device *d)
{
	char buf[16];

	json_key_string(j, "bdf", gpuvirt_device_get_bdf(d));
	json_hex4(j, "vendor_id", gpuvirt_device_get_vendor_id(d));
	json_hex4(j, "device_id", gpuvirt_device_get_device_id(d));
	json_hex4(j, "subsystem_vendor_id", gpuvirt_device_get_subsystem_vendor_id(d));
	json_hex4(j, "subsystem_device_id", gpuvirt_device_get_subsystem_device_id(d));
	format_class(gpuvirt_device_get_class(d), buf);
	json_key_string(j, "class", buf);
	hex_digits(gpuvirt_device_get_revision(d), 2, buf);
	json_key_string(j, "revision", buf);
	json_key_string(j, "vendor_name", gpuvirt_device_get_vendor_name(d));
	json_key_string(j, "device_name", gpuvirt_device_get_device_name(d));
	json_key_string(j, "driver", gpuvirt_device_get_driver(d));
	json_key_string(j, "driver_override", gpuvirt_device_get_driver_override(d));
}

static void json_device_sriov(struct json *j, const gpuvirt_device *d)
{
	json_key(j, "sriov");
	if (gpuvirt_device_get_sriov_total_vfs(d) < 0) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_key_int(j, "total_vfs", gpuvirt_device_get_sriov_total_vfs(d));
	json_key_int(j, "num_vfs", gpuvirt_device_get_sriov_num_vfs(d));
	json_device_list(j, "vfs", d, true, gpuvirt_device_get_vf_count, gpuvirt_device_get_vf);
	json_end_object(j);
}

void json_device(struct json *j, const gpuvirt_device *d)
{
	int group = gpuvirt_device_get_iommu_group(d), vga = gpuvirt_device_get_boot_vga(d);

	json_begin_object(j);
	json_device_identity(j, d);
	json_key_int(j, "iommu_group", group);
	json_device_list(j, "iommu_group_members", d, group >= 0, gpuvirt_device_get_iommu_group_member_count,
			 gpuvirt_device_get_iommu_group_member);
	json_key_int(j, "numa_node", gpuvirt_device_get_numa_node(d));
	json_key(j, "boot_vga");
	if (vga >= 0)
		json_bool(j, vga == 1);
	else
		json_null(j);
	json_device_sriov(j, d);
	json_key_string(j, "physfn", gpuvirt_device_get_physfn(d));
	json_device_list(j, "reset_methods", d, gpuvirt_device_has_reset_method_info(d),
			 gpuvirt_device_get_reset_method_count, gpuvirt_device_get_reset_method);
	json_device_list(j, "drm", d, true, gpuvirt_device_get_drm_node_count, gpuvirt_device_get_drm_node);
	json_key(j, "modes");
	json_begin_array(j);
	for (uint32_t bit = 1; bit; bit <<= 1)
		if ((gpuvirt_device_get_modes(d) & bit) && gpuvirt_mode_to_string(bit))
			json_string(j, gpuvirt_mode_to_string(bit));
	json_end_array(j);
	json_key_string(j, "persistent_driver", gpuvirt_device_get_persistent_driver(d));
	json_key_string(j, "vfio_cdev", gpuvirt_device_get_vfio_cdev(d));
	json_end_object(j);
}

/* Collect the devices of an iteration into an array the caller frees. */
int collect_devices(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device ***out, size_t *count)
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

void free_devices(gpuvirt_device **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_device_unref(list[i]);
	free(list);
}

void print_cell(const char *text, size_t width, bool last)
{
	if (last)
		printf("%s\n", text);
	else
		printf("%-*s  ", (int)width, text);
}

void print_table(const char *const *head, struct row *rows, size_t nrows, int ncols)
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

void device_row(const gpuvirt_device *d, struct row *row)
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
	if (gpuvirt_device_get_physfn(d)) { /* an SR-IOV VF: marked, so that it is not taken for a board */
		if (strcmp(row->cells[6], "-") == 0)
			row->cells[6][0] = '\0';
		strncat(row->cells[6], row->cells[6][0] ? ",vf" : "vf",
			sizeof(row->cells[6]) - strlen(row->cells[6]) - 1);
	}
	snprintf(row->cells[7], sizeof(row->cells[7]), "%s%s%s", vn ? vn : "", vn && dn ? " " : "", dn ? dn : "");
}

const char *const list_head[] = {"BDF", "CLASS", "ID", "DRIVER", "GROUP", "NUMA", "MODES", "NAME"};

void json_header(struct json *j, gpuvirt_ctx *ctx)
{
	json_init(j, stdout);
	json_begin_object(j);
	json_key(j, "gpuvirt_version");
	json_string(j, gpuvirt_version());
	json_key(j, "root");
	json_string(j, gpuvirt_ctx_get_root(ctx));
}

void print_list_line(const char *label, const gpuvirt_device *d, size_t (*count)(const gpuvirt_device *),
		     const char *(*get)(const gpuvirt_device *, size_t), const char *none)
{
	size_t n = count(d);

	printf("  %-20s", label);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", get(d, i));
	printf("%s\n", n ? "" : none);
}

/* Who holds the device: the holders' list, as JSON or lines. */
int collect_holders(gpuvirt_ctx *ctx, gpuvirt_device *d, gpuvirt_holder ***out, size_t *n)
{
	gpuvirt_holder_iter *it;
	gpuvirt_holder *h;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = gpuvirt_holder_iter_new_for_device(d, &it)) < 0)
		return cli_fail(ctx, r, "holders");
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
	return r < 0 ? cli_fail(ctx, r, "holders") : 0;
}

void free_holders(gpuvirt_holder **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvirt_holder_unref(v[i]);
	free(v);
}

void json_holders(struct json *j, gpuvirt_holder **v, size_t n)
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
