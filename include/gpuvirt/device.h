/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/device.h
 * @brief Discovery: the host's GPUs and other PCI functions.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 *
 * A ::gpuvirt_device is a snapshot of one PCI function, read when it was
 * looked up; gpuvirt_device_refresh() reads it again. Strings returned by
 * its getters are borrowed: valid while the device lives and until its next
 * refresh. Lists (IOMMU group members, VFs, reset methods, DRM nodes) are
 * read with a `_count` getter and an index getter.
 */
#ifndef GPUVIRT_DEVICE_H
#define GPUVIRT_DEVICE_H

#include <gpuvirt/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief One PCI function of the host. Opaque, reference counted.
 * @since 1.0
 */
typedef struct gpuvirt_device gpuvirt_device;

/**
 * @brief An iterator over the host's PCI functions, in BDF order. Opaque.
 * @since 1.0
 */
typedef struct gpuvirt_device_iter gpuvirt_device_iter;

/**
 * @brief Flags for gpuvirt_device_iter_new().
 * @since 1.0
 */
enum gpuvirt_devices_flags {
	/** Only GPUs: PCI class 0x03xxxx (display) and 0x1200xx (processing accelerator). */
	GPUVIRT_DEVICES_GPUS = 0,
	/** Every PCI function of the host. */
	GPUVIRT_DEVICES_ALL = 1u << 0,
	/** Physical functions only: no SR-IOV virtual function (one with a
	 *  `physfn` link). Combines with either of the above. @since 1.2 */
	GPUVIRT_DEVICES_NO_VFS = 1u << 1
};

/**
 * @brief Virtualization modes a device offers now (bits of gpuvirt_device_get_modes()).
 * @since 1.0
 */
enum gpuvirt_mode {
	/** It sits in an IOMMU group: it can be passed through with VFIO or pciback. */
	GPUVIRT_MODE_PASSTHROUGH = 1u << 0,
	/** It is an mdev parent: it has `mdev_supported_types`. */
	GPUVIRT_MODE_MDEV = 1u << 1,
	/** It is an SR-IOV physical function (`sriov_totalvfs` > 0). */
	GPUVIRT_MODE_SRIOV = 1u << 2,
	/** NVIDIA's vendor vGPU sysfs (`nvidia/creatable_vgpu_types`) on it or on its VFs. */
	GPUVIRT_MODE_NVIDIA_VGPU = 1u << 3
};

/**
 * @brief Start iterating over the host's PCI functions.
 *
 * Functions are returned in ascending BDF order. A function that vanishes
 * while the iteration runs (hot unplug, a VF count change) is skipped; a
 * function whose identity cannot be read is skipped with a warning logged.
 *
 * GPUs are read one gpuvirt_device_iter_next() at a time. With
 * ::GPUVIRT_DEVICES_ALL every function is read on the first call, in one
 * pass (since 1.2): each IOMMU group's members then come from the
 * functions' own `iommu_group` links instead of a listing per group, and
 * the devices returned are a snapshot of that moment. An error met in the
 * pass is returned after the functions read before it, as before.
 *
 * @param ctx    the context.
 * @param flags  ::GPUVIRT_DEVICES_GPUS or ::GPUVIRT_DEVICES_ALL, with
 *               ::GPUVIRT_DEVICES_NO_VFS to leave out SR-IOV VFs.
 * @param[out] it receives the iterator, owned by the caller
 *               (release with gpuvirt_device_iter_unref()).
 * @return 0; `-EINVAL` for NULL arguments or unknown flags; `-ENOENT` when the
 *         root has no `sys/bus/pci/devices`; `-ENOMEM`; other negative errno
 *         values from reading the directory.
 * @since 1.0
 */
int gpuvirt_device_iter_new(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_device_iter **it);

/**
 * @brief Get the next device.
 * @param it        the iterator.
 * @param[out] dev  receives the device with a reference owned by the caller
 *                  (release with gpuvirt_device_unref()); NULL at the end.
 * @return 1 with a device, 0 at the end, a negative errno on error
 *         (`-EINVAL` for NULL arguments, `-ENOMEM`).
 * @since 1.0
 */
