/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the simulated host's two formats (a umockdev
 * recording and its companion, tests/simhost/simhost.c). The input is the
 * recording, a NUL, then the companion; both are written as host `h` into a
 * scratch folder and built into `root`. Besides ASan and UBSan, it checks
 * that the builder never writes outside `root`: the scratch folder must hold
 * only the two files, `root`, and an empty `outside` folder afterwards (a
 * link to `../outside` followed by a write through it is what it looks for). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simhost.h"

static char scratch[64];

static void put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	f = fopen(path, "we");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

/* Entries of `dir` other than those listed, or -1 when it cannot be read. */
static int others(const char *dir, const char *const *allowed)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int ok = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		for (int i = 0; allowed[i] && !ok; i++)
			ok = strcmp(e->d_name, allowed[i]) == 0;
		if (!ok) {
			fprintf(stderr, "fuzz-simhost: %s/%s written outside the root\n", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const top[] = {"h.umockdev", "h.host", "root", "outside", NULL};
	static const char *const none[] = {NULL};
	const uint8_t *nul = memchr(data, 0, size);
	size_t lrec = nul ? (size_t)(nul - data) : size;
	char root[128], outside[128];

	if (size > 1 << 16)
		return 0;
	if (!scratch[0]) {
		snprintf(scratch, sizeof(scratch), "/tmp/fuzz-simhost-XXXXXX");
		if (!mkdtemp(scratch))
			abort();
	}
	snprintf(root, sizeof(root), "%s/root", scratch);
	snprintf(outside, sizeof(outside), "%s/outside", scratch);
	simhost_remove_tree(root);
	simhost_remove_tree(outside);
	if (mkdir(outside, 0755) < 0)
		abort();
	put("h.umockdev", data, lrec);
	put("h.host", nul ? nul + 1 : data + size, nul ? size - lrec - 1 : 0);
	simhost_build_named(scratch, "h", root);
	if (others(scratch, top) != 0 || others(outside, none) != 0)
		abort();
	simhost_remove_tree(root);
	return 0;
}
