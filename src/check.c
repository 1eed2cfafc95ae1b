/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host compatibility checks: virt-host-validate for GPU virtualization.
 *
 * Every check reads files under the context's root and adds findings to a
 * report (report.c); nothing is written. The host's findings are
 * check-host.c's, each GPU's check-gpu.c's. The codes, titles and meanings
 * are listed in docs/checks.md and never change meaning once released. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "check-private.h"

static int run(gpuvirt_ctx *ctx, gpuvirt_device **devs, size_t n, bool per_device, gpuvirt_report **out)
{
	gpuvirt_report *r;
	struct evidence *ev;
	struct host h;
	int e;

	/* Each GPU's vGPU evidence, read once: the host checks and the GPU's own use it. */
	ev = calloc(n ? n : 1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = gv_check_evidence(ctx, devs[i], &ev[i])) < 0) {
			free(ev);
			return e;
		}
	if ((e = gv_report_new(ctx, &r)) < 0) {
		free(ev);
		return e;
	}
	gv_check_host_read(ctx, &h);
	e = h.err < 0 ? h.err : gv_check_host(ctx, r, &h, devs, ev, n);
	/* Who holds what: proc/ read once for every GPU, not once per GPU. */
	if (e >= 0 && per_device && n)
		e = gv_holders_snapshot(ctx, true);
	for (size_t i = 0; per_device && e >= 0 && i < n; i++)
		e = gv_check_device(ctx, r, &h, devs[i], &ev[i]);
	gv_holders_snapshot(ctx, false);
	gv_modules_close(&h.modules);
	free(ev);
	if (e < 0) {
		char why[sizeof(ctx->error)];
		memcpy(why, ctx->error, sizeof(why));
		gpuvirt_report_unref(r);
		return gv_fail(ctx, e, "checks failed: %s", why[0] ? why : gpuvirt_strerror(e));
	}
	*out = r;
	return 0;
}

GPUVIRT_EXPORT int gpuvirt_check_host(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_report **report)
{
	gpuvirt_device_iter *it = NULL;
	gpuvirt_device **devs = NULL, *dev;
	size_t n = 0;
	int e;

	if (!ctx || !report || (flags & ~(uint32_t)GPUVIRT_CHECK_HOST_ONLY))
		return -EINVAL;
	*report = NULL;
	gv_clear_error(ctx);
	if ((e = gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_GPUS, &it)) < 0)
		return e;
	while ((e = gpuvirt_device_iter_next(it, &dev)) > 0) {
		gpuvirt_device **nd = realloc(devs, (n + 1) * sizeof(*nd));
		if (!nd) {
			gpuvirt_device_unref(dev);
			e = -ENOMEM;
			break;
		}
		devs = nd;
		devs[n++] = dev;
	}
	gpuvirt_device_iter_unref(it);
	if (e == 0)
		e = run(ctx, devs, n, !(flags & GPUVIRT_CHECK_HOST_ONLY), report);
	for (size_t i = 0; i < n; i++)
		gpuvirt_device_unref(devs[i]);
	free(devs);
	return e;
}

GPUVIRT_EXPORT int gpuvirt_check_device(gpuvirt_device *dev, gpuvirt_report **report)
{
	if (!dev || !report)
		return -EINVAL;
	*report = NULL;
	gv_clear_error(gpuvirt_device_get_ctx(dev));
	return run(gpuvirt_device_get_ctx(dev), &dev, 1, true, report);
}
