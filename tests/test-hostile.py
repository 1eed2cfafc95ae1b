#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile hosts get a clear error in bounded time: a FIFO, a character
device or a socket where an attribute, a journal, a record or a driverctl
file should be makes every command answer at once with an error naming the
file (never a hang, never an absent device); so do 10 MB and sparse 8 GB
files, binary bytes, link loops and chains, and so do such files handed in
(--vgpu-table, --mig-listing); 100,000 directory entries and
10,000 virtfn links are answered correctly in bounded time; sizes that
overflow their unit are unknown, never wrapped; and while another process
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


def run(root, args, limit=10):
    t0 = time.monotonic()
    r = subprocess.run([GPUVIRT, "--root", root] + args, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    check("%s: answered in %.2f s" % (" ".join(args), took), took < limit)
    return r


def big_files(tmp):
    """10 MB of random bytes, a sparse 8 GB file, binary bytes: an error
    naming the file, at once (the reads are bounded, never the whole file)."""
    dev = "sys/bus/pci/devices/0000:3b:00.0/"
    for what, rel, args, name in (
            ("10 MB numa_node", dev + "numa_node", ["show", "3b:00.0"], "numa_node"),
            ("10 MB description", dev + "mdev_supported_types/nvidia-222/description", ["profiles"], "description"),
            ("8 GB sparse description", dev + "mdev_supported_types/nvidia-223/description", ["profiles", "--json"],
             "description"),
            ("8 GB sparse journal", "run/gpuvirt/group-2.journal", ["recover"], "group-2.journal"),
            ("binary numa_node", dev + "numa_node", ["list", "--json"], "numa_node")):
        root = build(tmp, "t4")
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            if what.startswith("10 MB"):
                f.write(os.urandom(10 << 20))
            elif what.startswith("8 GB"):
                f.truncate(8 << 30)
            else:
                f.write(b"\x01\xff\x00\x1b[2J7\n")
        answers(root, args, name)
    # config is read for its first 64 bytes only: a sparse 8 GB one is a
    # correct answer (zeros: no vendor), not a hang or an 8 GB read.
    root = build(tmp, "t4")
    with open(os.path.join(root, dev + "config"), "r+b") as f:
        f.truncate(8 << 30)
    r = run(root, ["list", "--json"])
    check("8 GB sparse config: list answers", r.returncode == 0, r.stderr)


def caller_files(tmp):
    """The files a caller hands in (a vGPU table, nvidia-smi's MIG listing):
    a FIFO or socket is refused unopened, 10 MB or a sparse 8 GB file at its
    limit, binary bytes as malformed; each error names the option and the file."""
    root = build(tmp, "h100-mig")
    for opt in ("--vgpu-table", "--mig-listing"):
        for kind in ("fifo", "socket", "10 MB", "8 GB", "binary"):
            path = os.path.join(tmp, "%s-%s" % (opt.strip("-"), kind.replace(" ", "")))
            keep = None
            if kind in ("fifo", "socket"):
                keep = plant(tmp, os.path.basename(path), kind)
            else:
                with open(path, "wb") as f:
                    if kind == "10 MB":
                        f.write(os.urandom(10 << 20))
                    elif kind == "8 GB":
                        f.truncate(8 << 30)
                    else:
                        f.write(b"0, 00000000:18:00.0, Enabled\n\x01\xff\x00\x1b[2J7\n")
            answers(root, ["check", opt, path], "%s: " % opt)
            answers(root, ["check", opt, path], path)
            if kind == "binary" and opt == "--mig-listing":
                answers(root, ["check", opt, path], "line 2 is malformed")
            if keep:
                keep.close()


def link_loops(tmp):
    """A loop or a chain of links where the kernel has one link into a known
    folder (iommu_group, driver): an error naming it, never 'no group' or a
    driver called after the loop's next link."""
    dev = "sys/bus/pci/devices/0000:01:00.0/"
    for link, shape in (("iommu_group", "loop"), ("iommu_group", "chain"), ("driver", "loop"),
                        ("driver", "chain")):
        root = build(tmp, "workstation")
        d = os.path.join(root, dev)
        os.unlink(os.path.join(d, link))
        if shape == "loop":
            os.symlink("loopa", os.path.join(d, link))
            os.symlink(link, os.path.join(d, "loopa"))
        else:
            os.symlink("l0", os.path.join(d, link))
            for i in range(60):
                os.symlink("l%d" % (i + 1), os.path.join(d, "l%d" % i))
            os.symlink("../../../../kernel/iommu_groups/1" if link == "iommu_group" else
                       "../../../../bus/pci/drivers/nvidia", os.path.join(d, "l60"))
        for args in (["show", "01:00.0"], ["check", "--json"], ["bind", "01:00.0", "--dry-run"]):
            answers(root, args, link)


def many_entries(tmp):
    """100,000 entries in sys/bus/pci/devices and in sys/kernel/iommu_groups,
    10,000 virtfn links on one GPU: the same answers, in bounded time."""
    root = build(tmp, "t4")
    want = run(root, ["list", "--all", "--json"]).stdout
    devs = os.path.join(root, "sys/bus/pci/devices")
    groups = os.path.join(root, "sys/kernel/iommu_groups")
    for i in range(100000):
        open(os.path.join(devs, "junk%06d" % i), "w").close()
        os.mkdir(os.path.join(groups, "x%d" % i))
    r = run(root, ["list", "--all", "--json"])
    check("100,000 entries: list is the same", r.returncode == 0 and r.stdout == want, r.stderr)
    for args in (["check"], ["profiles"]):
        r = run(root, args)
        check("100,000 entries: %s answers" % args[0], r.returncode == 0, r.stderr)

    root = build(tmp, "t4")
    pf = os.path.realpath(os.path.join(root, "sys/bus/pci/devices/0000:3b:00.0"))
    for i in range(10000):
        os.symlink("../0000:%02x:%02x.%x" % (0x40 + i // 256, (i % 256) >> 3, i & 7), os.path.join(pf, "virtfn%d" % i))
    for attr in ("sriov_totalvfs", "sriov_numvfs"):
        with open(os.path.join(pf, attr), "w") as f:
            f.write("10000\n")
    for args in (["list", "--all"], ["show", "3b:00.0"], ["check"], ["profiles"], ["bind", "3b:00.0", "--dry-run"]):
        r = run(root, args)
        check("10,000 virtfn links: %s answers" % " ".join(args), r.returncode == 0, r.stderr)


def overflowing_sizes(tmp):
    """framebuffer= in every unit, too big for it: unknown (the name's size
    then, as for no framebuffer= at all), never wrapped, never negative."""
    import json
    root = build(tmp, "t4")
    types = os.path.join(root, "sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types")
    sizes = {"nvidia-222": "99999999999999999999B", "nvidia-223": "18014398509481984K",
             "nvidia-230": "17592186044416M", "nvidia-231": "17179869184G", "nvidia-232": "16777216T",
             "nvidia-233": "99999999999999999P"}
    for t, fb in sizes.items():
        with open(os.path.join(types, t, "description"), "w") as f:
            f.write("num_heads=4, frl_config=60, framebuffer=%s, max_resolution=99999999999x1, "
                    "max_instance=99999999999999999999\n" % fb)
    r = run(root, ["profiles", "--json"])
    got = {p["id"]: p for p in json.loads(r.stdout)["profiles"] if p["parent"] == "0000:3b:00.0"}
    # What the names say: T4-1B, -2B, -1Q, -2Q, -4Q, -8Q.
    by_name = {"nvidia-222": 1, "nvidia-223": 2, "nvidia-230": 1, "nvidia-231": 2, "nvidia-232": 4, "nvidia-233": 8}
    for t, gib in by_name.items():
        check("%s framebuffer=%s: the name's %d GiB" % (t, sizes[t], gib), got[t]["framebuffer_bytes"] == gib << 30,
              got[t]["framebuffer_bytes"])
        check("%s: max_instances unknown (0), resolution unknown" % t,
              got[t]["max_instances"] == 0 and got[t]["max_resolution"] is None, got[t])


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
    # Every character JSON escapes, DEL, and UTF-8 of two to four bytes,
    # each at every offset in a word: the writer scans eight bytes at once.
    specials = ['"', "\\", "\x01", "\x1f", "\t", "\x7f", "\u00e9", "\u20ac", "\U0001d11e", "\n", "/"]
    text = "".join("abcdefghij"[:k] + c for c in specials for k in range(10)) + "end"
    desc = os.path.join(os.path.dirname(name), "description")
    with open(desc, "wb") as f:
        f.write(text.encode("utf-8") + b"\n")
    r = subprocess.run([GPUVIRT, "--root", root, "profiles", "--json"], capture_output=True, timeout=20)
    try:
        doc = json.loads(r.stdout.decode("utf-8"))
        got = [p["description"] for p in doc["profiles"] if p["id"] == "nvidia-222" and p["parent"] == "0000:3b:00.0"]
        check("a description with escapes at every offset comes back as written", got == [text], repr(got)[:300])
        check("no raw control byte or DEL in the output", not any(bytes([c]) in r.stdout for c in (0x01, 0x1f, 0x7f)))
    except (UnicodeDecodeError, ValueError) as e:
        check("profiles --json with escapes at every offset is valid JSON", False, repr(e))
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
        big_files(tmp)
        caller_files(tmp)
        link_loops(tmp)
        many_entries(tmp)
        overflowing_sizes(tmp)
        odd_bytes(tmp)
        same_answers(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
