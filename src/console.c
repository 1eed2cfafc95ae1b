/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host console on the boot VGA: what holds it, released by a move
 * (move.c's console and framebuffer steps, before the devices change
 * drivers) and given back after the devices on unbind, rollback and
 * recovery.
 *
 * What holds a boot VGA:
 *   - the platform framebuffer sysfb made from the firmware's
 *     (efi-framebuffer.N on efifb, simple-framebuffer.N on simplefb or
 *     simpledrm, vesa-framebuffer.N on vesafb), bound to its driver, when
 *     proc/iomem shows a framebuffer region inside one of the GPU's regions:
 *     it keeps the BAR reserved, and QEMU cannot map it;
 *   - each vtcon bound to a frame buffer device (fbcon), when a framebuffer
 *     (sys/class/graphics/fbN) is the GPU's own (its DRM driver's fbdev) or
 *     that platform framebuffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define IOMEM_MAX (256 * 1024)

static const char *const platform_fbs[] = {"efi-framebuffer", "simple-framebuffer", "vesa-framebuffer", NULL};

static int add(struct gv_handover *out, size_t *n, int kind, const char *name, const char *driver)
{
	if (*n >= GV_HANDOVER_MAX)
		return -E2BIG;
	memset(&out[*n], 0, sizeof(*out));
	out[*n].kind = kind;
	snprintf(out[*n].name, sizeof(out->name), "%s", name);
	snprintf(out[*n].driver, sizeof(out->driver), "%s", driver);
	(*n)++;
	return 0;
}

static bool is_platform_fb(const char *name)
{
	for (size_t i = 0; platform_fbs[i]; i++) {
		size_t l = strlen(platform_fbs[i]);
		if (strncmp(name, platform_fbs[i], l) == 0 && name[l] == '.')
			return true;
	}
	return false;
}

/* Does proc/iomem put a boot framebuffer inside bdf's regions? */
static int iomem_says(gpuvirt_ctx *ctx, const char *bdf)
{
	char *text = malloc(IOMEM_MAX);
	ssize_t n;
	int r;

	if (!text)
		return -ENOMEM;
	n = gv_read_text(ctx, "proc/iomem", text, IOMEM_MAX);
	if (n == -ENOENT)
		r = 0; /* a tree without proc/: nothing to tell */
	else if (n < 0)
		r = gv_fail(ctx, (int)n, "cannot read proc/iomem: %s", gpuvirt_strerror((int)n));
	else if ((r = gv_parse_iomem_framebuffer(text, (size_t)n, bdf)) < 0)
		r = gv_fail(ctx, r, "proc/iomem: a line is not \"START-END : NAME\"");
	free(text);
	return r;
}

