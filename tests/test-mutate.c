/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mutation layer on FUSE-served hosts with the kernel's write semantics:
 * device objects go stale after a write, a failed rollback keeps both
 * messages, holders (a VM's VFIO node, a live instance, the host's DRM use)
 * stop a change before any write, a write the kernel blocks ends in
 * -ETIMEDOUT in time and gpuvirt_recover() finishes it later, and recovery
 * leaves a live owner's journal alone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>
#include <unistd.h>

#include "helpers.h"

#define SIMHOST_FUSE_PATH SIMHOST_FUSE

#define GPU "0000:01:00.0"
#define AUDIO "0000:01:00.1"

static void control(const char *root, const char *cmd)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.simhost/control", root);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd), "control: %s", cmd);
	close(fd);
}

static const char *driver_of(const char *root, const char *bdf)
{
	static char out[2][256];
	static int which;
	char path[4096], target[512];
	char *o = out[which ^= 1];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", root, bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return "";
	target[n] = '\0';
	snprintf(o, sizeof(out[0]), "%s", strrchr(target, '/') + 1);
	return o;
}

static bool exists_at(const char *root, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

static gpuvirt_device *device(gpuvirt_ctx *ctx, const char *bdf)
{
	gpuvirt_device *d = NULL;

	ck_assert_msg(gpuvirt_device_new_from_bdf(ctx, bdf, &d) == 0, "%s: %s", bdf, gpuvirt_ctx_get_error(ctx));
	return d;
}

/* Bind the workstation's GPU (and its audio) to vfio-pci. */
static gpuvirt_ctx *bound_workstation(const char **root, const char **backing)
{
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p;

	*root = th_fuse_host("workstation", backing);
	control(*root, "load vfio-pci");
	ctx = th_ctx_at(*root);
	gpu = device(ctx, GPU);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), 0);
	ck_assert_msg(gpuvirt_bind_apply(p) == 0, "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(*root, GPU), "vfio-pci");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	return ctx;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(devices_go_stale_after_a_write)
{
	const char *root = th_fuse_host("workstation", NULL);
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p;
	uint64_t before;

	control(root, "load vfio-pci");
	ctx = th_ctx_at(root);
	gpu = device(ctx, GPU);
	before = gpuvirt_ctx_get_generation(ctx);
	ck_assert_int_eq(gpuvirt_device_is_stale(gpu), 0);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), 0);
	ck_assert_int_eq(gpuvirt_device_is_stale(gpu), 0); /* planning writes nothing */
	ck_assert_int_eq(gpuvirt_bind_apply(p), 0);
	ck_assert_uint_gt(gpuvirt_ctx_get_generation(ctx), before);
	ck_assert_int_eq(gpuvirt_device_is_stale(gpu), 1);
	ck_assert_str_eq(gpuvirt_device_get_driver(gpu), "nvidia"); /* the snapshot, as documented */
	ck_assert_int_eq(gpuvirt_device_refresh(gpu), 0);
	ck_assert_int_eq(gpuvirt_device_is_stale(gpu), 0);
	ck_assert_str_eq(gpuvirt_device_get_driver(gpu), "vfio-pci");
	ck_assert_int_eq(gpuvirt_unbind(gpu, 0), 0);
	ck_assert_int_eq(gpuvirt_device_is_stale(gpu), 1);
	ck_assert_int_eq(gpuvirt_device_is_stale(NULL), -EINVAL);
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

