/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Moving devices between drivers as one transaction of the mutation layer:
 * the heart of passthrough binding (bind.c) and of SR-IOV VF instances.
 *
 * apply: under the key's lock, refuse if an unfinished journal or a holder is
 * in the way, journal "binding" (the originals, and where a re-bind started
 * from), run the steps verifying each, journal "bound". A failure rolls back
 * to where the devices were; a write the kernel keeps blocked past the
 * deadline hands the journal to that write's process, for gpuvirt recover
 * to finish once it returns.
 * undo: under the lock, journal "unbinding", give every device back to its
 * original driver and override, then the host console what the bind
 * released of it (console.c), and remove the journal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define VFIO_WAIT_MS 5000
#define MODULE_WAIT_MS 2000

void gv_move_key_for(int group, const char *bdf, char *key, size_t size)
{
	if (group >= 0)
		snprintf(key, size, "group-%d", group);
	else
		snprintf(key, size, "card-%.10s", bdf); /* dddd:bb:dd: the slot */
}

void gv_move_key(gpuvirt_ctx *ctx, const char *bdf, char *key, size_t size, int *group)
{
	char rel[128], g[32];
	long v;

	*group = -1;
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/iommu_group", bdf) == 0 &&
	    gv_readlink_base(ctx, rel, g, sizeof(g)) > 0 && gv_parse_int(g, strlen(g), 0, 1 << 30, &v) == 0)
		*group = (int)v;
	gv_move_key_for(*group, bdf, key, size);
}

/* ---- planning ---------------------------------------------------------- */

static int add_step(struct gv_move *m, const char *device, const char *action, const char *path, const char *value)
{
	struct gv_step *ns = realloc(m->steps, (m->nsteps + 1) * sizeof(*ns));
	struct gv_step s = {0};

	if (!ns)
		return -ENOMEM;
	m->steps = ns;
	s.device = device ? strdup(device) : NULL;
	s.action = strdup(action);
	s.path = path ? strdup(path) : NULL;
	s.value = value ? strdup(value) : NULL;
	if ((device && !s.device) || !s.action || (path && !s.path) || (value && !s.value)) {
		free(s.device);
		free(s.action);
		free(s.path);
		free(s.value);
		return -ENOMEM;
	}
	m->steps[m->nsteps++] = s;
	return 0;
}

static int plan_module(gpuvirt_ctx *ctx, struct gv_move *m, struct gv_modules *mods)
{
	const char *module = gv_module_of_driver(m->target);
	int s;

	if (gv_driver_loaded(ctx, m->target))
		return 0;
	s = gv_module_state(ctx, mods, module);
	if (s == GV_MODULE_MISSING)
		return gv_fail(ctx, -ENOENT, "driver %s is not loaded, and module %s is not available for kernel %s",
			       m->target, module, mods->release);
	snprintf(m->module, sizeof(m->module), "%s", module);
	return add_step(m, NULL, "modprobe", NULL, m->module);
}