int gpuvirt_device_iter_next(gpuvirt_device_iter *it, gpuvirt_device **dev);

/**
 * @brief Release an iterator.
 * @param it  the iterator, or NULL.
 * @return NULL.
 * @since 1.0
 */
gpuvirt_device_iter *gpuvirt_device_iter_unref(gpuvirt_device_iter *it);

/**
 * @brief Look up one PCI function by its address.
 *
 * @param ctx  the context.
 * @param bdf  `DDDD:BB:DD.F` (domain, bus, device, function in hex), or
 *             `BB:DD.F` for domain 0; either case is accepted.
 * @param[out] dev  receives the device, with a reference owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments or a malformed address;
 *         `-ENODEV` when no such function exists under the root;
 *         `-EBADMSG` when its identity attributes cannot be parsed;
 *         other negative errno values from reading sysfs.
 * @since 1.0
 */
int gpuvirt_device_new_from_bdf(gpuvirt_ctx *ctx, const char *bdf, gpuvirt_device **dev);

/**
 * @brief Read the device's attributes again from the host.
 * @param dev  the device.
 * @return 0; `-ENODEV` if it has gone (the snapshot is kept); other errors as
 *         for gpuvirt_device_new_from_bdf(). Strings borrowed from the device
 *         before a successful refresh are invalid after it.
 * @since 1.0
 */
int gpuvirt_device_refresh(gpuvirt_device *dev);

/**
 * @brief Whether the host may have changed since the device was read.
 *
 * A device object is a snapshot. Once its context has written to the host
 * (gpuvirt_bind_apply(), gpuvirt_unbind(), gpuvirt_instance_create(), ...:
 * see gpuvirt_ctx_get_generation()), every device read before that write
 * reports itself stale until gpuvirt_device_refresh() reads it again.
 * Changes made by other processes are not seen this way.
 *
 * @param dev  the device.
 * @return 1 stale, 0 current; `-EINVAL` if @p dev is NULL.
 * @since 1.2
 */
int gpuvirt_device_is_stale(const gpuvirt_device *dev);

/**
 * @brief Take a reference on a device.
 * @param dev  the device, or NULL.
 * @return @p dev.
 * @since 1.0
 */
gpuvirt_device *gpuvirt_device_ref(gpuvirt_device *dev);

/**
 * @brief Drop a reference on a device.
 * @param dev  the device, or NULL (a no-op).
 * @return NULL once freed, else @p dev.
 * @since 1.0
 */
gpuvirt_device *gpuvirt_device_unref(gpuvirt_device *dev);

/**
 * @brief The context the device belongs to.
 * @param dev  the device.
 * @return the context, borrowed; NULL if @p dev is NULL.
 * @since 1.0
 */
gpuvirt_ctx *gpuvirt_device_get_ctx(const gpuvirt_device *dev);

/**
 * @brief The device's PCI address.
 * @param dev  the device.
 * @return `DDDD:BB:DD.F` in lower case, borrowed; NULL if @p dev is NULL.
 * @since 1.0
 */
const char *gpuvirt_device_get_bdf(const gpuvirt_device *dev);

/**
 * @brief PCI vendor ID. @param dev the device. @return the ID; 0 if @p dev is NULL. @since 1.0
 */
uint16_t gpuvirt_device_get_vendor_id(const gpuvirt_device *dev);

/**
 * @brief PCI device ID. @param dev the device. @return the ID; 0 if @p dev is NULL. @since 1.0
 */
uint16_t gpuvirt_device_get_device_id(const gpuvirt_device *dev);

/**
 * @brief PCI subsystem vendor ID. @param dev the device. @return the ID; 0 when absent or @p dev is NULL. @since 1.0
 */
uint16_t gpuvirt_device_get_subsystem_vendor_id(const gpuvirt_device *dev);

