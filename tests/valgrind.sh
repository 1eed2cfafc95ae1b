#!/bin/sh
# The Check suites under valgrind's memcheck (no fork, so valgrind sees the
# tests themselves): any invalid access or leak fails.
set -eu
build=$1
for t in parse sysfs parse-state parse-persist lock modules ctx device monitor check check-gpu bind profile restore mutate; do
	echo "valgrind: test-$t"
	CK_FORK=no CK_TIMEOUT_MULTIPLIER=10 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$build/tests/test-$t" > "$build/valgrind-$t.log" 2>&1 || { cat "$build/valgrind-$t.log"; exit 1; }
	tail -1 "$build/valgrind-$t.log"
done
# The monitor with a libudev.so.1 that lacks its functions (dlopen, dlsym,
# dlclose): as the test monitor-no-libudev runs it.
echo "valgrind: test-monitor without libudev"
CK_FORK=no CK_RUN_CASE=no-libudev LD_LIBRARY_PATH="$build/tests/fake-udev" valgrind -q --error-exitcode=1 \
	--leak-check=full --errors-for-leak-kinds=definite,indirect "$build/tests/test-monitor" \
	> "$build/valgrind-monitor-no-libudev.log" 2>&1 || { cat "$build/valgrind-monitor-no-libudev.log"; exit 1; }
tail -1 "$build/valgrind-monitor-no-libudev.log"
# The Python wrapper releases every handle it makes.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import cffi" 2>/dev/null; then
	echo "valgrind: the Python bindings"
	host=$(mktemp -d)
	"$build/tests/simhost-build" tests/simhost/hosts t4 "$host/t4" >/dev/null
	ROOT="$host/t4" GPUVIRT_LIBRARY="$build/libgpuvirt.so.1" PYTHONPATH=bindings/python \
		valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
		--error-exitcode=1 /usr/bin/python3 bindings/python/tests/leakcheck.py > "$build/valgrind-python.log" 2>&1 ||
		{ cat "$build/valgrind-python.log"; rm -rf "$host"; exit 1; }
	rm -rf "$host"
	echo "no leaks"
fi
