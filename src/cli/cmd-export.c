/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt export FORMAT [BDF...]: the host for Nova, KubeVirt, NFD,
 * Prometheus and libvirt (gpuvirt/export.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef int (*export_fn)(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

static const struct {
	const char *name;
	export_fn fn;
} formats[] = {
	{"nova", gpuvirt_export_nova},		   {"kubevirt", gpuvirt_export_kubevirt},
	{"nfd", gpuvirt_export_nfd},		   {"prometheus", gpuvirt_export_prometheus},
	{"nodedev", gpuvirt_export_nodedev},
};

/* FILE replaced atomically: a temporary in its folder, fsync, rename (a
 * collector reading the folder never sees half a file). */
static int write_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int cmd_export(gpuvirt_ctx *ctx, const struct options *o)
{
	export_fn fn = NULL;
	char *text = NULL;
	int r;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(o->argv[0], formats[i].name) == 0)
			fn = formats[i].fn;
	if (!fn)
		return cli_usage(o, "unknown format '%s' (nova, kubevirt, nfd, prometheus, nodedev)", vis(o->argv[0]));
	if (o->yaml && fn != gpuvirt_export_kubevirt)
		return cli_usage(o, "--yaml applies to kubevirt only");
	for (int i = 1; i < o->argc; i++) { /* a malformed address is a usage error, an absent one 70 */
		gpuvirt_device *d = NULL;
		if ((r = cli_open_device(ctx, o, o->argv[i], &d)) != 0)
			return r;
		gpuvirt_device_unref(d);
	}
	r = fn(ctx, o->argc > 1 ? (const char *const *)o->argv + 1 : NULL, (size_t)(o->argc - 1),
	       o->yaml ? GPUVIRT_EXPORT_YAML : 0, &text);
	if (r < 0)
		return cli_fail(ctx, r, "export");
	if (o->output && (r = write_atomic(o->output, text)) < 0) {
		fprintf(stderr, "gpuvirt: export: cannot write %s: %s\n", vis(o->output), strerror(-r));
		free(text);
		return EXIT_ERROR;
	}
	if (!o->output)
		fputs(text, stdout);
	free(text);
	return EXIT_OK;
}
