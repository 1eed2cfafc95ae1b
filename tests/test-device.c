/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery on every simulated host, and on broken trees. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define DEV_PATH(bdf) "sys/devices/pci0000:00/" bdf

static size_t count_devices(gpuvirt_ctx *ctx, uint32_t flags)
{
	gpuvirt_device_iter *it;
	gpuvirt_device *d;
	size_t n = 0;
	int r;

	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, flags, &it), 0);
	while ((r = gpuvirt_device_iter_next(it, &d)) > 0) {
		n++;
		gpuvirt_device_unref(d);
	}
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_null(d);
	ck_assert_ptr_null(gpuvirt_device_iter_unref(it));
	return n;
}

static gpuvirt_device *get(gpuvirt_ctx *ctx, const char *bdf)
{
	gpuvirt_device *d = NULL;
	int r = gpuvirt_device_new_from_bdf(ctx, bdf, &d);
	ck_assert_msg(r == 0, "%s: %s", bdf, gpuvirt_ctx_get_error(ctx));
	return d;
}

START_TEST(no_gpu_host)
{
	gpuvirt_ctx *ctx = th_ctx("nogpu");
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS), 0);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_ALL), 3);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(workstation)
{
	gpuvirt_ctx *ctx = th_ctx("workstation");
	gpuvirt_device_iter *it;
	gpuvirt_device *d;

	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_GPUS, &it), 0);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:02.0");
	ck_assert_uint_eq(gpuvirt_device_get_vendor_id(d), 0x8086);
	ck_assert_uint_eq(gpuvirt_device_get_device_id(d), 0x3e92);
	ck_assert_uint_eq(gpuvirt_device_get_subsystem_vendor_id(d), 0x1043);
	ck_assert_uint_eq(gpuvirt_device_get_subsystem_device_id(d), 0x8694);
	ck_assert_uint_eq(gpuvirt_device_get_class(d), 0x030000);
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(d), 1);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "i915");
	ck_assert_str_eq(gpuvirt_device_get_vendor_name(d), "Intel Corporation");
	ck_assert_str_eq(gpuvirt_device_get_device_name(d), "CoffeeLake-S GT2 [UHD Graphics 630]");
	ck_assert_uint_eq(gpuvirt_device_get_drm_node_count(d), 2);
	ck_assert_str_eq(gpuvirt_device_get_drm_node(d, 0), "card0");
	ck_assert_str_eq(gpuvirt_device_get_drm_node(d, 1), "renderD128");
	ck_assert_ptr_null(gpuvirt_device_get_drm_node(d, 2));
	gpuvirt_device_unref(d);

	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:01:00.0");
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(d), 0);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "nvidia");
	ck_assert_uint_eq(gpuvirt_device_get_revision(d), 0xa1);
	ck_assert_int_eq(gpuvirt_device_get_iommu_group(d), 1);
	/* The root port and the HDMI audio function share the group. */
	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d), 3);
	ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 0), "0000:00:01.0");
	ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 1), "0000:01:00.0");
	ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 2), "0000:01:00.1");
	ck_assert_ptr_null(gpuvirt_device_get_iommu_group_member(d, 3));
	ck_assert_uint_eq(gpuvirt_device_get_reset_method_count(d), 1);
	ck_assert_str_eq(gpuvirt_device_get_reset_method(d, 0), "bus");
	ck_assert_uint_eq(gpuvirt_device_get_modes(d), GPUVIRT_MODE_PASSTHROUGH);
	ck_assert_int_eq(gpuvirt_device_get_sriov_total_vfs(d), -1);
	ck_assert_ptr_null(gpuvirt_device_get_driver_override(d));
	gpuvirt_device_unref(d);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 0);
	gpuvirt_device_iter_unref(it);

	/* The audio function is not a GPU, but is found by address. */
	d = get(ctx, "01:00.1");
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:01:00.1");
	ck_assert_int_eq(gpuvirt_device_is_gpu(d), 0);
	ck_assert_uint_eq(gpuvirt_device_get_class(d), 0x040300);
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(d), -1);
	gpuvirt_device_unref(d);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_ALL), 6);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(a100_sriov_vendor_vgpu)
{
	gpuvirt_ctx *ctx = th_ctx("a100x8");
	gpuvirt_device *pf = get(ctx, "0000:87:00.0"), *vf = get(ctx, "0000:87:00.5");

	ck_assert_uint_eq(gpuvirt_device_get_class(pf), 0x030200);
	ck_assert_int_eq(gpuvirt_device_get_numa_node(pf), 1);
	ck_assert_int_eq(gpuvirt_device_get_sriov_total_vfs(pf), 20);
	ck_assert_int_eq(gpuvirt_device_get_sriov_num_vfs(pf), 4);
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(pf), 4);
	ck_assert_str_eq(gpuvirt_device_get_vf(pf, 0), "0000:87:00.4");
	ck_assert_str_eq(gpuvirt_device_get_vf(pf, 3), "0000:87:00.7");
	ck_assert_uint_eq(gpuvirt_device_get_modes(pf),
			  GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_SRIOV | GPUVIRT_MODE_NVIDIA_VGPU);
	ck_assert_uint_eq(gpuvirt_device_get_reset_method_count(pf), 2);
	/* A VF's config space reads 0xffff: its IDs come from the attributes. */
	ck_assert_uint_eq(gpuvirt_device_get_vendor_id(vf), 0x10de);
	ck_assert_uint_eq(gpuvirt_device_get_device_id(vf), 0x20b2);
	ck_assert_uint_eq(gpuvirt_device_get_subsystem_device_id(vf), 0x1463);
	ck_assert_str_eq(gpuvirt_device_get_physfn(vf), "0000:87:00.0");
	ck_assert_int_eq(gpuvirt_device_get_sriov_total_vfs(vf), -1);
	ck_assert_uint_eq(gpuvirt_device_get_modes(vf), GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_NVIDIA_VGPU);
	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(vf), 1);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS), 40);
	/* Physical functions only: the 8 boards; with every function, all
	 * but the 32 VFs. */
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS | GPUVIRT_DEVICES_NO_VFS), 8);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_ALL | GPUVIRT_DEVICES_NO_VFS),
			  count_devices(ctx, GPUVIRT_DEVICES_ALL) - 32);
	gpuvirt_device_unref(pf);
	gpuvirt_device_unref(vf);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(t4_mdev)
{
	gpuvirt_ctx *ctx = th_ctx("t4");
	gpuvirt_device *d = get(ctx, "0000:d8:00.0");

	ck_assert_str_eq(gpuvirt_device_get_device_name(d), "TU104GL [Tesla T4]");
	ck_assert_uint_eq(gpuvirt_device_get_modes(d), GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_MDEV);
	ck_assert_int_eq(gpuvirt_device_get_numa_node(d), 1);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS), 2);
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(amd_sriov)
{
	gpuvirt_ctx *ctx = th_ctx("amd-mxgpu");
	gpuvirt_device *pf = get(ctx, "0000:03:00.0"), *mi = get(ctx, "0000:c1:00.0");

	ck_assert_str_eq(gpuvirt_device_get_driver(pf), "gim");
	ck_assert_int_eq(gpuvirt_device_get_sriov_total_vfs(pf), 16);
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(pf), 2);
	ck_assert_str_eq(gpuvirt_device_get_vf(pf, 1), "0000:03:02.1");
	/* MI210: a 0x0380 display controller with SR-IOV capable but off. */
	ck_assert_uint_eq(gpuvirt_device_get_class(mi), 0x038000);
	ck_assert_int_eq(gpuvirt_device_get_sriov_total_vfs(mi), 8);
	ck_assert_int_eq(gpuvirt_device_get_sriov_num_vfs(mi), 0);
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(mi), 0);
	ck_assert_uint_eq(gpuvirt_device_get_modes(mi), GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_SRIOV);
	gpuvirt_device_unref(pf);
	gpuvirt_device_unref(mi);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(gvtg_laptop)
{
	gpuvirt_ctx *ctx = th_ctx("gvtg-laptop");
	gpuvirt_device *d = get(ctx, "00:02.0");

	ck_assert_uint_eq(gpuvirt_device_get_modes(d), GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_MDEV);
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(d), 1);
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(iommu_off)
{
	gpuvirt_ctx *ctx = th_ctx("iommu-off");
	gpuvirt_device *d = get(ctx, "0000:01:00.0");

	ck_assert_int_eq(gpuvirt_device_get_iommu_group(d), -1);
	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d), 0);
	ck_assert_uint_eq(gpuvirt_device_get_modes(d), 0);
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(bad_group)
{
	gpuvirt_ctx *ctx = th_ctx("bad-group");
	gpuvirt_device *d = get(ctx, "0000:02:00.0");

	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d), 5);
	ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 3), "0000:03:00.0");
	ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 4), "0000:04:00.0");
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The real kernel's recordings (shared/recordings). */
START_TEST(real_kernel_iommu_on)
{
	gpuvirt_ctx *ctx = th_ctx("qemu-q35-iommu-on");
	gpuvirt_device *vga = get(ctx, "0000:00:01.0"), *nvme = get(ctx, "0000:00:05.0"), *ich = get(ctx, "00:1f.2");
	gpuvirt_device *disp = get(ctx, "0000:00:02.0");

	ck_assert_uint_eq(gpuvirt_device_get_vendor_id(vga), 0x1234);
	ck_assert_uint_eq(gpuvirt_device_get_subsystem_vendor_id(vga), 0x1af4);
	ck_assert_str_eq(gpuvirt_device_get_driver(vga), "bochs-drm");
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(vga), 1);
	ck_assert_int_eq(gpuvirt_device_get_iommu_group(vga), 1);
	ck_assert_uint_eq(gpuvirt_device_get_drm_node_count(vga), 1); /* card0; controlD64 is legacy */
	ck_assert_int_eq(gpuvirt_device_has_reset_method_info(vga), 0);
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(disp), -1); /* no boot_vga on class 0380 */
	ck_assert_int_eq(gpuvirt_device_get_sriov_num_vfs(nvme), 2);
	ck_assert_str_eq(gpuvirt_device_get_vf(nvme, 1), "0000:00:05.2");
	ck_assert_str_eq(gpuvirt_device_get_reset_method(nvme, 0), "flr");
	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(ich), 3);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS), 3);
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_ALL), 13);
	gpuvirt_device_unref(vga);
	gpuvirt_device_unref(nvme);
	gpuvirt_device_unref(ich);
	gpuvirt_device_unref(disp);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(real_kernel_iommu_off)
{
	gpuvirt_ctx *ctx = th_ctx("qemu-q35-iommu-off");
	gpuvirt_device *vga = get(ctx, "0000:00:01.0");

	ck_assert_int_eq(gpuvirt_device_get_iommu_group(vga), -1);
	ck_assert_uint_eq(gpuvirt_device_get_modes(vga), 0);
	gpuvirt_device_unref(vga);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* BARs: a 32 GiB Resizable BAR, one that could grow to 8 GiB, the window
 * a VM needs for both; a function without a resource file; the recording
 * of a real kernel (q35's bochs-display). */
START_TEST(bars)
{
	const uint64_t M = UINT64_C(1) << 20, G = UINT64_C(1) << 30;
	gpuvirt_ctx *ctx = th_ctx("rebar");
	gpuvirt_device *nv = get(ctx, "0000:01:00.0"), *amd = get(ctx, "0000:02:00.0"), *hb = get(ctx, "0000:00:00.0");
	const gpuvirt_device *both[] = {nv, amd};
	uint64_t size = 1, sizes = 1, window = 1;
	uint32_t flags = 1;
	const char *root;

	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 0, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 16 * M);
	ck_assert_uint_eq(flags, GPUVIRT_BAR_MEM);
	ck_assert_uint_eq(sizes, 0);
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 1, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 32 * G);
	ck_assert_uint_eq(flags, GPUVIRT_BAR_MEM | GPUVIRT_BAR_64 | GPUVIRT_BAR_PREFETCH | GPUVIRT_BAR_RESIZABLE);
	ck_assert_uint_eq(sizes, 0xff00); /* 256 MiB to 32 GiB */
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 2, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 0); /* BAR1's upper half */
	ck_assert_uint_eq(flags, 0);
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 5, &size, &flags, NULL), 0);
	ck_assert_uint_eq(size, 128);
	ck_assert_uint_eq(flags, GPUVIRT_BAR_IO);
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 6, &size, NULL, NULL), -ERANGE);
	ck_assert_int_eq(gpuvirt_device_get_bar(NULL, 0, &size, NULL, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_get_bar(amd, 0, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 256 * M);
	ck_assert_uint_eq(sizes, 0x3f00); /* up to 8 GiB */
	ck_assert_int_eq(gpuvirt_guest_mmio64_window(both, 2, &window), 0);
	ck_assert_uint_eq(window, 65 * G); /* 32 G + 256 M + 32 M + 2 M, 31 G of alignment, 1 G spare */
	ck_assert_int_eq(gpuvirt_guest_mmio64_window(both + 1, 1, &window), 0);
	ck_assert_uint_eq(window, 2 * G);
	ck_assert_int_eq(gpuvirt_guest_mmio64_window(NULL, 0, &window), 0);
	ck_assert_uint_eq(window, 0);
	ck_assert_int_eq(gpuvirt_device_get_bar(hb, 0, &size, &flags, NULL), 0);
	ck_assert_uint_eq(size, 0); /* a host bridge: no BARs */
	ck_assert_uint_eq(flags, 0);
	gpuvirt_device_unref(nv);
	gpuvirt_device_unref(amd);
	gpuvirt_device_unref(hb);
	gpuvirt_ctx_unref(ctx);

	root = th_host("rebar");
	th_remove(root, DEV_PATH("0000:00:01.0/0000:01:00.1/resource"));
	ctx = th_ctx_at(root);
	nv = get(ctx, "0000:01:00.0");
	hb = get(ctx, "0000:01:00.1");
	ck_assert_int_eq(gpuvirt_device_get_bar(hb, 0, &size, NULL, NULL), -ENODATA);
	ck_assert_int_eq(gpuvirt_guest_mmio64_window((const gpuvirt_device *const[]){nv, hb}, 2, &window), -ENODATA);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "0000:01:00.1: the kernel shows no sys/bus/pci/devices/0000:01:00.1/resource");
	gpuvirt_device_unref(nv);
	gpuvirt_device_unref(hb);
	gpuvirt_ctx_unref(ctx);

	ctx = th_ctx("qemu-q35-iommu-on");
	nv = get(ctx, "0000:00:01.0");
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 0, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 16 * M);
	ck_assert_uint_eq(flags, GPUVIRT_BAR_MEM | GPUVIRT_BAR_PREFETCH);
	ck_assert_int_eq(gpuvirt_device_get_bar(nv, 2, &size, &flags, &sizes), 0);
	ck_assert_uint_eq(size, 4096);
	ck_assert_uint_eq(flags, GPUVIRT_BAR_MEM);
	ck_assert_int_eq(gpuvirt_guest_mmio64_window((const gpuvirt_device *const[]){nv}, 1, &window), 0);
	ck_assert_uint_eq(window, 0);
	gpuvirt_device_unref(nv);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Without resourceN_resize (before Linux 6.1) the capability in config
 * space tells the sizes; a resource table that is not one, and a resize
 * mask that is not one, are errors naming the file, every time asked. */
