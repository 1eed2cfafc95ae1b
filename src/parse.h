/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parse layer: pure functions of text and bytes (parse.c,
 * parse-kernel.c, parse-pci.c, parse-profile.c; parse-state.c and
 * parse-persist.c declare theirs in private.h with the state they make).
 * Nothing here opens a file; the fuzz targets call these alone. Included by
 * private.h. */
#ifndef GV_PARSE_H
#define GV_PARSE_H

/* The length of buf without trailing white space; the index of the first
 * non-space at or after i. */
size_t gv_trim_end(const char *buf, size_t len);
size_t gv_skip_space(const char *buf, size_t len, size_t i);
/* "0x10de\n" or "10de": a hex number of at most max; trailing whitespace allowed. */
int gv_parse_hex(const char *buf, size_t len, uint32_t max, uint32_t *out);
/* A decimal integer (optionally negative) in [min, max]. */
int gv_parse_int(const char *buf, size_t len, long min, long max, long *out);
/* Canonicalise "DDDD:BB:DD.F" or "BB:DD.F" (any case) into out[GV_BDF_LEN]. */
int gv_parse_bdf(const char *in, char out[GV_BDF_LEN]);
/* Split a whitespace-separated list ("flr bus"), appending each word. */
int gv_parse_words(const char *buf, size_t len, struct gv_strv *out);
/* Value of `driver_override`: copies the name or "" for "(null)"/empty. */
/* The last component of link `link`'s target (`len` bytes): its length, or
 * -EBADMSG when empty or, for the kernel's driver, iommu_group, mdev_type
 * and module links, when it is not in the folder they always point into;
 * -ENAMETOOLONG when it does not fit `size`. */
int gv_parse_link_base(const char *link, const char *target, size_t len, char *out, size_t size);
int gv_parse_override(const char *buf, size_t len, char *out, size_t size);
/* Identity from the first 64 bytes of config space. */
struct gv_pci_ids {
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code;
	uint8_t revision, header_type;
	bool has_ids; /* false: a VF, whose vendor and device come from elsewhere */
	bool has_subsystem;
};
int gv_parse_config(const uint8_t *cfg, size_t len, struct gv_pci_ids *ids);

/* One line of the PCI ID database (pci.ids): its depth (0: a vendor or a
 * "C xx" class; 1: a device or a subclass; 2: a subsystem "ssss dddd" or a
 * programming interface), its ID and its name (not NUL-terminated, trailing
 * blanks dropped). -ENODATA for a comment or blank line, -EBADMSG for a
 * line that is neither. */
struct gv_ids_line {
	int depth;
	bool is_class, short_id, has_id2; /* short_id: a 2-digit ID (class section) */
	unsigned id, id2;
	const char *name;
	size_t name_len;
};
int gv_parse_pciids_line(const char *line, size_t len, struct gv_ids_line *out);

/* A function's BARs (parse-pci.c): `resource`'s first six lines. */
#define GV_NBARS 6
struct gv_bar {
	uint64_t size;	/* bytes; 0: unused, or the upper half of a 64-bit BAR */
	uint32_t flags;	/* gpuvirt_bar_flag bits */
	uint64_t sizes; /* resizable: bit k = 1 MiB << k is supported; 0: fixed */
};
int gv_parse_resource(const char *buf, size_t len, struct gv_bar bars[GV_NBARS]);
/* `resourceN_resize`: the supported sizes as the kernel prints them (hex). */
int gv_parse_rebar_sizes(const char *buf, size_t len, uint64_t *sizes);
/* The Resizable BAR capability of extended config space into bars[].sizes:
 * -ENODATA without extended space, -ENOENT without the capability. */
int gv_parse_rebar_config(const uint8_t *cfg, size_t len, struct gv_bar bars[GV_NBARS]);
/* The 64-bit window (bytes, whole GiB) a guest needs for BARs of these
 * sizes (sorted in place, largest first); 0 for none. */
uint64_t gv_mmio64_window(uint64_t *sizes, size_t n);

/* proc/iomem: whether a boot framebuffer's region (efifb, vesafb, simplefb,
 * simpledrm, or sysfb's BOOTFB) lies inside a region of `bdf`, by the
 * kernel's indentation (addresses read as zeros without CAP_SYS_ADMIN and
 * are not needed): 1 or 0; -EBADMSG for a line that is not "START-END : NAME". */
int gv_parse_iomem_framebuffer(const char *buf, size_t len, const char *bdf);

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
	char acs_override[64]; /* pcie_acs_override='s value ("" when absent; "(set)" without one) */
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
	uint32_t mig_slices;	/* a MIG-backed type's GPU instance: its compute slices; 0 time-sliced */
};
/* NVIDIA ("num_heads=4, frl_config=45, framebuffer=1024M, ..."), GVT-g
 * ("low_gm_size: 128MB\nhigh_gm_size: 512MB\n..."), mbochs ("... 16 MB video
 * memory"); and the name ("GRID T4-4Q", "NVIDIA A100DX-3-40C"). */
