/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: the PCI driver model (probe, unbind, driver_override,
 * drivers_probe, the VFIO nodes) and SR-IOV, as the kernel does them. */
#include "simfs.h"

/* ---- the PCI driver model ---------------------------------------------- */

int pci_devpath(const char *bdf, char *out)
{
	if (!bdf[0] || strchr(bdf, '/') || !exists("sys/bus/pci/devices/%s", bdf))
		return -ENODEV;
	if (resolve(out, "sys/bus/pci/devices/%s", bdf) < 0 || !exists("%s", out))
		return -ENODEV;
	return 0;
}

/* A PCI function's folder: the bus lists it under its name. */
bool is_pci_dir(const char *rel)
{
	char listed[P];

	if (!rel[0] || resolve(listed, "sys/bus/pci/devices/%s", base_of(rel)) < 0)
		return false;
	return strcmp(listed, rel) == 0;
}

int bound_driver(const char *devpath, char *out)
{
	char target[P];

	out[0] = '\0';
	if (resolve(target, "%s/driver", devpath) < 0)
		return -ENOENT;
	snprintf(out, 64, "%s", base_of(target));
	return 0;
}

int group_of(const char *devpath)
{
	char target[P];

	if (resolve(target, "%s/iommu_group", devpath) < 0)
		return -1;
	return atoi(base_of(target));
}

static bool driver_loaded(const char *drv)
{
	return drv[0] && !strchr(drv, '/') && exists("sys/bus/pci/drivers/%s", drv);
}

void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

bool file_has_line(const char *line, const char *fmt, ...)
{
	char rel[P], buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vfmt(rel, fmt, ap);
	va_end(ap);
	if (readf(buf, sizeof(buf), "%s", rel) < 0)
		return false;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, line) == 0)
			return true;
	return false;
}

void file_drop_line(const char *line, const char *rel)
{
	char buf[8192], out[8192] = "";

	if (readf(buf, sizeof(buf), "%s", rel) < 0)
		return;
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, line) != 0) {
			strncat(out, l, sizeof(out) - strlen(out) - 2);
			strcat(out, "\n");
		}
	writef(0644, out, "%s", rel);
}

/* Built-in ID tables of common drivers: vendor (0 = any), class prefix. */
static const struct {
	const char *driver;
	unsigned vendor;
	unsigned class_value, class_mask;
} builtin_ids[] = {
    {"nvidia", 0x10de, 0x030000, 0xff0000}, {"nouveau", 0x10de, 0x030000, 0xff0000},
    {"amdgpu", 0x1002, 0x030000, 0xff0000}, {"i915", 0x8086, 0x030000, 0xff0000},
    {"xe", 0x8086, 0x030000, 0xff0000},	    {"snd_hda_intel", 0, 0x040300, 0xffff00},
    {"xhci_hcd", 0, 0x0c0330, 0xffffff},    {"ahci", 0, 0x010601, 0xffffff},
    {"virtio-pci", 0x1af4, 0, 0},
};

/* The kernel's driver_match_device for PCI: override first, then dynamic
 * ids, then the static table. */
bool driver_matches(const char *drv, const char *devpath)
{
	char ov[256], line[64];
	unsigned vendor, device, class_code;

	readf(ov, sizeof(ov), "%s/driver_override", devpath);
	if (ov[0] && strcmp(ov, "(null)") != 0)
		return strcmp(ov, drv) == 0;
	vendor = (unsigned)readnum(0, "%s/vendor", devpath);
	device = (unsigned)readnum(0, "%s/device", devpath);
	class_code = (unsigned)readnum(0, "%s/class", devpath);
	snprintf(line, sizeof(line), "%04x %04x", vendor, device);
	if (file_has_line(line, ".simhost/dynids/%s", drv) || file_has_line(line, ".simhost/ids/%s", drv))
		return true;
	if (strcmp(drv, "pciback") == 0)
		return file_has_line(base_of(devpath), ".simhost/pciback-slots");
	for (size_t i = 0; i < sizeof(builtin_ids) / sizeof(builtin_ids[0]); i++) {
		if (strcmp(builtin_ids[i].driver, drv) != 0)
			continue;
		if (builtin_ids[i].vendor && builtin_ids[i].vendor != vendor)
			continue;
		if ((class_code & builtin_ids[i].class_mask) == builtin_ids[i].class_value)
			return true;
	}
	return false;
}

