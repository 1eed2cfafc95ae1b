/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/bind.h
 * @brief Passthrough binding: hand a GPU, with everything in its IOMMU group,
 *        to vfio-pci (KVM/QEMU) or xen-pciback (Xen), and give it back.
 *
 * Binding is planned, then applied. A plan lists every write it will make
 * (device, action, file, value), so a management stack can show or log it.
 * Applying is all or nothing: each step is verified by reading the `driver`
 * link back, and on any failure every device already moved returns to the
 * driver it had, with its `driver_override` restored. Before touching a
 * device the original drivers are written to a journal under the root's
 * `run/gpuvirt/`; gpuvirt_recover() (and the next binding call of any
 * process) finishes an interrupted operation by restoring them. An advisory
 * lock per IOMMU group under `run/lock/gpuvirt/` keeps two processes apart.
 *
 * The mechanism is the kernel's safe one: `driver_override`, unbind,
 * `drivers_probe` (never `new_id`, which would capture every card with the
 * same IDs). With #GPUVIRT_BIND_PERSIST the binding is also recorded in
 * driverctl's format (`/etc/driverctl.d/pci-<BDF>`), which its boot-time
 * service restores, and under `/etc/gpuvirt/bindings/` for gpuvirt_restore()
 * (with the PF's VF count where the device is a VF; see gpuvirt/state.h).
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_BIND_H
#define GPUVIRT_BIND_H

#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/context.h>
#include <gpuvirt/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The list of steps that hands a GPU to a driver. Opaque, reference-counted.
 * @since 1.1
 */
typedef struct gpuvirt_bind_plan gpuvirt_bind_plan;

/**
 * @brief Flags of gpuvirt_bind_plan_new() and gpuvirt_unbind().
 * @since 1.1
 */
enum gpuvirt_bind_flags {
	/** Move the whole IOMMU group even when it holds devices of other
	 *  cards (a USB controller, a NIC); without it the plan refuses. */
	GPUVIRT_BIND_ALLOW_GROUP = 1u << 0,
	/** Take the boot VGA device, or a device whose DRM nodes are open. */
	GPUVIRT_BIND_FORCE = 1u << 1,
	/** Bind: record the binding for driverctl's boot-time service and
	 *  gpuvirt_restore(). Unbind: remove those records. */
	GPUVIRT_BIND_PERSIST = 1u << 2,
	/** Wait (up to 60 s) for another process's lock on the group instead
	 *  of failing with `-EBUSY`. */
	GPUVIRT_BIND_WAIT = 1u << 3
};

/**
 * @brief Plan handing a device, and the rest of its IOMMU group, to a driver.
 *
 * The plan covers every endpoint of the group (bridges stay with the host);
 * where there is no group (an IOMMU the kernel does not see, as in a Xen
 * dom0), every function of the same card. Devices already on the target
 * need no steps. Nothing is written.
 *
 * @param dev        the device (a GPU, or any PCI function).
 * @param target     `"vfio-pci"`, `"kvm"`, `"pciback"` (or `"xen"`), or
 *                   the name of another PCI driver. `"kvm"` is vfio-pci, or
 *                   (since 1.2) the vfio-pci variant driver the kernel's
 *                   `modules.alias` offers for every device that moves
 *                   (its `vfio_pci:` entries; the most specific one, as
 *                   libvirt 10 chooses): gpuvirt_bind_plan_get_target()
 *                   says which.
 * @param flags      #gpuvirt_bind_flags.
 * @param[out] plan  receives the plan, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments, unknown flags or a malformed
 *         driver name, or vfio-pci for a device without an IOMMU group;
 *         `-EPERM` when the group holds another card's device and
 *         #GPUVIRT_BIND_ALLOW_GROUP is not set; `-EBUSY` for the boot VGA
 *         device or a device in use, without #GPUVIRT_BIND_FORCE; `-ENOENT`
 *         when the target driver is neither loaded nor available as a module.
 *         gpuvirt_ctx_get_error() names the device.
 * @since 1.1
 */
int gpuvirt_bind_plan_new(gpuvirt_device *dev, const char *target, uint32_t flags, gpuvirt_bind_plan **plan);

/**
 * @brief Take a reference.
 * @param plan  the plan, or NULL.
 * @return @p plan.
 * @since 1.1
 */
gpuvirt_bind_plan *gpuvirt_bind_plan_ref(gpuvirt_bind_plan *plan);

/**
 * @brief Drop a reference.
 * @param plan  the plan, or NULL.
 * @return NULL once freed, else @p plan.
 * @since 1.1
 */
gpuvirt_bind_plan *gpuvirt_bind_plan_unref(gpuvirt_bind_plan *plan);

/**
 * @brief The driver the plan hands the devices to (aliases resolved).
 * @param plan  the plan.
 * @return the driver name (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_bind_plan_get_target(const gpuvirt_bind_plan *plan);

/**
 * @brief How many devices the plan covers (including those already bound).
 * @param plan  the plan (NULL gives 0).
 * @return the count.
 * @since 1.1
 */
size_t gpuvirt_bind_plan_get_device_count(const gpuvirt_bind_plan *plan);

/**
 * @brief The index-th device of the plan, in address order.
 * @param plan   the plan.
 * @param index  0 to gpuvirt_bind_plan_get_device_count() - 1.
 * @return its BDF (borrowed), or NULL when out of range.
 * @since 1.1
 */
const char *gpuvirt_bind_plan_get_device(const gpuvirt_bind_plan *plan, size_t index);

/**
 * @brief How many steps the plan has.
 * @param plan  the plan (NULL gives 0).
 * @return the count.
 * @since 1.1
 */
size_t gpuvirt_bind_plan_get_step_count(const gpuvirt_bind_plan *plan);

/**
 * @brief One step of the plan.
 *
 * Actions: `"modprobe"` (value: the module), `"console"` and
 * `"framebuffer"` (the boot VGA's host console released, since 1.2),
 * `"reset_method"`, `"override"`, `"new_slot"`, `"unbind"`, `"probe"`,
 * `"wait"` and `"wait_cdev"` (for the file in path to appear),
 * `"persist"`. Paths are relative to the context's root. Any out-parameter
 * may be NULL; the strings are borrowed from the plan.
 *
 * @param plan         the plan.
 * @param index        0 to gpuvirt_bind_plan_get_step_count() - 1.
 * @param[out] device  the BDF the step is about (NULL for modprobe).
 * @param[out] action  what it does.
 * @param[out] path    the file it writes or waits for.
 * @param[out] value   what it writes.
 * @return 0; `-EINVAL` for a NULL plan; `-ERANGE` for an index out of range.
 * @since 1.1
 */
int gpuvirt_bind_plan_get_step(const gpuvirt_bind_plan *plan, size_t index, const char **device, const char **action,
			       const char **path, const char **value);

/**
 * @brief Perform a plan: all or nothing.
 *
 * Takes the group's lock, writes the journal, runs each step and verifies
 * it; for vfio-pci, waits (up to 5 s) for `/dev/vfio/<group>`. On failure
 * every moved device goes back to its original driver and override, and the
 * error names the device, the file and the kernel's errno.
 *
 * @param plan  the plan; applying it twice is harmless (the second finds
 *              the devices already bound).
 * @return 0; `-EINVAL`; `-EBUSY` when another process holds the group
 *         (its pid is in the message); `-ESTALE` when a device's driver
 *         changed since the plan was made; the kernel's errno of a failed
 *         write; `-ETIMEDOUT` when `/dev/vfio/<group>` does not appear.
 * @since 1.1
 */
int gpuvirt_bind_apply(gpuvirt_bind_plan *plan);

/**
 * @brief Give a device's IOMMU group (or card) back to the drivers it had.
 *
 * The drivers recorded when libgpuvirt bound it; for a group bound by another
 * tool, the override is cleared and the kernel picks the driver.
 *
 * @param dev    any device of the group.
 * @param flags  #GPUVIRT_BIND_PERSIST (also forget the driverctl record),
 *               #GPUVIRT_BIND_WAIT.
 * @return 0; `-EINVAL`; `-EBUSY`; the errno of a write that failed (the
 *         other devices are still given back, and the journal stays for
 *         gpuvirt_recover()).
 * @since 1.1
 */
int gpuvirt_unbind(gpuvirt_device *dev, uint32_t flags);

/**
 * @brief Finish interrupted binding work: every device of an operation that
 *        a crashed process left half-way goes back to its original driver.
 *
 * Journals whose group is locked by a live process are left alone.
 *
 * @param ctx  the context.
 * @return the number of operations recovered (0 when none); `-EINVAL`; a
 *         negative errno when a device could not be restored.
 * @since 1.1
 */
int gpuvirt_recover(gpuvirt_ctx *ctx);

/**
 * @brief The program that loads a missing driver module.
 *
 * By default `/sbin/modprobe` when the root is `/`, else none (a missing
 * module is then an error); the `GPUVIRT_MODPROBE` environment variable sets
 * one for every new context. It runs as `PROGRAM -q -- MODULE` with
 * `GPUVIRT_ROOT` set to the context's root.
 *
 * @param ctx   the context.
 * @param path  an absolute path to an executable, or NULL for the default.
 * @return 0; `-EINVAL` for a NULL context or a relative path; a negative
 *         errno when it is not executable.
 * @since 1.1
 */
int gpuvirt_ctx_set_modprobe(gpuvirt_ctx *ctx, const char *path);

/**
 * @brief The driver that driverctl will bind the device to at boot, from
 *        `/etc/driverctl.d/pci-<BDF>` under the root.
 * @param dev  the device.
 * @return the driver name (borrowed from the device, read with its
 *         snapshot), or NULL when none is recorded.
 * @since 1.1
 */
const char *gpuvirt_device_get_persistent_driver(const gpuvirt_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_BIND_H */
