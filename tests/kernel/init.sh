#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the real-kernel tier's guest (busybox). Loads the modules, mounts
# the machine's root (read-only, 9p) and a results folder, and runs
# tests/kernel/guest.sh chrooted into the machine's root, so that the
# library, the tool and the tests built on the machine run against this
# kernel's sysfs. The kernel command line carries gpuvirt.src= (the source
# tree), gpuvirt.build= (the build folder) and gpuvirt.boot= (a label).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
SRC=$(arg gpuvirt.src)
BUILD=$(arg gpuvirt.build)
BOOT=$(arg gpuvirt.boot)
echo "gpuvirt-guest: booted ($BOOT), kernel $(uname -r)"

for m in virtio_pci 9pnet_virtio 9p overlay vfio vfio_iommu_type1 vfio-pci mdev bochs nvme mbochs mdpy mtty gpuvirt_edu_mdev; do
	modprobe "$m" || echo "gpuvirt-guest: modprobe $m failed"
done
mkdir -p /host /lower /ovl
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /lower || { echo "gpuvirt-guest: no host root"; poweroff -f; }
# The machine's root, read-only, under a tmpfs overlay: the guest may write
# /etc and /usr/lib/modules/<release> (this kernel's modules.alias and
# modules.dep, which the library reads) without touching the machine.
mount -t tmpfs tmpfs /ovl
mkdir -p /ovl/upper /ovl/work
if mount -t overlay overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work /host; then
	mkdir -p /host/usr/lib/modules
	cp -a /lib/modules/"$(uname -r)" /host/usr/lib/modules/
else
	echo "gpuvirt-guest: no overlay; the root stays read-only"
	mount -o bind /lower /host
fi
mount -t 9p -o trans=virtio,version=9p2000.L results /host/mnt || { echo "gpuvirt-guest: no results"; poweroff -f; }
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -o bind /dev /host/dev
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/run
# A /tmp of the guest's own, but for the folders of SRC and BUILD.
private-tmp /host "$SRC" "$BUILD" || { echo "gpuvirt-guest: no private /tmp"; poweroff -f; }
# The persistence boots share /etc/gpuvirt with each other (a folder of the
# machine), as two boots of one host share its disk.
script=guest.sh
case $BOOT in
persist-*)
	script=persist.sh
	mkdir -p /host/etc/gpuvirt
	mount -t 9p -o trans=virtio,version=9p2000.L state /host/etc/gpuvirt || echo "gpuvirt-guest: no state folder"
	;;
esac
chroot /host /bin/bash "$SRC/tests/kernel/$script" "$SRC" "$BUILD" "$BOOT" /mnt 2>&1
echo "gpuvirt-guest: done"
sync
poweroff -f
