/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-holder: hold a device the way QEMU does, for the real-kernel tier.
 *
 * usage: vfio-holder GROUP DEVICE READY-FILE
 * Opens the VFIO container and /dev/vfio/GROUP, attaches the group to the
 * container with the type1 IOMMU, takes the device's fd (DEVICE is a PCI
 * address or an mdev's UUID), writes READY-FILE, and keeps all of it open
 * until it is killed. While it runs, the kernel blocks an unbind of the
 * device (vfio_unregister_group_dev waits for the fd to close). */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "vfio-holder: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	char path[64];
	int container, group, device, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: vfio-holder GROUP DEVICE READY-FILE\n");
		return 2;
	}
	if ((container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC)) < 0)
		return die("/dev/vfio/vfio");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	if ((group = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0 || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return die("the group is not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0 && ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)
		return die("VFIO_SET_IOMMU");
	if ((device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2])) < 0)
		return die("VFIO_GROUP_GET_DEVICE_FD");
	if ((fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return die(argv[3]);
	dprintf(fd, "%d\n", (int)getpid());
	close(fd);
	for (;;)
		pause();
}
