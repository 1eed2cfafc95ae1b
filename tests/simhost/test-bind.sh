#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Passthrough binding on simulated hosts with the kernel's semantics: whole
# groups, refusals, a failure injected at every write, SIGKILL at every step
# then recovery, two processes racing, driverctl's end state, persistence.
# usage: test-bind.sh SIMHOST_FUSE HOSTS_DIR GPUVIRT
set -u
SIMHOST_FUSE=$(realpath "$1")
SIMHOST_HOSTS=$(realpath "$2")
GPUVIRT=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/simhost-lib.sh"
simhost_require_fuse
trap simhost_cleanup EXIT
export GPUVIRT_MODPROBE=$HERE/modprobe-stub
export GPUVIRT_LOG=err
PY=/usr/bin/python3

gv() { "$GPUVIRT" --root "$M" "$@"; }
drv() { basename "$(readlink "$M/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
ovr() { cat "$M/sys/bus/pci/devices/$1/driver_override"; }
# Every function's driver and override, and the vfio nodes.
state() {
	for d in "$M"/sys/bus/pci/devices/*; do
		printf '%s %s %s\n' "${d##*/}" "$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)" \
			"$(cat "$d/driver_override")"
	done
	# (dev/vfio/vfio, the container, stays once the module is loaded)
	ls "$M/dev/vfio" 2>/dev/null | grep -v '^vfio$' | sed 's/^/vfio /'
}
writes() { grep -c . "$M/.simhost/log"; }
GPU=0000:01:00.0
AUD=0000:01:00.1

# ---- a GPU and its audio function, for KVM and for Xen --------------------
simhost_mount workstation; M=$MNT
initial=$(state)
out=$(gv bind $GPU --dry-run)
check_true "dry run lists the audio function's steps" grep -q "$AUD override" <<<"$out"
check_eq "dry run writes nothing" 0 "$(writes)"
expect_ok "$GPUVIRT --root $M bind $GPU --for kvm >/dev/null"
check_eq "GPU on vfio-pci" vfio-pci "$(drv $GPU)"
check_eq "audio moved with it" vfio-pci "$(drv $AUD)"
check_eq "override set" vfio-pci "$(ovr $GPU)"
check_true "/dev/vfio/1" test -e "$M/dev/vfio/1"
check_eq "bridge left alone" pcieport "$(drv 0000:00:01.0)"
check_true "journal records the originals" grep -q "device $AUD snd_hda_intel -" "$M/run/gpuvirt/group-1.journal"
check_true "no writes to new_id" bash -c "! grep -q new_id $M/.simhost/log"
expect_ok "$GPUVIRT --root $M bind $GPU >/dev/null"          # again: nothing to do
expect_ok "$GPUVIRT --root $M unbind $GPU >/dev/null"
check_eq "given back exactly" "$initial" "$(state)"
check_false "journal gone" test -e "$M/run/gpuvirt/group-1.journal"
echo "load pciback" > "$M/.simhost/control"
expect_ok "$GPUVIRT --root $M bind $GPU --for xen >/dev/null"
check_eq "GPU on pciback" pciback "$(drv $GPU)"
check_eq "audio on pciback" pciback "$(drv $AUD)"
check_eq "pciback slots" "$GPU $AUD" "$(tr '\n' ' ' <"$M/sys/bus/pci/drivers/pciback/slots" | sed 's/ $//')"
expect_ok "$GPUVIRT --root $M unbind $AUD >/dev/null"      # any member gives the group back
# Twin of the Xen tier: a device another tool (xl pci-assignable-add) put on
# pciback is reported there, and unbind gives it to the kernel's choice.
expect_ok "echo $GPU > $M/sys/bus/pci/drivers/pciback/new_slot; echo $GPU > $M/sys/bus/pci/drivers/nvidia/unbind; echo $GPU > $M/sys/bus/pci/drivers/pciback/bind"
check_eq "gpuvirt reports xl's pciback" pciback \
	"$(gv show $GPU --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["device"]["driver"])')"
