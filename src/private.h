/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the library's source files share. Nothing here is public. */
#ifndef GPUVIRT_PRIVATE_H
#define GPUVIRT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gpuvirt/gpuvirt.h>

#define GPUVIRT_EXPORT __attribute__((visibility("default")))
#define GV_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* A PCI address in canonical form: "dddd:bb:dd.f" plus NUL. */
#define GV_BDF_LEN 13

/* ---- context (ctx.c) ---- */
struct pci_access;
struct gv_vgpu_entry;

struct gpuvirt_ctx {
	int refcount;
	char *root;  /* canonical absolute path, "/" or without trailing slash */
	int root_fd; /* O_PATH directory fd of root */
	gpuvirt_log_fn log_fn;
	void *log_userdata;
	int log_priority;
	char error[1024];
	struct pci_access *pacc; /* libpci, made on first name lookup */
	bool pacc_failed;
	struct gv_vgpu_entry *vgpu_table; /* NULL: the default, loaded on first use */
	size_t vgpu_count;
	char *modprobe; /* NULL: /sbin/modprobe when the root is "/" */
};

void gv_log(gpuvirt_ctx *ctx, int priority, const char *fmt, ...) GV_PRINTF(3, 4);
/* Record a failure message in ctx (and log it at debug); returns err. */
int gv_fail(gpuvirt_ctx *ctx, int err, const char *fmt, ...) GV_PRINTF(3, 4);
void gv_clear_error(gpuvirt_ctx *ctx);

#define gv_debug(ctx, ...) gv_log(ctx, 7, __VA_ARGS__)
#define gv_info(ctx, ...) gv_log(ctx, 6, __VA_ARGS__)
#define gv_warn(ctx, ...) gv_log(ctx, 4, __VA_ARGS__)

/* libpci name lookup (names.c); NULL when unknown. Result is malloc'ed. */
char *gv_pci_vendor_name(gpuvirt_ctx *ctx, uint16_t vendor);
char *gv_pci_device_name(gpuvirt_ctx *ctx, uint16_t vendor, uint16_t device);
/* "USB controller" for class 0x0c0330 (base and subclass), or NULL. */
char *gv_pci_class_name(gpuvirt_ctx *ctx, uint32_t class_code);
void gv_pci_names_free(gpuvirt_ctx *ctx);

/* ---- root-relative file access (sysfs.c): the only code that opens host files ---- */
/* Build a root-relative path; refuses absolute paths, "..", empty components'
 * tricks and overlong results. Returns 0 or -EINVAL / -ENAMETOOLONG. */
int gv_path(char *buf, size_t size, const char *fmt, ...) GV_PRINTF(3, 4);
int gv_path_is_safe(const char *rel);
/* Tests only: resolve paths with the userspace walker instead of openat2(). */
void gv_sysfs_force_fallback(bool on);
/* Open rel under the root; symlinks resolve inside the root. Returns fd or -errno. */
int gv_open(gpuvirt_ctx *ctx, const char *rel, int flags, mode_t mode);
/* Read a text attribute into buf (NUL-terminated). Returns length or -errno;
 * -EFBIG when it does not fit. */
