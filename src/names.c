/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vendor and device names from the PCI ID database, through libpci.
 *
 * libpci's error hook is declared not to return (its default calls exit()).
 * A library must never exit its caller's process, so while libpci runs we
 * install a hook that jumps back here, and report the failure instead. The
 * jump target is thread-local, matching the one-thread-per-context rule. */
#include <errno.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static _Thread_local jmp_buf *pci_escape;

static void PCI_NONRET pci_error_hook(char *msg, ...)
{
	(void)msg;
	if (pci_escape)
		longjmp(*pci_escape, 1);
	abort(); /* unreachable: libpci is only entered with pci_escape set */
}

static void pci_warning_hook(char *msg, ...)
{
	(void)msg;
}

static struct pci_access *get_pacc(gpuvirt_ctx *ctx)
{
	if (ctx->pacc || ctx->pacc_failed)
		return ctx->pacc;
	ctx->pacc = pci_alloc();
	if (!ctx->pacc) {
		ctx->pacc_failed = true;
		return NULL;
	}
	ctx->pacc->error = pci_error_hook;
	ctx->pacc->warning = pci_warning_hook;
	ctx->pacc->debug = pci_warning_hook;
	return ctx->pacc;
}

static char *lookup(gpuvirt_ctx *ctx, int flags, unsigned a1, unsigned a2)
{
	struct pci_access *pacc = get_pacc(ctx);
	jmp_buf env;
	char buf[256];
	char *volatile name = NULL;

	if (!pacc)
		return NULL;
	pci_escape = &env;
	if (setjmp(env) == 0) {
		char *r = pci_lookup_name(pacc, buf, sizeof(buf),
					  flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, a1, a2);
		if (r)
			name = strdup(r);
	} else {
		gv_warn(ctx, "libpci failed to look up a name; PCI names disabled for this context");
		pci_cleanup(ctx->pacc);
		ctx->pacc = NULL;
		ctx->pacc_failed = true;
	}
	pci_escape = NULL;
	return name;
}

char *gv_pci_vendor_name(gpuvirt_ctx *ctx, uint16_t vendor)
{
	return lookup(ctx, PCI_LOOKUP_VENDOR, vendor, 0);
}

char *gv_pci_device_name(gpuvirt_ctx *ctx, uint16_t vendor, uint16_t device)
{
	return lookup(ctx, PCI_LOOKUP_DEVICE, vendor, device);
}

char *gv_pci_class_name(gpuvirt_ctx *ctx, uint32_t class_code)
{
	return lookup(ctx, PCI_LOOKUP_CLASS, class_code >> 8, 0);
}

void gv_pci_names_free(gpuvirt_ctx *ctx)
{
	if (ctx->pacc)
		pci_cleanup(ctx->pacc);
	ctx->pacc = NULL;
}
