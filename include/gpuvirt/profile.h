/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/profile.h
 * @brief vGPU profiles and instances, whatever the mechanism: mdev types,
 *        NVIDIA's vendor vGPU interface on SR-IOV VFs, and plain SR-IOV VFs.
 *
 * A profile is what a GPU offers (an mdev type such as `nvidia-232`, an
 * NVIDIA vendor type such as `707 : NVIDIA A100DX-40C`, or "one VF" of an AMD
 * MxGPU or Intel SR-IOV GPU), with how many instances can still be made and
 * what its description says, parsed. An instance is one allocated share,
 * identified by a UUID, with what a hypervisor needs: the mdev's sysfs path
 * for QEMU's `-device vfio-pci,sysfsdev=`, or the VF's address for
 * `-device vfio-pci,host=`.
 *
 * Allocation is race-safe (a lock per GPU around the check and the create)
 * and crash-safe (a journal removes an instance whose creation was cut
 * short); exhaustion is `-ENOSPC` naming the profile and the GPU, never a
 * partial instance. Each vendor's rule is the kernel's: NVIDIA's legacy
 * vGPU allows one type per GPU at a time, the vendor interface narrows what
 * sibling VFs may still create.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_PROFILE_H
#define GPUVIRT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/context.h>
#include <gpuvirt/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A vGPU profile a GPU offers. Opaque, reference-counted snapshot.
 * @since 1.1
 */
typedef struct gpuvirt_profile gpuvirt_profile;

/**
 * @brief An iterator over profiles. Opaque.
 * @since 1.1
 */
typedef struct gpuvirt_profile_iter gpuvirt_profile_iter;

/**
 * @brief An allocated vGPU instance. Opaque, reference-counted snapshot.
 * @since 1.1
 */
typedef struct gpuvirt_instance gpuvirt_instance;

/**
 * @brief An iterator over instances. Opaque.
 * @since 1.1
 */
typedef struct gpuvirt_instance_iter gpuvirt_instance_iter;

/**
 * @brief How a profile shares the GPU.
 * @since 1.1
 */
enum gpuvirt_mechanism {
	GPUVIRT_MECHANISM_MDEV = 1,          /**< a mediated device type (`mdev_supported_types`) */
	GPUVIRT_MECHANISM_NVIDIA_VENDOR = 2, /**< NVIDIA's vendor vGPU files on SR-IOV VFs */
	GPUVIRT_MECHANISM_SRIOV_VF = 3,      /**< a plain SR-IOV VF (AMD MxGPU, Intel SR-IOV) */
	GPUVIRT_MECHANISM_PAD_ = 0x7fffffff  /**< pins the enum's size; never returned */
};

/**
 * @brief Where gpuvirt_instance_create() puts an instance when no GPU is named.
 * @since 1.1
 */
enum gpuvirt_policy {
	GPUVIRT_POLICY_PACK = 0,   /**< the fullest GPU that still fits (keeps GPUs free) */
	GPUVIRT_POLICY_SPREAD = 1, /**< the emptiest GPU (spreads the load) */
	GPUVIRT_POLICY_PAD_ = 0x7fffffff /**< pins the enum's size; never used */
};

/**
 * @brief Flags of gpuvirt_instance_create() and gpuvirt_instance_destroy().
 * @since 1.1
 */
enum gpuvirt_instance_flags {
	/** Create: also record it under `/etc/gpuvirt/instances/` for
	 *  gpuvirt_restore() (every mechanism; the PF's VF count too where it
	 *  lives on a VF, @since 1.2) and, for an mdev, define it for mdevctl
	 *  (`/etc/mdevctl.d/<parent>/<uuid>`, started at boot). Destroy: also
	 *  remove those records. */
	GPUVIRT_INSTANCE_PERSIST = 1u << 0,
	/** Wait (up to 60 s) for another process's lock on the GPU. */
	GPUVIRT_INSTANCE_WAIT = 1u << 1,
	/** Create: decide the GPU as a create would, write nothing, and return
	 *  0 with no instance (@since 1.2). The checks' share verdict promises
	 *  what this answers. */
	GPUVIRT_INSTANCE_DRY_RUN = 1u << 2
};

