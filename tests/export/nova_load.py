#!/usr/bin/python3
"""Load a nova.conf fragment with Nova's own code (Debian's python3-nova):
its configuration options (nova.conf.CONF, register_dynamic_opts) and its
PCI parsers (Whitelist, _get_alias_from_config). Prints what Nova made of
it as JSON: which of the host's functions (given on stdin as JSON
[{"address", "vendor_id", "product_id", "parent_addr"}]) Nova would assign,
the aliases, the mdev types and their addresses. Exits non-zero, with Nova's
exception on stderr, when Nova refuses the fragment.
usage: nova_load.py FRAGMENT < FUNCTIONS"""
import json
import sys

import nova.conf
from nova.pci import request, whitelist

CONF = nova.conf.CONF
CONF(args=[], default_config_files=[sys.argv[1]], project="nova")
nova.conf.devices.register_dynamic_opts(CONF)
allowed = whitelist.Whitelist(CONF.pci.device_spec)
functions = json.load(sys.stdin)
aliases = request._get_alias_from_config()
print(json.dumps({
    "assignable": [f["address"] for f in functions if allowed.device_assignable(f)],
    "aliases": {name: {"numa_policy": numa, "specs": specs} for name, (numa, specs) in aliases.items()},
    "mdev_types": {t: list(CONF["mdev_%s" % t].device_addresses) for t in CONF.devices.enabled_mdev_types},
}, sort_keys=True))
