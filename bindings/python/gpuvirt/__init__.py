# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bindings for libgpuvirt: discover, check, pass through and share GPUs.

    import gpuvirt
    with gpuvirt.Context() as ctx:               # root "/" (or GPUVIRT_ROOT)
        for dev in ctx.devices():
            print(dev.bdf, dev.driver, dev.iommu_group)
        report = ctx.check()
        ctx.device("01:00.0").bind("vfio-pci")
        inst = ctx.allocate("nvidia-232", policy="spread")

Every handle is released by the wrapper; errors raise GpuvirtError, an
OSError whose errno is the library's and whose message is its own.
"""
from dataclasses import dataclass
from typing import Iterator, List, Optional

from ._ffi import ffi, lib

__all__ = ["Context", "Device", "Finding", "Report", "BindPlan", "Step", "Profile", "Instance", "Holder",
           "GpuvirtError", "version"]

_SEVERITIES = {0: "pass", 1: "info", 2: "warn", 3: "fail"}
_MECHANISMS = {1: "mdev", 2: "nvidia-vendor", 3: "sriov-vf"}
_TARGETS = {"kvm": "vfio-pci", "xen": "pciback"}

BIND_ALLOW_GROUP, BIND_FORCE, BIND_PERSIST, BIND_WAIT = 1, 2, 4, 8
INSTANCE_PERSIST, INSTANCE_WAIT = 1, 2


class GpuvirtError(OSError):
    """A libgpuvirt call failed: `errno` is its (positive) error code, the
    message the context's description of what failed and where."""


def _str(p) -> Optional[str]:
    # What the host names (an mdev type, a driver) may not be UTF-8: decode as
    # os.fsdecode() does, so that nothing raises and the bytes round-trip.
    return ffi.string(p).decode("utf-8", "surrogateescape") if p != ffi.NULL else None


def _bytes(s: Optional[str]):
    return s.encode("utf-8", "surrogateescape") if s is not None else ffi.NULL


def version() -> str:
    """The library's version."""
    return _str(lib.gpuvirt_version())