/**
 * @brief PCI subsystem device ID. @param dev the device. @return the ID; 0 when absent or @p dev is NULL. @since 1.0
 */
uint16_t gpuvirt_device_get_subsystem_device_id(const gpuvirt_device *dev);

/**
 * @brief PCI class code (base class, subclass, programming interface).
 * @param dev  the device.
 * @return 24-bit class such as 0x030000 (VGA); 0 if @p dev is NULL.
 * @since 1.0
 */
uint32_t gpuvirt_device_get_class(const gpuvirt_device *dev);

/**
 * @brief PCI revision ID. @param dev the device. @return the revision; 0 if @p dev is NULL. @since 1.0
 */
uint8_t gpuvirt_device_get_revision(const gpuvirt_device *dev);

/**
 * @brief Whether the device is a GPU (class 0x03xxxx or 0x1200xx).
 * @param dev  the device.
 * @return 1 or 0.
 * @since 1.0
 */
int gpuvirt_device_is_gpu(const gpuvirt_device *dev);

/**
 * @brief Vendor name from the PCI ID database (pci.ids).
 * @param dev  the device.
 * @return the name, borrowed; NULL when unknown.
 * @since 1.0
 */
const char *gpuvirt_device_get_vendor_name(const gpuvirt_device *dev);

/**
 * @brief Device name from the PCI ID database (pci.ids).
 * @param dev  the device.
 * @return the name, borrowed; NULL when unknown.
 * @since 1.0
 */
const char *gpuvirt_device_get_device_name(const gpuvirt_device *dev);

/**
 * @brief The bound kernel driver (the `driver` link).
 * @param dev  the device.
 * @return the driver's name such as "vfio-pci", borrowed; NULL when unbound.
 * @since 1.0
 */
const char *gpuvirt_device_get_driver(const gpuvirt_device *dev);

/**
 * @brief The driver named in `driver_override`.
 * @param dev  the device.
 * @return the name, borrowed; NULL when unset (`(null)`) or unsupported.
 * @since 1.0
 */
const char *gpuvirt_device_get_driver_override(const gpuvirt_device *dev);

/**
 * @brief The IOMMU group number.
 * @param dev  the device.
 * @return the group, or -1 when the device has none (IOMMU off).
 * @since 1.0
 */
int gpuvirt_device_get_iommu_group(const gpuvirt_device *dev);

/**
 * @brief Number of functions in the device's IOMMU group, itself included.
 * @param dev  the device.
 * @return the count; 0 when the device has no group.
 * @since 1.0
 */
size_t gpuvirt_device_get_iommu_group_member_count(const gpuvirt_device *dev);

/**
 * @brief One member of the device's IOMMU group, in BDF order.
 * @param dev    the device.
 * @param index  0 to gpuvirt_device_get_iommu_group_member_count() - 1.
 * @return the member's BDF, borrowed; NULL when @p index is out of range.
 * @since 1.0
 */
const char *gpuvirt_device_get_iommu_group_member(const gpuvirt_device *dev, size_t index);

/**
 * @brief NUMA node of the device.
 * @param dev  the device.
 * @return the node, or -1 when unknown.
 * @since 1.0
 */
int gpuvirt_device_get_numa_node(const gpuvirt_device *dev);

/**
 * @brief Whether firmware used this device as the boot display (`boot_vga`).
 * @param dev  the device.
 * @return 1 or 0; -1 when the host does not say (non-VGA class).
 * @since 1.0
 */
int gpuvirt_device_get_boot_vga(const gpuvirt_device *dev);

/**
 * @brief SR-IOV: the most VFs the device can enable (`sriov_totalvfs`).
 * @param dev  the device.
 * @return the count, or -1 when the device is not an SR-IOV physical function.
 * @since 1.0
 */
int gpuvirt_device_get_sriov_total_vfs(const gpuvirt_device *dev);

