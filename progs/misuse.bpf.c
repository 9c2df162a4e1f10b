// SPDX-License-Identifier: GPL-2.0
/* More programs the verifier must reject (see also dynptr_fail.bpf.c,
 * iter.bpf.c, implicit.bpf.c), each with its rule and per-kernel message. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

#define NO_ITER __skip("6.1", "no open-coded iterators before v6.4")

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u8 mem[64], tgt[8];

/* clone's target must be an initialised dynptr. */
SEC("syscall")
__fail("6.1", "arg#1 pointer type STRUCT bpf_dynptr_kern must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #1")
__fail("7", "Expected an initialized dynptr as R2")
int clone_uninit_target(void *ctx)
{
	struct bpf_dynptr p, c;

	bpfx_dynptr_from_mem(mem, 64, 0, &p);
	return bpfx_dynptr_clone(&p, &c, 0);
}

/* clone's source must be an initialised dynptr. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int clone_uninit_source(void *ctx)
{
	struct bpf_dynptr p, c;

	bpfx_dynptr_from_mem(tgt, 8, 0, &c);
	return bpfx_dynptr_clone(&p, &c, 0);
}

/* A submitted reservation cannot be cloned from. */
SEC("syscall")
__fail("6.1", "must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int clone_after_submit(void *ctx)
{
	struct bpf_dynptr r, c;

	bpfx_dynptr_from_mem(tgt, 8, 0, &c);
	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &r);
	bpf_ringbuf_submit_dynptr(&r, 0);
	return bpfx_dynptr_clone(&r, &c, 0);
}

/* Overwriting a dynptr's stack slot destroys it. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int clobbered_dynptr(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	*(volatile __u64 *)&d = 0;
	return bpfx_dynptr_size(&d);
}

/* The ctx is not a dynptr. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern not to stack")
__fail("6.12", "arg#0 expected pointer to stack or const struct bpf_dynptr")
__fail("7", "R1 expected pointer to stack or const struct bpf_dynptr")
int ctx_as_dynptr(void *ctx)
{
	return bpfx_dynptr_size(ctx);
}

/* A NULL pointer is not a dynptr. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern not to stack")
__fail("6.12", "arg#0 expected pointer to stack or const struct bpf_dynptr")
__fail("7", "Possibly NULL pointer passed to trusted R1")
int null_as_dynptr(void *ctx)
{
	return bpfx_dynptr_size((struct bpf_dynptr *)0);
}

/* A dynptr argument needs its whole 16 bytes of dynptr slots: half of one
 * is not a dynptr. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern must be valid and initialized")
__fail("6.12", "cannot pass in dynptr at an offset=-8")
__fail("7", "cannot pass in dynptr at an offset=-8")
int half_dynptr(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	return bpfx_dynptr_size((struct bpf_dynptr *)((char *)&d + 8));
}

/* next() needs an iterator that new() initialised. */
SEC("syscall") NO_ITER
__fail("6.12", "expected an initialized iter_bpfx_dynptr")
__fail("7", "expected an initialized iter_bpfx_dynptr")
int iter_next_uninit(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;

	bpf_iter_bpfx_dynptr_next(&it);
	return 0;
}

/* An iterator is destroyed once. */
SEC("syscall") NO_ITER
__fail("6.12", "expected an initialized iter_bpfx_dynptr")
__fail("7", "expected an initialized iter_bpfx_dynptr")
int iter_double_destroy(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_destroy(&it);
	bpf_iter_bpfx_dynptr_destroy(&it);
	return 0;
}

/* new() on a live iterator would leak it. */
SEC("syscall") NO_ITER
__fail("6.12", "expected uninitialized iter_bpfx_dynptr as arg #0")
__fail("7", "expected uninitialized iter_bpfx_dynptr as R1")
int iter_double_new(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_destroy(&it);
	return 0;
}

/* new() needs an initialised dynptr. */
SEC("syscall") NO_ITER
__fail("6.12", "Expected an initialized dynptr as arg #1")
__fail("7", "Expected an initialized dynptr as R2")
int iter_new_uninit_dynptr(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_destroy(&it);
	return 0;
}

/* A dynptr is not an iterator. */
SEC("syscall") NO_ITER
__fail("6.12", "expected an initialized iter_bpfx_dynptr as arg #0")
__fail("7", "expected an initialized iter_bpfx_dynptr as R1")
int dynptr_as_iter(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_next((struct bpf_iter_bpfx_dynptr *)&d);
	return 0;
}

/* An iterator cannot be a clone target. */
SEC("syscall") NO_ITER
__fail("6.12", "Expected an initialized dynptr as arg #1")
__fail("7", "Expected an initialized dynptr as R2")
int iter_as_clone_target(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;
	int r;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	r = bpfx_dynptr_clone(&d, (struct bpf_dynptr *)&it, 0);
	bpf_iter_bpfx_dynptr_destroy(&it);
	return r;
}