static const char *const stash_dirs[] = {"drm", "mdev_supported_types", "nvidia", NULL};

/* The driver's probe: 0 or the error the driver would give. */

/* Linux 6.1+ (the vfio-dev class exists): a device vfio takes gets
 * vfio-dev/vfioN and the class's link (the lowest free N); with VFIO device
 * cdevs (6.6+: proc/devices lists "vfio-dev") also its dev number and
 * /dev/vfio/devices/vfioN. It loses them when unbound. */
static void vfio_cdev_add(const char *devpath)
{
	char to[P], majors[4096];
	int n = 0;

	if (!exists("sys/class/vfio-dev"))
		return;
	while (exists("sys/class/vfio-dev/vfio%d", n))
		n++;
	snprintf(to, sizeof(to), "%s/vfio-dev/vfio%d", devpath, n);
	mkdirs(to);
	linkf(to, "sys/class/vfio-dev/vfio%d", n);
	if (readf(majors, sizeof(majors), "proc/devices") > 0 && strstr(majors, " vfio-dev\n")) {
		char dev[32];
		snprintf(dev, sizeof(dev), "241:%d\n", n);
		writef(0444, dev, "%s/vfio-dev/vfio%d/dev", devpath, n);
		writef(0600, "", "dev/vfio/devices/vfio%d", n);
	}
}

static void vfio_cdev_remove(const char *devpath)
{
	char **names;
	int k = listdir(&names, "%s/vfio-dev", devpath);

	for (int i = 0; i < k; i++) {
		unlinkf("sys/class/vfio-dev/%s", names[i]);
		unlinkf("dev/vfio/devices/%s", names[i]);
	}
	freelist(names, k);
	rmtree("%s/vfio-dev", devpath);
	k = listdir(&names, "dev/vfio/devices");
	freelist(names, k);
	if (k == 0) /* devtmpfs drops a folder it emptied */
		rmtree("dev/vfio/devices");
}

/* vfio-pci, or a variant of it (a module loaded whose modules.alias entries
 * are "vfio_pci:" ones: it registered a driver of its own name, as
 * KBUILD_MODNAME drivers do, and makes /dev/vfio nodes as vfio-pci does). */
static bool vfio_like(const char *drv)
{
	return strcmp(drv, "vfio-pci") == 0 || exists(".simhost/vfio-variants/%s", drv);
}

int probe(const char *drv, const char *devpath)
{
	const char *bdf = base_of(devpath);
	char orig[64], abs_from[P], abs_to[P];
	unsigned class_code = (unsigned)readnum(0, "%s/class", devpath);
	int g = group_of(devpath);

	if (vfio_like(drv)) {
		if ((class_code >> 8) == 0x0604 || (class_code >> 16) == 0x06)
			return -EINVAL; /* vfio-pci takes no bridges */
		if (g < 0)
			return -EINVAL; /* no IOMMU group: vfio_iommu_group_get fails */
	}
	linkf(devpath, "sys/bus/pci/drivers/%s/%s", drv, bdf);
	{
		char to[P];
		snprintf(to, sizeof(to), "sys/bus/pci/drivers/%s", drv);
		linkf(to, "%s/driver", devpath);
	}
	if (vfio_like(drv)) {
		char node[32];
		snprintf(node, sizeof(node), "%d", g);
		writef(0600, "", "dev/vfio/vfio");
		writef(0600, "", "dev/vfio/%s", node);
		vfio_cdev_add(devpath);
	}
	/* Give back what the original driver had made (DRM nodes, mdev types). */
	if (readf(orig, sizeof(orig), ".simhost/stash/%s/driver", bdf) > 0 && strcmp(orig, drv) == 0) {
		for (int i = 0; stash_dirs[i]; i++) {
			snprintf(abs_from, sizeof(abs_from), ".simhost/stash/%s/%s", bdf, stash_dirs[i]);
			snprintf(abs_to, sizeof(abs_to), "%s/%s", devpath, stash_dirs[i]);
			renameat(bfd, abs_from, bfd, abs_to);
		}
		rmtree(".simhost/stash/%s", bdf);
		if (exists("%s/mdev_supported_types", devpath))
			mdev_recompute(devpath);
	}
	return 0;
}

