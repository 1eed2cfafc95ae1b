/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the pure parsers in src/parse.c. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "../src/private.h"

#define S(x) x, strlen(x)

START_TEST(hex_values)
{
	uint32_t v = 0;
	ck_assert_int_eq(gv_parse_hex(S("0x10de\n"), 0xffff, &v), 0);
	ck_assert_uint_eq(v, 0x10de);
	ck_assert_int_eq(gv_parse_hex(S("030200"), 0xffffff, &v), 0);
	ck_assert_uint_eq(v, 0x030200);
	ck_assert_int_eq(gv_parse_hex(S("0XABCD  "), 0xffff, &v), 0);
	ck_assert_uint_eq(v, 0xabcd);
	ck_assert_int_eq(gv_parse_hex(S("0x10000"), 0xffff, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_hex(S("zzz"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S("0x"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S(""), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex(S("0x10 de"), 0xffff, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_hex("0x10de", 4, 0xffff, &v), 0); /* length bounds the read */
	ck_assert_uint_eq(v, 0x10);
	ck_assert_int_eq(gv_parse_hex(NULL, 0, 0xffff, &v), -EINVAL);
}
END_TEST

START_TEST(int_values)
{
	long v = 0;
	ck_assert_int_eq(gv_parse_int(S("-1\n"), -1, 100, &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(gv_parse_int(S("42"), 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(gv_parse_int(S("101"), 0, 100, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_int(S("-2"), -1, 100, &v), -ERANGE);
	ck_assert_int_eq(gv_parse_int(S("4x"), 0, 100, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_int(S("-"), -5, 5, &v), -EBADMSG);
	ck_assert_int_eq(gv_parse_int(S("99999999999999999999999"), 0, 100, &v), -ERANGE);
}
END_TEST

START_TEST(bdf_forms)
{
	char out[GV_BDF_LEN];
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.0", out), 0);
	ck_assert_str_eq(out, "0000:01:00.0");
	ck_assert_int_eq(gv_parse_bdf("01:00.1", out), 0);
	ck_assert_str_eq(out, "0000:01:00.1");
	ck_assert_int_eq(gv_parse_bdf("0000:AF:1F.7", out), 0);
	ck_assert_str_eq(out, "0000:af:1f.7");
	ck_assert_int_eq(gv_parse_bdf("0000:01:20.0", out), -EINVAL); /* device > 0x1f */
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.8", out), -EINVAL); /* function > 7 */
	ck_assert_int_eq(gv_parse_bdf("0000:01:00", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("../../etc", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("0000:01:00.0/../x", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("0000/01:00.0", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf("", out), -EINVAL);
	ck_assert_int_eq(gv_parse_bdf(NULL, out), -EINVAL);
}
END_TEST

START_TEST(words)
{
	struct gv_strv s = {0};
	ck_assert_int_eq(gv_parse_words(S("flr bus\n"), &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.v[0], "flr");
	ck_assert_str_eq(s.v[1], "bus");
	gv_strv_free(&s);
	ck_assert_int_eq(gv_parse_words(S("\n"), &s), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(gv_parse_words("a\0b", 3, &s), -EBADMSG);
	gv_strv_free(&s);
}
END_TEST

START_TEST(override)
{
	char out[32];
	ck_assert_int_eq(gv_parse_override(S("(null)\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(gv_parse_override(S("vfio-pci\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vfio-pci");
	ck_assert_int_eq(gv_parse_override(S("\n"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(gv_parse_override(S("vfio pci"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_override(S("a-very-long-driver-name-beyond-32"), out, sizeof(out)), -ERANGE);
}
END_TEST

START_TEST(link_targets)
{
	char out[32];

	ck_assert_int_eq(gv_parse_link_base("d/driver", S("../../../bus/pci/drivers/vfio-pci"), out, sizeof(out)), 8);
	ck_assert_str_eq(out, "vfio-pci");
	ck_assert_int_eq(gv_parse_link_base("iommu_group", S("../../kernel/iommu_groups/12/"), out, sizeof(out)), 2);
	ck_assert_str_eq(out, "12");
	ck_assert_int_eq(gv_parse_link_base("x/mdev_type", S("../0000:3b:00.0/mdev_supported_types/nvidia-222"), out,
					    sizeof(out)), 10);
	ck_assert_int_eq(gv_parse_link_base("drivers/nvidia/module", S("../../../../module/nvidia"), out, sizeof(out)),
			 6);
	/* A link with no folder of its own: any target's last component. */
	ck_assert_int_eq(gv_parse_link_base("d/virtfn3", S("../0000:41:00.7"), out, sizeof(out)), 12);
	ck_assert_str_eq(out, "0000:41:00.7");
	ck_assert_int_eq(gv_parse_link_base("d/physfn", S("x"), out, sizeof(out)), 1);
	/* A loop, a chain, a planted target: malformed, never a name. */
	ck_assert_int_eq(gv_parse_link_base("d/driver", S("loopa"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/iommu_group", S("l0"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/iommu_group", S("../iommu_group/3"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/driver", S("/drivers/"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/virtfn0", S("/"), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/virtfn0", S(""), out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(gv_parse_link_base("d/driver", S("drivers/a-name-longer-than-thirty-two-bytes"), out,
					    sizeof(out)), -ENAMETOOLONG);
}
END_TEST

START_TEST(config_space)
{
	uint8_t cfg[64] = {0};
	struct gv_pci_ids ids;

	cfg[0] = 0xde; cfg[1] = 0x10; cfg[2] = 0xb8; cfg[3] = 0x1e; /* 10de:1eb8 */
	cfg[8] = 0xa1; cfg[9] = 0x00; cfg[10] = 0x02; cfg[11] = 0x03; /* class 030200 */
	cfg[0x2c] = 0xde; cfg[0x2d] = 0x10; cfg[0x2e] = 0xa2; cfg[0x2f] = 0x12;
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), 0);
	ck_assert_uint_eq(ids.vendor, 0x10de);
	ck_assert_uint_eq(ids.device, 0x1eb8);
	ck_assert_uint_eq(ids.class_code, 0x030200);
	ck_assert_uint_eq(ids.revision, 0xa1);
	ck_assert(ids.has_ids);
	ck_assert(ids.has_subsystem);
	ck_assert_uint_eq(ids.subsystem_device, 0x12a2);
	ck_assert_int_eq(gv_parse_config(cfg, 0x2f, &ids), -ENODATA); /* short read */
	cfg[0x0e] = 0x81; /* multifunction bridge: no subsystem in the header */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), 0);
	ck_assert(!ids.has_subsystem);
	cfg[0x0e] = 0x00;
	memset(cfg, 0xff, 4); /* a VF: no IDs, the rest its own */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), 0);
	ck_assert(!ids.has_ids);
	ck_assert_uint_eq(ids.class_code, 0x030200);
	ck_assert_uint_eq(ids.revision, 0xa1);
	ck_assert(ids.has_subsystem);
	ck_assert_uint_eq(ids.subsystem_vendor, 0x10de);
	memset(cfg, 0xff, sizeof(cfg)); /* gone: all ones */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), -ENODATA);
	memset(cfg, 0, sizeof(cfg)); /* nothing there */
	ck_assert_int_eq(gv_parse_config(cfg, sizeof(cfg), &ids), -ENODATA);
}
END_TEST



START_TEST(vgpu_table)
{
	struct gv_vgpu_entry *e = NULL;
	size_t n = 0, bad = 0;

	ck_assert_int_eq(gv_parse_vgpu_table(S("# comment\n\n10de 1eb8 * * nvidia-legacy Tesla T4  \n"
					       "1002 6929 1002 0b0c amd-mxgpu FirePro S7150 # note\n"),
					     &e, &n, &bad), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(e[0].vendor, 0x10de);
	ck_assert_uint_eq(e[0].device, 0x1eb8);
	ck_assert_int_eq(e[0].subsystem_vendor, -1);
	ck_assert_int_eq(e[0].mechanism, GV_VGPU_NVIDIA_LEGACY);
	ck_assert_str_eq(e[0].name, "Tesla T4");
	ck_assert_int_eq(e[1].subsystem_device, 0x0b0c);
	ck_assert_int_eq(e[1].mechanism, GV_VGPU_AMD_MXGPU);
	ck_assert_str_eq(e[1].name, "FirePro S7150 # note");
	free(e);
	ck_assert_int_eq(gv_parse_vgpu_table(S("10de 1eb8 * * warp-drive T4\n"), &e, &n, &bad), -EBADMSG);
	ck_assert_uint_eq(bad, 1);
	ck_assert_int_eq(gv_parse_vgpu_table(S("\n10de 1eb8 * * nvidia-legacy\n"), &e, &n, &bad), -EBADMSG);
	ck_assert_uint_eq(bad, 2); /* no name */
	ck_assert_int_eq(gv_parse_vgpu_table(S("* 1eb8 * * nvidia-legacy T4\n"), &e, &n, &bad), -EBADMSG);
	ck_assert_int_eq(gv_parse_vgpu_table(S("10de 1eb80 * * nvidia-legacy T4\n"), &e, &n, &bad), -EBADMSG);
	ck_assert_int_eq(gv_parse_vgpu_table(S(""), &e, &n, &bad), 0);
	ck_assert_uint_eq(n, 0);
	free(e);
	ck_assert_int_eq(gv_parse_vgpu_table(NULL, 0, &e, &n, &bad), -EINVAL);
	ck_assert_str_eq(gv_vgpu_mechanism_name(GV_VGPU_INTEL_GVTG), "intel-gvtg");
}
END_TEST

START_TEST(cmdline_iommu)
{
	struct gv_iommu_cmdline c;

	ck_assert_int_eq(gv_parse_cmdline_iommu(S("BOOT_IMAGE=/vmlinuz intel_iommu=on,sm_on iommu=pt quiet\n"), &c), 0);
	ck_assert_int_eq(c.intel, 1);
	ck_assert_int_eq(c.passthrough, 1);
	ck_assert_int_eq(c.amd, 0);
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("amd_iommu=off intremap=off"), &c), 0);
	ck_assert_int_eq(c.amd, -1);
	ck_assert_int_eq(c.intremap_off, 1);
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("iommu=off nointremap"), &c), 0);
	ck_assert_int_eq(c.off, 1);
	ck_assert_int_eq(c.intremap_off, 1);
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("iommu.passthrough=1 intel_iommu=igfx_off"), &c), 0);
	ck_assert_int_eq(c.passthrough, 1);
	ck_assert_int_eq(c.igfx_off, 1);
	ck_assert_str_eq(c.acs_override, "");
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("quiet pcie_acs_override=downstream,multifunction\n"), &c), 0);
	ck_assert_str_eq(c.acs_override, "downstream,multifunction");
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("pcie_acs_override"), &c), 0);
	ck_assert_str_eq(c.acs_override, "(set)");
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("xpcie_acs_override=id:8086:1234"), &c), 0);
	ck_assert_str_eq(c.acs_override, "");
	/* Only whole words count: "xintel_iommu=off" is something else. */
	ck_assert_int_eq(gv_parse_cmdline_iommu(S("xintel_iommu=off intel_iommux=on"), &c), 0);
	ck_assert_int_eq(c.intel, 0);
	ck_assert_int_eq(gv_parse_cmdline_iommu(NULL, 0, &c), -EINVAL);
}
END_TEST

/* The real kernel's resource table (q35's bochs-display, recorded), a
 * large-BAR GPU's, unassigned and disabled BARs, and what is not one. */
START_TEST(resource_table)
{
	static const char zero[] = "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
	struct gv_bar b[GV_NBARS];
	char buf[2048];

	snprintf(buf, sizeof(buf), "0x00000000fb000000 0x00000000fbffffff 0x0000000000042208\n%s"
		 "0x00000000febd0000 0x00000000febd0fff 0x0000000000040200\n%s%s%s%s", zero, zero, zero, zero, zero);
	ck_assert_int_eq(gv_parse_resource(S(buf), b), 0);
	ck_assert_uint_eq(b[0].size, 16u << 20);
	ck_assert_uint_eq(b[0].flags, GPUVIRT_BAR_MEM | GPUVIRT_BAR_PREFETCH);
	ck_assert_uint_eq(b[1].size, 0);
	ck_assert_uint_eq(b[1].flags, 0);
	ck_assert_uint_eq(b[2].size, 4096);
	ck_assert_uint_eq(b[2].flags, GPUVIRT_BAR_MEM);
	/* 64 GiB, 64-bit prefetchable; an unassigned BAR keeps its size (start
	 * 0, flag IORESOURCE_UNSET); I/O ports; a disabled BAR is unused. */
	snprintf(buf, sizeof(buf), "0x00000000fa000000 0x00000000faffffff 0x0000000000040200\n"
		 "0x0000380000000000 0x0000380fffffffff 0x000000000014220c\n%s"
		 "0x0000000000000000 0x0000000001ffffff 0x000000002014220c\n%s"
		 "0x000000000000e000 0x000000000000e07f 0x0000000000040101\n"
		 "0x00000000fb000000 0x00000000fb07ffff 0x0000000010046200\n", zero, zero);
	ck_assert_int_eq(gv_parse_resource(S(buf), b), 0);
	ck_assert_uint_eq(b[1].size, UINT64_C(64) << 30);
	ck_assert_uint_eq(b[1].flags, GPUVIRT_BAR_MEM | GPUVIRT_BAR_64 | GPUVIRT_BAR_PREFETCH);
	ck_assert_uint_eq(b[3].size, 32u << 20);
	ck_assert_uint_eq(b[5].size, 128);
	ck_assert_uint_eq(b[5].flags, GPUVIRT_BAR_IO);
	/* Only the first six lines are BARs: a seventh may be anything... */
	ck_assert_int_eq(gv_parse_resource(S("0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n"
					     "0x0 0x0 0x0\nrom"), b), 0);
	/* ...but fewer than six, a bad number or a stray field is not the table. */
	ck_assert_int_eq(gv_parse_resource(S("0x0 0x0 0x0\n"), b), -EBADMSG);
	ck_assert_int_eq(gv_parse_resource(S("0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n"
					     "0x0 0x0 0x0 0x0\n"), b), -EBADMSG);
	ck_assert_int_eq(gv_parse_resource(S("0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n"
					     "0xg 0x0 0x0\n"), b), -EBADMSG);
	ck_assert_int_eq(gv_parse_resource(S("0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n"
					     "0x00000000000000000 0x0 0x0\n"), b), -EBADMSG);
	ck_assert_int_eq(gv_parse_resource(NULL, 0, b), -EINVAL);
}
END_TEST

/* resourceN_resize ("%016llx\n", bit 0 = 1 MiB) and the capability in
 * config space: BAR1 takes 1 MiB to 32 GiB; a loop in the list ends. */
START_TEST(resizable_bars)
{
	struct gv_bar b[GV_NBARS];
	uint8_t cfg[4096] = {0};
	uint64_t m;

	ck_assert_int_eq(gv_parse_rebar_sizes(S("000000000000ffff\n"), &m), 0);
	ck_assert_uint_eq(m, 0xffff);
	ck_assert_int_eq(gv_parse_rebar_sizes(S("\n"), &m), -EBADMSG);
	ck_assert_int_eq(gv_parse_rebar_sizes(S("0x10\n"), &m), -EBADMSG);
	ck_assert_int_eq(gv_parse_rebar_sizes(S("10000000000000000\n"), &m), -EBADMSG);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(gv_parse_rebar_config(cfg, 64, b), -ENODATA);
	ck_assert_int_eq(gv_parse_rebar_config(cfg, sizeof(cfg), b), -ENOENT);
	/* AER at 0x100 -> ReBAR at 0x150 (one BAR: BAR1, now 256 MiB). */
	cfg[0x100] = 0x01, cfg[0x102] = 0x01, cfg[0x103] = 0x15;
	cfg[0x150] = 0x15, cfg[0x152] = 0x01;
	cfg[0x154] = 0xf0, cfg[0x155] = 0xff, cfg[0x156] = 0x0f; /* sizes: bits 4-19 */
	cfg[0x158] = 0x21, cfg[0x159] = 0x08;
	ck_assert_int_eq(gv_parse_rebar_config(cfg, sizeof(cfg), b), 0);
	ck_assert_uint_eq(b[1].sizes, 0xffff);
	ck_assert_uint_eq(b[0].sizes, 0);
	cfg[0x152] = 0x01, cfg[0x153] = 0x10; /* no ReBAR, next: 0x100 again */
	cfg[0x150] = 0x01;
	ck_assert_int_eq(gv_parse_rebar_config(cfg, sizeof(cfg), b), -EBADMSG);
	cfg[0x150] = 0x15, cfg[0x153] = 0x00, cfg[0x158] = 0x27; /* BAR 7 */
	ck_assert_int_eq(gv_parse_rebar_config(cfg, sizeof(cfg), b), -EBADMSG);
}
END_TEST

/* The window: the sum, the largest's alignment loss, 1 GiB for the VM. */
START_TEST(mmio64_window)
{
	const uint64_t M = UINT64_C(1) << 20, G = UINT64_C(1) << 30;
	uint64_t t4[] = {32 * M, 256 * M}, big[] = {32 * M, 32 * G}, two[] = {64 * G, 32 * M, 64 * G, 32 * M};
	uint64_t huge[] = {UINT64_C(1) << 63, UINT64_C(1) << 63};

	ck_assert_uint_eq(gv_mmio64_window(t4, 0), 0);
	ck_assert_uint_eq(gv_mmio64_window(t4, 2), 2 * G);
	ck_assert_uint_eq(t4[0], 256 * M); /* sorted, largest first */
	ck_assert_uint_eq(gv_mmio64_window(big, 2), 65 * G); /* 32 GiB + 32 MiB + 31 + 1 */
	ck_assert_uint_eq(gv_mmio64_window(two, 4), 193 * G);
	ck_assert_uint_eq(gv_mmio64_window(huge, 2), UINT64_MAX);
}
END_TEST

/* proc/iomem: a framebuffer region inside the device's own, by the
 * kernel's indentation; addresses zeroed for an unprivileged reader count
 * the same; a framebuffer elsewhere or a device's own region is not one. */
START_TEST(iomem_framebuffer)
{
	static const char efi[] = "00000000-00000fff : Reserved\n"
				  "80000000-dfffffff : PCI Bus 0000:00\n"
				  "  c0000000-d1ffffff : PCI Bus 0000:01\n"
				  "    c0000000-cfffffff : 0000:01:00.0\n"
				  "      c0000000-c07e8fff : efifb\n"
				  "    d0000000-d0ffffff : 0000:01:00.0\n"
				  "  d2000000-d2ffffff : 0000:02:00.0\n"
				  "    d2000000-d2000fff : amdgpu\n";
	static const char zeros[] = "00000000-00000000 : PCI Bus 0000:00\n"
				    "  00000000-00000000 : 0000:00:02.0\n"
				    "    00000000-00000000 : BOOTFB\n"
				    "      00000000-00000000 : simpledrm\n";
	static const char after[] = "  d2000000-d2ffffff : 0000:02:00.0\n"
				    "  d3000000-d3ffffff : 0000:03:00.0\n"
				    "  c0000000-c07e8fff : efifb\n";

	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(efi), "0000:01:00.0"), 1);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(efi), "0000:02:00.0"), 0);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(efi), "0000:01:00"), 0);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(zeros), "0000:00:02.0"), 1);
	/* A sibling at the device's depth ends its region. */
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(after), "0000:02:00.0"), 0);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S(""), "0000:02:00.0"), 0);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("c0000000-cfffffff : 0000:01:00.0\n\n"), "0000:01:00.0"), 0);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("c0000000-cfffffff: 0000:01:00.0\n"), "x"), -EBADMSG);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("c0000000 : 0000:01:00.0\n"), "x"), -EBADMSG);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("g0000000-cfffffff : a\n"), "x"), -EBADMSG);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("c0000000-cfffffff : a\tb\n"), "x"), -EBADMSG);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(S("00000000000000000-1 : a\n"), "x"), -EBADMSG);
	ck_assert_int_eq(gv_parse_iomem_framebuffer(NULL, 0, "x"), -EINVAL);
}
END_TEST

