/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The getters of a device: answers from the snapshot device.c read, never
 * from the host (names from pci.ids, looked up on first use, are not the
 * host's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "device-private.h"

GPUVIRT_EXPORT gpuvirt_ctx *gpuvirt_device_get_ctx(const gpuvirt_device *dev)
{
	return dev ? dev->ctx : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_bdf(const gpuvirt_device *dev)
{
	return dev ? dev->bdf : NULL;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_vendor_id(const gpuvirt_device *dev)
{
	return dev ? dev->vendor : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_device_id(const gpuvirt_device *dev)
{
	return dev ? dev->device : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_subsystem_vendor_id(const gpuvirt_device *dev)
{
	return dev ? dev->subsystem_vendor : 0;
}

GPUVIRT_EXPORT uint16_t gpuvirt_device_get_subsystem_device_id(const gpuvirt_device *dev)
{
	return dev ? dev->subsystem_device : 0;
}

GPUVIRT_EXPORT uint32_t gpuvirt_device_get_class(const gpuvirt_device *dev)
{
	return dev ? dev->class_code : 0;
}

GPUVIRT_EXPORT uint8_t gpuvirt_device_get_revision(const gpuvirt_device *dev)
{
	return dev ? dev->revision : 0;
}

GPUVIRT_EXPORT int gpuvirt_device_is_gpu(const gpuvirt_device *dev)
{
	return dev && gv_class_is_gpu(dev->class_code);
}

/* Names come from the pci.ids database, not from the host, so looking them
 * up on first use keeps the snapshot's meaning and spares every caller that
 * does not need them the database's loading (most of a listing's time). */
static void load_names(const gpuvirt_device *cdev)
{
	struct gpuvirt_device *dev = (struct gpuvirt_device *)cdev; /* a cache: logically const */

	if (dev->names_done)
		return;
	dev->names_done = true;
	dev->vendor_name = gv_pci_vendor_name(dev->ctx, dev->vendor);
	dev->device_name = gv_pci_device_name(dev->ctx, dev->vendor, dev->device);
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_vendor_name(const gpuvirt_device *dev)
{
	if (!dev)
		return NULL;
	load_names(dev);
	return dev->vendor_name;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_device_name(const gpuvirt_device *dev)
{
	if (!dev)
		return NULL;
	load_names(dev);
	return dev->device_name;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_driver(const gpuvirt_device *dev)
{
	return dev ? dev->driver : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_driver_override(const gpuvirt_device *dev)
{
	return dev ? dev->driver_override : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_get_iommu_group(const gpuvirt_device *dev)
{
	return dev ? dev->iommu_group : -1;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_iommu_group_member_count(const gpuvirt_device *dev)
{
	return dev ? dev->group_members.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_iommu_group_member(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->group_members, index) : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_get_numa_node(const gpuvirt_device *dev)
{
	return dev ? dev->numa_node : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_boot_vga(const gpuvirt_device *dev)
{
	return dev ? dev->boot_vga : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_sriov_total_vfs(const gpuvirt_device *dev)
{
	return dev ? dev->sriov_total : -1;
}

GPUVIRT_EXPORT int gpuvirt_device_get_sriov_num_vfs(const gpuvirt_device *dev)
{
	return dev ? dev->sriov_num : -1;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_vf_count(const gpuvirt_device *dev)
{
	return dev ? dev->vfs.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_vf(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->vfs, index) : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_vfio_cdev(const gpuvirt_device *dev)
{
	return dev ? dev->vfio_cdev : NULL;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_physfn(const gpuvirt_device *dev)
{
	return dev ? dev->physfn : NULL;
}

GPUVIRT_EXPORT int gpuvirt_device_has_reset_method_info(const gpuvirt_device *dev)
{
	return dev && dev->has_reset_method;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_reset_method_count(const gpuvirt_device *dev)
{
	return dev ? dev->reset_methods.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_reset_method(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->reset_methods, index) : NULL;
}

GPUVIRT_EXPORT size_t gpuvirt_device_get_drm_node_count(const gpuvirt_device *dev)
{
	return dev ? dev->drm.n : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_drm_node(const gpuvirt_device *dev, size_t index)
{
	return dev ? gv_strv_get(&dev->drm, index) : NULL;
}

GPUVIRT_EXPORT uint32_t gpuvirt_device_get_modes(const gpuvirt_device *dev)
{
	return dev ? dev->modes : 0;
}

GPUVIRT_EXPORT const char *gpuvirt_mode_to_string(uint32_t mode)
{
	switch (mode) {
	case GPUVIRT_MODE_PASSTHROUGH: return "passthrough";
	case GPUVIRT_MODE_MDEV: return "mdev";
	case GPUVIRT_MODE_SRIOV: return "sriov";
	case GPUVIRT_MODE_NVIDIA_VGPU: return "nvidia-vgpu";
	default: return NULL;
	}
}

GPUVIRT_EXPORT const char *gpuvirt_device_get_persistent_driver(const gpuvirt_device *dev)
{
	return dev ? dev->persistent_driver : NULL;
}

/* The functions a GPU card carries beside its display function: HDMI/DP
 * audio, USB-C (xHCI) and its UCSI controller, more display functions. They
 * move with the GPU; other functions of the same slot (a chipset's SATA and
 * SMBus at 1f.x) are separate devices. */
static bool card_class(uint32_t c)
{
	return gv_class_is_gpu(c) || (c >> 8) == 0x0403 || (c >> 8) == 0x0401 || (c >> 8) == 0x0c03 || (c >> 8) == 0x0c80;
}

bool gv_device_is_endpoint(const gpuvirt_device *dev)
{
	return (dev->class_code >> 16) != 0x06;
}

GPUVIRT_EXPORT int gpuvirt_device_is_stale(const gpuvirt_device *dev)
{
	if (!dev)
		return -EINVAL;
	return dev->generation != dev->ctx->generation;
}

bool gv_device_is_companion(const gpuvirt_device *a, const gpuvirt_device *b)
{
	if (strncmp(a->bdf, b->bdf, 10) != 0 || a->vendor != b->vendor)
		return false;
	/* One of the two is the GPU; the other is a function a GPU card has. */
	return (gv_class_is_gpu(a->class_code) && card_class(b->class_code)) ||
	       (gv_class_is_gpu(b->class_code) && card_class(a->class_code));
}
