/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A GPU's reset between guests: the kernel's reset methods, the known
 * quirks (src/data/reset-quirks.txt) and vendor-reset; its power state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "check-private.h"

/* Kernel release as major * 1000 + minor, 0 when unknown. */
static int kernel_version(const struct host *h)
{
	return gv_parse_kernel_version(h->modules.release, strlen(h->modules.release));
}

/* The kernel's reset methods, space-separated; whether flr, device_specific
 * is among them and whether bus resets are all there is. */
static void methods(gpuvirt_device *dev, char *list, size_t size, bool *flr, bool *specific, bool *only_bus)
{
	size_t n = gpuvirt_device_get_reset_method_count(dev);

	list[0] = '\0';
	*flr = *specific = false;
	*only_bus = n > 0;
	for (size_t i = 0; i < n; i++) {
		const char *m = gpuvirt_device_get_reset_method(dev, i);
		size_t l = strlen(list);
		snprintf(list + l, size - l, "%s%s", l ? " " : "", m);
		*flr |= strcmp(m, "flr") == 0;
		*specific |= i == 0 && strcmp(m, "device_specific") == 0;
		*only_bus &= strcmp(m, "bus") == 0 || strcmp(m, "cxl_bus") == 0;
	}
}

/* A GPU the quirk table names: what works for it, and whether the host has it. */
static int quirk(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev,
		 const struct gv_id_entry *q, const char *list, bool specific)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	int state;

	if (q->kind == GV_QUIRK_NO_RESET)
		return gv_report_add(r, bdf, "gpu.reset", W,
				     "Reboot the host between guests of this GPU, or give it to one VM for good",
				     "quirk no-reset (%s): no known reset works for it, so its next guest may find it "
				     "hung (kernel's methods: %s)", q->name, list[0] ? list : "none");
	state = gv_module_state(ctx, &h->modules, "vendor_reset");
	if (state == GV_MODULE_LOADED && specific)
		return gv_report_add(r, bdf, "gpu.reset", P, NULL,
				     "quirk vendor-reset (%s): reset by device_specific, vendor-reset's", q->name);
	if (state == GV_MODULE_LOADED)
		return gv_report_add(r, bdf, "gpu.reset", I, NULL,
				     "quirk vendor-reset (%s): vendor-reset is loaded; binding for passthrough sets "
				     "reset_method to device_specific (now: %s)", q->name, list[0] ? list : "none");
	return gv_report_add(
	    r, bdf, "gpu.reset", W,
	    state == GV_MODULE_AVAILABLE || state == GV_MODULE_BUILTIN
		? "Load vendor-reset (modprobe vendor-reset; list it in /etc/modules-load.d/); binding then sets "
		  "reset_method to device_specific"
		: "Install vendor-reset (github.com/gnif/vendor-reset, as DKMS) and load it; binding then sets "
		  "reset_method to device_specific",
	    "quirk vendor-reset (%s): its bus reset leaves it hung for the next guest, and vendor-reset is %s",
	    q->name, state == GV_MODULE_AVAILABLE || state == GV_MODULE_BUILTIN ? "not loaded" : "not installed");
}

static int check_methods(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	struct gv_id_entry q;
	char list[256];
	bool flr, specific, only_bus;
	int e;

	methods(dev, list, sizeof(list), &flr, &specific, &only_bus);
	if ((e = gv_reset_quirk_find(ctx, dev, &q)) == 0)
		return quirk(ctx, r, h, dev, &q, list, specific);
	if (e != -ENOENT)
		return e;
	/* Since 5.15 the kernel shows reset_method only where a method exists. */
	if (!gpuvirt_device_has_reset_method_info(dev) && (kernel_version(h) == 0 || kernel_version(h) < 5015))
		return gv_report_add(r, bdf, "gpu.reset", I, NULL,
				     "unknown: the kernel (%s) has no reset_method attribute",
				     h->modules.release[0] ? h->modules.release : "release unknown");
	if (!list[0])
		return gv_report_add(
		    r, bdf, "gpu.reset", W,
		    "Prefer a GPU with function-level reset; otherwise reboot the host between guests, or check "
		    "the vendor's reset quirk (vendor-reset for some AMD GPUs)",
		    "no reset method: the GPU cannot be reset between guests");
	if (only_bus)
		return gv_report_add(
		    r, bdf, "gpu.reset", I, NULL,
		    "reset by %s only: it resets every function behind the same bridge (fine for one card)", list);
	return gv_report_add(r, bdf, "gpu.reset", P, NULL, "reset methods: %s%s", list,
			     flr ? "" : " (no function-level reset)");
}

/* power_state (Linux 5.17+): D3cold is worth knowing before a bind. */
static int check_power(gpuvirt_ctx *ctx, gpuvirt_report *r, gpuvirt_device *dev)
{
	const char *bdf = gpuvirt_device_get_bdf(dev);
	char rel[160], buf[32];
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/power_state", bdf) < 0)
		return -EINVAL;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n == -ENOENT)
		return 0; /* an older kernel: nothing to say */
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", bdf, rel, gpuvirt_strerror((int)n));
	buf[gv_trim_end(buf, (size_t)n)] = '\0';
	if (strcmp(buf, "D0") == 0)
		return gv_report_add(r, bdf, "gpu.power_state", P, NULL, "D0 (on)");
	if (strcmp(buf, "D3cold") == 0)
		return gv_report_add(r, bdf, "gpu.power_state", W,
				     "If binding or the guest fails, keep it powered: echo on > "
				     "/sys/bus/pci/devices/<BDF>/power/control, or echo 0 > .../d3cold_allowed",
				     "D3cold: runtime power management turned it off; binding wakes it, but some GPUs do "
				     "not come back from D3cold");
	return gv_report_add(r, bdf, "gpu.power_state", I, NULL, "%s: suspended; binding wakes it", buf);
}

int gv_check_reset(gpuvirt_ctx *ctx, gpuvirt_report *r, struct host *h, gpuvirt_device *dev)
{
	int e = check_methods(ctx, r, h, dev);

	return e < 0 ? e : check_power(ctx, r, dev);
}
