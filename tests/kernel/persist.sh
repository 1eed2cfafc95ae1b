#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Host state across a real reboot: run in two boots of the real-kernel guest
# that share /etc/gpuvirt (a 9p folder of the machine). The first enables the
# nvme's VFs and puts one on vfio-pci as an SR-IOV instance, binds the other
# VF to vfio-pci, and makes two mbochs instances, all with --persist; the
# second finds none of it (a fresh kernel), runs `gpuvirt restore`, and finds
# it all back with the same UUIDs, on the same VFs; a second restore changes
# nothing. Twin of tests/simhost/test-restore.sh.
# usage: persist.sh SRC BUILD BOOT RESULTS   (BOOT: persist-1 or persist-2)
set -u
SRC=$1 BUILD=$2 BOOT=$3 RESULTS=$4
G=$BUILD/gpuvirt
PY=/usr/bin/python3
export GPUVIRT_LOG=err
# shellcheck source=guest-lib.sh
. "$SRC/tests/kernel/guest-lib.sh"
NVME=0000:00:05.0
U0=7b0e0c1a-0000-4000-8000-000000000000
U1=7b0e0c1a-0000-4000-8000-000000000001
U2=7b0e0c1a-0000-4000-8000-000000000002
# The nvme counts as an SR-IOV GPU for the library by this table.
printf '1b36 0010 * * intel-sriov QEMU NVMe (test)\n' >/tmp/vgpu.txt
export GPUVIRT_VGPU_TABLE=/tmp/vgpu.txt
# What must survive: the VF count, both VFs' drivers, the instances.
state() {
	echo "vfs $(cat /sys/bus/pci/devices/$NVME/sriov_numvfs)"
	for v in virtfn0 virtfn1; do
		[ -e /sys/bus/pci/devices/$NVME/$v ] && echo "$v $(drv "$(basename "$(readlink /sys/bus/pci/devices/$NVME/$v)")")"
	done
	"$G" instances --json | $PY -c 'import json,sys
print(" ".join(sorted("%s@%s/%s/%s" % (i["uuid"], i["parent"], i["profile"], i["vf"])
	for i in json.load(sys.stdin)["instances"] if i["active"])))'
}
mountpoint -q /etc/gpuvirt || fail "/etc/gpuvirt is not the shared folder"

if [ "$BOOT" = persist-1 ]; then
	out=$("$G" create sriov-vf --gpu $NVME --uuid $U0 --persist --json)
	check_true "an SR-IOV instance, persisted" test -n "$out"
	vf0=$($PY -c 'import json,sys; print(json.load(sys.stdin)["instance"]["vf"])' <<<"$out")
	for v in virtfn0 virtfn1; do
		b=$(basename "$(readlink /sys/bus/pci/devices/$NVME/$v)")
		[ "$b" != "$vf0" ] && other=$b
	done
	check_true "the other VF bound, persisted" "$G" bind "$other" --persist
	check_eq "on vfio-pci" vfio-pci "$(drv "$other")"
	check_true "an mbochs instance, persisted" "$G" create mbochs-small --uuid $U1 --persist
	check_true "another" "$G" create mbochs-small --uuid $U2 --persist
	check_eq "five records (VF count, binding, three instances)" 5 "$(find /etc/gpuvirt -name '*.json' | wc -l)"
	state >"$RESULTS/expect"
	log "$(cat "$RESULTS/expect")"
else
	check_eq "a new kernel: no VFs" "vfs 0" "$(state | head -1)"
	rc=0; "$G" diff >/tmp/diff || rc=$?
	check_eq "diff exits 1 before the restore" 1 "$rc"
	rc=0; "$G" restore >/tmp/restore 2>&1 || rc=$?
	check_eq "restore exits 0" 0 "$rc"
	[ "$rc" = 0 ] || cat /tmp/restore
	check_eq "all back: the same VFs, drivers and UUIDs" "$(cat "$RESULTS/expect")" "$(state)"
	out=$("$G" restore --json)
	check_true "a second restore finds everything in place" $PY -c 'import json,sys
d = json.loads(sys.argv[1]); assert d["not_held"] == 0 and all(i["status"] in ("in-place", "unmanaged") for i in d["items"]), d' "$out"
	check_eq "and changes nothing" "$(cat "$RESULTS/expect")" "$(state)"
	rc=0; "$G" diff >/dev/null || rc=$?
	check_eq "diff exits 0 after it" 0 "$rc"
fi

report "$BOOT" "$RESULTS"