static int plan_member(struct gv_move *m, const struct gv_member *d, bool pciback)
{
	char rel[160];
	int r;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", d->bdf) < 0)
		return -EINVAL;
	if (d->reset[0]) { /* a reset quirk vendor-reset answers (unit.c) */
		char rrel[160];
		if (gv_path(rrel, sizeof(rrel), "sys/bus/pci/devices/%s/reset_method", d->bdf) < 0)
			return -EINVAL;
		if ((r = add_step(m, d->bdf, "reset_method", rrel, "device_specific")) < 0)
			return r;
	}
	if ((r = add_step(m, d->bdf, "override", rel, m->target)) < 0)
		return r;
	if (pciback && (r = add_step(m, d->bdf, "new_slot", "sys/bus/pci/drivers/pciback/new_slot", d->bdf)) < 0)
		return r;
	if (d->driver[0]) {
		if (gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", d->driver) < 0)
			return -EINVAL;
		if ((r = add_step(m, d->bdf, "unbind", rel, d->bdf)) < 0)
			return r;
	}
	return add_step(m, d->bdf, "probe", "sys/bus/pci/drivers_probe", d->bdf);
}

/* The file a console or framebuffer step writes. */
static int handover_path(const struct gv_handover *h, char *rel, size_t size)
{
	return h->kind == GV_HANDOVER_VTCON ? gv_path(rel, size, "sys/class/vtconsole/%s/bind", h->name)
					    : gv_path(rel, size, "sys/bus/platform/drivers/%s/unbind", h->driver);
}

/* What holds the boot VGA for the console, released before any device moves. */
static int plan_handover(struct gv_move *m)
{
	char rel[160];
	int r;

	for (size_t i = 0; i < m->nhandover; i++) {
		const struct gv_handover *h = &m->handover[i];
		if (handover_path(h, rel, sizeof(rel)) < 0)
			return -EINVAL;
		if ((r = add_step(m, m->vga, h->kind == GV_HANDOVER_VTCON ? "console" : "framebuffer", rel,
				  h->kind == GV_HANDOVER_VTCON ? "0" : h->name)) < 0)
			return r;
	}
	return 0;
}

int gv_move_plan(gpuvirt_ctx *ctx, struct gv_move *m, struct gv_modules *mods)
{
	bool pciback = strcmp(m->target, "pciback") == 0;
	char rel[160];
	int r;

	if (m->nmembers > GV_JOURNAL_MAX_DEVICES)
		return gv_fail(ctx, -E2BIG, "%s: %zu devices move together; at most %d can", m->key, m->nmembers,
			       GV_JOURNAL_MAX_DEVICES);
	if ((r = plan_module(ctx, m, mods)) < 0 || (r = plan_handover(m)) < 0)
		return r;
	for (size_t i = 0; i < m->nmembers; i++)
		if (strcmp(m->members[i].driver, m->target) != 0 && (r = plan_member(m, &m->members[i], pciback)) < 0)
			return r;
	if ((m->vfio || strcmp(m->target, "vfio-pci") == 0) && m->nmembers && m->group >= 0) {
		snprintf(rel, sizeof(rel), "dev/vfio/%d", m->group);
		if ((r = add_step(m, NULL, "wait", rel, NULL)) < 0)
			return r;
		/* A kernel with VFIO device cdevs (iommufd, Linux 6.6+): each
		 * device's /dev/vfio/devices/vfioN too. Where vfio is still to be
		 * loaded proc/devices cannot say yet: a 6.6+ release may have them,
		 * and the step asks the device. */
		int cdevs = !m->module[0] ? gv_vfio_cdevs(ctx)
					  : gv_parse_kernel_version(mods->release, strlen(mods->release)) >= 6006;
		if (cdevs < 0)
			return cdevs;
		for (size_t i = 0; i < m->nmembers && cdevs == 1; i++)
			if (strcmp(m->members[i].driver, m->target) != 0 &&
			    (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/vfio-dev", m->members[i].bdf) < 0 ||
			     (r = add_step(m, m->members[i].bdf, "wait_cdev", rel, NULL)) < 0))
				return r < 0 ? r : -EINVAL;
	}
	if (m->flags & GPUVIRT_BIND_PERSIST)
		for (size_t i = 0; i < m->nmembers; i++) {
			if (gv_path(rel, sizeof(rel), "etc/driverctl.d/pci-%s", m->members[i].bdf) < 0)
				return -EINVAL;
			if ((r = add_step(m, m->members[i].bdf, "persist", rel, m->target)) < 0)
				return r;
			if (gv_persist_rel(GV_WANT_BINDING, m->members[i].bdf, rel, sizeof(rel)) < 0)
				return -EINVAL;
			if ((r = add_step(m, m->members[i].bdf, "persist", rel, m->target)) < 0)
				return r;
		}
	return 0;
}

void gv_move_free(struct gv_move *m)
{
	for (size_t i = 0; i < m->nsteps; i++) {
		free(m->steps[i].device);
		free(m->steps[i].action);
		free(m->steps[i].path);
		free(m->steps[i].value);
	}
	free(m->steps);
	free(m->members);
	m->steps = NULL;
	m->members = NULL;
	m->nsteps = m->nmembers = 0;
}

/* ---- running ----------------------------------------------------------- */

static int run_modprobe(gpuvirt_ctx *ctx, const struct gv_move *m, const struct gv_step *s)
{
	char rel[128];
	int r;

	if (gv_driver_loaded(ctx, m->target))
		return 0;
	if ((r = gv_modprobe(ctx, s->value)) < 0)
		return r;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s", m->target)) < 0)
		return r;
	if (gv_mut_wait_for(ctx, rel, MODULE_WAIT_MS) < 0)
		return gv_fail(ctx, -ENOENT, "module %s loaded, but driver %s did not appear", s->value, m->target);
	return 0;
}

/* The driver named in the plan must still be the device's. */
static int run_unbind(gpuvirt_ctx *ctx, const struct gv_step *s, pid_t *writer)
{
	char now[GV_DRIVER_LEN], rel[160];
	int r;

	if ((r = gv_mut_driver(ctx, s->device, now, sizeof(now))) < 0)
		return r;
	if (!now[0])
		return 0;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", now)) < 0)
		return r;
	if (strcmp(rel, s->path) != 0)
		return gv_fail(ctx, -ESTALE, "%s: now bound to %s, not the planned driver", s->device, now);
	return gv_mut_unbind(ctx, s->device, now, writer);
}

/* The device's VFIO cdev: vfio-dev/vfioN appeared as the driver took it;
 * its node under /dev/vfio/devices follows (udev). None where vfioN has no
 * dev number (a kernel without cdevs: Linux 6.1 to 6.5 make vfioN all the
 * same). */
static int wait_cdev(gpuvirt_ctx *ctx, const struct gv_step *s)
{
	char **names, rel[160] = "";
	size_t n;
	int r = gv_list_dir(ctx, s->path, &names, &n);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot list %s: %s", s->device, s->path, gpuvirt_strerror(r));
	for (size_t i = 0; i < n && !rel[0] && r >= 0; i++) {
		char dev[256];
		if (!gv_parse_vfio_cdev_name(names[i]) || gv_path(dev, sizeof(dev), "%s/%s/dev", s->path, names[i]) < 0)
			continue;
		if ((r = gv_exists(ctx, dev)) == 1 && gv_path(rel, sizeof(rel), "dev/vfio/devices/%s", names[i]) < 0)
			rel[0] = '\0';
	}
	gv_names_free(names, n);
	if (r < 0 && r != -ENOENT)
		return gv_fail(ctx, r, "%s: cannot read %s: %s", s->device, s->path, gpuvirt_strerror(r));
	if (rel[0] && (r = gv_mut_wait_for(ctx, rel, VFIO_WAIT_MS)) < 0)
		return gv_fail(ctx, r, "%s: %s did not appear within %d ms", s->device, rel, VFIO_WAIT_MS);
	return 0;
}

/* The console or framebuffer step's own entry in the plan's handover. */
static int run_handover(gpuvirt_ctx *ctx, const struct gv_move *m, const struct gv_step *s, pid_t *writer)
{
	char rel[160];

	for (size_t i = 0; i < m->nhandover; i++)
		if (handover_path(&m->handover[i], rel, sizeof(rel)) == 0 && strcmp(rel, s->path) == 0 &&
		    (m->handover[i].kind == GV_HANDOVER_VTCON || strcmp(m->handover[i].name, s->value) == 0))
			return gv_console_release(ctx, &m->handover[i], writer);
	return gv_fail(ctx, -EINVAL, "%s: %s is not in the plan's handover", s->action, s->path);
}

static int run_step(gpuvirt_ctx *ctx, const struct gv_move *m, const struct gv_step *s, pid_t *writer)
{
	int r;

	if (strcmp(s->action, "console") == 0 || strcmp(s->action, "framebuffer") == 0)
		return run_handover(ctx, m, s, writer);

	if (strcmp(s->action, "modprobe") == 0)
		return run_modprobe(ctx, m, s);
	if (strcmp(s->action, "override") == 0)
		return gv_mut_set_override(ctx, s->device, s->value);
	if (strcmp(s->action, "reset_method") == 0)
		return gv_mut_reset_method(ctx, s->device, s->value);
	if (strcmp(s->action, "new_slot") == 0)
		return gv_mut_write(ctx, s->device, s->path, s->value);
	if (strcmp(s->action, "unbind") == 0)
		return run_unbind(ctx, s, writer);
	if (strcmp(s->action, "probe") == 0)
		return gv_mut_probe(ctx, s->device, m->target);
	if (strcmp(s->action, "wait_cdev") == 0)
		return wait_cdev(ctx, s);
	if (strcmp(s->action, "wait") == 0) {
		if ((r = gv_mut_wait_for(ctx, s->path, VFIO_WAIT_MS)) < 0)
			return gv_fail(ctx, r, "group %d: %s did not appear within %d ms", m->group, s->path, VFIO_WAIT_MS);
		return 0;
	}
	if (strcmp(s->action, "persist") == 0 && strncmp(s->path, "etc/gpuvirt/", 12) == 0) {
		struct gv_want w = {.kind = GV_WANT_BINDING};
		snprintf(w.device, sizeof(w.device), "%s", s->device);
		snprintf(w.driver, sizeof(w.driver), "%s", s->value);
		if ((r = gv_persist_put(ctx, &w)) < 0)
			return r;
		return gv_persist_vfs_of(ctx, s->device);
	}
	if (strcmp(s->action, "persist") == 0) {
		char val[80];
		snprintf(val, sizeof(val), "%s\n", s->value);
		return gv_mut_put_file(ctx, s->path, val);
	}
	return gv_fail(ctx, -EINVAL, "unknown step '%s'", s->action);
}

/* Restore every device, last first; the first failure is returned. */
int gv_move_restore_all(gpuvirt_ctx *ctx, const struct gv_member *set, size_t n, const char *target, pid_t *writer)
{
	int first = 0;

	*writer = 0;
	for (size_t i = n; i-- > 0;) {
		pid_t w = 0;
		int r = gv_mut_restore(ctx, &set[i], target, &w);
		if (w)
			*writer = w;
		if (r < 0 && !first)
			first = r;
		if (r == -ETIMEDOUT)
			break; /* the next write would only block behind this one */
	}
	return first;
}

/* An unfinished journal under our lock is a dead process's work: it is not
 * ours to finish or to build on. */
static int refuse_unfinished(gpuvirt_ctx *ctx, const char *key, const struct gv_journal *j)
{
	if (gv_owner_alive(j->pid, j->start) && j->pid != (long)getpid())
		return gv_fail(ctx, -EBUSY, "%s: pid %ld is still at work on it (%s, journal run/gpuvirt/%s.journal)", key,
			       j->pid, gv_journal_state_name(j->state), key);
	return gv_fail(ctx, -EALREADY,
		       "%s: an interrupted %s (to %s) is unfinished in run/gpuvirt/%s.journal; run gpuvirt recover "
		       "(gpuvirt_recover()) first",
		       key, gv_journal_state_name(j->state), j->target, key);
}

/* The plan holds for the host as it is now. */
static int still_as_planned(gpuvirt_ctx *ctx, const struct gv_move *m)
{
	for (size_t i = 0; i < m->nmembers; i++) {
		char now[GV_DRIVER_LEN];
		int r = gv_mut_driver(ctx, m->members[i].bdf, now, sizeof(now));
		if (r < 0)
			return r;
		if (strcmp(now, m->members[i].driver) != 0 && strcmp(now, m->target) != 0)
			return gv_fail(ctx, -ESTALE, "%s: its driver changed since the plan was made (%s, was %s)",
				       m->members[i].bdf, now[0] ? now : "none",
				       m->members[i].driver[0] ? m->members[i].driver : "none");
	}
	return 0;
}

/* The journal of this move: the originals (from an earlier bind's record
 * where there is one) and, over an earlier bind, where the devices are now. */
static void journal_for(const struct gv_move *m, const struct gv_journal *earlier, struct gv_journal *j)
{
	memset(j, 0, sizeof(*j));
	j->kind = GV_JOURNAL_BIND;
	j->state = GV_STATE_BINDING;
	snprintf(j->key, sizeof(j->key), "%s", m->key);
	snprintf(j->target, sizeof(j->target), "%s", m->target);
	j->ndev = m->nmembers;
	memcpy(j->dev, m->members, m->nmembers * sizeof(*j->dev));
	if (earlier) { /* what an earlier bind released stays on record */
		memcpy(j->handover, earlier->handover, sizeof(j->handover));
		j->nhandover = earlier->nhandover;
	}
	for (size_t i = 0; i < m->nhandover && j->nhandover < GV_HANDOVER_MAX; i++) {
		size_t k = 0;
		while (k < j->nhandover && strcmp(j->handover[k].name, m->handover[i].name) != 0)
			k++;
		if (k == j->nhandover) /* once each: an earlier bind may have released it too */
			j->handover[j->nhandover++] = m->handover[i];
	}
	if (!earlier)
		return;
	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t k = 0; k < earlier->ndev; k++)
			if (strcmp(earlier->dev[k].bdf, m->members[i].bdf) == 0)
				j->dev[i] = earlier->dev[k];
	j->nbefore = m->nmembers;
	memcpy(j->before, m->members, m->nmembers * sizeof(*j->before));
}

