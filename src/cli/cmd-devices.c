/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt list and show. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_list(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device **devs;
	size_t n;
	int r;

	r = collect_devices(
	    ctx, (o->all ? GPUVIRT_DEVICES_ALL : GPUVIRT_DEVICES_GPUS) | (o->pf ? GPUVIRT_DEVICES_NO_VFS : 0), &devs,
	    &n);
	if (r < 0)
		return cli_fail(ctx, r, "list");
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
			return cli_fail(ctx, -ENOMEM, "list");
		}
		for (size_t i = 0; i < n; i++)
			device_row(devs[i], &rows[i]);
		print_table(list_head, rows, n, 8);
		free(rows);
	}
	free_devices(devs, n);
	return 0;
}

/* The device's BARs, read before anything is printed: 0, -ENODATA when the
 * kernel shows none, or the error. */
struct bars {
	uint64_t size[GPUVIRT_BAR_COUNT], sizes[GPUVIRT_BAR_COUNT], window;
	uint32_t flags[GPUVIRT_BAR_COUNT];
};

static int read_bars(const gpuvirt_device *d, struct bars *b)
{
	int r = 0;

	for (unsigned i = 0; i < GPUVIRT_BAR_COUNT && r == 0; i++)
		r = gpuvirt_device_get_bar(d, i, &b->size[i], &b->flags[i], &b->sizes[i]);
	return r ? r : gpuvirt_guest_mmio64_window(&d, 1, &b->window);
}

static const char *size_text(uint64_t v, char *buf, size_t n)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int u = 0;

	for (; u < 6 && v && v % 1024 == 0; u++)
		v /= 1024;
	snprintf(buf, n, "%llu %s", (unsigned long long)v, unit[u]);
	return buf;
}

static void print_bars(int err, const struct bars *b)
{
	char a[32], c[32];
	bool any = false;

	if (err == -ENODATA) {
		printf("  %-20s%s\n", "bars", "unknown (no resource file)");
		return;
	}
	for (unsigned i = 0; i < GPUVIRT_BAR_COUNT; i++) {
		uint32_t f = b->flags[i];
		if (!b->size[i])
			continue;
		printf("  %-20sBAR%u %s, %s%s%s", any ? "" : "bars", i, size_text(b->size[i], a, sizeof(a)),
		       f & GPUVIRT_BAR_IO ? "I/O" : f & GPUVIRT_BAR_64 ? "64-bit" : "32-bit",
		       f & GPUVIRT_BAR_PREFETCH ? " prefetchable" : "", b->sizes[i] ? ", resizable " : "\n");
		if (b->sizes[i])
			printf("%s to %s\n", size_text((UINT64_C(1) << 20) << __builtin_ctzll(b->sizes[i]), a, sizeof(a)),
			       size_text((UINT64_C(1) << 20) << (63 - __builtin_clzll(b->sizes[i])), c, sizeof(c)));
		any = true;
	}
	if (!any)
		printf("  %-20s%s\n", "bars", "none");
	printf("  %-20s%s\n", "64-bit window", b->window ? size_text(b->window, a, sizeof(a)) : "none needed");
}

static void json_bars(struct json *j, int err, const struct bars *b)
{
	json_key(j, "bars");
	if (err == -ENODATA) {
		json_null(j);
		json_key(j, "mmio64_window");
		json_null(j);
		return;
	}
	json_begin_array(j);
	for (unsigned i = 0; i < GPUVIRT_BAR_COUNT; i++) {
		if (!b->size[i])
			continue;
		json_begin_object(j);
		json_key(j, "index");
		json_int(j, i);
		json_key(j, "size");
		json_int(j, (long long)b->size[i]);
		json_key(j, "type");
		json_string(j, b->flags[i] & GPUVIRT_BAR_IO ? "io" : b->flags[i] & GPUVIRT_BAR_64 ? "mem64" : "mem32");
		json_key(j, "prefetchable");
		json_bool(j, b->flags[i] & GPUVIRT_BAR_PREFETCH);
		json_key(j, "resizable_sizes");
		json_begin_array(j);
		for (int k = 0; k < 44; k++)
			if (b->sizes[i] >> k & 1)
				json_int(j, (long long)((UINT64_C(1) << 20) << k));
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "mmio64_window");
	json_int(j, (long long)b->window);
}

