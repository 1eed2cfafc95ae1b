/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers of what vGPU drivers write: a profile's name and
 * description (NVIDIA, GVT-g, the kernel's mdpy and mbochs samples),
 * NVIDIA's lists of creatable vendor types, the minor number in NVIDIA's
 * proc file, and nvidia-smi's MIG listing as a caller captured it. Part of
 * the parse layer: buffers in, no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- nvidia-smi's MIG listing ------------------------------------------- */

#define LISTING_TOKENS 8

/* The words of [b, e), split at white space, '|' and ','; up to
 * LISTING_TOKENS, and one more when the line has more. */
static size_t listing_tokens(const char *b, const char *e, const char **tok, size_t *tlen)
{
	size_t n = 0;

	for (;;) {
		while (b < e && strchr(" \t\r|,", *b))
			b++;
		if (b == e || n > LISTING_TOKENS)
			return n;
		tok[n] = b;
		while (b < e && !strchr(" \t\r|,", *b))
			b++;
		tlen[n] = (size_t)(b - tok[n]);
		n++;
	}
}

static bool token_is(const char *t, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(t, word, len) == 0;
}

/* "0, 00000000:18:00.0, Enabled": a GPU's index, address and MIG mode. */
static int listing_gpu(const char **tok, const size_t *tlen, size_t n, struct gv_mig_listing *out)
{
	char bdf[20];
	struct gv_mig_gpu *g;
	long index;

	if (n != 3 || tlen[1] >= sizeof(bdf) || gv_parse_int(tok[0], tlen[0], 0, 1023, &index) < 0)
		return -EBADMSG;
	/* nvidia-smi writes the domain with eight digits: "00000000:18:00.0". */
	memcpy(bdf, tok[1], tlen[1]);
	bdf[tlen[1]] = '\0';
	if (out->ngpus == GV_MIG_MAX_GPUS ||
	    gv_parse_bdf(tlen[1] == 16 && memcmp(bdf, "0000", 4) == 0 ? bdf + 4 : bdf, out->gpus[out->ngpus].bdf) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < out->ngpus; i++)
		if (out->gpus[i].index == index || strcmp(out->gpus[i].bdf, out->gpus[out->ngpus].bdf) == 0)
			return -EBADMSG; /* one GPU twice */
	g = &out->gpus[out->ngpus++];
	g->index = (int)index;
	g->mode = token_is(tok[2], tlen[2], "Enabled") ? 1 : token_is(tok[2], tlen[2], "Disabled") ? 0 : -1;
	g->ngis = 0;
	return 0;
}

/* "|   0  MIG 3g.40gb   9   2   0:4   |": a row of nvidia-smi mig -lgi. */
static int listing_gi(const char **tok, const size_t *tlen, size_t n, struct gv_mig_listing *out)
{
	struct gv_mig_gi gi = {0};
	const char *colon;
	long index, v[4];
	struct gv_mig_gpu *g = NULL;

	if (n != 6 || gv_parse_int(tok[0], tlen[0], 0, 1023, &index) < 0 || tlen[2] >= sizeof(gi.name) ||
	    gv_parse_int(tok[3], tlen[3], 0, 1023, &v[0]) < 0 || gv_parse_int(tok[4], tlen[4], 0, 1023, &v[1]) < 0 ||
	    !(colon = memchr(tok[5], ':', tlen[5])) ||
	    gv_parse_int(tok[5], (size_t)(colon - tok[5]), 0, 63, &v[2]) < 0 ||
	    gv_parse_int(colon + 1, tlen[5] - (size_t)(colon - tok[5]) - 1, 1, 64, &v[3]) < 0)
		return -EBADMSG;
	memcpy(gi.name, tok[2], tlen[2]);
	/* "3g.40gb", "1g.10gb+me": the compute slices before "g.". */
	if (gi.name[0] < '1' || gi.name[0] > '8' || gi.name[1] != 'g' || gi.name[2] != '.')
		return -EBADMSG;
	gi.slices = gi.name[0] - '0';
	gi.profile = (int)v[0];
	gi.id = (int)v[1];
	gi.start = (int)v[2];
	gi.size = (int)v[3];
	for (size_t i = 0; i < out->ngpus; i++)
		if (out->gpus[i].index == index)
			g = &out->gpus[i];
	if (!g || g->ngis == GV_MIG_MAX_GIS)
		return -EBADMSG; /* a GPU the listing does not place, or too many */
	for (size_t i = 0; i < g->ngis; i++)
		if (g->gis[i].id == gi.id)
			return -EBADMSG;
	g->gis[g->ngis++] = gi;
	return 0;
}

/* Pass 0 takes the GPU lines, pass 1 the GPU instance rows (which name
 * GPUs by index, wherever their lines are). */
static int listing_pass(const char *buf, size_t len, int pass, struct gv_mig_listing *out, size_t *bad_line)
{
	size_t pos = 0, line = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos), *tok[LISTING_TOKENS + 1];
		size_t end = nl ? (size_t)(nl - buf) : len, tlen[LISTING_TOKENS + 1], n;
		size_t i = gv_skip_space(buf, end, pos);
		int r = 0;

		line++;
		n = listing_tokens(buf + pos, buf + end, tok, tlen);
		if (pass == 0 && i < end && buf[i] >= '0' && buf[i] <= '9' && memchr(buf + i, ',', end - i))
			r = listing_gpu(tok, tlen, n, out);
		else if (pass == 1 && i < end && buf[i] == '|' && n >= 2 && token_is(tok[1], tlen[1], "MIG"))
			r = listing_gi(tok, tlen, n, out);
		if (r < 0) {
			if (bad_line)
				*bad_line = line;
			return r;
		}
		pos = end + 1;
	}
	return 0;
}

int gv_parse_mig_listing(const char *buf, size_t len, struct gv_mig_listing *out, size_t *bad_line)
{
	const char *nul;
	int r;

	if (!buf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (bad_line)
		*bad_line = 0;
	if ((nul = memchr(buf, '\0', len))) { /* not text: the line of the first NUL */
		for (const char *p = buf; bad_line && p <= nul; p++)
			*bad_line += p == buf || p[-1] == '\n';
		return -EBADMSG;
	}
	if (!(out->gpus = calloc(GV_MIG_MAX_GPUS, sizeof(*out->gpus))))
		return -ENOMEM;
	if ((r = listing_pass(buf, len, 0, out, bad_line)) == 0 && (r = listing_pass(buf, len, 1, out, bad_line)) == 0 &&
	    out->ngpus == 0)
		r = -ENOENT; /* no GPU line: nothing to place the rows on */
	if (r < 0)
		gv_mig_listing_clear(out);
	return r;
}

void gv_mig_listing_clear(struct gv_mig_listing *l)
{
	free(l->gpus);
	l->gpus = NULL;
	l->ngpus = 0;
}

void gv_mig_listing_free(struct gv_mig_listing *l)
{
	if (l)
		gv_mig_listing_clear(l);
	free(l);
}
