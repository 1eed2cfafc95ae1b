# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bindings for libgpuvirt: discover, check, pass through and share GPUs.

    import gpuvirt
    with gpuvirt.Context() as ctx:               # root "/" (or GPUVIRT_ROOT)
        for dev in ctx.devices():
            print(dev.bdf, dev.driver, dev.iommu_group)
        report = ctx.check()
        ctx.device("01:00.0").bind("vfio-pci")
        inst = ctx.allocate("nvidia-232", policy="spread")

Every handle is released by the wrapper. A wrong type raises TypeError and a
malformed value (a PCI address, a UUID, a policy) ValueError before the
library is called; what the library refuses or fails raises GpuvirtError, an
OSError whose errno is the library's and whose message is its own, in
Python's terms. A closed Context raises ValueError.
"""
import errno
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Union

from ._base import (BIND_ALLOW_GROUP, BIND_FORCE, BIND_PERSIST, BIND_WAIT, INSTANCE_PERSIST, INSTANCE_WAIT, _POLICIES,
                    _SEVERITIES, _TARGETS, _VERDICTS, GpuvirtError, Holder, _bdf, _bytes, _flag, _holders, _need,
                    _none_if_negative, _Ptr, _raise, _str, _strings, _text, _uuid)
from ._ffi import ffi, lib
from ._profiles import Instance, Profile

__all__ = ["Context", "Device", "Bar", "Finding", "Report", "BindPlan", "Step", "Profile", "Instance", "Holder",
           "StatePlan", "StateItem", "GpuvirtError", "version"]

# Defined in the package's modules, public here: named as gpuvirt's.
for _cls in (GpuvirtError, Holder, Profile, Instance):
    _cls.__module__ = __name__


def version() -> str:
    """The library's version."""
    return _text(lib.gpuvirt_version())


