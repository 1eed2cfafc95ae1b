/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: the backing tree, paths and files under it, errno names. */
#include "simfs.h"

char backing[P];  /* absolute path of the backing tree */
int bfd = -1;	  /* its directory fd */
bool own_backing; /* built by us: removed at exit */
pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;

/* ---- small helpers over root-relative paths ---------------------------- */

const char *R(const char *rel)
{
	return rel && *rel ? rel : ".";
}

void vfmt(char *out, const char *fmt, va_list ap)
{
	vsnprintf(out, P, fmt, ap);
}

/* Read a file into out (NUL-terminated, trailing newlines dropped). */
int readf(char *out, size_t size, const char *fmt, ...)
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

long readnum(long dflt, const char *fmt, ...)
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

int mkdirs(const char *rel)
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
int writef(mode_t mode, const char *content, const char *fmt, ...)
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

int appendf(const char *rel, const char *fmt, ...)
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

bool exists(const char *fmt, ...)
{
	char rel[P];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	return fstatat(bfd, R(rel), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void dirname_of(const char *rel, char *out)
{
	char *slash;

	snprintf(out, P, "%s", rel);
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		out[0] = '\0';
}

const char *base_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? slash + 1 : rel;
}

/* Where the link at `fmt` points, root-relative. */
int resolve(char *out, const char *fmt, ...)
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
int linkf(const char *to, const char *fmt, ...)
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

void unlinkf(const char *fmt, ...)
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

void rmtree(const char *fmt, ...)
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
int listdir(char ***out, const char *fmt, ...)
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

void freelist(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool is_kernel(const char *rel)
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
char full_dir[256];
int full_err;

void file_op(const char *op, const char *rel, const char *to)
{
	if (strncmp(rel, ".simhost", 8) == 0)
		return;
	appendf(".simhost/files", "%s\t%s%s%s\n", op, rel, to ? "\t" : "", to ? to : "");
}

bool under_full(const char *rel)
{
	size_t n = strlen(full_dir);

	return n && strncmp(rel, full_dir, n) == 0 && rel[n] == '/';
}

/* ---- errno names ------------------------------------------------------- */

static const struct {
	const char *name;
	int value;
} errnames[] = {
    {"EPERM", EPERM},	{"ENOENT", ENOENT}, {"EIO", EIO},	{"ENXIO", ENXIO},	    {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EBUSY", EBUSY},	{"EEXIST", EEXIST},	    {"ENODEV", ENODEV},
    {"EINVAL", EINVAL}, {"ENOSPC", ENOSPC}, {"ERANGE", ERANGE}, {"ENOSYS", ENOSYS},	    {"ETIMEDOUT", ETIMEDOUT},
    {"EUSERS", EUSERS}, {"EINTR", EINTR},   {"ENOTTY", ENOTTY}, {"EOPNOTSUPP", EOPNOTSUPP},
};

int errno_of(const char *s)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, s) == 0)
			return errnames[i].value;
	return atoi(s) > 0 ? atoi(s) : 0;
}

const char *errno_name(int e)
{
	static __thread char buf[16];

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].value == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}
