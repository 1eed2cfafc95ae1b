/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Profiles and instances as read from plain simulated hosts, and argument
 * checks (allocation itself runs on the FUSE host: simhost/test-profiles.sh). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static gpuvirt_profile *find(gpuvirt_ctx *ctx, gpuvirt_device *dev, const char *parent, const char *id)
{
	gpuvirt_profile_iter *it;
	gpuvirt_profile *p, *found = NULL;

	ck_assert_int_eq(gpuvirt_profile_iter_new(ctx, dev, &it), 0);
	while (gpuvirt_profile_iter_next(it, &p) > 0) {
		if (!found && strcmp(gpuvirt_profile_get_parent(p), parent) == 0 && strcmp(gpuvirt_profile_get_id(p), id) == 0)
			found = gpuvirt_profile_ref(p);
		gpuvirt_profile_unref(p);
	}
	gpuvirt_profile_iter_unref(it);
	ck_assert_msg(found != NULL, "no profile %s on %s", id, parent);
	return found;
}

static size_t count(gpuvirt_ctx *ctx, gpuvirt_device *dev)
{
	gpuvirt_profile_iter *it;
	gpuvirt_profile *p;
	size_t n = 0;

	ck_assert_int_eq(gpuvirt_profile_iter_new(ctx, dev, &it), 0);
	while (gpuvirt_profile_iter_next(it, &p) > 0) {
		n++;
		gpuvirt_profile_unref(p);
	}
	ck_assert_int_eq(gpuvirt_profile_iter_next(it, &p), 0);
	gpuvirt_profile_iter_unref(it);
	return n;
}

START_TEST(nvidia_legacy_mdev)
{
	gpuvirt_ctx *ctx = th_ctx("t4");
	gpuvirt_device *t4;
	gpuvirt_profile *p = find(ctx, NULL, "0000:3b:00.0", "nvidia-232");
	uint32_t w, h;

	ck_assert_str_eq(gpuvirt_profile_get_name(p), "GRID T4-4Q");
	ck_assert_int_eq(gpuvirt_profile_get_mechanism(p), GPUVIRT_MECHANISM_MDEV);
	ck_assert_str_eq(gpuvirt_mechanism_to_string(gpuvirt_profile_get_mechanism(p)), "mdev");
	ck_assert_str_eq(gpuvirt_profile_get_device_api(p), "vfio-pci");
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), 4);
	ck_assert_uint_eq(gpuvirt_profile_get_instance_count(p), 0);
	ck_assert_uint_eq(gpuvirt_profile_get_framebuffer_bytes(p), 4096ull << 20);
	ck_assert_uint_eq(gpuvirt_profile_get_heads(p), 4);
	ck_assert_int_eq(gpuvirt_profile_get_max_resolution(p, &w, &h), 0);
	ck_assert_uint_eq(w, 7680);
	ck_assert_uint_eq(h, 4320);
	ck_assert_uint_eq(gpuvirt_profile_get_max_instances(p), 4);
	ck_assert_uint_eq(gpuvirt_profile_get_frame_rate_limit(p), 60);
	ck_assert_str_eq(gpuvirt_profile_get_vgpu_class(p), "Q");
	ck_assert_int_eq(gpuvirt_profile_get_numa_node(p), 0);
	ck_assert_ptr_nonnull(strstr(gpuvirt_profile_get_description(p), "framebuffer=4096M"));
	gpuvirt_profile_unref(p);
	ck_assert_uint_eq(count(ctx, NULL), 16);
	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "d8:00.0", &t4), 0);
	ck_assert_uint_eq(count(ctx, t4), 8); /* one GPU's */
	gpuvirt_device_unref(t4);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A MIG-backed profile packs by best fit: on the GPU whose largest free
 * GPU instance is the smallest that fits, keeping a larger one whole;
 * spread still goes to the emptiest GPU. */