START_TEST(a_failed_rollback_keeps_both_messages)
{
	const char *root = th_fuse_host("workstation", NULL);
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p;
	const char *msg, *also;

	control(root, "load vfio-pci");
	/* The first probe fails; so does the rollback's restore of the override. */
	control(root, "fail sys/bus/pci/drivers_probe 1 EIO");
	control(root, "fail sys/bus/pci/devices/" GPU "/driver_override 2 EACCES");
	ctx = th_ctx_at(root);
	gpu = device(ctx, GPU);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), 0);
	ck_assert_int_eq(gpuvirt_bind_apply(p), -EIO);
	gpuvirt_bind_plan_unref(p);
	msg = gpuvirt_ctx_get_error(ctx);
	also = strstr(msg, "; rolling back also failed: ");
	ck_assert_msg(also != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "sys/bus/pci/drivers_probe failed: Input/output error") < also, "%s", msg);
	ck_assert_msg(strstr(also, "driver_override failed: Permission denied") != NULL, "%s", msg);
	/* The way back is left to recovery, which the owner handed it to. */
	ck_assert(exists_at(root, "run/gpuvirt/group-1.journal"));
	control(root, "clear");
	ck_assert_int_eq(gpuvirt_recover(ctx), 1);
	ck_assert_str_eq(driver_of(root, GPU), "nvidia");
	ck_assert_str_eq(driver_of(root, AUDIO), "snd_hda_intel");
	ck_assert(!exists_at(root, "run/gpuvirt/group-1.journal"));
	/* Public functions clear the last error on entry, even when they refuse. */
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, NULL, 0, &p), -EINVAL);
	ck_assert_str_eq(gpuvirt_ctx_get_error(ctx), "bind: no target driver");
	ck_assert_int_eq(gpuvirt_ctx_set_write_timeout(ctx, 0), -EINVAL);
	ck_assert_ptr_null(strstr(gpuvirt_ctx_get_error(ctx), "bind:"));
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A process that holds the group's VFIO node is a VM: nothing takes it. */
START_TEST(a_vms_device_is_not_taken)
{
	const char *root, *backing;
	gpuvirt_ctx *ctx = bound_workstation(&root, &backing);
	gpuvirt_device *gpu = device(ctx, GPU);
	gpuvirt_bind_plan *p;

	th_write(backing, "proc/4242/comm", "qemu-system-x86\n");
	th_symlink(backing, "proc/4242/fd/17", "/dev/vfio/1");
	ck_assert_int_eq(gpuvirt_unbind(gpu, 0), -EBUSY);
	ck_assert_msg(strstr(gpuvirt_ctx_get_error(ctx), "pid 4242 (qemu-system-x86) has /dev/vfio/1 open"),
		      "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(root, GPU), "vfio-pci");
	/* Nor a re-bind to Xen, forced or not. */
	control(root, "load pciback");
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "xen", GPUVIRT_BIND_FORCE, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "nothing overrides that"));
	/* Once the VM lets go, unbind gives both functions back. */
	th_remove(backing, "proc/4242");
	ck_assert_msg(gpuvirt_unbind(gpu, 0) == 0, "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(root, GPU), "nvidia");
	ck_assert_str_eq(driver_of(root, AUDIO), "snd_hda_intel");
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The host's own use of a GPU stops a bind, but --force takes it. */
START_TEST(the_hosts_use_gives_way_to_force)
{
	const char *backing, *root = th_fuse_host("workstation", &backing);
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p;

	control(root, "load vfio-pci");
	th_write(backing, "proc/812/comm", "Xorg\n");
	th_symlink(backing, "proc/812/fd/7", "/dev/dri/card1");
	ctx = th_ctx_at(root);
	gpu = device(ctx, GPU);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "pid 812 (Xorg) has /dev/dri/card1 open"));
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "vfio-pci", GPUVIRT_BIND_FORCE, &p), 0);
	ck_assert_int_eq(gpuvirt_bind_apply(p), 0);
	ck_assert_str_eq(driver_of(root, GPU), "vfio-pci");
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A live vGPU instance holds its GPU; a VM holding the instance holds it. */
START_TEST(live_instances_are_not_destroyed)
{
	const char *backing, *root = th_fuse_host("t4", &backing);
	gpuvirt_ctx *ctx;
	gpuvirt_instance *inst = NULL;
	gpuvirt_device *t4;
	gpuvirt_bind_plan *p;
	char link[128], group[32], rel[256];
	ssize_t n;

	control(root, "load vfio-pci");
	ctx = th_ctx_at(root);
	ck_assert_msg(gpuvirt_instance_create(ctx, "nvidia-222", "3b:00.0", GPUVIRT_POLICY_PACK, -1, NULL, 0, &inst) == 0,
		      "%s", gpuvirt_ctx_get_error(ctx));
	t4 = device(ctx, "0000:3b:00.0");
	ck_assert_int_eq(gpuvirt_bind_plan_new(t4, "vfio-pci", 0, &p), -EBUSY);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), gpuvirt_instance_get_uuid(inst)));
	ck_assert_int_eq(gpuvirt_bind_plan_new(t4, "vfio-pci", GPUVIRT_BIND_FORCE, &p), -EBUSY);
	ck_assert_str_eq(driver_of(root, "0000:3b:00.0"), "nvidia");
	/* A VM has the instance's group open: destroy refuses, naming it. */
	snprintf(rel, sizeof(rel), "%s/sys/bus/mdev/devices/%s/iommu_group", root, gpuvirt_instance_get_uuid(inst));
	n = readlink(rel, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = '\0';
	snprintf(group, sizeof(group), "/dev/vfio/%s", strrchr(link, '/') + 1);
	th_write(backing, "proc/5150/comm", "qemu-kvm\n");
	th_symlink(backing, "proc/5150/fd/30", group);
	ck_assert_int_eq(gpuvirt_instance_destroy(inst, 0), -EBUSY);
	ck_assert_msg(strstr(gpuvirt_ctx_get_error(ctx), "pid 5150 (qemu-kvm)"), "%s", gpuvirt_ctx_get_error(ctx));
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", gpuvirt_instance_get_uuid(inst));
	ck_assert(exists_at(root, rel));
	th_remove(backing, "proc/5150");
	ck_assert_int_eq(gpuvirt_instance_destroy(inst, 0), 0);
	ck_assert(!exists_at(root, rel));
	gpuvirt_instance_unref(inst);
	gpuvirt_device_unref(t4);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* The kernel keeps an unbind blocked (here the host's delay fault): the
 * caller gets -ETIMEDOUT in time; recovery waits for the blocked write and
 * then gives the devices back. */
START_TEST(a_blocked_unbind_is_bounded_and_recovered)
{
	const char *root, *backing;
	gpuvirt_ctx *ctx = bound_workstation(&root, &backing);
	gpuvirt_device *gpu = device(ctx, GPU);
	double t0, took;

	ck_assert_int_eq(gpuvirt_ctx_set_write_timeout(ctx, 400), 0);
	ck_assert_uint_eq(gpuvirt_ctx_get_write_timeout(ctx), 400);
	control(root, "delay sys/bus/pci/drivers/vfio-pci/unbind 1 2500");
	t0 = now_s();
	ck_assert_int_eq(gpuvirt_unbind(gpu, 0), -ETIMEDOUT);
	took = now_s() - t0;
	ck_assert_msg(took < 1.5, "unbind returned after %.2f s", took);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "gpuvirt recover finishes"));
	ck_assert(exists_at(root, "run/gpuvirt/group-1.journal"));
	/* While the write is still blocked, its process owns the journal. */
	ck_assert_int_eq(gpuvirt_recover(ctx), 0);
	ck_assert(exists_at(root, "run/gpuvirt/group-1.journal"));
	/* Once the kernel lets it through, recovery finishes the job. */
	usleep(2600 * 1000);
	ck_assert_msg(gpuvirt_recover(ctx) == 1, "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(root, GPU), "nvidia");
	ck_assert_str_eq(driver_of(root, AUDIO), "snd_hda_intel");
	ck_assert(!exists_at(root, "run/gpuvirt/group-1.journal"));
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Without an IOMMU group (a Xen dom0), the card moves under a slot lock:
 * bind to pciback and back. */
START_TEST(a_card_without_a_group)
{
	const char *root = th_fuse_host("iommu-off", NULL);
	gpuvirt_ctx *ctx;
	gpuvirt_device *gpu;
	gpuvirt_bind_plan *p;

	control(root, "load pciback");
	ctx = th_ctx_at(root);
	gpu = device(ctx, GPU);
	ck_assert_int_eq(gpuvirt_device_get_iommu_group(gpu), -1);
	ck_assert_int_eq(gpuvirt_bind_plan_new(gpu, "xen", GPUVIRT_BIND_FORCE, &p), 0); /* the boot VGA: forced */
	ck_assert_msg(gpuvirt_bind_apply(p) == 0, "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(root, GPU), "pciback");
	ck_assert(exists_at(root, "run/gpuvirt/card-0000:01:00.journal"));
	ck_assert(exists_at(root, "run/lock/gpuvirt/card-0000:01:00.lock"));
	ck_assert_msg(gpuvirt_unbind(gpu, 0) == 0, "%s", gpuvirt_ctx_get_error(ctx));
	ck_assert_str_eq(driver_of(root, GPU), "nvidia");
	ck_assert(!exists_at(root, "run/gpuvirt/card-0000:01:00.journal"));
	gpuvirt_bind_plan_unref(p);
	gpuvirt_device_unref(gpu);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* A journal whose owner still runs is that owner's: recovery leaves it. */
START_TEST(recovery_leaves_a_live_owners_journal)
{
	const char *root = th_host("workstation");
	gpuvirt_ctx *ctx = th_ctx_at(root);
	char text[512];
	pid_t owner = fork();

	ck_assert_int_ge(owner, 0);
	if (owner == 0) {
		sleep(30);
		_exit(0);
	}
	snprintf(text, sizeof(text),
		 "gpuvirt-journal 2\nkind bind\nstate binding\npid %d 0\nkey group-1\ntarget vfio-pci\n"
		 "device 0000:01:00.0 nvidia -\nend\n",
		 (int)owner);
	th_write(root, "run/gpuvirt/group-1.journal", text);
	ck_assert_int_eq(gpuvirt_recover(ctx), 0);
	ck_assert(exists_at(root, "run/gpuvirt/group-1.journal"));
	/* A journal naming a device outside its lock's group is damaged. */
	th_write(root, "run/gpuvirt/group-2.journal",
		 "gpuvirt-journal 2\nkind bind\nstate binding\npid 0 0\nkey group-2\ntarget vfio-pci\n"
		 "device 0000:01:00.0 nvidia -\nend\n");
	ck_assert_int_eq(gpuvirt_recover(ctx), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(gpuvirt_ctx_get_error(ctx), "group-2.journal (a device outside its lock's group)"));
	ck_assert(exists_at(root, "run/gpuvirt/group-2.journal"));
	kill(owner, 9);
	gpuvirt_ctx_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mutate");
	TCase *tc = tcase_create("mutate");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, devices_go_stale_after_a_write);
	tcase_add_test(tc, a_failed_rollback_keeps_both_messages);
	tcase_add_test(tc, a_vms_device_is_not_taken);
	tcase_add_test(tc, the_hosts_use_gives_way_to_force);
	tcase_add_test(tc, live_instances_are_not_destroyed);
	tcase_add_test(tc, a_blocked_unbind_is_bounded_and_recovered);
	tcase_add_test(tc, recovery_leaves_a_live_owners_journal);
	tcase_add_test(tc, a_card_without_a_group);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (access(SIMHOST_FUSE_PATH, X_OK) != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
		fprintf(stderr, "no FUSE here: skipped\n");
		return getenv("GPUVIRT_REQUIRE_FUSE") ? EXIT_FAILURE : 77;
	}
	return th_run(suite());
}
