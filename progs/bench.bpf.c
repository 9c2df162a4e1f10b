// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks (tests/bench.c, `make bench`): XDP programs, because
 * BPF_PROG_TEST_RUN takes `repeat` for XDP (SEC("syscall") refuses it).
 *
 * Kfuncs: each op program makes K calls of one kfunc on a LOCAL dynptr over
 * a global buffer; its setup twin does the same setup and final check with
 * no call. The driver takes (time(op) - time(setup)) / K: one call, like
 * for like. Natives are declared under their own names (__weak, resolved
 * from vmlinux BTF by every libbpf from 1.1 on) and loaded only where the
 * running kernel has them (6.5+). Every program checks what its calls did
 * and returns XDP_PASS only if it was right; the driver fails otherwise.
 *
 * Iterator: each program walks a view of a 1 MiB map value (it_size bytes)
 * in it_chunk-byte chunks and reads every chunk with bpf_dynptr_read, four
 * ways: bpfx's open-coded iterator, a bpf_loop callback, a native
 * clone + adjust per chunk, and BPFX_DYNPTR_WALK (the 6.1 form).
 */
/* Our own native prototypes below: keep 7.x vmlinux.h from declaring its. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define K 128			/* calls per run; tests/bench.c knows it too */
#define S 4096			/* view size for the kfunc programs */

/* The kernel's dynptr kfuncs, v6.5+ (Joanne Koong, "bpf: Add
 * bpf_dynptr_adjust", "bpf: Add bpf_dynptr_is_null and
 * bpf_dynptr_is_rdonly", "bpf: Add bpf_dynptr_size", "bpf: Add
 * bpf_dynptr_clone"). 6.12 takes u32 offsets, 7.x u64; the constants passed
 * here fit either. bool returns are declared wide and masked to bit 0.
 * Plain names, not bpfx_compat.bpf.h's ___bpfx flavours: the bench driver
 * loads with Debian 12's libbpf 1.1, which does not resolve flavoured
 * kfunc names. */
extern int bpf_dynptr_adjust(const struct bpf_dynptr *p, __u64 start,
			     __u64 end) __ksym __weak;
extern __u64 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym __weak;
extern __u64 bpf_dynptr_is_null(const struct bpf_dynptr *p) __ksym __weak;
extern __u64 bpf_dynptr_is_rdonly(const struct bpf_dynptr *p) __ksym __weak;
extern int bpf_dynptr_clone(const struct bpf_dynptr *p,
			    struct bpf_dynptr *clone__uninit) __ksym __weak;

__u8 mem[2][S];

/* K calls, unrolled: no loop overhead in the difference to the twin. */
#define REPEAT(stmt)							\
	do {								\
		int __i;						\
		_Pragma("clang loop unroll(full)")			\
		for (__i = 0; __i < K; __i++) {				\
			stmt;						\
		}							\
	} while (0)

#define PASS_IF(cond) return (cond) ? XDP_PASS : XDP_DROP

/* One LOCAL dynptr, S bytes. The final size check is in every program. */
#define SETUP1()							\
	struct bpf_dynptr a;						\
	__s64 r = 0;							\
	if (bpfx_dynptr_from_mem(mem[0], S, 0, &a))			\
		return XDP_ABORTED

SEC("xdp") int setup1(struct xdp_md *ctx)
{
	SETUP1();
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int bpfx_nop(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpfx_dynptr_nop(&a));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int bpfx_size(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpfx_dynptr_size(&a));
	PASS_IF(r == S && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int native_size(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = (__u32)bpf_dynptr_size(&a));
	PASS_IF(r == S && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int bpfx_offset(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpfx_dynptr_offset(&a));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int bpfx_is_null(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpfx_dynptr_is_null(&a));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int native_is_null(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpf_dynptr_is_null(&a));
	PASS_IF((r & 1) == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int bpfx_is_rdonly(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpfx_dynptr_is_rdonly(&a));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S);
}

SEC("xdp") int native_is_rdonly(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r = bpf_dynptr_is_rdonly(&a));
	PASS_IF((r & 1) == 0 && bpfx_dynptr_size(&a) == S);
}

/* advance(p, 1) == adjust(p, 1, size): the size before call i is S - i. */
SEC("xdp") int bpfx_advance(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r |= bpfx_dynptr_advance(&a, 1));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S - K);
}

SEC("xdp") int native_advance(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r |= bpf_dynptr_adjust(&a, 1, S - __i));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S - K);
}

/* trim(p, 1) == adjust(p, 0, size - 1). */
SEC("xdp") int bpfx_trim(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r |= bpfx_dynptr_trim(&a, 1));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S - K);
}

SEC("xdp") int native_trim(struct xdp_md *ctx)
{
	SETUP1();
	REPEAT(r |= bpf_dynptr_adjust(&a, 0, S - 1 - __i));
	PASS_IF(r == 0 && bpfx_dynptr_size(&a) == S - K);
}

/* Clone: both sides start from two initialised LOCAL dynptrs (bpfx's
 * clone needs an initialised target; the native one overwrites it). */
#define SETUP2()							\
	struct bpf_dynptr a, c;						\
	__s64 r = 0;							\
	if (bpfx_dynptr_from_mem(mem[0], S, 0, &a) ||			\
	    bpfx_dynptr_from_mem(mem[1], S / 2, 0, &c))			\
		return XDP_ABORTED

