/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recovery: finishing what a process that is gone left half-done. Called
 * only by gpuvirt_recover() (and so `gpuvirt recover` and, at boot, the
 * restore step); no operation runs it implicitly.
 *
 * A journal is acted on only under its lock, and only when the process that
 * wrote it is gone (its pid and start time are recorded) or handed it over.
 * A damaged journal, or one naming a device outside its lock's group, is
 * left for inspection and reported, never acted on. Bind journals are done
 * first, so that a VF's own binding is settled before the instance that
 * used it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

struct tally {
	int done, first_err;
	size_t damaged;
	char damaged_names[512];
};

static void note_err(struct tally *t, int r)
{
	if (r < 0 && !t->first_err)
		t->first_err = r;
}

static void note_damaged(gpuvirt_ctx *ctx, struct tally *t, const char *file, const char *why)
{
	size_t l = strlen(t->damaged_names);

	gv_warn(ctx, "run/gpuvirt/%s is damaged (%s); left for inspection", file, why);
	snprintf(t->damaged_names + l, sizeof(t->damaged_names) - l, "%s%s (%s)", l ? ", " : "", file, why);
	t->damaged++;
}

/* Does every device of a bind journal belong to its key's group or card? */
static bool devices_match_key(gpuvirt_ctx *ctx, const struct gv_journal *j)
{
	for (size_t i = 0; i < j->ndev; i++) {
		const char *bdf = j->dev[i].bdf;
		if (strncmp(j->key, "card-", 5) == 0) {
			if (strlen(j->key) != 15 || strncmp(j->key + 5, bdf, 10) != 0)
				return false;
		} else if (strncmp(j->key, "group-", 6) == 0) {
			char rel[128], group[32];
			if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/iommu_group", bdf) < 0 ||
			    gv_readlink_base(ctx, rel, group, sizeof(group)) <= 0 || strcmp(group, j->key + 6) != 0)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* With the lock held: a bind journal left "binding" or "unbinding". */
static int finish_bind(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j)
{
	pid_t writer = 0;
	int r;

	if (j->state == GV_STATE_BOUND)
		return 0;
	gv_info(ctx, "%s: an interrupted %s (to %s) is undone", j->key, gv_journal_state_name(j->state), j->target);
	if (j->state == GV_STATE_BINDING && j->nbefore) {
		/* A re-bind over an earlier one: back to where it started, and
		 * the earlier record (with the originals) stays. */
		r = gv_move_restore_all(ctx, j->before, j->nbefore, j->target, &writer);
		if (r == 0) {
			for (size_t i = 0; i < j->nbefore; i++)
				if (j->before[i].driver[0])
					snprintf(j->target, sizeof(j->target), "%s", j->before[i].driver);
			j->state = GV_STATE_BOUND;
			j->nbefore = 0;
			r = gv_journal_write(ctx, name, j);
		}
	} else {
		r = gv_move_restore_all(ctx, j->dev, j->ndev, j->target, &writer);
		if (r == 0)
			r = gv_console_give_back(ctx, j->handover, j->nhandover, &writer);
		if (r == 0)
			r = gv_journal_remove(ctx, name);
	}
	if (r < 0)
		gv_journal_hand_over(ctx, name, j, writer);
	return r < 0 ? r : 1;
}

/* With the PF's lock held: VFs were being enabled with its autoprobe off
 * (gv_mut_enable_vfs); whether or not they came, autoprobe goes back on. */
static int finish_vfs(gpuvirt_ctx *ctx, const char *name, const struct gv_journal *j)
{
	char rel[128];
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_drivers_autoprobe", j->parent)) < 0 ||
	    (r = gv_mut_write(ctx, j->parent, rel, "1\n")) < 0)
		return r;
	gv_info(ctx, "%s: its interrupted enabling of VFs is finished (sriov_drivers_autoprobe on again)", j->parent);
	return (r = gv_journal_remove(ctx, name)) < 0 ? r : 1;
}

/* Take away whatever part of an instance a create (or a destroy) left. */
static int undo_instance(gpuvirt_ctx *ctx, const struct gv_journal *j)
{
	char rel[256];
	pid_t writer;
	int r = 0;

	if (j->mechanism == GPUVIRT_MECHANISM_MDEV) {
		if ((r = gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", j->uuid)) < 0)
			return r;
		if ((r = gv_exists(ctx, rel)) == 1 && (r = gv_instance_holders_refuse(ctx, j->uuid)) == 0)
			r = gv_mut_mdev_remove(ctx, j->uuid, &writer);
		if (r == 0 && gv_path(rel, sizeof(rel), "etc/mdevctl.d/%s/%s", j->mdev_parent, j->uuid) == 0)
			r = gv_mut_remove_file(ctx, rel);
		return r;
	}
	if (j->mechanism == GPUVIRT_MECHANISM_NVIDIA_VENDOR) {
		long now = gv_mut_read_vendor_type(ctx, j->vf);
		if (now < 0)
			return (int)now;
		if (now == strtol(j->profile, NULL, 10) && (r = gv_instance_holders_refuse(ctx, j->vf)) == 0)
			r = gv_mut_vendor_type(ctx, j->vf, 0);
	} else {
		struct gv_move m = {.members = NULL};
		char drv[GV_DRIVER_LEN];
		if ((r = gv_mut_driver(ctx, j->vf, drv, sizeof(drv))) < 0)
			return r;
		if (strcmp(drv, "vfio-pci") == 0) {
			gv_move_key(ctx, j->vf, m.key, sizeof(m.key), &m.group);
			r = gv_move_undo(ctx, &m);
		}
	}
	return r < 0 ? r : gv_record_remove(ctx, j->uuid);
}

static int finish_create(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j)
{
	char key[GV_KEY_LEN];
	int r;

	snprintf(key, sizeof(key), "gpu-%s", j->parent);
	if (strcmp(key, j->key) != 0 && j->version >= 2)
		return -EBADMSG;
	if ((r = undo_instance(ctx, j)) < 0) {
		gv_journal_hand_over(ctx, name, j, 0);
		return r;
	}
	gv_info(ctx, "removed instance %s, whose %s was interrupted", j->uuid,
		j->state == GV_STATE_CREATING ? "creation" : "release");
	return (r = gv_journal_remove(ctx, name)) < 0 ? r : 1;
}

/* Read a journal for recovery: version 1 create journals named their
 * instance only in the file name. 0, -ENOENT (finished meanwhile) or an
 * error; a damaged one is noted. */
static int read_for_recovery(gpuvirt_ctx *ctx, const char *name, const char *file, struct gv_journal *j,
			     struct tally *t)
{
	bool is_create = strncmp(name, "create-", 7) == 0;
	int r = gv_journal_read(ctx, name, j);

	if (r == -EBADMSG) {
		note_damaged(ctx, t, file, "malformed");
		return r;
	}
	if (r < 0)
		return r;
	if (is_create && j->version == 1) {
		if (gv_parse_uuid(name + 7, j->uuid) < 0) {
			note_damaged(ctx, t, file, "no instance UUID");
			return -EBADMSG;
		}
		snprintf(j->key, sizeof(j->key), "gpu-%s", j->parent);
	}
	if (!is_create && strcmp(j->key, name) != 0) {
		note_damaged(ctx, t, file, "names another lock");
		return -EBADMSG;
	}
	return 0;
}

/* With the journal's lock held: act on it if its owner is gone. */
static void recover_locked(gpuvirt_ctx *ctx, const char *name, const char *file, struct gv_journal *j,
			   struct tally *t)
{
	bool is_create = strncmp(name, "create-", 7) == 0;
	int r = read_for_recovery(ctx, name, file, j, t); /* again: its owner may have finished it */

	if (r < 0) {
		if (r != -ENOENT && r != -EBADMSG)
			note_err(t, r);
		return;
	}
	if (j->pid != 0 && j->pid != (long)getpid() && gv_owner_alive(j->pid, j->start)) {
		gv_info(ctx, "%s: its owner, pid %ld, is alive; left to it", file, j->pid);
		return;
	}
	if (!is_create && !devices_match_key(ctx, j)) {
		note_damaged(ctx, t, file, "a device outside its lock's group");
		return;
	}
	r = is_create			  ? finish_create(ctx, name, j)
	    : j->kind == GV_JOURNAL_VFS ? finish_vfs(ctx, name, j)
					  : finish_bind(ctx, name, j);
	if (r == -EBADMSG)
		note_damaged(ctx, t, file, "names another parent");
	else if (r > 0)
		t->done++;
	else
		note_err(t, r);
}

/* One journal file: name without ".journal". */
static void recover_one(gpuvirt_ctx *ctx, const char *name, bool creates, struct tally *t)
{
	struct gv_journal *j;
	char file[GV_KEY_LEN + 32];
	int fd = -1, r;

	if ((strncmp(name, "create-", 7) == 0) != creates)
		return;
	if (!(j = malloc(sizeof(*j)))) {
		note_err(t, -ENOMEM);
		return;
	}
	snprintf(file, sizeof(file), "%s.journal", name);
	r = read_for_recovery(ctx, name, file, j, t);
	if (r < 0) {
		if (r != -ENOENT && r != -EBADMSG) /* gone meanwhile: finished by its owner */
			note_err(t, r);
	} else if (gv_lock_take(ctx, j->key, false, &fd) < 0) {
		gv_info(ctx, "%s: %s", file, gpuvirt_ctx_get_error(ctx)); /* a live process is at work on it */
		gv_clear_error(ctx);
	} else {
		recover_locked(ctx, name, file, j, t);
		gv_lock_release(fd);
	}
	free(j);
}

int gv_recover_all(gpuvirt_ctx *ctx)
{
	struct tally t = {0};
	char **names;
	size_t n;
	int r;

	r = gv_list_dir(ctx, "run/gpuvirt", &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list run/gpuvirt under %s: %s", ctx->root, gpuvirt_strerror(r));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(names[i]);
			char name[GV_KEY_LEN + 16];
			if (l <= 8 || l - 8 >= sizeof(name) || strcmp(names[i] + l - 8, ".journal") != 0 || names[i][0] == '.')
				continue;
			memcpy(name, names[i], l - 8);
			name[l - 8] = '\0';
			recover_one(ctx, name, pass == 1, &t);
		}
	gv_names_free(names, n);
	if (t.first_err)
		return t.first_err; /* its message is in ctx */
	if (t.damaged)
		return gv_fail(ctx, -EBADMSG, "%zu damaged journal%s left for inspection: %s (%d recovered)", t.damaged,
			       t.damaged == 1 ? "" : "s", t.damaged_names, t.done);
	return t.done;
}

GPUVIRT_EXPORT int gpuvirt_recover(gpuvirt_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	return gv_recover_all(ctx);
}
