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
 * .simhost/control takes commands, .simhost/log lists every sysfs write.
 *
 * This file: the write dispatcher, the FUSE operations and main. The rest,
 * by concern: simfs-util.c (paths and files under the backing tree),
 * simfs-pci.c (the PCI driver model, SR-IOV), simfs-vgpu.c (mdev, NVIDIA's
 * vendor vGPU), simfs-console.c (framebuffers, fbcon), simfs-control.c
 * (faults, the control file), simfs-prepare.c (the tree made ready). */
#include "simfs.h"

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

void pciback_slots_file(void)
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

#define GUARD(rel)                                                                                                     \
	do {                                                                                                           \
		if (is_kernel(rel) || strncmp(rel, ".simhost", 8) == 0)                                                \
			return -EPERM;                                                                                 \
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
