/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who holds a device, an IOMMU group or an instance: the mutation layer
 * asks before any change, and refuses one that would take a device from
 * its user.
 *
 * Holders are
 * - processes with a node of the device open (from proc/<pid>/fd under the
 *   root): the IOMMU group's /dev/vfio/<group> and the device's VFIO cdev
 *   /dev/vfio/devices/vfioN (what QEMU opens; a VM's device), its DRM nodes,
 *   /dev/nvidiaN for its minor, /dev/kfd for an amdgpu device, and the sound
 *   nodes of an HDMI audio function;
 * - live vGPU instances on it: mdev devices whose parent is the device or
 *   one of its VFs, NVIDIA vendor types set on its VFs, VFs recorded as
 *   instances;
 * - its VFs handed to a VM (a VF on vfio-pci whose group is open).
 * A VFIO node, a live instance or a VF in use is a VM's: GPUVIRT_BIND_FORCE
 * never overrides those. A DRM, nvidia, kfd or sound node is the host's own
 * use, which force may take. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* ---- what holders are found in, read once per question ----------------- */

struct open_file {
	long pid;
	char comm[32];
	char path[96]; /* only /dev/ nodes that can hold a device */
};

/* A live mdev instance and the name of its parent's folder. */
struct live_mdev {
	char uuid[37];
	char parent[64];
};

/* The open files of every process and the live mdev instances: read once
 * for a question about several devices, or once for a run of checks. */
struct open_files {
	struct open_file *v;
	size_t n;
	struct live_mdev *mdev;
	size_t nmdev;
};

/* Copy a string, cut to the field (the names compared here are short). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool interesting(const char *target)
{
	static const char *const prefixes[] = {"/dev/vfio/", "/dev/dri/", "/dev/nvidia", "/dev/kfd", "/dev/snd/"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(target, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int add_open(struct open_files *of, long pid, const char *comm, const char *path)
{
	struct open_file *nv;

	for (size_t i = 0; i < of->n; i++) /* one entry per process and node */
		if (of->v[i].pid == pid && strcmp(of->v[i].path, path) == 0)
			return 0;
	nv = realloc(of->v, (of->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	of->v = nv;
	nv[of->n].pid = pid;
	copy_str(nv[of->n].comm, sizeof(nv[of->n].comm), comm);
	copy_str(nv[of->n].path, sizeof(nv[of->n].path), path);
	of->n++;
	return 0;
}

static void read_comm(gpuvirt_ctx *ctx, const char *pid, char *comm, size_t size)
{
	char rel[64];

	comm[0] = '\0';
	if (gv_path(rel, sizeof(rel), "proc/%s/comm", pid) == 0 && gv_read_text(ctx, rel, comm, size) > 0)
		comm[strcspn(comm, "\n")] = '\0';
	for (char *c = comm; *c; c++) /* a name is the process's to choose: show it safely */
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
			*c = '?';
}

/* One process: its fds that point at a device node. A process that ends
 * while we read is simply not there. */
static int scan_process(gpuvirt_ctx *ctx, const char *pid, struct open_files *of)
{
	char rel[64], **fds, comm[32] = "";
	size_t nf;
	int r = 0;

	if (gv_path(rel, sizeof(rel), "proc/%s/fd", pid) < 0 || gv_list_dir(ctx, rel, &fds, &nf) < 0)
		return 0;
	for (size_t k = 0; k < nf && r == 0; k++) {
		char link[96], target[256];
		if (gv_path(link, sizeof(link), "proc/%s/fd/%s", pid, fds[k]) < 0 ||
		    gv_readlink(ctx, link, target, sizeof(target)) <= 0 || !interesting(target))
			continue;
		if (!comm[0])
			read_comm(ctx, pid, comm, sizeof(comm));
		r = add_open(of, strtol(pid, NULL, 10), comm, target);
	}
	gv_names_free(fds, nf);
	return r;
}

static int scan_processes(gpuvirt_ctx *ctx, struct open_files *of)
{
	char **pids;
	size_t np;
	int r;

	r = gv_list_dir(ctx, "proc", &pids, &np);
	if (r == -ENOENT)
		return 0; /* a host without proc/ shows no process */
	if (r < 0)
		return gv_fail(ctx, r, "cannot list proc under %s: %s", ctx->root, gpuvirt_strerror(r));
	for (size_t i = 0; i < np && r == 0; i++)
		if (pids[i][0] && strspn(pids[i], "0123456789") == strlen(pids[i]))
			r = scan_process(ctx, pids[i], of);
	gv_names_free(pids, np);
	return r;
}

/* The live mdev instances: sys/bus/mdev/devices/<uuid> links into its
 * parent's folder ("../../../devices/.../<parent>/<uuid>"). One that goes
 * while we read is simply not there. */
static int scan_mdevs(gpuvirt_ctx *ctx, struct open_files *of)
{
	char **names, rel[128], target[512];
	size_t n;
	int r;

	r = gv_list_dir(ctx, "sys/bus/mdev/devices", &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list sys/bus/mdev/devices: %s", gpuvirt_strerror(r));
	if (n && !(of->mdev = calloc(n, sizeof(*of->mdev))))
		r = -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		char *last, *prev;
		if (gv_path(rel, sizeof(rel), "sys/bus/mdev/devices/%s", names[i]) < 0 ||
		    gv_readlink(ctx, rel, target, sizeof(target)) <= 0 || !(last = strrchr(target, '/')))
			continue;
		*last = '\0';
		prev = strrchr(target, '/');
		copy_str(of->mdev[of->nmdev].uuid, sizeof(of->mdev[0].uuid), names[i]);
		copy_str(of->mdev[of->nmdev++].parent, sizeof(of->mdev[0].parent), prev ? prev + 1 : target);
	}
	gv_names_free(names, n);
	return r;
}

static void open_files_free(struct open_files *of)
{
	free(of->v);
	free(of->mdev);
	memset(of, 0, sizeof(*of));
}

/* Processes, and with `mdevs` the live instances, read now. */
static int scan_host(gpuvirt_ctx *ctx, struct open_files *of, bool mdevs)
{
	int r;

	memset(of, 0, sizeof(*of));
	if ((r = scan_processes(ctx, of)) == 0 && mdevs)
		r = scan_mdevs(ctx, of);
	if (r < 0)
		open_files_free(of);
	return r;
}

/* What to look in: the context's snapshot while a run of checks holds one
 * (proc/ and the instances read once for every GPU), else a fresh read. A
 * change to the host never runs under a snapshot: it must see the host as
 * it is. */
static int open_files_for(gpuvirt_ctx *ctx, struct open_files *of, bool *borrowed, bool mdevs)
{
	*borrowed = ctx->open_files != NULL;
	if (*borrowed) {
		*of = *(struct open_files *)ctx->open_files;
		return 0;
	}
	return scan_host(ctx, of, mdevs);
}

static void open_files_done(struct open_files *of, bool borrowed)
{
	if (!borrowed)
		open_files_free(of);
}

int gv_holders_snapshot(gpuvirt_ctx *ctx, bool on)
{
	struct open_files *of = ctx->open_files;
	int r = 0;

	if (of) {
		open_files_free(of);
		free(of);
		ctx->open_files = NULL;
	}
	if (!on)
		return 0;
	if (!(of = calloc(1, sizeof(*of))))
		return -ENOMEM;
	if ((r = scan_host(ctx, of, true)) < 0) {
		free(of);
		return r;
	}
	ctx->open_files = of;
	return 0;
}

/* ---- one device -------------------------------------------------------- */

static int add_holder(struct gv_holders *h, const struct gv_holder *x)
{
	struct gv_holder *nv = realloc(h->v, (h->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	h->v = nv;
	h->v[h->n++] = *x;
	return 0;
}

static int add_process(struct gv_holders *h, const char *bdf, const struct open_file *f, bool vm)
{
	struct gv_holder x = {.kind = GV_HOLDER_PROCESS, .pid = f->pid, .vm = vm};

	snprintf(x.device, sizeof(x.device), "%s", bdf);
	copy_str(x.comm, sizeof(x.comm), f->comm);
	copy_str(x.path, sizeof(x.path), f->path);
	return add_holder(h, &x);
}

/* The nodes under /dev that stand for a device, with whether each is a VM's. */
struct nodes {
	char path[24][48];
	bool vm[24];
	size_t n;
};

/* The node `prefix` + `suffix` ("/dev/vfio/" + "12"). */
static void add_node(struct nodes *nd, bool vm, const char *prefix, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);

	if (nd->n < 24 && lp + ls < sizeof(nd->path[0])) {
		memcpy(nd->path[nd->n], prefix, lp);
		memcpy(nd->path[nd->n] + lp, suffix, ls + 1);
		nd->vm[nd->n++] = vm;
	}
}

/* A device's folder: a PCI function's, or an mdev's (named by its UUID). */
static const char *bus_of(const char *name)
{
	return strlen(name) == 36 ? "mdev" : "pci";
}

/* Entries of a device's folder that name a node: "card0" in drm/ is
 * /dev/dri/card0. */
struct node_kind {
	const char *entry, *node;
	bool vm;
};

/* A folder of the device ("vfio-dev", "drm", "sound") listed once for
 * every kind of node it can name. */
static void each_entry(gpuvirt_ctx *ctx, const char *bdf, const char *sub, const struct node_kind *k, size_t nk,
		       struct nodes *nd)
{
	char rel[128], **names;
	size_t n;

	if (gv_path(rel, sizeof(rel), "sys/bus/%s/devices/%s/%s", bus_of(bdf), bdf, sub) < 0 ||
	    gv_list_dir(ctx, rel, &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nk; j++)
			if (strncmp(names[i], k[j].entry, strlen(k[j].entry)) == 0)
				add_node(nd, k[j].vm, k[j].node, names[i] + strlen(k[j].entry));
	gv_names_free(names, n);
}

static void device_nodes(gpuvirt_ctx *ctx, const char *bdf, struct nodes *nd)
{
	static const struct node_kind vfio[] = {{"vfio", "/dev/vfio/devices/vfio", true}},
				      drm[] = {{"card", "/dev/dri/card", false}, {"renderD", "/dev/dri/renderD", false}},
				      sound[] = {{"card", "/dev/snd/controlC", false}};
	char rel[128], buf[64], drv[GV_DRIVER_LEN] = "";
	ssize_t n;

	memset(nd, 0, sizeof(*nd));
	if (gv_path(rel, sizeof(rel), "sys/bus/%s/devices/%s/iommu_group", bus_of(bdf), bdf) == 0 &&
	    gv_readlink_base(ctx, rel, buf, sizeof(buf)) > 0)
		add_node(nd, true, "/dev/vfio/", buf);
	each_entry(ctx, bdf, "vfio-dev", vfio, 1, nd);
	if (strlen(bdf) == 36)
		return; /* an mdev has only its VFIO nodes */
	each_entry(ctx, bdf, "drm", drm, 2, nd);
	each_entry(ctx, bdf, "sound", sound, 1, nd);
	/* NVIDIA's per-GPU node: its minor is in the driver's proc file. */
	if (gv_path(rel, sizeof(rel), "proc/driver/nvidia/gpus/%s/information", bdf) == 0) {
		char info[2048];
		long minor;
		if ((n = gv_read_text(ctx, rel, info, sizeof(info))) > 0 &&
		    gv_parse_nvidia_minor(info, (size_t)n, &minor) == 0) {
			snprintf(buf, sizeof(buf), "%ld", minor);
			add_node(nd, false, "/dev/nvidia", buf);
		}
	}
	if (gv_mut_driver(ctx, bdf, drv, sizeof(drv)) == 0 && strcmp(drv, "amdgpu") == 0)
		add_node(nd, false, "/dev/kfd", "");
}

/* A sound node belongs to card N: controlCN, pcmCND..., hwCND... */
static bool node_matches(const char *node, const char *open)
{
	if (strncmp(node, "/dev/snd/controlC", 17) == 0) {
		const char *card = node + 17;
		size_t l = strlen(card);
		if (strcmp(open, node) == 0)
			return true;
		for (const char *pre = "/dev/snd/pcmC\0/dev/snd/hwC\0"; *pre; pre += strlen(pre) + 1)
			if (strncmp(open, pre, strlen(pre)) == 0 && strncmp(open + strlen(pre), card, l) == 0 &&
			    open[strlen(pre) + l] == 'D')
				return true;
		return false;
	}
	return strcmp(node, open) == 0;
}

static int process_holders(gpuvirt_ctx *ctx, const char *bdf, const struct open_files *of, struct gv_holders *h)
{
	struct nodes nd;
	int r = 0;

	device_nodes(ctx, bdf, &nd);
	for (size_t i = 0; i < of->n && r == 0; i++)
		for (size_t k = 0; k < nd.n && r == 0; k++)
			if (node_matches(nd.path[k], of->v[i].path))
				r = add_process(h, bdf, &of->v[i], nd.vm[k]);
	return r;
}

static int add_instance(struct gv_holders *h, const char *bdf, const char *uuid, const char *via)
{
	struct gv_holder x = {.kind = GV_HOLDER_INSTANCE, .vm = true};

	snprintf(x.device, sizeof(x.device), "%s", bdf);
	copy_str(x.uuid, sizeof(x.uuid), uuid);
	copy_str(x.path, sizeof(x.path), via);
	return add_holder(h, &x);
}

/* mdev instances whose parent is `parent` (a PF or a VF). */
static int mdev_holders(const char *bdf, const char *parent, const struct open_files *of, struct gv_holders *h)
{
	int r = 0;

	for (size_t i = 0; i < of->nmdev && r == 0; i++)
		if (strcmp(of->mdev[i].parent, parent) == 0)
			r = add_instance(h, bdf, of->mdev[i].uuid, parent);
	return r;
}

static int vf_holders(gpuvirt_ctx *ctx, const char *pf, const char *vf, const struct open_files *of,
		      struct gv_holders *h)
{
	char rel[128], uuid[37];
	long type;
	int r;

	if ((r = mdev_holders(pf, vf, of, h)) < 0)
		return r;
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf) == 0 &&
	    gv_exists(ctx, rel) == 1 && (type = gv_mut_read_vendor_type(ctx, vf)) > 0) {
		char what[48];
		snprintf(what, sizeof(what), "vGPU type %ld on %s", type, vf);
		if ((r = add_instance(h, pf, "", what)) < 0)
			return r;
	}
	if ((r = gv_record_for_vf(ctx, vf, uuid)) < 0)
		return r;
	if (uuid[0] && (r = add_instance(h, pf, uuid, vf)) < 0)
		return r;
	/* A VF whose node a process has open is a VM's device. */
	struct gv_holders mine = {0};
	r = process_holders(ctx, vf, of, &mine);
	for (size_t i = 0; i < mine.n && r == 0; i++) {
		if (!mine.v[i].vm)
			continue;
		mine.v[i].kind = GV_HOLDER_VF;
		snprintf(mine.v[i].device, sizeof(mine.v[i].device), "%s", pf);
		snprintf(mine.v[i].uuid, sizeof(mine.v[i].uuid), "%s", vf);
		r = add_holder(h, &mine.v[i]);
	}
	gv_holders_free(&mine);
	return r;
}

static int device_holders(gpuvirt_ctx *ctx, const char *bdf, const struct open_files *of, struct gv_holders *h)
{
	char rel[128], **names;
	size_t n;
	int r;

	if ((r = process_holders(ctx, bdf, of, h)) < 0 || (r = mdev_holders(bdf, bdf, of, h)) < 0)
		return r;
	if (gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf) < 0 || gv_list_dir(ctx, rel, &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		char vf[GV_BDF_LEN];
		if (strncmp(names[i], "virtfn", 6) != 0 ||
		    gv_path(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", bdf, names[i]) < 0 ||
		    gv_readlink_base(ctx, rel, vf, sizeof(vf)) <= 0)
			continue;
		r = vf_holders(ctx, bdf, vf, of, h);
	}
	gv_names_free(names, n);
	return r;
}

int gv_holders_collect(gpuvirt_ctx *ctx, const char *const *bdfs, size_t n, struct gv_holders *out)
{
	struct open_files of;
	bool borrowed;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = open_files_for(ctx, &of, &borrowed, true)) < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = device_holders(ctx, bdfs[i], &of, out);
	open_files_done(&of, borrowed);
	if (r < 0)
		gv_holders_free(out);
	return r;
}

void gv_holders_free(struct gv_holders *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

void gv_holder_describe(const struct gv_holder *x, char *out, size_t size)
{
	switch (x->kind) {
	case GV_HOLDER_PROCESS:
		snprintf(out, size, "pid %ld (%s) has %s open", x->pid, x->comm[0] ? x->comm : "?", x->path);
		break;
	case GV_HOLDER_VF:
		snprintf(out, size, "its VF %s is in use: pid %ld (%s) has %s open", x->uuid, x->pid,
			 x->comm[0] ? x->comm : "?", x->path);
		break;
	default:
		if (x->uuid[0])
			snprintf(out, size, "vGPU instance %s on %s is live", x->uuid, x->path);
		else
			snprintf(out, size, "a %s is live", x->path);
	}
}

/* "BDF: description; ..." for every holder. */
static void describe_all(const struct gv_holders *h, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < h->n && used + 1 < size; i++) {
		char one[256];
		gv_holder_describe(&h->v[i], one, sizeof(one));
		int k = snprintf(out + used, size - used, "%s%s: %s", used ? "; " : "", h->v[i].device, one);
		used = k < 0 ? used : used + (size_t)k >= size ? size - 1 : used + (size_t)k;
	}
}

void gv_holders_list(const struct gv_holders *h, bool vm, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < h->n && used + 1 < size; i++) {
		char one[256];
		if (h->v[i].vm != vm)
			continue;
		gv_holder_describe(&h->v[i], one, sizeof(one));
		int k = snprintf(out + used, size - used, "%s%s: %s", used ? "; " : "", h->v[i].device, one);
		used = k < 0 ? used : used + (size_t)k >= size ? size - 1 : used + (size_t)k;
	}
}

int gv_holders_of_members(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n, const char *target,
			  struct gv_holders *out)
{
	const char **bdfs = calloc(n ? n : 1, sizeof(*bdfs));
	size_t k = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!bdfs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].driver, target) != 0) /* a device that stays where it is loses nothing */
			bdfs[k++] = m[i].bdf;
	r = gv_holders_collect(ctx, bdfs, k, out);
	free(bdfs);
	return r;
}

