/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel modules: whether one is loaded, built in or available for the
 * running release (all read under the root), and loading one.
 *
 * Loading runs a modprobe program: /sbin/modprobe when the root is "/", or
 * the one set with gpuvirt_ctx_set_modprobe() / GPUVIRT_MODPROBE (a test's
 * stub that loads on a simulated host). It gets GPUVIRT_ROOT in its
 * environment. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "private.h"

extern char **environ;

struct gv_modules_seen {
	struct {
		char rel[96];
		bool there;
		uint64_t generation;
	} v[8];
	size_t n;
};

/* A whole file under the root, malloc'd and NUL-terminated; NULL when it
 * cannot be read. */
static char *read_whole(gpuvirt_ctx *ctx, const char *rel, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = NULL;
	ssize_t n;

	for (;;) {
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return NULL;
		}
		buf = nb;
		n = gv_read_text(ctx, rel, buf, cap);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < cap - 1 || cap >= (1u << 26))
			break;
		cap *= 4;
	}
	*len = (size_t)n;
	return buf;
}

static char *read_modules_file(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *file, size_t *len)
{
	char rel[256];

	if (!m->release[0] || gv_path(rel, sizeof(rel), "lib/modules/%s/%s", m->release, file) < 0)
		return NULL;
	return read_whole(ctx, rel, len);
}

void gv_modules_open(gpuvirt_ctx *ctx, struct gv_modules *m)
{
	memset(m, 0, sizeof(*m));
	if (gv_read_text(ctx, "proc/sys/kernel/osrelease", m->release, sizeof(m->release)) <= 0)
		m->release[0] = '\0';
	m->release[strcspn(m->release, "\n")] = '\0';
	m->dep = read_modules_file(ctx, m, "modules.dep", &m->dep_len);
	m->builtin = read_modules_file(ctx, m, "modules.builtin", &m->builtin_len);
	m->seen = calloc(1, sizeof(*m->seen));
}

void gv_modules_close(struct gv_modules *m)
{
	free(m->dep);
	free(m->builtin);
	free(m->alias);
	free(m->seen);
	memset(m, 0, sizeof(*m));
}

/* Whether rel exists, from m's memory while nothing was written since. */
static bool seen(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *rel)
{
	struct gv_modules_seen *c = m->seen;
	size_t i = 0;

	while (c && i < c->n && strcmp(c->v[i].rel, rel) != 0)
		i++;
	if (c && i < c->n && c->v[i].generation == ctx->generation)
		return c->v[i].there;
	if (!c || (i == c->n && (c->n == sizeof(c->v) / sizeof(c->v[0]) || strlen(rel) >= sizeof(c->v[0].rel))))
		return gv_exists(ctx, rel) == 1;
	c->n += i == c->n;
	snprintf(c->v[i].rel, sizeof(c->v[i].rel), "%s", rel);
	c->v[i].generation = ctx->generation;
	return c->v[i].there = gv_exists(ctx, rel) == 1;
}

int gv_module_state(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *module)
{
	char name[64], rel[128];
	bool builtin;

	gv_module_name_normalise(module, name, sizeof(name));
	builtin = m->builtin && gv_parse_module_listed(m->builtin, m->builtin_len, name);
	if (gv_path(rel, sizeof(rel), "sys/module/%s", name) == 0 && seen(ctx, m, rel))
		return builtin ? GV_MODULE_BUILTIN : GV_MODULE_LOADED; /* built-ins with parameters show here too */
	if (builtin)
		return GV_MODULE_BUILTIN;
	if (m->dep && gv_parse_module_listed(m->dep, m->dep_len, name))
		return GV_MODULE_AVAILABLE;
	return m->dep ? GV_MODULE_MISSING : GV_MODULE_UNKNOWN;
}

static int driver_rel(const char *driver, char *rel, size_t size)
{
	return gv_path(rel, size, "sys/bus/pci/drivers/%s", driver);
}

bool gv_driver_loaded(gpuvirt_ctx *ctx, const char *driver)
{
	char rel[128];

	return driver_rel(driver, rel, sizeof(rel)) == 0 && gv_exists(ctx, rel) == 1;
}

int gv_vfio_cdevs(gpuvirt_ctx *ctx)
{
	char buf[16384];
	ssize_t n = gv_read_text(ctx, "proc/devices", buf, sizeof(buf));

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return gv_fail(ctx, (int)n, "cannot read proc/devices: %s", gpuvirt_strerror((int)n));
	return gv_parse_chrdev_listed(buf, (size_t)n, "vfio-dev");
}