ssize_t gv_read_text(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* Read up to size bytes of a binary file. Returns length or -errno. */
ssize_t gv_read_bin(gpuvirt_ctx *ctx, const char *rel, void *buf, size_t size);
/* Read a link's target. Returns length or -errno (-EINVAL: not a link). */
ssize_t gv_readlink(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* Read a link and return its last component (e.g. the driver's name). */
ssize_t gv_readlink_base(gpuvirt_ctx *ctx, const char *rel, char *buf, size_t size);
/* 1 if rel exists (not following a final link), 0 if not, -errno otherwise. */
int gv_exists(gpuvirt_ctx *ctx, const char *rel);
/* Sorted names of a directory's entries without "." and "..". */
int gv_list_dir(gpuvirt_ctx *ctx, const char *rel, char ***names, size_t *count);
/* Write a sysfs attribute in one write(): 0 or the kernel's -errno. */
int gv_write_attr(gpuvirt_ctx *ctx, const char *rel, const char *value);
/* mkdir -p under the root. */
int gv_mkdir_p(gpuvirt_ctx *ctx, const char *rel);
/* Replace a file atomically: a temporary beside it, fsync, rename, fsync. */
int gv_write_file_atomic(gpuvirt_ctx *ctx, const char *rel, const char *content);
int gv_unlink(gpuvirt_ctx *ctx, const char *rel);

/* ---- string vectors (util.c) ---- */
struct gv_strv {
	char **v;
	size_t n;
};
int gv_strv_push(struct gv_strv *s, const char *str);
void gv_strv_free(struct gv_strv *s);
const char *gv_strv_get(const struct gv_strv *s, size_t i);
void gv_names_free(char **names, size_t count);

/* ---- devices (device.c) ---- */
/* Processes holding the device's DRM nodes open, as "card1 by pid 812
 * (Xorg)", comma-separated; "" when none. */
void gv_device_drm_users(const gpuvirt_device *dev, char *out, size_t size);
/* Are the two functions of one GPU card: the GPU and its audio, USB-C, ...
 * (the same slot and vendor)? A chipset's functions in one slot are not. */
bool gv_device_is_companion(const gpuvirt_device *a, const gpuvirt_device *b);

/* ---- checks (check.c): the vGPU table ---- */
int gv_vgpu_table_load(gpuvirt_ctx *ctx);
/* The table's entry for a device, or NULL (load the table first). */
const struct gv_vgpu_entry *gv_vgpu_lookup(gpuvirt_ctx *ctx, const gpuvirt_device *dev);

/* ---- binding (bind.c): locks under run/lock/gpuvirt/<key>.lock ---- */
int gv_lock_take(gpuvirt_ctx *ctx, const char *key, bool wait, int *fd_out);
void gv_lock_release(int fd);

/* ---- profiles (profile.c) ---- */
/* Remove instances whose creation was cut short; the number recovered. */
int gv_instance_recover(gpuvirt_ctx *ctx);

/* ---- kernel modules (modules.c) ---- */
enum gv_module_state { GV_MODULE_UNKNOWN, GV_MODULE_MISSING, GV_MODULE_AVAILABLE, GV_MODULE_BUILTIN, GV_MODULE_LOADED };
/* The running release's module lists, read once for a run of checks or a plan. */
struct gv_modules {
	char release[128];
	char *dep, *builtin, *alias; /* NULL when unreadable; alias read on first use */
	size_t dep_len, builtin_len, alias_len;
	bool alias_read;
};
void gv_modules_open(gpuvirt_ctx *ctx, struct gv_modules *m);
void gv_modules_close(struct gv_modules *m);
/* State of a module ("vfio-pci" or "vfio_pci"). */
int gv_module_state(gpuvirt_ctx *ctx, const struct gv_modules *m, const char *module);
/* Does the module's ID table (modules.alias) cover a device's modalias?
 * 1 yes, 0 no, -ENOENT when it cannot be told. */
int gv_module_handles(gpuvirt_ctx *ctx, struct gv_modules *m, const char *module, const char *modalias);
/* Run a host program and capture its standard output (NUL-terminated). */
int gv_run_capture(gpuvirt_ctx *ctx, const char *prog, char *const argv[], char *out, size_t size, int timeout_ms);
/* Load a module with the context's modprobe: 0 or a negative errno. */
int gv_modprobe(gpuvirt_ctx *ctx, const char *module);

/* ---- pure parsers of host text (parse.c) ---- */
/* "0x10de\n" or "10de": a hex number of at most max; trailing whitespace allowed. */
int gv_parse_hex(const char *buf, size_t len, uint32_t max, uint32_t *out);
/* A decimal integer (optionally negative) in [min, max]. */
int gv_parse_int(const char *buf, size_t len, long min, long max, long *out);
/* Canonicalise "DDDD:BB:DD.F" or "BB:DD.F" (any case) into out[GV_BDF_LEN]. */
int gv_parse_bdf(const char *in, char out[GV_BDF_LEN]);
/* Split a whitespace-separated list ("flr bus"), appending each word. */
int gv_parse_words(const char *buf, size_t len, struct gv_strv *out);
/* Value of `driver_override`: copies the name or "" for "(null)"/empty. */
int gv_parse_override(const char *buf, size_t len, char *out, size_t size);
/* Identity from the first 64 bytes of config space. */
struct gv_pci_ids {
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code;
	uint8_t revision, header_type;
	bool has_subsystem;
};
int gv_parse_config(const uint8_t *cfg, size_t len, struct gv_pci_ids *ids);

/* The vGPU support table: "VVVV DDDD SVID SDID MECHANISM NAME" lines, IDs in
 * hex or "*" (subsystem only), comments after '#'. */
enum gv_vgpu_mechanism {
	GV_VGPU_NVIDIA_LEGACY = 0, /* mdev on the PF: M10 ... T4, V100 */
	GV_VGPU_NVIDIA_SRIOV = 1,  /* Ampere and later: VFs, vendor sysfs or mdev */
	GV_VGPU_AMD_MXGPU = 2,
	GV_VGPU_INTEL_GVTG = 3,
	GV_VGPU_INTEL_SRIOV = 4,
};
struct gv_vgpu_entry {
	uint16_t vendor, device;
	int32_t subsystem_vendor, subsystem_device; /* -1: any */
	int mechanism;				    /* enum gv_vgpu_mechanism */
	char name[64];
};
const char *gv_vgpu_mechanism_name(enum gv_vgpu_mechanism m);
/* Parse the table (malloc'd *entries); -EBADMSG with *bad_line on a bad line. */
int gv_parse_vgpu_table(const char *buf, size_t len, struct gv_vgpu_entry **entries, size_t *count,
			size_t *bad_line);
/* IOMMU options on the kernel command line: 1 on, -1 off, 0 not given. */
struct gv_iommu_cmdline {
	int intel, amd, passthrough, off, intremap_off, igfx_off;
};
int gv_parse_cmdline_iommu(const char *buf, size_t len, struct gv_iommu_cmdline *out);
/* /proc/cpuinfo: the first CPU's vendor and virtualization flags. */
struct gv_cpuinfo {
	char vendor[32];
	bool has_flags, vmx, svm, hypervisor;
};
int gv_parse_cpuinfo(const char *buf, size_t len, struct gv_cpuinfo *out);
/* KEY=VALUE from a config file (gridd.conf): -ENOENT when absent. */
int gv_parse_conf_value(const char *buf, size_t len, const char *key, char *out, size_t size);
/* A JWT's "exp" (seconds since the epoch): -ENOENT when it carries none.
 * Only the expiry leaves this function; the token is never copied out. */
int gv_parse_token_expiry(const char *buf, size_t len, int64_t *expires);
/* What a vGPU profile's name and description say. */
struct gv_profile_info {
	uint64_t framebuffer;	/* bytes, 0 unknown */
	uint32_t heads, max_width, max_height, max_instances, frame_rate_limit;
	char vgpu_class;	/* 'Q', 'B', 'A', 'C' or 0 */
};
/* NVIDIA ("num_heads=4, frl_config=45, framebuffer=1024M, ..."), GVT-g
 * ("low_gm_size: 128MB\nhigh_gm_size: 512MB\n..."), mbochs ("... 16 MB video
 * memory"); and the name ("GRID T4-4Q", "NVIDIA A100DX-3-40C"). */
int gv_parse_profile(const char *name, const char *desc, size_t len, struct gv_profile_info *out);
/* The string value of "key" in a flat JSON object (mdevctl's files). */
int gv_parse_json_string(const char *buf, size_t len, const char *key, char *out, size_t size);
/* A UUID, canonicalised to lower case into out[37]. */
int gv_parse_uuid(const char *in, char out[37]);

#endif
