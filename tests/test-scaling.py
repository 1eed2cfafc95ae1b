#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No step grows faster than linearly: on generated hosts of N A100s, each
with one VF running a vGPU instance (so functions, GPUs, types and
instances all grow with N), every command's work is measured at N, 2N and
4N and each doubling may at most double it (a little slack for constant
costs):

- instructions, counted by valgrind's cachegrind, at 100, 200 and 400 GPUs
  (where valgrind is quick enough; a quadratic lookup shows as 2.5 to 4 per
  doubling; allowed: 2.3): every command;
- system calls, counted by strace -c, on the same hosts (exact counts, so
  the size does not matter: allowed 2.05): the commands that read every
  device, `list --all` and `check` (`report` is the two together).
  strace costs about 60 us a call and check makes 2 million at 4,000 GPUs:
  4,000 is for the benchmarks, not CI.

Times are not asserted (this is not a benchmark: tests/bench/ is).
usage: test-scaling.py GPUVIRT SIMHOST_BUILD GEN_LARGE_HOST
Prints 'N passed, N failed'."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

GPUVIRT, BUILD, GEN = sys.argv[1:4]
COMMANDS = (["list", "--all", "--json"], ["check", "--json"], ["report"], ["profiles", "--json"],
            ["instances", "--json"])
SYSCALL_COMMANDS = (["list", "--all", "--json"], ["check", "--json"])
passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print("%s: %s %s" % ("ok" if ok else "FAIL", what, detail))


def host(tmp, gpus):
    name = "g%d" % gpus
    subprocess.run(["/usr/bin/python3", GEN, "--gpus", str(gpus), "--vfs", "1", "--others", "0", "--active",
                    "--name", name, tmp], check=True, capture_output=True)
    root = os.path.join(tmp, name)
    subprocess.run([BUILD, tmp, name, root], check=True)
    return root


def syscalls(root, args):
    out = os.path.join(os.path.dirname(root), "strace.out")
    r = subprocess.run(["strace", "-c", "-o", out, GPUVIRT, "--root", root] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
    assert r.returncode in (0, 1, 2, 3), (args, r.returncode, r.stderr[-500:])  # check's exits say findings
    with open(out) as f:
        return int(f.read().strip().splitlines()[-1].split()[3])


def instructions(root, args):
    r = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                        GPUVIRT, "--root", root] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, timeout=600)
    m = re.search(r"I\s+refs:\s+([\d,]+)", r.stderr)
    assert m, r.stderr[-500:]
    return int(m.group(1).replace(",", ""))


def linear(what, sizes, measure, slack, commands=COMMANDS):
    for args in commands:
        counts = [measure(root, args) for root in sizes]
        ratios = [b / a for a, b in zip(counts, counts[1:])]
        check("%s of %s: %s, ratios %s" % (what, " ".join(args), counts, ["%.2f" % x for x in ratios]),
              all(x <= slack for x in ratios) and counts[0] > 0)


def main():
    for tool in ("strace", "valgrind"):
        if not shutil.which(tool):
            print("FAIL: %s is missing (Debian: %s)" % (tool, tool))
            return 1
    with tempfile.TemporaryDirectory() as tmp:
        hosts = [host(tmp, n) for n in (100, 200, 400)]
        linear("instructions", hosts, instructions, 2.3)
        linear("system calls", hosts, syscalls, 2.05, SYSCALL_COMMANDS)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
