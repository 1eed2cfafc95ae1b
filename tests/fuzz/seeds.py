#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) from
what the kernel and the vendors really write, and from our own state files.
usage: seeds.py [SIMHOST_TREE]  (a built simulated host adds real config
space bytes; build one with build/tests/simhost-build tests/simhost/hosts a100x8 DIR)"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = {
    "attributes": ["0x10de\n", "0000:3b:00.0", "3b:00.0", "flr bus\n", "(null)\n", "vfio-pci\n",
                   "11111111-2222-4333-8444-555555555555", "6.1.0-18-amd64", "Device Minor: 3\nModel: Tesla T4\n",
                   "-1\n", "99999999999999999999\n"],
    "vgpu_table": ["# vendor device svid sdid mechanism name\n10de 1eb8 * * nvidia-legacy Tesla T4\n"
                   "10de 20b5 10de 1533 nvidia-sriov A100 80GB\n1002 7408 * * amd-mxgpu MI250X\n"],
    "cmdline_cpuinfo": ["BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt\n",
                        "quiet amd_iommu=off intremap=off i915.enable_gvt=1\n",
                        "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx hypervisor\n\n"],
    "conf_token_json": ["ServerAddress=lic.example\nFeatureType=1\n# EnableUI=TRUE\n",
                        "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln",
                        '{\n  "mdev_type": "nvidia-222",\n  "start": "auto",\n  "attrs": []\n}\n'],
    "profile": ["GRID T4-4Q\0num_heads=4, frl_config=60, framebuffer=4096M, max_resolution=7680x4320, max_instance=4",
                "GVTg_V5_4\0low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\n",
                "mbochs-large\0virtual display, 64 MB video memory\n",
                "mdpy-xga\0virtual display, 1024x768 framebuffer\n", "NVIDIA A100DX-3-40C\0"],
    "vendor_types": ["ID    : vGPU Name\n697   : NVIDIA A100DX-1-10C\n698   : NVIDIA A100DX-2-20C\n", "\n",
                     # nvidia-smi's MIG listing (--query-gpu=index,pci.bus_id,mig.mode.current and mig -lgi)
                     "0, 00000000:18:00.0, Enabled\n1, 00000000:2A:00.0, Disabled\n"
                     "| GPU   Name             Profile  Instance   Placement  |\n"
                     "|   0  MIG 3g.40gb          9        1          4:4     |\n"
                     "|   0  MIG 1g.10gb+me      20        5          3:1     |\n"],
    "modules": ["pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00\0"
                "alias pci:v*d*sv*sd*bc*sc*i* vfio_pci\nalias pci:v000010DEd*sv*sd*bc03sc*i* nvidia\n",
                "x\0kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio.ko:\n"],
    "journal": ["gpuvirt-journal 2\nkind bind\nstate binding\npid 4242 99\nkey group-1\ntarget vfio-pci\n"
                "device 0000:01:00.0 nvidia -\ndevice 0000:01:00.1 snd_hda_intel -\nend\n",
                "gpuvirt-journal 2\nkind bind\nstate binding\npid 4242 99\nkey group-1\ntarget pciback\n"
                "device 0000:01:00.0 nvidia -\nreset 0000:01:00.0 flr,bus\nbefore 0000:01:00.0 vfio-pci vfio-pci\nend\n",
                "gpuvirt-journal 2\nkind bind\nstate bound\npid 4242 99\nkey group-3\ntarget vfio-pci\n"
                "device 0000:01:00.0 nvidia -\nhandover vtcon vtcon1 -\n"
                "handover framebuffer efi-framebuffer.0 efi-framebuffer\nend\n",
                "gpuvirt-journal 2\nkind create\nstate creating\npid 4242 99\nkey gpu-0000:3b:00.0\n"
                "uuid 11111111-2222-4333-8444-555555555555\nmechanism mdev\nparent 0000:3b:00.0\n"
                "mdev_parent 0000:3b:00.0\nprofile nvidia-222\nvf -\nend\n",
                "gpuvirt-journal 1\nstate bound\ntarget vfio-pci\nkey card-0000:01:00\npid 12\n"
                "device 0000:01:00.0 nvidia -\n"],
    "record": ["mechanism nvidia-vendor\nparent 0000:41:00.0\nprofile 697\nname NVIDIA A100DX-1-10C\n"
               "vf 0000:41:00.4\n", "mechanism sriov-vf\nparent 0000:c1:00.0\nprofile sriov-vf\nname MI210 VF\n"
               "vf 0000:c1:00.1\n"],
    "proc_stat": ["812 (Xorg) S 1 812 812 0 -1 4194560 2 0 0 0 0 0 0 0 20 0 1 0 5551234 1 1\n",
                  "77 (a) b) c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20\n"],
    "want": ['{\n  "version": 1,\n  "kind": "instance",\n  "uuid": "11111111-2222-4333-8444-555555555555",\n'
             '  "parent": "0000:41:00.0",\n  "profile": "697",\n  "mechanism": "nvidia-vendor",\n'
             '  "vf": "0000:41:00.4",\n  "owner": "vm-42"\n}\n',
             '{"version": 1, "kind": "binding", "device": "0000:01:00.0", "driver": "vfio-pci"}',
             '{"version": 1, "objects": [{"kind": "vfs", "device": "0000:c1:00.0", "count": 8},'
             ' {"kind": "instance", "uuid": "11111111-2222-4333-8444-555555555555", "parent": "mbochs",'
             ' "profile": "mbochs-1", "mechanism": "mdev"}]}'],
    # a real q35 GPU's resource table (bochs-display), a large-BAR one, a
    # resize mask, and config space with the Resizable BAR capability at 0x100
    "resource": ["0x00000000fb000000 0x00000000fbffffff 0x0000000000042208\n" + "0x0000000000000000 " * 2 +
                 "0x0000000000000000\n0x00000000febd0000 0x00000000febd0fff 0x0000000000040200\n" +
                 ("0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 10),
                 "0x00000000fa000000 0x00000000faffffff 0x0000000000040200\n"
                 "0x0000038000000000 0x00000387ffffffff 0x000000000014220c\n" + "0x0000000000000000 " * 2 +
                 "0x0000000000000000\n0x0000038800000000 0x0000038801ffffff 0x000000000014220c\n" +
                 ("0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 2) +
                 "0x000000000000e000 0x000000000000e07f 0x0000000000040101\n",
                 "000000000000fff0\n", "# quirks\n1002 7310-731f vendor-reset AMD Navi 10\n1002 7300 no-reset Fiji\n",
                 bytes(0x100) + bytes([0x15, 0, 0x01, 0, 0xf0, 0xff, 0x01, 0, 0x21, 0x08, 0, 0]),
                 "# MIG\n10de 20b0 7 A100 SXM4 40GB\n10de 20b7 4 A30\n10de 2321-233b 7 H100\n",
                 # proc/iomem with efifb on the boot VGA's BAR
                 "00000000-00000fff : Reserved\n80000000-dfffffff : PCI Bus 0000:00\n"
                 "  c0000000-cfffffff : 0000:01:00.0\n    c0000000-c07e8fff : efifb\n"
                 "  d0000000-d0ffffff : 0000:02:00.0\n"],
    "config": [],
    # recording NUL companion (tests/simhost/simhost.c); the last ones try to leave the root
    "simhost": ["P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nA: class=0x030000\\n\n"
                "H: config=DE10B81E\nL: driver=../../../bus/pci/drivers/nvidia\n"
                "L: iommu_group=../../../kernel/iommu_groups/3\n\0"
                "attr sys/module/nvidia/version=550.54\\n\nlink sys/x=../devices\ndir run/lock\n"
                "text etc/gpuvirt/a.conf\nkey=value\n.\nremove sys/x\n",
                "P: /devices/a\nL: up=../../../outside\nA: up/x=1\n\0link sys/out=../../outside\nattr sys/out/y=1\n",
                "\0base h\n",
                "P: /devices/a\nL: d=/sys/devices\nL: d/a/z=../q\n\0dir sys/devices/a/d/e\n"],
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for i, s in enumerate(seeds):
            with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
                f.write(s if isinstance(s, bytes) else s.encode())
    if len(sys.argv) > 1:
        d = os.path.join(HERE, "corpus", "config")
        found = [os.path.join(dp, "config") for dp, _, files in os.walk(os.path.join(sys.argv[1], "sys/devices"))
                 if "config" in files]  # os.walk does not follow sysfs's links (they loop)
        for i, cfg in enumerate(sorted(found)[:8]):
            with open(cfg, "rb") as f, open(os.path.join(d, "seed-%02d" % i), "wb") as out:
                out.write(f.read(64))


if __name__ == "__main__":
    main()
