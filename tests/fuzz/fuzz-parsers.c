/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer targets for every parser of the parse layer (src/parse*.c; the
 * config target also takes pci.ids lines).
 * One source, one target per binary: FUZZ_TARGET names which. Each runs
 * under ASan and UBSan; a target also checks what must hold (a journal or a
 * record that parses formats back to the same thing, a canonical BDF parses
 * to itself), so that a wrong answer is a crash too. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/private.h"

/* The input as a NUL-terminated string (the parsers that take C strings). */
static char *as_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Split the input at its first NUL: two strings for the two-part parsers. */
static void split(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size;

	*a = as_string(data, la);
	*b = nul ? as_string(nul + 1, size - la - 1) : as_string((const uint8_t *)"", 0);
}

static void attributes(const uint8_t *data, size_t size)
{
	char *s = as_string(data, size), canon[GV_BDF_LEN], again[GV_BDF_LEN], out[64];
	struct gv_strv words = {0};
	uint32_t h;
	long v, minor;

	if (!s)
		return;
	gv_parse_hex(s, size, 0xffffff, &h);
	gv_parse_int(s, size, -1, 65535, &v);
	if (gv_parse_bdf(s, canon) == 0 && (gv_parse_bdf(canon, again) != 0 || strcmp(canon, again) != 0))
		abort(); /* a canonical address parses to itself */
	gv_parse_words(s, size, &words);
	gv_strv_free(&words);
	gv_parse_override(s, size, out, sizeof(out));
	gv_parse_uuid(s, out);
	gv_parse_kernel_version(s, size);
	gv_parse_nvidia_minor(s, size, &minor);
	for (int k = 0; k < 2; k++) {
		int n = gv_parse_link_base(k ? "a/driver" : "virtfn0", (const char *)data, size, out, sizeof(out));
		if (n >= 0 && ((size_t)n != strlen(out) || strchr(out, '/') || !n))
			abort(); /* a name: not empty, no slash, no NUL */
	}
	free(s);
}

static void config(const uint8_t *data, size_t size)
{
	struct gv_pci_ids ids;

	gv_parse_config(data, size, &ids);
	/* pci.ids: each line of the input; a name lies inside its line. */
	for (size_t pos = 0; pos < size;) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		struct gv_ids_line l;
		if (gv_parse_pciids_line((const char *)data + pos, len, &l) == 0 &&
		    (l.name < (const char *)data + pos || l.name + l.name_len > (const char *)data + pos + len ||
		     !l.name_len || l.depth > 2))
			abort();
		pos += len + 1;
	}
}

static void vgpu_table(const uint8_t *data, size_t size)
{
	struct gv_vgpu_entry *e = NULL;
	size_t n = 0, bad = 0;

	if (gv_parse_vgpu_table((const char *)data, size, &e, &n, &bad) == 0 && n && !e)
		abort();
	free(e);
}

static void cmdline_cpuinfo(const uint8_t *data, size_t size)
{
	struct gv_iommu_cmdline c;
	struct gv_cpuinfo cpu;

	gv_parse_cmdline_iommu((const char *)data, size, &c);
	gv_parse_cpuinfo((const char *)data, size, &cpu);
}

static void conf_token_json(const uint8_t *data, size_t size)
{
	char out[256];
	int64_t exp;

	gv_parse_conf_value((const char *)data, size, "FeatureType", out, sizeof(out));
	gv_parse_token_expiry((const char *)data, size, &exp);
	gv_parse_json_string((const char *)data, size, "mdev_type", out, sizeof(out));
}

static void profile(const uint8_t *data, size_t size)
{
	struct gv_profile_info info;
	char *name, *desc;

	split(data, size, &name, &desc);
	if (name && desc)
		gv_parse_profile(name, desc, strlen(desc), &info);
	free(name);
	free(desc);
}

static void count(void *ud, long id, const char *name)
{
	if (id <= 0 || !name)
		abort();
	(*(int *)ud)++;
}

/* NVIDIA's text: creatable_vgpu_types, and nvidia-smi's MIG listing (a
 * GPU instance only on a listed GPU, of 1 to 8 slices, placed). */
static void vendor_types(const uint8_t *data, size_t size)
{
	struct gv_mig_listing l;
	int n = 0;

	if (gv_parse_vendor_types((const char *)data, size, count, &n) != n)
		abort();
	if (gv_parse_mig_listing((const char *)data, size, &l, NULL) != 0) {
		if (l.gpus || l.ngpus)
			abort();
		return;
	}
	if (l.ngpus < 1 || l.ngpus > GV_MIG_MAX_GPUS)
		abort();
	for (size_t i = 0; i < l.ngpus; i++) {
		if (strlen(l.gpus[i].bdf) != 12 || l.gpus[i].ngis > GV_MIG_MAX_GIS)
			abort();
		for (size_t k = 0; k < l.gpus[i].ngis; k++)
			if (l.gpus[i].gis[k].slices < 1 || l.gpus[i].gis[k].slices > 8 || l.gpus[i].gis[k].size < 1)
				abort();
	}
	gv_mig_listing_clear(&l);
}

static void modules(const uint8_t *data, size_t size)
{
	char *alias, *text;

	split(data, size, &alias, &text);
	if (alias && text) {
		gv_parse_module_listed(text, strlen(text), "vfio_pci");
		gv_parse_alias_match(text, strlen(text), "vfio_pci", alias);
		gv_parse_chrdev_listed(text, strlen(text), alias);
	}
	free(alias);
	free(text);
}

