#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Xen tier: Debian's Xen 4.17 hypervisor (downloaded, never installed
# into /boot) boots under QEMU (TCG) with Debian's kernel as a PV dom0, which
# runs tests/xen/dom0.sh with the machine's xen-utils (xl, xenstored) and the
# library, tool and examples of BUILD. Boots twice: with QEMU's Intel IOMMU
# and Xen's iommu=1, and without the IOMMU.
# usage: run.sh SRC BUILD [WORK]   (shares tests/kernel/lib.sh and its cache)
set -eu
SRC=$(realpath "$1")
BUILD=$(realpath "$2")
WORK=${3:-$BUILD/kernel-tier}
TIMEOUT=${GPUVIRT_XEN_TIMEOUT:-300}
. "$SRC/tests/kernel/lib.sh"
[ -x /usr/sbin/xl ] && [ -x /usr/lib/xen-4.17/bin/xenstored ] || skip "xen-utils-4.17 is not installed"
HV=$(ls "$CACHE"/xen-hypervisor-4.17-amd64_*.deb 2>/dev/null | head -1)
if [ -z "$HV" ]; then
	(cd "$CACHE" && apt-get download xen-hypervisor-4.17-amd64 >/dev/null 2>"$WORK/download-xen.log") ||
		{ cat "$WORK/download-xen.log"; skip "cannot download xen-hypervisor-4.17-amd64"; }
	HV=$(ls "$CACHE"/xen-hypervisor-4.17-amd64_*.deb | head -1)
fi
X=$WORK/xen
rm -rf "$X"
mkdir -p "$X"
dpkg -x "$HV" "$X/hv"
gunzip -c "$X"/hv/boot/xen-4.17-amd64.gz >"$X/xen"
make_initramfs "$SRC/tests/xen/init-dom0.sh" "$X/dom0.gz" virtio_pci 9pnet_virtio 9p overlay xenfs xen-evtchn \
	xen-gntdev xen-gntalloc xen-privcmd xen-pciback bochs
make_initramfs "$SRC/tests/xen/init-domU.sh" "$X/domU.gz" xen-pcifront bochs
cp "$ROOT/boot/vmlinuz-$KV" "$X/vmlinuz"
say "xen $(basename "$HV" | cut -d_ -f2), dom0 kernel $KV"
status=0
for boot in iommu noiommu; do
	results=$X/results-$boot
	mkdir -p "$results"
	iommu=()
	[ $boot = iommu ] && iommu=(-device intel-iommu,intremap=on)
	start=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -cpu max -smp 1 -m 2G -nodefaults \
		-display none -serial stdio -no-reboot -kernel "$X/xen" \
		-append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M iommu=1 smap=0 noreboot" \
		-initrd "$ROOT/boot/vmlinuz-$KV console=hvc0 earlyprintk=xen panic=-1 quiet gpuvirt.src=$SRC gpuvirt.build=$BUILD gpuvirt.boot=$boot gpuvirt.xen=$X,$X/dom0.gz" \
		"${iommu[@]}" -device VGA,addr=02.0 -device bochs-display,addr=03.0 \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=06.0 \
		-fsdev local,id=results,path="$results",security_model=none \
		-device virtio-9p-pci,fsdev=results,mount_tag=results,addr=07.0 \
		>"$X/console-$boot.log" 2>&1 || true
	took=$(($(date +%s) - start))
	result=$(cat "$results/result-$boot" 2>/dev/null || echo "no result (timeout or crash)")
	say "xen $boot: $result in ${took}s"
	if [[ "$result" != *" 0 failed" ]]; then
		say "console of $boot:"
		grep -v '^\s*$' "$X/console-$boot.log" | tail -80
		status=1
	fi
done
exit $status
