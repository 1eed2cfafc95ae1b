/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Binding plans, refusals, recovery of journals and argument checks on
 * plain simulated hosts (the writes themselves are tested on the FUSE host
 * by tests/simhost/test-bind.sh). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static gpuvirt_device *device(gpuvirt_ctx *ctx, const char *bdf)
{
	gpuvirt_device *d = NULL;

	ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, bdf, &d), 0);
	return d;
}

/* "action device path value" of step i. */
static void step(gpuvirt_bind_plan *p, size_t i, char *out, size_t size)
{
	const char *dev, *action, *path, *value;

	ck_assert_int_eq(gpuvirt_bind_plan_get_step(p, i, &dev, &action, &path, &value), 0);
	snprintf(out, size, "%s %s %s %s", action, dev ? dev : "-", path ? path : "-", value ? value : "-");
}

START_TEST(plan_takes_the_audio_function)
{
	gpuvirt_ctx *ctx = th_ctx("workstation");
	gpuvirt_device *gpu = device(ctx, "01:00.0");
	gpuvirt_bind_plan *p;
	char s[256];

	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "kvm", 0, &p), 0);
	ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "vfio-pci");
	ck_assert_uint_eq(gpuvirt_bind_plan_get_device_count(p), 2);
	ck_assert_str_eq(gpuvirt_bind_plan_get_device(p, 0), "0000:01:00.0");
	ck_assert_str_eq(gpuvirt_bind_plan_get_device(p, 1), "0000:01:00.1");
	ck_assert_ptr_null(gpuvirt_bind_plan_get_device(p, 2));
	ck_assert_uint_eq(gpuvirt_bind_plan_get_step_count(p), 8);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "modprobe - - vfio-pci"); /* vfio-pci is not loaded there */
	step(p, 1, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:01:00.0 sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci");
	step(p, 2, s, sizeof(s));
	ck_assert_str_eq(s, "unbind 0000:01:00.0 sys/bus/pci/drivers/nvidia/unbind 0000:01:00.0");
	step(p, 3, s, sizeof(s));
	ck_assert_str_eq(s, "probe 0000:01:00.0 sys/bus/pci/drivers_probe 0000:01:00.0");
	step(p, 5, s, sizeof(s));
	ck_assert_str_eq(s, "unbind 0000:01:00.1 sys/bus/pci/drivers/snd_hda_intel/unbind 0000:01:00.1");
	step(p, 7, s, sizeof(s));
	ck_assert_str_eq(s, "wait - dev/vfio/1 -");
	ck_assert_int_eq(gpuvirt_bind_plan_get_step(p, 8, NULL, NULL, NULL, NULL), -ERANGE);
	ck_assert_ptr_eq(gpuvirt_bind_plan_ref(p), p);
	ck_assert_ptr_eq(gpuvirt_bind_plan_unref(p), p);
	ck_assert_ptr_null(gpuvirt_bind_plan_unref(p));

	/* Persisting adds driverctl's and libgpuvirt's records; Xen adds
	 * pciback's slots. */
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_PERSIST, &p), 0);
	ck_assert_uint_eq(gpuvirt_bind_plan_get_step_count(p), 12);
	step(p, 10, s, sizeof(s));
	ck_assert_str_eq(s, "persist 0000:01:00.1 etc/driverctl.d/pci-0000:01:00.1 vfio-pci");
	step(p, 11, s, sizeof(s));
	ck_assert_str_eq(s, "persist 0000:01:00.1 etc/gpuvirt/bindings/0000:01:00.1.json vfio-pci");
	gpuvirt_bind_plan_unref(p);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "xen", 0, &p), 0);
	ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "pciback");
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "modprobe - - xen-pciback");
	step(p, 2, s, sizeof(s));
	ck_assert_str_eq(s, "new_slot 0000:01:00.0 sys/bus/pci/drivers/pciback/new_slot 0000:01:00.0");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* "kvm" takes the vfio-pci variant modules.alias offers (NVIDIA's for the
 * L40S; not mlx5's, not vfio_pci's own), loading it first; "vfio-pci" stays
 * vfio-pci; where no variant matches, "kvm" is vfio-pci. */