static void journal(const uint8_t *data, size_t size)
{
	static struct gv_journal j, again;
	static char buf[GV_JOURNAL_MAX_DEVICES * 320 + 4096];
	int n;

	if (gv_parse_journal((const char *)data, size, &j) != 0 || j.version < 2)
		return; /* version 1 named parts of itself in its file name only */
	/* What parses formats, and parses back to the same journal. */
	n = gv_format_journal(&j, buf, sizeof(buf));
	if (n < 0 || gv_parse_journal(buf, (size_t)n, &again) != 0 || again.kind != j.kind || again.state != j.state ||
	    again.ndev != j.ndev || again.nbefore != j.nbefore || strcmp(again.key, j.key) != 0 ||
	    memcmp(again.dev, j.dev, j.ndev * sizeof(j.dev[0])) != 0 || again.nhandover != j.nhandover ||
	    memcmp(again.handover, j.handover, j.nhandover * sizeof(j.handover[0])) != 0)
		abort();
}

static void record(const uint8_t *data, size_t size)
{
	struct gv_record r, again;
	char buf[1024];
	int n;

	if (gv_parse_record((const char *)data, size, &r) != 0)
		return;
	n = gv_format_record(&r, buf, sizeof(buf));
	if (n < 0 || gv_parse_record(buf, (size_t)n, &again) != 0 || again.mechanism != r.mechanism ||
	    strcmp(again.vf, r.vf) != 0 || strcmp(again.parent, r.parent) != 0 || strcmp(again.profile, r.profile) != 0)
		abort();
}

/* The desired state (etc/gpuvirt/, declarative files): what parses formats,
 * and parses back to the same objects. */
static void want(const uint8_t *data, size_t size)
{
	static char buf[1 << 21];
	struct gv_want w, again, *v = NULL, *v2 = NULL;
	size_t n = 0, n2 = 0;
	char why[200];

	if (gv_parse_want((const char *)data, size, &w, why, sizeof(why)) == 0) {
		int k = gv_format_want(&w, buf, sizeof(buf));
		if (k < 0 || gv_parse_want(buf, (size_t)k, &again, why, sizeof(why)) != 0 || memcmp(&w, &again, sizeof(w)) != 0)
			abort();
	}
	if (gv_parse_wants((const char *)data, size, &v, &n, why, sizeof(why)) == 0) {
		int k = gv_format_wants(v, n, buf, sizeof(buf));
		if (k < 0 || gv_parse_wants(buf, (size_t)k, &v2, &n2, why, sizeof(why)) != 0 || n2 != n ||
		    (n && memcmp(v, v2, n * sizeof(*v)) != 0))
			abort();
	}
	free(v);
	free(v2);
}

/* A function's `resource` table, `resourceN_resize`, the Resizable BAR
 * capability (the input as config space) and the window for what parsed:
 * a used BAR is memory or I/O, never both, and the window holds them all. */
static void resource(const uint8_t *data, size_t size)
{
	struct gv_bar bars[GV_NBARS];
	uint64_t sizes[GV_NBARS], sum = 0, mask;
	size_t n = 0;

	if (gv_parse_resource((const char *)data, size, bars) == 0)
		for (int i = 0; i < GV_NBARS; i++) {
			uint32_t kind = bars[i].flags & (GPUVIRT_BAR_IO | GPUVIRT_BAR_MEM);
			if ((bars[i].size == 0) != (kind == 0) || kind == (GPUVIRT_BAR_IO | GPUVIRT_BAR_MEM))
				abort();
			if (bars[i].flags & GPUVIRT_BAR_64) {
				sizes[n++] = bars[i].size;
				sum = sum + bars[i].size < sum ? UINT64_MAX : sum + bars[i].size;
			}
		}
	if (gv_mmio64_window(sizes, n) < sum || (n == 0 && gv_mmio64_window(sizes, 0) != 0))
		abort();
	gv_parse_rebar_sizes((const char *)data, size, &mask);
	{ /* the reset quirk table: a match is a line whose range holds the ID */
		struct gv_id_entry q;
		size_t bad;
		if (gv_parse_reset_quirk((const char *)data, size, 0x1002, 0x731f, &q, &bad) == 0 &&
		    (q.vendor != 0x1002 || q.first > 0x731f || q.last < 0x731f || !q.name[0]))
			abort();
	}
	{ /* the MIG table: a match is a line whose range holds the ID, of 1 to 8 slices */
		struct gv_id_entry m;
		size_t bad;
		if (gv_parse_mig_device((const char *)data, size, 0x10de, 0x20b0, &m, &bad) == 0 &&
		    (m.vendor != 0x10de || m.first > 0x20b0 || m.last < 0x20b0 || m.kind < 1 || m.kind > 8))
			abort();
	}
	memset(bars, 0, sizeof(bars));
	gv_parse_rebar_config(data, size, bars);
	{ /* proc/iomem: yes, no or damaged, nothing else */
		int fb = gv_parse_iomem_framebuffer((const char *)data, size, "0000:01:00.0");
		if (fb != 0 && fb != 1 && fb != -EBADMSG)
			abort();
	}
}

static void proc_stat(const uint8_t *data, size_t size)
{
	uint64_t start;
	char state;

	gv_parse_proc_stat_start((const char *)data, size, &state, &start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	FUZZ_TARGET(data, size);
	return 0;
}
