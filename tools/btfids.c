// SPDX-License-Identifier: GPL-2.0
/*
 * btfids - fill in and check the .BTF_ids section of an out-of-tree kernel
 * module.
 *
 * Debian's 6.1 kernel headers ship neither vmlinux nor resolve_btfids, so a
 * DKMS-style build leaves .BTF_ids all zero and 6.1 silently registers no
 * kfuncs.  "resolve" does resolve_btfids' job for a module (ids, set counts,
 * sorting); "check" is a loud gate for any kernel version; "list" prints;
 * "funcs" lists a module's FUNC names for bpfx-doctor where bpftool is
 * missing (a busybox guest).
 *
 * Layout of .BTF_ids (include/linux/btf_ids.h):
 *   __BTF_ID__<kind>__<name>__<uniq>: 4 bytes, gets the BTF id of <name>
 *   __BTF_ID__set__<name>:  u32 cnt; u32 ids[cnt]         (size = 4 + 4*cnt)
 *   __BTF_ID__set8__<name>: u32 cnt; u32 flags; {u32 id; u32 flags}[cnt]
 *                                                          (size = 8 + 8*cnt)
 * resolve_btfids derives cnt from the set symbol's st_size (set: size/4 - 1,
 * set8: size/8 - 1) and sorts the entries by id, because 6.1 bsearches the
 * module's set in place.
 *
 * btf_ids.h emits the section with no alignment, so the module loader may
 * place it at any byte; arm64's scaled symbol loads then misread it (issue
 * 11). "check" requires the section to be 8-aligned and every set inside it
 * aligned for its widest load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define ID_PREFIX "__BTF_ID__"
/* what .BTF_ids needs from the loader: a set8 is u32 pairs, loadable 8 at a time */
#define IDS_ALIGN 8

enum sym_kind { K_FUNC, K_STRUCT, K_UNION, K_TYPEDEF, K_SET, K_SET8 };

static const struct {
	const char *name;
	int btf_kind; /* -1 for sets */
} kinds[] = {
	[K_FUNC] = { "func", BTF_KIND_FUNC },
	[K_STRUCT] = { "struct", BTF_KIND_STRUCT },
	[K_UNION] = { "union", BTF_KIND_UNION },
	[K_TYPEDEF] = { "typedef", BTF_KIND_TYPEDEF },
	[K_SET] = { "set", -1 },
	[K_SET8] = { "set8", -1 },
};

struct idsym {
	enum sym_kind kind;
	char *target;    /* BTF name (id slots) or set name */
	size_t off;      /* offset inside .BTF_ids */
	size_t size;     /* st_size; only meaningful for sets */
};

struct obj {
	const char *path;
	int fd;
	Elf *elf;
	bool has_btf;
	bool has_ids;
	GElf_Shdr ids_sh;
	unsigned char *ids;   /* private copy of .BTF_ids, patched in memory */
	size_t ids_len;
	void *base_raw;       /* copy of .BTF.base (distilled base), if any */
	size_t base_len;
	struct idsym *syms;
	size_t nsyms;
	struct btf *base;
	struct btf *btf;
};

static int nerrors;

static void err(const struct obj *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "btfids: %s: ", o->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	nerrors++;
}

/* .BTF_ids is little-endian on x86_64; do not depend on host order. */
static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void *dup_mem(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p) {
		perror("btfids: malloc");
		exit(1);
	}
	memcpy(p, src, len);
	return p;
}

/*
 * Split "<kind>__<rest>" (after the __BTF_ID__ prefix).  Id slots carry a
 * "__<uniq>" suffix (from __COUNTER__), cut at the last "__" as the kernel
 * tool does; set names have none.
 */
