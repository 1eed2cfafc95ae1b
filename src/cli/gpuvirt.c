/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt: the command-line face of libgpuvirt, built only on its public
 * API. This file: the commands, their options and help, the context. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Every option. A command takes the global ones and those its entry names
 * by their codes (-r, -v, -h, -a and -j may also be typed as such). */
static const struct option longopts[] = {
    {"root", required_argument, NULL, 'r'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"all", no_argument, NULL, 'a'},
    {"pf", no_argument, NULL, 'E'},
    {"json", no_argument, NULL, 'j'},
    {"for", required_argument, NULL, 'F'},
    {"dry-run", no_argument, NULL, 'n'},
    {"allow-group", no_argument, NULL, 'G'},
    {"force", no_argument, NULL, 'f'},
    {"persist", no_argument, NULL, 'p'},
    {"wait", no_argument, NULL, 'w'},
    {"gpu", required_argument, NULL, 'g'},
    {"policy", required_argument, NULL, 'P'},
    {"numa", required_argument, NULL, 'N'},
    {"uuid", required_argument, NULL, 'U'},
    {"modprobe", required_argument, NULL, 'M'},
    {"timeout", required_argument, NULL, 'T'},
    {"count", required_argument, NULL, 'C'},
    {"vgpu-table", required_argument, NULL, 'Y'},
    {"xl", required_argument, NULL, 'X'},
    {"mig-listing", required_argument, NULL, 'L'},
    {"yaml", no_argument, NULL, 'y'},
    {"output", required_argument, NULL, 'o'},
    {"owner", required_argument, NULL, 'O'},
    {NULL, 0, NULL, 0},
};
#define GLOBAL_OPTS "rvhYXL"

