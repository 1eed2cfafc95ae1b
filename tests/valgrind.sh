#!/bin/sh
# The Check suites under valgrind's memcheck (no fork, so valgrind sees the
# tests themselves): any invalid access or leak fails.
set -eu
build=$1
for t in parse sysfs ctx device monitor check bind profile; do
	echo "valgrind: test-$t"
	CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$build/tests/test-$t" > "$build/valgrind-$t.log" 2>&1 || { cat "$build/valgrind-$t.log"; exit 1; }
	tail -1 "$build/valgrind-$t.log"
done
