#!/bin/sh
# Discovery against lspci on the same simulated host, as a ratio in one run.
# usage: tests/bench/bench-discovery.sh [HOST] [RUNS]   (after `make build`)
set -eu
host=${1:-a100x8} runs=${2:-50}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/build/tests/simhost-build" "$top/tests/simhost/hosts" "$host" "$tmp/root"
n=$("$top/build/gpuvirt" --root "$tmp/root" list --all | tail -n +2 | wc -l)
time_runs() {
	s=$(date +%s%N)
	i=0
	while [ $i -lt "$runs" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
	e=$(date +%s%N)
	echo $(((e - s) / runs / 1000))
}
# lspci reads <sysfs.path>/devices; -nn -k asks for names and drivers as we do.
lspci_us=$(time_runs lspci -A linux-sysfs -O sysfs.path="$tmp/root/sys/bus/pci" -D -nn -k)
ours_us=$(time_runs "$top/build/gpuvirt" --root "$tmp/root" list --all)
json_us=$(time_runs "$top/build/gpuvirt" --root "$tmp/root" list --all --json)
echo "host $host: $n PCI functions, $runs runs each"
echo "lspci -D -nn -k          ${lspci_us} us/run"
echo "gpuvirt list --all       ${ours_us} us/run  ratio $(awk "BEGIN {printf \"%.2f\", $ours_us / $lspci_us}")"
echo "gpuvirt list --all --json ${json_us} us/run  ratio $(awk "BEGIN {printf \"%.2f\", $json_us / $lspci_us}")"