static const struct command {
	const char *name;
	int (*run)(gpuvirt_ctx *ctx, const struct options *o);
	const char *opts;	/* short codes of the options it takes, besides the global ones */
	int min_args, max_args; /* operands; max -1: any number */
	const char *synopsis, *summary, *help;
} commands[] = {
    {"list", cmd_list, "aEj", 0, 0, "list [--all | --pf] [--json]", "the host's GPUs",
     "The host's GPUs, one line each: address, class, IDs, driver, IOMMU group, NUMA node, modes\n"
     "(a VF is marked vf), name.\n"
     "  --all   every PCI function, not only GPUs\n"
     "  --pf    physical functions only (no SR-IOV VF)\n"
     "  --json  one JSON document\n"},
    {"show", cmd_show, "j", 1, 1, "show BDF [--json]", "one PCI function in detail",
     "One PCI function in detail: identity, driver, IOMMU group and its members, SR-IOV links, reset,\n"
     "who holds it. BDF is DDDD:BB:DD.F or BB:DD.F.\n"
     "  --json  one JSON document\n"},
    {"report", cmd_report, "j", 0, 0, "report [--json]", "one page on the host, worst problems first",
     "One page on the host: the worst finding of the checks and the host's problems first, then the\n"
     "GPUs, their IOMMU groups, verdicts and vGPU profiles.\n"
     "  --json  one JSON document\n"},
    {"check", cmd_check, "j", 0, -1, "check [BDF...] [--json]", "check the host for passthrough and vGPU",
     "Check the host (and each GPU, or the GPUs named) for passthrough and vGPU, in the style of\n"
     "virt-host-validate: each finding with a code, and a remedy under each warning or failure.\n"
     "Exits 0 when all pass, 1 on a warning, 2 on a failure (64 usage, 70 an error).\n"
     "  --json  one JSON document\n"},
    {"bind", cmd_bind, "FnGfpwjMT", 1, 1,
     "bind BDF [--for kvm|xen|DRIVER] [--dry-run] [--allow-group] [--force] [--persist] [--wait] [--json]",
     "hand a GPU and its IOMMU group to vfio-pci",
     "Hand the GPU and the functions of its IOMMU group to vfio-pci (kvm, the default), xen-pciback\n"
     "(xen) or DRIVER; all or nothing, verified, rolled back on failure. A device a VM holds is never\n"
     "taken.\n"
     "  --dry-run      print the exact writes, change nothing\n"
     "  --allow-group  move the other members of the group too\n"
     "  --force        take the device from the host's own use (a display, a compute job); never a VM's\n"
     "  --persist      keep the binding across reboots (driverctl's override)\n"
     "  --wait         wait for another process's work on the group instead of failing\n"
     "  --modprobe PATH  the program that loads a missing driver module (also GPUVIRT_MODPROBE;\n"
     "                 the default is /sbin/modprobe when the root is /)\n"
     "  --timeout MS   how long a kernel write that can block is waited for (default 15000)\n"
     "  --json         one JSON document\n"},
    {"unbind", cmd_unbind, "pwjMT", 1, 1, "unbind BDF [--persist] [--wait] [--json]",
     "give a group back to the drivers it had",
     "Give the GPU's group back to the drivers it had before bind.\n"
     "  --persist      drop the reboot-persistent override too\n"
     "  --wait         wait for another process's work on the group\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json         one JSON document\n"},
    {"recover", cmd_recover, "jMT", 0, 0, "recover [--json]", "undo work a crashed process left half-way",
     "Undo binding work a crashed process left half-way (its journal says what), never the work of a\n"
     "process that still runs.\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json         one JSON document\n"},
    {"profiles", cmd_profiles, "j", 0, 1, "profiles [BDF] [--json]", "the vGPU profiles of the host or a GPU",
     "The vGPU profiles the host offers (or one GPU), with how many more fit now.\n"
     "  --json  one JSON document\n"},
    {"create", cmd_create, "gPNUpOwnjMT", 1, 1,
     "create PROFILE [--gpu BDF] [--policy pack|spread] [--numa N] [--uuid U] [--persist [--owner TAG]] [--wait] "
     "[--dry-run] [--json]",
     "allocate a vGPU instance",
     "Allocate a vGPU instance of PROFILE (an id or a name) on the GPU the policy picks.\n"
     "  --gpu BDF       on this GPU only\n"
     "  --policy P      pack (fill one GPU first, the default) or spread\n"
     "  --numa N        on a GPU of NUMA node N\n"
     "  --uuid U        the instance's UUID (default: a new one)\n"
     "  --persist       record it under /etc/gpuvirt (and for mdevctl), so that it comes back after a reboot\n"
     "  --owner TAG     record an owner tag with it (a VM's name, a tenant)\n"
     "  --wait          wait for another process's work on the GPU\n"
     "  --dry-run       only say whether it would proceed; allocate nothing\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json          one JSON document\n"},
    {"destroy", cmd_destroy, "pwjMT", 1, 1, "destroy UUID [--persist] [--wait] [--json]", "release an instance",
     "Release a vGPU instance; refused while a VM uses it.\n"
     "  --persist  remove its mdevctl definition too\n"
     "  --wait     wait for another process's work on the GPU\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json     one JSON document\n"},
    {"instances", cmd_instances, "j", 0, 0, "instances [--json]", "the vGPU instances, whoever made them",
     "The vGPU instances on the host, live or defined, whoever made them.\n"
     "  --json  one JSON document\n"},
    {"monitor", cmd_monitor, "jC", 0, 0, "monitor [--json] [--count N]",
     "the kernel's PCI and mdev events as they happen",
     "The kernel's events for PCI functions and mdev instances (add, remove, bind, unbind, change) as\n"
     "they happen, one line each after a first line that says it listens; SIGINT or SIGTERM ends it.\n"
     "Only on the running host (the root /).\n"
     "  --count N  end after N events\n"
     "  --json     JSON Lines: {\"time\", \"event\", \"subject\", \"kind\": \"pci\" or \"mdev\"}, after\n"
     "             {\"gpuvirt_version\", \"root\", \"listening\"}\n"},
    {"restore", cmd_restore, "nwjMT", 0, 0, "restore [--dry-run] [--wait] [--json]",
     "make the host match its persisted state (at boot)",
     "Make the host match the state kept under /etc/gpuvirt (what --persist recorded): VF counts,\n"
     "bindings, then vGPU instances with their UUIDs, each locked, journaled, verified and rolled\n"
     "back on failure. Only what differs is changed; a device or instance in use, or one the state\n"
     "does not name, is never touched. What cannot be restored is listed with why (exit 1).\n"
     "  --dry-run  show what it would do, change nothing\n"
     "  --wait     wait for other processes' work on a group or GPU\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json     one JSON document\n"},
    {"diff", cmd_diff, "j", 0, 1, "diff [FILE] [--json]", "how the host differs from its persisted state or FILE",
     "Compare the host with its persisted state (or the declarative FILE), object by object:\n"
     "in-place, to-do, blocked (with why), and unmanaged (on the host, not in the state). Exits 1\n"
     "when an object of the state does not hold.\n"
     "  --json  one JSON document\n"},
    {"apply", cmd_apply, "npwjMT", 1, 1, "apply FILE [--dry-run] [--persist] [--wait] [--json]",
     "make the host match a declarative state file",
     "Make the host match FILE ({\"version\": 1, \"objects\": [...]}, the objects of\n"
     "/etc/gpuvirt): the plan first, then only the difference, as restore does.\n"
     "  --dry-run  show the plan, change nothing\n"
     "  --persist  also record the file's objects under /etc/gpuvirt, for restore at boot\n"
     "  --wait     wait for other processes' work on a group or GPU\n"
     "  --modprobe PATH, --timeout MS  as for bind\n"
     "  --json     one JSON document\n"},
    {"export", cmd_export, "yo", 1, -1, "export FORMAT [BDF...] [--yaml] [--output FILE]",
     "what the host offers, for Nova, KubeVirt, NFD, Prometheus, libvirt",
     "What the host offers (its GPUs, or those named), in the language of an engine that schedules\n"
     "GPU VMs (docs/export.md has the naming rules and the metrics):\n"
     "  nova        a nova.conf fragment: [pci] device_spec and alias, [devices] enabled_mdev_types\n"
     "  kubevirt    KubeVirt's permittedHostDevices (JSON; --yaml for YAML)\n"
     "  nfd         a node-feature-discovery feature file (name=value labels)\n"
     "  prometheus  the text exposition format, for node-exporter's textfile collector\n"
     "  nodedev     libvirt's node-device XML, one document per function\n"
     "  --yaml         kubevirt: YAML instead of JSON\n"
     "  --output FILE  write FILE atomically (a temporary beside it, renamed) instead of stdout\n"},
    {"version", NULL, "", 0, 0, "version", "the tool's and the library's version", "Print the version.\n"},
    {"help", NULL, "", 0, 1, "help [COMMAND]", "this help, or a command's", "Print the help, or a command's.\n"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static const char exit_table[] =
    "Exit status (every command):\n"
    "   0  success (check: every finding passed)\n"
    "   1  check only: the worst finding is a warning\n"
    "   2  check only: the worst finding is a failure\n"
    "   1  restore, apply: an object of the state could not be made; diff: one does not hold\n"
    "  64  usage error: an unknown command or option, an option the command does not take,\n"
    "      a missing, extra or malformed argument\n"
    "  70  the command could not do its work: the host could not be read, the device is not\n"
    "      there, the library refused (a VM holds the device) or failed; stderr says why\n";

static void usage(FILE *out)
{
	fputs("Usage: gpuvirt [--root DIR] [--verbose] COMMAND [OPTIONS] [ARGS]\n"
	      "       gpuvirt help [COMMAND] | COMMAND --help | --version\n\nCommands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nGlobal options:\n"
	      "  --root DIR  read the host under DIR instead of / (also GPUVIRT_ROOT)\n"
	      "  --verbose   log the library's debug messages to stderr\n"
	      "  --vgpu-table PATH  another table of vGPU-capable boards (also GPUVIRT_VGPU_TABLE)\n"
	      "  --xl PATH   the xl program Xen's checks ask (also GPUVIRT_XL)\n"
	      "  --mig-listing PATH  nvidia-smi's MIG listing, captured (gpuvirt(1) says how)\n\n",
	      out);
	fputs(exit_table, out);
}

static void command_help(const struct command *c)
{
	printf("Usage: gpuvirt [--root DIR] [--verbose] %s\n\n%s\n%s", c->synopsis, c->help, exit_table);
}

static void log_to_stderr(void *userdata, int priority, const char *message)
{
	(void)userdata;
	if (priority >= 6)
		fprintf(stderr, "gpuvirt[%d]: %s\n", priority, message);
	else
		fprintf(stderr, "gpuvirt: %s%s\n", priority <= 4 ? "warning: " : "", message);
}

static void notices_to_stderr(void *userdata, int priority, const char *message)
{
	if (priority == 5)
		log_to_stderr(userdata, priority, message);
}

/* The context's setters from the options: 0 or the exit status. */
static int configure(gpuvirt_ctx *ctx, const struct options *o)
{
	char *abs;
	int r;

	/* Everything with --verbose; else the lines that say what a wait is
	 * for (the library's notices), on a terminal only. */
	if (o->verbose || isatty(STDERR_FILENO)) {
		gpuvirt_ctx_set_log_fn(ctx, o->verbose ? log_to_stderr : notices_to_stderr, NULL);
		gpuvirt_ctx_set_log_priority(ctx, o->verbose ? 7 : 5);
	}
	if (o->modprobe && (r = gpuvirt_ctx_set_modprobe(ctx, o->modprobe)) < 0)
		return r == -EINVAL ? cli_usage(o, "--modprobe takes an absolute path, not '%s'", vis(o->modprobe))
				    : cli_fail(ctx, r, "--modprobe");
	if (o->timeout) {
		char *end;
		long ms = strtol(o->timeout, &end, 10);
		if (*end || end == o->timeout || ms <= 0 || ms > 86400000L)
			return cli_usage(o, "--timeout takes milliseconds (1 to 86400000), not '%s'", vis(o->timeout));
		if ((r = gpuvirt_ctx_set_write_timeout(ctx, (uint32_t)ms)) < 0)
			return cli_fail(ctx, r, "--timeout");
	}
	if (o->vgpu_table && (r = gpuvirt_ctx_set_vgpu_table(ctx, o->vgpu_table)) < 0)
		return r == -EINVAL ? cli_usage(o, "--vgpu-table takes an absolute path, not '%s'", vis(o->vgpu_table))
				    : cli_fail(ctx, r, "--vgpu-table");
	if (o->mig_listing && (r = gpuvirt_ctx_set_mig_listing(ctx, o->mig_listing)) < 0)
		return r == -EINVAL
			   ? cli_usage(o, "--mig-listing takes an absolute path, not '%s'", vis(o->mig_listing))
			   : cli_fail(ctx, r, "--mig-listing");
	if (o->xl && (r = gpuvirt_ctx_set_xl(ctx, o->xl)) < 0)
		return r == -EINVAL ? cli_usage(o, "--xl takes an absolute path, not '%s'", vis(o->xl))
				    : cli_fail(ctx, r, "--xl");
	if (!o->root)
		return 0;
	/* The library takes absolute roots; on the command line a relative
	 * one means relative to the working directory. */
	abs = o->root[0] == '/' ? NULL : realpath(o->root, NULL);
	r = gpuvirt_ctx_set_root(ctx, abs ? abs : o->root);
	free(abs);
	return r < 0 ? cli_fail(ctx, r, "--root") : 0;
}

/* One option into o; its short code is remembered for the command's check. */
static void take_option(struct options *o, int c, const char *arg)
{
	switch (c) {
	case 'r': o->root = arg; break;
	case 'v': o->verbose = true; break;
	case 'a': o->all = true; break;
	case 'E': o->pf = true; break;
	case 'j': o->json = true; break;
	case 'F': o->target = arg; break;
	case 'n': o->dry_run = true; break;
	case 'G': o->allow_group = true; break;
	case 'f': o->force = true; break;
	case 'p': o->persist = true; break;
	case 'w': o->wait = true; break;
	case 'g': o->gpu = arg; break;
	case 'P': o->policy = arg; break;
	case 'N': o->numa = arg; break;
	case 'U': o->uuid = arg; break;
	case 'M': o->modprobe = arg; break;
	case 'Y': o->vgpu_table = arg; break;
	case 'X': o->xl = arg; break;
	case 'L': o->mig_listing = arg; break;
	case 'T': o->timeout = arg; break;
	case 'C': o->count = arg; break;
	case 'y': o->yaml = true; break;
	case 'o': o->output = arg; break;
	case 'O': o->owner = arg; break;
	default: break;
	}
}

static const char *long_name(int c)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == c)
			return l->name;
	return "?";
}

