/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one writer, and the verified operations built on it.
 *
 * Every write to a sysfs attribute goes through gv_mut_write() or, where the
 * kernel may block the writer (an unbind while a process holds the device,
 * an mdev remove, sriov_numvfs), gv_mut_write_bounded(). Each write is
 * logged, named in the error on failure (subject, file, errno), never
 * retried, and bumps the context's generation, so that a device object read
 * before it reports itself stale (gpuvirt_device_is_stale()). The operations
 * below verify the effect wherever the kernel shows one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "udev.h"

/* The value as shown in messages: its first line. */
static int shown_len(const char *value)
{
	return (int)strcspn(value, "\n");
}

int gv_mut_write(gpuvirt_ctx *ctx, const char *subject, const char *rel, const char *value)
{
	int r = gv_write_attr(ctx, rel, value);

	ctx->generation++; /* even a failed write may have changed something */
	if (r < 0)
		return gv_fail(ctx, r, "%s: writing '%.*s' to %s failed: %s (errno %d)", subject, shown_len(value), value, rel,
			       gpuvirt_strerror(r), -r);
	gv_debug(ctx, "%s: wrote '%.*s' to %s", subject, shown_len(value), value, rel);
	return 0;
}

int gv_mut_write_bounded(gpuvirt_ctx *ctx, const char *subject, const char *rel, const char *value, pid_t *writer)
{
	int r;

	*writer = 0;
	gv_debug(ctx, "%s: writing '%.*s' to %s (at most %ld ms)", subject, shown_len(value), value, rel,
		 ctx->write_timeout_ms);
	r = gv_write_attr_bounded(ctx, rel, value, ctx->write_timeout_ms, writer);
	ctx->generation++;
	if (r == -ETIMEDOUT)
		return gv_fail(ctx, r,
			       "%s: the kernel did not finish writing '%.*s' to %s within %ld ms (a process still holds "
			       "it?); the write goes on in pid %ld, and gpuvirt recover finishes the change once it returns",
			       subject, shown_len(value), value, rel, ctx->write_timeout_ms, (long)*writer);
	if (r < 0)
		return gv_fail(ctx, r, "%s: writing '%.*s' to %s failed: %s (errno %d)", subject, shown_len(value), value, rel,
			       gpuvirt_strerror(r), -r);
	gv_debug(ctx, "%s: wrote '%.*s' to %s", subject, shown_len(value), value, rel);
	return 0;
}

static int parent_of(const char *rel, char *dir, size_t size)
{
	const char *slash = strrchr(rel, '/');

	if (!slash || (size_t)(slash - rel) >= size)
		return -EINVAL;
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	return 0;
}

int gv_mut_put_file(gpuvirt_ctx *ctx, const char *rel, const char *content)
{
	char dir[512];
	int r;

	if ((r = parent_of(rel, dir, sizeof(dir))) < 0 || (r = gv_mkdir_p(ctx, dir, 0755)) < 0 ||
	    (r = gv_write_file_atomic(ctx, rel, content)) < 0)
		return gv_fail(ctx, r, "cannot write %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
	gv_debug(ctx, "wrote %s", rel);
	return 0;
}

int gv_mut_remove_file(gpuvirt_ctx *ctx, const char *rel)
{
	int r = gv_unlink(ctx, rel);

	if (r < 0 && r != -ENOENT)
		return gv_fail(ctx, r, "cannot remove %s under %s: %s", rel, ctx->root, gpuvirt_strerror(r));
	return 0;
}

/* ---- PCI drivers ------------------------------------------------------- */

int gv_mut_driver(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size)
{
	char rel[128];
	ssize_t n;
	int r;

	out[0] = '\0';
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", bdf)) < 0)
		return r;
	n = gv_readlink_base(ctx, rel, out, size);
	if (n == -ENOENT) {
		out[0] = '\0';
		return 0;
	}
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", bdf, rel, gpuvirt_strerror((int)n));
	return 0;
}

int gv_mut_override(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size)
{
	char rel[128], buf[256];
	ssize_t n;
	int r;

	out[0] = '\0';
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", bdf)) < 0)
		return r;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n == -ENOENT)
		return 0; /* kernels before 3.16 have none */
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", bdf, rel, gpuvirt_strerror((int)n));
	return gv_parse_override(buf, (size_t)n, out, size);
}