/**
 * @brief Start listing profiles.
 * @param ctx      the context.
 * @param dev      a GPU (its profiles, and its VFs'), or NULL for every GPU.
 * @param[out] it  receives the iterator, owned by the caller.
 * @return 0; `-EINVAL`; `-ENOMEM`; a negative errno when the host cannot be read.
 * @since 1.1
 */
int gpuvirt_profile_iter_new(gpuvirt_ctx *ctx, gpuvirt_device *dev, gpuvirt_profile_iter **it);

/**
 * @brief The next profile, in order of parent address and profile id.
 * @param it            the iterator.
 * @param[out] profile  receives a profile with one reference, owned by the caller.
 * @return 1 with a profile, 0 at the end, `-EINVAL`.
 * @since 1.1
 */
int gpuvirt_profile_iter_next(gpuvirt_profile_iter *it, gpuvirt_profile **profile);

/**
 * @brief Free an iterator.
 * @param it  the iterator, or NULL.
 * @return NULL.
 * @since 1.1
 */
gpuvirt_profile_iter *gpuvirt_profile_iter_unref(gpuvirt_profile_iter *it);

/**
 * @brief Take a reference.
 * @param p  the profile, or NULL.
 * @return @p p.
 * @since 1.1
 */
gpuvirt_profile *gpuvirt_profile_ref(gpuvirt_profile *p);

/**
 * @brief Drop a reference.
 * @param p  the profile, or NULL.
 * @return NULL once freed, else @p p.
 * @since 1.1
 */
gpuvirt_profile *gpuvirt_profile_unref(gpuvirt_profile *p);

/**
 * @brief The profile's id: the mdev type (`nvidia-232`, `i915-GVTg_V5_4`),
 *        the NVIDIA vendor type number (`707`), or `sriov-vf`.
 * @param p  the profile.
 * @return the id (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_profile_get_id(const gpuvirt_profile *p);

/**
 * @brief The profile's name (`GRID T4-4Q`, `NVIDIA A100DX-40C`), or its id
 *        where the driver gives none.
 * @param p  the profile.
 * @return the name (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_profile_get_name(const gpuvirt_profile *p);

/**
 * @brief The driver's description, as text.
 * @param p  the profile.
 * @return the description (borrowed), or NULL when there is none.
 * @since 1.1
 */
const char *gpuvirt_profile_get_description(const gpuvirt_profile *p);

/**
 * @brief The profile's mechanism.
 * @param p  the profile.
 * @return a #gpuvirt_mechanism, or `-EINVAL`.
 * @since 1.1
 */
int gpuvirt_profile_get_mechanism(const gpuvirt_profile *p);

/**
 * @brief A mechanism's name: "mdev", "nvidia-vendor", "sriov-vf".
 * @param mechanism  a #gpuvirt_mechanism.
 * @return a static string, or NULL for other values.
 * @since 1.1
 */
const char *gpuvirt_mechanism_to_string(int mechanism);

/**
 * @brief The GPU that offers the profile: a BDF, or for a parent that is not
 *        a PCI function (the kernel's mbochs sample) its name.
 * @param p  the profile.
 * @return the parent (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_profile_get_parent(const gpuvirt_profile *p);

/**
 * @brief The parent's NUMA node.
 * @param p  the profile.
 * @return the node, or -1 when unknown.
 * @since 1.1
 */
int gpuvirt_profile_get_numa_node(const gpuvirt_profile *p);

/**
 * @brief The mdev type's `device_api` (`vfio-pci`).
 * @param p  the profile.
 * @return the API (borrowed), or NULL when not an mdev type.
 * @since 1.1
 */