/* The platform framebuffers bound to a driver, when one sits on bdf. */
static int platform_claims(gpuvirt_ctx *ctx, const char *bdf, struct gv_handover *out, size_t *n)
{
	char **names;
	size_t count;
	int r = iomem_says(ctx, bdf);

	if (r <= 0)
		return r;
	if ((r = gv_list_dir(ctx, "sys/bus/platform/devices", &names, &count)) == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/bus/platform/devices: %s", gpuvirt_strerror(r));
	for (size_t i = 0; i < count && r == 0; i++) {
		char rel[160], drv[GV_DRIVER_LEN];
		ssize_t l;
		if (!is_platform_fb(names[i]) ||
		    gv_path(rel, sizeof(rel), "sys/bus/platform/devices/%s/driver", names[i]) < 0)
			continue;
		if ((l = gv_readlink_base(ctx, rel, drv, sizeof(drv))) > 0)
			r = add(out, n, GV_HANDOVER_FRAMEBUFFER, names[i], drv);
		else if (l < 0 && l != -ENOENT)
			r = gv_fail(ctx, (int)l, "cannot read %s: %s", rel, gpuvirt_strerror((int)l));
	}
	gv_names_free(names, count);
	return r;
}

/* Is a framebuffer (fbN) on bdf itself or on one of the platform's? */
static int fb_on(gpuvirt_ctx *ctx, const char *bdf, const struct gv_handover *plat, size_t np)
{
	char **names;
	size_t count;
	int r = gv_list_dir(ctx, "sys/class/graphics", &names, &count), found = 0;

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/class/graphics: %s", gpuvirt_strerror(r));
	for (size_t i = 0; i < count && !found && r == 0; i++) {
		char rel[128], owner[64];
		ssize_t l;
		if (strncmp(names[i], "fb", 2) != 0 || names[i][2] < '0' || names[i][2] > '9' ||
		    gv_path(rel, sizeof(rel), "sys/class/graphics/%s/device", names[i]) < 0)
			continue;
		if ((l = gv_readlink_base(ctx, rel, owner, sizeof(owner))) < 0 && l != -ENOENT) {
			r = gv_fail(ctx, (int)l, "cannot read %s: %s", rel, gpuvirt_strerror((int)l));
			break;
		}
		found = l > 0 && strcmp(owner, bdf) == 0;
		for (size_t k = 0; l > 0 && k < np && !found; k++)
			found = strcmp(owner, plat[k].name) == 0;
	}
	gv_names_free(names, count);
	return r < 0 ? r : found;
}

/* A vtcon's name and bind, read now; -ENOENT when it is gone. */
static int vtcon_state(gpuvirt_ctx *ctx, const char *vtcon, bool *fbcon, int *bind)
{
	char rel[128], text[128];
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/class/vtconsole/%s/name", vtcon) < 0)
		return -EINVAL;
	if ((n = gv_read_text(ctx, rel, text, sizeof(text))) < 0)
		return n == -ENOENT ? -ENOENT : gv_fail(ctx, (int)n, "cannot read %s: %s", rel, gpuvirt_strerror((int)n));
	*fbcon = strstr(text, "frame buffer device") != NULL;
	if (gv_path(rel, sizeof(rel), "sys/class/vtconsole/%s/bind", vtcon) < 0)
		return -EINVAL;
	if ((n = gv_read_text(ctx, rel, text, sizeof(text))) < 0)
		return gv_fail(ctx, (int)n, "cannot read %s: %s", rel, gpuvirt_strerror((int)n));
	*bind = text[0] == '1';
	return 0;
}

/* Every vtcon bound to a frame buffer device. */
static int vtcon_claims(gpuvirt_ctx *ctx, struct gv_handover *out, size_t *n)
{
	char **names;
	size_t count;
	int r = gv_list_dir(ctx, "sys/class/vtconsole", &names, &count);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/class/vtconsole: %s", gpuvirt_strerror(r));
	for (size_t i = 0; i < count && r == 0; i++) {
		bool fbcon;
		int bind;
		if (strncmp(names[i], "vtcon", 5) != 0)
			continue;
		if ((r = vtcon_state(ctx, names[i], &fbcon, &bind)) == -ENOENT) {
			r = 0; /* gone since the listing: it holds nothing */
			continue;
		}
		if (r == 0 && fbcon && bind)
			r = add(out, n, GV_HANDOVER_VTCON, names[i], "");
	}
	gv_names_free(names, count);
	return r;
}

int gv_console_claims(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_handover *out, size_t *n)
{
	struct gv_handover plat[GV_HANDOVER_MAX];
	const char *bdf = gpuvirt_device_get_bdf(dev);
	size_t np = 0;
	int r;

	*n = 0;
	if (gpuvirt_device_get_boot_vga(dev) != 1)
		return 0;
	if ((r = platform_claims(ctx, bdf, plat, &np)) < 0 || (r = fb_on(ctx, bdf, plat, np)) < 0)
		return r;
	if (r == 1 && (r = vtcon_claims(ctx, out, n)) < 0)
		return r;
	for (size_t i = 0; i < np; i++)
		if ((r = add(out, n, plat[i].kind, plat[i].name, plat[i].driver)) < 0)
			return r;
	return 0;
}

void gv_console_describe(const struct gv_handover *h, size_t n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = h[i].kind == GV_HANDOVER_VTCON
				? snprintf(out + used, size - used, "%s%s (fbcon)", i ? ", " : "", h[i].name)
				: snprintf(out + used, size - used, "%s%s on %s", i ? ", " : "", h[i].name, h[i].driver);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int gv_console_release(gpuvirt_ctx *ctx, const struct gv_handover *h, pid_t *writer)
{
	if (h->kind == GV_HANDOVER_VTCON)
		return gv_mut_vtcon_bind(ctx, h->name, 0, writer);
	return gv_mut_platform_bind(ctx, h->name, h->driver, false, writer);
}

/* A framebuffer still there and unbound goes back to its driver; one gone
 * (a DRM driver took the firmware's framebuffer over) stays gone. */
static int give_back_framebuffer(gpuvirt_ctx *ctx, const struct gv_handover *h, pid_t *writer)
{
	char rel[160], drv[GV_DRIVER_LEN];
	ssize_t l;

	if (gv_path(rel, sizeof(rel), "sys/bus/platform/devices/%s/driver", h->name) < 0)
		return -EINVAL;
	if ((l = gv_readlink_base(ctx, rel, drv, sizeof(drv))) > 0)
		return 0;
	if (l == -ENOENT && gv_path(rel, sizeof(rel), "sys/bus/platform/devices/%s", h->name) == 0 &&
	    (l = gv_exists(ctx, rel)) == 0) {
		gv_debug(ctx, "%s: gone (a DRM driver took the firmware's framebuffer over)", h->name);
		return 0;
	}
	if (l < 0 && l != -ENOENT)
		return gv_fail(ctx, (int)l, "cannot read %s: %s", rel, gpuvirt_strerror((int)l));
	return gv_mut_platform_bind(ctx, h->name, h->driver, true, writer);
}

/* fbcon unbinds itself when the last framebuffer goes and comes back bound
 * with the next: a vtcon gone or bound again needs nothing. */
static int give_back_vtcon(gpuvirt_ctx *ctx, const struct gv_handover *h, pid_t *writer)
{
	bool fbcon;
	int bind, r = vtcon_state(ctx, h->name, &fbcon, &bind);

	if (r == -ENOENT || (r == 0 && (!fbcon || bind))) {
		gv_debug(ctx, "%s: %s", h->name, r == -ENOENT ? "gone; fbcon returns with the next framebuffer"
							      : "needs nothing given back");
		return 0;
	}
	return r < 0 ? r : gv_mut_vtcon_bind(ctx, h->name, 1, writer);
}

int gv_console_give_back(gpuvirt_ctx *ctx, const struct gv_handover *h, size_t n, pid_t *writer)
{
	int first = 0;

	*writer = 0;
	for (size_t i = n; i-- > 0;) {
		pid_t w = 0;
		int r = h[i].kind == GV_HANDOVER_VTCON ? give_back_vtcon(ctx, &h[i], &w)
						       : give_back_framebuffer(ctx, &h[i], &w);
		if (w)
			*writer = w;
		if (r < 0 && !first)
			first = r;
		if (r == -ETIMEDOUT)
			break;
	}
	if (!first && n)
		gv_info(ctx, "the host console is given back");
	return first;
}