static int parse_sym(const struct obj *o, const char *name, struct idsym *s)
{
	const char *p = name + strlen(ID_PREFIX);
	const char *sep = strstr(p, "__");
	size_t klen, k;
	char *t, *u;

	if (!sep)
		goto bad;
	klen = sep - p;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strlen(kinds[k].name) == klen && !strncmp(p, kinds[k].name, klen))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		err(o, "unsupported .BTF_ids symbol kind in '%s'", name);
		return -1;
	}
	s->kind = k;
	t = strdup(sep + 2);
	if (!t || !*t)
		goto bad_free;
	if (kinds[k].btf_kind >= 0) {
		u = NULL;
		for (char *q = strstr(t, "__"); q; q = strstr(q + 1, "__"))
			u = q;
		if (!u || u == t || !u[2])
			goto bad_free;
		*u = '\0';
	}
	s->target = t;
	return 0;
bad_free:
	free(t);
bad:
	err(o, "malformed .BTF_ids symbol name '%s'", name);
	return -1;
}

/*
 * Read the sections we need.  libelf is only used for reading: writing goes
 * through pwrite() at the section's file offset so the file layout produced
 * by ld/pahole stays byte-for-byte intact.
 */
static int obj_open(struct obj *o, const char *path, bool rw)
{
	size_t shstrndx, ids_idx = 0, strtab_idx = 0;
	Elf_Data *symdata = NULL;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = open(path, rw ? O_RDWR : O_RDONLY);
	if (o->fd < 0) {
		err(o, "cannot open: %s", strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	o->elf = elf_begin(o->fd, ELF_C_READ, NULL);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF || !gelf_getehdr(o->elf, &eh)) {
		err(o, "not an ELF file");
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		err(o, "only 64-bit little-endian ELF objects are supported");
		return -1;
	}
	if (elf_getshdrstrndx(o->elf, &shstrndx)) {
		err(o, "no section name table: %s", elf_errmsg(-1));
		return -1;
	}
	while ((scn = elf_nextscn(o->elf, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) ||
		    !(name = elf_strptr(o->elf, shstrndx, sh.sh_name))) {
			err(o, "bad section header: %s", elf_errmsg(-1));
			return -1;
		}
		if (sh.sh_type == SHT_SYMTAB) {
			strtab_idx = sh.sh_link;
			symdata = elf_getdata(scn, NULL);
		} else if (!strcmp(name, ".BTF")) {
			o->has_btf = sh.sh_size > 0;
		} else if (!strcmp(name, ".BTF.base")) {
			d = elf_getdata(scn, NULL);
			if (d && d->d_size) {
				o->base_raw = dup_mem(d->d_buf, d->d_size);
				o->base_len = d->d_size;
			}
		} else if (!strcmp(name, ".BTF_ids")) {
			if (sh.sh_type != SHT_PROGBITS || (sh.sh_flags & SHF_COMPRESSED)) {
				err(o, ".BTF_ids is not a plain PROGBITS section");
				return -1;
			}
			d = elf_getdata(scn, NULL);
			if (!d || d->d_size != sh.sh_size) {
				err(o, "cannot read .BTF_ids: %s", elf_errmsg(-1));
				return -1;
			}
			ids_idx = elf_ndxscn(scn);
			o->ids_sh = sh;
			o->ids = dup_mem(d->d_buf, d->d_size);
			o->ids_len = d->d_size;
			o->has_ids = true;
		}
	}
	if (!o->has_ids)
		return 0;

	/*
	 * In a .ko the placeholders are plain zeros.  A relocation against
	 * .BTF_ids would be applied by the module loader on top of what we
	 * write, so refuse rather than produce ids that get clobbered.
	 */
	scn = NULL;
	while ((scn = elf_nextscn(o->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) &&
		    sh.sh_info == ids_idx) {
			err(o, "relocation section %zu targets .BTF_ids; refusing (ids would be overwritten at load)",
			    elf_ndxscn(scn));
			return -1;
		}
	}
	if (!symdata) {
		err(o, "no symbol table (stripped?); cannot find .BTF_ids symbols");
		return -1;
	}

	for (size_t i = 0; i < symdata->d_size / sizeof(Elf64_Sym); i++) {
		struct idsym s = { 0 };
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(symdata, i, &sym) || sym.st_shndx != ids_idx)
			continue;
		name = elf_strptr(o->elf, strtab_idx, sym.st_name);
		if (!name || strncmp(name, ID_PREFIX, strlen(ID_PREFIX)))
			continue;
		if (parse_sym(o, name, &s))
			return -1;
		/* ET_REL: st_value is already section-relative, sh_addr is 0 */
		s.off = sym.st_value - o->ids_sh.sh_addr;
		s.size = sym.st_size;
		if (s.off + 4 > o->ids_len) {
			err(o, "symbol %s lies outside .BTF_ids", name);
			return -1;
		}
		o->syms = realloc(o->syms, (o->nsyms + 1) * sizeof(s));
		if (!o->syms) {
			perror("btfids: realloc");
			exit(1);
		}
		o->syms[o->nsyms++] = s;
	}
	return 0;
}

