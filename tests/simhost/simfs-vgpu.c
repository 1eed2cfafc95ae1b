/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* simhost-fuse: mdev (create, remove, the types' budgets) and NVIDIA's
 * vendor vGPU on VFs (creatable_vgpu_types, current_vgpu_type). */
#include "simfs.h"

/* ---- mdev -------------------------------------------------------------- */

static bool valid_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

int count_dir(const char *fmt, const char *a, const char *b)
{
	char **names;
	int n = listdir(&names, fmt, a, b);

	freelist(names, n);
	return n;
}

long gcd(long a, long b)
{
	while (b) {
		long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* available_instances of every type of a parent, by its accounting rule:
 * "exclusive" (NVIDIA legacy: one type at a time, up to its max), or
 * "pool N" (a shared budget; a type costs N / its max instances). */
void mdev_recompute(const char *parent)
{
	const char *bdf = base_of(parent);
	char policy[64] = "", **types;
	int nt = listdir(&types, "%s/mdev_supported_types", parent);
	long pool = 0, used = 0;
	const char *active = NULL;

	readf(policy, sizeof(policy), ".simhost/mdev/%s/policy", bdf);
	if (strncmp(policy, "pool", 4) == 0)
		pool = strtol(policy + 4, NULL, 10);
	for (int i = 0; i < nt; i++) {
		int cnt = count_dir("%s/mdev_supported_types/%s/devices", parent, types[i]);
		long max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]);
		if (cnt > 0 && !active)
			active = types[i];
		if (pool && max > 0)
			used += cnt * (pool / max);
	}
	for (int i = 0; i < nt; i++) {
		int cnt = count_dir("%s/mdev_supported_types/%s/devices", parent, types[i]);
		long max = readnum(0, ".simhost/mdev/%s/%s.max", bdf, types[i]), avail;
		char val[32];
		if (pool)
			avail = max > 0 ? (pool - used) / (pool / max) : 0;
		else if (strcmp(policy, "exclusive") == 0)
			avail = (!active || strcmp(active, types[i]) == 0) ? max - cnt : 0;
		else
			avail = max - cnt;
		snprintf(val, sizeof(val), "%ld\n", avail < 0 ? 0 : avail);
		writef(0444, val, "%s/mdev_supported_types/%s/available_instances", parent, types[i]);
	}
	freelist(types, nt);
}

int mdev_create(const char *typedir, const char *val)
{
	char uuid[64], parent[P], tmp[P], mp[P], to[P];
	int g;

	snprintf(uuid, sizeof(uuid), "%s", val);
	trim(uuid);
	if (!valid_uuid(uuid))
		return -EINVAL;
	for (char *c = uuid; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (exists("sys/bus/mdev/devices/%s", uuid))
		return -EEXIST;
	if (readnum(0, "%s/available_instances", typedir) <= 0)
		return -EUSERS;
	dirname_of(typedir, tmp);
	dirname_of(tmp, parent);
	snprintf(mp, sizeof(mp), "%s/%s", parent, uuid);
	mkdirs(mp);
	linkf(typedir, "%s/mdev_type", mp);
	linkf("sys/bus/mdev", "%s/subsystem", mp);
	writef(0200, "", "%s/remove", mp);
	snprintf(tmp, sizeof(tmp), "MDEV_TYPE=%s\n", base_of(typedir));
	writef(0644, tmp, "%s/uevent", mp);
	mkdirs("sys/bus/mdev/devices");
	linkf(mp, "sys/bus/mdev/devices/%s", uuid);
	linkf(mp, "%s/devices/%s", typedir, uuid);
	g = next_group();
	make_group(g, "unknown");
	snprintf(to, sizeof(to), "sys/kernel/iommu_groups/%d", g);
	linkf(to, "%s/iommu_group", mp);
	linkf(mp, "sys/kernel/iommu_groups/%d/devices/%s", g, uuid);
	writef(0600, "", "dev/vfio/vfio");
	snprintf(tmp, sizeof(tmp), "dev/vfio/%d", g);
	writef(0600, "", "%s", tmp);
	mdev_recompute(parent);
	return 0;
}

void mdev_remove_instance(const char *mdevpath)
{
	char mp[P], type[P], parent[P];
	const char *uuid;
	int g;

	snprintf(mp, sizeof(mp), "%s", mdevpath);
	uuid = base_of(mp);
	dirname_of(mp, parent);
	if (resolve(type, "%s/mdev_type", mp) == 0)
		unlinkf("%s/devices/%s", type, uuid);
	g = group_of(mp);
	if (g >= 0)
		drop_from_group(g, uuid);
	unlinkf("sys/bus/mdev/devices/%s", uuid);
	rmtree("%s", mp);
	if (exists("%s/mdev_supported_types", parent))
		mdev_recompute(parent);
}

/* ---- NVIDIA vendor vGPU on VFs ----------------------------------------- */

struct vtype {
	long id;
	char name[96];
	int fb;	    /* GB of framebuffer, time-sliced types */
	int slices; /* compute slices, MIG-backed types (0: time-sliced) */
};

static int parse_types(const char *text, struct vtype *out, int max)
{
	char buf[8192];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save, *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':'), *end;
		long id = strtol(l, &end, 10);
		if (!colon || end == l)
			continue; /* the header line */
		struct vtype *t = &out[n++];
		memset(t, 0, sizeof(*t));
		t->id = id;
		snprintf(t->name, sizeof(t->name), "%s", colon + 1 + (colon[1] == ' '));
		trim(t->name);
		/* NAME-G-SSC (MIG: G slices) or NAME-SSC (S GB). */
		char *dash = strrchr(t->name, '-');
		if (!dash)
			continue;
		int last = atoi(dash + 1);
		char *prev = dash - 1;
		while (prev > t->name && isdigit((unsigned char)*prev))
			prev--;
		if (*prev == '-' && prev < dash - 1) {
			t->slices = atoi(prev + 1);
			t->fb = last;
		} else {
			t->fb = last;
		}
	}
	return n;
}

