# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the real-kernel tier (run.sh) and the Xen tier (xen.sh): find
# Debian's current kernel, download (cached, never installed), unpack, build
# the sample mdev drivers, and make a busybox initramfs.
# Source it after setting SRC, BUILD and WORK.
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
# The project's own test module: an mdev parent on QEMU's edu device.
EDU=$WORK/edu-mdev
rm -rf "$EDU"
cp -r "$SRC/tests/kernel/edu-mdev" "$EDU"
make -s -C "$HDR" M="$EDU" modules >"$WORK/edu-build.log" 2>&1 ||
	{ cat "$WORK/edu-build.log"; say "FAIL: building tests/kernel/edu-mdev"; exit 1; }

make_initramfs() { # INIT-SCRIPT OUTPUT MODULES...
	local init=$1 out=$2 I
	I=$WORK/initramfs-$(basename "$out" .gz)
	shift 2
	rm -rf "$I"
	mkdir -p "$I/bin" "$I/sbin" "$I/proc" "$I/sys" "$I/dev" "$I/host" "$I/lib/modules/$KV/extra"
	cp "$(command -v busybox)" "$I/bin/busybox"
	for a in $("$I/bin/busybox" --list); do
		[ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"
	done
	for m in "$@"; do
		modprobe -d "$ROOT" -S "$KV" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | sort -u | while read -r ko; do
		rel=${ko#"$ROOT"/lib/modules/"$KV"/}
		mkdir -p "$I/lib/modules/$KV/$(dirname "$rel")"
		cp "$ko" "$I/lib/modules/$KV/$rel"
	done
	cp "$MDEV/"*.ko "$EDU/"*.ko "$I/lib/modules/$KV/extra/"
	cp "$ROOT/lib/modules/$KV/modules.builtin" "$ROOT/lib/modules/$KV/modules.builtin.modinfo" \
		"$ROOT/lib/modules/$KV/modules.order" "$I/lib/modules/$KV/"
	depmod -b "$I" "$KV"
	cp "$init" "$I/init"
	cp "$SRC/tests/kernel/private-tmp.sh" "$I/bin/private-tmp"
	chmod 755 "$I/init" "$I/bin/private-tmp"
	(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

