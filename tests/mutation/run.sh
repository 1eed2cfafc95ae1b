#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Mutation check, before a release: apply each one-line bug of mutants.txt
# alone to a copy of the tree, build, run the tests it names, and report
# whether they failed (killed) or passed (survived). Exit 1 when one
# survives or does not apply. Takes about a minute per mutant.
# usage: tests/mutation/run.sh [WORKDIR [NAME...]]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/gpuvirt-mutation}
shift || true
want=" $* "
rm -rf "$work" && mkdir -p "$work"
git -C "$top" ls-files -z | (cd "$top" && xargs -0 tar -cf - --) | tar -xf - -C "$work/"
cmake -S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGPUVIRT_BUILD_DOCS=OFF >/dev/null || exit 2
cmake --build "$work/build" -j "$(nproc)" >/dev/null || exit 2
killed=0 survived=0 broken=0
while IFS=$'\t' read -r name file text repl tests <&3; do
	case $name in '' | '#'*) continue ;; esac
	[ "$want" != "  " ] && [[ $want != *" $name "* ]] && continue
	cp "$work/$file" "$work/$file.orig"
	if ! /usr/bin/python3 - "$work/$file" "$text" "$repl" <<'PY'; then
import sys
def unescape(t):
    return t.replace("\\n", "\n").replace("\\t", "\t")
path, text, repl = sys.argv[1], unescape(sys.argv[2]), unescape(sys.argv[3])
s = open(path).read()
if s.count(text) != 1:
    sys.exit("mutation: '%s' occurs %d times in %s" % (text, s.count(text), path))
open(path, "w").write(s.replace(text, repl))
PY
		mv "$work/$file.orig" "$work/$file"
		echo "mutant $name: does not apply (the code changed: update mutants.txt)"
		broken=$((broken + 1))
		continue
	fi
	rc=0
	cmake --build "$work/build" -j "$(nproc)" >"$work/$name.build.log" 2>&1 || rc=build
	if [ "$rc" = 0 ]; then
		(cd "$work/build" && GPUVIRT_REQUIRE_FUSE=1 GPUVIRT_STRESS_CYCLES=300 ctest -R "$tests" \
			>"$work/$name.log" 2>&1) || rc=$?
		grep -q "No tests were found" "$work/$name.log" && rc=none
	fi
	case $rc in
	build) echo "mutant $name: does not build (see $work/$name.build.log)"; broken=$((broken + 1)) ;;
	none) echo "mutant $name: no test matches '$tests'"; broken=$((broken + 1)) ;;
	0) echo "mutant $name: SURVIVED ($tests passed; see $work/$name.log)"; survived=$((survived + 1)) ;;
	*)
		echo "mutant $name: killed by $(grep -o '[0-9]* - [a-z-]* (Failed)' "$work/$name.log" |
			sed 's/^[0-9]* - //; s/ (Failed)//' | tr '\n' ' ')"
		killed=$((killed + 1))
		;;
	esac
	mv "$work/$file.orig" "$work/$file"
done 3<"$top/tests/mutation/mutants.txt"
cmake --build "$work/build" -j "$(nproc)" >/dev/null
echo "$killed killed, $survived survived, $broken did not apply or build"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
