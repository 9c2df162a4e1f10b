/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by progs/dynptr_ops.bpf.c and the test driver: a tiny op language
 * so tests (and the fuzzer) can drive every kfunc from userspace. */
#ifndef __BPFX_DYNPTR_OPS_H
#define __BPFX_DYNPTR_OPS_H

#define OPS_MAX		8
#define OPS_BUFSZ	256
#define OPS_READ_MAX	16

enum ops_code {
	BOP_NONE, BOP_TRIM, BOP_ADVANCE, BOP_CLONE, BOP_SIZE, BOP_OFFSET,
	BOP_IS_NULL, BOP_IS_RDONLY, BOP_READ, BOP_WRITE, BOP_NOP,
	BOP_ITER,	/* walk dp in chunks of arg: ret = new()'s result, or the
			 * number of chunks; iter_sum[i] = sum of off ^ len over
			 * the chunks (their shape), iter_len[i] = sum of len */
};

struct ops_op {
	__u32 code;
	__u32 dp;	/* 0 = dynptr A, 1 = dynptr B */
	__u32 dp2;	/* clone target */
	__u32 len;	/* READ/WRITE length (<= OPS_READ_MAX) */
	__u64 arg;	/* TRIM/ADVANCE len, CLONE offset, READ/WRITE offset */
};

struct ops_in {
	__u32 size[2];	/* sizes of A and B over buf[0] and buf[1] */
	__u32 flags[2];	/* bpf_dynptr_from_mem flags: non-zero => null dynptr */
	__u32 nops;
	__u32 pad;
	struct ops_op op[OPS_MAX];
};

struct ops_out {
	__s64 ret;
	__u8 bytes[OPS_READ_MAX];
};

#endif
