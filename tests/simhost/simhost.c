/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Materialise a simulated host: a umockdev recording plus an optional
 * companion file become a directory tree usable as libgpuvirt's root.
 * See tests/README.md for both formats. */
#include "simhost.h"

/* Paths here are built from our own fixture files and stay far below PATH_MAX;
 * a truncated one would fail to open and be reported. */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char errbuf[512];

const char *simhost_error(void)
{
	return errbuf;
}

static int fail(int err, const char *file, int line, const char *what)
{
	snprintf(errbuf, sizeof(errbuf), "%s:%d: %s", file, line, what);
	return err;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int mkdir_parent(const char *path)
{
	char tmp[PATH_MAX];
	char *slash;

	snprintf(tmp, sizeof(tmp), "%s", path);
	slash = strrchr(tmp, '/');
	if (!slash || slash == tmp)
		return 0;
	*slash = '\0';
	return mkdir_p(tmp);
}

/* GLib's g_strcompress rules, which umockdev-record's output follows. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (*in != '\\') {
			out[n++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'n': out[n++] = '\n'; in++; break;
		case 't': out[n++] = '\t'; in++; break;
		case 'r': out[n++] = '\r'; in++; break;
		case 'b': out[n++] = '\b'; in++; break;
		case 'f': out[n++] = '\f'; in++; break;
		case 'v': out[n++] = '\v'; in++; break;
		case '\0': break;
		default:
			if (*in >= '0' && *in <= '7') {
				int v = 0;
				for (int k = 0; k < 3 && *in >= '0' && *in <= '7'; k++)
					v = v * 8 + (*in++ - '0');
				out[n++] = (char)v;
			} else {
				out[n++] = *in++;
			}
		}
	}
	return n;
}

/* The tree being built: every path the builder writes must lie under it and
 * reach it without going through a link (a recording's `L: x=/etc` followed
 * by `A: x/passwd=...` must not write /etc/passwd). The last component may
 * be a link: it is replaced, never followed. */
static const char *build_root;
/* How many `base` hosts deep the build is: a companion naming itself, or two
 * naming each other, is an error, not a stack overflow. */
static int base_depth;


static int beneath(const char *path)
{
	size_t rl = strlen(build_root);
	char tmp[PATH_MAX];
	struct stat st;

	if (strncmp(path, build_root, rl) != 0 || path[rl] != '/' || strlen(path) >= sizeof(tmp))
		return fail(-EXDEV, path, 0, "outside the simulated host");
	/* Lexically under the root is not enough: "root/sys/class/../../../x"
	 * (a recording's SUBSYSTEM=../../..) leaves it. */
	for (const char *c = path + rl + 1; *c; c += strcspn(c, "/"), c += *c == '/') {
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return fail(-EXDEV, path, 0, "a path with '.' or '..' in it");
	}
	memcpy(tmp, path, strlen(path) + 1);
	for (char *p = tmp + rl + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (lstat(tmp, &st) == 0 && !S_ISDIR(st.st_mode))
			return fail(S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR, tmp,
				    0, "a path goes through a link or a file");
		*p = '/';
	}
	return 0;
}

static int make_dir(const char *path)
{
	int r = beneath(path);

	return r < 0 ? r : mkdir_p(path);
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd, r;

	if ((r = beneath(path)) < 0 || (r = mkdir_parent(path)) < 0)
		return r;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (len && write(fd, data, len) != (ssize_t)len) {
		r = -errno;
		close(fd);
		return r ? r : -EIO;
	}
	close(fd);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int make_link(const char *path, const char *target)
{
	int r = beneath(path);

	if (r < 0 || (r = mkdir_parent(path)) < 0)
		return r;
	unlink(path);
	return symlink(target, path) < 0 ? -errno : 0;
}

int simhost_path_join(const char *dir, const char *target, char *out, size_t size)
{
	char buf[PATH_MAX];
	char *parts[512];
	int n = 0;

	if ((size_t)snprintf(buf, sizeof(buf), "%s%s%s", target[0] == '/' ? "" : dir,
			     target[0] == '/' || !dir[0] ? "" : "/", target) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (char *save, *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n == 0)
				return -EXDEV;
			n--;
			continue;
		}
		if (n == 512)
			return -ENAMETOOLONG;
		parts[n++] = tok;
	}
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strlen(out) + strlen(parts[i]) + 2 >= size)
			return -ENAMETOOLONG;
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	return 0;
}

