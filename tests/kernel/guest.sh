#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the real-kernel guest, chrooted into the machine's root: the
# library, the tool and the examples built on the machine, against a real
# kernel's vfio-pci, mdev core and SR-IOV. Each scenario has its twin on
# the simulated host (tests/kernel/README.md lists them).
# usage: guest.sh SRC BUILD BOOT RESULTS   (BOOT: iommu-on or iommu-off)
set -u
SRC=$1 BUILD=$2 BOOT=$3 RESULTS=$4
G=$BUILD/gpuvirt
EX=$BUILD/examples
PY=/usr/bin/python3
export GPUVIRT_LOG=err
# shellcheck source=guest-lib.sh
. "$SRC/tests/kernel/guest-lib.sh"
finding() { # CODE [SUBJECT] -> severity
	"$G" check --json | $PY -c 'import json,sys
d=json.load(sys.stdin); s=sys.argv[2] if len(sys.argv)>2 else None
print([f["severity"] for f in d["findings"] if f["code"]==sys.argv[1] and f["subject"]==s][0])' "$@"
}
# A process that opens GROUP's VFIO node and DEVICE in it, as QEMU does: its
# pid in hpid once it holds them (/tmp/holder.ready).
hold() {
	rm -f /tmp/holder.ready
	"$BUILD/tests/vfio-holder" "$1" "$2" /tmp/holder.ready &
	hpid=$!
	for _ in $(seq 100); do [ -s /tmp/holder.ready ] && break; sleep 0.1; done
}
VGA=0000:00:02.0   # -device VGA: boot VGA, bochs-drm
DISP=0000:00:03.0  # bochs-display: bochs-drm
ATI=0000:00:04.0   # ati-vga: vendor 1002, no driver
NVME=0000:00:05.0  # nvme with SR-IOV
QXL=0000:00:0a.0   # qxl: a 4 GiB 64-bit prefetchable BAR4, no driver

# The guest's /tmp is its own (private-tmp), whatever the machine's holds.
check_eq "/tmp is the guest's tmpfs" tmpfs "$(stat -f -c %T /tmp)"

# ---- discovery: the tool against sysfs ------------------------------------
out=$("$G" list --all --json)
check_true "list --all agrees with sysfs" $PY - "$out" <<'EOF'
import json, os, sys
doc = json.loads(sys.argv[1])
sysfs = sorted(os.listdir("/sys/bus/pci/devices"))
assert [d["bdf"] for d in doc["devices"]] == sysfs, "BDFs"
for d in doc["devices"]:
    base = "/sys/bus/pci/devices/" + d["bdf"]
    rd = lambda a: open(base + "/" + a).read().strip()
    assert d["vendor_id"] == rd("vendor")[2:] and d["device_id"] == rd("device")[2:], d["bdf"]
    assert d["class"] == rd("class")[2:], d["bdf"]
    drv = os.path.basename(os.readlink(base + "/driver")) if os.path.exists(base + "/driver") else None
    assert d["driver"] == drv, (d["bdf"], d["driver"], drv)
    grp = int(os.path.basename(os.readlink(base + "/iommu_group"))) if os.path.exists(base + "/iommu_group") else None
    assert d["iommu_group"] == grp, (d["bdf"], d["iommu_group"], grp)
    if grp is not None:
        assert d["iommu_group_members"] == sorted(os.listdir("/sys/kernel/iommu_groups/%d/devices" % grp))
    if os.path.exists(base + "/sriov_totalvfs"):
        assert d["sriov"]["total_vfs"] == int(rd("sriov_totalvfs")), d["bdf"]
EOF
check_eq "the VGA device is a GPU on bochs-drm" bochs-drm "$("$G" show $VGA --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"]["driver"])')"
check_true "ati-vga (1002) found without a driver" bash -c "'$G' list | grep -q '^$ATI .*1002:'"

# ---- checks ---------------------------------------------------------------
if [ "$BOOT" = iommu-on ]; then
	check_eq "iommu.enabled passes" pass "$(finding iommu.enabled)"
	check_eq "interrupt remapping passes (intremap=on)" pass "$(finding iommu.interrupt_remapping)"
	check_eq "vfio-pci found" pass "$(finding module.vfio_pci)"
	check_eq "the VGA device has a group" pass "$(finding gpu.iommu_group $VGA)"