START_TEST(bars_from_config_and_broken)
{
	const char *root = th_host("rebar");
	char path[512];
	uint8_t cfg[4096] = {0};
	gpuvirt_ctx *ctx;
	gpuvirt_device *d;
	uint64_t sizes = 0;
	FILE *f;

	th_remove(root, DEV_PATH("0000:00:01.1/0000:02:00.0/resource0_resize"));
	cfg[0] = 0x02, cfg[1] = 0x10, cfg[2] = 0x1f, cfg[3] = 0x73; /* 1002:731f */
	cfg[0x100] = 0x15, cfg[0x102] = 0x01;			   /* ReBAR, the last capability */
	cfg[0x104] = 0xf0, cfg[0x105] = 0xff, cfg[0x106] = 0x0f; /* 1 MiB to 32 GiB */
	cfg[0x108] = 0x20, cfg[0x109] = 0x08;			   /* BAR0, one BAR, 256 MiB */
	snprintf(path, sizeof(path), "%s/" DEV_PATH("0000:00:01.1/0000:02:00.0/config"), root);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
	ctx = th_ctx_at(root);
	d = get(ctx, "0000:02:00.0");
	ck_assert_int_eq(gpuvirt_device_get_bar(d, 0, NULL, NULL, &sizes), 0);
	ck_assert_uint_eq(sizes, 0xffff);
	gpuvirt_device_unref(d);

	th_write(root, DEV_PATH("0000:00:01.1/0000:02:00.0/resource"), "0x0 0x0 0x0\nnot a table\n");
	d = get(ctx, "0000:02:00.0");
	ck_assert_int_eq(gpuvirt_device_get_bar(d, 0, NULL, NULL, NULL), -EBADMSG);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "0000:02:00.0: sys/bus/pci/devices/0000:02:00.0/resource is not "
						       "the kernel's resource table");
	ck_assert_int_eq(gpuvirt_device_get_bar(d, 1, NULL, NULL, NULL), -EBADMSG);
	gpuvirt_device_unref(d);
	th_write(root, DEV_PATH("0000:00:01.0/0000:01:00.0/resource1_resize"), "lots\n");
	d = get(ctx, "0000:01:00.0");
	ck_assert_int_eq(gpuvirt_device_get_bar(d, 0, NULL, NULL, NULL), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "resource1_resize is not a size mask"));
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A device bound to VFIO on a kernel with cdevs: vfio-dev/vfioN with a dev
 * number. Linux 6.1 to 6.5 make vfioN without one: no cdev (the audio
 * function's vfio2 here). Only vfio-pci and its variants make the folder:
 * it is not asked for under another driver. */
START_TEST(vfio_cdev)
{
	const char *root = th_host("rebar");
	gpuvirt_ctx *ctx;
	gpuvirt_device *d;

	th_write(root, DEV_PATH("0000:00:01.1/0000:02:00.0/vfio-dev/vfio7/dev"), "511:7\n");
	th_write(root, DEV_PATH("0000:00:01.1/0000:02:00.1/vfio-dev/vfio2/uevent"), "");
	ctx = th_ctx_at(root);
	d = get(ctx, "0000:02:00.0"); /* still amdgpu's */
	ck_assert_ptr_null(gpuvirt_device_get_vfio_cdev(d));
	gpuvirt_device_unref(d);
	th_symlink(root, DEV_PATH("0000:00:01.1/0000:02:00.0/driver"), "../../../../bus/pci/drivers/vfio-pci");
	th_symlink(root, DEV_PATH("0000:00:01.1/0000:02:00.1/driver"), "../../../../bus/pci/drivers/vfio-pci");
	d = get(ctx, "0000:02:00.0");
	ck_assert_str_eq(gpuvirt_device_get_vfio_cdev(d), "vfio7");
	gpuvirt_device_unref(d);
	th_symlink(root, DEV_PATH("0000:00:01.1/0000:02:00.0/driver"), "../../../../bus/pci/drivers/mlx5_vfio_pci");
	d = get(ctx, "0000:02:00.0");
	ck_assert_str_eq(gpuvirt_device_get_vfio_cdev(d), "vfio7");
	gpuvirt_device_unref(d);
	d = get(ctx, "0000:02:00.1");
	ck_assert_ptr_null(gpuvirt_device_get_vfio_cdev(d));
	gpuvirt_device_unref(d);
	ck_assert_ptr_null(gpuvirt_device_get_vfio_cdev(NULL));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(bad_arguments)
{
	gpuvirt_ctx *ctx = th_ctx("workstation");
	gpuvirt_device *d = (gpuvirt_device *)1;
	gpuvirt_device_iter *it = (gpuvirt_device_iter *)1;

	ck_assert_int_eq(gpuvirt_device_new_from_bdf(NULL, "0000:01:00.0", &d), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:01:00.0", NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, NULL, &d), -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "../../../etc", &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "not a PCI address"));
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:01:00.0/..", &d), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:09:00.0", &d), -ENODEV);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "0000:09:00.0"));
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, 0x80, &it), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, 1u << 2, &it), -EINVAL); /* the first bit not given a meaning */
	ck_assert_ptr_null(it);
	ck_assert_int_eq(gpuvirt_device_iter_new(NULL, 0, &it), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_iter_next(NULL, &d), -EINVAL);
	ck_assert_int_eq(gpuvirt_device_refresh(NULL), -EINVAL);
	/* NULL-safe getters. */
	ck_assert_ptr_null(gpuvirt_device_get_bdf(NULL));
	ck_assert_int_eq(gpuvirt_device_get_iommu_group(NULL), -1);
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(NULL), 0);
	ck_assert_ptr_null(gpuvirt_device_unref(NULL));
	ck_assert_ptr_null(gpuvirt_mode_to_string(GPUVIRT_MODE_PASSTHROUGH | GPUVIRT_MODE_MDEV));
	ck_assert_str_eq(gpuvirt_mode_to_string(GPUVIRT_MODE_NVIDIA_VGPU), "nvidia-vgpu");
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(no_pci_bus)
{
	const char *host = th_host("nogpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;

	th_remove(host, "sys/bus");
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, 0, &it), -ENOENT);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "sys/bus/pci/devices"));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(missing_attributes)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device *d;

	/* Without config the IDs come from the attributes. */
	th_remove(host, DEV_PATH("0000:00:02.0/config"));
	th_remove(host, DEV_PATH("0000:00:02.0/numa_node"));
	th_remove(host, DEV_PATH("0000:00:02.0/reset_method"));
	d = get(ctx, "0000:00:02.0");
	ck_assert_uint_eq(gpuvirt_device_get_device_id(d), 0x3e92);
	ck_assert_uint_eq(gpuvirt_device_get_subsystem_device_id(d), 0x8694);
	ck_assert_int_eq(gpuvirt_device_get_numa_node(d), -1);
	ck_assert_int_eq(gpuvirt_device_has_reset_method_info(d), 0);
	gpuvirt_device_unref(d);
	/* Without config and vendor the identity is unknown: a clear error. */
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/config");
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor");
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:01:00.0", &d), -ENOENT);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "0000:01:00.0/vendor"));
	/* The listing skips it and goes on. */
	ck_assert_uint_eq(count_devices(ctx, GPUVIRT_DEVICES_GPUS), 1);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(garbage_contents)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device *d;

	th_write(host, DEV_PATH("0000:00:02.0/config"), "xx");
	th_write(host, DEV_PATH("0000:00:02.0/numa_node"), "banana\n");
	th_write(host, DEV_PATH("0000:00:02.0/boot_vga"), "7\n");
	d = get(ctx, "0000:00:02.0");
	ck_assert_uint_eq(gpuvirt_device_get_vendor_id(d), 0x8086);
	ck_assert_int_eq(gpuvirt_device_get_numa_node(d), -1);
	ck_assert_int_eq(gpuvirt_device_get_boot_vga(d), -1);
	gpuvirt_device_unref(d);
	th_write(host, DEV_PATH("0000:00:02.0/vendor"), "0xzzzz\n");
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:00:02.0", &d), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "0xzzzz"));
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(dangling_links)
{
	const char *host = th_host("amd-mxgpu");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device *d;

	/* A group link whose group directory is gone, a VF link to nowhere,
	 * a driver link to a driver directory that does not exist. */
	th_remove(host, "sys/kernel/iommu_groups/2");
	th_symlink(host, "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/virtfn1", "../0000:03:02.7");
	th_symlink(host, "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/driver", "../../../../bus/pci/drivers/ghost");
	d = get(ctx, "0000:03:00.0");
	ck_assert_int_eq(gpuvirt_device_get_iommu_group(d), 2);
	ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d), 1);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "ghost");
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(d), 2); /* the link names a BDF */
	th_symlink(host, "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/virtfn1", "../garbage");
	ck_assert_int_eq(gpuvirt_device_refresh(d), 0);
	ck_assert_uint_eq(gpuvirt_device_get_vf_count(d), 1);
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(vanishing_mid_scan)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;
	gpuvirt_device *d;

	/* Every function is read on the first call: hot-unplug the NVIDIA
	 * card after the listing was taken, before that. */
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_ALL, &it), 0);
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:00.0");
	gpuvirt_device_unref(d);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:01.0");
	gpuvirt_device_unref(d);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:02.0");
	gpuvirt_device_unref(d);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:14.0");
	gpuvirt_device_unref(d);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 0);
	gpuvirt_device_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(vanishing_mid_scan_gpus)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;
	gpuvirt_device *d;

	/* GPUs are read one call at a time: one unplugged after the first is
	 * skipped. */
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_GPUS, &it), 0);
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 1);
	ck_assert_str_eq(gpuvirt_device_get_bdf(d), "0000:00:02.0");
	gpuvirt_device_unref(d);
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	ck_assert_int_eq(gpuvirt_device_iter_next(it, &d), 0);
	gpuvirt_device_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(refresh_sees_changes)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device *d = get(ctx, "0000:01:00.0");

	th_write(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver_override", "vfio-pci\n");
	th_symlink(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver", "../../../../bus/pci/drivers/vfio-pci");
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "nvidia"); /* a snapshot */
	ck_assert_int_eq(gpuvirt_device_refresh(d), 0);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "vfio-pci");
	ck_assert_str_eq(gpuvirt_device_get_driver_override(d), "vfio-pci");
	th_remove(host, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	ck_assert_int_eq(gpuvirt_device_refresh(d), -ENODEV);
	ck_assert_str_eq(gpuvirt_device_get_driver(d), "vfio-pci"); /* kept */
	gpuvirt_device_unref(d);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* What a pass read of a function is what a lookup of it alone reads. */
static void same_device(gpuvirt_device *d, gpuvirt_device *one)
{
	const char *bdf = gpuvirt_device_get_bdf(d);
	const char *o1 = gpuvirt_device_get_driver_override(d), *o2 = gpuvirt_device_get_driver_override(one);
	const char *p1 = gpuvirt_device_get_physfn(d), *p2 = gpuvirt_device_get_physfn(one);

	ck_assert_msg(gpuvirt_device_get_vendor_id(d) == gpuvirt_device_get_vendor_id(one) &&
			      gpuvirt_device_get_device_id(d) == gpuvirt_device_get_device_id(one) &&
			      gpuvirt_device_get_class(d) == gpuvirt_device_get_class(one) &&
			      gpuvirt_device_get_numa_node(d) == gpuvirt_device_get_numa_node(one) &&
			      gpuvirt_device_get_iommu_group(d) == gpuvirt_device_get_iommu_group(one),
		      "%s: not as read alone", bdf);
	ck_assert_msg((!o1 && !o2) || (o1 && o2 && !strcmp(o1, o2)), "%s: override %s", bdf, o1 ? o1 : "none");
	ck_assert_msg((!p1 && !p2) || (p1 && p2 && !strcmp(p1, p2)), "%s: physfn %s", bdf, p1 ? p1 : "none");
	ck_assert_str_eq(gpuvirt_device_get_driver(d) ? gpuvirt_device_get_driver(d) : "-",
			 gpuvirt_device_get_driver(one) ? gpuvirt_device_get_driver(one) : "-");
}

/* The VFs and modes of a device from a pass as from a lookup of it alone. */
static void same_vfs(gpuvirt_device *d, gpuvirt_device *one, const char *host, size_t *pfs)
{
	size_t n = gpuvirt_device_get_vf_count(d);

	ck_assert_msg(n == gpuvirt_device_get_vf_count(one), "%s on %s: %zu VFs", gpuvirt_device_get_bdf(d), host, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(gpuvirt_device_get_vf(d, i), gpuvirt_device_get_vf(one, i));
	ck_assert_uint_eq(gpuvirt_device_get_modes(d), gpuvirt_device_get_modes(one));
	*pfs += n > 0;
}

/* A pass over every function tells each IOMMU group's members and each PF's
 * VFs from the functions' links: the same members as each device's own
 * listing and the same VFs, in the same order, as its virtfnN links, on
 * every host (shared groups, a foreign member, VFs, a real kernel's
 * recording). */
START_TEST(all_pass_groups_as_listed)
{
	static const char *const hosts[] = {"workstation", "bad-group", "a100x8", "t4", "amd-mxgpu",
					    "qemu-q35-iommu-on", "gvtg-laptop"};
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		gpuvirt_ctx *ctx = th_ctx(hosts[h]);
		gpuvirt_device_iter *it;
		gpuvirt_device *d, *one;
		size_t shared = 0, pfs = 0;

		ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_ALL, &it), 0);
		while (gpuvirt_device_iter_next(it, &d) == 1) {
			size_t n = gpuvirt_device_get_iommu_group_member_count(d);
			one = get(ctx, gpuvirt_device_get_bdf(d));
			ck_assert_msg(n == gpuvirt_device_get_iommu_group_member_count(one), "%s on %s: %zu members",
				      gpuvirt_device_get_bdf(d), hosts[h], n);
			for (size_t i = 0; i < n; i++)
				ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, i),
						 gpuvirt_device_get_iommu_group_member(one, i));
			shared += n > 1;
			same_vfs(d, one, hosts[h], &pfs);
			same_device(d, one);
			gpuvirt_device_unref(one);
			gpuvirt_device_unref(d);
		}
		gpuvirt_device_iter_unref(it);
		if (strcmp(hosts[h], "workstation") == 0 || strcmp(hosts[h], "bad-group") == 0)
			ck_assert_uint_gt(shared, 1); /* the case that matters is there */
		if (strcmp(hosts[h], "a100x8") == 0)
			ck_assert_uint_eq(pfs, 8); /* and the PFs with VFs */
		gpuvirt_ctx_unref(ctx);
	}
}
END_TEST

