#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The integration examples on simulated hosts: what they print is accepted
# by QEMU (every vfio-pci property exists), by libvirt's virt-xml-validate,
# and is valid QMP JSON; the Xen examples bind through pciback and print
# xl.cfg lines; libxl's example is built and dry-run.
# usage: test-examples.sh SIMHOST_FUSE HOSTS_DIR EXAMPLES_DIR
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
EX=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
GPUVIRT=$(dirname "$EX")/gpuvirt
PY=/usr/bin/python3
. "$HERE/../tests/simhost/simhost-lib.sh"
simhost_require_fuse
trap simhost_cleanup EXIT
export GPUVIRT_MODPROBE=$HERE/../tests/simhost/modprobe-stub GPUVIRT_LOG=err
need() {
	command -v "$1" >/dev/null && return 0
	[ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ] && { fail "$1 is missing (CI installs it)"; return 1; }
	echo "note: $1 is missing: its check is skipped"
	return 1
}
drv() { basename "$(readlink "$M/sys/bus/pci/devices/$1/driver")"; }
W=$(mktemp -d)

# ---- QEMU arguments for a whole GPU ----------------------------------------
simhost_mount workstation; M=$MNT
args=$("$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0)
check_eq "GPU and audio as one multifunction guest slot" \
	"-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pcie.0,addr=0x10.0x0,multifunction=on
-device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pcie.0,addr=0x10.0x1" "$args"
check_eq "bound through the library" "vfio-pci vfio-pci" "$(drv 0000:01:00.0) $(drv 0000:01:00.1)"
if need qemu-system-x86_64; then
	props=$(qemu-system-x86_64 -device vfio-pci,help 2>&1)
	for p in $(grep -o '[a-z_-]*=' <<<"$args" | tr -d = | sort -u); do
		case $p in id | bus) continue ;; esac # qdev's own options, valid for every device
		check_true "QEMU's vfio-pci has property '$p'" grep -q "^  $p=" <<<"$props"
	done
