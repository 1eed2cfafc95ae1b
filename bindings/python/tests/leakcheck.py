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
