/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: the control file (.simhost/control): faults injected
 * into writes, modules loaded and unloaded, what a VF offers. */
#include "simfs.h"

/* ---- fault injection and the control file ------------------------------ */

struct fault faults[64];

int nfaults;

/* A rule's path resolved through links, the way the kernel hands it to us. */
static int canonical(const char *rel, char *out)
{
	char dir[P], abs[P], real[P];
	size_t blen = strlen(backing);

	dirname_of(rel, dir);
	snprintf(abs, sizeof(abs), "%s/%s", backing, dir);
	if (!realpath(abs, real)) {
		/* Not there yet (a VF to be created): take it as already
		 * canonical, as the paths of .simhost/log are. */
		if (errno != ENOENT)
			return -errno;
		snprintf(out, P, "%s", rel);
		return 0;
	}
	if (strncmp(real, backing, blen) != 0)
		return -EXDEV;
	snprintf(out, P, "%s%s%s", real[blen] ? real + blen + 1 : "", real[blen] ? "/" : "", base_of(rel));
	return 0;
}

static int load_module(const char *drv, bool load)
{
	char mod[64];

	if (!drv[0] || strchr(drv, '/') || strstr(drv, ".."))
		return -EINVAL;
	snprintf(mod, sizeof(mod), "%s", drv);
	for (char *c = mod; *c; c++)
		if (*c == '-')
			*c = '_';
	if (strcmp(drv, "pciback") == 0)
		snprintf(mod, sizeof(mod), "xen_pciback");
	if (!load) {
		char **names;
		int n = listdir(&names, "sys/bus/pci/drivers/%s", drv);
		for (int i = 0; i < n; i++) {
			char dev[P];
			if (resolve(dev, "sys/bus/pci/drivers/%s/%s", drv, names[i]) == 0 && is_pci_dir(dev))
				do_unbind(drv, dev);
		}
		freelist(names, n);
		rmtree("sys/bus/pci/drivers/%s", drv);
		rmtree("sys/module/%s", mod);
		return 0;
	}
	if (exists("sys/bus/pci/drivers/%s", drv))
		return 0;
	writef(0444, "live\n", "sys/module/%s/initstate", mod);
	writef(0444, "0\n", "sys/module/%s/refcnt", mod);
	static const char *const files[] = {"bind", "unbind", "new_id", "remove_id", "uevent", NULL};
	for (int i = 0; files[i]; i++)
		writef(0200, "", "sys/bus/pci/drivers/%s/%s", drv, files[i]);
	if (strcmp(drv, "pciback") == 0) {
		writef(0200, "", "sys/bus/pci/drivers/pciback/new_slot");
		writef(0200, "", "sys/bus/pci/drivers/pciback/remove_slot");
		writef(0200, "", "sys/bus/pci/drivers/pciback/permissive");
		writef(0444, "", "sys/bus/pci/drivers/pciback/slots");
		writef(0644, "", "sys/bus/pci/drivers/pciback/quirks");
	}
	{
		char to[P];
		snprintf(to, sizeof(to), "sys/module/%s", mod);
		linkf(to, "sys/bus/pci/drivers/%s/module", drv);
	}
	/* A new driver attaches to every unbound device it matches. */
	char **names;
	int n = listdir(&names, "sys/bus/pci/devices");
	for (int i = 0; i < n; i++) {
		char dev[P];
		if (pci_devpath(names[i], dev) == 0 && !exists("%s/driver", dev) && driver_matches(drv, dev))
			probe(drv, dev);
	}
	freelist(names, n);
	return 0;
}

/* The PCI driver a module registers, for the modules tests care about. */
static const struct {
	const char *module, *driver;
} module_drivers[] = {
    {"vfio_pci", "vfio-pci"}, {"xen_pciback", "pciback"}, {"pci_stub", "pci-stub"}, {"nvidia", "nvidia"},
    {"nouveau", "nouveau"},   {"amdgpu", "amdgpu"},	  {"i915", "i915"},	    {"xe", "xe"},
};

/* Does modules.alias give the module "vfio_pci:" entries (a vfio-pci
 * variant driver)? vfio_pci itself is vfio-pci. */
