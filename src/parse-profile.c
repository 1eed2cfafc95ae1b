/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers of what vGPU drivers write: a profile's name and
 * description (NVIDIA, GVT-g, the kernel's mdpy and mbochs samples),
 * NVIDIA's lists of creatable vendor types, and the minor number in NVIDIA's
 * proc file. Part of the parse layer: buffers in, no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

/* v << shift, or 0 when that does not fit (99999999999999M is no size). */
static uint64_t shifted(uint64_t v, unsigned shift)
{
	return v > (UINT64_MAX >> shift) ? 0 : v << shift;
}

/* "1024M", "512MB", "4 MB", "40G", "1T", "4096B" (no unit: MiB): bytes, or
 * 0 (unknown) for a size that does not fit in 64 bits or an unknown unit. */
static uint64_t size_value(const char *p, const char *end)
{
	uint64_t v = 0;
	bool digits = false;

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (p < end && isdigit((unsigned char)*p)) {
		if (v > UINT64_MAX / 16)
			return 0;
		v = v * 10 + (uint64_t)(*p++ - '0');
		digits = true;
	}
	while (p < end && *p == ' ')
		p++;
	if (!digits)
		return 0;
	switch (p < end ? *p : 'M') {
	case 'K': case 'k': return shifted(v, 10);
	case 'M': case 'm': return shifted(v, 20);
	case 'G': case 'g': return shifted(v, 30);
	case 'T': case 't': return shifted(v, 40);
	case 'B': case 'b': return v;
	default: return 0;
	}
}

/* The value after "key=" or "key:" in desc (keys end at '=' or ':'). */
static const char *desc_value(const char *desc, size_t len, const char *key, const char **end)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen < len; i++) {
		if ((i == 0 || !isalnum((unsigned char)desc[i - 1])) && memcmp(desc + i, key, klen) == 0 &&
		    (desc[i + klen] == '=' || desc[i + klen] == ':')) {
			const char *v = desc + i + klen + 1, *e = v;
			while (e < desc + len && *e != ',' && *e != '\n')
				e++;
			*end = e;
			return v;
		}
	}
	return NULL;
}