class Context:
    """A libgpuvirt context: the root prefix and the last error.

    Use it as a context manager, or call close(). Objects made from it keep
    it alive as long as they need it."""

    def __init__(self, root: Optional[str] = None) -> None:
        if root is not None:
            _need("root", root, str, "a path (str) or None")
        out = ffi.new("gpuvirt_ctx **")
        r = lib.gpuvirt_ctx_new(out)
        if r < 0:
            _raise(r, "cannot create a context")
        self._ctx: Optional[_Ptr] = ffi.gc(out[0], lib.gpuvirt_ctx_unref)
        if root is not None:
            self._check(lib.gpuvirt_ctx_set_root(self._live(), _bytes(root)))

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<gpuvirt.Context %s>" % (self.root if self._ctx is not None else "closed")

    def close(self) -> None:
        """Release the context (objects made from it hold their own reference)."""
        if self._ctx is not None:
            ffi.release(self._ctx)
            self._ctx = None

    def _live(self) -> _Ptr:
        if self._ctx is None:
            raise ValueError("operation on a closed gpuvirt.Context")
        return self._ctx

    def _check(self, r: int) -> int:
        if r < 0:
            _raise(r, _str(lib.gpuvirt_ctx_get_error(self._ctx)) if self._ctx is not None else None)
        return int(r)

    @property
    def root(self) -> str:
        return _text(lib.gpuvirt_ctx_get_root(self._live()))

    def set_vgpu_table(self, path: Optional[str]) -> None:
        """Use another table of vGPU-capable devices (None: the default)."""
        if path is not None:
            _need("path", path, str, "a path (str) or None")
        self._check(lib.gpuvirt_ctx_set_vgpu_table(self._live(), _bytes(path)))

    def set_mig_listing(self, path: Optional[str]) -> None:
        """Hand the checks nvidia-smi's MIG listing, captured in a file (None: drop it).

        The file holds the output of ``nvidia-smi --query-gpu=index,pci.bus_id,
        mig.mode.current --format=csv,noheader`` and ``nvidia-smi mig -lgi``;
        the library never runs nvidia-smi."""
        if path is not None:
            _need("path", path, str, "a path (str) or None")
        self._check(lib.gpuvirt_ctx_set_mig_listing(self._live(), _bytes(path)))

    def set_modprobe(self, path: Optional[str]) -> None:
        """The program that loads a missing driver module (None: the default)."""
        if path is not None:
            _need("path", path, str, "a path (str) or None")
        self._check(lib.gpuvirt_ctx_set_modprobe(self._live(), _bytes(path)))

    def set_xl(self, path: Optional[str]) -> None:
        """The xl program the Xen checks ask (None: the default)."""
        if path is not None:
            _need("path", path, str, "a path (str) or None")
        self._check(lib.gpuvirt_ctx_set_xl(self._live(), _bytes(path)))

    @property
    def write_timeout(self) -> int:
        """Milliseconds a kernel write that can block is waited for."""
        return int(lib.gpuvirt_ctx_get_write_timeout(self._live()))

    @write_timeout.setter
    def write_timeout(self, ms: int) -> None:
        _need("write_timeout", ms, int, "milliseconds (int)")
        if ms <= 0 or ms > 86400000:
            raise ValueError("write_timeout: %d ms is not between 1 and 86400000" % ms)
        self._check(lib.gpuvirt_ctx_set_write_timeout(self._live(), ms))

    @property
    def generation(self) -> int:
        """How many writes to the host this context has made."""
        return int(lib.gpuvirt_ctx_get_generation(self._live()))

    def group_holders(self, group: int) -> List["Holder"]:
        """Who holds any device of an IOMMU group."""
        _need("group", group, int, "an IOMMU group number (int)")
        if group < 0:
            raise ValueError("group: %d is not an IOMMU group number" % group)
        ctx = self._live()
        return _holders(self, lambda it: int(lib.gpuvirt_holder_iter_new_for_group(ctx, group, it)))

    # discovery
    def devices(self, all: bool = False, pf_only: bool = False) -> Iterator["Device"]:
        """The GPUs (or with all=True every PCI function), in address order;
        pf_only=True leaves out SR-IOV virtual functions."""
        flags = (1 if _flag("all", all) else 0) | (2 if _flag("pf_only", pf_only) else 0)
        out = ffi.new("gpuvirt_device_iter **")
        self._check(lib.gpuvirt_device_iter_new(self._live(), flags, out))
        it = ffi.gc(out[0], lib.gpuvirt_device_iter_unref)
        dev = ffi.new("gpuvirt_device **")
        while self._check(lib.gpuvirt_device_iter_next(it, dev)) > 0:
            yield Device(self, ffi.gc(dev[0], lib.gpuvirt_device_unref))

    def device(self, bdf: str) -> "Device":
        """One PCI function by address ("0000:01:00.0" or "01:00.0")."""
        _bdf("bdf", bdf)
        out = ffi.new("gpuvirt_device **")
        self._check(lib.gpuvirt_device_new_from_bdf(self._live(), _bytes(bdf), out))
        return Device(self, ffi.gc(out[0], lib.gpuvirt_device_unref))

    # checks
    def check(self, host_only: bool = False) -> "Report":
        """Check the host and every GPU."""
        out = ffi.new("gpuvirt_report **")
        self._check(lib.gpuvirt_check_host(self._live(), 1 if _flag("host_only", host_only) else 0, out))
        return Report(ffi.gc(out[0], lib.gpuvirt_report_unref))

    def recover(self) -> int:
        """Undo what a crashed bind, unbind or create left half-way; the count."""
        return self._check(lib.gpuvirt_recover(self._live()))

    # host state across reboots
    def state_plan(self, path: Optional[str] = None, wait: bool = False, persist: bool = False) -> "StatePlan":
        """The persisted state under the root's etc/gpuvirt (or the declarative
        file at the absolute path) compared with the host; nothing is written."""
        if path is not None:
            _need("path", path, str, "an absolute path or None")
            if not path.startswith("/"):
                raise ValueError("path must be absolute, not %r" % path)
        flags = (1 if _flag("wait", wait) else 0) | (2 if _flag("persist", persist) else 0)
        out = ffi.new("gpuvirt_state_plan **")
        self._check(lib.gpuvirt_state_plan_new(self._live(), _bytes(path) if path else ffi.NULL, flags, out))
        return StatePlan(self, ffi.gc(out[0], lib.gpuvirt_state_plan_unref))

    def restore(self, wait: bool = False) -> "StatePlan":
        """Make the host match its persisted state (what gpuvirt-restore.service
        does at boot); the applied plan says what was done and what was not."""
        plan = self.state_plan(wait=wait)
        plan.apply()
        return plan

    def mmio64_window(self, devices: List[Union["Device", str]]) -> int:
        """Bytes of 64-bit PCI window a VM given these devices needs (their
        64-bit BARs; compare with QEMU q35's default, 32 GiB)."""
        devs = [self.device(d) if isinstance(d, str) else d for d in devices]
        for d in devs:
            if not isinstance(d, Device):
                raise TypeError("devices must be Devices or PCI addresses (str), not %s" % type(d).__name__)
        arr = ffi.new("gpuvirt_device *[]", [d._dev for d in devs])
        out = ffi.new("uint64_t *")
        self._check(lib.gpuvirt_guest_mmio64_window(arr, len(devs), out))
        return int(out[0])

    # documents for cluster engines
    def export(self, format: str, devices: Optional[List[str]] = None, yaml: bool = False) -> str:
        """What the host offers (its GPUs, or the devices named) for "nova",
        "kubevirt" (JSON, or YAML with yaml=True), "nfd", "prometheus" or
        "nodedev" (docs/export.md)."""
        _need("format", format, str, "a format's name")
        fn = {"nova": lib.gpuvirt_export_nova, "kubevirt": lib.gpuvirt_export_kubevirt, "nfd": lib.gpuvirt_export_nfd,
              "prometheus": lib.gpuvirt_export_prometheus, "nodedev": lib.gpuvirt_export_nodedev}.get(format)
        if fn is None:
            raise ValueError("format must be nova, kubevirt, nfd, prometheus or nodedev, not %r" % format)
        if _flag("yaml", yaml) and format != "kubevirt":
            raise ValueError("yaml=True is for kubevirt only")
        keep = [ffi.new("char[]", _bytes(_bdf("devices", d))) for d in devices] if devices is not None else []
        bdfs = ffi.new("const char *[]", keep) if devices is not None else ffi.NULL
        out = ffi.new("char **")
        self._check(fn(self._live(), bdfs, len(keep), 1 if yaml else 0, out))
        try:
            return _text(out[0])
        finally:
            lib.free(out[0])

    # profiles and instances
    def profiles(self, device: Union["Device", str, None] = None) -> Iterator["Profile"]:
        """The vGPU profiles of the host, or of one GPU (a Device or its address)."""
        if isinstance(device, str):
            device = self.device(device)
        elif device is not None and not isinstance(device, Device):
            raise TypeError("device must be a Device, a PCI address (str) or None, not %s" % type(device).__name__)
        out = ffi.new("gpuvirt_profile_iter **")
        self._check(lib.gpuvirt_profile_iter_new(self._live(), device._dev if device else ffi.NULL, out))
        it = ffi.gc(out[0], lib.gpuvirt_profile_iter_unref)
        p = ffi.new("gpuvirt_profile **")
        while self._check(lib.gpuvirt_profile_iter_next(it, p)) > 0:
            yield Profile(ffi.gc(p[0], lib.gpuvirt_profile_unref))

    def allocate(self, profile: str, gpu: Optional[str] = None, policy: str = "pack", numa_node: Optional[int] = None,
                 uuid: Optional[str] = None, persist: bool = False, wait: bool = False,
                 owner: Optional[str] = None) -> "Instance":
        """Allocate an instance of a profile (id or name), on `gpu` or where
        the policy ("pack" or "spread") puts it; `owner` is recorded with a
        persisted one."""
        _need("profile", profile, str, "a profile id or name (str)")
        if gpu is not None:
            _bdf("gpu", gpu)
        _need("policy", policy, str, "'pack' or 'spread'")
        if policy not in _POLICIES:
            raise ValueError("policy must be 'pack' or 'spread', not %r" % policy)
        if numa_node is not None:
            _need("numa_node", numa_node, int, "a NUMA node (int) or None")
            if numa_node < 0:
                raise ValueError("numa_node: %d is not a NUMA node" % numa_node)
        if uuid is not None:
            _uuid("uuid", uuid)
        if owner is not None:
            _need("owner", owner, str, "an owner tag (str) or None")
            if not persist:
                raise ValueError("owner is recorded with persist=True only")
        out = ffi.new("gpuvirt_instance **")
        flags = (INSTANCE_PERSIST if _flag("persist", persist) else 0) | (INSTANCE_WAIT if _flag("wait", wait) else 0)
        self._check(lib.gpuvirt_instance_create(self._live(), _bytes(profile), _bytes(gpu), _POLICIES[policy],
                                                -1 if numa_node is None else numa_node, _bytes(uuid), flags, out))
        inst = Instance(self, ffi.gc(out[0], lib.gpuvirt_instance_unref))
        if owner is not None:
            inst.owner = owner
        return inst

    def instances(self) -> Iterator["Instance"]:
        """Every instance on the host, whoever made it."""
        out = ffi.new("gpuvirt_instance_iter **")
        self._check(lib.gpuvirt_instance_iter_new(self._live(), out))
        it = ffi.gc(out[0], lib.gpuvirt_instance_iter_unref)
        p = ffi.new("gpuvirt_instance **")
        while self._check(lib.gpuvirt_instance_iter_next(it, p)) > 0:
            yield Instance(self, ffi.gc(p[0], lib.gpuvirt_instance_unref))

    def instance(self, uuid: str) -> "Instance":
        """One instance by UUID."""
        _uuid("uuid", uuid)
        out = ffi.new("gpuvirt_instance **")
        self._check(lib.gpuvirt_instance_new_from_uuid(self._live(), _bytes(uuid), out))
        return Instance(self, ffi.gc(out[0], lib.gpuvirt_instance_unref))