expect_ok "$GPUVIRT --root $M unbind $GPU >/dev/null"
check_eq "unbound without our journal: the kernel's choice" nvidia "$(drv $GPU)"
expect_ok "echo $GPU > $M/sys/bus/pci/drivers/pciback/remove_slot"
check_eq "given back from Xen" "$(grep -v '^vfio' <<<"$initial")" "$(state | grep -v '^vfio')"
check_eq "slots emptied" "" "$(cat "$M/sys/bus/pci/drivers/pciback/slots")"
# The boot VGA iGPU.
expect_err "boot VGA" "$GPUVIRT --root $M bind 00:02.0"
expect_ok "$GPUVIRT --root $M bind 00:02.0 --force >/dev/null"
check_eq "forced" vfio-pci "$(drv 0000:00:02.0)"
expect_ok "$GPUVIRT --root $M unbind 00:02.0 >/dev/null"
check_eq "iGPU back on i915" i915 "$(drv 0000:00:02.0)"
# Bad input changes nothing.
n=$(writes)
expect_err "not a PCI address" "$GPUVIRT --root $M bind ../../etc/passwd"
expect_err "no such PCI device" "$GPUVIRT --root $M bind 0000:09:00.0"
expect_err "not a driver name" "$GPUVIRT --root $M bind $GPU --for ../evil"
check_eq "bad input wrote nothing" "$n" "$(writes)"
simhost_cleanup

# ---- a group shared with another card's devices ---------------------------
simhost_mount bad-group; M=$MNT
initial=$(state)
expect_err "also holds 0000:03:00.0" "$GPUVIRT --root $M bind 02:00.0"
check_eq "refused: nothing written" 0 "$(writes)"
expect_ok "$GPUVIRT --root $M bind 02:00.0 --allow-group >/dev/null"
check_eq "USB controller moved with the group" vfio-pci "$(drv 0000:03:00.0)"
check_eq "NIC moved with the group" vfio-pci "$(drv 0000:04:00.0)"
expect_ok "$GPUVIRT --root $M unbind 02:00.0 >/dev/null"
check_eq "group given back" "$initial" "$(state)"
simhost_cleanup

# ---- a missing module: loaded through modprobe, or an error ---------------
simhost_mount t4; M=$MNT
echo "unload vfio-pci" > "$M/.simhost/control"
initial=$(state)
expect_err "no modprobe is set" "env -u GPUVIRT_MODPROBE $GPUVIRT --root $M bind 3b:00.0"
check_eq "nothing changed without modprobe" "$initial" "$(state)"
expect_ok "$GPUVIRT --root $M bind 3b:00.0 >/dev/null"
check_true "modprobe loaded vfio-pci" test -d "$M/sys/bus/pci/drivers/vfio-pci"
check_eq "and bound" vfio-pci "$(drv 0000:3b:00.0)"
simhost_cleanup

