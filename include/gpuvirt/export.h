/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file gpuvirt/export.h
 * @brief What the host offers, in the language of the engines that schedule
 *        GPU VMs across hosts: OpenStack Nova, KubeVirt, Kubernetes
 *        node-feature-discovery, Prometheus, libvirt's node devices.
 *
 * Each function reads the host once (its GPUs, the checks' verdicts, the
 * vGPU profiles and instances), writes one document, and returns it as a
 * NUL-terminated string the caller frees with free(). The GPUs are the
 * host's (or those named); a host without GPUs gives a valid, empty
 * document. The naming rules (aliases, resource names, labels, metrics) are
 * in docs/export.md. Nothing is written to the host.
 *
 * Include `<gpuvirt/gpuvirt.h>` rather than this file.
 */
#ifndef GPUVIRT_EXPORT_H
#define GPUVIRT_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <gpuvirt/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Flags of the export functions.
 * @since 1.2
 */
enum gpuvirt_export_flags {
	/** gpuvirt_export_kubevirt(): YAML instead of JSON. */
	GPUVIRT_EXPORT_YAML = 1u << 0
};

/**
 * @brief A nova.conf fragment: `[pci] device_spec` and `alias` for each GPU
 *        that can be passed through (and its companion functions), and
 *        `[devices] enabled_mdev_types` with one `[mdev_<type>]
 *        device_addresses` group per type, each GPU under one type only (the
 *        type it runs, if it runs one).
 *
 * A GPU that offers mdev types is exported for vGPU, not passthrough (Nova
 * must not count it twice); a GPU that cannot be passed through is named
 * in a comment with why.
 *
 * @param ctx       the context.
 * @param bdfs      the GPUs to export (addresses), or NULL for every GPU.
 * @param n         how many @p bdfs name.
 * @param flags     0.
 * @param[out] out  receives the text, freed by the caller with free().
 * @return 0; `-EINVAL` for NULL arguments, unknown flags or a malformed
 *         address; `-ENODEV` for an address that is not on the host; a
 *         negative errno when the host cannot be read.
 * @since 1.2
 */
int gpuvirt_export_nova(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

/**
 * @brief KubeVirt's `permittedHostDevices`: `pciHostDevices`
 *        (`pciVendorSelector` `VVVV:DDDD`, `resourceName`) for the GPU
 *        models that can be passed through, `mediatedDevices`
 *        (`mdevNameSelector`, `resourceName`) for the mdev types offered.
 *
 * @param ctx       the context.
 * @param bdfs      the GPUs, or NULL for every GPU.
 * @param n         how many @p bdfs name.
 * @param flags     #GPUVIRT_EXPORT_YAML for YAML (default JSON).
 * @param[out] out  receives the text, freed by the caller with free().
 * @return as gpuvirt_export_nova().
 * @since 1.2
 */
int gpuvirt_export_kubevirt(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

/**
 * @brief A node-feature-discovery local feature file: `name=value` lines
 *        within Kubernetes' label rules (IOMMU, passthrough-ready GPUs by
 *        model, vGPU profiles offered and free, the vGPU manager, licensing).
 *
 * @param ctx       the context.
 * @param bdfs      the GPUs, or NULL for every GPU.
 * @param n         how many @p bdfs name.
 * @param flags     0.
 * @param[out] out  receives the text, freed by the caller with free().
 * @return as gpuvirt_export_nova().
 * @since 1.2
 */
int gpuvirt_export_nfd(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

/**
 * @brief Prometheus's text exposition format, for node-exporter's textfile
 *        collector: per GPU, per profile, per instance, and the host's
 *        findings by severity (the metrics are listed in docs/export.md).
 *
 * @param ctx       the context.
 * @param bdfs      the GPUs, or NULL for every GPU.
 * @param n         how many @p bdfs name.
 * @param flags     0.
 * @param[out] out  receives the text, freed by the caller with free().
 * @return as gpuvirt_export_nova().
 * @since 1.2
 */
int gpuvirt_export_prometheus(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

/**
 * @brief libvirt's node-device XML (`<device>` with `<capability
 *        type='pci'>`: IDs and names, its IOMMU group, NUMA node, SR-IOV
 *        links and `mdev_types`), one document per function, one after
 *        another.
 *
 * @param ctx       the context.
 * @param bdfs      the functions (any PCI function), or NULL for every GPU.
 * @param n         how many @p bdfs name.
 * @param flags     0.
 * @param[out] out  receives the text, freed by the caller with free().
 * @return as gpuvirt_export_nova().
 * @since 1.2
 */
int gpuvirt_export_nodedev(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, uint32_t flags, char **out);

#ifdef __cplusplus
}
#endif

#endif /* GPUVIRT_EXPORT_H */