static void obj_close(struct obj *o)
{
	for (size_t i = 0; i < o->nsyms; i++)
		free(o->syms[i].target);
	free(o->syms);
	free(o->ids);
	free(o->base_raw);
	btf__free(o->btf);
	btf__free(o->base);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
}

/* Base: the module's own distilled .BTF.base (6.12+ pahole/7.x) wins over --base. */
static int obj_load_btf(struct obj *o, const char *base_path)
{
	long e;

	if (o->base_raw) {
		o->base = btf__new(o->base_raw, o->base_len);
		base_path = ".BTF.base section";
	} else if (base_path) {
		o->base = btf__parse(base_path, NULL);
	} else {
		err(o, "no .BTF.base section, so --base <vmlinux BTF> is required");
		return -1;
	}
	e = libbpf_get_error(o->base);
	if (e) {
		o->base = NULL;
		err(o, "cannot parse base BTF from %s: %s", base_path, strerror(-e));
		return -1;
	}
	o->btf = btf__parse_split(o->path, o->base);
	e = libbpf_get_error(o->btf);
	if (e) {
		o->btf = NULL;
		err(o, "cannot parse module .BTF as split BTF over %s: %s", base_path, strerror(-e));
		return -1;
	}
	return 0;
}

struct set_view {
	size_t hdr, esz;   /* header bytes, bytes per entry */
	size_t want_cnt;   /* cnt the kernel tool derives from st_size */
};

static int set_view(const struct obj *o, const struct idsym *s, struct set_view *v)
{
	bool s8 = s->kind == K_SET8;

	v->hdr = s8 ? 8 : 4;
	v->esz = s8 ? 8 : 4;
	if (s->size < v->hdr || s->size % v->esz || s->off + s->size > o->ids_len) {
		err(o, "malformed %s '%s': symbol size %zu", kinds[s->kind].name, s->target, s->size);
		return -1;
	}
	v->want_cnt = s->size / v->esz - 1;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = get_le32(a), y = get_le32(b);

	return x < y ? -1 : x > y;
}

/*
 * Slots inside a set are permuted by the sort, so their symbol names no
 * longer say which id they hold; only slots outside sets can be name-checked.
 */
static bool in_set(const struct obj *o, size_t off)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct idsym *s = &o->syms[i];

		if (kinds[s->kind].btf_kind < 0 && off > s->off && off < s->off + s->size)
			return true;
	}
	return false;
}

/*
 * A set's cnt is 0 until resolved.  Resolving twice must not patch again:
 * slot symbols keep their pre-sort positions, so re-patching would pair ids
 * with other entries' flags (the kernel's resolve_btfids has the same trap).
 * Instead verify that every set still holds exactly the ids its slots name.
 */
static bool already_resolved(const struct obj *o)
{
	for (size_t i = 0; i < o->nsyms; i++)
		if (kinds[o->syms[i].kind].btf_kind < 0 && get_le32(o->ids + o->syms[i].off))
			return true;
	return false;
}

