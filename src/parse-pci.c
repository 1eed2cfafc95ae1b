/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for what the kernel shows of a PCI function's resources: the
 * `resource` file, `resourceN_resize` and the Resizable BAR capability in
 * extended config space; the 64-bit window a guest needs for them; and
 * whether proc/iomem shows a boot framebuffer inside a function's regions. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The kernel's IORESOURCE_* bits (include/linux/ioport.h). */
#define IORES_IO 0x00000100u
#define IORES_MEM 0x00000200u
#define IORES_PREFETCH 0x00002000u
#define IORES_MEM_64 0x00100000u
#define IORES_DISABLED 0x10000000u

/* "0x" and 1 to 16 hex digits; the length used, or -EBADMSG. */
static int hex64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 2;

	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EBADMSG;
	for (; i < len && i < 18; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
						      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	if (i == 2 || (i < len && s[i] != ' ' && s[i] != '\n'))
		return -EBADMSG;
	*out = v;
	return (int)i;
}

/* One line "0x<start> 0x<end> 0x<flags>" into a BAR. */
static int resource_line(const char *s, size_t len, struct gv_bar *bar)
{
	uint64_t v[3];
	size_t pos = 0;

	for (int k = 0; k < 3; k++) {
		int n = hex64(s + pos, len - pos, &v[k]);
		if (n < 0)
			return n;
		pos += (size_t)n;
		if (k < 2 && (pos >= len || s[pos++] != ' '))
			return -EBADMSG;
	}
	if (pos != len)
		return -EBADMSG;
	memset(bar, 0, sizeof(*bar));
	if (!(v[2] & (IORES_IO | IORES_MEM)) || (v[2] & IORES_DISABLED) || v[1] < v[0] || (v[0] == 0 && v[1] == 0))
		return 0; /* unused (an unassigned BAR keeps its size: start 0, end size - 1) */
	bar->size = v[1] - v[0] + 1;
	if (bar->size == 0) /* the whole 64-bit space: not a BAR */
		return -EBADMSG;
	bar->flags = v[2] & IORES_IO ? GPUVIRT_BAR_IO : GPUVIRT_BAR_MEM;
	if (v[2] & IORES_MEM_64)
		bar->flags |= GPUVIRT_BAR_64;
	if (v[2] & IORES_PREFETCH)
		bar->flags |= GPUVIRT_BAR_PREFETCH;
	return 0;
}

