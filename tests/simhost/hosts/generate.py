#!/usr/bin/python3
"""Write the hand-made simulated hosts as umockdev recordings plus companions.

Run from anywhere: `python3 generate.py [OUTDIR]` (default: this folder). The
files it writes are committed; tests/simhost/test-hosts-current.sh checks that
they still match this script. IDs, attribute spellings and link layouts follow
shared/reference/host-facts.md and the real-kernel recordings beside them.
"""
import os
import re
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def mig_slices(name):
    """A MIG-backed type's compute slices by NVIDIA's naming ("A100DX-3-40C": 3); 0 time-sliced."""
    m = re.search(r"-(\d)-\d+C", name)
    return int(m.group(1)) if m else 0


def esc(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def config_hex(vendor, device, cls, rev, subv, subd, header=0, vf=False):
    b = bytearray(64)
    if vf:  # a VF's config space reads all-ones for its IDs
        b[0:4] = b"\xff\xff\xff\xff"
    else:
        b[0:2] = vendor.to_bytes(2, "little")
        b[2:4] = device.to_bytes(2, "little")
    b[8] = rev
    b[9:12] = cls.to_bytes(3, "little")
    b[0x0e] = header
    if header == 0:
        b[0x2c:0x2e] = subv.to_bytes(2, "little")
        b[0x2e:0x30] = subd.to_bytes(2, "little")
    return b.hex().upper()


K, M, G = 1 << 10, 1 << 20, 1 << 30
# The kernel's IORESOURCE_* flags of a BAR in `resource` (with the BAR's own
# low bits): memory 32-bit, prefetchable, 64-bit, 64-bit prefetchable, I/O.
BAR_FLAGS = {"m32": 0x40200, "m32p": 0x42208, "m64": 0x140204, "m64p": 0x14220c, "io": 0x40101}
# Display functions' BARs by (vendor, device, is a VF), 0 to 5; a 64-bit BAR
# leaves the next slot empty. Sizes as lspci -v shows them on such cards.
NV_CARD = [(16 * M, "m32"), (256 * M, "m64p"), None, (32 * M, "m64p"), None, (128, "io")]
NV_DC = [(16 * M, "m32"), (64 * G, "m64p"), None, (32 * M, "m64p"), None, None]  # L40S
NV_A100_80 = [(16 * M, "m32"), (128 * G, "m64p"), None, (32 * M, "m64p"), None, None]
NV_VF = [(16 * M, "m32"), (4 * G, "m64p"), None, (32 * M, "m64p"), None, None]
INTEL_IGPU = [(16 * M, "m64"), None, (256 * M, "m64p"), None, (64, "io"), None]
AMD_CARD = [(256 * M, "m64p"), None, (2 * M, "m64p"), None, (256, "io"), (512 * K, "m32")]
BARS = {(0x10de, 0x1eb8, False): [(16 * M, "m32"), (256 * M, "m64p"), None, (32 * M, "m64p"), None, None],
        (0x10de, 0x1e87, False): NV_CARD, (0x10de, 0x2684, False):
        [(16 * M, "m32"), (32 * G, "m64p"), None, (32 * M, "m64p"), None, (128, "io")],
        (0x10de, 0x20b2, False): NV_A100_80, (0x10de, 0x26b9, False): NV_DC,
        (0x10de, 0x20b2, True): NV_VF, (0x10de, 0x26b9, True): NV_VF,
        (0x8086, 0x3e92, False): INTEL_IGPU, (0x8086, 0x5917, False): INTEL_IGPU,
        (0x1002, 0x6929, False): AMD_CARD, (0x1002, 0x692f, True):
        [(256 * M, "m64p"), None, (2 * M, "m64p"), None, None, (256 * K, "m32")],
        (0x1002, 0x740f, False): [(64 * G, "m64p"), None, (2 * M, "m64p"), None, None, (512 * K, "m32")],
        (0x1002, 0x731f, False): AMD_CARD}


class Host:
    def __init__(self, name, comment):
        self.name, self.comment = name, comment
        self.devices = []  # (path, lines)
        self.companion = []
        self.next = {"m32": 0xe0000000, "m64": 0x38000000000, "io": 0xe000}  # where the next BAR goes
        self.regions = {}  # bdf: [(start, end) or None for each BAR]

    def resource(self, bars, regions=None):
        """The kernel's `resource` text: six BARs, the ROM, six SR-IOV BARs."""
        lines = []
        for bar in bars + [None] * 7:
            if bar is None:
                lines.append("0x%016x 0x%016x 0x%016x" % (0, 0, 0))
                continue
            size, kind = bar
            space = "io" if kind == "io" else "m64" if kind.startswith("m64") else "m32"
            start = (self.next[space] + size - 1) // size * size
            self.next[space] = start + size
            lines.append("0x%016x 0x%016x 0x%016x" % (start, start + size - 1, BAR_FLAGS[kind]))
            if regions is not None and space != "io":
                regions.append((start, start + size - 1))
        return "\\n".join(lines) + "\\n"

    def pci(self, bdf, vendor, device, cls, rev=0xa1, subv=None, subd=None, driver=None, group=None,
            numa=-1, boot_vga=None, reset=None, parent=None, vf_of=None, sriov=None, attrs=None,
            links=None, drm=(), header=0, rebar=None, power="D0"):
        subv = vendor if subv is None else subv
        subd = device if subd is None else subd
        path = "/devices/pci%s:00/" % bdf[:4] + (parent + "/" if parent else "") + bdf  # the domain's root
        L = ["E: DRIVER=%s" % driver] if driver else []
        L += ["E: PCI_CLASS=%X" % cls, "E: PCI_ID=%04X:%04X" % (vendor, device),
              "E: PCI_SLOT_NAME=%s" % bdf, "E: SUBSYSTEM=pci"]
        if boot_vga is not None:
            L.append("A: boot_vga=%d\\n" % boot_vga)
        L.append("A: class=0x%06x\\n" % cls)
        L.append("H: config=" + config_hex(vendor, device, cls, rev, subv, subd, header, vf_of is not None))
        L.append("A: device=0x%04x\\n" % device)
        if driver:
            L.append("L: driver=%sbus/pci/drivers/%s" % ("../" * path.count("/"), driver))
        L.append("A: driver_override=(null)\\n")
        if group is not None:
            L.append("L: iommu_group=%skernel/iommu_groups/%d" % ("../" * path.count("/"), group))
        # As the kernel writes it (drivers/pci/pci-sysfs.c modalias_show).
        L.append("A: modalias=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\\n" % (
            vendor, device, subv, subd, cls >> 16, (cls >> 8) & 0xff, cls & 0xff))
        L.append("A: numa_node=%d\\n" % numa)
        if vf_of:
            L.append("L: physfn=../%s" % vf_of)
        if reset is not None:
            L.append("A: reset_method=%s\\n" % reset)
        # Every function has one, as on the real kernel: a bridge's BARs are
        # unused, a sound or other function has one small 32-bit BAR.
        bars = BARS.get((vendor, device, vf_of is not None)) if cls >> 16 == 0x03 else \
            [] if cls >> 16 == 0x06 else [(16 * K if cls >> 8 == 0x0403 else 64 * K, "m32")]
        self.regions[bdf] = []
        L.append("A: resource=" + self.resource((bars or []) + [None] * (6 - len(bars or [])), self.regions[bdf]))
        for i, mask in sorted((rebar or {}).items()):  # bit k: 1 MiB << k (Linux 6.1+)
            L.append("A: resource%d_resize=%016x\\n" % (i, mask))
        L.append("A: power_state=%s\\n" % power)  # Linux 5.17+
        L.append("A: revision=0x%02x\\n" % rev)
        if sriov:
            total, vfs, vfdev = sriov
            L += ["A: sriov_drivers_autoprobe=1\\n", "A: sriov_numvfs=%d\\n" % len(vfs),
                  "A: sriov_offset=4\\n", "A: sriov_stride=1\\n", "A: sriov_totalvfs=%d\\n" % total,
                  "A: sriov_vf_device=%x\\n" % vfdev]
        L.append("A: subsystem_device=0x%04x\\n" % subd)
        L.append("A: subsystem_vendor=0x%04x\\n" % subv)
        L.append("A: vendor=0x%04x\\n" % vendor)
        if sriov:
            for i, vf in enumerate(sriov[1]):
                L.append("L: virtfn%d=../%s" % (i, vf))
        for k, v in sorted((attrs or {}).items()):
            L.append("A: %s=%s" % (k, esc(v)))
        for k, v in sorted((links or {}).items()):
            L.append("L: %s=%s" % (k, v))
        self.devices.append((path, L))
        for i, node in enumerate(drm):
            self.devices.append((path + "/drm/" + node, ["N: dri/" + node, "E: SUBSYSTEM=drm",
                                                         "L: device=../../../" + bdf]))
        return path

    def mdev_types(self, bdf, types):
        """types: [(id, name, description, available)] under the device."""
        dev = [p for p, _ in self.devices if p.endswith("/" + bdf)][0]
        for tid, name, desc, avail in types:
            base = "sys%s/mdev_supported_types/%s/" % (dev, tid)
            self.companion += ["attr %sname=%s\\n" % (base, esc(name)),
                               "attr %sdescription=%s" % (base, esc(desc)),
                               "attr %sdevice_api=vfio-pci\\n" % base,
                               "attr %savailable_instances=%d\\n" % (base, avail),
                               "attr %screate=" % base, "dir %sdevices" % base]
        self.companion.append("link sys/class/mdev_bus/%s=../../devices%s" % (bdf, dev[len("/devices"):]))

    def nvidia_vf(self, bdf, creatable, current="0"):
        dev = [p for p, _ in self.devices if p.endswith("/" + bdf)][0]
        base = "sys%s/nvidia/" % dev
        lines = "".join("%d : %s\n" % t for t in creatable)
        self.companion += ["attr %screatable_vgpu_types=%s" % (base, esc("ID : vGPU Name\n" + lines)),
                           "attr %scurrent_vgpu_type=%s\\n" % (base, current),
                           "attr %sgpu_instance_id=0\\n" % base, "attr %splacement_id=0\\n" % base,
                           "attr %svgpu_params=" % base]

    def nvidia_board(self, pf, vfs, types, gis=None):
        """NVIDIA's vendor interface on a PF's VFs: every type the board has (.simhost/nvidia/<pf>.types,
        what the simulated driver chooses from), MIG mode with its GPU instances (.simhost/nvidia/<pf>.gis,
        "ID SLICES" lines; gis None: MIG off), and what each free VF offers by the driver's rule: with
        MIG off the time-sliced types, with MIG on the MIG-backed types of a GPU instance's size."""
        lines = "".join("%d : %s\n" % t for t in types)
        self.companion.append("attr .simhost/nvidia/%s.types=%s" % (pf, esc("ID : vGPU Name\n" + lines)))
        if gis is None:
            offered = [t for t in types if not mig_slices(t[1])]
        else:
            self.companion.append("attr .simhost/nvidia/%s.gis=%s" % (pf, esc("".join("%d %d\n" % g for g in gis))))
            offered = [t for t in types if mig_slices(t[1]) in [s for _, s in gis]]
        for vf in vfs:
            self.nvidia_vf(vf, offered)

    def boot_framebuffer(self, bdf, platform="efi-framebuffer", region="efifb"):
        """The firmware's framebuffer (1920x1080x32) at the start of the boot VGA's largest memory BAR:
        proc/iomem as the kernel nests it (kernel/resource.c), sysfb's platform device bound to its
        driver (efifb), its fb0, and fbcon's vtcon1 on it."""
        c = self.companion
        start, end = max(self.regions[bdf], key=lambda r: r[1] - r[0])
        lines = ["00000000-00000fff : Reserved", "00001000-0009ffff : System RAM",
                 "00100000-7fffffff : System RAM", "  01000000-01ffffff : Kernel code"]
        for s, e, name in sorted((s, e, b) for b, rs in self.regions.items() for s, e in rs):
            lines.append("  %08x-%08x : %s" % (s, e, name))
            if name == bdf and (s, e) == (start, end):
                lines.append("    %08x-%08x : %s" % (s, s + 1920 * 1080 * 4 - 1, region))
        c += ["text proc/iomem"] + lines + ["."]
        dev = "sys/devices/platform/%s.0" % platform
        c += ["attr %s/modalias=platform:%s\\n" % (dev, platform),
              "link %s/driver=../../../bus/platform/drivers/%s" % (dev, platform),
              "link %s/subsystem=../../../bus/platform" % dev,
              "link sys/bus/platform/devices/%s.0=../../../devices/platform/%s.0" % (platform, platform),
              "link sys/bus/platform/drivers/%s/%s.0=../../../../devices/platform/%s.0" % (platform, platform, platform),
              "attr sys/bus/platform/drivers/%s/bind=" % platform,
              "attr sys/bus/platform/drivers/%s/unbind=" % platform,
              "attr %s/graphics/fb0/name=EFI VGA\\n" % dev,
              "link %s/graphics/fb0/device=../../../%s.0" % (dev, platform),
              "link sys/class/graphics/fb0=../../devices/platform/%s.0/graphics/fb0" % platform]
        for n, (name, bind) in enumerate((("(S) dummy device", 0), ("(M) frame buffer device", 1))):
            c += ["attr sys/devices/virtual/vtconsole/vtcon%d/name=%s\\n" % (n, name),
                  "attr sys/devices/virtual/vtconsole/vtcon%d/bind=%d\\n" % (n, bind),
                  "link sys/class/vtconsole/vtcon%d=../../devices/virtual/vtconsole/vtcon%d" % (n, n)]

    def host(self, cmdline, cpu_flag="vmx", vendor="GenuineIntel", acpi=("APIC", "DMAR"), iommu=("dmar0",),
             groups=(), modules=(), release="6.1.0-56-amd64", builtin=(), available=(), aliases=(),
             iommufd=False):
        c = self.companion
        c += ["text proc/cmdline", cmdline, "."]
        c += ["text proc/cpuinfo", "processor\t: 0", "vendor_id\t: " + vendor,
              "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep %s lm" % cpu_flag, "", "."]
        c.append("attr proc/sys/kernel/osrelease=%s\\n" % release)
        c += ["attr sys/firmware/acpi/tables/%s=" % t for t in acpi]
        c += ["dir sys/class/iommu/%s" % i for i in iommu]
        # VT-d extended capabilities: bit 3 (IR) is interrupt remapping.
        c += ["attr sys/class/iommu/%s/intel-iommu/ecap=f050da\\n" % i for i in iommu if i.startswith("dmar")]
        c += ["attr sys/kernel/iommu_groups/%d/type=DMA\\n" % g for g in groups]
        c += ["dir sys/module/%s" % m for m in modules]
        if iommufd:  # Linux 6.6+: /dev/iommu and the VFIO device cdevs' class
            c += ["attr dev/iommu=", "dir sys/class/vfio-dev"]
            # CONFIG_VFIO_DEVICE_CDEV: vfio's char major, so a vfio device's
            # vfio-dev/vfioN has a dev number and a /dev/vfio/devices node.
            c += ["text proc/devices", "Character devices:", "  1 mem", " 10 misc", "241 vfio-dev",
                  "242 vfio", "", "Block devices:", "  7 loop", "."]
        # A loaded PCI driver module registers its driver: the real kernel
        # never shows one without the other (vfio_pci loaded, no vfio-pci).
        for m in modules:
            drv = MODULE_DRIVERS.get(m)
            if drv:
                c += ["attr sys/bus/pci/drivers/%s/%s=" % (drv, f) for f in ("bind", "unbind", "new_id", "remove_id")]
                c.append("link sys/bus/pci/drivers/%s/module=../../../../module/%s" % (drv, m))
        dep = "".join("kernel/drivers/%s.ko: \n" % m for m in available)
        c.append("attr lib/modules/%s/modules.dep=%s" % (release, esc(dep)))
        if aliases:  # (pattern, module): depmod's modules.alias
            c.append("attr lib/modules/%s/modules.alias=%s" % (release, esc("".join(
                "alias %s %s\n" % a for a in aliases))))
        c.append("attr lib/modules/%s/modules.builtin=%s" % (release, esc("".join(
            "kernel/drivers/%s.ko\n" % m for m in builtin))))

    def write(self, out=None):
        out = out or OUT
        with open(os.path.join(out, self.name + ".umockdev"), "w") as f:
            f.write("# %s\n# Written by generate.py; edit that, not this.\n\n" % self.comment)
            for path, lines in self.devices:
                f.write("P: %s\n%s\n\n" % (path, "\n".join(lines)))
        with open(os.path.join(out, self.name + ".host"), "w") as f:
            f.write("# Companion of %s.umockdev (generate.py)\n" % self.name)
            f.write("\n".join(self.companion) + "\n")


VFIO = ("vfio/vfio", "vfio/pci/vfio-pci", "vfio/vfio_iommu_type1", "xen/xen-pciback/xen-pciback")
VFIO_LOADED = ("vfio", "vfio_pci", "vfio_iommu_type1")
MODULE_DRIVERS = {"vfio_pci": "vfio-pci", "xen_pciback": "pciback"}
BRIDGE = 0x060400


def chipset(h, group0=0):
    h.pci("0000:00:00.0", 0x8086, 0x3e30, 0x060000, rev=0x0d, driver="skl_uncore", group=group0)


def nogpu():
    h = Host("nogpu", "A server without any GPU: host bridge, SATA, NIC.")
    chipset(h)
    h.pci("0000:00:17.0", 0x8086, 0xa352, 0x010601, rev=0x10, driver="ahci", group=1, reset="")
    h.pci("0000:00:1f.6", 0x8086, 0x15bb, 0x020000, rev=0x10, driver="e1000e", group=2, reset="flr")
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on", groups=(0, 1, 2), modules=VFIO_LOADED,
           available=VFIO)
    return h