static int verify_resolved(struct obj *o, const uint32_t *want)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct idsym *s = &o->syms[i];
		struct set_view v;
		uint32_t *a, *b;
		size_t n = 0;

		if (kinds[s->kind].btf_kind >= 0) {
			if (!in_set(o, s->off) && get_le32(o->ids + s->off) != want[i])
				err(o, "already resolved, but %s '%s' holds %u, not %u: stale ids; rebuild the object",
				    kinds[s->kind].name, s->target, get_le32(o->ids + s->off), want[i]);
			continue;
		}
		if (set_view(o, s, &v))
			return -1;
		a = calloc(v.want_cnt + 1, sizeof(*a));
		b = calloc(v.want_cnt + 1, sizeof(*b));
		if (!a || !b) {
			perror("btfids: calloc");
			exit(1);
		}
		for (size_t j = 0; j < o->nsyms; j++) {
			size_t rel = o->syms[j].off - s->off;

			if (kinds[o->syms[j].kind].btf_kind >= 0 && o->syms[j].off > s->off &&
			    rel < s->size && rel >= v.hdr && (rel - v.hdr) % v.esz == 0 && n < v.want_cnt)
				put_le32((unsigned char *)&a[n++], want[j]);
		}
		for (size_t k = 0; k < v.want_cnt; k++)
			memcpy(&b[k], o->ids + s->off + v.hdr + k * v.esz, 4); /* stays LE */
		qsort(a, n, 4, cmp_u32);
		qsort(b, v.want_cnt, 4, cmp_u32);
		if (get_le32(o->ids + s->off) != v.want_cnt || n != v.want_cnt ||
		    memcmp(a, b, n * 4))
			err(o, "already resolved, but %s '%s' does not hold the ids its entries name: stale ids; rebuild the object",
			    kinds[s->kind].name, s->target);
		free(a);
		free(b);
	}
	if (nerrors)
		return -1;
	printf("btfids: %s: already resolved; ids verified, nothing written\n", o->path);
	return 0;
}

static int do_resolve(struct obj *o)
{
	size_t nids = 0, nsets = 0;
	uint32_t *want = calloc(o->nsyms + 1, sizeof(*want));
	ssize_t w;

	if (!want) {
		perror("btfids: calloc");
		exit(1);
	}
	for (size_t i = 0; i < o->nsyms; i++) {
		struct idsym *s = &o->syms[i];
		int id;

		if (kinds[s->kind].btf_kind < 0)
			continue;
		id = btf__find_by_name_kind(o->btf, s->target, kinds[s->kind].btf_kind);
		if (id <= 0) {
			fprintf(stderr, "btfids: unresolved %s '%s' in %s\n",
				kinds[s->kind].name, s->target, o->path);
			nerrors++;
			continue;
		}
		want[i] = id;
		nids++;
	}
	if (nerrors || already_resolved(o)) {
		int r = nerrors ? -1 : verify_resolved(o, want);

		free(want);
		return r; /* nothing written */
	}
	for (size_t i = 0; i < o->nsyms; i++)
		if (kinds[o->syms[i].kind].btf_kind >= 0)
			put_le32(o->ids + o->syms[i].off, want[i]);
	free(want);

	/* Sets last: sorting needs the ids in place. */
	for (size_t i = 0; i < o->nsyms; i++) {
		struct idsym *s = &o->syms[i];
		struct set_view v;

		if (kinds[s->kind].btf_kind >= 0)
			continue;
		if (set_view(o, s, &v))
			return -1;
		put_le32(o->ids + s->off, v.want_cnt);
		/* set8 pairs sort as 8-byte units keyed on the id, so flags stay with their id */
		qsort(o->ids + s->off + v.hdr, v.want_cnt, v.esz, cmp_u32);
		nsets++;
	}

	w = pwrite(o->fd, o->ids, o->ids_len, o->ids_sh.sh_offset);
	if (w < 0 || (size_t)w != o->ids_len) {
		err(o, "writing .BTF_ids failed: %s", w < 0 ? strerror(errno) : "short write");
		return -1;
	}
	printf("btfids: %s: resolved %zu ids, %zu sets\n", o->path, nids, nsets);
	return 0;
}

