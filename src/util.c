/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the source files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

void gv_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size || *len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - 1 - *len ? (size_t)n : size - 1 - *len;
}

int gv_strv_push(struct gv_strv *s, const char *str)
{
	char **nv;
	char *copy = strdup(str);

	if (!copy)
		return -ENOMEM;
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	s->v = nv;
	s->v[s->n++] = copy;
	return 0;
}

void gv_strv_free(struct gv_strv *s)
{
	gv_names_free(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

const char *gv_strv_get(const struct gv_strv *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

void gv_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* ---- hash index ---------------------------------------------------------- */

uint32_t gv_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u; /* FNV-1a over a, a NUL, and b */

	for (const char *p = a ? a : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *p = b ? b : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static void index_put(struct gv_index *ix, uint32_t hash, size_t pos)
{
	size_t i = hash & (ix->cap - 1);

	while (ix->pos[i])
		i = (i + 1) & (ix->cap - 1);
	ix->pos[i] = pos + 1;
	ix->hash[i] = hash;
	ix->n++;
}

int gv_index_add(struct gv_index *ix, uint32_t hash, size_t pos)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		struct gv_index grown = {.cap = ix->cap ? ix->cap * 2 : 64};
		grown.pos = calloc(grown.cap, sizeof(*grown.pos));
		grown.hash = calloc(grown.cap, sizeof(*grown.hash));
		if (!grown.pos || !grown.hash) {
			gv_index_free(&grown);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ix->cap; i++)
			if (ix->pos[i])
				index_put(&grown, ix->hash[i], ix->pos[i] - 1);
		gv_index_free(ix);
		*ix = grown;
	}
	index_put(ix, hash, pos);
	return 0;
}

bool gv_index_next(const struct gv_index *ix, uint32_t hash, size_t *cursor, size_t *pos)
{
	if (!ix->cap)
		return false;
	/* *cursor counts the slots probed so far from the hash's home. */
	for (size_t i = (hash + *cursor) & (ix->cap - 1); ix->pos[i] && *cursor < ix->cap;
	     i = (i + 1) & (ix->cap - 1)) {
		++*cursor;
		if (ix->hash[i] == hash) {
			*pos = ix->pos[i] - 1;
			return true;
		}
	}
	return false;
}

void gv_index_free(struct gv_index *ix)
{
	free(ix->pos);
	free(ix->hash);
	memset(ix, 0, sizeof(*ix));
}

const char *gv_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int u = 0;

	while (u < 6 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}