def nvidia_pair(h, bus, dev, audio_dev, group, numa=-1, parent="0000:00:01.0", driver="nvidia", boot_vga=0,
                audio_group=None, subd=None, rebar=None):
    gpu = "0000:%02x:00.0" % bus
    aud = "0000:%02x:00.1" % bus
    h.pci(gpu, 0x10de, dev, 0x030000, rev=0xa1, subv=0x1043, subd=subd or 0x8700, driver=driver, group=group,
          numa=numa, boot_vga=boot_vga, reset="bus", parent=parent, drm=("card1", "renderD129"), rebar=rebar)
    h.pci(aud, 0x10de, audio_dev, 0x040300, rev=0xa1, subv=0x1043, subd=subd or 0x8700, driver="snd_hda_intel",
          group=group if audio_group is None else audio_group, numa=numa, reset="bus", parent=parent)
    return gpu, aud


def workstation():
    h = Host("workstation", "A workstation: Intel UHD 630 iGPU (boot VGA) and an NVIDIA RTX 2080 "
             "whose HDMI audio shares its IOMMU group with it and the root port.")
    chipset(h)
    h.pci("0000:00:01.0", 0x8086, 0x1901, BRIDGE, rev=0x0d, driver="pcieport", group=1, header=1)
    h.pci("0000:00:02.0", 0x8086, 0x3e92, 0x030000, rev=0x00, subv=0x1043, subd=0x8694, driver="i915", group=2,
          boot_vga=1, reset="flr", drm=("card0", "renderD128"))
    h.pci("0000:00:14.0", 0x8086, 0xa36d, 0x0c0330, rev=0x10, driver="xhci_hcd", group=3, reset="flr")
    nvidia_pair(h, 1, 0x1e87, 0x10f8, 1, parent="0000:00:01.0")
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro quiet intel_iommu=on iommu=pt", groups=(0, 1, 2, 3),
           modules=("nvidia", "i915", "snd_hda_intel"), available=VFIO)
    return h