START_TEST(mig_best_fit)
{
	const char *root = th_host("h100-mig");
	gpuvirt_instance *in = NULL;
	gpuvirt_ctx *ctx;

	/* 2a:00.0 has a 1g GPU instance free; 18:00.0 a 3g one too. */
	for (int v = 4; v <= 5; v++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/0000:00:02.0/0000:2a:00.%d/nvidia/creatable_vgpu_types", v);
		th_write(root, rel, "ID : vGPU Name\n1301 : NVIDIA H100XM-1-10C\n");
	}
	ctx = th_ctx_at(root);
	ck_assert_msg(gpuvirt_instance_create(ctx, "1301", NULL, GPUVIRT_POLICY_PACK, -1, NULL, 0, &in) == 0, "%s",
		      gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(gpuvirt_instance_get_parent(in), "0000:2a:00.0");
	gpuvirt_instance_unref(in);
	ck_assert_msg(gpuvirt_instance_create(ctx, "1301", NULL, GPUVIRT_POLICY_SPREAD, -1, NULL, 0, &in) == 0, "%s",
		      gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(gpuvirt_instance_get_parent(in), "0000:18:00.0");
	gpuvirt_instance_unref(in);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The vendor interface on VFs: the A100s with MIG off list the time-sliced
 * types; the H100s list what each MIG state offers, MIG-backed types with
 * the GPU instance's size they need. */
START_TEST(nvidia_vendor_on_vfs)
{
	gpuvirt_ctx *ctx = th_ctx("a100x8");
	gpuvirt_profile *p = find(ctx, NULL, "0000:07:00.0", "707");

	ck_assert_str_eq(gpuvirt_profile_get_name(p), "NVIDIA A100DX-40C");
	ck_assert_int_eq(gpuvirt_profile_get_mechanism(p), GPUVIRT_MECHANISM_NVIDIA_VENDOR);
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), 4); /* 4 VFs can create it */
	ck_assert_uint_eq(gpuvirt_profile_get_framebuffer_bytes(p), 40ull << 30);
	ck_assert_str_eq(gpuvirt_profile_get_vgpu_class(p), "C");
	ck_assert_uint_eq(gpuvirt_profile_get_mig_slices(p), 0); /* time-sliced */
	ck_assert_ptr_null(gpuvirt_profile_get_description(p));
	gpuvirt_profile_unref(p);
	ck_assert_uint_eq(gpuvirt_profile_get_mig_slices(NULL), 0);
	ck_assert_uint_eq(count(ctx, NULL), 8 * 7);
	gpuvirt_ctx_unref(ctx);
	/* MIG on with gi1, gi2 (3g) and gi9 (1g); on without instances; off. */
	ctx = th_ctx("h100-mig");
	p = find(ctx, NULL, "0000:18:00.0", "1303");
	ck_assert_str_eq(gpuvirt_profile_get_name(p), "NVIDIA H100XM-3-40C");
	ck_assert_uint_eq(gpuvirt_profile_get_mig_slices(p), 3); /* MIG-backed: a 3g GPU instance */
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), 2);
	ck_assert_uint_eq(gpuvirt_profile_get_framebuffer_bytes(p), 40ull << 30);
	gpuvirt_profile_unref(p);
	p = find(ctx, NULL, "0000:3c:00.0", "1314");
	ck_assert_str_eq(gpuvirt_profile_get_name(p), "NVIDIA H100XM-80C");
	ck_assert_uint_eq(gpuvirt_profile_get_mig_slices(p), 0);
	gpuvirt_profile_unref(p);
	ck_assert_uint_eq(count(ctx, NULL), 2 + 4);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(sriov_gvtg_and_mbochs)
{
	gpuvirt_ctx *ctx = th_ctx("amd-mxgpu");
	gpuvirt_profile *p = find(ctx, NULL, "0000:c1:00.0", "sriov-vf");

	ck_assert_int_eq(gpuvirt_profile_get_mechanism(p), GPUVIRT_MECHANISM_SRIOV_VF);
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), 8); /* none enabled yet: all can be */
	ck_assert_uint_eq(gpuvirt_profile_get_max_instances(p), 8);
	gpuvirt_profile_unref(p);
	p = find(ctx, NULL, "0000:03:00.0", "sriov-vf");
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), 2);
	gpuvirt_profile_unref(p);
	gpuvirt_ctx_unref(ctx);

	ctx = th_ctx("gvtg-laptop");
	p = find(ctx, NULL, "0000:00:02.0", "i915-GVTg_V5_4");
	ck_assert_uint_eq(gpuvirt_profile_get_framebuffer_bytes(p), 640ull << 20); /* 128 MB + 512 MB */
	ck_assert_ptr_null(gpuvirt_profile_get_vgpu_class(p));
	uint32_t w, h;
	gpuvirt_profile_get_max_resolution(p, &w, &h);
	ck_assert_uint_eq(w, 1920);
	gpuvirt_profile_unref(p);
	gpuvirt_ctx_unref(ctx);

	ctx = th_ctx("qemu-q35-iommu-on");
	p = find(ctx, NULL, "mbochs", "mbochs-medium");
	ck_assert_uint_eq(gpuvirt_profile_get_framebuffer_bytes(p), 16ull << 20);
	ck_assert_uint_eq(gpuvirt_profile_get_instance_count(p), 1);
	gpuvirt_profile_unref(p);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(existing_instances)
{
	const char *root = th_host("qemu-q35-iommu-on");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_instance_iter *it;
	gpuvirt_instance *in;
	char path[512];

	/* The real kernel's mbochs instance, made by another tool. */
	ck_assert_int_eq(gpuvirt_instance_new_from_uuid(ctx, "4B20D080-1B54-4048-85B3-A6A62D165C01", &in), 0);
	ck_assert_str_eq(gpuvirt_instance_get_uuid(in), "4b20d080-1b54-4048-85b3-a6a62d165c01");
	ck_assert_str_eq(gpuvirt_instance_get_parent(in), "mbochs");
	ck_assert_str_eq(gpuvirt_instance_get_profile_id(in), "mbochs-medium");
	ck_assert_int_eq(gpuvirt_instance_get_mechanism(in), GPUVIRT_MECHANISM_MDEV);
	snprintf(path, sizeof(path), "%s/sys/bus/mdev/devices/4b20d080-1b54-4048-85b3-a6a62d165c01", root);
	ck_assert_str_eq(gpuvirt_instance_get_sysfs_path(in), path);
	ck_assert_ptr_null(gpuvirt_instance_get_vf_bdf(in));
	ck_assert_int_eq(gpuvirt_instance_is_active(in), 1);
	ck_assert_int_eq(gpuvirt_instance_is_persistent(in), 0);
	gpuvirt_instance_unref(in);
	/* An mdevctl definition that is not started is listed too. */
	th_write(root, "etc/mdevctl.d/mbochs/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
		 "{\"mdev_type\": \"mbochs-small\", \"start\": \"manual\", \"attrs\": []}\n");
	ck_assert_int_eq(gpuvirt_instance_iter_new(ctx, &it), 0);
	ck_assert_int_eq(gpuvirt_instance_iter_next(it, &in), 1);
	ck_assert_str_eq(gpuvirt_instance_get_uuid(in), "4b20d080-1b54-4048-85b3-a6a62d165c01");
	gpuvirt_instance_unref(in);
	ck_assert_int_eq(gpuvirt_instance_iter_next(it, &in), 1);
	ck_assert_str_eq(gpuvirt_instance_get_profile_id(in), "mbochs-small");
	ck_assert_int_eq(gpuvirt_instance_is_active(in), 0);
	ck_assert_int_eq(gpuvirt_instance_is_persistent(in), 1);
	gpuvirt_instance_unref(in);
	ck_assert_int_eq(gpuvirt_instance_iter_next(it, &in), 0);
	gpuvirt_instance_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Overwrite `len` bytes of a device's config space at `off`. */
static void poke_config(const char *root, const char *bdf, long off, const void *bytes, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config", root, bdf);
	ck_assert_ptr_nonnull(f = fopen(path, "r+b"));
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void expect_profile(gpuvirt_ctx *ctx, const char *parent, const char *id, const char *name, uint32_t avail)
{
	gpuvirt_profile *p = find(ctx, NULL, parent, id);

	ck_assert_str_eq(gpuvirt_profile_get_name(p), name);
	ck_assert_uint_eq(gpuvirt_profile_get_available(p), avail);
	gpuvirt_profile_unref(p);
}

/* A type's name, description and device API are read from the first parent
 * of its model and shared with the others of the same driver, IDs and
 * type; each parent's available_instances is its own. */
START_TEST(type_files_shared_by_model)
{
	const char *root = th_host("t4");
	const char *d8 = "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/mdev_supported_types/nvidia-232";
	const uint8_t other[] = {0xb9, 0x1e}, vf[] = {0xff, 0xff, 0xff, 0xff};
	char rel[512];
	gpuvirt_ctx *ctx;

	snprintf(rel, sizeof(rel), "%s/available_instances", d8);
	th_write(root, rel, "3\n");
	snprintf(rel, sizeof(rel), "%s/name", d8);
	th_write(root, rel, "GRID T4-4Q as read at d8\n");
	ctx = th_ctx_at(root);
	expect_profile(ctx, "0000:3b:00.0", "nvidia-232", "GRID T4-4Q", 4);
	expect_profile(ctx, "0000:d8:00.0", "nvidia-232", "GRID T4-4Q", 3); /* 3b's name, its own count */
	gpuvirt_ctx_unref(ctx);

	/* The same IDs told by a VF's vendor and device files: still shared. */
	poke_config(root, "0000:d8:00.0", 0, vf, sizeof(vf));
	th_write(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/vendor", "0x10de\n");
	th_write(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/device", "0x1eb8\n");
	ctx = th_ctx_at(root);
	expect_profile(ctx, "0000:d8:00.0", "nvidia-232", "GRID T4-4Q", 3);
	gpuvirt_ctx_unref(ctx);

	/* Another device ID (in the file, then in config): its own files. */
	th_write(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/device", "0x1eb9\n");
	ctx = th_ctx_at(root);
	expect_profile(ctx, "0000:d8:00.0", "nvidia-232", "GRID T4-4Q as read at d8", 3);
	gpuvirt_ctx_unref(ctx);
	poke_config(root, "0000:d8:00.0", 0, "\xde\x10", 2);
	poke_config(root, "0000:d8:00.0", 2, other, sizeof(other));
	ctx = th_ctx_at(root);
	expect_profile(ctx, "0000:d8:00.0", "nvidia-232", "GRID T4-4Q as read at d8", 3);
	expect_profile(ctx, "0000:3b:00.0", "nvidia-232", "GRID T4-4Q", 4);
	gpuvirt_ctx_unref(ctx);

	/* The same IDs under another driver: its own files. */
	poke_config(root, "0000:d8:00.0", 2, "\xb8\x1e", 2);
	th_remove(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/driver");
	th_symlink(root, "sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0/driver", "../../../../bus/pci/drivers/other");
	ctx = th_ctx_at(root);
	expect_profile(ctx, "0000:d8:00.0", "nvidia-232", "GRID T4-4Q as read at d8", 3);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A create with no room says which rule blocks it and what is still
 * creatable there. */
START_TEST(no_room_names_the_rule)
{
	const char *root = th_host("t4"), *uuid = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
	const char *dir = "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0";
	const char *types[] = {"nvidia-223", "nvidia-230", "nvidia-231", "nvidia-232", "nvidia-233", "nvidia-234", "nvidia-319"};
	char rel[256], target[256];
	gpuvirt_instance *in = NULL;
	gpuvirt_ctx *ctx;

	/* A live nvidia-222 on 3b: the driver closes the other types. */
	snprintf(rel, sizeof(rel), "%s/%s/mdev_type", dir, uuid);
	th_symlink(root, rel, "../mdev_supported_types/nvidia-222");
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/0000:00:01.0/0000:3b:00.0/%s", uuid);
	th_symlink(root, rel, target);
	snprintf(rel, sizeof(rel), "%s/mdev_supported_types/nvidia-222/available_instances", dir);
	th_write(root, rel, "15\n");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/mdev_supported_types/%s/available_instances", dir, types[i]);
		th_write(root, rel, "0\n");
	}
	ctx = th_ctx_at(root);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-230", "3b:00.0", 0, -1, NULL, GPUVIRT_INSTANCE_DRY_RUN, &in),
			 -ENOSPC);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "profile nvidia-230 has no room: 0000:3b:00.0: one vGPU type per GPU, and it runs nvidia-222 (1 "
			 "instance); still creatable there: nvidia-222 (15 free)");
	/* The listing says the same of what is full, nothing of what is not. */
	gpuvirt_profile *p = find(ctx, NULL, "0000:3b:00.0", "nvidia-230");
	ck_assert_str_eq(gpuvirt_profile_get_unavailable_reason(p), "one vGPU type per GPU, and it runs nvidia-222 (1 "
								     "instance); still creatable there: nvidia-222 (15 free)");
	gpuvirt_profile_unref(p);
	p = find(ctx, NULL, "0000:3b:00.0", "nvidia-222");
	ck_assert_ptr_null(gpuvirt_profile_get_unavailable_reason(p));
	gpuvirt_profile_unref(p);
	ck_assert_ptr_null(gpuvirt_profile_get_unavailable_reason(NULL));
	/* All of a type taken. */
	snprintf(rel, sizeof(rel), "%s/mdev_supported_types/nvidia-222/available_instances", dir);
	th_write(root, rel, "0\n");
	snprintf(rel, sizeof(rel), "%s/mdev_supported_types/nvidia-234/available_instances", dir);
	th_write(root, rel, "0\n");
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", "3b:00.0", 0, -1, NULL, GPUVIRT_INSTANCE_DRY_RUN, &in),
			 -ENOSPC);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "profile nvidia-222 has no room: 0000:3b:00.0: its 1 instance holds 1 "
						    "GiB of framebuffer, and the driver offers no more; nothing else is "
						    "creatable there now");
	ck_assert_ptr_null(in);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(bad_arguments)
{
	gpuvirt_ctx *ctx = th_ctx("t4");
	gpuvirt_instance *in = NULL;
	gpuvirt_profile_iter *it;
	gpuvirt_profile *p;

	ck_assert_int_eq(gpuvirt_profile_iter_new(NULL, NULL, &it), -EINVAL);
	ck_assert_int_eq(gpuvirt_profile_iter_new(ctx, NULL, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_profile_iter_next(NULL, &p), -EINVAL);
	ck_assert_ptr_null(gpuvirt_profile_unref(NULL));
	ck_assert_ptr_null(gpuvirt_profile_get_id(NULL));
	ck_assert_int_eq(gpuvirt_profile_get_mechanism(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_profile_get_max_resolution(NULL, NULL, NULL), -EINVAL);
	ck_assert_ptr_null(gpuvirt_mechanism_to_string(99));
	ck_assert_int_eq(gpuvirt_instance_create(NULL, "nvidia-222", NULL, 0, -1, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, NULL, NULL, 0, -1, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "", NULL, 0, -1, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", NULL, 7, -1, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", NULL, 0, -2, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", NULL, 0, -1, NULL, 1u << 9, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", "../../x", 0, -1, NULL, 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", NULL, 0, -1, "not-a-uuid", 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", NULL, 0, -1, "../../../../etc/passwd", 0, &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-999", NULL, 0, -1, NULL, 0, &in), -ENOENT);
	ck_assert_int_eq(gpuvirt_instance_create(ctx, "nvidia-222", "0000:09:00.0", 0, -1, NULL, 0, &in), -ENODEV);
	ck_assert_ptr_null(in);
	ck_assert_int_eq(gpuvirt_instance_new_from_uuid(ctx, "nope", &in), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_new_from_uuid(ctx, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", &in), -ENOENT);
	ck_assert_int_eq(gpuvirt_instance_destroy(NULL, 0), -EINVAL);
	ck_assert_ptr_null(gpuvirt_instance_unref(NULL));
	ck_assert_int_eq(gpuvirt_instance_is_active(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_instance_iter_new(ctx, NULL), -EINVAL);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, nvidia_legacy_mdev);
	tcase_add_test(tc, nvidia_vendor_on_vfs);
	tcase_add_test(tc, mig_best_fit);
	tcase_add_test(tc, sriov_gvtg_and_mbochs);
	tcase_add_test(tc, existing_instances);
	tcase_add_test(tc, type_files_shared_by_model);
	tcase_add_test(tc, no_room_names_the_rule);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
