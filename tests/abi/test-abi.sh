#!/bin/sh
# The shared library exports only gpuvirt_* symbols, under GPUVIRT_1.0, with
# SONAME libgpuvirt.so.1, and its ABI is compatible with the committed baseline
# (abidiff: additions are fine, changes and removals fail).
set -eu
lib=$1 baseline=$2 inc=$3
fail=0
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = libgpuvirt.so.1 ] || { echo "FAIL: SONAME is '$soname'"; fail=1; }
others=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | grep -v '^gpuvirt_' || true)
[ -z "$others" ] || { echo "FAIL: exported symbols outside gpuvirt_*: $others"; fail=1; }
unversioned=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 !~ /@@GPUVIRT_1\.[0-9]+$/ {print $3}')
[ -z "$unversioned" ] || { echo "FAIL: symbols without a GPUVIRT_1.x node: $unversioned"; fail=1; }
count=$(nm -D --defined-only "$lib" | awk '$2 == "T"' | wc -l)
echo "exported functions: $count"
if command -v abidiff >/dev/null; then
	set +e
	abidiff --no-added-syms --headers-dir2 "$inc/gpuvirt" "$baseline" "$lib"
	rc=$?
	set -e
	# Bits: 1 error, 2 usage, 4 ABI change (additions), 8 incompatible change.
	if [ $((rc & 11)) -ne 0 ]; then
		echo "FAIL: abidiff exit $rc: the ABI broke against tests/abi/libgpuvirt.abi"
		fail=1
	fi
else
	echo "FAIL: abidiff is missing (Debian: abigail-tools)"
	fail=1
fi
[ $fail -eq 0 ] && echo "abi: ok"
exit $fail
