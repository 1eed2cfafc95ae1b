/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vendor, device and class names from the PCI ID database (pci.ids, the
 * file lspci reads).
 *
 * The database is mapped read-only on a context's first lookup. A vendor or
 * class is found by a binary search of the file itself, whose top-level
 * lines are in ID order (vendors, then classes, as the database is
 * published); each one found is kept. One not found that way (a file
 * edited out of order) is looked for in an index of every top-level line,
 * made once. A device or subclass is found by reading the lines under its
 * vendor or class. Loading the whole list into a hash (what libpci does)
 * costs 2 MiB of heap and most of a listing's time; this costs a few
 * hundred bytes and pages of the file the kernel already caches. Lines are
 * read by gv_parse_pciids_line() (parse.c). Names are those lspci prints
 * with -nn (without the numbers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* Where distributions put it: Debian, Ubuntu (misc); Fedora, Arch (hwdata). */
static const char *const ids_paths[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};

struct child {
	unsigned id;
	size_t line, len;
};

struct top {
	unsigned id;
	bool is_class;
	size_t next; /* offset of the line after it */
	size_t line; /* offset of its own line */
	/* Its devices or subclasses, indexed on the first lookup under it. */
	struct child *kids;
	size_t nkids;
	bool indexed;
};

struct gv_pciids {
	const char *map;
	size_t len;
	/* The tops found so far; once `indexed`, every top, sorted. */
	struct top *tops;
	size_t ntops, cap;
	bool indexed;
};

static int cmp_top(const void *a, const void *b)
{
	const struct top *x = a, *y = b;

	if (x->is_class != y->is_class)
		return x->is_class - y->is_class;
	return (x->id > y->id) - (x->id < y->id);
}

/* The line at *pos: its start and length; *pos moves past it. */
static bool next_line(const struct gv_pciids *db, size_t *pos, const char **line, size_t *len)
{
	const char *nl;

	if (*pos >= db->len)
		return false;
	*line = db->map + *pos;
	nl = memchr(*line, '\n', db->len - *pos);
	*len = nl ? (size_t)(nl - *line) : db->len - *pos;
	*pos += *len + (nl != NULL);
	return true;
}

static struct top *add_top(struct gv_pciids *db, const struct top *t)
{
	if (db->ntops == db->cap) {
		size_t cap = db->cap ? 2 * db->cap : 16;
		struct top *nt = realloc(db->tops, cap * sizeof(*nt));
		if (!nt)
			return NULL;
		db->tops = nt;
		db->cap = cap;
	}
	db->tops[db->ntops] = *t;
	return &db->tops[db->ntops++];
}

/* The first top-level line starting at or after pos and before end: 1 with
 * *t filled, or 0. */
static int top_from(const struct gv_pciids *db, size_t pos, size_t end, struct top *t)
{
	const char *line;
	size_t len, start;

	if (pos > 0 && db->map[pos - 1] != '\n') { /* to the start of the next line */
		const char *nl = memchr(db->map + pos, '\n', db->len - pos);
		pos = nl ? (size_t)(nl - db->map) + 1 : db->len;
	}
	for (start = pos; start < end && next_line(db, &pos, &line, &len); start = pos) {
		struct gv_ids_line l;
		if (len == 0 || line[0] == '\t' || line[0] == '#' || gv_parse_pciids_line(line, len, &l) < 0)
			continue;
		*t = (struct top){.id = l.id, .is_class = l.is_class, .next = pos, .line = start};
		return 1;
	}
	return 0;
}

/* Every top-level line, sorted: for a file whose lines are out of order. */
static int index_tops(struct gv_pciids *db)
{
	size_t pos = 0;
	struct top t;

	for (size_t i = 0; i < db->ntops; i++)
		free(db->tops[i].kids);
	db->ntops = 0;
	db->indexed = true;
	while (top_from(db, pos, db->len, &t)) {
		if (!add_top(db, &t))
			return -ENOMEM;
		pos = t.next;
	}
	if (db->ntops > 1)
		qsort(db->tops, db->ntops, sizeof(*db->tops), cmp_top);
	return 0;
}

/* A binary search of the file's top-level lines for key: 1 with *t, or 0. */
static int search_file(const struct gv_pciids *db, const struct top *key, struct top *t)
{
	size_t lo = 0, hi = db->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c;
		if (!top_from(db, mid, hi, t)) {
			hi = mid; /* no top-level line starts in [mid, hi) */
			continue;
		}
		c = cmp_top(t, key);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = t->next;
		else
			hi = mid;
	}
	return 0;
}

struct gv_pciids *gv_pci_db_open(const char *path)
{
	struct gv_pciids *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	if (path)
		gv_map_local_file(path, &db->map, &db->len);
	for (size_t i = 0; !path && i < sizeof(ids_paths) / sizeof(ids_paths[0]) && !db->map; i++)
		gv_map_local_file(ids_paths[i], &db->map, &db->len);
	if (!db->map) {
		gv_pci_db_free(db);
		return NULL;
	}
	return db;
}

bool gv_pci_db_read_whole(const struct gv_pciids *db)
{
	return db && db->indexed;
}

