/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for the text the host gives us. Each takes a buffer and its
 * length, touches nothing else, and is unit-tested and fuzzed. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static size_t trim_end(const char *buf, size_t len)
{
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	return len;
}

static size_t skip_space(const char *buf, size_t len, size_t i)
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
	end = trim_end(buf, len);
	i = skip_space(buf, end, 0);
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
	end = trim_end(buf, len);
	i = skip_space(buf, end, 0);
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
	snprintf(out, GV_BDF_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
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
		i = skip_space(buf, len, i);
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

int gv_parse_override(const char *buf, size_t len, char *out, size_t size)
{
	size_t end, start;

	if (!buf || !out || size == 0)
		return -EINVAL;
	end = trim_end(buf, len);
	start = skip_space(buf, end, 0);
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
	/* A VF's config space reads 0xffff for its IDs; so does a gone device. */
	if (ids->vendor == 0xffff || ids->vendor == 0x0000)
		return -ENODATA;
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
