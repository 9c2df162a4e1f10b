// SPDX-License-Identifier: GPL-2.0
/* Programs the verifier must reject, each with its rule and the message
 * each kernel gives. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_dynptr);
} arr SEC(".maps");

__u8 mem[16];

/* A dynptr argument must be an initialised dynptr. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int uninit_dynptr(void *ctx)
{
	struct bpf_dynptr d;

	return bpfx_dynptr_size(&d);
}

/* Stack bytes that merely look like a dynptr are not one. */
SEC("syscall")
__fail("6.1", "must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int forged_dynptr(void *ctx)
{
	__u64 fake[2] = { (__u64)(long)mem, (1u << 28) | 16 };

	return bpfx_dynptr_trim((struct bpf_dynptr *)fake, 0);
}

/* A dynptr must live on the stack: a map value cannot be one. */
SEC("syscall")
__fail("6.1", "not to stack")
__fail("6.12", "arg#0 expected pointer to stack or const struct bpf_dynptr")
__fail("7", "R1 expected pointer to stack or const struct bpf_dynptr")
int map_value_dynptr(void *ctx)
{
	__u32 k = 0;
	struct bpf_dynptr *d = bpf_map_lookup_elem(&arr, &k);

	if (!d)
		return 0;
	return bpfx_dynptr_size(d);
}

/* A ringbuf dynptr is dead once submitted. On 6.1 a module kfunc takes
 * LOCAL dynptrs only, which rejects it first. */
SEC("syscall")
__fail("6.1", "must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int use_after_submit(void *ctx)
{
	struct bpf_dynptr d;

	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &d);
	bpf_ringbuf_submit_dynptr(&d, 0);
	return bpfx_dynptr_size(&d);
}

/* ... and once discarded. */
SEC("syscall")
__fail("6.1", "must be valid and initialized")
__fail("6.12", "Expected an initialized dynptr as arg #0")
__fail("7", "Expected an initialized dynptr as R1")
int use_after_discard(void *ctx)
{
	struct bpf_dynptr d;

	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &d);
	bpf_ringbuf_discard_dynptr(&d, 0);
	return bpfx_dynptr_advance(&d, 1);
}

/* 6.1's verifier lets module kfuncs see LOCAL dynptrs only. */
SEC("syscall")
__fail("6.1", "arg#0 pointer type STRUCT bpf_dynptr_kern points to unsupported dynamic pointer type")
__ok("6.12") __ok("7") __retval(0)
int ringbuf_dynptr(void *ctx)
{
	struct bpf_dynptr d;
	int ret = 0;

	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &d);
	if (bpfx_dynptr_size(&d) != 16)
		ret = 1;
	else if (bpfx_dynptr_advance(&d, 4) || bpfx_dynptr_size(&d) != 12)
		ret = 2;
	bpf_ringbuf_discard_dynptr(&d, 0);
	return ret;
}

/* A reservation must be submitted or discarded, whatever bpfx did. */
SEC("syscall")
__fail("6.1", "points to unsupported dynamic pointer type")
__fail("6.12", "Unreleased reference")
__fail("7", "Unreleased reference")
int ringbuf_leak(void *ctx)
{
	struct bpf_dynptr d;

	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &d);
	return bpfx_dynptr_trim(&d, 1);
}

/* A dynptr argument is a pointer, not a scalar. */
SEC("syscall")
__fail("6.1", "reg type unsupported for arg#0 function scalar_as_dynptr")
__fail("6.12", "arg#0 expected pointer to stack or const struct bpf_dynptr")
__fail("7", "R1 expected pointer to stack or const struct bpf_dynptr")
int scalar_as_dynptr(void *ctx)
{
	return bpfx_dynptr_size((struct bpf_dynptr *)(long)0x1000);
}

/* A dynptr pointer must point at the dynptr itself. 6.1's verifier misses
 * a misaligned one (fixed in v6.2); bpfx then refuses it at run time,
 * before writing anything. */
SEC("syscall")
__fail("6.12", "cannot pass in dynptr at an offset")
__fail("7", "cannot pass in dynptr at an offset")
__retval(-22)
int misaligned_dynptr(void *ctx)
{
	struct bpf_dynptr d;

	bpfx_dynptr_from_mem(mem, 16, 0, &d);
	return bpfx_dynptr_trim((struct bpf_dynptr *)((char *)&d + 1), 0);
}

/* LOCAL dynptrs only point into map values (and user ringbuf samples),
 * never into the stack, so no clone can outlive its memory. */
SEC("syscall")
__fail("all", "Unsupported reg type fp for bpf_dynptr_from_mem data")
int stack_local_dynptr(void *ctx)
{
	struct bpf_dynptr d;
	__u8 buf[16] = {};

	bpfx_dynptr_from_mem(buf, 16, 0, &d);
	return bpfx_dynptr_size(&d);
}
