// SPDX-License-Identifier: GPL-2.0
/*
 * Open-coded iterator over a dynptr's view in chunks:
 *
 *	bpf_for_each(bpfx_dynptr, c, &dp, 64)
 *		bpf_dynptr_read(buf, c->len, &dp, c->off, 0);
 *
 * The state holds numbers only, snapshotted at new(): never `data` or any
 * pointer into the dynptr's memory. A program reads each chunk through the
 * kernel's own dynptr helpers, which re-check the dynptr (it may have been
 * released, trimmed or had its packet changed meanwhile). So the iterator is
 * safe for every dynptr type and after the dynptr is gone.
 * Built only where the verifier supports module iterators (KF_ITER_*, v6.4).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include "bpfx.h"
#include "dynptr_view.h"
#include "bpfx_selftest.h"

struct bpfx_dynptr_iter_state {
	u64 pos;	/* next offset to yield, relative to the view */
	u64 end;	/* view size at new(); 0 for an empty/failed iterator */
	u64 chunk;
	struct bpfx_dynptr_chunk cur;	/* what next() points the program at */
};

static_assert(sizeof(struct bpfx_dynptr_iter_state) ==
	      sizeof(struct bpf_iter_bpfx_dynptr));
static_assert(__alignof__(struct bpfx_dynptr_iter_state) <=
	      __alignof__(struct bpf_iter_bpfx_dynptr));

__bpf_kfunc_start_defs();

__bpf_kfunc int bpf_iter_bpfx_dynptr_new(struct bpf_iter_bpfx_dynptr *it,
					 const BPFX_DYNPTR *p, u64 chunk)
{
	struct bpfx_dynptr_iter_state *s = (void *)it;
	const struct bpf_dynptr_kern *k = bpfx_kern(p);
	u32 sw = k->size;
	int err = bpfx_view_check(k, sw, BPFX_VIEW_TYPES);

	/* The verifier hands us uninitialised stack: always leave a state
	 * that next() and destroy() can use, empty on error. */
	s->pos = 0;
	s->end = 0;
	s->chunk = 0;
	s->cur.off = 0;
	s->cur.len = 0;
	if (unlikely(err))
		return err;
	if (unlikely(!chunk))
		return -EINVAL;
	s->end = sw & BPFX_DYNPTR_SIZE_MASK;
	s->chunk = chunk;
	return 0;
}

__bpf_kfunc struct bpfx_dynptr_chunk *
bpf_iter_bpfx_dynptr_next(struct bpf_iter_bpfx_dynptr *it)
{
	struct bpfx_dynptr_iter_state *s = (void *)it;
	u64 rest;

	if (s->pos >= s->end)
		return NULL;
	rest = s->end - s->pos;
	s->cur.off = s->pos;
	s->cur.len = min(s->chunk, rest);
	s->pos += s->cur.len;
	return &s->cur;
}

__bpf_kfunc void bpf_iter_bpfx_dynptr_destroy(struct bpf_iter_bpfx_dynptr *it)
{
}

__bpf_kfunc_end_defs();

/* Self-test hook: new() refuses what the view ops refuse, and leaves an
 * iterator that yields nothing. */
void bpfx_selftest_iter(const char *name, BPFX_DYNPTR *p, int err)
{
	struct bpf_iter_bpfx_dynptr it;
	char what[96];

	snprintf(what, sizeof(what), "%s: iter new", name);
	bpfx_selftest_expect(what, bpf_iter_bpfx_dynptr_new(&it, p, 8), err);
	snprintf(what, sizeof(what), "%s: iter next", name);
	bpfx_selftest_expect(what, (long)bpf_iter_bpfx_dynptr_next(&it), 0);
	bpf_iter_bpfx_dynptr_destroy(&it);
}
