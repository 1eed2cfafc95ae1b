#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The simulated host's kernel semantics, checked with plain shell writes.
# usage: test-simfs.sh SIMHOST_FUSE HOSTS_DIR SIMHOST_BUILD GPUVIRT
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
SIMHOST_BUILD=$(realpath "$3")
GPUVIRT=$(realpath "$4")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/simhost-lib.sh"
simhost_require_fuse
trap simhost_cleanup EXIT

ENODEV="No such device"
EBUSY="Device or resource busy"
EINVAL="Invalid argument"
ERANGE="Numerical result out of range"
ENOENT="No such file or directory"
EEXIST="File exists"
EUSERS="Too many users"
EACCES="Permission denied"
ENXIO="No such device or address"

drv() { basename "$(readlink "$1/driver" 2>/dev/null)" 2>/dev/null; }

# ---- PCI driver model (T4 host) -----------------------------------------
simhost_mount t4; M=$MNT
cd "$M" || exit 1
D=sys/bus/pci/devices/0000:3b:00.0
check_eq "driver at start" nvidia "$(drv $D)"
check_eq "override at start" "(null)" "$(cat $D/driver_override)"
expect_err "$EACCES" "echo 0x1234 > $D/vendor"
expect_err "$EACCES" "echo x > proc/cmdline"
expect_err "$ENODEV" "echo 0000:3b:00.0 > sys/bus/pci/drivers/vfio-pci/bind"    # bound, no match
expect_err "$ENODEV" "echo 0000:99:00.0 > sys/bus/pci/drivers_probe"
expect_err "$ENODEV" "echo 0000:3b:00.0 > sys/bus/pci/drivers/pcieport/unbind"  # not its driver
check_true "mdev types while on nvidia" test -d $D/mdev_supported_types
expect_ok "echo vfio-pci > $D/driver_override"
check_eq "override set" vfio-pci "$(cat $D/driver_override)"
expect_ok "echo 0000:3b:00.0 > $D/driver/unbind"
check_eq "no driver after unbind" "" "$(drv $D)"
check_false "drivers/nvidia link gone" test -e sys/bus/pci/drivers/nvidia/0000:3b:00.0
check_false "mdev types leave with the driver" test -e $D/mdev_supported_types
expect_err "$ENODEV" "echo 0000:3b:00.0 > sys/bus/pci/drivers/nvidia/bind"       # override says vfio-pci
G=$(basename "$(readlink $D/iommu_group)")
check_false "no vfio node yet" test -e dev/vfio/$G
expect_ok "echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
check_eq "probe honours the override" vfio-pci "$(drv $D)"
check_true "drivers/vfio-pci/BDF link" test -L sys/bus/pci/drivers/vfio-pci/0000:3b:00.0
check_true "vfio-pci makes /dev/vfio/GROUP" test -e dev/vfio/$G
expect_err "$EBUSY" "echo 0000:3b:00.0 > sys/bus/pci/drivers/vfio-pci/bind"
expect_ok "echo 0000:3b:00.0 > sys/bus/pci/drivers/vfio-pci/unbind"
check_false "last vfio device gone: node gone" test -e dev/vfio/$G
expect_ok "echo 0000:3b:00.0 > sys/bus/pci/drivers/vfio-pci/bind"
check_eq "explicit bind" vfio-pci "$(drv $D)"
# Give back: unbind, clear the override, probe.
expect_ok "echo 0000:3b:00.0 > $D/driver/unbind"
expect_ok "echo > $D/driver_override"
check_eq "override cleared" "(null)" "$(cat $D/driver_override)"
expect_ok "echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
check_eq "back on nvidia" nvidia "$(drv $D)"
check_true "mdev types come back with nvidia" test -f $D/mdev_supported_types/nvidia-222/create
# A bridge cannot go to vfio-pci.
B=sys/bus/pci/devices/0000:00:01.0
expect_ok "echo vfio-pci > $B/driver_override; echo 0000:00:01.0 > $B/driver/unbind"
expect_err "$EINVAL" "echo 0000:00:01.0 > sys/bus/pci/drivers/vfio-pci/bind"
expect_ok "echo > $B/driver_override; echo 0000:00:01.0 > sys/bus/pci/drivers_probe"
check_eq "bridge back" pcieport "$(drv $B)"
# new_id captures every unbound card with that ID; remove_id undoes it.
expect_ok "echo 0000:3b:00.0 > $D/driver/unbind; echo 0000:d8:00.0 > sys/bus/pci/devices/0000:d8:00.0/driver/unbind"
expect_ok "echo '10de 1eb8' > sys/bus/pci/drivers/vfio-pci/new_id"
check_eq "new_id took the first T4" vfio-pci "$(drv $D)"
check_eq "new_id took the second T4" vfio-pci "$(drv sys/bus/pci/devices/0000:d8:00.0)"
expect_err "$EINVAL" "echo 'zz' > sys/bus/pci/drivers/vfio-pci/new_id"
expect_ok "echo '10de 1eb8' > sys/bus/pci/drivers/vfio-pci/remove_id"
expect_err "$ENODEV" "echo '10de 1eb8' > sys/bus/pci/drivers/vfio-pci/remove_id"
# A driver whose module is not loaded: the override leaves the device driverless.
expect_ok "echo 0000:3b:00.0 > $D/driver/unbind; echo 'unload vfio-pci' > .simhost/control"
check_false "vfio-pci unloaded" test -e sys/bus/pci/drivers/vfio-pci
check_eq "unloading unbound the other T4" "" "$(drv sys/bus/pci/devices/0000:d8:00.0)"
expect_ok "echo vfio-pci > $D/driver_override; echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
check_eq "override to a missing driver: no driver" "" "$(drv $D)"
expect_err "$ENOENT" "echo 0000:3b:00.0 > sys/bus/pci/drivers/vfio-pci/bind"
expect_ok "echo 'load vfio-pci' > .simhost/control"
check_eq "loading the module attaches the overridden device" vfio-pci "$(drv $D)"
# Xen's pciback.
expect_ok "echo 'load pciback' > .simhost/control"
P=sys/bus/pci/drivers/pciback
expect_err "$EINVAL" "echo 'garbage' > $P/new_slot"
expect_ok "echo 0000:d8:00.0 > $P/new_slot"
check_eq "slots lists it" "0000:d8:00.0" "$(cat $P/slots)"
expect_err "$ENXIO" "echo 0000:d8:00.0 > $P/permissive"
expect_ok "echo 0000:d8:00.0 > $P/bind"
check_eq "pciback bound by slot" pciback "$(drv sys/bus/pci/devices/0000:d8:00.0)"
expect_ok "echo 0000:d8:00.0 > $P/permissive"
expect_ok "echo 0000:d8:00.0 > $P/unbind; echo 0000:d8:00.0 > $P/remove_slot"
expect_err "$ENOENT" "echo 0000:d8:00.0 > $P/remove_slot"
expect_err "$ENODEV" "echo 0000:d8:00.0 > $P/bind"
grep -q $'sys/bus/pci/drivers/pciback/bind\t0000:d8:00.0\\\\n\tENODEV' .simhost/log
check_true "the log records writes and their errors" test $? = 0
cd / && simhost_cleanup