int gv_parse_profile(const char *name, const char *desc, size_t len, struct gv_profile_info *out);
/* NVIDIA's creatable_vgpu_types: "ID : NAME" lines (the header line is
 * skipped); fn for each. Returns how many. */
int gv_parse_vendor_types(const char *buf, size_t len, void (*fn)(void *ud, long id, const char *name), void *ud);
/* "6.1.0-18-amd64" as 6 * 1000 + 1; 0 when it is not a release. */
int gv_parse_kernel_version(const char *buf, size_t len);
/* "Device Minor: N" of NVIDIA's proc/driver/nvidia/gpus/<bdf>/information. */
int gv_parse_nvidia_minor(const char *buf, size_t len, long *minor);
/* NVIDIA's own listing of MIG as a caller captured it (the library never
 * runs nvidia-smi), in any order:
 *   nvidia-smi --query-gpu=index,pci.bus_id,mig.mode.current --format=csv,noheader
 *     "0, 00000000:18:00.0, Enabled": each GPU's index, address, MIG mode;
 *   nvidia-smi mig -lgi
 *     "|   0  MIG 3g.40gb   9   2   0:4   |": each GPU instance (GPU index,
 *     profile name and ID, instance ID, placement in memory slices).
 * Other lines (the table's frame and headings, "No GPU instances found")
 * are skipped. -EBADMSG names the first malformed line in *bad_line (a GPU
 * line or row that does not parse, a GPU twice, a row whose GPU has no
 * line); -ENOENT when there is no GPU line. out->gpus is malloc'ed:
 * gv_mig_listing_clear() frees it. */
#define GV_MIG_MAX_GIS 32
#define GV_MIG_MAX_GPUS 64
struct gv_mig_gi {
	int id;		 /* the instance's ID: gi<ID> of the driver's capability files */
	int profile;	 /* nvidia-smi's GPU instance profile ID */
	int slices;	 /* compute slices: the "3" of "3g.40gb" */
	int start, size; /* placement, in memory slices */
	char name[24];	 /* "3g.40gb", "1g.10gb+me" */
};
struct gv_mig_gpu {
	char bdf[GV_BDF_LEN];
	int index; /* nvidia-smi's */
	int mode;  /* 1 Enabled, 0 Disabled, -1 anything else ("[N/A]") */
	size_t ngis;
	struct gv_mig_gi gis[GV_MIG_MAX_GIS];
};
struct gv_mig_listing {
	struct gv_mig_gpu *gpus;
	size_t ngpus;
};
int gv_parse_mig_listing(const char *buf, size_t len, struct gv_mig_listing *out, size_t *bad_line);
void gv_mig_listing_clear(struct gv_mig_listing *l);
/* Clear and free a malloc'ed listing; NULL is a no-op. */
void gv_mig_listing_free(struct gv_mig_listing *l);
/* Module names: "vfio-pci" and "vfio_pci" are one; out gets the "_" form. */
void gv_module_name_normalise(const char *in, char *out, size_t size);
/* Is module `name` (normalised) a line of modules.dep or modules.builtin? */
bool gv_parse_module_listed(const char *text, size_t len, const char *name);
/* Does an "alias PATTERN MODULE" line of modules.alias for `module`
 * (normalised) match the device's modalias? 1 yes, 0 no, -ENOENT when the
 * module has no alias at all. */
int gv_parse_alias_match(const char *text, size_t len, const char *module, const char *modalias);
/* The best vfio-pci variant driver for a device (libvirt 10's rule): among
 * modules.alias's "vfio_pci:" entries matching its modalias, the one with
 * the fewest wildcards, the first on a tie; vfio_pci itself is not one.
 * Its module name (the driver's name: KBUILD_MODNAME) into module, or
 * -ENOENT. A module "handles" a device (gv_parse_alias_match) through
 * these entries too. */
int gv_parse_vfio_variant(const char *text, size_t len, const char *modalias, char *module, size_t size);
/* Does proc/devices list a character device major named `name`
 * ("511 vfio-dev": the kernel has VFIO device cdevs, Linux 6.6+ with
 * CONFIG_VFIO_DEVICE_CDEV)? Block devices do not count. */
bool gv_parse_chrdev_listed(const char *text, size_t len, const char *name);
/* A VFIO device cdev's name in vfio-dev/: "vfio" and digits. */
bool gv_parse_vfio_cdev_name(const char *name);
/* The string value of "key" in a flat JSON object (mdevctl's files). */
int gv_parse_json_string(const char *buf, size_t len, const char *key, char *out, size_t size);
/* A UUID, canonicalised to lower case into out[37]. */
int gv_parse_uuid(const char *in, char out[37]);

#endif