static bool group_has_vfio(int g, const char *except)
{
	char **names;
	int n = listdir(&names, "sys/kernel/iommu_groups/%d/devices", g);
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		char drv[64], dev[P];
		if (strcmp(names[i], except) == 0)
			continue;
		if (resolve(dev, "sys/kernel/iommu_groups/%d/devices/%s", g, names[i]) == 0 &&
		    bound_driver(dev, drv) == 0 && vfio_like(drv))
			found = true;
	}
	freelist(names, n);
	return found;
}

/* Remove every mdev instance below a parent. */
static void remove_children_mdevs(const char *devpath)
{
	char **names;
	int n = listdir(&names, "%s", devpath);

	for (int i = 0; i < n; i++) {
		char mp[P];
		snprintf(mp, sizeof(mp), "%s/%s", devpath, names[i]);
		if (exists("%s/mdev_type", mp))
			mdev_remove_instance(mp);
	}
	freelist(names, n);
}

void do_unbind(const char *drv, const char *devpath)
{
	const char *bdf = base_of(devpath);
	int g = group_of(devpath);
	bool stashed = false;

	if (vfio_like(drv) && g >= 0 && !group_has_vfio(g, bdf))
		unlinkf("dev/vfio/%d", g);
	if (vfio_like(drv))
		vfio_cdev_remove(devpath);
	remove_children_mdevs(devpath);
	for (int i = 0; stash_dirs[i]; i++) {
		if (!exists("%s/%s", devpath, stash_dirs[i]))
			continue;
		char from[P], to[P];
		mkdirs(".simhost/stash");
		snprintf(to, sizeof(to), ".simhost/stash/%s", bdf);
		mkdirs(to);
		snprintf(from, sizeof(from), "%s/%s", devpath, stash_dirs[i]);
		snprintf(to, sizeof(to), ".simhost/stash/%s/%s", bdf, stash_dirs[i]);
		rmtree("%s", to);
		renameat(bfd, from, bfd, to);
		stashed = true;
	}
	if (stashed)
		writef(0644, drv, ".simhost/stash/%s/driver", bdf);
	unlinkf("sys/bus/pci/drivers/%s/%s", drv, bdf);
	unlinkf("%s/driver", devpath);
}

/* Try the loaded drivers on an unbound device, as device_attach does. */
void attach_any(const char *devpath)
{
	char ov[256], first[64] = "";
	const char *bdf = base_of(devpath);
	char **names;
	int n;

	if (exists("%s/driver", devpath))
		return;
	readf(ov, sizeof(ov), "%s/driver_override", devpath);
	if (ov[0] && strcmp(ov, "(null)") != 0) {
		if (driver_loaded(ov))
			probe(ov, devpath);
		return;
	}
	/* The driver it was recorded with goes first. */
	if (readf(first, sizeof(first), ".simhost/orig/%s", bdf) > 0 && driver_loaded(first) &&
	    driver_matches(first, devpath) && probe(first, devpath) == 0)
		return;
	n = listdir(&names, "sys/bus/pci/drivers");
	for (int i = 0; i < n; i++)
		if (driver_matches(names[i], devpath) && probe(names[i], devpath) == 0)
			break;
	freelist(names, n);
}

/* ---- SR-IOV ------------------------------------------------------------ */

static bool sriov_capable_driver(const char *drv)
{
	return strcmp(drv, "pciback") != 0 && strcmp(drv, "pci-stub") != 0;
}

int next_group(void)
{
	char **names;
	int n = listdir(&names, "sys/kernel/iommu_groups"), max = -1;

	for (int i = 0; i < n; i++)
		if (atoi(names[i]) > max)
			max = atoi(names[i]);
	freelist(names, n);
	return max + 1;
}

