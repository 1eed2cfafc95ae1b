/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: a simulated host served over FUSE, whose sysfs writes have
 * the kernel's effects (driver model, SR-IOV, mdev, NVIDIA vendor vGPU),
 * with fault injection. See tests/README.md.
 *
 * The host is first built as a plain tree (simhost.c) in a backing folder;
 * reads pass through to it, and every write under sys/ is handled here by
 * changing that tree the way the kernel would, before write() returns.
 * Files outside sys/ and proc/ (etc/, run/, dev/, ...) behave as a normal
 * file system. The folder .simhost/ at the root is the control plane:
 * .simhost/control takes commands, .simhost/log lists every sysfs write. */
#define FUSE_USE_VERSION 31

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define P PATH_MAX

static char backing[P];		/* absolute path of the backing tree */
static int bfd = -1;		/* its directory fd */
static bool own_backing;	/* built by us: removed at exit */
static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;

/* ---- small helpers over root-relative paths ---------------------------- */

static const char *R(const char *rel)
{
	return rel && *rel ? rel : ".";
}

static void vfmt(char *out, const char *fmt, va_list ap)
{
	vsnprintf(out, P, fmt, ap);
}

/* Read a file into out (NUL-terminated, trailing newlines dropped). */
static int readf(char *out, size_t size, const char *fmt, ...)
{
	char rel[P];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	out[0] = '\0';
	fd = openat(bfd, R(rel), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return (int)n;
}

static long readnum(long dflt, const char *fmt, ...)
{
	char rel[P], buf[64], *end;
	va_list ap;
	long v;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	if (readf(buf, sizeof(buf), "%s", rel) <= 0)
		return dflt;
	v = strtol(buf, &end, 0);
	return end == buf ? dflt : v;
}

static int mkdirs(const char *rel)
{
	char tmp[P];

	snprintf(tmp, sizeof(tmp), "%s", rel);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdirat(bfd, tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdirat(bfd, tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int mkparent(const char *rel)
{
	char tmp[P], *slash;

	snprintf(tmp, sizeof(tmp), "%s", rel);
	slash = strrchr(tmp, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return mkdirs(tmp);
}

/* Write a whole file (made with `mode`), creating its folder. */
static int writef(mode_t mode, const char *content, const char *fmt, ...)
{
	char rel[P];
	va_list ap;
	size_t len = strlen(content);
	int fd, r = 0;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	mkparent(rel);
	fd = openat(bfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (len && write(fd, content, len) != (ssize_t)len)
		r = -EIO;
	fchmod(fd, mode);
	close(fd);
	return r;
}

static int appendf(const char *rel, const char *fmt, ...)
{
	va_list ap;
	int fd;

	mkparent(rel);
	fd = openat(bfd, rel, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
	close(fd);
	return 0;
}

static bool exists(const char *fmt, ...)
{
	char rel[P];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	return fstatat(bfd, R(rel), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void dirname_of(const char *rel, char *out)
{
	char *slash;

	snprintf(out, P, "%s", rel);
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		out[0] = '\0';
}

static const char *base_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? slash + 1 : rel;
}

/* Where the link at `fmt` points, root-relative. */
static int resolve(char *out, const char *fmt, ...)
{
	char rel[P], dir[P], target[P];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	n = readlinkat(bfd, rel, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	dirname_of(rel, dir);
	return simhost_path_join(dir, target, out, P);
}

/* Make a relative link at `fmt` pointing to root-relative `to`. */
static int linkf(const char *to, const char *fmt, ...)
{
	char rel[P], dir[P], target[P];
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	dirname_of(rel, dir);
	simhost_path_relative(dir, to, target, sizeof(target));
	mkparent(rel);
	unlinkat(bfd, rel, 0);
	return symlinkat(target, bfd, rel) < 0 ? -errno : 0;
}

static void unlinkf(const char *fmt, ...)
{
	char rel[P];
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	unlinkat(bfd, rel, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rmtree(const char *fmt, ...)
{
	char rel[P], abs[P];
	va_list ap;
	struct stat st;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	if (!rel[0] || fstatat(bfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	snprintf(abs, sizeof(abs), "%s/%s", backing, rel);
	if (S_ISDIR(st.st_mode))
		nftw(abs, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else
		unlink(abs);
}

/* Names in a folder, sorted; returns a count and a malloc'd array. */
static int listdir(char ***out, const char *fmt, ...)
{
	char rel[P];
	struct dirent **ents = NULL;
	char abs[P];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	snprintf(abs, sizeof(abs), "%s/%s", backing, rel);
	*out = NULL;
	n = scandir(abs, &ents, NULL, alphasort);
	if (n < 0)
		return 0;
	char **names = calloc((size_t)n + 1, sizeof(char *));
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
			names[k++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	*out = names;
	return k;
}

static void freelist(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool is_kernel(const char *rel)
{
	return strncmp(rel, "sys/", 4) == 0 || strcmp(rel, "sys") == 0 || strncmp(rel, "proc/", 5) == 0 ||
	       strcmp(rel, "proc") == 0;
}

/* What is done to the files that are not the kernel's (the library's state:
 * journals, records, locks) goes to .simhost/files as `OP<TAB>PATH[<TAB>TO]`
 * (create, trunc, write, fsync, rename, unlink), so that a test can see how
 * a file was replaced: a temporary file written, synced and renamed, or the
 * file itself truncated and rewritten. */
/* `full DIR ERRNO`: every write of data to a file under DIR fails (a full
 * disk: creating, renaming and truncating still work). */
static char full_dir[256];
static int full_err;

static int appendf(const char *rel, const char *fmt, ...);
static void file_op(const char *op, const char *rel, const char *to)
{
	if (strncmp(rel, ".simhost", 8) == 0)
		return;
	appendf(".simhost/files", "%s\t%s%s%s\n", op, rel, to ? "\t" : "", to ? to : "");
}

static bool under_full(const char *rel)
{
	size_t n = strlen(full_dir);

	return n && strncmp(rel, full_dir, n) == 0 && rel[n] == '/';
}

/* ---- errno names ------------------------------------------------------- */

static const struct {
	const char *name;
	int value;
} errnames[] = {
	{"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EIO", EIO},	    {"ENXIO", ENXIO},	  {"EAGAIN", EAGAIN},
	{"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EBUSY", EBUSY},   {"EEXIST", EEXIST},   {"ENODEV", ENODEV},
	{"EINVAL", EINVAL}, {"ENOSPC", ENOSPC}, {"ERANGE", ERANGE}, {"ENOSYS", ENOSYS},   {"ETIMEDOUT", ETIMEDOUT},
	{"EUSERS", EUSERS}, {"EINTR", EINTR},	{"ENOTTY", ENOTTY}, {"EOPNOTSUPP", EOPNOTSUPP},
};

static int errno_of(const char *s)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, s) == 0)
			return errnames[i].value;
	return atoi(s) > 0 ? atoi(s) : 0;
}

static const char *errno_name(int e)
{
	static __thread char buf[16];

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].value == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

/* ---- the PCI driver model ---------------------------------------------- */

static int pci_devpath(const char *bdf, char *out)
{
	if (!bdf[0] || strchr(bdf, '/') || !exists("sys/bus/pci/devices/%s", bdf))
		return -ENODEV;
	if (resolve(out, "sys/bus/pci/devices/%s", bdf) < 0 || !exists("%s", out))
		return -ENODEV;
	return 0;
}

/* A PCI function's folder: the bus lists it under its name. */
static bool is_pci_dir(const char *rel)
{
	char listed[P];

	if (!rel[0] || resolve(listed, "sys/bus/pci/devices/%s", base_of(rel)) < 0)
		return false;
	return strcmp(listed, rel) == 0;
}

static int bound_driver(const char *devpath, char *out)
{
	char target[P];

	out[0] = '\0';
	if (resolve(target, "%s/driver", devpath) < 0)
		return -ENOENT;
	snprintf(out, 64, "%s", base_of(target));
	return 0;
}

static int group_of(const char *devpath)
{
	char target[P];

	if (resolve(target, "%s/iommu_group", devpath) < 0)
		return -1;
	return atoi(base_of(target));
}

static bool driver_loaded(const char *drv)
{
	return drv[0] && !strchr(drv, '/') && exists("sys/bus/pci/drivers/%s", drv);
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static bool file_has_line(const char *line, const char *fmt, ...)
{
	char rel[P], buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	if (readf(buf, sizeof(buf), "%s", rel) < 0)
		return false;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, line) == 0)
			return true;
	return false;
}

static void file_drop_line(const char *line, const char *rel)
{
	char buf[8192], out[8192] = "";

	if (readf(buf, sizeof(buf), "%s", rel) < 0)
		return;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, line) != 0) {
			strncat(out, l, sizeof(out) - strlen(out) - 2);
			strcat(out, "\n");
		}
	writef(0644, out, "%s", rel);
}

/* Built-in ID tables of common drivers: vendor (0 = any), class prefix. */
static const struct {
	const char *driver;
	unsigned vendor;
	unsigned class_value, class_mask;
} builtin_ids[] = {
	{"nvidia", 0x10de, 0x030000, 0xff0000},	 {"nouveau", 0x10de, 0x030000, 0xff0000},
	{"amdgpu", 0x1002, 0x030000, 0xff0000},	 {"i915", 0x8086, 0x030000, 0xff0000},
	{"xe", 0x8086, 0x030000, 0xff0000},	 {"snd_hda_intel", 0, 0x040300, 0xffff00},
	{"xhci_hcd", 0, 0x0c0330, 0xffffff},	 {"ahci", 0, 0x010601, 0xffffff},
	{"virtio-pci", 0x1af4, 0, 0},
};

/* The kernel's driver_match_device for PCI: override first, then dynamic
 * ids, then the static table. */
static bool driver_matches(const char *drv, const char *devpath)
{
	char ov[256], line[64];
	unsigned vendor, device, class_code;

	readf(ov, sizeof(ov), "%s/driver_override", devpath);
	if (ov[0] && strcmp(ov, "(null)") != 0)
		return strcmp(ov, drv) == 0;
	vendor = (unsigned)readnum(0, "%s/vendor", devpath);
	device = (unsigned)readnum(0, "%s/device", devpath);
	class_code = (unsigned)readnum(0, "%s/class", devpath);
	snprintf(line, sizeof(line), "%04x %04x", vendor, device);
	if (file_has_line(line, ".simhost/dynids/%s", drv) || file_has_line(line, ".simhost/ids/%s", drv))
		return true;
	if (strcmp(drv, "pciback") == 0)
		return file_has_line(base_of(devpath), ".simhost/pciback-slots");
	for (size_t i = 0; i < sizeof(builtin_ids) / sizeof(builtin_ids[0]); i++) {
		if (strcmp(builtin_ids[i].driver, drv) != 0)
			continue;
		if (builtin_ids[i].vendor && builtin_ids[i].vendor != vendor)
			continue;
		if ((class_code & builtin_ids[i].class_mask) == builtin_ids[i].class_value)
			return true;
	}
	return false;
}

static const char *const stash_dirs[] = {"drm", "mdev_supported_types", "nvidia", NULL};

static void mdev_remove_instance(const char *mdevpath);
static void mdev_recompute(const char *parent);
static void nvidia_recompute(const char *pf);

/* The driver's probe: 0 or the error the driver would give. */

/* Linux 6.1+ (the vfio-dev class exists): a device vfio takes gets
 * vfio-dev/vfioN and the class's link (the lowest free N); with VFIO device
 * cdevs (6.6+: proc/devices lists "vfio-dev") also its dev number and
 * /dev/vfio/devices/vfioN. It loses them when unbound. */
static void vfio_cdev_add(const char *devpath)
{
	char to[P], majors[4096];
	int n = 0;

	if (!exists("sys/class/vfio-dev"))
		return;
	while (exists("sys/class/vfio-dev/vfio%d", n))
		n++;
	snprintf(to, sizeof(to), "%s/vfio-dev/vfio%d", devpath, n);
	mkdirs(to);
	linkf(to, "sys/class/vfio-dev/vfio%d", n);
	if (readf(majors, sizeof(majors), "proc/devices") > 0 && strstr(majors, " vfio-dev\n")) {
		char dev[32];
		snprintf(dev, sizeof(dev), "241:%d\n", n);
		writef(0444, dev, "%s/vfio-dev/vfio%d/dev", devpath, n);
		writef(0600, "", "dev/vfio/devices/vfio%d", n);
	}
}

static void vfio_cdev_remove(const char *devpath)
{
	char **names;
	int k = listdir(&names, "%s/vfio-dev", devpath);

	for (int i = 0; i < k; i++) {
		unlinkf("sys/class/vfio-dev/%s", names[i]);
		unlinkf("dev/vfio/devices/%s", names[i]);
	}
	freelist(names, k);
	rmtree("%s/vfio-dev", devpath);
	k = listdir(&names, "dev/vfio/devices");
	freelist(names, k);
	if (k == 0) /* devtmpfs drops a folder it emptied */
		rmtree("dev/vfio/devices");
}

/* vfio-pci, or a variant of it (a module loaded whose modules.alias entries
 * are "vfio_pci:" ones: it registered a driver of its own name, as
 * KBUILD_MODNAME drivers do, and makes /dev/vfio nodes as vfio-pci does). */
static bool vfio_like(const char *drv)
{
	return strcmp(drv, "vfio-pci") == 0 || exists(".simhost/vfio-variants/%s", drv);
}

static int probe(const char *drv, const char *devpath)
{
	const char *bdf = base_of(devpath);
	char orig[64], abs_from[P], abs_to[P];
	unsigned class_code = (unsigned)readnum(0, "%s/class", devpath);
	int g = group_of(devpath);

	if (vfio_like(drv)) {
		if ((class_code >> 8) == 0x0604 || (class_code >> 16) == 0x06)
			return -EINVAL; /* vfio-pci takes no bridges */
		if (g < 0)
			return -EINVAL; /* no IOMMU group: vfio_iommu_group_get fails */
	}
	linkf(devpath, "sys/bus/pci/drivers/%s/%s", drv, bdf);
	{
		char to[P];
		snprintf(to, sizeof(to), "sys/bus/pci/drivers/%s", drv);
		linkf(to, "%s/driver", devpath);
	}
	if (vfio_like(drv)) {
		char node[32];
		snprintf(node, sizeof(node), "%d", g);
		writef(0600, "", "dev/vfio/vfio");
		writef(0600, "", "dev/vfio/%s", node);
		vfio_cdev_add(devpath);
	}
	/* Give back what the original driver had made (DRM nodes, mdev types). */
	if (readf(orig, sizeof(orig), ".simhost/stash/%s/driver", bdf) > 0 && strcmp(orig, drv) == 0) {
		for (int i = 0; stash_dirs[i]; i++) {
			snprintf(abs_from, sizeof(abs_from), ".simhost/stash/%s/%s", bdf, stash_dirs[i]);
			snprintf(abs_to, sizeof(abs_to), "%s/%s", devpath, stash_dirs[i]);
			renameat(bfd, abs_from, bfd, abs_to);
		}
		rmtree(".simhost/stash/%s", bdf);
		if (exists("%s/mdev_supported_types", devpath))
			mdev_recompute(devpath);
	}
	return 0;
}

static bool group_has_vfio(int g, const char *except)
{
	char **names;
	int n = listdir(&names, "sys/kernel/iommu_groups/%d/devices", g);
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		char drv[64], dev[P];
		if (strcmp(names[i], except) == 0)
			continue;
		if (resolve(dev, "sys/kernel/iommu_groups/%d/devices/%s", g, names[i]) == 0 &&
		    bound_driver(dev, drv) == 0 && vfio_like(drv))
			found = true;
	}
	freelist(names, n);
	return found;
}

/* Remove every mdev instance below a parent. */
static void remove_children_mdevs(const char *devpath)
{
	char **names;
	int n = listdir(&names, "%s", devpath);

	for (int i = 0; i < n; i++) {
		char mp[P];
		snprintf(mp, sizeof(mp), "%s/%s", devpath, names[i]);
		if (exists("%s/mdev_type", mp))
			mdev_remove_instance(mp);
	}
	freelist(names, n);
}

static void do_unbind(const char *drv, const char *devpath)
{
	const char *bdf = base_of(devpath);
	int g = group_of(devpath);
	bool stashed = false;

	if (vfio_like(drv) && g >= 0 && !group_has_vfio(g, bdf))
		unlinkf("dev/vfio/%d", g);
	if (vfio_like(drv))
		vfio_cdev_remove(devpath);
	remove_children_mdevs(devpath);
	for (int i = 0; stash_dirs[i]; i++) {
		if (!exists("%s/%s", devpath, stash_dirs[i]))
			continue;
		char from[P], to[P];
		mkdirs(".simhost/stash");
		snprintf(to, sizeof(to), ".simhost/stash/%s", bdf);
		mkdirs(to);
		snprintf(from, sizeof(from), "%s/%s", devpath, stash_dirs[i]);
		snprintf(to, sizeof(to), ".simhost/stash/%s/%s", bdf, stash_dirs[i]);
		rmtree("%s", to);
		renameat(bfd, from, bfd, to);
		stashed = true;
	}
	if (stashed)
		writef(0644, drv, ".simhost/stash/%s/driver", bdf);
	unlinkf("sys/bus/pci/drivers/%s/%s", drv, bdf);
	unlinkf("%s/driver", devpath);
}

/* Try the loaded drivers on an unbound device, as device_attach does. */
static void attach_any(const char *devpath)
{
	char ov[256], first[64] = "";
	const char *bdf = base_of(devpath);
	char **names;
	int n;

	if (exists("%s/driver", devpath))
		return;
	readf(ov, sizeof(ov), "%s/driver_override", devpath);
	if (ov[0] && strcmp(ov, "(null)") != 0) {
		if (driver_loaded(ov))
			probe(ov, devpath);
		return;
	}
	/* The driver it was recorded with goes first. */
	if (readf(first, sizeof(first), ".simhost/orig/%s", bdf) > 0 && driver_loaded(first) &&
	    driver_matches(first, devpath) && probe(first, devpath) == 0)
		return;
	n = listdir(&names, "sys/bus/pci/drivers");
	for (int i = 0; i < n; i++)
		if (driver_matches(names[i], devpath) && probe(names[i], devpath) == 0)
			break;
	freelist(names, n);
}

static int pci_unplug(const char *devpath);

/* ---- SR-IOV ------------------------------------------------------------ */

static bool sriov_capable_driver(const char *drv)
{
	return strcmp(drv, "pciback") != 0 && strcmp(drv, "pci-stub") != 0;
}

static int next_group(void)
{
	char **names;
	int n = listdir(&names, "sys/kernel/iommu_groups"), max = -1;

	for (int i = 0; i < n; i++)
		if (atoi(names[i]) > max)
			max = atoi(names[i]);
	freelist(names, n);
	return max + 1;
}

static void make_group(int g, const char *type)
{
	mkdirs("sys/kernel/iommu_groups");
	writef(0444, type, "sys/kernel/iommu_groups/%d/type", g);
	writef(0444, "", "sys/kernel/iommu_groups/%d/reserved_regions", g);
	char rel[P];
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices", g);
	mkdirs(rel);
}

static void drop_from_group(int g, const char *name)
{
	char **names;
	int n;

	unlinkf("sys/kernel/iommu_groups/%d/devices/%s", g, name);
	n = listdir(&names, "sys/kernel/iommu_groups/%d/devices", g);
	freelist(names, n);
	if (n == 0) {
		rmtree("sys/kernel/iommu_groups/%d", g);
		unlinkf("dev/vfio/%d", g);
	}
}

static int sriov_enable(const char *pf, int num)
{
	unsigned offset = (unsigned)readnum(1, "%s/sriov_offset", pf);
	unsigned stride = (unsigned)readnum(1, "%s/sriov_stride", pf);
	unsigned domain, bus, dev, fn;
	char parent[P], vfdev[16], ptype[64] = "DMA";
	int pfg = group_of(pf);

	if (sscanf(base_of(pf), "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return -EINVAL;
	readf(vfdev, sizeof(vfdev), "%s/sriov_vf_device", pf);
	if (pfg >= 0)
		readf(ptype, sizeof(ptype), "sys/kernel/iommu_groups/%d/type", pfg);
	dirname_of(pf, parent);
	for (int i = 0; i < num; i++) {
		unsigned rid = (bus << 8 | dev << 3 | fn) + offset + (unsigned)i * stride;
		char bdf[16], vf[P], val[128], cfg[64];
		int fd;
		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
		snprintf(vf, sizeof(vf), "%s/%s", parent, bdf);
		mkdirs(vf);
		static const char *const copied[] = {"vendor", "class", "revision", "subsystem_vendor",
						     "subsystem_device", "numa_node", "local_cpulist", NULL};
		for (int k = 0; copied[k]; k++)
			if (readf(val, sizeof(val), "%s/%s", pf, copied[k]) >= 0) {
				strcat(val, "\n");
				writef(0444, val, "%s/%s", vf, copied[k]);
			}
		snprintf(val, sizeof(val), "0x%s\n", vfdev[0] ? vfdev : "ffff");
		writef(0444, val, "%s/device", vf);
		writef(0444, "flr\n", "%s/reset_method", vf);
		writef(0644, "(null)\n", "%s/driver_override", vf);
		writef(0200, "", "%s/remove", vf);
		writef(0200, "", "%s/reset", vf);
		writef(0644, "0\n", "%s/boot_vga", vf);
		/* Config space of a VF reads 0xffff for its IDs. */
		memset(cfg, 0, sizeof(cfg));
		fd = openat(bfd, pf, O_RDONLY);
		if (fd >= 0) {
			int cf = openat(fd, "config", O_RDONLY);
			if (cf >= 0) {
				if (read(cf, cfg, sizeof(cfg)) < 0)
					memset(cfg, 0, sizeof(cfg));
				close(cf);
			}
			close(fd);
		}
		memset(cfg, 0xff, 4);
		{
			char rel[P];
			snprintf(rel, sizeof(rel), "%s/config", vf);
			fd = openat(bfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				ssize_t w = write(fd, cfg, sizeof(cfg));
				(void)w; /* a short config reads as a short file, as on a broken VF */
				close(fd);
			}
		}
		linkf("sys/bus/pci", "%s/subsystem", vf);
		linkf(pf, "%s/physfn", vf);
		linkf(vf, "%s/virtfn%d", pf, i);
		linkf(vf, "sys/bus/pci/devices/%s", bdf);
		if (pfg >= 0) {
			int g = next_group();
			char to[P];
			make_group(g, ptype);
			snprintf(to, sizeof(to), "sys/kernel/iommu_groups/%d", g);
			linkf(to, "%s/iommu_group", vf);
			linkf(vf, "sys/kernel/iommu_groups/%d/devices/%s", g, bdf);
		}
		if (exists(".simhost/nvidia/%s.types", base_of(pf))) {
			writef(0444, "", "%s/nvidia/creatable_vgpu_types", vf);
			writef(0644, "0\n", "%s/nvidia/current_vgpu_type", vf);
			writef(0444, "0\n", "%s/nvidia/gpu_instance_id", vf);
			writef(0444, "0\n", "%s/nvidia/placement_id", vf);
			writef(0644, "", "%s/nvidia/vgpu_params", vf);
		}
		if (readnum(1, "%s/sriov_drivers_autoprobe", pf) == 1)
			attach_any(vf);
	}
	snprintf(vfdev, sizeof(vfdev), "%d\n", num);
	writef(0664, vfdev, "%s/sriov_numvfs", pf);
	if (exists(".simhost/nvidia/%s.types", base_of(pf)))
		nvidia_recompute(pf);
	return 0;
}

static void sriov_disable(const char *pf)
{
	char **names;
	int n = listdir(&names, "%s", pf);

	for (int i = 0; i < n; i++) {
		char vf[P];
		if (strncmp(names[i], "virtfn", 6) != 0)
			continue;
		if (resolve(vf, "%s/%s", pf, names[i]) == 0)
			pci_unplug(vf);
		unlinkf("%s/%s", pf, names[i]);
	}
	freelist(names, n);
	writef(0664, "0\n", "%s/sriov_numvfs", pf);
}

/* reset_method as drivers/pci/pci.c takes it: known method names separated
 * by blanks (or "" for none), each one the device supports, else -EINVAL.
 * device_specific is supported where a quirk provides it; here, where the
 * vendor_reset module is loaded (it hooks the kernel's quirk). "default"
 * leaves the list as it is. Shown with a newline, as the kernel does. */
static int write_reset_method(const char *rel, const char *val)
{
	static const char *const known[] = {"device_specific", "acpi", "flr", "pm", "bus", "cxl_bus"};
	char buf[256], out[256] = "", *save;

	if (strlen(val) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", val);
	trim(buf);
	if (strcmp(buf, "default") == 0)
		return 0;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t k = 0;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k], w) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0]) || (k == 0 && !exists("sys/module/vendor_reset")))
			return -EINVAL;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "", w);
	}
	strcat(out, "\n");
	return writef(0644, out, "%s", rel);
}

static int write_sriov_numvfs(const char *pf, const char *val)
{
	char *end, drv[64];
	long num = strtol(val, &end, 0), total, cur;

	if (end == val || (*end && !isspace((unsigned char)*end)) || num < 0)
		return -EINVAL;
	total = readnum(0, "%s/sriov_totalvfs", pf);
	cur = readnum(0, "%s/sriov_numvfs", pf);
	if (num > total)
		return -ERANGE;
	if (num == cur)
		return 0;
	if (bound_driver(pf, drv) < 0 || !sriov_capable_driver(drv))
		return -ENOENT;
	if (num == 0) {
		sriov_disable(pf);
		return 0;
	}
	if (cur != 0)
		return -EBUSY;
	return sriov_enable(pf, (int)num);
}

/* Hot-unplug one PCI function (PCI `remove`, or a fault). */
static int pci_unplug(const char *devpath)
{
	char dev[P], drv[64], phys[P];
	const char *bdf;
	int g;

	snprintf(dev, sizeof(dev), "%s", devpath);
	bdf = base_of(dev);
	if (readnum(0, "%s/sriov_numvfs", dev) > 0)
		sriov_disable(dev);
	if (bound_driver(dev, drv) == 0)
		do_unbind(drv, dev);
	remove_children_mdevs(dev);
	g = group_of(dev);
	if (g >= 0)
		drop_from_group(g, bdf);
	unlinkf("sys/bus/pci/devices/%s", bdf);
	unlinkf("sys/class/mdev_bus/%s", bdf);
	if (resolve(phys, "%s/physfn", dev) == 0) {
		char **names;
		int n = listdir(&names, "%s", phys);
		for (int i = 0; i < n; i++) {
			char t[P];
			if (strncmp(names[i], "virtfn", 6) == 0 && resolve(t, "%s/%s", phys, names[i]) == 0 &&
			    strcmp(t, dev) == 0)
				unlinkf("%s/%s", phys, names[i]);
		}
		freelist(names, n);
	}
	rmtree("%s", dev);
	return 0;
}

/* ---- mdev -------------------------------------------------------------- */

static bool valid_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

static int count_dir(const char *fmt, const char *a, const char *b)
{
	char **names;
	int n = listdir(&names, fmt, a, b);

	freelist(names, n);
	return n;
}

static long gcd(long a, long b)
{
	while (b) {
		long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* available_instances of every type of a parent, by its accounting rule:
 * "exclusive" (NVIDIA legacy: one type at a time, up to its max), or
 * "pool N" (a shared budget; a type costs N / its max instances). */
static void mdev_recompute(const char *parent)
{
	const char *bdf = base_of(parent);
	char policy[64] = "", **types;
	int nt = listdir(&types, "%s/mdev_supported_types", parent);
	long pool = 0, used = 0;
	const char *active = NULL;

	readf(policy, sizeof(policy), ".simhost/mdev/%s/policy", bdf);
	if (strncmp(policy, "pool", 4) == 0)
		pool = strtol(policy + 4, NULL, 10);
	for (int i = 0; i < nt; i++) {
		int cnt = count_dir("%s/mdev_supported_types/%s/devices", parent, types[i]);
		long max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		if (cnt > 0 && !active)
			active = types[i];
		if (pool && max > 0)
			used += cnt * (pool / max);
	}
	for (int i = 0; i < nt; i++) {
		int cnt = count_dir("%s/mdev_supported_types/%s/devices", parent, types[i]);
		long max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]), avail;
		char val[32];
		if (pool)
			avail = max > 0 ? (pool - used) / (pool / max) : 0;
		else if (strcmp(policy, "exclusive") == 0)
			avail = (!active || strcmp(active, types[i]) == 0) ? max - cnt : 0;
		else
			avail = max - cnt;
		snprintf(val, sizeof(val), "%ld\n", avail < 0 ? 0 : avail);
		writef(0444, val, "%s/mdev_supported_types/%s/available_instances", parent, types[i]);
	}
	freelist(types, nt);
}

static int mdev_create(const char *typedir, const char *val)
{
	char uuid[64], parent[P], tmp[P], mp[P], to[P];
	int g;

	snprintf(uuid, sizeof(uuid), "%s", val);
	trim(uuid);
	if (!valid_uuid(uuid))
		return -EINVAL;
	for (char *c = uuid; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (exists("sys/bus/mdev/devices/%s", uuid))
		return -EEXIST;
	if (readnum(0, "%s/available_instances", typedir) <= 0)
		return -EUSERS;
	dirname_of(typedir, tmp);
	dirname_of(tmp, parent);
	snprintf(mp, sizeof(mp), "%s/%s", parent, uuid);
	mkdirs(mp);
	linkf(typedir, "%s/mdev_type", mp);
	linkf("sys/bus/mdev", "%s/subsystem", mp);
	writef(0200, "", "%s/remove", mp);
	snprintf(tmp, sizeof(tmp), "MDEV_TYPE=%s\n", base_of(typedir));
	writef(0644, tmp, "%s/uevent", mp);
	mkdirs("sys/bus/mdev/devices");
	linkf(mp, "sys/bus/mdev/devices/%s", uuid);
	linkf(mp, "%s/devices/%s", typedir, uuid);
	g = next_group();
	make_group(g, "unknown");
	snprintf(to, sizeof(to), "sys/kernel/iommu_groups/%d", g);
	linkf(to, "%s/iommu_group", mp);
	linkf(mp, "sys/kernel/iommu_groups/%d/devices/%s", g, uuid);
	writef(0600, "", "dev/vfio/vfio");
	snprintf(tmp, sizeof(tmp), "dev/vfio/%d", g);
	writef(0600, "", "%s", tmp);
	mdev_recompute(parent);
	return 0;
}

static void mdev_remove_instance(const char *mdevpath)
{
	char mp[P], type[P], parent[P];
	const char *uuid;
	int g;

	snprintf(mp, sizeof(mp), "%s", mdevpath);
	uuid = base_of(mp);
	dirname_of(mp, parent);
	if (resolve(type, "%s/mdev_type", mp) == 0)
		unlinkf("%s/devices/%s", type, uuid);
	g = group_of(mp);
	if (g >= 0)
		drop_from_group(g, uuid);
	unlinkf("sys/bus/mdev/devices/%s", uuid);
	rmtree("%s", mp);
	if (exists("%s/mdev_supported_types", parent))
		mdev_recompute(parent);
}

/* ---- NVIDIA vendor vGPU on VFs ----------------------------------------- */

struct vtype {
	long id;
	char name[96];
	int fb;		/* GB of framebuffer, time-sliced types */
	int slices;	/* compute slices, MIG-backed types (0: time-sliced) */
};

static int parse_types(const char *text, struct vtype *out, int max)
{
	char buf[8192];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save, *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':'), *end;
		long id = strtol(l, &end, 10);
		if (!colon || end == l)
			continue; /* the header line */
		struct vtype *t = &out[n++];
		memset(t, 0, sizeof(*t));
		t->id = id;
		snprintf(t->name, sizeof(t->name), "%s", colon + 1 + (colon[1] == ' '));
		trim(t->name);
		/* NAME-G-SSC (MIG: G slices) or NAME-SSC (S GB). */
		char *dash = strrchr(t->name, '-');
		if (!dash)
			continue;
		int last = atoi(dash + 1);
		char *prev = dash - 1;
		while (prev > t->name && isdigit((unsigned char)*prev))
			prev--;
		if (*prev == '-' && prev < dash - 1) {
			t->slices = atoi(prev + 1);
			t->fb = last;
		} else {
			t->fb = last;
		}
	}
	return n;
}

/* Whether VF may offer type `id` (see `offers`). */
static bool vf_offers(const char *vf, long id)
{
	char list[1024];

	if (readf(list, sizeof(list), ".simhost/nvidia/%s.offers", base_of(vf)) < 0)
		return true;
	for (char *save, *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (atol(l) == id)
			return true;
	return false;
}

static void nvidia_recompute(const char *pf)
{
	char all[8192], **names;
	struct vtype types[128];
	int nt, n, fb_total = 0, slices_used = 0, ts_count = 0;
	long ts_type = 0;
	bool mig_active = false;

	if (readf(all, sizeof(all), ".simhost/nvidia/%s.types", base_of(pf)) < 0)
		return;
	nt = parse_types(all, types, 128);
	fb_total = (int)readnum(0, ".simhost/nvidia/%s.fb", base_of(pf));
	if (fb_total == 0)
		for (int i = 0; i < nt; i++)
			if (!types[i].slices && types[i].fb > fb_total)
				fb_total = types[i].fb;
	n = listdir(&names, "%s", pf);
	/* What is in use now. */
	for (int i = 0; i < n; i++) {
		char vf[P];
		if (strncmp(names[i], "virtfn", 6) || resolve(vf, "%s/%s", pf, names[i]) < 0)
			continue;
		long cur = readnum(0, "%s/nvidia/current_vgpu_type", vf);
		for (int k = 0; cur && k < nt; k++)
			if (types[k].id == cur) {
				if (types[k].slices) {
					mig_active = true;
					slices_used += types[k].slices;
				} else {
					ts_type = cur;
					ts_count++;
				}
			}
	}
	for (int i = 0; i < n; i++) {
		char vf[P], out[8192] = "ID : vGPU Name\n";
		if (strncmp(names[i], "virtfn", 6) || resolve(vf, "%s/%s", pf, names[i]) < 0 ||
		    !exists("%s/nvidia", vf))
			continue;
		if (readnum(0, "%s/nvidia/current_vgpu_type", vf) == 0)
			for (int k = 0; k < nt; k++) {
				const struct vtype *t = &types[k];
				bool ok;
				if (ts_type)
					ok = t->id == ts_type && (ts_count + 1) * t->fb <= fb_total;
				else if (mig_active)
					ok = t->slices && t->slices <= 7 - slices_used;
				else
					ok = true;
				ok = ok && vf_offers(vf, t->id);
				if (ok) {
					char line[128];
					snprintf(line, sizeof(line), "%ld : %s\n", t->id, t->name);
					strncat(out, line, sizeof(out) - strlen(out) - 1);
				}
			}
		writef(0444, out, "%s/nvidia/creatable_vgpu_types", vf);
	}
	freelist(names, n);
}

/* `offers VF ID...`: VF (a PCI address) may offer only these types, as on a
 * board whose VFs differ (each VF's list then differs from its siblings').
 * No IDs: every type again. */
static int nvidia_offers(const char *bdf, const char *const *ids, int n)
{
	char vf[P], pf[P], list[1024] = "";

	if (pci_devpath(bdf, vf) < 0 || resolve(pf, "%s/physfn", vf) < 0 || !exists("%s/nvidia", vf))
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		char *end;
		if (strtol(ids[i], &end, 10) <= 0 || *end)
			return -EINVAL;
		strncat(list, ids[i], sizeof(list) - strlen(list) - 2);
		strcat(list, "\n");
	}
	if (n)
		writef(0644, list, ".simhost/nvidia/%s.offers", bdf);
	else
	{
		char rel[P];
		snprintf(rel, sizeof(rel), ".simhost/nvidia/%s.offers", bdf);
		unlinkat(bfd, rel, 0);
	}
	nvidia_recompute(pf);
	return 0;
}

static int write_current_vgpu_type(const char *vf, const char *val)
{
	char *end, pf[P], line[32], creatable[8192];
	long id = strtol(val, &end, 10), cur;

	if (end == val || (*end && !isspace((unsigned char)*end)) || id < 0)
		return -EINVAL;
	if (resolve(pf, "%s/physfn", vf) < 0)
		return -ENODEV;
	cur = readnum(0, "%s/nvidia/current_vgpu_type", vf);
	if (id != 0) {
		if (cur != 0)
			return -EBUSY;
		readf(creatable, sizeof(creatable), "%s/nvidia/creatable_vgpu_types", vf);
		bool found = false;
		for (char *save, *l = strtok_r(creatable, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strtol(l, &end, 10) == id && end != l)
				found = true;
		if (!found)
			return -EINVAL;
	}
	snprintf(line, sizeof(line), "%ld\n", id);
	writef(0644, line, "%s/nvidia/current_vgpu_type", vf);
	nvidia_recompute(pf);
	return 0;
}

/* ---- fault injection and the control file ------------------------------ */

enum fault_kind { FAULT_FAIL, FAULT_DELAY, FAULT_UNPLUG, FAULT_IGNORE };

struct fault {
	char path[P];		/* canonical, root-relative */
	enum fault_kind kind;
	long nth;		/* 0: every write */
	long seen;
	int err;
	long ms;
	char bdf[32];
};

static struct fault faults[64];

static int nfaults;

/* A rule's path resolved through links, the way the kernel hands it to us. */
static int canonical(const char *rel, char *out)
{
	char dir[P], abs[P], real[P];
	size_t blen = strlen(backing);

	dirname_of(rel, dir);
	snprintf(abs, sizeof(abs), "%s/%s", backing, dir);
	if (!realpath(abs, real)) {
		/* Not there yet (a VF to be created): take it as already
		 * canonical, as the paths of .simhost/log are. */
		if (errno != ENOENT)
			return -errno;
		snprintf(out, P, "%s", rel);
		return 0;
	}
	if (strncmp(real, backing, blen) != 0)
		return -EXDEV;
	snprintf(out, P, "%s%s%s", real[blen] ? real + blen + 1 : "", real[blen] ? "/" : "", base_of(rel));
	return 0;
}

static int load_module(const char *drv, bool load)
{
	char mod[64];

	if (!drv[0] || strchr(drv, '/') || strstr(drv, ".."))
		return -EINVAL;
	snprintf(mod, sizeof(mod), "%s", drv);
	for (char *c = mod; *c; c++)
		if (*c == '-')
			*c = '_';
	if (strcmp(drv, "pciback") == 0)
		snprintf(mod, sizeof(mod), "xen_pciback");
	if (!load) {
		char **names;
		int n = listdir(&names, "sys/bus/pci/drivers/%s", drv);
		for (int i = 0; i < n; i++) {
			char dev[P];
			if (resolve(dev, "sys/bus/pci/drivers/%s/%s", drv, names[i]) == 0 && is_pci_dir(dev))
				do_unbind(drv, dev);
		}
		freelist(names, n);
		rmtree("sys/bus/pci/drivers/%s", drv);
		rmtree("sys/module/%s", mod);
		return 0;
	}
	if (exists("sys/bus/pci/drivers/%s", drv))
		return 0;
	writef(0444, "live\n", "sys/module/%s/initstate", mod);
	writef(0444, "0\n", "sys/module/%s/refcnt", mod);
	static const char *const files[] = {"bind", "unbind", "new_id", "remove_id", "uevent", NULL};
	for (int i = 0; files[i]; i++)
		writef(0200, "", "sys/bus/pci/drivers/%s/%s", drv, files[i]);
	if (strcmp(drv, "pciback") == 0) {
		writef(0200, "", "sys/bus/pci/drivers/pciback/new_slot");
		writef(0200, "", "sys/bus/pci/drivers/pciback/remove_slot");
		writef(0200, "", "sys/bus/pci/drivers/pciback/permissive");
		writef(0444, "", "sys/bus/pci/drivers/pciback/slots");
		writef(0644, "", "sys/bus/pci/drivers/pciback/quirks");
	}
	{
		char to[P];
		snprintf(to, sizeof(to), "sys/module/%s", mod);
		linkf(to, "sys/bus/pci/drivers/%s/module", drv);
	}
	/* A new driver attaches to every unbound device it matches. */
	char **names;
	int n = listdir(&names, "sys/bus/pci/devices");
	for (int i = 0; i < n; i++) {
		char dev[P];
		if (pci_devpath(names[i], dev) == 0 && !exists("%s/driver", dev) && driver_matches(drv, dev))
			probe(drv, dev);
	}
	freelist(names, n);
	return 0;
}

/* The PCI driver a module registers, for the modules tests care about. */
static const struct {
	const char *module, *driver;
} module_drivers[] = {
	{"vfio_pci", "vfio-pci"}, {"xen_pciback", "pciback"}, {"pci_stub", "pci-stub"}, {"nvidia", "nvidia"},
	{"nouveau", "nouveau"},	  {"amdgpu", "amdgpu"},	     {"i915", "i915"},		{"xe", "xe"},
};

/* Does modules.alias give the module "vfio_pci:" entries (a vfio-pci
 * variant driver)? vfio_pci itself is vfio-pci. */
static bool is_vfio_variant(const char *release, const char *mod)
{
	static char alias[1 << 16];
	bool found = false;

	if (strcmp(mod, "vfio_pci") == 0 || readf(alias, sizeof(alias), "lib/modules/%s/modules.alias", release) < 0)
		return false;
	for (char *save, *l = strtok_r(alias, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		char pat[512], m[64];
		found = sscanf(l, "alias %511s %63s", pat, m) == 2 && strncmp(pat, "vfio_pci:", 9) == 0 &&
			strcmp(m, mod) == 0;
	}
	return found;
}

/* modprobe on the simulated host: the module must be in modules.dep or
 * modules.builtin of the running release (-ENOENT otherwise). */
static int modprobe(const char *name, bool load)
{
	char mod[64], release[128], dep[65536];
	bool known = false;

	if (!name[0] || strlen(name) >= sizeof(mod) || strchr(name, '/') || strstr(name, ".."))
		return -EINVAL;
	snprintf(mod, sizeof(mod), "%s", name);
	for (char *c = mod; *c; c++)
		if (*c == '-')
			*c = '_';
	for (size_t i = 0; i < sizeof(module_drivers) / sizeof(module_drivers[0]); i++)
		if (strcmp(module_drivers[i].module, mod) == 0)
			return load_module(module_drivers[i].driver, load);
	if (!load) {
		rmtree("sys/module/%s", mod);
		return 0;
	}
	if (exists("sys/module/%s", mod))
		return 0;
	readf(release, sizeof(release), "proc/sys/kernel/osrelease");
	for (int k = 0; k < 2 && !known; k++) {
		if (readf(dep, sizeof(dep), "lib/modules/%s/%s", release, k ? "modules.builtin" : "modules.dep") < 0)
			continue;
		for (char *save, *l = strtok_r(dep, "\n", &save); l && !known; l = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(l, ':'), *slash, *dot;
			if (colon)
				*colon = '\0';
			slash = strrchr(l, '/');
			slash = slash ? slash + 1 : l;
			dot = strstr(slash, ".ko");
			if (dot)
				*dot = '\0';
			for (char *c = slash; *c; c++)
				if (*c == '-')
					*c = '_';
			known = strcmp(slash, mod) == 0;
		}
	}
	if (!known)
		return -ENOENT;
	if (is_vfio_variant(release, mod)) {
		writef(0444, "", ".simhost/vfio-variants/%s", mod);
		return load_module(mod, true);
	}
	return writef(0444, "live\n", "sys/module/%s/initstate", mod);
}

static int control(const char *cmd)
{
	char buf[1024], *argv[16] = {0};
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", cmd);
	trim(buf);
	for (char *save, *tok = strtok_r(buf, " \t", &save); tok && argc < 16; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "clear") == 0 && argc == 1) {
		nfaults = 0;
		full_dir[0] = '\0';
		return 0;
	}
	if (strcmp(argv[0], "load") == 0 && argc == 2)
		return load_module(argv[1], true);
	if (strcmp(argv[0], "unload") == 0 && argc == 2)
		return load_module(argv[1], false);
	if (strcmp(argv[0], "modprobe") == 0 && argc == 2)
		return modprobe(argv[1], true);
	if (strcmp(argv[0], "rmmod") == 0 && argc == 2)
		return modprobe(argv[1], false);
	if (strcmp(argv[0], "ignore") == 0 && argc == 3) {
		char *end;
		if (nfaults == 64)
			return -ENOSPC;
		struct fault f = {.kind = FAULT_IGNORE};
		if (argv[1][0] == '/' || strstr(argv[1], "..") || canonical(argv[1], f.path) < 0)
			return -EINVAL;
		f.nth = strcmp(argv[2], "*") == 0 ? 0 : strtol(argv[2], &end, 10);
		if (strcmp(argv[2], "*") != 0 && (*end || f.nth < 1))
			return -EINVAL;
		faults[nfaults++] = f;
		return 0;
	}
	if (strcmp(argv[0], "full") == 0 && argc == 3) {
		if (argv[1][0] == '/' || strstr(argv[1], "..") || is_kernel(argv[1]) || (full_err = errno_of(argv[2])) <= 0)
			return -EINVAL;
		snprintf(full_dir, sizeof(full_dir), "%s", argv[1]);
		return 0;
	}
	if (strcmp(argv[0], "offers") == 0 && argc >= 2)
		return nvidia_offers(argv[1], (const char *const *)argv + 2, argc - 2);
	if ((strcmp(argv[0], "fail") == 0 || strcmp(argv[0], "delay") == 0 || strcmp(argv[0], "unplug") == 0) &&
	    argc == 4) {
		struct fault f = {0};
		char *end;
		if (nfaults == 64)
			return -ENOSPC;
		if (argv[1][0] == '/' || strstr(argv[1], "..") || canonical(argv[1], f.path) < 0)
			return -EINVAL;
		if (strcmp(argv[2], "*") == 0) {
			f.nth = 0;
		} else {
			f.nth = strtol(argv[2], &end, 10);
			if (*end || f.nth < 1)
				return -EINVAL;
		}
		if (argv[0][0] == 'f') {
			f.kind = FAULT_FAIL;
			if ((f.err = errno_of(argv[3])) <= 0)
				return -EINVAL;
		} else if (argv[0][0] == 'd') {
			f.kind = FAULT_DELAY;
			f.ms = strtol(argv[3], &end, 10);
			if (*end || f.ms < 0)
				return -EINVAL;
		} else {
			char dev[P];
			f.kind = FAULT_UNPLUG;
			if (pci_devpath(argv[3], dev) < 0)
				return -ENODEV;
			snprintf(f.bdf, sizeof(f.bdf), "%s", argv[3]);
		}
		faults[nfaults++] = f;
		return 0;
	}
	return -EINVAL;
}

/* ---- the write dispatcher ---------------------------------------------- */

static int pciback_slot(const char *val, char *out)
{
	unsigned d = 0, b, s, f;
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", val);
	trim(buf);
	if (sscanf(buf, "%x:%x:%x.%x", &d, &b, &s, &f) != 4) {
		d = 0;
		if (sscanf(buf, "%x:%x.%x", &b, &s, &f) != 3)
			return -EINVAL;
	}
	if (d > 0xffff || b > 0xff || s > 0x1f || f > 7)
		return -EINVAL;
	snprintf(out, 32, "%04x:%02x:%02x.%x", d, b, s, f);
	return 0;
}

static void pciback_slots_file(void)
{
	char buf[4096];

	if (readf(buf, sizeof(buf), ".simhost/pciback-slots") < 0)
		buf[0] = '\0';
	if (buf[0])
		strcat(buf, "\n");
	writef(0444, buf, "sys/bus/pci/drivers/pciback/slots");
}

static int driver_file(const char *drv, const char *file, const char *val)
{
	char bdf[64], dev[P], cur[64];

	snprintf(bdf, sizeof(bdf), "%s", val);
	trim(bdf);
	if (strcmp(file, "bind") == 0) {
		if (pci_devpath(bdf, dev) < 0)
			return -ENODEV;
		if (!driver_matches(drv, dev))
			return -ENODEV;
		if (exists("%s/driver", dev))
			return -EBUSY;
		return probe(drv, dev);
	}
	if (strcmp(file, "unbind") == 0) {
		if (pci_devpath(bdf, dev) < 0 || bound_driver(dev, cur) < 0 || strcmp(cur, drv) != 0)
			return -ENODEV;
		do_unbind(drv, dev);
		return 0;
	}
	if (strcmp(file, "new_id") == 0 || strcmp(file, "remove_id") == 0) {
		unsigned v, d;
		char line[32], rel[P];
		if (sscanf(val, "%x %x", &v, &d) != 2 || v > 0xffff || d > 0xffff)
			return -EINVAL;
		snprintf(line, sizeof(line), "%04x %04x", v, d);
		snprintf(rel, sizeof(rel), ".simhost/dynids/%s", drv);
		if (file[0] == 'r') {
			if (!file_has_line(line, "%s", rel))
				return -ENODEV;
			file_drop_line(line, rel);
			return 0;
		}
		if (file_has_line(line, ".simhost/ids/%s", drv))
			return -EEXIST;
		if (!file_has_line(line, "%s", rel))
			appendf(rel, "%s\n", line);
		/* driver_attach: every unbound device that now matches. */
		char **names;
		int n = listdir(&names, "sys/bus/pci/devices");
		for (int i = 0; i < n; i++)
			if (pci_devpath(names[i], dev) == 0 && !exists("%s/driver", dev) && driver_matches(drv, dev))
				probe(drv, dev);
		freelist(names, n);
		return 0;
	}
	if (strcmp(drv, "pciback") == 0) {
		char slot[32];
		if (pciback_slot(val, slot) < 0)
			return -EINVAL;
		if (strcmp(file, "new_slot") == 0) {
			if (!file_has_line(slot, ".simhost/pciback-slots"))
				appendf(".simhost/pciback-slots", "%s\n", slot);
			pciback_slots_file();
			return 0;
		}
		if (strcmp(file, "remove_slot") == 0) {
			if (!file_has_line(slot, ".simhost/pciback-slots"))
				return -ENOENT;
			file_drop_line(slot, ".simhost/pciback-slots");
			pciback_slots_file();
			return 0;
		}
		if (strcmp(file, "permissive") == 0) {
			if (pci_devpath(slot, dev) < 0 || bound_driver(dev, cur) < 0 || strcmp(cur, "pciback") != 0)
				return -ENXIO;
			if (!file_has_line(slot, ".simhost/pciback-permissive"))
				appendf(".simhost/pciback-permissive", "%s\n", slot);
			return 0;
		}
	}
	return -EACCES;
}

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
static int platform_driver_file(const char *drv, const char *file, const char *val)
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
static int write_vtcon_bind(const char *rel, const char *val)
{
	long v = strtol(val, NULL, 0);
	char dir[P], name[128];

	dirname_of(rel, dir);
	if (v && readf(name, sizeof(name), "%s/name", dir) >= 0 && strstr(name, "frame buffer device") && !count_fbs())
		return -ENODEV;
	return writef(0644, v ? "1\n" : "0\n", "%s", rel);
}

/* The kernel's effect of writing `val` to sysfs file `rel`. */
static int sysfs_write(const char *rel, const char *val)
{
	char dir[P], up[P], up2[P];
	const char *file = base_of(rel);

	dirname_of(rel, dir);
	dirname_of(dir, up);
	dirname_of(up, up2);
	if (strcmp(rel, "sys/bus/pci/drivers_probe") == 0) {
		char bdf[64], dev[P];
		snprintf(bdf, sizeof(bdf), "%s", val);
		trim(bdf);
		if (pci_devpath(bdf, dev) < 0)
			return -ENODEV;
		attach_any(dev);
		return 0;
	}
	if (strcmp(up, "sys/bus/pci/drivers") == 0)
		return driver_file(base_of(dir), file, val);
	if (strcmp(up, "sys/bus/platform/drivers") == 0)
		return platform_driver_file(base_of(dir), file, val);
	if (strcmp(file, "bind") == 0 && strcmp(up, "sys/devices/virtual/vtconsole") == 0)
		return write_vtcon_bind(rel, val);
	if (strcmp(file, "driver_override") == 0 && is_pci_dir(dir)) {
		char v[256];
		if (strlen(val) >= 4096)
			return -EINVAL;
		snprintf(v, sizeof(v), "%s", val);
		if (v[0] && v[strlen(v) - 1] == '\n')
			v[strlen(v) - 1] = '\0';
		if (!v[0])
			return writef(0644, "(null)\n", "%s", rel);
		strcat(v, "\n");
		return writef(0644, v, "%s", rel);
	}
	if (strcmp(file, "sriov_numvfs") == 0 && is_pci_dir(dir))
		return write_sriov_numvfs(dir, val);
	if (strcmp(file, "reset_method") == 0 && is_pci_dir(dir))
		return write_reset_method(rel, val);
	if (strcmp(file, "remove") == 0) {
		char *end;
		long v = strtol(val, &end, 0);
		if (end == val)
			return -EINVAL;
		if (!v)
			return 0;
		if (exists("%s/mdev_type", dir)) {
			mdev_remove_instance(dir);
			return 0;
		}
		if (is_pci_dir(dir))
			return pci_unplug(dir);
	}
	if (strcmp(file, "create") == 0 && strcmp(base_of(up), "mdev_supported_types") == 0)
		return mdev_create(dir, val);
	if (strcmp(file, "current_vgpu_type") == 0 && strcmp(base_of(dir), "nvidia") == 0)
		return write_current_vgpu_type(up, val);
	if (strcmp(file, "config") == 0 || strcmp(file, "reset") == 0 || strcmp(file, "rescan") == 0)
		return 0; /* accepted; nothing visible changes */
	/* Any other writable attribute keeps what was written. */
	return writef(0644, val, "%s", rel);
}

static void log_write(const char *rel, const char *val, int r)
{
	char esc[512];
	size_t k = 0;

	for (const char *c = val; *c && k < sizeof(esc) - 3; c++) {
		if (*c == '\n') {
			esc[k++] = '\\';
			esc[k++] = 'n';
		} else if (*c == '\t') {
			esc[k++] = ' ';
		} else {
			esc[k++] = *c;
		}
	}
	esc[k] = '\0';
	appendf(".simhost/log", "%s\t%s\t%s\n", rel, esc, r < 0 ? errno_name(-r) : "ok");
}

static int handle_write(const char *rel, const char *val)
{
	long delay = 0;
	int r = 0;
	char unplug[32] = "";
	bool ignore = false;

	pthread_mutex_lock(&big);
	for (int i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];
		if (strcmp(f->path, rel) != 0)
			continue;
		f->seen++;
		if (f->nth && f->seen != f->nth)
			continue;
		if (f->kind == FAULT_FAIL && !r)
			r = -f->err;
		else if (f->kind == FAULT_IGNORE)
			ignore = true;
		else if (f->kind == FAULT_DELAY)
			delay += f->ms;
		else if (f->kind == FAULT_UNPLUG)
			snprintf(unplug, sizeof(unplug), "%s", f->bdf);
	}
	/* A delayed write says when it begins and ends (.simhost/delayed), so
	 * that a test acts while it is held instead of guessing with a sleep. */
	if (delay)
		appendf(".simhost/delayed", "begun\t%s\n", rel);
	pthread_mutex_unlock(&big);
	if (delay) {
		struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&big);
	if (unplug[0]) {
		char dev[P];
		if (pci_devpath(unplug, dev) == 0)
			pci_unplug(dev);
	}
	if (!r && !ignore)
		r = exists("%s", rel) ? sysfs_write(rel, val) : -ENODEV;
	else if (!r && !exists("%s", rel))
		r = -ENODEV;
	log_write(rel, val, r);
	if (delay)
		appendf(".simhost/delayed", "done\t%s\n", rel);
	pthread_mutex_unlock(&big);
	return r;
}

/* ---- FUSE operations --------------------------------------------------- */

static const char *rel_of(const char *path)
{
	return path[0] == '/' ? path + 1 : path;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 0;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->hard_remove = 1;
	return NULL;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	const char *rel = rel_of(path);
	int r;

	(void)fi;
	if (strcmp(rel, ".simhost/control") == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0200;
		st->st_nlink = 1;
		st->st_uid = getuid();
		st->st_gid = getgid();
		return 0;
	}
	pthread_mutex_lock(&big);
	r = fstatat(bfd, R(rel), st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	pthread_mutex_unlock(&big);
	return r;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	pthread_mutex_lock(&big);
	n = readlinkat(bfd, rel_of(path), buf, size - 1);
	pthread_mutex_unlock(&big);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	char **names;
	int n;

	(void)off;
	(void)fi;
	(void)flags;
	pthread_mutex_lock(&big);
	if (!exists("%s", R(rel_of(path)))) {
		pthread_mutex_unlock(&big);
		return -ENOENT;
	}
	n = listdir(&names, "%s", rel_of(path));
	pthread_mutex_unlock(&big);
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (int i = 0; i < n; i++)
		fill(buf, names[i], NULL, 0, 0);
	freelist(names, n);
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	const char *rel = rel_of(path);
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct stat st;
	int fd;

	if (strcmp(rel, ".simhost/control") == 0) {
		fi->direct_io = 1;
		return 0;
	}
	if (is_kernel(rel)) {
		pthread_mutex_lock(&big);
		if (fstatat(bfd, rel, &st, 0) < 0) {
			pthread_mutex_unlock(&big);
			return -errno;
		}
		pthread_mutex_unlock(&big);
		if (wr && (strncmp(rel, "proc/", 5) == 0 || !(st.st_mode & S_IWUSR)))
			return -EACCES;
		fi->direct_io = 1;
		fi->keep_cache = 0;
		fi->fh = 0;
		return 0;
	}
	fd = openat(bfd, rel, fi->flags & ~O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fi->flags & O_TRUNC)
		file_op("trunc", rel, NULL);
	fi->fh = (uint64_t)fd + 1;
	return 0;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *rel = rel_of(path);
	int fd;

	if (is_kernel(rel) || strncmp(rel, ".simhost", 8) == 0)
		return -EACCES;
	fd = openat(bfd, rel, fi->flags | O_CREAT, mode);
	if (fd < 0)
		return -errno;
	file_op("create", rel, NULL);
	fi->fh = (uint64_t)fd + 1;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;
	int fd;

	if (fi->fh)
		return (n = pread((int)fi->fh - 1, buf, size, off)) < 0 ? -errno : (int)n;
	pthread_mutex_lock(&big);
	fd = openat(bfd, rel_of(path), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pthread_mutex_unlock(&big);
		return -ENODEV; /* the device went away while open */
	}
	n = pread(fd, buf, size, off);
	close(fd);
	pthread_mutex_unlock(&big);
	return n < 0 ? -errno : (int)n;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	const char *rel = rel_of(path);
	char *val;
	int r;

	if (fi->fh) {
		ssize_t n;
		file_op("write", rel, NULL);
		if (under_full(rel))
			return -full_err;
		n = pwrite((int)fi->fh - 1, buf, size, off);
		return n < 0 ? -errno : (int)n;
	}
	val = strndup(buf, size);
	if (!val)
		return -ENOMEM;
	if (strcmp(rel, ".simhost/control") == 0) {
		pthread_mutex_lock(&big);
		r = 0;
		for (char *save, *l = strtok_r(val, "\n", &save); l && r == 0; l = strtok_r(NULL, "\n", &save))
			r = control(l);
		pthread_mutex_unlock(&big);
	} else {
		r = handle_write(rel, val);
	}
	free(val);
	return r < 0 ? r : (int)size;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	if (fi->fh)
		close((int)fi->fh - 1);
	return 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	if (!fi->fh)
		return 0;
	file_op("fsync", rel_of(path), NULL);
	return (datasync ? fdatasync((int)fi->fh - 1) : fsync((int)fi->fh - 1)) < 0 ? -errno : 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	const char *rel = rel_of(path);

	if (strcmp(rel, ".simhost/control") == 0)
		return 0;
	if (is_kernel(rel))
		return 0; /* O_TRUNC on an attribute: sysfs ignores it */
	file_op("trunc", rel, NULL);
	if (fi && fi->fh)
		return ftruncate((int)fi->fh - 1, size) < 0 ? -errno : 0;
	{
		int fd = openat(bfd, rel, O_WRONLY);
		int r;
		if (fd < 0)
			return -errno;
		r = ftruncate(fd, size) < 0 ? -errno : 0;
		close(fd);
		return r;
	}
}

#define GUARD(rel)                                                                                                   \
	do {                                                                                                         \
		if (is_kernel(rel) || strncmp(rel, ".simhost", 8) == 0)                                              \
			return -EPERM;                                                                               \
	} while (0)

static int op_mkdir(const char *path, mode_t mode)
{
	GUARD(rel_of(path));
	return mkdirat(bfd, rel_of(path), mode) < 0 ? -errno : 0;
}

static int op_unlink(const char *path)
{
	GUARD(rel_of(path));
	file_op("unlink", rel_of(path), NULL);
	return unlinkat(bfd, rel_of(path), 0) < 0 ? -errno : 0;
}

static int op_rmdir(const char *path)
{
	GUARD(rel_of(path));
	return unlinkat(bfd, rel_of(path), AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int op_symlink(const char *target, const char *path)
{
	GUARD(rel_of(path));
	return symlinkat(target, bfd, rel_of(path)) < 0 ? -errno : 0;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	GUARD(rel_of(from));
	GUARD(rel_of(to));
	file_op("rename", rel_of(from), rel_of(to));
	return renameat2(bfd, rel_of(from), bfd, rel_of(to), flags) < 0 ? -errno : 0;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	GUARD(rel_of(path));
	return fchmodat(bfd, rel_of(path), mode, 0) < 0 ? -errno : 0;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)fi;
	GUARD(rel_of(path));
	return fchownat(bfd, rel_of(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void)fi;
	if (is_kernel(rel_of(path)))
		return 0;
	return utimensat(bfd, R(rel_of(path)), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int op_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(bfd, st) < 0 ? -errno : 0;
}

static int op_access(const char *path, int mask)
{
	struct stat st;

	if (strcmp(rel_of(path), ".simhost/control") == 0)
		return 0;
	if (fstatat(bfd, R(rel_of(path)), &st, 0) < 0)
		return -errno;
	if ((mask & W_OK) && is_kernel(rel_of(path)) && !S_ISDIR(st.st_mode) && !(st.st_mode & S_IWUSR))
		return -EACCES;
	return 0;
}

static const struct fuse_operations ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.release = op_release,
	.fsync = op_fsync,
	.truncate = op_truncate,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.statfs = op_statfs,
	.access = op_access,
};

/* ---- preparing the backing tree ---------------------------------------- */

static const char *const writable_attrs[] = {"driver_override", "sriov_drivers_autoprobe", "config", "broken_parity_status",
					     "d3cold_allowed", "enable", "reset_method", NULL};
static const char *const write_only_attrs[] = {"remove", "rescan", "reset", NULL};

/* An mdev parent: each type's maximum (unless the companion gave it), and the
 * accounting rule: "exclusive" for NVIDIA, else a pool shared by the types. */
static void prepare_mdev_parent(const char *dev)
{
	const char *bdf = base_of(dev);
	char **types, policy[64];
	int nt = listdir(&types, "%s/mdev_supported_types", dev);
	long lcm = 1;
	for (int i = 0; i < nt; i++) {
		char val[32];
		long max = readnum(0, "%s/mdev_supported_types/%s/available_instances", dev, types[i]) +
			   count_dir("%s/mdev_supported_types/%s/devices", dev, types[i]);
		if (!exists(".simhost/mdev/%s/%s.max", bdf, types[i])) {
			snprintf(val, sizeof(val), "%ld\n", max);
			writef(0644, val, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		}
		max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		if (max > 0)
			lcm = lcm / gcd(lcm, max) * max;
		writef(0200, "", "%s/mdev_supported_types/%s/create", dev, types[i]);
	}
	freelist(types, nt);
	if (readf(policy, sizeof(policy), ".simhost/mdev/%s/policy", bdf) < 0) {
		if (readnum(0, "%s/vendor", dev) == 0x10de)
			snprintf(policy, sizeof(policy), "exclusive\n");
		else
			snprintf(policy, sizeof(policy), "pool %ld\n", lcm);
		writef(0644, policy, ".simhost/mdev/%s/policy", bdf);
	}
}

static void prepare_device(const char *bdf)
{
	char dev[P], drv[64], line[32];

	if (pci_devpath(bdf, dev) < 0)
		return;
	if (!exists("%s/driver_override", dev))
		writef(0644, "(null)\n", "%s/driver_override", dev);
	/* Attributes are read-only unless the kernel gives them a store. */
	char **names;
	int n = listdir(&names, "%s", dev);
	for (int i = 0; i < n; i++) {
		char rel[P];
		struct stat st;
		mode_t mode = 0444;
		snprintf(rel, sizeof(rel), "%s/%s", dev, names[i]);
		if (fstatat(bfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (int k = 0; writable_attrs[k]; k++)
			if (strcmp(names[i], writable_attrs[k]) == 0)
				mode = 0644;
		if (strcmp(names[i], "sriov_numvfs") == 0)
			mode = 0664;
		fchmodat(bfd, rel, mode, 0);
	}
	freelist(names, n);
	for (int i = 0; write_only_attrs[i]; i++)
		writef(0200, "", "%s/%s", dev, write_only_attrs[i]);
	if (bound_driver(dev, drv) == 0) {
		writef(0644, drv, ".simhost/orig/%s", bdf);
		snprintf(line, sizeof(line), "%04lx %04lx", readnum(0, "%s/vendor", dev), readnum(0, "%s/device", dev));
		if (!file_has_line(line, ".simhost/ids/%s", drv)) {
			char rel[P];
			snprintf(rel, sizeof(rel), ".simhost/ids/%s", drv);
			appendf(rel, "%s\n", line);
		}
		if (strcmp(drv, "pciback") == 0 && !file_has_line(bdf, ".simhost/pciback-slots"))
			appendf(".simhost/pciback-slots", "%s\n", bdf);
	}
	if (exists("%s/mdev_supported_types", dev))
		prepare_mdev_parent(dev);
	/* NVIDIA vendor vGPU: the PF's full list is what a free VF lists first. */
	if (exists("%s/nvidia/creatable_vgpu_types", dev)) {
		char pf[P], types[8192];
		if (resolve(pf, "%s/physfn", dev) == 0 && !exists(".simhost/nvidia/%s.types", base_of(pf)) &&
		    readf(types, sizeof(types), "%s/nvidia/creatable_vgpu_types", dev) >= 0) {
			strcat(types, "\n");
			writef(0644, types, ".simhost/nvidia/%s.types", base_of(pf));
		}
		{
			char rel[P];
			snprintf(rel, sizeof(rel), "%s/nvidia/current_vgpu_type", dev);
			fchmodat(bfd, rel, 0644, 0);
			snprintf(rel, sizeof(rel), "%s/nvidia/creatable_vgpu_types", dev);
			fchmodat(bfd, rel, 0444, 0);
		}
	}
}

static int prepare(void)
{
	static const struct {
		const char *module, *driver;
	} modules[] = {{"vfio_pci", "vfio-pci"}, {"xen_pciback", "pciback"}, {"pci_stub", "pci-stub"}};
	char **names;
	int n;

	mkdirs(".simhost/ids");
	mkdirs(".simhost/dynids");
	writef(0644, "", ".simhost/log");
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (exists("sys/module/%s", modules[i].module)) {
			char rel[P];
			snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s", modules[i].driver);
			mkdirs(rel);
		}
	n = listdir(&names, "sys/bus/pci/drivers");
	for (int i = 0; i < n; i++) {
		static const char *const files[] = {"bind", "unbind", "new_id", "remove_id", "uevent", NULL};
		for (int k = 0; files[k]; k++)
			writef(0200, "", "sys/bus/pci/drivers/%s/%s", names[i], files[k]);
		if (strcmp(names[i], "pciback") == 0) {
			writef(0200, "", "sys/bus/pci/drivers/pciback/new_slot");
			writef(0200, "", "sys/bus/pci/drivers/pciback/remove_slot");
			writef(0200, "", "sys/bus/pci/drivers/pciback/permissive");
			if (!exists("sys/bus/pci/drivers/pciback/quirks"))
				writef(0644, "", "sys/bus/pci/drivers/pciback/quirks");
		}
	}
	freelist(names, n);
	n = listdir(&names, "sys/bus/platform/drivers");
	for (int i = 0; i < n; i++) {
		writef(0200, "", "sys/bus/platform/drivers/%s/bind", names[i]);
		writef(0200, "", "sys/bus/platform/drivers/%s/unbind", names[i]);
	}
	freelist(names, n);
	if (exists("sys/bus/pci")) {
		writef(0200, "", "sys/bus/pci/drivers_probe");
		writef(0200, "", "sys/bus/pci/rescan");
		if (!exists("sys/bus/pci/drivers_autoprobe"))
			writef(0644, "1\n", "sys/bus/pci/drivers_autoprobe");
	}
	n = listdir(&names, "sys/bus/pci/devices");
	for (int i = 0; i < n; i++)
		prepare_device(names[i]);
	freelist(names, n);
	if (exists("sys/bus/pci/drivers/pciback"))
		pciback_slots_file();
	n = listdir(&names, "sys/class/mdev_bus");
	for (int i = 0; i < n; i++) {
		char dev[P];
		if (resolve(dev, "sys/class/mdev_bus/%s", names[i]) == 0 && exists("%s/mdev_supported_types", dev))
			prepare_mdev_parent(dev);
	}
	freelist(names, n);
	n = listdir(&names, "sys/bus/mdev/devices");
	for (int i = 0; i < n; i++)
		writef(0200, "", "sys/bus/mdev/devices/%s/remove", names[i]);
	freelist(names, n);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to, "usage: simhost-fuse [--hosts DIR --host NAME | --tree DIR] [-f] [-d] MOUNTPOINT\n"
		    "Serves a simulated host with kernel write semantics on MOUNTPOINT.\n"
		    "  --host NAME   build host NAME from DIR/NAME.umockdev and DIR/NAME.host\n"
		    "  --tree DIR    serve (and change) an existing tree made by simhost-build\n"
		    "  -f            stay in the foreground (default: detach once mounted)\n"
		    "  -d            FUSE debug output\n");
}

int main(int argc, char **argv)
{
	const char *hosts = NULL, *host = NULL, *tree = NULL, *mnt = NULL;
	bool foreground = false, debug = false;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse *fuse;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hosts") == 0 && i + 1 < argc)
			hosts = argv[++i];
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "--tree") == 0 && i + 1 < argc)
			tree = argv[++i];
		else if (strcmp(argv[i], "-f") == 0)
			foreground = true;
		else if (strcmp(argv[i], "-d") == 0)
			debug = true;
		else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && !mnt)
			mnt = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!mnt || (!tree && !(hosts && host))) {
		usage(stderr);
		return 2;
	}
	if (tree) {
		if (!realpath(tree, backing)) {
			fprintf(stderr, "simhost-fuse: %s: %s\n", tree, strerror(errno));
			return 1;
		}
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(backing, sizeof(backing), "%s/simhost-backing-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(backing)) {
			fprintf(stderr, "simhost-fuse: mkdtemp: %s\n", strerror(errno));
			return 1;
		}
		own_backing = true;
		if ((r = simhost_build_named(hosts, host, backing)) < 0) {
			fprintf(stderr, "simhost-fuse: %s: %s\n", simhost_error(), strerror(-r));
			simhost_remove_tree(backing);
			return 1;
		}
	}
	bfd = open(backing, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (bfd < 0 || prepare() < 0) {
		fprintf(stderr, "simhost-fuse: cannot prepare %s\n", backing);
		return 1;
	}
	fuse_opt_add_arg(&args, argv[0]);
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, "fsname=simhost,subtype=simhost");
	if (debug)
		fuse_opt_add_arg(&args, "-d");
	fuse = fuse_new(&args, &ops, sizeof(ops), NULL);
	if (!fuse || fuse_mount(fuse, mnt) != 0) {
		fprintf(stderr, "simhost-fuse: cannot mount on %s (is FUSE available?)\n", mnt);
		if (own_backing)
			simhost_remove_tree(backing);
		return 1;
	}
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0 || fuse_daemonize(foreground) != 0) {
		fuse_unmount(fuse);
		return 1;
	}
	r = fuse_loop_mt(fuse, 0);
	fuse_remove_signal_handlers(fuse_get_session(fuse));
	fuse_unmount(fuse);
	fuse_destroy(fuse);
	fuse_opt_free_args(&args);
	if (own_backing)
		simhost_remove_tree(backing);
	return r ? 1 : 0;
}