# ---- a failure at every write: the host is as it was ----------------------
simhost_mount workstation; M=$MNT
echo "load vfio-pci" > "$M/.simhost/control"
: > "$M/.simhost/log" 2>/dev/null || true
gv bind $GPU >/dev/null
mapfile -t paths < <(cut -f1 "$M/.simhost/log")
simhost_cleanup
check_true "the bind made its writes (${#paths[@]})" test "${#paths[@]}" -ge 6
for ((i = 0; i < ${#paths[@]}; i++)); do
	path=${paths[$i]}
	nth=0
	for ((k = 0; k <= i; k++)); do [ "${paths[$k]}" = "$path" ] && nth=$((nth + 1)); done
	simhost_mount workstation; M=$MNT
	echo "load vfio-pci" > "$M/.simhost/control"
	initial=$(state)
	echo "fail $path $nth EIO" > "$M/.simhost/control"
	err=$(gv bind $GPU 2>&1 >/dev/null)
	rc=$?
	check_true "write $((i + 1)) ($path) failed: exit 70" test $rc = 70
	check_true "write $((i + 1)): the error names the file" grep -q "${path##*/}" <<<"$err"
	check_eq "write $((i + 1)): every device as it started" "$initial" "$(state)"
	check_false "write $((i + 1)): no journal left" test -e "$M/run/gpuvirt/group-1.journal"
	simhost_cleanup
done

# ---- SIGKILL at every step, then recover -----------------------------------
for ((i = 0; i < ${#paths[@]}; i++)); do
	path=${paths[$i]}
	nth=0
	for ((k = 0; k <= i; k++)); do [ "${paths[$k]}" = "$path" ] && nth=$((nth + 1)); done
	simhost_mount workstation; M=$MNT
	echo "load vfio-pci" > "$M/.simhost/control"
	initial=$(state)
	echo "delay $path $nth 600" > "$M/.simhost/control"
	"$GPUVIRT" --root "$M" bind $GPU >/dev/null 2>&1 &
	pid=$!
	check_true "write $((i + 1)) held" simhost_wait_delayed begun "$path"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# The held write lands after the kill, as a kernel write would.
	check_true "write $((i + 1)) landed" simhost_wait_delayed done "$path"
	check_true "killed at write $((i + 1)): journal left behind" test -e "$M/run/gpuvirt/group-1.journal"
	expect_ok "$GPUVIRT --root $M recover >/dev/null"
	check_eq "killed at write $((i + 1)), recovered: as it started" "$initial" "$(state)"
	check_false "killed at write $((i + 1)): journal gone" test -e "$M/run/gpuvirt/group-1.journal"
	simhost_cleanup
done

# ---- a reset quirk: device_specific as a step, given back -----------------
# The Navi 10 (vendor-reset's quirk): with vendor-reset loaded the plan sets
# reset_method to device_specific first, the journal keeps what it was,
# unbind, a failed step and recovery after SIGKILL all give it back.
NAVI=0000:02:00.0
RM=sys/bus/pci/devices/$NAVI/reset_method
simhost_mount rebar; M=$MNT
check_false "without vendor-reset: no reset step" grep -q reset_method <<<"$(gv bind $NAVI --dry-run)"
echo "modprobe vendor-reset" > "$M/.simhost/control"
out=$(gv bind $NAVI --dry-run)
check_true "with vendor-reset: the first step sets device_specific" \
	grep -q "^   1. $NAVI reset_method $RM <- device_specific" <<<"$out"
initial=$(state)
expect_ok "$GPUVIRT --root $M bind $NAVI >/dev/null"
check_eq "reset_method is device_specific" device_specific "$(cat "$M/$RM")"
check_true "the journal keeps the methods it had" grep -qx "reset $NAVI bus" "$M/run/gpuvirt/group-4.journal"
expect_ok "$GPUVIRT --root $M unbind $NAVI >/dev/null"
check_eq "unbind gives reset_method back" bus "$(cat "$M/$RM")"
check_eq "and every device back" "$initial" "$(state)"
echo "fail sys/bus/pci/drivers_probe 2 EIO" > "$M/.simhost/control"
expect_err "drivers_probe" "$GPUVIRT --root $M bind $NAVI"
check_eq "a failed step: reset_method back" bus "$(cat "$M/$RM")"
check_eq "a failed step: every device back" "$initial" "$(state)"
echo "clear" > "$M/.simhost/control"
echo "fail $RM 1 EINVAL" > "$M/.simhost/control"
expect_err "reset_method" "$GPUVIRT --root $M bind $NAVI"
check_eq "the kernel refused device_specific: nothing moved" "$initial" "$(state)"
echo "clear" > "$M/.simhost/control"
echo "delay sys/bus/pci/drivers/amdgpu/unbind 1 600" > "$M/.simhost/control"
"$GPUVIRT" --root "$M" bind $NAVI >/dev/null 2>&1 &
pid=$!
check_true "unbind of amdgpu held" simhost_wait_delayed begun sys/bus/pci/drivers/amdgpu/unbind
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check_true "the held write landed" simhost_wait_delayed done sys/bus/pci/drivers/amdgpu/unbind
check_eq "killed after the reset step: device_specific" device_specific "$(cat "$M/$RM")"
expect_ok "$GPUVIRT --root $M recover >/dev/null"
check_eq "recovered: reset_method back" bus "$(cat "$M/$RM")"
check_eq "recovered: every device back" "$initial" "$(state)"
simhost_cleanup

# ---- the boot VGA's console: released for the bind, given back -------------
# rebar's 4090 is the boot VGA with efifb and fbcon on it (UEFI, the NVIDIA
# driver without fbdev). --force releases fbcon's vtcon1, then
# efi-framebuffer.0, journaled; unbind, a failed step and recovery after
# SIGKILL give both back.
FB=sys/bus/platform/devices/efi-framebuffer.0
console() {
	printf 'vtcon1 %s fb %s fb0 %s\n' "$(cat "$M/sys/class/vtconsole/vtcon1/bind" 2>/dev/null || echo gone)" \
		"$(basename "$(readlink "$M/$FB/driver" 2>/dev/null || echo none)")" \
		"$(test -e "$M/sys/class/graphics/fb0" && echo yes || echo no)"
}
simhost_mount rebar; M=$MNT
initial=$(state)
console0=$(console)
check_eq "efifb and fbcon hold the boot VGA" "vtcon1 1 fb efi-framebuffer fb0 yes" "$console0"
expect_err "the host console holds it (vtcon1 (fbcon), efi-framebuffer.0 on efi-framebuffer)" \
	"$GPUVIRT --root $M bind $GPU"
check_eq "refused: the console stays" "$console0" "$(console)"
expect_ok "$GPUVIRT --root $M bind $GPU --force >/dev/null"
check_eq "bound" vfio-pci "$(drv $GPU)"
# fbcon's vtcon goes with the last framebuffer (fbcon.c), as on the kernel.
check_eq "console released: efifb unbound, fb0 and vtcon1 gone" "vtcon1 gone fb none fb0 no" "$(console)"
check_eq "vtcon1 first, then efifb, then the GPU" \
	"sys/devices/virtual/vtconsole/vtcon1/bind sys/bus/platform/drivers/efi-framebuffer/unbind sys/devices/pci0000:00/0000:00:01.0/$GPU/driver_override" \
	"$(cut -f1 "$M/.simhost/log" | head -3 | tr '\n' ' ' | sed 's/ $//')"
check_true "the journal keeps the vtcon" grep -qx "handover vtcon vtcon1 -" "$M/run/gpuvirt/group-3.journal"
check_true "and the framebuffer" grep -qx "handover framebuffer efi-framebuffer.0 efi-framebuffer" \
	"$M/run/gpuvirt/group-3.journal"
# Someone gives efifb its device back while the GPU is on vfio-pci (fbcon
# comes back with it); a second bind releases them again, on the record once.
echo efi-framebuffer.0 > "$M/sys/bus/platform/drivers/efi-framebuffer/bind"
check_eq "given back by hand" "$console0" "$(console)"
expect_ok "$GPUVIRT --root $M bind $GPU --force >/dev/null"
check_eq "released again" "vtcon1 gone fb none fb0 no" "$(console)"
check_eq "each on the record once" 2 "$(grep -c '^handover ' "$M/run/gpuvirt/group-3.journal")"
expect_ok "$GPUVIRT --root $M unbind $GPU >/dev/null"
check_eq "unbind gives the console back" "$console0" "$(console)"
check_eq "and every device" "$initial" "$(state)"
# The framebuffer step fails: vtcon1 is bound again by a write of its own.
echo "fail sys/bus/platform/drivers/efi-framebuffer/unbind 1 EBUSY" > "$M/.simhost/control"
: > "$M/.simhost/log"
expect_err "efi-framebuffer.0: writing 'efi-framebuffer.0' to sys/bus/platform/drivers/efi-framebuffer/unbind failed" \
	"$GPUVIRT --root $M bind $GPU --force"
check_eq "a failed framebuffer step: the console as it was" "$console0" "$(console)"
check_eq "vtcon1 given back by writing 1" 1 "$(grep -c "^sys/devices/virtual/vtconsole/vtcon1/bind	1\\\\n	ok" "$M/.simhost/log")"
check_eq "no device moved" "$initial" "$(state)"
echo "clear" > "$M/.simhost/control"
echo "fail sys/bus/pci/drivers_probe 1 EIO" > "$M/.simhost/control"
expect_err "drivers_probe" "$GPUVIRT --root $M bind $GPU --force"
check_eq "a failed probe: the console given back" "$console0" "$(console)"
check_eq "a failed probe: every device back" "$initial" "$(state)"
echo "clear" > "$M/.simhost/control"
echo "delay sys/bus/pci/drivers/nvidia/unbind 1 600" > "$M/.simhost/control"
"$GPUVIRT" --root "$M" bind $GPU --force >/dev/null 2>&1 &
pid=$!
check_true "unbind of nvidia held" simhost_wait_delayed begun sys/bus/pci/drivers/nvidia/unbind
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check_true "the held write landed" simhost_wait_delayed done sys/bus/pci/drivers/nvidia/unbind
check_eq "killed after the console steps: released" "vtcon1 gone fb none fb0 no" "$(console)"
expect_ok "$GPUVIRT --root $M recover >/dev/null"
check_eq "recovered: the console given back" "$console0" "$(console)"
check_eq "recovered: every device back" "$initial" "$(state)"
simhost_cleanup

# ---- VFIO device cdevs (iommufd, Linux 6.6+): waited for, shown, removed ---
simhost_mount rebar; M=$MNT
out=$(gv bind $NAVI --dry-run)
check_true "a wait for each device's cdev" grep -q "$NAVI wait_cdev sys/bus/pci/devices/$NAVI/vfio-dev" <<<"$out"
expect_ok "$GPUVIRT --root $M bind $NAVI >/dev/null"
check_eq "both functions' cdevs" "vfio0 vfio1" "$(ls "$M/dev/vfio/devices" | tr '\n' ' ' | sed 's/ $//')"
check_eq "show names the cdev" vfio0 "$(gv show $NAVI --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"]["vfio_cdev"])')"
expect_ok "$GPUVIRT --root $M unbind $NAVI >/dev/null"
check_eq "unbound: no cdev" "" "$(ls "$M/dev/vfio/devices")"
simhost_cleanup

# ---- Linux 6.1 (the real-kernel recording): vfio-dev/vfioN, no node -----
simhost_mount qemu-q35-iommu-on; M=$MNT
R128=0000:00:03.0
check_false "no cdev to wait for" grep -q wait_cdev <<<"$(gv bind $R128 --dry-run)"
expect_ok "$GPUVIRT --root $M bind $R128 >/dev/null"
check_eq "on vfio-pci" vfio-pci "$(drv $R128)"
# (vfio0 is the recorded mbochs instance's, without a dev number either)
check_eq "vfio-dev/vfio1, as 6.1 makes it" vfio1 "$(ls "$M/sys/bus/pci/devices/$R128/vfio-dev")"
check_false "without a dev number" test -e "$M/sys/bus/pci/devices/$R128/vfio-dev/vfio1/dev"
check_false "nor a node" test -e "$M/dev/vfio/devices"
check_eq "show names no cdev" None \
	"$(gv show $R128 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"].get("vfio_cdev"))')"
expect_ok "$GPUVIRT --root $M unbind $R128 >/dev/null"
check_false "unbound: vfio-dev gone" test -e "$M/sys/bus/pci/devices/$R128/vfio-dev"
simhost_cleanup

# ---- --for kvm takes the vfio-pci variant modules.alias offers ------------
simhost_mount l40s; M=$MNT
VF=0000:41:00.4
check_true "the plan says it is the variant" \
	grep -q "^Plan: 1 device to nvidia_vgpu_vfio (the vfio-pci variant modules.alias offers for it), 5 steps" \
	<<<"$(gv bind $VF --for kvm --dry-run)"
expect_ok "$GPUVIRT --root $M bind $VF --for kvm >/dev/null"
check_eq "loaded and bound to the variant" nvidia_vgpu_vfio "$(drv $VF)"
check_true "its group's VFIO node" test -e "$M/dev/vfio/3"
check_true "the journal names it" grep -qx "target nvidia_vgpu_vfio" "$M/run/gpuvirt/group-3.journal"
expect_ok "$GPUVIRT --root $M unbind $VF >/dev/null"
check_eq "given back" nvidia "$(drv $VF)"
check_false "the node gone" test -e "$M/dev/vfio/3"
expect_ok "$GPUVIRT --root $M bind $VF >/dev/null"
check_eq "a plain bind stays with vfio-pci" vfio-pci "$(drv $VF)"
simhost_cleanup

# ---- the journal is replaced, never rewritten in place ---------------------
simhost_mount workstation; M=$MNT
echo "load vfio-pci" > "$M/.simhost/control"
expect_ok "$GPUVIRT --root $M bind $GPU >/dev/null"
J=run/gpuvirt/group-1.journal
ops=$(grep -v "^[a-z]*	run/lock" "$M/.simhost/files")
check_false "never truncated or written where it lies ($ops)" grep -qE "^(trunc|write)	$J\$" <<<"$ops"
# Each version: a temporary file created, written, synced, renamed over it.
check_true "written to a temporary file, synced, renamed over the journal" $PY - "$ops" "$J" <<'EOF2'
import sys
ops = [l.split("\t") for l in sys.argv[1].splitlines()]
j = sys.argv[2]
renames = [i for i, o in enumerate(ops) if o[0] == "rename" and o[2] == j]
assert len(renames) >= 2, renames  # binding, then bound
for i in renames:
    tmp = ops[i][1]
    mine = [o[0] for o in ops[:i] if o[1] == tmp]
    assert mine[0] == "create" and "write" in mine and mine[-1] == "fsync", (tmp, mine)
EOF2
# A full disk: the unbind cannot record that it begins, so it changes nothing
# and the journal of the binding is intact.
echo "full run/gpuvirt ENOSPC" > "$M/.simhost/control"
err=$(gv unbind $GPU 2>&1 >/dev/null)
check_eq "unbind on a full disk fails" 70 $?
check_true "saying so ($err)" grep -q "No space left on device" <<<"$err"
check_eq "nothing moved" "vfio-pci vfio-pci" "$(drv $GPU) $(drv $AUD)"
check_true "the journal still says bound" grep -q "^state bound\$" "$M/$J"
check_true "and still ends" grep -q "^end\$" "$M/$J"
echo "clear" > "$M/.simhost/control"
expect_ok "$GPUVIRT --root $M unbind $GPU >/dev/null"
check_eq "given back once there is room" "nvidia snd_hda_intel" "$(drv $GPU) $(drv $AUD)"
simhost_cleanup

# ---- a probe the kernel accepts but that binds nothing --------------------
simhost_mount workstation; M=$MNT
echo "load vfio-pci" > "$M/.simhost/control"
initial=$(state)
echo "ignore sys/bus/pci/drivers_probe 1" > "$M/.simhost/control"
err=$(gv bind $GPU 2>&1 >/dev/null)
check_eq "a probe that binds nothing fails the bind" 70 $?
check_true "naming the device left without vfio-pci ($err)" grep -q "$GPU" <<<"$err"
check_eq "everything as it started" "$initial" "$(state)"
check_false "no journal left" test -e "$M/run/gpuvirt/group-1.journal"
simhost_cleanup

# ---- two processes bind the same group at once ----------------------------
simhost_mount workstation; M=$MNT
echo "load vfio-pci" > "$M/.simhost/control"
echo "delay sys/bus/pci/devices/$GPU/driver_override 1 1500" > "$M/.simhost/control"
"$GPUVIRT" --root "$M" bind $GPU >/dev/null 2>&1 &
a=$!
simhost_wait_delayed begun sys/bus/pci/devices/$GPU/driver_override || fail "the first bind's write not held"
err=$(gv bind $AUD 2>&1 >/dev/null)
rc=$?
check_eq "the second process fails" 70 "$rc"
check_true "with EBUSY and the holder's pid ($err)" grep -q "being changed by pid $a.*Device or resource busy" <<<"$err"
wait $a
check_eq "the first one wins" 0 $?
check_eq "bound once, whole" "vfio-pci vfio-pci" "$(drv $GPU) $(drv $AUD)"
# The unbind's last write (giving the GPU back to nvidia) is held: the
# second process waits for the lock, says so, then binds again.
echo "delay sys/bus/pci/drivers/nvidia/bind 1 800" > "$M/.simhost/control"
"$GPUVIRT" --root "$M" unbind $GPU >/dev/null 2>&1 &
a=$!
simhost_wait_delayed begun sys/bus/pci/drivers/nvidia/bind || fail "the unbind's last write not held"
err=$(gv bind $GPU --wait --verbose 2>&1 >/dev/null)
check_eq "bind --wait binds once the unbind is done" 0 $?
check_true "with --verbose, after saying it waits for pid $a ($err)" grep -q "gpuvirt: waiting.*$a" <<<"$err"
wait $a
check_eq "the unbind finished first" 0 $?
check_eq "the waiter bound after the unbind" "vfio-pci vfio-pci" "$(drv $GPU) $(drv $AUD)"
# Without --verbose and not on a terminal, the wait is silent.
echo "delay sys/bus/pci/drivers/nvidia/bind 1 800" > "$M/.simhost/control"
"$GPUVIRT" --root "$M" unbind $GPU >/dev/null 2>&1 &
a=$!
simhost_wait_delayed begun sys/bus/pci/drivers/nvidia/bind || fail "the unbind's last write not held"
err=$(gv bind $GPU --wait 2>&1 >/dev/null)
check_eq "bind --wait binds again" 0 $?
check_eq "nothing said off a terminal" "" "$err"
wait $a
simhost_cleanup

# ---- the same end state as driverctl ---------------------------------------
if [ "$(id -u)" = 0 ] && command -v driverctl >/dev/null; then
	simhost_mount t4; A=$MNT
	simhost_mount t4; M=$MNT
	"$HERE/simhost-run" "$A" driverctl set-override 0000:3b:00.0 vfio-pci
	expect_ok "$GPUVIRT --root $M bind 3b:00.0 --for kvm >/dev/null"
	check_eq "gpuvirt bind --for kvm equals driverctl set-override" "$(M=$A state)" "$(state)"
	simhost_cleanup
	simhost_mount workstation; A=$MNT
	simhost_mount workstation; M=$MNT
	echo "load vfio-pci" > "$A/.simhost/control"
	echo "load vfio-pci" > "$M/.simhost/control"
	"$HERE/simhost-run" "$A" driverctl set-override $GPU vfio-pci
	"$HERE/simhost-run" "$A" driverctl set-override $AUD vfio-pci
	expect_ok "$GPUVIRT --root $M bind $GPU --for kvm --persist >/dev/null"
	check_eq "a group: one bind equals driverctl on each function" "$(M=$A state)" "$(state)"
	check_eq "persisted in driverctl's format" "$(cat "$A/etc/driverctl.d/pci-$GPU")" \
		"$(cat "$M/etc/driverctl.d/pci-$GPU")"
	check_eq "gpuvirt show reports the record" vfio-pci \
		"$(gv show $GPU --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["device"]["persistent_driver"])')"
	# Unbound without --persist, the record stays; driverctl's boot-time
	# command reads it and binds again.
	expect_ok "$GPUVIRT --root $M unbind $GPU >/dev/null"
	check_eq "unbound, record kept" "nvidia vfio-pci" "$(drv $GPU) $(cat "$M/etc/driverctl.d/pci-$GPU")"
	"$HERE/simhost-run" "$M" driverctl load-override $GPU
	check_eq "driverctl load-override reads our record" vfio-pci "$(drv $GPU)"
	"$HERE/simhost-run" "$M" driverctl load-override $AUD
	expect_ok "$GPUVIRT --root $M unbind $GPU --persist >/dev/null"
	check_false "unbind --persist forgets the record" test -e "$M/etc/driverctl.d/pci-$GPU"
	simhost_cleanup
else
	echo "note: not root or no driverctl: the driverctl comparison is skipped"
	[ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ] && fail "the driverctl comparison must run in CI"
fi

simhost_summary
