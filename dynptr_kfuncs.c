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
#include "bpfx.h"
#include "dynptr_view.h"

__bpf_kfunc_start_defs();

/* size -= len. */
__bpf_kfunc int bpfx_dynptr_trim(BPFX_DYNPTR *p, u64 len)
{
	struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;
	int err = bpfx_view_check(k, sw, BPFX_VIEW_TYPES);

	if (unlikely(err))
		return err;
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
	u32 sw = k->size;
	u32 off = k->offset;
	int err = bpfx_view_check(k, sw, BPFX_VIEW_TYPES);

	if (unlikely(err))
		return err;
	if (unlikely(len > (sw & BPFX_DYNPTR_SIZE_MASK)))
		return -ERANGE;
	/* The kernel keeps offset + size within its backing object, so this
	 * cannot wrap; refuse rather than trust that for a corrupted dynptr. */
	if (unlikely((u64)off + len > U32_MAX))
		return -ERANGE;
	k->offset = off + (u32)len;
	k->size = sw - (u32)len;
	return 0;
}

/* Usable bytes of the view. */
__bpf_kfunc s64 bpfx_dynptr_size(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;
	int err = bpfx_view_check(k, sw, BPFX_VIEW_TYPES);

	if (unlikely(err))
		return err;
	return sw & BPFX_DYNPTR_SIZE_MASK;
}

/* Offset of the view into the backing memory: a number, never an address. */
__bpf_kfunc s64 bpfx_dynptr_offset(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);
	int err = bpfx_view_check(k, k->size, BPFX_VIEW_TYPES);

	if (unlikely(err))
		return err;
	return k->offset;
}

/* int, not bool: gcc returns a bool in %al and leaves the rest of %rax
 * stale, while BPF tests all 64 bits of R0. */
__bpf_kfunc int bpfx_dynptr_is_null(const BPFX_DYNPTR *p)
{
	return !READ_ONCE(bpfx_kern(p)->data);
}

__bpf_kfunc int bpfx_dynptr_is_rdonly(const BPFX_DYNPTR *p)
{
	const struct bpf_dynptr_kern *k = bpfx_kern(p);

	if (!READ_ONCE(k->data))
		return 0;
	return !!(k->size & BPFX_DYNPTR_RDONLY_BIT);
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
	u32 sw = src->size, soff = src->offset, dsw = dst->size;
	int err = bpfx_view_check(src, sw, BIT(BPF_DYNPTR_TYPE_LOCAL));

	if (unlikely(err))
		return err;
	if (unlikely(bpfx_view_check(dst, dsw, BIT(BPF_DYNPTR_TYPE_LOCAL))))
		return -EINVAL;
	if (unlikely(offset > (sw & BPFX_DYNPTR_SIZE_MASK)))
		return -ERANGE;
	if (unlikely((u64)soff + offset > U32_MAX))
		return -ERANGE;
	/* p and clone may be the same dynptr: everything was read above. */
	dst->data = data;
	dst->offset = soff + (u32)offset;
	dst->size = sw - (u32)offset;
	return 0;
}

/* Benchmark call floor: same shape as bpfx_dynptr_size, no work. */
__bpf_kfunc s64 bpfx_dynptr_nop(const BPFX_DYNPTR *p)
{
	return 0;
}

__bpf_kfunc_end_defs();
