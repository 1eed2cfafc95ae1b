/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: the backing tree made ready for the kernel's write
 * semantics (write-only attributes, drivers' bind files, VF stashes). */
#include "simfs.h"

/* ---- preparing the backing tree ---------------------------------------- */

static const char *const writable_attrs[] = {"driver_override", "sriov_drivers_autoprobe",
					     "config",		"broken_parity_status",
					     "d3cold_allowed",	"enable",
					     "reset_method",	NULL};
static const char *const write_only_attrs[] = {"remove", "rescan", "reset", NULL};

/* An mdev parent: each type's maximum (unless the companion gave it), and the
 * accounting rule: "exclusive" for NVIDIA, else a pool shared by the types. */
static void prepare_mdev_parent(const char *dev)
{
	const char *bdf = base_of(dev);
	char **types, policy[64];
	int nt = listdir(&types, "%s/mdev_supported_types", dev);
	long lcm = 1;
	for (int i = 0; i < nt; i++) {
		char val[32];
		long max = readnum(0, "%s/mdev_supported_types/%s/available_instances", dev, types[i]) +
			   count_dir("%s/mdev_supported_types/%s/devices", dev, types[i]);
		if (!exists(".simhost/mdev/%s/%s.max", bdf, types[i])) {
			snprintf(val, sizeof(val), "%ld\n", max);
			writef(0644, val, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		}
		max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		if (max > 0)
			lcm = lcm / gcd(lcm, max) * max;
		writef(0200, "", "%s/mdev_supported_types/%s/create", dev, types[i]);
	}
	freelist(types, nt);
	if (readf(policy, sizeof(policy), ".simhost/mdev/%s/policy", bdf) < 0) {
		if (readnum(0, "%s/vendor", dev) == 0x10de)
			snprintf(policy, sizeof(policy), "exclusive\n");
		else
			snprintf(policy, sizeof(policy), "pool %ld\n", lcm);
		writef(0644, policy, ".simhost/mdev/%s/policy", bdf);
	}
}

static void prepare_device(const char *bdf)
{
	char dev[P], drv[64], line[32];

	if (pci_devpath(bdf, dev) < 0)
		return;
	if (!exists("%s/driver_override", dev))
		writef(0644, "(null)\n", "%s/driver_override", dev);
	/* Attributes are read-only unless the kernel gives them a store. */
	char **names;
	int n = listdir(&names, "%s", dev);
	for (int i = 0; i < n; i++) {
		char rel[P];
		struct stat st;
		mode_t mode = 0444;
		snprintf(rel, sizeof(rel), "%s/%s", dev, names[i]);
		if (fstatat(bfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (int k = 0; writable_attrs[k]; k++)
			if (strcmp(names[i], writable_attrs[k]) == 0)
				mode = 0644;
		if (strcmp(names[i], "sriov_numvfs") == 0)
			mode = 0664;
		fchmodat(bfd, rel, mode, 0);
	}
	freelist(names, n);
	for (int i = 0; write_only_attrs[i]; i++)
		writef(0200, "", "%s/%s", dev, write_only_attrs[i]);
	if (bound_driver(dev, drv) == 0) {
		writef(0644, drv, ".simhost/orig/%s", bdf);
		snprintf(line, sizeof(line), "%04lx %04lx", readnum(0, "%s/vendor", dev), readnum(0, "%s/device", dev));
		if (!file_has_line(line, ".simhost/ids/%s", drv)) {
			char rel[P];
			snprintf(rel, sizeof(rel), ".simhost/ids/%s", drv);
			appendf(rel, "%s\n", line);
		}
		if (strcmp(drv, "pciback") == 0 && !file_has_line(bdf, ".simhost/pciback-slots"))
			appendf(".simhost/pciback-slots", "%s\n", bdf);
	}
	if (exists("%s/mdev_supported_types", dev))
		prepare_mdev_parent(dev);
	/* NVIDIA vendor vGPU: the PF's full list is what a free VF lists first. */
	if (exists("%s/nvidia/creatable_vgpu_types", dev)) {
		char pf[P], types[8192];
		if (resolve(pf, "%s/physfn", dev) == 0 && !exists(".simhost/nvidia/%s.types", base_of(pf)) &&
		    readf(types, sizeof(types), "%s/nvidia/creatable_vgpu_types", dev) >= 0) {
			strcat(types, "\n");
			writef(0644, types, ".simhost/nvidia/%s.types", base_of(pf));
		}
		{
			char rel[P];
			snprintf(rel, sizeof(rel), "%s/nvidia/current_vgpu_type", dev);
			fchmodat(bfd, rel, 0644, 0);
			snprintf(rel, sizeof(rel), "%s/nvidia/creatable_vgpu_types", dev);
			fchmodat(bfd, rel, 0444, 0);
		}
	}
}

int prepare(void)
{
	static const struct {
		const char *module, *driver;
	} modules[] = {{"vfio_pci", "vfio-pci"}, {"xen_pciback", "pciback"}, {"pci_stub", "pci-stub"}};
	char **names;
	int n;

	mkdirs(".simhost/ids");
	mkdirs(".simhost/dynids");
	writef(0644, "", ".simhost/log");
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (exists("sys/module/%s", modules[i].module)) {
			char rel[P];
			snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s", modules[i].driver);
			mkdirs(rel);
		}
	n = listdir(&names, "sys/bus/pci/drivers");
	for (int i = 0; i < n; i++) {
		static const char *const files[] = {"bind", "unbind", "new_id", "remove_id", "uevent", NULL};
		for (int k = 0; files[k]; k++)
			writef(0200, "", "sys/bus/pci/drivers/%s/%s", names[i], files[k]);
		if (strcmp(names[i], "pciback") == 0) {
			writef(0200, "", "sys/bus/pci/drivers/pciback/new_slot");
			writef(0200, "", "sys/bus/pci/drivers/pciback/remove_slot");
			writef(0200, "", "sys/bus/pci/drivers/pciback/permissive");
			if (!exists("sys/bus/pci/drivers/pciback/quirks"))
				writef(0644, "", "sys/bus/pci/drivers/pciback/quirks");
		}
	}
	freelist(names, n);
	n = listdir(&names, "sys/bus/platform/drivers");
	for (int i = 0; i < n; i++) {
		writef(0200, "", "sys/bus/platform/drivers/%s/bind", names[i]);
		writef(0200, "", "sys/bus/platform/drivers/%s/unbind", names[i]);
	}
	freelist(names, n);
	if (exists("sys/bus/pci")) {
		writef(0200, "", "sys/bus/pci/drivers_probe");
		writef(0200, "", "sys/bus/pci/rescan");
		if (!exists("sys/bus/pci/drivers_autoprobe"))
			writef(0644, "1\n", "sys/bus/pci/drivers_autoprobe");
	}
	n = listdir(&names, "sys/bus/pci/devices");
	for (int i = 0; i < n; i++)
		prepare_device(names[i]);
	freelist(names, n);
	if (exists("sys/bus/pci/drivers/pciback"))
		pciback_slots_file();
	n = listdir(&names, "sys/class/mdev_bus");
	for (int i = 0; i < n; i++) {
		char dev[P];
		if (resolve(dev, "sys/class/mdev_bus/%s", names[i]) == 0 && exists("%s/mdev_supported_types", dev))
			prepare_mdev_parent(dev);
	}
	freelist(names, n);
	n = listdir(&names, "sys/bus/mdev/devices");
	for (int i = 0; i < n; i++)
		writef(0200, "", "sys/bus/mdev/devices/%s/remove", names[i]);
	freelist(names, n);
	return 0;
}
