# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python bindings on simulated hosts: plain trees for reading, the FUSE
host (kernel write semantics) for binding and allocation."""
import errno
import gc
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

import gpuvirt
from gpuvirt import _ffi

BUILD = os.environ.get("SIMHOST_BUILD")
FUSE = os.environ.get("SIMHOST_FUSE")
HOSTS = os.environ.get("SIMHOST_HOSTS")
INCLUDE = os.environ.get("GPUVIRT_INCLUDE")
MODPROBE = os.environ.get("GPUVIRT_MODPROBE_STUB")


@pytest.fixture
def host(tmp_path):
    """host(name): a plain simulated host."""
    def make(name):
        d = tmp_path / name
        subprocess.run([BUILD, HOSTS, name, str(d)], check=True)
        return str(d)
    if not BUILD or not HOSTS:
        pytest.skip("SIMHOST_BUILD and SIMHOST_HOSTS are not set")
    return make


@pytest.fixture
def served():
    """served(name): a simulated host served by simhost-fuse."""
    mounts = []

    def make(name):
        if not FUSE or not os.path.exists("/dev/fuse"):
            if os.environ.get("GPUVIRT_REQUIRE_FUSE") == "1":
                pytest.fail("FUSE is required here")
            pytest.skip("simhost-fuse or /dev/fuse is missing")
        d = tempfile.mkdtemp(prefix="gpuvirt-py-")
        r = subprocess.run([FUSE, "--hosts", HOSTS, "--host", name, d])
        if r.returncode != 0:
            if os.environ.get("GPUVIRT_REQUIRE_FUSE") == "1":
                pytest.fail("cannot mount a simulated host")
            pytest.skip("cannot mount a simulated host")
        mounts.append(d)
        return d
    yield make
    # A context the test dropped keeps the root open until it is collected:
    # collect first, so that the unmount is not "busy". A mount that still
    # cannot go is lazily detached and fails the test: never left behind.
    gc.collect()
    stuck = []
    for d in mounts:
        cmd = ["umount", d] if os.geteuid() == 0 else ["fusermount3", "-u", d]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            stuck.append("%s: %s" % (d, r.stderr.strip()))
            subprocess.run(cmd[:-1] + (["-l"] if os.geteuid() == 0 else ["-z"]) + [d])
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except OSError:
                time.sleep(0.05)
    assert not stuck, "simulated hosts that would not unmount: %s" % stuck


def test_version():
    assert re.fullmatch(r"1\.\d+\.\d+", gpuvirt.version())


def test_import_without_the_library_says_how_to_point_at_it():
    env = dict(os.environ, GPUVIRT_LIBRARY="/nonexistent/libgpuvirt.so.1")
    p = subprocess.run(["/usr/bin/python3", "-c", "import gpuvirt"], capture_output=True, text=True, env=env)
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: gpuvirt: cannot load the C library '/nonexistent/libgpuvirt.so.1'")
    assert "GPUVIRT_LIBRARY" in last and "LD_LIBRARY_PATH" in last


def test_devices_and_properties(host):
    with gpuvirt.Context(host("workstation")) as ctx:
        gpus = list(ctx.devices())
        assert [d.bdf for d in gpus] == ["0000:00:02.0", "0000:01:00.0"]
        assert len(list(ctx.devices(all=True))) == 6
        nv = gpus[1]
        assert (nv.vendor_id, nv.device_id, nv.class_code) == (0x10de, 0x1e87, 0x030000)
        assert nv.driver == "nvidia" and nv.driver_override is None
        assert nv.iommu_group == 1
        assert nv.iommu_group_members == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"]
        assert nv.boot_vga is False and gpus[0].boot_vga is True
        assert nv.reset_methods == ["bus"] and nv.modes == ["passthrough"]
        assert nv.numa_node is None and nv.sriov_total_vfs is None and nv.vfs == []
        assert ctx.device("01:00.1").device_name == "TU104 HD Audio Controller"


def test_bars_and_window(host):
    root = host("rebar")
    with gpuvirt.Context(root) as ctx:
        nv, amd = ctx.device("01:00.0"), ctx.device("02:00.0")
        MiB, GiB = 1 << 20, 1 << 30
        assert nv.bars == [gpuvirt.Bar(0, 16 * MiB, "mem32", False, []),
                           gpuvirt.Bar(1, 32 * GiB, "mem64", True, [256 * MiB << k for k in range(8)]),
                           gpuvirt.Bar(3, 32 * MiB, "mem64", True, []), gpuvirt.Bar(5, 128, "io", False, [])]
        assert nv.mmio64_window == 65 * GiB and amd.mmio64_window == 2 * GiB
        assert nv.vfio_cdev is None  # not bound to VFIO
        assert ctx.mmio64_window([nv, "02:00.0"]) == 65 * GiB and ctx.mmio64_window([]) == 0
        with pytest.raises(TypeError):
            ctx.mmio64_window([42])
    os.unlink(root + "/sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/resource")
    with gpuvirt.Context(root) as ctx:
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.device("02:00.0").bars
        assert e.value.errno == errno.ENODATA and "0000:02:00.0/resource" in str(e.value)


def test_errors_carry_errno_and_message(host):
    ctx = gpuvirt.Context(host("workstation"))
    with pytest.raises(gpuvirt.GpuvirtError) as e:
        ctx.device("0000:09:00.0")
    assert e.value.errno == errno.ENODEV and "0000:09:00.0" in str(e.value)
    assert isinstance(e.value, OSError)
    # The errno's name once, not twice.
    assert str(e.value).count("No such device") == 1
    with pytest.raises(gpuvirt.GpuvirtError) as e:
        gpuvirt.Context("relative/root")
    assert e.value.errno == errno.EINVAL
    ctx.close()
    ctx.close()  # twice is fine


def test_wrong_types_and_values_before_c(host):
    """TypeError for a wrong type, ValueError for a malformed value, both
    before the library is called; a closed context says so."""
    ctx = gpuvirt.Context(host("t4"))
    for call, exc, words in [
            (lambda: ctx.device(None), TypeError, "bdf must be a PCI address (str), not NoneType"),
            (lambda: ctx.device("../../etc/passwd"), ValueError, "'../../etc/passwd' is not a PCI address"),
            (lambda: gpuvirt.Context(123), TypeError, "root must be a path (str) or None, not int"),
            (lambda: list(ctx.profiles(42)), TypeError, "device must be a Device, a PCI address (str) or None"),
            (lambda: list(ctx.devices(all="yes")), TypeError, "all must be True or False, not str"),
            (lambda: ctx.allocate("nvidia-222", policy="bogus"), ValueError, "policy must be 'pack' or 'spread'"),
            (lambda: ctx.allocate("nvidia-222", uuid="nope"), ValueError, "'nope' is not a UUID"),
            (lambda: ctx.allocate("nvidia-222", numa_node=-1), ValueError, "-1 is not a NUMA node"),
            (lambda: ctx.allocate("nvidia-222", gpu="zz"), ValueError, "'zz' is not a PCI address"),
            (lambda: ctx.allocate(7), TypeError, "profile must be a profile id or name (str), not int"),
            (lambda: ctx.instance("nope"), ValueError, "'nope' is not a UUID"),
            (lambda: ctx.group_holders("2"), TypeError, "group must be an IOMMU group number (int), not str"),
            (lambda: setattr(ctx, "write_timeout", 0), ValueError, "write_timeout: 0 ms"),
            (lambda: ctx.device("3b:00.0").bind_plan(force=1), TypeError, "force must be True or False, not int"),
            (lambda: ctx.check().reasons("0000:3b:00.0", "vgpu"), ValueError,
             "verdict must be 'passthrough' or 'share', not 'vgpu'")]:
        with pytest.raises(exc) as e:
            call()
        assert words in str(e.value), (words, str(e.value))
    # A profile list by address, as by Device.
    assert [p.id for p in ctx.profiles("0000:3b:00.0")] == [p.id for p in ctx.profiles(ctx.device("3b:00.0"))]
    dev = ctx.device("3b:00.0")
    ctx.close()
    for call in (lambda: ctx.device("3b:00.0"), lambda: list(ctx.devices()), lambda: ctx.root, ctx.check):
        with pytest.raises(ValueError) as e:
            call()
        assert str(e.value) == "operation on a closed gpuvirt.Context"
    assert dev.bdf == "0000:3b:00.0"  # what was made from it keeps its own reference


def test_messages_in_pythons_terms(host):
    with gpuvirt.Context(host("iommu-off")) as ctx:
        ctx.set_modprobe(os.environ["GPUVIRT_MODPROBE"])
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.device("01:00.0").bind_plan("pci-stub")
        assert "force=True" in str(e.value) and "GPUVIRT_BIND_FORCE" not in str(e.value), str(e.value)


def test_value_objects_compare_and_hash(host):
    root = host("a100x8")
    with gpuvirt.Context(root) as a, gpuvirt.Context(root) as b:
        assert a.device("87:00.0") == b.device("0000:87:00.0")
        assert a.device("87:00.0") != a.device("87:00.4")
        assert len({a.device("87:00.0"), b.device("87:00.0"), a.device("87:00.4")}) == 2
        assert len(set(a.profiles())) == len(list(a.profiles())) and set(a.profiles()) == set(b.profiles())
        assert [d.bdf for d in a.devices(pf_only=True)] == [d.bdf for d in a.devices() if d.physfn is None]
        assert repr(a.device("87:00.0")).startswith("<gpuvirt.Device 0000:87:00.0 10de:20b2")
        assert repr(a).startswith("<gpuvirt.Context /")


def test_typed_strictly():
    """The package is typed (py.typed) and mypy --strict finds nothing."""
    pkg = os.path.dirname(gpuvirt.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    config = os.path.join(os.path.dirname(pkg), "pyproject.toml")
    p = subprocess.run(["/usr/bin/python3", "-m", "mypy", "--strict", "--cache-dir=/dev/null", "--config-file", config, pkg],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_check(host):
    with gpuvirt.Context(host("bad-group")) as ctx:
        report = ctx.check()
        assert report.worst == "fail"
        iso = [f for f in report.findings if f.code == "gpu.iommu_group.isolated"]
        assert iso[0].severity == "fail" and iso[0].subject == "0000:02:00.0"
        assert "0000:03:00.0" in iso[0].message and "ACS" in iso[0].remedy
        assert report.devices == ["0000:02:00.0"]
        assert report.device_names == {"0000:02:00.0": "TU104 [GeForce RTX 2080 Rev. A]"}
        assert report.can_passthrough("02:00.0") is False
        assert report.reasons("0000:02:00.0") == ["gpu.iommu_group.isolated"]
        assert report.can_share("0000:02:00.0") is False
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            report.can_passthrough("0000:09:00.0")
        assert e.value.errno == errno.ENOENT
        one = ctx.device("03:00.0").check()
        assert one.devices == ["0000:03:00.0"]


def test_mig_backed_and_time_sliced_profiles(host):
    with gpuvirt.Context(host("h100-mig")) as ctx:
        mine = {p.name: p.mig_slices for p in ctx.profiles(ctx.device("18:00.0"))}
        assert mine == {"NVIDIA H100XM-1-10C": 1, "NVIDIA H100XM-3-40C": 3}
        mine = {p.name: p.mig_slices for p in ctx.profiles(ctx.device("3c:00.0"))}
        assert mine["NVIDIA H100XM-40C"] == 0 and len(mine) == 4


def test_mig_listing(host, tmp_path):
    listing = tmp_path / "mig.txt"
    listing.write_text("0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb          9        1          4:4     |\n")
    with gpuvirt.Context(host("h100-mig")) as ctx:
        ctx.set_mig_listing(str(listing))
        mig = [f.message for f in ctx.check().findings if f.code == "gpu.mig" and f.subject == "0000:18:00.0"]
        assert "GPU instances gi1 (3g.40gb at 4:4), gi2, gi9;" in mig[0]
        listing.write_text("0, 18:00.0\n")
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.set_mig_listing(str(listing))
        assert e.value.errno == errno.EBADMSG and "mig.txt: line 1 is malformed" in str(e.value)
        with pytest.raises(TypeError):
            ctx.set_mig_listing(listing)  # type: ignore[arg-type]
        ctx.set_mig_listing(None)
        mig = [f.message for f in ctx.check().findings if f.code == "gpu.mig" and f.subject == "0000:18:00.0"]
        assert "GPU instances gi1, gi2, gi9;" in mig[0]


def test_profiles(host):
    with gpuvirt.Context(host("t4")) as ctx:
        profiles = list(ctx.profiles())
        assert len(profiles) == 16
        p = [p for p in profiles if p.id == "nvidia-232" and p.parent == "0000:3b:00.0"][0]
        assert p.name == "GRID T4-4Q" and p.mechanism == "mdev" and p.device_api == "vfio-pci"
        assert p.framebuffer_bytes == 4 << 30 and p.vgpu_class == "Q" and p.heads == 4
        assert p.max_resolution == (7680, 4320) and p.max_instances == 4 and p.frame_rate_limit == 60
        assert p.available == 4 and p.instances == 0 and p.numa_node == 0 and p.mig_slices == 0
        assert len(list(ctx.profiles(ctx.device("d8:00.0")))) == 8
        assert p.unavailable_reason is None
    # A full type says why.
    root = host("t4")
    with open(os.path.join(root, "sys/devices/pci0000:00/0000:00:01.0/0000:3b:00.0/mdev_supported_types/nvidia-234/"
                                 "available_instances"), "w") as f:
        f.write("0\n")
    with gpuvirt.Context(root) as ctx:
        full = [p for p in ctx.profiles("3b:00.0") if p.id == "nvidia-234"][0]
        assert full.unavailable_reason is not None
        assert full.unavailable_reason.startswith("the driver offers none now; still creatable there: nvidia-222 (16 free)")


def test_names_that_are_not_utf8(host):
    root = host("t4")
    with open(os.path.join(root, "sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/name"), "wb") as f:
        f.write(b"GRID \xffT4-1B\n")
    with gpuvirt.Context(root) as ctx:
        [p] = [p for p in ctx.profiles() if p.id == "nvidia-222" and p.parent == "0000:3b:00.0"]
        assert p.name == "GRID \udcffT4-1B"  # as os.fsdecode() has it: no UnicodeDecodeError
        assert p.name.encode("utf-8", "surrogateescape") == b"GRID \xffT4-1B"


def test_bind_plan_without_writing(host):
    with gpuvirt.Context(host("workstation")) as ctx:
        plan = ctx.device("01:00.0").bind_plan("kvm")
        assert plan.target == "vfio-pci"
        assert plan.devices == ["0000:01:00.0", "0000:01:00.1"]
        assert plan.steps[1] == gpuvirt.Step("0000:01:00.0", "override",
                                             "sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci")
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.device("00:02.0").bind_plan()
        assert e.value.errno == errno.EBUSY and "boot VGA" in str(e.value)


def test_bind_and_unbind(served):
    root = served("workstation")
    with open(os.path.join(root, ".simhost/control"), "w") as f:
        f.write("load vfio-pci\n")
    with gpuvirt.Context(root) as ctx:
        gpu = ctx.device("01:00.0")
        plan = gpu.bind("vfio-pci")
        assert plan.devices == ["0000:01:00.0", "0000:01:00.1"]
        assert gpu.driver == "vfio-pci" and ctx.device("01:00.1").driver == "vfio-pci"
        gpu.unbind()
        assert gpu.driver == "nvidia" and ctx.device("01:00.1").driver == "snd_hda_intel"
        assert ctx.recover() == 0


def test_bind_failure_is_rolled_back(served):
    root = served("workstation")
    with open(os.path.join(root, ".simhost/control"), "w") as f:
        f.write("load vfio-pci\nfail sys/bus/pci/drivers_probe 2 EIO\n")
    with gpuvirt.Context(root) as ctx:
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.device("01:00.0").bind()
        assert e.value.errno == errno.EIO and "drivers_probe" in str(e.value)
        assert ctx.device("01:00.0").driver == "nvidia"
        assert ctx.device("01:00.1").driver == "snd_hda_intel"


def test_allocate_and_destroy(served):
    with gpuvirt.Context(served("t4")) as ctx:
        inst = ctx.allocate("GRID T4-8Q", gpu="3b:00.0")
        assert inst.mechanism == "mdev" and inst.parent == "0000:3b:00.0" and inst.active
        assert inst.qemu_args() == ["-device", "vfio-pci,sysfsdev=%s" % inst.sysfs_path]
        second = ctx.allocate("nvidia-233", gpu="3b:00.0")
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.allocate("nvidia-233", gpu="3b:00.0")
        assert e.value.errno == errno.ENOSPC and "nvidia-233" in str(e.value)
        assert sorted(i.uuid for i in ctx.instances()) == sorted([inst.uuid, second.uuid])
        assert ctx.instance(inst.uuid.upper()).profile_id == "nvidia-233"
        inst.destroy()
        second.destroy()
        assert list(ctx.instances()) == []
        with pytest.raises(ValueError):
            ctx.allocate("nvidia-233", policy="random")


def test_export(host):
    with gpuvirt.Context(host("workstation")) as ctx:
        nova = ctx.export("nova")
        assert 'device_spec = {"address": "0000:01:00.0", "vendor_id": "10de", "product_id": "1e87"}' in nova
        assert "pciHostDevices:" in ctx.export("kubevirt", yaml=True)
        assert ctx.export("nodedev", ["01:00.1"]).count("<device>") == 1
        assert "gpuvirt-gpus=2" in ctx.export("nfd").splitlines()
        with pytest.raises(ValueError):
            ctx.export("csv")
        with pytest.raises(ValueError):
            ctx.export("nova", yaml=True)
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.export("prometheus", ["0000:09:00.0"])
        assert e.value.errno == errno.ENODEV


def test_persist_and_restore(served):
    """What allocate(persist=True) records, a host served again with only
    its etc/ is given back by restore(), with the same UUID."""
    root = served("t4")
    with gpuvirt.Context(root) as ctx:
        inst = ctx.allocate("nvidia-233", gpu="3b:00.0", persist=True, owner="vm-7")
        uuid = inst.uuid
        assert inst.persistent and inst.owner == "vm-7"
        with pytest.raises(ValueError):
            ctx.allocate("nvidia-233", gpu="3b:00.0", owner="x")
        plan = ctx.state_plan()
        assert [(i.kind, i.object, i.status) for i in plan.items] == [("instance", uuid, "in-place")]
    etc = tempfile.mkdtemp()
    shutil.copytree(os.path.join(root, "etc"), os.path.join(etc, "etc"))
    again = served("t4")
    shutil.copytree(os.path.join(etc, "etc"), os.path.join(again, "etc"), dirs_exist_ok=True)
    shutil.rmtree(etc)
    with gpuvirt.Context(again) as ctx:
        plan = ctx.state_plan()
        assert plan.not_held == 1 and plan.items[0].status == "to-do" and plan.items[0].current == "defined, not active"
        done = ctx.restore()
        assert done.not_held == 0
        assert [(i.object, i.status, i.current) for i in done.items] == [(uuid, "done", "nvidia-233 on 0000:3b:00.0")]
        assert ctx.instance(uuid).active and ctx.instance(uuid).owner == "vm-7"
        assert ctx.restore().items[0].status == "in-place"
        with pytest.raises(ValueError):
            ctx.state_plan("relative.json")
        bad = os.path.join(again, "state.json")
        with open(bad, "w") as f:
            f.write('{"version": 1, "objects": [{"kind": "vfs"}]}')
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            ctx.state_plan(bad)
        assert e.value.errno == errno.EBADMSG and "object 1" in str(e.value)


def _prototypes(text):
    """Function prototypes of C text, whitespace-normalised, by name."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    out = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?\b(gpuvirt_\w+)\s*\([^;{]*\))\s*;", text):
        out[m.group(2)] = re.sub(r"\s+", " ", m.group(1)).replace("( ", "(").replace(" )", ")").strip()
    return out


