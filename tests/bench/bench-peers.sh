#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Binding against driverctl and profiles against mdevctl, on the same
# FUSE-served simulated host, as ratios in one run (root: driverctl and
# mdevctl run in simhost-run's mount namespace).
# usage: tests/bench/bench-peers.sh [RUNS]   (after `make build`)
set -eu
runs=${1:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build
RUN=$top/tests/simhost/simhost-run
export GPUVIRT_LOG=err
mnt=$(mktemp -d)
trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
"$B/tests/simhost-fuse" --hosts "$top/tests/simhost/hosts" --host t4 "$mnt"
time_runs() { # COMMAND... : microseconds per run
	local s e i
	s=$(date +%s%N)
	for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done
	e=$(date +%s%N)
	echo $(((e - s) / runs / 1000))
}
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
bind_cycle() { "$B/gpuvirt" --root "$mnt" bind 3b:00.0 && "$B/gpuvirt" --root "$mnt" unbind 3b:00.0; }
driverctl_cycle() {
	"$RUN" "$mnt" driverctl --nosave set-override 0000:3b:00.0 vfio-pci &&
		"$RUN" "$mnt" driverctl --nosave unset-override 0000:3b:00.0
}
ns_only() { "$RUN" "$mnt" true; }
profiles() { "$B/gpuvirt" --root "$mnt" profiles --json; }
mdevctl_types() { "$RUN" "$mnt" mdevctl types --dumpjson; }

ns_us=$(time_runs ns_only)
ours_bind=$(time_runs bind_cycle)
dc_bind=$(time_runs driverctl_cycle)
dc_net=$((dc_bind - 2 * ns_us))
ours_prof=$(time_runs profiles)
mc_prof=$(time_runs mdevctl_types)
mc_net=$((mc_prof - ns_us))
echo "host t4 (served by simhost-fuse), $runs runs each; simhost-run's namespace costs ${ns_us} us, subtracted"
echo "gpuvirt bind + unbind (plan, journal, lock, verify)         ${ours_bind} us/run"
echo "driverctl set-override + unset-override                     ${dc_net} us/run   ratio $(ratio "$ours_bind" "$dc_net")"
echo "gpuvirt profiles --json (16 types, parsed)                   ${ours_prof} us/run"
echo "mdevctl types --dumpjson                                     ${mc_net} us/run   ratio $(ratio "$ours_prof" "$mc_net")"
