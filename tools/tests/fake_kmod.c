// SPDX-License-Identifier: GPL-2.0
/*
 * Module-like object for btfids tests: kfuncs plus a .BTF_ids laid out as the
 * kernel macros lay it out.  Variants:
 *   -DUNRESOLVED    a set8 entry naming a function that has no BTF
 *   -DUNUSED_SLOT   a zero entry in a set (BTF_ID_UNUSED)
 *   -DLOCAL_DYNPTR  a module-local struct bpf_dynptr_kern (does not dedup)
 *   -DRELOC_IDS     a relocation against .BTF_ids
 *   -DKERNEL_ALIGN  .BTF_ids as btf_ids.h alone leaves it: 1-aligned
 *   -DMISPLACED_SET an 8-aligned section whose set8 sits at offset 4
 */
#include "btf_ids_test.h"

typedef unsigned int __u32;
typedef __u32 u32;

#ifdef LOCAL_DYNPTR
/* differs from the kernel's layout, so pahole keeps a module copy */
struct bpf_dynptr_kern {
	void *data;
	u32 size;
	u32 offset;
	u32 forged;
} __attribute__((aligned(8)));
#else
struct bpf_dynptr_kern {
	void *data;
	u32 size;
	u32 offset;
} __attribute__((aligned(8)));
#endif

union vmlinux_union {
	int i;
	long l;
};

__attribute__((noinline, used)) int foo(int a) { return a + 1; }
__attribute__((noinline, used)) u32 bar(const struct bpf_dynptr_kern *p) { return p->size & 0xFFFFFF; }
__attribute__((noinline, used)) long baz(union vmlinux_union *u, long x) { return u->l + x; }

#ifndef KERNEL_ALIGN
TEST_BTF_IDS_ALIGN8;
#endif
#ifdef MISPLACED_SET
TEST_BTF_ID_LIST(before_set);
TEST_BTF_ID(func, foo);
#endif
/* Source order foo, bar, baz: resolve must sort by id and keep each flag. */
TEST_SET8_START(kfunc_ids);
TEST_BTF_ID_FLAGS(func, foo, 0x1);
TEST_BTF_ID_FLAGS(func, bar, 0x2);
TEST_BTF_ID_FLAGS(func, baz, 0x4);
#ifdef UNRESOLVED
TEST_BTF_ID_FLAGS(func, no_such_kfunc, 0x8);
#endif
TEST_SET8_END(kfunc_ids);

TEST_SET_START(plain_set);
TEST_BTF_ID(func, baz);
TEST_BTF_ID(func, foo);
#ifdef UNUSED_SLOT
TEST_BTF_ID_UNUSED;
#endif
TEST_SET_END(plain_set);

TEST_BTF_ID_LIST(type_ids);
TEST_BTF_ID(struct, bpf_dynptr_kern);
TEST_BTF_ID(typedef, u32);
TEST_BTF_ID(union, vmlinux_union);
TEST_BTF_ID(func, foo);

#ifdef RELOC_IDS
asm(".pushsection .BTF_ids,\"a\"\n.quad foo\n.popsection\n");
#endif

/* like struct btf_kfunc_id_set: a relocation in .data, not in .BTF_ids */
struct kset { void *owner; void *set; } kset = { 0, kfunc_ids };
