/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the restore capability share (restore.c builds and
 * assesses a state plan, restore-apply.c applies it). Nothing here is
 * public. Restore composes the bind and profile capabilities (their plans
 * and creates, which hold the locks and journals); they know nothing of it. */
#ifndef GV_RESTORE_PRIVATE_H
#define GV_RESTORE_PRIVATE_H

#include "private.h"

struct gv_item {
	int kind;	     /* GV_WANT_*, or 0: a record that cannot be used */
	int status;	     /* enum gpuvirt_state_status */
	struct gv_want w;    /* the object (kind 0: its file and error) */
	uint32_t bind_flags; /* a binding: the flags its bind plan proceeds with */
	char object[160], wanted[160], current[160], reason[900];
};

struct gpuvirt_state_plan {
	int refcount;
	gpuvirt_ctx *ctx;
	uint32_t flags;
	struct gv_wants wants; /* the state, as read */
	struct gv_item *items;
	size_t n;
};

/* Look at one item's object on the host now: its status, current and reason. */
void gv_item_assess(gpuvirt_state_plan *p, struct gv_item *it);
/* Does the state name a binding of bdf to driver? */
bool gv_state_binds(const gpuvirt_state_plan *p, const char *bdf, const char *driver);

#endif
