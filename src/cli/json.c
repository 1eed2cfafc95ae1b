/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "json.h"

/* Output goes through the writer's own buffer: a document is many small
 * pieces, and a call into stdio for each cost more than the rest of it. */
static inline void flush(struct json *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->out);
	j->len = 0;
}

/* Most pieces are a few bytes (a key, an address, a number). For a copy of
 * unknown length the compiler picks a string instruction whose start-up
 * costs more than such a piece; these go in words, the last one
 * overlapping. */
static inline void copy_short(char *d, const char *s, size_t n)
{
	uint64_t w;
	uint32_t h;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, s + i, 8);
			memcpy(d + i, &w, 8);
		}
		memcpy(&w, s + n - 8, 8);
		memcpy(d + n - 8, &w, 8);
	} else if (n >= 4) {
		memcpy(&h, s, 4);
		memcpy(d, &h, 4);
		memcpy(&h, s + n - 4, 4);
		memcpy(d + n - 4, &h, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

static inline void put(struct json *j, const char *s, size_t n)
{
	if (j->len + n > sizeof(j->buf))
		flush(j);
	if (n > sizeof(j->buf)) {
		fwrite(s, 1, n, j->out);
		return;
	}
	if (n > 64)
		memcpy(j->buf + j->len, s, n);
	else
		copy_short(j->buf + j->len, s, n);
	j->len += n;
}

static inline void put_char(struct json *j, char c)
{
	if (j->len == sizeof(j->buf))
		flush(j);
	j->buf[j->len++] = c;
}

static inline void put_str(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->len = 0;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->compact = false;
}

void json_compact(struct json *j)
{
	j->compact = true;
}

static void indent(struct json *j)
{
	static const char spaces[] = "\n                                                                ";

	if (j->compact)
		return;
	put(j, spaces, 1 + 2 * (size_t)j->depth); /* depth is at most 31 */
}

/* Separator and indentation before a value or a key. */
static void before_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			put_char(j, ',');
		indent(j);
	}
	j->first[j->depth] = false;
}

static void open_container(struct json *j, char c)
{
	before_item(j);
	put_char(j, c);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	put_char(j, c);
	if (j->depth == 0)
		flush(j);
}

void json_begin_object(struct json *j) { open_container(j, '{'); }
void json_end_object(struct json *j) { close_container(j, '}'); }
void json_begin_array(struct json *j) { open_container(j, '['); }
void json_end_array(struct json *j) { close_container(j, ']'); }

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0 when the bytes
 * there are not one: overlong forms, surrogates and code points past
 * U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* the NUL at the end stops here too */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string. Control characters are escaped; a byte that is not part of
 * valid UTF-8 (a name the host chose) is written as U+FFFD, so that the
 * output is always valid JSON in UTF-8. */
static inline bool plain(unsigned char c)
{
	return (unsigned char)(c - 0x20) < 0x5f && c != '"' && c != '\\';
}

#define BYTES(b) (0x0101010101010101ULL * (b))

/* Whether a byte of w is zero (exact: no false answer either way). */
static inline uint64_t has_zero(uint64_t w)
{
	return (w - BYTES(0x01)) & ~w & BYTES(0x80);
}

/* Whether all 8 bytes of w are plain(): none below 0x20, none 0x7f or
 * above, no '"' and no '\\'. */
static inline bool word_plain(uint64_t w)
{
	uint64_t below = (w - BYTES(0x20)) & ~w & BYTES(0x80);

	return !(below | (w & BYTES(0x80)) | has_zero(w ^ BYTES(0x7f)) | has_zero(w ^ BYTES('"')) |
		 has_zero(w ^ BYTES('\\')));
}

/* The length of the plain run at p, which ends before end: a word at a
 * time, then byte by byte. */
static size_t plain_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	uint64_t w;

	while (end - q >= 8) {
		memcpy(&w, q, 8);
		if (!word_plain(w))
			break;
		q += 8;
	}
	while (q < end && plain(*q))
		q++;
	return (size_t)(q - p);
}

static void write_escaped(struct json *j, const char *s)
{
	const unsigned char *end = (const unsigned char *)s + strlen(s);
	char u[8];

	put_char(j, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t run = plain_run(p, end), n;
		/* Plain printable ASCII goes out in one piece. */
		if (run) {
			put(j, (const char *)p, run);
			p += run;
			continue;
		}
		n = utf8_len(p);
		switch (*p) {
		case '"': put_str(j, "\\\""); break;
		case '\\': put_str(j, "\\\\"); break;
		case '\n': put_str(j, "\\n"); break;
		case '\r': put_str(j, "\\r"); break;
		case '\t': put_str(j, "\\t"); break;
		default:
			if (n == 0) {
				put_str(j, "\\ufffd");
			} else if (*p < 0x20 || *p == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", *p);
				put_str(j, u);
			} else {
				put(j, (const char *)p, n);
			}
		}
		p += n ? n : 1;
	}
	put_char(j, '"');
}

void json_key_n(struct json *j, const char *key, size_t len)
{
	before_item(j);
	put_char(j, '"');
	put(j, key, len); /* the tool's own names: nothing to escape */
	put(j, "\": ", j->compact ? 2 : 3);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	before_item(j);
	if (s)
		write_escaped(j, s);
	else
		put_str(j, "null");
}

void json_int(struct json *j, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	before_item(j);
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(j, p, (size_t)(digits + sizeof(digits) - p));
}

void json_bool(struct json *j, bool v)
{
	before_item(j);
	put_str(j, v ? "true" : "false");
}

void json_null(struct json *j)
{
	before_item(j);
	put_str(j, "null");
}

void json_finish(struct json *j)
{
	put_char(j, '\n');
	flush(j);
}
