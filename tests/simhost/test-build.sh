#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The simulated host's builder stays in its tree: a recording or companion
# that writes through a link it made (to a folder outside, or an absolute
# path), climbs out with '..', or names itself as its base, is an error and
# writes nothing outside.
# usage: test-build.sh SIMHOST_BUILD
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect_refused NAME WHY: building host NAME fails, its error says WHY, and
# $tmp/outside stays empty.
expect_refused() {
	rm -rf "$tmp/root" "$tmp/outside" && mkdir "$tmp/outside"
	if out=$("$build" "$tmp" "$1" "$tmp/root" 2>&1); then
		bad "$1: built"
	elif ! grep -q -- "$2" <<<"$out"; then
		bad "$1: error '$out' lacks '$2'"
	elif [ -n "$(ls -A "$tmp/outside")" ]; then
		bad "$1: wrote $(ls -A "$tmp/outside") outside the root"
	else
		ok
	fi
}

printf 'P: /devices/a\nE: SUBSYSTEM=pci\nL: up=../../../../outside\nA: up/x=1\n' >"$tmp/rec-up.umockdev"
expect_refused rec-up "goes through a link"
printf 'link sys/out=../../outside\nattr sys/out/y=1\n' >"$tmp/comp-up.host"
expect_refused comp-up "goes through a link"
printf 'link sys/abs=%s/outside\ndir sys/abs/d\n' "$tmp" >"$tmp/comp-abs.host"
expect_refused comp-abs "goes through a link"
printf 'link sys/abs=%s/outside\ntext sys/abs/t\nx\n.\n' "$tmp" >"$tmp/comp-text.host"
expect_refused comp-text "goes through a link"
printf 'P: /devices/a\nL: driver=%s/outside/drv\n' "$tmp" >"$tmp/rec-abs.umockdev"
printf 'attr sys/devices/a/driver/new_id=1\n' >"$tmp/rec-abs.host"
expect_refused rec-abs "goes through a link"
printf 'base self\n' >"$tmp/self.host"
expect_refused self "nested too deep"
printf 'attr ../x=1\n' >"$tmp/dotdot.host"
expect_refused dotdot "stay in the root"
# A subsystem is one name: "../../../outside" made the class link
# root/sys/class/../../../outside/a, lexically under the root (fuzz-simhost).
printf 'P: /devices/a\nE: SUBSYSTEM=../../../outside\n' >"$tmp/subsys-up.umockdev"
expect_refused subsys-up "SUBSYSTEM must be one name"

# A host that only links outside (a dangling driver link) still builds.
printf 'P: /devices/a\nE: SUBSYSTEM=pci\nL: firmware_node=../../../../outside/fw\n' >"$tmp/fine.umockdev"
rm -rf "$tmp/root" "$tmp/outside" && mkdir "$tmp/outside"
if "$build" "$tmp" fine "$tmp/root" && [ -L "$tmp/root/sys/devices/a/firmware_node" ] &&
	[ -L "$tmp/root/sys/bus/pci/devices/a" ] && [ -z "$(ls -A "$tmp/outside")" ]; then ok; else bad "fine: not built"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