class Device:
    """A PCI function, as read when it was looked up (see refresh()). Two
    are equal when they are the same address under the same root."""

    def __init__(self, ctx: Context, dev: _Ptr) -> None:
        self._ctx, self._dev = ctx, dev
        self._root = ctx.root

    def __repr__(self) -> str:
        return "<gpuvirt.Device %s %04x:%04x driver=%s>" % (self.bdf, self.vendor_id, self.device_id, self.driver)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and (self._root, self.bdf) == (other._root, other.bdf)

    def __hash__(self) -> int:
        return hash((self._root, self.bdf))

    def refresh(self) -> None:
        """Read it again from the host."""
        self._ctx._check(lib.gpuvirt_device_refresh(self._dev))

    @property
    def stale(self) -> bool:
        """True once this context wrote to the host after the device was read."""
        return self._ctx._check(lib.gpuvirt_device_is_stale(self._dev)) == 1

    def holders(self) -> List["Holder"]:
        """Who holds it now: processes with its nodes open, live instances, VFs in use."""
        dev = self._dev
        return _holders(self._ctx, lambda it: int(lib.gpuvirt_holder_iter_new_for_device(dev, it)))

    @property
    def bdf(self) -> str:
        return _text(lib.gpuvirt_device_get_bdf(self._dev))

    @property
    def vendor_id(self) -> int:
        return int(lib.gpuvirt_device_get_vendor_id(self._dev))

    @property
    def device_id(self) -> int:
        return int(lib.gpuvirt_device_get_device_id(self._dev))

    @property
    def subsystem_vendor_id(self) -> int:
        return int(lib.gpuvirt_device_get_subsystem_vendor_id(self._dev))

    @property
    def subsystem_device_id(self) -> int:
        return int(lib.gpuvirt_device_get_subsystem_device_id(self._dev))

    @property
    def class_code(self) -> int:
        return int(lib.gpuvirt_device_get_class(self._dev))

    @property
    def revision(self) -> int:
        return int(lib.gpuvirt_device_get_revision(self._dev))

    @property
    def is_gpu(self) -> bool:
        return bool(lib.gpuvirt_device_is_gpu(self._dev))

    @property
    def vendor_name(self) -> Optional[str]:
        return _str(lib.gpuvirt_device_get_vendor_name(self._dev))

    @property
    def device_name(self) -> Optional[str]:
        return _str(lib.gpuvirt_device_get_device_name(self._dev))

    @property
    def driver(self) -> Optional[str]:
        return _str(lib.gpuvirt_device_get_driver(self._dev))

    @property
    def driver_override(self) -> Optional[str]:
        return _str(lib.gpuvirt_device_get_driver_override(self._dev))

    @property
    def persistent_driver(self) -> Optional[str]:
        return _str(lib.gpuvirt_device_get_persistent_driver(self._dev))

    @property
    def numa_node(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_device_get_numa_node(self._dev)))

    @property
    def physfn(self) -> Optional[str]:
        """An SR-IOV VF's physical function."""
        return _str(lib.gpuvirt_device_get_physfn(self._dev))

    @property
    def iommu_group(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_device_get_iommu_group(self._dev)))

    @property
    def iommu_group_members(self) -> List[str]:
        return _strings(self._dev, lib.gpuvirt_device_get_iommu_group_member_count,
                        lib.gpuvirt_device_get_iommu_group_member)

    @property
    def boot_vga(self) -> Optional[bool]:
        v = int(lib.gpuvirt_device_get_boot_vga(self._dev))
        return None if v < 0 else bool(v)

    @property
    def sriov_total_vfs(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_device_get_sriov_total_vfs(self._dev)))

    @property
    def sriov_num_vfs(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_device_get_sriov_num_vfs(self._dev)))

    @property
    def vfs(self) -> List[str]:
        return _strings(self._dev, lib.gpuvirt_device_get_vf_count, lib.gpuvirt_device_get_vf)

    @property
    def reset_methods(self) -> List[str]:
        return _strings(self._dev, lib.gpuvirt_device_get_reset_method_count, lib.gpuvirt_device_get_reset_method)

    @property
    def drm_nodes(self) -> List[str]:
        return _strings(self._dev, lib.gpuvirt_device_get_drm_node_count, lib.gpuvirt_device_get_drm_node)

    @property
    def modes(self) -> List[str]:
        m = int(lib.gpuvirt_device_get_modes(self._dev))
        return [_text(lib.gpuvirt_mode_to_string(1 << b)) for b in range(32) if m & (1 << b)]

    @property
    def vfio_cdev(self) -> Optional[str]:
        """Its VFIO device cdev ("vfio0", under /dev/vfio/devices) when bound
        to VFIO on a kernel with cdevs (iommufd)."""
        return _str(lib.gpuvirt_device_get_vfio_cdev(self._dev))

    @property
    def bars(self) -> List["Bar"]:
        """The BARs in use (read on first use; an unreadable `resource`
        raises, naming the file; none shown by the kernel raises ENODATA)."""
        size, flags, sizes = ffi.new("uint64_t *"), ffi.new("uint32_t *"), ffi.new("uint64_t *")
        out = []
        for i in range(6):
            self._ctx._check(lib.gpuvirt_device_get_bar(self._dev, i, size, flags, sizes))
            if size[0]:
                f = int(flags[0])
                out.append(Bar(i, int(size[0]), "io" if f & 1 else "mem64" if f & 4 else "mem32", bool(f & 8),
                               [(1 << 20) << k for k in range(44) if int(sizes[0]) >> k & 1]))
        return out

    @property
    def mmio64_window(self) -> int:
        """Bytes of 64-bit PCI window a VM needs for this device alone
        (Context.mmio64_window() for several)."""
        return self._ctx.mmio64_window([self])

    def check(self) -> "Report":
        """Check the host and this device."""
        out = ffi.new("gpuvirt_report **")
        self._ctx._check(lib.gpuvirt_check_device(self._dev, out))
        return Report(ffi.gc(out[0], lib.gpuvirt_report_unref))

    def bind_plan(self, target: str = "vfio-pci", allow_group: bool = False, force: bool = False,
                  persist: bool = False, wait: bool = False) -> "BindPlan":
        """Plan handing this device and its IOMMU group to `target`
        ("vfio-pci"/"kvm", "pciback"/"xen", or a driver name)."""
        _need("target", target, str, "a driver name (str)")
        flags = ((BIND_ALLOW_GROUP if _flag("allow_group", allow_group) else 0) |
                 (BIND_FORCE if _flag("force", force) else 0) | (BIND_PERSIST if _flag("persist", persist) else 0) |
                 (BIND_WAIT if _flag("wait", wait) else 0))
        out = ffi.new("gpuvirt_bind_plan **")
        self._ctx._check(lib.gpuvirt_bind_plan_new(self._dev, _bytes(_TARGETS.get(target, target)), flags, out))
        return BindPlan(self._ctx, ffi.gc(out[0], lib.gpuvirt_bind_plan_unref))

    def bind(self, target: str = "vfio-pci", allow_group: bool = False, force: bool = False, persist: bool = False,
             wait: bool = False) -> "BindPlan":
        """Plan and apply: all or nothing. Returns the applied plan."""
        plan = self.bind_plan(target, allow_group=allow_group, force=force, persist=persist, wait=wait)
        plan.apply()
        self.refresh()
        return plan

    def unbind(self, persist: bool = False, wait: bool = False) -> None:
        """Give the group back to the drivers it had."""
        flags = (BIND_PERSIST if _flag("persist", persist) else 0) | (BIND_WAIT if _flag("wait", wait) else 0)
        self._ctx._check(lib.gpuvirt_unbind(self._dev, flags))
        self.refresh()