# ---- mdev: NVIDIA legacy, one type per GPU (T4 host) ---------------------
simhost_mount t4; M=$MNT
cd "$M" || exit 1
T=sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types
U1=11111111-2222-3333-4444-555555555555
U2=11111111-2222-3333-4444-666666666666
check_eq "T4-1B free" 16 "$(cat $T/nvidia-222/available_instances)"
expect_err "$EINVAL" "echo not-a-uuid > $T/nvidia-222/create"
expect_ok "echo $U1 > $T/nvidia-222/create"
check_true "instance on the mdev bus" test -d sys/bus/mdev/devices/$U1
check_eq "its type" nvidia-222 "$(basename "$(readlink sys/bus/mdev/devices/$U1/mdev_type)")"
check_true "listed under the type" test -L $T/nvidia-222/devices/$U1
check_eq "available drops" 15 "$(cat $T/nvidia-222/available_instances)"
check_eq "other types close (one type per GPU)" 0 "$(cat $T/nvidia-231/available_instances)"
check_eq "the other GPU is untouched" 8 "$(cat sys/class/mdev_bus/0000:d8:00.0/mdev_supported_types/nvidia-231/available_instances)"
MG=$(basename "$(readlink sys/bus/mdev/devices/$U1/iommu_group)")
check_true "an mdev gets its own group and vfio node" test -e dev/vfio/$MG
expect_err "$EEXIST" "echo $U1 > $T/nvidia-222/create"
expect_err "$EUSERS" "echo $U2 > $T/nvidia-231/create"
expect_err "$EINVAL" "echo x > sys/bus/mdev/devices/$U1/remove"
expect_ok "echo 1 > sys/bus/mdev/devices/$U1/remove"
check_false "instance gone" test -e sys/bus/mdev/devices/$U1
check_false "its vfio node gone" test -e dev/vfio/$MG
check_eq "types open again" 8 "$(cat $T/nvidia-231/available_instances)"
for i in 1 2 3 4 5 6 7 8; do
	echo "aaaaaaaa-0000-0000-0000-00000000000$i" > $T/nvidia-231/create || fail "create $i"
