#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the Xen tier's dom0, chrooted into the machine's root: discovery,
# the Xen-aware checks, binding to pciback against xl's own view, rollback
# after an injected failure, and the Xen examples. Twins on the simulated
# host are listed in tests/xen/README.md.
# usage: dom0.sh SRC BUILD BOOT RESULTS XENDIR   (BOOT: iommu or noiommu;
#        XENDIR holds the domU's vmlinuz and domU.gz)
set -u
SRC=$1 BUILD=$2 BOOT=$3 RESULTS=$4 XENDIR=$5
G=$BUILD/gpuvirt
EX=$BUILD/examples
PY=/usr/bin/python3
export GPUVIRT_LOG=err
PASS=0 FAIL=0
log() { echo "gpuvirt-dom0: $*"; }
pass() { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
check_eq() { if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi; }
check_true() { local w=$1; shift; if "$@"; then pass; else fail "$w"; fi; }
drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
finding() { # CODE [SUBJECT]
	"$G" check --json | $PY -c 'import json,sys
d=json.load(sys.stdin); s=sys.argv[2] if len(sys.argv)>2 else None
print([f["severity"] for f in d["findings"] if f["code"]==sys.argv[1] and f["subject"]==s][0])' "$@"
}
VGA=0000:00:02.0
DISP=0000:00:03.0

# The dom0's /tmp is its own (private-tmp), whatever the machine's holds.
check_eq "/tmp is the dom0's tmpfs" tmpfs "$(stat -f -c %T /tmp)"

# ---- discovery, as dom0 sees it -------------------------------------------
check_eq "the display on bochs-drm" bochs-drm "$(drv $DISP)"
check_true "gpuvirt lists it with its driver" bash -c "'$G' list | grep -q '^$DISP .*bochs-drm'"
check_true "xl info answers" bash -c "xl info | grep -q '^virt_caps'"

# ---- checks know they are in a Xen dom0 -------------------------------------
check_eq "xen-pciback loaded or loadable" pass "$(finding module.xen_pciback)"
check_eq "dom0's missing IOMMU groups are not a failure" info "$(finding iommu.enabled)"
if [ "$BOOT" = iommu ]; then
	check_eq "Xen's I/O virtualisation is on" pass "$(finding xen.iommu)"
	check_true "passthrough verdict: yes" bash -c "'$G' check --json | $PY -c 'import json,sys
d=json.load(sys.stdin); assert [v for v in d[\"devices\"] if v[\"bdf\"]==\"$DISP\"][0][\"passthrough\"][\"ok\"]'"
else
	check_eq "Xen's I/O virtualisation is off: a failure" fail "$(finding xen.iommu)"
	check_true "with the remedy" bash -c "'$G' check | grep -q 'iommu=1'"
	rc=0; "$EX/gpuvirt-xen" $DISP >/dev/null 2>/tmp/err || rc=$?
	check_eq "the example refuses before xl would fail" 1 "$rc"
	check_true "naming xen.iommu" grep -q "xen.iommu" /tmp/err
	# ... and xl does fail, as the check said it would.
	modprobe xen-pciback
	xl pci-assignable-add $DISP >/tmp/xl.log 2>&1 && fail "xl pci-assignable-add succeeded without the IOMMU"
	check_true "xl: failed to quarantine" grep -qi "quarantine" /tmp/xl.log
	xl pci-assignable-remove -r $DISP >/dev/null 2>&1
	echo "$PASS passed, $FAIL failed" > "$RESULTS/result-$BOOT"
	log "$BOOT: $PASS passed, $FAIL failed"
	exit 0
fi

# ---- gpuvirt bind --for xen, against xl's view ----------------------------------
check_true "bind to pciback" "$G" bind $DISP --for xen
check_eq "on pciback" pciback "$(drv $DISP)"
check_true "xl pci-assignable-list lists it" bash -c "xl pci-assignable-list | grep -q '${DISP}'"
check_true "give it back" "$G" unbind $DISP
check_eq "back on bochs-drm" bochs-drm "$(drv $DISP)"
check_false_xl() { ! xl pci-assignable-list | grep -q "$DISP"; }
check_true "xl no longer lists it" check_false_xl

# ---- a device xl made assignable is reported as on pciback -----------------------
check_true "xl pci-assignable-add" xl pci-assignable-add $DISP
check_eq "gpuvirt sees pciback" pciback \
	"$("$G" show $DISP --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"]["driver"])')"
check_true "xl pci-assignable-remove -r" xl pci-assignable-remove -r $DISP
check_eq "back on bochs-drm after xl" bochs-drm "$(drv $DISP)"

# ---- rollback after an injected failure ---------------------------------------
# The last step (driverctl's record) cannot be written: /etc/driverctl.d is a file.
rm -rf /etc/driverctl.d && touch /etc/driverctl.d
before=$(ls /sys/bus/pci/drivers/pciback | grep -c '^0000:')
rc=0; "$G" bind $DISP --for xen --persist 2>/tmp/err || rc=$?
check_eq "the bind fails at its last step" 70 "$rc"
check_true "and says it rolled back" grep -q "back on its original driver" /tmp/err
check_eq "no device on pciback that was not there before" "$before" "$(ls /sys/bus/pci/drivers/pciback | grep -c '^0000:')"
check_eq "the display is back on bochs-drm" bochs-drm "$(drv $DISP)"
rm -f /etc/driverctl.d

# ---- the Xen examples ----------------------------------------------------------
out=$("$EX/gpuvirt-xen" $DISP)
check_eq "gpuvirt-xen prints the xl.cfg line" "pci = [ '$DISP,permissive=0' ]" "$out"
check_true "and the device is assignable for xl" bash -c "xl pci-assignable-list | grep -q '${DISP}'"
check_true "gpuvirt-xen --release" "$EX/gpuvirt-xen" --release $DISP
check_eq "released to bochs-drm" bochs-drm "$(drv $DISP)"
if [ -x "$EX/gpuvirt-libxl" ]; then
	check_true "libxl_device_pci_assignable_add after the checks" "$EX/gpuvirt-libxl" $DISP
	check_true "xl lists what libxl made assignable" bash -c "xl pci-assignable-list | grep -q '${DISP}'"
	check_true "libxl_device_pci_assignable_remove (rebind)" "$EX/gpuvirt-libxl" --remove $DISP
	check_eq "libxl rebound bochs-drm" bochs-drm "$(drv $DISP)"
else
	fail "the libxl example was not built (libxen-dev)"
fi

# ---- a PV domU boots with the example's xl.cfg line and sees the device ----
line=$("$EX/gpuvirt-xen" --permissive $DISP)
cat >/tmp/domu.cfg <<CFG
name = "gpuvirt-domu"
type = "pv"
kernel = "$XENDIR/vmlinuz"
ramdisk = "$XENDIR/domU.gz"
extra = "console=hvc0 quiet"
memory = 256
vcpus = 1
on_poweroff = "destroy"
$line
CFG
if xl create /tmp/domu.cfg >/tmp/create.log 2>&1; then
	pass
	for i in $(seq 240); do xl list gpuvirt-domu >/dev/null 2>&1 || break; sleep 0.5; done
	xl destroy gpuvirt-domu >/dev/null 2>&1
	con=$(cat /var/log/xen/console/guest-gpuvirt-domu.log 2>/dev/null)
	log "domU console: $(grep GPUVIRT-DOMU-PCI <<<"$con" | tr '\n' ';')"
	check_true "the domU ran to the end" grep -q GPUVIRT-DOMU-DONE <<<"$con"
	check_true "the domU sees the display (1234:1111) through pcifront" grep -q "GPUVIRT-DOMU-PCI .* 0x1234:0x1111" <<<"$con"
	[ $FAIL -gt 0 ] && { cat /tmp/create.log; echo "$con" | tail -20; }
else
	fail "xl create: $(tail -5 /tmp/create.log)"
fi
check_true "after the domU: gpuvirt-xen --release" "$EX/gpuvirt-xen" --release $DISP
check_eq "the display is back on its original driver" bochs-drm "$(drv $DISP)"

log "$BOOT: $PASS passed, $FAIL failed"
echo "$PASS passed, $FAIL failed" > "$RESULTS/result-$BOOT"
