/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/state.h
 * @brief Host state that survives a reboot: the persisted desired state,
 *        restored at boot, compared with the host, applied from a file.
 *
 * With #GPUVIRT_BIND_PERSIST and #GPUVIRT_INSTANCE_PERSIST, bind, unbind,
 * create and destroy keep one JSON file per object under the root's
 * `etc/gpuvirt/`: `bindings/<BDF>.json` (a device and its driver),
 * `vfs/<PF>.json` (a PF's VF count, recorded with a binding or instance on
 * one of its VFs) and `instances/<UUID>.json` (UUID, parent, profile,
 * mechanism, VF). driverctl's and mdevctl's own records are still written.
 *
 * A state plan compares such a state (or a declarative file of the same
 * objects, `{"version": 1, "objects": [...]}`) with the host, object by
 * object, in the order a restore makes them: VF counts, bindings (their
 * driver modules loaded as binding does), instances on VFs, then mdev
 * instances. Applying it makes only the difference, each object through the
 * same locked, journaled, verified and rolled-back operations as bind and
 * create. It never takes a device or instance that is in use, never removes
 * or changes anything the state does not name, and reports each object it
 * cannot make. See docs/persistence.md.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_STATE_H
#define GPUVIRT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A desired state compared with the host: one item per object.
 *        Opaque, reference-counted.
 * @since 1.2
 */
typedef struct gpuvirt_state_plan gpuvirt_state_plan;

/**
 * @brief Flags of gpuvirt_state_plan_new() and gpuvirt_restore().
 * @since 1.2
 */
enum gpuvirt_state_flags {
	/** Wait (up to 60 s each) for another process's lock on a group or
	 *  GPU instead of failing the object with `-EBUSY`. */
	GPUVIRT_STATE_WAIT = 1u << 0,
	/** Apply: also record each object of the file that holds afterwards
	 *  in `etc/gpuvirt/` (a file given to gpuvirt_state_plan_new()). */
	GPUVIRT_STATE_PERSIST = 1u << 1
};

/**
 * @brief Where one object of a state plan stands.
 * @since 1.2
 */
enum gpuvirt_state_status {
	GPUVIRT_STATE_IN_PLACE = 0,  /**< the host has it: nothing to do */
	GPUVIRT_STATE_TO_DO = 1,     /**< missing: applying makes it */
	GPUVIRT_STATE_DONE = 2,      /**< made by gpuvirt_state_plan_apply() */
	GPUVIRT_STATE_FAILED = 3,    /**< applying it failed (rolled back; the reason says why) */
	GPUVIRT_STATE_BLOCKED = 4,   /**< cannot be made here: device missing, profile not offered, in
					  use, a damaged record (the reason says which) */
	GPUVIRT_STATE_UNMANAGED = 5, /**< on the host but not in the state (an instance, a device on
					  vfio-pci or pciback): never touched */
	GPUVIRT_STATE_PAD_ = 0x7fffffff /**< pins the enum's size; never returned */
};

/**
 * @brief Compare a desired state with the host. Nothing is written.
 *
 * @param ctx        the context.
 * @param path       an absolute path of this machine to a declarative file,
 *                   or NULL for the persisted state under the root's
 *                   `etc/gpuvirt/`.
 * @param flags      #gpuvirt_state_flags.
 * @param[out] plan  receives the plan, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments, unknown flags or a relative
 *         path; `-EBADMSG` for a file that is not a valid state (the message
 *         names the object and the field); a negative errno when the file
 *         or a folder of the persisted state cannot be read (a record that
 *         cannot be read or parsed is instead an item of kind `"record"`,
 *         #GPUVIRT_STATE_BLOCKED).
 * @since 1.2
 */
int gpuvirt_state_plan_new(gpuvirt_ctx *ctx, const char *path, uint32_t flags, gpuvirt_state_plan **plan);

/**
 * @brief Take a reference.
 * @param plan  the plan, or NULL.
 * @return @p plan.
 * @since 1.2
 */
gpuvirt_state_plan *gpuvirt_state_plan_ref(gpuvirt_state_plan *plan);

/**
 * @brief Drop a reference.
 * @param plan  the plan, or NULL.
 * @return NULL once freed, else @p plan.
 * @since 1.2
 */
gpuvirt_state_plan *gpuvirt_state_plan_unref(gpuvirt_state_plan *plan);

/**
 * @brief How many items the plan has.
 * @param plan  the plan (NULL gives 0).
 * @return the count.
 * @since 1.2
 */
size_t gpuvirt_state_plan_get_count(const gpuvirt_state_plan *plan);

/**
 * @brief One item of the plan, in the order applying takes them.
 *
 * Kinds: `"vfs"` (object: the PF), `"binding"` (the device), `"instance"`
 * (its UUID), `"record"` (a file of `etc/gpuvirt/` that cannot be used).
 * Any out-parameter may be NULL; the strings are borrowed from the plan and
 * change when it is applied.
 *
 * @param plan          the plan.
 * @param index         0 to gpuvirt_state_plan_get_count() - 1.
 * @param[out] kind     what the object is.
 * @param[out] object   which one.
 * @param[out] wanted   what the state says (`"4 VFs"`, `"vfio-pci"`,
 *                      `"nvidia-233 on 0000:3b:00.0"`).
 * @param[out] current  what the host has now (`"absent"` when nothing).
 * @param[out] reason   why it is blocked or failed, or what applying does;
 *                      "" when in place.
 * @return the item's #gpuvirt_state_status; `-EINVAL` for a NULL plan;
 *         `-ERANGE` for an index out of range.
 * @since 1.2
 */
int gpuvirt_state_plan_get_item(const gpuvirt_state_plan *plan, size_t index, const char **kind, const char **object,
				const char **wanted, const char **current, const char **reason);

/**
 * @brief Make the host match the plan's state: only its items to do, in
 *        order, each on its own (one that fails or is blocked does not
 *        stop the others, and is rolled back).
 *
 * Each item is looked at again first (another item, or another process,
 * may have made it meanwhile). Applying a plan twice is harmless: the
 * second time there is nothing to do, and nothing is written.
 *
 * @param plan  the plan.
 * @return the number of the state's objects that do not hold afterwards
 *         (blocked or failed; 0 when the host matches); `-EINVAL`.
 * @since 1.2
 */
int gpuvirt_state_plan_apply(gpuvirt_state_plan *plan);

/**
 * @brief Restore the persisted state: gpuvirt_state_plan_new() with no file,
 *        then gpuvirt_state_plan_apply(). What `gpuvirt restore` and
 *        `gpuvirt-restore.service` run at boot.
 *
 * @param ctx        the context.
 * @param flags      #GPUVIRT_STATE_WAIT.
 * @param[out] plan  receives the applied plan (its items say what was
 *                   done and what could not be), or NULL when not wanted.
 * @return as gpuvirt_state_plan_apply(), or an error of
 *         gpuvirt_state_plan_new().
 * @since 1.2
 */
int gpuvirt_restore(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_state_plan **plan);

/**
 * @brief A status's name: "in-place", "to-do", "done", "failed", "blocked",
 *        "unmanaged".
 * @param status  a #gpuvirt_state_status.
 * @return a static string, or NULL for other values.
 * @since 1.2
 */
const char *gpuvirt_state_status_to_string(int status);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_STATE_H */