/* Whether VF may offer type `id` (see `offers`). */
static bool vf_offers(const char *vf, long id)
{
	char list[1024];

	if (readf(list, sizeof(list), ".simhost/nvidia/%s.offers", base_of(vf)) < 0)
		return true;
	for (char *save, *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (atol(l) == id)
			return true;
	return false;
}

/* MIG mode and the GPU instances' sizes: .simhost/nvidia/<pf>.gis, one
 * "ID SLICES" line each; -1 when it is absent (MIG off). */
static int read_gis(const char *pf, int *slices, int max)
{
	char text[1024];
	int n = 0;

	if (readf(text, sizeof(text), ".simhost/nvidia/%s.gis", base_of(pf)) < 0)
		return -1;
	for (char *save, *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		int id, s;
		if (sscanf(l, "%d %d", &id, &s) == 2 && s >= 1 && s <= 8)
			slices[n++] = s;
	}
	return n;
}

/* A board's state: its types, MIG mode and instances, what its VFs run. */
struct board {
	struct vtype types[128];
	int nt, fb_total;
	int gis[32], ngis; /* the GPU instances' sizes; ngis -1: MIG off */
	int held[9];	   /* VFs running a MIG-backed type of s slices */
	long ts_type;	   /* the time-sliced type that runs, 0 none */
	int ts_count;	   /* on how many VFs */
};

static int read_board(const char *pf, struct board *b)
{
	char all[8192];

	memset(b, 0, sizeof(*b));
	if (readf(all, sizeof(all), ".simhost/nvidia/%s.types", base_of(pf)) < 0)
		return -1;
	b->ngis = read_gis(pf, b->gis, 32);
	b->nt = parse_types(all, b->types, 128);
	b->fb_total = (int)readnum(0, ".simhost/nvidia/%s.fb", base_of(pf));
	if (b->fb_total == 0)
		for (int i = 0; i < b->nt; i++)
			if (!b->types[i].slices && b->types[i].fb > b->fb_total)
				b->fb_total = b->types[i].fb;
	return 0;
}

static void board_runs(struct board *b, long cur)
{
	for (int k = 0; cur && k < b->nt; k++)
		if (b->types[k].id == cur) {
			if (b->types[k].slices) {
				b->held[b->types[k].slices <= 8 ? b->types[k].slices : 0]++;
			} else {
				b->ts_type = cur;
				b->ts_count++;
			}
		}
}

/* NVIDIA's rule for what a free VF offers: with MIG off the time-sliced
 * types (one per GPU at a time, while its framebuffer lasts); with MIG on
 * the MIG-backed types whose size a free GPU instance has (a VF running one
 * holds an instance of its size). */
static bool board_offers(const struct board *b, const struct vtype *t)
{
	int free;

	if (b->ngis < 0)
		return !t->slices && (!b->ts_type || (t->id == b->ts_type && (b->ts_count + 1) * t->fb <= b->fb_total));
	if (t->slices < 1 || t->slices > 8)
		return false;
	free = -b->held[t->slices];
	for (int g = 0; g < b->ngis; g++)
		free += b->gis[g] == t->slices;
	return free > 0;
}

void nvidia_recompute(const char *pf)
{
	struct board b;
	char **names, vf[P];
	int n;

	if (read_board(pf, &b) < 0)
		return;
	n = listdir(&names, "%s", pf);
	for (int i = 0; i < n; i++) /* what is in use now */
		if (strncmp(names[i], "virtfn", 6) == 0 && resolve(vf, "%s/%s", pf, names[i]) == 0)
			board_runs(&b, readnum(0, "%s/nvidia/current_vgpu_type", vf));
	for (int i = 0; i < n; i++) {
		char out[8192] = "ID : vGPU Name\n";
		if (strncmp(names[i], "virtfn", 6) || resolve(vf, "%s/%s", pf, names[i]) < 0 ||
		    !exists("%s/nvidia", vf))
			continue;
		bool busy = readnum(0, "%s/nvidia/current_vgpu_type", vf) != 0;
		for (int k = 0; !busy && k < b.nt; k++)
			if (board_offers(&b, &b.types[k]) && vf_offers(vf, b.types[k].id)) {
				char line[128];
				snprintf(line, sizeof(line), "%ld : %s\n", b.types[k].id, b.types[k].name);
				strncat(out, line, sizeof(out) - strlen(out) - 1);
			}
		writef(0444, out, "%s/nvidia/creatable_vgpu_types", vf);
	}
	freelist(names, n);
}

/* `offers VF ID...`: VF (a PCI address) may offer only these types, as on a
 * board whose VFs differ (each VF's list then differs from its siblings').
 * No IDs: every type again. */
int nvidia_offers(const char *bdf, const char *const *ids, int n)
{
	char vf[P], pf[P], list[1024] = "";

	if (pci_devpath(bdf, vf) < 0 || resolve(pf, "%s/physfn", vf) < 0 || !exists("%s/nvidia", vf))
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		char *end;
		if (strtol(ids[i], &end, 10) <= 0 || *end)
			return -EINVAL;
		strncat(list, ids[i], sizeof(list) - strlen(list) - 2);
		strcat(list, "\n");
	}
	if (n)
		writef(0644, list, ".simhost/nvidia/%s.offers", bdf);
	else {
		char rel[P];
		snprintf(rel, sizeof(rel), ".simhost/nvidia/%s.offers", bdf);
		unlinkat(bfd, rel, 0);
	}
	nvidia_recompute(pf);
	return 0;
}

int write_current_vgpu_type(const char *vf, const char *val)
{
	char *end, pf[P], line[32], creatable[8192];
	long id = strtol(val, &end, 10), cur;

	if (end == val || (*end && !isspace((unsigned char)*end)) || id < 0)
		return -EINVAL;
	if (resolve(pf, "%s/physfn", vf) < 0)
		return -ENODEV;
	cur = readnum(0, "%s/nvidia/current_vgpu_type", vf);
	if (id != 0) {
		if (cur != 0)
			return -EBUSY;
		readf(creatable, sizeof(creatable), "%s/nvidia/creatable_vgpu_types", vf);
		bool found = false;
		for (char *save, *l = strtok_r(creatable, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strtol(l, &end, 10) == id && end != l)
				found = true;
		if (!found)
			return -EINVAL;
	}
	snprintf(line, sizeof(line), "%ld\n", id);
	writef(0644, line, "%s/nvidia/current_vgpu_type", vf);
	nvidia_recompute(pf);
	return 0;
}
