# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run by tests/valgrind.sh under memcheck: every handle the wrapper makes
must be released (a definite leak fails). ROOT names a plain t4 host."""
import gpuvirt, os
root = os.environ["ROOT"]
for i in range(20):
    with gpuvirt.Context(root) as ctx:
        devs = list(ctx.devices(all=True))
        [d.iommu_group_members for d in devs]
        r = ctx.check(); r.findings; r.can_share(devs[-1].bdf) if r.devices else None
        list(ctx.profiles()); list(ctx.instances())
        ctx.device("3b:00.0").bind_plan("vfio-pci").steps
        try: ctx.device("0000:09:00.0")  # the library's error path
        except gpuvirt.GpuvirtError: pass
        try: ctx.device("nope")  # refused before the library
        except ValueError: pass
# The persisted state (a record to do, one damaged) compared with the host,
# and every export format.
inst = os.path.join(root, "etc/gpuvirt/instances")
os.makedirs(inst, exist_ok=True)
with open(os.path.join(inst, "11111111-2222-4333-8444-555555555555.json"), "w") as f:
    f.write('{"version": 1, "kind": "instance", "uuid": "11111111-2222-4333-8444-555555555555", '
            '"parent": "0000:3b:00.0", "profile": "nvidia-233", "mechanism": "mdev"}\n')
with open(os.path.join(inst, "bad.json"), "w") as f:
    f.write('{"version": 1, "kind": "instance"}\n')
for i in range(5):
    with gpuvirt.Context(root) as ctx:
        items = ctx.state_plan().items
        assert [i.status for i in items] == ["blocked", "to-do"], items
        for fmt in ("nova", "kubevirt", "nfd", "prometheus", "nodedev"):
            ctx.export(fmt)
        ctx.export("kubevirt", yaml=True)
        try: ctx.export("nodedev", ["0000:09:00.0"])
        except gpuvirt.GpuvirtError: pass
