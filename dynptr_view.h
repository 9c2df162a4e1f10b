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

static __always_inline struct bpf_dynptr_kern *bpfx_kern(const BPFX_DYNPTR *p)
{
	return (struct bpf_dynptr_kern *)p;
}

static __always_inline u32 bpfx_dynptr_type(u32 size_word)
{
	return (size_word >> BPFX_DYNPTR_TYPE_SHIFT) & BPFX_DYNPTR_TYPE_MASK;
}

/*
 * May bpfx read or shrink this dynptr's view? 0 if so; -EINVAL for a
 * misaligned or null dynptr (checked first, so null wins over every other
 * error);
 * -EOPNOTSUPP for a type whose view is not (only) in the dynptr, a type
 * this build does not know, or a dynptr with reserved bits set.
 */
static __always_inline int bpfx_view_check(const struct bpf_dynptr_kern *k,
					   u32 size_word, u32 allowed_types)
{
	/* 6.1's verifier does not check a dynptr argument's alignment (fixed
	 * in v6.2, "bpf: Fix missing var_off check for ARG_PTR_TO_DYNPTR" and
	 * dynptr_get_spi()); a pointer one byte into the dynptr would make a
	 * write spill into the next stack slot. */
	if (unlikely((unsigned long)k & 7))
		return -EINVAL;
	if (unlikely(!READ_ONCE(k->data)))
		return -EINVAL;
	if (unlikely(size_word & BPFX_DYNPTR_RSVD_MASK))
		return -EOPNOTSUPP;
	if (unlikely(!(allowed_types & BIT(bpfx_dynptr_type(size_word)))))
		return -EOPNOTSUPP;
	return 0;
}

#endif /* __BPFX_DYNPTR_VIEW_H */
