/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt-qemu: give a GPU (or a vGPU) to QEMU or libvirt through libgpuvirt.
 *
 *   gpuvirt-qemu [--root DIR] --gpu BDF [--no-bind] [--format args|qmp|libvirt]
 *   gpuvirt-qemu [--root DIR] --profile PROFILE [--gpu BDF] [--format ...]
 *   ... [--machine q35|pc] [--port ID] [--dry-run] [--exec QEMU [QEMU-ARGS...]]
 *
 * With --gpu alone, the GPU and every function of its IOMMU group are bound
 * to vfio-pci (all or nothing), and the QEMU arguments that attach them are
 * printed: the GPU's own functions in one guest slot as a multifunction
 * device, as on the host, on the machine's root bus (pcie.0 for q35, pci.0
 * for pc). With --profile, a vGPU instance is allocated and its argument
 * printed (sysfsdev=/sys/bus/mdev/devices/UUID for an mdev, as QEMU on the
 * host opens it whatever --root says; host= for a VF).
 *
 * --format qmp prints QMP device_add commands that hot-plug them into a
 * running QEMU: on q35 into a PCIe root port the VM was started with
 * (--port, default gpuvirt-rp0: `-device pcie-root-port,id=gpuvirt-rp0,
 * chassis=1,slot=1`), function 0 last, since a guest sees a multifunction
 * device when its function 0 arrives; on pc into slot --guest-slot of pci.0.
 * --format libvirt prints a domain XML with <hostdev> elements
 * (managed='no': the binding is done). When the functions' 64-bit BARs
 * need a larger 64-bit PCI window than the machine's default (q35: 32 GiB,
 * pc: 2 GiB; gpuvirt_guest_mmio64_window()), the arguments set it
 * (-global q35-pcihost.pci-hole64-size=, and OVMF's opt/ovmf/X-PciMmio64Mb),
 * the XML has <pcihole64>, and QMP, which cannot change it, says so.
 * --iommufd gives the devices to QEMU (8.2+) through iommufd: an
 * `-object iommufd,id=iommufd0` (QMP: object-add) and `iommufd=iommufd0`
 * on each vfio-pci device; QEMU then opens /dev/iommu and each device's
 * cdev (/dev/vfio/devices/vfioN, gpuvirt_device_get_vfio_cdev()) instead of
 * the group. --dry-run binds and allocates
 * nothing: a GPU's arguments as they would be, a profile only checked.
 * --exec runs QEMU with the arguments appended. Only the public API is used. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gpuvirt/gpuvirt.h>

enum format { ARGS, QMP, LIBVIRT };

static const char *id_prefix = "hostdev";
static const char *root_bus = "pcie.0"; /* q35's; pc's is pci.0 */
static const char *port = "gpuvirt-rp0"; /* QMP on q35: the root port hot-plugged into */
static uint64_t window; /* the 64-bit PCI window the devices need; 0: the machine's default holds them */
static bool iommufd;	 /* --iommufd: the iommufd backend (QEMU 8.2+) instead of the VFIO group's container */

struct hostdev {
	char bdf[16];	   /* a PCI function, or "" for an mdev */
	char uuid[40];	   /* an mdev's UUID */
	char sysfs[4200];  /* an mdev's sysfs path */
	int slot, function; /* guest address, -1 for none */
	bool multifunction;
};

static void usage(FILE *to)
{
	fputs("usage: gpuvirt-qemu [--root DIR] (--gpu BDF [--no-bind] | --profile PROFILE [--gpu BDF])\n"
	      "                    [--format args|qmp|libvirt] [--machine q35|pc] [--port ID]\n"
	      "                    [--guest-slot N] [--id PREFIX] [--iommufd] [--dry-run] [--exec QEMU [ARGS...]]\n",
	      to);
}

static int die(gpuvirt_ctx *ctx, int err, const char *what)
{
	fprintf(stderr, "gpuvirt-qemu: %s: %s (%s)\n", what, ctx ? gpuvirt_ctx_get_error(ctx) : "",
		gpuvirt_strerror(err));
	return 1;
}

/* "dddd:bb:dd.f" of the same card: domain, bus and slot agree. */
static bool same_card(const char *a, const char *b)
{
	return strncmp(a, b, 10) == 0;
}

/* The 64-bit PCI window the functions' BARs need (gpuvirt_guest_mmio64_window()),
 * kept when the machine's default window (q35: 32 GiB, pc: 2 GiB) is smaller. */
static int size_window(gpuvirt_ctx *ctx, const struct hostdev *h, size_t n)
{
	bool q35 = strcmp(root_bus, "pcie.0") == 0;
	gpuvirt_device *d[32];
	uint64_t need = 0;
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		if (h[i].bdf[0] && (r = gpuvirt_device_new_from_bdf(ctx, h[i].bdf, &d[k])) == 0)
			k++;
	if (r == 0)
		r = gpuvirt_guest_mmio64_window((const gpuvirt_device *const *)d, k, &need);
	while (k > 0)
		gpuvirt_device_unref(d[--k]);
	if (r == -ENODATA) {
		fprintf(stderr, "gpuvirt-qemu: BAR sizes unknown (%s): the machine's 64-bit window is left as it is\n",
			gpuvirt_ctx_get_error(ctx));
		return 0;
	}
	if (r < 0)
		return die(ctx, r, "reading the BARs");
	window = need > (q35 ? GPUVIRT_QEMU_Q35_MMIO64 : GPUVIRT_QEMU_PC_MMIO64) ? need : 0;
	return 0;
}

/* The window as QEMU's host bridge property and as OVMF's aperture (MiB). */
static void window_args(char out[2][128])
{
	snprintf(out[0], 128, "%s.pci-hole64-size=%lluG", strcmp(root_bus, "pcie.0") == 0 ? "q35-pcihost" : "i440FX-pcihost",
		 (unsigned long long)(window >> 30));
	snprintf(out[1], 128, "name=opt/ovmf/X-PciMmio64Mb,string=%llu", (unsigned long long)(window >> 20));
}

/* One option and its value: printed on a line, or appended to argv_out. */
static void arg(const char *opt, const char *val, char **argv_out, size_t *argc_out)
{
	if (argv_out) {
		argv_out[(*argc_out)++] = strdup(opt);
		argv_out[(*argc_out)++] = strdup(val);
	} else {
		printf("%s %s\n", opt, val);
	}
}

static void print_args(const struct hostdev *h, size_t n, char **argv_out, size_t *argc_out)
{
	if (window) {
		char w[2][128];
		window_args(w);
		arg("-global", w[0], argv_out, argc_out);
		arg("-fw_cfg", w[1], argv_out, argc_out);
	}
	if (iommufd) /* QEMU 8.2+: the devices' cdevs through /dev/iommu */
		arg("-object", "iommufd,id=iommufd0", argv_out, argc_out);
	for (size_t i = 0; i < n; i++) {
		char buf[4400];
		int len;
		if (h[i].bdf[0]) {
			len = snprintf(buf, sizeof(buf), "vfio-pci,host=%s,id=%s%zu", h[i].bdf, id_prefix, i);
			if (h[i].slot >= 0)
				len += snprintf(buf + len, sizeof(buf) - (size_t)len, ",bus=%s,addr=0x%x.0x%x%s", root_bus,
						h[i].slot, h[i].function, h[i].multifunction ? ",multifunction=on" : "");
		} else {
			len = snprintf(buf, sizeof(buf), "vfio-pci,sysfsdev=%s,id=%s%zu", h[i].sysfs, id_prefix, i);
		}
		if (iommufd && (size_t)len < sizeof(buf))
			snprintf(buf + len, sizeof(buf) - (size_t)len, ",iommufd=iommufd0");
		arg("-device", buf, argv_out, argc_out);
	}
}

/* One device_add: on q35 at slot 0 of the root port, on pc at the guest
 * slot of pci.0. */
static void qmp_one(const struct hostdev *h, size_t i, int guest_slot)
{
	bool q35 = strcmp(root_bus, "pcie.0") == 0;

	printf("{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", %s",
	       iommufd ? "\"iommufd\": \"iommufd0\", " : "");
	if (h[i].bdf[0])
		printf("\"host\": \"%s\", ", h[i].bdf);
	else
		printf("\"sysfsdev\": \"%s\", ", h[i].sysfs);
	printf("\"id\": \"%s%zu\", \"bus\": \"%s\", \"addr\": \"0x%x.0x%x\"%s}}\n", id_prefix, i, q35 ? port : root_bus,
	       q35 ? 0 : guest_slot, h[i].slot >= 0 ? h[i].function : 0, h[i].multifunction ? ", \"multifunction\": \"on\"" : "");
}

/* The functions of one card share its slot; function 0 goes last. Other
 * members of the group (another card) are not hot-plugged with it: one
 * port, one card. */
static void print_qmp(const struct hostdev *h, size_t n, int guest_slot)
{
	if (iommufd)
		printf("{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"iommufd\", \"id\": \"iommufd0\"}}\n");
	if (window) {
		char w[2][128];
		window_args(w);
		fprintf(stderr, "gpuvirt-qemu: the BARs need a %llu GiB 64-bit window: the VM must have been started "
				"with -global %s -fw_cfg %s\n", (unsigned long long)(window >> 30), w[0], w[1]);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			bool zero = h[i].slot < 0 || h[i].function == 0;
			if (h[i].bdf[0] && i > 0 && h[i].slot < 0) {
				if (pass == 0)
					fprintf(stderr, "gpuvirt-qemu: %s (of the same IOMMU group) is bound but not "
							"hot-plugged: give it a port of its own\n",
						h[i].bdf);
				continue;
			}
			if (zero == (pass == 1))
				qmp_one(h, i, guest_slot);
		}
}

static void print_libvirt(const struct hostdev *h, size_t n)
{
	printf("<domain type='kvm'>\n"
	       "  <name>gpuvirt-example</name>\n"
	       "  <memory unit='MiB'>2048</memory>\n"
	       "  <os>\n"
	       "    <type arch='x86_64' machine='q35'>hvm</type>\n"
	       "  </os>\n"
	       "  <devices>\n");
	if (window) /* libvirt's <pcihole64> is in KiB */
		printf("    <controller type='pci' index='0' model='%s'>\n"
		       "      <pcihole64 unit='KiB'>%llu</pcihole64>\n"
		       "    </controller>\n",
		       strcmp(root_bus, "pcie.0") == 0 ? "pcie-root" : "pci-root", (unsigned long long)(window >> 10));
	for (size_t i = 0; i < n; i++) {
		unsigned d, b, s, f;
		if (h[i].bdf[0] && sscanf(h[i].bdf, "%x:%x:%x.%x", &d, &b, &s, &f) == 4) {
			printf("    <hostdev mode='subsystem' type='pci' managed='no'>\n"
			       "      <source>\n"
			       "        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
			       "      </source>\n",
			       d, b, s, f);
			if (h[i].slot >= 0)
				printf("      <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' function='0x%x'%s/>\n",
				       h[i].slot, h[i].function, h[i].multifunction ? " multifunction='on'" : "");
			printf("    </hostdev>\n");
		} else {
			printf("    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
			       "      <source>\n"
			       "        <address uuid='%s'/>\n"
			       "      </source>\n"
			       "    </hostdev>\n",
			       h[i].uuid);
		}
	}
	printf("  </devices>\n</domain>\n");
}

/* Allocate a vGPU: one hostdev, an mdev path or a VF. With dry_run, only
 * whether it would proceed (nothing is allocated, nothing printed). */
static int allocate(gpuvirt_ctx *ctx, const char *profile, const char *gpu, bool dry_run, struct hostdev *devs,
		    size_t *n)
{
	gpuvirt_instance *in = NULL;
	int r = gpuvirt_instance_create(ctx, profile, gpu, GPUVIRT_POLICY_PACK, -1, NULL,
					dry_run ? GPUVIRT_INSTANCE_DRY_RUN : 0, &in);

	if (r < 0)
		return die(ctx, r, "allocating a vGPU");
	if (dry_run) {
		fprintf(stderr, "gpuvirt-qemu: a vGPU of %s would be allocated%s%s (dry run: nothing was)\n", profile,
			gpu ? " on " : "", gpu ? gpu : "");
		*n = 0;
		return 0;
	}
	memset(&devs[0], 0, sizeof(devs[0]));
	devs[0].slot = -1;
	if (gpuvirt_instance_get_sysfs_path(in)) {
		/* QEMU opens it on the host, where sysfs is /sys (not the root a
		 * simulated or chrooted view of it sits under). */
		snprintf(devs[0].sysfs, sizeof(devs[0].sysfs), "/sys/bus/mdev/devices/%s", gpuvirt_instance_get_uuid(in));
		snprintf(devs[0].uuid, sizeof(devs[0].uuid), "%s", gpuvirt_instance_get_uuid(in));
	} else {
		snprintf(devs[0].bdf, sizeof(devs[0].bdf), "%s", gpuvirt_instance_get_vf_bdf(in));
	}
	fprintf(stderr, "gpuvirt-qemu: vGPU %s (%s) on %s\n", gpuvirt_instance_get_uuid(in),
		gpuvirt_instance_get_profile_id(in), gpuvirt_instance_get_parent(in));
	gpuvirt_instance_unref(in);
	*n = 1;
	return 0;
}

/* Bind a GPU's group to vfio-pci: one hostdev per function; the GPU's card
 * in one guest slot, other group members alone. */
static int bind_gpu(gpuvirt_ctx *ctx, const char *gpu, bool bind, int guest_slot, struct hostdev *devs, size_t *n)
{
	gpuvirt_device *d = NULL;
	gpuvirt_bind_plan *plan = NULL;
	size_t card = 0;
	int r, status = 0;

	if ((r = gpuvirt_device_new_from_bdf(ctx, gpu, &d)) < 0)
		return die(ctx, r, gpu);
	if ((r = gpuvirt_bind_plan_new(d, "vfio-pci", 0, &plan)) < 0)
		status = die(ctx, r, "planning the binding");
	else if (bind && (r = gpuvirt_bind_apply(plan)) < 0)
		status = die(ctx, r, "binding to vfio-pci");
	if (status == 0) {
		const char *first = gpuvirt_device_get_bdf(d);
		for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(plan); i++)
			card += same_card(gpuvirt_bind_plan_get_device(plan, i), first);
		for (size_t i = 0; i < gpuvirt_bind_plan_get_device_count(plan) && *n < 32; i++) {
			const char *b = gpuvirt_bind_plan_get_device(plan, i);
			struct hostdev *h = &devs[(*n)++];
			memset(h, 0, sizeof(*h));
			snprintf(h->bdf, sizeof(h->bdf), "%s", b);
			h->slot = -1;
			if (same_card(b, first) && card > 1) {
				h->slot = guest_slot;
				h->function = (int)strtol(b + 11, NULL, 16);
				h->multifunction = h->function == 0;
			}
		}
	}
	gpuvirt_bind_plan_unref(plan);
	gpuvirt_device_unref(d);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},	 {"gpu", required_argument, NULL, 'g'},
		{"profile", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
		{"no-bind", no_argument, NULL, 'n'},	 {"guest-slot", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},	 {"id", required_argument, NULL, 'i'},
		{"machine", required_argument, NULL, 'm'}, {"port", required_argument, NULL, 'P'},
		{"dry-run", no_argument, NULL, 'd'},	 {"iommufd", no_argument, NULL, 'I'},
		{NULL, 0, NULL, 0},
	};
	const char *root = NULL, *gpu = NULL, *profile = NULL, *qemu = NULL;
	enum format fmt = ARGS;
	bool bind = true, dry_run = false;
	int guest_slot = 0x10, c, r, status;
	gpuvirt_ctx *ctx = NULL;
	struct hostdev devs[32];
	size_t n = 0;

	/* Everything after --exec QEMU is QEMU's own. */
	int qemu_args = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--exec") == 0) {
			if (i + 1 >= argc) {
				usage(stderr);
				return 2;
			}
			qemu = argv[i + 1];
			qemu_args = i + 2;
			argc = i;
			break;
		}
	int total_argc = qemu_args;
	char **all_argv = argv;
	for (int i = qemu_args; all_argv[i]; i++)
		total_argc = i + 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'g': gpu = optarg; break;
		case 'p': profile = optarg; break;
		case 'n': bind = false; break;
		case 'i': id_prefix = optarg; break;
		case 'P': port = optarg; break;
		case 'd': dry_run = true; break;
		case 'I': iommufd = true; break;
		case 'm':
			if (strcmp(optarg, "q35") == 0)
				root_bus = "pcie.0";
			else if (strcmp(optarg, "pc") == 0)
				root_bus = "pci.0";
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 's': guest_slot = (int)strtol(optarg, NULL, 0); break;
		case 'f':
			if (strcmp(optarg, "args") == 0)
				fmt = ARGS;
			else if (strcmp(optarg, "qmp") == 0)
				fmt = QMP;
			else if (strcmp(optarg, "libvirt") == 0)
				fmt = LIBVIRT;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (iommufd && fmt == LIBVIRT) {
		fprintf(stderr, "gpuvirt-qemu: --iommufd has no libvirt form here: libvirt chooses its VFIO backend\n");
		return 2;
	}
	if ((!gpu && !profile) || guest_slot < 1 || guest_slot > 31) {
		usage(stderr);
		return 2;
	}
	if ((r = gpuvirt_ctx_new(&ctx)) < 0)
		return die(NULL, r, "context");
	if (root && (r = gpuvirt_ctx_set_root(ctx, root)) < 0)
		status = die(ctx, r, "--root");
	else if (profile)
		status = allocate(ctx, profile, gpu, dry_run, devs, &n);
	else
		status = bind_gpu(ctx, gpu, bind && !dry_run, guest_slot, devs, &n);
	if (status == 0)
		status = size_window(ctx, devs, n);
	gpuvirt_ctx_unref(ctx);
	if (status)
		return status;

	if (qemu && dry_run) {
		fprintf(stderr, "gpuvirt-qemu: --exec with --dry-run: QEMU is not run\n");
		qemu = NULL;
	}
	if (qemu) {
		char **args = calloc((size_t)(total_argc - qemu_args) + 2 * n + 8, sizeof(char *));
		size_t k = 0;
		if (!args)
			return 1;
		args[k++] = (char *)qemu;
		for (int i = qemu_args; i < total_argc; i++)
			args[k++] = all_argv[i];
		print_args(devs, n, args, &k);
		args[k] = NULL;
		execvp(qemu, args);
		fprintf(stderr, "gpuvirt-qemu: cannot run %s: %s\n", qemu, strerror(errno));
		for (size_t i = 1 + (size_t)(total_argc - qemu_args); i < k; i++)
			free(args[i]);
		free(args);
		return 1;
	}
	if (fmt == QMP)
		print_qmp(devs, n, guest_slot);
	else if (fmt == LIBVIRT)
		print_libvirt(devs, n);
	else
		print_args(devs, n, NULL, NULL);
	return 0;
}