static const char *tname(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;

	while ((t = btf__type_by_id(btf, id)) &&
	       (btf_is_mod(t) || btf_is_typedef(t)))
		id = t->type;
	return id;
}

/* Listing helper; truncating long type names is fine. */
static void fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

/* Human-readable C-ish type name for listings. */
static void type_str(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : "?";
	char inner[256];

	if (!id) {
		fmt(buf, len, "void");
		return;
	}
	if (!t) {
		fmt(buf, len, "<bad id %u>", id);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		type_str(btf, t->type, inner, sizeof(inner));
		fmt(buf, len, "%s *", inner);
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
		type_str(btf, t->type, inner, sizeof(inner));
		fmt(buf, len, "%s %s", btf_is_const(t) ? "const" :
			 btf_is_volatile(t) ? "volatile" : "restrict", inner);
		break;
	case BTF_KIND_STRUCT:
		fmt(buf, len, "struct %s", n);
		break;
	case BTF_KIND_UNION:
		fmt(buf, len, "union %s", n);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		fmt(buf, len, "enum %s", n);
		break;
	default:
		fmt(buf, len, "%s", *n ? n : "(anon)");
	}
}

static void print_proto(FILE *out, const struct btf *btf, uint32_t func_id)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id);
	const struct btf_type *pr = btf__type_by_id(btf, fn->type);
	const struct btf_param *p;
	char buf[256];

	if (!pr || !btf_is_func_proto(pr))
		return;
	type_str(btf, pr->type, buf, sizeof(buf));
	fprintf(out, "%s%s%s(", buf, buf[strlen(buf) - 1] == '*' ? "" : " ",
		btf__name_by_offset(btf, fn->name_off));
	p = btf_params(pr);
	for (int i = 0; i < btf_vlen(pr); i++, p++) {
		type_str(btf, p->type, buf, sizeof(buf));
		fprintf(out, "%s%s%s%s", i ? ", " : "", buf, buf[strlen(buf) - 1] == '*' ? "" : " ",
			btf__name_by_offset(btf, p->name_off));
	}
	fprintf(out, ")");
}

/*
 * The verifier recognises a dynptr argument only when the pointee is the
 * kernel's own struct (6.1: bpf_dynptr_kern, 6.12+: bpf_dynptr).  A copy that
 * pahole could not dedup into the base is just "memory" to the verifier, so a
 * program could pass forged dynptr bytes.
 */
static void check_dynptr(struct obj *o, uint32_t func_id, const char *want)
{
	const struct btf_type *fn = btf__type_by_id(o->btf, func_id);
	const struct btf_type *pr = btf__type_by_id(o->btf, fn->type);
	const char *fname = btf__name_by_offset(o->btf, fn->name_off);
	const struct btf_param *p;
	uint32_t nbase = btf__type_cnt(o->base);

	if (!pr || !btf_is_func_proto(pr))
		return;
	p = btf_params(pr);
	for (int i = 0; i < btf_vlen(pr); i++, p++) {
		uint32_t id = skip_mods(o->btf, p->type);
		const struct btf_type *t = btf__type_by_id(o->btf, id);
		const char *n;

		if (!t || !btf_is_ptr(t))
			continue;
		id = skip_mods(o->btf, t->type);
		t = btf__type_by_id(o->btf, id);
		if (!t || !(btf_is_struct(t) || btf_is_fwd(t)))
			continue;
		n = btf__name_by_offset(o->btf, t->name_off);
		if (strcmp(n, "bpf_dynptr") && strcmp(n, "bpf_dynptr_kern"))
			continue;
		if (strcmp(n, want))
			err(o, "kfunc %s arg#%d takes struct %s *, but this kernel's verifier needs struct %s *; fix the parameter type for this kernel version",
			    fname, i, n, want);
		else if (id >= nbase || !btf_is_struct(t))
			err(o, "kfunc %s arg#%d: struct %s [id %u] is a module-local copy, not the kernel's (base has ids < %u); the verifier would treat it as plain memory. Use the kernel header's definition and regenerate BTF against the target kernel's vmlinux BTF",
			    fname, i, n, id, nbase);
	}
}

