/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the source files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

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