class Context:
    """A libgpuvirt context: the root prefix and the last error.

    Use it as a context manager, or call close(). Objects made from it keep
    it alive as long as they need it."""

    def __init__(self, root: Optional[str] = None):
        out = ffi.new("gpuvirt_ctx **")
        r = lib.gpuvirt_ctx_new(out)
        if r < 0:
            raise GpuvirtError(-r, _str(lib.gpuvirt_strerror(r)))
        self._ctx = ffi.gc(out[0], lib.gpuvirt_ctx_unref)
        if root is not None:
            self._check(lib.gpuvirt_ctx_set_root(self._ctx, _bytes(root)))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release the context (objects made from it hold their own reference)."""
        if self._ctx is not None:
            ffi.release(self._ctx)
            self._ctx = None

    def _check(self, r: int) -> int:
        if r < 0:
            msg = _str(lib.gpuvirt_ctx_get_error(self._ctx)) if self._ctx is not None else ""
            raise GpuvirtError(-r, "%s (%s)" % (msg or "libgpuvirt", _str(lib.gpuvirt_strerror(r))))
        return r

    @property
    def root(self) -> str:
        return _str(lib.gpuvirt_ctx_get_root(self._ctx))

    def set_vgpu_table(self, path: Optional[str]):
        """Use another table of vGPU-capable devices (None: the default)."""
        self._check(lib.gpuvirt_ctx_set_vgpu_table(self._ctx, _bytes(path)))

    def set_modprobe(self, path: Optional[str]):
        """The program that loads a missing driver module (None: the default)."""
        self._check(lib.gpuvirt_ctx_set_modprobe(self._ctx, _bytes(path)))

    def set_xl(self, path: Optional[str]):
        """The xl program the Xen checks ask (None: the default)."""
        self._check(lib.gpuvirt_ctx_set_xl(self._ctx, _bytes(path)))

    @property
    def write_timeout(self) -> int:
        """Milliseconds a kernel write that can block is waited for."""
        return int(lib.gpuvirt_ctx_get_write_timeout(self._ctx))

    @write_timeout.setter
    def write_timeout(self, ms: int):
        self._check(lib.gpuvirt_ctx_set_write_timeout(self._ctx, ms))

    @property
    def generation(self) -> int:
        """How many writes to the host this context has made."""
        return int(lib.gpuvirt_ctx_get_generation(self._ctx))

    def group_holders(self, group: int) -> List["Holder"]:
        """Who holds any device of an IOMMU group."""
        return _holders(self, lambda it: lib.gpuvirt_holder_iter_new_for_group(self._ctx, group, it))

    # discovery
    def devices(self, all: bool = False) -> Iterator["Device"]:
        """The GPUs (or with all=True every PCI function), in address order."""
        it = ffi.new("gpuvirt_device_iter **")
        self._check(lib.gpuvirt_device_iter_new(self._ctx, 1 if all else 0, it))
        it = ffi.gc(it[0], lib.gpuvirt_device_iter_unref)
        dev = ffi.new("gpuvirt_device **")
        while self._check(lib.gpuvirt_device_iter_next(it, dev)) > 0:
            yield Device(self, ffi.gc(dev[0], lib.gpuvirt_device_unref))

    def device(self, bdf: str) -> "Device":
        """One PCI function by address ("0000:01:00.0" or "01:00.0")."""
        out = ffi.new("gpuvirt_device **")
        self._check(lib.gpuvirt_device_new_from_bdf(self._ctx, _bytes(bdf), out))
        return Device(self, ffi.gc(out[0], lib.gpuvirt_device_unref))

    # checks
    def check(self, host_only: bool = False) -> "Report":
        """Check the host and every GPU."""
        out = ffi.new("gpuvirt_report **")
        self._check(lib.gpuvirt_check_host(self._ctx, 1 if host_only else 0, out))
        return Report(ffi.gc(out[0], lib.gpuvirt_report_unref))

    def recover(self) -> int:
        """Undo what a crashed bind, unbind or create left half-way; the count."""
        return self._check(lib.gpuvirt_recover(self._ctx))

    # profiles and instances
    def profiles(self, device: Optional["Device"] = None) -> Iterator["Profile"]:
        """The vGPU profiles of the host, or of one GPU."""
        it = ffi.new("gpuvirt_profile_iter **")
        self._check(lib.gpuvirt_profile_iter_new(self._ctx, device._dev if device else ffi.NULL, it))
        it = ffi.gc(it[0], lib.gpuvirt_profile_iter_unref)
        p = ffi.new("gpuvirt_profile **")
        while self._check(lib.gpuvirt_profile_iter_next(it, p)) > 0:
            yield Profile(ffi.gc(p[0], lib.gpuvirt_profile_unref))

    def allocate(self, profile: str, gpu: Optional[str] = None, policy: str = "pack", numa_node: Optional[int] = None,
                 uuid: Optional[str] = None, persist: bool = False, wait: bool = False) -> "Instance":
        """Allocate an instance of a profile (id or name), on `gpu` or where
        the policy ("pack" or "spread") puts it."""
        policies = {"pack": 0, "spread": 1}
        if policy not in policies:
            raise ValueError("policy must be 'pack' or 'spread'")
        out = ffi.new("gpuvirt_instance **")
        flags = (INSTANCE_PERSIST if persist else 0) | (INSTANCE_WAIT if wait else 0)
        self._check(lib.gpuvirt_instance_create(self._ctx, _bytes(profile), _bytes(gpu), policies[policy],
                                                -1 if numa_node is None else numa_node, _bytes(uuid), flags, out))
        return Instance(self, ffi.gc(out[0], lib.gpuvirt_instance_unref))

    def instances(self) -> Iterator["Instance"]:
        """Every instance on the host, whoever made it."""
        it = ffi.new("gpuvirt_instance_iter **")
        self._check(lib.gpuvirt_instance_iter_new(self._ctx, it))
        it = ffi.gc(it[0], lib.gpuvirt_instance_iter_unref)
        p = ffi.new("gpuvirt_instance **")
        while self._check(lib.gpuvirt_instance_iter_next(it, p)) > 0:
            yield Instance(self, ffi.gc(p[0], lib.gpuvirt_instance_unref))

    def instance(self, uuid: str) -> "Instance":
        """One instance by UUID."""
        out = ffi.new("gpuvirt_instance **")
        self._check(lib.gpuvirt_instance_new_from_uuid(self._ctx, _bytes(uuid), out))
        return Instance(self, ffi.gc(out[0], lib.gpuvirt_instance_unref))


class Holder:
    """Who holds a device or an instance: a process, a live instance, a VF in use."""

    def __init__(self, h):
        self._h = h

    def __repr__(self):
        return "<gpuvirt.Holder %s>" % self.description

    kind = property(lambda s: _str(lib.gpuvirt_holder_kind_to_string(lib.gpuvirt_holder_get_kind(s._h))))
    device = property(lambda s: _str(lib.gpuvirt_holder_get_device(s._h)))
    pid = property(lambda s: None if lib.gpuvirt_holder_get_pid(s._h) < 0 else int(lib.gpuvirt_holder_get_pid(s._h)))
    command = property(lambda s: _str(lib.gpuvirt_holder_get_command(s._h)))
    path = property(lambda s: _str(lib.gpuvirt_holder_get_path(s._h)))
    instance = property(lambda s: _str(lib.gpuvirt_holder_get_instance(s._h)))
    vm = property(lambda s: lib.gpuvirt_holder_is_vm(s._h) == 1)
    description = property(lambda s: _str(lib.gpuvirt_holder_get_description(s._h)))


def _holders(ctx: "Context", make) -> List[Holder]:
    it = ffi.new("gpuvirt_holder_iter **")
    ctx._check(make(it))
    it = ffi.gc(it[0], lib.gpuvirt_holder_iter_unref)
    h = ffi.new("gpuvirt_holder **")
    out = []
    while ctx._check(lib.gpuvirt_holder_iter_next(it, h)) > 0:
        out.append(Holder(ffi.gc(h[0], lib.gpuvirt_holder_unref)))
    return out


def _strings(obj, count, get) -> List[str]:
    return [_str(get(obj, i)) for i in range(count(obj))]


class Device:
    """A PCI function, as read when it was looked up (see refresh())."""

    def __init__(self, ctx: Context, dev):
        self._ctx, self._dev = ctx, dev

    def __repr__(self):
        return "<gpuvirt.Device %s %04x:%04x driver=%s>" % (self.bdf, self.vendor_id, self.device_id, self.driver)

    def refresh(self):
        self._ctx._check(lib.gpuvirt_device_refresh(self._dev))

    @property
    def stale(self) -> bool:
        """True once this context wrote to the host after the device was read."""
        return self._ctx._check(lib.gpuvirt_device_is_stale(self._dev)) == 1

    def holders(self) -> List["Holder"]:
        """Who holds it now: processes with its nodes open, live instances, VFs in use."""
        return _holders(self._ctx, lambda it: lib.gpuvirt_holder_iter_new_for_device(self._dev, it))

    bdf = property(lambda s: _str(lib.gpuvirt_device_get_bdf(s._dev)))
    vendor_id = property(lambda s: lib.gpuvirt_device_get_vendor_id(s._dev))
    device_id = property(lambda s: lib.gpuvirt_device_get_device_id(s._dev))
    subsystem_vendor_id = property(lambda s: lib.gpuvirt_device_get_subsystem_vendor_id(s._dev))
    subsystem_device_id = property(lambda s: lib.gpuvirt_device_get_subsystem_device_id(s._dev))
    class_code = property(lambda s: lib.gpuvirt_device_get_class(s._dev))
    revision = property(lambda s: lib.gpuvirt_device_get_revision(s._dev))
    is_gpu = property(lambda s: bool(lib.gpuvirt_device_is_gpu(s._dev)))
    vendor_name = property(lambda s: _str(lib.gpuvirt_device_get_vendor_name(s._dev)))
    device_name = property(lambda s: _str(lib.gpuvirt_device_get_device_name(s._dev)))
    driver = property(lambda s: _str(lib.gpuvirt_device_get_driver(s._dev)))
    driver_override = property(lambda s: _str(lib.gpuvirt_device_get_driver_override(s._dev)))
    persistent_driver = property(lambda s: _str(lib.gpuvirt_device_get_persistent_driver(s._dev)))
    numa_node = property(lambda s: _none_if_negative(lib.gpuvirt_device_get_numa_node(s._dev)))
    physfn = property(lambda s: _str(lib.gpuvirt_device_get_physfn(s._dev)))

    @property
    def iommu_group(self) -> Optional[int]:
        return _none_if_negative(lib.gpuvirt_device_get_iommu_group(self._dev))

    @property
    def iommu_group_members(self) -> List[str]:
        return _strings(self._dev, lib.gpuvirt_device_get_iommu_group_member_count,
                        lib.gpuvirt_device_get_iommu_group_member)

    @property
    def boot_vga(self) -> Optional[bool]:
        v = lib.gpuvirt_device_get_boot_vga(self._dev)
        return None if v < 0 else bool(v)

    @property
    def sriov_total_vfs(self) -> Optional[int]:
        return _none_if_negative(lib.gpuvirt_device_get_sriov_total_vfs(self._dev))

    @property
    def sriov_num_vfs(self) -> Optional[int]:
        return _none_if_negative(lib.gpuvirt_device_get_sriov_num_vfs(self._dev))

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
        m = lib.gpuvirt_device_get_modes(self._dev)
        return [_str(lib.gpuvirt_mode_to_string(1 << b)) for b in range(32) if m & (1 << b)]

    def check(self) -> "Report":
        """Check the host and this device."""
        out = ffi.new("gpuvirt_report **")
        self._ctx._check(lib.gpuvirt_check_device(self._dev, out))
        return Report(ffi.gc(out[0], lib.gpuvirt_report_unref))

    def bind_plan(self, target: str = "vfio-pci", allow_group: bool = False, force: bool = False,
                  persist: bool = False, wait: bool = False) -> "BindPlan":
        """Plan handing this device and its IOMMU group to `target`
        ("vfio-pci"/"kvm", "pciback"/"xen", or a driver name)."""
        flags = ((BIND_ALLOW_GROUP if allow_group else 0) | (BIND_FORCE if force else 0) |
                 (BIND_PERSIST if persist else 0) | (BIND_WAIT if wait else 0))
        out = ffi.new("gpuvirt_bind_plan **")
        self._ctx._check(lib.gpuvirt_bind_plan_new(self._dev, _bytes(_TARGETS.get(target, target)), flags, out))
        return BindPlan(self._ctx, ffi.gc(out[0], lib.gpuvirt_bind_plan_unref))

    def bind(self, target: str = "vfio-pci", **flags) -> "BindPlan":
        """Plan and apply: all or nothing. Returns the applied plan."""
        plan = self.bind_plan(target, **flags)
        plan.apply()
        self.refresh()
        return plan

    def unbind(self, persist: bool = False, wait: bool = False):
        """Give the group back to the drivers it had."""
        self._ctx._check(lib.gpuvirt_unbind(self._dev, (BIND_PERSIST if persist else 0) | (BIND_WAIT if wait else 0)))
        self.refresh()


def _none_if_negative(v: int) -> Optional[int]:
    return None if v < 0 else v


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

    def __init__(self, report):
        self._r = report
        it = ffi.new("gpuvirt_finding_iter **")
        if lib.gpuvirt_finding_iter_new(self._r, it) < 0:
            raise GpuvirtError(12, "out of memory")
        it = ffi.gc(it[0], lib.gpuvirt_finding_iter_unref)
        f = ffi.new("gpuvirt_finding **")
        self.findings: List[Finding] = []
        while lib.gpuvirt_finding_iter_next(it, f) > 0:
            self.findings.append(Finding(
                _str(lib.gpuvirt_finding_get_code(f[0])), _SEVERITIES[lib.gpuvirt_finding_get_severity(f[0])],
                _str(lib.gpuvirt_finding_get_subject(f[0])), _str(lib.gpuvirt_finding_get_title(f[0])),
                _str(lib.gpuvirt_finding_get_message(f[0])), _str(lib.gpuvirt_finding_get_remedy(f[0]))))

    @property
    def worst(self) -> str:
        return _SEVERITIES[lib.gpuvirt_report_get_worst_severity(self._r)]

    @property
    def devices(self) -> List[str]:
        return _strings(self._r, lib.gpuvirt_report_get_device_count, lib.gpuvirt_report_get_device)

    def _verdict(self, fn, bdf: str) -> bool:
        r = fn(self._r, _bytes(bdf))
        if r < 0:
            raise GpuvirtError(-r, "%s: %s" % (bdf, _str(lib.gpuvirt_strerror(r))))
        return bool(r)

    def can_passthrough(self, bdf: str) -> bool:
        return self._verdict(lib.gpuvirt_report_can_passthrough, bdf)

    def can_share(self, bdf: str) -> bool:
        return self._verdict(lib.gpuvirt_report_can_share, bdf)

    def reasons(self, bdf: str, verdict: str = "passthrough") -> List[str]:
        """The codes that decided a verdict ("passthrough" or "share")."""
        v = {"passthrough": 0, "share": 1}[verdict]
        n = lib.gpuvirt_report_get_reason_count(self._r, _bytes(bdf), v)
        return [_str(lib.gpuvirt_report_get_reason(self._r, _bytes(bdf), v, i)) for i in range(n)]


@dataclass(frozen=True)
class Step:
    device: Optional[str]
    action: str
    path: Optional[str]
    value: Optional[str]


class BindPlan:
    """The steps that hand a group to a driver; apply() performs them."""

    def __init__(self, ctx: Context, plan):
        self._ctx, self._p = ctx, plan

    target = property(lambda s: _str(lib.gpuvirt_bind_plan_get_target(s._p)))

    @property
    def devices(self) -> List[str]:
        return _strings(self._p, lib.gpuvirt_bind_plan_get_device_count, lib.gpuvirt_bind_plan_get_device)

    @property
    def steps(self) -> List[Step]:
        out = [ffi.new("const char **") for _ in range(4)]
        steps = []
        for i in range(lib.gpuvirt_bind_plan_get_step_count(self._p)):
            self._ctx._check(lib.gpuvirt_bind_plan_get_step(self._p, i, *out))
            steps.append(Step(*(_str(o[0]) for o in out)))
        return steps

    def apply(self):
        """All or nothing; raises GpuvirtError with the device, file and errno."""
        self._ctx._check(lib.gpuvirt_bind_apply(self._p))


class Profile:
    """A vGPU profile a GPU offers (a snapshot)."""

    def __init__(self, p):
        self._p = p

    def __repr__(self):
        return "<gpuvirt.Profile %s %s on %s, %d free>" % (self.id, self.name, self.parent, self.available)

    id = property(lambda s: _str(lib.gpuvirt_profile_get_id(s._p)))
    name = property(lambda s: _str(lib.gpuvirt_profile_get_name(s._p)))
    description = property(lambda s: _str(lib.gpuvirt_profile_get_description(s._p)))
    mechanism = property(lambda s: _MECHANISMS.get(lib.gpuvirt_profile_get_mechanism(s._p)))
    parent = property(lambda s: _str(lib.gpuvirt_profile_get_parent(s._p)))
    numa_node = property(lambda s: _none_if_negative(lib.gpuvirt_profile_get_numa_node(s._p)))
    device_api = property(lambda s: _str(lib.gpuvirt_profile_get_device_api(s._p)))
    available = property(lambda s: lib.gpuvirt_profile_get_available(s._p))
    instances = property(lambda s: lib.gpuvirt_profile_get_instance_count(s._p))
    framebuffer_bytes = property(lambda s: lib.gpuvirt_profile_get_framebuffer_bytes(s._p))
    heads = property(lambda s: lib.gpuvirt_profile_get_heads(s._p))
    max_instances = property(lambda s: lib.gpuvirt_profile_get_max_instances(s._p))
    frame_rate_limit = property(lambda s: lib.gpuvirt_profile_get_frame_rate_limit(s._p))
    vgpu_class = property(lambda s: _str(lib.gpuvirt_profile_get_vgpu_class(s._p)))

    @property
    def max_resolution(self) -> Optional[tuple]:
        w, h = ffi.new("uint32_t *"), ffi.new("uint32_t *")
        lib.gpuvirt_profile_get_max_resolution(self._p, w, h)
        return (w[0], h[0]) if w[0] and h[0] else None


class Instance:
    """An allocated vGPU instance (a snapshot); destroy() releases it."""

    def __init__(self, ctx: Context, inst):
        self._ctx, self._i = ctx, inst

    def __repr__(self):
        return "<gpuvirt.Instance %s %s on %s>" % (self.uuid, self.profile_id, self.parent)

    uuid = property(lambda s: _str(lib.gpuvirt_instance_get_uuid(s._i)))
    parent = property(lambda s: _str(lib.gpuvirt_instance_get_parent(s._i)))
    profile_id = property(lambda s: _str(lib.gpuvirt_instance_get_profile_id(s._i)))
    mechanism = property(lambda s: _MECHANISMS.get(lib.gpuvirt_instance_get_mechanism(s._i)))
    sysfs_path = property(lambda s: _str(lib.gpuvirt_instance_get_sysfs_path(s._i)))
    vf = property(lambda s: _str(lib.gpuvirt_instance_get_vf_bdf(s._i)))
    active = property(lambda s: bool(lib.gpuvirt_instance_is_active(s._i)))
    persistent = property(lambda s: bool(lib.gpuvirt_instance_is_persistent(s._i)))

    def qemu_args(self) -> List[str]:
        """What QEMU needs to attach it."""
        if self.sysfs_path:
            return ["-device", "vfio-pci,sysfsdev=%s" % self.sysfs_path]
        return ["-device", "vfio-pci,host=%s" % self.vf]

    def holders(self) -> List["Holder"]:
        """The processes (VMs) that have the instance open."""
        return _holders(self._ctx, lambda it: lib.gpuvirt_holder_iter_new_for_instance(self._i, it))

    def destroy(self, persist: bool = False, wait: bool = False):
        self._ctx._check(lib.gpuvirt_instance_destroy(
            self._i, (INSTANCE_PERSIST if persist else 0) | (INSTANCE_WAIT if wait else 0)))
