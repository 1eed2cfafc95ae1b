# SPDX-License-Identifier: LGPL-2.1-or-later
# What the real-kernel guest's scripts (guest.sh, persist.sh) share: the
# tally of checks and the device helpers. Source it; then call report BOOT
# RESULTS at the end.
PASS=0 FAIL=0
log() { echo "gpuvirt-guest: $*"; }
pass() { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
check_eq() { if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi; }
check_true() { local w=$1; shift; if "$@"; then pass; else fail "$w"; fi; }
drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
# The boot's tally, on the console and in RESULTS/result-BOOT for run.sh.
report() {
	log "$1: $PASS passed, $FAIL failed"
	echo "$PASS passed, $FAIL failed" >"$2/result-$1"
}