void simhost_path_relative(const char *from_dir, const char *to, char *out, size_t size)
{
	int depth = from_dir[0] ? 1 : 0;

	for (const char *p = from_dir; *p; p++)
		depth += *p == '/';
	out[0] = '\0';
	for (int i = 0; i < depth; i++)
		strncat(out, "../", size - strlen(out) - 1);
	strncat(out, to, size - strlen(out) - 1);
}

/* Resolve a link target against the link's directory, lexically. */
static int resolve_lexically(const char *linkpath, const char *target, char *out, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", linkpath);
	*strrchr(dir, '/') = '\0';
	return simhost_path_join(dir, target, out, size);
}

static const char *const bus_subsystems[] = {"pci", "mdev", "platform", "pnp", "virtio", "acpi", "serio",
					     "cpu", "node", "memory", "container", "event_source",
					     "clockevents", "clocksource", "machinecheck", "edac", NULL};

static bool is_bus(const char *subsystem)
{
	for (int i = 0; bus_subsystems[i]; i++)
		if (strcmp(bus_subsystems[i], subsystem) == 0)
			return true;
	return false;
}

struct device_state {
	char devpath[PATH_MAX]; /* root-relative, "sys/devices/..." */
	char subsystem[64];
};

static int finish_device(const char *root, struct device_state *d)
{
	char link[PATH_MAX], dir[PATH_MAX], target[PATH_MAX];
	const char *name;
	int r;

	if (!d->devpath[0] || !d->subsystem[0])
		return 0;
	name = strrchr(d->devpath, '/') + 1;
	if (is_bus(d->subsystem))
		snprintf(dir, sizeof(dir), "sys/bus/%s/devices", d->subsystem);
	else
		snprintf(dir, sizeof(dir), "sys/class/%s", d->subsystem);
	simhost_path_relative(dir, d->devpath, target, sizeof(target));
	snprintf(link, sizeof(link), "%s/%s/%s", root, dir, name);
	if ((r = make_link(link, target)) < 0)
		return r;
	/* The device's own `subsystem` link, unless the recording had one. */
	snprintf(link, sizeof(link), "%s/%s/subsystem", root, d->devpath);
	if (access(link, F_OK) == 0)
		return 0;
	if (is_bus(d->subsystem))
		snprintf(dir, sizeof(dir), "sys/bus/%s", d->subsystem);
	else
		snprintf(dir, sizeof(dir), "sys/class/%s", d->subsystem);
	simhost_path_relative(d->devpath, dir, target, sizeof(target));
	return make_link(link, target);
}

/* After a link is made: make the directory it points to, and for `driver`
 * and `iommu_group` links the back-links the kernel keeps. */
static int link_side_effects(const char *root, const char *devpath, const char *name, const char *target)
{
	char linkrel[PATH_MAX], dest[PATH_MAX], full[PATH_MAX], back[PATH_MAX], rel[PATH_MAX];
	const char *devname = strrchr(devpath, '/') + 1;
	int r;

	snprintf(linkrel, sizeof(linkrel), "%s/%s", devpath, name);
	if (resolve_lexically(linkrel, target, dest, sizeof(dest)) < 0)
		return 0; /* points outside the root: leave it dangling */
	snprintf(full, sizeof(full), "%s/%s", root, dest);
	if (access(full, F_OK) != 0 && (r = make_dir(full)) < 0)
		return r;
	if (strcmp(name, "driver") == 0) {
		simhost_path_relative(dest, devpath, rel, sizeof(rel));
		snprintf(back, sizeof(back), "%s/%s", full, devname);
		return make_link(back, rel);
	}
	if (strcmp(name, "iommu_group") == 0) {
		char devdir[PATH_MAX];
		snprintf(devdir, sizeof(devdir), "%s/devices", dest);
		simhost_path_relative(devdir, devpath, rel, sizeof(rel));
		snprintf(back, sizeof(back), "%s/%s/%s", root, devdir, devname);
		return make_link(back, rel);
	}
	return 0;
}

/* The next line that is neither empty nor a comment, without its line end.
 * Returns its length, or -1 at the end of the file. */
