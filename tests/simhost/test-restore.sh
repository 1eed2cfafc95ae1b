#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Host state across a reboot on simulated hosts: persist with each mechanism
# (T4 legacy mdev, L40S and A100 vendor interface, MI210 SR-IOV) and a
# binding, "reboot" (the host served again from its recording, only its etc/
# kept), restore: the same UUIDs on the same parents and VFs, bindings back;
# a second restore writes nothing (the host's write and file logs); what is
# in use or not in the state is left alone; a missing GPU is reported, the
# rest restored; diff and apply; SIGKILL at each write of a restore, then
# recover and restore: the host ends as the state says.
# usage: test-restore.sh SIMHOST_FUSE HOSTS_DIR GPUVIRT
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
GPUVIRT=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
. "$HERE/simhost-lib.sh"
simhost_require_fuse
SAVE=$(mktemp -d)
trap 'simhost_cleanup; rm -rf "$SAVE"' EXIT
export GPUVIRT_MODPROBE=$HERE/modprobe-stub
export GPUVIRT_LOG=err

gv() { "$GPUVIRT" --root "$M" "$@"; }
field() { $PY -c 'import json,sys; print(json.load(sys.stdin)["instance"][sys.argv[1]])' "$1"; }
# The active instances: uuid@parent/profile/vf, sorted.
instances() {
	gv instances --json | $PY -c 'import json,sys
print(" ".join(sorted("%s@%s/%s/%s" % (i["uuid"], i["parent"], i["profile"], i["vf"])
	for i in json.load(sys.stdin)["instances"] if i["active"])))'
}
drv() { basename "$(readlink "$M/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
# Statuses of the restore's items: "kind object status", one per line.
statuses() { $PY -c 'import json,sys
for i in json.load(sys.stdin)["items"]: print(i["kind"], i["object"], i["status"])'; }
writes() { grep -c . "$M/.simhost/log"; }
files() { grep -c . "$M/.simhost/files"; }
# serve_tree HOST: as simhost_mount, from a tree built here (B), whose
# proc/ the test writes: the processes that hold a device.
serve_tree() {
	B=$(mktemp -d "$SAVE/tree-XXXXXX")/tree
	"$(dirname "$SIMHOST_FUSE")/simhost-build" "$SIMHOST_HOSTS" "$1" "$B" || fail "cannot build $1"
	MNT=$(mktemp -d "${TMPDIR:-/tmp}/simhost-XXXXXX")
	"$SIMHOST_FUSE" --tree "$B" "$MNT" || simhost_skip "cannot serve $1"
	SIMHOST_MOUNTS="$SIMHOST_MOUNTS $MNT"
	M=$MNT
}
# hold PID COMM NODE: a process of the host has NODE open.
hold() {
	mkdir -p "$B/proc/$1/fd"
	echo "$2" >"$B/proc/$1/comm"
	ln -s "$3" "$B/proc/$1/fd/9"
}
# reboot [--tree] HOST [HOSTS_DIR]: the host served again from its
# recording, with only the etc/ of the one before.
reboot() {
	local serve=simhost_mount
	[ "$1" = --tree ] && { serve=serve_tree; shift; }
	rm -rf "$SAVE/etc"
	cp -a "$M/etc" "$SAVE/etc"
	simhost_cleanup
	$serve "$@"; M=$MNT
	mkdir -p "$M/etc"
	cp -a "$SAVE/etc/." "$M/etc/"
	: >"$M/.simhost/log"
	: >"$M/.simhost/files"
}
# restore_twice WHAT: restore (exit 0), then again: nothing written at all.
restore_twice() {
	expect_ok "$GPUVIRT --root $M restore >/dev/null"
	: >"$M/.simhost/log"
	: >"$M/.simhost/files"
	out=$(gv restore --json)
	check_eq "$1: a second restore exits 0" 0 $?
	check_eq "$1: a second restore writes no attribute" 0 "$(writes)"
	check_eq "$1: a second restore writes no file" 0 "$(files)"
	check_eq "$1: everything in place" "" "$(statuses <<<"$out" | grep -v ' in-place$')"
}

# ---- T4: legacy mdev ----------------------------------------------------------
T1=0000:3b:00.0
T2=0000:d8:00.0
U1=11111111-2222-4333-8444-000000000001
U2=11111111-2222-4333-8444-000000000002
U3=11111111-2222-4333-8444-000000000003
simhost_mount t4; M=$MNT
expect_ok "$GPUVIRT --root $M create nvidia-233 --gpu $T1 --uuid $U1 --persist --owner vm-1 --json"
expect_ok "$GPUVIRT --root $M create nvidia-222 --gpu $T2 --uuid $U2 --persist"
expect_ok "$GPUVIRT --root $M create nvidia-222 --gpu $T2 --uuid $U3"   # not persisted
check_true "recorded in etc/gpuvirt" test -f "$M/etc/gpuvirt/instances/$U1.json"
check_true "and for mdevctl" test -f "$M/etc/mdevctl.d/$T1/$U1"
check_false "a create without --persist records nothing" test -e "$M/etc/gpuvirt/instances/$U3.json"
check_eq "the record" "instance $U1 $T1 nvidia-233 mdev vm-1" "$($PY -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d["kind"], d["uuid"], d["parent"], d["profile"], d["mechanism"], d["owner"])' "$M/etc/gpuvirt/instances/$U1.json")"
want="$U1@$T1/nvidia-233/None $U2@$T2/nvidia-222/None"
reboot t4
check_eq "after the reboot: no instance" "" "$(instances)"
out=$(gv diff --json)
check_eq "diff exits 1 before the restore" 1 $?
check_eq "diff: both to do" "instance $U1 to-do
instance $U2 to-do" "$(statuses <<<"$out")"
restore_twice t4
check_eq "T4: the same UUIDs on the same GPUs with the same profiles" "$want" "$(instances)"
check_eq "T4: the owner tag kept" "vm-1 None" "$(gv instances --json | $PY -c 'import json,sys
print(" ".join(str(i["owner"]) for i in json.load(sys.stdin)["instances"]))')"
expect_err "--owner is recorded with --persist only" "$GPUVIRT --root $M create nvidia-222 --gpu $T2 --owner x"
check_eq "T4: diff after the restore exits 0" 0 "$(gv diff >/dev/null; echo $?)"
# destroy --persist forgets it; a plain destroy keeps it for the next boot.
expect_ok "$GPUVIRT --root $M destroy $U2"
check_true "a plain destroy keeps the record" test -f "$M/etc/gpuvirt/instances/$U2.json"
expect_ok "$GPUVIRT --root $M destroy $U2 --persist"
check_false "destroy --persist removes the record" test -e "$M/etc/gpuvirt/instances/$U2.json"
check_false "and mdevctl's" test -e "$M/etc/mdevctl.d/$T2/$U2"

# ---- in use, not in the state, a GPU gone ---------------------------------------
simhost_mount t4; M=$MNT
expect_ok "$GPUVIRT --root $M create nvidia-233 --gpu $T1 --uuid $U1 --persist"
expect_ok "$GPUVIRT --root $M create nvidia-222 --gpu $T2 --uuid $U2 --persist"
reboot --tree t4
# Before the restore, someone made a T4-1B on the first T4 (the one-type
# rule leaves no room for the T4-8Q): it is not destroyed to make room.
expect_ok "$GPUVIRT --root $M create nvidia-222 --gpu $T1 --uuid $U3"
out=$(gv restore --json)
check_eq "a blocked object: restore exits 1" 1 $?
check_eq "U1 blocked, U2 restored, U3 unmanaged" "instance $U1 blocked
instance $U2 done
instance $U3 unmanaged" "$(statuses <<<"$out")"
check_true "the reason names the rule" grep -q "runs nvidia-222" <<<"$out"
check_true "the instance not in the state is left alone" test -e "$M/sys/bus/mdev/devices/$U3"
# A VM holds U2: a restore leaves it as it is (in place, nothing written).
link=$(readlink "$M/sys/bus/mdev/devices/$U2/iommu_group")
hold 5150 qemu-kvm "/dev/vfio/${link##*/}"
: >"$M/.simhost/log"
out=$(gv restore --json)
check_eq "held: U2 in place" "instance $U2 in-place" "$(statuses <<<"$out" | grep $U2)"
check_eq "held: nothing written" 0 "$(writes)"
rm -rf "$B/proc/5150"
simhost_cleanup
# The second T4 is gone at the next boot: reported, the first restored.
GONE=$(mktemp -d)
ln -s "$SIMHOST_HOSTS/t4.umockdev" "$SIMHOST_HOSTS/t4.host" "$GONE/"
printf '%s\n' "base t4" "remove sys/devices/pci0000:00/0000:00:02.0/0000:d8:00.0" \
	"remove sys/bus/pci/devices/$T2" "remove sys/class/mdev_bus/$T2" >"$GONE/t4-gone.host"
simhost_mount t4-gone "$GONE"; M=$MNT
cp -a "$SAVE/etc" "$M/"
out=$(gv restore --json)
check_eq "a GPU gone: restore exits 1" 1 $?
check_eq "the gone GPU's instance blocked, the other restored" "instance $U1 done
instance $U2 blocked" "$(statuses <<<"$out")"
check_true "the reason says the GPU is not there" grep -q "$T2 is not on this host" <<<"$out"
simhost_cleanup
rm -rf "$GONE"

# ---- L40S: NVIDIA's vendor interface on VFs ----------------------------------------
simhost_mount l40s; M=$MNT
U4=11111111-2222-4333-8444-000000000004
U5=11111111-2222-4333-8444-000000000005
out=$(gv create "NVIDIA L40S-24Q" --gpu 41:00.0 --uuid $U4 --persist --json)
VF4=$(field vf <<<"$out")
out=$(gv create "NVIDIA L40S-24Q" --gpu 41:00.0 --uuid $U5 --persist --json)
VF5=$(field vf <<<"$out")
# Only the second is kept: after the reboot it goes back on its own VF, not
# on the first free one (a VM's configuration names the VF).
expect_ok "$GPUVIRT --root $M destroy $U4 --persist"
want=$(instances)
check_true "one L40S instance left, on the second VF ($VF5)" test "${want%%@*} ${want##*/}" = "$U5 $VF5"
check_true "the PF's VF count is recorded" test -f "$M/etc/gpuvirt/vfs/0000:41:00.0.json"
reboot l40s
restore_twice L40S
check_eq "L40S: the same UUIDs on the same VFs ($VF4, $VF5)" "$want" "$(instances)"

# ---- A100: vendor interface, VFs enabled -------------------------------------------
simhost_mount a100x8; M=$MNT
PF=0000:07:00.0
U6=11111111-2222-4333-8444-000000000006
expect_ok "$GPUVIRT --root $M create 'NVIDIA A100DX-40C' --gpu $PF --uuid $U6 --persist"
want=$(instances)
reboot a100x8
restore_twice A100
check_eq "A100: the same UUID on the same VF" "$want" "$(instances)"

# ---- MI210: plain SR-IOV, its VFs off at boot ----------------------------------------
simhost_mount amd-mxgpu; M=$MNT
MI=0000:c1:00.0
U7=11111111-2222-4333-8444-000000000007
out=$(gv create sriov-vf --gpu $MI --uuid $U7 --persist --json)
VF7=$(field vf <<<"$out")
total=$(cat "$M/sys/bus/pci/devices/$MI/sriov_numvfs")
want=$(instances)
reboot amd-mxgpu
check_eq "MI210: no VFs after the reboot" 0 "$(cat "$M/sys/bus/pci/devices/$MI/sriov_numvfs")"
out=$(gv diff --json)
check_eq "MI210 diff: VFs then the instance on a VF still to come" "vfs $MI to-do
instance $U7 to-do" "$(statuses <<<"$out")"
restore_twice MI210
check_eq "MI210: its VFs back" "$total" "$(cat "$M/sys/bus/pci/devices/$MI/sriov_numvfs")"
check_eq "MI210: the same UUID on the same VF ($VF7)" "$want" "$(instances)"
check_eq "MI210: the VF on vfio-pci" vfio-pci "$(drv $VF7)"

# ---- a binding: a GPU with its audio function ---------------------------------------
GPU=0000:01:00.0
AUD=0000:01:00.1
simhost_mount workstation; M=$MNT
expect_ok "$GPUVIRT --root $M bind $GPU --persist"
check_eq "recorded for both functions" "vfio-pci vfio-pci" "$($PY -c 'import json,sys
print(" ".join(json.load(open(f))["driver"] for f in sys.argv[1:]))' "$M/etc/gpuvirt/bindings/$GPU.json" "$M/etc/gpuvirt/bindings/$AUD.json")"
check_true "and for driverctl" test -f "$M/etc/driverctl.d/pci-$GPU"
reboot --tree workstation
check_eq "after the reboot: the GPU on its own driver" nvidia "$(drv $GPU)"
# Xorg has the GPU's display open: the host's use blocks the restore of it.
hold 812 Xorg /dev/dri/card1
out=$(gv restore --json)
check_eq "in use by the host: exit 1" 1 $?
check_true "the holder is named" grep -q "pid 812 (Xorg)" <<<"$out"
check_eq "and the GPU stays where it is" nvidia "$(drv $GPU)"
rm -rf "$B/proc/812"
restore_twice workstation
check_eq "the GPU back on vfio-pci" vfio-pci "$(drv $GPU)"
check_eq "its audio too" vfio-pci "$(drv $AUD)"
expect_ok "$GPUVIRT --root $M unbind $GPU --persist"
check_false "unbind --persist forgets both" test -e "$M/etc/gpuvirt/bindings/$AUD.json"

# ---- a group moves along only when the state binds all of it -------------------------
simhost_mount bad-group; M=$MNT
F=$SAVE/group.json
group=$(gv bind 02:00.0 --allow-group --dry-run --json | $PY -c 'import json,sys; print(" ".join(json.load(sys.stdin)["devices"]))')
check_eq "the GPU's group" "0000:02:00.0 0000:02:00.1 0000:03:00.0 0000:04:00.0" "$group"
objects() { for d in "$@"; do printf '{"kind": "binding", "device": "%s", "driver": "vfio-pci"},' "$d"; done; }
echo "{\"version\": 1, \"objects\": [$(objects 0000:02:00.0 0000:02:00.1 | sed 's/,$//')]}" >"$F"
out=$(gv apply "$F" --json)
check_eq "the GPU alone: blocked (its group holds a USB controller the state leaves)" "binding 0000:02:00.0 blocked
binding 0000:02:00.1 blocked" "$(statuses <<<"$out" | grep -v unmanaged)"
check_true "naming it" grep -q "0000:03:00.0" <<<"$out"
check_eq "the USB controller stays" xhci_hcd "$(drv 0000:03:00.0)"
# shellcheck disable=SC2086
echo "{\"version\": 1, \"objects\": [$(objects $group | sed 's/,$//')]}" >"$F"
out=$(gv apply "$F" --json)
check_eq "the whole group in the state: bound together" "binding 0000:02:00.0 done
binding 0000:02:00.1 in-place
binding 0000:03:00.0 in-place
binding 0000:04:00.0 in-place" "$(statuses <<<"$out")"
check_eq "the USB controller with it" vfio-pci "$(drv 0000:03:00.0)"
simhost_cleanup

# ---- apply: a declarative file, plan first, only the difference -----------------------
simhost_mount t4; M=$MNT
F=$SAVE/state.json
cat >"$F" <<JSON
{"version": 1, "objects": [
  {"kind": "instance", "uuid": "$U1", "parent": "$T1", "profile": "nvidia-233", "mechanism": "mdev", "owner": "vm-1"},
  {"kind": "instance", "uuid": "$U2", "parent": "$T2", "profile": "nvidia-222", "mechanism": "mdev"}
]}
JSON
out=$(gv apply "$F" --dry-run --json)
check_eq "apply --dry-run: the plan" "instance $U1 to-do
instance $U2 to-do" "$(statuses <<<"$out")"
check_eq "apply --dry-run writes nothing" 0 "$(writes)"
expect_ok "$GPUVIRT --root $M apply $F --persist >/dev/null"
check_eq "applied" "$U1@$T1/nvidia-233/None $U2@$T2/nvidia-222/None" "$(instances)"
check_eq "--persist recorded the owner" vm-1 "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["owner"])' "$M/etc/gpuvirt/instances/$U1.json")"
echo '{"version": 1, "objects": [{"kind": "instance", "uuid": "x"}]}' >"$F"
expect_err "object 1: \"uuid\" is missing or not a lower-case UUID" "$GPUVIRT --root $M apply $F"
mkdir -p "$M/etc/gpuvirt/bindings"
echo '{"version": 1, "kind": "binding", "device": "0000:01:00.0", "drvier": "vfio-pci"}' >"$M/etc/gpuvirt/bindings/0000:01:00.0.json"
out=$(gv diff --json)
check_eq "a damaged record is reported, not skipped" "record etc/gpuvirt/bindings/0000:01:00.0.json blocked" \
	"$(statuses <<<"$out" | grep record)"
check_true "with why" grep -q 'unknown key \\"drvier\\"' <<<"$out"
simhost_cleanup

# ---- SIGKILL at each write of a restore, then recover and restore -------------------
# The MI210 case: its VF count, the VF bound to vfio-pci, the instance's record.
# What the host must end as: its VF count and autoprobe setting, the VF's
# driver and override, the instance.
sig() {
	echo "vfs $(cat "$M/sys/bus/pci/devices/$MI/sriov_numvfs") autoprobe $(cat "$M/sys/bus/pci/devices/$MI/sriov_drivers_autoprobe")"
	echo "vf $(drv $VF7) $(cat "$M/sys/bus/pci/devices/$VF7/driver_override")"
	instances
	ls "$M/run/gpuvirt" 2>/dev/null | grep journal
}
simhost_mount amd-mxgpu; M=$MNT
expect_ok "$GPUVIRT --root $M create sriov-vf --gpu $MI --uuid $U7 --persist"
reboot amd-mxgpu
CRASH_ETC=$SAVE/crash-etc
cp -a "$SAVE/etc" "$CRASH_ETC"
gv restore >/dev/null
want=$(sig)
mapfile -t paths < <(cut -f1 "$M/.simhost/log")
simhost_cleanup
check_true "the restore made its writes (${#paths[@]})" test "${#paths[@]}" -ge 5
for ((i = 0; i < ${#paths[@]}; i++)); do
	path=${paths[$i]}
	nth=0
	for ((k = 0; k <= i; k++)); do [ "${paths[$k]}" = "$path" ] && nth=$((nth + 1)); done
	simhost_mount amd-mxgpu; M=$MNT
	cp -a "$CRASH_ETC" "$M/etc"
	echo "delay $path $nth 600" >"$M/.simhost/control"
	"$GPUVIRT" --root "$M" restore >/dev/null 2>&1 &
	pid=$!
	check_true "restore write $((i + 1)) held" simhost_wait_delayed begun "$path"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check_true "restore write $((i + 1)) landed" simhost_wait_delayed done "$path"
	expect_ok "$GPUVIRT --root $M recover >/dev/null"
	out=$(gv restore 2>&1)
	check_eq "killed at restore write $((i + 1)) ($path), recovered, restored: exit 0" 0 $? 
	check_eq "killed at restore write $((i + 1)) ($path): the host as the state says" "$want" "$(sig)"
	simhost_cleanup
done

simhost_summary
