#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A verdict is a promise: check's "passthrough: yes" means `bind --dry-run`
proceeds, and "share: yes" means a dry-run create of one of the GPU's
profiles proceeds. A "no" where the dry run would proceed must rest only on
what the plan does not look at: the host's ability to run a VM at all.

usage: test-verdicts.py GPUVIRT (--root DIR | --hosts SIMHOST_BUILD HOSTS_DIR)
Prints 'N passed, N failed'; exits 1 on any failure."""
import json
import os
import subprocess
import sys
import tempfile

# Host-level reasons the plan does not check: a VM cannot use the device, but
# the driver can still be moved (the CPU has no VT-x, Xen has no IOMMU, the
# vGPU manager is missing...).
HOST_LEVEL = {"cpu.virtualization", "xen.iommu", "iommu.enabled", "iommu.cmdline", "module.vfio",
              "module.vfio_iommu_type1", "vgpu.manager"}

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (what, detail))


def run(gpuvirt, root, *args):
    return subprocess.run([gpuvirt, "--root", root] + list(args), capture_output=True, text=True, timeout=120)


def verdicts_match(gpuvirt, root, label):
    out = run(gpuvirt, root, "check", "--json")
    check("%s: check runs" % label, out.returncode in (0, 1, 2), out.stderr)
    if out.returncode not in (0, 1, 2):
        return
    report = json.loads(out.stdout)
    for dev in report["devices"]:
        bdf = dev["bdf"]
        bind = run(gpuvirt, root, "bind", bdf, "--dry-run")
        pt = dev["passthrough"]
        if pt["ok"]:
            check("%s %s: passthrough yes, so bind proceeds" % (label, bdf), bind.returncode == 0, bind.stderr)
        elif bind.returncode == 0:
            extra = set(pt["codes"]) - HOST_LEVEL
            check("%s %s: passthrough no while bind proceeds rests on host-level reasons" % (label, bdf),
                  not extra, "codes %s" % sorted(extra))
        else:
            check("%s %s: bind refuses, and the verdict says no" % (label, bdf), not pt["ok"])
        profiles = run(gpuvirt, root, "profiles", bdf, "--json")
        ids = [p["id"] for p in json.loads(profiles.stdout)["profiles"]] if profiles.returncode == 0 else []
        created = any(run(gpuvirt, root, "create", i, "--gpu", bdf, "--dry-run").returncode == 0 for i in ids)
        sh = dev["share"]
        if sh["ok"]:
            check("%s %s: share yes, so a create proceeds" % (label, bdf), created, "profiles %s" % ids)
        elif created:
            extra = set(sh["codes"]) - HOST_LEVEL
            check("%s %s: share no while a create proceeds rests on host-level reasons" % (label, bdf), not extra,
                  "codes %s" % sorted(extra))
        else:
            check("%s %s: no create proceeds, and the verdict says no" % (label, bdf), not sh["ok"])


def main():
    gpuvirt = sys.argv[1]
    if sys.argv[2] == "--root":
        verdicts_match(gpuvirt, sys.argv[3], sys.argv[3])
    else:
        build, hosts = sys.argv[3], sys.argv[4]
        names = sorted(f[:-5] for f in os.listdir(hosts) if f.endswith(".host"))
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:
                root = os.path.join(tmp, name)
                subprocess.run([build, hosts, name, root], check=True, capture_output=True)
                verdicts_match(gpuvirt, root, name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