/* A pass cut short by an unreadable file: what it yields before the error
 * has its groups and its VFs as a lookup has them (read from the links,
 * the pass being incomplete). */
START_TEST(all_pass_cut_short_keeps_vfs)
{
	const char *host = th_host("a100x8");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;
	gpuvirt_device *d, *one;
	char path[4096];
	size_t pfs = 0, yielded = 0;
	int r;

	/* The last function in the listing, a VF of the last PF. */
	snprintf(path, sizeof(path), "%s/sys/devices/pci0000:00/0000:00:08.0/0000:bd:00.7/numa_node", host);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_ALL, &it), 0);
	while ((r = gpuvirt_device_iter_next(it, &d)) == 1) {
		one = get(ctx, gpuvirt_device_get_bdf(d));
		same_vfs(d, one, "a100x8 (cut short)", &pfs);
		ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d),
				  gpuvirt_device_get_iommu_group_member_count(one));
		gpuvirt_device_unref(one);
		gpuvirt_device_unref(d);
		yielded++;
	}
	ck_assert_int_eq(r, -EMEDIUMTYPE);
	ck_assert_uint_eq(yielded, 48);
	ck_assert_uint_eq(pfs, 8);
	gpuvirt_device_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A group whose directory is missing: the device still belongs to it,
 * alone, in a pass as in a lookup. */
