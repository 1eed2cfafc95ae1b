/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Passthrough binding: plan, apply with verification and rollback, journal
 * for crash recovery, a lock per IOMMU group, driverctl persistence.
 *
 * The unit moved together is the IOMMU group's endpoints (bridges stay), or
 * without a group the functions of the same card. Each device goes through
 * driver_override, unbind, drivers_probe, and each write is verified by
 * reading the driver link. A journal at run/gpuvirt/<key>.journal holds the
 * original drivers from before the first write until the operation ends:
 * state "binding" or "unbinding" while it runs (a crash leaves it so, and
 * recovery restores the originals), "bound" afterwards (what unbind restores).
 * The lock is run/lock/gpuvirt/<key>.lock, flock()ed, with the holder's pid. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "private.h"

#define VFIO_WAIT_MS 5000
#define LOCK_WAIT_MS 60000
#define MODULE_WAIT_MS 2000

struct step {
	char *device, *action, *path, *value;
};

struct member {
	char bdf[GV_BDF_LEN];
	char driver[64];   /* "" when unbound */
	char override[64]; /* "" when none */
};

struct gpuvirt_bind_plan {
	int refcount;
	gpuvirt_ctx *ctx;
	char target[64];
	char module[64]; /* to load first, "" when the driver is there */
	uint32_t flags;
	int group;
	char key[32]; /* "group-12" or "card-0000:01:00" */
	struct member *members;
	size_t nmembers;
	struct step *steps;
	size_t nsteps;
	struct gv_modules modules; /* while planning: the release's module lists */
};

/* ---- small helpers ----------------------------------------------------- */

static int current_driver(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size)
{
	char rel[128];
	ssize_t n;

	out[0] = '\0';
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", bdf) < 0)
		return -EINVAL;
	n = gv_readlink_base(ctx, rel, out, size);
	if (n == -ENOENT) {
		out[0] = '\0';
		return 0;
	}
	return n < 0 ? (int)n : 0;
}

static int current_override(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size)
{
	char rel[128], buf[256];
	ssize_t n;

	out[0] = '\0';
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", bdf) < 0)
		return -EINVAL;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? 0 : (int)n;
	return gv_parse_override(buf, (size_t)n, out, size);
}

static bool valid_driver_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.'))
			return false;
	return true;
}

/* The module that provides a PCI driver. */
static const char *module_of(const char *driver)
{
	if (strcmp(driver, "pciback") == 0)
		return "xen-pciback";
	return driver;
}

static bool driver_loaded(gpuvirt_ctx *ctx, const char *driver)
{
	char rel[128];

	return gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s", driver) == 0 && gv_exists(ctx, rel) == 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- the lock ---------------------------------------------------------- */

int gv_lock_take(gpuvirt_ctx *ctx, const char *key, bool wait, int *fd_out)
{
	char rel[128], buf[32];
	long deadline = now_ms() + LOCK_WAIT_MS;
	int fd, r;

	if ((r = gv_mkdir_p(ctx, "run/lock/gpuvirt")) < 0)
		return gv_fail(ctx, r, "cannot make run/lock/gpuvirt under %s: %s", ctx->root, gpuvirt_strerror(r));
	snprintf(rel, sizeof(rel), "run/lock/gpuvirt/%s.lock", key);
	fd = gv_open(ctx, rel, O_RDWR | O_CREAT | O_NOFOLLOW, 0644);
	if (fd < 0)
		return gv_fail(ctx, fd, "cannot open %s: %s", rel, gpuvirt_strerror(fd));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -errno;
			close(fd);
			return gv_fail(ctx, r, "cannot lock %s: %s", rel, gpuvirt_strerror(r));
		}
		if (!wait || now_ms() > deadline) {
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			close(fd);
			return gv_fail(ctx, wait ? -ETIMEDOUT : -EBUSY, "%s is being changed by pid %s (lock %s)", key,
				       buf[0] ? buf : "unknown", rel);
		}
		sleep_ms(50);
	}
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		gv_warn(ctx, "cannot record our pid in %s", rel);
	*fd_out = fd;
	return 0;
}