done
check_eq "exhausted" 0 "$(cat $T/nvidia-231/available_instances)"
expect_err "$EUSERS" "echo aaaaaaaa-0000-0000-0000-000000000009 > $T/nvidia-231/create"
cd / && simhost_cleanup

# ---- mdev: a shared pool (mbochs on the real-kernel recording, GVT-g) ----
simhost_mount qemu-q35-iommu-on; M=$MNT
cd "$M" || exit 1
T=sys/class/mdev_bus/mbochs/mdev_supported_types
check_eq "mbochs large with one medium in use" 3 "$(cat $T/mbochs-large/available_instances)"
expect_ok "echo $U1 > $T/mbochs-large/create"
check_eq "the pool shrinks for every type: small" 44 "$(cat $T/mbochs-small/available_instances)"
check_eq "medium" 11 "$(cat $T/mbochs-medium/available_instances)"
check_eq "large" 2 "$(cat $T/mbochs-large/available_instances)"
cd / && simhost_cleanup
simhost_mount gvtg-laptop; M=$MNT
cd "$M" || exit 1
T=sys/class/mdev_bus/0000:00:02.0/mdev_supported_types
expect_ok "echo $U1 > $T/i915-GVTg_V5_4/create"
check_eq "GVT-g V5_4 left" 1 "$(cat $T/i915-GVTg_V5_4/available_instances)"
check_eq "GVT-g V5_8 shares the budget" 2 "$(cat $T/i915-GVTg_V5_8/available_instances)"
cd / && simhost_cleanup

# ---- SR-IOV and NVIDIA's vendor vGPU (A100 host) -------------------------
simhost_mount a100x8; M=$MNT
cd "$M" || exit 1
PF=sys/bus/pci/devices/0000:07:00.0
check_eq "four VFs" 4 "$(cat $PF/sriov_numvfs)"
expect_err "$EBUSY" "echo 8 > $PF/sriov_numvfs"
expect_err "$ERANGE" "echo 21 > $PF/sriov_numvfs"
expect_err "$EINVAL" "echo many > $PF/sriov_numvfs"
expect_ok "echo 4 > $PF/sriov_numvfs"     # the same count is fine
VFG=$(basename "$(readlink sys/bus/pci/devices/0000:07:00.4/iommu_group)")
expect_ok "echo 0 > $PF/sriov_numvfs"
check_false "VFs gone" test -e sys/bus/pci/devices/0000:07:00.4
check_false "virtfn links gone" test -e $PF/virtfn0
check_false "their groups gone" test -e sys/kernel/iommu_groups/$VFG
expect_ok "echo 2 > $PF/sriov_numvfs"
check_eq "two VFs" 2 "$(cat $PF/sriov_numvfs)"
check_eq "VF at offset 4" "0000:07:00.4" "$(basename "$(readlink $PF/virtfn0)")"
check_eq "physfn" "0000:07:00.0" "$(basename "$(readlink sys/bus/pci/devices/0000:07:00.5/physfn)")"
check_eq "VF device id" 0x20b2 "$(cat sys/bus/pci/devices/0000:07:00.5/device)"
G4=$(basename "$(readlink sys/bus/pci/devices/0000:07:00.4/iommu_group)")
G5=$(basename "$(readlink sys/bus/pci/devices/0000:07:00.5/iommu_group)")
check_true "each VF has its own group" test -n "$G4" -a "$G4" != "$G5"
check_eq "VFs autoprobe to nvidia" nvidia "$(drv sys/bus/pci/devices/0000:07:00.4)"
check_true "new VFs have the vendor vGPU files" test -f sys/bus/pci/devices/0000:07:00.4/nvidia/current_vgpu_type
expect_ok "echo 0000:07:00.0 > $PF/driver/unbind"
expect_err "$ENOENT" "echo 0 > $PF/sriov_numvfs"
expect_ok "echo 0000:07:00.0 > sys/bus/pci/drivers_probe"
# Vendor vGPU: a time-sliced type fills the GPU's 80 GB.
PF=sys/bus/pci/devices/0000:0f:00.0
V=(sys/bus/pci/devices/0000:0f:00.{4,5,6,7})
cnt() { grep -c '^[0-9]' "$1/nvidia/creatable_vgpu_types"; }
check_eq "MIG off: a free VF lists the time-sliced types" "702 703 704 705 706 707 708" \
	"$(grep -o '^[0-9]*' ${V[0]}/nvidia/creatable_vgpu_types | tr '\n' ' ' | sed 's/ $//')"
