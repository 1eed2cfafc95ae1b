/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reset quirk table, built in from src/data/reset-quirks.txt. */
#include <errno.h>

#include "private.h"
#include "reset-quirks.h" /* gv_reset_quirks_builtin[] */

int gv_reset_quirk_find(gpuvirt_ctx *ctx, const gpuvirt_device *dev, struct gv_id_entry *q)
{
	size_t bad = 0;
	int r = gv_parse_reset_quirk(gv_reset_quirks_builtin, sizeof(gv_reset_quirks_builtin) - 1,
				     gpuvirt_device_get_vendor_id(dev), gpuvirt_device_get_device_id(dev), q, &bad);

	if (r == -EBADMSG)
		return gv_fail(ctx, r, "the built-in reset quirk table is damaged at line %zu", bad);
	return r;
}

const char *gv_reset_quirk_kind_name(int kind)
{
	return kind == GV_QUIRK_VENDOR_RESET ? "vendor-reset" : kind == GV_QUIRK_NO_RESET ? "no-reset" : "?";
}