static bool is_vfio_variant(const char *release, const char *mod)
{
	static char alias[1 << 16];
	bool found = false;

	if (strcmp(mod, "vfio_pci") == 0 || readf(alias, sizeof(alias), "lib/modules/%s/modules.alias", release) < 0)
		return false;
	for (char *save, *l = strtok_r(alias, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		char pat[512], m[64];
		found = sscanf(l, "alias %511s %63s", pat, m) == 2 && strncmp(pat, "vfio_pci:", 9) == 0 &&
			strcmp(m, mod) == 0;
	}
	return found;
}

/* modprobe on the simulated host: the module must be in modules.dep or
 * modules.builtin of the running release (-ENOENT otherwise). */
static int modprobe(const char *name, bool load)
{
	char mod[64], release[128], dep[65536];
	bool known = false;

	if (!name[0] || strlen(name) >= sizeof(mod) || strchr(name, '/') || strstr(name, ".."))
		return -EINVAL;
	snprintf(mod, sizeof(mod), "%s", name);
	for (char *c = mod; *c; c++)
		if (*c == '-')
			*c = '_';
	for (size_t i = 0; i < sizeof(module_drivers) / sizeof(module_drivers[0]); i++)
		if (strcmp(module_drivers[i].module, mod) == 0)
			return load_module(module_drivers[i].driver, load);
	if (!load) {
		rmtree("sys/module/%s", mod);
		return 0;
	}
	if (exists("sys/module/%s", mod))
		return 0;
	readf(release, sizeof(release), "proc/sys/kernel/osrelease");
	for (int k = 0; k < 2 && !known; k++) {
		if (readf(dep, sizeof(dep), "lib/modules/%s/%s", release, k ? "modules.builtin" : "modules.dep") < 0)
			continue;
		for (char *save, *l = strtok_r(dep, "\n", &save); l && !known; l = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(l, ':'), *slash, *dot;
			if (colon)
				*colon = '\0';
			slash = strrchr(l, '/');
			slash = slash ? slash + 1 : l;
			dot = strstr(slash, ".ko");
			if (dot)
				*dot = '\0';
			for (char *c = slash; *c; c++)
				if (*c == '-')
					*c = '_';
			known = strcmp(slash, mod) == 0;
		}
	}
	if (!known)
		return -ENOENT;
	if (is_vfio_variant(release, mod)) {
		writef(0444, "", ".simhost/vfio-variants/%s", mod);
		return load_module(mod, true);
	}
	return writef(0444, "live\n", "sys/module/%s/initstate", mod);
}

int control(const char *cmd)
{
	char buf[1024], *argv[16] = {0};
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", cmd);
	trim(buf);
	for (char *save, *tok = strtok_r(buf, " \t", &save); tok && argc < 16; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "clear") == 0 && argc == 1) {
		nfaults = 0;
		full_dir[0] = '\0';
		return 0;
	}
	if (strcmp(argv[0], "load") == 0 && argc == 2)
		return load_module(argv[1], true);
	if (strcmp(argv[0], "unload") == 0 && argc == 2)
		return load_module(argv[1], false);
	if (strcmp(argv[0], "modprobe") == 0 && argc == 2)
		return modprobe(argv[1], true);
	if (strcmp(argv[0], "rmmod") == 0 && argc == 2)
		return modprobe(argv[1], false);
	if (strcmp(argv[0], "ignore") == 0 && argc == 3) {
		char *end;
		if (nfaults == 64)
			return -ENOSPC;
		struct fault f = {.kind = FAULT_IGNORE};
		if (argv[1][0] == '/' || strstr(argv[1], "..") || canonical(argv[1], f.path) < 0)
			return -EINVAL;
		f.nth = strcmp(argv[2], "*") == 0 ? 0 : strtol(argv[2], &end, 10);
		if (strcmp(argv[2], "*") != 0 && (*end || f.nth < 1))
			return -EINVAL;
		faults[nfaults++] = f;
		return 0;
	}
	if (strcmp(argv[0], "full") == 0 && argc == 3) {
		if (argv[1][0] == '/' || strstr(argv[1], "..") || is_kernel(argv[1]) ||
		    (full_err = errno_of(argv[2])) <= 0)
			return -EINVAL;
		snprintf(full_dir, sizeof(full_dir), "%s", argv[1]);
		return 0;
	}
	if (strcmp(argv[0], "offers") == 0 && argc >= 2)
		return nvidia_offers(argv[1], (const char *const *)argv + 2, argc - 2);
	if ((strcmp(argv[0], "fail") == 0 || strcmp(argv[0], "delay") == 0 || strcmp(argv[0], "unplug") == 0) &&
	    argc == 4) {
		struct fault f = {0};
		char *end;
		if (nfaults == 64)
			return -ENOSPC;
		if (argv[1][0] == '/' || strstr(argv[1], "..") || canonical(argv[1], f.path) < 0)
			return -EINVAL;
		if (strcmp(argv[2], "*") == 0) {
			f.nth = 0;
		} else {
			f.nth = strtol(argv[2], &end, 10);
			if (*end || f.nth < 1)
				return -EINVAL;
		}
		if (argv[0][0] == 'f') {
			f.kind = FAULT_FAIL;
			if ((f.err = errno_of(argv[3])) <= 0)
				return -EINVAL;
		} else if (argv[0][0] == 'd') {
			f.kind = FAULT_DELAY;
			f.ms = strtol(argv[3], &end, 10);
			if (*end || f.ms < 0)
				return -EINVAL;
		} else {
			char dev[P];
			f.kind = FAULT_UNPLUG;
			if (pci_devpath(argv[3], dev) < 0)
				return -ENODEV;
			snprintf(f.bdf, sizeof(f.bdf), "%s", argv[3]);
		}
		faults[nfaults++] = f;
		return 0;
	}
	return -EINVAL;
}