def test_holders(host):
    root = host("workstation")
    os.makedirs(os.path.join(root, "proc/4242/fd"))
    with open(os.path.join(root, "proc/4242/comm"), "w") as f:
        f.write("qemu-system-x86\n")
    os.symlink("/dev/vfio/1", os.path.join(root, "proc/4242/fd/9"))
    with gpuvirt.Context(root) as ctx:
        gpu = ctx.device("01:00.0")
        [h] = gpu.holders()
        assert (h.kind, h.device, h.pid, h.command, h.path, h.vm) == (
            "process", "0000:01:00.0", 4242, "qemu-system-x86", "/dev/vfio/1", True)
        assert h.description == "pid 4242 (qemu-system-x86) has /dev/vfio/1 open"
        assert [x.device for x in ctx.group_holders(1)] == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"]
        with pytest.raises(gpuvirt.GpuvirtError) as e:
            gpu.bind("vfio-pci", force=True)
        assert e.value.errno == errno.EBUSY and "nothing overrides that" in str(e.value)
        assert ctx.device("00:02.0").holders() == []


def test_ffi_matches_the_headers():
    """The cdef must say what the headers say, function by function."""
    if not INCLUDE:
        pytest.skip("GPUVIRT_INCLUDE is not set")
    headers = {}
    for name in os.listdir(os.path.join(INCLUDE, "gpuvirt")):
        with open(os.path.join(INCLUDE, "gpuvirt", name)) as f:
            headers.update(_prototypes(f.read()))
    declared = _prototypes(_ffi.CDEF)
    assert declared, "no prototypes parsed from the cdef"
    for name, proto in declared.items():
        assert headers.get(name) == proto, name
    # What the bindings leave out is on purpose: refs (Python owns one handle
    # per object), the log callback, and the event monitor.
    missing = set(headers) - set(declared)
    allowed = {"gpuvirt_ctx_ref", "gpuvirt_ctx_set_log_fn", "gpuvirt_ctx_get_log_priority", "gpuvirt_device_ref",
               "gpuvirt_device_get_ctx", "gpuvirt_device_has_reset_method_info", "gpuvirt_report_ref",
               "gpuvirt_bind_plan_ref", "gpuvirt_profile_ref", "gpuvirt_instance_ref", "gpuvirt_monitor_new",
               "gpuvirt_monitor_get_fd", "gpuvirt_monitor_next_event", "gpuvirt_monitor_unref",
               "gpuvirt_holder_ref", "gpuvirt_state_plan_ref", "gpuvirt_restore"}
    assert missing <= allowed, sorted(missing - allowed)


