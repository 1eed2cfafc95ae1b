/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A directory opened under the root with one contained open (openat2
 * RESOLVE_IN_ROOT, or the walker), its attributes and links then read
 * relative to that descriptor (no path walk, no /proc round trip).
 *
 * Listed (gv_dir_open): getdents64 gives every entry with its type, so an
 * attribute the listing does not have is absent without a system call, and
 * only a regular file is ever opened:
 * - a regular entry is opened with O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, so
 *   one replaced after the listing by a link fails (ELOOP, then the safe
 *   path below), by a FIFO cannot block and is read as what it is;
 * - a FIFO, socket or device node in the listing is refused unopened.
 * Unlisted (gv_dir_open_unlisted: a device's directory in discovery, where
 * a listing costs more than the few names it would spare), and a file below
 * a folder of either kind (one openat2 beneath it, no link on the way): the
 * name is opened the same way at once, and an absent one is the failed
 * open (ENOENT). What the open or its one read cannot vouch for is asked of
 * fstat: a FIFO (opened without blocking, it reads nothing) or a socket
 * (which cannot be opened) is refused; a device node, which sysfs cannot
 * hold, is refused after a read that gave nothing; one that gives bytes is
 * read once, at most `size` of them, as a file would be, and never written.
 * Both ways:
 * - a link (an attribute that is one is rare outside sysfs) is resolved by
 *   the contained path of sysfs.c, which checks what it reaches;
 * - an attribute is read with one read(): sysfs serves it whole, so a short
 *   read is its end.
 * The rules of sysfs.c hold: ENOENT/ENOTDIR are "absent", everything else is
 * an error naming the file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/openat2.h>
#include <unistd.h>

#include "private.h"

/* getdents64 buffer: a sysfs device directory (~40 entries) fits many times. */
#define LIST_CHUNK 32768
/* The largest record getdents64 can return: its header and a 255-byte name
 * with its NUL, rounded up to 8. */
#define LIST_RECORD_MAX 280

/* File systems whose getdents64 fills the buffer while entries remain:
 * kernfs (sysfs), ext2/3/4 and tmpfs each emit until an entry does not fit
 * or the directory ends. On them a listing that left room for the largest
 * record is the whole directory, and the call that would return 0 is not
 * made. FUSE, NFS and the rest may answer a part at a time: those are read
 * until getdents64 says 0. */
#define FS_SYSFS 0x62656572
#define FS_EXT4 0xEF53
#define FS_TMPFS 0x01021994

/* Whether the directories under sys/ fill getdents64's buffer: asked of the
 * file system once per context, at its first listing there (sys/ is one
 * file system on a host; what is mounted inside it is never listed). */
static bool sys_fills(gpuvirt_ctx *ctx, const struct gv_dir *d)
{
	struct statfs fs;

	if (strncmp(d->rel, "sys/", 4) != 0)
		return false;
	if (!ctx->sys_fills) {
		ctx->sys_fills = -1;
		if (fstatfs(d->fd, &fs) == 0 &&
		    (fs.f_type == FS_SYSFS || fs.f_type == FS_EXT4 || fs.f_type == FS_TMPFS))
			ctx->sys_fills = 1;
	}
	return ctx->sys_fills > 0;
}

/* A name's first 8 bytes as a number that orders as strcmp() does. */
static uint64_t name_head(const char *name)
{
	uint64_t h = 0;
	int i = 0;

	for (; i < 8 && name[i]; i++)
		h = (h << 8) | (unsigned char)name[i];
	return h << (8 * (8 - i));
}

/* strcmp() order, most names told apart by their heads (a listing of PCI
 * addresses is thousands of them, sorted once). */
static int cmp_entry(const void *a, const void *b)
{
	const struct gv_dirent *x = a, *y = b;

	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	if ((x->head & 0xff) == 0)
		return 0; /* both end within the head */
	return strcmp(x->name + 8, y->name + 8);
}

/* Append one getdents64 record's name (with its type byte before it) to
 * the pool. */
static int pool_add(struct gv_dir *d, size_t *cap, const struct dirent64 *de)
{
	size_t len = strlen(de->d_name) + 1;

	if (d->pool_len + len + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		char *np;
		while (ncap < d->pool_len + len + 1)
			ncap *= 2;
		if (!(np = realloc(d->pool, ncap)))
			return -ENOMEM;
		d->pool = np;
		*cap = ncap;
	}
	d->pool[d->pool_len] = (char)de->d_type;
	memcpy(d->pool + d->pool_len + 1, de->d_name, len);
	d->pool_len += len + 1;
	d->count++;
	return 0;
}

