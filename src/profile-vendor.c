/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vGPU profiles over NVIDIA's vendor interface (vGPU 17 and later, on
 * SR-IOV VFs): each VF's nvidia/creatable_vgpu_types lists what it can
 * create now; writing a type id to nvidia/current_vgpu_type creates, 0
 * releases. A profile is (PF, type); its availability is the number of VFs
 * that can still create it. libgpuvirt keeps run/gpuvirt/instances/<uuid>
 * for each instance it made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "profile-private.h"

struct vendor_acc {
	struct vtype {
		long id;
		char name[96];
		uint32_t available, instances;
	} t[128];
	size_t n;
	long current; /* the VF being read */
};

/* The name of a type from the record of an instance that holds it. */
static int name_from_records(gpuvirt_ctx *ctx, const char *pf, struct vtype *t)
{
	char **names;
	size_t nr;
	int r = gv_list_dir(ctx, "run/gpuvirt/instances", &names, &nr);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gv_fail(ctx, r, "cannot list run/gpuvirt/instances: %s", gpuvirt_strerror(r));
	for (size_t k = 0; k < nr && !t->name[0]; k++) {
		struct gv_record rec;
		char uuid[37];
		if (gv_parse_uuid(names[k], uuid) < 0 || strcmp(uuid, names[k]) != 0)
			continue;
		if (gv_record_read(ctx, uuid, &rec) == 0 && strcmp(rec.parent, pf) == 0 &&
		    strtol(rec.profile, NULL, 10) == t->id && rec.name[0])
			snprintf(t->name, sizeof(t->name), "%s", rec.name);
	}
	gv_names_free(names, nr);
	return 0;
}

static struct vtype *vendor_type(struct vendor_acc *acc, long id, const char *name)
{
	for (size_t i = 0; i < acc->n; i++)
		if (acc->t[i].id == id) {
			if (name && !acc->t[i].name[0])
				snprintf(acc->t[i].name, sizeof(acc->t[i].name), "%s", name);
			return &acc->t[i];
		}
	if (acc->n == sizeof(acc->t) / sizeof(acc->t[0]))
		return NULL;
	memset(&acc->t[acc->n], 0, sizeof(acc->t[0]));
	acc->t[acc->n].id = id;
	if (name)
		snprintf(acc->t[acc->n].name, sizeof(acc->t[0].name), "%s", name);
	return &acc->t[acc->n++];
}

static void count_creatable(void *ud, long id, const char *name)
{
	struct vtype *t = vendor_type(ud, id, name);
	if (t)
		t->available++;
}