START_TEST(all_pass_group_dir_missing)
{
	const char *host = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;
	gpuvirt_device *d;
	int seen = 0;

	th_remove(host, "sys/kernel/iommu_groups/1");
	ck_assert_int_eq(gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_ALL, &it), 0);
	while (gpuvirt_device_iter_next(it, &d) == 1) {
		if (gpuvirt_device_get_iommu_group(d) == 1) {
			ck_assert_uint_eq(gpuvirt_device_get_iommu_group_member_count(d), 1);
			ck_assert_str_eq(gpuvirt_device_get_iommu_group_member(d, 0), gpuvirt_device_get_bdf(d));
			seen++;
		}
		gpuvirt_device_unref(d);
	}
	gpuvirt_device_iter_unref(it);
	ck_assert_int_eq(seen, 3); /* the root port, the GPU and its audio */
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Moves the VF `bdf` (virtfn `n`) of the PF 0000:bd:00.0 out of its bus's
 * bridge to sys/devices/platform/hv, at the same depth, every link to it and
 * from it as the kernel would have them there (as Hyper-V's vPCI places a
 * function away from the PCI tree). It gets driver_override vfio-pci, which
 * the one left in the bridge has not. */
static void move_vf(const char *host, const char *bdf, int n)
{
	char from[PATH_MAX], to[PATH_MAX], rel[128], target[128];

	snprintf(from, sizeof(from), "%s/sys/devices/pci0000:00/0000:00:08.0/%s", host, bdf);
	snprintf(to, sizeof(to), "%s/sys/devices/platform/hv/%s", host, bdf);
	th_write(host, "sys/devices/platform/hv/uevent", "");
	ck_assert_int_eq(rename(from, to), 0);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/platform/hv/%s", bdf);
	th_symlink(host, rel, target);
	snprintf(rel, sizeof(rel), "sys/devices/platform/hv/%s/physfn", bdf);
	th_symlink(host, rel, "../../../pci0000:00/0000:00:08.0/0000:bd:00.0");
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/0000:00:08.0/0000:bd:00.0/virtfn%d", n);
	snprintf(target, sizeof(target), "../../../platform/hv/%s", bdf);
	th_symlink(host, rel, target);
	snprintf(rel, sizeof(rel), "sys/devices/platform/hv/%s/driver_override", bdf);
	th_write(host, rel, "vfio-pci\n");
}

