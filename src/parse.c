/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for the text the host gives us. Each takes a buffer and its
 * length, touches nothing else, and is unit-tested (tests/test-parse.c). */
#include <ctype.h>
#include <fnmatch.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

size_t gv_trim_end(const char *buf, size_t len)
{
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	return len;
}

size_t gv_skip_space(const char *buf, size_t len, size_t i)
{
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	return i;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gv_parse_hex(const char *buf, size_t len, uint32_t max, uint32_t *out)
{
	size_t i, end;
	uint64_t v = 0;

	if (!buf || !out)
		return -EINVAL;
	end = gv_trim_end(buf, len);
	i = gv_skip_space(buf, end, 0);
	if (end - i >= 2 && buf[i] == '0' && (buf[i + 1] == 'x' || buf[i + 1] == 'X'))
		i += 2;
	if (i >= end)
		return -EBADMSG;
	for (; i < end; i++) {
		int d = hex_digit(buf[i]);
		if (d < 0)
			return -EBADMSG;
		v = v * 16 + (uint64_t)d;
		if (v > max)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

int gv_parse_int(const char *buf, size_t len, long min, long max, long *out)
{
	size_t i, end;
	int neg = 0;
	long long v = 0;

	if (!buf || !out)
		return -EINVAL;
	end = gv_trim_end(buf, len);
	i = gv_skip_space(buf, end, 0);
	if (i < end && (buf[i] == '-' || buf[i] == '+'))
		neg = buf[i++] == '-';
	if (i >= end)
		return -EBADMSG;
	for (; i < end; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		if (v > ((long long)LONG_MAX - (buf[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (buf[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*out = (long)v;
	return 0;
}

/* Parse exactly `width` hex digits at s (or up to width when !exact). */
static int hex_field(const char *s, size_t width, uint32_t *v)
{
	*v = 0;
	for (size_t i = 0; i < width; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -EINVAL;
		*v = *v * 16 + (uint32_t)d;
	}
	return 0;
}

int gv_parse_bdf(const char *in, char out[GV_BDF_LEN])
{
	uint32_t dom = 0, bus, dev, fn;
	size_t len;
	const char *p;

	if (!in)
		return -EINVAL;
	len = strnlen(in, 16);
	if (len == 12) {
		if (in[4] != ':' || hex_field(in, 4, &dom) < 0)
			return -EINVAL;
		p = in + 5;
	} else if (len == 7) {
		p = in;
	} else {
		return -EINVAL;
	}
	if (p[2] != ':' || p[5] != '.' || hex_field(p, 2, &bus) < 0 || hex_field(p + 3, 2, &dev) < 0 ||
	    hex_field(p + 6, 1, &fn) < 0)
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	/* DDDD:BB:DD.F in lower case */
	for (int i = 0; i < 4; i++)
		out[i] = "0123456789abcdef"[(dom >> (12 - 4 * i)) & 0xf];
	out[4] = ':';
	out[5] = "0123456789abcdef"[bus >> 4];
	out[6] = "0123456789abcdef"[bus & 0xf];
	out[7] = ':';
	out[8] = "0123456789abcdef"[dev >> 4];
	out[9] = "0123456789abcdef"[dev & 0xf];
	out[10] = '.';
	out[11] = (char)('0' + fn);
	out[12] = '\0';
	return 0;
}

int gv_parse_words(const char *buf, size_t len, struct gv_strv *out)
{
	size_t i = 0;
	char word[64];

	if (!buf || !out)
		return -EINVAL;
	while (i < len) {
		size_t start;
		i = gv_skip_space(buf, len, i);
		start = i;
		while (i < len && !isspace((unsigned char)buf[i]) && buf[i] != '\0')
			i++;
		if (i == start) {
			if (i < len && buf[i] == '\0')
				return -EBADMSG;
			break;
		}
		if (i - start >= sizeof(word))
			return -EBADMSG;
		memcpy(word, buf + start, i - start);
		word[i - start] = '\0';
		if (gv_strv_push(out, word) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The folder each of the kernel's links of that name points into: a
 * device's `driver` link ends in .../drivers/NAME, `iommu_group` in
 * .../iommu_groups/N, an mdev's `mdev_type` in .../mdev_supported_types/T, a
 * driver's `module` in .../module/NAME. A target that does not (a loop, a
 * chain of links, a planted file) is malformed, not a name. */
static const struct {
	const char *link, *folder;
} link_folders[] = {
	{"driver", "drivers"},
	{"iommu_group", "iommu_groups"},
	{"mdev_type", "mdev_supported_types"},
	{"module", "module"},
};

int gv_parse_link_base(const char *link, const char *target, size_t len, char *out, size_t size)
{
	const char *name = strrchr(link, '/'), *base = NULL, *folder = NULL, *want = NULL;
	size_t blen, flen = 0;

	name = name ? name + 1 : link;
	while (len > 0 && target[len - 1] == '/')
		len--;
	for (size_t i = len; i > 0 && !base; i--)
		if (target[i - 1] == '/')
			base = target + i;
	if (!base)
		base = target;
	blen = (size_t)(target + len - base);
	if (blen == 0 || memchr(base, '\0', blen))
		return -EBADMSG;
	if (blen >= size)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(link_folders) / sizeof(link_folders[0]); i++)
		if (strcmp(name, link_folders[i].link) == 0)
			want = link_folders[i].folder;
	if (want) {
		const char *end = base > target ? base - 1 : target;
		for (folder = end; folder > target && folder[-1] != '/'; folder--)
			;
		flen = (size_t)(end - folder);
		if (flen != strlen(want) || memcmp(folder, want, flen) != 0)
			return -EBADMSG;
	}
	memcpy(out, base, blen);
	out[blen] = '\0';
	return (int)blen;
}

int gv_parse_override(const char *buf, size_t len, char *out, size_t size)
{
	size_t end, start;

	if (!buf || !out || size == 0)
		return -EINVAL;
	end = gv_trim_end(buf, len);
	start = gv_skip_space(buf, end, 0);
	if (end - start == 6 && memcmp(buf + start, "(null)", 6) == 0)
		end = start;
	if (end - start >= size)
		return -ERANGE;
	for (size_t i = start; i < end; i++)
		if (!isgraph((unsigned char)buf[i]))
			return -EBADMSG;
	memcpy(out, buf + start, end - start);
	out[end - start] = '\0';
	return 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

int gv_parse_config(const uint8_t *cfg, size_t len, struct gv_pci_ids *ids)
{
	if (!cfg || !ids)
		return -EINVAL;
	if (len < 0x30)
		return -ENODATA;
	memset(ids, 0, sizeof(*ids));
	ids->vendor = le16(cfg + 0x00);
	ids->device = le16(cfg + 0x02);
	/* A VF's config space reads 0xffff for its vendor and device IDs (the
	 * rest is its own: class, revision, subsystem); a gone device reads all
	 * ones. */
	if (ids->vendor == 0x0000 || (ids->vendor == 0xffff && cfg[0x0b] == 0xff))
		return -ENODATA;
	ids->has_ids = ids->vendor != 0xffff;
	ids->revision = cfg[0x08];
	ids->class_code = (uint32_t)cfg[0x09] | ((uint32_t)cfg[0x0a] << 8) | ((uint32_t)cfg[0x0b] << 16);
	ids->header_type = cfg[0x0e] & 0x7f;
	if (ids->header_type == 0) {
		ids->subsystem_vendor = le16(cfg + 0x2c);
		ids->subsystem_device = le16(cfg + 0x2e);
		ids->has_subsystem = true;
	}
	return 0;
}

/* ---- the PCI ID database (pci.ids) ------------------------------------- */

static bool hex_run(const char *p, size_t len, size_t n, unsigned *out)
{
	uint32_t v;

	if (len < n || hex_field(p, n, &v) < 0)
		return false;
	*out = v;
	return true;
}

int gv_parse_pciids_line(const char *line, size_t len, struct gv_ids_line *out)
{
	size_t pos = 0, idlen;

	memset(out, 0, sizeof(*out));
	while (pos < len && line[pos] == '\t' && out->depth < 2) {
		out->depth++;
		pos++;
	}
	if (pos >= len || line[pos] == '#' || line[pos] == '\t')
		return -ENODATA;
	if (out->depth == 0 && len - pos > 2 && line[pos] == 'C' && line[pos + 1] == ' ') {
		out->is_class = true; /* "C 03  Display controller" */
		pos += 2;
	}
	/* IDs: vendor and device 4 hex digits, a class and its subclass or
	 * programming interface 2, a subsystem "ssss dddd". */
	if (out->is_class || (out->depth > 0 && len - pos > 2 && (line[pos + 2] == ' ' || line[pos + 2] == '\t')))
		idlen = 2;
	else
		idlen = 4;
	if (!hex_run(line + pos, len - pos, idlen, &out->id))
		return -EBADMSG;
	pos += idlen;
	if (out->depth == 2 && idlen == 4 && pos + 5 <= len && line[pos] == ' ' &&
	    hex_run(line + pos + 1, len - pos - 1, 4, &out->id2)) {
		out->has_id2 = true;
		pos += 5;
	}
	out->short_id = idlen == 2;
	if (pos >= len || (line[pos] != ' ' && line[pos] != '\t'))
		return -EBADMSG;
	while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
		pos++;
	out->name = line + pos;
	out->name_len = len - pos;
	while (out->name_len && (out->name[out->name_len - 1] == ' ' || out->name[out->name_len - 1] == '\r'))
		out->name_len--;
	return out->name_len ? 0 : -EBADMSG;
}

/* ---- checks' inputs ---------------------------------------------------- */

/* The next line of buf from *pos: its start and length (no newline). */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *llen)
{
	size_t start = *pos, end;

	if (start >= len)
		return false;
	end = start;
	while (end < len && buf[end] != '\n')
		end++;
	*line = buf + start;
	*llen = end - start;
	*pos = end < len ? end + 1 : end;
	return true;
}

static bool word_is(const char *w, size_t wlen, const char *lit)
{
	return wlen == strlen(lit) && memcmp(w, lit, wlen) == 0;
}

static const char *const vgpu_mechanisms[] = {
	[GV_VGPU_NVIDIA_LEGACY] = "nvidia-legacy", [GV_VGPU_NVIDIA_SRIOV] = "nvidia-sriov",
	[GV_VGPU_AMD_MXGPU] = "amd-mxgpu",	   [GV_VGPU_INTEL_GVTG] = "intel-gvtg",
	[GV_VGPU_INTEL_SRIOV] = "intel-sriov",
};

const char *gv_vgpu_mechanism_name(enum gv_vgpu_mechanism m)
{
	return (unsigned)m < sizeof(vgpu_mechanisms) / sizeof(vgpu_mechanisms[0]) ? vgpu_mechanisms[m] : "unknown";
}

/* One hex ID field, or "*" for any (stored as -1). */
static int id_field(const char *w, size_t wlen, int32_t *out)
{
	uint32_t v;

	if (word_is(w, wlen, "*")) {
		*out = -1;
		return 0;
	}
	if (wlen != 4 || gv_parse_hex(w, wlen, 0xffff, &v) < 0)
		return -EBADMSG;
	*out = (int32_t)v;
	return 0;
}

int gv_parse_vgpu_table(const char *buf, size_t len, struct gv_vgpu_entry **entries, size_t *count,
			size_t *bad_line)
{
	struct gv_vgpu_entry *v = NULL;
	size_t n = 0, cap = 0, pos = 0, lineno = 0, llen;
	const char *line;

	if (!buf || !entries || !count)
		return -EINVAL;
	while (next_line(buf, len, &pos, &line, &llen)) {
		const char *w[6];
		size_t wl[6], k = 0, i = 0;
		struct gv_vgpu_entry e = {0};
		lineno++;
		/* vendor device subvendor subdevice mechanism name... */
		while (k < 5) {
			i = gv_skip_space(line, llen, i);
			if (i >= llen || line[i] == '#')
				break;
			w[k] = line + i;
			while (i < llen && !isspace((unsigned char)line[i]))
				i++;
			wl[k] = (size_t)(line + i - w[k]);
			k++;
		}
		if (k == 0)
			continue; /* blank or comment */
		i = gv_skip_space(line, llen, i);
		w[5] = line + i;
		wl[5] = gv_trim_end(line + i, llen - i);
		int32_t ids[4];
		bool ok = k == 5 && wl[5] > 0 && wl[5] < sizeof(e.name);
		for (int f = 0; ok && f < 4; f++)
			ok = id_field(w[f], wl[f], &ids[f]) == 0;
		ok = ok && ids[0] >= 0 && ids[1] >= 0;
		e.mechanism = -1;
		for (size_t m = 0; ok && m < sizeof(vgpu_mechanisms) / sizeof(vgpu_mechanisms[0]); m++)
			if (word_is(w[4], wl[4], vgpu_mechanisms[m]))
				e.mechanism = (int)m;
		if (!ok || e.mechanism < 0) {
			free(v);
			if (bad_line)
				*bad_line = lineno;
			return -EBADMSG;
		}
		e.vendor = (uint16_t)ids[0];
		e.device = (uint16_t)ids[1];
		e.subsystem_vendor = ids[2];
		e.subsystem_device = ids[3];
		memcpy(e.name, w[5], wl[5]);
		if (n == cap) {
			struct gv_vgpu_entry *nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = cap ? cap * 2 : 64;
		}
		v[n++] = e;
	}
	*entries = v;
	*count = n;
	return 0;
}

/* Find `key` (a whole word, or key=VALUE) among the command line's words. */
static bool cmdline_value(const char *buf, size_t len, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key), i = 0;

	while ((i = gv_skip_space(buf, len, i)) < len) {
		size_t start = i;
		while (i < len && !isspace((unsigned char)buf[i]))
			i++;
		if (i - start >= klen && memcmp(buf + start, key, klen) == 0 &&
		    (i - start == klen || buf[start + klen] == '=')) {
			size_t vlen = i - start > klen ? i - start - klen - 1 : 0;
			if (vlen >= size)
				vlen = size - 1;
			memcpy(val, buf + start + klen + (i - start > klen), vlen);
			val[vlen] = '\0';
			return true; /* the kernel takes the first; so do we */
		}
	}
	return false;
}

int gv_parse_cmdline_iommu(const char *buf, size_t len, struct gv_iommu_cmdline *out)
{
	char v[64];

	if (!buf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (cmdline_value(buf, len, "intel_iommu", v, sizeof(v))) {
		/* intel_iommu=on,sm_on: a comma list */
		out->intel = strstr(v, "off") ? -1 : strstr(v, "on") ? 1 : 0;
	}
	if (cmdline_value(buf, len, "amd_iommu", v, sizeof(v)))
		out->amd = strstr(v, "off") ? -1 : strstr(v, "on") ? 1 : 0;
	if (cmdline_value(buf, len, "iommu", v, sizeof(v))) {
		if (strcmp(v, "pt") == 0)
			out->passthrough = 1;
		else if (strcmp(v, "off") == 0)
			out->off = 1;
		else if (strcmp(v, "nopt") == 0)
			out->passthrough = -1;
	}
	if (cmdline_value(buf, len, "iommu.passthrough", v, sizeof(v)))
		out->passthrough = (strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "y") == 0) ? 1 : -1;
	if (cmdline_value(buf, len, "nointremap", v, sizeof(v)))
		out->intremap_off = 1;
	if (cmdline_value(buf, len, "intremap", v, sizeof(v)) && strcmp(v, "off") == 0)
		out->intremap_off = 1;
	if (cmdline_value(buf, len, "intel_iommu", v, sizeof(v)) && strstr(v, "igfx_off"))
		out->igfx_off = 1;
	/* The out-of-tree ACS override patch: IOMMU groups split without the
	 * hardware's isolation. */
	if (cmdline_value(buf, len, "pcie_acs_override", v, sizeof(v)))
		snprintf(out->acs_override, sizeof(out->acs_override), "%s", v[0] ? v : "(set)");
	return 0;
}

int gv_parse_cpuinfo(const char *buf, size_t len, struct gv_cpuinfo *out)
{
	size_t pos = 0, llen;
	const char *line;

	if (!buf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	while (next_line(buf, len, &pos, &line, &llen)) {
		const char *colon = memchr(line, ':', llen);
		size_t klen, i;
		if (!colon)
			continue;
		klen = gv_trim_end(line, (size_t)(colon - line));
		i = (size_t)(colon - line) + 1;
		if (word_is(line, klen, "vendor_id") && !out->vendor[0]) {
			i = gv_skip_space(line, llen, i);
			size_t vl = gv_trim_end(line + i, llen - i);
			if (vl >= sizeof(out->vendor))
				vl = sizeof(out->vendor) - 1;
			memcpy(out->vendor, line + i, vl);
		} else if (word_is(line, klen, "flags") && !out->has_flags) {
			out->has_flags = true;
			while ((i = gv_skip_space(line, llen, i)) < llen) {
				size_t s = i;
				while (i < llen && !isspace((unsigned char)line[i]))
					i++;
				out->vmx |= word_is(line + s, i - s, "vmx");
				out->svm |= word_is(line + s, i - s, "svm");
				out->hypervisor |= word_is(line + s, i - s, "hypervisor");
			}
		}
	}
	return 0;
}

int gv_parse_conf_value(const char *buf, size_t len, const char *key, char *out, size_t size)
{
	size_t pos = 0, llen, klen;
	const char *line;
	int found = -ENOENT;

	if (!buf || !key || !out || size == 0)
		return -EINVAL;
	klen = strlen(key);
	while (next_line(buf, len, &pos, &line, &llen)) {
		size_t i = gv_skip_space(line, llen, 0);
		if (i >= llen || line[i] == '#' || llen - i <= klen || memcmp(line + i, key, klen) != 0)
			continue;
		i = gv_skip_space(line, llen, i + klen);
		if (i >= llen || line[i] != '=')
			continue;
		i = gv_skip_space(line, llen, i + 1);
		size_t vl = gv_trim_end(line + i, llen - i);
		if (vl >= size)
			return -ENAMETOOLONG;
		memcpy(out, line + i, vl);
		out[vl] = '\0';
		found = 0; /* the last assignment wins, as in a shell-style file */
	}
	return found;
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

int gv_parse_token_expiry(const char *buf, size_t len, int64_t *expires)
{
	const char *dot1, *dot2, *p;
	char json[4096];
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (!buf || !expires)
		return -EINVAL;
	len = gv_trim_end(buf, len);
	dot1 = memchr(buf, '.', len);
	if (!dot1)
		return -ENOENT; /* not a JWT: nothing we can read */
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - buf));
	if (!dot2)
		return -ENOENT;
	for (p = dot1 + 1; p < dot2 && n < sizeof(json) - 1; p++) {
		int v = b64url_value(*p);
		if (*p == '=')
			break;
		if (v < 0)
			return -EBADMSG;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			json[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	json[n] = '\0';
	/* The payload's "exp": seconds since the epoch. */
	p = strstr(json, "\"exp\"");
	if (!p)
		return -ENOENT;
	p += 5;
	while (*p == ' ' || *p == ':')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EBADMSG;
	int64_t v = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	*expires = v;
	return 0;
}

int gv_parse_json_string(const char *buf, size_t len, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	if (!buf || !key || !out || size == 0)
		return -EINVAL;
	for (size_t i = 0; i + klen + 2 < len; i++) {
		if (buf[i] != '"' || memcmp(buf + i + 1, key, klen) != 0 || buf[i + 1 + klen] != '"')
			continue;
		size_t j = i + klen + 2, k = 0;
		while (j < len && isspace((unsigned char)buf[j]))
			j++;
		if (j >= len || buf[j] != ':')
			continue;
		j++;
		while (j < len && isspace((unsigned char)buf[j]))
			j++;
		if (j >= len || buf[j] != '"')
			return -EBADMSG;
		for (j++; j < len && buf[j] != '"'; j++) {
			if (buf[j] == '\\' || (unsigned char)buf[j] < 0x20)
				return -EBADMSG; /* no escapes in the values we read */
			if (k + 1 >= size)
				return -ENAMETOOLONG;
			out[k++] = buf[j];
		}
		if (j >= len)
			return -EBADMSG;
		out[k] = '\0';
		return 0;
	}
	return -ENOENT;
}

int gv_parse_uuid(const char *in, char out[37])
{
	if (!in || strlen(in) != 36)
		return -EINVAL;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? in[i] != '-' : !isxdigit((unsigned char)in[i]))
			return -EINVAL;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[36] = '\0';
	return 0;
}