/* The first word that is not an option or an option's argument. */
static const char *command_word(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const struct option *l = longopts;
		if (argv[i][0] != '-')
			return argv[i];
		if (strcmp(argv[i], "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		for (; l->name; l++)
			if (strncmp(argv[i] + 2, l->name, strlen(l->name)) == 0 && argv[i][2 + strlen(l->name)] == '\0')
				break;
		if ((l->name && l->has_arg == required_argument) || strcmp(argv[i], "-r") == 0)
			i++;
	}
	return NULL;
}

/* Parse argv for command c (NULL: none named): the options it takes, its
 * operand count. 0, or an exit status (help and version print and exit 0). */
static int parse(int argc, char **argv, const struct command *c, struct options *o)
{
	char seen[64] = "";
	bool help = false, version = false;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:ajvh", longopts, NULL)) != -1) {
		if (ch == '?')
			return cli_usage(o, "unknown option '%s'", argv[optind - 1]);
		if (ch == ':')
			return cli_usage(o, "option '%s' needs a value", argv[optind - 1]);
		help |= ch == 'h';
		version |= ch == 'V';
		if (ch != 'h' && ch != 'V' && !strchr(GLOBAL_OPTS, ch) && (!c || !strchr(c->opts, ch)) &&
		    !strchr(seen, ch) && strlen(seen) + 1 < sizeof(seen))
			seen[strlen(seen)] = (char)ch;
		take_option(o, ch, optarg);
	}
	if (version)
		return printf("gpuvirt %s\n", gpuvirt_version()) < 0 ? EXIT_ERROR : -1;
	if (help) {
		if (c && c->run)
			command_help(c);
		else
			usage(stdout);
		return -1;
	}
	if (seen[0] && c)
		return cli_usage(o, "--%s does not apply to %s", long_name(seen[0]), c->name);
	if (seen[0])
		return cli_usage(o, "--%s goes after a command", long_name(seen[0]));
	if (!c)
		return 0;
	o->argc = argc - optind - 1;
	o->argv = argv + optind + 1;
	if (o->argc < c->min_args)
		return cli_usage(o, "%s",
				 c->min_args == 1 && c->max_args == 1 ? "one argument is needed"
								      : "an argument is missing");
	if (c->max_args >= 0 && o->argc > c->max_args)
		return cli_usage(o, "unexpected argument '%s'", vis(o->argv[c->max_args]));
	return 0;
}

