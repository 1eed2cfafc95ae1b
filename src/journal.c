/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journals and instance records of the mutation layer.
 *
 * One journal format for every change (parse-state.c): a bind journal is
 * run/gpuvirt/<key>.journal, a create journal run/gpuvirt/create-<uuid>.journal.
 * Each is replaced atomically (temporary file, fsync, rename, fsync of the
 * folder), so a reader sees the old state or the new one, never half. The
 * record of a VF-based instance is run/gpuvirt/instances/<uuid>. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define STATE_DIR "run/gpuvirt"
#define RECORD_DIR "run/gpuvirt/instances"
#define TYPES_DIR "run/gpuvirt/vendor-types"
#define JOURNAL_MAX (GV_JOURNAL_MAX_DEVICES * 160 + 2048)

static int journal_path(gpuvirt_ctx *ctx, const char *name, char *rel, size_t size)
{
	int r = gv_path(rel, size, STATE_DIR "/%s.journal", name);

	return r < 0 ? gv_fail(ctx, r, "journal %s: %s", name, gpuvirt_strerror(r)) : 0;
}

int gv_journal_read(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j)
{
	char rel[GV_KEY_LEN + 64];
	char *buf;
	ssize_t n;
	int r;

	memset(j, 0, sizeof(*j));
	if ((r = journal_path(ctx, name, rel, sizeof(rel))) < 0)
		return r;
	buf = malloc(JOURNAL_MAX);
	if (!buf)
		return -ENOMEM;
	n = gv_read_text(ctx, rel, buf, JOURNAL_MAX);
	if (n == -ENOENT) {
		r = -ENOENT;
	} else if (n < 0) {
		r = gv_fail(ctx, (int)n, "cannot read the journal %s under %s: %s", rel, ctx->root, gpuvirt_strerror((int)n));
	} else if ((r = gv_parse_journal(buf, (size_t)n, j)) < 0) {
		r = gv_fail(ctx, -EBADMSG, "the journal %s under %s is damaged; left for inspection", rel, ctx->root);
	}
	free(buf);
	return r;
}

/* Write j as it is (its pid included), atomically. */
static int write_journal(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j)
{
	char rel[GV_KEY_LEN + 64], *text;
	int r, n;

	if ((r = journal_path(ctx, name, rel, sizeof(rel))) < 0)
		return r;
	j->version = 2;
	text = malloc(JOURNAL_MAX);
	if (!text)
		return -ENOMEM;
	n = gv_format_journal(j, text, JOURNAL_MAX);
	if (n < 0)
		r = gv_fail(ctx, n, "cannot write the journal %s: %s", rel, gpuvirt_strerror(n));
	else if ((r = gv_state_dir(ctx, STATE_DIR, 0755)) == 0 && (r = gv_write_file_atomic(ctx, rel, text)) < 0)
		/* The file system's words ("No space left on device"), not the
		 * library's for a full GPU. */
		r = gv_fail(ctx, r, "cannot write the journal %s under %s: %s", rel, ctx->root, strerror(-r));
	free(text);
	return r;
}

static uint64_t start_of(pid_t pid)
{
	uint64_t s = gv_process_start(pid);

	return s == UINT64_MAX ? 0 : s;
}

int gv_journal_write(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j)
{
	j->pid = (long)getpid();
	j->start = start_of(getpid());
	return write_journal(ctx, name, j);
}

