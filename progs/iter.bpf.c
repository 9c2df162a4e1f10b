// SPDX-License-Identifier: GPL-2.0
/* The open-coded iterator (6.4+ verifiers; none on 6.1). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

#define NO_ITER __skip("6.1", "no open-coded iterators before v6.4")

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u8 mem[100];

/* Loop state in globals: the verifier must not track it precisely, or an
 * open-coded loop never converges ("The sequence of 8193 jumps is too
 * complex", seen with stack counters on 6.12). */
__u64 n, expect_off, sum, bytes, last, fails;

SEC("syscall") NO_ITER __retval(0)
int iter_chunks(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;
	int i;

	n = expect_off = sum = bytes = 0;
	for (i = 0; i < 100; i++)
		mem[i] = i;
	CHECK(bpfx_dynptr_from_mem(mem, 100, 0, &d) == 0);
	CHECK(bpfx_dynptr_advance(&d, 3) == 0);	/* view: mem[3..99] */
	bpf_for_each(bpfx_dynptr, c, &d, 32) {
		__u8 b = 0;

		if (c->off != expect_off)
			return 1000 + n;
		if (c->len != (n < 3 ? 32 : 1))
			return 2000 + n;
		/* read each chunk's first byte with the kernel's helper */
		if (bpfx_dynptr_read(&b, 1, &d, c->off, 0))
			return 3000 + n;
		sum += b;
		bytes += c->len;
		expect_off += c->len;
		n++;
	}
	CHECK(n == 4 && bytes == 97);
	CHECK(sum == 3 + 35 + 67 + 99);
	return 0;
}

/* bpf_for_each over libbpf's or bpfx's macro, 64-byte chunks. */
SEC("syscall") NO_ITER __retval(0)
int iter_for_each_64(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;

	n = last = 0;
	CHECK(bpfx_dynptr_from_mem(mem, 100, 0, &d) == 0);
	bpf_for_each(bpfx_dynptr, c, &d, 64) {
		n++;
		last = c->len;
	}
	CHECK(n == 2 && last == 36);
	return 0;
}

SEC("syscall") NO_ITER __retval(0)
int iter_errors(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d, z;
	int ret = 0;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpfx_dynptr_from_mem(mem, 100, 1 /* null */, &z);

	if (bpf_iter_bpfx_dynptr_new(&it, &d, 0) != -EINVAL)	/* chunk 0 */
		ret = 1;
	else if (bpf_iter_bpfx_dynptr_next(&it))
		ret = 2;
	bpf_iter_bpfx_dynptr_destroy(&it);
	if (ret)
		return ret;

	if (bpf_iter_bpfx_dynptr_new(&it, &z, 8) != -EINVAL)	/* null dynptr */
		ret = 3;
	else if (bpf_iter_bpfx_dynptr_next(&it))
		ret = 4;
	bpf_iter_bpfx_dynptr_destroy(&it);
	if (ret)
		return ret;

	/* huge chunk: one chunk of the whole view */
	if (bpf_iter_bpfx_dynptr_new(&it, &d, ~0ULL))
		ret = 5;
	else {
		struct bpfx_dynptr_chunk *c = bpf_iter_bpfx_dynptr_next(&it);

		if (!c || c->off != 0 || c->len != 100)
			ret = 6;
		else if (bpf_iter_bpfx_dynptr_next(&it))
			ret = 7;
	}
	bpf_iter_bpfx_dynptr_destroy(&it);
	return ret;
}

/* The iterator snapshots numbers: shrinking the dynptr mid-walk cannot make
 * a read go out of bounds, the kernel's helper refuses it. */
SEC("syscall") NO_ITER __retval(0)
int iter_shrink_midway(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;

	n = fails = 0;
	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_for_each(bpfx_dynptr, c, &d, 10) {
		__u8 b[10];

		if (n++ == 2)
			bpfx_dynptr_trim(&d, 80);	/* view is now 20 bytes */
		if (bpfx_dynptr_read(b, 10, &d, c->off, 0) == -E2BIG)
			fails++;
	}
	CHECK(n == 10 && fails == 8);
	return 0;
}

/* Ringbuf dynptrs: chunks are numbers, reads go through the helper. */
SEC("syscall") NO_ITER __retval(0)
int iter_ringbuf(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr r;

	n = 0;
	bpf_ringbuf_reserve_dynptr(&rb, 48, 0, &r);
	bpf_for_each(bpfx_dynptr, c, &r, 16)
		n++;
	bpf_ringbuf_discard_dynptr(&r, 0);
	return n == 3 ? 0 : 100 + n;
}

/* An iterator must be destroyed. */
SEC("syscall") NO_ITER
__fail("6.12", "Unreleased reference") __fail("7", "Unreleased reference")
int iter_no_destroy(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_next(&it);
	return 0;
}

/* next() needs a live iterator: not after destroy. */
SEC("syscall") NO_ITER
__fail("6.12", "expected an initialized iter_bpfx_dynptr") __fail("7", "expected an initialized iter_bpfx_dynptr")
int iter_next_after_destroy(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	bpf_iter_bpfx_dynptr_destroy(&it);
	bpf_iter_bpfx_dynptr_next(&it);
	return 0;
}

/* A chunk pointer is not tied to its iterator: 6.12 and 7.x accept a read
 * after destroy (the chunk is a trusted PTR_TO_BTF_ID into the iterator's
 * stack slot). That is safe because the state holds numbers only, so the
 * read yields the last chunk and nothing else. docs/SAFETY.md, T10. */
SEC("syscall") NO_ITER __retval(8)
int iter_chunk_after_destroy(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;
	__u64 v = 0;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	c = bpf_iter_bpfx_dynptr_next(&it);
	bpf_iter_bpfx_dynptr_destroy(&it);
	if (c)
		v = c->len;
	return v;
}

/* The chunk is the module's: a program may read it, never write it. */
SEC("syscall") NO_ITER
__fail("6.12", "only read is supported") __fail("7", "only read is supported")
int iter_chunk_write(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_for_each(bpfx_dynptr, c, &d, 8)
		c->len = 1000;
	return 0;
}

/* An iterator is not a dynptr. */
SEC("syscall") NO_ITER
__fail("6.12", "Expected an initialized dynptr as arg #0") __fail("7", "Expected an initialized dynptr as R1")
int iter_as_dynptr(void *ctx)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d;
	int r;

	bpfx_dynptr_from_mem(mem, 100, 0, &d);
	bpf_iter_bpfx_dynptr_new(&it, &d, 8);
	r = bpfx_dynptr_size((struct bpf_dynptr *)&it);
	bpf_iter_bpfx_dynptr_destroy(&it);
	return r;
}
