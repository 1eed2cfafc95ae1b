# SPDX-License-Identifier: LGPL-2.1-or-later
"""vGPU profiles and the instances made of them."""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from ._base import (INSTANCE_PERSIST, INSTANCE_WAIT, Holder, _MECHANISMS, _Ptr, _bytes, _flag, _holders, _need,
                    _none_if_negative, _str, _text)
from ._ffi import ffi, lib

if TYPE_CHECKING:
    from . import Context


class Profile:
    """A vGPU profile a GPU offers (a snapshot). Two are equal when they
    are the same type on the same parent."""

    def __init__(self, p: _Ptr) -> None:
        self._p = p

    def __repr__(self) -> str:
        return "<gpuvirt.Profile %s %s on %s, %d free>" % (self.id, self.name, self.parent, self.available)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and (self.parent, self.id) == (other.parent, other.id)

    def __hash__(self) -> int:
        return hash((self.parent, self.id))

    @property
    def id(self) -> str:
        return _text(lib.gpuvirt_profile_get_id(self._p))

    @property
    def name(self) -> str:
        return _text(lib.gpuvirt_profile_get_name(self._p))

    @property
    def description(self) -> Optional[str]:
        return _str(lib.gpuvirt_profile_get_description(self._p))

    @property
    def mechanism(self) -> Optional[str]:
        """"mdev", "nvidia-vendor" or "sriov-vf"."""
        return _MECHANISMS.get(lib.gpuvirt_profile_get_mechanism(self._p))

    @property
    def parent(self) -> str:
        return _text(lib.gpuvirt_profile_get_parent(self._p))

    @property
    def numa_node(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_profile_get_numa_node(self._p)))

    @property
    def device_api(self) -> Optional[str]:
        return _str(lib.gpuvirt_profile_get_device_api(self._p))

    @property
    def available(self) -> int:
        return int(lib.gpuvirt_profile_get_available(self._p))

    @property
    def instances(self) -> int:
        return int(lib.gpuvirt_profile_get_instance_count(self._p))

    @property
    def unavailable_reason(self) -> Optional[str]:
        """Why none is available (the rule that blocks it), or None."""
        return _str(lib.gpuvirt_profile_get_unavailable_reason(self._p))

    @property
    def framebuffer_bytes(self) -> int:
        return int(lib.gpuvirt_profile_get_framebuffer_bytes(self._p))

    @property
    def heads(self) -> int:
        return int(lib.gpuvirt_profile_get_heads(self._p))

    @property
    def max_instances(self) -> int:
        return int(lib.gpuvirt_profile_get_max_instances(self._p))

    @property
    def frame_rate_limit(self) -> int:
        return int(lib.gpuvirt_profile_get_frame_rate_limit(self._p))

    @property
    def vgpu_class(self) -> Optional[str]:
        return _str(lib.gpuvirt_profile_get_vgpu_class(self._p))

    @property
    def mig_slices(self) -> int:
        """A MIG-backed type's GPU instance size in compute slices (1 to 7); 0 time-sliced."""
        return int(lib.gpuvirt_profile_get_mig_slices(self._p))

    @property
    def max_resolution(self) -> Optional[Tuple[int, int]]:
        w, h = ffi.new("uint32_t *"), ffi.new("uint32_t *")
        lib.gpuvirt_profile_get_max_resolution(self._p, w, h)
        return (int(w[0]), int(h[0])) if w[0] and h[0] else None


class Instance:
    """An allocated vGPU instance (a snapshot); destroy() releases it. Two
    are equal when they have the same UUID (or VF) on the same parent."""

    def __init__(self, ctx: Context, inst: _Ptr) -> None:
        self._ctx, self._i = ctx, inst

    def __repr__(self) -> str:
        return "<gpuvirt.Instance %s %s on %s>" % (self.uuid or self.vf, self.profile_id, self.parent)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instance) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> Tuple[Optional[str], Optional[str], str]:
        return (self.uuid, self.vf, self.parent)

    @property
    def uuid(self) -> Optional[str]:
        return _str(lib.gpuvirt_instance_get_uuid(self._i))

    @property
    def parent(self) -> str:
        return _text(lib.gpuvirt_instance_get_parent(self._i))

    @property
    def profile_id(self) -> str:
        return _text(lib.gpuvirt_instance_get_profile_id(self._i))

    @property
    def mechanism(self) -> Optional[str]:
        return _MECHANISMS.get(lib.gpuvirt_instance_get_mechanism(self._i))

    @property
    def sysfs_path(self) -> Optional[str]:
        return _str(lib.gpuvirt_instance_get_sysfs_path(self._i))

    @property
    def vf(self) -> Optional[str]:
        return _str(lib.gpuvirt_instance_get_vf_bdf(self._i))

    @property
    def active(self) -> bool:
        return bool(lib.gpuvirt_instance_is_active(self._i) == 1)

    @property
    def persistent(self) -> bool:
        return bool(lib.gpuvirt_instance_is_persistent(self._i) == 1)

    @property
    def owner(self) -> Optional[str]:
        """The owner tag recorded with a persisted instance."""
        return _str(lib.gpuvirt_instance_get_owner(self._i))

    @owner.setter
    def owner(self, tag: Optional[str]) -> None:
        if tag is not None:
            _need("owner", tag, str, "an owner tag (str) or None")
        self._ctx._check(lib.gpuvirt_instance_set_owner(self._i, _bytes(tag)))

    def qemu_args(self) -> List[str]:
        """What QEMU needs to attach it."""
        if self.sysfs_path:
            return ["-device", "vfio-pci,sysfsdev=%s" % self.sysfs_path]
        return ["-device", "vfio-pci,host=%s" % self.vf]

    def holders(self) -> List["Holder"]:
        """The processes (VMs) that have the instance open."""
        inst = self._i
        return _holders(self._ctx, lambda it: int(lib.gpuvirt_holder_iter_new_for_instance(inst, it)))

    def destroy(self, persist: bool = False, wait: bool = False) -> None:
        flags = (INSTANCE_PERSIST if _flag("persist", persist) else 0) | (INSTANCE_WAIT if _flag("wait", wait) else 0)
        self._ctx._check(lib.gpuvirt_instance_destroy(self._i, flags))
