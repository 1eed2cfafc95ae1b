#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real-kernel tier: the library against Linux's own vfio-pci, mdev core
# and SR-IOV, in a Debian kernel booted under QEMU (TCG, no KVM needed).
#
# usage: run.sh SRC BUILD [WORK]
#
# Finds Debian's current kernel, downloads it (and its headers, kbuild and
# source) with apt-get download into a cache (~/.cache/gpuvirt/kernel, or
# GPUVIRT_KERNEL_CACHE) without installing anything, unpacks it into WORK
# (default BUILD/kernel-tier), builds the kernel's samples/vfio-mdev drivers
# from the source package, makes a busybox initramfs, and boots twice: with
# the emulated Intel IOMMU (intel_iommu=on, intremap=on) and without; then
# twice more, sharing a state folder as /etc/gpuvirt (persist.sh: what one
# boot persists, the next restores). The
# guest chroots into this machine's root (9p, read-only) and runs
# tests/kernel/guest.sh with the library, tool and examples of BUILD.
# Exit 0 when every guest check passed; 1 on a failure or a timeout (the
# console logs are printed); 77 when the downloads are impossible and
# GPUVIRT_REQUIRE_KERNEL_TIER is not 1.
set -eu
SRC=$(realpath "$1")
BUILD=$(realpath "$2")
WORK=${3:-$BUILD/kernel-tier}
. "$SRC/tests/kernel/lib.sh"
make_initramfs "$SRC/tests/kernel/init.sh" "$WORK/initrd.gz" virtio_pci 9pnet_virtio 9p overlay vfio \
	vfio_iommu_type1 vfio-pci mdev bochs nvme

# ---- boot four times --------------------------------------------------------
status=0
rm -rf "$WORK/state" "$WORK/results-persist"
mkdir -p "$WORK/state" "$WORK/results-persist"
for boot in iommu-on iommu-off persist-1 persist-2; do
	results=$WORK/results-$boot
	state=()
	case $boot in
	persist-*)
		results=$WORK/results-persist
		state=(-fsdev "local,id=state,path=$WORK/state,security_model=none"
			-device virtio-9p-pci,fsdev=state,mount_tag=state,addr=09.0)
		;;
	*) rm -rf "$results" && mkdir -p "$results" ;;
	esac
	iommu=() append="console=ttyS0 panic=-1 quiet"
	if [ $boot != iommu-off ]; then
		iommu=(-device intel-iommu,intremap=on)
		append="$append intel_iommu=on iommu=pt"
	fi
	start=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -cpu max -m 1536 -nodefaults \
		-display none -serial stdio -no-reboot -kernel "$ROOT/boot/vmlinuz-$KV" -initrd "$WORK/initrd.gz" \
		-append "$append gpuvirt.src=$SRC gpuvirt.build=$BUILD gpuvirt.boot=$boot" "${iommu[@]}" \
		-device VGA,addr=02.0 -device bochs-display,addr=03.0 -device ati-vga,addr=04.0 -device edu,addr=08.0 \
		-device qxl,vram64_size_mb=4096,addr=0a.0 \
		-device nvme-subsys,id=s0 \
		-device nvme,serial=gpuvirt,subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8,addr=05.0 \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=06.0 \
		-fsdev local,id=results,path="$results",security_model=none \
		-device virtio-9p-pci,fsdev=results,mount_tag=results,addr=07.0 "${state[@]}" \
		>"$WORK/console-$boot.log" 2>&1 || true
	took=$(($(date +%s) - start))
	result=$(cat "$results/result-$boot" 2>/dev/null || echo "no result (timeout or crash)")
	say "$boot: $result in ${took}s"
	if [[ "$result" != *" 0 failed" ]]; then
		say "console of $boot:"
		grep -v '^\s*$' "$WORK/console-$boot.log" | tail -80
		status=1
	fi
done
exit $status
