#!/usr/bin/python3
"""gpuvirt export on every simulated host, each format checked by its
engine's own code or rules: Nova's configuration and PCI parsers (Debian's
python3-nova), promtool and node-exporter's textfile collector, libvirt's
virt-xml-validate, KubeVirt's and Kubernetes' documented shapes and names.
usage: test-export.py GPUVIRT SIMHOST_BUILD SIMHOST_FUSE HOSTS_DIR"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

GPUVIRT, BUILD, FUSE, HOSTS = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
NOVA_LOAD = os.path.join(HERE, "export", "nova_load.py")
PY = "/usr/bin/python3"
# Kubernetes: a label or resource name part; a DNS subdomain.
NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
DOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
failures = []
passed = [0]


def check(cond, what):
    if cond:
        passed[0] += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def gv(root, *args):
    p = subprocess.run([GPUVIRT, "--root", root, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def export(root, fmt, *args):
    rc, out, err = gv(root, "export", fmt, *args)
    check(rc == 0 and not err, "%s: export %s exits 0 quietly: %d %s" % (root, fmt, rc, err))
    return out


def functions(root):
    """Every function as Nova's PCI tracker describes it."""
    _, out, _ = gv(root, "list", "--all", "--json")
    return [{"address": d["bdf"], "vendor_id": d["vendor_id"], "product_id": d["device_id"],
             "parent_addr": d["physfn"], "class": d["class"]} for d in json.loads(out)["devices"]]


def nova_load(path, funcs):
    p = subprocess.run([PY, NOVA_LOAD, path], input=json.dumps(funcs), capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else p.stderr)


def check_nova(name, root, tmp):
    text = export(root, "nova")
    path = os.path.join(tmp, name + "-nova.conf")
    with open(path, "w") as f:
        f.write(text)
    funcs = functions(root)
    rc, nova = nova_load(path, funcs)
    check(rc == 0, "%s: Nova loads the fragment: %s" % (name, nova))
    if rc:
        return None
    listed = re.findall(r'^device_spec = \{"address": "([0-9a-f:.]+)"', text, re.M)
    check(sorted(nova["assignable"]) == sorted(listed), "%s: Nova assigns exactly the functions listed" % name)
    by_addr = {f["address"]: f for f in funcs}
    for alias, a in nova["aliases"].items():
        spec = a["specs"][0]
        hits = [f for f in funcs if f["address"] in nova["assignable"] and
                (f["vendor_id"], f["product_id"]) == (spec["vendor_id"], spec["product_id"])]
        check(hits and len({f["class"] for f in hits}) == 1,
              "%s: alias %s matches assignable functions of one class only" % (name, alias))
    seen = {}
    for t, addrs in nova["mdev_types"].items():
        for a in addrs:
            check(a not in seen, "%s: %s under one mdev type only" % (name, a))
            seen[a] = t
            check(a in by_addr, "%s: %s is on the host" % (name, a))
    return nova


def check_kubevirt(name, root):
    doc = json.loads(export(root, "kubevirt"))
    check(list(doc) == ["permittedHostDevices"] and
          list(doc["permittedHostDevices"]) == ["pciHostDevices", "mediatedDevices"], "%s: kubevirt shape" % name)
    phd = doc["permittedHostDevices"]
    for e in phd["pciHostDevices"]:
        check(list(e) == ["pciVendorSelector", "resourceName"], "%s: pciHostDevices keys %s" % (name, list(e)))
        check(re.fullmatch(r"[0-9A-F]{4}:[0-9A-F]{4}", e["pciVendorSelector"]), "%s: selector %s" % (name, e))
    for e in phd["mediatedDevices"]:
        check(list(e) == ["mdevNameSelector", "resourceName"], "%s: mediatedDevices keys %s" % (name, list(e)))
    for e in phd["pciHostDevices"] + phd["mediatedDevices"]:
        dom, _, res = e["resourceName"].partition("/")
        check(DOMAIN.fullmatch(dom) and NAME.fullmatch(res), "%s: resource name %s" % (name, e["resourceName"]))
    check(yaml.safe_load(export(root, "kubevirt", "--yaml")) == doc, "%s: the YAML says what the JSON says" % name)
    return doc


def check_nfd(name, root):
    labels = {}
    for line in export(root, "nfd").splitlines():
        key, eq, value = line.partition("=")
        check(eq and NAME.fullmatch(key) and (value == "" or NAME.fullmatch(value)),
              "%s: nfd line %r within the label rules" % (name, line))
        check(key not in labels, "%s: nfd label %s once" % (name, key))
        labels[key] = value
    return labels


def check_prometheus(name, root, tmp):
    text = export(root, "prometheus")
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    check(p.returncode == 0, "%s: promtool accepts the metrics: %s%s" % (name, p.stdout, p.stderr))
    return text


