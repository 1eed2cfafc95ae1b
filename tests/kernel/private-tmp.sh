#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# private-tmp ROOT PATH...: give the guest's ROOT/tmp a tmpfs of its own,
# keeping visible only the folders of the machine's /tmp that hold PATHs
# (the source tree and build folder when a CI clone lives in /tmp). The
# machine's /tmp may hold other tests' FUSE mounts, and one whose server
# died fails every listing of /tmp with ENOTCONN (Python's import does one
# for a sys.path entry); the guest must not depend on that. Runs in the
# initramfs (busybox), before the chroot.
set -u
root=$1
shift
kept=" "
mkdir -p /keep
for p in "$@"; do
	case $p in /tmp/?*) ;; *) continue ;; esac
	top=${p#/tmp/}
	top=${top%%/*}
	case $kept in *" $top "*) continue ;; esac
	mkdir -p "/keep/$top"
	mount -o bind "$root/tmp/$top" "/keep/$top" || exit 1
	kept="$kept$top "
done
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || exit 1
for top in $kept; do
	mkdir -p "$root/tmp/$top"
	mount -o move "/keep/$top" "$root/tmp/$top" || exit 1
done