const char *gpuvirt_profile_get_device_api(const gpuvirt_profile *p);

/**
 * @brief How many more instances could be created now: the mdev type's
 *        `available_instances`, the VFs that can still create the vendor
 *        type, or the free (or not yet enabled) VFs.
 * @param p  the profile.
 * @return the count (0 for NULL).
 * @since 1.1
 */
uint32_t gpuvirt_profile_get_available(const gpuvirt_profile *p);

/**
 * @brief How many instances of this profile exist on its parent now.
 * @param p  the profile.
 * @return the count (0 for NULL).
 * @since 1.1
 */
uint32_t gpuvirt_profile_get_instance_count(const gpuvirt_profile *p);

/**
 * @brief Why no instance of this profile fits on its parent now.
 *
 * For a profile with nothing available: the rule that blocks it (one vGPU
 * type per GPU and the type the GPU runs, all of its instances taken, the
 * framebuffer its instances hold, every enabled VF taken) and what is still
 * creatable on that parent, in the words gpuvirt_instance_create() fails
 * with.
 *
 * @param p  the profile.
 * @return the reason, borrowed from @p p; NULL when instances are available
 *         (or for NULL).
 * @since 1.2
 */
const char *gpuvirt_profile_get_unavailable_reason(const gpuvirt_profile *p);

/**
 * @brief The framebuffer (or graphics memory) of one instance.
 * @param p  the profile.
 * @return bytes, or 0 when the driver does not say.
 * @since 1.1
 */
uint64_t gpuvirt_profile_get_framebuffer_bytes(const gpuvirt_profile *p);

/**
 * @brief Display heads of one instance.
 * @param p  the profile.
 * @return the count, or 0 when unknown.
 * @since 1.1
 */
uint32_t gpuvirt_profile_get_heads(const gpuvirt_profile *p);

/**
 * @brief The largest display resolution.
 * @param p            the profile.
 * @param[out] width   receives the width in pixels (0 when unknown); may be NULL.
 * @param[out] height  receives the height; may be NULL.
 * @return 0, or `-EINVAL` for a NULL profile.
 * @since 1.1
 */
int gpuvirt_profile_get_max_resolution(const gpuvirt_profile *p, uint32_t *width, uint32_t *height);

/**
 * @brief The most instances a GPU can hold (the driver's `max_instance`).
 * @param p  the profile.
 * @return the count, or 0 when unknown.
 * @since 1.1
 */
uint32_t gpuvirt_profile_get_max_instances(const gpuvirt_profile *p);

/**
 * @brief The frame-rate limiter (NVIDIA's `frl_config`).
 * @param p  the profile.
 * @return frames per second, or 0 when there is none or it is unknown.
 * @since 1.1
 */
uint32_t gpuvirt_profile_get_frame_rate_limit(const gpuvirt_profile *p);

/**
 * @brief NVIDIA's vGPU class from the profile name: `Q` (virtual
 *        workstation), `B` (virtual PC), `A` (virtual apps), `C` (compute).
 * @param p  the profile.
 * @return the letter as a string (static), or NULL when not known.
 * @since 1.1
 */
const char *gpuvirt_profile_get_vgpu_class(const gpuvirt_profile *p);

/**
 * @brief The compute slices of the GPU instance a MIG-backed vGPU type
 *        needs, from NVIDIA's name (`NVIDIA A100DX-3-40C`: 3 of the GPU's
 *        7; `A100-1-5CME`: 1).
 *
 * Time-sliced and MIG-backed types are profiles of the same list; NVIDIA's
 * driver offers a MIG-backed type on a VF only while MIG mode is on and a
 * free GPU instance of that size exists (`nvidia-smi mig -cgi`).
 *
 * @param p  the profile.
 * @return 1 to 7; 0 for a time-sliced type, or a name that does not say.
 * @since 1.2
 */
uint32_t gpuvirt_profile_get_mig_slices(const gpuvirt_profile *p);

