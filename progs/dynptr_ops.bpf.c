// SPDX-License-Identifier: GPL-2.0
/* Runs a sequence of dynptr ops, given in `in` by the test, on two LOCAL
 * dynptrs over global buffers, recording every return value. Expected
 * results live in tests/test_dynptr.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"
#include "dynptr_ops.h"



__u8 buf[2][OPS_BUFSZ];
struct ops_out out[OPS_MAX];
__s64 init_ret[2];
/* input in a global: a syscall ctx only takes constant-offset loads */
struct ops_in in;
/* iterator results: globals, so the verifier need not track them and the
 * open-coded loop converges */
__u64 iter_sum[OPS_MAX], iter_len[OPS_MAX], iter_n;

/* BOP_ITER, where the kernel has module iterators (the loader says so in
 * bpfx_features); -EOPNOTSUPP elsewhere, so the object loads on 6.1. */
static __noinline __s64 do_iter(struct bpf_dynptr *d, __u64 chunk, __u32 i)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpfx_dynptr_chunk *c;
	int err;

	if (!(bpfx_features & BPFX_F_ITER) || i >= OPS_MAX)
		return -EOPNOTSUPP;
	iter_n = 0;
	iter_sum[i] = iter_len[i] = 0;
	err = bpf_iter_bpfx_dynptr_new(&it, d, chunk);
	while ((c = bpf_iter_bpfx_dynptr_next(&it))) {
		iter_n++;
		iter_sum[i] += c->off ^ c->len;
		iter_len[i] += c->len;
		if (iter_n > OPS_BUFSZ + 1)
			break;
	}
	bpf_iter_bpfx_dynptr_destroy(&it);
	return err ? err : (__s64)iter_n;
}

static __always_inline __s64 do_op(struct ops_op *op, struct bpf_dynptr *a,
				   struct bpf_dynptr *b, struct ops_out *o, __u32 i)
{
	struct bpf_dynptr *d = op->dp ? b : a;
	struct bpf_dynptr *d2 = op->dp2 ? b : a;
	__u32 len = op->len;

	if (len > OPS_READ_MAX)
		len = OPS_READ_MAX;
	switch (op->code) {
	case BOP_TRIM:
		return bpfx_dynptr_trim(d, op->arg);
	case BOP_ADVANCE:
		return bpfx_dynptr_advance(d, op->arg);
	case BOP_CLONE:
		return bpfx_dynptr_clone(d, d2, op->arg);
	case BOP_SIZE:
		return bpfx_dynptr_size(d);
	case BOP_OFFSET:
		return bpfx_dynptr_offset(d);
	case BOP_IS_NULL:
		return bpfx_dynptr_is_null(d);
	case BOP_IS_RDONLY:
		return bpfx_dynptr_is_rdonly(d);
	case BOP_READ:
		return bpfx_dynptr_read(o->bytes, len, d, op->arg, 0);
	case BOP_WRITE:
		return bpfx_dynptr_write(d, op->arg, o->bytes, len, 0);
	case BOP_NOP:
		return bpfx_dynptr_nop(d);
	case BOP_ITER:
		return do_iter(d, op->arg, i);
	}
	return -EINVAL;
}

SEC("syscall")
int run_ops(void *ctx)
{
	struct bpf_dynptr a, b;
	__u32 sa = in.size[0], sb = in.size[1];
	int i;

	if (sa > OPS_BUFSZ)
		sa = OPS_BUFSZ;
	if (sb > OPS_BUFSZ)
		sb = OPS_BUFSZ;
	init_ret[0] = bpfx_dynptr_from_mem(buf[0], sa, in.flags[0], &a);
	init_ret[1] = bpfx_dynptr_from_mem(buf[1], sb, in.flags[1], &b);
	for (i = 0; i < OPS_MAX; i++) {
		struct ops_op op;

		if (i >= in.nops)
			break;
		op = in.op[i & (OPS_MAX - 1)];
		out[i].ret = do_op(&op, &a, &b, &out[i], i);
	}
	return 0;
}