void gv_pci_db_free(struct gv_pciids *db)
{
	if (!db)
		return;
	gv_unmap_local_file(db->map, db->len);
	for (size_t i = 0; i < db->ntops; i++)
		free(db->tops[i].kids);
	free(db->tops);
	free(db);
}

static struct gv_pciids *get_db(gpuvirt_ctx *ctx)
{
	if (!ctx->pci_ids && !ctx->pci_ids_failed) {
		ctx->pci_ids = gv_pci_db_open(NULL);
		if (!ctx->pci_ids) {
			ctx->pci_ids_failed = true;
			gv_debug(ctx, "no PCI ID database (%s): no names", ids_paths[0]);
		}
	}
	return ctx->pci_ids;
}

static struct top *find_top(struct gv_pciids *db, bool is_class, unsigned id)
{
	struct top key = {.id = id, .is_class = is_class}, t;

	if (db->indexed)
		return db->ntops ? bsearch(&key, db->tops, db->ntops, sizeof(*db->tops), cmp_top) : NULL;
	for (size_t i = 0; i < db->ntops; i++)
		if (cmp_top(&db->tops[i], &key) == 0)
			return &db->tops[i];
	if (search_file(db, &key, &t))
		return add_top(db, &t);
	/* Not where the order says: the whole file, once. */
	if (index_tops(db) < 0)
		return NULL;
	return find_top(db, is_class, id);
}

static char *name_of(const struct gv_ids_line *l)
{
	return strndup(l->name, l->name_len);
}

/* The name of the top-level line t. */
static char *top_name(const struct gv_pciids *db, const struct top *t)
{
	struct gv_ids_line l;

	return gv_parse_pciids_line(db->map + t->line, t->next - t->line - (db->map[t->next - 1] == '\n'), &l) == 0
		       ? name_of(&l)
		       : NULL;
}

static int cmp_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Whether the lines are in ID order already, as pci.ids publishes them
 * (then there is nothing to sort). */
static bool in_order(const struct child *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].id > v[i].id)
			return false;
	return true;
}

/* The depth-1 lines under t (a vendor's devices, a class's subclasses). */
static int index_children(const struct gv_pciids *db, struct top *t)
{
	size_t pos = t->next, start = pos, len, cap = 0;
	const char *line;

	t->indexed = true;
	for (; next_line(db, &pos, &line, &len); start = pos) {
		struct gv_ids_line l;
		if (len == 0 || line[0] == '#')
			continue;
		if (line[0] != '\t')
			break; /* the next vendor or class */
		if (len < 2 || line[1] == '\t' || gv_parse_pciids_line(line, len, &l) < 0 || l.depth != 1)
			continue;
		if (t->nkids == cap) {
			struct child *nk = realloc(t->kids, (cap = cap ? 2 * cap : 64) * sizeof(*nk));
			if (!nk)
				return -ENOMEM;
			t->kids = nk;
		}
		t->kids[t->nkids++] = (struct child){.id = l.id, .line = start, .len = len};
	}
	if (!in_order(t->kids, t->nkids))
		qsort(t->kids, t->nkids, sizeof(*t->kids), cmp_child);
	return 0;
}

/* Under top-level entry t, the depth-1 entry with this ID. */
static char *child_name(const struct gv_pciids *db, struct top *t, unsigned id)
{
	struct child key = {.id = id};
	const struct child *c;
	struct gv_ids_line l;

	if (!t->indexed && index_children(db, t) < 0)
		return NULL;
	c = t->nkids ? bsearch(&key, t->kids, t->nkids, sizeof(*t->kids), cmp_child) : NULL;
	return c && gv_parse_pciids_line(db->map + c->line, c->len, &l) == 0 ? name_of(&l) : NULL;
}

char *gv_pci_vendor_name(gpuvirt_ctx *ctx, uint16_t vendor)
{
	struct gv_pciids *db = get_db(ctx);
	struct top *t = db ? find_top(db, false, vendor) : NULL;

	return t ? top_name(db, t) : NULL;
}

char *gv_pci_device_name(gpuvirt_ctx *ctx, uint16_t vendor, uint16_t device)
{
	struct gv_pciids *db = get_db(ctx);
	struct top *t = db ? find_top(db, false, vendor) : NULL;

	return t ? child_name(db, t, device) : NULL;
}

char *gv_pci_class_name(gpuvirt_ctx *ctx, uint32_t class_code)
{
	struct gv_pciids *db = get_db(ctx);
	struct top *t = db ? find_top(db, true, (class_code >> 16) & 0xff) : NULL;
	char *n;

	if (!t)
		return NULL;
	n = child_name(db, t, (class_code >> 8) & 0xff);
	if (!n && (n = top_name(db, t))) {
		/* The class where the subclass is not listed, with the number
		 * that says which, as lspci writes it. */
		char *full = NULL;
		if (asprintf(&full, "%s [%04x]", n, (class_code >> 8) & 0xffff) < 0)
			full = NULL;
		free(n);
		n = full;
	}
	return n;
}

void gv_pci_names_free(gpuvirt_ctx *ctx)
{
	gv_pci_db_free(ctx->pci_ids);
	ctx->pci_ids = NULL;
}