/**
 * @brief Allocate an instance of a profile.
 *
 * With @p bdf, on that GPU; without, on the GPU the policy picks among those
 * offering the profile (on NUMA node @p numa_node when it is not -1). The
 * profile is matched by id, or by name. Plain SR-IOV VFs are enabled
 * (`sriov_numvfs`) when none is free, and the chosen VF is bound to
 * vfio-pci.
 *
 * @param ctx        the context.
 * @param profile    a profile id or name.
 * @param bdf        a GPU's address, or NULL.
 * @param policy     a #gpuvirt_policy.
 * @param numa_node  a NUMA node, or -1 for any.
 * @param uuid       the instance's UUID, or NULL to generate one.
 * @param flags      #gpuvirt_instance_flags.
 * @param[out] inst  receives the instance, owned by the caller (NULL with
 *                   #GPUVIRT_INSTANCE_DRY_RUN).
 * @return 0; `-EINVAL` for bad arguments (a malformed UUID or BDF, an unknown
 *         policy); `-ENOENT` when no GPU offers the profile; `-ENOSPC` when
 *         every GPU that offers it is full (the message names the profile
 *         and the GPUs); `-EEXIST` for a UUID in use; `-EBUSY` when another
 *         process holds the GPU; the kernel's errno of a
 *         failed write, after which nothing is left behind.
 * @since 1.1
 */
int gpuvirt_instance_create(gpuvirt_ctx *ctx, const char *profile, const char *bdf, int policy, int numa_node,
			    const char *uuid, uint32_t flags, gpuvirt_instance **inst);

/**
 * @brief Find an existing (or mdevctl-defined, or recorded) instance by UUID.
 * @param ctx        the context.
 * @param uuid       the UUID.
 * @param[out] inst  receives the instance, owned by the caller.
 * @return 0; `-EINVAL` for a malformed UUID; `-ENOENT` when there is none.
 * @since 1.1
 */
int gpuvirt_instance_new_from_uuid(gpuvirt_ctx *ctx, const char *uuid, gpuvirt_instance **inst);

/**
 * @brief Release an instance (and with #GPUVIRT_INSTANCE_PERSIST its records
 *        in `/etc/gpuvirt/` and mdevctl's definition).
 *
 * An instance only recorded (not restored since a reboot) is released with
 * #GPUVIRT_INSTANCE_PERSIST alone: its record is removed (`-ENODEV` without
 * the flag).
 * @param inst   the instance (still to be unref'ed by the caller).
 * @param flags  #gpuvirt_instance_flags.
 * @return 0; `-EINVAL`; `-EBUSY`; the kernel's errno of a failed write.
 * @since 1.1
 */
int gpuvirt_instance_destroy(gpuvirt_instance *inst, uint32_t flags);

/**
 * @brief Take a reference.
 * @param inst  the instance, or NULL.
 * @return @p inst.
 * @since 1.1
 */
gpuvirt_instance *gpuvirt_instance_ref(gpuvirt_instance *inst);

/**
 * @brief Drop a reference (the instance itself stays on the host).
 * @param inst  the instance, or NULL.
 * @return NULL once freed, else @p inst.
 * @since 1.1
 */
gpuvirt_instance *gpuvirt_instance_unref(gpuvirt_instance *inst);

/**
 * @brief List the instances on the host: mdev devices (whoever made them),
 *        mdevctl definitions not started, VFs holding a vendor vGPU, VFs
 *        allocated by libgpuvirt, and instances recorded under
 *        `/etc/gpuvirt/instances/` not restored yet (inactive).
 * @param ctx      the context.
 * @param[out] it  receives the iterator, owned by the caller.
 * @return 0; `-EINVAL`; `-ENOMEM`.
 * @since 1.1
 */
int gpuvirt_instance_iter_new(gpuvirt_ctx *ctx, gpuvirt_instance_iter **it);

