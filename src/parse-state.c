/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers and formatters for the library's own state files: the
 * journal of every host change (run/gpuvirt/<key>.journal) and the record
 * of a VF-based instance (run/gpuvirt/instances/<uuid>); and the one line
 * of /proc/<pid>/stat the lock layer needs. Part of the parse layer (no I/O);
 * kept apart from parse.c, which reads what the kernel writes.
 *
 * Journals are parsed strictly: a file that is cut short, has an unknown
 * key or state, a word longer than its field, a repeated key or a device
 * line that is not "device BDF DRIVER|- OVERRIDE|-" is damaged (-EBADMSG)
 * and is never acted on. Version 2 ends with an "end" line, so a journal cut
 * off anywhere is damaged; version 1 (libgpuvirt 1.0 and 1.1) is read for
 * hosts upgraded while a device was bound. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

bool gv_valid_driver_name(const char *s, size_t len)
{
	if (len == 0 || len >= GV_DRIVER_LEN || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* A device's name in sysfs (a BDF, "mbochs"): a driver name's characters
 * and ':'. */
static bool valid_device_name(const char *s, size_t len)
{
	char tmp[GV_DRIVER_LEN];

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	for (size_t i = 0; i < len; i++)
		if (tmp[i] == ':')
			tmp[i] = '_';
	return gv_valid_driver_name(tmp, len);
}

static const char *const state_names[] = {
	[GV_STATE_BINDING] = "binding",	     [GV_STATE_BOUND] = "bound",
	[GV_STATE_UNBINDING] = "unbinding",  [GV_STATE_CREATING] = "creating",
	[GV_STATE_DESTROYING] = "destroying", [GV_STATE_ENABLING] = "enabling",
};

const char *gv_journal_state_name(int state)
{
	if (state <= 0 || state >= (int)(sizeof(state_names) / sizeof(state_names[0])))
		return NULL;
	return state_names[state];
}

static const char *const handover_kinds[] = {[GV_HANDOVER_VTCON] = "vtcon", [GV_HANDOVER_FRAMEBUFFER] = "framebuffer"};

const char *gv_handover_kind_name(int kind)
{
	return kind > 0 && kind < (int)(sizeof(handover_kinds) / sizeof(handover_kinds[0])) ? handover_kinds[kind] : NULL;
}

static const char *const mechanism_names[] = {[1] = "mdev", [2] = "nvidia-vendor", [3] = "sriov-vf"};

const char *gv_state_mechanism_name(int mechanism)
{
	if (mechanism <= 0 || mechanism >= (int)(sizeof(mechanism_names) / sizeof(mechanism_names[0])))
		return NULL;
	return mechanism_names[mechanism];
}

/* ---- words ------------------------------------------------------------- */

struct cursor {
	const char *p, *end;
};

/* The next word of a line (no spaces); false at the end of the line. */
static bool next_word(struct cursor *c, const char **w, size_t *wlen)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (c->p >= c->end)
		return false;
	*w = c->p;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	*wlen = (size_t)(c->p - *w);
	return true;
}

/* Copy a word into a field: false if it does not fit (never truncated). */
static bool take(const char *w, size_t wlen, char *out, size_t size)
{
	if (wlen == 0 || wlen >= size || memchr(w, '\0', wlen))
		return false;
	memcpy(out, w, wlen);
	out[wlen] = '\0';
	return true;
}

static bool word_eq(const char *w, size_t wlen, const char *lit)
{
	return strlen(lit) == wlen && memcmp(w, lit, wlen) == 0;
}

static bool parse_u64(const char *w, size_t wlen, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (wlen == 0 || wlen > 20)
		return false;
	for (size_t i = 0; i < wlen; i++) {
		uint64_t d = (uint64_t)(w[i] - '0');
		if (w[i] < '0' || w[i] > '9' || d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	*out = v;
	return true;
}

/* A driver or override word: "-" for none. */
static bool driver_word(const char *w, size_t wlen, char out[GV_DRIVER_LEN])
{
	if (word_eq(w, wlen, "-")) {
		out[0] = '\0';
		return true;
	}
	return gv_valid_driver_name(w, wlen) && take(w, wlen, out, GV_DRIVER_LEN);
}

static bool bdf_word(const char *w, size_t wlen, char out[GV_BDF_LEN])
{
	char tmp[GV_BDF_LEN + 1];

	/* Only the canonical form is written, so only it is read. */
	return wlen == GV_BDF_LEN - 1 && take(w, wlen, tmp, sizeof(tmp)) && gv_parse_bdf(tmp, out) == 0 &&
	       strcmp(tmp, out) == 0;
}

/* A lock key: group-N, card-DDDD:BB:DD or gpu-NAME (a parent's name). */
bool gv_valid_key(const char *k, size_t len)
{
	char tmp[GV_KEY_LEN];

	if (len == 0 || len >= GV_KEY_LEN)
		return false;
	memcpy(tmp, k, len);
	tmp[len] = '\0';
	if (strncmp(tmp, "group-", 6) == 0) {
		uint64_t g;
		return parse_u64(tmp + 6, len - 6, 1u << 30, &g);
	}
	if (strncmp(tmp, "card-", 5) == 0) {
		char bdf[GV_BDF_LEN], canon[GV_BDF_LEN];
		if (len != 5 + 10) /* card-dddd:bb:dd */
			return false;
		memcpy(bdf, tmp + 5, 10);
		memcpy(bdf + 10, ".0", 3);
		return gv_parse_bdf(bdf, canon) == 0 && strncmp(canon, tmp + 5, 10) == 0;
	}
	if (strncmp(tmp, "gpu-", 4) == 0)
		return valid_device_name(tmp + 4, len - 4);
	return false;
}

/* ---- the journal ------------------------------------------------------- */

enum field { F_KIND, F_STATE, F_PID, F_KEY, F_TARGET, F_UUID, F_MECH, F_PARENT, F_MPARENT, F_PROFILE, F_VF, F_COUNT };
static const char *const field_names[F_COUNT] = {"kind",   "state",	  "pid",	 "key",	    "target", "uuid",
					       "mechanism", "parent", "mdev_parent", "profile", "vf"};

static int lookup(const char *const *names, int n, const char *w, size_t wlen)
{
	for (int i = 0; i < n; i++)
		if (names[i] && word_eq(w, wlen, names[i]))
			return i;
	return -1;
}

/* "device BDF DRIVER OVERRIDE" into the originals, or "before ..." into
 * where a re-bind started from. */
static bool device_line(struct cursor *c, struct gv_journal *j, bool before)
{
	struct gv_member *set = before ? j->before : j->dev, *m;
	size_t *count = before ? &j->nbefore : &j->ndev;
	const char *w;
	size_t wlen;

	if (*count >= GV_JOURNAL_MAX_DEVICES)
		return false;
	m = &set[*count];
	if (!next_word(c, &w, &wlen) || !bdf_word(w, wlen, m->bdf) || !next_word(c, &w, &wlen) ||
	    !driver_word(w, wlen, m->driver) || !next_word(c, &w, &wlen) || !driver_word(w, wlen, m->override) ||
	    next_word(c, &w, &wlen))
		return false;
	for (size_t i = 0; i < *count; i++)
		if (strcmp(set[i].bdf, m->bdf) == 0)
			return false;
	(*count)++;
	return true;
}

/* "reset BDF METHODS": a device line's reset_method before the move set
 * device_specific (methods comma-separated, "-" for none). */
static bool reset_line(struct cursor *c, struct gv_journal *j)
{
	char bdf[GV_BDF_LEN];
	const char *w;
	size_t wlen, i;

	if (!next_word(c, &w, &wlen) || !bdf_word(w, wlen, bdf))
		return false;
	for (i = 0; i < j->ndev && strcmp(j->dev[i].bdf, bdf) != 0; i++)
		;
	if (i == j->ndev || j->dev[i].reset[0] || !next_word(c, &w, &wlen) || wlen >= GV_RESET_LEN)
		return false;
	for (size_t k = 0; k < wlen; k++)
		if (!((w[k] >= 'a' && w[k] <= 'z') || w[k] == '_' || w[k] == ',' || (w[k] == '-' && wlen == 1)))
			return false;
	memcpy(j->dev[i].reset, w, wlen);
	j->dev[i].reset[wlen] = '\0';
	return !next_word(c, &w, &wlen);
}

/* "handover vtcon vtconN -" or "handover framebuffer NAME DRIVER": what the
 * move released for the host console. */
static bool handover_line(struct cursor *c, struct gv_journal *j)
{
	struct gv_handover *h = &j->handover[j->nhandover];
	const char *w;
	size_t wlen;
	uint64_t v;

	if (j->nhandover >= GV_HANDOVER_MAX || !next_word(c, &w, &wlen))
		return false;
	h->kind = lookup(handover_kinds, (int)(sizeof(handover_kinds) / sizeof(handover_kinds[0])), w, wlen);
	if (h->kind <= 0 || !next_word(c, &w, &wlen))
		return false;
	if (h->kind == GV_HANDOVER_VTCON ? wlen < 6 || memcmp(w, "vtcon", 5) != 0 || !parse_u64(w + 5, wlen - 5, 1 << 16, &v)
					 : !valid_device_name(w, wlen))
		return false;
	if (!take(w, wlen, h->name, sizeof(h->name)) || !next_word(c, &w, &wlen) || !driver_word(w, wlen, h->driver) ||
	    (h->kind == GV_HANDOVER_VTCON) != !h->driver[0] || next_word(c, &w, &wlen))
		return false;
	for (size_t i = 0; i < j->nhandover; i++)
		if (strcmp(j->handover[i].name, h->name) == 0)
			return false;
	j->nhandover++;
	return true;
}

/* One "key value" line into the journal; false when it is not valid. */
static bool field_line(struct cursor *c, int f, struct gv_journal *j)
{
	const char *w;
	size_t wlen;
	uint64_t v = 0;
	bool ok;

	if (!next_word(c, &w, &wlen))
		return false;
	switch (f) {
	case F_KIND:
		j->kind = word_eq(w, wlen, "bind")     ? GV_JOURNAL_BIND
			  : word_eq(w, wlen, "create") ? GV_JOURNAL_CREATE
			  : word_eq(w, wlen, "vfs")    ? GV_JOURNAL_VFS
						       : 0;
		ok = j->kind != 0;
		break;
	case F_STATE:
		j->state = lookup(state_names, (int)(sizeof(state_names) / sizeof(state_names[0])), w, wlen);
		ok = j->state > 0;
		break;
	case F_PID:
		ok = parse_u64(w, wlen, INT32_MAX, &v);
		j->pid = (long)v;
		if (ok && next_word(c, &w, &wlen))
			ok = parse_u64(w, wlen, UINT64_MAX - 1, &j->start);
		break;
	case F_KEY: ok = gv_valid_key(w, wlen) && take(w, wlen, j->key, sizeof(j->key)); break;
	case F_TARGET: ok = gv_valid_driver_name(w, wlen) && take(w, wlen, j->target, sizeof(j->target)); break;
	case F_UUID: {
		char tmp[40];
		ok = take(w, wlen, tmp, sizeof(tmp)) && gv_parse_uuid(tmp, j->uuid) == 0;
		break;
	}
	case F_MECH:
		j->mechanism = lookup(mechanism_names, 4, w, wlen);
		ok = j->mechanism > 0;
		break;
	case F_PARENT: ok = bdf_word(w, wlen, j->parent); break;
	case F_MPARENT: ok = valid_device_name(w, wlen) && take(w, wlen, j->mdev_parent, sizeof(j->mdev_parent)); break;
	case F_PROFILE: ok = gv_valid_driver_name(w, wlen) && take(w, wlen, j->profile, sizeof(j->profile)); break;
	case F_VF: ok = word_eq(w, wlen, "-") ? (j->vf[0] = '\0', true) : bdf_word(w, wlen, j->vf); break;
	default: ok = false;
	}
	return ok && !next_word(c, &w, &wlen);
}

/* What each kind must carry once the file is read. */
static bool complete(struct gv_journal *j, const bool *seen)
{
	if (!j->kind) /* version 1 named no kind: a create journal has a mechanism */
		j->kind = seen[F_MECH] ? GV_JOURNAL_CREATE : GV_JOURNAL_BIND;
	if (!seen[F_STATE])
		return false;
	if (j->nbefore && (j->kind != GV_JOURNAL_BIND || j->state != GV_STATE_BINDING || j->nbefore != j->ndev))
		return false;
	for (size_t i = 0; i < j->nbefore; i++)
		if (strcmp(j->before[i].bdf, j->dev[i].bdf) != 0)
			return false;
	if (j->kind == GV_JOURNAL_VFS) /* its lock is the PF's: gpu-<PF> */
		return j->version >= 2 && j->state == GV_STATE_ENABLING && seen[F_KEY] && seen[F_PARENT] &&
		       !seen[F_TARGET] && !seen[F_MECH] && !j->ndev && strncmp(j->key, "gpu-", 4) == 0 &&
		       strcmp(j->key + 4, j->parent) == 0;
	if (j->nhandover && j->kind != GV_JOURNAL_BIND)
		return false;
	if (j->kind == GV_JOURNAL_BIND)
		return seen[F_TARGET] && seen[F_KEY] && !seen[F_MECH] &&
		       (j->state == GV_STATE_BINDING || j->state == GV_STATE_BOUND || j->state == GV_STATE_UNBINDING);
	if (j->state != GV_STATE_CREATING && j->state != GV_STATE_DESTROYING)
		return false;
	if (!seen[F_MECH] || !seen[F_PARENT] || !seen[F_PROFILE] || (j->version >= 2 && (!seen[F_UUID] || !seen[F_KEY])))
		return false;
	if (!seen[F_MPARENT])
		snprintf(j->mdev_parent, sizeof(j->mdev_parent), "%s", j->parent);
	/* VF-based instances name their VF; a VF moved to vfio-pci is a device. */
	return j->mechanism == 1 || j->vf[0];
}

/* One line after the header, its first word w: a handover, a reset, a
 * device (or its state before), or one of the fields, each once. */
static bool journal_line(struct cursor *c, const char *w, size_t wlen, struct gv_journal *j, bool *seen)
{
	bool v2 = j->version >= 2;
	int f;

	if (v2 && word_eq(w, wlen, "handover"))
		return handover_line(c, j);
	if (v2 && word_eq(w, wlen, "reset"))
		return reset_line(c, j);
	if ((v2 && word_eq(w, wlen, "before")) || word_eq(w, wlen, "device"))
		return device_line(c, j, v2 && word_eq(w, wlen, "before"));
	f = lookup(field_names, F_COUNT, w, wlen);
	if (f < 0 || seen[f] || !field_line(c, f, j))
		return false;
	seen[f] = true;
	return true;
}

int gv_parse_journal(const char *buf, size_t len, struct gv_journal *j)
{
	bool seen[F_COUNT] = {false}, ended = false;
	size_t pos = 0;

	memset(j, 0, sizeof(*j));
	if (!buf || len == 0 || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		return -EBADMSG; /* cut off mid-line, or binary */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos), *w;
		struct cursor c = {buf + pos, nl};
		size_t wlen;
		pos = (size_t)(nl - buf) + 1;
		if (ended || !next_word(&c, &w, &wlen))
			return -EBADMSG; /* blank lines and anything after "end" */
		if (!j->version) {
			uint64_t v;
			if (!word_eq(w, wlen, "gpuvirt-journal") || !next_word(&c, &w, &wlen) || !parse_u64(w, wlen, 2, &v) ||
			    v < 1 || next_word(&c, &w, &wlen))
				return -EBADMSG;
			j->version = (int)v;
			continue;
		}
		if (word_eq(w, wlen, "end") && j->version >= 2) {
			ended = !next_word(&c, &w, &wlen);
			if (!ended)
				return -EBADMSG;
		} else if (!journal_line(&c, w, wlen, j, seen)) {
			return -EBADMSG;
		}
	}
	if ((j->version >= 2 && !ended) || !complete(j, seen))
		return -EBADMSG;
	return 0;
}

int gv_format_journal(const struct gv_journal *j, char *buf, size_t size)
{
	size_t used = 0;
	int n;

#define PUT(...)                                                                   \
	do {                                                                       \
		n = snprintf(buf + used, size - used, __VA_ARGS__);                \
		if (n < 0 || (size_t)n >= size - used)                             \
			return -ENAMETOOLONG;                                      \
		used += (size_t)n;                                                 \
	} while (0)
	if (!gv_journal_state_name(j->state) || !j->key[0])
		return -EINVAL;
	PUT("gpuvirt-journal 2\nkind %s\nstate %s\npid %ld %llu\nkey %s\n",
	    j->kind == GV_JOURNAL_CREATE ? "create" : j->kind == GV_JOURNAL_VFS ? "vfs" : "bind",
	    gv_journal_state_name(j->state), j->pid, (unsigned long long)j->start, j->key);
	if (j->target[0])
		PUT("target %s\n", j->target);
	if (j->kind == GV_JOURNAL_CREATE) {
		if (!gv_state_mechanism_name(j->mechanism))
			return -EINVAL;
		PUT("uuid %s\nmechanism %s\nparent %s\nmdev_parent %s\nprofile %s\nvf %s\n", j->uuid,
		    gv_state_mechanism_name(j->mechanism), j->parent, j->mdev_parent[0] ? j->mdev_parent : j->parent,
		    j->profile, j->vf[0] ? j->vf : "-");
	}
	if (j->kind == GV_JOURNAL_VFS)
		PUT("parent %s\n", j->parent);
	for (size_t i = 0; i < j->ndev; i++)
		PUT("device %s %s %s\n", j->dev[i].bdf, j->dev[i].driver[0] ? j->dev[i].driver : "-",
		    j->dev[i].override[0] ? j->dev[i].override : "-");
	for (size_t i = 0; i < j->ndev; i++)
		if (j->dev[i].reset[0])
			PUT("reset %s %s\n", j->dev[i].bdf, j->dev[i].reset);
	for (size_t i = 0; i < j->nhandover; i++) {
		if (!gv_handover_kind_name(j->handover[i].kind))
			return -EINVAL;
		PUT("handover %s %s %s\n", gv_handover_kind_name(j->handover[i].kind), j->handover[i].name,
		    j->handover[i].driver[0] ? j->handover[i].driver : "-");
	}
	for (size_t i = 0; i < j->nbefore; i++)
		PUT("before %s %s %s\n", j->before[i].bdf, j->before[i].driver[0] ? j->before[i].driver : "-",
		    j->before[i].override[0] ? j->before[i].override : "-");
	PUT("end\n");
#undef PUT
	return (int)used;
}

/* ---- the instance record ---------------------------------------------- */

int gv_parse_record(const char *buf, size_t len, struct gv_record *rec)
{
	static const char *const keys[] = {"mechanism", "parent", "profile", "name", "vf"};
	bool seen[5] = {false};
	size_t pos = 0;

	memset(rec, 0, sizeof(*rec));
	if (!buf || len == 0 || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		return -EBADMSG;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos), *w;
		struct cursor c = {buf + pos, nl};
		size_t wlen;
		pos = (size_t)(nl - buf) + 1;
		if (!next_word(&c, &w, &wlen))
			return -EBADMSG;
		int k = lookup(keys, 5, w, wlen);
		if (k < 0 || seen[k])
			return -EBADMSG;
		seen[k] = true;
		if (k == 3) { /* the name is the rest of the line, spaces and all */
			while (c.p < c.end && *c.p == ' ')
				c.p++;
			if (!take(c.p, (size_t)(c.end - c.p), rec->name, sizeof(rec->name)))
				return -EBADMSG;
			continue;
		}
		if (!next_word(&c, &w, &wlen))
			return -EBADMSG;
		bool ok = k == 0   ? (rec->mechanism = lookup(mechanism_names, 4, w, wlen)) > 1
			  : k == 1 ? bdf_word(w, wlen, rec->parent)
			  : k == 2 ? gv_valid_driver_name(w, wlen) && take(w, wlen, rec->profile, sizeof(rec->profile))
				   : bdf_word(w, wlen, rec->vf);
		if (!ok || next_word(&c, &w, &wlen))
			return -EBADMSG;
	}
	return seen[0] && seen[1] && seen[2] && seen[4] ? 0 : -EBADMSG;
}

int gv_format_record(const struct gv_record *rec, char *buf, size_t size)
{
	const char *mech = gv_state_mechanism_name(rec->mechanism);
	int n;

	if (!mech || strchr(rec->name, '\n'))
		return -EINVAL;
	n = snprintf(buf, size, "mechanism %s\nparent %s\nprofile %s\nname %s\nvf %s\n", mech, rec->parent, rec->profile,
		     rec->name[0] ? rec->name : rec->profile, rec->vf);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

/* ---- /proc/<pid>/stat -------------------------------------------------- */

int gv_parse_proc_stat_start(const char *buf, size_t len, char *state, uint64_t *start)
{
	const char *p = NULL, *end = buf + len;
	int field = 2;

	/* The command (field 2) is in parentheses and may hold anything, so
	 * count from the last ')'. */
	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return -EBADMSG;
	p++;
	while (p < end) {
		const char *w;
		while (p < end && *p == ' ')
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == w)
			break;
		if (++field == 3)
			*state = p - w == 1 ? *w : '?';
		if (field == 22)
			return parse_u64(w, (size_t)(p - w), UINT64_MAX - 1, start) ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}