START_TEST(kvm_takes_a_variant_driver)
{
	gpuvirt_ctx *ctx = th_ctx("l40s");
	gpuvirt_device *vf = device(ctx, "41:00.4");
	gpuvirt_bind_plan *p;
	char s[256];

	ck_assert_int_eq(gpuvirt_bind_plan_new(vf, "kvm", 0, &p), 0);
	ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "nvidia_vgpu_vfio");
	ck_assert_uint_eq(gpuvirt_bind_plan_get_step_count(p), 5);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "modprobe - - nvidia_vgpu_vfio");
	step(p, 1, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:41:00.4 sys/bus/pci/devices/0000:41:00.4/driver_override nvidia_vgpu_vfio");
	step(p, 4, s, sizeof(s));
	ck_assert_str_eq(s, "wait - dev/vfio/3 -"); /* a variant makes the group's node too */
	gpuvirt_bind_plan_unref(p);
	ck_assert_int_eq(gpuvirt_bind_plan_new(vf, "vfio-pci", 0, &p), 0);
	ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "vfio-pci");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(vf);
	gpuvirt_ctx_unref(ctx);

	ctx = th_ctx("t4");
	vf = device(ctx, "3b:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(vf, "kvm", 0, &p), 0);
	ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "vfio-pci");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(vf);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(plan_refuses_a_shared_group)
{
	gpuvirt_ctx *ctx = th_ctx("bad-group");
	gpuvirt_device *gpu = device(ctx, "02:00.0");
	gpuvirt_bind_plan *p = NULL;

	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), -EPERM);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "0000:03:00.0"));
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "xhci_hcd"));
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_ALLOW_GROUP, &p), 0);
	ck_assert_uint_eq(gpuvirt_bind_plan_get_device_count(p), 4); /* the bridge stays */
	ck_assert_str_eq(gpuvirt_bind_plan_get_device(p, 2), "0000:03:00.0");
	ck_assert_str_eq(gpuvirt_bind_plan_get_device(p, 3), "0000:04:00.0");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* ... and so are its members without a driver (vfio-pci takes them too). */
START_TEST(plan_refuses_a_group_with_driverless_members)
{
	const char *root = th_host("bad-group");
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p = NULL;

	th_remove(root, "sys/bus/pci/devices/0000:03:00.0/driver");
	th_remove(root, "sys/bus/pci/devices/0000:04:00.0/driver");
	ctx = th_ctx_at(root);
	gpu = device(ctx, "02:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), -EPERM);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "also holds 0000:03:00.0"));
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(plan_refuses_the_console_and_busy_gpus)
{
	const char *root = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_device *igpu = device(ctx, "00:02.0"), *gpu;
	gpuvirt_bind_plan *p;

	ck_assert_int_eq(gpuvirt_bind_plan_new(igpu, "vfio-pci", 0, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "boot VGA"));
	ck_assert_int_eq(gpuvirt_bind_plan_new(igpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	gpuvirt_bind_plan_unref(p);

	th_write(root, "proc/812/comm", "Xorg\n");
	th_symlink(root, "proc/812/fd/7", "/dev/dri/card1");
	gpu = device(ctx, "01:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "pid 812 (Xorg) has /dev/dri/card1 open"));
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_device_unref(igpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(plan_without_a_group)
{
	const char *root = th_host("iommu-off");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_device *gpu = device(ctx, "01:00.0");
	gpuvirt_bind_plan *p;

	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "no IOMMU group"));
	/* Xen's dom0 sees no groups: the card's functions move together. */
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "pciback", GPUVIRT_BIND_FORCE, &p), 0);
	ck_assert_uint_eq(gpuvirt_bind_plan_get_device_count(p), 2);
	ck_assert_str_eq(gpuvirt_bind_plan_get_device(p, 1), "0000:01:00.1");
	gpuvirt_bind_plan_unref(p);
	/* A module that is not there at all. */
	th_write(root, "lib/modules/6.1.0-56-amd64/modules.dep", "kernel/drivers/vfio/vfio.ko:\n");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "pciback", GPUVIRT_BIND_FORCE, &p), -ENOENT);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "xen-pciback is not available"));
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The boot VGA moves with its audio function: binding the audio alone must
 * not take the console's GPU without --force. */
START_TEST(the_boot_vga_is_refused_through_its_audio)
{
	gpuvirt_ctx *ctx = th_ctx("iommu-off");
	gpuvirt_device *audio = device(ctx, "01:00.1");
	gpuvirt_bind_plan *p = NULL;

	ck_assert_int_eq(gpuvirt_bind_plan_new(audio, "pciback", 0, &p), -EBUSY);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "0000:01:00.0 is the boot VGA device (the firmware and a console may use it; none holds it now) and "
			 "moves with 0000:01:00.1; GPUVIRT_BIND_FORCE (--force) takes it anyway");
	ck_assert_int_eq(gpuvirt_bind_plan_new(audio, "pciback", GPUVIRT_BIND_FORCE, &p), 0);
	ck_assert_uint_eq(gpuvirt_bind_plan_get_device_count(p), 2);
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(audio);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The boot VGA under efifb with fbcon on it (rebar: UEFI, the NVIDIA driver
 * without fbdev): the refusal names both; --force releases fbcon's vtcon,
 * then the framebuffer, before any device moves. */
