#!/bin/sh
# Build the fuzz targets with clang and run each for SECONDS (default 15) on
# a copy of its seed corpus (tests/fuzz/corpus/<target>), under ASan and
# UBSan. A crash fails the run; its input is kept in BUILD/crashes/ (add it to
# the corpus with the fix). usage: run.sh [BUILD [SECONDS]]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-fuzz}
secs=${2:-15}
cmake -S "$top/tests/fuzz" -B "$build" -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
mkdir -p "$build/crashes"
passed=0 failed=0
for t in attributes config vgpu_table cmdline_cpuinfo conf_token_json profile vendor_types modules journal record \
	proc_stat want resource simhost; do
	work="$build/corpus-$t"
	rm -rf "$work"
	mkdir -p "$work"
	cp "$top/tests/fuzz/corpus/$t"/* "$work/" 2>/dev/null || true
	if "$build/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$t-" "$work" >"$build/fuzz-$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$t.log")
		echo "fuzz: $t: $runs runs, no crash"
		passed=$((passed + 1))
	else
		echo "fuzz: $t: FAILED (see $build/fuzz-$t.log, inputs in $build/crashes/)"
		tail -30 "$build/fuzz-$t.log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