int gv_journal_remove(gpuvirt_ctx *ctx, const char *name)
{
	char rel[GV_KEY_LEN + 64];
	int r;

	if ((r = journal_path(ctx, name, rel, sizeof(rel))) < 0)
		return r;
	r = gv_unlink(ctx, rel);
	if (r < 0 && r != -ENOENT)
		return gv_fail(ctx, r, "cannot remove the journal %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

int gv_journal_hand_over(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j, pid_t writer)
{
	char keep[sizeof(ctx->error)];
	int r;

	/* The caller's failure message is what the user needs: keep it. */
	memcpy(keep, ctx->error, sizeof(keep));
	j->pid = writer > 0 ? (long)writer : 0;
	j->start = writer > 0 ? start_of(writer) : 0;
	r = write_journal(ctx, name, j);
	memcpy(ctx->error, keep, sizeof(keep));
	return r;
}

/* ---- create journals ---------------------------------------------------- */

static void create_name(const char *uuid, char *name, size_t size)
{
	snprintf(name, size, "create-%s", uuid);
}

int gv_journal_begin_create(gpuvirt_ctx *ctx, const char *uuid, int mechanism, const char *parent,
			    const char *mdev_parent, const char *profile, const char *vf)
{
	struct gv_journal *j = calloc(1, sizeof(*j));
	char name[64];
	int r;

	if (!j)
		return -ENOMEM;
	j->kind = GV_JOURNAL_CREATE;
	j->state = GV_STATE_CREATING;
	j->mechanism = mechanism;
	snprintf(j->key, sizeof(j->key), "gpu-%s", parent);
	snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
	snprintf(j->parent, sizeof(j->parent), "%s", parent);
	snprintf(j->mdev_parent, sizeof(j->mdev_parent), "%s", mdev_parent ? mdev_parent : parent);
	snprintf(j->profile, sizeof(j->profile), "%s", profile);
	snprintf(j->vf, sizeof(j->vf), "%s", vf ? vf : "");
	create_name(uuid, name, sizeof(name));
	r = gv_journal_write(ctx, name, j);
	free(j);
	return r;
}

int gv_journal_end_create(gpuvirt_ctx *ctx, const char *uuid)
{
	char name[64];

	create_name(uuid, name, sizeof(name));
	return gv_journal_remove(ctx, name);
}

/* The journal of a PF's VFs being enabled with its autoprobe off,
 * run/gpuvirt/gpu-<pf>.journal, under the PF's lock. */
int gv_journal_begin_vfs(gpuvirt_ctx *ctx, const char *pf)
{
	struct gv_journal *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	j->kind = GV_JOURNAL_VFS;
	j->state = GV_STATE_ENABLING;
	snprintf(j->key, sizeof(j->key), "gpu-%s", pf);
	snprintf(j->parent, sizeof(j->parent), "%s", pf);
	r = gv_journal_write(ctx, j->key, j);
	free(j);
	return r;
}

int gv_journal_end_vfs(gpuvirt_ctx *ctx, const char *pf)
{
	char name[GV_KEY_LEN];

	snprintf(name, sizeof(name), "gpu-%s", pf);
	return gv_journal_remove(ctx, name);
}

/* ---- instance records -------------------------------------------------- */

int gv_record_read(gpuvirt_ctx *ctx, const char *uuid, struct gv_record *rec)
{
	char rel[128], buf[1024];
	ssize_t n;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = gv_path(rel, sizeof(rel), RECORD_DIR "/%s", uuid)) < 0)
		return r;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n == -ENOENT)
		return -ENOENT;
	if (n < 0)
		return gv_fail(ctx, (int)n, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror((int)n));
	if (gv_parse_record(buf, (size_t)n, rec) < 0)
		return gv_fail(ctx, -EBADMSG, "the instance record %s under %s is damaged", rel, ctx->root);
	return 0;
}

int gv_record_write(gpuvirt_ctx *ctx, const char *uuid, const struct gv_record *rec)
{
	char rel[128], text[1024];
	int r, n;

	if ((r = gv_path(rel, sizeof(rel), RECORD_DIR "/%s", uuid)) < 0)
		return r;
	if ((n = gv_format_record(rec, text, sizeof(text))) < 0)
		return gv_fail(ctx, n, "cannot write %s: %s", rel, gpuvirt_strerror(n));
	if ((r = gv_state_dir(ctx, STATE_DIR, 0755)) < 0 || (r = gv_state_dir(ctx, RECORD_DIR, 0755)) < 0)
		return r;
	if ((r = gv_write_file_atomic(ctx, rel, text)) < 0)
		return gv_fail(ctx, r, "cannot write %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

int gv_record_remove(gpuvirt_ctx *ctx, const char *uuid)
{
	char rel[128];
	int r;

	if ((r = gv_path(rel, sizeof(rel), RECORD_DIR "/%s", uuid)) < 0)
		return r;
	r = gv_unlink(ctx, rel);
	if (r < 0 && r != -ENOENT)
		return gv_fail(ctx, r, "cannot remove %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

int gv_record_for_vf(gpuvirt_ctx *ctx, const char *vf, char out[37])
{
	char **names;
	size_t n;
	int r;

	out[0] = '\0';
	r = gv_list_dir(ctx, RECORD_DIR, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list %s: %s", RECORD_DIR, gpuvirt_strerror(r));
	for (size_t i = 0; i < n && !out[0] && r == 0; i++) {
		struct gv_record rec;
		char uuid[37];
		if (gv_parse_uuid(names[i], uuid) < 0 || strcmp(uuid, names[i]) != 0)
			continue; /* a temporary file, or not ours */
		int rr = gv_record_read(ctx, uuid, &rec);
		if (rr == 0 && strcmp(rec.vf, vf) == 0)
			memcpy(out, uuid, 37);
		else if (rr < 0 && rr != -ENOENT)
			r = rr;
	}
	gv_names_free(names, n);
	return r;
}

/* ---- the vendor types a GPU offered while it was empty ------------------ */

int gv_vendor_types_write(gpuvirt_ctx *ctx, const char *pf, const char *text)
{
	char rel[128];
	int r;

	if ((r = gv_path(rel, sizeof(rel), TYPES_DIR "/%s", pf)) < 0)
		return r;
	if ((r = gv_state_dir(ctx, STATE_DIR, 0755)) < 0 || (r = gv_state_dir(ctx, TYPES_DIR, 0755)) < 0)
		return r;
	if ((r = gv_write_file_atomic(ctx, rel, text)) < 0)
		return gv_fail(ctx, r, "cannot write %s: %s", rel, gpuvirt_strerror(r));
	return 0;
}

ssize_t gv_vendor_types_read(gpuvirt_ctx *ctx, const char *pf, char *buf, size_t size)
{
	char rel[128];
	ssize_t n;
	int r;

	if ((r = gv_path(rel, sizeof(rel), TYPES_DIR "/%s", pf)) < 0)
		return r;
	n = gv_read_text(ctx, rel, buf, size);
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "cannot read %s under %s: %s", rel, ctx->root, gpuvirt_strerror((int)n));
	return n;
}
