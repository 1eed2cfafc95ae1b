#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the Xen tier's dom0 (busybox): the Xen modules, the machine's root
# (9p, read-only, under a tmpfs overlay), xenfs, the toolstack daemons from
# the machine's xen-utils, then tests/xen/dom0.sh chrooted into that root.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
SRC=$(arg gpuvirt.src)
BUILD=$(arg gpuvirt.build)
BOOT=$(arg gpuvirt.boot)
echo "gpuvirt-dom0: booted ($BOOT), kernel $(uname -r)"
for m in virtio_pci 9pnet_virtio 9p overlay xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd bochs; do
	modprobe "$m" || echo "gpuvirt-dom0: modprobe $m failed"
done
mkdir -p /host /lower /ovl
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /lower || { echo "gpuvirt-dom0: no host root"; poweroff -f; }
mount -t tmpfs tmpfs /ovl
mkdir -p /ovl/upper /ovl/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work /host ||
	{ echo "gpuvirt-dom0: no overlay"; poweroff -f; }
mkdir -p /host/usr/lib/modules
cp -a /lib/modules/"$(uname -r)" /host/usr/lib/modules/
mount -t 9p -o trans=virtio,version=9p2000.L results /host/mnt || { echo "gpuvirt-dom0: no results"; poweroff -f; }
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -o bind /dev /host/dev
mkdir -p /host/dev/pts
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/run
private-tmp /host "$SRC" "$BUILD" || { echo "gpuvirt-dom0: no private /tmp"; poweroff -f; }
mount -t xenfs xenfs /host/proc/xen
mkdir -p /host/var/lib/xen /host/var/log/xen /host/var/lib/xenstored /host/run/xen /host/run/xenstored
mount -t tmpfs tmpfs /host/var/lib/xen
mount -t tmpfs tmpfs /host/var/log/xen
chroot /host /bin/bash -c '
	XENSTORED_ROOTDIR=/var/lib/xenstored /usr/lib/xen-4.17/bin/xenstored --pid-file /run/xenstored.pid
	for i in $(seq 50); do [ -e /run/xenstored/socket ] && break; sleep 0.1; done
	/usr/lib/xen-4.17/bin/xen-init-dom0
	mkdir -p /var/log/xen/console
	/usr/lib/xen-4.17/bin/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
' 2>&1
chroot /host /bin/bash "$SRC/tests/xen/dom0.sh" "$SRC" "$BUILD" "$BOOT" /mnt "$(arg gpuvirt.xen)" 2>&1
echo "gpuvirt-dom0: done"
sync
poweroff -f
