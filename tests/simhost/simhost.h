/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Simulated hosts for the tests: recordings become directory trees. */
#ifndef GPUVIRT_SIMHOST_H
#define GPUVIRT_SIMHOST_H

#include <stddef.h>

/* Build `dir` from a umockdev recording and/or a companion file (either may
 * be NULL). Returns 0 or a negative errno; simhost_error() says where. */
int simhost_build(const char *recording, const char *companion, const char *dir);
/* Build host `name` from `hostsdir`/name.umockdev and `hostsdir`/name.host. */
int simhost_build_named(const char *hostsdir, const char *name, const char *dir);
/* Remove a tree made by simhost_build (no-op when absent). */
int simhost_remove_tree(const char *dir);
const char *simhost_error(void);
/* Lexically join root-relative `dir` and a link `target` (an absolute one
 * starts at the root) into `out`: -EXDEV when it climbs above the root. */
int simhost_path_join(const char *dir, const char *target, char *out, size_t size);
/* The relative target of a link in root-relative folder `from_dir` ("" for
 * the root) that points to root-relative `to`. */
void simhost_path_relative(const char *from_dir, const char *to, char *out, size_t size);

#endif