def iommu_off():
    h = Host("iommu-off", "The workstation's NVIDIA card on a host whose IOMMU is off: no groups.")
    h.pci("0000:00:00.0", 0x8086, 0x3e30, 0x060000, rev=0x0d, driver="skl_uncore")
    h.pci("0000:00:01.0", 0x8086, 0x1901, BRIDGE, rev=0x0d, driver="pcieport", header=1)
    nvidia_pair(h, 1, 0x1e87, 0x10f8, None, parent="0000:00:01.0", boot_vga=1)
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet", iommu=(), groups=(), modules=("nvidia",),
           available=VFIO)
    return h


def bad_group():
    h = Host("bad-group", "An NVIDIA card behind a switch without ACS: its group also holds a USB "
             "controller and a NIC of other cards.")
    chipset(h)
    h.pci("0000:00:1c.0", 0x8086, 0xa33c, BRIDGE, rev=0xf0, driver="pcieport", group=1, header=1)
    nvidia_pair(h, 2, 0x1e87, 0x10f8, 1, parent="0000:00:1c.0")
    h.pci("0000:03:00.0", 0x1912, 0x0015, 0x0c0330, rev=0x02, driver="xhci_hcd", group=1, reset="",
          parent="0000:00:1c.0")
    h.pci("0000:04:00.0", 0x8086, 0x1533, 0x020000, rev=0x03, driver="igb", group=1, reset="flr",
          parent="0000:00:1c.0")
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on", groups=(0, 1), modules=VFIO_LOADED,
           available=VFIO)
    return h


