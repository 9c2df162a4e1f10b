// SPDX-License-Identifier: GPL-2.0
/*
 * Variable-offset dynptr pointers (issue 12, docs/SAFETY.md T7). Each
 * attack passes p = &s.d + (sel & 16): the verifier sees the real dynptr
 * s.d at a constant offset plus an unknown 0..16, at run time (sel = 16) p
 * names s.f, 16 bytes the program wrote. 6.3+ verifiers refuse p ("dynptr
 * has to be at a constant offset"); 6.1's checks only the constant part,
 * and bpfx's guard (dynptr_guard.c) makes it refuse p with the same words.
 * tests/test_guard.c loads the same programs with the guard off
 * (unguarded_writes=1): there they load on 6.1, so these tests can fail.
 * No attack here is ever run: they are rejected, or only loaded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

#define VAR_OFF "dynptr has to be at a constant offset"
/* A kernel text address as a forged dynptr's data (never dereferenced:
 * the programs that hold it are not run). */
#define KTEXT 0xffffffff81000000ULL
/* A forged LOCAL size word: type LOCAL (1) in bits 28-30, size 64, offset 0. */
#define FORGED_SIZE ((1ULL << 28) | 64)

__u8 mem[64];
__u64 vals[4];
/* .data: the verifier does not know it is 16. */
__u64 sel = 16;

/* A real dynptr followed by 16 bytes the program writes. */
struct frame {
	struct bpf_dynptr d;
	__u64 f[2];
};

/* &fr->d plus (sel & 16): a stack pointer with var_off (0; 0x10). */
static __always_inline void *var_off(struct frame *fr)
{
	void *p = &fr->d;
	__u64 x = sel;

	asm volatile("%[x] &= 16; %[p] += %[x];" : [p] "+r"(p), [x] "+r"(x));
	return p;
}

/* A kfunc's dynptr pointer needs a constant offset: size(p) would return
 * the size forged in s.f. */
SEC("syscall")
__fail("all", VAR_OFF)
int var_off_size(void *ctx)
{
	struct frame s;

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = (__u64)(long)mem;
	s.f[1] = FORGED_SIZE;
	return bpfx_dynptr_size(var_off(&s));
}

/* A kfunc's dynptr pointer needs a constant offset: advance(p) would
 * rewrite s.f while the verifier believes s.d changed. */
SEC("syscall")
__fail("all", VAR_OFF)
int var_off_advance(void *ctx)
{
	struct frame s;

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = (__u64)(long)mem;
	s.f[1] = FORGED_SIZE;
	return bpfx_dynptr_advance(var_off(&s), 7);
}

/* clone's source needs a constant offset: a forged source would copy any
 * address into a real dynptr. */
SEC("syscall")
__fail("all", VAR_OFF)
int var_off_clone(void *ctx)
{
	struct bpf_dynptr dst;
	struct frame s;

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	bpfx_dynptr_from_mem(mem, 16, 0, &dst);
	s.f[0] = (__u64)(long)mem;
	s.f[1] = FORGED_SIZE;
	return bpfx_dynptr_clone(var_off(&s), &dst, 0);
}

/* Forged clone, then read: kernel memory through bpf_dynptr_read. */
SEC("syscall")
__fail("all", VAR_OFF)
int forged_clone_read(void *ctx)
{
	struct bpf_dynptr dst;
	struct frame s;
	__u8 buf[64];

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	bpfx_dynptr_from_mem(mem, 16, 0, &dst);
	s.f[0] = KTEXT;
	s.f[1] = FORGED_SIZE;
	bpfx_dynptr_clone(var_off(&s), &dst, 0);
	bpfx_dynptr_read(buf, sizeof(buf), &dst, 0, 0);
	return buf[0];
}

/* Forged clone, then write: kernel memory through bpf_dynptr_write. */
SEC("syscall")
__fail("all", VAR_OFF)
int forged_clone_write(void *ctx)
{
	struct bpf_dynptr dst;
	struct frame s;
	__u8 buf[8] = {};

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	bpfx_dynptr_from_mem(mem, 16, 0, &dst);
	s.f[0] = KTEXT;
	s.f[1] = FORGED_SIZE;
	bpfx_dynptr_clone(var_off(&s), &dst, 0);
	return bpfx_dynptr_write(&dst, 0, buf, sizeof(buf), 0);
}

/* advance through p rewrites s.f[1], which the verifier tracks as the
 * spilled constant FORGED_SIZE: idx is 0 to the verifier, 7 << 32 - 7 at
 * run time, an index far outside vals. */
SEC("syscall")
__fail("all", VAR_OFF)
int spilled_const_desync(void *ctx)
{
	struct frame s;
	__u64 idx;

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = (__u64)(long)mem;
	s.f[1] = FORGED_SIZE;
	bpfx_dynptr_advance(var_off(&s), 7);
	idx = *(volatile __u64 *)&s.f[1] - FORGED_SIZE;
	/* keep clang from folding the subtraction into the address */
	asm volatile("" : "+r"(idx));
	return vals[idx];
}

