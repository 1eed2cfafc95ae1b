/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of simhost-fuse share (tests/simhost/simfs*.c): the
 * backing tree and its lock, the path helpers, and each part of the
 * simulated kernel. Nothing outside simhost-fuse includes it. */
#ifndef SIMFS_H
#define SIMFS_H

#define FUSE_USE_VERSION 31

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define P PATH_MAX

extern char backing[P];	    /* absolute path of the backing tree */
extern int bfd;		    /* its directory fd */
extern bool own_backing;    /* built by us: removed at exit */
extern pthread_mutex_t big; /* one write at a time */
extern char full_dir[256];  /* `full DIR ERRNO`: writes of data under DIR fail */
extern int full_err;

const char *R(const char *rel);
void vfmt(char *out, const char *fmt, va_list ap);
int readf(char *out, size_t size, const char *fmt, ...);
long readnum(long dflt, const char *fmt, ...);
int mkdirs(const char *rel);
int writef(mode_t mode, const char *content, const char *fmt, ...);
int appendf(const char *rel, const char *fmt, ...);
bool exists(const char *fmt, ...);
void dirname_of(const char *rel, char *out);
const char *base_of(const char *rel);
int resolve(char *out, const char *fmt, ...);
int linkf(const char *to, const char *fmt, ...);
void unlinkf(const char *fmt, ...);
void rmtree(const char *fmt, ...);
int listdir(char ***out, const char *fmt, ...);
void freelist(char **names, int n);
bool is_kernel(const char *rel);
void file_op(const char *op, const char *rel, const char *to);
bool under_full(const char *rel);
int errno_of(const char *s);
const char *errno_name(int e);
int pci_devpath(const char *bdf, char *out);
bool is_pci_dir(const char *rel);
int bound_driver(const char *devpath, char *out);
int group_of(const char *devpath);
void trim(char *s);
bool file_has_line(const char *line, const char *fmt, ...);
void file_drop_line(const char *line, const char *rel);
bool driver_matches(const char *drv, const char *devpath);
int probe(const char *drv, const char *devpath);
void do_unbind(const char *drv, const char *devpath);
void attach_any(const char *devpath);
int next_group(void);
void make_group(int g, const char *type);
void drop_from_group(int g, const char *name);
int write_reset_method(const char *rel, const char *val);
int write_sriov_numvfs(const char *pf, const char *val);
int pci_unplug(const char *devpath);
int count_dir(const char *fmt, const char *a, const char *b);
long gcd(long a, long b);
void mdev_recompute(const char *parent);
int mdev_create(const char *typedir, const char *val);
void mdev_remove_instance(const char *mdevpath);
void nvidia_recompute(const char *pf);
int nvidia_offers(const char *bdf, const char *const *ids, int n);
int write_current_vgpu_type(const char *vf, const char *val);
int platform_driver_file(const char *drv, const char *file, const char *val);
int write_vtcon_bind(const char *rel, const char *val);
/* simfs-control.c: the faults injected into writes (handled by simfs.c's
 * dispatcher) and the control file's commands. */
enum fault_kind { FAULT_FAIL, FAULT_DELAY, FAULT_UNPLUG, FAULT_IGNORE };

struct fault {
	char path[P]; /* canonical, root-relative */
	enum fault_kind kind;
	long nth; /* 0: every write */
	long seen;
	int err;
	long ms;
	char bdf[32];
};
extern struct fault faults[64];
extern int nfaults;
int control(const char *cmd);

/* simfs-prepare.c: the backing tree made ready, before serving it. */
int prepare(void);
/* simfs.c: pciback's slots file from .simhost/pciback-slots. */
void pciback_slots_file(void);

#endif