A100_TYPES = [(697, "NVIDIA A100DX-1-10C"), (698, "NVIDIA A100DX-2-20C"), (699, "NVIDIA A100DX-3-40C"),
              (700, "NVIDIA A100DX-4-40C"), (701, "NVIDIA A100DX-7-80C"), (702, "NVIDIA A100DX-4C"),
              (703, "NVIDIA A100DX-8C"), (704, "NVIDIA A100DX-10C"), (705, "NVIDIA A100DX-16C"),
              (706, "NVIDIA A100DX-20C"), (707, "NVIDIA A100DX-40C"), (708, "NVIDIA A100DX-80C")]


def a100():
    h = Host("a100x8", "An HGX A100 80GB server: 8 GPUs (10de:20b2) on the nvidia driver with SR-IOV, "
             "4 VFs enabled on each, NVIDIA's vendor vGPU sysfs on the VFs (no mdev), MIG mode off: the VFs offer "
             "the time-sliced types.")
    chipset(h)
    group = 1
    groups = [0]
    for i, bus in enumerate((0x07, 0x0f, 0x47, 0x4e, 0x87, 0x90, 0xb7, 0xbd)):
        numa = 0 if i < 4 else 1
        port = "0000:00:%02x.0" % (i + 1)
        h.pci(port, 0x8086, 0x347a, BRIDGE, rev=0x04, driver="pcieport", group=group, numa=numa, header=1)
        groups.append(group)
        group += 1
        pf = "0000:%02x:00.0" % bus
        vfs = ["0000:%02x:00.%d" % (bus, 4 + k) for k in range(4)]
        h.pci(pf, 0x10de, 0x20b2, 0x030200, rev=0xa1, subv=0x10de, subd=0x1463, driver="nvidia", group=group,
              numa=numa, reset="flr bus", parent=port, sriov=(20, vfs, 0x20b2))
        groups.append(group)
        group += 1
        for vf in vfs:
            h.pci(vf, 0x10de, 0x20b2, 0x030200, rev=0xa1, subv=0x10de, subd=0x1463, driver="nvidia",
                  group=group, numa=numa, reset="flr", parent=port, vf_of=pf)
            groups.append(group)
            group += 1
        h.nvidia_board(pf, vfs, A100_TYPES)  # MIG off
    h.companion += ["attr lib/systemd/system/nvidia-vgpud.service=[Unit]\\nDescription=NVIDIA vGPU Daemon\\n",
                    "attr lib/systemd/system/nvidia-vgpu-mgr.service=[Unit]\\nDescription=NVIDIA vGPU Manager\\n"]
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/md0 ro intel_iommu=on iommu=pt", groups=groups,
           modules=("nvidia",) + VFIO_LOADED, available=VFIO)
    return h


