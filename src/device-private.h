/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A device as read (device.c reads it, device-get.c answers for it). */
#ifndef GV_DEVICE_PRIVATE_H
#define GV_DEVICE_PRIVATE_H

#include "private.h"

struct gpuvirt_device {
	int refcount;
	gpuvirt_ctx *ctx;
	char bdf[GV_BDF_LEN];
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code;
	uint8_t revision;
	char *vendor_name, *device_name;
	bool names_done; /* names come from pci.ids, looked up on first use */
	char *driver, *driver_override;
	int iommu_group;
	struct gv_strv group_members;
	int numa_node;
	int boot_vga;
	int sriov_total, sriov_num;
	struct gv_strv vfs;
	char *physfn;
	bool has_reset_method;
	struct gv_strv reset_methods;
	struct gv_strv drm;
	char *vfio_cdev; /* "vfio0": its VFIO device cdev (vfio-dev/), NULL without */
	uint32_t modes;
	char *persistent_driver; /* driverctl's record, etc/driverctl.d/pci-<bdf> */
	uint64_t generation;	 /* the context's generation when it was read */
	int bars_read;		 /* 0: not yet; 1: read; a negative errno: the read failed */
	struct gv_bar bars[GV_NBARS];
};

#endif