@dataclass(frozen=True)
class Bar:
    """One BAR: its index, size in bytes, type ("mem32", "mem64", "io"),
    whether prefetchable, and the sizes a Resizable BAR takes (bytes)."""
    index: int
    size: int
    type: str
    prefetchable: bool
    resizable_sizes: List[int]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    subject: Optional[str]
    title: str
    message: str
    remedy: Optional[str]


class Report:
    """The findings of a check run and the per-GPU verdicts."""

    def __init__(self, report: _Ptr) -> None:
        self._r = report
        out = ffi.new("gpuvirt_finding_iter **")
        if lib.gpuvirt_finding_iter_new(self._r, out) < 0:
            raise MemoryError("gpuvirt: no memory for the findings")
        it = ffi.gc(out[0], lib.gpuvirt_finding_iter_unref)
        f = ffi.new("gpuvirt_finding **")
        self.findings: List[Finding] = []
        while lib.gpuvirt_finding_iter_next(it, f) > 0:
            self.findings.append(Finding(
                _text(lib.gpuvirt_finding_get_code(f[0])), _SEVERITIES[lib.gpuvirt_finding_get_severity(f[0])],
                _str(lib.gpuvirt_finding_get_subject(f[0])), _text(lib.gpuvirt_finding_get_title(f[0])),
                _text(lib.gpuvirt_finding_get_message(f[0])), _str(lib.gpuvirt_finding_get_remedy(f[0]))))

    def __repr__(self) -> str:
        return "<gpuvirt.Report worst=%s, %d findings, devices %s>" % (self.worst, len(self.findings), self.devices)

    @property
    def worst(self) -> str:
        return _SEVERITIES[lib.gpuvirt_report_get_worst_severity(self._r)]

    @property
    def devices(self) -> List[str]:
        return _strings(self._r, lib.gpuvirt_report_get_device_count, lib.gpuvirt_report_get_device)

    @property
    def device_names(self) -> Dict[str, Optional[str]]:
        """Each checked device's name from pci.ids (None when unknown), by address."""
        return {_text(lib.gpuvirt_report_get_device(self._r, i)): _str(lib.gpuvirt_report_get_device_name(self._r, i))
                for i in range(lib.gpuvirt_report_get_device_count(self._r))}

    def _device(self, bdf: object) -> str:
        if isinstance(bdf, Device):
            return bdf.bdf
        _bdf("bdf", bdf)
        assert isinstance(bdf, str)
        full = bdf if len(bdf) == 12 else "0000:" + bdf
        if full.lower() not in self.devices:
            raise GpuvirtError(errno.ENOENT, "%s is not a device of this report (it has %s)" %
                               (bdf, ", ".join(self.devices) or "none"))
        return full.lower()

    def _verdict(self, fn: Callable[[_Ptr, _Ptr], int], bdf: Union[str, Device]) -> bool:
        r = fn(self._r, _bytes(self._device(bdf)))
        if r < 0:
            _raise(r, "%s: no verdict" % bdf)
        return bool(r)

    def can_passthrough(self, bdf: Union[str, Device]) -> bool:
        return self._verdict(lib.gpuvirt_report_can_passthrough, bdf)

    def can_share(self, bdf: Union[str, Device]) -> bool:
        return self._verdict(lib.gpuvirt_report_can_share, bdf)

    def reasons(self, bdf: Union[str, Device], verdict: str = "passthrough") -> List[str]:
        """The codes that decided a verdict ("passthrough" or "share")."""
        _need("verdict", verdict, str, "'passthrough' or 'share'")
        if verdict not in _VERDICTS:
            raise ValueError("verdict must be 'passthrough' or 'share', not %r" % verdict)
        b, v = _bytes(self._device(bdf)), _VERDICTS[verdict]
        return [_text(lib.gpuvirt_report_get_reason(self._r, b, v, i))
                for i in range(lib.gpuvirt_report_get_reason_count(self._r, b, v))]


