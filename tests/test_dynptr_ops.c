// SPDX-License-Identifier: GPL-2.0
/*
 * The error contract of every view kfunc, driven through progs/dynptr_ops:
 * lengths 0, 1, size-1, size, size+1, 2^24-1, 2^24, 2^32-1, 2^32, 2^32+1,
 * U64_MAX; the view read back through the kernel's own helper after each
 * op; nothing changed on error; null dynptrs.
 */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "dynptr_ops.h"
#include "dynptr_ops.skel.h"

#define EINVAL_ (-22)
#define ERANGE_ (-34)
#define E2BIG_ (-7)

static struct dynptr_ops *skel;

static int run(struct ops_in *in)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < OPS_BUFSZ; i++)
			skel->bss->buf[j][i] = (j ? 0x80 : 0) | (i & 0x7f);
	memset(skel->bss->out, 0, sizeof(skel->bss->out));
	for (i = 0; i < OPS_MAX; i++)
		memset(skel->bss->out[i].bytes, 0xa5, OPS_READ_MAX);
	skel->bss->in = *in;
	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.run_ops), &o);
}

static struct ops_op op(__u32 code, __u32 dp, __u64 arg)
{
	return (struct ops_op){ .code = code, .dp = dp, .arg = arg };
}

static struct ops_op rd(__u32 dp, __u64 off, __u32 len)
{
	return (struct ops_op){ .code = BOP_READ, .dp = dp, .arg = off, .len = len };
}

static const __u64 lens[] = {
	0, 1, 63, 64, 65, (1 << 24) - 1, 1 << 24, 0xffffffffull,
	0x100000000ull, 0x100000001ull, ~0ull,
};
#define S 64	/* view size used by the tables */

/* ret, then size/offset and the view's edges via bpf_dynptr_read */
static void check_view(const char *what, int at, long long size, long long off,
		       int buf)
{
	struct ops_out *o = skel->bss->out;
	char w[96];

	snprintf(w, sizeof(w), "%s: size", what);
	ASSERT_EQ(o[at].ret, size, w);
	snprintf(w, sizeof(w), "%s: offset", what);
	ASSERT_EQ(o[at + 1].ret, off, w);
	if (size > 0) {
		snprintf(w, sizeof(w), "%s: read first byte", what);
		if (ASSERT_EQ(o[at + 2].ret, 0, w)) {
			snprintf(w, sizeof(w), "%s: first byte", what);
			ASSERT_EQ(o[at + 2].bytes[0], (buf ? 0x80 : 0) | (off & 0x7f), w);
		}
		snprintf(w, sizeof(w), "%s: read last byte", what);
		ASSERT_EQ(o[at + 3].ret, 0, w);
	}
	snprintf(w, sizeof(w), "%s: read past the end", what);
	ASSERT_EQ(o[at + 4].ret, E2BIG_, w);
}

/* after op 0 on A: size, offset, read(0,1), read(size-1,1), read(size,1) */
static void tail_probe(struct ops_in *in, long long size)
{
	in->op[1] = op(BOP_SIZE, 0, 0);
	in->op[2] = op(BOP_OFFSET, 0, 0);
	in->op[3] = rd(0, 0, 1);
	in->op[4] = rd(0, size > 0 ? size - 1 : 0, 1);
	in->op[5] = rd(0, size, 1);
	in->nops = 6;
}

static void test_trim_advance(void)
{
	struct ops_in in;
	size_t i;
	int adv;

	for (adv = 0; adv < 2; adv++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			__u64 l = lens[i];
			bool ok = l <= S;
			long long size = ok ? S - l : S, off = ok && adv ? l : 0;
			char name[64], w[128];

			snprintf(name, sizeof(name), "%s_%#llx", adv ? "advance" : "trim",
				 (unsigned long long)l);
			if (!test__start_subtest(name))
				continue;
			memset(&in, 0, sizeof(in));
			in.size[0] = S;
			in.size[1] = 8;
			in.op[0] = op(adv ? BOP_ADVANCE : BOP_TRIM, 0, l);
			tail_probe(&in, size);
			if (!ASSERT_OK(run(&in), "test_run"))
				continue;
			snprintf(w, sizeof(w), "ret of %s", name);
			ASSERT_EQ(skel->bss->out[0].ret, ok ? 0 : ERANGE_, w);
			check_view(ok ? "after" : "unchanged after error", 1, size, off, 0);
		}
	}
}

static void test_clone(void)
{
	struct ops_in in;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		__u64 l = lens[i];
		bool ok = l <= S;
		char name[64];

		snprintf(name, sizeof(name), "clone_%#llx", (unsigned long long)l);
		if (!test__start_subtest(name))
			continue;
		memset(&in, 0, sizeof(in));
		in.size[0] = S;
		in.size[1] = 8;
		/* A advanced by 2 first, so the clone's offset is 2 + l */
		in.op[0] = op(BOP_ADVANCE, 0, 2);
		in.op[1] = (struct ops_op){ .code = BOP_CLONE, .dp = 0, .dp2 = 1, .arg = l };
		in.op[2] = op(BOP_SIZE, 1, 0);
		in.op[3] = op(BOP_OFFSET, 1, 0);
		in.op[4] = rd(1, 0, 1);
		in.op[5] = op(BOP_SIZE, 0, 0);	/* source untouched */
		in.op[6] = op(BOP_OFFSET, 0, 0);
		in.nops = 7;
		if (!ASSERT_OK(run(&in), "test_run"))
			continue;
		ok = l <= S - 2;
		ASSERT_EQ(skel->bss->out[1].ret, ok ? 0 : ERANGE_, "clone ret");
		ASSERT_EQ(skel->bss->out[2].ret, ok ? (long long)(S - 2 - l) : 8, "clone size");
		ASSERT_EQ(skel->bss->out[3].ret, ok ? (long long)(2 + l) : 0, "clone offset");
		if (ok && l < S - 2)
			ASSERT_EQ(skel->bss->out[4].bytes[0], (2 + l) & 0x7f, "clone first byte");
		if (!ok)
			ASSERT_EQ(skel->bss->out[4].bytes[0], 0x80, "target's own first byte");
		ASSERT_EQ(skel->bss->out[5].ret, S - 2, "source size");
		ASSERT_EQ(skel->bss->out[6].ret, 2, "source offset");
	}
}

