#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile hosts get a clear error in bounded time: a FIFO, a character
device or a socket where an attribute, a journal, a record or a driverctl
file should be makes every command answer at once with an error naming the
file (never a hang, never an absent device); and while another process
renames files in a loop (openat2 then says EAGAIN), the answers stay the
same run after run.

usage: test-hostile.py GPUVIRT SIMHOST_BUILD HOSTS_DIR [RUNS]
Prints 'N passed, N failed'."""
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

GPUVIRT, BUILD, HOSTS = sys.argv[1:4]
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 200
passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (what, detail))


def build(tmp, name):
    root = os.path.join(tmp, name + "-%d" % len(os.listdir(tmp)))
    subprocess.run([BUILD, HOSTS, name, root], check=True, capture_output=True)
    return root


def plant(root, rel, kind):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "chardev":
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))
    else:
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        return s
    return None


def answers(root, args, want_in_error):
    t0 = time.monotonic()
    try:
        r = subprocess.run([GPUVIRT, "--root", root] + args, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        check("%s: answered in bounded time" % " ".join(args), False, "(hung for 20 s)")
        return
    took = time.monotonic() - t0
    check("%s: answered in %.2f s" % (" ".join(args), took), took < 10)
    check("%s: an error" % " ".join(args), r.returncode != 0, "(exit %d, stdout %r)" % (r.returncode, r.stdout[:200]))
    check("%s: naming %s" % (" ".join(args), want_in_error), want_in_error in r.stderr, "(stderr %r)" % r.stderr)


def hostile_files(tmp):
    kinds = ["fifo", "socket"] + (["chardev"] if os.geteuid() == 0 else [])
    for kind in kinds:
        # An attribute of a GPU: discovery, checks, the report, bind.
        root = build(tmp, "workstation")
        keep = plant(root, "sys/bus/pci/devices/0000:01:00.0/numa_node", kind)
        for args in (["list", "--all", "--json"], ["show", "01:00.0"], ["check", "--json"], ["report"],
                     ["bind", "0000:01:00.0", "--dry-run"]):
            answers(root, args, "numa_node")
        # An mdev type's description: profiles.
        root = build(tmp, "t4")
        keep2 = plant(root, "sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/description", kind)
        answers(root, ["profiles", "--json"], "description")
        # A journal: recover names it and acts on nothing.
        root = build(tmp, "workstation")
        keep3 = plant(root, "run/gpuvirt/group-1.journal", kind)
        answers(root, ["recover"], "group-1.journal")
        # driverctl's record of a device.
        root = build(tmp, "workstation")
        keep4 = plant(root, "etc/driverctl.d/pci-0000:01:00.0", kind)
        answers(root, ["show", "01:00.0"], "driverctl.d/pci-0000:01:00.0")
        for k in (keep, keep2, keep3, keep4):
            if k:
                k.close()


def odd_bytes(tmp):
    """A name the host chose that is not UTF-8, with an ESC in it: the JSON
    stays valid UTF-8 (U+FFFD for the bad byte, \\u001b for the ESC)."""
    import json
    root = build(tmp, "t4")
    name = os.path.join(root, "sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/name")
    with open(name, "wb") as f:
        f.write(b"GRID \xff\x1b[31mT4-1B\n")
    r = subprocess.run([GPUVIRT, "--root", root, "profiles", "--json"], capture_output=True, timeout=20)
    check("profiles --json with a non-UTF-8 name: exit 0", r.returncode == 0, r.stderr)
    try:
        doc = json.loads(r.stdout.decode("utf-8"))
        names = [p["name"] for p in doc["profiles"] if p["id"] == "nvidia-222"]
        check("the bad byte is U+FFFD, the ESC escaped", names[0] == "GRID \ufffd\x1b[31mT4-1B", repr(names))
        check("no raw ESC in the output", b"\x1b" not in r.stdout)
    except (UnicodeDecodeError, ValueError, IndexError) as e:
        check("profiles --json is valid UTF-8 JSON", False, repr(e))
    r = subprocess.run([GPUVIRT, "--root", root, "profiles"], capture_output=True, timeout=20)
    check("the table shows no raw ESC", r.returncode == 0 and b"\x1b" not in r.stdout and b"?[31mT4-1B" in r.stdout,
          repr(r.stdout[:300]))


def rename_loop(stop, where):
    i = 0
    a, b = os.path.join(where, "a"), os.path.join(where, "b")
    open(a, "w").close()
    while not stop.is_set():
        os.rename(a, b)
        os.rename(b, a)
        i += 1


def same_answers(tmp):
    """Renames anywhere make openat2(RESOLVE_IN_ROOT) say EAGAIN on a walk
    through '..': every answer must still be the same."""
    stop = threading.Event()
    loops = [threading.Thread(target=rename_loop, args=(stop, tempfile.mkdtemp(dir=tmp))) for _ in range(2)]
    for t in loops:
        t.start()
    try:
        sim = build(tmp, "a100x8")
        for label, root, args in (("list --all --json on /", "/", ["list", "--all", "--json"]),
                                  ("check --json on a100x8", sim, ["check", "--json"])):
            first = subprocess.run([GPUVIRT, "--root", root] + args, capture_output=True, text=True, timeout=60)
            differ = 0
            for _ in range(RUNS):
                r = subprocess.run([GPUVIRT, "--root", root] + args, capture_output=True, text=True, timeout=60)
                differ += (r.stdout, r.returncode) != (first.stdout, first.returncode)
            check("%s: %d runs beside a rename loop, all the same" % (label, RUNS), differ == 0,
                  "(%d differed)" % differ)
    finally:
        stop.set()
        for t in loops:
            t.join()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        hostile_files(tmp)
        odd_bytes(tmp)
        same_answers(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
