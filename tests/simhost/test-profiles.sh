#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vGPU profiles and instances on simulated hosts with the kernel's
# semantics: T4 (legacy mdev), A100 and L40S (NVIDIA vendor interface), AMD
# SR-IOV, Intel GVT-g, mbochs; allocation until exhausted, release, the
# one-type rule, placement, persistence read by mdevctl, a failure at each
# write, a crash then recovery, and 8 processes racing for the last ones.
# usage: test-profiles.sh SIMHOST_FUSE HOSTS_DIR GPUVIRT
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
GPUVIRT=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
. "$HERE/simhost-lib.sh"
simhost_require_fuse
trap simhost_cleanup EXIT
export GPUVIRT_MODPROBE=$HERE/modprobe-stub
export GPUVIRT_LOG=err

gv() { "$GPUVIRT" --root "$M" "$@"; }
avail() { # PARENT PROFILE
	gv profiles --json | $PY -c 'import json,sys
d=json.load(sys.stdin); print(([p["available"] for p in d["profiles"] if p["parent"]==sys.argv[1] and p["id"]==sys.argv[2]] + [0])[0])' "$1" "$2"
}
field() { $PY -c 'import json,sys; print(json.load(sys.stdin)["instance"][sys.argv[1]])' "$1"; }
used() { # PARENT PROFILE: its instances, as profiles counts them
	gv profiles --json | $PY -c 'import json,sys
d=json.load(sys.stdin); print(([p["instances"] for p in d["profiles"] if p["parent"]==sys.argv[1] and p["id"]==sys.argv[2]] + ["none"])[0])' "$1" "$2"
}
count_instances() { gv instances --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["instances"]))'; }
T1=0000:3b:00.0
T2=0000:d8:00.0

# ---- T4: legacy mdev ------------------------------------------------------
simhost_mount t4; M=$MNT
check_eq "T4-8Q free on the first T4" 2 "$(avail $T1 nvidia-233)"
out=$(gv create nvidia-233 --gpu $T1 --json)
check_eq "created on the named GPU" $T1 "$(field parent <<<"$out")"
U1=$(field uuid <<<"$out")
check_eq "sysfsdev path for QEMU" "$M/sys/bus/mdev/devices/$U1" "$(field sysfs_path <<<"$out")"
check_true "the mdev exists" test -e "$M/sys/bus/mdev/devices/$U1"
check_eq "one left" 1 "$(avail $T1 nvidia-233)"
check_eq "one instance counted on its GPU" 1 "$(used $T1 nvidia-233)"
check_eq "none on the other GPU" 0 "$(used $T2 nvidia-233)"
check_eq "one type per GPU: T4-1B now closed" 0 "$(avail $T1 nvidia-222)"
expect_err "profile nvidia-222 has no room: $T1: one vGPU type per GPU, and it runs nvidia-233 (1 instance); still creatable there: nvidia-233 (1 free)" "$GPUVIRT --root $M create nvidia-222 --gpu $T1"
U2=$(gv create "GRID T4-8Q" --gpu $T1 --json | field uuid)     # by name
expect_err "profile nvidia-233 has no room: $T1: all 2 of its nvidia-233 taken; nothing else is creatable there now" "$GPUVIRT --root $M create nvidia-233 --gpu $T1"
check_eq "no partial instance after exhaustion" 2 "$(count_instances)"
expect_ok "$GPUVIRT --root $M destroy $U1 >/dev/null"
expect_ok "$GPUVIRT --root $M destroy $U2 >/dev/null"
check_false "released" test -e "$M/sys/bus/mdev/devices/$U1"
check_eq "types open again" 16 "$(avail $T1 nvidia-222)"
expect_err "no GPU offers profile" "$GPUVIRT --root $M create nvidia-999"
expect_err "not a UUID" "$GPUVIRT --root $M create nvidia-222 --uuid ../../etc"
U=11111111-2222-4333-8444-555555555555
expect_ok "$GPUVIRT --root $M create nvidia-222 --uuid $U >/dev/null"
expect_err "already in use" "$GPUVIRT --root $M create nvidia-222 --uuid $U"
expect_ok "$GPUVIRT --root $M destroy $U >/dev/null"
# Placement: pack fills one GPU, spread alternates, NUMA restricts.
p1=$(gv create nvidia-222 --policy pack --json | field parent)
p2=$(gv create nvidia-222 --policy pack --json | field parent)
check_eq "pack: the fullest GPU again" "$p1" "$p2"
s1=$(gv create nvidia-222 --policy spread --json | field parent)
check_true "spread: the emptiest GPU ($p1 then $s1)" test "$s1" != "$p1"
n1=$(gv create nvidia-222 --numa 1 --json | field parent)
check_eq "NUMA node 1 is the second T4" $T2 "$n1"
expect_err "on that NUMA node" "$GPUVIRT --root $M create nvidia-222 --numa 7"
for u in $(gv instances --json | $PY -c 'import json,sys; [print(i["uuid"]) for i in json.load(sys.stdin)["instances"]]'); do
	gv destroy "$u" >/dev/null || fail "destroy $u"
