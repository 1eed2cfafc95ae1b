/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the Check suites: fresh simulated hosts and contexts. */
#ifndef GPUVIRT_TEST_HELPERS_H
#define GPUVIRT_TEST_HELPERS_H

#include <check.h>
#include <gpuvirt/gpuvirt.h>

/* Build simulated host `name` in a fresh temporary directory and return its
 * path (valid until th_teardown). Fails the test on error. */
const char *th_host(const char *name);
/* A context rooted at th_host(name). */
gpuvirt_ctx *th_ctx(const char *name);
/* A context rooted at an existing directory. */
gpuvirt_ctx *th_ctx_at(const char *root);
/* Write `content` to a file under root, creating it and its folders. */
void th_write(const char *root, const char *rel, const char *content);
void th_symlink(const char *root, const char *rel, const char *target);
void th_remove(const char *root, const char *rel);
/* Serve simulated host `name` over FUSE, with the kernel's write semantics;
 * returns the mount point and, in *backing, the tree behind it (where a test
 * may add files the host cannot write, such as proc/). */
const char *th_fuse_host(const char *name, const char **backing);
/* The pid of a process that has ended (a journal's owner that is gone). */
int th_dead_pid(void);
/* The process's open descriptors now. */
int th_count_fds(void);
/* Removes the hosts built by this test; install with tcase_add_checked_fixture. */
void th_teardown(void);
/* Run a suite in fork mode; returns the process exit status. */
int th_run(Suite *s);

#endif
