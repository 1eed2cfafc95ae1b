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
# the emulated Intel IOMMU (intel_iommu=on, intremap=on) and without. The
# guest chroots into this machine's root (9p, read-only) and runs
# tests/kernel/guest.sh with the library, tool and examples of BUILD.
# Exit 0 when every guest check passed; 1 on a failure or a timeout (the
# console logs are printed); 77 when the downloads are impossible and
# GPUVIRT_REQUIRE_KERNEL_TIER is not 1.
set -eu
SRC=$(realpath "$1")
BUILD=$(realpath "$2")
WORK=${3:-$BUILD/kernel-tier}
CACHE=${GPUVIRT_KERNEL_CACHE:-$HOME/.cache/gpuvirt/kernel}
TIMEOUT=${GPUVIRT_KERNEL_TIMEOUT:-240}
say() { echo "kernel-tier: $*"; }
skip() {
	if [ "${GPUVIRT_REQUIRE_KERNEL_TIER:-0}" = 1 ]; then
		say "FAIL: $*"
		exit 1
	fi
	say "SKIP: $*"
	exit 77
}
for t in qemu-system-x86_64 busybox cpio depmod modprobe apt-get dpkg make gcc; do
	command -v $t >/dev/null || skip "$t is missing (.ci/install-deps installs it)"
done
mkdir -p "$CACHE" "$WORK"

# ---- the current Debian kernel, found at run time -------------------------
kernel_version() {
	apt-cache depends linux-image-amd64 2>/dev/null | grep -o 'linux-image-[0-9][^ ]*-amd64' | head -1 |
		sed 's/^linux-image-//'
}
KV=$(kernel_version)
if [ -z "$KV" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	KV=$(kernel_version)
fi
[ -n "$KV" ] || skip "apt-cache does not know linux-image-amd64 (run apt-get update)"
VER=$(apt-cache show "linux-image-$KV" | sed -n 's/^Version: //p' | head -1)
ABI=${KV%-amd64}
say "kernel $KV ($VER)"
debs="linux-image-$KV linux-headers-$KV linux-headers-$ABI-common linux-kbuild-6.1=$VER linux-source-6.1=$VER"
missing=""
for p in $debs; do
	name=${p%%=*}
	ls "$CACHE/${name}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "downloading$missing"
	(cd "$CACHE" && apt-get download $missing >/dev/null 2>"$WORK/download.log") ||
		{ cat "$WORK/download.log"; skip "cannot download the kernel packages"; }
fi

# ---- unpack, build the sample mdev drivers, make the initramfs ------------
ROOT=$WORK/root
if [ ! -e "$ROOT/.done-$KV" ]; then
	rm -rf "$ROOT"
	for p in $debs; do
		name=${p%%=*}
		[ "$name" = linux-source-6.1 ] && continue
		dpkg -x "$CACHE/${name}_"*.deb "$ROOT"
	done
	depmod -b "$ROOT" "$KV"
	touch "$ROOT/.done-$KV"
fi
HDR=$ROOT/usr/src/linux-headers-$KV
sed -i "1s|^include /usr/src/|include $ROOT/usr/src/|" "$HDR/Makefile"
MDEV=$WORK/mdev
if [ ! -e "$MDEV/mbochs.ko" ]; then
	rm -rf "$MDEV" "$WORK/src"
	mkdir -p "$MDEV" "$WORK/src"
	dpkg -x "$CACHE/linux-source-6.1_"*.deb "$WORK/src"
	tar -xaf "$WORK/src/usr/src/linux-source-6.1.tar.xz" -C "$WORK/src" --wildcards 'linux-source-6.1/samples/vfio-mdev/*'
	cp "$WORK/src/linux-source-6.1/samples/vfio-mdev/"* "$MDEV/"
	rm -rf "$WORK/src"
	make -s -C "$HDR" M="$MDEV" CONFIG_SAMPLE_VFIO_MDEV_MBOCHS=m CONFIG_SAMPLE_VFIO_MDEV_MDPY=m \
		CONFIG_SAMPLE_VFIO_MDEV_MTTY=m modules >"$WORK/mdev-build.log" 2>&1 ||
		{ cat "$WORK/mdev-build.log"; say "FAIL: building samples/vfio-mdev"; exit 1; }
fi
I=$WORK/initramfs
rm -rf "$I"
mkdir -p "$I/bin" "$I/sbin" "$I/proc" "$I/sys" "$I/dev" "$I/host" "$I/lib/modules/$KV/extra"
cp "$(command -v busybox)" "$I/bin/busybox"
for a in $("$I/bin/busybox" --list); do
	[ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"
done
for m in virtio_pci 9pnet_virtio 9p overlay vfio vfio_iommu_type1 vfio-pci mdev bochs nvme; do
	modprobe -d "$ROOT" -S "$KV" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$ROOT"/lib/modules/"$KV"/}
	mkdir -p "$I/lib/modules/$KV/$(dirname "$rel")"
	cp "$ko" "$I/lib/modules/$KV/$rel"
done
cp "$MDEV/"*.ko "$I/lib/modules/$KV/extra/"
cp "$ROOT/lib/modules/$KV/modules.builtin" "$ROOT/lib/modules/$KV/modules.builtin.modinfo" \
	"$ROOT/lib/modules/$KV/modules.order" "$I/lib/modules/$KV/"
depmod -b "$I" "$KV"
cp "$SRC/tests/kernel/init.sh" "$I/init"
chmod 755 "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz"

# ---- boot twice ------------------------------------------------------------
status=0
for boot in iommu-on iommu-off; do
	results=$WORK/results-$boot
	rm -rf "$results"
	mkdir -p "$results"
	iommu=() append="console=ttyS0 panic=-1 quiet"
	if [ $boot = iommu-on ]; then
		iommu=(-device intel-iommu,intremap=on)
		append="$append intel_iommu=on iommu=pt"
	fi
	start=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -cpu max -m 1536 -nodefaults \
		-display none -serial stdio -no-reboot -kernel "$ROOT/boot/vmlinuz-$KV" -initrd "$WORK/initrd.gz" \
		-append "$append gpuvirt.src=$SRC gpuvirt.build=$BUILD gpuvirt.boot=$boot" "${iommu[@]}" \
		-device VGA,addr=02.0 -device bochs-display,addr=03.0 -device ati-vga,addr=04.0 \
		-device nvme-subsys,id=s0 \
		-device nvme,serial=gpuvirt,subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8,addr=05.0 \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=06.0 \
		-fsdev local,id=results,path="$results",security_model=none \
		-device virtio-9p-pci,fsdev=results,mount_tag=results,addr=07.0 \
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
