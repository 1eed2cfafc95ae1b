#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the Xen tier's PV domU: load pcifront, wait for the passed-through
# device, print what it sees on the console (which dom0's xenconsoled logs),
# and power off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
modprobe xen-pcifront
modprobe bochs
for i in $(seq 100); do
	[ -n "$(ls /sys/bus/pci/devices 2>/dev/null)" ] && break
	sleep 0.2
done
sleep 1
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/vendor" ] || continue
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
	echo "GPUVIRT-DOMU-PCI ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") driver=${drv:-none}"
done
echo "GPUVIRT-DOMU-DONE"
sync
poweroff -f
