/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfx for BPF programs. Include after vmlinux.h and <bpf/bpf_helpers.h>:
 *
 *	#include "vmlinux.h"
 *	#include <bpf/bpf_helpers.h>
 *	#include <bpfx/bpfx.bpf.h>
 *
 * Gives, on every kernel from 6.1 on, whatever libbpf it is built with:
 *  - the bpfx kfuncs (include/bpfx.h), declared __weak;
 *  - bpfx_dynptr_read/write/data/from_mem: the kernel's dynptr helpers with
 *    64-bit offsets and lengths (see bpfx_compat.bpf.h for why);
 *  - bpfx_dp_*: native-first wrappers, which call the kernel's own dynptr
 *    kfuncs where the loader says they exist, else the bpfx ones;
 *  - bpf_for_each(bpfx_dynptr, ...) where the kernel has module iterators,
 *    and BPFX_DYNPTR_WALK, an iterator built on bpf_loop for every kernel.
 */
#ifndef __BPFX_BPF_H
#define __BPFX_BPF_H

#include "bpfx.h"
#include "bpfx_compat.bpf.h"
#include "bpfx_flags.h"

/*
 * Features the loader found in the running kernel (bpfx_features.h,
 * bpfx_detect_features()), set in .rodata before load. The verifier then
 * sees constants and drops the branches for absent kfuncs. Left at 0 (a
 * loader that does not know about bpfx), every wrapper uses the bpfx
 * kfuncs, which exist on every kernel bpfx loads on.
 */
const volatile __u32 bpfx_features = 0;

#define bpfx_native() (bpfx_features & BPFX_F_NATIVE_DYNPTR)

/* The bpfx contract, natives first. Every wrapper gives the same result on
 * every kernel: the checks the natives do differently are done here. */
static __always_inline __s64 bpfx_dp_size(const struct bpf_dynptr *p)
{
	if (bpfx_native()) {
		if (bpf_dynptr_is_null___bpfx(p) & 1)
			return -EINVAL;
		/* 6.12 returns u32, 7.x u64; sizes fit in 24 bits. */
		return (__u32)bpf_dynptr_size___bpfx(p);
	}
	return bpfx_dynptr_size(p);
}

static __always_inline int bpfx_dp_is_null(const struct bpf_dynptr *p)
{
	/* Natives return bool: only bit 0 of R0 is defined. */
	if (bpfx_native())
		return bpf_dynptr_is_null___bpfx(p) & 1;
	return bpfx_dynptr_is_null(p);
}

static __always_inline int bpfx_dp_is_rdonly(const struct bpf_dynptr *p)
{
	if (bpfx_native())
		return bpf_dynptr_is_rdonly___bpfx(p) & 1;
	return bpfx_dynptr_is_rdonly(p);
}

/* offset += len; size -= len */
static __always_inline int bpfx_dp_advance(struct bpf_dynptr *p, __u64 len)
{
	__s64 sz;

	if (!bpfx_native())
		return bpfx_dynptr_advance(p, len);
	sz = bpfx_dp_size(p);
	if (sz < 0)
		return sz;
	/* Compare as u64 first: 6.12's adjust takes u32 and would wrap. */
	if (len > (__u64)sz)
		return -ERANGE;
	return bpf_dynptr_adjust___bpfx(p, len, sz);
}

/* size -= len */
static __always_inline int bpfx_dp_trim(struct bpf_dynptr *p, __u64 len)
{
	__s64 sz;

	if (!bpfx_native())
		return bpfx_dynptr_trim(p, len);
	sz = bpfx_dp_size(p);
	if (sz < 0)
		return sz;
	if (len > (__u64)sz)
		return -ERANGE;
	return bpf_dynptr_adjust___bpfx(p, 0, sz - len);
}

/*
 * clone's view = p's view advanced by offset. clone must be an initialised
 * LOCAL dynptr for the bpfx path; the native path re-initialises it (the
 * verifier then tracks it as a clone of p, of p's type).
 */
static __always_inline int bpfx_dp_clone(const struct bpf_dynptr *p,
					 struct bpf_dynptr *clone, __u64 offset)
{
	__s64 sz;
	int err;

	if (!bpfx_native())
		return bpfx_dynptr_clone(p, clone, offset);
	sz = bpfx_dp_size(p);
	if (sz < 0)
		return sz;
	if (offset > (__u64)sz)
		return -ERANGE;
	err = bpf_dynptr_clone___bpfx(p, clone);
	if (err)
		return err;
	return bpf_dynptr_adjust___bpfx(clone, offset, sz);
}

/*
 * BPFX_DYNPTR_WALK(name, step) defines
 *	static long name(struct bpf_dynptr *view, void *ctx, __u32 max_steps)
 * the iterator of every kernel (6.1 has no open-coded iterators, and no
 * kernel verifies a callback passed to a module kfunc, so it is built on
 * bpf_loop and the bpfx kfuncs). It calls
 *	long step(struct bpf_dynptr *view, void *ctx)
 * with `view` advanced past what earlier steps consumed; step returns how
 * many bytes it consumed. The walk stops when step returns 0 (done) or a
 * negative error (returned), when step claims more than the view holds
 * (-ERANGE, view left at that step), when the view is empty, or after
 * max_steps. It returns the bytes consumed. `view` is advanced in place:
 * clone it first to keep the original.
 */
struct bpfx_walk_state {
	struct bpf_dynptr *view;
	void *ctx;
	__s64 done;
	__s64 err;
};

#define BPFX_DYNPTR_WALK(name, step)					\
static long name##__bpfx_step(__u32 i, void *arg)			\
{									\
	struct bpfx_walk_state *s = arg;				\
	__s64 sz = bpfx_dynptr_size(s->view);				\
	long n;								\
									\
	if (sz <= 0) {							\
		if (sz < 0)						\
			s->err = sz;					\
		return 1;						\
	}								\
	n = step(s->view, s->ctx);					\
	if (n <= 0) {							\
		if (n < 0)						\
			s->err = n;					\
		return 1;						\
	}								\
	if (n > sz) {							\
		s->err = -ERANGE;					\
		return 1;						\
	}								\
	s->err = bpfx_dynptr_advance(s->view, n);			\
	if (s->err)							\
		return 1;						\
	s->done += n;							\
	return 0;							\
}									\
static __always_inline long name(struct bpf_dynptr *view, void *ctx,	\
				 __u32 max_steps)			\
{									\
	struct bpfx_walk_state s = { .view = view, .ctx = ctx };	\
	long r = bpf_loop(max_steps, name##__bpfx_step, &s, 0);	\
									\
	if (r < 0)							\
		return r;						\
	return s.err ? s.err : s.done;					\
}

#endif /* __BPFX_BPF_H */