/* After a failed step: back to where the devices were. */
static void roll_back(gpuvirt_ctx *ctx, const struct gv_move *m, struct gv_journal *j, const struct gv_journal *earlier,
		      int err)
{
	char why[sizeof(ctx->error)];
	pid_t writer = 0;
	int rr;

	memcpy(why, ctx->error, sizeof(why));
	for (size_t i = 0; i < m->nsteps; i++)
		if (strcmp(m->steps[i].action, "persist") == 0)
			gv_mut_remove_file(ctx, m->steps[i].path);
	rr = gv_move_restore_all(ctx, m->members, m->nmembers, m->target, &writer);
	if (rr == 0)
		rr = gv_console_give_back(ctx, m->handover, m->nhandover, &writer);
	if (rr == 0) {
		/* Over an earlier bind, its record (with the originals) stays. */
		if (earlier) {
			struct gv_journal again = *earlier;
			rr = gv_journal_write(ctx, m->key, &again);
		} else {
			rr = gv_journal_remove(ctx, m->key);
		}
	}
	if (rr < 0) {
		char back[sizeof(ctx->error)];
		memcpy(back, ctx->error, sizeof(back));
		gv_journal_hand_over(ctx, m->key, j, writer);
		gv_fail(ctx, err, "%s; rolling back also failed: %s (gpuvirt recover finishes it)", why, back);
	} else {
		gv_fail(ctx, err, "%s; every device is back %s", why,
			earlier ? "where it was, its original driver still on record" : "on its original driver");
	}
}