expect_err "$EINVAL" "echo 699 > ${V[0]}/nvidia/current_vgpu_type"   # A100DX-3-40C: MIG-backed
expect_err "$EINVAL" "echo 9999 > ${V[0]}/nvidia/current_vgpu_type"
expect_ok "echo 707 > ${V[0]}/nvidia/current_vgpu_type"        # A100DX-40C
check_eq "current type" 707 "$(cat ${V[0]}/nvidia/current_vgpu_type)"
expect_err "$EBUSY" "echo 706 > ${V[0]}/nvidia/current_vgpu_type"
check_eq "siblings may only add the same type" "707 : NVIDIA A100DX-40C" "$(grep '^[0-9]' ${V[1]}/nvidia/creatable_vgpu_types)"
expect_err "$EINVAL" "echo 706 > ${V[1]}/nvidia/current_vgpu_type"
expect_ok "echo 707 > ${V[1]}/nvidia/current_vgpu_type"
check_eq "80 GB used: nothing left" 0 "$(cnt ${V[2]})"
expect_ok "echo 0 > ${V[1]}/nvidia/current_vgpu_type; echo 0 > ${V[0]}/nvidia/current_vgpu_type"
check_eq "all free again" 7 "$(cnt ${V[3]})"
expect_ok "echo 707 > ${V[0]}/nvidia/current_vgpu_type"
check_eq "another GPU is untouched" 7 "$(cnt sys/bus/pci/devices/0000:07:00.4)"
cd / && simhost_cleanup

# ---- MIG-backed vendor vGPU (H100 host): a GPU instance of the type's size
simhost_mount h100-mig; M=$MNT
cd "$M" || exit 1
V=(sys/bus/pci/devices/0000:18:00.{4,5})
types() { grep -o '^[0-9]*' "$1/nvidia/creatable_vgpu_types" | tr '\n' ' ' | sed 's/ $//'; }
check_eq "MIG on, gi1 and gi2 (3 slices) and gi9 (1): the 1g and 3g types" "1301 1303" "$(types ${V[1]})"
expect_err "$EINVAL" "echo 1302 > ${V[0]}/nvidia/current_vgpu_type"   # 2g: no such instance
expect_err "$EINVAL" "echo 1311 > ${V[0]}/nvidia/current_vgpu_type"   # time-sliced: MIG is on
expect_ok "echo 1303 > ${V[0]}/nvidia/current_vgpu_type"
check_eq "one 3g instance taken: one left, and the 1g" "1301 1303" "$(types ${V[1]})"
expect_ok "echo 1301 > ${V[1]}/nvidia/current_vgpu_type"
expect_ok "echo 0 > ${V[0]}/nvidia/current_vgpu_type"
check_eq "the 1g taken, a 3g free again: 3g only" "1303" "$(types ${V[0]})"
expect_ok "echo 0 > ${V[1]}/nvidia/current_vgpu_type"
check_eq "MIG on without GPU instances: nothing" "" "$(types sys/bus/pci/devices/0000:2a:00.4)"
check_eq "MIG off: the time-sliced types" "1311 1312 1313 1314" "$(types sys/bus/pci/devices/0000:3c:00.4)"
cd / && simhost_cleanup

# ---- fault injection ------------------------------------------------------
simhost_mount t4; M=$MNT
cd "$M" || exit 1
D=sys/bus/pci/devices/0000:3b:00.0
expect_err "$EINVAL" "echo 'fail $D/driver_override x EBUSY' > .simhost/control"
expect_err "$EINVAL" "echo 'explode' > .simhost/control"
expect_ok "echo 'fail $D/driver_override 2 EBUSY' > .simhost/control"
expect_ok "echo a > $D/driver_override"
expect_err "$EBUSY" "echo b > $D/driver_override"
check_eq "a failed write changes nothing" a "$(cat $D/driver_override)"
expect_ok "echo c > $D/driver_override"
expect_ok "echo 'fail sys/bus/pci/drivers_probe * EIO' > .simhost/control"
expect_err "Input/output error" "echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
expect_err "Input/output error" "echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
expect_ok "echo clear > .simhost/control; echo 0000:3b:00.0 > sys/bus/pci/drivers_probe"
expect_ok "echo 'delay $D/driver_override 1 300' > .simhost/control"
start=$(date +%s%N)
echo > $D/driver_override
elapsed=$((($(date +%s%N) - start) / 1000000))
check_true "a delayed write takes its time (${elapsed} ms)" test "$elapsed" -ge 300
expect_ok "echo 'unplug $D/driver/unbind 1 0000:3b:00.0' > .simhost/control"
expect_err "$ENODEV" "echo 0000:3b:00.0 > $D/driver/unbind"
check_false "the device was removed mid-operation" test -e $D
check_false "with its mdev parent entry" test -e sys/class/mdev_bus/0000:3b:00.0
expect_ok "echo 1 > sys/bus/pci/devices/0000:d8:00.0/remove"
check_false "PCI remove unplugs" test -e sys/bus/pci/devices/0000:d8:00.0
cd / && simhost_cleanup

