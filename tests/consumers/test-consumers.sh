#!/bin/sh
# Install the library into a scratch prefix and build a user program against
# it twice: with pkg-config, and with CMake's find_package(gpuvirt).
set -eu
build=$1 src=$2 version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -1 | xargs dirname)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists gpuvirt
[ "$(pkg-config --modversion gpuvirt)" = "$version" ]
# Names come from pci.ids itself: no libpci ("! cmd" would not stop a set -e script).
if pkg-config --print-requires-private gpuvirt | grep -q libpci; then echo "requires libpci"; exit 1; fi
pkg-config --print-requires-private gpuvirt | grep -q json-c
# libudev is opened when first needed, never linked: not for a static link either.
if pkg-config --print-requires-private gpuvirt | grep -q libudev; then echo "requires libudev"; exit 1; fi
if readelf -d "$libdir/libgpuvirt.so.1" | grep -q 'NEEDED.*libudev'; then echo "links libudev"; exit 1; fi
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$tmp/consumer-pc" "$src/consumer.c" $(pkg-config --cflags --libs gpuvirt)
LD_LIBRARY_PATH="$libdir" "$tmp/consumer-pc" / | grep -q "^gpuvirt $version: "
[ -x "$tmp/prefix/bin/gpuvirt" ]
# From any prefix the tool finds its library by itself (RUNPATH $ORIGIN/..).
env -u LD_LIBRARY_PATH "$tmp/prefix/bin/gpuvirt" version | grep -q "^gpuvirt $version\$"
[ -s "$tmp/prefix/share/man/man1/gpuvirt.1" ]
# The boot-time restore unit, under the prefix, naming the installed tool:
# systemd accepts it without a word.
unit="$tmp/prefix/lib/systemd/system/gpuvirt-restore.service"
grep -q "^ExecStart=$tmp/prefix/bin/gpuvirt restore --wait\$" "$unit"
verify=$(systemd-analyze verify --man=no "$unit" 2>&1) || { echo "systemd-analyze verify: $verify"; exit 1; }
[ -z "$verify" ] || { echo "systemd-analyze verify: $verify"; exit 1; }
# The API's man3 pages, when Doxygen is there: gpuvirt_* and GPUVIRT_* only.
if [ -d "$tmp/prefix/share/man/man3" ]; then
	[ -s "$tmp/prefix/share/man/man3/gpuvirt_device.h.3" ] || { echo "no gpuvirt_device.h.3"; exit 1; }
	[ -s "$tmp/prefix/share/man/man3/gpuvirt_ctx_new.3" ] || { echo "no gpuvirt_ctx_new.3"; exit 1; }
	if ls "$tmp/prefix/share/man/man3" | grep -v '^gpuvirt_\|^GPUVIRT_'; then
		echo "man3 pages that are not the API's (above)"
		exit 1
	fi
fi
[ -s "$tmp/prefix/share/gpuvirt/vgpu-devices.txt" ]
[ -e "$libdir/libgpuvirt.a" ] && [ -L "$libdir/libgpuvirt.so" ] && [ -e "$libdir/libgpuvirt.so.1" ]
cmake -S "$src" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cm/consumer" / | grep -q "^gpuvirt $version: "
echo "consumers: pkg-config and find_package both built and ran"
