/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where a create goes when the caller names no GPU: every GPU offering the
 * profile (on one NUMA node if asked), in the policy's order.
 *   GPUVIRT_POLICY_PACK: the GPU with the most instances first, keeping the
 *     others whole; for a MIG-backed profile, first the GPU whose largest
 *     free GPU instance is the smallest that fits (best fit: a GPU with a
 *     7-slice instance free keeps it for a 7-slice type);
 *   GPUVIRT_POLICY_SPREAD: the GPU with the fewest instances first.
 * A GPU's largest free GPU instance is the largest MIG-backed type its VFs
 * offer now: the driver offers one only while an instance of its size is
 * free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"
#include "profile-private.h"

static uint32_t parent_load(const struct plist *all, const char *parent)
{
	uint32_t n = 0;

	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->v[i]->parent, parent) == 0)
			n += all->v[i]->instances;
	return n;
}

/* The largest MIG-backed type the parent can still create (slices). */
static uint32_t parent_room(const struct plist *all, const char *parent)
{
	uint32_t room = 0;

	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->v[i]->parent, parent) == 0 && all->v[i]->available > 0 &&
		    all->v[i]->info.mig_slices > room)
			room = all->v[i]->info.mig_slices;
	return room;
}

static int policy_pack(const void *a, const void *b)
{
	const struct gv_candidate *x = a, *y = b;

	if (x->room != y->room)
		return x->room < y->room ? -1 : 1; /* best fit (0 for time-sliced: all equal) */
	if (x->load != y->load)
		return x->load > y->load ? -1 : 1; /* fullest first */
	if (x->p->available != y->p->available)
		return x->p->available < y->p->available ? -1 : 1;
	return strcmp(x->p->parent, y->p->parent);
}

static int policy_spread(const void *a, const void *b)
{
	const struct gv_candidate *x = a, *y = b;

	if (x->load != y->load)
		return x->load < y->load ? -1 : 1; /* emptiest first */
	if (x->p->available != y->p->available)
		return x->p->available > y->p->available ? -1 : 1;
	return strcmp(x->p->parent, y->p->parent);
}

int gv_place(gpuvirt_ctx *ctx, const struct gv_place_request *rq, const struct plist *all, struct gv_candidate **out,
	     size_t *n)
{
	bool matched = false;

	*n = 0;
	*out = calloc(all->n ? all->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < all->n; i++) {
		gpuvirt_profile *p = all->v[i];
		if (strcmp(p->id, rq->profile) != 0 && strcasecmp(p->name, rq->profile) != 0)
			continue;
		if (rq->parent && strcmp(p->parent, rq->parent) != 0)
			continue;
		matched = true;
		if (rq->numa_node >= 0 && p->numa != rq->numa_node)
			continue;
		(*out)[*n].p = p;
		(*out)[*n].load = parent_load(all, p->parent);
		(*out)[(*n)++].room = p->info.mig_slices && p->available > 0 ? parent_room(all, p->parent) : 0;
	}
	if (!*n)
		return gv_fail(ctx, -ENOENT, "no GPU%s%s offers profile %s%s", rq->bdf[0] ? " " : "", rq->bdf, rq->profile,
			       matched ? " on that NUMA node" : "");
	qsort(*out, *n, sizeof(**out), rq->policy == GPUVIRT_POLICY_PACK ? policy_pack : policy_spread);
	return 0;
}
