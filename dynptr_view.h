/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dynptr encoding, and the one place that decides whether bpfx may act
 * on a dynptr's view.
 *
 * kernel/bpf/helpers.c keeps the encoding of struct bpf_dynptr_kern private
 * (DYNPTR_SIZE_MASK, DYNPTR_TYPE_SHIFT, DYNPTR_RDONLY_BIT) and exports no
 * accessor to modules, so it is mirrored here. It is identical from v6.1 to
 * v7.2: size in bits 0-23, bits 24-27 unused (zero), type in bits 28-30,
 * read-only in bit 31. The layout of struct bpf_dynptr_kern itself comes
 * from the target's headers.
 *
 * Rule for every writer: only bits 0-23 of `size` and the `offset` field may
 * change, and only so that the new window lies inside the old one. `data`,
 * the type and the read-only bit are never written (except by clone, which
 * writes a LOCAL target from a LOCAL source: see dynptr_kfuncs.c).
 */
#ifndef __BPFX_DYNPTR_VIEW_H
#define __BPFX_DYNPTR_VIEW_H

#include <linux/bpf.h>
#include "bpfx_compat.h"

#define BPFX_DYNPTR_SIZE_MASK	0x00FFFFFFu
#define BPFX_DYNPTR_RSVD_MASK	0x0F000000u
#define BPFX_DYNPTR_TYPE_SHIFT	28
#define BPFX_DYNPTR_TYPE_MASK	0x7u
#define BPFX_DYNPTR_RDONLY_BIT	0x80000000u

/*
 * Does the target's verifier check every dynptr argument of a module kfunc
 * the way it checks its own (process_dynptr_func() -> dynptr_get_spi():
 * a constant, 8-byte aligned offset onto a stack slot it tracks as an
 * initialised dynptr, or a CONST_PTR_TO_DYNPTR)? 6.1 does not: it matches a
 * module's `struct bpf_dynptr_kern *` by name in btf_check_func_arg_match()
 * and takes the slot at the constant part of the offset, ignoring var_off
 * and alignment ("bpf: Fix missing var_off check for ARG_PTR_TO_DYNPTR",
 * 79168a669d81, v6.3, came after). No kfunc can see a variable offset (the
 * pointer then names other, well-formed bytes): on 6.1 bpfx's verifier
 * guard, dynptr_guard.c, makes the verifier refuse it; misalignment is
 * refused below, at run time. The witness is the
 * probe kfunc_dynptr_uapi: kernels whose kfuncs take `struct bpf_dynptr *`
 * ("bpf: treewide: Align kfunc signatures to prog point-of-view", v6.11)
 * route every such argument through KF_ARG_PTR_TO_DYNPTR and
 * process_dynptr_func(), and progs/dynptr_fail.bpf.c (misaligned_dynptr,
 * forged_dynptr) shows their verifiers refusing the bad pointers.
 */
#define BPFX_VERIFIED_DYNPTR_ARGS BPFX_HAVE_KFUNC_DYNPTR_UAPI

static __always_inline struct bpf_dynptr_kern *bpfx_kern(const BPFX_DYNPTR *p)
{
	return (struct bpf_dynptr_kern *)p;
}

static __always_inline u32 bpfx_dynptr_type(u32 size_word)
{
	return (size_word >> BPFX_DYNPTR_TYPE_SHIFT) & BPFX_DYNPTR_TYPE_MASK;
}

/*
 * Is the size word that of a view bpfx may act on: reserved bits 24-27 zero
 * and a type in `allowed`? Where the allowed types are LOCAL and the next
 * 2^n - 1 (LOCAL; LOCAL+RINGBUF on 6.1; LOCAL..XDP on 6.12 and 7.x, where
 * SKB_META and FILE come after XDP), this is one subtraction and one test:
 * sw - (LOCAL << 28) leaves bits 0-27 alone, so the reserved bits still
 * show; it turns type t into t - 1 in bits 28-30, and type 0 (INVALID, the
 * type of every null dynptr) into 7 by the borrow, so "t - 1 < 2^n" is
 * "bits 28+n..30 clear". Bit 31 (read-only) only changes when t is 0, which
 * fails anyway, and is not tested. Any other set uses the bit test.
 */