/* show's text: what the device is, where it sits, what holds it. */
static void print_identity(const gpuvirt_device *d)
{
	const char *s;

	printf("%s\n", gpuvirt_device_get_bdf(d));
	s = gpuvirt_device_get_vendor_name(d);
	printf("  %-20s%04x %s\n", "vendor", gpuvirt_device_get_vendor_id(d), s ? s : "");
	s = gpuvirt_device_get_device_name(d);
	printf("  %-20s%04x %s\n", "device", gpuvirt_device_get_device_id(d), s ? s : "");
	printf("  %-20s%04x:%04x\n", "subsystem", gpuvirt_device_get_subsystem_vendor_id(d),
	       gpuvirt_device_get_subsystem_device_id(d));
	printf("  %-20s%06x (revision %02x)\n", "class", gpuvirt_device_get_class(d), gpuvirt_device_get_revision(d));
	s = gpuvirt_device_get_driver(d);
	printf("  %-20s%s\n", "driver", s ? s : "(none)");
	s = gpuvirt_device_get_driver_override(d);
	printf("  %-20s%s\n", "driver_override", s ? s : "(none)");
	s = gpuvirt_device_get_persistent_driver(d);
	printf("  %-20s%s\n", "at boot (driverctl)", s ? s : "(no override recorded)");
}

static void print_topology(const gpuvirt_device *d)
{
	int v = gpuvirt_device_get_iommu_group(d);

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
}

static void print_show(const gpuvirt_device *d, int berr, const struct bars *bars, gpuvirt_holder **holders,
		       size_t nholders)
{
	char modes[128];

	print_identity(d);
	print_topology(d);
	print_list_line("reset methods", d, gpuvirt_device_get_reset_method_count, gpuvirt_device_get_reset_method,
			gpuvirt_device_has_reset_method_info(d) ? "none" : "unknown");
	print_list_line("drm nodes", d, gpuvirt_device_get_drm_node_count, gpuvirt_device_get_drm_node, "-");
	if (gpuvirt_device_get_vfio_cdev(d))
		printf("  %-20s/dev/vfio/devices/%s\n", "vfio cdev", gpuvirt_device_get_vfio_cdev(d));
	print_bars(berr, bars);
	modes_string(gpuvirt_device_get_modes(d), modes, sizeof(modes));
	printf("  %-20s%s\n", "modes", modes);
	for (size_t i = 0; i < nholders; i++)
		printf("  %-20s%s%s\n", i ? "" : "held by", vis(gpuvirt_holder_get_description(holders[i])),
		       gpuvirt_holder_is_vm(holders[i]) == 1 ? " (a VM's)" : "");
	if (!nholders)
		printf("  %-20s%s\n", "held by", "nothing");
}

int cmd_show(gpuvirt_ctx *ctx, const struct options *o)
{
	gpuvirt_device *d;
	gpuvirt_holder **holders;
	size_t nholders;
	struct bars bars = {0};
	int r, berr;

	if ((r = cli_open_device(ctx, o, o->argv[0], &d)) != 0)
		return r;
	berr = read_bars(d, &bars);
	if (berr < 0 && berr != -ENODATA) {
		gpuvirt_device_unref(d);
		return cli_fail(ctx, berr, "show");
	}
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
		json_bars(&j, berr, &bars);
		json_end_object(&j);
		json_finish(&j);
	} else {
		print_show(d, berr, &bars, holders, nholders);
	}
	free_holders(holders, nholders);
	gpuvirt_device_unref(d);
	return 0;
}