/* The reset quirk table: ranges, single IDs, the first match, what is not
 * a line; and the table the library builds in parses to its end. */
START_TEST(reset_quirks)
{
	static const char table[] = "# comment\n\n1002 7310-731f vendor-reset AMD Navi 10\n"
				    "1002 7300 no-reset AMD Fiji\n1002 7300-73ff vendor-reset shadowed\n";
	struct gv_id_entry q;
	size_t bad = 0, n;
	char buf[8192];
	FILE *f;

	ck_assert_int_eq(gv_parse_reset_quirk(S(table), 0x1002, 0x731f, &q, &bad), 0);
	ck_assert_int_eq(q.kind, GV_QUIRK_VENDOR_RESET);
	ck_assert_uint_eq(q.first, 0x7310);
	ck_assert_uint_eq(q.last, 0x731f);
	ck_assert_str_eq(q.name, "AMD Navi 10");
	ck_assert_int_eq(gv_parse_reset_quirk(S(table), 0x1002, 0x7300, &q, &bad), 0);
	ck_assert_int_eq(q.kind, GV_QUIRK_NO_RESET); /* the first line wins */
	ck_assert_int_eq(gv_parse_reset_quirk(S(table), 0x1002, 0x7320, &q, &bad), 0);
	ck_assert_str_eq(q.name, "shadowed");
	ck_assert_int_eq(gv_parse_reset_quirk(S(table), 0x10de, 0x7310, &q, &bad), -ENOENT);
	static const char *const broken[] = {"1002 7310-731f vendor-reset\n", "1002 731f-7310 no-reset x\n",
					     "1002 73100 no-reset x\n", "102 7310 no-reset x\n",
					     "1002 7310 reboot x\n", "1002 7310_731f no-reset x\n",
					     "1002 7310 no-reset \001x\n"};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		bad = 0;
		ck_assert_msg(gv_parse_reset_quirk(broken[i], strlen(broken[i]), 0x1002, 0x7310, &q, &bad) == -EBADMSG,
			      "%s", broken[i]);
		ck_assert_uint_eq(bad, 1);
	}
	ck_assert_ptr_nonnull(f = fopen(SIMHOST_HOSTS "/../../../src/data/reset-quirks.txt", "r"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_int_eq(gv_parse_reset_quirk(buf, n, 0xffff, 0, &q, &bad), -ENOENT);
	ck_assert_int_eq(gv_parse_reset_quirk(buf, n, 0x1002, 0x66af, &q, &bad), 0);
	ck_assert_str_eq(q.name, "AMD Vega 20");
}
END_TEST

/* nvidia-smi's MIG listing: GPU lines (eight-digit domain, upper case)
 * and -lgi rows in any order; the frame and other lines skipped; each
 * malformed line named. */
START_TEST(mig_listing)
{
	static const char good[] = "|   1  MIG 1g.10gb+me      20        5          3:1     |\n"
				   "+---------------------------------------------------+\n"
				   "| GPU   Name             Profile  Instance   Placement  |\n"
				   "0, 00000000:18:00.0, Enabled\n"
				   "1, 00000000:2A:00.0, [N/A]\r\n"
				   "2, 0000:3c:00.0, Disabled\n"
				   "No GPU instances found: Not Found\n"
				   "|   0  MIG 3g.40gb          9        1          4:4     |\n";
	struct gv_mig_listing l;
	size_t bad = 0;

	ck_assert_int_eq(gv_parse_mig_listing(S(good), &l, &bad), 0);
	ck_assert_uint_eq(l.ngpus, 3);
	ck_assert_str_eq(l.gpus[0].bdf, "0000:18:00.0");
	ck_assert_int_eq(l.gpus[0].mode, 1);
	ck_assert_uint_eq(l.gpus[0].ngis, 1);
	ck_assert_int_eq(l.gpus[0].gis[0].id, 1);
	ck_assert_int_eq(l.gpus[0].gis[0].profile, 9);
	ck_assert_int_eq(l.gpus[0].gis[0].slices, 3);
	ck_assert_int_eq(l.gpus[0].gis[0].start, 4);
	ck_assert_int_eq(l.gpus[0].gis[0].size, 4);
	ck_assert_str_eq(l.gpus[0].gis[0].name, "3g.40gb");
	ck_assert_str_eq(l.gpus[1].bdf, "0000:2a:00.0");
	ck_assert_int_eq(l.gpus[1].mode, -1);
	ck_assert_str_eq(l.gpus[1].gis[0].name, "1g.10gb+me");
	ck_assert_int_eq(l.gpus[1].gis[0].slices, 1);
	ck_assert_int_eq(l.gpus[2].mode, 0);
	ck_assert_uint_eq(l.gpus[2].ngis, 0);
	gv_mig_listing_clear(&l);
	static const struct {
		const char *text;
		size_t line;
	} broken[] = {
	    {"0, 00000000:18:00.0\n", 1},					 /* two fields */
	    {"0, 00000000:18:00.0, Enabled, x\n", 1},			 /* four */
	    {"0, 18:00, Enabled\n", 1},					 /* no address */
	    {"0, 00000000:18:00.0, Enabled\n0, 00000000:19:00.0, Enabled\n", 2}, /* index twice */
	    {"0, 00000000:18:00.0, Enabled\n1, 00000000:18:00.0, Enabled\n", 2}, /* GPU twice */
	    {"0, 00000000:18:00.0, Enabled\n|   1  MIG 3g.40gb  9  1  4:4  |\n", 2}, /* GPU 1 unlisted */
	    {"0, 00000000:18:00.0, Enabled\n|   0  MIG 9g.40gb  9  1  4:4  |\n", 2},  /* nine slices */
	    {"0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb  9  1  4-4  |\n", 2},  /* placement */
	    {"0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb  9  1  4:0  |\n", 2},  /* empty */
	    {"0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb  9  |\n", 2},	 /* short row */
	    {"0, 00000000:18:00.0, Enabled\n|   0  MIG 3g.40gb 9 1 4:4 |\n|   0  MIG 3g.40gb 9 1 0:4 |\n", 3},
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		bad = 0;
		ck_assert_msg(gv_parse_mig_listing(broken[i].text, strlen(broken[i].text), &l, &bad) == -EBADMSG, "%s",
			      broken[i].text);
		ck_assert_msg(bad == broken[i].line, "%s: line %zu", broken[i].text, bad);
		ck_assert_ptr_null(l.gpus);
	}
	ck_assert_int_eq(gv_parse_mig_listing(S("No GPU instances found: Not Found\n"), &l, &bad), -ENOENT);
	ck_assert_int_eq(gv_parse_mig_listing("0, 0000:18:00.0, Enabled\n\0", 26, &l, &bad), -EBADMSG);
	ck_assert_uint_eq(bad, 2); /* the NUL's line */
	ck_assert_int_eq(gv_parse_mig_listing("\0", 1, &l, &bad), -EBADMSG);
	ck_assert_uint_eq(bad, 1);
}
END_TEST

/* gv_appendf cuts at the buffer's end however much is appended. */
START_TEST(appendf_cuts)
{
	char buf[8];
	size_t len = 0;

	buf[0] = '\0';
	gv_appendf(buf, sizeof(buf), &len, "%s", "abc");
	gv_appendf(buf, sizeof(buf), &len, ", %d", 12);
	ck_assert_str_eq(buf, "abc, 12");
	ck_assert_uint_eq(len, 7);
	for (int i = 0; i < 100; i++)
		gv_appendf(buf, sizeof(buf), &len, "%s", "overflow");
	ck_assert_str_eq(buf, "abc, 12");
	len = 0;
	gv_appendf(buf, sizeof(buf), &len, "%s", "0123456789");
	ck_assert_str_eq(buf, "0123456");
	ck_assert_uint_eq(len, 7);
	gv_appendf(buf, 0, &len, "%s", "x");
	ck_assert_uint_eq(len, 7);
}
END_TEST

/* The MIG table: a GPU's compute slices, "1" to "8"; the built-in file
 * parses to its end and names the A100, the A30 and the H100. */
START_TEST(mig_table)
{
	static const char table[] = "# comment\n10de 20b0 7 A100\n10de 20b7 4 A30\n10de 2321-233b 7 H100\n";
	struct gv_id_entry e;
	size_t bad = 0, n;
	char buf[8192];
	FILE *f;

	ck_assert_int_eq(gv_parse_mig_device(S(table), 0x10de, 0x20b7, &e, &bad), 0);
	ck_assert_int_eq(e.kind, 4);
	ck_assert_str_eq(e.name, "A30");
	ck_assert_int_eq(gv_parse_mig_device(S(table), 0x10de, 0x2330, &e, &bad), 0);
	ck_assert_int_eq(e.kind, 7);
	ck_assert_int_eq(gv_parse_mig_device(S(table), 0x10de, 0x26b9, &e, &bad), -ENOENT);
	static const char *const broken[] = {"10de 20b0 0 none\n", "10de 20b0 9 nine\n", "10de 20b0 seven A100\n",
					     "10de 20b0 7\n", "10de 20b0 vendor-reset A100\n"};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		bad = 0;
		ck_assert_msg(gv_parse_mig_device(broken[i], strlen(broken[i]), 0x10de, 0x20b0, &e, &bad) == -EBADMSG,
			      "%s", broken[i]);
		ck_assert_uint_eq(bad, 1);
	}
	/* Each table's words are its own. */
	ck_assert_int_eq(gv_parse_reset_quirk(S("10de 20b0 7 A100\n"), 0x10de, 0x20b0, &e, &bad), -EBADMSG);
	ck_assert_ptr_nonnull(f = fopen(SIMHOST_HOSTS "/../../../src/data/mig-devices.txt", "r"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_int_eq(gv_parse_mig_device(buf, n, 0xffff, 0, &e, &bad), -ENOENT);
	ck_assert_int_eq(gv_parse_mig_device(buf, n, 0x10de, 0x20b7, &e, &bad), 0);
	ck_assert_int_eq(e.kind, 4);
	ck_assert_int_eq(gv_parse_mig_device(buf, n, 0x10de, 0x2330, &e, &bad), 0);
	ck_assert_int_eq(e.kind, 7);
	ck_assert_int_eq(gv_parse_mig_device(buf, n, 0x10de, 0x20b2, &e, &bad), 0);
	ck_assert_str_eq(e.name, "A100 SXM4 80GB");
}
END_TEST

/* vfio-pci variant drivers in modules.alias: the most specific
 * "vfio_pci:" entry, the first on a tie, never vfio_pci itself; such an
 * entry also makes the module handle the device. */
START_TEST(vfio_variants)
{
	static const char alias[] = "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
				    "alias vfio_pci:v000010DEd*sv*sd*bc*sc*i* wide_vfio_pci\n"
				    "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace-gpu-vfio-pci\n"
				    "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* second_vfio_pci\n"
				    "alias pci:v000010DEd00002342sv*sd*bc*sc*i* nvidia\n";
	const char *gh200 = "pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00";
	char m[64];

	ck_assert_int_eq(gv_parse_vfio_variant(S(alias), gh200, m, sizeof(m)), 0);
	ck_assert_str_eq(m, "nvgrace_gpu_vfio_pci"); /* 5 wildcards against 6; the first of two */
	ck_assert_int_eq(gv_parse_vfio_variant(S(alias), "pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00", m,
						sizeof(m)), 0);
	ck_assert_str_eq(m, "wide_vfio_pci");
	ck_assert_int_eq(gv_parse_vfio_variant(S(alias), "pci:v00008086d00003E92sv00001043sd00008694bc03sc00i00", m,
						sizeof(m)), -ENOENT);
	ck_assert_int_eq(gv_parse_vfio_variant(S(alias), "platform:efi-framebuffer", m, sizeof(m)), -EINVAL);
	ck_assert_int_eq(gv_parse_vfio_variant(S(alias), gh200, m, 8), -ENOENT); /* no room for the name */
	ck_assert_int_eq(gv_parse_alias_match(S(alias), "nvgrace_gpu_vfio_pci", gh200), 1);
	ck_assert_int_eq(gv_parse_alias_match(S(alias), "nvidia", gh200), 1);
	ck_assert_int_eq(gv_parse_alias_match(S(alias), "second_vfio_pci",
					      "pci:v000010DEd00002343sv000010DEsd000016EBbc03sc02i00"), 0);
}
END_TEST

/* proc/devices: a character major's name, the block section not; a
 * 6.1 kernel (vfio without device cdevs) lists only "vfio". */
START_TEST(chrdevs)
{
	static const char v68[] = "Character devices:\n  1 mem\n 10 misc\n241 vfio-dev\n242 vfio\n\n"
				  "Block devices:\n  7 loop\n259 blkext\n";
	static const char v61[] = "Character devices:\n  1 mem\n242 vfio\n\nBlock devices:\n253 vfio-dev\n";

	ck_assert(gv_parse_chrdev_listed(S(v68), "vfio-dev"));
	ck_assert(gv_parse_chrdev_listed(S(v68), "vfio"));
	ck_assert(!gv_parse_chrdev_listed(S(v68), "loop"));
	ck_assert(!gv_parse_chrdev_listed(S(v61), "vfio-dev"));
	ck_assert(!gv_parse_chrdev_listed(S("241 vfio-dev\n"), "vfio-dev")); /* no section header */
	ck_assert(!gv_parse_chrdev_listed(S("Character devices:\nvfio-dev\n"), "vfio-dev"));
	ck_assert(!gv_parse_chrdev_listed(S("Character devices:\n241 vfio-devices\n"), "vfio-dev"));
	/* A cdev's name under vfio-dev/. */
	ck_assert(gv_parse_vfio_cdev_name("vfio0"));
	ck_assert(gv_parse_vfio_cdev_name("vfio12"));
	ck_assert(!gv_parse_vfio_cdev_name("vfio"));
	ck_assert(!gv_parse_vfio_cdev_name("vfio1a"));
	ck_assert(!gv_parse_vfio_cdev_name("vfiox"));
	ck_assert(!gv_parse_vfio_cdev_name("uevent"));
}
END_TEST

START_TEST(cpuinfo)
{
	struct gv_cpuinfo c;

	ck_assert_int_eq(gv_parse_cpuinfo(S("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx "
					    "hypervisor\n\nprocessor\t: 1\nflags\t\t: svm\n"), &c), 0);
	ck_assert_str_eq(c.vendor, "GenuineIntel");
	ck_assert(c.has_flags && c.vmx && c.hypervisor && !c.svm); /* the first CPU's flags */
	ck_assert_int_eq(gv_parse_cpuinfo(S("flags : vmxe svmx\n"), &c), 0);
	ck_assert(c.has_flags && !c.vmx && !c.svm);
	ck_assert_int_eq(gv_parse_cpuinfo(S("no colon here\n"), &c), 0);
	ck_assert(!c.has_flags);
}
END_TEST

START_TEST(conf_value)
{
	char v[32];

	ck_assert_int_eq(gv_parse_conf_value(S("# FeatureType=9\nServerAddress = lic.example\nFeatureType=1\n"),
					     "FeatureType", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(gv_parse_conf_value(S("ServerAddress = lic.example\n"), "ServerAddress", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "lic.example");
	ck_assert_int_eq(gv_parse_conf_value(S("FeatureTypeX=2\n"), "FeatureType", v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(gv_parse_conf_value(S("K=0123456789012345678901234567890123456789\n"), "K", v, sizeof(v)),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(token_expiry)
{
	int64_t exp = 0;

	/* {"exp":1600000000} */
	ck_assert_int_eq(gv_parse_token_expiry(S("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE2MDAwMDAwMDB9.c2ln\n"), &exp), 0);
	ck_assert_int_eq(exp, 1600000000);
	/* {"sub":"x"}: no expiry */
	ck_assert_int_eq(gv_parse_token_expiry(S("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), &exp), -ENOENT);
	ck_assert_int_eq(gv_parse_token_expiry(S("opaque binary token"), &exp), -ENOENT);
	ck_assert_int_eq(gv_parse_token_expiry(S("a.b!c.d"), &exp), -EBADMSG);
	ck_assert_int_eq(gv_parse_token_expiry(NULL, 0, &exp), -EINVAL);
}
END_TEST

START_TEST(profile_descriptions)
{
	struct gv_profile_info i;

	ck_assert_int_eq(gv_parse_profile("GRID T4-4Q", S("num_heads=4, frl_config=60, framebuffer=4096M, "
						      "max_resolution=7680x4320, max_instance=4\n"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 4096ull << 20);
	ck_assert_uint_eq(i.heads, 4);
	ck_assert_uint_eq(i.frame_rate_limit, 60);
	ck_assert_uint_eq(i.max_width, 7680);
	ck_assert_uint_eq(i.max_height, 4320);
	ck_assert_uint_eq(i.max_instances, 4);
	ck_assert_int_eq(i.vgpu_class, 'Q');
	ck_assert_int_eq(gv_parse_profile("GVTg_V5_4", S("low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\n"
						     "resolution: 1920x1200\nweight: 4\n"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 640ull << 20);
	ck_assert_uint_eq(i.max_height, 1200);
	ck_assert_int_eq(i.vgpu_class, 0);
	ck_assert_int_eq(gv_parse_profile("mbochs-large", S("virtual display, 64 MB video memory\n"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 64ull << 20);
	ck_assert_int_eq(gv_parse_profile("mdpy-xga", S("virtual display, 1024x768 framebuffer\n"), &i), 0);
	ck_assert_uint_eq(i.max_width, 1024);
	ck_assert_uint_eq(i.max_height, 768);
	ck_assert_uint_eq(i.framebuffer, 1024 * 768 * 4);
	ck_assert_int_eq(gv_parse_profile("NVIDIA A100DX-3-40C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.framebuffer, 40ull << 30);
	ck_assert_int_eq(i.vgpu_class, 'C');
	ck_assert_uint_eq(i.mig_slices, 3);
	ck_assert_int_eq(gv_parse_profile("NVIDIA A100DX-40C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 0); /* time-sliced */
	ck_assert_int_eq(gv_parse_profile("NVIDIA A100-1-5CME", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 1); /* with the media engines */
	ck_assert_int_eq(i.vgpu_class, 'C');
	ck_assert_uint_eq(i.framebuffer, 5ull << 30);
	ck_assert_int_eq(gv_parse_profile("NVIDIA H100-7-80C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 7);
	/* Not slices: a second number of two digits, 0 or 8, or a word. */
	ck_assert_int_eq(gv_parse_profile("NVIDIA X-12-40C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 0);
	ck_assert_int_eq(gv_parse_profile("NVIDIA X-8-40C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 0);
	ck_assert_int_eq(gv_parse_profile("NVIDIA RTX6000-Ada-4Q", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 0);
	ck_assert_int_eq(gv_parse_profile("-3-40C", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.mig_slices, 3);
	ck_assert_int_eq(gv_parse_profile("NVIDIA L40S-24Q", NULL, 0, &i), 0);
	ck_assert_uint_eq(i.framebuffer, 24ull << 30);
	ck_assert_uint_eq(i.mig_slices, 0);
	/* Not NVIDIA's pattern: nothing invented. */
	ck_assert_int_eq(gv_parse_profile("mtty-2", S("Dual port serial"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 0);
	ck_assert_int_eq(i.vgpu_class, 0);
	ck_assert_int_eq(gv_parse_profile("x", S("framebuffer=99999999999999999999999G"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 0); /* overflow: unknown */
	/* Fits the digits, not the shift: unknown, not wrapped to 12039069777919M. */
	ck_assert_int_eq(gv_parse_profile("x", S("framebuffer=99999999999999M"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 0);
	ck_assert_int_eq(gv_parse_profile("x", S("framebuffer=4G, num_heads=1"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 4ull << 30);
	ck_assert_int_eq(gv_parse_profile("x", S("framebuffer=512K"), &i), 0);
	ck_assert_uint_eq(i.framebuffer, 512ull << 10);
	/* Every unit, and what overflows in each: unknown, never wrapped or
	 * read in a smaller unit. */
	static const struct {
		const char *desc;
		uint64_t want;
	} units[] = {
		{"framebuffer=1T", 1ull << 40},
		{"framebuffer=4096B", 4096},
		{"framebuffer=2048", 2048ull << 20},
		{"framebuffer=18014398509481983K", 18014398509481983ull << 10},
		{"framebuffer=18014398509481984K", 0},
		{"framebuffer=17592186044415M", 17592186044415ull << 20},
		{"framebuffer=17592186044416M", 0},
		{"framebuffer=17179869184G", 0},
		{"framebuffer=16777215T", 16777215ull << 40},
		{"framebuffer=16777216T", 0},
		{"framebuffer=99999999999999999T", 0},
		{"framebuffer=999999999999999999999B", 0},
		{"framebuffer=4P", 0},
		{"framebuffer=4Q", 0},
	};
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		ck_assert_int_eq(gv_parse_profile("x", units[k].desc, strlen(units[k].desc), &i), 0);
		ck_assert_msg(i.framebuffer == units[k].want, "%s: %llu", units[k].desc,
			      (unsigned long long)i.framebuffer);
	}
	ck_assert_int_eq(gv_parse_profile("x", S("max_instance=4294967296, max_resolution=4294967296x1"), &i), 0);
	ck_assert_uint_eq(i.max_instances, 0);
	ck_assert_uint_eq(i.max_width, 0);
	ck_assert_int_eq(gv_parse_profile(NULL, NULL, 0, NULL), -EINVAL);
}
END_TEST

START_TEST(json_strings_and_uuids)
{
	char v[32], u[37];

	ck_assert_int_eq(gv_parse_json_string(S("{\n  \"mdev_type\": \"nvidia-222\",\n  \"start\": \"auto\"}"), "start", v,
					      sizeof(v)), 0);
	ck_assert_str_eq(v, "auto");
	ck_assert_int_eq(gv_parse_json_string(S("{\"mdev_type\":\"nvidia-222\"}"), "mdev_type", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "nvidia-222");
	ck_assert_int_eq(gv_parse_json_string(S("{\"mdev_type\": 5}"), "mdev_type", v, sizeof(v)), -EBADMSG);
	ck_assert_int_eq(gv_parse_json_string(S("{\"mdev_type\": \"a\\\"b\"}"), "mdev_type", v, sizeof(v)), -EBADMSG);
	ck_assert_int_eq(gv_parse_json_string(S("{\"other\": \"x\"}"), "mdev_type", v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(gv_parse_json_string(S("{\"k\": \"unterminated"), "k", v, sizeof(v)), -EBADMSG);
	ck_assert_int_eq(gv_parse_uuid("4B20D080-1B54-4048-85B3-A6A62D165C01", u), 0);
	ck_assert_str_eq(u, "4b20d080-1b54-4048-85b3-a6a62d165c01");
	ck_assert_int_eq(gv_parse_uuid("4b20d080-1b54-4048-85b3-a6a62d165c0", u), -EINVAL);
	ck_assert_int_eq(gv_parse_uuid("4b20d080_1b54-4048-85b3-a6a62d165c01", u), -EINVAL);
	ck_assert_int_eq(gv_parse_uuid("../../../../../../../../etc/passwdxx", u), -EINVAL);
	ck_assert_int_eq(gv_parse_uuid(NULL, u), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, hex_values);
	tcase_add_test(tc, int_values);
	tcase_add_test(tc, bdf_forms);
	tcase_add_test(tc, words);
	tcase_add_test(tc, override);
	tcase_add_test(tc, link_targets);
	tcase_add_test(tc, config_space);
	tcase_add_test(tc, vgpu_table);
	tcase_add_test(tc, cmdline_iommu);
	tcase_add_test(tc, cpuinfo);
	tcase_add_test(tc, resource_table);
	tcase_add_test(tc, resizable_bars);
	tcase_add_test(tc, mmio64_window);
	tcase_add_test(tc, iomem_framebuffer);
	tcase_add_test(tc, reset_quirks);
	tcase_add_test(tc, mig_table);
	tcase_add_test(tc, appendf_cuts);
	tcase_add_test(tc, mig_listing);
	tcase_add_test(tc, vfio_variants);
	tcase_add_test(tc, chrdevs);
	tcase_add_test(tc, conf_value);
	tcase_add_test(tc, token_expiry);
	tcase_add_test(tc, profile_descriptions);
	tcase_add_test(tc, json_strings_and_uuids);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run(suite());
}