/* Every entry but "." and "..", into the pool; `fills`: a call that
 * left room for another record was the last (see sys_fills). */
static int list_all(struct gv_dir *d, bool fills)
{
	char *buf = malloc(LIST_CHUNK);
	size_t cap = 0;
	int r = buf ? 1 : -ENOMEM;

	while (r > 0) {
		ssize_t n = getdents64(d->fd, buf, LIST_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		for (ssize_t off = 0; off < n && r > 0;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			off += de->d_reclen;
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				r = pool_add(d, &cap, de) < 0 ? -ENOMEM : 1;
		}
		if (r > 0 && fills && n <= LIST_CHUNK - LIST_RECORD_MAX)
			r = 0;
	}
	free(buf);
	return r;
}

/* The pool as a sorted index. */
static int index_pool(struct gv_dir *d)
{
	size_t off = 0;

	if (!d->count)
		return 0;
	d->ents = malloc(d->count * sizeof(*d->ents));
	if (!d->ents)
		return -ENOMEM;
	for (size_t i = 0; i < d->count; i++) {
		d->ents[i].type = (unsigned char)d->pool[off];
		d->ents[i].name = d->pool + off + 1;
		d->ents[i].head = name_head(d->ents[i].name);
		off += strlen(d->ents[i].name) + 2;
	}
	qsort(d->ents, d->count, sizeof(*d->ents), cmp_entry);
	return 0;
}

int gv_dir_open_unlisted(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (strlen(rel) >= sizeof(d->rel))
		return -ENAMETOOLONG;
	strcpy(d->rel, rel);
	d->fd = gv_open(ctx, rel, O_RDONLY | O_DIRECTORY, 0);
	return d->fd < 0 ? d->fd : 0;
}

int gv_dir_list(gpuvirt_ctx *ctx, struct gv_dir *d)
{
	int r;

	if (d->listed)
		return 0;
	if ((r = list_all(d, sys_fills(ctx, d))) < 0 || (r = index_pool(d)) < 0)
		return r;
	d->listed = true;
	return 0;
}

int gv_dir_open(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *d)
{
	int r = gv_dir_open_unlisted(ctx, rel, d);

	if (r == 0 && (r = gv_dir_list(ctx, d)) < 0)
		gv_dir_close(d);
	return r;
}

/* An openat2 beneath a directory's descriptor that cannot answer: a link on
 * the way (ELOOP, EXDEV), no openat2, renames racing every try. What it
 * asked goes the contained way from the root instead. */
static bool contained_way(int err)
{
	return err == -ELOOP || err == -EXDEV || err == -ENOSYS || err == -EAGAIN;
}

int gv_dir_open_beneath(const struct gv_dir *parent, const char *name, const char *rel, struct gv_dir *sub)
{
	memset(sub, 0, sizeof(*sub));
	sub->fd = -1;
	if (strlen(rel) >= sizeof(sub->rel))
		return -ENAMETOOLONG;
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	strcpy(sub->rel, rel);
	/* One component that is neither "." nor "..", its link not followed:
	 * beneath the directory without openat2. */
	sub->fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return sub->fd < 0 ? (sub->fd = -errno) : 0;
}

int gv_dir_open_sub(gpuvirt_ctx *ctx, const struct gv_dir *parent, const char *name, bool list, struct gv_dir *sub)
{
	char rel[sizeof(sub->rel)];
	int r = gv_path_join(rel, sizeof(rel), parent->rel, name);

	if (r < 0 || (r = gv_dir_open_beneath(parent, name, rel, sub)) == -EINVAL) {
		memset(sub, 0, sizeof(*sub));
		sub->fd = -1;
		return r;
	}
	/* A link there (ELOOP, or ENOTDIR with O_DIRECTORY): from the root,
	 * contained. */
	if (r == -ELOOP || r == -ENOTDIR)
		return list ? gv_dir_open(ctx, rel, sub) : gv_dir_open_unlisted(ctx, rel, sub);
	if (r < 0)
		return r;
	if (list && (r = gv_dir_list(ctx, sub)) < 0)
		gv_dir_close(sub);
	return r;
}

int gv_dir_open_parent(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (strlen(rel) + sizeof("/..") > sizeof(d->rel))
		return -ENAMETOOLONG;
	strcpy(d->rel, rel);
	strcat(d->rel, "/..");
	d->fd = gv_open_parent(ctx, rel);
	return d->fd < 0 ? d->fd : 0;
}

void gv_dir_close(struct gv_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->ents);
	free(d->pool);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

int gv_dir_type(const struct gv_dir *d, const char *name)
{
	struct gv_dirent key = {.name = name, .head = name_head(name)};
	const struct gv_dirent *e;

	if (!d->listed)
		return -EOPNOTSUPP; /* not known without asking */
	if (!d->count)
		return -ENOENT;
	e = bsearch(&key, d->ents, d->count, sizeof(*d->ents), cmp_entry);
	return e ? e->type : -ENOENT;
}

/* The type of an entry the listing could not tell (DT_UNKNOWN: some file
 * systems do not say). */
static int stat_type(const struct gv_dir *d, const char *name)
{
	struct stat st;

	if (fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return IFTODT(st.st_mode);
}

/* A FIFO, socket or device node where an attribute should be: refused in
 * the words gv_open_regular() uses. */
static int refuse_kind(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name, int type)
{
	return gv_fail(ctx, -EMEDIUMTYPE, "%s/%s under %s is %s, not an attribute file: refused", d->rel, name,
		       ctx->root, gv_file_kind(DTTOIF(type)));
}

/* The type of the entry a name starts with: a file of the directory, or
 * the first folder of a longer name. */
static int first_type(const struct gv_dir *d, const char *name)
{
	const char *slash = strchr(name, '/');
	char first[256];

	if (!slash)
		return gv_dir_type(d, name);
	if ((size_t)(slash - name) >= sizeof(first))
		return -ENAMETOOLONG;
	memcpy(first, name, (size_t)(slash - name));
	first[slash - name] = '\0';
	return gv_dir_type(d, first);
}

/* What a failed open of an unlisted directory's entry met: a socket (or
 * a device node on a file system mounted nodev) refused, else -err. */
static int failed_open(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name, int err)
{
	struct stat st;

	if (err == -ENOENT || err == -ENOTDIR || fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err;
	if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return refuse_kind(ctx, d, name, IFTODT(st.st_mode));
	return err;
}

/* A file below a folder of the directory, opened beneath it with no link
 * on the way (one openat2), and its kind told as an unlisted directory's
 * entry's is (see the top). -EOPNOTSUPP: a link on the way or no openat2,
 * for the contained path. */
static int open_beneath(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name)
{
	int fd = gv_openat2(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0,
			    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

	if (contained_way(fd))
		return -EOPNOTSUPP;
	return fd < 0 ? failed_open(ctx, d, name, fd) : fd;
}

/* An entry of an unlisted directory opened at once (see the top). */
static int open_unlisted(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name)
{
	int fd;

	if (strchr(name, '/'))
		return open_beneath(ctx, d, name);
	fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP)
		return -EOPNOTSUPP; /* a link: the contained path */
	return failed_open(ctx, d, name, -errno);
}

/* After a read of an unlisted directory's entry that gave no bytes (or an
 * error): a FIFO or a device node is refused, a folder is -EISDIR, and a
 * regular file keeps what the read said (1). */
static int check_opened(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return refuse_kind(ctx, d, name, IFTODT(st.st_mode));
	return 1;
}

/* The file `name` of the directory opened for reading: fd, -EOPNOTSUPP for
 * the contained path (a link, or a folder the listing cannot vouch for),
 * or -errno. */
static int open_in(gpuvirt_ctx *ctx, const struct gv_dir *d, const char *name)
{
	int type, fd;

	if (!d->listed)
		return open_unlisted(ctx, d, name);
	type = first_type(d, name);

	if (type == DT_UNKNOWN && !strchr(name, '/') && (type = stat_type(d, name)) < 0)
		return type;
	if (type < 0)
		return type;
	if (strchr(name, '/'))
		return type == DT_DIR ? open_beneath(ctx, d, name) : -EOPNOTSUPP;
	if (type == DT_DIR)
		return -EISDIR;
	if (type == DT_FIFO || type == DT_CHR || type == DT_BLK || type == DT_SOCK)
		return refuse_kind(ctx, d, name, type);
	if (type != DT_REG)
		return -EOPNOTSUPP;
	fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EOPNOTSUPP : -errno;
	return fd;
}

ssize_t gv_dir_read(gpuvirt_ctx *ctx, struct gv_dir *d, const char *name, void *buf, size_t size)
{
	char path[512];
	int fd = open_in(ctx, d, name);
	ssize_t n;

	if (fd == -EOPNOTSUPP) /* a link, or a name with a '/': the contained path */
		return gv_path_join(path, sizeof(path), d->rel, name) < 0 ? -ENAMETOOLONG
								   : gv_read_bin(ctx, path, buf, size);
	if (fd < 0)
		return fd;
	/* sysfs serves an attribute in one read, so a short read is its end; an
	 * error (EAGAIN from a busy attribute, EINTR) is read again in full. */
	n = read(fd, buf, size);
	if (n <= 0 && (!d->listed || strchr(name, '/'))) { /* opened without its kind told */
		int k = check_opened(ctx, d, name, fd);
		if (k < 0) {
			close(fd);
			return k;
		}
	}
	if (n < 0)
		n = lseek(fd, 0, SEEK_SET) < 0 ? -errno : gv_read_fd(fd, buf, size);
	close(fd);
	return n;
}

ssize_t gv_dir_read_text(gpuvirt_ctx *ctx, struct gv_dir *d, const char *name, char *buf, size_t size)
{
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	n = gv_dir_read(ctx, d, name, buf, size);
	return n < 0 ? n : gv_text_check(buf, (size_t)n, size);
}

ssize_t gv_dir_readlink_base(gpuvirt_ctx *ctx, struct gv_dir *d, const char *name, char *buf, size_t size)
{
	char target[4096], path[512];
	int type = gv_dir_type(d, name);
	ssize_t n;

	if (strchr(name, '/'))
		return gv_path_join(path, sizeof(path), d->rel, name) < 0 ? -ENAMETOOLONG
								   : gv_readlink_base(ctx, path, buf, size);
	if (type == -ENOENT)
		return -ENOENT;
	if (type != DT_LNK && type != DT_UNKNOWN && type != -EOPNOTSUPP)
		return -EINVAL; /* what readlink says of a file that is not a link */
	n = readlinkat(d->fd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return gv_parse_link_base(name, target, (size_t)n, buf, size); /* the link's name is what it asks */
}

/* A path below the directory exists (not following its last component). */
int gv_dir_exists(gpuvirt_ctx *ctx, struct gv_dir *d, const char *sub)
{
	char path[512];
	const char *slash = strchr(sub, '/');
	char first[256];
	size_t len = slash ? (size_t)(slash - sub) : strlen(sub);
	int type;

	if (len >= sizeof(first))
		return -ENAMETOOLONG;
	if (!d->listed) {
		/* Asked at once: whether it is there is all this answers (a
		 * link on the way is followed; what is read below it goes the
		 * contained way). */
		struct stat st;
		if (fstatat(d->fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
		return (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno;
	}
	memcpy(first, sub, len);
	first[len] = '\0';
	type = gv_dir_type(d, first);
	if (type == -ENOENT)
		return 0; /* its first component is not there: nothing below it is */
	if (!slash)
		return 1;
	if (type != DT_DIR && type != DT_LNK && type != DT_UNKNOWN)
		return 0;
	if (type == DT_DIR) {
		/* A real directory of ours: stat below it without opening
		 * anything (fstatat follows no link at the end, and a link
		 * put in place of the directory since the listing only
		 * changes what an existence check answers). */
		struct stat st;
		if (fstatat(d->fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
		return (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno;
	}
	return gv_path_join(path, sizeof(path), d->rel, sub) < 0 ? -ENAMETOOLONG : gv_exists(ctx, path);
}

int gv_list_dir(gpuvirt_ctx *ctx, const char *rel, char ***names_out, size_t *count_out)
{
	struct gv_dir d;
	char **names;
	int r = gv_dir_open(ctx, rel, &d);

	*names_out = NULL;
	*count_out = 0;
	if (r < 0)
		return r;
	if (!d.count) {
		gv_dir_close(&d);
		return 0;
	}
	names = calloc(d.count, sizeof(*names));
	for (size_t i = 0; names && i < d.count; i++)
		if (!(names[i] = strdup(d.ents[i].name))) {
			gv_names_free(names, i);
			names = NULL;
		}
	r = names ? 0 : -ENOMEM;
	if (names) {
		*names_out = names;
		*count_out = d.count;
	}
	gv_dir_close(&d);
	return r;
}