fi
qmp=$("$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0 --format qmp)
check_true "QMP device_add into the root port, function 0 last" $PY -c '
import json, sys
cmds = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert [c["execute"] for c in cmds] == ["device_add"] * 2
assert cmds[0]["arguments"] == {"driver": "vfio-pci", "host": "0000:01:00.1", "id": "hostdev1", "bus": "gpuvirt-rp0",
                                "addr": "0x0.0x1"}, cmds[0]
assert cmds[1]["arguments"] == {"driver": "vfio-pci", "host": "0000:01:00.0", "id": "hostdev0", "bus": "gpuvirt-rp0",
                                "addr": "0x0.0x0", "multifunction": "on"}, cmds[1]
' <<<"$qmp"
qmp=$("$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0 --no-bind --format qmp --machine pc --guest-slot 5)
check_true "on pc: into pci.0 at the guest slot" $PY -c '
import json, sys
cmds = [json.loads(l)["arguments"] for l in sys.stdin.read().splitlines()]
assert [(c["bus"], c["addr"]) for c in cmds] == [("pci.0", "0x5.0x1"), ("pci.0", "0x5.0x0")], cmds
' <<<"$qmp"
check_eq "argv for -M pc: bus=pci.0" \
	"-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x10.0x0,multifunction=on
-device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pci.0,addr=0x10.0x1" \
	"$("$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0 --no-bind --machine pc)"
expect_err "usage" "$EX/gpuvirt-qemu --root $M --gpu 01:00.0 --machine virt"
"$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0 --format libvirt > "$W/pci.xml"
check_true "libvirt <hostdev> managed='no'" grep -q "type='pci' managed='no'" "$W/pci.xml"
if need virt-xml-validate; then
	check_true "virt-xml-validate accepts the PCI domain" virt-xml-validate "$W/pci.xml" domain
fi
out=$("$EX/gpuvirt-qemu" --root "$M" --gpu 01:00.0 --no-bind --exec /bin/echo -machine q35 -m 2G)
check_eq "--exec appends the devices to QEMU's own arguments" \
	"-machine q35 -m 2G -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pcie.0,addr=0x10.0x0,multifunction=on -device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pcie.0,addr=0x10.0x1" \
	"$out"
"$GPUVIRT" --root "$M" unbind 01:00.0 >/dev/null
expect_err "no such PCI device" "$EX/gpuvirt-qemu --root $M --gpu 0000:09:00.0"
check_eq "nothing moved by the failed call" "nvidia" "$(drv 0000:01:00.0)"
simhost_cleanup

# ---- QEMU and libvirt for a vGPU (mdev) -----------------------------------
simhost_mount t4; M=$MNT
out=$("$EX/gpuvirt-qemu" --root "$M" --profile nvidia-231 --dry-run 2>"$W/err")
check_eq "--dry-run: nothing printed, nothing allocated" "0 0" "$(printf %s "$out" | wc -c) $(ls "$M/sys/bus/mdev/devices" 2>/dev/null | wc -l)"
check_true "--dry-run says it would" grep -q "a vGPU of nvidia-231 would be allocated (dry run: nothing was)" "$W/err"
args=$("$EX/gpuvirt-qemu" --root "$M" --profile nvidia-231 2>/dev/null)
uuid=$(grep -o '[0-9a-f-]\{36\}' <<<"$args")
check_eq "sysfsdev= as QEMU on the host opens it (/sys, not the root)" \
	"-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid,id=hostdev0" "$args"
check_true "the mdev exists" test -d "$M/sys/bus/mdev/devices/$uuid"
"$EX/gpuvirt-qemu" --root "$M" --profile nvidia-231 --format libvirt > "$W/mdev.xml" 2>/dev/null
check_true "libvirt mdev hostdev" grep -q "type='mdev' model='vfio-pci'" "$W/mdev.xml"
if need virt-xml-validate; then
	check_true "virt-xml-validate accepts the mdev domain" virt-xml-validate "$W/mdev.xml" domain
fi
if need qemu-system-x86_64; then
	check_true "QEMU's vfio-pci has property 'sysfsdev'" grep -q "^  sysfsdev=" <<<"$(qemu-system-x86_64 -device vfio-pci,help 2>&1)"
fi
simhost_cleanup

# ---- a large-BAR GPU: the 64-bit PCI window ------------------------------
# QEMU's own answer for a property: qom_get MACHINE PATH PROPERTY [ARGS...]
qom_get() {
	local m=$1 path=$2 prop=$3
	shift 3
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		"{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"$path\",\"property\":\"$prop\"}}" \
		'{"execute":"quit"}' |
		timeout 60 qemu-system-x86_64 -M "$m" -accel tcg -nodefaults -display none -S "$@" -qmp stdio 2>&1 |
		$PY -c 'import json,sys; print([r for r in map(json.loads, sys.stdin) if "return" in r][1]["return"])'
}
simhost_mount a100x8; M=$MNT
args=$("$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.0 --dry-run)
check_eq "a 128 GiB BAR1: the window as QEMU's and OVMF's settings" \
	"-global q35-pcihost.pci-hole64-size=257G
-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=263168
-device vfio-pci,host=0000:07:00.0,id=hostdev0" "$args"
check_true "libvirt <pcihole64> in KiB" grep -q "<pcihole64 unit='KiB'>269484032</pcihole64>" \
	<<<"$("$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.0 --dry-run --format libvirt)"
"$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.0 --dry-run --format libvirt >"$W/window.xml"
if need virt-xml-validate; then
	check_true "virt-xml-validate accepts the window" virt-xml-validate "$W/window.xml" domain
fi
check_eq "on pc: i440FX's property" "-global i440FX-pcihost.pci-hole64-size=257G" \
	"$("$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.0 --dry-run --machine pc | head -1)"
"$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.0 --dry-run --format qmp >/dev/null 2>"$W/err"
check_true "QMP cannot set it: says so" grep -q "the VM must have been started with -global q35-pcihost" "$W/err"
if need qemu-system-x86_64; then
	check_eq "QEMU's q35 default is the library's (32 GiB)" 34359738368 "$(qom_get q35 /machine/q35 pci-hole64-size)"
	check_eq "QEMU's pc default is the library's (2 GiB)" 2147483648 "$(qom_get pc /machine/i440fx pci-hole64-size)"
	# shellcheck disable=SC2046
	check_eq "QEMU takes the window the example printed" $((257 << 30)) \
		"$(qom_get q35 /machine/q35 pci-hole64-size $(head -2 <<<"$args"))"
fi
# ---- --iommufd: QEMU 8.2's iommufd backend --------------------------------
check_eq "--iommufd: the object and each device's iommufd=" "-object iommufd,id=iommufd0
-device vfio-pci,host=0000:07:00.4,id=hostdev0,iommufd=iommufd0" \
	"$("$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.4 --dry-run --iommufd)"
check_eq "--iommufd over QMP: object-add first" \
	'{"execute": "object-add", "arguments": {"qom-type": "iommufd", "id": "iommufd0"}}' \
	"$("$EX/gpuvirt-qemu" --root "$M" --gpu 07:00.4 --dry-run --iommufd --format qmp 2>/dev/null | head -1)"
expect_err "no libvirt form" "$EX/gpuvirt-qemu --root $M --gpu 07:00.4 --dry-run --iommufd --format libvirt"
if qemu-system-x86_64 -device vfio-pci,help 2>&1 | grep -q "^  iommufd="; then
	check_true "QEMU's vfio-pci has property 'iommufd'" true
else
	echo "note: this QEMU ($(qemu-system-x86_64 --version | head -1)) predates iommufd (8.2): its check is skipped"
fi
simhost_mount t4; M=$MNT
check_eq "a T4 fits q35's default: nothing added" "-device vfio-pci,host=0000:3b:00.0,id=hostdev0" \
	"$("$EX/gpuvirt-qemu" --root "$M" --gpu 3b:00.0 --dry-run)"
simhost_cleanup

# ---- Xen: pciback and xl.cfg ----------------------------------------------
simhost_mount workstation; M=$MNT
echo "load pciback" > "$M/.simhost/control"
out=$("$EX/gpuvirt-xen" --root "$M" 01:00.0)
check_eq "xl.cfg line" "pci = [ '0000:01:00.0,permissive=0', '0000:01:00.1,permissive=0' ]" "$out"
check_eq "on pciback" "pciback pciback" "$(drv 0000:01:00.0) $(drv 0000:01:00.1)"
expect_ok "$EX/gpuvirt-xen --root $M --release 01:00.0 >/dev/null"
check_eq "given back" "nvidia snd_hda_intel" "$(drv 0000:01:00.0) $(drv 0000:01:00.1)"
if [ -x "$EX/gpuvirt-libxl" ]; then
	out=$(GPUVIRT_ROOT=$M "$EX/gpuvirt-libxl" --dry-run 01:00.0)
	check_eq "libxl example: the assignable calls it would make" \
		"libxl_device_pci_assignable_add(0000:01:00.0)
libxl_device_pci_assignable_add(0000:01:00.1)" "$out"
	expect_err "is this a Xen dom0" "GPUVIRT_ROOT=$M $EX/gpuvirt-libxl 01:00.0"
else
	need libxl-example-built || true
fi
simhost_cleanup
rm -rf "$W"
simhost_summary