/* A pass opens a bus's functions in the directory that holds the bus's
 * first one. A function of the bus that is elsewhere (its link says where)
 * is read there; a link in the bridge's directory that has a function's
 * name is not followed: the function is read where its own link says.
 * Both passes (every function, GPUs only) read what lookups read. */
START_TEST(pass_by_bus_directory)
{
	const char *host = th_host("a100x8");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	static const uint32_t flags[] = {GPUVIRT_DEVICES_ALL, GPUVIRT_DEVICES_GPUS};

	move_vf(host, "0000:bd:00.6", 2);
	move_vf(host, "0000:bd:00.7", 3);
	/* Where 00.7 was, a link with its name to its sibling 00.5. */
	th_symlink(host, "sys/devices/pci0000:00/0000:00:08.0/0000:bd:00.7", "0000:bd:00.5");
	for (size_t f = 0; f < 2; f++) {
		gpuvirt_device_iter *it;
		gpuvirt_device *d, *one;
		size_t n = 0, moved = 0;
		int r;

		ck_assert_int_eq(gpuvirt_device_iter_new(ctx, flags[f], &it), 0);
		while ((r = gpuvirt_device_iter_next(it, &d)) == 1) {
			const char *bdf = gpuvirt_device_get_bdf(d);
			one = get(ctx, bdf);
			same_device(d, one);
			if (!strcmp(bdf, "0000:bd:00.6") || !strcmp(bdf, "0000:bd:00.7")) {
				ck_assert_str_eq(gpuvirt_device_get_driver_override(d), "vfio-pci");
				ck_assert_str_eq(gpuvirt_device_get_physfn(d), "0000:bd:00.0");
				moved++;
			}
			if (!strcmp(bdf, "0000:bd:00.0")) {
				ck_assert_uint_eq(gpuvirt_device_get_vf_count(d), 4);
				ck_assert_str_eq(gpuvirt_device_get_vf(d, 3), "0000:bd:00.7");
			}
			gpuvirt_device_unref(one);
			gpuvirt_device_unref(d);
			n++;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(moved, 2);
		ck_assert_uint_eq(n, f == 0 ? 49 : 40); /* every function; the 8 GPUs and their 32 VFs */
		gpuvirt_device_iter_unref(it);
	}
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A VF's config space hides its IDs; a pass reads them once per PF. Two PFs
 * whose VFs differ: each VF has its own PF's. */
START_TEST(vf_ids_per_pf)
{
	const char *host = th_host("a100x8");
	gpuvirt_ctx *ctx = th_ctx_at(host);
	gpuvirt_device_iter *it;
	gpuvirt_device *d;
	int second = 0, first = 0;

	for (int k = 4; k < 8; k++) {
		char rel[96];
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:0f:00.%d/device", k);
		th_write(host, rel, "0x20b5\n");
	}
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(gpuvirt_device_iter_new(ctx, pass ? GPUVIRT_DEVICES_GPUS : GPUVIRT_DEVICES_ALL, &it), 0);
		while (gpuvirt_device_iter_next(it, &d) == 1) {
			const char *pf = gpuvirt_device_get_physfn(d);
			if (pf && strcmp(pf, "0000:0f:00.0") == 0) {
				ck_assert_uint_eq(gpuvirt_device_get_device_id(d), 0x20b5);
				second++;
			} else if (pf) {
				ck_assert_uint_eq(gpuvirt_device_get_device_id(d), 0x20b2);
				ck_assert_uint_eq(gpuvirt_device_get_vendor_id(d), 0x10de);
				first++;
			}
			gpuvirt_device_unref(d);
		}
		gpuvirt_device_iter_unref(it);
	}
	ck_assert_int_eq(second, 8);
	ck_assert_int_eq(first, 56);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("device");
	TCase *hosts = tcase_create("hosts"), *broken = tcase_create("broken");

	tcase_add_checked_fixture(hosts, NULL, th_teardown);
	tcase_add_test(hosts, no_gpu_host);
	tcase_add_test(hosts, workstation);
	tcase_add_test(hosts, a100_sriov_vendor_vgpu);
	tcase_add_test(hosts, t4_mdev);
	tcase_add_test(hosts, amd_sriov);
	tcase_add_test(hosts, gvtg_laptop);
	tcase_add_test(hosts, iommu_off);
	tcase_add_test(hosts, bad_group);
	tcase_add_test(hosts, real_kernel_iommu_on);
	tcase_add_test(hosts, real_kernel_iommu_off);
	tcase_add_test(hosts, bars);
	tcase_add_test(hosts, vfio_cdev);
	tcase_add_test(broken, bars_from_config_and_broken);
	suite_add_tcase(s, hosts);

	tcase_add_checked_fixture(broken, NULL, th_teardown);
	tcase_add_test(broken, bad_arguments);
	tcase_add_test(broken, no_pci_bus);
	tcase_add_test(broken, missing_attributes);
	tcase_add_test(broken, garbage_contents);
	tcase_add_test(broken, dangling_links);
	tcase_add_test(broken, vanishing_mid_scan);
	tcase_add_test(broken, vanishing_mid_scan_gpus);
	tcase_add_test(broken, all_pass_group_dir_missing);
	tcase_add_test(broken, all_pass_cut_short_keeps_vfs);
	tcase_add_test(broken, vf_ids_per_pf);
	tcase_add_test(broken, pass_by_bus_directory);
	tcase_add_test(hosts, all_pass_groups_as_listed);
	tcase_add_test(broken, refresh_sees_changes);
	suite_add_tcase(s, broken);
	return s;
}

int main(void)
{
	return th_run(suite());
}