int gv_holders_refuse(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n, const char *target, bool force)
{
	char list[768];
	struct gv_holders h;
	int r = gv_holders_of_members(ctx, m, n, target, &h);

	if (r < 0)
		return r;
	gv_holders_list(&h, true, list, sizeof(list));
	if (list[0])
		r = gv_fail(ctx, -EBUSY, GV_HOLDERS_VM_FMT, list);
	gv_holders_list(&h, false, list, sizeof(list));
	if (r == 0 && list[0] && !force)
		r = gv_fail(ctx, -EBUSY, GV_HOLDERS_HOST_FMT, list);
	gv_holders_free(&h);
	return r;
}

int gv_instance_holders(gpuvirt_ctx *ctx, const char *uuid_or_vf, struct gv_holders *out)
{
	struct open_files of;
	bool borrowed;
	struct gv_holders all = {0};
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = open_files_for(ctx, &of, &borrowed, false)) < 0)
		return r;
	r = process_holders(ctx, uuid_or_vf, &of, &all);
	open_files_done(&of, borrowed);
	for (size_t i = 0; i < all.n && r == 0; i++)
		if (all.v[i].vm) /* its VFIO nodes: a VM's */
			r = add_holder(out, &all.v[i]);
	gv_holders_free(&all);
	if (r < 0)
		gv_holders_free(out);
	return r;
}

