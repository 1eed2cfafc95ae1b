/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-build HOSTSDIR NAME DIR: materialise a simulated host as a tree. */
#include <stdio.h>
#include <string.h>

#include "simhost.h"

int main(int argc, char **argv)
{
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: simhost-build HOSTSDIR NAME DIR\n");
		return 2;
	}
	r = simhost_build_named(argv[1], argv[2], argv[3]);
	if (r < 0) {
		fprintf(stderr, "simhost-build: %s: %s\n", simhost_error(), strerror(-r));
		return 1;
	}
	return 0;
}
