/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/holder.h
 * @brief Who holds a device, an IOMMU group or a vGPU instance.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 *
 * A holder is what would lose a device if it changed hands:
 * - a process with one of its nodes open (read from `proc/<pid>/fd` under
 *   the root): the IOMMU group's `/dev/vfio/<group>` or the device's VFIO cdev
 *   `/dev/vfio/devices/vfioN` (a VM: what QEMU opens), its DRM nodes,
 *   `/dev/nvidiaN`, `/dev/kfd` (amdgpu), the sound nodes of an HDMI audio
 *   function (the host's own use);
 * - a live vGPU instance on the GPU or its VFs;
 * - one of its VFs handed to a VM.
 *
 * gpuvirt_bind_apply(), gpuvirt_unbind() and gpuvirt_instance_destroy()
 * refuse with `-EBUSY`, before any write, when a device they would move has
 * a holder, and name each one. #GPUVIRT_BIND_FORCE takes a device from the
 * host's own use; nothing takes it from a VM (gpuvirt_holder_is_vm()).
 *
 * Holders are read when the iterator is made: a snapshot.
 */
#ifndef GPUVIRT_HOLDER_H
#define GPUVIRT_HOLDER_H

#include <stdint.h>

#include <gpuvirt/context.h>
#include <gpuvirt/device.h>
#include <gpuvirt/profile.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One holder: a process, an instance or a VF in use. */
typedef struct gpuvirt_holder gpuvirt_holder;
/** @brief An iterator over holders. */
typedef struct gpuvirt_holder_iter gpuvirt_holder_iter;

/** @brief What kind of holder. */
enum gpuvirt_holder_kind {
	GPUVIRT_HOLDER_PROCESS = 1,  /**< a process with a node of the device open */
	GPUVIRT_HOLDER_INSTANCE = 2, /**< a live vGPU instance on the GPU or one of its VFs */
	GPUVIRT_HOLDER_VF = 3,	     /**< a VF of the GPU that a process (a VM) holds */
	GPUVIRT_HOLDER_PAD_ = 0x7fffffff /**< pins the enum's size; never returned */
};

/**
 * @brief The holders of one device (a PCI function).
 *
 * Includes the holders of its IOMMU group's VFIO node, of its vGPU instances
 * and of its VFs.
 *
 * @param dev  the device.
 * @param[out] out  receives the iterator, owned by the caller (release with
 *                  gpuvirt_holder_iter_unref()).
 * @return 0; `-EINVAL` for NULL arguments; other negative errno values when
 *         `proc/` or sysfs cannot be read (the message names the file).
 * @since 1.2
 */
int gpuvirt_holder_iter_new_for_device(gpuvirt_device *dev, gpuvirt_holder_iter **out);

/**
 * @brief The holders of every device of an IOMMU group.
 * @param ctx    the context.
 * @param group  the group's number.
 * @param[out] out  receives the iterator, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments or a negative group; `-ENOENT`
 *         when no such group exists; other negative errno values from reading.
 * @since 1.2
 */
int gpuvirt_holder_iter_new_for_group(gpuvirt_ctx *ctx, int group, gpuvirt_holder_iter **out);

/**
 * @brief The processes that hold a vGPU instance (its VFIO nodes open).
 * @param inst  the instance.
 * @param[out] out  receives the iterator, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments; other negative errno values from reading.
 * @since 1.2
 */
int gpuvirt_holder_iter_new_for_instance(gpuvirt_instance *inst, gpuvirt_holder_iter **out);

/**
 * @brief The next holder.
 * @param it  the iterator.
 * @param[out] holder  receives the holder with a reference owned by the caller
 *                     (release with gpuvirt_holder_unref()), or NULL at the end.
 * @return 1 for a holder, 0 at the end, `-EINVAL` for NULL arguments.
 * @since 1.2
 */
int gpuvirt_holder_iter_next(gpuvirt_holder_iter *it, gpuvirt_holder **holder);

/**
 * @brief Release an iterator.
 * @param it  the iterator, or NULL.
 * @return NULL.
 * @since 1.2
 */
gpuvirt_holder_iter *gpuvirt_holder_iter_unref(gpuvirt_holder_iter *it);

/**
 * @brief Take a reference.
 * @param h  the holder, or NULL.
 * @return @p h.
 * @since 1.2
 */
gpuvirt_holder *gpuvirt_holder_ref(gpuvirt_holder *h);

/**
 * @brief Drop a reference; the holder is freed with the last one.
 * @param h  the holder, or NULL.
 * @return NULL once freed, else @p h.
 * @since 1.2
 */
gpuvirt_holder *gpuvirt_holder_unref(gpuvirt_holder *h);

/**
 * @brief The kind of holder.
 * @param h  the holder.
 * @return an enum gpuvirt_holder_kind value; `-EINVAL` if @p h is NULL.
 * @since 1.2
 */
int gpuvirt_holder_get_kind(const gpuvirt_holder *h);

/**
 * @brief Name a holder kind.
 * @param kind  an enum gpuvirt_holder_kind value.
 * @return "process", "instance" or "vf" (static); NULL for other values.
 * @since 1.2
 */
const char *gpuvirt_holder_kind_to_string(int kind);

/**
 * @brief The device held: a PCI address, or an mdev instance's UUID.
 * @param h  the holder.
 * @return borrowed, valid while @p h lives; NULL if @p h is NULL.
 * @since 1.2
 */
const char *gpuvirt_holder_get_device(const gpuvirt_holder *h);

/**
 * @brief The process that holds it (for processes and VFs in use).
 * @param h  the holder.
 * @return the pid; -1 for an instance or a NULL @p h.
 * @since 1.2
 */
int64_t gpuvirt_holder_get_pid(const gpuvirt_holder *h);

/**
 * @brief The process's command name (`proc/<pid>/comm`, control characters
 *        shown as `?`).
 * @param h  the holder.
 * @return borrowed; NULL for an instance or when unknown.
 * @since 1.2
 */
const char *gpuvirt_holder_get_command(const gpuvirt_holder *h);

/**
 * @brief The node a process has open (`/dev/vfio/12`), or where an instance
 *        lives (its parent, or "vGPU type N on VF").
 * @param h  the holder.
 * @return borrowed; NULL if @p h is NULL.
 * @since 1.2
 */
const char *gpuvirt_holder_get_path(const gpuvirt_holder *h);

/**
 * @brief The instance's UUID (instances), or the VF in use (VFs).
 * @param h  the holder.
 * @return borrowed; NULL for processes, or an instance without a UUID (a
 *         vendor vGPU type set by another tool).
 * @since 1.2
 */
const char *gpuvirt_holder_get_instance(const gpuvirt_holder *h);

/**
 * @brief Whether the holder is a VM's (a VFIO node, a live instance, a VF in
 *        use): #GPUVIRT_BIND_FORCE never takes a device from it.
 * @param h  the holder.
 * @return 1 a VM's, 0 the host's own use; `-EINVAL` if @p h is NULL.
 * @since 1.2
 */
int gpuvirt_holder_is_vm(const gpuvirt_holder *h);

/**
 * @brief The holder in words: "pid 4242 (qemu-system-x86) has /dev/vfio/1 open".
 * @param h  the holder.
 * @return borrowed, valid while @p h lives; NULL if @p h is NULL.
 * @since 1.2
 */
const char *gpuvirt_holder_get_description(const gpuvirt_holder *h);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_HOLDER_H */
