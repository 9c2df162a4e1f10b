/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF-side compat, kept apart from the stable API in bpfx.bpf.h (the
 * sched_ext scx split). Each block says what made it necessary and when it
 * can go.
 */
#ifndef __BPFX_COMPAT_BPF_H
#define __BPFX_COMPAT_BPF_H

/* errno values: vmlinux.h carries no macros. */
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif

/*
 * The kernel's own dynptr kfuncs ("bpf: Add bpf_dynptr_adjust",
 * "..._is_null/_is_rdonly/_size/_clone", Joanne Koong, v6.5), declared
 * under a ___bpfx flavour: libbpf strips "___suffix" when it resolves a
 * ksym, and the flavour name cannot clash with the prototypes a 7.x
 * vmlinux.h emits for the same kfuncs (bpftool: BPF_NO_KFUNC_PROTOTYPES).
 * Offsets are declared u64 (7.x, "bpf: widen dynptr size/offset to 64
 * bit"); 6.12 takes u32, which is harmless because bpfx.bpf.h range-checks
 * every value against the 24-bit size first. bool returns are declared
 * wider and masked to bit 0 by the callers: a callee returning bool
 * defines only %al. Only called when the loader sets BPFX_F_NATIVE_DYNPTR.
 */
extern int bpf_dynptr_adjust___bpfx(const struct bpf_dynptr *p, __u64 start,
				    __u64 end) __ksym __weak;
extern __u64 bpf_dynptr_size___bpfx(const struct bpf_dynptr *p) __ksym __weak;
extern __u64 bpf_dynptr_is_null___bpfx(const struct bpf_dynptr *p) __ksym __weak;
extern __u64 bpf_dynptr_is_rdonly___bpfx(const struct bpf_dynptr *p) __ksym __weak;
extern int bpf_dynptr_clone___bpfx(const struct bpf_dynptr *p,
				   struct bpf_dynptr *clone__uninit) __ksym __weak;

/*
 * The dynptr helpers with 64-bit offsets and lengths. libbpf 1.1 (Debian
 * 12) declares them with __u32 ones; 7.x's take __u64. Built against the
 * u32 declarations, clang computes such arguments in 32 bits (off + len - 1
 * becomes + 0xffffffff), and 7.x's bpf_dynptr_read then fails with -E2BIG.
 * Declared here under our own names, with the helper ids of the UAPI
 * (stable), and refusing offsets past 4 GiB, which a 6.x kernel would
 * silently truncate (no dynptr holds more than 2^24 - 1 bytes anyway).
 * Drop when libbpf >= 1.7 is the oldest libbpf bpfx supports.
 */
static long (*const bpfx__dynptr_from_mem)(void *data, __u64 size, __u64 flags,
					   struct bpf_dynptr *ptr) = (void *)197;
static long (*const bpfx__dynptr_read)(void *dst, __u64 len,
				       const struct bpf_dynptr *src,
				       __u64 offset, __u64 flags) = (void *)201;
static long (*const bpfx__dynptr_write)(const struct bpf_dynptr *dst,
					__u64 offset, void *src, __u64 len,
					__u64 flags) = (void *)202;
static void *(*const bpfx__dynptr_data)(const struct bpf_dynptr *ptr,
					__u64 offset, __u64 len) = (void *)203;

#define BPFX_U32_MAX 0xffffffffULL

static __always_inline long bpfx_dynptr_read(void *dst, __u64 len,
					     const struct bpf_dynptr *src,
					     __u64 offset, __u64 flags)
{
	if (offset > BPFX_U32_MAX)
		return -E2BIG;
	return bpfx__dynptr_read(dst, len, src, offset, flags);
}

static __always_inline long bpfx_dynptr_write(const struct bpf_dynptr *dst,
					      __u64 offset, void *src,
					      __u64 len, __u64 flags)
{
	if (offset > BPFX_U32_MAX)
		return -E2BIG;
	return bpfx__dynptr_write(dst, offset, src, len, flags);
}

/* Length is a verifier constant (ARG_CONST_ALLOC_SIZE_OR_ZERO). */
#define bpfx_dynptr_data(ptr, offset, len)				\
	((offset) > BPFX_U32_MAX ? (void *)0 : bpfx__dynptr_data(ptr, offset, len))

#define bpfx_dynptr_from_mem(data, size, flags, ptr)			\
	bpfx__dynptr_from_mem(data, size, flags, ptr)

/*
 * bpf_for_each() for libbpf older than 1.2 (Debian 12 ships 1.1.2), which
 * lacks it: same shape as libbpf's, so `bpf_for_each(bpfx_dynptr, c, &dp,
 * 64)` compiles with either. The iterator lives in the for-init, is
 * destroyed by the cleanup attribute on every exit from the loop, and
 * next() both advances and ends the loop. Drop with libbpf 1.1 support.
 */
#ifndef bpf_for_each
#define bpf_for_each(type, cur, args...)				\
	for (struct bpf_iter_##type __bpfx_it				\
		     __attribute__((aligned(8),				\
				    cleanup(bpf_iter_##type##_destroy))),	\
		     *__bpfx_once __attribute__((unused)) =		\
			(bpf_iter_##type##_new(&__bpfx_it, ##args),	\
			 /* clang only emits BTF for the destroy kfunc	\
			  * when it is referenced outside cleanup() */	\
			 (void)bpf_iter_##type##_destroy, (void *)0);	\
	     ((cur) = bpf_iter_##type##_next(&__bpfx_it));)
#endif

#endif /* __BPFX_COMPAT_BPF_H */