int gv_mut_set_override(gpuvirt_ctx *ctx, const char *bdf, const char *driver)
{
	char rel[128], val[80], back[GV_DRIVER_LEN];
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", bdf)) < 0)
		return r;
	snprintf(val, sizeof(val), "%s\n", driver); /* "\n" alone clears it */
	if ((r = gv_mut_write(ctx, bdf, rel, val)) < 0)
		return r;
	if ((r = gv_mut_override(ctx, bdf, back, sizeof(back))) < 0)
		return r;
	if (strcmp(back, driver) != 0)
		return gv_fail(ctx, -EIO, "%s: %s reads '%s' after writing '%s'", bdf, rel, back, driver);
	return 0;
}

int gv_mut_unbind(gpuvirt_ctx *ctx, const char *bdf, const char *driver, pid_t *writer)
{
	char rel[128], now[GV_DRIVER_LEN];
	int r;

	*writer = 0;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", driver)) < 0)
		return r;
	if ((r = gv_mut_write_bounded(ctx, bdf, rel, bdf, writer)) < 0)
		return r;
	if ((r = gv_mut_driver(ctx, bdf, now, sizeof(now))) < 0)
		return r;
	if (now[0])
		return gv_fail(ctx, -EBUSY, "%s: still bound to %s after writing to %s", bdf, now, rel);
	return 0;
}

int gv_mut_probe(gpuvirt_ctx *ctx, const char *bdf, const char *expect)
{
	char now[GV_DRIVER_LEN];
	int r;

	if ((r = gv_mut_write(ctx, bdf, "sys/bus/pci/drivers_probe", bdf)) < 0)
		return r;
	if ((r = gv_mut_driver(ctx, bdf, now, sizeof(now))) < 0)
		return r;
	if (expect && strcmp(now, expect) != 0)
		return gv_fail(ctx, -ENXIO, "%s: %s did not take it after drivers_probe (driver now: %s)", bdf, expect,
			       now[0] ? now : "none");
	return 0;
}

int gv_mut_bind_to(gpuvirt_ctx *ctx, const char *bdf, const char *driver)
{
	char rel[128], now[GV_DRIVER_LEN];
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", driver)) < 0)
		return r;
	if ((r = gv_mut_write(ctx, bdf, rel, bdf)) < 0)
		return r;
	if ((r = gv_mut_driver(ctx, bdf, now, sizeof(now))) < 0)
		return r;
	if (strcmp(now, driver) != 0)
		return gv_fail(ctx, -ENXIO, "%s: not on %s after writing to %s (driver now: %s)", bdf, driver, rel,
			       now[0] ? now : "none");
	return 0;
}

/* Give a device back to the driver it had, by an explicit bind or, where
 * that fails, the kernel's own choice. */
static int rebind(gpuvirt_ctx *ctx, const struct gv_member *m)
{
	char now[GV_DRIVER_LEN];
	int r;

	if (gv_driver_loaded(ctx, m->driver) && gv_mut_bind_to(ctx, m->bdf, m->driver) == 0)
		return 0;
	if ((r = gv_mut_probe(ctx, m->bdf, NULL)) < 0)
		return r;
	if ((r = gv_mut_driver(ctx, m->bdf, now, sizeof(now))) < 0)
		return r;
	if (strcmp(now, m->driver) != 0)
		return gv_fail(ctx, -EIO, "%s: could not give it back to %s (driver now: %s)", m->bdf, m->driver,
			       now[0] ? now : "none");
	return 0;
}

