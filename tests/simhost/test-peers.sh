#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tools users run instead (lspci, driverctl, mdevctl) on the simulated
# host, through simhost-run: they must see the host libgpuvirt sees, and
# leave the end states the kernel would.
# usage: test-peers.sh SIMHOST_FUSE HOSTS_DIR GPUVIRT SIMHOST_BUILD
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
GPUVIRT=$(realpath "$3")
SIMHOST_BUILD=$(realpath "$4")
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$HERE/simhost-run
PY=/usr/bin/python3
. "$HERE/simhost-lib.sh"
simhost_require_fuse
if [ "$(id -u)" != 0 ]; then
	[ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ] && { echo "FAIL: peers need root for a private mount namespace" >&2; exit 1; }
	echo "SKIP: peers need root for a private mount namespace" >&2
	exit 77
fi
missing=""
for t in lspci driverctl mdevctl virt-host-validate unshare; do
	command -v $t >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	[ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ] && { echo "FAIL: missing$missing" >&2; exit 1; }
	echo "SKIP: missing$missing" >&2
	exit 77
fi
trap simhost_cleanup EXIT

# Everything a driver change touches, as one text: each function's driver
# and override, each driver's device links, the vfio nodes.
state() {
	(
		cd "$1" || exit 1
		for d in sys/bus/pci/devices/*; do
			printf '%s %s %s\n' "${d##*/}" "$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)" \
				"$(cat "$d/driver_override")"
		done
		for l in sys/bus/pci/drivers/*/*:*; do
			[ -L "$l" ] && echo "link $l"
		done
		ls dev/vfio 2>/dev/null | sed 's/^/vfio /'
	)
}

# ---- lspci sees the simulated host through the namespace -----------------
simhost_mount a100x8; A=$MNT
direct=$(lspci -A linux-sysfs -O sysfs.path="$A/sys/bus/pci" -vmmnnk 2>/dev/null)
through=$("$RUN" "$A" lspci -vmmnnk 2>/dev/null)
check_eq "lspci over /sys equals lspci on the root" "$direct" "$through"
check_true "lspci lists the A100 VFs" grep -q "Slot:.*07:00.7" <<<"$through"

# ---- driverctl set-override: the end state of the kernel's sequence ------
simhost_mount t4; A=$MNT
simhost_mount t4; B=$MNT
"$RUN" "$A" driverctl set-override 0000:3b:00.0 vfio-pci
check_eq "driverctl set-override exits 0" 0 $?
(
	cd "$B" && D=sys/bus/pci/devices/0000:3b:00.0 &&
		echo vfio-pci > $D/driver_override && echo 0000:3b:00.0 > $D/driver/unbind &&
		echo 0000:3b:00.0 > sys/bus/pci/drivers_probe
)
check_eq "driverctl and the documented sequence end alike" "$(state "$B")" "$(state "$A")"
check_eq "driverctl persisted its override" vfio-pci "$(cat "$A/etc/driverctl.d/pci-0000:3b:00.0")"
check_eq "libgpuvirt sees driverctl's result" vfio-pci \
	"$("$GPUVIRT" --root "$A" show 0000:3b:00.0 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"]["driver"])')"
"$RUN" "$A" driverctl unset-override 0000:3b:00.0
check_eq "driverctl unset-override gives the T4 back to nvidia" nvidia \
	"$(basename "$(readlink "$A/sys/bus/pci/devices/0000:3b:00.0/driver")")"
check_false "and forgets the persisted override" test -e "$A/etc/driverctl.d/pci-0000:3b:00.0"

# ---- mdevctl reads the simulated types and creates instances on it -------
simhost_mount t4; A=$MNT
types=$("$RUN" "$A" mdevctl types --dumpjson)
sysfs=$(cd "$A" && $PY - <<'EOF'
import json, os
out = []
for parent in sorted(os.listdir("sys/class/mdev_bus")):
    base = f"sys/class/mdev_bus/{parent}/mdev_supported_types"
    out.append({parent: [{t: {"available_instances": int(open(f"{base}/{t}/available_instances").read()),
                              "name": open(f"{base}/{t}/name").read().strip()}}
                         for t in sorted(os.listdir(base))]})
print(json.dumps(out, sort_keys=True))
EOF
)
mdevctl_view=$($PY -c '
import json, sys
out = [{p: [{t: {"available_instances": v["available_instances"], "name": v["name"]}} for e in ts for t, v in e.items()]}
       for entry in json.load(sys.stdin) for p, ts in entry.items()]
print(json.dumps(out, sort_keys=True))' <<<"$types")
check_eq "mdevctl types equals the simulated sysfs" "$sysfs" "$mdevctl_view"
U=5d7b1c4e-1111-2222-3333-444455556666
"$RUN" "$A" mdevctl define -u $U -p 0000:d8:00.0 -t nvidia-231
check_true "mdevctl define writes its JSON under the root" test -f "$A/etc/mdevctl.d/0000:d8:00.0/$U"
"$RUN" "$A" mdevctl start -u $U
check_true "mdevctl start creates the instance" test -L "$A/sys/bus/mdev/devices/$U"
check_eq "its type's count drops" 7 "$(cat "$A/sys/class/mdev_bus/0000:d8:00.0/mdev_supported_types/nvidia-231/available_instances")"
check_eq "the other types close" 0 "$(cat "$A/sys/class/mdev_bus/0000:d8:00.0/mdev_supported_types/nvidia-222/available_instances")"
check_true "mdevctl list shows it" grep -q "$U 0000:d8:00.0 nvidia-231" <<<"$("$RUN" "$A" mdevctl list)"
"$RUN" "$A" mdevctl stop -u $U
check_false "mdevctl stop removes it" test -e "$A/sys/bus/mdev/devices/$U"
check_eq "and gives the count back" 16 "$(cat "$A/sys/class/mdev_bus/0000:d8:00.0/mdev_supported_types/nvidia-222/available_instances")"

# ---- virt-host-validate's IOMMU lines and gpuvirt check agree ------------
# Its two lines: "device assignment IOMMU support" (iommu.firmware) and "IOMMU
# is enabled by kernel" (iommu.enabled; it prints nothing when the kernel has
# no iommu_groups folder at all). PASS must meet pass, anything else not-pass.
vhv_status() { # OUTPUT PATTERN
	local line
	line=$(grep "$2" <<<"$1" | head -1)
	[ -z "$line" ] && { echo ABSENT; return; }
	sed -E 's/.*: (PASS|WARN|FAIL).*/\1/' <<<"$line"
}
ours() { # JSON CODE
	$PY -c 'import json,sys; d=json.load(sys.stdin); print([f["severity"] for f in d["findings"] if f["code"]==sys.argv[1]][0])' "$2" <<<"$1"
}
agree() { # VHV OURS
	if [ "$1" = PASS ]; then [ "$2" = pass ]; else [ "$2" != pass ]; fi
}
W=$(mktemp -d "${TMPDIR:-/tmp}/vhv-XXXXXX")
for f in "$SIMHOST_HOSTS"/*.umockdev; do
	name=$(basename "$f" .umockdev)
	"$SIMHOST_BUILD" "$SIMHOST_HOSTS" "$name" "$W/$name" || { fail "build $name"; continue; }
	vhv=$("$RUN" "$W/$name" virt-host-validate qemu 2>&1)
	json=$("$GPUVIRT" --root "$W/$name" check --json)
	fw=$(vhv_status "$vhv" "device assignment IOMMU support")
	en=$(vhv_status "$vhv" "IOMMU is enabled by kernel")
	if [ -e "$W/$name/sys/firmware/acpi/tables/DMAR" ] && grep -qw svm "$W/$name/proc/cpuinfo"; then
		# QEMU's emulated CPU flags svm while its IOMMU is an Intel VT-d
		# (DMAR): virt-host-validate looks only for the table of the
		# CPU's vendor; we look for both (host-facts.md).
		check_eq "$name: virt-host-validate misses DMAR on an svm CPU" WARN "$fw"
		check_true "$name: it says it looked for IVRS" grep -q "No ACPI IVRS table" <<<"$vhv"
		check_eq "$name: we find the DMAR table" pass "$(ours "$json" iommu.firmware)"
		continue
	fi
	check_true "$name: firmware line agrees (vhv $fw, ours $(ours "$json" iommu.firmware))" \
		agree "$fw" "$(ours "$json" iommu.firmware)"
	check_true "$name: enabled line agrees (vhv $en, ours $(ours "$json" iommu.enabled))" \
		agree "$en" "$(ours "$json" iommu.enabled)"
done
rm -rf "$W"

simhost_summary
