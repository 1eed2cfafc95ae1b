#!/usr/bin/python3
"""The committed simulated hosts are exactly what generate.py writes."""
import filecmp
import os
import subprocess
import sys
import tempfile

hosts = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["/usr/bin/python3", os.path.join(hosts, "generate.py"), tmp], check=True)
    names = sorted(os.listdir(tmp))
    _, mismatch, errors = filecmp.cmpfiles(hosts, tmp, names, shallow=False)
    for n in mismatch + errors:
        print("FAIL: %s differs from generate.py's output: rerun it" % n)
    print("checked %d files" % len(names))
    sys.exit(1 if mismatch or errors else 0)