static int apply_locked(gpuvirt_ctx *ctx, struct gv_move *m)
{
	struct gv_journal *earlier = malloc(sizeof(*earlier)), *j = malloc(sizeof(*j));
	bool have_earlier = false;
	pid_t writer = 0;
	int r;

	if (!earlier || !j) {
		r = -ENOMEM;
		goto out;
	}
	r = gv_journal_read(ctx, m->key, earlier);
	if (r == 0 && earlier->state != GV_STATE_BOUND) {
		r = refuse_unfinished(ctx, m->key, earlier);
		goto out;
	}
	if (r < 0 && r != -ENOENT)
		goto out;
	have_earlier = r == 0;
	if ((r = still_as_planned(ctx, m)) < 0 ||
	    (r = gv_holders_refuse(ctx, m->members, m->nmembers, m->target, m->flags & GPUVIRT_BIND_FORCE)) < 0)
		goto out;
	journal_for(m, have_earlier ? earlier : NULL, j);
	if ((r = gv_journal_write(ctx, m->key, j)) < 0)
		goto out;
	for (size_t i = 0; i < m->nsteps && r == 0; i++)
		r = run_step(ctx, m, &m->steps[i], &writer);
	if (r == -ETIMEDOUT && writer) {
		gv_holders_append(ctx, m->members, m->nmembers);
		gv_journal_hand_over(ctx, m->key, j, writer); /* recover finishes it when the kernel returns */
		goto out;
	}
	if (r == 0) {
		j->state = GV_STATE_BOUND;
		j->nbefore = 0;
		r = gv_journal_write(ctx, m->key, j);
	}
	if (r < 0)
		roll_back(ctx, m, j, have_earlier ? earlier : NULL, r);
out:
	free(earlier);
	free(j);
	return r;
}

