/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for what the kernel says about itself: its release, its
 * module lists (lib/modules/<release>/) and its character device majors
 * (proc/devices). No I/O; unit-tested in tests/test-parse.c. */
#include <ctype.h>
#include <fnmatch.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* ---- kernel module lists (lib/modules/<release>/) ----------------------- */

void gv_module_name_normalise(const char *in, char *out, size_t size)
{
	snprintf(out, size, "%s", in);
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

bool gv_parse_module_listed(const char *text, size_t len, const char *name)
{
	const char *p = text, *end = text + len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol ? eol : end, *colon = memchr(p, ':', (size_t)(stop - p));
		const char *file_end = colon ? colon : stop, *base = file_end, *dot;
		while (base > p && base[-1] != '/')
			base--;
		dot = base;
		while (dot < file_end && *dot != '.')
			dot++;
		if ((size_t)(dot - base) == nlen) {
			bool same = true;
			for (size_t i = 0; i < nlen && same; i++)
				same = (base[i] == '-' ? '_' : base[i]) == name[i];
			if (same)
				return true;
		}
		p = eol ? eol + 1 : end;
	}
	return false;
}

/* "alias PATTERN MODULE": the two words, or false. */
static bool alias_line(const char *p, size_t l, char *pattern, size_t psize, char *module, size_t msize)
{
	size_t i = 0, w;

	if (l < 6 || memcmp(p, "alias ", 6) != 0)
		return false;
	i = gv_skip_space(p, l, 6);
	for (w = i; w < l && !isspace((unsigned char)p[w]); w++)
		;
	if (w == i || w - i >= psize)
		return false;
	memcpy(pattern, p + i, w - i);
	pattern[w - i] = '\0';
	i = gv_skip_space(p, l, w);
	for (w = i; w < l && !isspace((unsigned char)p[w]); w++)
		;
	if (w == i || w - i >= msize || gv_skip_space(p, l, w) != l)
		return false;
	memcpy(module, p + i, w - i);
	module[w - i] = '\0';
	return true;
}

/* A PCI device's modalias as a driver_override-only ID table entry sees it:
 * "pci:v..." as "vfio_pci:v..." (PCI_DRIVER_OVERRIDE_DEVICE_VFIO). */
static bool vfio_form(const char *modalias, char *out, size_t size)
{
	return strncmp(modalias, "pci:", 4) == 0 && (size_t)snprintf(out, size, "vfio_%s", modalias) < size;
}

int gv_parse_alias_match(const char *text, size_t len, const char *module, const char *modalias)
{
	const char *p = text, *end = text + len;
	char vfio[512];
	bool any = false, has_vfio = vfio_form(modalias, vfio, sizeof(vfio));

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char pattern[512], raw[64], mod[64];
		if (alias_line(p, (size_t)((eol ? eol : end) - p), pattern, sizeof(pattern), raw, sizeof(raw))) {
			gv_module_name_normalise(raw, mod, sizeof(mod));
			if (strcmp(mod, module) == 0) {
				any = true;
				if (fnmatch(pattern, modalias, 0) == 0 || (has_vfio && fnmatch(pattern, vfio, 0) == 0))
					return 1;
			}
		}
		p = eol ? eol + 1 : end;
	}
	return any ? 0 : -ENOENT;
}

int gv_parse_vfio_variant(const char *text, size_t len, const char *modalias, char *module, size_t size)
{
	const char *p = text, *end = text + len;
	char vfio[512];
	long best = -1;

	if (!text || !module || !vfio_form(modalias, vfio, sizeof(vfio)))
		return -EINVAL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char pattern[512], raw[64], mod[64];
		if (alias_line(p, (size_t)((eol ? eol : end) - p), pattern, sizeof(pattern), raw, sizeof(raw)) &&
		    strncmp(pattern, "vfio_pci:", 9) == 0 && fnmatch(pattern, vfio, 0) == 0) {
			long stars = 0;
			gv_module_name_normalise(raw, mod, sizeof(mod));
			for (const char *c = pattern; *c; c++)
				stars += *c == '*';
			if (strcmp(mod, "vfio_pci") != 0 && (best < 0 || stars < best) && strlen(mod) < size) {
				best = stars;
				memcpy(module, mod, strlen(mod) + 1);
			}
		}
		p = eol ? eol + 1 : end;
	}
	return best < 0 ? -ENOENT : 0;
}

int gv_parse_kernel_version(const char *buf, size_t len)
{
	long v[2] = {0, 0};
	size_t i = 0;

	for (int k = 0; k < 2; k++) {
		size_t start = i;
		while (i < len && buf[i] >= '0' && buf[i] <= '9' && v[k] < 100000)
			v[k] = v[k] * 10 + (buf[i++] - '0');
		if (i == start || (k == 0 && (i >= len || buf[i++] != '.')))
			return 0;
	}
	return (int)(v[0] * 1000 + v[1]);
}

/* ---- proc/devices -------------------------------------------------------- */

bool gv_parse_chrdev_listed(const char *text, size_t len, const char *name)
{
	const char *p = text, *end = text + len;
	size_t nlen = strlen(name);
	bool chars = false;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((eol ? eol : end) - p), i = gv_skip_space(p, l, 0), d = i;
		if (l >= 18 && memcmp(p, "Character devices:", 18) == 0)
			chars = true;
		else if (l >= 14 && memcmp(p, "Block devices:", 14) == 0)
			chars = false;
		else if (chars) {
			while (d < l && p[d] >= '0' && p[d] <= '9')
				d++;
			if (d > i && d < l && p[d] == ' ' && l - d - 1 == nlen && memcmp(p + d + 1, name, nlen) == 0)
				return true;
		}
		p = eol ? eol + 1 : end;
	}
	return false;
}

bool gv_parse_vfio_cdev_name(const char *name)
{
	return strncmp(name, "vfio", 4) == 0 && name[4] >= '0' && name[4] <= '9' &&
	       strspn(name + 4, "0123456789") == strlen(name + 4);
}