int gv_instance_holders_refuse(gpuvirt_ctx *ctx, const char *uuid_or_vf)
{
	struct gv_holders h;
	int r = gv_instance_holders(ctx, uuid_or_vf, &h);

	if (r == 0 && h.n) {
		char list[768];
		describe_all(&h, list, sizeof(list));
		r = gv_fail(ctx, -EBUSY, "instance %s is in use, refusing before any change: %s (a VM's device: nothing "
					 "overrides that)",
			    uuid_or_vf, list);
	}
	gv_holders_free(&h);
	return r;
}

void gv_holders_append(gpuvirt_ctx *ctx, const struct gv_member *m, size_t n)
{
	const char **bdfs = calloc(n ? n : 1, sizeof(*bdfs));
	char keep[sizeof(ctx->error)], list[768];
	struct gv_holders h;

	if (!bdfs)
		return;
	for (size_t i = 0; i < n; i++)
		bdfs[i] = m[i].bdf;
	memcpy(keep, ctx->error, sizeof(keep));
	if (gv_holders_collect(ctx, bdfs, n, &h) == 0) {
		describe_all(&h, list, sizeof(list));
		memcpy(ctx->error, keep, sizeof(keep));
		if (h.n)
			gv_fail(ctx, -ETIMEDOUT, "%s; held by: %s", keep, list);
		gv_holders_free(&h);
	} else {
		memcpy(ctx->error, keep, sizeof(keep));
	}
	free(bdfs);
}
