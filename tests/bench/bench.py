#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""libgpuvirt against its peers, on the same trees, in one run.

Each operation runs ours and the peer alternately, RUNS times each, on the
same simulated host; the table gives the median wall time of each, their
ratio, the system calls per PCI function (strace -f -c) and the peak RSS
(wait4). Peers that need the host at /sys (mdevctl, driverctl,
virt-host-validate) run in simhost-run's mount namespace. Each loop runs in
one shell whose own start (a `true` in it, in the namespace for a peer) is
subtracted. Last, the heap of a 16-GPU inventory (valgrind
massif, peak of heap plus its overhead).

Hosts are generated (tests/simhost/gen-large-host.py): inventory on
16 A100s x 64 VFs plus NICs at about 2k, 8k and 20k functions; profiles and
check on 16 T4s with their legacy mdev types; bind + unbind on the T4 host
served by simhost-fuse (it is what driverctl can write to).

This is a benchmark, not a timed test: times are printed, never asserted.
With --assert, the counts that are stable are: system calls per function of
the inventory (--max-syscalls), of profiles and check on the 16 T4s
(--max-profile-syscalls, --max-check-syscalls; counted without root too) and
the 16-GPU inventory's heap (--max-heap).

usage: bench.py [--build DIR] [--runs N] [--sizes 2k,8k,20k] [--only ROWS] [--quick] [--assert]
Needs root for the peers' namespace and the FUSE host; without it those
rows say why they are missing."""
import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
SIZES = {"2k": (16, 64, 1000), "8k": (64, 64, 4000), "20k": (160, 64, 10000)}  # GPUs, VFs each, NICs


class Bench:
    def __init__(self, args):
        self.a = args
        self.b = os.path.abspath(args.build)
        self.gpuvirt = os.path.join(self.b, "gpuvirt")
        self.run_ns = os.path.join(TOP, "tests/simhost/simhost-run")
        self.tmp = tempfile.mkdtemp(prefix="gv-bench-")
        self.rows, self.failures = [], []
        self.root = os.geteuid() == 0

    def host(self, name, *gen):
        subprocess.run([PY, os.path.join(TOP, "tests/simhost/gen-large-host.py"), "--name", name] + list(gen) +
                       [self.tmp], check=True, capture_output=True)
        root = os.path.join(self.tmp, name)
        subprocess.run([os.path.join(self.b, "tests/simhost-build"), self.tmp, name, root], check=True)
        return root

    @staticmethod
    def functions(root):
        return len(os.listdir(os.path.join(root, "sys/bus/pci/devices")))

    @staticmethod
    def shell(cmd):
        return cmd if isinstance(cmd, str) else " ".join(shlex.quote(c) for c in cmd)

    def in_ns(self, root, argv):
        return [self.run_ns, root, "--"] + argv if root else argv

    def loop(self, cmd, ns_root, runs):
        """Seconds per run of cmd, run `runs` times in one shell (in the
        namespace for a peer). The shell's own start (and the namespace's
        setting up) is measured alone and taken off, for ours and the
        peer's alike: a few milliseconds over ten runs of a two-millisecond
        command would otherwise count against whichever had none taken off."""
        body = "i=0; while [ $i -lt %d ]; do { %s; } >/dev/null 2>&1; i=$((i+1)); done" % (runs, self.shell(cmd))
        t = time.perf_counter()
        subprocess.run(self.in_ns(ns_root, ["/bin/sh", "-c", body]), check=False)
        took = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run(self.in_ns(ns_root, ["/bin/sh", "-c", "true"]), check=False)
        took -= time.perf_counter() - t
        return max(took, 1e-6) / runs

    def rss(self, cmd, ns_root):
        """Peak RSS (KiB) from GNU time, whose child starts from time's small
        image (a child of this interpreter would inherit its peak: Linux
        keeps the largest RSS across exec)."""
        out = os.path.join(self.tmp, "rss")
        argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else cmd
        subprocess.run(self.in_ns(ns_root, ["/usr/bin/time", "-f", "%M", "-o", out] + argv),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            return int(f.read().strip().splitlines()[-1])

    def syscalls(self, cmd, ns_root=None):
        out = os.path.join(self.tmp, "strace.out")
        argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else cmd
        subprocess.run(self.in_ns(ns_root, ["strace", "-f", "-c", "-o", out] + argv),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            last = f.read().strip().splitlines()[-1].split()
        return int(last[3]) if last[-1] == "total" else 0

    def row(self, op, host, nfun, ours, peer_name, peer, ns_root=None):
        """Ours and the peer alternately, the median of `rounds` rounds of
        `runs` runs each; the peer in simhost-run's namespace when ns_root."""
        t_o, t_p = [], []
        for _ in range(self.a.rounds):
            t_o.append(self.loop(ours, None, self.a.runs))
            t_p.append(self.loop(peer, ns_root, self.a.runs))
        t_o, t_p = statistics.median(t_o), statistics.median(t_p)
        s_o, s_p = self.syscalls(ours), self.syscalls(peer, ns_root)
        self.rows.append((op, host, nfun, t_o * 1e3, peer_name, t_p * 1e3, t_o / t_p, s_o / nfun, s_p / nfun,
                          self.rss(ours, None), self.rss(peer, ns_root)))
        return s_o / nfun

    def inventory(self, size):
        gpus, vfs, nics = SIZES[size]
        root = self.host("inv" + size, "--gpus", str(gpus), "--vfs", str(vfs), "--others", str(nics))
        n = self.functions(root)
        per = self.row("inventory", "%d A100 x %d VFs + %d NICs" % (gpus, vfs, nics), n,
                       [self.gpuvirt, "--root", root, "list", "--all", "--json"], "lspci -D -nn -k",
                       ["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=%s/sys/bus/pci" % root, "-D", "-nn", "-k"])
        if self.a.check and per > self.a.max_syscalls:
            self.failures.append("inventory at %s: %.1f system calls per function (at most %.1f)" %
                                 (size, per, self.a.max_syscalls))

    def t4_host(self):
        if not hasattr(self, "_t4"):
            self._t4 = self.host("t4x16", "--model", "t4", "--gpus", "16", "--others", "0")
        return self._t4

    def profiles_and_check(self):
        root = self.t4_host()
        n = self.functions(root)
        for op, ours, name, peer, limit in (
                ("profiles", ["profiles", "--json"], "mdevctl types --dumpjson", ["mdevctl", "types", "--dumpjson"],
                 self.a.max_profile_syscalls),
                ("check", ["check"], "virt-host-validate qemu", ["virt-host-validate", "qemu"],
                 self.a.max_check_syscalls)):
            ours = [self.gpuvirt, "--root", root] + ours
            if self.root:
                per = self.row(op, "16 T4 x 8 mdev types", n, ours, name, peer, root)
            else:
                per = self.syscalls(ours) / n
                self.rows.append((op, "16 T4", n, None, "%s: needs root (namespace)" % name))
            if self.a.check and per > limit:
                self.failures.append("%s: %.1f system calls per function (at most %.1f)" % (op, per, limit))

    def bind(self):
        fuse = os.path.join(self.b, "tests/simhost-fuse")
        if not self.root or not os.path.exists("/dev/fuse"):
            self.rows.append(("bind+unbind", "t4 (FUSE)", 0, None, "driverctl: needs root and /dev/fuse"))
            return
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        # The host's tree in memory where there is a tmpfs, as /run is on a
        # real host: on a disk, the journal's fsync measures the disk.
        env = dict(os.environ, TMPDIR="/dev/shm") if os.access("/dev/shm", os.W_OK) else None
        subprocess.run([fuse, "--hosts", os.path.join(TOP, "tests/simhost/hosts"), "--host", "t4", mnt], check=True,
                       env=env)
        try:
            g = "%s --root %s" % (self.gpuvirt, mnt)
            self.row("bind+unbind", "t4 (FUSE)", 1, "%s bind 3b:00.0 && %s unbind 3b:00.0" % (g, g),
                     "driverctl set+unset-override",
                     "driverctl --nosave set-override 0000:3b:00.0 vfio-pci && "
                     "driverctl --nosave unset-override 0000:3b:00.0", mnt)
        finally:
            subprocess.run(["umount", mnt], check=False)

    def heap(self):
        if not shutil.which("valgrind"):
            self.rows.append(("heap", "16 T4", 0, None, "valgrind is missing"))
            return None
        out = os.path.join(self.tmp, "massif.out")
        subprocess.run(["valgrind", "--tool=massif", "--massif-out-file=" + out, self.gpuvirt, "--root",
                        self.t4_host(), "list", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        with open(out) as f:
            text = f.read()
        heap = [int(a) + int(b) for a, b in re.findall(r"mem_heap_B=(\d+)\nmem_heap_extra_B=(\d+)", text)]
        peak = max(heap) if heap else 0
        if self.a.check and peak >= self.a.max_heap:
            self.failures.append("heap of a 16-GPU inventory: %d bytes (under %d)" % (peak, self.a.max_heap))
        return peak

    def print(self, peak):
        print("%-12s %-30s %7s %10s  %-30s %10s %6s %12s %12s %10s %10s" % (
            "operation", "host", "funcs", "ours ms", "peer", "peer ms", "ratio", "sys/fn ours", "sys/fn peer",
            "RSS ours", "RSS peer"))
        for r in self.rows:
            if r[3] is None:
                print("%-12s %-30s %7s %10s  %s" % (r[0], r[1], r[2] or "", "-", r[4]))
                continue
            print("%-12s %-30s %7d %10.1f  %-30s %10.1f %6.2f %12.1f %12.1f %9dK %9dK" % r)
        if peak is not None:
            print("heap of a 16-GPU inventory (gpuvirt list --json, massif peak): %d bytes (%.0f KiB)" %
                  (peak, peak / 1024))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--runs", type=int, default=10, help="runs per round")
    ap.add_argument("--rounds", type=int, default=5, help="rounds, ours and the peer alternately")
    ap.add_argument("--sizes", default="2k,8k,20k")
    ap.add_argument("--quick", action="store_true", help="2k only, 2 runs: proves the benchmark works")
    ap.add_argument("--assert", dest="check", action="store_true", help="fail on the stable counts")
    ap.add_argument("--max-syscalls", type=float, default=None,
                    help="per function, inventory (18.7 now: a device's directory is not listed, an absent "
                         "attribute costs its failed open): 19 where the hosts' file system fills a listing's "
                         "buffer as sysfs does (ext4, tmpfs), else 20.5")
    ap.add_argument("--max-profile-syscalls", type=float, default=28.0, help="per function, 16 T4s (25.1 now)")
    ap.add_argument("--max-check-syscalls", type=float, default=50.0, help="per function, 16 T4s (43.6 now)")
    ap.add_argument("--max-heap", type=int, default=1 << 20, help="bytes, 16-GPU inventory")
    ap.add_argument("--only", default="inventory,profiles,bind,heap",
                    help="which rows: inventory, profiles (with check), bind, heap")
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.runs, a.rounds = "2k", 2, 1
    for tool in ("strace", "lspci", "/usr/bin/time"):
        if not shutil.which(tool):
            print("bench: %s is missing" % tool)
            return 1
    b = Bench(a)
    if a.max_syscalls is None:
        fs = subprocess.run(["stat", "-f", "-c", "%T", b.tmp], capture_output=True, text=True).stdout.strip()
        a.max_syscalls = 19.0 if fs in ("ext2/ext3", "tmpfs") else 20.5
    try:
        only = a.only.split(",")
        for size in a.sizes.split(",") if "inventory" in only else ():
            b.inventory(size)
        if "profiles" in only:
            b.profiles_and_check()
        if "bind" in only:
            b.bind()
        peak = b.heap() if "heap" in only else None
        b.print(peak)
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)
    for f in b.failures:
        print("FAIL: " + f)
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