const char *gv_module_of_driver(const char *driver)
{
	if (strcmp(driver, "pciback") == 0)
		return "xen-pciback";
	return driver;
}

int gv_driver_state(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *driver)
{
	char rel[128];
	int s;

	if (driver_rel(driver, rel, sizeof(rel)) == 0 && seen(ctx, m, rel)) /* gv_driver_loaded, remembered */
		return GV_MODULE_LOADED;
	s = gv_module_state(ctx, m, gv_module_of_driver(driver));
	return s == GV_MODULE_LOADED ? GV_MODULE_AVAILABLE : s;
}

static void read_alias(gpuvirt_ctx *ctx, struct gv_modules *m)
{
	if (!m->alias_read) {
		m->alias_read = true;
		m->alias = read_modules_file(ctx, m, "modules.alias", &m->alias_len);
	}
}

int gv_module_vfio_variant(gpuvirt_ctx *ctx, struct gv_modules *m, const char *modalias, char *module, size_t size)
{
	read_alias(ctx, m);
	if (!m->alias)
		return -ENOENT;
	return gv_parse_vfio_variant(m->alias, m->alias_len, modalias, module, size);
}

int gv_module_handles(gpuvirt_ctx *ctx, struct gv_modules *m, const char *module, const char *modalias)
{
	char name[64];

	read_alias(ctx, m);
	if (!m->alias)
		return -ENOENT;
	gv_module_name_normalise(module, name, sizeof(name));
	return gv_parse_alias_match(m->alias, m->alias_len, name, modalias);
}

GPUVIRT_EXPORT int gpuvirt_ctx_set_modprobe(gpuvirt_ctx *ctx, const char *path)
{
	char *copy = NULL;

	if (!ctx)
		return -EINVAL;
	gv_clear_error(ctx);
	if (path && (path[0] != '/' || access(path, X_OK) < 0))
		return gv_fail(ctx, path[0] != '/' ? -EINVAL : -errno, "modprobe '%s': not an executable absolute path",
			       path);
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(ctx->modprobe);
	ctx->modprobe = copy;
	return 0;
}

/* The context's (set, or GPUVIRT_MODPROBE when it was made), else the
 * system's where the root is "/". */
static const char *modprobe_path(gpuvirt_ctx *ctx)
{
	if (ctx->modprobe)
		return ctx->modprobe;
	return strcmp(ctx->root, "/") == 0 ? "/sbin/modprobe" : NULL;
}

int gv_modprobe(gpuvirt_ctx *ctx, const char *module)
{
	const char *prog = modprobe_path(ctx);
	char *argv[5], rootenv[4200], **envp;
	size_t nenv = 0;
	pid_t pid;
	int status, r;

	if (!prog)
		return gv_fail(ctx, -EOPNOTSUPP,
			       "module %s is not loaded, and no modprobe is set for root %s (gpuvirt_ctx_set_modprobe)",
			       module, ctx->root);
	argv[0] = (char *)prog;
	argv[1] = (char *)"-q";
	argv[2] = (char *)"--";
	argv[3] = (char *)module;
	argv[4] = NULL;
	for (char **e = environ; e && *e; e++)
		nenv++;
	envp = calloc(nenv + 2, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	snprintf(rootenv, sizeof(rootenv), "GPUVIRT_ROOT=%s", ctx->root);
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], "GPUVIRT_ROOT=", 13) != 0)
			envp[k++] = environ[i];
	envp[k++] = rootenv;
	envp[k] = NULL;
	r = posix_spawn(&pid, prog, NULL, NULL, argv, envp);
	free(envp);
	ctx->generation++; /* a module loads (drivers register, devices probe) */
	if (r != 0)
		return gv_fail(ctx, -r, "cannot run %s: %s", prog, strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return gv_fail(ctx, -errno, "waiting for %s: %s", prog, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return gv_fail(ctx, -ENOENT, "%s %s failed (exit %d)", prog, module,
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	gv_info(ctx, "loaded module %s with %s", module, prog);
	return 0;
}

int gv_run_capture(gpuvirt_ctx *ctx, const char *prog, char *const argv[], char *out, size_t size, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status = 0, r;
	size_t used = 0;
	pid_t pid;
	struct timespec start, now;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		return gv_fail(ctx, -r, "cannot run %s: %s", prog, strerror(r));
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t n = read(fds[0], out + used, size - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used >= size - 1)
			break;
	}
	out[used] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return gv_fail(ctx, r, "%s did not finish within %d ms", prog, timeout_ms);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return gv_fail(ctx, -EIO, "%s failed (exit %d)", prog, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