/*
 * The loader places .BTF_ids at a multiple of its sh_addralign only; each
 * symbol's alignment is then its section offset's. A set8 may be loaded 8
 * bytes at a time, a set and an id slot 4.
 */
static void check_alignment(struct obj *o)
{
	if (o->ids_sh.sh_addralign < IDS_ALIGN)
		err(o, ".BTF_ids is %lu-byte aligned (sh_addralign), below %d: the module loader may place the kfunc set at an address that is not %d-aligned, and arm64's scaled loads then misread it (the kernel's btf_ids.h emits the section 1-aligned). Add asm(\".pushsection .BTF_ids,\\\"a\\\"; .balign %d; .popsection\") before the set, as bpfx_main.c does",
		    (unsigned long)o->ids_sh.sh_addralign, IDS_ALIGN, IDS_ALIGN, IDS_ALIGN);
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct idsym *s = &o->syms[i];
		size_t want = s->kind == K_SET8 ? IDS_ALIGN : 4;

		if (s->off % want)
			err(o, "%s '%s' is at offset %zu in .BTF_ids, not a multiple of %zu: it would be misread on arm64. Put '.balign %d' in .BTF_ids right before it",
			    kinds[s->kind].name, s->target, s->off, want, IDS_ALIGN);
	}
}

struct check_opts {
	const char *dynptr;
	const char **expect;
	int nexpect;
	bool list_only;
};