SEC("xdp") int setup2(struct xdp_md *ctx)
{
	SETUP2();
	PASS_IF(r == 0 && bpfx_dynptr_size(&c) == S / 2);
}

SEC("xdp") int bpfx_clone(struct xdp_md *ctx)
{
	SETUP2();
	REPEAT(r |= bpfx_dynptr_clone(&a, &c, 0));
	PASS_IF(r == 0 && bpfx_dynptr_size(&c) == S);
}

SEC("xdp") int native_clone(struct xdp_md *ctx)
{
	SETUP2();
	REPEAT(r |= bpf_dynptr_clone(&a, &c));
	PASS_IF(r == 0 && bpfx_dynptr_size(&c) == S);
}

/* ------------------------------------------------------------ iterator */

#define BIG (1u << 20)
#define RBUF 4096
struct big { __u8 b[BIG]; };
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct big);
} bigmap SEC(".maps");

/* Set by the driver; loop state in globals (see progs/iter.bpf.c). */
__u64 it_size, it_chunk, it_bytes;
__u8 rbuf[RBUF];

static __always_inline int big_view(struct bpf_dynptr *d)
{
	__u32 key = 0;
	struct big *v = bpf_map_lookup_elem(&bigmap, &key);
	__u64 sz = it_size;

	it_bytes = 0;
	if (!v || !it_chunk || it_chunk > RBUF)
		return -1;
	if (sz > BIG)
		sz = BIG;
	return bpfx_dynptr_from_mem(v->b, sz, 0, d);
}

/* Bytes of the chunk at off, bounded for the verifier. */
static __always_inline __u64 chunk_len(__u64 off)
{
	__u64 len = it_size - off;

	if (len > it_chunk)
		len = it_chunk;
	if (len > RBUF)
		len = RBUF;
	return len;
}

SEC("xdp") int iter_setup(struct xdp_md *ctx)
{
	struct bpf_dynptr d;

	if (big_view(&d))
		return XDP_ABORTED;
	it_bytes = it_size;
	PASS_IF(it_bytes == it_size);
}

/* bpfx's open-coded iterator (6.4+). */
SEC("xdp") int iter_bpfx(struct xdp_md *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;

	if (big_view(&d))
		return XDP_ABORTED;
	bpf_for_each(bpfx_dynptr, c, &d, it_chunk) {
		__u64 len = c->len;

		if (len > RBUF)
			len = RBUF;
		if (bpfx_dynptr_read(rbuf, len, &d, c->off, 0))
			break;
		it_bytes += len;
	}
	PASS_IF(it_bytes == it_size);
}

/* Hand-written: bpf_loop over chunk numbers, bpf_dynptr_read each. */
static long loop_cb(__u32 i, void *arg)
{
	struct bpf_dynptr *d = arg;
	__u64 off = (__u64)i * it_chunk, len = chunk_len(off);

	if (bpfx_dynptr_read(rbuf, len, d, off, 0))
		return 1;
	it_bytes += len;
	return 0;
}

SEC("xdp") int iter_loop(struct xdp_md *ctx)
{
	struct bpf_dynptr d;

	if (big_view(&d))
		return XDP_ABORTED;
	bpf_loop((it_size + it_chunk - 1) / it_chunk, loop_cb, &d, 0);
	PASS_IF(it_bytes == it_size);
}

/* Hand-written, 6.5+: a native sub-dynptr per chunk (clone + adjust). */
static long clone_cb(__u32 i, void *arg)
{
	struct bpf_dynptr *d = arg, c;
	__u64 off = (__u64)i * it_chunk, len = chunk_len(off);

	if (bpf_dynptr_clone(d, &c) || bpf_dynptr_adjust(&c, off, off + len))
		return 1;
	if (bpfx_dynptr_read(rbuf, len, &c, 0, 0))
		return 1;
	it_bytes += len;
	return 0;
}

SEC("xdp") int iter_clone(struct xdp_md *ctx)
{
	struct bpf_dynptr d;

	if (big_view(&d))
		return XDP_ABORTED;
	bpf_loop((it_size + it_chunk - 1) / it_chunk, clone_cb, &d, 0);
	PASS_IF(it_bytes == it_size);
}

/* BPFX_DYNPTR_WALK, the iterator of every kernel (the 6.1 form). */
static long walk_step(struct bpf_dynptr *view, void *arg)
{
	__u64 len = chunk_len(0);	/* the view starts at the next chunk */
	__s64 sz = bpfx_dynptr_size(view);

	if (sz < 0)
		return sz;
	if (len > (__u64)sz)
		len = sz;
	if (len > RBUF)
		len = RBUF;
	if (bpfx_dynptr_read(rbuf, len, view, 0, 0))
		return -1;
	it_bytes += len;
	return len;
}

BPFX_DYNPTR_WALK(bench_walk, walk_step)

SEC("xdp") int iter_walk(struct xdp_md *ctx)
{
	struct bpf_dynptr d;

	if (big_view(&d))
		return XDP_ABORTED;
	bench_walk(&d, 0, (it_size + it_chunk - 1) / it_chunk);
	PASS_IF(it_bytes == it_size);
}