void make_group(int g, const char *type)
{
	mkdirs("sys/kernel/iommu_groups");
	writef(0444, type, "sys/kernel/iommu_groups/%d/type", g);
	writef(0444, "", "sys/kernel/iommu_groups/%d/reserved_regions", g);
	char rel[P];
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices", g);
	mkdirs(rel);
}

void drop_from_group(int g, const char *name)
{
	char **names;
	int n;

	unlinkf("sys/kernel/iommu_groups/%d/devices/%s", g, name);
	n = listdir(&names, "sys/kernel/iommu_groups/%d/devices", g);
	freelist(names, n);
	if (n == 0) {
		rmtree("sys/kernel/iommu_groups/%d", g);
		unlinkf("dev/vfio/%d", g);
	}
}

static int sriov_enable(const char *pf, int num)
{
	unsigned offset = (unsigned)readnum(1, "%s/sriov_offset", pf);
	unsigned stride = (unsigned)readnum(1, "%s/sriov_stride", pf);
	unsigned domain, bus, dev, fn;
	char parent[P], vfdev[16], ptype[64] = "DMA";
	int pfg = group_of(pf);

	if (sscanf(base_of(pf), "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return -EINVAL;
	readf(vfdev, sizeof(vfdev), "%s/sriov_vf_device", pf);
	if (pfg >= 0)
		readf(ptype, sizeof(ptype), "sys/kernel/iommu_groups/%d/type", pfg);
	dirname_of(pf, parent);
	for (int i = 0; i < num; i++) {
		unsigned rid = (bus << 8 | dev << 3 | fn) + offset + (unsigned)i * stride;
		char bdf[16], vf[P], val[128], cfg[64];
		int fd;
		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
		snprintf(vf, sizeof(vf), "%s/%s", parent, bdf);
		mkdirs(vf);
		static const char *const copied[] = {
		    "vendor",		"class",     "revision",      "subsystem_vendor",
		    "subsystem_device", "numa_node", "local_cpulist", NULL};
		for (int k = 0; copied[k]; k++)
			if (readf(val, sizeof(val), "%s/%s", pf, copied[k]) >= 0) {
				strcat(val, "\n");
				writef(0444, val, "%s/%s", vf, copied[k]);
			}
		snprintf(val, sizeof(val), "0x%s\n", vfdev[0] ? vfdev : "ffff");
		writef(0444, val, "%s/device", vf);
		writef(0444, "flr\n", "%s/reset_method", vf);
		writef(0644, "(null)\n", "%s/driver_override", vf);
		writef(0200, "", "%s/remove", vf);
		writef(0200, "", "%s/reset", vf);
		writef(0644, "0\n", "%s/boot_vga", vf);
		/* Config space of a VF reads 0xffff for its IDs. */
		memset(cfg, 0, sizeof(cfg));
		fd = openat(bfd, pf, O_RDONLY);
		if (fd >= 0) {
			int cf = openat(fd, "config", O_RDONLY);
			if (cf >= 0) {
				if (read(cf, cfg, sizeof(cfg)) < 0)
					memset(cfg, 0, sizeof(cfg));
				close(cf);
			}
			close(fd);
		}
		memset(cfg, 0xff, 4);
		{
			char rel[P];
			snprintf(rel, sizeof(rel), "%s/config", vf);
			fd = openat(bfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				ssize_t w = write(fd, cfg, sizeof(cfg));
				(void)w; /* a short config reads as a short file, as on a broken VF */
				close(fd);
			}
		}
		linkf("sys/bus/pci", "%s/subsystem", vf);
		linkf(pf, "%s/physfn", vf);
		linkf(vf, "%s/virtfn%d", pf, i);
		linkf(vf, "sys/bus/pci/devices/%s", bdf);
		if (pfg >= 0) {
			int g = next_group();
			char to[P];
			make_group(g, ptype);
			snprintf(to, sizeof(to), "sys/kernel/iommu_groups/%d", g);
			linkf(to, "%s/iommu_group", vf);
			linkf(vf, "sys/kernel/iommu_groups/%d/devices/%s", g, bdf);
		}
		if (exists(".simhost/nvidia/%s.types", base_of(pf))) {
			writef(0444, "", "%s/nvidia/creatable_vgpu_types", vf);
			writef(0644, "0\n", "%s/nvidia/current_vgpu_type", vf);
			writef(0444, "0\n", "%s/nvidia/gpu_instance_id", vf);
			writef(0444, "0\n", "%s/nvidia/placement_id", vf);
			writef(0644, "", "%s/nvidia/vgpu_params", vf);
		}
		if (readnum(1, "%s/sriov_drivers_autoprobe", pf) == 1)
			attach_any(vf);
	}
	snprintf(vfdev, sizeof(vfdev), "%d\n", num);
	writef(0664, vfdev, "%s/sriov_numvfs", pf);
	if (exists(".simhost/nvidia/%s.types", base_of(pf)))
		nvidia_recompute(pf);
	return 0;
}

static void sriov_disable(const char *pf)
{
	char **names;
	int n = listdir(&names, "%s", pf);

	for (int i = 0; i < n; i++) {
		char vf[P];
		if (strncmp(names[i], "virtfn", 6) != 0)
			continue;
		if (resolve(vf, "%s/%s", pf, names[i]) == 0)
			pci_unplug(vf);
		unlinkf("%s/%s", pf, names[i]);
	}
	freelist(names, n);
	writef(0664, "0\n", "%s/sriov_numvfs", pf);
}

/* reset_method as drivers/pci/pci.c takes it: known method names separated
 * by blanks (or "" for none), each one the device supports, else -EINVAL.
 * device_specific is supported where a quirk provides it; here, where the
 * vendor_reset module is loaded (it hooks the kernel's quirk). "default"
 * leaves the list as it is. Shown with a newline, as the kernel does. */
int write_reset_method(const char *rel, const char *val)
{
	static const char *const known[] = {"device_specific", "acpi", "flr", "pm", "bus", "cxl_bus"};
	char buf[256], out[256] = "", *save;

	if (strlen(val) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", val);
	trim(buf);
	if (strcmp(buf, "default") == 0)
		return 0;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t k = 0;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k], w) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0]) || (k == 0 && !exists("sys/module/vendor_reset")))
			return -EINVAL;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "", w);
	}
	strcat(out, "\n");
	return writef(0644, out, "%s", rel);
}

