/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser and formatter of the desired host state (docs/persistence.md):
 * one object per file under etc/gpuvirt/ (bindings/<BDF>.json,
 * vfs/<PF>.json, instances/<UUID>.json), and a declarative file holding
 * many ({"version": 1, "objects": [...]}) for `gpuvirt apply`. JSON through
 * json-c. Part of the parse layer: no I/O.
 *
 * Strict: an unknown key, kind or mechanism, a field of the wrong type, a
 * BDF or UUID not in canonical form, a driver or profile that is not a
 * plain name, a count out of range is -EBADMSG with the reason in `why`;
 * nothing damaged is ever acted on. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "private.h"

#define WANTS_MAX 4096 /* objects in one declarative file */
#define JSON_DEPTH 8

static const char *const kind_names[] = {[GV_WANT_VFS] = "vfs", [GV_WANT_BINDING] = "binding",
					 [GV_WANT_INSTANCE] = "instance"};

const char *gv_want_kind_name(int kind)
{
	if (kind <= 0 || kind >= (int)(sizeof(kind_names) / sizeof(kind_names[0])))
		return NULL;
	return kind_names[kind];
}

GV_PRINTF(3, 4) static int bad(char *why, size_t wsize, const char *fmt, ...)
{
	va_list ap;

	if (why && wsize) {
		va_start(ap, fmt);
		vsnprintf(why, wsize, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* A string member copied whole into out (never truncated): 1, 0 when absent,
 * or -EBADMSG. */
static int get_string(struct json_object *o, const char *key, char *out, size_t size, char *why, size_t wsize)
{
	struct json_object *v;
	const char *s;
	int len;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(why, wsize, "\"%s\" is not a string", key);
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (len <= 0 || (size_t)len >= size || memchr(s, '\0', (size_t)len))
		return bad(why, wsize, "\"%s\" is empty or too long", key);
	memcpy(out, s, (size_t)len + 1);
	return 1;
}

static bool canonical_bdf(const char *s)
{
	char canon[GV_BDF_LEN];

	return gv_parse_bdf(s, canon) == 0 && strcmp(canon, s) == 0;
}

/* An mdev parent: a BDF, or the name of a parent that is not a PCI
 * function (mbochs). */
static bool valid_parent(const char *s)
{
	return canonical_bdf(s) || (!strchr(s, ':') && gv_valid_driver_name(s, strlen(s)));
}

static int check_keys(struct json_object *o, const char *const *allowed, char *why, size_t wsize)
{
	json_object_object_foreach(o, key, val) {
		bool known = false;
		(void)val;
		for (size_t i = 0; allowed[i] && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
			return bad(why, wsize, "unknown key \"%s\"", key);
	}
	return 0;
}

static int parse_vfs(struct json_object *o, struct gv_want *w, char *why, size_t wsize)
{
	static const char *const keys[] = {"version", "kind", "device", "count", NULL};
	struct json_object *v;
	int r;

	if ((r = check_keys(o, keys, why, wsize)) < 0)
		return r;
	if ((r = get_string(o, "device", w->device, sizeof(w->device), why, wsize)) <= 0 || !canonical_bdf(w->device))
		return r < 0 ? r : bad(why, wsize, "%s", "\"device\" is not a canonical PCI address");
	if (!json_object_object_get_ex(o, "count", &v) || !json_object_is_type(v, json_type_int))
		return bad(why, wsize, "%s", "\"count\" is missing or not a number");
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (n < 1 || n > 65535 || errno)
		return bad(why, wsize, "%s", "\"count\" is not between 1 and 65535");
	w->count = (int)n;
	return 0;
}

static int parse_binding(struct json_object *o, struct gv_want *w, char *why, size_t wsize)
{
	static const char *const keys[] = {"version", "kind", "device", "driver", NULL};
	int r;

	if ((r = check_keys(o, keys, why, wsize)) < 0)
		return r;
	if ((r = get_string(o, "device", w->device, sizeof(w->device), why, wsize)) <= 0 || !canonical_bdf(w->device))
		return r < 0 ? r : bad(why, wsize, "%s", "\"device\" is not a canonical PCI address");
	if ((r = get_string(o, "driver", w->driver, sizeof(w->driver), why, wsize)) <= 0 ||
	    !gv_valid_driver_name(w->driver, strlen(w->driver)))
		return r < 0 ? r : bad(why, wsize, "%s", "\"driver\" is missing or not a driver's name");
	return 0;
}

static int parse_instance(struct json_object *o, struct gv_want *w, char *why, size_t wsize)
{
	static const char *const keys[] = {"version", "kind", "uuid", "parent", "profile", "mechanism", "vf", "owner", NULL};
	char uuid[37], mech[32];
	int r;

	if ((r = check_keys(o, keys, why, wsize)) < 0)
		return r;
	if ((r = get_string(o, "uuid", uuid, sizeof(uuid), why, wsize)) <= 0 || gv_parse_uuid(uuid, w->uuid) < 0 ||
	    strcmp(uuid, w->uuid) != 0)
		return r < 0 ? r : bad(why, wsize, "%s", "\"uuid\" is missing or not a lower-case UUID");
	if ((r = get_string(o, "parent", w->device, sizeof(w->device), why, wsize)) <= 0 || !valid_parent(w->device))
		return r < 0 ? r : bad(why, wsize, "%s", "\"parent\" is missing or not a PCI address or mdev parent");
	if ((r = get_string(o, "profile", w->profile, sizeof(w->profile), why, wsize)) <= 0 ||
	    !gv_valid_driver_name(w->profile, strlen(w->profile)))
		return r < 0 ? r : bad(why, wsize, "%s", "\"profile\" is missing or not a profile id");
	if ((r = get_string(o, "mechanism", mech, sizeof(mech), why, wsize)) <= 0)
		return r < 0 ? r : bad(why, wsize, "%s", "\"mechanism\" is missing");
	for (int m = GPUVIRT_MECHANISM_MDEV; m <= GPUVIRT_MECHANISM_SRIOV_VF; m++)
		if (strcmp(mech, gv_state_mechanism_name(m)) == 0)
			w->mechanism = m;
	if (!w->mechanism)
		return bad(why, wsize, "unknown mechanism \"%s\"", mech);
	if ((r = get_string(o, "vf", w->vf, sizeof(w->vf), why, wsize)) < 0 || (r == 1 && !canonical_bdf(w->vf)))
		return r < 0 ? r : bad(why, wsize, "%s", "\"vf\" is not a canonical PCI address");
	if ((r = get_string(o, "owner", w->owner, sizeof(w->owner), why, wsize)) < 0)
		return r;
	for (const char *c = w->owner; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return bad(why, wsize, "%s", "\"owner\" holds a control character");
	return 0;
}

/* One object (a member of "objects", or a whole file). */
static int parse_object(struct json_object *o, bool top, struct gv_want *w, char *why, size_t wsize)
{
	struct json_object *v = NULL;
	char kind[16];
	int r;

	memset(w, 0, sizeof(*w));
	if (!json_object_is_type(o, json_type_object))
		return bad(why, wsize, "%s", "an object is not a JSON object");
	if (json_object_object_get_ex(o, "version", &v) || top) {
		if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
			return bad(why, wsize, "%s", "\"version\" is missing or not 1");
	}
	if ((r = get_string(o, "kind", kind, sizeof(kind), why, wsize)) <= 0)
		return r < 0 ? r : bad(why, wsize, "%s", "\"kind\" is missing");
	for (int k = GV_WANT_VFS; k <= GV_WANT_INSTANCE; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			w->kind = k;
	switch (w->kind) {
	case GV_WANT_VFS: return parse_vfs(o, w, why, wsize);
	case GV_WANT_BINDING: return parse_binding(o, w, why, wsize);
	case GV_WANT_INSTANCE: return parse_instance(o, w, why, wsize);
	default: return bad(why, wsize, "unknown kind \"%s\"", kind);
	}
}

static struct json_object *parse_json(const char *buf, size_t len, char *why, size_t wsize)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (len == 0 || len > (1u << 24) || memchr(buf, '\0', len)) {
		bad(why, wsize, "%s", len ? "not text" : "empty");
		return NULL;
	}
	if (!(tok = json_tokener_new_ex(JSON_DEPTH)))
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		bad(why, wsize, "not JSON: %s", o ? "text after the document" : json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int gv_parse_want(const char *buf, size_t len, struct gv_want *w, char *why, size_t wsize)
{
	struct json_object *o = parse_json(buf, len, why, wsize);
	int r;

	if (!o)
		return -EBADMSG;
	r = parse_object(o, true, w, why, wsize);
	json_object_put(o);
	return r;
}

int gv_parse_wants(const char *buf, size_t len, struct gv_want **out, size_t *count, char *why, size_t wsize)
{
	struct json_object *o = parse_json(buf, len, why, wsize), *v, *arr;
	static const char *const keys[] = {"version", "objects", NULL};
	size_t n;
	int r = 0;

	*out = NULL;
	*count = 0;
	if (!o)
		return -EBADMSG;
	if (json_object_is_type(o, json_type_object) && !json_object_object_get_ex(o, "objects", &arr)) {
		/* one object file given as a whole state */
		if (!(*out = calloc(1, sizeof(**out))))
			r = -ENOMEM;
		else if ((r = parse_object(o, true, *out, why, wsize)) == 0)
			*count = 1;
		goto out;
	}
	if (!json_object_is_type(o, json_type_object) || (r = check_keys(o, keys, why, wsize)) < 0 ||
	    !json_object_object_get_ex(o, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != 1 || !json_object_is_type(arr, json_type_array)) {
		r = r < 0 ? r : bad(why, wsize, "%s", "not {\"version\": 1, \"objects\": [...]}");
		goto out;
	}
	n = json_object_array_length(arr);
	if (n > WANTS_MAX) {
		r = bad(why, wsize, "%s", "more than 4096 objects");
		goto out;
	}
	if (!(*out = calloc(n ? n : 1, sizeof(**out)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char inner[200] = "";
		if ((r = parse_object(json_object_array_get_idx(arr, i), false, &(*out)[i], inner, sizeof(inner))) < 0 && why)
			snprintf(why, wsize, "object %zu: %s", i + 1, inner);
	}
	if (r == 0)
		*count = n;
out:
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	json_object_put(o);
	return r;
}

static struct json_object *want_object(const struct gv_want *w, bool top)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (top)
		json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "kind", json_object_new_string(gv_want_kind_name(w->kind)));
	switch (w->kind) {
	case GV_WANT_VFS:
		json_object_object_add(o, "device", json_object_new_string(w->device));
		json_object_object_add(o, "count", json_object_new_int(w->count));
		break;
	case GV_WANT_BINDING:
		json_object_object_add(o, "device", json_object_new_string(w->device));
		json_object_object_add(o, "driver", json_object_new_string(w->driver));
		break;
	default:
		json_object_object_add(o, "uuid", json_object_new_string(w->uuid));
		json_object_object_add(o, "parent", json_object_new_string(w->device));
		json_object_object_add(o, "profile", json_object_new_string(w->profile));
		json_object_object_add(o, "mechanism", json_object_new_string(gv_state_mechanism_name(w->mechanism)));
		if (w->vf[0])
			json_object_object_add(o, "vf", json_object_new_string(w->vf));
		if (w->owner[0])
			json_object_object_add(o, "owner", json_object_new_string(w->owner));
	}
	return o;
}

static int put_text(struct json_object *o, char *buf, size_t size)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	int n = s ? snprintf(buf, size, "%s\n", s) : -ENOMEM;

	json_object_put(o);
	return n < 0 ? n : (size_t)n >= size ? -ENAMETOOLONG : n;
}

int gv_format_want(const struct gv_want *w, char *buf, size_t size)
{
	struct json_object *o;

	if (!gv_want_kind_name(w->kind) || (w->kind == GV_WANT_INSTANCE && !gv_state_mechanism_name(w->mechanism)))
		return -EINVAL;
	if (!(o = want_object(w, true)))
		return -ENOMEM;
	return put_text(o, buf, size);
}

int gv_format_wants(const struct gv_want *w, size_t n, char *buf, size_t size)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return -ENOMEM;
	}
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "objects", arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e;
		if (!gv_want_kind_name(w[i].kind) || !(e = want_object(&w[i], false))) {
			json_object_put(o);
			return -EINVAL;
		}
		json_object_array_add(arr, e);
	}
	return put_text(o, buf, size);
}
