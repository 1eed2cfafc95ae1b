/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/check.h
 * @brief Host compatibility checks: can each GPU be passed through or shared,
 *        and what is the fix when it cannot.
 *
 * A check reads files under the context's root only and changes nothing. Its
 * result is a report: a list of findings, each with a stable dotted code
 * (the table in the documentation's "Finding codes" page), a severity, a
 * subject (the host or a GPU's address), a one-line message and a remedy;
 * plus, per GPU, two verdicts with the codes that decided them.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_CHECK_H
#define GPUVIRT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/context.h>
#include <gpuvirt/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The result of a check run. Opaque, reference-counted.
 * @since 1.1
 */
typedef struct gpuvirt_report gpuvirt_report;

/**
 * @brief One finding of a report. Opaque; borrowed from its report.
 * @since 1.1
 */
typedef struct gpuvirt_finding gpuvirt_finding;

/**
 * @brief An iterator over a report's findings. Opaque.
 * @since 1.1
 */
typedef struct gpuvirt_finding_iter gpuvirt_finding_iter;

/**
 * @brief How bad a finding is. Ordered: a larger value is worse.
 * @since 1.1
 */
enum gpuvirt_severity {
	GPUVIRT_SEVERITY_PASS = 0, /**< the requirement is met */
	GPUVIRT_SEVERITY_INFO = 1, /**< worth knowing; blocks nothing */
	GPUVIRT_SEVERITY_WARN = 2, /**< works, with a caveat or a risk */
	GPUVIRT_SEVERITY_FAIL = 3, /**< blocks passthrough or sharing */
	GPUVIRT_SEVERITY_PAD_ = 0x7fffffff /**< pins the enum's size; never returned */
};

/**
 * @brief The two questions a report answers per GPU.
 * @since 1.1
 */
enum gpuvirt_verdict {
	GPUVIRT_VERDICT_PASSTHROUGH = 0, /**< can the GPU be given whole to one VM */
	GPUVIRT_VERDICT_SHARE = 1,       /**< can it be shared (vGPU, mdev, SR-IOV VFs) */
	GPUVIRT_VERDICT_PAD_ = 0x7fffffff /**< pins the enum's size; never used */
};

/**
 * @brief Flags of gpuvirt_check_host().
 * @since 1.1
 */
enum gpuvirt_check_flags {
	GPUVIRT_CHECK_HOST_ONLY = 1u << 0 /**< skip the per-GPU checks */
};

/**
 * @brief Check the host and every GPU on it.
 *
 * @param ctx          the context.
 * @param flags        0 or #GPUVIRT_CHECK_HOST_ONLY.
 * @param[out] report  receives the report, owned by the caller.
 * @return 0 (whatever the findings say); `-EINVAL` for NULL arguments or
 *         unknown flags; `-ENOMEM`; a negative errno when the host cannot be
 *         listed at all (see gpuvirt_ctx_get_error()).
 * @since 1.1
 */
int gpuvirt_check_host(gpuvirt_ctx *ctx, uint32_t flags, gpuvirt_report **report);

/**
 * @brief Check the host and one device.
 *
 * The device may be any PCI function; a VF is checked as what it is.
 *
 * @param dev          the device (its snapshot is what is checked; refresh it
 *                     first with gpuvirt_device_refresh() if needed).
 * @param[out] report  receives the report, owned by the caller.
 * @return 0; `-EINVAL` for NULL arguments; `-ENOMEM`.
 * @since 1.1
 */
int gpuvirt_check_device(gpuvirt_device *dev, gpuvirt_report **report);

/**
 * @brief Take a reference.
 * @param report  the report, or NULL.
 * @return @p report.
 * @since 1.1
 */
gpuvirt_report *gpuvirt_report_ref(gpuvirt_report *report);

/**
 * @brief Drop a reference; the last one frees the report and its findings.
 * @param report  the report, or NULL (a no-op).
 * @return NULL.
 * @since 1.1
 */
gpuvirt_report *gpuvirt_report_unref(gpuvirt_report *report);

/**
 * @brief The worst severity among the findings.
 * @param report  the report.
 * @return a #gpuvirt_severity, or `-EINVAL` for NULL.
 * @since 1.1
 */
int gpuvirt_report_get_worst_severity(const gpuvirt_report *report);

/**
 * @brief How many GPUs the report has verdicts for.
 * @param report  the report (NULL gives 0).
 * @return the count.
 * @since 1.1
 */
size_t gpuvirt_report_get_device_count(const gpuvirt_report *report);

/**
 * @brief The address of the index-th GPU with verdicts, in address order.
 * @param report  the report.
 * @param index   0 to gpuvirt_report_get_device_count() - 1.
 * @return the BDF (borrowed from the report), or NULL when out of range.
 * @since 1.1
 */
const char *gpuvirt_report_get_device(const gpuvirt_report *report, size_t index);

/**
 * @brief The name of the index-th GPU with verdicts, from the PCI ID
 *        database, as gpuvirt_device_get_device_name() gives it: the report
 *        keeps the device it checked, so nothing is read again from the host.
 * @param report  the report.
 * @param index   0 to gpuvirt_report_get_device_count() - 1.
 * @return the name (borrowed from the report), or NULL when unknown or out
 *         of range.
 * @since 1.2
 */
const char *gpuvirt_report_get_device_name(const gpuvirt_report *report, size_t index);

/**
 * @brief Can this GPU be passed through to a VM as the host stands?
 * @param report  the report.
 * @param bdf     the GPU's address ("DDDD:BB:DD.F" or "BB:DD.F").
 * @return 1 yes, 0 no; `-EINVAL` for NULL or a malformed address; `-ENOENT`
 *         when the report has no verdict for it.
 * @since 1.1
 */
int gpuvirt_report_can_passthrough(const gpuvirt_report *report, const char *bdf);

/**
 * @brief Can this GPU be shared between VMs (a vGPU mechanism is active)?
 * @param report  the report.
 * @param bdf     the GPU's address.
 * @return 1 yes, 0 no; `-EINVAL`; `-ENOENT` as for gpuvirt_report_can_passthrough().
 * @since 1.1
 */
int gpuvirt_report_can_share(const gpuvirt_report *report, const char *bdf);

/**
 * @brief How many finding codes decided a verdict.
 *
 * For a "no", the codes of the findings that block it; for a "yes", the
 * codes of the findings it rests on.
 *
 * @param report   the report.
 * @param bdf      the GPU's address.
 * @param verdict  a #gpuvirt_verdict.
 * @return the count; 0 for bad arguments or an unknown GPU.
 * @since 1.1
 */
size_t gpuvirt_report_get_reason_count(const gpuvirt_report *report, const char *bdf, uint32_t verdict);

/**
 * @brief The index-th code that decided a verdict.
 * @param report   the report.
 * @param bdf      the GPU's address.
 * @param verdict  a #gpuvirt_verdict.
 * @param index    0 to gpuvirt_report_get_reason_count() - 1.
 * @return the code (borrowed from the report), or NULL.
 * @since 1.1
 */
const char *gpuvirt_report_get_reason(const gpuvirt_report *report, const char *bdf, uint32_t verdict,
				      size_t index);

/**
 * @brief Start walking the report's findings: host findings first, then
 *        each GPU's, in the order the checks ran.
 * @param report   the report (the iterator keeps a reference).
 * @param[out] it  receives the iterator, owned by the caller.
 * @return 0; `-EINVAL`; `-ENOMEM`.
 * @since 1.1
 */
int gpuvirt_finding_iter_new(gpuvirt_report *report, gpuvirt_finding_iter **it);

/**
 * @brief The next finding.
 * @param it            the iterator.
 * @param[out] finding  receives the finding, borrowed from the report.
 * @return 1 with a finding, 0 at the end, `-EINVAL` for NULL arguments.
 * @since 1.1
 */
int gpuvirt_finding_iter_next(gpuvirt_finding_iter *it, const gpuvirt_finding **finding);

/**
 * @brief Free an iterator.
 * @param it  the iterator, or NULL.
 * @return NULL.
 * @since 1.1
 */
gpuvirt_finding_iter *gpuvirt_finding_iter_unref(gpuvirt_finding_iter *it);

/**
 * @brief The finding's stable code, such as `iommu.enabled`.
 * @param f  the finding.
 * @return the code (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_finding_get_code(const gpuvirt_finding *f);

/**
 * @brief The finding's severity.
 * @param f  the finding.
 * @return a #gpuvirt_severity, or `-EINVAL` for NULL.
 * @since 1.1
 */
int gpuvirt_finding_get_severity(const gpuvirt_finding *f);

/**
 * @brief What the finding is about.
 * @param f  the finding.
 * @return NULL for the host as a whole, else a device's BDF (borrowed).
 * @since 1.1
 */
const char *gpuvirt_finding_get_subject(const gpuvirt_finding *f);

/**
 * @brief What was checked, as a line such as "Checking if IOMMU is enabled
 *        by kernel" (the same for every finding of a code).
 * @param f  the finding.
 * @return the title (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_finding_get_title(const gpuvirt_finding *f);

/**
 * @brief What was found, in one line.
 * @param f  the finding.
 * @return the message (borrowed), or NULL for NULL.
 * @since 1.1
 */
const char *gpuvirt_finding_get_message(const gpuvirt_finding *f);

/**
 * @brief The fix, in one line.
 * @param f  the finding.
 * @return the remedy (borrowed); NULL when nothing needs fixing.
 * @since 1.1
 */
const char *gpuvirt_finding_get_remedy(const gpuvirt_finding *f);

/**
 * @brief A severity's name: "pass", "info", "warn" or "fail".
 * @param severity  a #gpuvirt_severity.
 * @return a static string; "unknown" for other values.
 * @since 1.1
 */
const char *gpuvirt_severity_to_string(int severity);

/**
 * @brief Use another table of vGPU-capable PCI devices.
 *
 * By default the checks read the table installed with the library
 * (`<datadir>/gpuvirt/vgpu-devices.txt`), or the copy built into it where that
 * file is missing. The `GPUVIRT_VGPU_TABLE` environment variable names
 * another file for every new context. The format is described in that file.
 *
 * @param ctx   the context.
 * @param path  a table file, read now; NULL goes back to the default.
 * @return 0; `-EINVAL` for a NULL context; `-EBADMSG` for a malformed line
 *         (gpuvirt_ctx_get_error() names it); a negative errno when the file
 *         cannot be read. On error the context keeps its previous table.
 * @since 1.1
 */
int gpuvirt_ctx_set_vgpu_table(gpuvirt_ctx *ctx, const char *path);

/**
 * @brief Hand the checks NVIDIA's own listing of MIG, captured by the caller.
 *
 * The library never runs `nvidia-smi`. What the driver's files show (the GPU
 * instances' IDs under `/proc/driver/nvidia/capabilities`, the types the
 * VFs offer) is read at each check; a listing adds what only NVML knows: each
 * GPU instance's profile and placement, and the instances and MIG mode where
 * the driver's files cannot tell. The driver's files win where both speak.
 * The file holds the output of these two commands, in either order:
 * @code
 * nvidia-smi --query-gpu=index,pci.bus_id,mig.mode.current --format=csv,noheader
 * nvidia-smi mig -lgi
 * @endcode
 * The first maps nvidia-smi's GPU index to a PCI address, which the second's
 * rows need. A listing is a snapshot: capture it again after changing MIG.
 *
 * @param ctx   the context.
 * @param path  the file (absolute), read now; NULL drops the listing.
 * @return 0; `-EINVAL` for a NULL context or a relative path; `-EBADMSG`
 *         for a malformed line, a GPU twice, a row whose GPU has no line, or
 *         no GPU line (gpuvirt_ctx_get_error() says which line); a negative
 *         errno when the file cannot be read (`-EISDIR`: a folder;
 *         `-EMEDIUMTYPE`: a FIFO, socket or device; `-EFBIG`: over 1 MiB). On error the context keeps its
 *         previous listing.
 * @since 1.2
 */
int gpuvirt_ctx_set_mig_listing(gpuvirt_ctx *ctx, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_CHECK_H */