static ssize_t next_line(FILE *f, char **line, size_t *cap, int *lineno)
{
	ssize_t len;

	while ((len = getline(line, cap, f)) >= 0) {
		(*lineno)++;
		while (len > 0 && ((*line)[len - 1] == '\n' || (*line)[len - 1] == '\r'))
			(*line)[--len] = '\0';
		if (len > 0 && (*line)[0] != '#')
			return len;
	}
	return -1;
}

static int load_recording(const char *file, const char *root)
{
	FILE *f = fopen(file, "re");
	struct device_state d = {0};
	char *line = NULL, *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r = 0;

	if (!f)
		return fail(-errno, file, 0, "cannot open");
	while (r == 0 && (len = next_line(f, &line, &cap, &lineno)) >= 0) {
		char path[PATH_MAX], *eq, *val;
		if (len < 3 || line[1] != ':' || line[2] != ' ') {
			r = fail(-EBADMSG, file, lineno, "expected 'X: ...'");
			break;
		}
		val = line + 3;
		if (line[0] == 'P') {
			if ((r = finish_device(root, &d)) < 0)
				break;
			memset(&d, 0, sizeof(d));
			if (strncmp(val, "/devices/", 9) != 0 || strstr(val, "..")) {
				r = fail(-EBADMSG, file, lineno, "P: must name a path under /devices");
				break;
			}
			snprintf(d.devpath, sizeof(d.devpath), "sys%s", val);
			snprintf(path, sizeof(path), "%s/%s", root, d.devpath);
			r = make_dir(path);
			continue;
		}
		if (!d.devpath[0]) {
			r = fail(-EBADMSG, file, lineno, "attribute before the first P: line");
			break;
		}
		eq = strchr(val, '=');
		if (line[0] == 'N' || line[0] == 'S')
			continue; /* device nodes are not part of the sysfs tree */
		if (!eq) {
			r = fail(-EBADMSG, file, lineno, "expected NAME=VALUE");
			break;
		}
		*eq = '\0';
		if (strstr(val, "..") || val[0] == '/') {
			r = fail(-EBADMSG, file, lineno, "attribute name leaves the device");
			break;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", root, d.devpath, val);
		switch (line[0]) {
		case 'E':
			if (strcmp(val, "SUBSYSTEM") == 0) {
				if (strchr(eq + 1, '/') || strcmp(eq + 1, ".") == 0 || strcmp(eq + 1, "..") == 0) {
					r = fail(-EBADMSG, file, lineno, "SUBSYSTEM must be one name");
					break;
				}
				snprintf(d.subsystem, sizeof(d.subsystem), "%s", eq + 1);
			}
			break;
		case 'A': {
			char *nb = realloc(buf, strlen(eq + 1) + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			r = write_file(path, buf, unescape(eq + 1, buf), 0644);
			break;
		}
		case 'H': {
			size_t hl = strlen(eq + 1), n = 0;
			char *nb = realloc(buf, hl / 2 + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			if (hl % 2) {
				r = fail(-EBADMSG, file, lineno, "odd number of hex digits in H: line");
				break;
			}
			for (size_t i = 0; i < hl; i += 2) {
				int hi = hexval(eq[1 + i]), lo = hexval(eq[2 + i]);
				if (hi < 0 || lo < 0) {
					r = fail(-EBADMSG, file, lineno, "bad hex in H: line");
					break;
				}
				buf[n++] = (char)(hi * 16 + lo);
			}
			if (r == 0)
				r = write_file(path, buf, n, 0644);
			break;
		}
		case 'L':
			if ((r = make_link(path, eq + 1)) == 0)
				r = link_side_effects(root, d.devpath, val, eq + 1);
			break;
		default:
			r = fail(-EBADMSG, file, lineno, "unknown line type");
		}
		if (r < 0 && !errbuf[0])
			fail(r, file, lineno, strerror(-r));
	}
	if (r == 0)
		r = finish_device(root, &d);
	free(line);
	free(buf);
	fclose(f);
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int simhost_remove_tree(const char *dir)
{
	if (access(dir, F_OK) != 0)
		return 0;
	return nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

/* Companion: lines of `attr PATH=VALUE`, `link PATH=TARGET`, `dir PATH`,
 * `remove PATH`, `text PATH` (followed by lines up to a lone "."). */
static int load_companion(const char *file, const char *root)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r = 0;

	if (!f)
		return fail(-errno, file, 0, "cannot open");
	while (r == 0 && (len = next_line(f, &line, &cap, &lineno)) >= 0) {
		char path[PATH_MAX], *arg, *eq;
		arg = strchr(line, ' ');
		if (!arg) {
			r = fail(-EBADMSG, file, lineno, "expected 'DIRECTIVE PATH...'");
			break;
		}
		*arg++ = '\0';
		eq = strchr(arg, '=');
		if (eq && (strcmp(line, "attr") == 0 || strcmp(line, "link") == 0))
			*eq = '\0';
		if (arg[0] == '/' || strstr(arg, "..")) {
			r = fail(-EBADMSG, file, lineno, "path must be relative and stay in the root");
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", root, arg);
		if (strcmp(line, "attr") == 0 && eq) {
			char *buf = malloc(strlen(eq + 1) + 1);
			if (!buf) {
				r = -ENOMEM;
				break;
			}
			r = write_file(path, buf, unescape(eq + 1, buf), 0644);
			free(buf);
		} else if (strcmp(line, "link") == 0 && eq) {
			r = make_link(path, eq + 1);
		} else if (strcmp(line, "base") == 0) {
			/* Build another host of the same folder first. */
			char hostsdir[PATH_MAX], *slash;
			snprintf(hostsdir, sizeof(hostsdir), "%s", file);
			slash = strrchr(hostsdir, '/');
			if (slash)
				*slash = '\0';
			else
				snprintf(hostsdir, sizeof(hostsdir), ".");
			if (base_depth >= 8) {
				r = fail(-ELOOP, file, lineno, "base hosts nested too deep (a loop?)");
				break;
			}
			base_depth++;
			r = simhost_build_named(hostsdir, arg, root);
			base_depth--;
		} else if (strcmp(line, "dir") == 0) {
			r = make_dir(path);
		} else if (strcmp(line, "remove") == 0) {
			struct stat st;
			if ((r = beneath(path)) == 0 && lstat(path, &st) == 0)
				r = S_ISDIR(st.st_mode) ? simhost_remove_tree(path) : (unlink(path) < 0 ? -errno : 0);
		} else if (strcmp(line, "text") == 0) {
			char *text = NULL;
			size_t tlen = 0;
			FILE *mem = open_memstream(&text, &tlen);
			bool ended = false;
			if (!mem) {
				r = -ENOMEM;
				break;
			}
			while ((len = getline(&line, &cap, f)) >= 0) {
				lineno++;
				if (strcmp(line, ".\n") == 0 || strcmp(line, ".") == 0) {
					ended = true;
					break;
				}
				fputs(line, mem);
			}
			fclose(mem);
			if (!ended)
				r = fail(-EBADMSG, file, lineno, "text block without its closing '.'");
			else
				r = write_file(path, text, tlen, 0644);
			free(text);
		} else {
			r = fail(-EBADMSG, file, lineno, "unknown directive");
		}
		if (r < 0 && !errbuf[0])
			fail(r, file, lineno, strerror(-r));
	}
	free(line);
	fclose(f);
	return r;
}

int simhost_build(const char *recording, const char *companion, const char *dir)
{
	int r;

	errbuf[0] = '\0';
	if ((r = mkdir_p(dir)) < 0)
		return fail(r, dir, 0, "cannot create");
	build_root = dir;
	if (recording && (r = load_recording(recording, dir)) < 0)
		return r;
	if (companion && (r = load_companion(companion, dir)) < 0)
		return r;
	return 0;
}

int simhost_build_named(const char *hostsdir, const char *name, const char *dir)
{
	char rec[PATH_MAX], comp[PATH_MAX];
	bool has_rec, has_comp;

	snprintf(rec, sizeof(rec), "%s/%s.umockdev", hostsdir, name);
	snprintf(comp, sizeof(comp), "%s/%s.host", hostsdir, name);
	has_rec = access(rec, R_OK) == 0;
	has_comp = access(comp, R_OK) == 0;
	if (!has_rec && !has_comp)
		return fail(-ENOENT, rec, 0, "no such simulated host");
	return simhost_build(has_rec ? rec : NULL, has_comp ? comp : NULL, dir);
}