# L40S (48 GB) time-sliced types by NVIDIA's naming. The type ids are
# placeholders: the simulated vendor interface only needs them to be unique.
L40S_TYPES = [(1150 + i, "NVIDIA L40S-%s" % n) for i, n in enumerate(
    ["1B", "2B", "1Q", "2Q", "4Q", "6Q", "8Q", "12Q", "16Q", "24Q", "48Q", "4C", "8C", "24C", "48C"])]


def l40s():
    h = Host("l40s", "Two NVIDIA L40S (10de:26b9, 48 GB) on the vGPU 17 host driver: SR-IOV with 4 VFs "
             "enabled on each, NVIDIA's vendor vGPU sysfs on the VFs, NUMA nodes 0 and 1. modules.alias "
             "offers vfio-pci variant drivers: nvidia_vgpu_vfio for the L40S (NVIDIA's vfio-pci variant "
             "for vGPU VFs, available, not loaded) and mlx5_vfio_pci (for a card the host does not have).")
    chipset(h)
    group, groups = 1, [0]
    for i, bus in enumerate((0x41, 0xc1)):
        port = "0000:00:%02x.0" % (i + 1)
        h.pci(port, 0x8086, 0x347a, BRIDGE, rev=0x04, driver="pcieport", group=group, numa=i, header=1)
        groups.append(group)
        group += 1
        pf = "0000:%02x:00.0" % bus
        vfs = ["0000:%02x:00.%d" % (bus, 4 + k) for k in range(4)]
        h.pci(pf, 0x10de, 0x26b9, 0x030200, rev=0xa1, subv=0x10de, subd=0x1851, driver="nvidia", group=group,
              numa=i, reset="flr bus", parent=port, sriov=(32, vfs, 0x26b9))
        groups.append(group)
        group += 1
        for vf in vfs:
            h.pci(vf, 0x10de, 0x26b9, 0x030200, rev=0xa1, subv=0x10de, subd=0x1851, driver="nvidia",
                  group=group, numa=i, reset="flr", parent=port, vf_of=pf)
            groups.append(group)
            group += 1
        for vf in vfs:
            h.nvidia_vf(vf, L40S_TYPES)
    h.companion += ["attr lib/systemd/system/nvidia-vgpud.service=[Unit]\\nDescription=NVIDIA vGPU Daemon\\n",
                    "attr lib/systemd/system/nvidia-vgpu-mgr.service=[Unit]\\nDescription=NVIDIA vGPU Manager\\n"]
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro intel_iommu=on", groups=groups,
           modules=("nvidia",) + VFIO_LOADED,
           available=VFIO + ("vfio/pci/nvidia-vgpu/nvidia_vgpu_vfio", "vfio/pci/mlx5/mlx5-vfio-pci"),
           aliases=(("vfio_pci:v*d*sv*sd*bc*sc*i*", "vfio_pci"),
                    ("vfio_pci:v000010DEd000026B9sv*sd*bc*sc*i*", "nvidia_vgpu_vfio"),
                    ("vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*", "mlx5_vfio_pci"),
                    ("pci:v000010DEd*sv*sd*bc03sc*i*", "nvidia")))
    return h