static int do_check(struct obj *o, const struct check_opts *c)
{
	uint32_t ntypes = btf__type_cnt(o->btf);
	uint32_t nbase = btf__type_cnt(o->base);
	size_t nkfuncs = 0, nsets8 = 0, lsize = 0;
	char *listing = NULL;
	FILE *out = open_memstream(&listing, &lsize);

	if (!out) {
		perror("btfids: open_memstream");
		exit(1);
	}
	if (!c->list_only)
		check_alignment(o);

	/* Individual slots: resolved, in range, and of the named kind. */
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct idsym *s = &o->syms[i];
		uint32_t id = get_le32(o->ids + s->off);
		const struct btf_type *t;

		if (kinds[s->kind].btf_kind < 0)
			continue;
		if (!id) {
			err(o, "%s '%s' has BTF id 0 (unresolved): run 'btfids resolve --base <vmlinux BTF>' after pahole",
			    kinds[s->kind].name, s->target);
			continue;
		}
		if (in_set(o, s->off))
			continue;
		t = btf__type_by_id(o->btf, id);
		if (id >= ntypes || !t || (int)btf_kind(t) != kinds[s->kind].btf_kind ||
		    strcmp(btf__name_by_offset(o->btf, t->name_off), s->target))
			err(o, "%s '%s' has id %u, which is not that %s in this BTF (stale ids or wrong --base?)",
			    kinds[s->kind].name, s->target, id, kinds[s->kind].name);
	}

	for (size_t i = 0; i < o->nsyms; i++) {
		const struct idsym *s = &o->syms[i];
		bool s8 = s->kind == K_SET8;
		struct set_view v;
		uint32_t cnt, prev = 0;
		const unsigned char *e;

		if (kinds[s->kind].btf_kind >= 0 || set_view(o, s, &v))
			continue;
		cnt = get_le32(o->ids + s->off);
		if (!cnt) {
			fprintf(out, "  %s %s: cnt 0 (unresolved)\n", kinds[s->kind].name, s->target);
			err(o, "%s '%s' has cnt 0: .BTF_ids was not resolved (6.1 would register no kfuncs); run pahole -J and 'btfids resolve'",
			    kinds[s->kind].name, s->target);
			continue;
		}
		if (cnt != v.want_cnt) {
			err(o, "%s '%s' has cnt %u but its symbol size says %zu", kinds[s->kind].name,
			    s->target, cnt, v.want_cnt);
			continue;
		}
		if (s8)
			nsets8++;
		fprintf(out, "  %s %s", kinds[s->kind].name, s->target);
		if (s8)
			fprintf(out, " (set flags=0x%x)", get_le32(o->ids + s->off + 4));
		fprintf(out, ":");
		e = o->ids + s->off + v.hdr;
		for (uint32_t k = 0; k < cnt; k++, e += v.esz) {
			uint32_t id = get_le32(e);
			const struct btf_type *t = btf__type_by_id(o->btf, id);
			const char *n = id && id < ntypes ? tname(o->btf, id) : "?";

			fprintf(out, "%s %s(%u", k ? "," : "", n, id);
			if (s8)
				fprintf(out, ", flags=0x%x", get_le32(e + 4));
			fprintf(out, ")");
			if (!id) {
				err(o, "%s '%s' entry %u has id 0 (unresolved or BTF_ID_UNUSED)",
				    kinds[s->kind].name, s->target, k);
				continue;
			}
			if (id < prev)
				err(o, "%s '%s' is not sorted by id (%u after %u): the 6.1 kernel bsearches it; run 'btfids resolve'",
				    kinds[s->kind].name, s->target, id, prev);
			prev = id;
			if (!s8)
				continue;
			if (id >= ntypes || !t || !btf_is_func(t)) {
				err(o, "set8 '%s' entry %u: id %u is not a BTF FUNC", s->target, k, id);
				continue;
			}
			nkfuncs++;
			if (c->dynptr)
				check_dynptr(o, id, c->dynptr);
		}
		fprintf(out, "\n");
	}

	for (int i = 0; i < c->nexpect; i++) {
		uint32_t id;

		for (id = nbase; id < ntypes; id++) {
			const struct btf_type *t = btf__type_by_id(o->btf, id);

			if (btf_is_func(t) && !strcmp(tname(o->btf, id), c->expect[i]))
				break;
		}
		if (id == ntypes) {
			err(o, "expected kfunc '%s' is not a FUNC in the module's BTF (not built, static and unused, or BTF not generated)",
			    c->expect[i]);
			continue;
		}
		fprintf(out, "  func [%u] ", id);
		print_proto(out, o->btf, id);
		fprintf(out, "\n");
	}
	fclose(out);
	if (!nsets8 && !c->list_only && !nerrors)
		err(o, "no __BTF_ID__set8__ set in .BTF_ids: nothing to register as kfuncs (BTF_SET8_START/BTF_KFUNCS_START missing?)");

	/* check: listing only under the success line; list: always */
	if (!nerrors && !c->list_only)
		printf("btfids: %s: %zu kfuncs in %zu sets resolved; BTF base ok\n",
		       o->path, nkfuncs, nsets8);
	if (!nerrors || c->list_only)
		fputs(listing, stdout);
	free(listing);
	return nerrors ? -1 : 0;
}

/*
 * FUNC names of split BTF: a module's .ko or its raw /sys/kernel/btf/<mod>
 * (btf__parse_split takes both).  Base FUNCs are not printed.
 */
