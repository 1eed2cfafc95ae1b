#!/usr/bin/python3
"""Smoke test on this machine's real /sys: gpuvirt list --all --json agrees
with `lspci -D -n -vmm -k` on functions, IDs, subsystem IDs, revisions,
classes and drivers. A machine without PCI functions is a skip (77), never
a pass: there is nothing to compare."""
import json
import os
import shutil
import subprocess
import sys

if not shutil.which("lspci"):
    print("lspci is missing (Debian: pciutils)")
    sys.exit(1)
ours = json.loads(subprocess.run([sys.argv[1], "list", "--all", "--json", "--root", "/"],
                                 check=True, capture_output=True, text=True).stdout)["devices"]
out = subprocess.run(["lspci", "-D", "-n", "-vmm", "-k"], check=True, capture_output=True, text=True).stdout
theirs = {}
for block in out.strip().split("\n\n"):
    rec = dict(line.split(":\t", 1) for line in block.splitlines() if ":\t" in line)
    theirs[rec["Slot"]] = rec
if not theirs and not os.listdir("/sys/bus/pci/devices"):
    print("SKIP: this machine has no PCI functions to compare")
    sys.exit(77)
bad = []
if not ours:
    bad.append("gpuvirt found no functions; lspci found %d" % len(theirs))
if sorted(theirs) != [d["bdf"] for d in ours]:
    bad.append("functions differ: lspci %s, gpuvirt %s" % (sorted(theirs), [d["bdf"] for d in ours]))
for d in ours:
    t = theirs.get(d["bdf"])
    if not t:
        continue
    if (t["Vendor"], t["Device"]) != (d["vendor_id"], d["device_id"]):
        bad.append("%s ids %s:%s vs %s:%s" % (d["bdf"], t["Vendor"], t["Device"], d["vendor_id"], d["device_id"]))
    if t["Class"] != d["class"][:4]:
        bad.append("%s class %s vs %s" % (d["bdf"], t["Class"], d["class"]))
    if t.get("Driver") != d["driver"]:
        bad.append("%s driver %s vs %s" % (d["bdf"], t.get("Driver"), d["driver"]))
    # lspci leaves out a zero subsystem and a zero revision.
    if (t.get("SVendor", "0000"), t.get("SDevice", "0000")) != (d["subsystem_vendor_id"], d["subsystem_device_id"]):
        bad.append("%s subsystem %s:%s vs %s:%s" % (d["bdf"], t.get("SVendor"), t.get("SDevice"),
                                                   d["subsystem_vendor_id"], d["subsystem_device_id"]))
    if t.get("Rev", "00") != d["revision"]:
        bad.append("%s revision %s vs %s" % (d["bdf"], t.get("Rev", "00"), d["revision"]))
for b in bad:
    print("FAIL:", b)
print("compared %d functions" % len(ours))
print("%d passed, %d failed" % (len(ours) * 6 - len(bad), len(bad)))
sys.exit(1 if bad else 0)