int gv_mut_reset_method(gpuvirt_ctx *ctx, const char *bdf, const char *methods)
{
	char rel[160], want[GV_RESET_LEN], now[GV_RESET_LEN];
	ssize_t n;
	int r;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/reset_method", bdf) < 0)
		return -EINVAL;
	snprintf(want, sizeof(want), "%s", strcmp(methods, "-") == 0 ? "" : methods);
	for (char *p = want; *p; p++)
		if (*p == ',')
			*p = ' ';
	if ((r = gv_mut_write(ctx, bdf, rel, want)) < 0)
		return r;
	if ((n = gv_read_text(ctx, rel, now, sizeof(now))) < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s back: %s", bdf, rel, gpuvirt_strerror((int)n));
	now[gv_trim_end(now, (size_t)n)] = '\0';
	if (strcmp(now, want) != 0)
		return gv_fail(ctx, -EIO, "%s: reset_method reads \"%s\" after writing \"%s\"", bdf, now, want);
	return 0;
}

/* ---- the host console (console.c decides what) ------------------------ */

int gv_mut_vtcon_bind(gpuvirt_ctx *ctx, const char *vtcon, int bind, pid_t *writer)
{
	char rel[128], now[16];
	ssize_t n;
	int r;

	if (strncmp(vtcon, "vtcon", 5) != 0 || (r = gv_path(rel, sizeof(rel), "sys/class/vtconsole/%s/bind", vtcon)) < 0)
		return gv_fail(ctx, -EINVAL, "%s: not a console's name", vtcon);
	if ((r = gv_mut_write_bounded(ctx, vtcon, rel, bind ? "1\n" : "0\n", writer)) < 0)
		return r;
	if ((n = gv_read_text(ctx, rel, now, sizeof(now))) < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s back: %s", vtcon, rel, gpuvirt_strerror((int)n));
	now[gv_trim_end(now, (size_t)n)] = '\0';
	if (strcmp(now, bind ? "1" : "0") != 0)
		return gv_fail(ctx, -EIO, "%s: bind reads \"%s\" after writing %d (the console driver kept it)", vtcon, now,
			       bind);
	return 0;
}

int gv_mut_platform_bind(gpuvirt_ctx *ctx, const char *dev, const char *driver, bool bind, pid_t *writer)
{
	char rel[192], now[GV_DRIVER_LEN];
	ssize_t n;
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/platform/drivers/%s/%s", driver, bind ? "bind" : "unbind")) < 0)
		return gv_fail(ctx, r, "%s: bad driver name %s", dev, driver);
	if ((r = gv_mut_write_bounded(ctx, dev, rel, dev, writer)) < 0)
		return r;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/platform/devices/%s/driver", dev)) < 0)
		return r;
	n = gv_readlink_base(ctx, rel, now, sizeof(now));
	if (n < 0 && n != -ENOENT)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", dev, rel, gpuvirt_strerror((int)n));
	if (bind ? n <= 0 || strcmp(now, driver) != 0 : n > 0)
		return gv_fail(ctx, -EIO, "%s: %s after %s %s", dev, n > 0 ? now : "no driver",
			       bind ? "binding it to" : "releasing it from", driver);
	return 0;
}

int gv_mut_restore(gpuvirt_ctx *ctx, const struct gv_member *m, const char *target, pid_t *writer)
{
	char now[GV_DRIVER_LEN], ov[GV_DRIVER_LEN];
	int r;

	*writer = 0;
	if (strcmp(target, "pciback") == 0 && gv_driver_loaded(ctx, "pciback") &&
	    gv_mut_write(ctx, m->bdf, "sys/bus/pci/drivers/pciback/remove_slot", m->bdf) < 0)
		gv_debug(ctx, "%s: not in pciback's slots", m->bdf);
	if ((r = gv_mut_driver(ctx, m->bdf, now, sizeof(now))) < 0)
		return r;
	if (m->reset[0] && (r = gv_mut_reset_method(ctx, m->bdf, m->reset)) < 0)
		return r;
	/* With the wrong override in place, a probe would hand the device to the
	 * wrong driver: stop at that failure. */
	if (gv_mut_override(ctx, m->bdf, ov, sizeof(ov)) == 0 && strcmp(ov, m->override) != 0 &&
	    (r = gv_mut_set_override(ctx, m->bdf, m->override)) < 0)
		return r;
	if (strcmp(now, m->driver) == 0)
		return 0;
	if (now[0] && (r = gv_mut_unbind(ctx, m->bdf, now, writer)) < 0)
		return r;
	if (!m->driver[0])
		return 0; /* it had none: leave it so */
	return rebind(ctx, m);
}

/* ---- mdev, NVIDIA's vendor interface, SR-IOV --------------------------- */

int gv_mut_mdev_create(gpuvirt_ctx *ctx, const char *parent, const char *type, const char *uuid)
{
	char rel[512], val[64], link[256], got[128];
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/class/mdev_bus/%s/mdev_supported_types/%s/create", parent, type)) < 0)
		return gv_fail(ctx, r, "%s: bad parent or type name", parent);
	snprintf(val, sizeof(val), "%s\n", uuid);
	if ((r = gv_mut_write(ctx, parent, rel, val)) < 0)
		return r;
	if ((r = gv_path(link, sizeof(link), "sys/bus/mdev/devices/%s/mdev_type", uuid)) < 0)
		return r;
	if (gv_readlink_base(ctx, link, got, sizeof(got)) <= 0 || strcmp(got, type) != 0)
		return gv_fail(ctx, -EIO, "%s: instance %s did not appear with type %s", parent, uuid, type);
	return 0;
}

int gv_mut_mdev_remove(gpuvirt_ctx *ctx, const char *uuid, pid_t *writer)
{
	char rel[128];
	int r;

	*writer = 0;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s/remove", uuid)) < 0)
		return r;
	if ((r = gv_mut_write_bounded(ctx, uuid, rel, "1\n", writer)) < 0)
		return r;
	if ((r = gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid)) < 0)
		return r;
	r = gv_exists(ctx, rel);
	if (r < 0)
		return gv_fail(ctx, r, "%s: cannot tell whether it is gone: %s", uuid, gpuvirt_strerror(r));
	return r == 1 ? gv_fail(ctx, -EBUSY, "%s: still there after remove", uuid) : 0;
}

long gv_mut_read_vendor_type(gpuvirt_ctx *ctx, const char *vf)
{
	char rel[128], buf[64];
	long v;
	ssize_t n;

	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf) < 0)
		return -EINVAL;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n < 0)
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", vf, rel, gpuvirt_strerror((int)n));
	if (gv_parse_int(buf, (size_t)n, 0, 1L << 30, &v) < 0)
		return gv_fail(ctx, -EBADMSG, "%s: %s reads '%.*s'", vf, rel, shown_len(buf), buf);
	return v;
}