static uint32_t u32_value(const char *p, const char *end)
{
	uint64_t v = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	for (; p < end && isdigit((unsigned char)*p) && v <= UINT32_MAX; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v > UINT32_MAX ? 0 : (uint32_t)v;
}

static void resolution_value(const char *p, const char *end, uint32_t *w, uint32_t *h)
{
	const char *x = p;

	while (x < end && *x != 'x' && *x != 'X')
		x++;
	if (x >= end)
		return;
	*w = u32_value(p, x);
	*h = u32_value(x + 1, end);
}

/* The text before `marker` in desc, or NULL. */
static const char *find_text(const char *desc, size_t len, const char *marker)
{
	size_t ml = strlen(marker);

	for (size_t i = 0; i + ml <= len; i++)
		if (memcmp(desc + i, marker, ml) == 0)
			return desc + i;
	return NULL;
}

/* NVIDIA's "key=value, ..." and GVT-g's "key: value" lines. */
static void parse_keys(const char *desc, size_t len, struct gv_profile_info *out)
{
	const char *v, *e;

	if ((v = desc_value(desc, len, "framebuffer", &e)))
		out->framebuffer = size_value(v, e);
	if ((v = desc_value(desc, len, "num_heads", &e)))
		out->heads = u32_value(v, e);
	if ((v = desc_value(desc, len, "max_resolution", &e)) || (v = desc_value(desc, len, "resolution", &e)))
		resolution_value(v, e, &out->max_width, &out->max_height);
	if ((v = desc_value(desc, len, "max_instance", &e)))
		out->max_instances = u32_value(v, e);
	if ((v = desc_value(desc, len, "frl_config", &e)))
		out->frame_rate_limit = u32_value(v, e);
	if (!out->framebuffer && (v = desc_value(desc, len, "low_gm_size", &e))) {
		/* GVT-g: aperture plus hidden graphics memory */
		out->framebuffer = size_value(v, e);
		if ((v = desc_value(desc, len, "high_gm_size", &e)))
			out->framebuffer += size_value(v, e);
	}
}

/* The kernel's samples: mdpy "virtual display, 1024x768 framebuffer" (32
 * bpp), mbochs "virtual display, 16 MB video memory". */
static void parse_samples(const char *desc, size_t len, struct gv_profile_info *out)
{
	const char *m, *s;

	if (!out->framebuffer && (m = find_text(desc, len, " framebuffer"))) {
		for (s = m; s > desc && (isdigit((unsigned char)s[-1]) || s[-1] == 'x'); s--)
			;
		resolution_value(s, m, &out->max_width, &out->max_height);
		out->framebuffer = (uint64_t)out->max_width * out->max_height * 4;
	}
	if (!out->framebuffer && (m = find_text(desc, len, "video memory"))) {
		for (s = m; s > desc && s[-1] != ','; s--)
			;
		out->framebuffer = size_value(s, m);
	}
}

static bool all_digits(const char *a, const char *b)
{
	if (a >= b)
		return false;
	for (const char *c = a; c < b; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	return true;
}

/* NVIDIA names end in "-<size><class>" (time-sliced: "A100DX-40C") or
 * "-<slices>-<size><class>" (MIG-backed: "A100DX-3-40C", the GPU
 * instance's compute slices, 1 to 7), a MIG-backed compute type with the
 * media engines in "ME" ("A100-1-5CME"). */
static void parse_name(const char *name, struct gv_profile_info *out)
{
	size_t n = strlen(name);
	const char *dash = memrchr(name, '-', n), *cls, *num, *prev;

	if (n >= 3 && strcmp(name + n - 3, "CME") == 0)
		n -= 2; /* the class is C */
	if (!dash || n <= (size_t)(dash - name) + 2)
		return;
	cls = name + n - 1;
	num = dash + 1;
	if (!all_digits(num, cls) || !strchr("QBAC", *cls))
		return;
	out->vgpu_class = *cls;
	if (!out->framebuffer)
		out->framebuffer = shifted(u32_value(num, cls), 30);
	prev = dash > name ? memrchr(name, '-', (size_t)(dash - name)) : NULL;
	if (prev && dash - prev == 2 && prev[1] >= '1' && prev[1] <= '7')
		out->mig_slices = (uint32_t)(prev[1] - '0');
}

int gv_parse_profile(const char *name, const char *desc, size_t len, struct gv_profile_info *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (desc) {
		parse_keys(desc, len, out);
		parse_samples(desc, len, out);
	}
	if (name)
		parse_name(name, out);
	return 0;
}

int gv_parse_vendor_types(const char *buf, size_t len, void (*fn)(void *ud, long id, const char *name), void *ud)
{
	size_t pos = 0;
	int count = 0;

	if (!buf || !fn)
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, i = gv_skip_space(buf, end, pos);
		char name[96];
		long id = 0;
		bool digits = false;
		pos = end + 1;
		while (i < end && buf[i] >= '0' && buf[i] <= '9' && id < 100000000) {
			id = id * 10 + (buf[i++] - '0');
			digits = true;
		}
		i = gv_skip_space(buf, end, i);
		if (!digits || id <= 0 || i >= end || buf[i] != ':')
			continue; /* the header line, or not a type */
		i = gv_skip_space(buf, end, i + 1);
		size_t nlen = gv_trim_end(buf + i, end - i);
		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, buf + i, nlen);
		name[nlen] = '\0';
		if (memchr(name, '\0', nlen))
			continue;
		fn(ud, id, name);
		count++;
	}
	return count;
}

int gv_parse_nvidia_minor(const char *buf, size_t len, long *minor)
{
	static const char key[] = "Device Minor:";
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (end - pos > sizeof(key) - 1 && memcmp(buf + pos, key, sizeof(key) - 1) == 0)
			return gv_parse_int(buf + pos + sizeof(key) - 1, end - pos - (sizeof(key) - 1), 0, 255, minor);
		pos = end + 1;
	}
	return -ENOENT;
}
