/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stress through the public API, in one process, on FUSE-served simulated
 * hosts with the kernel's semantics: 1,000 bind/unbind cycles of a GPU and
 * its audio function, and 1,000 create/destroy cycles of vGPU instances
 * (NVIDIA legacy mdev and the vendor interface on VFs). From cycle 100 on,
 * the process's open descriptors must not change and its resident memory
 * must stay within a small allowance: a leak of one descriptor or a few
 * hundred bytes per cycle fails. GPUVIRT_STRESS_CYCLES changes the count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Growth allowed from cycle 100 to the end (malloc's arenas settle). */
#define RSS_ALLOWANCE_KB 256

static int cycles(void)
{
	const char *s = getenv("GPUVIRT_STRESS_CYCLES");
	int n = s ? atoi(s) : 1000;

	return n >= 200 ? n : 200;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct flat {
	int fds;
	long rss, max_rss;
};

/* Called after each cycle: record at cycle 100, compare afterwards. */
static void watch(struct flat *w, int cycle, const char *what)
{
	int fds = th_count_fds();
	long rss = rss_kb();

	if (cycle == 100) {
		w->fds = fds;
		w->rss = w->max_rss = rss;
		return;
	}
	if (cycle < 100)
		return;
	ck_assert_msg(fds == w->fds, "%s: %d descriptors at cycle %d, %d at cycle 100", what, fds, cycle, w->fds);
	if (rss > w->max_rss)
		w->max_rss = rss;
}

static void report(const struct flat *w, int n, const char *what)
{
	fprintf(stderr, "stress: %s: %d cycles, %d descriptors throughout, RSS %ld kB at cycle 100, at most %ld kB after\n",
		what, n, w->fds, w->rss, w->max_rss);
	ck_assert_msg(w->max_rss - w->rss <= RSS_ALLOWANCE_KB, "%s: RSS grew %ld kB from cycle 100 to %d", what,
		      w->max_rss - w->rss, n);
}

static void control(const char *mnt, const char *cmd)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/.simhost/control", mnt);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(cmd, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(bind_unbind)
{
	const char *mnt = th_fuse_host("workstation", NULL);
	gpuvirt_ctx *ctx = th_ctx_at(mnt);
	struct flat w = {0};
	int n = cycles();

	control(mnt, "load vfio-pci\n");
	for (int i = 1; i <= n; i++) {
		gpuvirt_device *gpu;
		gpuvirt_bind_plan *p;
		ck_assert_int_eq(gpuvirt_device_new_from_bdf(ctx, "0000:01:00.0", &gpu), 0);
		ck_assert_msg(gpuvirt_bind_plan_new(gpu, "vfio-pci", 0, &p) == 0, "plan %d: %s", i,
			      gpuvirt_ctx_get_error(ctx));
		ck_assert_msg(gpuvirt_bind_apply(p) == 0, "bind %d: %s", i, gpuvirt_ctx_get_error(ctx));
		ck_assert_str_eq(gpuvirt_bind_plan_get_target(p), "vfio-pci");
		ck_assert_msg(gpuvirt_unbind(gpu, 0) == 0, "unbind %d: %s", i, gpuvirt_ctx_get_error(ctx));
		gpuvirt_bind_plan_unref(p);
		gpuvirt_device_unref(gpu);
		watch(&w, i, "bind/unbind");
	}
	report(&w, n, "bind/unbind");
	gpuvirt_ctx_unref(ctx);
}
END_TEST

/* Create and destroy an instance of `profile` n times. */
static void create_destroy(const char *host, const char *profile, const char *what)
{
	const char *mnt = th_fuse_host(host, NULL);
	gpuvirt_ctx *ctx = th_ctx_at(mnt);
	struct flat w = {0};
	int n = cycles();

	for (int i = 1; i <= n; i++) {
		gpuvirt_instance *in = NULL;
		ck_assert_msg(gpuvirt_instance_create(ctx, profile, NULL, GPUVIRT_POLICY_PACK, -1, NULL, 0, &in) == 0,
			      "create %d: %s", i, gpuvirt_ctx_get_error(ctx));
		ck_assert_msg(gpuvirt_instance_destroy(in, 0) == 0, "destroy %d: %s", i, gpuvirt_ctx_get_error(ctx));
		gpuvirt_instance_unref(in);
		watch(&w, i, what);
	}
	report(&w, n, what);
	gpuvirt_ctx_unref(ctx);
}

START_TEST(create_destroy_mdev)
{
	create_destroy("t4", "nvidia-231", "create/destroy (T4, mdev)");
}
END_TEST

START_TEST(create_destroy_vendor)
{
	create_destroy("a100x8", "707", "create/destroy (A100, vendor VFs)");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stress");
	TCase *tc = tcase_create("stress");

	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, bind_unbind);
	tcase_add_test(tc, create_destroy_mdev);
	tcase_add_test(tc, create_destroy_vendor);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
