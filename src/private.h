/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the library's source files share. Nothing here is public. */
#ifndef GPUVIRT_PRIVATE_H
#define GPUVIRT_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <gpuvirt/gpuvirt.h>

#define GPUVIRT_EXPORT __attribute__((visibility("default")))
#define GV_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* A PCI address in canonical form: "dddd:bb:dd.f" plus NUL. */
#define GV_BDF_LEN 13
/* "DDDD:BB", the bus of a PCI address */
#define GV_BUS_LEN 7
/* The default deadline of a kernel write that can block (an unbind while a
 * process holds the device): the kernel asks the holder to let go every
 * 10 s, so a little longer than one round. */
#define GV_WRITE_TIMEOUT_MS 15000

/* ---- context (ctx.c) ---- */
struct gv_pciids;
struct gv_vgpu_entry;

struct gpuvirt_ctx {
	int refcount;
	char *root;  /* canonical absolute path, "/" or without trailing slash */
	int root_fd; /* O_PATH directory fd of root */
	gpuvirt_log_fn log_fn;
	void *log_userdata;
	int log_priority;
	char error[1024];
	struct gv_pciids *pci_ids; /* the PCI ID database, mapped on first name lookup */
	bool pci_ids_failed;
	struct gv_vgpu_entry *vgpu_table; /* NULL: the default, loaded on first use */
	size_t vgpu_count;
	char *modprobe; /* NULL: /sbin/modprobe when the root is "/" */
	char *xl;	/* NULL: /usr/sbin/xl when the root is "/" */
	char *vgpu_table_env; /* GPUVIRT_VGPU_TABLE as read by gpuvirt_ctx_new() */
	char *root_env;	      /* GPUVIRT_ROOT, only while gpuvirt_ctx_new() runs */
	long write_timeout_ms; /* deadline of a kernel write that can block */
	uint64_t generation;   /* bumped by every write to the host */
	void *open_files;      /* holders.c: the processes' open files and live instances, while a run of checks holds them */
	int devdirs_held;      /* sysfs-dir.c: holds of device directories */
	struct gv_devdir {
		char bdf[GV_BDF_LEN];
		int fd; /* O_PATH | O_DIRECTORY */
	} devdirs[8];
	size_t ndevdirs;
	int sys_fills; /* sysfs-dir.c: 0 not yet asked, 1 getdents64 fills its buffer under sys/, -1 not */
	struct gv_mig_listing *mig_listing; /* mig.c: nvidia-smi's, as the caller captured it; NULL: none */
};

void gv_log(gpuvirt_ctx *ctx, int priority, const char *fmt, ...) GV_PRINTF(3, 4);
/* Record a failure message in ctx (and log it at debug); returns err. */
int gv_fail(gpuvirt_ctx *ctx, int err, const char *fmt, ...) GV_PRINTF(3, 4);
void gv_clear_error(gpuvirt_ctx *ctx);

#define gv_debug(ctx, ...) gv_log(ctx, 7, __VA_ARGS__)
#define gv_info(ctx, ...) gv_log(ctx, 6, __VA_ARGS__)
#define gv_warn(ctx, ...) gv_log(ctx, 4, __VA_ARGS__)

/* Names from the PCI ID database (names.c); NULL when unknown. Result is malloc'ed. */
char *gv_pci_vendor_name(gpuvirt_ctx *ctx, uint16_t vendor);
char *gv_pci_device_name(gpuvirt_ctx *ctx, uint16_t vendor, uint16_t device);
/* "USB controller" for class 0x0c0330 (base and subclass), or NULL. */
char *gv_pci_class_name(gpuvirt_ctx *ctx, uint32_t class_code);
void gv_pci_names_free(gpuvirt_ctx *ctx);
/* The PCI ID database at path (NULL: where distributions put it), mapped;
 * NULL where there is none. */
struct gv_pciids *gv_pci_db_open(const char *path);
/* Whether a lookup had to read the whole file (one out of order, or an ID
 * it does not have). */
bool gv_pci_db_read_whole(const struct gv_pciids *db);
void gv_pci_db_free(struct gv_pciids *db);

/* ---- root-relative file access (sysfs.c, sysfs-dir.c, sysfs-write.c): the only code that opens host files ---- */
/* Build a root-relative path; refuses absolute paths, "..", empty components'
 * tricks and overlong results. Returns 0 or -EINVAL / -ENAMETOOLONG. */
int gv_path(char *buf, size_t size, const char *fmt, ...) GV_PRINTF(3, 4) __attribute__((warn_unused_result));
/* dir + "/" + name: what gv_path() answers for "%s/%s", without
 * formatting (-ENAMETOOLONG, or -EXDEV for a path that is not safe). */
int gv_path_join(char *buf, size_t size, const char *dir, const char *name) __attribute__((warn_unused_result));
int gv_vpath(char *buf, size_t size, const char *fmt, va_list ap) GV_PRINTF(3, 0) __attribute__((warn_unused_result));
int gv_path_is_safe(const char *rel);
/* Tests only: resolve paths with the userspace walker instead of openat2(). */
void gv_sysfs_force_fallback(bool on);
/* Tests only: openat2() says EAGAIN whatever is asked (renames racing every
 * walk): what it resolves must go the other way. */
void gv_sysfs_force_eagain(bool on);
/* Open rel under the root; symlinks resolve inside the root; EAGAIN from
 * openat2() is retried. Returns fd or -errno. */
int gv_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode);
/* openat2() with RESOLVE_NO_MAGICLINKS and `resolve`, EAGAIN retried:
 * fd, -errno, or -ENOSYS where openat2() cannot be used (then the walker). */
int gv_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
/* The directory that holds what rel names, reached through rel's last
 * component when it is a link (rel + "/..", resolved in the root): fd
 * (O_RDONLY | O_DIRECTORY) or -errno. */