static int cmp_vtype(const void *a, const void *b)
{
	const struct vtype *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static void add_kept(void *ud, long id, const char *name)
{
	vendor_type(ud, id, name); /* known already, or new with nothing available */
}

static int add_kept_types(gpuvirt_ctx *ctx, const char *pf, struct vendor_acc *acc)
{
	char text[8192];
	ssize_t n = gv_vendor_types_read(ctx, pf, text, sizeof(text));

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	gv_parse_vendor_types(text, (size_t)n, add_kept, acc);
	return 0;
}

/* What each VF offers and runs, into acc; 1 when a VF has the vendor's
 * files, 0 when none has. */
static int read_vfs(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct vendor_acc *acc)
{
	int any = 0;

	for (size_t i = 0; i < gpuvirt_device_get_vf_count(pf); i++) {
		const char *vf = gpuvirt_device_get_vf(pf, i);
		char text[8192];
		long cur;
		ssize_t n = gv_attr_str(ctx, text, sizeof(text), "sys/bus/pci/devices/%s/%s", vf, "nvidia/creatable_vgpu_types");
		if (n == -ENOENT)
			continue; /* a VF without the vendor's files */
		if (n < 0)
			return gv_fail(ctx, (int)n, "%s: cannot read nvidia/creatable_vgpu_types: %s", vf,
				       gpuvirt_strerror((int)n));
		any = 1;
		cur = gv_attr_long(ctx, 0, "sys/bus/pci/devices/%s/%s", vf, "nvidia/current_vgpu_type");
		if (cur > 0) {
			struct vtype *t = vendor_type(acc, cur, NULL);
			if (t)
				t->instances++;
		} else {
			gv_parse_vendor_types(text, (size_t)n, count_creatable, acc);
		}
	}
	return any;
}

/* acc's types as profiles of pf, by ID. */
static int add_profiles(gpuvirt_device *pf, struct vendor_acc *acc, struct plist *out)
{
	const char *bdf = gpuvirt_device_get_bdf(pf);
	int r = 0;

	qsort(acc->t, acc->n, sizeof(acc->t[0]), cmp_vtype);
	for (size_t i = 0; i < acc->n && r == 0; i++) {
		char id[32];
		gpuvirt_profile *p;
		snprintf(id, sizeof(id), "%ld", acc->t[i].id);
		p = gv_profile_alloc(id, acc->t[i].name[0] ? acc->t[i].name : id, NULL, "vfio-pci", bdf,
				     GPUVIRT_MECHANISM_NVIDIA_VENDOR, NULL);
		if (p) {
			p->numa = gpuvirt_device_get_numa_node(pf);
			p->available = acc->t[i].available;
			p->instances = acc->t[i].instances;
		}
		r = gv_plist_add(out, p);
	}
	return r;
}

int gv_vendor_profiles(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out)
{
	struct vendor_acc *acc = calloc(1, sizeof(*acc));
	const char *bdf = gpuvirt_device_get_bdf(pf);
	int r;

	if (!acc)
		return -ENOMEM;
	/* Types the GPU offered while empty that it closed since (it runs one
	 * type at a time): listed with nothing available, so that they do not
	 * vanish without a word. */
	if ((r = read_vfs(ctx, pf, acc)) > 0)
		r = add_kept_types(ctx, bdf, acc);
	/* A type every VF has used up is listed by none: its name is in our
	 * records of the instances that hold it. */
	for (size_t i = 0; i < acc->n && r == 0; i++)
		if (!acc->t[i].name[0])
			r = name_from_records(ctx, bdf, &acc->t[i]);
	if (r == 0 && acc->n)
		r = add_profiles(pf, acc, out);
	free(acc);
	return r;
}

/* ---- creating and releasing -------------------------------------------- */

struct pick {
	long id;
	bool found;
};

static void offers(void *ud, long id, const char *name)
{
	struct pick *p = ud;

	(void)name;
	if (id == p->id)
		p->found = true;
}

/* A VF of the PF that can create vendor type `id` now. While no VF runs a
 * type, what they offer is kept (gv_vendor_types_write) for the listing to
 * name what the first instance will close. */
struct offered {
	char text[8192];
	size_t len;
	bool busy; /* a VF runs a type */
};

static void keep_offered(void *ud, long id, const char *name)
{
	struct offered *o = ud;
	char line[160];
	int k = snprintf(line, sizeof(line), "%ld : %s\n", id, name ? name : "");

	for (const char *at = o->text; k > 0 && (at = strstr(at, line)); at++)
		if (at == o->text || at[-1] == '\n')
			return; /* a whole line of the text already */
	if (k > 0 && (size_t)k < sizeof(line) && o->len + (size_t)k < sizeof(o->text)) {
		memcpy(o->text + o->len, line, (size_t)k + 1);
		o->len += (size_t)k;
	}
}

static int vendor_pick_vf(gpuvirt_ctx *ctx, const char *pf, long id, const char *want, char vf[GV_BDF_LEN],
			  struct offered *o)
{
	gpuvirt_device *d;
	int r;

	if ((r = gpuvirt_device_new_from_bdf(ctx, pf, &d)) < 0)
		return r;
	r = -ENOSPC;
	for (size_t i = 0; i < gpuvirt_device_get_vf_count(d); i++) {
		const char *v = gpuvirt_device_get_vf(d, i);
		struct pick pick = {id, false};
		char text[8192];
		ssize_t n;
		if (gv_attr_long(ctx, 0, "sys/bus/pci/devices/%s/%s", v, "nvidia/current_vgpu_type") != 0) {
			o->busy = true;
			continue;
		}
		n = gv_attr_str(ctx, text, sizeof(text), "sys/bus/pci/devices/%s/%s", v, "nvidia/creatable_vgpu_types");
		if (n < 0)
			continue;
		gv_parse_vendor_types(text, (size_t)n, keep_offered, o);
		gv_parse_vendor_types(text, (size_t)n, offers, &pick);
		if (pick.found && r == -ENOSPC && (!want || strcmp(want, v) == 0)) {
			memcpy(vf, v, GV_BDF_LEN);
			r = 0;
		}
	}
	gpuvirt_device_unref(d);
	return r;
}

int gv_vendor_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, const char *want_vf)
{
	struct gv_record rec = {.mechanism = GPUVIRT_MECHANISM_NVIDIA_VENDOR};
	struct offered *o = calloc(1, sizeof(*o));
	char vf[GV_BDF_LEN];
	long id = strtol(p->id, NULL, 10);
	int r;

	if (!o)
		return -ENOMEM;
	if ((r = vendor_pick_vf(ctx, p->parent, id, want_vf, vf, o)) == 0 && !o->busy && o->len)
		r = gv_vendor_types_write(ctx, p->parent, o->text);
	free(o);
	if (r < 0)
		return r == -ENOSPC ? gv_fail(ctx, -ENOSPC, "profile %s (%s) has no room on %s: %s%s can create it now",
					      p->id, p->name, p->parent, want_vf ? "VF " : "no VF",
					      want_vf ? want_vf : "")
				    : r;
	if ((r = gv_create_journal_begin(ctx, uuid, p, vf)) < 0)
		return r;
	snprintf(rec.parent, sizeof(rec.parent), "%s", p->parent);
	snprintf(rec.profile, sizeof(rec.profile), "%s", p->id);
	snprintf(rec.name, sizeof(rec.name), "%s", p->name);
	memcpy(rec.vf, vf, GV_BDF_LEN);
	if ((r = gv_mut_vendor_type(ctx, vf, id)) < 0 || (r = gv_record_write(ctx, uuid, &rec)) < 0) {
		char why[sizeof(ctx->error)];
		memcpy(why, ctx->error, sizeof(why));
		if (gv_mut_read_vendor_type(ctx, vf) == id && gv_mut_vendor_type(ctx, vf, 0) < 0)
			return gv_fail(ctx, r, "%s (the journal stays: gpuvirt recover releases the type)", why);
		gv_fail(ctx, r, "%s", why);
	}
	if (gv_journal_end_create(ctx, uuid) < 0 && r == 0)
		r = -EIO;
	return r;
}

int gv_vendor_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst)
{
	long now = gv_mut_read_vendor_type(ctx, inst->vf);
	int r;

	if (now < 0)
		return (int)now;
	if (now != 0 && ((r = gv_instance_holders_refuse(ctx, inst->vf)) < 0 || (r = gv_mut_vendor_type(ctx, inst->vf, 0)) < 0))
		return r;
	return inst->uuid ? gv_record_remove(ctx, inst->uuid) : 0;
}