@dataclass(frozen=True)
class Step:
    device: Optional[str]
    action: str
    path: Optional[str]
    value: Optional[str]


class BindPlan:
    """The steps that hand a group to a driver; apply() performs them."""

    def __init__(self, ctx: Context, plan: _Ptr) -> None:
        self._ctx, self._p = ctx, plan

    def __repr__(self) -> str:
        return "<gpuvirt.BindPlan %s to %s, %d steps>" % (", ".join(self.devices), self.target, len(self.steps))

    @property
    def target(self) -> str:
        return _text(lib.gpuvirt_bind_plan_get_target(self._p))

    @property
    def devices(self) -> List[str]:
        return _strings(self._p, lib.gpuvirt_bind_plan_get_device_count, lib.gpuvirt_bind_plan_get_device)

    @property
    def steps(self) -> List[Step]:
        out = [ffi.new("const char **") for _ in range(4)]
        steps = []
        for i in range(lib.gpuvirt_bind_plan_get_step_count(self._p)):
            self._ctx._check(lib.gpuvirt_bind_plan_get_step(self._p, i, *out))
            steps.append(Step(_str(out[0][0]), _text(out[1][0]), _str(out[2][0]), _str(out[3][0])))
        return steps

    def apply(self) -> None:
        """All or nothing; raises GpuvirtError with the device, file and errno."""
        self._ctx._check(lib.gpuvirt_bind_apply(self._p))


