# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell helpers for tests on simulated hosts served by simhost-fuse.
# Source it after setting SIMHOST_FUSE (the binary) and SIMHOST_HOSTS (the
# folder of hosts). See tests/README.md.

SIMHOST_MOUNTS=""
SIMHOST_FAILS=0
SIMHOST_PASSES=0

# Skip the calling test (exit 77) when FUSE cannot be used here, or fail it
# when GPUVIRT_REQUIRE_FUSE=1 (CI sets it: a skip there is a failure).
simhost_skip() {
	if [ "${GPUVIRT_REQUIRE_FUSE:-0}" = 1 ]; then
		echo "FAIL: FUSE is required (GPUVIRT_REQUIRE_FUSE=1) but unusable: $*" >&2
		exit 1
	fi
	echo "SKIP: FUSE unusable here: $*" >&2
	exit 77
}

simhost_require_fuse() {
	[ -x "$SIMHOST_FUSE" ] || simhost_skip "simhost-fuse was not built (libfuse3-dev missing?)"
	[ -e /dev/fuse ] || simhost_skip "no /dev/fuse"
	if [ "$(id -u)" != 0 ] && ! command -v fusermount3 >/dev/null; then
		simhost_skip "not root and no fusermount3"
	fi
}

# simhost_mount NAME [HOSTS_DIR]: serve host NAME (from SIMHOST_HOSTS by
# default) on a fresh folder, left in $MNT. Call it directly, not in $(...),
# so that simhost_cleanup knows the mount.
simhost_mount() {
	MNT=$(mktemp -d "${TMPDIR:-/tmp}/simhost-XXXXXX")
	if ! "$SIMHOST_FUSE" --hosts "${2:-$SIMHOST_HOSTS}" --host "$1" "$MNT" >&2; then
		rmdir "$MNT"
		simhost_skip "cannot mount host $1"
	fi
	SIMHOST_MOUNTS="$SIMHOST_MOUNTS $MNT"
}

simhost_unmount() {
	if [ "$(id -u)" = 0 ]; then
		umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
	else
		fusermount3 -u "$1" 2>/dev/null || fusermount3 -uz "$1" 2>/dev/null
	fi
	rmdir "$1" 2>/dev/null
	return 0
}

# simhost_wait_delayed STATE PATH [N]: wait (10 s at most) until N (1)
# delayed writes to PATH on host $M have STATE: `begun` (held in the
# delay: the writer is blocked in the kernel) or `done`. A barrier, not a
# guess: the races below act exactly while a write is held.
simhost_wait_delayed() {
	local i path n
	# The host logs the path it serves: the one the links lead to.
	path=$(realpath -m --relative-to="$M" "$M/$2")
	for ((i = 0; i < 400; i++)); do
		n=$(grep -c "^$1	$path\$" "$M/.simhost/delayed" 2>/dev/null)
		[ "${n:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.025
	done
	echo "simhost_wait_delayed: no delayed write to $2 $1 in 10 s" >&2
	return 1
}

simhost_cleanup() {
	for m in $SIMHOST_MOUNTS; do
		simhost_unmount "$m"
	done
	SIMHOST_MOUNTS=""
}

# ---- assertions ----------------------------------------------------------

pass() { SIMHOST_PASSES=$((SIMHOST_PASSES + 1)); }
fail() {
	SIMHOST_FAILS=$((SIMHOST_FAILS + 1))
	echo "FAIL: $*" >&2
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi
}

check_true() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}

check_false() {
	local what=$1
	shift
	if "$@"; then fail "$what"; else pass; fi
}

# expect_ok SHELL-CODE: it must succeed, with nothing on stderr.
expect_ok() {
	local err
	if err=$(bash -c "$1" 2>&1 >/dev/null) && [ -z "$err" ]; then
		pass
	else
		fail "expected success: $1: $err"
	fi
}

# expect_err "strerror text" SHELL-CODE: it must fail with that error.
expect_err() {
	local err
	if err=$(bash -c "$2" 2>&1 >/dev/null); then
		fail "expected '$1', but it succeeded: $2"
	elif [[ "$err" == *"$1"* ]]; then
		pass
	else
		fail "expected '$1': $2: got: $err"
	fi
}

simhost_summary() {
	echo "$SIMHOST_PASSES checks passed, $SIMHOST_FAILS failed"
	[ "$SIMHOST_FAILS" = 0 ]
}
