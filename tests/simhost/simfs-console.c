/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: the host console: platform framebuffers and their
 * drivers, fbcon's vtcons. */
#include "simfs.h"

/* ---- the host console: platform framebuffers, fbcon's vtcons ----------- */

static int count_fbs(void)
{
	char **names;
	int n = listdir(&names, "sys/class/graphics"), fbs = 0;

	for (int i = 0; i < n; i++)
		fbs += strncmp(names[i], "fb", 2) == 0 && isdigit((unsigned char)names[i][2]);
	freelist(names, n);
	return fbs;
}

/* fbcon (drivers/video/fbdev/core/fbcon.c): with the last framebuffer gone
 * it unregisters its console, and its vtcon goes; the next framebuffer
 * brings it back, bound. Gone ones wait in .simhost/parked/. */
static void fbcon_follow(void)
{
	char **names, text[128];
	int n;

	if (count_fbs() == 0) {
		n = listdir(&names, "sys/class/vtconsole");
		for (int i = 0; i < n; i++)
			if (readf(text, sizeof(text), "sys/devices/virtual/vtconsole/%s/name", names[i]) >= 0 &&
			    strstr(text, "frame buffer device")) {
				char from[P], to[P];
				mkdirs(".simhost/parked");
				snprintf(from, sizeof(from), "sys/devices/virtual/vtconsole/%s", names[i]);
				snprintf(to, sizeof(to), ".simhost/parked/%s", names[i]);
				renameat(bfd, from, bfd, to);
				unlinkf("sys/class/vtconsole/%s", names[i]);
			}
		freelist(names, n);
		return;
	}
	n = listdir(&names, ".simhost/parked");
	for (int i = 0; i < n; i++)
		if (strncmp(names[i], "vtcon", 5) == 0) {
			char from[P], to[P];
			snprintf(from, sizeof(from), ".simhost/parked/%s", names[i]);
			snprintf(to, sizeof(to), "sys/devices/virtual/vtconsole/%s", names[i]);
			renameat(bfd, from, bfd, to);
			writef(0644, "1\n", "%s/bind", to);
			linkf(to, "sys/class/vtconsole/%s", names[i]);
		}
	freelist(names, n);
}

/* A platform driver's bind and unbind (drivers/base/bus.c): a framebuffer
 * device's fbN goes with its driver and comes back with it. */
int platform_driver_file(const char *drv, const char *file, const char *val)
{
	char name[128], dev[P], cur[P], parked[P];
	char **fbs;
	int n;

	snprintf(name, sizeof(name), "%s", val);
	trim(name);
	if (!name[0] || strchr(name, '/') || resolve(dev, "sys/bus/platform/devices/%s", name) < 0)
		return -ENODEV;
	snprintf(parked, sizeof(parked), ".simhost/parked/%s-graphics", name);
	if (strcmp(file, "unbind") == 0) {
		if (resolve(cur, "%s/driver", dev) < 0 || strcmp(base_of(cur), drv) != 0)
			return -ENODEV;
		unlinkf("%s/driver", dev);
		unlinkf("sys/bus/platform/drivers/%s/%s", drv, name);
		n = listdir(&fbs, "%s/graphics", dev);
		for (int i = 0; i < n; i++)
			unlinkf("sys/class/graphics/%s", fbs[i]);
		freelist(fbs, n);
		if (n) {
			char from[P];
			mkdirs(".simhost/parked");
			snprintf(from, sizeof(from), "%s/graphics", dev);
			renameat(bfd, from, bfd, parked);
		}
		fbcon_follow();
		return 0;
	}
	if (strcmp(file, "bind") == 0) {
		char to[P];
		if (exists("%s/driver", dev))
			return -EBUSY;
		if (!exists("sys/bus/platform/drivers/%s", drv))
			return -ENODEV;
		snprintf(to, sizeof(to), "sys/bus/platform/drivers/%s", drv);
		linkf(to, "%s/driver", dev);
		linkf(dev, "sys/bus/platform/drivers/%s/%s", drv, name);
		snprintf(to, sizeof(to), "%s/graphics", dev);
		if (exists("%s", parked) && renameat(bfd, parked, bfd, to) == 0) {
			n = listdir(&fbs, "%s", to);
			for (int i = 0; i < n; i++) {
				char fb[P];
				snprintf(fb, sizeof(fb), "%s/%s", to, fbs[i]);
				linkf(fb, "sys/class/graphics/%s", fbs[i]);
			}
			freelist(fbs, n);
		}
		fbcon_follow();
		return 0;
	}
	return -EACCES;
}

/* vt's con_bind store (drivers/tty/vt/vt.c): 0 or 1, anything else is
 * taken as 0; the console driver of a vtcon with no framebuffer left
 * under it cannot bind. */
int write_vtcon_bind(const char *rel, const char *val)
{
	long v = strtol(val, NULL, 0);
	char dir[P], name[128];

	dirname_of(rel, dir);
	if (v && readf(name, sizeof(name), "%s/name", dir) >= 0 && strstr(name, "frame buffer device") && !count_fbs())
		return -ENODEV;
	return writef(0644, v ? "1\n" : "0\n", "%s", rel);
}