# H100 SXM5 80GB types by NVIDIA's naming (placeholder ids): MIG-backed ones
# name the GPU instance's compute slices, time-sliced ones do not.
H100_MIG_TYPES = [(1301, "NVIDIA H100XM-1-10C"), (1302, "NVIDIA H100XM-2-20C"), (1303, "NVIDIA H100XM-3-40C"),
                  (1304, "NVIDIA H100XM-4-40C"), (1305, "NVIDIA H100XM-7-80C")]
H100_TS_TYPES = [(1311, "NVIDIA H100XM-10C"), (1312, "NVIDIA H100XM-20C"), (1313, "NVIDIA H100XM-40C"),
                 (1314, "NVIDIA H100XM-80C")]


def h100_mig():
    h = Host("h100-mig", "Three H100 SXM5 80GB (10de:2330) on the vGPU 17 host driver, 2 VFs each, in the three "
             "MIG states: 18:00.0 with MIG on and GPU instances gi1 and gi2 (3g.40gb) and gi9 (1g.10gb), its "
             "VFs offering the 3g and 1g MIG-backed types; 2a:00.0 with MIG on and no GPU instance, its VFs "
             "offering nothing; 3c:00.0 with MIG off, its VFs offering the time-sliced types. The driver's "
             "proc files: each GPU's minor, and the MIG capability files of its GPU instances.")
    chipset(h)
    group, groups = 1, [0]
    states = ((0x18, [(1, 3), (2, 3), (9, 1)]), (0x2a, []), (0x3c, None))
    for minor, (bus, gis) in enumerate(states):
        port = "0000:00:%02x.0" % (minor + 1)
        h.pci(port, 0x8086, 0x347a, BRIDGE, rev=0x04, driver="pcieport", group=group, numa=0, header=1)
        groups.append(group)
        group += 1
        pf = "0000:%02x:00.0" % bus
        vfs = ["0000:%02x:00.%d" % (bus, 4 + k) for k in range(2)]
        h.pci(pf, 0x10de, 0x2330, 0x030200, rev=0xa1, subv=0x10de, subd=0x16c1, driver="nvidia", group=group,
              numa=0, reset="flr bus", parent=port, sriov=(32, vfs, 0x2330))
        groups.append(group)
        group += 1
        for vf in vfs:
            h.pci(vf, 0x10de, 0x2330, 0x030200, rev=0xa1, subv=0x10de, subd=0x16c1, driver="nvidia",
                  group=group, numa=0, reset="flr", parent=port, vf_of=pf)
            groups.append(group)
            group += 1
        h.nvidia_board(pf, vfs, H100_MIG_TYPES + H100_TS_TYPES, gis)
        # nvidia's procfs (nv-procfs.c) and MIG capability files (nv-caps.c)
        h.companion.append("attr proc/driver/nvidia/gpus/%s/information=%s" % (pf, esc(
            "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 0\nGPU UUID: \t\t GPU-%08x-0000-0000-0000-000000000000\n"
            "Bus Type: \t\t PCIe\nBus Location: \t\t %s\nDevice Minor: \t\t %d\nGPU Excluded:\t\t No\n"
            % (minor, pf, minor))))
        if gis is not None:
            h.companion.append("dir proc/driver/nvidia/capabilities/gpu%d/mig" % minor)
            for k, (gi, _) in enumerate(gis):
                h.companion.append("attr proc/driver/nvidia/capabilities/gpu%d/mig/gi%d/access=%s" % (
                    minor, gi, esc("DeviceFileMinor: %d\nDeviceFileMode: 292\nDeviceFileModify: 1\n" % (20 + k))))
    h.companion += ["attr lib/systemd/system/nvidia-vgpud.service=[Unit]\\nDescription=NVIDIA vGPU Daemon\\n",
                    "attr lib/systemd/system/nvidia-vgpu-mgr.service=[Unit]\\nDescription=NVIDIA vGPU Manager\\n"]
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro intel_iommu=on", groups=groups,
           modules=("nvidia",) + VFIO_LOADED, available=VFIO, release="6.8.0-49-generic")
    return h