#define BPFX_RUN_MASK(allowed)						\
	((allowed) == 0x02u ? 0x7F000000u :	/* LOCAL */		\
	 (allowed) == 0x06u ? 0x6F000000u :	/* LOCAL, RINGBUF */	\
	 (allowed) == 0x1Eu ? 0x4F000000u :	/* LOCAL .. XDP */	\
	 0u)

static __always_inline bool bpfx_word_ok(u32 size_word, u32 allowed)
{
	BUILD_BUG_ON(BPF_DYNPTR_TYPE_LOCAL != 1);
	if (__builtin_constant_p(allowed) && BPFX_RUN_MASK(allowed))
		return !((size_word - (BPF_DYNPTR_TYPE_LOCAL << BPFX_DYNPTR_TYPE_SHIFT)) &
			 BPFX_RUN_MASK(allowed));
	return !(size_word & BPFX_DYNPTR_RSVD_MASK) &&
	       (allowed & BIT(bpfx_dynptr_type(size_word)));
}

/*
 * The hot-path test: may bpfx read or shrink this dynptr's view? True if
 * so. It refuses everything bpfx_view_err() classifies, but not
 * necessarily by the same test:
 *  - misaligned pointer and NULL `data`: tested here only where the
 *    verifier may hand a kfunc a dynptr it did not build
 *    (!BPFX_VERIFIED_DYNPTR_ARGS, i.e. 6.1). Where it checks every dynptr
 *    argument (6.11+), the pointer is always 8-byte aligned, and a null
 *    dynptr is always all zero (bpf_dynptr_set_null() clears the 16 bytes),
 *    so its type is INVALID and bpfx_word_ok() refuses it;
 *  - reserved bits and types: always tested, at run time.
 * See docs/SAFETY.md (T3, T7).
 */
static __always_inline bool bpfx_view_ok(const struct bpf_dynptr_kern *k,
					 u32 size_word, u32 allowed)
{
	if (!BPFX_VERIFIED_DYNPTR_ARGS) {
		/* 6.1's verifier does not check a kfunc dynptr argument's
		 * alignment (dynptr_get_spi(), with "bpf: Fix missing var_off
		 * check for ARG_PTR_TO_DYNPTR", v6.3); a pointer one
		 * byte into the dynptr would make a write spill into the
		 * next stack slot. */
		if (unlikely((unsigned long)k & 7))
			return false;
		/* A plain load: the dynptr is the calling program's, and gcc
		 * then tests it in place (cmpq; je). */
		if (unlikely(!k->data))
			return false;
	}
	return likely(bpfx_word_ok(size_word, allowed));
}

/*
 * Why a dynptr was refused (off the hot path, called only when
 * bpfx_view_ok() said no): -EINVAL for a misaligned or null dynptr
 * (checked first, so null wins over every other error); -EOPNOTSUPP for a
 * type whose view is not (only) in the dynptr, a type this build does not
 * know, or a dynptr with reserved bits set. Never 0: a dynptr that passes
 * every test here but failed bpfx_view_ok() is refused as -EOPNOTSUPP.
 */
int bpfx_view_err(const struct bpf_dynptr_kern *k, u32 size_word, u32 allowed);

static __always_inline int bpfx_view_check(const struct bpf_dynptr_kern *k,
					   u32 size_word, u32 allowed)
{
	if (likely(bpfx_view_ok(k, size_word, allowed)))
		return 0;
	return bpfx_view_err(k, size_word, allowed);
}

#endif /* __BPFX_DYNPTR_VIEW_H */