int write_sriov_numvfs(const char *pf, const char *val)
{
	char *end, drv[64];
	long num = strtol(val, &end, 0), total, cur;

	if (end == val || (*end && !isspace((unsigned char)*end)) || num < 0)
		return -EINVAL;
	total = readnum(0, "%s/sriov_totalvfs", pf);
	cur = readnum(0, "%s/sriov_numvfs", pf);
	if (num > total)
		return -ERANGE;
	if (num == cur)
		return 0;
	if (bound_driver(pf, drv) < 0 || !sriov_capable_driver(drv))
		return -ENOENT;
	if (num == 0) {
		sriov_disable(pf);
		return 0;
	}
	if (cur != 0)
		return -EBUSY;
	return sriov_enable(pf, (int)num);
}

/* Hot-unplug one PCI function (PCI `remove`, or a fault). */
int pci_unplug(const char *devpath)
{
	char dev[P], drv[64], phys[P];
	const char *bdf;
	int g;

	snprintf(dev, sizeof(dev), "%s", devpath);
	bdf = base_of(dev);
	if (readnum(0, "%s/sriov_numvfs", dev) > 0)
		sriov_disable(dev);
	if (bound_driver(dev, drv) == 0)
		do_unbind(drv, dev);
	remove_children_mdevs(dev);
	g = group_of(dev);
	if (g >= 0)
		drop_from_group(g, bdf);
	unlinkf("sys/bus/pci/devices/%s", bdf);
	unlinkf("sys/class/mdev_bus/%s", bdf);
	if (resolve(phys, "%s/physfn", dev) == 0) {
		char **names;
		int n = listdir(&names, "%s", phys);
		for (int i = 0; i < n; i++) {
			char t[P];
			if (strncmp(names[i], "virtfn", 6) == 0 && resolve(t, "%s/%s", phys, names[i]) == 0 &&
			    strcmp(t, dev) == 0)
				unlinkf("%s/%s", phys, names[i]);
		}
		freelist(names, n);
	}
	rmtree("%s", dev);
	return 0;
}