# ---- served and plain trees read alike ----------------------------------
listing() { "$GPUVIRT" --root "$1" list --all --json | sed 's|"root": "[^"]*"||'; }
W=$(mktemp -d "${TMPDIR:-/tmp}/simhost-plain-XXXXXX")
for f in "$SIMHOST_HOSTS"/*.umockdev; do
	name=$(basename "$f" .umockdev)
	"$SIMHOST_BUILD" "$SIMHOST_HOSTS" "$name" "$W/$name" || fail "simhost-build $name"
	simhost_mount "$name"; M=$MNT
	check_eq "host $name: served equals plain" "$(listing "$W/$name")" "$(listing "$M")"
	simhost_cleanup
done
# The generator's large host, both ways.
/usr/bin/python3 "$HERE/gen-large-host.py" --gpus 8 --vfs 8 --others 40 --name gen "$W/gen" || fail "gen-large-host"
"$SIMHOST_BUILD" "$W/gen" gen "$W/gen/tree" || fail "simhost-build gen"
check_eq "generated host: 1 + 8 ports + 8 x (1 + 8) + 40 functions" 121 \
	"$("$GPUVIRT" --root "$W/gen/tree" list --all | tail -n +2 | wc -l)"
simhost_mount gen "$W/gen"; G=$MNT
check_eq "generated host served" "$(listing "$W/gen/tree")" "$(listing "$G")"
expect_ok "echo 0 > $G/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs"
check_eq "and writable: VFs disabled" 113 "$("$GPUVIRT" --root "$G" list --all | tail -n +2 | wc -l)"
simhost_cleanup
rm -rf "$W"

# ---- as an unprivileged user, through fusermount3 ------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v fusermount3 >/dev/null; then
	W=$(mktemp -d "${TMPDIR:-/tmp}/simhost-user-XXXXXX")
	cp "$SIMHOST_FUSE" "$W/simhost-fuse"
	cp "$HERE/simhost-lib.sh" "$W/"
	cp -r "$SIMHOST_HOSTS" "$W/hosts"
	chmod -R a+rX "$W"
	chmod 1777 "$W"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin TMPDIR="$W" \
		GPUVIRT_REQUIRE_FUSE=0 bash -c '
		SIMHOST_FUSE='"$W"'/simhost-fuse SIMHOST_HOSTS='"$W"'/hosts
		. '"$W"'/simhost-lib.sh
		simhost_require_fuse
		simhost_mount t4; M=$MNT || exit 1
		D=$M/sys/bus/pci/devices/0000:3b:00.0
		echo vfio-pci > $D/driver_override && echo 0000:3b:00.0 > $D/driver/unbind &&
			echo 0000:3b:00.0 > $M/sys/bus/pci/drivers_probe
		d=$(basename "$(readlink $D/driver)")
		simhost_cleanup
		echo "driver=$d"' 2>&1)
	rc=$?
	# The daemon removes its backing tree as it exits: let it finish.
	for _ in $(seq 50); do
		ls -d "$W"/simhost-* >/dev/null 2>&1 || break
		sleep 0.1
	done
	rm -rf "$W"
	if [ $rc = 77 ] && [ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ]; then
		fail "unprivileged FUSE required (GPUVIRT_REQUIRE_FUSE=1) but unavailable ($(stat -c %A /dev/fuse) /dev/fuse): $out"
	elif [ $rc = 77 ]; then
		# Debian's /dev/fuse is 0666; some containers make it 0600.
		echo "note: unprivileged FUSE unavailable here ($(stat -c %A /dev/fuse) /dev/fuse): $out"
	else
		check_eq "unprivileged mount via fusermount3 ($out)" "driver=vfio-pci" "$(echo "$out" | tail -1)"
	fi
fi

simhost_summary