/* On 6.1 bpfx is registered for XDP, TC, STRUCT_OPS, TRACING/LSM and
 * SYSCALL only: kprobe, tracepoint and cgroup_skb programs may not call it
 * there (from 6.2 on the common hook covers every type). */
SEC("kprobe/do_nanosleep")
__fail("6.1", "calling kernel function bpfx_dynptr_size is not allowed")
int kprobe_calls(struct pt_regs *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	return bpfx_dynptr_size(&d) == 64 ? 0 : 1;
}

SEC("tp/syscalls/sys_enter_getppid")
__fail("6.1", "calling kernel function bpfx_dynptr_size is not allowed")
int tracepoint_calls(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	return bpfx_dynptr_size(&d) == 64 ? 0 : 1;
}

SEC("cgroup_skb/egress")
__fail("6.1", "calling kernel function bpfx_dynptr_size is not allowed")
__retval(1)
int cgroup_skb_calls(struct __sk_buff *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	return bpfx_dynptr_size(&d) == 64 ? 1 : 0;
}

/* kfunc arguments are checked by type: a length is a scalar, not a
 * pointer. */
SEC("syscall")
__fail("6.1", "R2 is not a scalar")
__fail("6.12", "R2 is not a scalar")
__fail("7", "R2 is not a scalar")
int pointer_as_length(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	return bpfx_dynptr_trim(&d, (__u64)(long)&d);
}

/* More program types 6.1 does not register bpfx for (the common hook of
 * 6.2+ covers them all). */
#define CALLS_BPFX							\
	struct bpf_dynptr d;						\
									\
	bpfx_dynptr_from_mem(mem, 64, 0, &d);				\
	return bpfx_dynptr_size(&d) == 64 ? 1 : 0

#define NOT_ON_6_1 __fail("6.1", "calling kernel function bpfx_dynptr_size is not allowed")

SEC("perf_event") NOT_ON_6_1
int perf_event_calls(void *ctx) { CALLS_BPFX; }

SEC("raw_tp/sys_enter") NOT_ON_6_1
int raw_tp_calls(void *ctx) { CALLS_BPFX; }

SEC("sk_skb/stream_verdict") NOT_ON_6_1
int sk_skb_calls(struct __sk_buff *ctx) { CALLS_BPFX; }

SEC("sk_msg") NOT_ON_6_1
int sk_msg_calls(struct sk_msg_md *ctx) { CALLS_BPFX; }

SEC("lwt_in") NOT_ON_6_1
int lwt_calls(struct __sk_buff *ctx) { CALLS_BPFX; }

SEC("cgroup/sock_create") NOT_ON_6_1
int cgroup_sock_calls(struct bpf_sock *ctx) { CALLS_BPFX; }

SEC("sockops") NOT_ON_6_1
int sockops_calls(struct bpf_sock_ops *ctx) { CALLS_BPFX; }

SEC("flow_dissector") NOT_ON_6_1
int flow_dissector_calls(struct __sk_buff *ctx) { CALLS_BPFX; }

SEC("sk_lookup") NOT_ON_6_1
int sk_lookup_calls(struct bpf_sk_lookup *ctx) { CALLS_BPFX; }

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_iter_bpfx_dynptr);
} iters SEC(".maps");

/* An iterator lives on the stack: a map value cannot be one. */
SEC("syscall") NO_ITER
__fail("6.12", "expected pointer to an iterator on stack")
__fail("7", "expected pointer to an iterator on stack")
int iter_in_map_value(void *ctx)
{
	struct bpf_iter_bpfx_dynptr *it;
	struct bpf_dynptr d;
	__u32 k = 0;

	it = bpf_map_lookup_elem(&iters, &k);
	if (!it)
		return 0;
	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_new(it, &d, 8);
	bpf_iter_bpfx_dynptr_destroy(it);
	return 0;
}

/* A chunk is 16 bytes: reading past it, into the iterator's state, is
 * out of bounds. */
SEC("syscall") NO_ITER
__fail("6.12", "access beyond struct bpfx_dynptr_chunk at off 16 size 8")
__fail("7", "access beyond struct bpfx_dynptr_chunk at off 16 size 8")
int chunk_read_past_end(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;
	__u64 v = 0;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_for_each(bpfx_dynptr, c, &d, 8)
		v += ((__u64 *)c)[2];
	return v;
}

/* next() needs the iterator itself, not a pointer into it. */
SEC("syscall") NO_ITER
__fail("6.12", "cannot pass in iter at an offset=-32")
__fail("7", "cannot pass in iter at an offset=-32")
int iter_at_offset(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 64, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_next((struct bpf_iter_bpfx_dynptr *)((char *)&it + 8));
	bpf_iter_bpfx_dynptr_destroy(&it);
	return 0;
}