int gv_move_apply(gpuvirt_ctx *ctx, struct gv_move *m)
{
	int fd, r;

	if ((r = gv_lock_take(ctx, m->key, m->flags & GPUVIRT_BIND_WAIT, &fd)) < 0)
		return r;
	gv_devdirs_hold(ctx); /* the members' directories: walked once */
	r = apply_locked(ctx, m);
	gv_devdirs_release(ctx);
	gv_lock_release(fd);
	return r;
}

/* ---- undoing ----------------------------------------------------------- */

/* Bound by another tool (no journal): clear the override of what sits on
 * vfio-pci or pciback and let the kernel choose. */
static int undo_foreign(gpuvirt_ctx *ctx, const struct gv_move *m)
{
	pid_t writer;
	int r = 0;

	for (size_t i = 0; i < m->nmembers && r == 0; i++) {
		const struct gv_member *d = &m->members[i];
		if (strcmp(d->driver, "vfio-pci") != 0 && strcmp(d->driver, "pciback") != 0)
			continue;
		if ((r = gv_mut_set_override(ctx, d->bdf, "")) == 0 && (r = gv_mut_unbind(ctx, d->bdf, d->driver, &writer)) == 0)
			r = gv_mut_probe(ctx, d->bdf, NULL);
	}
	return r;
}