/**
 * @brief SR-IOV: the VFs enabled now (`sriov_numvfs`).
 * @param dev  the device.
 * @return the count, or -1 when the device is not an SR-IOV physical function.
 * @since 1.0
 */
int gpuvirt_device_get_sriov_num_vfs(const gpuvirt_device *dev);

/**
 * @brief SR-IOV: number of VF links (`virtfnN`) present.
 * @param dev  the device.
 * @return the count.
 * @since 1.0
 */
size_t gpuvirt_device_get_vf_count(const gpuvirt_device *dev);

/**
 * @brief SR-IOV: the BDF of VF number @p index (`virtfn<index>`).
 * @param dev    the device.
 * @param index  0 to gpuvirt_device_get_vf_count() - 1.
 * @return the VF's BDF, borrowed; NULL when out of range.
 * @since 1.0
 */
const char *gpuvirt_device_get_vf(const gpuvirt_device *dev, size_t index);

/**
 * @brief SR-IOV: the physical function of a VF (`physfn`).
 * @param dev  the device.
 * @return the PF's BDF, borrowed; NULL when the device is not a VF.
 * @since 1.0
 */
const char *gpuvirt_device_get_physfn(const gpuvirt_device *dev);

/**
 * @brief Whether the kernel reports reset methods (`reset_method`, Linux 5.15+).
 * @param dev  the device.
 * @return 1 if the attribute exists (even if empty), else 0.
 * @since 1.0
 */
int gpuvirt_device_has_reset_method_info(const gpuvirt_device *dev);

/**
 * @brief Number of reset methods (`flr`, `pm`, `bus`...).
 * @param dev  the device.
 * @return the count; 0 when none or unknown.
 * @since 1.0
 */
size_t gpuvirt_device_get_reset_method_count(const gpuvirt_device *dev);

/**
 * @brief One reset method, in the kernel's order of preference.
 * @param dev    the device.
 * @param index  0 to gpuvirt_device_get_reset_method_count() - 1.
 * @return the method's name, borrowed; NULL when out of range.
 * @since 1.0
 */
const char *gpuvirt_device_get_reset_method(const gpuvirt_device *dev, size_t index);

/**
 * @brief Number of DRM nodes of the device (`card*`, `renderD*`).
 * @param dev  the device.
 * @return the count.
 * @since 1.0
 */
size_t gpuvirt_device_get_drm_node_count(const gpuvirt_device *dev);

/**
 * @brief One DRM node's name, such as "card0" or "renderD128" (under `/dev/dri`).
 * @param dev    the device.
 * @param index  0 to gpuvirt_device_get_drm_node_count() - 1.
 * @return the name, borrowed; NULL when out of range.
 * @since 1.0
 */
const char *gpuvirt_device_get_drm_node(const gpuvirt_device *dev, size_t index);

/**
 * @brief The virtualization modes the device offers now.
 * @param dev  the device.
 * @return a bit set of ::gpuvirt_mode values.
 * @since 1.0
 */
uint32_t gpuvirt_device_get_modes(const gpuvirt_device *dev);

/**
 * @brief The device's VFIO device cdev, for iommufd (Linux 6.6+).
 *
 * A device bound to vfio-pci (or a variant of it) on a kernel with VFIO
 * device cdevs has `vfio-dev/vfioN` in sysfs, with a `dev` number, and
 * `/dev/vfio/devices/vfioN`: QEMU 8.2+ and libvirt open it with
 * `/dev/iommu` (iommufd) instead of the group's `/dev/vfio/<group>`.
 * Binding waits for the node. Linux 6.1 to 6.5 make `vfio-dev/vfioN`
 * without a `dev` number and no node: no cdev.
 *
 * @param dev  the device.
 * @return the cdev's name ("vfio0", under `/dev/vfio/devices/`), borrowed;
 *         NULL when it has none (not bound to VFIO, or an older kernel).
 * @since 1.2
 */
const char *gpuvirt_device_get_vfio_cdev(const gpuvirt_device *dev);