done
check_eq "all released" 0 "$(count_instances)"
# Persistence in mdevctl's format, read back by mdevctl.
if [ "$(id -u)" = 0 ] && command -v mdevctl >/dev/null; then
	U=22222222-3333-4444-8555-666666666666
	expect_ok "$GPUVIRT --root $M create nvidia-231 --gpu $T2 --uuid $U --persist >/dev/null"
	check_eq "mdevctl's JSON" "nvidia-231 auto" \
		"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["mdev_type"], d["start"])' "$M/etc/mdevctl.d/$T2/$U")"
	check_true "mdevctl list --defined shows it" grep -q "$U $T2 nvidia-231 auto" \
		<<<"$("$HERE/simhost-run" "$M" mdevctl list --defined)"
	# Types and free counts: ours equal mdevctl's.
	mine=$(gv profiles --json | $PY -c 'import json,sys
print(sorted((p["parent"], p["id"], p["available"]) for p in json.load(sys.stdin)["profiles"]))')
	theirs=$("$HERE/simhost-run" "$M" mdevctl types --dumpjson | $PY -c 'import json,sys
print(sorted((par, t, v["available_instances"]) for e in json.load(sys.stdin) for par, ts in e.items() for x in ts for t, v in x.items()))')
	check_eq "profiles equal mdevctl types (free counts included)" "$theirs" "$mine"
	# A definition mdevctl made is ours to list, and to start with it.
	V=33333333-4444-4555-8666-777777777777
	"$HERE/simhost-run" "$M" mdevctl define -u $V -p $T1 -t nvidia-231
	check_true "instances lists mdevctl's definition" grep -q "$V.*defined" <<<"$(gv instances)"
	expect_ok "$GPUVIRT --root $M destroy $U --persist >/dev/null"
	check_false "destroy --persist removes the definition" test -e "$M/etc/mdevctl.d/$T2/$U"
else
	echo "note: not root or no mdevctl: the mdevctl comparisons are skipped"
	[ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ] && fail "the mdevctl comparisons must run in CI"
fi
simhost_cleanup

# ---- A100 and L40S: NVIDIA's vendor interface -----------------------------
simhost_mount a100x8; M=$MNT
PF=0000:07:00.0
out=$(gv create "NVIDIA A100DX-40C" --gpu $PF --json)
VF=$(field vf <<<"$out")
check_eq "vendor vGPU on the first VF" 0000:07:00.4 "$VF"
check_eq "current_vgpu_type set" 707 "$(cat "$M/sys/bus/pci/devices/$VF/nvidia/current_vgpu_type")"
check_eq "three sibling VFs can still create a 40C" 3 "$(avail $PF 707)"
check_eq "siblings: no other type" 0 "$(avail $PF 706)"
# The types the GPU closed are still listed, with why (kept from its VFs'
# lists while it was empty, under run/gpuvirt/vendor-types).
check_true "the closed types are kept" grep -q "^706 : " "$M/run/gpuvirt/vendor-types/$PF"
why=$(gv profiles $PF --json | $PY -c 'import json,sys
p = [p for p in json.load(sys.stdin)["profiles"] if p["id"] == "706"]
print(p[0]["available"], p[0]["name"], "|", p[0]["unavailable_reason"])')
check_eq "706 listed, closed, with the rule" \
	"0 NVIDIA A100DX-20C | one vGPU type per GPU, and it runs 707 (1 instance); still creatable there: 707 (3 free)" "$why"
UA=$(field uuid <<<"$out")
UB=$(gv create 707 --gpu $PF --json | field uuid)
check_eq "80 GB used: no VF can create a 40C" 0 "$(avail $PF 707)"
expect_err "profile 707 has no room: $PF: its 2 instances hold 80 GiB of framebuffer, and the driver offers no more" "$GPUVIRT --root $M create 707 --gpu $PF"
check_true "instances list the VF" grep -q "0000:07:00.5" <<<"$(gv instances)"
expect_ok "$GPUVIRT --root $M destroy $UB >/dev/null"
expect_ok "$GPUVIRT --root $M destroy $UA >/dev/null"
check_eq "all four VFs free again" 4 "$(avail $PF 706)"
check_eq "VF released" 0 "$(cat "$M/sys/bus/pci/devices/$VF/nvidia/current_vgpu_type")"
# VFs whose lists differ: the first free VF (07:00.4) does not offer 707;
# the pick must take a VF that does, not the first free one.
echo "offers 0000:07:00.4 706" > "$M/.simhost/control"
check_false "07:00.4 no longer offers 707" grep -q "^707 " "$M/sys/bus/pci/devices/0000:07:00.4/nvidia/creatable_vgpu_types"
check_true "07:00.5 still does" grep -q "^707 " "$M/sys/bus/pci/devices/0000:07:00.5/nvidia/creatable_vgpu_types"
out=$(gv create 707 --gpu $PF --json)
check_eq "707 on the first VF that offers it" 0000:07:00.5 "$(field vf <<<"$out")"
expect_ok "$GPUVIRT --root $M destroy $(field uuid <<<"$out") >/dev/null"
out=$(gv create 706 --gpu $PF --json)
check_eq "706 still on the first free VF" 0000:07:00.4 "$(field vf <<<"$out")"
expect_ok "$GPUVIRT --root $M destroy $(field uuid <<<"$out") >/dev/null"
simhost_cleanup
simhost_mount l40s; M=$MNT
for i in 1 2; do gv create "NVIDIA L40S-24Q" --gpu 41:00.0 >/dev/null || fail "L40S-24Q $i"; done
expect_err "has no room: 0000:41:00.0:" "$GPUVIRT --root $M create 'NVIDIA L40S-24Q' --gpu 41:00.0"
check_eq "spread puts the next on the other L40S" 0000:c1:00.0 \
	"$(gv create 'NVIDIA L40S-24Q' --policy spread --json | field parent)"
simhost_cleanup

# ---- AMD SR-IOV (MxGPU) and Intel GVT-g -----------------------------------
simhost_mount amd-mxgpu; M=$MNT
echo "load vfio-pci" > "$M/.simhost/control"
out=$(gv create sriov-vf --gpu 03:00.0 --json)
VF=$(field vf <<<"$out")
check_eq "a VF handed to vfio-pci" vfio-pci "$(basename "$(readlink "$M/sys/bus/pci/devices/$VF/driver")")"
gv create sriov-vf --gpu 03:00.0 >/dev/null || fail "second VF"
expect_err "profile sriov-vf has no room: 0000:03:00.0: each of its 2 enabled VFs is taken; nothing else is creatable there now" "$GPUVIRT --root $M create sriov-vf --gpu 03:00.0"
check_eq "MI210 has no VFs yet" 0 "$(cat "$M/sys/bus/pci/devices/0000:c1:00.0/sriov_numvfs")"
gv create sriov-vf --gpu c1:00.0 >/dev/null || fail "MI210 VF"
check_eq "VFs enabled on demand" 8 "$(cat "$M/sys/bus/pci/devices/0000:c1:00.0/sriov_numvfs")"
# Enabled for VMs: no VF ever met the PF's host driver (whose probe could
# release vfio-pci later), and the PF's autoprobe setting is back.
bound=0
for l in "$M"/sys/bus/pci/devices/0000:c1:00.0/virtfn*; do
	d=$(basename "$(readlink "$l/driver" 2>/dev/null)" 2>/dev/null)
	[ -n "$d" ] && [ "$d" != vfio-pci ] && bound=$((bound + 1))
done
check_eq "the other VFs have no host driver" 0 "$bound"
check_eq "sriov_drivers_autoprobe put back" 1 "$(cat "$M/sys/bus/pci/devices/0000:c1:00.0/sriov_drivers_autoprobe")"
check_eq "autoprobe was off while the VFs were made" "0 8 1" \
	"$(grep -E '0000:c1:00.0/(sriov_drivers_autoprobe|sriov_numvfs)' "$M/.simhost/log" | cut -f2 | sed 's/\\n//' | tr '\n' ' ' | sed 's/ $//')"
U=$(gv instances --json | $PY -c 'import json,sys; print([i["uuid"] for i in json.load(sys.stdin)["instances"] if i["vf"]==sys.argv[1]][0])' "$VF")
expect_ok "$GPUVIRT --root $M destroy $U >/dev/null"
check_false "the VF left vfio-pci" test "$(basename "$(readlink "$M/sys/bus/pci/devices/$VF/driver")")" = vfio-pci
simhost_cleanup
simhost_mount gvtg-laptop; M=$MNT
gv create i915-GVTg_V5_4 >/dev/null || fail "GVT-g V5_4"
check_eq "GVT-g: the shared budget shrinks for V5_8" 2 "$(avail 0000:00:02.0 i915-GVTg_V5_8)"
gv create i915-GVTg_V5_4 >/dev/null || fail "GVT-g second V5_4"
expect_err "profile i915-GVTg_V5_8 has no room: 0000:00:02.0: the 2 instances of its other types use the room" "$GPUVIRT --root $M create i915-GVTg_V5_8"
simhost_cleanup

# ---- a failure at each write leaves nothing behind -------------------------
for host in t4 a100x8 amd-mxgpu; do
	case $host in
	t4) args="nvidia-231 --gpu $T1" ;;
	a100x8) args="707 --gpu 07:00.0" ;;
	amd-mxgpu) args="sriov-vf --gpu c1:00.0" ;;
	esac
	simhost_mount $host; M=$MNT
	echo "load vfio-pci" > "$M/.simhost/control"
	check_true "$host: the create whose writes are failed one by one" gv create $args >/dev/null
	mapfile -t paths < <(cut -f1 "$M/.simhost/log")
	simhost_cleanup
	# Every mechanism writes at least its create (mdev), the VF's type
	# (vendor), or its VF count and a binding (SR-IOV): a loop of none
	# would test nothing.
	case $host in t4) min=1 ;; a100x8) min=1 ;; amd-mxgpu) min=4 ;; esac
	check_true "$host: ${#paths[@]} writes to fail, at least $min" test "${#paths[@]}" -ge $min
	for ((i = 0; i < ${#paths[@]}; i++)); do
		path=${paths[$i]}
		nth=0
		for ((k = 0; k <= i; k++)); do [ "${paths[$k]}" = "$path" ] && nth=$((nth + 1)); done
		simhost_mount $host; M=$MNT
		echo "load vfio-pci" > "$M/.simhost/control"
		before=$(gv profiles --json | grep -v '"root"')
		echo "fail $path $nth EIO" > "$M/.simhost/control"
		gv create $args >/dev/null 2>&1
		check_eq "$host: failing write $((i + 1)) ($path) fails the create" 70 $?
		check_eq "$host: failing write $((i + 1)): no instance" 0 "$(count_instances)"
		if [ "$host" != amd-mxgpu ] || [ $i -gt 0 ]; then # enabling VFs stays done
			check_eq "$host: failing write $((i + 1)): profiles as before" "$before" "$(gv profiles --json | grep -v '"root"')"
		fi
		check_eq "$host: failing write $((i + 1)): no journal" "" "$(ls "$M/run/gpuvirt" 2>/dev/null | grep create-)"
		simhost_cleanup
	done
done

# ---- a crash in the middle, then recovery ---------------------------------
simhost_mount t4; M=$MNT
echo "delay sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/mdev_supported_types/nvidia-231/create 1 800" \
	> "$M/.simhost/control"
"$GPUVIRT" --root "$M" create nvidia-231 --gpu $T1 >/dev/null 2>&1 &
pid=$!
T231=sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/mdev_supported_types/nvidia-231/create
check_true "the create is held in the kernel" simhost_wait_delayed begun $T231
kill -9 $pid
wait $pid 2>/dev/null
check_true "and lands after the kill" simhost_wait_delayed done $T231
check_true "killed mid-create: the journal stays" bash -c "ls $M/run/gpuvirt | grep -q create-"
check_eq "the orphan exists" 1 "$(count_instances)"
expect_ok "$GPUVIRT --root $M recover >/dev/null"
check_eq "recover removes the orphan" 0 "$(count_instances)"
check_eq "and its journal" "" "$(ls "$M/run/gpuvirt" | grep create-)"
simhost_cleanup

# ---- 8 processes race for the last 4 instances ----------------------------
simhost_mount t4; M=$MNT
pids=()
for i in 1 2 3 4 5 6 7 8; do
	"$GPUVIRT" --root "$M" create nvidia-233 --wait >/dev/null 2>"$M/race-$i.err" &
	pids+=($!)
done
wins=0
for p in "${pids[@]}"; do wait "$p" && wins=$((wins + 1)); done
check_eq "exactly as many winners as instances (2 per T4)" 4 "$wins"
check_eq "4 instances exist" 4 "$(count_instances)"
check_eq "the losers were told it has no room" 4 "$(cat "$M"/race-*.err | grep -c "has no room")"
rm -f "$M"/race-*.err
simhost_cleanup

simhost_summary