int gv_open_parent(gpuvirt_ctx *ctx, const char *rel);
/* Open an existing regular file (O_RDONLY or O_WRONLY) without ever opening
 * anything else: a FIFO, socket or device node is -EMEDIUMTYPE ("Not a
 * regular file") with a message in ctx naming the file, a directory -EISDIR. */
int gv_open_regular(gpuvirt_ctx *ctx, const char *rel, int accmode);
/* "a FIFO", "a socket", ...: what a file that is not a regular one is. */
const char *gv_file_kind(mode_t mode);
/* Read a text attribute into buf (NUL-terminated). Returns length or -errno;
 * -EFBIG when it does not fit. */
ssize_t gv_read_text(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* Read up to size bytes of a binary file. Returns length or -errno. */
ssize_t gv_read_bin(gpuvirt_ctx *ctx, const char *rel, void *buf, size_t size);
/* Read up to size bytes of a regular file and its stat (a token's age). */
struct stat;
ssize_t gv_read_stat(gpuvirt_ctx *ctx, const char *rel, void *buf, size_t size, struct stat *st);
/* Read a link's target. Returns length or -errno (-EINVAL: not a link). */
ssize_t gv_readlink(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* Read a link and return its last component (e.g. the driver's name). */
ssize_t gv_readlink_base(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* 1 if rel exists (not following a final link), 0 if not, -errno otherwise. */
int gv_exists(gpuvirt_ctx *ctx, const char *rel);
/* Read the rest of an open file (EAGAIN retried, bounded): length or -errno. */
ssize_t gv_read_fd(int fd, void *buf, size_t size);
/* buf holds n bytes read into a buffer of size: NUL-terminate it; -EFBIG
 * when it filled the buffer, -EBADMSG when it holds a NUL. */
ssize_t gv_text_check(char *buf, size_t n, size_t size);

/* ---- a directory read once (sysfs-dir.c) ---- */
struct gv_dirent {
	const char *name;
	uint64_t head;	    /* the name's first 8 bytes, big-endian, NUL-padded: compared first */
	unsigned char type; /* DT_*, DT_UNKNOWN where the file system does not say */
};
struct gv_dir {
	int fd;		       /* O_RDONLY | O_DIRECTORY, opened contained */
	char rel[256];	       /* its path under the root, for messages */
	struct gv_dirent *ents; /* sorted by name */
	size_t count;
	char *pool; /* the names */
	size_t pool_len;
	bool listed; /* ents and count are its entries (else: opened only) */
};
/* Open and list rel (one contained open, its entries and their types). */
int gv_dir_open(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *dir);
/* Open rel without listing it: each name is then asked of the file system
 * (an absent one costs the failed call), see sysfs-dir.c. */
int gv_dir_open_unlisted(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *dir);
/* List a directory opened unlisted (nothing to do for a listed one). */
int gv_dir_list(gpuvirt_ctx *ctx, struct gv_dir *dir);
/* Open the folder `name` of an open directory, reached from its descriptor
 * (a link there goes the contained way from the root), and list it when
 * `list`. */
int gv_dir_open_sub(gpuvirt_ctx *ctx, const struct gv_dir *parent, const char *name, bool list, struct gv_dir *sub);
/* Open the folder `name` (one component, not "." or "..": else -EINVAL) of
 * an open directory from its descriptor, no link followed (a link is
 * -ELOOP or -ENOTDIR), unlisted and known as rel (its path from the root,
 * which messages name): 0 or -errno, never another way. */
int gv_dir_open_beneath(const struct gv_dir *parent, const char *name, const char *rel, struct gv_dir *sub);
/* Open, unlisted, the directory that holds what rel names (gv_open_parent),
 * known as rel + "/..". */
int gv_dir_open_parent(gpuvirt_ctx *ctx, const char *rel, struct gv_dir *dir);
void gv_dir_close(struct gv_dir *dir);
/* The DT_* type of an entry of a listed directory, or -ENOENT. No system
 * call. */
int gv_dir_type(const struct gv_dir *dir, const char *name);
/* gv_read_bin / gv_read_text / gv_readlink_base of dir->rel + "/" + name,
 * relative to the open directory: absent from a listing is -ENOENT with
 * no system call. */
ssize_t gv_dir_read(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *name, void *buf, size_t size);
ssize_t gv_dir_read_text(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *name, char *buf, size_t size);
ssize_t gv_dir_readlink_base(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *name, char *buf, size_t size);
/* gv_exists of dir->rel + "/" + sub; a first component not in the listing
 * is 0 with no system call. */
int gv_dir_exists(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *sub);
/* Sorted names of a directory's entries without "." and "..". */
int gv_list_dir(gpuvirt_ctx *ctx, const char *rel, char ***names, size_t *count);
/* Device directories held open for one operation (a bind, an unbind, under
 * its lock): while held, gv_open() of sys/bus/pci/devices/<bdf>/... resolves
 * the rest from the device's directory, opened once (RESOLVE_BENEATH; a
 * path that leads out of it goes the long way). Holds nest; the last
 * release closes them. */
void gv_devdirs_hold(gpuvirt_ctx *ctx);
void gv_devdirs_release(gpuvirt_ctx *ctx);
/* gv_open() through a held device directory, or -EOPNOTSUPP where rel is
 * not under one (or none is held). */
int gv_devdir_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode);
/* Write a sysfs attribute in one write(): 0 or the kernel's -errno. */
int gv_write_attr(gpuvirt_ctx *ctx, const char *rel, const char *value);
/* The same in a detached process, waited for at most timeout_ms: past it
 * -ETIMEDOUT, and *writer is the pid of the process still blocked in the
 * kernel (it ends when the kernel returns; nobody needs to reap it). */
int gv_write_attr_bounded(gpuvirt_ctx *ctx, const char *rel, const char *value, long timeout_ms, pid_t *writer);
/* mkdir -p under the root; the last component gets `mode`. */
int gv_mkdir_p(gpuvirt_ctx *ctx, const char *rel, mode_t mode);
/* Replace a file atomically: a temporary beside it, fsync, rename, fsync. */
int gv_write_file_atomic(gpuvirt_ctx *ctx, const char *rel, const char *content);
int gv_unlink(gpuvirt_ctx *ctx, const char *rel);

/* ---- this machine's own files (local.c) ---- */
/* A regular file of this machine named by an absolute path (a table the
 * caller chose), NUL-terminated; -EMEDIUMTYPE for anything but a regular file,
 * -EFBIG when it does not fit. */
ssize_t gv_read_local_file(const char *path, char *buf, size_t size);
/* The same, read whole into *out (malloc'ed, NUL-terminated, at most
 * GV_LOCAL_FILE_MAX bytes): a table, a listing, a state file the caller
 * named. Its length; a failure is recorded as "WHAT PATH: why". */
#define GV_LOCAL_FILE_MAX (1 << 20)
ssize_t gv_load_local_file(gpuvirt_ctx *ctx, const char *what, const char *path, char **out);
/* The same file mapped read-only (a database read in place: pci.ids);
 * -ENODATA when empty. Unmap with gv_unmap_local_file(). */
int gv_map_local_file(const char *path, const char **map, size_t *len);
void gv_unmap_local_file(const char *map, size_t len);
/* Start time of a process of this machine (not under the root): 0 when it
 * is gone (or a zombie: it has ended, only its parent has not reaped it),
 * UINT64_MAX when that cannot be told. */
uint64_t gv_process_start(pid_t pid);

/* "256 MiB", "32 GiB", "128 B": the largest unit that divides it. */
const char *gv_format_size(uint64_t bytes, char *buf, size_t size);
/* ---- string vectors (util.c) ---- */
struct gv_strv {
	char **v;
	size_t n;
};
int gv_strv_push(struct gv_strv *s, const char *str);
/* Append to buf (size bytes, *len of them used) what fmt makes, cut at the
 * end: *len stays below size, however much is appended. */
void gv_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...) GV_PRINTF(4, 5);
void gv_strv_free(struct gv_strv *s);
const char *gv_strv_get(const struct gv_strv *s, size_t i);

/* A hash index of positions in an array the caller owns (findings by
 * subject and code, verdicts by address): lookups in constant time, so that
 * a report over thousands of GPUs stays linear. Zero-initialised is empty. */
struct gv_index {
	size_t *pos;     /* position + 1; 0 is an empty slot */
	uint32_t *hash;
	size_t cap, n;
};
uint32_t gv_hash(const char *a, const char *b);
int gv_index_add(struct gv_index *ix, uint32_t hash, size_t pos);
/* The next position stored under `hash` (set *cursor to 0 first): true
 * while there is one. Positions whose keys merely collide come too: the
 * caller compares the keys. */
bool gv_index_next(const struct gv_index *ix, uint32_t hash, size_t *cursor, size_t *pos);
void gv_index_free(struct gv_index *ix);
void gv_names_free(char **names, size_t count);

/* ---- pure parsers of host text: parse.h ---- */
#include "parse.h"

/* ---- devices (device.c, device-iter.c) ---- */
/* What one pass over many devices reads once, not once per device. */
struct gv_load_hints {
	struct gv_dir driverctl; /* etc/driverctl.d listed */
	int driverctl_err;	 /* 0 (listed), -ENOENT (no records) or why it could not be listed */
	/* The last PF whose VFs' IDs were read: every VF of a PF has its
	 * vendor and VF device ID (the kernel sets them from the PF's SR-IOV
	 * capability), which a VF's config space reads as 0xffff. */
	char vf_pf[GV_BDF_LEN];
	uint16_t vf_vendor, vf_device;
	/* Every function is being read: the caller fills the IOMMU group
	 * members from their links (gv_device_add_group_member) instead of
	 * each device listing its group, and a PF's VFs from their physfn
	 * links (gv_device_add_vf) instead of its virtfnN links. */
	bool whole_pass;
	/* A whole pass's listing of sys/class/mdev_bus (sorted names), when
	 * mdev_listed: which functions are mdev parents, asked of none. */
	bool mdev_listed;
	char **mdev_parents;
	size_t n_mdev_parents;
	/* The directory of the bus ("DDDD:BB") whose functions are being read,
	 * when bus_open: each is opened there by its name (see device-iter.c). */
	char bus[GV_BUS_LEN + 1];
	bool bus_open;
	struct gv_dir bus_dir;
};
/* The pass's open directory of bdf's bus, or NULL (no pass, or its bus
 * not open). */
static inline struct gv_dir *gv_hints_bus_dir(struct gv_load_hints *h, const char *bdf)
{
	return h && h->bus_open && memcmp(h->bus, bdf, GV_BUS_LEN) == 0 ? &h->bus_dir : NULL;
}
/* Read one function (hints: NULL, or those of a pass). */
int gv_device_load(gpuvirt_ctx *ctx, const char *bdf, struct gv_load_hints *hints, gpuvirt_device **out);
int gv_device_read_group_members(gpuvirt_device *dev);
int gv_device_add_group_member(gpuvirt_device *dev, const char *bdf);
/* A VF of pf read in the same whole pass, added in address order (the
 * order of routing IDs, so of virtfnN); its vendor vGPU interface is the
 * PF's too. */
int gv_device_add_vf(gpuvirt_device *pf, const gpuvirt_device *vf);
/* A PF's VFs from its virtfnN links (a whole pass cut short). */
int gv_device_read_vfs(gpuvirt_device *dev);
/* Display controllers and processing accelerators (class 03xxxx, 1200xx). */
bool gv_class_is_gpu(uint32_t class_code);
/* A function a VM can take: not a bridge. */
bool gv_device_is_endpoint(const gpuvirt_device *dev);
/* Are the two functions of one GPU card: the GPU and its audio, USB-C, ...
 * (the same slot and vendor)? A chipset's functions in one slot are not. */
bool gv_device_is_companion(const gpuvirt_device *a, const gpuvirt_device *b);

/* ---- the vGPU table (vgpu.c) ---- */
int gv_vgpu_table_load(gpuvirt_ctx *ctx);
/* The table's entry for a device, or NULL (load the table first). */
const struct gv_vgpu_entry *gv_vgpu_lookup(gpuvirt_ctx *ctx, const gpuvirt_device *dev);

/* ---- state files: journals and records (parse-state.c parses them) ---- */
#define GV_DRIVER_LEN 64
#define GV_RESET_LEN 96
#define GV_KEY_LEN 96
#define GV_JOURNAL_MAX_DEVICES 64

/* One device a journal moves: its driver and override before the change. */
struct gv_member {
	char bdf[GV_BDF_LEN];
	char driver[GV_DRIVER_LEN];   /* "" when it had none */
	char override[GV_DRIVER_LEN]; /* "" when none */
	/* Its reset_method before the move set device_specific (a reset quirk
	 * with vendor-reset loaded): the methods, comma-separated, "-" for
	 * none; "" when the move leaves reset_method alone. */
	char reset[GV_RESET_LEN];
};
/* What holds the boot VGA for the host console (console.c), released by a
 * move before its devices and given back after them: a vtcon bound to a
 * frame buffer device, or the platform framebuffer sysfb made from the
 * firmware's (efi-framebuffer.0 on efi-framebuffer, simple-framebuffer.0,
 * vesa-framebuffer.0). */
#define GV_HANDOVER_MAX 8
enum gv_handover_kind { GV_HANDOVER_VTCON = 1, GV_HANDOVER_FRAMEBUFFER = 2 };
struct gv_handover {
	int kind;
	char name[48];		    /* vtcon1, efi-framebuffer.0 */
	char driver[GV_DRIVER_LEN]; /* a framebuffer's platform driver; "" for a vtcon */
};
enum gv_journal_kind { GV_JOURNAL_BIND = 1, GV_JOURNAL_CREATE = 2, GV_JOURNAL_VFS = 3 };
enum gv_journal_state {
	GV_STATE_BINDING = 1,	 /* devices moving to target: a crash undoes it */
	GV_STATE_BOUND = 2,	 /* done: the originals, for unbind */
	GV_STATE_UNBINDING = 3,	 /* devices going back: recovery finishes it */
	GV_STATE_CREATING = 4,	 /* an instance being made: a crash removes it */
	GV_STATE_DESTROYING = 5, /* an instance being released: recovery finishes it */
	GV_STATE_ENABLING = 6,	 /* a PF's VFs being enabled with its autoprobe off: recovery turns it on */
};
/* The journal of one change to the host, run/gpuvirt/<name>.journal. */
struct gv_journal {
	int version, kind, state;
	long pid;	/* the process at work on it; 0: nobody */
	uint64_t start; /* its start time, so a reused pid is not taken for it */
	char key[GV_KEY_LEN];	      /* the lock it is written under */
	char target[GV_DRIVER_LEN]; /* the driver the devices move to */
	struct gv_member dev[GV_JOURNAL_MAX_DEVICES]; /* the originals, for unbind */
	size_t ndev;
	/* while binding over an earlier bind (vfio-pci -> pciback): where the
	 * devices were right before, which a rollback returns them to */
	struct gv_member before[GV_JOURNAL_MAX_DEVICES];
	size_t nbefore;
	/* what the move released for the host console, given back after the
	 * devices (journal lines "handover vtcon vtcon1 -") */
	struct gv_handover handover[GV_HANDOVER_MAX];
	size_t nhandover;
	/* kind create */
	char uuid[37];
	int mechanism; /* enum gpuvirt_mechanism */
	char parent[GV_BDF_LEN], mdev_parent[GV_DRIVER_LEN], profile[GV_DRIVER_LEN], vf[GV_BDF_LEN];
};
/* Strict: -EBADMSG for anything damaged (see parse-state.c). */
int gv_parse_journal(const char *buf, size_t len, struct gv_journal *j);
/* Length written, or -ENAMETOOLONG / -EINVAL. */
int gv_format_journal(const struct gv_journal *j, char *buf, size_t size);
const char *gv_journal_state_name(int state);
/* "vtcon", "framebuffer" for GV_HANDOVER_*; NULL for another. */
const char *gv_handover_kind_name(int kind);
/* "mdev", "nvidia-vendor", "sriov-vf" for GPUVIRT_MECHANISM_*. */
const char *gv_state_mechanism_name(int mechanism);
/* The record of a VF-based instance, run/gpuvirt/instances/<uuid>. */
struct gv_record {
	int mechanism;
	char parent[GV_BDF_LEN], profile[GV_DRIVER_LEN], vf[GV_BDF_LEN], name[96];
};
int gv_parse_record(const char *buf, size_t len, struct gv_record *rec);
int gv_format_record(const struct gv_record *rec, char *buf, size_t size);
/* The desired host state (parse-persist.c; docs/persistence.md): one
 * object per file under etc/gpuvirt/, or many in a declarative file. */
enum gv_want_kind { GV_WANT_VFS = 1, GV_WANT_BINDING = 2, GV_WANT_INSTANCE = 3 };
struct gv_want {
	int kind;
	char device[GV_DRIVER_LEN]; /* vfs: the PF; binding: the device; instance: its parent */
	int count;		    /* vfs */
	char driver[GV_DRIVER_LEN]; /* binding */
	char uuid[37];		    /* instance */
	int mechanism;
	char profile[GV_DRIVER_LEN], vf[GV_BDF_LEN], owner[64];
	/* as loaded from etc/gpuvirt/ (persist.c): the file, and for a file
	 * that could not be read or parsed (kind 0) why */
	char source[160], error[200];
};
const char *gv_want_kind_name(int kind);
/* One object file; -EBADMSG with the reason in why. */
int gv_parse_want(const char *buf, size_t len, struct gv_want *w, char *why, size_t wsize);
/* A declarative file ({"version": 1, "objects": [...]}, or one object):
 * *out malloc'd. */
int gv_parse_wants(const char *buf, size_t len, struct gv_want **out, size_t *count, char *why, size_t wsize);
/* Length written, or -ENAMETOOLONG / -EINVAL / -ENOMEM. */
int gv_format_want(const struct gv_want *w, char *buf, size_t size);
int gv_format_wants(const struct gv_want *w, size_t n, char *buf, size_t size);
/* Fields 3 (state: 'R', 'S', 'Z' ...) and 22 (start time) of /proc/<pid>/stat. */
int gv_parse_proc_stat_start(const char *buf, size_t len, char *state, uint64_t *start);
bool gv_valid_driver_name(const char *s, size_t len);
bool gv_valid_key(const char *k, size_t len);

/* ---- the mutation layer: the only code that changes the host ----
 * lock.c    locks per IOMMU group / card / parent GPU, with the holder's pid
 * journal.c journals and instance records, written atomically
 * holders.c who holds a device, group or instance
 * mutate.c  the one writer and the verified operations built on it
 * move.c    moving devices between drivers as one journaled transaction
 * recover.c finishing what a dead process left, only when asked */

/* lock.c: run/lock/gpuvirt/<key>.lock */
int gv_lock_take(gpuvirt_ctx *ctx, const char *key, bool wait, int *fd_out);
void gv_lock_release(int fd);
/* Make a state directory (0700 for the last component) and check that it is
 * a real directory owned by root or us and writable by nobody else. */
int gv_state_dir(gpuvirt_ctx *ctx, const char *rel, mode_t mode);
/* Is the process that wrote a journal still running? */
bool gv_owner_alive(long pid, uint64_t start);

/* journal.c: run/gpuvirt/<name>.journal */
/* -ENOENT when there is none; -EBADMSG (message names the file) when damaged. */
int gv_journal_read(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j);
/* Write with our pid (or `owner` when not 0), atomically. */
int gv_journal_write(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j);
int gv_journal_remove(gpuvirt_ctx *ctx, const char *name);
/* The journal of an instance being made, run/gpuvirt/create-<uuid>.journal,
 * written under the parent GPU's lock (gpu-<parent>). */
int gv_journal_begin_create(gpuvirt_ctx *ctx, const char *uuid, int mechanism, const char *parent,
			    const char *mdev_parent, const char *profile, const char *vf);
int gv_journal_end_create(gpuvirt_ctx *ctx, const char *uuid);
/* The journal of a PF's VFs being enabled with its sriov_drivers_autoprobe
 * off (run/gpuvirt/gpu-<pf>.journal, kind vfs): recovery turns it on. */
int gv_journal_begin_vfs(gpuvirt_ctx *ctx, const char *pf);
int gv_journal_end_vfs(gpuvirt_ctx *ctx, const char *pf);
/* Hand an unfinished journal over: owner 0 (recovery may finish it) or the
 * pid of a writer still blocked in the kernel. */
int gv_journal_hand_over(gpuvirt_ctx *ctx, const char *name, struct gv_journal *j, pid_t writer);
int gv_record_read(gpuvirt_ctx *ctx, const char *uuid, struct gv_record *rec);
int gv_record_write(gpuvirt_ctx *ctx, const char *uuid, const struct gv_record *rec);
int gv_record_remove(gpuvirt_ctx *ctx, const char *uuid);
/* The vendor types (NVIDIA's creatable_vgpu_types lines) a PF's VFs offered
 * while it ran no instance, kept under run/gpuvirt/vendor-types/<pf> by the
 * create that starts using it: once the GPU runs a type, the driver lists
 * only that one, and these are the others to name. -ENOENT when none. */
int gv_vendor_types_write(gpuvirt_ctx *ctx, const char *pf, const char *text);
ssize_t gv_vendor_types_read(gpuvirt_ctx *ctx, const char *pf, char *buf, size_t size);
/* The uuid of the record for a VF, into out[37] ("" when none). */
int gv_record_for_vf(gpuvirt_ctx *ctx, const char *vf, char out[37]);

/* persist.c: the desired state under etc/gpuvirt/ (docs/persistence.md) */
struct gv_wants {
	struct gv_want *v;
	size_t n;
};
int gv_wants_add(struct gv_wants *w, const struct gv_want *one);
void gv_wants_free(struct gv_wants *w);
/* Every object of etc/gpuvirt/; a file that cannot be read or parsed is an
 * object of kind 0 with its error (never skipped, never taken as absent).
 * A negative errno only when a folder cannot be listed. */
int gv_persist_load(gpuvirt_ctx *ctx, struct gv_wants *out);
/* A declarative file of this machine (an absolute path). */
int gv_persist_load_file(gpuvirt_ctx *ctx, const char *path, struct gv_wants *out);
/* etc/gpuvirt/<bindings|vfs|instances>/<name>.json */
int gv_persist_rel(int kind, const char *name, char *rel, size_t size);
/* One object's file: 0, -ENOENT, or an error naming it (-EBADMSG damaged). */
int gv_persist_get(gpuvirt_ctx *ctx, int kind, const char *name, struct gv_want *w);
/* Write (atomically) or remove one object's file. */
int gv_persist_put(gpuvirt_ctx *ctx, const struct gv_want *w);
int gv_persist_remove(gpuvirt_ctx *ctx, int kind, const char *name);
/* The PF's VF count as it is now, when dev is a VF (its binding or
 * instance needs the VF to exist after a reboot); 0 when not a VF. */
int gv_persist_vfs_of(gpuvirt_ctx *ctx, const char *dev);

/* holders.c: who holds a device (see there) */
enum gv_holder_kind { GV_HOLDER_PROCESS = 1, GV_HOLDER_INSTANCE = 2, GV_HOLDER_VF = 3 };
struct gv_holder {
	int kind;
	char device[37]; /* the device held: a BDF, or an mdev's UUID */
	long pid;		 /* a process, or one holding a VF */
	char comm[32];
	char path[96]; /* the node it has open, or where an instance lives */
	char uuid[37]; /* an instance's UUID; for GV_HOLDER_VF the VF */
	bool vm;       /* a VM's (VFIO, instance, VF): force never overrides */
};
struct gv_holders {
	struct gv_holder *v;
	size_t n;
};
int gv_holders_collect(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, struct gv_holders *out);
/* Scan the processes' open files once and answer from that until turned
 * off (a run of checks, which asks for every GPU): on or off. */
int gv_holders_snapshot(gpuvirt_ctx *ctx, bool on);
void gv_holders_free(struct gv_holders *h);
void gv_holder_describe(const struct gv_holder *x, char *out, size_t size);
/* The holders of the members that would leave their driver (all when
 * target is ""). */
int gv_holders_of_members(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n, const char *target,
			  struct gv_holders *out);
/* "BDF: description; ..." of the VM's holders (vm) or the host's; "" when none. */
void gv_holders_list(const struct gv_holders *h, bool vm, char *out, size_t size);
/* The two refusals' words, shared by the plan (unit.c) and the change (move.c). */
#define GV_HOLDERS_VM_FMT "a VM is using it: %s (nothing overrides that)"
#define GV_HOLDERS_HOST_FMT "the host is using it: %s; GPUVIRT_BIND_FORCE (--force) takes it anyway"
/* -EBUSY naming each holder of the devices that leave their driver (all of
 * them when target is ""); force overrides only the host's own use. */
int gv_holders_refuse(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n, const char *target, bool force);
/* Processes with an instance open: an mdev's (by UUID) or a VF's VFIO nodes. */
int gv_instance_holders(gpuvirt_ctx *ctx, const char *uuid_or_vf, struct gv_holders *out);
/* After a write timed out: name the holders of the devices, if any can be
 * seen now, after the message already in ctx. */
void gv_holders_append(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n);
/* The public iterator over a collection of holders (copied). */
int gv_holder_iter_from(const struct gv_holders *h, gpuvirt_holder_iter **out);
/* -EBUSY naming them; nothing overrides that. */
int gv_instance_holders_refuse(gpuvirt_ctx *ctx, const char *uuid_or_vf);

/* mutate.c: every write to the host */
/* Write value to a sysfs attribute for `subject` (a BDF, a UUID): logged,
 * the generation bumped, a failure named (subject, file, errno). */
int gv_mut_write(gpuvirt_ctx *ctx, const char *subject, const char *rel, const char *value);
/* The same for a write the kernel may block (unbind, mdev remove,
 * sriov_numvfs): bounded by the context's write timeout. On -ETIMEDOUT
 * *writer is the process still blocked. */
int gv_mut_write_bounded(gpuvirt_ctx *ctx, const char *subject, const char *rel, const char *value, pid_t *writer);
/* A state file (driverctl's, mdevctl's): its folder made, written atomically. */
int gv_mut_put_file(gpuvirt_ctx *ctx, const char *rel, const char *content);
int gv_mut_remove_file(gpuvirt_ctx *ctx, const char *rel);
/* A device's driver ("" none) and override, read now. */
int gv_mut_driver(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size);
int gv_mut_override(gpuvirt_ctx *ctx, const char *bdf, char *out, size_t size);
int gv_mut_set_override(gpuvirt_ctx *ctx, const char *bdf, const char *driver);
/* Set reset_method (methods separated by blanks or commas; "-" for none)
 * and verify the kernel took it. */
int gv_mut_reset_method(gpuvirt_ctx *ctx, const char *bdf, const char *methods);
int gv_mut_unbind(gpuvirt_ctx *ctx, const char *bdf, const char *driver, pid_t *writer);
/* drivers_probe; expect: the driver that must take it, or NULL. */
int gv_mut_probe(gpuvirt_ctx *ctx, const char *bdf, const char *expect);
int gv_mut_bind_to(gpuvirt_ctx *ctx, const char *bdf, const char *driver);
/* A vtcon's bind (0 or 1), written within the write timeout and read back. */
int gv_mut_vtcon_bind(gpuvirt_ctx *ctx, const char *vtcon, int bind, pid_t *writer);
/* A platform device bound to (bind) or released from its driver, verified
 * by its driver link. */
int gv_mut_platform_bind(gpuvirt_ctx *ctx, const char *dev, const char *driver, bool bind, pid_t *writer);
/* Put a device back on its original driver and override. */
int gv_mut_restore(gpuvirt_ctx *ctx, const struct gv_member *m, const char *target, pid_t *writer);
int gv_mut_mdev_create(gpuvirt_ctx *ctx, const char *parent, const char *type, const char *uuid);
int gv_mut_mdev_remove(gpuvirt_ctx *ctx, const char *uuid, pid_t *writer);
/* NVIDIA's vendor interface: nvidia/current_vgpu_type of a VF (0 releases). */
int gv_mut_vendor_type(gpuvirt_ctx *ctx, const char *vf, long id);
long gv_mut_read_vendor_type(gpuvirt_ctx *ctx, const char *vf);
int gv_mut_sriov_numvfs(gpuvirt_ctx *ctx, const char *pf, int count);
/* Enable count VFs with the PF's sriov_drivers_autoprobe off meanwhile:
 * they come up without a host driver, for VMs. */
int gv_mut_enable_vfs(gpuvirt_ctx *ctx, const char *pf, int count);
/* Wait for a file under the root (udev where the root is "/"). */
int gv_mut_wait_for(gpuvirt_ctx *ctx, const char *rel, long timeout_ms);

struct gv_modules;
/* move.c: devices to a driver and back, as one journaled transaction */
struct gv_step {
	char *device, *action, *path, *value;
};
struct gv_move {
	char key[GV_KEY_LEN];
	char target[GV_DRIVER_LEN];
	char module[GV_DRIVER_LEN]; /* loaded first, "" when the driver is there */
	int group;
	uint32_t flags; /* GPUVIRT_BIND_* */
	bool vfio;	/* the target is vfio-pci or a variant of it: /dev/vfio/<group> follows */
	struct gv_member *members;
	size_t nmembers;
	struct gv_handover handover[GV_HANDOVER_MAX]; /* released first (console, framebuffer steps) */
	size_t nhandover;
	char vga[GV_BDF_LEN]; /* the boot VGA member they hold */
	struct gv_step *steps;
	size_t nsteps;
};
/* The steps that move m's members to its target (modprobe, override,
 * new_slot, unbind, probe, wait, persist). */
int gv_move_plan(gpuvirt_ctx *ctx, struct gv_move *m, struct gv_modules *mods);
void gv_move_free(struct gv_move *m);
/* Lock, refuse if a holder would lose a device, journal, run, verify, roll
 * back on failure. */
int gv_move_apply(gpuvirt_ctx *ctx, struct gv_move *m);
/* Put every device of a set back on its driver and override, last first
 * (stops at a write that timed out: *writer is its process). */
int gv_move_restore_all(gpuvirt_ctx *ctx, const struct gv_member *set, size_t n, const char *target, pid_t *writer);
/* Give the devices of `key` back to the drivers its journal names (or, with
 * none, clear vfio-pci/pciback and let the kernel choose). */
int gv_move_undo(gpuvirt_ctx *ctx, const struct gv_move *m);
/* The lock key of a device's moves: group-N for its IOMMU group, or
 * card-DDDD:BB:DD without one. */
void gv_move_key(gpuvirt_ctx *ctx, const char *bdf, char *key, size_t size, int *group);
/* The same for a group already read (a device just loaded): no read. */
void gv_move_key_for(int group, const char *bdf, char *key, size_t size);

/* unit.c: the devices a passthrough move takes, and what refuses it (one
 * table for the bind plan and the check verdict) */
struct gv_refusal {
	char code[48];	    /* the finding code it appears under ("gpu.boot_vga") */
	int err;	    /* what bind returns */
	uint32_t lifted_by; /* GPUVIRT_BIND_* flags that lift it; 0: nothing does */
	char message[900];
};
struct gv_unit {
	char key[GV_KEY_LEN];
	char target[GV_DRIVER_LEN];
	int group;
	struct gv_member *members;
	size_t nmembers;
	struct gv_refusal *refusals; /* every one, whatever the flags */
	size_t nrefusals;
	struct gv_holders holders; /* of the members that would change drivers */
	bool vendor_reset;	   /* vendor-reset is loaded: quirked members get device_specific */
	struct gv_handover handover[GV_HANDOVER_MAX]; /* what holds a boot VGA member for the console */
	size_t nhandover;
	char vga[GV_BDF_LEN]; /* that member */
};
/* target "kvm" is vfio-pci, or the variant driver modules.alias offers
 * for every member (u->target says which). */
int gv_unit_assess(gpuvirt_ctx *ctx, gpuvirt_device *dev, const char *target, struct gv_modules *mods,
		   struct gv_unit *u);
/* The vfio-pci variant driver modules.alias offers for every member (the
 * most specific "vfio_pci:" alias, libvirt 10's choice) into out, or "". */
int gv_unit_variant(gpuvirt_ctx *ctx, const struct gv_unit *u, struct gv_modules *mods, char *out, size_t size);
/* The first refusal the flags do not lift, or NULL: the move may proceed. */
const struct gv_refusal *gv_unit_refusal(const struct gv_unit *u, uint32_t flags);
void gv_unit_free(struct gv_unit *u);

/* instance.c (for restore): make the instance w describes, with its UUID,
 * on its parent and (where it names one) VF: GPUVIRT_INSTANCE_* flags. */
int gv_instance_restore(gpuvirt_ctx *ctx, const struct gv_want *w, uint32_t flags);

/* recover.c */
int gv_recover_all(gpuvirt_ctx *ctx);

/* ---- kernel modules (modules.c) ---- */
enum gv_module_state { GV_MODULE_UNKNOWN, GV_MODULE_MISSING, GV_MODULE_AVAILABLE, GV_MODULE_BUILTIN, GV_MODULE_LOADED };
/* The running release's module lists, read once for a run of checks or a plan. */
struct gv_modules {
	char release[128];
	char *dep, *builtin, *alias; /* NULL when unreadable; alias read on first use */
	size_t dep_len, builtin_len, alias_len;
	bool alias_read;
	/* sys/module/X and sys/bus/pci/drivers/X as last seen, while the
	 * context's generation stands (a memo: a check looks once per run, not
	 * once per GPU); NULL when it could not be allocated. */
	struct gv_modules_seen *seen;
};
void gv_modules_open(gpuvirt_ctx *ctx, struct gv_modules *m);
void gv_modules_close(struct gv_modules *m);
/* State of a module ("vfio-pci" or "vfio_pci"). */
int gv_module_state(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *module);
/* Does the module's ID table (modules.alias) cover a device's modalias?
 * 1 yes, 0 no, -ENOENT when it cannot be told. */
int gv_module_handles(gpuvirt_ctx *ctx, struct gv_modules *m, const char *module, const char *modalias);
/* The vfio-pci variant driver modules.alias offers for a modalias
 * (gv_parse_vfio_variant()), or -ENOENT. */
int gv_module_vfio_variant(gpuvirt_ctx *ctx, struct gv_modules *m, const char *modalias, char *module, size_t size);
/* Run a host program and capture its standard output (NUL-terminated). */
int gv_run_capture(gpuvirt_ctx *ctx, const char *prog, char *const argv[], char *out, size_t size, int timeout_ms);
/* The module that provides a PCI driver ("pciback" -> "xen-pciback"). */
const char *gv_module_of_driver(const char *driver);
/* Is the PCI driver registered (sys/bus/pci/drivers/<driver>)? */
bool gv_driver_loaded(gpuvirt_ctx *ctx, const char *driver);
/* Does the kernel give VFIO devices cdevs (/dev/vfio/devices/vfioN: Linux
 * 6.6+ with CONFIG_VFIO_DEVICE_CDEV)? proc/devices lists "vfio-dev" then.
 * Linux 6.1 to 6.5 show vfio-dev/vfioN in sysfs without a node. 1, 0 or a
 * negative errno (named in the log). */
int gv_vfio_cdevs(gpuvirt_ctx *ctx);
/* A PCI driver's state as binding sees it: GV_MODULE_LOADED when it is
 * registered, else its module's state (a module loaded without the driver
 * counts as available: binding runs modprobe). */
int gv_driver_state(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *driver);
/* Load a module with the context's modprobe: 0 or a negative errno. */
int gv_modprobe(gpuvirt_ctx *ctx, const char *module);

/* ---- the host console on the boot VGA (console.c) ---- */
/* What holds dev (a boot VGA) for the console, into out[*n] (at most
 * GV_HANDOVER_MAX; 0 found when dev is not the boot VGA). */
int gv_console_claims(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_handover *out, size_t *n);
/* "vtcon1 (fbcon), efi-framebuffer.0 on efi-framebuffer" for messages. */
void gv_console_describe(const struct gv_handover *h, size_t n, char *out, size_t size);
/* Release one (a move's console and framebuffer steps). */
int gv_console_release(gpuvirt_ctx *ctx, const struct gv_handover *h, pid_t *writer);
/* Give back what a move released, last first, what is still released;
 * the first failure is returned (a timed-out write stops it: *writer). */
int gv_console_give_back(gpuvirt_ctx *ctx, const struct gv_handover *h, size_t n, pid_t *writer);

/* A table of devices (src/data/): "VENDOR DEVICE[-LAST] WORD NAME" lines,
 * IDs four hex digits, WORD one of words[] (NULL-terminated; its index into
 * kind), comments after '#'. The first line for the device, -ENOENT for
 * none, -EBADMSG (with *bad_line) for a line that is not one; every line up
 * to the match is checked. */
struct gv_id_entry {
	uint16_t vendor, first, last;
	int kind;
	char name[64];
};
int gv_parse_id_table(const char *buf, size_t len, const char *const *words, uint16_t vendor, uint16_t device,
		      struct gv_id_entry *out, size_t *bad_line);
/* The reset quirk table (src/data/reset-quirks.txt): WORD vendor-reset or
 * no-reset. */
enum gv_quirk_kind { GV_QUIRK_VENDOR_RESET = 0, GV_QUIRK_NO_RESET = 1 };
int gv_parse_reset_quirk(const char *buf, size_t len, uint16_t vendor, uint16_t device, struct gv_id_entry *out,
			 size_t *bad_line);
/* The MIG table (src/data/mig-devices.txt): WORD the GPU's compute slices,
 * "1" to "8" (out->kind is the count). */
int gv_parse_mig_device(const char *buf, size_t len, uint16_t vendor, uint16_t device, struct gv_id_entry *out,
			size_t *bad_line);

/* quirks.c: the built-in table's line for a device (-ENOENT: none). */
int gv_reset_quirk_find(gpuvirt_ctx *ctx, const gpuvirt_device *dev, struct gv_id_entry *q);
const char *gv_reset_quirk_kind_name(int kind);

/* ---- MIG on NVIDIA's GPUs, as the driver shows it (mig.c) ---- */
enum gv_mig_mode {
	GV_MIG_UNKNOWN = 0,
	GV_MIG_OFF = 1,	     /* the VFs offer time-sliced types */
	GV_MIG_ON = 2,	     /* GPU instances exist, or the VFs offer MIG-backed types */
	GV_MIG_ON_EMPTY = 3, /* the VFs offer nothing and run nothing: on, without GPU instances */
};
struct gv_mig {
	int slices; /* the GPU's compute slices (the MIG table); 0: not a MIG GPU */
	int mode;   /* enum gv_mig_mode */
	long minor; /* the driver's, -1 unknown */
	bool caps;  /* proc/driver/nvidia/capabilities/gpu<minor>/mig is there */
	/* GPU instances, by ID ascending: the driver's IDs, with what the
	 * caller's nvidia-smi listing says of each (slices 0: it says nothing);
	 * the listing's alone where the driver has no capability files. */
	struct gv_mig_gi gis[GV_MIG_MAX_GIS];
	size_t ngis;
	bool listed;	 /* the caller's listing has this GPU */
	int listed_mode; /* and says MIG mode is: 1 on, 0 off, -1 (or not listed) nothing */
	uint32_t offered; /* bit s: a MIG-backed type of s slices is creatable on a VF */
	bool time_sliced; /* a time-sliced type is creatable on a VF */
	size_t vfs, active; /* VFs with the vendor's files; those running a vGPU */
};
int gv_mig_read(gpuvirt_ctx *ctx, gpuvirt_device *dev, struct gv_mig *m);

#endif