@dataclass(frozen=True)
class StateItem:
    kind: str     # "vfs", "binding", "instance", "record"
    object: str   # the PF, the device, the UUID, the file
    wanted: str
    current: str
    status: str   # "in-place", "to-do", "done", "failed", "blocked", "unmanaged"
    reason: str


class StatePlan:
    """A desired state compared with the host, object by object; apply()
    makes only the difference."""

    def __init__(self, ctx: Context, plan: _Ptr) -> None:
        self._ctx, self._p = ctx, plan

    def __repr__(self) -> str:
        return "<gpuvirt.StatePlan %d items, %d not held>" % (len(self.items), self.not_held)

    def __len__(self) -> int:
        return int(lib.gpuvirt_state_plan_get_count(self._p))

    @property
    def items(self) -> List[StateItem]:
        out = [ffi.new("const char **") for _ in range(5)]
        items = []
        for i in range(len(self)):
            s = self._ctx._check(lib.gpuvirt_state_plan_get_item(self._p, i, *out))
            kind, obj, wanted, current, reason = (_text(o[0]) for o in out)
            items.append(StateItem(kind, obj, wanted, current, _text(lib.gpuvirt_state_status_to_string(s)), reason))
        return items

    @property
    def not_held(self) -> int:
        """How many of the state's objects do not hold (to do, blocked, failed)."""
        return sum(1 for i in self.items if i.status in ("to-do", "blocked", "failed"))

    def apply(self) -> int:
        """Make each item to do, in order; the number of the state's objects
        that do not hold afterwards (each item says why)."""
        return self._ctx._check(lib.gpuvirt_state_plan_apply(self._p))
