// SPDX-License-Identifier: GPL-2.0
/*
 * Dynptr convenience kfuncs: trim, advance, size, offset, is_null,
 * is_rdonly, clone. They act on the view of a dynptr the verifier has
 * already checked to be an initialised dynptr on the BPF stack (or a const
 * dynptr); what they must still check at run time is listed in
 * docs/SAFETY.md. The rules that keep them safe:
 *  - a view only ever shrinks: every length is compared, as u64, against
 *    the current size before anything is written, so no u32/u64 wrap can
 *    grow it;
 *  - `data`, the type bits and the read-only bit are never changed (clone
 *    writes a LOCAL target from a LOCAL source only);
 *  - on any error nothing is written.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include "bpfx.h"
#include "dynptr_view.h"

/*
 * Hot paths are written for the instruction count (docs/BENCHMARKS.md):
 * one combined test of the dynptr (bpfx_view_ok), then the range checks,
 * then the writes; the error code is worked out only on the way out
 * (bpfx_view_err, out of line). The checks are the same on every path.
 */

/* Out of line and cold: only refused dynptrs come here. */
__cold noinline int bpfx_view_err(const struct bpf_dynptr_kern *k,
				  u32 size_word, u32 allowed)
{
	if ((unsigned long)k & 7)
		return -EINVAL;
	if (!READ_ONCE(k->data))
		return -EINVAL;
	return -EOPNOTSUPP;
}

/*
 * clone's test: is the source a LOCAL view bpfx may copy, and the target an
 * initialised LOCAL dynptr? bpfx_view_ok() for both, with the two word
 * tests merged into one branch: (sw - LOCAL<<28) | (dsw - LOCAL<<28) must
 * have bits 24-30 clear, which is bpfx_word_ok(x, BIT(LOCAL)) for each.
 * *a is sw - LOCAL<<28, whose bits 0-23 are sw's size.
 */
static __always_inline bool bpfx_clone_ok(const struct bpf_dynptr_kern *src, u32 sw,
					  const struct bpf_dynptr_kern *dst, u32 dsw,
					  u32 *a)
{
	const u32 l = BPF_DYNPTR_TYPE_LOCAL << BPFX_DYNPTR_TYPE_SHIFT;

	BUILD_BUG_ON(BPFX_RUN_MASK(BIT(BPF_DYNPTR_TYPE_LOCAL)) != 0x7F000000u);
	if (!BPFX_VERIFIED_DYNPTR_ARGS &&
	    (!bpfx_view_ok(src, 0x10000000u, BIT(BPF_DYNPTR_TYPE_LOCAL)) ||
	     !bpfx_view_ok(dst, 0x10000000u, BIT(BPF_DYNPTR_TYPE_LOCAL))))
		return false;	/* alignment or null (6.1): word tested below */
	*a = sw - l;
	/* Keep the size bits in *a: gcc 16 would otherwise take them from
	 * sw again, with one more register move. */
	OPTIMIZER_HIDE_VAR(*a);
	return likely(!((*a | (dsw - l)) & 0x7F000000u));
}

/* Why clone refused: the source's error first, then -EINVAL for the
 * target. Two arguments only, so that the hot path moves no register to
 * call it; the words are read again (nothing wrote them meanwhile). */
static __cold noinline int bpfx_clone_err(const struct bpf_dynptr_kern *src,
					  const struct bpf_dynptr_kern *dst)
{
	u32 sw = src->size;

	if (!bpfx_view_ok(src, sw, BIT(BPF_DYNPTR_TYPE_LOCAL)))
		return bpfx_view_err(src, sw, BIT(BPF_DYNPTR_TYPE_LOCAL));
	return -EINVAL;
}

__bpf_kfunc_start_defs();

/* size -= len. */
__bpf_kfunc int bpfx_dynptr_trim(BPFX_DYNPTR *p, u64 len)
{
	struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;

	if (unlikely(!bpfx_view_ok(k, sw, BPFX_VIEW_TYPES)))
		return bpfx_view_err(k, sw, BPFX_VIEW_TYPES);
	if (unlikely(len > (sw & BPFX_DYNPTR_SIZE_MASK)))
		return -ERANGE;
	/* len <= size, so this cannot borrow into the type bits. */
	k->size = sw - (u32)len;
	return 0;
}