void gv_lock_release(int fd)
{
	if (fd >= 0) {
		int r = ftruncate(fd, 0); /* the pid is only a hint: nothing to do if this fails */
		(void)r;
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* ---- the journal ------------------------------------------------------- */

struct journal {
	char state[16];
	char target[64];
	char key[32];
	struct member *members;
	size_t n;
};

static void journal_path(const char *key, char *rel, size_t size)
{
	snprintf(rel, size, "run/gpuvirt/%s.journal", key);
}

static int journal_write(gpuvirt_ctx *ctx, const char *key, const char *state, const char *target,
			 const struct member *m, size_t n)
{
	char rel[128], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fprintf(f, "gpuvirt-journal 1\nstate %s\ntarget %s\nkey %s\npid %ld\n", state, target, key, (long)getpid());
	for (size_t i = 0; i < n; i++)
		fprintf(f, "device %s %s %s\n", m[i].bdf, m[i].driver[0] ? m[i].driver : "-",
			m[i].override[0] ? m[i].override : "-");
	fclose(f);
	if ((r = gv_mkdir_p(ctx, "run/gpuvirt")) == 0) {
		journal_path(key, rel, sizeof(rel));
		r = gv_write_file_atomic(ctx, rel, text);
	}
	free(text);
	if (r < 0)
		return gv_fail(ctx, r, "cannot write the journal run/gpuvirt/%s.journal: %s", key, gpuvirt_strerror(r));
	return 0;
}

static void journal_free(struct journal *j)
{
	free(j->members);
	j->members = NULL;
	j->n = 0;
}

/* -ENOENT when there is none; -EBADMSG for a damaged one. */
static int journal_read(gpuvirt_ctx *ctx, const char *key, struct journal *j)
{
	char rel[128], buf[16384];
	ssize_t n;

	memset(j, 0, sizeof(*j));
	journal_path(key, rel, sizeof(rel));
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (strncmp(buf, "gpuvirt-journal 1\n", 18) != 0)
		return -EBADMSG;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char a[64], b[64], c[64];
		if (sscanf(l, "state %15s", j->state) == 1 || sscanf(l, "target %63s", j->target) == 1 ||
		    sscanf(l, "key %31s", j->key) == 1)
			continue;
		if (sscanf(l, "device %63s %63s %63s", a, b, c) == 3) {
			struct member *nm = realloc(j->members, (j->n + 1) * sizeof(*nm));
			if (!nm) {
				journal_free(j);
				return -ENOMEM;
			}
			j->members = nm;
			memset(&nm[j->n], 0, sizeof(*nm));
			if (gv_parse_bdf(a, nm[j->n].bdf) < 0 || (strcmp(b, "-") && !valid_driver_name(b)) ||
			    (strcmp(c, "-") && !valid_driver_name(c))) {
				journal_free(j);
				return -EBADMSG;
			}
			snprintf(nm[j->n].driver, sizeof(nm[j->n].driver), "%s", strcmp(b, "-") ? b : "");
			snprintf(nm[j->n].override, sizeof(nm[j->n].override), "%s", strcmp(c, "-") ? c : "");
			j->n++;
		}
	}
	if (!j->state[0] || !valid_driver_name(j->target)) {
		journal_free(j);
		return -EBADMSG;
	}
	return 0;
}

static void journal_remove(gpuvirt_ctx *ctx, const char *key)
{
	char rel[128];

	journal_path(key, rel, sizeof(rel));
	gv_unlink(ctx, rel);
}

/* ---- single writes, verified ------------------------------------------- */

/* Write and name the device, the file and the errno on failure. */
static int write_step(gpuvirt_ctx *ctx, const char *bdf, const char *rel, const char *value)
{
	int r = gv_write_attr(ctx, rel, value);
	char shown[80];

	if (r < 0) {
		snprintf(shown, sizeof(shown), "%s", value);
		shown[strcspn(shown, "\n")] = '\0';
		return gv_fail(ctx, r, "%s: writing '%s' to %s failed: %s (errno %d)", bdf, shown, rel, gpuvirt_strerror(r),
			       -r);
	}
	gv_debug(ctx, "%s: wrote '%.*s' to %s", bdf, (int)strcspn(value, "\n"), value, rel);
	return 0;
}

static int write_override(gpuvirt_ctx *ctx, const char *bdf, const char *driver)
{
	char rel[128], val[80], back[64];
	int r;

	gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", bdf);
	snprintf(val, sizeof(val), "%s\n", driver); /* "\n" alone clears it */
	if ((r = write_step(ctx, bdf, rel, val)) < 0)
		return r;
	if ((r = current_override(ctx, bdf, back, sizeof(back))) < 0)
		return gv_fail(ctx, r, "%s: cannot read back %s: %s", bdf, rel, gpuvirt_strerror(r));
	if (strcmp(back, driver) != 0)
		return gv_fail(ctx, -EIO, "%s: %s reads '%s' after writing '%s'", bdf, rel, back, driver);
	return 0;
}

static int do_unbind(gpuvirt_ctx *ctx, const char *bdf, const char *driver)
{
	char rel[128], now[64];
	int r;

	gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", driver);
	if ((r = write_step(ctx, bdf, rel, bdf)) < 0)
		return r;
	if ((r = current_driver(ctx, bdf, now, sizeof(now))) < 0 || now[0])
		return gv_fail(ctx, r < 0 ? r : -EBUSY, "%s: still bound to %s after writing to %s", bdf, now, rel);
	return 0;
}

static int do_probe(gpuvirt_ctx *ctx, const char *bdf, const char *expect)
{
	char now[64];
	int r;

	if ((r = write_step(ctx, bdf, "sys/bus/pci/drivers_probe", bdf)) < 0)
		return r;
	if ((r = current_driver(ctx, bdf, now, sizeof(now))) < 0)
		return gv_fail(ctx, r, "%s: cannot read its driver link: %s", bdf, gpuvirt_strerror(r));
	if (expect && strcmp(now, expect) != 0)
		return gv_fail(ctx, -ENXIO, "%s: %s did not take it after drivers_probe (driver now: %s)", bdf, expect,
			       now[0] ? now : "none");
	return 0;
}

static int do_bind_to(gpuvirt_ctx *ctx, const char *bdf, const char *driver)
{
	char rel[128], now[64];
	int r;

	gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", driver);
	if ((r = write_step(ctx, bdf, rel, bdf)) < 0)
		return r;
	if ((r = current_driver(ctx, bdf, now, sizeof(now))) < 0 || strcmp(now, driver) != 0)
		return gv_fail(ctx, r < 0 ? r : -ENXIO, "%s: not on %s after writing to %s", bdf, driver, rel);
	return 0;
}

/* Put one device back as it was: its original driver and override. Never
 * leaves a device that had a driver without one if any way back works. */
static int restore_member(gpuvirt_ctx *ctx, const struct member *m, const char *target)
{
	char now[64], ov[64];
	int r, first = 0;

	if (strcmp(target, "pciback") == 0) {
		char rel[] = "sys/bus/pci/drivers/pciback/remove_slot";
		if (driver_loaded(ctx, "pciback") && gv_write_attr(ctx, rel, m->bdf) == 0)
			gv_debug(ctx, "%s: removed from pciback's slots", m->bdf);
	}
	if ((r = current_driver(ctx, m->bdf, now, sizeof(now))) < 0)
		return gv_fail(ctx, r, "%s: cannot read its driver: %s", m->bdf, gpuvirt_strerror(r));
	if (current_override(ctx, m->bdf, ov, sizeof(ov)) == 0 && strcmp(ov, m->override) != 0)
		if ((r = write_override(ctx, m->bdf, m->override)) < 0)
			first = r;
	if (strcmp(now, m->driver) == 0)
		return first;
	if (now[0] && (r = do_unbind(ctx, m->bdf, now)) < 0)
		return r;
	if (!m->driver[0])
		return first; /* it had none: leave it so */
	if (driver_loaded(ctx, m->driver) && do_bind_to(ctx, m->bdf, m->driver) == 0)
		return first;
	/* An explicit bind can fail where the kernel's own choice works. */
	if ((r = do_probe(ctx, m->bdf, NULL)) < 0)
		return r;
	if ((r = current_driver(ctx, m->bdf, now, sizeof(now))) < 0 || strcmp(now, m->driver) != 0)
		return gv_fail(ctx, r < 0 ? r : -EIO, "%s: could not give it back to %s (driver now: %s)", m->bdf, m->driver,
			       now[0] ? now : "none");
	return first;
}

static int restore_all(gpuvirt_ctx *ctx, const struct member *m, size_t n, const char *target)
{
	int first = 0;

	for (size_t i = n; i-- > 0;) {
		int r = restore_member(ctx, &m[i], target);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

/* ---- recovery ---------------------------------------------------------- */

/* With the key's lock held: finish a journal left "binding"/"unbinding". */
static int recover_locked(gpuvirt_ctx *ctx, const char *key)
{
	struct journal j;
	int r = journal_read(ctx, key, &j);

	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		gv_warn(ctx, "run/gpuvirt/%s.journal is damaged (%s); leaving it for inspection", key, gpuvirt_strerror(r));
		return 0;
	}
	if (strcmp(j.state, "bound") == 0) {
		journal_free(&j);
		return 0;
	}
	gv_info(ctx, "%s: an interrupted %s (to %s) is undone", key, j.state, j.target);
	r = restore_all(ctx, j.members, j.n, j.target);
	if (r == 0)
		journal_remove(ctx, key);
	journal_free(&j);
	return r < 0 ? r : 1;
}

GPUVIRT_EXPORT int gpuvirt_recover(gpuvirt_ctx *ctx)
{
	char **names;
	size_t n;
	int done = 0, first = 0;

	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (gv_list_dir(ctx, "run/gpuvirt", &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		char key[32];
		int fd = -1, r;
		if (l <= 8 || l - 8 >= sizeof(key) || strcmp(names[i] + l - 8, ".journal") != 0 ||
		    strncmp(names[i], "create-", 7) == 0)
			continue;
		memcpy(key, names[i], l - 8);
		key[l - 8] = '\0';
		if (gv_lock_take(ctx, key, false, &fd) < 0) {
			gv_clear_error(ctx); /* a live process is at work on it */
			continue;
		}
		r = recover_locked(ctx, key);
		gv_lock_release(fd);
		if (r > 0)
			done++;
		else if (r < 0 && !first)
			first = r;
	}
	gv_names_free(names, n);
	/* Instances whose creation a crash cut short (profile.c). */
	int inst = gv_instance_recover(ctx);
	if (inst > 0)
		done += inst;
	else if (inst < 0 && !first)
		first = inst;
	return first < 0 ? first : done;
}

/* ---- planning ---------------------------------------------------------- */

static int add_step(gpuvirt_bind_plan *p, const char *device, const char *action, const char *path,
		    const char *value)
{
	struct step *ns = realloc(p->steps, (p->nsteps + 1) * sizeof(*ns));
	struct step s = {0};

	if (!ns)
		return -ENOMEM;
	p->steps = ns;
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
	p->steps[p->nsteps++] = s;
	return 0;
}

static bool same_card(const char *a, const char *b)
{
	return strncmp(a, b, 10) == 0; /* dddd:bb:dd */
}

static bool is_bridge(uint32_t class_code)
{
	return (class_code >> 16) == 0x06;
}

static int add_member(gpuvirt_bind_plan *p, gpuvirt_device *d)
{
	struct member *nm = realloc(p->members, (p->nmembers + 1) * sizeof(*nm));
	const char *drv = gpuvirt_device_get_driver(d), *ov = gpuvirt_device_get_driver_override(d);

	if (!nm)
		return -ENOMEM;
	p->members = nm;
	memset(&nm[p->nmembers], 0, sizeof(*nm));
	memcpy(nm[p->nmembers].bdf, gpuvirt_device_get_bdf(d), GV_BDF_LEN);
	snprintf(nm[p->nmembers].driver, sizeof(nm->driver), "%s", drv ? drv : "");
	snprintf(nm[p->nmembers].override, sizeof(nm->override), "%s", ov ? ov : "");
	p->nmembers++;
	return 0;
}

/* The devices that move together, checked against the flags. */
static int collect_members(gpuvirt_bind_plan *p, gpuvirt_device *dev)
{
	gpuvirt_ctx *ctx = p->ctx;
	const char *bdf = gpuvirt_device_get_bdf(dev);
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (p->group >= 0) {
		size_t m = gpuvirt_device_get_iommu_group_member_count(dev);
		names = calloc(m ? m : 1, sizeof(*names));
		if (!names)
			return -ENOMEM;
		for (size_t i = 0; i < m; i++)
			if (!(names[n] = strdup(gpuvirt_device_get_iommu_group_member(dev, i))))
				r = -ENOMEM;
			else
				n++;
	} else {
		char **all;
		size_t na;
		if ((r = gv_list_dir(ctx, "sys/bus/pci/devices", &all, &na)) < 0)
			return gv_fail(ctx, r, "cannot list sys/bus/pci/devices: %s", gpuvirt_strerror(r));
		names = calloc(na ? na : 1, sizeof(*names));
		for (size_t i = 0; names && i < na; i++)
			if (same_card(all[i], bdf))
				names[n++] = strdup(all[i]);
		gv_names_free(all, na);
		if (!names)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		gpuvirt_device *d = NULL;
		if (!names[i])
			continue;
		if ((r = gpuvirt_device_new_from_bdf(ctx, names[i], &d)) < 0)
			break;
		if (is_bridge(gpuvirt_device_get_class(d))) {
			gpuvirt_device_unref(d);
			continue;
		}
		bool own = strcmp(names[i], bdf) == 0 || gv_device_is_companion(dev, d);
		if (!own && p->group < 0) {
			gpuvirt_device_unref(d); /* no group: only the card moves */
			continue;
		}
		if (!own && !(p->flags & GPUVIRT_BIND_ALLOW_GROUP)) {
			const char *drv = gpuvirt_device_get_driver(d);
			r = gv_fail(ctx, -EPERM,
				    "%s: IOMMU group %d also holds %s (another card%s%s); moving the group whole needs "
				    "GPUVIRT_BIND_ALLOW_GROUP (--allow-group)",
				    bdf, p->group, names[i], drv ? ", driver " : "", drv ? drv : "");
		} else if (gpuvirt_device_get_boot_vga(d) == 1 && !(p->flags & GPUVIRT_BIND_FORCE)) {
			r = gv_fail(ctx, -EBUSY,
				    "%s is the boot VGA device (the host console may use it); GPUVIRT_BIND_FORCE (--force) "
				    "takes it anyway",
				    names[i]);
		} else {
			char users[512];
			gv_device_drm_users(d, users, sizeof(users));
			if (users[0] && !(p->flags & GPUVIRT_BIND_FORCE))
				r = gv_fail(ctx, -EBUSY, "%s is in use by the host: %s open; GPUVIRT_BIND_FORCE (--force) "
							 "takes it anyway",
					    names[i], users);
			else
				r = add_member(p, d);
		}
		gpuvirt_device_unref(d);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* Generic drivers take any device through driver_override; others only
 * what their ID table names, or the device may end up driverless. */
static bool generic_driver(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "pciback") == 0 || strcmp(driver, "pci-stub") == 0;
}

static int check_driver_handles(gpuvirt_bind_plan *p)
{
	gpuvirt_ctx *ctx = p->ctx;
	char module[64], rel[160];

	if (generic_driver(p->target) || (p->flags & GPUVIRT_BIND_FORCE))
		return 0;
	gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", p->target);
	if (gv_readlink_base(ctx, rel, module, sizeof(module)) <= 0)
		snprintf(module, sizeof(module), "%s", module_of(p->target));
	for (size_t i = 0; i < p->nmembers; i++) {
		char alias[256];
		ssize_t n;
		if (strcmp(p->members[i].driver, p->target) == 0)
			continue;
		gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", p->members[i].bdf);
		if ((n = gv_read_text(ctx, rel, alias, sizeof(alias))) <= 0)
			continue;
		alias[strcspn(alias, "\n")] = '\0';
		if (gv_module_handles(ctx, &p->modules, module, alias) == 0)
			return gv_fail(ctx, -ENODEV,
				       "%s: driver %s does not handle it (no alias of module %s matches %s); "
				       "GPUVIRT_BIND_FORCE (--force) binds it anyway",
				       p->members[i].bdf, p->target, module, alias);
	}
	return 0;
}

static int build_steps(gpuvirt_bind_plan *p)
{
	gpuvirt_ctx *ctx = p->ctx;
	bool pciback = strcmp(p->target, "pciback") == 0, vfio = strcmp(p->target, "vfio-pci") == 0;
	bool any = false;
	char rel[160], val[80];
	int r;

	if (!driver_loaded(ctx, p->target)) {
		int s = gv_module_state(ctx, &p->modules, module_of(p->target));
		if (s == GV_MODULE_MISSING)
			return gv_fail(ctx, -ENOENT, "driver %s is not loaded, and module %s is not available for kernel %s",
				       p->target, module_of(p->target), p->modules.release);
		snprintf(p->module, sizeof(p->module), "%s", module_of(p->target));
		if ((r = add_step(p, NULL, "modprobe", NULL, p->module)) < 0)
			return r;
	}
	for (size_t i = 0; i < p->nmembers; i++) {
		const struct member *m = &p->members[i];
		if (strcmp(m->driver, p->target) == 0)
			continue; /* already there */
		any = true;
		gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", m->bdf);
		if ((r = add_step(p, m->bdf, "override", rel, p->target)) < 0)
			return r;
		if (pciback && (r = add_step(p, m->bdf, "new_slot", "sys/bus/pci/drivers/pciback/new_slot", m->bdf)) < 0)
			return r;
		if (m->driver[0]) {
			gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", m->driver);
			if ((r = add_step(p, m->bdf, "unbind", rel, m->bdf)) < 0)
				return r;
		}
		if ((r = add_step(p, m->bdf, "probe", "sys/bus/pci/drivers_probe", m->bdf)) < 0)
			return r;
	}
	if (vfio && (any || p->nmembers)) {
		snprintf(rel, sizeof(rel), "dev/vfio/%d", p->group);
		if ((r = add_step(p, NULL, "wait", rel, NULL)) < 0)
			return r;
	}
	if (p->flags & GPUVIRT_BIND_PERSIST)
		for (size_t i = 0; i < p->nmembers; i++) {
			gv_path(rel, sizeof(rel), "etc/driverctl.d/pci-%s", p->members[i].bdf);
			snprintf(val, sizeof(val), "%s", p->target);
			if ((r = add_step(p, p->members[i].bdf, "persist", rel, val)) < 0)
				return r;
		}
	return 0;
}

static void group_key(gpuvirt_device *dev, int group, char *key, size_t size)
{
	if (group >= 0)
		snprintf(key, size, "group-%d", group);
	else
		snprintf(key, size, "card-%.10s", gpuvirt_device_get_bdf(dev));
}

GPUVIRT_EXPORT int gpuvirt_bind_plan_new(gpuvirt_device *dev, const char *target, uint32_t flags,
					 gpuvirt_bind_plan **out)
{
	const uint32_t known = GPUVIRT_BIND_ALLOW_GROUP | GPUVIRT_BIND_FORCE | GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT;
	gpuvirt_bind_plan *p;
	gpuvirt_device *now = NULL;
	gpuvirt_ctx *ctx;
	int r;

	if (!dev || !out)
		return -EINVAL;
	*out = NULL;
	ctx = gpuvirt_device_get_ctx(dev);
	gv_clear_error(ctx);
	if (!target || (flags & ~known))
		return gv_fail(ctx, -EINVAL, "bind: %s", !target ? "no target driver" : "unknown flags");
	if (strcmp(target, "kvm") == 0)
		target = "vfio-pci";
	else if (strcmp(target, "xen") == 0 || strcmp(target, "xen-pciback") == 0)
		target = "pciback";
	if (!valid_driver_name(target))
		return gv_fail(ctx, -EINVAL, "bind: '%s' is not a driver name", target);
	/* Plan on what the host is now, not on an old snapshot. */
	if ((r = gpuvirt_device_new_from_bdf(ctx, gpuvirt_device_get_bdf(dev), &now)) < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p) {
		gpuvirt_device_unref(now);
		return -ENOMEM;
	}
	p->refcount = 1;
	p->ctx = gpuvirt_ctx_ref(ctx);
	p->flags = flags;
	snprintf(p->target, sizeof(p->target), "%s", target);
	p->group = gpuvirt_device_get_iommu_group(now);
	group_key(now, p->group, p->key, sizeof(p->key));
	if (p->group < 0 && strcmp(p->target, "vfio-pci") == 0)
		r = gv_fail(ctx, -EINVAL, "%s has no IOMMU group: vfio-pci cannot take it (enable the IOMMU; see gpuvirt check)",
			    gpuvirt_device_get_bdf(now));
	else if ((r = collect_members(p, now)) == 0) {
		gv_modules_open(ctx, &p->modules);
		if ((r = check_driver_handles(p)) == 0)
			r = build_steps(p);
		gv_modules_close(&p->modules);
	}
	gpuvirt_device_unref(now);
	if (r < 0) {
		gpuvirt_bind_plan_unref(p);
		return r;
	}
	*out = p;
	return 0;
}

GPUVIRT_EXPORT gpuvirt_bind_plan *gpuvirt_bind_plan_ref(gpuvirt_bind_plan *plan)
{
	if (plan)
		plan->refcount++;
	return plan;
}

GPUVIRT_EXPORT gpuvirt_bind_plan *gpuvirt_bind_plan_unref(gpuvirt_bind_plan *plan)
{
	if (!plan)
		return NULL;
	if (--plan->refcount > 0)
		return plan;
	for (size_t i = 0; i < plan->nsteps; i++) {
		free(plan->steps[i].device);
		free(plan->steps[i].action);
		free(plan->steps[i].path);
		free(plan->steps[i].value);
	}
	free(plan->steps);
	free(plan->members);
	gpuvirt_ctx_unref(plan->ctx);
	free(plan);
	return NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_bind_plan_get_target(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->target : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_bind_plan_get_device_count(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->nmembers : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_bind_plan_get_device(const gpuvirt_bind_plan *plan, size_t index)
{
	return plan && index < plan->nmembers ? plan->members[index].bdf : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_bind_plan_get_step_count(const gpuvirt_bind_plan *plan)
{
	return plan ? plan->nsteps : 0;
}

GPUVIRT_EXPORT int gpuvirt_bind_plan_get_step(const gpuvirt_bind_plan *plan, size_t index, const char **device,
					      const char **action, const char **path, const char **value)
{
	if (!plan)
		return -EINVAL;
	if (index >= plan->nsteps)
		return -ERANGE;
	if (device)
		*device = plan->steps[index].device;
	if (action)
		*action = plan->steps[index].action;
	if (path)
		*path = plan->steps[index].path;
	if (value)
		*value = plan->steps[index].value;
	return 0;
}

/* ---- applying ---------------------------------------------------------- */

/* Wait for a file under the root: udev events where the root is "/", polling
 * elsewhere (a simulated host sends no uevents). */
static int wait_for(gpuvirt_ctx *ctx, const char *rel, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	int fd = -1, r = -ETIMEDOUT;

	if (strcmp(ctx->root, "/") == 0 && (udev = udev_new()) &&
	    (mon = udev_monitor_new_from_netlink(udev, "udev")) &&
	    udev_monitor_filter_add_match_subsystem_devtype(mon, "vfio", NULL) >= 0 &&
	    udev_monitor_enable_receiving(mon) >= 0)
		fd = udev_monitor_get_fd(mon);
	while (gv_exists(ctx, rel) != 1) {
		long left = deadline - now_ms();
		if (left <= 0)
			goto out;
		if (fd >= 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			if (poll(&pfd, 1, left < 100 ? (int)left : 100) > 0) {
				struct udev_device *d = udev_monitor_receive_device(mon);
				udev_device_unref(d);
			}
		} else {
			sleep_ms(left < 10 ? left : 10);
		}
	}
	r = 0;
out:
	udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}

static int run_step(gpuvirt_bind_plan *p, const struct step *s, bool *persisted)
{
	gpuvirt_ctx *ctx = p->ctx;
	int r;

	if (strcmp(s->action, "modprobe") == 0) {
		if (driver_loaded(ctx, p->target))
			return 0;
		if ((r = gv_modprobe(ctx, s->value)) < 0)
			return r;
		char rel[128];
		gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s", p->target);
		if (wait_for(ctx, rel, MODULE_WAIT_MS) < 0)
			return gv_fail(ctx, -ENOENT, "module %s loaded, but driver %s did not appear", s->value, p->target);
		return 0;
	}
	if (strcmp(s->action, "override") == 0)
		return write_override(ctx, s->device, s->value);
	if (strcmp(s->action, "new_slot") == 0)
		return write_step(ctx, s->device, s->path, s->value);
	if (strcmp(s->action, "unbind") == 0) {
		/* The driver named in the plan must still be the device's. */
		char now[64];
		if ((r = current_driver(ctx, s->device, now, sizeof(now))) < 0)
			return r;
		if (!now[0])
			return 0;
		char rel[160];
		gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", now);
		if (strcmp(rel, s->path) != 0)
			return gv_fail(ctx, -ESTALE, "%s: now bound to %s, not the planned driver", s->device, now);
		return do_unbind(ctx, s->device, now);
	}
	if (strcmp(s->action, "probe") == 0)
		return do_probe(ctx, s->device, p->target);
	if (strcmp(s->action, "wait") == 0) {
		if ((r = wait_for(ctx, s->path, VFIO_WAIT_MS)) < 0)
			return gv_fail(ctx, r, "group %d: %s did not appear within %d ms", p->group, s->path, VFIO_WAIT_MS);
		return 0;
	}
	if (strcmp(s->action, "persist") == 0) {
		char val[80];
		if ((r = gv_mkdir_p(ctx, "etc/driverctl.d")) < 0 ||
		    (snprintf(val, sizeof(val), "%s\n", s->value), r = gv_write_file_atomic(ctx, s->path, val)) < 0)
			return gv_fail(ctx, r, "%s: cannot write %s: %s", s->device, s->path, gpuvirt_strerror(r));
		*persisted = true;
		return 0;
	}
	return gv_fail(ctx, -EINVAL, "unknown step '%s'", s->action);
}

GPUVIRT_EXPORT int gpuvirt_bind_apply(gpuvirt_bind_plan *p)
{
	gpuvirt_ctx *ctx;
	struct member *originals = NULL;
	struct journal earlier;
	bool persisted = false;
	int fd = -1, r;

	if (!p)
		return -EINVAL;
	ctx = p->ctx;
	gv_clear_error(ctx);
	gpuvirt_recover(ctx); /* others' interrupted work first */
	gv_clear_error(ctx);
	if ((r = gv_lock_take(ctx, p->key, p->flags & GPUVIRT_BIND_WAIT, &fd)) < 0)
		return r;
	if ((r = recover_locked(ctx, p->key)) < 0)
		goto out;
	/* The plan holds for the host as it is now. */
	for (size_t i = 0; i < p->nmembers; i++) {
		char now[64];
		if ((r = current_driver(ctx, p->members[i].bdf, now, sizeof(now))) < 0)
			goto out;
		if (strcmp(now, p->members[i].driver) != 0 && strcmp(now, p->target) != 0) {
			r = gv_fail(ctx, -ESTALE, "%s: its driver changed since the plan was made (%s, was %s)",
				    p->members[i].bdf, now[0] ? now : "none", p->members[i].driver[0] ? p->members[i].driver : "none");
			goto out;
		}
	}
	/* What unbind will restore: the drivers from before our first bind of
	 * this group, where an earlier "bound" record has them. */
	originals = malloc((p->nmembers ? p->nmembers : 1) * sizeof(*originals));
	if (!originals) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(originals, p->members, p->nmembers * sizeof(*originals));
	if (journal_read(ctx, p->key, &earlier) == 0) {
		if (strcmp(earlier.state, "bound") == 0)
			for (size_t i = 0; i < p->nmembers; i++)
				for (size_t k = 0; k < earlier.n; k++)
					if (strcmp(earlier.members[k].bdf, originals[i].bdf) == 0)
						originals[i] = earlier.members[k];
		journal_free(&earlier);
	}
	/* A crash from here on is undone back to the host as it is now. */
	if ((r = journal_write(ctx, p->key, "binding", p->target, p->members, p->nmembers)) < 0)
		goto out;
	for (size_t i = 0; i < p->nsteps; i++) {
		if ((r = run_step(p, &p->steps[i], &persisted)) < 0)
			break;
	}
	if (r == 0)
		r = journal_write(ctx, p->key, "bound", p->target, originals, p->nmembers);
	if (r < 0) {
		/* Keep the first error's message; say if the way back failed too. */
		char why[sizeof(ctx->error)];
		int rr;
		snprintf(why, sizeof(why), "%s", ctx->error);
		if (persisted)
			for (size_t i = 0; i < p->nsteps; i++)
				if (strcmp(p->steps[i].action, "persist") == 0)
					gv_unlink(ctx, p->steps[i].path);
		rr = restore_all(ctx, p->members, p->nmembers, p->target);
		if (rr == 0)
			journal_remove(ctx, p->key);
		if (rr < 0)
			gv_fail(ctx, r, "%s; rolling back also failed: %s (run gpuvirt_recover)", why, ctx->error);
		else
			gv_fail(ctx, r, "%s; every device is back on its original driver", why);
	}
out:
	free(originals);
	gv_lock_release(fd);
	return r;
}

/* ---- unbinding --------------------------------------------------------- */

GPUVIRT_EXPORT int gpuvirt_unbind(gpuvirt_device *dev, uint32_t flags)
{
	gpuvirt_ctx *ctx;
	gpuvirt_device *now = NULL;
	struct journal j = {0};
	char key[32];
	int fd = -1, r, group;

	if (!dev)
		return -EINVAL;
	ctx = gpuvirt_device_get_ctx(dev);
	gv_clear_error(ctx);
	if (flags & ~(uint32_t)(GPUVIRT_BIND_PERSIST | GPUVIRT_BIND_WAIT))
		return gv_fail(ctx, -EINVAL, "unbind: unknown flags");
	if ((r = gpuvirt_device_new_from_bdf(ctx, gpuvirt_device_get_bdf(dev), &now)) < 0)
		return r;
	group = gpuvirt_device_get_iommu_group(now);
	group_key(now, group, key, sizeof(key));
	gpuvirt_recover(ctx);
	gv_clear_error(ctx);
	if ((r = gv_lock_take(ctx, key, flags & GPUVIRT_BIND_WAIT, &fd)) < 0)
		goto out;
	if ((r = recover_locked(ctx, key)) < 0)
		goto out;
	r = journal_read(ctx, key, &j);
	if (r == -ENOENT) {
		/* Bound by another tool: clear the override, let the kernel choose. */
		struct gpuvirt_bind_plan tmp = {.ctx = ctx, .group = group, .flags = GPUVIRT_BIND_ALLOW_GROUP | GPUVIRT_BIND_FORCE};
		if ((r = collect_members(&tmp, now)) == 0) {
			for (size_t i = 0; i < tmp.nmembers && r == 0; i++) {
				struct member *m = &tmp.members[i];
				if (strcmp(m->driver, "vfio-pci") != 0 && strcmp(m->driver, "pciback") != 0)
					continue;
				if ((r = write_override(ctx, m->bdf, "")) == 0 && (r = do_unbind(ctx, m->bdf, m->driver)) == 0)
					r = do_probe(ctx, m->bdf, NULL);
			}
		}
		free(tmp.members);
	} else if (r == 0) {
		if ((r = journal_write(ctx, key, "unbinding", j.target, j.members, j.n)) == 0 &&
		    (r = restore_all(ctx, j.members, j.n, j.target)) == 0)
			journal_remove(ctx, key);
	} else {
		r = gv_fail(ctx, r, "run/gpuvirt/%s.journal cannot be read: %s", key, gpuvirt_strerror(r));
	}
	if (r == 0) {
		for (size_t i = 0; i < gpuvirt_device_get_iommu_group_member_count(now) || i < j.n; i++) {
			const char *b = i < j.n ? j.members[i].bdf : gpuvirt_device_get_iommu_group_member(now, i);
			char rel[128];
			if (!b || gv_path(rel, sizeof(rel), "etc/driverctl.d/pci-%s", b) < 0 || gv_exists(ctx, rel) != 1)
				continue;
			if (flags & GPUVIRT_BIND_PERSIST)
				gv_unlink(ctx, rel);
			else
				gv_warn(ctx, "%s: driverctl still binds it at boot (%s); unbind with GPUVIRT_BIND_PERSIST to forget it",
					b, rel);
		}
	}
out:
	journal_free(&j);
	gv_lock_release(fd);
	gpuvirt_device_unref(now);
	return r;
}