T4_TYPES = [("nvidia-222", "GRID T4-1B", 1024, 16, "num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=16"),
            ("nvidia-223", "GRID T4-2B", 2048, 8, "num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=8"),
            ("nvidia-230", "GRID T4-1Q", 1024, 16, "num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=16"),
            ("nvidia-231", "GRID T4-2Q", 2048, 8, "num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8"),
            ("nvidia-232", "GRID T4-4Q", 4096, 4, "num_heads=4, frl_config=60, framebuffer=4096M, max_resolution=7680x4320, max_instance=4"),
            ("nvidia-233", "GRID T4-8Q", 8192, 2, "num_heads=4, frl_config=60, framebuffer=8192M, max_resolution=7680x4320, max_instance=2"),
            ("nvidia-234", "GRID T4-16Q", 16384, 1, "num_heads=4, frl_config=60, framebuffer=16384M, max_resolution=7680x4320, max_instance=1"),
            ("nvidia-319", "GRID T4-4C", 4096, 4, "num_heads=1, frl_config=60, framebuffer=4096M, max_resolution=4096x2160, max_instance=4")]


def t4():
    h = Host("t4", "A server with two NVIDIA T4 (10de:1eb8) on the vGPU host driver with legacy mdev types.")
    chipset(h)
    for i, bus in enumerate((0x3b, 0xd8)):
        port = "0000:00:%02x.0" % (i + 1)
        h.pci(port, 0x8086, 0x2030, BRIDGE, rev=0x04, driver="pcieport", group=1 + 2 * i, numa=i, header=1)
        gpu = "0000:%02x:00.0" % bus
        h.pci(gpu, 0x10de, 0x1eb8, 0x030200, rev=0xa1, subv=0x10de, subd=0x12a2, driver="nvidia",
              group=2 + 2 * i, numa=i, reset="flr bus", parent=port)
        h.mdev_types(gpu, [(t, n, d + "\n", avail) for t, n, _, avail, d in T4_TYPES])
    h.companion += ["attr lib/systemd/system/nvidia-vgpud.service=[Unit]\\nDescription=NVIDIA vGPU Daemon\\n",
                    "attr lib/systemd/system/nvidia-vgpu-mgr.service=[Unit]\\nDescription=NVIDIA vGPU Manager\\n"]
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on", groups=range(0, 5),
           modules=("nvidia", "nvidia_vgpu_vfio", "mdev") + VFIO_LOADED, available=VFIO)
    return h