static int undo_journal(gpuvirt_ctx *ctx, const struct gv_move *m, struct gv_journal *j)
{
	pid_t writer = 0;
	int r;

	if ((r = gv_holders_refuse(ctx, j->dev, j->ndev, "", false)) < 0)
		return r;
	j->state = GV_STATE_UNBINDING;
	j->nbefore = 0;
	if ((r = gv_journal_write(ctx, m->key, j)) < 0)
		return r;
	r = gv_move_restore_all(ctx, j->dev, j->ndev, j->target, &writer);
	if (r == 0)
		r = gv_console_give_back(ctx, j->handover, j->nhandover, &writer);
	if (r == 0)
		return gv_journal_remove(ctx, m->key);
	if (r == -ETIMEDOUT)
		gv_holders_append(ctx, j->dev, j->ndev);
	/* Left "unbinding": recovery gives the rest back. */
	gv_journal_hand_over(ctx, m->key, j, writer);
	return r;
}

int gv_move_undo(gpuvirt_ctx *ctx, const struct gv_move *m)
{
	struct gv_journal *j = malloc(sizeof(*j));
	int fd = -1, r;

	if (!j)
		return -ENOMEM;
	if ((r = gv_lock_take(ctx, m->key, m->flags & GPUVIRT_BIND_WAIT, &fd)) < 0)
		goto out;
	gv_devdirs_hold(ctx);
	r = gv_journal_read(ctx, m->key, j);
	if (r == -ENOENT) {
		if ((r = gv_holders_refuse(ctx, m->members, m->nmembers, "", false)) == 0)
			r = undo_foreign(ctx, m);
	} else if (r == 0 && j->state != GV_STATE_BOUND) {
		r = refuse_unfinished(ctx, m->key, j);
	} else if (r == 0) {
		r = undo_journal(ctx, m, j);
	}
	gv_devdirs_release(ctx);
	gv_lock_release(fd);
out:
	free(j);
	return r;
}