int gv_mut_vendor_type(gpuvirt_ctx *ctx, const char *vf, long id)
{
	char rel[128], val[32];
	long now;
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf)) < 0)
		return r;
	snprintf(val, sizeof(val), "%ld\n", id);
	if ((r = gv_mut_write(ctx, vf, rel, val)) < 0)
		return r;
	now = gv_mut_read_vendor_type(ctx, vf);
	if (now < 0)
		return (int)now;
	if (now != id)
		return gv_fail(ctx, -EIO, "%s: current_vgpu_type reads %ld after writing %ld", vf, now, id);
	return 0;
}

int gv_mut_sriov_numvfs(gpuvirt_ctx *ctx, const char *pf, int count)
{
	char rel[128], val[32], buf[32];
	long now;
	pid_t writer;
	ssize_t n;
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", pf)) < 0)
		return r;
	snprintf(val, sizeof(val), "%d\n", count);
	if ((r = gv_mut_write_bounded(ctx, pf, rel, val, &writer)) < 0)
		return r;
	n = gv_read_text(ctx, rel, buf, sizeof(buf));
	if (n < 0 || gv_parse_int(buf, (size_t)n, 0, 65535, &now) < 0 || now != count)
		return gv_fail(ctx, -EIO, "%s: %s does not read %d after the write", pf, rel, count);
	return 0;
}