static int run(const struct command *c, struct options *o)
{
	gpuvirt_ctx *ctx = NULL;
	int r;

	if (strcmp(c->name, "version") == 0) {
		printf("gpuvirt %s\n", gpuvirt_version());
		return EXIT_OK;
	}
	if (strcmp(c->name, "help") == 0) {
		const struct command *about = o->argc ? find_command(o->argv[0]) : NULL;
		if (o->argc && (!about || !about->run))
			return cli_usage(o, "no command '%s'", vis(o->argv[0]));
		if (about)
			command_help(about);
		else
			usage(stdout);
		return EXIT_OK;
	}
	if ((r = gpuvirt_ctx_new(&ctx)) < 0) {
		fprintf(stderr, "gpuvirt: cannot create a context: %s\n", gpuvirt_strerror(r));
		return EXIT_ERROR;
	}
	if ((r = configure(ctx, o)) == 0)
		r = c->run(ctx, o);
	gpuvirt_ctx_unref(ctx);
	return r;
}

int main(int argc, char **argv)
{
	const char *word = command_word(argc, argv);
	const struct command *c = word ? find_command(word) : NULL;
	struct options o = {.cmd = c ? c->name : NULL};
	int r;

	/* One thread writes stdout: no lock per call; into a pipe or a file,
	 * in 64 KiB writes (the buffer is given: glibc ignores the size of one
	 * it is asked to allocate and takes the file's block size, 4 KiB). */
	static char out_buf[1 << 16];
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	if (word && !c) {
		fprintf(stderr, "gpuvirt: unknown command '%s'\nTry 'gpuvirt help'.\n", vis(word));
		return EXIT_USAGE;
	}
	if ((r = parse(argc, argv, c, &o)) != 0)
		return r < 0 ? EXIT_OK : r;
	if (!c) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(c, &o);
}