static int do_funcs(const char *file, const char *base_path)
{
	struct btf *base, *btf;
	uint32_t id, n;
	long e;

	if (!base_path)
		base_path = "/sys/kernel/btf/vmlinux";
	base = btf__parse(base_path, NULL);
	e = libbpf_get_error(base);
	if (e) {
		fprintf(stderr, "btfids: cannot parse base BTF %s: %s\n", base_path, strerror(-e));
		return 1;
	}
	btf = btf__parse_split(file, base);
	e = libbpf_get_error(btf);
	if (e) {
		fprintf(stderr, "btfids: cannot parse %s as split BTF over %s: %s\n", file, base_path,
			strerror(-e));
		btf__free(base);
		return 1;
	}
	n = btf__type_cnt(btf);
	for (id = btf__type_cnt(base); id < n; id++)
		if (btf_is_func(btf__type_by_id(btf, id)))
			printf("%s\n", tname(btf, id));
	btf__free(btf);
	btf__free(base);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: btfids resolve --base <vmlinux BTF> <module.ko>\n"
		"       btfids check [--base <vmlinux BTF>] [--dynptr-struct <name>] [--expect-func <name>]... <module.ko>\n"
		"       btfids list [--base <vmlinux BTF>] <module.ko>\n"
		"       btfids funcs [--base <vmlinux BTF>] <module.ko or raw BTF>  (base default /sys/kernel/btf/vmlinux)\n"
		"<vmlinux BTF>: ELF with .BTF or raw BTF (/sys/kernel/btf/vmlinux).\n"
		"A .BTF.base section in the module (distilled base) is used instead of --base.\n"
		"exit: 0 ok, 1 failure, 2 usage\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct check_opts c = { 0 };
	const char *cmd, *base = NULL, *file = NULL;
	struct obj o;
	int ret;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if (strcmp(cmd, "resolve") && strcmp(cmd, "check") && strcmp(cmd, "list") &&
	    strcmp(cmd, "funcs"))
		usage();
	c.expect = calloc(argc, sizeof(*c.expect));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--base") && i + 1 < argc)
			base = argv[++i];
		else if (!strcmp(a, "--dynptr-struct") && i + 1 < argc && strcmp(cmd, "resolve") &&
			 strcmp(cmd, "funcs"))
			c.dynptr = argv[++i];
		else if (!strcmp(a, "--expect-func") && i + 1 < argc && strcmp(cmd, "resolve") &&
			 strcmp(cmd, "funcs"))
			c.expect[c.nexpect++] = argv[++i];
		else if (a[0] == '-' || file)
			usage();
		else
			file = a;
	}
	if (!file)
		usage();
	if (!strcmp(cmd, "funcs")) {
		free(c.expect);
		return do_funcs(file, base);
	}
	c.list_only = !strcmp(cmd, "list");

	ret = obj_open(&o, file, !strcmp(cmd, "resolve"));
	if (!ret && !o.has_btf) {
		if (!strcmp(cmd, "resolve"))
			err(&o, "no .BTF section: run 'LLVM_OBJCOPY=objcopy pahole -J --btf_base <vmlinux BTF> %s' first", file);
		else
			err(&o, "no .BTF section: the module was built without BTF (Debian 6.1 headers lack vmlinux: 'Skipping BTF generation'); kfuncs will not register. Generate it with pahole -J --btf_base <vmlinux BTF> and run 'btfids resolve'");
		ret = -1;
	}
	if (!ret && !o.has_ids) {
		err(&o, "no .BTF_ids section: the module defines no BTF id sets (BTF_SET8_START/BTF_ID_FLAGS), so it registers no kfuncs");
		ret = -1;
	}
	if (!ret && !strcmp(cmd, "resolve") && !base && !o.base_raw) {
		err(&o, "resolve needs --base <vmlinux BTF>");
		ret = -1;
	}
	if (!ret)
		ret = obj_load_btf(&o, base);
	if (!ret)
		ret = !strcmp(cmd, "resolve") ? do_resolve(&o) : do_check(&o, &c);
	obj_close(&o);
	free(c.expect);
	return ret || nerrors ? 1 : 0;
}
