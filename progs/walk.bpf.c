// SPDX-License-Identifier: GPL-2.0
/* BPFX_DYNPTR_WALK, the bpf_loop-based iterator of every kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

__u8 mem[100];

/*
 * Loop-carried counters live in a global (a map value), not on the stack:
 * before v6.7 ("bpf: verify callbacks as if they are called unknown number
 * of times") the verifier checks a bpf_loop callback as if it ran once, so
 * it believes a stack counter the callback increments ends at 1 and
 * hard-wires branches on it (seen on Debian's 6.1). See docs/SAFETY.md.
 */
__u32 steps;

struct walk_ctx {
	__s64 step_len;		/* what each step claims to consume */
	__u32 stop_after;	/* return 0 on this step */
	__u64 sum;		/* sum of the first byte of each view */
};

static long step(struct bpf_dynptr *view, void *arg)
{
	struct walk_ctx *w = arg;
	__u8 b = 0;

	if (++steps == w->stop_after)
		return 0;
	if (bpfx_dynptr_read(&b, 1, view, 0, 0) == 0)
		w->sum += b;
	return w->step_len;
}

BPFX_DYNPTR_WALK(walk, step)

static __always_inline void fill(void)
{
	int i;

	for (i = 0; i < 100; i++)
		mem[i] = i;
}

SEC("syscall") __retval(0)
int walk_all(void *ctx)
{
	struct walk_ctx w = { .step_len = 16 };
	struct bpf_dynptr d;

	fill();
	steps = 0;
	CHECK(bpfx_dynptr_from_mem(mem, 100, 0, &d) == 0);
	/* 16,16,16,16,16,16 then 4 left: the 7th step claims 16 > 4 */
	CHECK(walk(&d, &w, 64) == -ERANGE);
	CHECK(steps == 7);
	CHECK(w.sum == 0 + 16 + 32 + 48 + 64 + 80 + 96);
	CHECK(bpfx_dynptr_size(&d) == 4 && bpfx_dynptr_offset(&d) == 96);
	return 0;
}

SEC("syscall") __retval(0)
int walk_exact(void *ctx)
{
	struct walk_ctx w = { .step_len = 25 };
	struct bpf_dynptr d;

	fill();
	steps = 0;
	CHECK(bpfx_dynptr_from_mem(mem, 100, 0, &d) == 0);
	CHECK(walk(&d, &w, 64) == 100);
	CHECK(steps == 4);
	CHECK(bpfx_dynptr_size(&d) == 0);
	return 0;
}

SEC("syscall") __retval(0)
int walk_stop_and_error(void *ctx)
{
	struct walk_ctx w = { .step_len = 10, .stop_after = 3 };
	struct walk_ctx e = { .step_len = -7 };
	struct walk_ctx m = { .step_len = 1 };
	struct bpf_dynptr d, f, g, n;

	fill();
	steps = 0;
	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpfx_dynptr_from_mem(mem, 100, 0, &f);
	bpfx_dynptr_from_mem(mem, 100, 0, &g);
	bpfx_dynptr_from_mem(mem, 100, 1, &n);
	CHECK(walk(&d, &w, 64) == 20);		/* step 3 returned 0 */
	CHECK(walk(&f, &e, 64) == -7);		/* errors come back */
	CHECK(bpfx_dynptr_size(&f) == 100);
	CHECK(walk(&g, &m, 5) == 5);		/* max_steps bounds it */
	CHECK(walk(&n, &m, 5) == -EINVAL);	/* null dynptr */
	return 0;
}