/**
 * @brief What a BAR is (bits of the flags gpuvirt_device_get_bar() gives).
 * @since 1.2
 */
typedef enum gpuvirt_bar_flag {
	GPUVIRT_BAR_IO = 1 << 0,	/**< I/O ports */
	GPUVIRT_BAR_MEM = 1 << 1,	/**< memory */
	GPUVIRT_BAR_64 = 1 << 2,	/**< 64-bit memory: placed in the guest's 64-bit window */
	GPUVIRT_BAR_PREFETCH = 1 << 3,	/**< prefetchable memory */
	GPUVIRT_BAR_RESIZABLE = 1 << 4, /**< the Resizable BAR capability covers it */
} gpuvirt_bar_flag;

/** Number of BARs of a PCI function (0 to 5). @since 1.2 */
#define GPUVIRT_BAR_COUNT 6
/** QEMU's default 64-bit PCI window of the q35 machine (`pci-hole64-size`, 32 GiB). @since 1.2 */
#define GPUVIRT_QEMU_Q35_MMIO64 (UINT64_C(1) << 35)
/** QEMU's default 64-bit PCI window of the pc (i440FX) machine (2 GiB). @since 1.2 */
#define GPUVIRT_QEMU_PC_MMIO64 (UINT64_C(1) << 31)

/**
 * @brief One BAR of the device: its size, kind and the sizes it can be resized to.
 *
 * The BARs are read on the first call for a device (its `resource` file,
 * and `resourceN_resize` or, without those, the Resizable BAR capability
 * in config space), as the device is then; later calls answer from them.
 * A 64-bit BAR takes two slots: the second reads as unused.
 *
 * @param dev        the device.
 * @param index      0 to #GPUVIRT_BAR_COUNT - 1.
 * @param size       out (may be NULL): bytes; 0 for an unused BAR.
 * @param flags      out (may be NULL): ::gpuvirt_bar_flag bits.
 * @param resizable  out (may be NULL): the sizes it supports, bit k for
 *                   1 MiB << k (bit 0: 1 MiB, bit 15: 32 GiB); 0 when fixed.
 * @return 0; -EINVAL for a NULL device, -ERANGE for an index past the last,
 *         -ENODATA when the kernel shows no `resource` file, or the negative
 *         errno of a read that failed (logged, naming the file).
 * @since 1.2
 */
int gpuvirt_device_get_bar(const gpuvirt_device *dev, unsigned index, uint64_t *size, uint32_t *flags,
			   uint64_t *resizable);

/**
 * @brief The 64-bit PCI window a VM needs for these devices' 64-bit BARs.
 *
 * Firmware places each BAR at its natural alignment in a window QEMU starts
 * on a 1 GiB boundary: the answer is the BARs' sum, plus the largest less
 * 1 GiB (the worst alignment loss), plus 1 GiB for the VM's own devices,
 * in whole GiB. Compare it with #GPUVIRT_QEMU_Q35_MMIO64; a larger answer
 * is what to give QEMU (`-global q35-pcihost.pci-hole64-size=`), libvirt
 * (`<pcihole64>`) and OVMF (`opt/ovmf/X-PciMmio64Mb`).
 *
 * @param devs   the devices the VM gets (reads their BARs as gpuvirt_device_get_bar()).
 * @param n      how many.
 * @param bytes  out: the window in bytes; 0 when none has a 64-bit BAR.
 * @return 0 or a negative errno from reading a device's BARs (-ENODATA
 *         when one has no `resource` file).
 * @since 1.2
 */
int gpuvirt_guest_mmio64_window(const gpuvirt_device *const *devs, size_t n, uint64_t *bytes);

/**
 * @brief The name of one mode bit.
 * @param mode  exactly one ::gpuvirt_mode bit.
 * @return "passthrough", "mdev", "sriov", "nvidia-vgpu", or NULL for anything else.
 * @since 1.0
 */
const char *gpuvirt_mode_to_string(uint32_t mode);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_DEVICE_H */