START_TEST(the_boot_vga_console_is_released_first)
{
	const char *root = th_host("rebar");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_device *gpu = device(ctx, "01:00.0");
	gpuvirt_bind_plan *p = NULL;
	char s[256];

	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), -EBUSY);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "0000:01:00.0 is the boot VGA device and the host console holds it (vtcon1 (fbcon), "
			 "efi-framebuffer.0 on efi-framebuffer); GPUVIRT_BIND_FORCE (--force) releases the console for "
			 "the bind and gives it back on unbind");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "console 0000:01:00.0 sys/class/vtconsole/vtcon1/bind 0");
	step(p, 1, s, sizeof(s));
	ck_assert_str_eq(s, "framebuffer 0000:01:00.0 sys/bus/platform/drivers/efi-framebuffer/unbind efi-framebuffer.0");
	step(p, 2, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:01:00.0 sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci");
	gpuvirt_bind_plan_unref(p);
	/* The other GPU is not the boot VGA: nothing of the console moves. */
	gpuvirt_device_unref(gpu);
	gpu = device(ctx, "02:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:02:00.0 sys/bus/pci/devices/0000:02:00.0/driver_override vfio-pci");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Only what is on this GPU: fbcon on a framebuffer elsewhere, efifb on
 * another device's memory, and efifb already released hold nothing here;
 * an unreadable proc/iomem is an error naming it, not "nothing holds it". */
START_TEST(the_boot_vga_console_is_what_is_on_it)
{
	const char *root = th_host("rebar");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_device *gpu = device(ctx, "01:00.0");
	gpuvirt_bind_plan *p = NULL;
	char s[256];

	/* efifb on the Radeon's BAR (as if it were the boot VGA): not this one. */
	th_write(root, "proc/iomem", "00000000-00000fff : Reserved\n  e0000000-e0ffffff : 0000:01:00.0\n"
				     "  e1080000-e10fffff : 0000:02:00.0\n    e1080000-e10fffff : efifb\n");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:01:00.0 sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci");
	gpuvirt_bind_plan_unref(p);
	/* fbcon on the GPU's own framebuffer (its DRM driver's fbdev): the
	 * vtcon alone. */
	th_symlink(root, "sys/devices/platform/efi-framebuffer.0/graphics/fb0/device",
		   "../../../../pci0000:00/0000:00:01.0/0000:01:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "console 0000:01:00.0 sys/class/vtconsole/vtcon1/bind 0");
	step(p, 1, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:01:00.0 sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci");
	gpuvirt_bind_plan_unref(p);
	/* An unbound vtcon holds nothing. */
	th_write(root, "sys/devices/virtual/vtconsole/vtcon1/bind", "0\n");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	step(p, 0, s, sizeof(s));
	ck_assert_str_eq(s, "override 0000:01:00.0 sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci");
	gpuvirt_bind_plan_unref(p);
	/* Unreadable is not absent. */
	th_remove(root, "proc/iomem");
	th_write(root, "proc/iomem/x", "");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), -EISDIR);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "cannot read proc/iomem: Is a directory");
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A bridge is no device for a VM: refused with a message, whatever the
 * flags (it used to "bind" nothing and succeed). */
START_TEST(bridges_are_refused)
{
	gpuvirt_ctx *ctx = th_ctx("workstation");
	gpuvirt_device *port = device(ctx, "00:01.0");
	gpuvirt_bind_plan *p = NULL;
	const uint32_t all = GPUVIRT_BIND_FORCE | GPUVIRT_BIND_ALLOW_GROUP;

	ck_assert_int_eq(gpuvirt_bind_plan_new(port, "vfio-pci", all, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx),
			 "0000:00:01.0 is a PCI bridge, not a device a VM can take: bind the GPU behind it");
	gpuvirt_device_unref(port);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(bad_arguments)
{
	gpuvirt_ctx *ctx = th_ctx("t4");
	gpuvirt_device *gpu = device(ctx, "3b:00.0");
	gpuvirt_bind_plan *p = NULL;

	ck_assert_int_eq(gpuvirt_bind_plan_new(NULL, "vfio-pci", 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, NULL, 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "", 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "../vfio-pci", 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "..", 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio pci", 0, &p), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 1u << 20, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(gpuvirt_bind_apply(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_unbind(NULL, 0), -EINVAL);
	ck_assert_int_eq(gpuvirt_unbind(gpu, 1u << 20), -EINVAL);
	ck_assert_int_eq(gpuvirt_recover(NULL), -EINVAL);
	ck_assert_int_eq(gpuvirt_bind_plan_get_step(NULL, 0, NULL, NULL, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(gpuvirt_bind_plan_get_step_count(NULL), 0);
	ck_assert_ptr_null(gpuvirt_bind_plan_get_target(NULL));
	ck_assert_int_eq(gpuvirt_ctx_set_modprobe(NULL, "/sbin/modprobe"), -EINVAL);
	ck_assert_int_eq(gpuvirt_ctx_set_modprobe(ctx, "modprobe"), -EINVAL);
	ck_assert_int_eq(gpuvirt_ctx_set_modprobe(ctx, "/nonexistent/modprobe"), -ENOENT);
	ck_assert_int_eq(gpuvirt_ctx_set_modprobe(ctx, "/bin/true"), 0);
	ck_assert_int_eq(gpuvirt_ctx_set_modprobe(ctx, NULL), 0);
	ck_assert_ptr_null(gpuvirt_device_get_persistent_driver(NULL));
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(persistent_driver_is_read)
{
	const char *root = th_host("t4");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	gpuvirt_device *gpu = device(ctx, "3b:00.0");

	ck_assert_ptr_null(gpuvirt_device_get_persistent_driver(gpu));
	th_write(root, "etc/driverctl.d/pci-0000:3b:00.0", "vfio-pci\n");
	ck_assert_int_eq(gpuvirt_device_refresh(gpu), 0);
	ck_assert_str_eq(gpuvirt_device_get_persistent_driver(gpu), "vfio-pci");
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(recover_journals)
{
	const char *root = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	char path[512], text[512];

	ck_assert_int_eq(gpuvirt_recover(ctx), 0); /* none */
	/* An interrupted bind whose devices never moved: nothing to write. */
	snprintf(text, sizeof(text),
		 "gpuvirt-journal 1\nstate binding\ntarget vfio-pci\nkey group-1\npid %d\n"
		 "device 0000:01:00.0 nvidia -\ndevice 0000:01:00.1 snd_hda_intel -\n",
		 th_dead_pid());
	th_write(root, "run/gpuvirt/group-1.journal", text);
	ck_assert_int_eq(gpuvirt_recover(ctx), 1);
	snprintf(path, sizeof(path), "%s/run/gpuvirt/group-1.journal", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* A finished bind's record is not a crash. */
	th_write(root, "run/gpuvirt/group-1.journal",
		 "gpuvirt-journal 1\nstate bound\ntarget vfio-pci\nkey group-1\npid 1\ndevice 0000:01:00.0 nvidia -\n");
	ck_assert_int_eq(gpuvirt_recover(ctx), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* A damaged one is left for inspection, and names nothing we act on. */
	th_write(root, "run/gpuvirt/group-1.journal",
		 "gpuvirt-journal 1\nstate binding\ntarget ../x\ndevice ../../etc nvidia -\n");
	ck_assert_int_eq(gpuvirt_recover(ctx), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "group-1.journal (malformed)"));
	ck_assert_int_eq(access(path, F_OK), 0);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Twins of the real-kernel tier's scenarios, on its own recording. */
START_TEST(real_kernel_twins)
{
	gpuvirt_ctx *ctx = th_ctx("qemu-q35-iommu-on");
	gpuvirt_device *smbus = device(ctx, "00:1f.3"), *disp = device(ctx, "00:02.0");
	gpuvirt_bind_plan *p;

	/* ICH9's functions share a slot and a group, but are not one card. */
	ck_assert_int_eq(gpuvirt_bind_plan_new(smbus, "vfio-pci", 0, &p), -EPERM);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "also holds 0000:00:1f.2"));
	/* driver_override would let nvme take a display: its ID table says no. */
	ck_assert_int_eq(gpuvirt_bind_plan_new(disp, "nvme", 0, &p), -ENODEV);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "driver nvme does not handle it"));
	ck_assert_int_eq(gpuvirt_bind_plan_new(disp, "bochs-drm", 0, &p), 0); /* where it is: no steps */
	ck_assert_uint_eq(gpuvirt_bind_plan_get_step_count(p), 0);
	gpuvirt_bind_plan_unref(p);
	ck_assert_int_eq(gpuvirt_bind_plan_new(disp, "nvme", GPUVIRT_BIND_FORCE, &p), 0);
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(smbus);
	gpuvirt_device_unref(disp);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bind");
	TCase *tc = tcase_create("bind");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, plan_takes_the_audio_function);
	tcase_add_test(tc, kvm_takes_a_variant_driver);
	tcase_add_test(tc, plan_refuses_a_shared_group);
	tcase_add_test(tc, plan_refuses_a_group_with_driverless_members);
	tcase_add_test(tc, plan_refuses_the_console_and_busy_gpus);
	tcase_add_test(tc, plan_without_a_group);
	tcase_add_test(tc, bridges_are_refused);
	tcase_add_test(tc, the_boot_vga_is_refused_through_its_audio);
	tcase_add_test(tc, the_boot_vga_console_is_released_first);
	tcase_add_test(tc, the_boot_vga_console_is_what_is_on_it);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, persistent_driver_is_read);
	tcase_add_test(tc, recover_journals);
	tcase_add_test(tc, real_kernel_twins);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
