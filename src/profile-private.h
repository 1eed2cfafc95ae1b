/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the vGPU profile capability share (profile.c,
 * instance.c and one file per mechanism). Nothing here is public. */
#ifndef GV_PROFILE_PRIVATE_H
#define GV_PROFILE_PRIVATE_H

#include "private.h"

struct gpuvirt_profile {
	int refcount;
	char *id, *name, *description, *device_api, *parent; /* in the object's own allocation */
	char *vf_parent; /* mdev types on a VF: the VF (the parent is its PF) */
	char *why;	 /* nothing available: why (gv_profile_why_full) */
	int mechanism, numa;
	uint32_t available, instances;
	struct gv_profile_info info;
};

struct gpuvirt_profile_iter {
	gpuvirt_profile **items;
	size_t n, pos;
};

struct gpuvirt_instance {
	int refcount;
	gpuvirt_ctx *ctx;
	char *uuid, *parent, *profile, *sysfs_path, *vf;
	int mechanism;
	bool active, persistent;
	char owner[64]; /* from its record in etc/gpuvirt; "" none */
};

struct gpuvirt_instance_iter {
	gpuvirt_instance **items;
	size_t n, pos;
};

struct plist {
	gpuvirt_profile **v;
	size_t n;
};

/* ---- profile.c: objects, listing, attribute helpers ---- */
/* A profile; what its name and description tell is parsed here unless
 * `info` gives it (the same type already parsed for another parent). */
gpuvirt_profile *gv_profile_alloc(const char *id, const char *name, const char *desc, const char *api,
				  const char *parent, int mechanism, const struct gv_profile_info *info);
int gv_plist_add(struct plist *l, gpuvirt_profile *p);
void gv_plist_free(struct plist *l);
/* A small attribute, trailing newlines and blanks dropped; "" on error. */
ssize_t gv_attr_str(gpuvirt_ctx *ctx, char *buf, size_t size, const char *fmt, ...) GV_PRINTF(4, 5);
/* The same for a file of an open directory (sysfs-dir.c). */
ssize_t gv_dir_attr_str(gpuvirt_ctx *ctx, struct gv_dir *dir, const char *name, char *buf, size_t size);
/* A number attribute, or dflt when it is absent or unreadable. */
long gv_attr_long(gpuvirt_ctx *ctx, long dflt, const char *fmt, ...) GV_PRINTF(3, 4);
/* Why p has no room on its parent, in words: the rule that blocks it (one
 * type per GPU, all of its instances taken, other types' instances) and
 * what is still creatable there. */
void gv_profile_why_full(const struct plist *all, const gpuvirt_profile *p, char *out, size_t size);
/* Every profile of the host, or of one GPU (and its VFs). */
int gv_profiles_collect(gpuvirt_ctx *ctx, gpuvirt_device *only, struct plist *out);

/* placement.c: the profiles of `all` a create may use, best first. */
struct gv_place_request {
	const char *profile; /* an id or a name */
	const char *bdf;     /* "" any GPU (for messages: the list holds that GPU's only) */
	const char *parent;  /* NULL, or this parent only (a restore) */
	int policy;	     /* GPUVIRT_POLICY_* */
	int numa_node;	     /* -1 any */
};
struct gv_candidate {
	gpuvirt_profile *p; /* borrowed from the list */
	uint32_t load;	    /* instances on its parent */
	uint32_t room;	    /* a MIG-backed profile: the largest GPU instance its parent offers (slices) */
};
int gv_place(gpuvirt_ctx *ctx, const struct gv_place_request *rq, const struct plist *all, struct gv_candidate **out,
	     size_t *n);

/* ---- profile-mdev.c: mediated devices ---- */
int gv_mdev_profiles(gpuvirt_ctx *ctx, const struct gv_strv *only, struct plist *out);
int gv_mdev_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, uint32_t flags);
int gv_mdev_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst, uint32_t flags);
/* An active mdev: its parent's name and its type. */
int gv_mdev_lookup(gpuvirt_ctx *ctx, const char *uuid, char *parent, size_t psize, char *type, size_t tsize);
bool gv_mdevctl_defined(gpuvirt_ctx *ctx, const char *parent, const char *uuid);

/* ---- profile-vendor.c: NVIDIA's vendor interface on VFs ---- */
int gv_vendor_profiles(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out);
/* want_vf: that VF only (a restore), or NULL for the first that can. */
int gv_vendor_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, const char *want_vf);
int gv_vendor_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst);

/* ---- profile-sriov.c: plain SR-IOV VFs ---- */
bool gv_sriov_is_mechanism(gpuvirt_ctx *ctx, gpuvirt_device *d);
int gv_sriov_profile(gpuvirt_ctx *ctx, gpuvirt_device *pf, struct plist *out);
int gv_sriov_create(gpuvirt_ctx *ctx, const gpuvirt_profile *p, const char *uuid, const char *want_vf);
int gv_sriov_release(gpuvirt_ctx *ctx, const gpuvirt_instance *inst);

/* The create journal of an instance of p (mutation layer). */
static inline int gv_create_journal_begin(gpuvirt_ctx *ctx, const char *uuid, const gpuvirt_profile *p, const char *vf)
{
	return gv_journal_begin_create(ctx, uuid, p->mechanism, p->parent, p->vf_parent, p->id, vf);
}

#endif
