#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every mutant of mutants.txt still applies: its text occurs exactly once in
its file, so that run.sh tests the bug it names rather than skipping it
after the code moved. Fast (no build): the suite runs it; run.sh then
builds and kills them before a release.

usage: current.py [TOP]   Prints 'N mutants apply' or each that does not."""
import os
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
bad = n = 0
with open(os.path.join(top, "tests", "mutation", "mutants.txt")) as f:
    for line in f:
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 5:
            print("%s: not five tab-separated fields" % fields[0])
            bad += 1
            continue
        name, path, text = fields[0], fields[1], fields[2].replace("\\n", "\n").replace("\\t", "\t")
        n += 1
        try:
            with open(os.path.join(top, path)) as src:
                count = src.read().count(text)
        except OSError as e:
            print("%s: %s" % (name, e))
            bad += 1
            continue
        if count != 1:
            print("%s: its text occurs %d times in %s (update mutants.txt)" % (name, count, path))
            bad += 1
print("%d mutants apply, %d do not" % (n - bad, bad))
sys.exit(1 if bad or not n else 0)