/* clone onto p overwrites s.f[0], which the verifier tracks as a spilled
 * map-value pointer, with the forged source's kernel address: loads and
 * stores through it would hit kernel text. */
SEC("syscall")
__fail("all", VAR_OFF)
int spilled_ptr_desync(void *ctx)
{
	struct frame s, src;
	__u64 *v;

	bpfx_dynptr_from_mem(mem, 16, 0, &src.d);
	src.f[0] = KTEXT;
	src.f[1] = FORGED_SIZE;
	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	*(__u64 *volatile *)&s.f[0] = vals;
	s.f[1] = FORGED_SIZE;
	bpfx_dynptr_clone(var_off(&src), var_off(&s), 0);
	v = *(__u64 *volatile *)&s.f[0];
	*v = 1;
	return *v;
}

/* The kernel's own helpers, without bpfx: each dynptr argument needs a
 * constant offset (6.1 takes them all; bpfx's guard closes its helpers
 * too, while bpfx is loaded). */
SEC("syscall")
__fail("all", VAR_OFF)
int helper_read(void *ctx)
{
	struct frame s;
	__u8 buf[8];

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = KTEXT;
	s.f[1] = FORGED_SIZE;
	bpfx_dynptr_read(buf, sizeof(buf), var_off(&s), 0, 0);
	return buf[0];
}

/* bpf_dynptr_write's dynptr needs a constant offset. */
SEC("syscall")
__fail("all", VAR_OFF)
int helper_write(void *ctx)
{
	struct frame s;
	__u8 buf[8] = {};

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = KTEXT;
	s.f[1] = FORGED_SIZE;
	return bpfx_dynptr_write(var_off(&s), 0, buf, sizeof(buf), 0);
}

/* bpf_dynptr_data's dynptr needs a constant offset (a slice of forged
 * memory would be a plain pointer to it). */
SEC("syscall")
__fail("all", VAR_OFF)
int helper_data(void *ctx)
{
	struct frame s;
	__u8 *d;

	bpfx_dynptr_from_mem(mem, 16, 0, &s.d);
	s.f[0] = KTEXT;
	s.f[1] = FORGED_SIZE;
	d = bpfx_dynptr_data(var_off(&s), 0, 8);
	return d ? d[0] : 0;
}

/* bpf_dynptr_from_mem's uninitialised dynptr needs a constant offset: the
 * verifier would mark one pair of slots while the helper writes another. */
SEC("syscall")
__fail("all", VAR_OFF)
int helper_from_mem(void *ctx)
{
	struct frame s;

	s.f[0] = 0;
	s.f[1] = 0;
	bpfx_dynptr_from_mem(mem, 16, 0, var_off(&s));
	return bpfx_dynptr_size(&s.d);
}

/* Control: constant offsets, including a non-zero one (d[1]), keep
 * working with every kfunc and helper. */
SEC("syscall")
__retval(0)
int const_off_ok(void *ctx)
{
	struct bpf_dynptr d[2];
	__u8 buf[4], *slice;

	bpfx_dynptr_from_mem(mem, 16, 0, &d[1]);
	bpfx_dynptr_from_mem(mem, 16, 0, &d[0]);
	CHECK(bpfx_dynptr_advance(&d[1], 4) == 0);
	CHECK(bpfx_dynptr_size(&d[1]) == 12);
	CHECK(bpfx_dynptr_offset(&d[1]) == 4);
	CHECK(bpfx_dynptr_clone(&d[1], &d[0], 2) == 0);
	CHECK(bpfx_dynptr_size(&d[0]) == 10);
	CHECK(bpfx_dynptr_trim(&d[0], 1) == 0);
	CHECK(bpfx_dynptr_size(&d[0]) == 9);
	mem[6] = 42;
	CHECK(bpfx_dynptr_read(buf, sizeof(buf), &d[0], 0, 0) == 0);
	CHECK(buf[0] == 42);
	CHECK(bpfx_dynptr_write(&d[0], 1, buf, 1, 0) == 0);
	CHECK(mem[7] == 42);
	slice = bpfx_dynptr_data(&d[0], 0, 4);
	CHECK(slice && slice[0] == 42);
	return 0;
}

/* Control: a variable-offset stack pointer that is not a dynptr argument
 * (bpf_dynptr_read's destination buffer) is not the guard's business. */
SEC("syscall")
__retval(0)
int var_off_buffer_ok(void *ctx)
{
	struct bpf_dynptr d;
	__u64 area[4] = {};
	__u8 *buf;

	bpfx_dynptr_from_mem(mem, 16, 0, &d);
	buf = (__u8 *)area + (sel & 16);
	mem[0] = 7;
	CHECK(bpfx_dynptr_read(buf, 8, &d, 0, 0) == 0);
	CHECK(((__u8 *)&area[2])[0] == 7);
	return 0;
}
