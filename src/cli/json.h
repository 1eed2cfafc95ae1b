/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A small streaming JSON writer for the command-line tool. */
#ifndef GPUVIRT_CLI_JSON_H
#define GPUVIRT_CLI_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct json {
	FILE *out;
	char buf[8192]; /* written to out when full and at each top-level end */
	size_t len;
	int depth;
	bool first[32];   /* no member written yet at this depth */
	bool after_key;
	bool compact; /* one line, no spaces: a JSON Lines record */
};

void json_init(struct json *j, FILE *out);
void json_compact(struct json *j);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key_n(struct json *j, const char *key, size_t len);
/* key: a name of the tool's own, plain ASCII (a literal's length is then
 * known when compiling). */
static inline void json_key(struct json *j, const char *key)
{
	json_key_n(j, key, __builtin_strlen(key));
}
void json_string(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_finish(struct json *j);

#endif