/**
 * @brief The next instance.
 * @param it         the iterator.
 * @param[out] inst  receives an instance with one reference.
 * @return 1 with an instance, 0 at the end, `-EINVAL`.
 * @since 1.1
 */
int gpuvirt_instance_iter_next(gpuvirt_instance_iter *it, gpuvirt_instance **inst);

/**
 * @brief Free an iterator.
 * @param it  the iterator, or NULL.
 * @return NULL.
 * @since 1.1
 */
gpuvirt_instance_iter *gpuvirt_instance_iter_unref(gpuvirt_instance_iter *it);

/**
 * @brief The instance's UUID.
 * @param inst  the instance.
 * @return the UUID (borrowed); NULL for NULL, or for a vendor vGPU made by
 *         another tool (which gives none).
 * @since 1.1
 */
const char *gpuvirt_instance_get_uuid(const gpuvirt_instance *inst);

/**
 * @brief The GPU (or mdev parent) it lives on.
 * @param inst  the instance.
 * @return the parent (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_instance_get_parent(const gpuvirt_instance *inst);

/**
 * @brief The profile id it was made from.
 * @param inst  the instance.
 * @return the id (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_instance_get_profile_id(const gpuvirt_instance *inst);

/**
 * @brief The instance's mechanism.
 * @param inst  the instance.
 * @return a #gpuvirt_mechanism, or `-EINVAL`.
 * @since 1.1
 */
int gpuvirt_instance_get_mechanism(const gpuvirt_instance *inst);

/**
 * @brief For QEMU's `sysfsdev=`: the mdev's absolute path (the context's
 *        root, then `sys/bus/mdev/devices/<uuid>`).
 * @param inst  the instance.
 * @return the path (borrowed), or NULL when not an mdev.
 * @since 1.1
 */
const char *gpuvirt_instance_get_sysfs_path(const gpuvirt_instance *inst);

/**
 * @brief For QEMU's `host=` or Xen's `pci=`: the VF that carries it.
 * @param inst  the instance.
 * @return the VF's BDF (borrowed), or NULL for an mdev.
 * @since 1.1
 */
const char *gpuvirt_instance_get_vf_bdf(const gpuvirt_instance *inst);

/**
 * @brief Whether it exists on the host now (an mdevctl definition may not).
 * @param inst  the instance.
 * @return 1 or 0; `-EINVAL` for NULL.
 * @since 1.1
 */
int gpuvirt_instance_is_active(const gpuvirt_instance *inst);

/**
 * @brief Whether it comes back after a reboot: mdevctl defines it, or it is
 *        recorded under `/etc/gpuvirt/instances/` (@since 1.2).
 * @param inst  the instance.
 * @return 1 or 0; `-EINVAL` for NULL.
 * @since 1.1
 */
int gpuvirt_instance_is_persistent(const gpuvirt_instance *inst);

/**
 * @brief The owner tag recorded with the instance (a VM's name, a tenant),
 *        from its record under `/etc/gpuvirt/instances/`.
 * @param inst  the instance.
 * @return the tag (borrowed), or NULL when none is recorded (or for NULL).
 * @since 1.2
 */
const char *gpuvirt_instance_get_owner(const gpuvirt_instance *inst);

/**
 * @brief Record an owner tag with a persisted instance (it survives reboots
 *        and restores with the instance; gpuvirt_state_plan_new()'s files
 *        carry it as `"owner"`).
 * @param inst   an instance created with #GPUVIRT_INSTANCE_PERSIST.
 * @param owner  at most 63 characters, no control character; NULL or ""
 *               removes the tag.
 * @return 0; `-EINVAL` for a bad tag or an instance without a UUID;
 *         `-ENOENT` when the instance is not recorded; `-EBUSY` when
 *         another process holds the GPU's lock; the errno of a failed write.
 * @since 1.2
 */
int gpuvirt_instance_set_owner(gpuvirt_instance *inst, const char *owner);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_PROFILE_H */