def amd():
    h = Host("amd-mxgpu", "An AMD SR-IOV (MxGPU) host: a FirePro S7150 (1002:6929) on the GIM driver with "
             "2 of 16 VFs (1002:692f) enabled, and an Instinct MI210 (1002:740f) with SR-IOV off.")
    chipset(h)
    h.pci("0000:00:03.0", 0x1022, 0x1483, BRIDGE, rev=0x00, driver="pcieport", group=1, header=1)
    vfs = ["0000:03:02.0", "0000:03:02.1"]
    h.pci("0000:03:00.0", 0x1002, 0x6929, 0x030000, rev=0x00, subv=0x1002, subd=0x0334, driver="gim", group=2,
          boot_vga=0, reset="flr bus", parent="0000:00:03.0", sriov=(16, vfs, 0x692f))
    for k, vf in enumerate(vfs):
        h.pci(vf, 0x1002, 0x692f, 0x030000, rev=0x00, subv=0x1002, subd=0x0334, group=3 + k, reset="flr",
              parent="0000:00:03.0", vf_of="0000:03:00.0", boot_vga=0)
    h.pci("0000:00:04.0", 0x1022, 0x1483, BRIDGE, rev=0x00, driver="pcieport", group=5, header=1)
    h.pci("0000:c1:00.0", 0x1002, 0x740f, 0x038000, rev=0x02, subv=0x1002, subd=0x0c34, driver="amdgpu",
          group=6, numa=0, reset="flr bus", parent="0000:00:04.0", sriov=(8, [], 0x7410),
          drm=("card0", "renderD128"))
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro amd_iommu=on iommu=pt", cpu_flag="svm", vendor="AuthenticAMD",
           acpi=("APIC", "IVRS"), iommu=("ivhd0",), groups=range(0, 7), modules=("gim", "amdgpu") + VFIO_LOADED,
           available=VFIO)
    return h


def rebar():
    h = Host("rebar", "A gaming workstation: a GeForce RTX 4090 (10de:2684) with Resizable BAR on, BAR1 at "
             "32 GiB, and a Radeon RX 5700 XT (1002:731f, Navi 10, the reset quirk; vendor-reset installed, "
             "not loaded; runtime-suspended to D3cold) whose BAR0 is 256 MiB of a possible 8 GiB. Linux 6.8 with "
             "iommufd and VFIO device cdevs. UEFI boot: efifb and fbcon still on the 4090 (the boot VGA).")
    chipset(h)
    h.pci("0000:00:01.0", 0x8086, 0x1901, BRIDGE, rev=0x0d, driver="pcieport", group=1, header=1)
    h.pci("0000:00:01.1", 0x8086, 0x1905, BRIDGE, rev=0x0d, driver="pcieport", group=2, header=1)
    gpu, _ = nvidia_pair(h, 1, 0x2684, 0x22ba, 3, parent="0000:00:01.0", boot_vga=1, rebar={1: 0xff00})
    h.pci("0000:02:00.0", 0x1002, 0x731f, 0x030000, rev=0xc1, subv=0x1da2, subd=0xe411, driver="amdgpu", group=4,
          boot_vga=0, reset="bus", parent="0000:00:01.1", drm=("card0", "renderD128"), rebar={0: 0x3f00},
          power="D3cold")
    h.pci("0000:02:00.1", 0x1002, 0xab38, 0x040300, rev=0x00, subv=0x1da2, subd=0xe411, driver="snd_hda_intel",
          group=4, reset="bus", parent="0000:00:01.1")
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro quiet intel_iommu=on iommu=pt", groups=range(0, 5),
           modules=("nvidia", "amdgpu", "snd_hda_intel", "iommufd") + VFIO_LOADED,
           available=VFIO + ("extra/vendor-reset",), release="6.8.0-49-generic", iommufd=True)
    h.boot_framebuffer(gpu)  # the NVIDIA driver without fbdev leaves efifb (and fbcon) on it
    return h


def gvtg():
    h = Host("gvtg-laptop", "A Kaby Lake laptop: Intel UHD 620 (8086:5917) on i915 with GVT-g enabled.")
    chipset(h)
    h.pci("0000:00:02.0", 0x8086, 0x5917, 0x030000, rev=0x07, subv=0x17aa, subd=0x225d, driver="i915", group=1,
          boot_vga=1, reset="flr", drm=("card0", "renderD128"))
    h.pci("0000:00:14.0", 0x8086, 0x9d2f, 0x0c0330, rev=0x21, driver="xhci_hcd", group=2, reset="")
    h.mdev_types("0000:00:02.0", [
        ("i915-GVTg_V5_4", "GVTg_V5_4", "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n", 2),
        ("i915-GVTg_V5_8", "GVTg_V5_8", "low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2\n", 4)])
    h.host("BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro quiet i915.enable_gvt=1 intel_iommu=on", groups=(0, 1, 2),
           modules=("i915", "kvmgt", "mdev") + VFIO_LOADED, available=VFIO)
    return h


if __name__ == "__main__":
    for make in (nogpu, workstation, iommu_off, bad_group, a100, t4, amd, gvtg, l40s, rebar, h100_mig):
        make().write()