def test_pip_install_offline(tmp_path):
    """pip installs the package from the source tree without the network."""
    if shutil.which("pip3") is None and not os.path.exists("/usr/lib/python3/dist-packages/pip"):
        pytest.skip("pip is not installed")
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True)
    # A copy: setuptools writes build/ and *.egg-info beside the sources.
    src = tmp_path / "src"
    shutil.copytree(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), src,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(venv / "bin/pip"), "install", "--no-build-isolation", "--no-index", "--no-deps",
                        "--quiet", str(src)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(venv / "bin/python"), "-c", "import gpuvirt; print(gpuvirt.__file__, gpuvirt.version())"],
                       capture_output=True, text=True, cwd=str(tmp_path), env=env)
    assert r.returncode == 0 and str(venv) in r.stdout, r.stderr


# ---- stress: 1,000 cycles in one process, descriptors and memory flat ----

CYCLES = max(200, int(os.environ.get("GPUVIRT_STRESS_CYCLES", "1000")))
RSS_ALLOWANCE_KB = 1024  # the interpreter's own allocations settle slowly


def _fds():
    return len(os.listdir("/proc/self/fd"))


def _rss_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def _flat(cycle_fn, what):
    """Run cycle_fn CYCLES times; from cycle 100 on, the descriptors stay
    the same and RSS within the allowance."""
    fds = rss = peak = None
    for i in range(1, CYCLES + 1):
        cycle_fn(i)
        if i == 100:
            gc.collect()
            fds, rss = _fds(), _rss_kb()
            peak = rss
        elif i > 100:
            assert _fds() == fds, "%s: %d descriptors at cycle %d, %d at 100" % (what, _fds(), i, fds)
            peak = max(peak, _rss_kb())
    gc.collect()
    print("stress (python): %s: %d cycles, %d descriptors, RSS %d kB at 100, at most %d kB after"
          % (what, CYCLES, fds, rss, peak))
    assert peak - rss <= RSS_ALLOWANCE_KB, "%s: RSS grew %d kB" % (what, peak - rss)


def test_stress_bind_unbind(served):
    root = served("workstation")
    with open(os.path.join(root, ".simhost/control"), "w") as f:
        f.write("load vfio-pci\n")
    with gpuvirt.Context(root) as ctx:
        def cycle(i):
            gpu = ctx.device("01:00.0")
            gpu.bind("vfio-pci")
            assert gpu.driver == "vfio-pci", i
            gpu.unbind()
            assert gpu.driver == "nvidia", i
        _flat(cycle, "bind/unbind")


def test_stress_create_destroy(served):
    root = served("t4")
    with gpuvirt.Context(root) as ctx:
        def cycle(i):
            inst = ctx.allocate("nvidia-231")
            assert inst.active, i
            inst.destroy()
        _flat(cycle, "create/destroy")
