#!/usr/bin/python3
"""The gpuvirt tool on simulated hosts: JSON shape, table, exit codes."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

GPUVIRT, BUILD, HOSTS = sys.argv[1:4]
KEYS = ["bdf", "vendor_id", "device_id", "subsystem_vendor_id", "subsystem_device_id", "class", "revision",
        "vendor_name", "device_name", "driver", "driver_override", "iommu_group", "iommu_group_members",
        "numa_node", "boot_vga", "sriov", "physfn", "reset_methods", "drm", "modes", "persistent_driver",
        "vfio_cdev"]
failures = []
passed = [0]


def check(cond, what):
    if cond:
        passed[0] += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env=None):
    p = subprocess.run([GPUVIRT, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


tmp = tempfile.mkdtemp(prefix="gpuvirt-cli-")
try:
    def host(name):
        d = "%s/%s" % (tmp, name)
        subprocess.run([BUILD, HOSTS, name, d], check=True)
        return d

    ws = host("workstation")
    rc, out, err = run("list", "--json", "--root", ws)
    check(rc == 0, "list --json exits 0: %s" % err)
    doc = json.loads(out)
    check(list(doc) == ["gpuvirt_version", "root", "devices"], "top-level keys %s" % list(doc))
    check(doc["root"] == ws, "root is echoed")
    devs = doc["devices"]
    check([d["bdf"] for d in devs] == ["0000:00:02.0", "0000:01:00.0"], "GPUs sorted by BDF")
    for d in devs:
        check(list(d) == KEYS, "device keys %s" % list(d))
    nv = devs[1]
    check(nv["vendor_id"] == "10de" and nv["device_id"] == "1e87", "hex ids")
    check(nv["class"] == "030000" and nv["revision"] == "a1", "class and revision")
    check(nv["iommu_group"] == 1, "group number")
    check(nv["iommu_group_members"] == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"], "members")
    check(nv["numa_node"] is None and nv["sriov"] is None and nv["physfn"] is None, "absent values are null")
    check(nv["boot_vga"] is False and devs[0]["boot_vga"] is True, "boot_vga booleans")
    check(nv["reset_methods"] == ["bus"], "reset methods")
    check(nv["modes"] == ["passthrough"], "modes")
    check(devs[0]["drm"] == ["card0", "renderD128"], "drm nodes")

    rc, out, _ = run("list", "--all", "--json", "--root", ws)
    check(len(json.loads(out)["devices"]) == 6, "--all lists every function")

    a100 = host("a100x8")
    rc, out, _ = run("show", "0000:87:00.0", "--json", "--root", a100)
    d = json.loads(out)["device"]
    check(d["sriov"] == {"total_vfs": 20, "num_vfs": 4,
                         "vfs": ["0000:87:00.4", "0000:87:00.5", "0000:87:00.6", "0000:87:00.7"]}, "sriov object")
    check(d["modes"] == ["passthrough", "sriov", "nvidia-vgpu"], "a100 modes")
    check(d["numa_node"] == 1, "numa node")
    rc, out, _ = run("show", "87:00.5", "--json", "--root", a100)
    check(json.loads(out)["device"]["physfn"] == "0000:87:00.0", "physfn of a VF")

    # BARs: kinds, sizes, the sizes a Resizable BAR takes, the window a VM needs.
    rb = host("rebar")
    rc, out, _ = run("show", "02:00.0", "--json", "--root", rb)
    doc = json.loads(out)
    MiB, GiB = 1 << 20, 1 << 30
    check(doc["bars"] == [
        {"index": 0, "size": 256 * MiB, "type": "mem64", "prefetchable": True,
         "resizable_sizes": [256 * MiB << k for k in range(6)]},
        {"index": 2, "size": 2 * MiB, "type": "mem64", "prefetchable": True, "resizable_sizes": []},
        {"index": 4, "size": 256, "type": "io", "prefetchable": False, "resizable_sizes": []},
        {"index": 5, "size": 512 << 10, "type": "mem32", "prefetchable": False, "resizable_sizes": []}],
        "show --json bars: %s" % doc.get("bars"))
    check(doc["mmio64_window"] == 2 * GiB, "mmio64_window")
    rc, out, _ = run("show", "01:00.0", "--root", rb)
    check("  bars                BAR0 16 MiB, 32-bit\n"
          "                      BAR1 32 GiB, 64-bit prefetchable, resizable 256 MiB to 32 GiB\n"
          "                      BAR3 32 MiB, 64-bit prefetchable\n"
          "                      BAR5 128 B, I/O\n  64-bit window       65 GiB\n" in out, "show text bars:\n" + out)
    os.unlink(rb + "/sys/devices/pci0000:00/0000:00:00.0/resource")
    rc, out, _ = run("show", "00:00.0", "--json", "--root", rb)
    doc = json.loads(out)
    check(rc == 0 and doc["bars"] is None and doc["mmio64_window"] is None, "no resource file: bars null")
    with open(rb + "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/resource", "w") as f:
        f.write("garbage\n")
    rc, out, err = run("show", "01:00.0", "--root", rb)
    check(rc == 70 and "resource is not the kernel's resource table" in err and out == "",
          "an unreadable resource table fails show, naming the file: %d %r" % (rc, err))

    rc, out, _ = run("list", "--root", ws)
    lines = out.splitlines()
    check(lines[0].split() == ["BDF", "CLASS", "ID", "DRIVER", "GROUP", "NUMA", "MODES", "NAME"], "table head")
    check([l.split()[3] for l in lines[1:]] == ["i915", "nvidia"], "drivers in their column")
    # Every row's fields start where the head's do, whatever the drivers'
    # lengths (skl_uncore, snd_hda_intel, ...).
    rc, out, _ = run("list", "--all", "--root", ws)
    lines = out.splitlines()
    starts = [lines[0].index(h) for h in lines[0].split()]
    check(len(lines) == 7 and all(l[p] != " " and (p == 0 or l[p - 1] == " ") for l in lines[1:] for p in starts),
          "columns aligned")

    rc, out, _ = run("show", "0000:01:00.0", "--root", ws)
    check(rc == 0 and "group members" in out and "0000:01:00.1" in out, "show text")
    rc, out, _ = run("report", "--root", ws)
    check(rc == 0 and "GPUs: 2 found, 2 in IOMMU groups" in out, "report summary")
    off = host("iommu-off")
    rc, out, _ = run("report", "--root", off)
    check("no group (the IOMMU is off" in out, "report explains a missing group")

    p = subprocess.run([GPUVIRT, "list", "--json", "--root", "workstation"], cwd=tmp, capture_output=True, text=True)
    check(p.returncode == 0 and json.loads(p.stdout)["root"] == ws, "a relative --root is taken from the working directory")
    rc, out, _ = run("version")
    check(rc == 0 and re.fullmatch(r"gpuvirt 1\.\d+\.\d+", out.strip()), "version: %r" % out)
    # Exit codes: one table for every command (cli.h, gpuvirt.1): 64 usage, 70 operational.
    check(run()[0] == 64, "no command is a usage error")
    check(run("frobnicate")[0] == 64, "unknown command")
    check(run("show")[0] == 64, "show without BDF")
    check(run("list", "--bogus")[0] == 64, "unknown option")
    rc, out, err = run("show", "0000:09:00.0", "--root", ws)
    check(rc == 70 and "0000:09:00.0" in err and out == "", "unknown device: exit 70, message names it")
    rc, _, err = run("show", "../../etc/passwd", "--root", ws)
    check(rc == 64 and "not a PCI address" in err, "path trick refused as usage")
    rc, _, err = run("list", "--root", "/nonexistent")
    check(rc == 70 and "/nonexistent" in err, "bad root: 70")
    nogpu = host("nogpu")
    rc, out, _ = run("list", "--root", nogpu)
    check(rc == 0 and "No GPUs found" in out, "empty host")
    rc, out, _ = run("list", "--json", env={"GPUVIRT_ROOT": nogpu, "PATH": "/usr/bin:/bin"})
    check(json.loads(out)["devices"] == [] and json.loads(out)["root"] == nogpu, "GPUVIRT_ROOT")

    # check: exit status is the worst finding; usage errors are 64.
    t4 = host("t4")
    rc, out, err = run("check", "--root", t4)
    check(rc == 0, "check on the T4 host passes (exit %d): %s" % (rc, err))
    check("Checking if IOMMU is enabled by kernel" in out and ": PASS" in out, "virt-host-validate style lines")
    check("Verdict: passthrough" in out and "Verdict: share (vGPU)" in out, "verdicts printed")
    rc, out, _ = run("check", "--root", host("qemu-q35-iommu-on"))
    check(rc == 1, "a warning (boot VGA, no reset) exits 1, got %d" % rc)
    bad = host("bad-group")
    rc, out, _ = run("check", "--root", bad)
    check(rc == 2, "a failure exits 2, got %d" % rc)
    check("-> Move the GPU" in out, "remedy printed under a FAIL")
    rc, out, _ = run("check", "--json", "--root", bad)
    doc = json.loads(out)
    check(list(doc) == ["gpuvirt_version", "root", "worst", "findings", "devices"], "check JSON keys %s" % list(doc))
    check(doc["worst"] == "fail", "worst severity")
    iso = [f for f in doc["findings"] if f["code"] == "gpu.iommu_group.isolated"]
    check(len(iso) == 1 and iso[0]["subject"] == "0000:02:00.0" and iso[0]["severity"] == "fail", "finding fields")
    check(list(iso[0]) == ["code", "severity", "subject", "title", "message", "remedy"], "finding keys")
    check(doc["devices"] == [{"bdf": "0000:02:00.0", "passthrough": {"ok": False, "codes": ["gpu.iommu_group.isolated"]},
                              "share": {"ok": False, "codes": ["gpu.vgpu.active"]}}], "device verdicts")
    rc, out, _ = run("check", "--json", "--root", bad, "03:00.0")
    doc = json.loads(out)
    check(rc == 2 and [d["bdf"] for d in doc["devices"]] == ["0000:03:00.0"], "check one BDF")
    check(all(f["subject"] in (None, "0000:03:00.0") for f in doc["findings"]), "only that device's findings")
    check(run("check", "--root", bad, "not-a-bdf")[0] == 64, "malformed BDF: 64")
    check(run("check", "--bogus", "--root", bad)[0] == 64, "unknown option to check: 64")
    rc, _, err = run("check", "--root", bad, "0000:09:00.0")
    check(rc == 70 and "0000:09:00.0" in err, "unknown device: 70, named")
    rc, out, _ = run("report", "--root", bad)
    check(rc == 0 and "passthrough: no" in out and "(gpu.iommu_group.isolated)" in out, "report gains verdicts")

    # The table, command by command: a bad option, an option of another
    # command, a malformed BDF or UUID, a missing or extra argument are all
    # 64 with a line naming the command and its help; a well-formed address
    # that is not there is 70.
    operand = {"show": "BDF", "check": "BDF", "bind": "BDF", "unbind": "BDF", "profiles": "BDF",
               "create": None, "destroy": "UUID"}
    needs = {"show": 1, "bind": 1, "unbind": 1, "create": 1, "destroy": 1}
    for cmd in ["list", "show", "report", "check", "bind", "unbind", "recover", "profiles", "create", "destroy",
                "instances", "monitor", "version", "help"]:
        args = ["nvidia-230"] if cmd == "create" else ["0000:3b:00.0"] if needs.get(cmd) and cmd != "destroy" else \
            ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"] if cmd == "destroy" else []
        rc, _, err = run(cmd, *args, "--bogus", "--root", t4)
        check(rc == 64 and ("gpuvirt %s:" % cmd) in err and ("gpuvirt help %s" % cmd) in err,
              "%s --bogus: 64 naming the command (%d %r)" % (cmd, rc, err))
        other = "--policy=pack" if cmd != "create" else "--all"
        rc, _, err = run(cmd, *args, other, "--root", t4)
        check(rc == 64 and "does not apply to %s" % cmd in err, "%s %s: 64 (%d %r)" % (cmd, other, rc, err))
        rc, out, _ = run(cmd, "--help")
        check(rc == 0 and ("gpuvirt [--root DIR] [--verbose] %s" % cmd in out or cmd in ("version", "help"))
              and "Exit status" in out, "%s --help" % cmd)
        if needs.get(cmd):
            rc, _, err = run(cmd, "--root", t4)
            check(rc == 64, "%s without its argument: 64 (%d)" % (cmd, rc))
        if operand.get(cmd) == "BDF":
            rc, _, err = run(cmd, "not-a-bdf", "--root", t4)
            check(rc == 64 and "not a PCI address" in err, "%s not-a-bdf: 64 (%d %r)" % (cmd, rc, err))
            rc, _, err = run(cmd, "0000:09:00.0", "--root", t4)
            check(rc == 70 and "0000:09:00.0" in err, "%s on an absent device: 70 (%d %r)" % (cmd, rc, err))
        if operand.get(cmd) == "UUID":
            check(run(cmd, "nope", "--root", t4)[0] == 64, "%s nope: 64" % cmd)
            check(run(cmd, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "--root", t4)[0] == 70, "%s absent: 70" % cmd)
        if not needs.get(cmd) and cmd not in ("check", "profiles", "help"):
            check(run(cmd, "extra", "--root", t4)[0] == 64, "%s extra: 64" % cmd)
    for bad_value in (["create", "nvidia-230", "--policy", "bogus"], ["create", "nvidia-230", "--numa", "x"],
                      ["create", "nvidia-230", "--uuid", "nope"], ["create", "nvidia-230", "--gpu", "zz"],
                      ["bind", "3b:00.0", "--timeout", "soon"], ["list", "--root"]):
        rc, _, err = run(*bad_value, *(["--root", t4] if bad_value[-1] != "--root" else []))
        check(rc == 64 and "Try 'gpuvirt help" in err, "%s: 64 (%d %r)" % (" ".join(bad_value), rc, err))
    # monitor: the running kernel's events only (the real-kernel tier sees
    # them); elsewhere an operational error that says why.
    rc, out, err = run("monitor", "--root", t4)
    check(rc == 70 and "only with the root /" in err and out == "", "monitor off the running host: 70 (%d %r)" % (rc, err))
    check(run("monitor", "--count", "0", "--root", t4)[0] == 64, "monitor --count 0: 64")
    # The context's other setters, as global options.
    table = "%s/empty-table" % tmp
    with open(table, "w") as f:
        f.write("# no board\n")
    rc, out, _ = run("check", "--json", "--vgpu-table", table, "--root", t4)
    capable = [f["severity"] for f in json.loads(out)["findings"] if f["code"] == "gpu.vgpu.capable"]
    check(capable and capable[0] != "pass", "--vgpu-table is the table the check reads (%r)" % capable)
    check(run("list", "--vgpu-table", "relative", "--root", t4)[0] == 64, "--vgpu-table relative: 64")
    check(run("list", "--xl", "relative", "--root", t4)[0] == 64, "--xl relative: 64")
    listing = "%s/mig.txt" % tmp
    with open(listing, "w") as f:
        f.write("0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb          9        1          4:4     |\n")
    rc, out, _ = run("check", "--json", "--mig-listing", listing, "--root", host("h100-mig"))
    mig = [f["message"] for f in json.loads(out)["findings"] if f["code"] == "gpu.mig" and f["subject"] == "0000:18:00.0"]
    check(mig and "gi1 (3g.40gb at 4:4), gi2, gi9" in mig[0], "--mig-listing sizes the GPU instances (%r)" % mig)
    check(run("list", "--mig-listing", "relative", "--root", t4)[0] == 64, "--mig-listing relative: 64")
    with open(listing, "w") as f:
        f.write("|   0  MIG 3g.40gb          9        1          4:4     |\n0, 18:00.0\n")
    rc, _, err = run("list", "--mig-listing", listing, "--root", t4)
    check(rc == 70 and "mig.txt: line 2 is malformed" in err, "--mig-listing malformed: 70 naming the line (%r)" % err)
    rc, out, _ = run("help")
    check(rc == 0 and all(c in out for c in ("list", "bind", "instances")) and "64" in out and "70" in out,
          "help lists the commands and the exit table")
    rc, out, _ = run("help", "create")
    check(rc == 0 and "--policy" in out and "--dry-run" in out, "help create")
    check(run("help", "frobnicate")[0] == 64, "help for an unknown command")
    rc, out, _ = run("--version")
    check(rc == 0 and re.fullmatch(r"gpuvirt 1\.\d+\.\d+", out.strip()), "--version")

    # The man page: renders without a warning and names every command and
    # every option that `COMMAND --help` lists.
    import os
    page = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(HOSTS)))), "docs", "gpuvirt.1")
    text = open(page).read().replace("\\-", "-")
    for cmd in ["list", "show", "report", "check", "bind", "unbind", "recover", "profiles", "create", "destroy",
                "instances", "monitor", "version", "help"]:
        check(".B %s" % cmd in text, "gpuvirt.1 has %s" % cmd)
        for opt in set(re.findall(r"--[a-z][a-z-]+", run(cmd, "--help")[1])):
            check(opt in text, "gpuvirt.1 has %s's %s" % (cmd, opt))
    check("64" in text and "70" in text and "EXIT STATUS" in text, "gpuvirt.1 has the exit table")
    if shutil.which("man"):
        m = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env={"MANWIDTH": "80", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
        check(m.returncode == 0 and m.stderr == "" and "EXIT STATUS" in m.stdout, "man renders it: %r" % m.stderr)

    # --json on every command that prints data.
    for args in (["report"], ["bind", "3b:00.0", "--dry-run"], ["create", "nvidia-230", "--dry-run"], ["recover"],
                 ["instances"], ["profiles"], ["check"], ["show", "3b:00.0"], ["list"]):
        rc, out, err = run(*args, "--json", "--root", t4)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        check(rc == 0 and isinstance(doc, dict) and doc.get("root") == t4, "%s --json (%d %r)" % (args, rc, err))
    rc, out, _ = run("bind", "3b:00.0", "--dry-run", "--json", "--root", t4)
    doc = json.loads(out)
    check(doc["dry_run"] is True and doc["devices"] == ["0000:3b:00.0"] and doc["target"] == "vfio-pci" and
          doc["steps"][0] == {"device": "0000:3b:00.0", "action": "override",
                              "path": "sys/bus/pci/devices/0000:3b:00.0/driver_override", "value": "vfio-pci"},
          "bind --dry-run --json: the plan")
    rc, out, _ = run("profiles", "--json", "--root", t4)
    t222 = [p for p in json.loads(out)["profiles"] if p["id"] == "nvidia-222" and p["parent"] == "0000:3b:00.0"]
    check(len(t222) == 1 and t222[0]["max_resolution"] == "5120x2880" and t222[0]["heads"] == 4 and
          t222[0]["framebuffer_bytes"] == 1 << 30 and t222[0]["max_instances"] == 16 and
          t222[0]["frame_rate_limit"] == 45 and t222[0]["vgpu_class"] == "B",
          "profiles --json: nvidia-222's description as fields %r" % t222)
    rc, out, _ = run("report", "--json", "--root", bad)
    doc = json.loads(out)
    check(list(doc) == ["gpuvirt_version", "root", "worst", "host_findings", "devices", "verdicts", "profiles"] and
          doc["worst"] == "fail", "report --json keys %s" % list(doc))
    # report on a host without GPUs leads with the host's problems.
    rc, out, _ = run("report", "--root", off)
    lines = out.splitlines()
    check(rc == 0 and lines[2].startswith("Worst finding: fail") and lines[3] == "Host problems:" and
          any("FAIL: " in l for l in lines[4:8]), "report leads with the worst: %r" % lines[:6])

    # VFs marked; --pf leaves them out (the library's GPUVIRT_DEVICES_NO_VFS).
    rc, out, _ = run("list", "--root", a100)
    rows = out.splitlines()[1:]
    check(len(rows) == 40 and sum(",vf" in r.split()[6] for r in rows) == 32, "VFs marked in MODES")
    rc, out, _ = run("list", "--pf", "--json", "--root", a100)
    check([d["physfn"] for d in json.loads(out)["devices"]] == [None] * 8, "--pf: the 8 boards only")
    rc, out, _ = run("list", "--all", "--pf", "--json", "--root", a100)
    check(all(d["physfn"] is None for d in json.loads(out)["devices"]), "--all --pf: no VF")
finally:
    shutil.rmtree(tmp)

print("%d passed, %d failed" % (passed[0], len(failures)))
sys.exit(1 if failures else 0)
