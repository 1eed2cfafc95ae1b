/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A libudev.so.1 without libudev's functions: test-monitor's "no-libudev"
 * case runs with it first on LD_LIBRARY_PATH, as on a host whose libudev is
 * not the one this library was built for. */
int gv_fake_udev(void);

int gv_fake_udev(void)
{
	return 0;
}
