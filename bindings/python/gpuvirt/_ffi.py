# SPDX-License-Identifier: LGPL-2.1-or-later
"""The C declarations of libgpuvirt's public API, for cffi's ABI mode.

They mirror include/gpuvirt/*.h; tests/test_ffi.py compares the two so that
they cannot drift apart.
"""
import os
from typing import Any

import cffi

CDEF = """
typedef struct gpuvirt_ctx gpuvirt_ctx;
typedef struct gpuvirt_device gpuvirt_device;
typedef struct gpuvirt_device_iter gpuvirt_device_iter;
typedef struct gpuvirt_report gpuvirt_report;
typedef struct gpuvirt_finding gpuvirt_finding;
typedef struct gpuvirt_finding_iter gpuvirt_finding_iter;
typedef struct gpuvirt_bind_plan gpuvirt_bind_plan;
typedef struct gpuvirt_profile gpuvirt_profile;
typedef struct gpuvirt_profile_iter gpuvirt_profile_iter;
typedef struct gpuvirt_instance gpuvirt_instance;
typedef struct gpuvirt_instance_iter gpuvirt_instance_iter;
typedef struct gpuvirt_holder gpuvirt_holder;
typedef struct gpuvirt_holder_iter gpuvirt_holder_iter;

int gpuvirt_ctx_new(gpuvirt_ctx **ctx);
gpuvirt_ctx *gpuvirt_ctx_ref(gpuvirt_ctx *ctx);
gpuvirt_ctx *gpuvirt_ctx_unref(gpuvirt_ctx *ctx);
int gpuvirt_ctx_set_root(gpuvirt_ctx *ctx, const char *root);
const char *gpuvirt_ctx_get_root(const gpuvirt_ctx *ctx);
void gpuvirt_ctx_set_log_priority(gpuvirt_ctx *ctx, int priority);
const char *gpuvirt_ctx_get_error(const gpuvirt_ctx *ctx);
const char *gpuvirt_strerror(int error);
const char *gpuvirt_version(void);
int gpuvirt_ctx_set_vgpu_table(gpuvirt_ctx *ctx, const char *path);
int gpuvirt_ctx_set_mig_listing(gpuvirt_ctx *ctx, const char *path);
int gpuvirt_ctx_set_modprobe(gpuvirt_ctx *ctx, const char *path);
int gpuvirt_ctx_set_write_timeout(gpuvirt_ctx *ctx, uint32_t timeout_ms);
uint32_t gpuvirt_ctx_get_write_timeout(const gpuvirt_ctx *ctx);
int gpuvirt_ctx_set_xl(gpuvirt_ctx *ctx, const char *path);
uint64_t gpuvirt_ctx_get_generation(const gpuvirt_ctx *ctx);

int gpuvirt_device_iter_new(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device_iter **it);
int gpuvirt_device_iter_next(gpuvirt_device_iter *it, gpuvirt_device **dev);
gpuvirt_device_iter *gpuvirt_device_iter_unref(gpuvirt_device_iter *it);
int gpuvirt_device_new_from_bdf(gpuvirt_ctx *ctx, const char *bdf, gpuvirt_device **dev);
int gpuvirt_device_refresh(gpuvirt_device *dev);
int gpuvirt_device_is_stale(const gpuvirt_device *dev);

int gpuvirt_holder_iter_new_for_device(gpuvirt_device *dev, gpuvirt_holder_iter **out);
int gpuvirt_holder_iter_new_for_group(gpuvirt_ctx *ctx, int group, gpuvirt_holder_iter **out);
int gpuvirt_holder_iter_new_for_instance(gpuvirt_instance *inst, gpuvirt_holder_iter **out);
int gpuvirt_holder_iter_next(gpuvirt_holder_iter *it, gpuvirt_holder **holder);
gpuvirt_holder_iter *gpuvirt_holder_iter_unref(gpuvirt_holder_iter *it);
gpuvirt_holder *gpuvirt_holder_unref(gpuvirt_holder *h);
int gpuvirt_holder_get_kind(const gpuvirt_holder *h);
const char *gpuvirt_holder_kind_to_string(int kind);
const char *gpuvirt_holder_get_device(const gpuvirt_holder *h);
int64_t gpuvirt_holder_get_pid(const gpuvirt_holder *h);
const char *gpuvirt_holder_get_command(const gpuvirt_holder *h);
const char *gpuvirt_holder_get_path(const gpuvirt_holder *h);
const char *gpuvirt_holder_get_instance(const gpuvirt_holder *h);
int gpuvirt_holder_is_vm(const gpuvirt_holder *h);
const char *gpuvirt_holder_get_description(const gpuvirt_holder *h);
gpuvirt_device *gpuvirt_device_unref(gpuvirt_device *dev);
const char *gpuvirt_device_get_bdf(const gpuvirt_device *dev);
uint16_t gpuvirt_device_get_vendor_id(const gpuvirt_device *dev);
uint16_t gpuvirt_device_get_device_id(const gpuvirt_device *dev);
uint16_t gpuvirt_device_get_subsystem_vendor_id(const gpuvirt_device *dev);
uint16_t gpuvirt_device_get_subsystem_device_id(const gpuvirt_device *dev);
uint32_t gpuvirt_device_get_class(const gpuvirt_device *dev);
uint8_t gpuvirt_device_get_revision(const gpuvirt_device *dev);
int gpuvirt_device_is_gpu(const gpuvirt_device *dev);
const char *gpuvirt_device_get_vendor_name(const gpuvirt_device *dev);
const char *gpuvirt_device_get_device_name(const gpuvirt_device *dev);
const char *gpuvirt_device_get_driver(const gpuvirt_device *dev);
const char *gpuvirt_device_get_driver_override(const gpuvirt_device *dev);
const char *gpuvirt_device_get_persistent_driver(const gpuvirt_device *dev);
int gpuvirt_device_get_iommu_group(const gpuvirt_device *dev);
size_t gpuvirt_device_get_iommu_group_member_count(const gpuvirt_device *dev);
const char *gpuvirt_device_get_iommu_group_member(const gpuvirt_device *dev, size_t index);
int gpuvirt_device_get_numa_node(const gpuvirt_device *dev);
int gpuvirt_device_get_boot_vga(const gpuvirt_device *dev);
int gpuvirt_device_get_sriov_total_vfs(const gpuvirt_device *dev);
int gpuvirt_device_get_sriov_num_vfs(const gpuvirt_device *dev);
size_t gpuvirt_device_get_vf_count(const gpuvirt_device *dev);
const char *gpuvirt_device_get_vf(const gpuvirt_device *dev, size_t index);
const char *gpuvirt_device_get_physfn(const gpuvirt_device *dev);
size_t gpuvirt_device_get_reset_method_count(const gpuvirt_device *dev);
const char *gpuvirt_device_get_reset_method(const gpuvirt_device *dev, size_t index);
size_t gpuvirt_device_get_drm_node_count(const gpuvirt_device *dev);
const char *gpuvirt_device_get_drm_node(const gpuvirt_device *dev, size_t index);
uint32_t gpuvirt_device_get_modes(const gpuvirt_device *dev);
const char *gpuvirt_device_get_vfio_cdev(const gpuvirt_device *dev);
int gpuvirt_device_get_bar(const gpuvirt_device *dev, unsigned index, uint64_t *size, uint32_t *flags,
			   uint64_t *resizable);
int gpuvirt_guest_mmio64_window(const gpuvirt_device *const *devs, size_t n, uint64_t *bytes);
const char *gpuvirt_mode_to_string(uint32_t mode);

int gpuvirt_check_host(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_report **report);
int gpuvirt_check_device(gpuvirt_device *dev, gpuvirt_report **report);
gpuvirt_report *gpuvirt_report_unref(gpuvirt_report *report);
int gpuvirt_report_get_worst_severity(const gpuvirt_report *report);
size_t gpuvirt_report_get_device_count(const gpuvirt_report *report);
const char *gpuvirt_report_get_device(const gpuvirt_report *report, size_t index);
const char *gpuvirt_report_get_device_name(const gpuvirt_report *report, size_t index);
int gpuvirt_report_can_passthrough(const gpuvirt_report *report, const char *bdf);
int gpuvirt_report_can_share(const gpuvirt_report *report, const char *bdf);
size_t gpuvirt_report_get_reason_count(const gpuvirt_report *report, const char *bdf, uint32_t verdict);
const char *gpuvirt_report_get_reason(const gpuvirt_report *report, const char *bdf, uint32_t verdict, size_t index);
int gpuvirt_finding_iter_new(gpuvirt_report *report, gpuvirt_finding_iter **it);
int gpuvirt_finding_iter_next(gpuvirt_finding_iter *it, const gpuvirt_finding **finding);
gpuvirt_finding_iter *gpuvirt_finding_iter_unref(gpuvirt_finding_iter *it);
const char *gpuvirt_finding_get_code(const gpuvirt_finding *f);
int gpuvirt_finding_get_severity(const gpuvirt_finding *f);
const char *gpuvirt_finding_get_subject(const gpuvirt_finding *f);
const char *gpuvirt_finding_get_title(const gpuvirt_finding *f);
const char *gpuvirt_finding_get_message(const gpuvirt_finding *f);
const char *gpuvirt_finding_get_remedy(const gpuvirt_finding *f);
const char *gpuvirt_severity_to_string(int severity);

int gpuvirt_bind_plan_new(gpuvirt_device *dev, const char *target, uint32_t flags, gpuvirt_bind_plan **plan);
gpuvirt_bind_plan *gpuvirt_bind_plan_unref(gpuvirt_bind_plan *plan);
const char *gpuvirt_bind_plan_get_target(const gpuvirt_bind_plan *plan);
size_t gpuvirt_bind_plan_get_device_count(const gpuvirt_bind_plan *plan);
const char *gpuvirt_bind_plan_get_device(const gpuvirt_bind_plan *plan, size_t index);
size_t gpuvirt_bind_plan_get_step_count(const gpuvirt_bind_plan *plan);
int gpuvirt_bind_plan_get_step(const gpuvirt_bind_plan *plan, size_t index, const char **device,
                               const char **action, const char **path, const char **value);
int gpuvirt_bind_apply(gpuvirt_bind_plan *plan);
int gpuvirt_unbind(gpuvirt_device *dev, uint32_t flags);
int gpuvirt_recover(gpuvirt_ctx *ctx);

typedef struct gpuvirt_state_plan gpuvirt_state_plan;
int gpuvirt_state_plan_new(gpuvirt_ctx *ctx, const char *path, uint32_t flags, gpuvirt_state_plan **plan);
gpuvirt_state_plan *gpuvirt_state_plan_unref(gpuvirt_state_plan *plan);
size_t gpuvirt_state_plan_get_count(const gpuvirt_state_plan *plan);
int gpuvirt_state_plan_get_item(const gpuvirt_state_plan *plan, size_t index, const char **kind, const char **object,
                                const char **wanted, const char **current, const char **reason);
int gpuvirt_state_plan_apply(gpuvirt_state_plan *plan);
const char *gpuvirt_state_status_to_string(int status);

int gpuvirt_export_nova(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);
int gpuvirt_export_kubevirt(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);
int gpuvirt_export_nfd(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);
int gpuvirt_export_prometheus(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);
int gpuvirt_export_nodedev(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);
void free(void *ptr);
const char *gpuvirt_instance_get_owner(const gpuvirt_instance *inst);
int gpuvirt_instance_set_owner(gpuvirt_instance *inst, const char *owner);

int gpuvirt_profile_iter_new(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile_iter **it);
int gpuvirt_profile_iter_next(gpuvirt_profile_iter *it, gpuvirt_profile **profile);
gpuvirt_profile_iter *gpuvirt_profile_iter_unref(gpuvirt_profile_iter *it);
gpuvirt_profile *gpuvirt_profile_unref(gpuvirt_profile *p);
const char *gpuvirt_profile_get_id(const gpuvirt_profile *p);
const char *gpuvirt_profile_get_name(const gpuvirt_profile *p);
const char *gpuvirt_profile_get_description(const gpuvirt_profile *p);
int gpuvirt_profile_get_mechanism(const gpuvirt_profile *p);
const char *gpuvirt_mechanism_to_string(int mechanism);
const char *gpuvirt_profile_get_parent(const gpuvirt_profile *p);
int gpuvirt_profile_get_numa_node(const gpuvirt_profile *p);
const char *gpuvirt_profile_get_device_api(const gpuvirt_profile *p);
uint32_t gpuvirt_profile_get_available(const gpuvirt_profile *p);
uint32_t gpuvirt_profile_get_instance_count(const gpuvirt_profile *p);
const char *gpuvirt_profile_get_unavailable_reason(const gpuvirt_profile *p);
uint64_t gpuvirt_profile_get_framebuffer_bytes(const gpuvirt_profile *p);
uint32_t gpuvirt_profile_get_heads(const gpuvirt_profile *p);
int gpuvirt_profile_get_max_resolution(const gpuvirt_profile *p, uint32_t *width, uint32_t *height);
uint32_t gpuvirt_profile_get_max_instances(const gpuvirt_profile *p);
uint32_t gpuvirt_profile_get_frame_rate_limit(const gpuvirt_profile *p);
const char *gpuvirt_profile_get_vgpu_class(const gpuvirt_profile *p);
uint32_t gpuvirt_profile_get_mig_slices(const gpuvirt_profile *p);
int gpuvirt_instance_create(gpuvirt_ctx *ctx, const char *profile, const char *bdf, int policy, int numa_node,
                            const char *uuid, uint32_t flags, gpuvirt_instance **inst);
int gpuvirt_instance_new_from_uuid(gpuvirt_ctx *ctx, const char *uuid, gpuvirt_instance **inst);
int gpuvirt_instance_destroy(gpuvirt_instance *inst, uint32_t flags);
gpuvirt_instance *gpuvirt_instance_unref(gpuvirt_instance *inst);
int gpuvirt_instance_iter_new(gpuvirt_ctx *ctx, gpuvirt_instance_iter **it);
int gpuvirt_instance_iter_next(gpuvirt_instance_iter *it, gpuvirt_instance **inst);
gpuvirt_instance_iter *gpuvirt_instance_iter_unref(gpuvirt_instance_iter *it);
const char *gpuvirt_instance_get_uuid(const gpuvirt_instance *inst);
const char *gpuvirt_instance_get_parent(const gpuvirt_instance *inst);
const char *gpuvirt_instance_get_profile_id(const gpuvirt_instance *inst);
int gpuvirt_instance_get_mechanism(const gpuvirt_instance *inst);
const char *gpuvirt_instance_get_sysfs_path(const gpuvirt_instance *inst);
const char *gpuvirt_instance_get_vf_bdf(const gpuvirt_instance *inst);
int gpuvirt_instance_is_active(const gpuvirt_instance *inst);
int gpuvirt_instance_is_persistent(const gpuvirt_instance *inst);
"""

ffi: Any = cffi.FFI()
ffi.cdef(CDEF)

# GPUVIRT_LIBRARY names another build (the tests use the one just built);
# otherwise the dynamic linker finds the installed libgpuvirt.so.1.
_LIBRARY = os.environ.get("GPUVIRT_LIBRARY") or "libgpuvirt.so.1"
try:
    lib: Any = ffi.dlopen(_LIBRARY)
except OSError as e:
    raise ImportError(
        "gpuvirt: cannot load the C library %r (%s). Install libgpuvirt, or point GPUVIRT_LIBRARY at "
        "libgpuvirt.so.1 (for a prefix install: GPUVIRT_LIBRARY=PREFIX/lib/libgpuvirt.so.1, or add PREFIX/lib "
        "to LD_LIBRARY_PATH)." % (_LIBRARY, e)) from e
