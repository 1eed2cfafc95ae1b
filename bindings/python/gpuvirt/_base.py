# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the bindings' modules share: the library's words, the checks of a
caller's values, the error, and who holds a device or an instance."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, Union

from ._ffi import ffi, lib

if TYPE_CHECKING:
    from . import Context

_SEVERITIES = {0: "pass", 1: "info", 2: "warn", 3: "fail"}
_MECHANISMS = {1: "mdev", 2: "nvidia-vendor", 3: "sriov-vf"}
_TARGETS = {"kvm": "vfio-pci", "xen": "pciback"}
_VERDICTS = {"passthrough": 0, "share": 1}
_POLICIES = {"pack": 0, "spread": 1}
_BDF = re.compile(r"([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The library's words for its flags, as a Python caller passes them.
_IN_PYTHON = [("GPUVIRT_BIND_FORCE (--force)", "force=True"), ("GPUVIRT_BIND_ALLOW_GROUP (--allow-group)",
              "allow_group=True"), ("GPUVIRT_BIND_PERSIST", "persist=True"), ("GPUVIRT_INSTANCE_PERSIST",
              "persist=True"), ("GPUVIRT_BIND_FORCE", "force=True"), ("GPUVIRT_BIND_ALLOW_GROUP", "allow_group=True"),
              ("gpuvirt_ctx_set_modprobe", "Context.set_modprobe")]

BIND_ALLOW_GROUP, BIND_FORCE, BIND_PERSIST, BIND_WAIT = 1, 2, 4, 8
INSTANCE_PERSIST, INSTANCE_WAIT = 1, 2

_Ptr = Any  # a cffi pointer


class GpuvirtError(OSError):
    """A libgpuvirt call failed: `errno` is its (positive) error code, the
    message the context's description of what failed and where."""


def _str(p: _Ptr) -> Optional[str]:
    # What the host names (an mdev type, a driver) may not be UTF-8: decode as
    # os.fsdecode() does, so that nothing raises and the bytes round-trip.
    return str(ffi.string(p).decode("utf-8", "surrogateescape")) if p != ffi.NULL else None


def _text(p: _Ptr) -> str:
    return _str(p) or ""


def _bytes(s: Optional[str]) -> _Ptr:
    return s.encode("utf-8", "surrogateescape") if s is not None else ffi.NULL


def _need(name: str, value: object, kind: Union[type, Tuple[type, ...]], what: str) -> None:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError("%s must be %s, not %s" % (name, what, type(value).__name__))


def _bdf(name: str, value: object) -> str:
    _need(name, value, str, "a PCI address (str)")
    assert isinstance(value, str)
    if not _BDF.fullmatch(value):
        raise ValueError("%s: %r is not a PCI address (DDDD:BB:DD.F or BB:DD.F)" % (name, value))
    return value


def _uuid(name: str, value: object) -> str:
    _need(name, value, str, "a UUID (str)")
    assert isinstance(value, str)
    if not _UUID.fullmatch(value):
        raise ValueError("%s: %r is not a UUID" % (name, value))
    return value


def _flag(name: str, value: object) -> bool:
    _need(name, value, bool, "True or False")
    return bool(value)


def _message(msg: str, r: int) -> str:
    """The library's message in Python's terms, its errno's name once."""
    for c, py in _IN_PYTHON:
        msg = msg.replace(c, py)
    why = _text(lib.gpuvirt_strerror(r))
    return msg if why in msg else "%s (%s)" % (msg, why)


def _raise(r: int, msg: Optional[str]) -> None:
    raise GpuvirtError(-r, _message(msg or "libgpuvirt", r))


class Holder:
    """Who holds a device or an instance: a process, a live instance, a VF in use."""

    def __init__(self, h: _Ptr) -> None:
        self._h = h

    def __repr__(self) -> str:
        return "<gpuvirt.Holder %s>" % self.description

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Holder) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> Tuple[Optional[str], Optional[str], Optional[int], Optional[str], Optional[str]]:
        return (self.kind, self.device, self.pid, self.path, self.instance)

    @property
    def kind(self) -> Optional[str]:
        """"process", "instance" or "vf"."""
        return _str(lib.gpuvirt_holder_kind_to_string(lib.gpuvirt_holder_get_kind(self._h)))

    @property
    def device(self) -> Optional[str]:
        return _str(lib.gpuvirt_holder_get_device(self._h))

    @property
    def pid(self) -> Optional[int]:
        return _none_if_negative(int(lib.gpuvirt_holder_get_pid(self._h)))

    @property
    def command(self) -> Optional[str]:
        return _str(lib.gpuvirt_holder_get_command(self._h))

    @property
    def path(self) -> Optional[str]:
        return _str(lib.gpuvirt_holder_get_path(self._h))

    @property
    def instance(self) -> Optional[str]:
        return _str(lib.gpuvirt_holder_get_instance(self._h))

    @property
    def vm(self) -> bool:
        """A VM's (nothing takes it), not the host's own use."""
        return bool(lib.gpuvirt_holder_is_vm(self._h) == 1)

    @property
    def description(self) -> str:
        return _text(lib.gpuvirt_holder_get_description(self._h))


def _holders(ctx: "Context", make: Callable[[_Ptr], int]) -> List[Holder]:
    out = ffi.new("gpuvirt_holder_iter **")
    ctx._check(make(out))
    it = ffi.gc(out[0], lib.gpuvirt_holder_iter_unref)
    h = ffi.new("gpuvirt_holder **")
    holders = []
    while ctx._check(lib.gpuvirt_holder_iter_next(it, h)) > 0:
        holders.append(Holder(ffi.gc(h[0], lib.gpuvirt_holder_unref)))
    return holders


def _strings(obj: _Ptr, count: Callable[[_Ptr], int], get: Callable[[_Ptr, int], _Ptr]) -> List[str]:
    return [_text(get(obj, i)) for i in range(count(obj))]


def _none_if_negative(v: int) -> Optional[int]:
    return None if v < 0 else int(v)