else
	check_eq "iommu.enabled fails" fail "$(finding iommu.enabled)"
	# The remedy names the IOMMU of the CPU's vendor (QEMU's -cpu max is AMD).
	check_true "with the remedy" bash -c "'$G' check | grep -A1 'IOMMU is enabled by kernel' | grep -qE -- '-> .*(intel_iommu=on|AMD-Vi)'"
	rc=0; "$G" check >/dev/null || rc=$?
	check_eq "gpuvirt check exits 2" 2 "$rc"
	check_eq "vfio-pci refuses a device without a group" 70 "$("$G" bind $DISP >/dev/null 2>&1; echo $?)"
fi

if [ "$BOOT" = iommu-on ]; then
	# ---- binding: vfio-pci, a VFIO container, and back ----------------
	# `gpuvirt monitor` (the library's monitor) in one process receives
	# the kernel's uevents of a bind made by another.
	"$G" monitor --json >/tmp/events 2>/tmp/mon.err &
	mpid=$!
	for _ in $(seq 100); do [ -s /tmp/events ] && break; sleep 0.1; done
	check_true "gpuvirt monitor listens" grep -q '"listening":\["pci","mdev"\]' /tmp/events
	# Debian's modules.alias: vfio_pci's own "vfio_pci:" entry is no variant.
	check_true "--for kvm is vfio-pci here" bash -c "'$G' bind $DISP --for kvm --dry-run | grep -q '^Plan: 1 device to vfio-pci, '"
	check_true "bind the display to vfio-pci" "$G" bind $DISP --for kvm
	check_eq "on vfio-pci" vfio-pci "$(drv $DISP)"
	# Linux 6.1 makes vfio-dev/vfioN without a dev number (cdevs are 6.6+):
	# bind waited for no /dev/vfio/devices node, and show names no cdev.
	check_true "vfio-dev/vfioN, without a dev number" \
		bash -c "ls /sys/bus/pci/devices/$DISP/vfio-dev | grep -q '^vfio[0-9]' && ! ls /sys/bus/pci/devices/$DISP/vfio-dev/*/dev"
	check_true "no /dev/vfio/devices" test ! -e /dev/vfio/devices
	check_eq "show names no cdev" None \
		"$("$G" show $DISP --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"].get("vfio_cdev"))')"
	for _ in $(seq 50); do grep -q "\"event\":\"bind\",\"subject\":\"$DISP\"" /tmp/events && break; sleep 0.1; done
	rc=0; kill -TERM $mpid; wait $mpid || rc=$?
	check_eq "monitor ends with 0 on SIGTERM" 0 "$rc"
	evs=$($PY -c 'import json,sys
for l in list(open(sys.argv[1]))[1:]:
    e = json.loads(l)
    if e["subject"] == sys.argv[2] and e["event"] in ("bind", "unbind"):
        print(e["event"], end=" ")' /tmp/events $DISP)
	check_eq "the monitor received the unbind from bochs-drm and the bind to vfio-pci, in that order" "unbind bind " "$evs"
	check_true "each event is timed" grep -qE '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z"' /tmp/events
	rc=0; "$G" monitor --json --count 1 >/tmp/one 2>&1 &
	mpid=$!
	for _ in $(seq 100); do [ -s /tmp/one ] && break; sleep 0.1; done
	echo change >/sys/bus/pci/devices/$DISP/uevent
	for _ in $(seq 50); do kill -0 $mpid 2>/dev/null || break; sleep 0.1; done
	kill -0 $mpid 2>/dev/null && kill $mpid # no event came: its one line fails the check below
	wait $mpid || rc=$?
	check_eq "--count 1 ends after one event, with 0" "0 2" "$rc $(wc -l </tmp/one)"
	grp=$(basename "$(readlink /sys/bus/pci/devices/$DISP/iommu_group)")
	check_true "/dev/vfio/$grp" test -c /dev/vfio/$grp
	check_true "a VFIO container opens on the group" $PY - "$grp" <<'EOF'
import fcntl, os, struct, sys
VFIO_TYPE, VFIO_BASE = ord(";"), 100
IO = lambda n: (VFIO_TYPE << 8) | (VFIO_BASE + n)
GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU = IO(0), IO(1), IO(2)
GROUP_GET_STATUS, GROUP_SET_CONTAINER = IO(3), IO(4)
container = os.open("/dev/vfio/vfio", os.O_RDWR)
assert fcntl.ioctl(container, GET_API_VERSION) == 0
assert fcntl.ioctl(container, CHECK_EXTENSION, 1) == 1          # VFIO_TYPE1_IOMMU
group = os.open("/dev/vfio/" + sys.argv[1], os.O_RDWR)
status = bytearray(struct.pack("II", 8, 0))
fcntl.ioctl(group, GROUP_GET_STATUS, status)  # VFIO's ioctls are _IO: argsz leads the struct
argsz, flags = struct.unpack("II", status)
assert flags & 1, "group not viable"
fcntl.ioctl(group, GROUP_SET_CONTAINER, struct.pack("i", container))
fcntl.ioctl(container, SET_IOMMU, 1)
EOF
	# ---- a process holds the device, as QEMU does: nothing takes it -----
	hold "$grp" "$DISP"
	check_true "the holder has the group and the device open" test -s /tmp/holder.ready
	rc=0; "$G" unbind $DISP 2>/tmp/err || rc=$?
	check_eq "unbind refused while a process holds it" 70 "$rc"
	check_true "naming the process and the node" grep -q "pid $hpid (vfio-holder) has /dev/vfio/$grp open" /tmp/err
	check_eq "still on vfio-pci" vfio-pci "$(drv $DISP)"
	rc=0; "$G" bind $DISP --for pci-stub --force 2>/tmp/err || rc=$?
	check_eq "--force does not take a VM's device" 70 "$rc"
	check_true "nothing overrides that" grep -q "nothing overrides that" /tmp/err
	check_true "show names the holder" bash -c "'$G' show $DISP | grep -q 'held by.*pid $hpid (vfio-holder)'"
	check_eq "check: a VM uses it where it is" info "$(finding gpu.driver.in_use $DISP)"
	# A holder the library cannot see (a root without proc/): the kernel
	# blocks the unbind; the caller is free at the deadline, and recovery
	# finishes once the holder lets go.
	mkdir -p /run/noproc && mount --rbind / /run/noproc && mount -t tmpfs none /run/noproc/proc
	t0=$(date +%s%N); rc=0
	"$G" --root /run/noproc --timeout 1500 unbind $DISP 2>/tmp/err || rc=$?
	took=$((($(date +%s%N) - t0) / 1000000))
	check_eq "a blocked unbind ends in a timeout" 70 "$rc"
	check_true "within the deadline ($took ms)" test "$took" -lt 6000
	check_true "saying that recover finishes it" grep -q "gpuvirt recover finishes" /tmp/err
	check_true "the journal stays" test -e /run/gpuvirt/group-$grp.journal
	# (The kernel drops the driver link before it blocks in vfio-pci's remove.)
	check_true "recover leaves it to the blocked write" "$G" recover
	check_true "whose journal stays" test -e /run/gpuvirt/group-$grp.journal
	kill $hpid; wait $hpid 2>/dev/null
	for _ in $(seq 100); do [ -z "$(drv $DISP)" ] && break; sleep 0.1; done
	check_true "recover gives it back once the holder is gone" "$G" recover
	check_eq "back on bochs-drm after recovery" bochs-drm "$(drv $DISP)"
	check_true "no journal left" test ! -e /run/gpuvirt/group-$grp.journal
	umount -l /run/noproc
	check_true "bind the display again" "$G" bind $DISP --for kvm
	# The boot VGA device: fbcon is on bochs-drm's framebuffer. Refused
	# naming it; --force releases the vtcon first (the plan's console step);
	# a process holds the VGA's VFIO device; unbind gives the console back.
	fbvt() { grep -l "frame buffer device" /sys/class/vtconsole/vtcon*/name 2>/dev/null | head -1 | cut -d/ -f5; }
	vt=$(fbvt)
	check_true "fbcon has a vtcon" test -n "$vt"
	check_eq "bound" 1 "$(cat /sys/class/vtconsole/$vt/bind)"
	check_eq "on the VGA's framebuffer" $VGA "$(basename "$(readlink /sys/class/graphics/fb0/device)")"
	rc=0; "$G" bind $VGA 2>/tmp/err || rc=$?
	check_eq "the boot VGA is refused" 70 "$rc"
	check_true "naming the console" grep -q "the host console holds it ($vt (fbcon))" /tmp/err
	check_true "the plan releases it first" bash -c \
		"'$G' bind $VGA --force --dry-run | grep -q '^   1\. $VGA console .*sys/class/vtconsole/$vt/bind <- 0'"
	check_true "bind the VGA device with --force" "$G" bind $VGA --force
	check_eq "VGA on vfio-pci" vfio-pci "$(drv $VGA)"
	check_true "fbcon released" test "$(cat /sys/class/vtconsole/$vt/bind 2>/dev/null)" != 1
	check_true "the journal keeps it" grep -q "^handover vtcon $vt -" /run/gpuvirt/group-*.journal
	vgrp=$(basename "$(readlink /sys/bus/pci/devices/$VGA/iommu_group)")
	hold "$vgrp" "$VGA"
	check_true "a process has the VGA's device open" test -s /tmp/holder.ready
	rc=0; "$G" unbind $VGA 2>/tmp/err || rc=$?
	check_eq "unbind refused while it holds it" 70 "$rc"
	check_true "the console stays released meanwhile" test "$(cat /sys/class/vtconsole/$vt/bind 2>/dev/null)" != 1
	kill $hpid; wait $hpid 2>/dev/null
	check_true "VGA given back" "$G" unbind $VGA
	check_eq "VGA back on bochs-drm" bochs-drm "$(drv $VGA)"
	vt=$(fbvt)
	check_true "fbcon's vtcon is back" test -n "$vt"
	check_eq "bound to the console again" 1 "$(cat /sys/class/vtconsole/$vt/bind 2>/dev/null)"
	check_true "give it back" "$G" unbind $DISP
	check_eq "back on bochs-drm" bochs-drm "$(drv $DISP)"
	check_eq "override cleared" "(null)" "$(cat /sys/bus/pci/devices/$DISP/driver_override)"
	rc=0; "$G" bind $DISP --for nvme 2>/tmp/err || rc=$?
	check_eq "a driver that does not match: exit 70" 70 "$rc"
	check_true "its ID table is named" grep -q "driver nvme does not handle it" /tmp/err
	check_eq "still on bochs-drm" bochs-drm "$(drv $DISP)"
	check_eq "no override left" "(null)" "$(cat /sys/bus/pci/devices/$DISP/driver_override)"
	shared=$(ls /sys/kernel/iommu_groups/"$(basename "$(readlink /sys/bus/pci/devices/0000:00:1f.0/iommu_group)")"/devices | wc -l)
	check_true "the ICH9 group is shared ($shared functions)" test "$shared" -gt 1
	rc=0; "$G" bind 0000:00:1f.3 2>/tmp/err || rc=$?
	check_eq "a shared group is refused" 70 "$rc"
	check_true "naming a group-mate" grep -q "also holds 0000:00:1f" /tmp/err
fi

# ---- profiles: the kernel's sample mdev drivers -----------------------------
out=$("$G" profiles --json)
check_true "mbochs/mdpy/mtty types with parsed framebuffers" $PY - "$out" <<'EOF'
import json, sys
p = {x["id"]: x for x in json.loads(sys.argv[1])["profiles"]}
assert p["mbochs-small"]["framebuffer_bytes"] == 4 << 20 and p["mbochs-large"]["framebuffer_bytes"] == 64 << 20
assert p["mdpy-vga"]["framebuffer_bytes"] == 640 * 480 * 4 and p["mdpy-hd"]["max_resolution"] == "1920x1080"
assert "mtty-1" in p and p["mtty-2"]["available"] == 12
assert all(x["parent"] == x["id"].split("-")[0] for x in p.values() if x["id"].startswith(("mbochs", "mdpy", "mtty")))
EOF
if [ "$BOOT" = iommu-on ]; then
	# A process holds an mbochs instance (its group and device): destroy refuses.
	u=$("$G" create mbochs-small --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["instance"]["uuid"])')
	mgrp=$(basename "$(readlink /sys/bus/mdev/devices/$u/iommu_group)")
	hold "$mgrp" "$u"
	rc=0; "$G" destroy "$u" 2>/tmp/err || rc=$?
	check_eq "destroy refused while a process holds the instance" 70 "$rc"
	check_true "naming the process" grep -q "pid $hpid (vfio-holder)" /tmp/err
	check_true "the instance is still there" test -e /sys/bus/mdev/devices/$u
	kill $hpid; wait $hpid 2>/dev/null
	check_true "destroyed once the holder is gone" "$G" destroy "$u"
	check_true "gone" test ! -e /sys/bus/mdev/devices/$u
fi
# A verdict is a promise: on this kernel too, check's yes means bind and
# create (dry runs) proceed.
check_true "verdicts equal the dry-run plans" $PY "$SRC/tests/test-verdicts.py" "$G" --root /
n=0
while "$G" create mdpy-vga >/dev/null 2>/tmp/err; do n=$((n + 1)); [ $n -gt 10 ] && break; done
check_eq "mdpy instances until the kernel says no" 4 "$n"
check_true "the error names the profile and its parent" grep -q "profile mdpy-vga has no room: mdpy: " /tmp/err
for u in $("$G" instances --json | $PY -c 'import json,sys; [print(i["uuid"]) for i in json.load(sys.stdin)["instances"]]'); do
	"$G" destroy "$u" >/dev/null || fail "destroy $u"
done
check_eq "all released" 0 "$(ls /sys/bus/mdev/devices | wc -l)"
check_eq "mdpy free again" 4 "$(cat /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/available_instances)"

# The project's own mdev parent on a PCI function (QEMU's edu device), with
# NVIDIA-style accounting: one type per parent at a time.
EDU=0000:00:08.0
out=$("$G" profiles $EDU --json)
check_true "edu's types listed under the PCI parent, parsed" $PY - "$out" <<'EOF'
import json, sys
p = {x["id"]: x for x in json.loads(sys.argv[1])["profiles"]}
q = p["gpuvirt-edu-1Q"]
assert q["parent"] == "0000:00:08.0" and q["mechanism"] == "mdev" and q["name"] == "GPUVIRT EDU-1Q"
assert q["framebuffer_bytes"] == 1 << 30 and q["vgpu_class"] == "Q" and q["max_instances"] == 4
assert q["available"] == 4 and p["gpuvirt-edu-2Q"]["available"] == 2
EOF
u1=$("$G" create "GPUVIRT EDU-1Q" --gpu $EDU --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["instance"]["uuid"])')
check_true "an instance on the PCI parent" test -L /sys/bus/mdev/devices/"$u1"
check_eq "the kernel closes the other types" 0 "$(cat /sys/bus/pci/devices/$EDU/mdev_supported_types/gpuvirt-edu-2Q/available_instances)"
rc=0; "$G" create gpuvirt-edu-2Q --gpu $EDU 2>/tmp/err >/dev/null || rc=$?
check_eq "one type per parent: the other type is refused" 70 "$rc"
check_true "as having no room, with the rule and what is still creatable" grep -q "profile gpuvirt-edu-2Q has no room: $EDU: the 1 instance of its other types use the room; still creatable there: gpuvirt-edu-1Q (3 free)" /tmp/err
n=1
while "$G" create gpuvirt-edu-1Q >/dev/null 2>&1; do n=$((n + 1)); [ $n -gt 10 ] && break; done
check_eq "1Q up to its maximum" 4 "$n"
for u in $(ls /sys/bus/pci/devices/$EDU/mdev_supported_types/gpuvirt-edu-1Q/devices); do
	"$G" destroy "$u" >/dev/null || fail "destroy $u"
done
check_eq "released: 2Q open again" 2 "$(cat /sys/bus/pci/devices/$EDU/mdev_supported_types/gpuvirt-edu-2Q/available_instances)"

if [ "$BOOT" = iommu-on ]; then
	# SR-IOV: the nvme's VFs through the library (listed as an SR-IOV device).
	printf '1b36 0010 * * intel-sriov QEMU NVMe (test)\n' > /tmp/vgpu.txt
	out=$(GPUVIRT_VGPU_TABLE=/tmp/vgpu.txt "$G" create sriov-vf --gpu $NVME --json)
	vf=$($PY -c 'import json,sys; print(json.load(sys.stdin)["instance"]["vf"])' <<<"$out")
	check_eq "VFs enabled through the library" 2 "$(cat /sys/bus/pci/devices/$NVME/sriov_numvfs)"
	check_eq "a VF on vfio-pci" vfio-pci "$(drv "$vf")"
	uuid=$($PY -c 'import json,sys; print(json.load(sys.stdin)["instance"]["uuid"])' <<<"$out")
	check_true "released" env GPUVIRT_VGPU_TABLE=/tmp/vgpu.txt "$G" destroy "$uuid"
	check_true "the VF left vfio-pci" test "$(drv "$vf")" != vfio-pci

	# ---- a nested QEMU takes the example's arguments ---------------------
	# One QMP client for both QEMUs below: connects to /tmp/qmp.sock on
	# import, says qmp_capabilities; send() returns the reply.
	cat >/tmp/qmpclient.py <<'EOF'
import json, socket, time
for _ in range(300):
    try:
        _s = socket.socket(socket.AF_UNIX); _s.connect("/tmp/qmp.sock"); break
    except OSError:
        time.sleep(0.1)
_f = _s.makefile("rw")
def send(m):
    _f.write(json.dumps(m) + "\n"); _f.flush()
    while True:
        r = json.loads(_f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(_f.readline())
send({"execute": "qmp_capabilities"})
EOF
	args=$("$EX/gpuvirt-qemu" --gpu $DISP)
	margs=$("$EX/gpuvirt-qemu" --profile mbochs-small --id vgpu 2>/dev/null)
	rm -f /tmp/qmp.sock
	# shellcheck disable=SC2086
	qemu-system-x86_64 -M q35 -accel tcg -nodefaults -display none -S -m 256 \
		-qmp unix:/tmp/qmp.sock,server=on,wait=off $args $margs >/tmp/qemu.log 2>&1 &
	qpid=$!
	check_true "QMP query-pci shows the GPU and the mdev" $PY - <<'EOF'
import sys; sys.path.insert(0, "/tmp")
from qmpclient import send
def cmd(c):
    return send({"execute": c})
devs = [d for b in cmd("query-pci")["return"] for d in b["devices"]]
ids = sorted(d.get("qdev_id", "") for d in devs)
print("nested QEMU sees:", ids)
assert "hostdev0" in ids and "vgpu0" in ids
cmd("quit")
EOF
	kill $qpid 2>/dev/null # gone after "quit"; not when the check failed before it
	wait $qpid 2>/dev/null
	[ $FAIL -gt 0 ] && tail -20 /tmp/qemu.log

	# ---- and hot-plugs them over QMP into q35's root ports ----------------
	"$EX/gpuvirt-qemu" --gpu $DISP --format qmp >/tmp/qmp.cmds
	"$EX/gpuvirt-qemu" --profile mbochs-small --id vgpu --format qmp --port gpuvirt-rp1 >>/tmp/qmp.cmds 2>/dev/null
	check_true "no root prefix in sysfsdev" grep -q '"sysfsdev": "/sys/bus/mdev/devices/' /tmp/qmp.cmds
	rm -f /tmp/qmp.sock
	qemu-system-x86_64 -M q35 -accel tcg -nodefaults -display none -S -m 256 \
		-device pcie-root-port,id=gpuvirt-rp0,chassis=1,slot=1 -device pcie-root-port,id=gpuvirt-rp1,chassis=2,slot=2 \
		-qmp unix:/tmp/qmp.sock,server=on,wait=off >/tmp/qemu2.log 2>&1 &
	qpid=$!
	check_true "QEMU accepts every device_add, and query-pci shows them behind the ports" $PY - <<'EOF'
import json, sys; sys.path.insert(0, "/tmp")
from qmpclient import send
for line in open("/tmp/qmp.cmds"):
    r = send(json.loads(line))
    print("device_add", json.loads(line)["arguments"]["id"], "->", r)
    assert r == {"return": {}}, r
# The guest has not run: its firmware numbered no bridge, so query-pci
# stops at the ports. QOM has the devices and the bus each sits on.
found = sorted(p["name"] for p in send({"execute": "qom-list", "arguments": {"path": "/machine/peripheral"}})["return"])
print("after hot-plug QEMU has:", found)
assert "hostdev0" in found and "vgpu0" in found, found
for dev, port in (("hostdev0", "gpuvirt-rp0"), ("vgpu0", "gpuvirt-rp1")):
    bus = send({"execute": "qom-get", "arguments": {"path": "/machine/peripheral/" + dev, "property": "parent_bus"}})
    print(dev, "on", bus)
    assert bus["return"].startswith("/machine/peripheral/%s/" % port), bus
send({"execute": "quit"})
EOF
	kill $qpid 2>/dev/null # gone after "quit"; not when the check failed before it
	wait $qpid 2>/dev/null
	[ $FAIL -gt 0 ] && tail -20 /tmp/qemu2.log
	"$G" unbind $DISP >/dev/null || fail "unbind after QEMU"
	for u in $("$G" instances --json | $PY -c 'import json,sys; [print(i["uuid"]) for i in json.load(sys.stdin)["instances"]]'); do
		"$G" destroy "$u" >/dev/null
	done
fi

# ---- BARs: the kernel's resource table, and the window a nested QEMU gets --
if [ "$BOOT" = iommu-on ]; then
	check_true "show's BARs are the kernel's resource table" $PY - "$("$G" show $QXL --json)" $QXL <<'EOF'
import json, sys
doc, bdf = json.loads(sys.argv[1]), sys.argv[2]
want = []
for i, line in enumerate(open("/sys/bus/pci/devices/%s/resource" % bdf).read().splitlines()[:6]):
    start, end, flags = (int(x, 16) for x in line.split())
    if flags & 0x300 and end > start:
        want.append((i, end - start + 1, "io" if flags & 0x100 else "mem64" if flags & 0x100000 else "mem32",
                     bool(flags & 0x2000)))
got = [(b["index"], b["size"], b["type"], b["prefetchable"]) for b in doc["bars"]]
print("kernel:", want, "library:", got)
assert got == want and (4, 4 << 30, "mem64", True) in got, got
assert doc["mmio64_window"] == 8 << 30, doc["mmio64_window"]
EOF
	check_eq "gpu.bars passes (8 GiB fits q35's 32)" pass "$(finding gpu.bars $QXL)"
	args=$("$EX/gpuvirt-qemu" --gpu $QXL --machine pc)
	check_eq "on pc (2 GiB by default) the example sets the window" "-global i440FX-pcihost.pci-hole64-size=8G" \
		"$(head -1 <<<"$args")"
	rm -f /tmp/qmp.sock
	# shellcheck disable=SC2086
	qemu-system-x86_64 -M pc -accel tcg -nodefaults -display none -S -m 256 \
		-qmp unix:/tmp/qmp.sock,server=on,wait=off $args >/tmp/qemu3.log 2>&1 &
	qpid=$!
	check_true "a nested QEMU takes the BAR through vfio-pci, with the window" $PY - <<'EOF'
import sys; sys.path.insert(0, "/tmp")
from qmpclient import send
devs = [d for b in send({"execute": "query-pci"})["return"] for d in b["devices"]]
bar4 = [r for d in devs if d.get("qdev_id") == "hostdev0" for r in d["regions"] if r["bar"] == 4]
print("nested QEMU: BAR4", bar4)
assert bar4 and bar4[0]["size"] == 4 << 30 and bar4[0]["mem_type_64"] and bar4[0]["prefetch"], bar4
hole = send({"execute": "qom-get", "arguments": {"path": "/machine/i440fx", "property": "pci-hole64-size"}})
print("pci-hole64-size", hole)
assert hole["return"] == 8 << 30, hole
send({"execute": "quit"})
EOF
	kill $qpid 2>/dev/null
	wait $qpid 2>/dev/null
	[ $FAIL -gt 0 ] && tail -20 /tmp/qemu3.log
	"$G" unbind $QXL >/dev/null || fail "unbind the qxl"
fi

report "$BOOT" "$RESULTS"