def check_nodedev(name, root, tmp, bdfs=()):
    docs = [d for d in re.split(r"(?=<device>)", export(root, "nodedev", *bdfs)) if d.strip()]
    for i, d in enumerate(docs):
        path = os.path.join(tmp, "%s-nodedev-%d.xml" % (name, i))
        with open(path, "w") as f:
            f.write(d)
        p = subprocess.run(["virt-xml-validate", path, "nodedev"], capture_output=True, text=True)
        check(p.returncode == 0, "%s: virt-xml-validate accepts device %d: %s%s" % (name, i, p.stdout, p.stderr))
    return docs


def every_format(name, root, tmp):
    return (check_nova(name, root, tmp), check_kubevirt(name, root), check_nfd(name, root),
            check_prometheus(name, root, tmp), check_nodedev(name, root, tmp))


tmp = tempfile.mkdtemp(prefix="gpuvirt-export-")
mounts = []
try:
    names = sorted({os.path.basename(p).rsplit(".", 1)[0] for p in glob.glob(HOSTS + "/*.host") +
                    glob.glob(HOSTS + "/*.umockdev")})
    roots = {}
    for n in names:
        roots[n] = os.path.join(tmp, n)
        subprocess.run([BUILD, HOSTS, n, roots[n]], check=True)
        every_format(n, roots[n], tmp)
    check(len(names) >= 11, "every simulated host (%d)" % len(names))

    # ---- exact answers --------------------------------------------------------------------
    nova, kv, nfd, prom, nd = every_format("workstation", roots["workstation"], tmp)
    check(nova["assignable"] == ["0000:01:00.0", "0000:01:00.1"], "the RTX 2080 and its audio, not the boot iGPU")
    check(sorted(nova["aliases"]) == ["nvidia-geforce-rtx-2080-rev-a", "nvidia-geforce-rtx-2080-rev-a-audio"],
          "aliases named after the model: %s" % sorted(nova["aliases"]))
    check(nova["aliases"]["nvidia-geforce-rtx-2080-rev-a"]["specs"] ==
          [{"dev_type": "type-PCI", "product_id": "1e87", "vendor_id": "10de"}], "the GPU's alias")
    rc, out, _ = gv(roots["workstation"], "export", "nova")
    check("# 0000:00:02.0 (intel-uhd-graphics-630): not for passthrough: gpu.boot_vga" in out, "why the iGPU is not")
    check(kv["permittedHostDevices"]["pciHostDevices"] ==
          [{"pciVendorSelector": "10DE:1E87", "resourceName": "nvidia.com/TU104_GeForce_RTX_2080_Rev_A"}],
          "kubevirt: the RTX 2080 by its IDs")
    check(nfd["gpuvirt-passthrough.nvidia-geforce-rtx-2080-rev-a"] == "1" and nfd["gpuvirt-gpus"] == "2",
          "nfd: one passthrough-ready 2080 of 2 GPUs")
    check('gpuvirt_gpu_passthrough_ready{bdf="0000:00:02.0"} 0' in prom and
          'gpuvirt_gpu_passthrough_ready{bdf="0000:01:00.0"} 1' in prom, "prometheus verdicts")
    check([re.search(r"<name>(.*)</name>", d).group(1) for d in nd] == ["pci_0000_00_02_0", "pci_0000_01_00_0"],
          "nodedev names")
    check("<iommuGroup number='1'>" in nd[1] and "function='0x1'" in nd[1], "nodedev: the group and its audio")

    nova, kv, nfd, prom, nd = every_format("t4", roots["t4"], tmp)
    check(nova["mdev_types"] == {"nvidia-222": ["0000:3b:00.0", "0000:d8:00.0"]} and nova["assignable"] == [],
          "idle T4s: vGPU under their first type, not passthrough: %s" % nova)
    names_kv = [e["mdevNameSelector"] for e in kv["permittedHostDevices"]["mediatedDevices"]]
    check(names_kv[:2] == ["GRID T4-1B", "GRID T4-2B"] and len(names_kv) == 8, "kubevirt: the T4's types %s" % names_kv)
    check({"mdevNameSelector": "GRID T4-1Q", "resourceName": "nvidia.com/GRID_T4_1Q"} in
          kv["permittedHostDevices"]["mediatedDevices"], "kubevirt: a type's resource name")
    check(nfd["gpuvirt-vgpu.grid-t4-1q"] == "32", "nfd: T4-1Q free on both (16 each)")
    check("<type id='nvidia-233'>" in nd[0] and "<availableInstances>2</availableInstances>" in nd[0],
          "nodedev: mdev types with available instances")

    nova, kv, nfd, prom, nd = every_format("a100x8", roots["a100x8"], tmp)
    check(nfd["gpuvirt-passthrough.nvidia-a100-sxm4-80gb"] == "8" and nfd["gpuvirt-vgpu-manager"] == "true",
          "nfd: 8 A100s (their vendor VFs are not GPUs to pass), the vGPU manager")
    check(len(nova["assignable"]) == 8 and nova["mdev_types"] == {}, "nova: the 8 PFs")
    check("<capability type='virt_functions' maxCount='" in nd[0], "nodedev: SR-IOV links")
    nova, kv, nfd, prom, nd = every_format("amd-mxgpu", roots["amd-mxgpu"], tmp)
    check(nova["aliases"]["amd-firepro-s7150v"]["specs"][0]["dev_type"] == "type-VF", "nova: MxGPU VFs as type-VF")
    check(nfd["gpuvirt-vgpu.aldebaran-mi200-instinct-mi210-vf"] == "8", "nfd: MI210's VFs to come")
    nova, kv, nfd, prom, nd = every_format("nogpu", roots["nogpu"], tmp)
    check(nova == {"aliases": {}, "assignable": [], "mdev_types": {}}, "nogpu: an empty Nova fragment")
    check(kv == {"permittedHostDevices": {"pciHostDevices": [], "mediatedDevices": []}}, "nogpu: empty lists")
    check(nfd["gpuvirt-gpus"] == "0" and nd == [], "nogpu: no GPU, no device")

    # ---- bad output fails Nova's own check ---------------------------------------------------
    text = export(roots["workstation"], "nova")
    for bad, why in [(text.replace('"type-PCI"', '"type-GPU"'), "a device type Nova does not know"),
                     (text.replace('"address": "0000:01:00.0"', '"address": "0000:01:00.x"'), "a bad address")]:
        path = os.path.join(tmp, "bad-nova.conf")
        with open(path, "w") as f:
            f.write(bad)
        rc, _ = nova_load(path, functions(roots["workstation"]))
        check(rc != 0, "Nova refuses %s" % why)

    # ---- the busy T4: a GPU that runs a type is listed under it only -------------------------
    mnt = tempfile.mkdtemp(prefix="gpuvirt-export-fuse-")
    if subprocess.run([FUSE, "--hosts", HOSTS, "--host", "t4", mnt]).returncode == 0:
        mounts.append(mnt)
        rc, out, err = gv(mnt, "create", "nvidia-233", "--gpu", "0000:d8:00.0")
        check(rc == 0, "an instance on the second T4: %s" % err)
        nova, kv, nfd, prom, nd = every_format("busy-t4", mnt, tmp)
        check(nova["mdev_types"] == {"nvidia-222": ["0000:3b:00.0"], "nvidia-233": ["0000:d8:00.0"]},
              "busy T4: under the type it runs: %s" % nova["mdev_types"])
        check(re.search(r'gpuvirt_instance_active\{uuid="[0-9a-f-]{36}",parent="0000:d8:00.0",profile="nvidia-233",'
                        r'mechanism="mdev",vf=""\} 1', prom), "prometheus: the instance")
        check('gpuvirt_profile_instances{parent="0000:d8:00.0",profile="nvidia-233",name="GRID T4-8Q",'
              'mechanism="mdev"} 1' in prom, "prometheus: the profile's count")
    elif os.environ.get("GPUVIRT_REQUIRE_FUSE") == "1":
        check(False, "FUSE is required here")

    # ---- node-exporter serves the metrics, written atomically into its folder ------------------
    tdir = os.path.join(tmp, "textfile")
    os.mkdir(tdir)
    rc, _, err = gv(roots["t4"], "export", "prometheus", "--output", os.path.join(tdir, "gpuvirt.prom"))
    check(rc == 0 and os.listdir(tdir) == ["gpuvirt.prom"], "--output leaves only the file: %s %s" % (os.listdir(tdir), err))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ne = subprocess.Popen(["prometheus-node-exporter", "--web.listen-address=127.0.0.1:%d" % port,
                           "--collector.disable-defaults", "--collector.textfile",
                           "--collector.textfile.directory=" + tdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    body = ""
    try:
        for _ in range(100):
            try:
                body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
    finally:
        ne.terminate()
        ne.wait()
    check('gpuvirt_gpu_info{bdf="0000:3b:00.0"' in body, "node-exporter serves gpuvirt_gpu_info")
    check('gpuvirt_profile_available{mechanism="mdev",name="GRID T4-8Q",parent="0000:3b:00.0",profile="nvidia-233"} 2'
          in body, "and the profiles")
    check(re.search(r"node_textfile_scrape_error 0", body), "with no scrape error")

    # ---- usage -----------------------------------------------------------------------------------
    rc, _, err = gv(roots["t4"], "export", "csv")
    check(rc == 64 and "unknown format 'csv'" in err, "an unknown format is a usage error")
    rc, _, err = gv(roots["t4"], "export", "nova", "--yaml")
    check(rc == 64, "--yaml is kubevirt's")
    rc, _, err = gv(roots["t4"], "export", "nodedev", "0000:99:00.0")
    check(rc == 70 and "0000:99:00.0" in err, "an absent function: %s" % err)
    docs = check_nodedev("t4-one", roots["t4"], tmp, ("00:01.0",))
    check(len(docs) == 1 and "<name>pci_0000_00_01_0</name>" in docs[0], "nodedev of a named bridge")
finally:
    for m in mounts:
        subprocess.run(["umount", m] if os.geteuid() == 0 else ["fusermount3", "-u", m])
        os.rmdir(m)
    shutil.rmtree(tmp, ignore_errors=True)

print("%d checks passed, %d failed" % (passed[0], len(failures)))
sys.exit(1 if failures else 0)