int gv_parse_resource(const char *buf, size_t len, struct gv_bar bars[GV_NBARS])
{
	size_t pos = 0;

	if (!buf || !bars)
		return -EINVAL;
	for (int i = 0; i < GV_NBARS; i++) {
		const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
		size_t end = nl ? (size_t)(nl - buf) : len;
		int r;
		if (pos >= len || end == pos)
			return -EBADMSG; /* the kernel always prints the six BARs */
		if ((r = resource_line(buf + pos, end - pos, &bars[i])) < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}

int gv_parse_rebar_sizes(const char *buf, size_t len, uint64_t *sizes)
{
	uint64_t v = 0;
	size_t n;

	if (!buf || !sizes)
		return -EINVAL;
	n = gv_trim_end(buf, len);
	if (n == 0 || n > 16)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -EBADMSG;
		v = v << 4 | (uint64_t)d;
	}
	*sizes = v;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The Resizable BAR capability (PCIe r6, 7.8.6): per BAR a capability
 * dword (bits 4-31: supported sizes, bit 4 = 1 MiB) and a control dword
 * (bits 0-2: the BAR, 5-7 in the first: how many BARs, 8-13: its size). */
static int rebar_entries(const uint8_t *cfg, size_t len, size_t cap, struct gv_bar bars[GV_NBARS])
{
	unsigned count;

	if (cap + 12 > len)
		return -EBADMSG;
	count = (le32(cfg + cap + 8) >> 5) & 7;
	if (count < 1 || count > 6 || cap + 4 + 8 * count > len)
		return -EBADMSG;
	for (unsigned k = 0; k < count; k++) {
		uint32_t capw = le32(cfg + cap + 4 + 8 * k), ctrl = le32(cfg + cap + 8 + 8 * k);
		unsigned bar = ctrl & 7;
		if (bar >= GV_NBARS)
			return -EBADMSG;
		bars[bar].sizes = capw >> 4;
	}
	return 0;
}

int gv_parse_rebar_config(const uint8_t *cfg, size_t len, struct gv_bar bars[GV_NBARS])
{
	size_t pos = 0x100;

	if (!cfg || !bars)
		return -EINVAL;
	if (len < 0x104)
		return -ENODATA; /* no extended space (not root, or conventional PCI) */
	/* At most one capability per dword: a loop in the list ends. */
	for (int hops = 0; hops < (0x1000 - 0x100) / 4; hops++) {
		uint32_t hdr;
		if (pos < 0x100 || pos + 4 > len || (pos & 3))
			return -EBADMSG;
		hdr = le32(cfg + pos);
		if (hdr == 0 || hdr == 0xffffffffu)
			return -ENOENT;
		if ((hdr & 0xffff) == 0x0015)
			return rebar_entries(cfg, len, pos, bars);
		if ((pos = hdr >> 20) == 0)
			return -ENOENT;
	}
	return -EBADMSG;
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Firmware places BARs at their natural alignment in a window whose start
 * QEMU aligns to 1 GiB only. Largest first, each BAR ends aligned for the
 * next, so the window needs their sum plus, at worst, the largest less
 * 1 GiB before the first; and 1 GiB for the VM's own devices. In GiB. */
uint64_t gv_mmio64_window(uint64_t *sizes, size_t n)
{
	const uint64_t gib = UINT64_C(1) << 30;
	uint64_t sum = gib;

	if (n == 0)
		return 0;
	qsort(sizes, n, sizeof(*sizes), cmp_desc);
	if (sizes[0] > gib)
		sum += sizes[0] - gib;
	for (size_t i = 0; i < n; i++) {
		if (sum > UINT64_MAX - sizes[i] - gib)
			return UINT64_MAX;
		sum += sizes[i];
	}
	return (sum + gib - 1) & ~(gib - 1);
}

/* One hex ID of exactly four digits. */
static int id4(const char *s, size_t len, uint16_t *out)
{
	uint32_t v = 0;

	if (len != 4)
		return -EBADMSG;
	for (size_t i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
						      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -EBADMSG;
		v = v << 4 | (uint32_t)d;
	}
	*out = (uint16_t)v;
	return 0;
}

/* The next blank-separated word of [*pos, end): its start and length. */
static size_t word(const char *line, size_t end, size_t *pos, const char **w)
{
	size_t a = *pos, b;

	while (a < end && (line[a] == ' ' || line[a] == '\t'))
		a++;
	for (b = a; b < end && line[b] != ' ' && line[b] != '\t';)
		b++;
	*w = line + a;
	*pos = b;
	return b - a;
}

static int id_line(const char *line, size_t len, const char *const *kinds, struct gv_id_entry *q)
{
	size_t pos = 0, n;
	const char *w;

	memset(q, 0, sizeof(*q));
	n = word(line, len, &pos, &w);
	if (id4(w, n, &q->vendor) < 0)
		return -EBADMSG;
	n = word(line, len, &pos, &w); /* DEVICE or FIRST-LAST */
	if (id4(w, n == 9 && w[4] == '-' ? 4 : n, &q->first) < 0)
		return -EBADMSG;
	q->last = q->first;
	if (n == 9 && (id4(w + 5, 4, &q->last) < 0 || q->last < q->first))
		return -EBADMSG;
	n = word(line, len, &pos, &w);
	for (q->kind = 0; kinds[q->kind]; q->kind++)
		if (strlen(kinds[q->kind]) == n && memcmp(kinds[q->kind], w, n) == 0)
			break;
	if (!kinds[q->kind])
		return -EBADMSG;
	while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
		pos++;
	n = gv_trim_end(line + pos, len - pos);
	if (n == 0 || n >= sizeof(q->name))
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[pos + i] < 0x20 || line[pos + i] == 0x7f)
			return -EBADMSG; /* a name is text */
	memcpy(q->name, line + pos, n);
	return 0;
}

int gv_parse_id_table(const char *buf, size_t len, const char *const *words, uint16_t vendor, uint16_t device,
		      struct gv_id_entry *out, size_t *bad_line)
{
	size_t pos = 0, lineno = 0;

	if (!buf || !out || !words)
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, n = gv_trim_end(buf + pos, end - pos);
		struct gv_id_entry q;
		lineno++;
		if (n && buf[pos] != '#') {
			if (id_line(buf + pos, n, words, &q) < 0) {
				if (bad_line)
					*bad_line = lineno;
				return -EBADMSG;
			}
			if (q.vendor == vendor && device >= q.first && device <= q.last) {
				*out = q;
				return 0;
			}
		}
		pos = end + 1;
	}
	return -ENOENT;
}

int gv_parse_reset_quirk(const char *buf, size_t len, uint16_t vendor, uint16_t device, struct gv_id_entry *out,
			 size_t *bad_line)
{
	static const char *const kinds[] = {[GV_QUIRK_VENDOR_RESET] = "vendor-reset", [GV_QUIRK_NO_RESET] = "no-reset",
					    NULL};

	return gv_parse_id_table(buf, len, kinds, vendor, device, out, bad_line);
}

int gv_parse_mig_device(const char *buf, size_t len, uint16_t vendor, uint16_t device, struct gv_id_entry *out,
			size_t *bad_line)
{
	static const char *const slices[] = {"1", "2", "3", "4", "5", "6", "7", "8", NULL};
	int r = gv_parse_id_table(buf, len, slices, vendor, device, out, bad_line);

	if (r == 0)
		out->kind++; /* "1" is index 0 */
	return r;
}

/* ---- proc/iomem -------------------------------------------------------- */

static bool hexdigits(const char *s, size_t n)
{
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* "<indent>START-END : NAME" (kernel/resource.c r_show): the indent and
 * the name, or -EBADMSG. */
static int iomem_line(const char *line, size_t len, size_t *indent, const char **name, size_t *name_len)
{
	const char *dash, *sep;
	size_t i = 0;

	while (i < len && line[i] == ' ')
		i++;
	*indent = i;
	dash = memchr(line + i, '-', len - i);
	sep = dash ? memchr(dash, ' ', len - (size_t)(dash - line)) : NULL;
	if (!dash || !sep || !hexdigits(line + i, (size_t)(dash - line) - i) ||
	    !hexdigits(dash + 1, (size_t)(sep - dash) - 1) || len - (size_t)(sep - line) < 3 || memcmp(sep, " : ", 3) != 0)
		return -EBADMSG;
	*name = sep + 3;
	*name_len = len - (size_t)(sep + 3 - line);
	for (size_t k = 0; k < *name_len; k++)
		if ((unsigned char)(*name)[k] < 0x20 || (*name)[k] == 0x7f)
			return -EBADMSG;
	return 0;
}

static bool name_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* The regions the boot framebuffer's drivers and sysfb request. */
static bool framebuffer_region(const char *name, size_t n)
{
	static const char *const names[] = {"efifb", "vesafb", "simplefb", "simpledrm", "BOOTFB", NULL};

	for (size_t i = 0; names[i]; i++)
		if (name_is(name, n, names[i]))
			return true;
	return false;
}

int gv_parse_iomem_framebuffer(const char *buf, size_t len, const char *bdf)
{
	size_t pos = 0, dev_indent = SIZE_MAX;
	int found = 0;

	if (!buf || !bdf)
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos), *name;
		size_t end = nl ? (size_t)(nl - buf) : len, indent, n;
		if (end > pos && iomem_line(buf + pos, end - pos, &indent, &name, &n) < 0)
			return -EBADMSG;
		if (end > pos) {
			if (dev_indent != SIZE_MAX && indent <= dev_indent)
				dev_indent = SIZE_MAX; /* out of the device's region */
			if (dev_indent == SIZE_MAX && name_is(name, n, bdf))
				dev_indent = indent;
			else if (dev_indent != SIZE_MAX && framebuffer_region(name, n))
				found = 1;
		}
		pos = end + 1;
	}
	return found;
}