static void test_clone_write(void)
{
	struct ops_in in = { .size = { S, 8 }, .nops = 2 };

	if (!test__start_subtest("clone_write_through"))
		return;
	in.op[0] = (struct ops_op){ .code = BOP_CLONE, .dp = 0, .dp2 = 1, .arg = 10 };
	in.op[1] = (struct ops_op){ .code = BOP_WRITE, .dp = 1, .arg = 3, .len = 4 };
	if (!ASSERT_OK(run(&in), "test_run"))
		return;
	ASSERT_EQ(skel->bss->out[1].ret, 0, "write via clone");
	ASSERT_EQ(skel->bss->buf[0][13], 0xa5, "source memory written");
	ASSERT_EQ(skel->bss->buf[0][16], 0xa5, "last byte written");
	ASSERT_EQ(skel->bss->buf[0][17], 17, "byte after untouched");
	ASSERT_EQ(skel->bss->buf[1][3], 0x83, "clone's old memory untouched");
}

static void test_null(void)
{
	static const __u32 codes[] = { BOP_TRIM, BOP_ADVANCE, BOP_SIZE, BOP_OFFSET };
	struct ops_in in = { .size = { S, 8 }, .flags = { 1, 0 } };
	int i;

	if (!test__start_subtest("null_dynptr"))
		return;
	for (i = 0; i < 4; i++)
		in.op[i] = op(codes[i], 0, ~0ull);	/* -EINVAL wins over -ERANGE */
	in.op[4] = op(BOP_IS_NULL, 0, 0);
	in.op[5] = op(BOP_IS_RDONLY, 0, 0);
	in.op[6] = (struct ops_op){ .code = BOP_CLONE, .dp = 0, .dp2 = 1, .arg = ~0ull };
	in.op[7] = op(BOP_IS_NULL, 1, 0);
	in.nops = 8;
	if (!ASSERT_OK(run(&in), "test_run"))
		return;
	ASSERT_EQ(skel->bss->init_ret[0], EINVAL_, "from_mem with bad flags");
	for (i = 0; i < 4; i++)
		ASSERT_EQ(skel->bss->out[i].ret, EINVAL_, "op on null dynptr");
	ASSERT_EQ(skel->bss->out[4].ret, 1, "is_null");
	ASSERT_EQ(skel->bss->out[5].ret, 0, "is_rdonly of null");
	ASSERT_EQ(skel->bss->out[6].ret, EINVAL_, "clone from null");
	ASSERT_EQ(skel->bss->out[7].ret, 0, "target not nulled");
}

/* is_null/is_rdonly return a clean int: an earlier call leaving a
 * negative value in R0 must not make them read as true. */
static void test_bool_returns(void)
{
	struct ops_in in = { .size = { S, 8 }, .nops = 4 };

	if (!test__start_subtest("int_returns_after_error"))
		return;
	in.op[0] = op(BOP_TRIM, 0, ~0ull);	/* leaves -ERANGE in R0 */
	in.op[1] = op(BOP_IS_NULL, 0, 0);
	in.op[2] = op(BOP_ADVANCE, 0, ~0ull);
	in.op[3] = op(BOP_IS_RDONLY, 0, 0);
	if (!ASSERT_OK(run(&in), "test_run"))
		return;
	ASSERT_EQ(skel->bss->out[1].ret, 0, "is_null after an error");
	ASSERT_EQ(skel->bss->out[3].ret, 0, "is_rdonly after an error");
}

/* advance then trim then advance: the window only ever shrinks */
static void test_compose(void)
{
	struct ops_in in = { .size = { S, 8 }, .nops = 8 };

	if (!test__start_subtest("compose"))
		return;
	in.op[0] = op(BOP_ADVANCE, 0, 10);
	in.op[1] = op(BOP_TRIM, 0, 20);
	in.op[2] = op(BOP_ADVANCE, 0, 34);
	in.op[3] = op(BOP_ADVANCE, 0, 1);	/* size is 0: -ERANGE */
	in.op[4] = op(BOP_TRIM, 0, 0);
	in.op[5] = op(BOP_SIZE, 0, 0);
	in.op[6] = op(BOP_OFFSET, 0, 0);
	in.op[7] = rd(0, 0, 1);
	if (!ASSERT_OK(run(&in), "test_run"))
		return;
	ASSERT_EQ(skel->bss->out[2].ret, 0, "advance to the end");
	ASSERT_EQ(skel->bss->out[3].ret, ERANGE_, "advance past the end");
	ASSERT_EQ(skel->bss->out[4].ret, 0, "trim 0 of empty");
	ASSERT_EQ(skel->bss->out[5].ret, 0, "size");
	ASSERT_EQ(skel->bss->out[6].ret, 44, "offset");
	ASSERT_EQ(skel->bss->out[7].ret, E2BIG_, "read of empty view");
}

void test_dynptr_ops(void)
{
	skel = dynptr_ops__open_and_load();
	if (!ASSERT_PTR(skel, "load progs/dynptr_ops"))
		return;
	test_trim_advance();
	test_clone();
	test_clone_write();
	test_null();
	test_bool_returns();
	test_compose();
	dynptr_ops__destroy(skel);
}
