#!/usr/bin/python3
"""Generate a large simulated host for benchmarks and scale tests.

usage: gen-large-host.py [--model a100|t4] [--gpus N] [--vfs M] [--others K] [--active] [--name NAME] OUTDIR

Writes OUTDIR/NAME.umockdev and OUTDIR/NAME.host: N NVIDIA A100 GPUs
(10de:20b2, nvidia driver, each behind its own root port and in its own IOMMU
group; 120 to a PCI domain, as on multi-segment servers) with M SR-IOV VFs enabled on each (each VF in its own group, with
NVIDIA's vendor vGPU files; with --active, each GPU's first VF runs a
vGPU instance of type 707, A100DX-40C), and K other PCI functions (Intel I350 NIC
functions on igb, eight to a slot). With --model t4: N NVIDIA T4s (10de:1eb8)
on the vGPU host driver with their eight legacy mdev types each (no VFs), as
on the hand-made t4 host. Then either

  simhost-build OUTDIR NAME TREE          a plain tree, for read-only timing
  simhost-fuse --hosts OUTDIR --host NAME MOUNTPOINT   served, writable
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "hosts"))
import generate  # noqa: E402  (the hand-made hosts' builder)


def large(gpus, vfs, others, name, active=False):
    if not 1 <= gpus <= 120 * 64 or not 0 <= vfs <= 248 or not 0 <= others <= 32 * 8 * 64:
        raise SystemExit("gen-large-host: --gpus 1..7680, --vfs 0..248, --others 0..16384")
    h = generate.Host(name, "Generated: %d GPUs with %d VFs each and %d other functions." % (gpus, vfs, others))
    generate.chipset(h)
    group, groups = 1, [0]
    for i in range(gpus):
        dom, bus = i // 120, 1 + i % 120
        port = "%04x:00:%02x.%x" % (dom, 1 + i % 120 // 8, i % 8)
        h.pci(port, 0x8086, 0x347a, generate.BRIDGE, rev=0x04, driver="pcieport", group=group, numa=i % 2,
              header=1)
        groups.append(group)
        group += 1
        pf = "%04x:%02x:00.0" % (dom, bus)
        vf_bdfs = []
        for k in range(vfs):
            rid = 4 + k
            vf_bdfs.append("%04x:%02x:%02x.%d" % (dom, bus, rid >> 3, rid & 7))
        h.pci(pf, 0x10de, 0x20b2, 0x030200, subv=0x10de, subd=0x1463, driver="nvidia", group=group, numa=i % 2,
              reset="flr bus", parent=port, sriov=(max(20, vfs), vf_bdfs, 0x20b2))
        groups.append(group)
        group += 1
        for vf in vf_bdfs:
            h.pci(vf, 0x10de, 0x20b2, 0x030200, subv=0x10de, subd=0x1463, driver="nvidia", group=group,
                  numa=i % 2, reset="flr", parent=port, vf_of=pf)
            groups.append(group)
            group += 1
        # MIG off: the time-sliced types; once one runs, only it (NVIDIA's rule: one type per GPU).
        offered = [t for t in generate.A100_TYPES if not generate.mig_slices(t[1]) and (not active or t[0] == 707)]
        for k, vf in enumerate(vf_bdfs):
            h.nvidia_vf(vf, offered, current="707" if active and k == 0 else "0")
    for j in range(others):
        bus = 0x80 + j // 256
        bdf = "0000:%02x:%02x.%d" % (bus, (j // 8) % 32, j % 8)
        h.pci(bdf, 0x8086, 0x1521, 0x020000, rev=0x01, driver="igb", group=group, numa=0, reset="flr")
        groups.append(group)
        group += 1
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/md0 ro intel_iommu=on", groups=groups,
           modules=("nvidia",) + generate.VFIO_LOADED, available=generate.VFIO)
    return h


def large_t4(gpus, others, name):
    if not 1 <= gpus <= 120 or not 0 <= others <= 32 * 8 * 64:
        raise SystemExit("gen-large-host: --model t4: --gpus 1..120, --others 0..16384")
    h = generate.Host(name, "Generated: %d T4s with legacy mdev types and %d other functions." % (gpus, others))
    generate.chipset(h)
    group, groups = 1, [0]
    for i in range(gpus):
        port = "0000:00:%02x.%x" % (1 + i // 8, i % 8)
        h.pci(port, 0x8086, 0x2030, generate.BRIDGE, rev=0x04, driver="pcieport", group=group, numa=i % 2, header=1)
        gpu = "0000:%02x:00.0" % (1 + i)
        h.pci(gpu, 0x10de, 0x1eb8, 0x030200, rev=0xa1, subv=0x10de, subd=0x12a2, driver="nvidia", group=group + 1,
              numa=i % 2, reset="flr bus", parent=port)
        h.mdev_types(gpu, [(t, n, d + "\n", avail) for t, n, _, avail, d in generate.T4_TYPES])
        groups += [group, group + 1]
        group += 2
    for j in range(others):
        bdf = "0000:%02x:%02x.%d" % (0x80 + j // 256, (j // 8) % 32, j % 8)
        h.pci(bdf, 0x8086, 0x1521, 0x020000, rev=0x01, driver="igb", group=group, numa=0, reset="flr")
        groups.append(group)
        group += 1
    h.companion += ["attr lib/systemd/system/nvidia-vgpu-mgr.service=[Unit]\\nDescription=NVIDIA vGPU Manager\\n"]
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on", groups=groups,
           modules=("nvidia", "nvidia_vgpu_vfio", "mdev") + generate.VFIO_LOADED, available=generate.VFIO)
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=("a100", "t4"), default="a100")
    ap.add_argument("--gpus", type=int, default=8)
    ap.add_argument("--vfs", type=int, default=4)
    ap.add_argument("--others", type=int, default=32)
    ap.add_argument("--active", action="store_true", help="a vGPU instance on each GPU's first VF")
    ap.add_argument("--name", default="large")
    ap.add_argument("outdir")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    if a.model == "t4":
        large_t4(a.gpus, a.others, a.name).write(a.outdir)
    else:
        large(a.gpus, a.vfs, a.others, a.name, a.active).write(a.outdir)


if __name__ == "__main__":
    main()