/* Enable count VFs of a PF for VMs. They come up without a host driver:
 * with the PF's sriov_drivers_autoprobe on, the kernel would first give
 * each VF the PF's driver, whose probe may still be running when the VF is
 * moved to vfio-pci, and may then release the device from under vfio-pci
 * (nvme does, when its controller never becomes ready: seen on the real
 * kernel tier). The PF's setting is put back once the VFs exist (it only
 * matters when they are made). */
int gv_mut_enable_vfs(gpuvirt_ctx *ctx, const char *bdf, int count)
{
	char rel[128], was[16];
	ssize_t n;
	int r;

	if ((r = gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_drivers_autoprobe", bdf)) < 0)
		return r;
	n = gv_read_text(ctx, rel, was, sizeof(was));
	if (n < 0 && n != -ENOENT) /* before Linux 4.12 it is not there: nothing to turn off */
		return gv_fail(ctx, (int)n, "%s: cannot read %s: %s", bdf, rel, gpuvirt_strerror((int)n));
	if (n <= 0 || was[0] != '1')
		return gv_mut_sriov_numvfs(ctx, bdf, count);
	/* A crash with autoprobe off would leave it off: the journal lets
	 * gpuvirt recover turn it on again. */
	if ((r = gv_journal_begin_vfs(ctx, bdf)) < 0 || (r = gv_mut_write(ctx, bdf, rel, "0\n")) < 0)
		return r;
	r = gv_mut_sriov_numvfs(ctx, bdf, count);
	char why[sizeof(ctx->error)];
	memcpy(why, ctx->error, sizeof(why));
	int e = gv_mut_write(ctx, bdf, rel, "1\n");
	if (e == 0)
		e = gv_journal_end_vfs(ctx, bdf);
	if (r == 0)
		r = e;
	else
		memcpy(ctx->error, why, sizeof(why));
	return r;
}

/* ---- waiting ----------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* udev's monitor of the VFIO device nodes, where the root is "/" and
 * libudev can be loaded: its descriptor, or -1 to sleep instead. */
static int watch_vfio(gpuvirt_ctx *ctx, const struct gv_udev_api **u, struct udev **udev, struct udev_monitor **mon)
{
	const char *why;

	if (strcmp(ctx->root, "/") != 0)
		return -1;
	if (!(*u = gv_udev(&why))) {
		gv_debug(ctx, "no udev events (%s): waiting in short sleeps", why);
		return -1;
	}
	if (!(*udev = (*u)->new_()) || !(*mon = (*u)->monitor_new_from_netlink(*udev, "udev")) ||
	    (*u)->monitor_filter_add_match_subsystem_devtype(*mon, "vfio", NULL) < 0 ||
	    (*u)->monitor_filter_add_match_subsystem_devtype(*mon, "vfio-dev", NULL) < 0 ||
	    (*u)->monitor_enable_receiving(*mon) < 0)
		return -1;
	return (*u)->monitor_get_fd(*mon);
}

/* Wait for a file under the root: udev events where the root is "/", short
 * sleeps elsewhere (a simulated host sends no uevents). */
int gv_mut_wait_for(gpuvirt_ctx *ctx, const char *rel, long timeout_ms)
{
	long start = now_ms(), deadline = start + timeout_ms;
	const struct gv_udev_api *u = NULL;
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	int fd = watch_vfio(ctx, &u, &udev, &mon), r = -ETIMEDOUT, e;
	bool said = false;

	while ((e = gv_exists(ctx, rel)) != 1) {
		long left = deadline - now_ms();
		if (e < 0) {
			r = e;
			goto out;
		}
		if (left <= 0)
			goto out;
		if (!said && now_ms() - start >= 1000) { /* a wait a person would notice: say it once */
			gv_log(ctx, 5, "waiting up to %ld s for %s to appear", (left + 999) / 1000, rel);
			said = true;
		}
		if (fd >= 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			if (poll(&pfd, 1, left < 100 ? (int)left : 100) > 0)
				u->device_unref(u->monitor_receive_device(mon));
		} else {
			struct timespec ts = {0, (left < 10 ? left : 10) * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	r = 0;
out:
	if (u) {
		u->monitor_unref(mon);
		u->unref(udev);
	}
	return r;
}