/* offset += len; size -= len. */
__bpf_kfunc int bpfx_dynptr_advance(BPFX_DYNPTR *p, u64 len)
{
	struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size, off;

	if (unlikely(!bpfx_view_ok(k, sw, BPFX_VIEW_TYPES)))
		return bpfx_view_err(k, sw, BPFX_VIEW_TYPES);
	if (unlikely(len > (sw & BPFX_DYNPTR_SIZE_MASK)))
		return -ERANGE;
	/* The kernel keeps offset + size within its backing object, so this
	 * cannot wrap; refuse rather than trust that for a corrupted dynptr.
	 * len < 2^24 here, so the u32 carry is the u64 "> U32_MAX". */
	if (unlikely(check_add_overflow(k->offset, (u32)len, &off)))
		return -ERANGE;
	k->offset = off;
	k->size = sw - (u32)len;
	return 0;
}

/* Usable bytes of the view. */
__bpf_kfunc s64 bpfx_dynptr_size(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;

	if (unlikely(!bpfx_view_ok(k, sw, BPFX_VIEW_TYPES)))
		return bpfx_view_err(k, sw, BPFX_VIEW_TYPES);
	return sw & BPFX_DYNPTR_SIZE_MASK;
}

/* Offset of the view into the backing memory: a number, never an address. */
__bpf_kfunc s64 bpfx_dynptr_offset(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;

	if (unlikely(!bpfx_view_ok(k, sw, BPFX_VIEW_TYPES)))
		return bpfx_view_err(k, sw, BPFX_VIEW_TYPES);
	return k->offset;
}

/* int, not bool: gcc returns a bool in %al and leaves the rest of %rax
 * stale, while BPF tests all 64 bits of R0. A plain load (no READ_ONCE):
 * the dynptr is the calling program's, nothing else writes it meanwhile,
 * and gcc can then test it in place (xor; cmpq; sete). */
__bpf_kfunc int bpfx_dynptr_is_null(const BPFX_DYNPTR *p)
{
	return !bpfx_kern(p)->data;
}

__bpf_kfunc int bpfx_dynptr_is_rdonly(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);

	if (!k->data)
		return 0;
	return k->size >> 31;	/* BPFX_DYNPTR_RDONLY_BIT */
}

/*
 * Replace clone's view by p's view advanced by offset; the read-only bit is
 * carried over. No kernel lets a module kfunc initialise a dynptr, so clone
 * must already be an initialised LOCAL dynptr. Both must be LOCAL at run
 * time: a copy of a ringbuf, packet or file dynptr would escape the
 * verifier's reference tracking (use after submit / discard / pull_data),
 * and a non-LOCAL target would have its type reinterpreted.
 * Lifetime: a LOCAL view points into a map value or a user ringbuf sample,
 * both owned by a map the program holds for as long as it can run, so the
 * copy never outlives its memory (docs/SAFETY.md, "clone lifetime").
 */
__bpf_kfunc int bpfx_dynptr_clone(const BPFX_DYNPTR *p, BPFX_DYNPTR *clone,
				  u64 offset)
{
	const struct bpf_dynptr_kern *src = bpfx_kern(p);
	struct bpf_dynptr_kern *dst = bpfx_kern(clone);
	void *data = READ_ONCE(src->data);
	u32 sw = src->size, soff = src->offset, dsw = dst->size, off, a;

#ifdef CONFIG_X86_64
	/* offset stays in %rdx, its argument register: gcc 16 otherwise
	 * copies it to %rcx to use %edx as a temporary (one instruction per
	 * call, seen in the 7.2 build). No code is emitted for this. */
	asm("" : "+d"(offset));
#endif
	/* Both LOCAL in one test (bpfx_clone_ok); a keeps sw's size bits. */
	if (unlikely(!bpfx_clone_ok(src, sw, dst, dsw, &a)))
		return bpfx_clone_err(src, dst);
	if (unlikely(offset > (a & BPFX_DYNPTR_SIZE_MASK)))
		return -ERANGE;
	/* offset < 2^24 here: the u32 carry is the u64 "> U32_MAX". */
	if (unlikely(check_add_overflow(soff, (u32)offset, &off)))
		return -ERANGE;
	/* p and clone may be the same dynptr: everything was read above. */
	dst->data = data;
	dst->offset = off;
	dst->size = sw - (u32)offset;
	return 0;
}

/* Benchmark call floor: same shape as bpfx_dynptr_size, no work. */
__bpf_kfunc s64 bpfx_dynptr_nop(const BPFX_DYNPTR *p)
{
	return 0;
}

__bpf_kfunc_end_defs();
