#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shared library exports only gpuvirt_* symbols, each under a GPUVIRT_1.x
# node, with SONAME libgpuvirt.so.1; and against every released baseline
# (tests/abi/vX.Y.Z.abi, one per release tag, never edited) its ABI is
# compatible: abidiff finds no change or removal, and no symbol was added to
# a node that release already had (new symbols go into a new node).
# usage: test-abi.sh LIBRARY ABI_DIR INCLUDE_DIR
set -eu
lib=$1 dir=$2 inc=$3
fail=0
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = libgpuvirt.so.1 ] || { echo "FAIL: SONAME is '$soname'"; fail=1; }
others=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | grep -v '^gpuvirt_' || true)
[ -z "$others" ] || { echo "FAIL: exported symbols outside gpuvirt_*: $others"; fail=1; }
unversioned=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 !~ /@@GPUVIRT_1\.[0-9]+$/ {print $3}')
[ -z "$unversioned" ] || { echo "FAIL: symbols without a GPUVIRT_1.x node: $unversioned"; fail=1; }
count=$(nm -D --defined-only "$lib" | awk '$2 == "T"' | wc -l)
echo "exported functions: $count"
command -v abidiff >/dev/null || { echo "FAIL: abidiff is missing (Debian: abigail-tools)"; exit 1; }
baselines=$(ls "$dir"/v*.abi 2>/dev/null || true)
[ -n "$baselines" ] || { echo "FAIL: no release baseline in $dir"; exit 1; }
for base in $baselines; do
	rel=$(basename "$base" .abi)
	set +e
	abidiff --no-added-syms --headers-dir2 "$inc/gpuvirt" "$base" "$lib" >"$base.diff.$$" 2>&1
	rc=$?
	set -e
	# Bits: 1 error, 2 usage, 4 ABI change (additions), 8 incompatible change.
	if [ $((rc & 11)) -ne 0 ]; then
		cat "$base.diff.$$"
		echo "FAIL: abidiff exit $rc: the ABI broke against $rel"
		fail=1
	fi
	rm -f "$base.diff.$$"
	# Symbols now in a node the release had, but not in the release.
	sed -n "s/.*elf-symbol name='\([^']*\)' version='\([^']*\)'.*/\1 \2/p" "$base" | sort -u >"$base.syms.$$"
	added=$(nm -D --defined-only "$lib" | awk '$2 == "T" {split($3, a, "@@"); print a[1], a[2]}' | sort -u |
		while read -r sym node; do
			grep -q " $node\$" "$base.syms.$$" && ! grep -q "^$sym $node\$" "$base.syms.$$" && echo "$sym@@$node"
		done || true)
	rm -f "$base.syms.$$"
	if [ -n "$added" ]; then
		echo "FAIL: added to a node released in $rel (use a new node): $added"
		fail=1
	else
		echo "abi: compatible with $rel"
	fi
done
[ $fail -eq 0 ] && echo "abi: ok"
exit $fail
