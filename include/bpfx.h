/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfx kfunc declarations, shared by the module (kernel side) and by BPF
 * programs (BPF side), in the style of selftests' bpf_testmod_kfunc.h: one
 * prototype list, so the two sides cannot drift apart.
 *
 * BPFX_DYNPTR is the dynptr parameter type. BPF programs always see
 * `struct bpf_dynptr`; the module uses what the *target* kernel's verifier
 * recognises (decided by a compile probe, see include/bpfx_compat.h).
 */
#ifndef __BPFX_H
#define __BPFX_H

#ifdef __KERNEL__
#include <linux/types.h>
#include "bpfx_compat.h"
struct bpf_prog_aux;
#define __bpfx_ksym
/* KF_IMPLICIT_ARGS: the module's C prototype ends with the aux the
 * verifier supplies; BPF programs do not pass it. */
#define BPFX_AUX_ONLY struct bpf_prog_aux *aux
#define BPFX_AUX , struct bpf_prog_aux *aux
#else
#define BPFX_DYNPTR struct bpf_dynptr
#define __bpfx_ksym __ksym __weak
#define BPFX_AUX_ONLY void
#define BPFX_AUX
#endif

/* One chunk of a view, as yielded by the iterator: off is relative to the
 * start of the view the iterator was created on. */
struct bpfx_dynptr_chunk {
	__u64 off;
	__u64 len;
};

/* Opaque iterator state; its size must be a non-zero multiple of 8 (the
 * verifier checks this at registration) and match the kernel's layout. */
struct bpf_iter_bpfx_dynptr {
	__u64 __opaque[5];
} __attribute__((aligned(8)));

/* Dynptr view kfuncs (dynptr_kfuncs.c). All return 0 or a negative errno
 * unless noted; on error no dynptr is changed. */
extern int bpfx_dynptr_trim(BPFX_DYNPTR *p, __u64 len) __bpfx_ksym;
extern int bpfx_dynptr_advance(BPFX_DYNPTR *p, __u64 len) __bpfx_ksym;
extern __s64 bpfx_dynptr_size(const BPFX_DYNPTR *p) __bpfx_ksym;
extern __s64 bpfx_dynptr_offset(const BPFX_DYNPTR *p) __bpfx_ksym;
extern int bpfx_dynptr_is_null(const BPFX_DYNPTR *p) __bpfx_ksym;
extern int bpfx_dynptr_is_rdonly(const BPFX_DYNPTR *p) __bpfx_ksym;
extern int bpfx_dynptr_clone(const BPFX_DYNPTR *p, BPFX_DYNPTR *clone,
			     __u64 offset) __bpfx_ksym;

/* Open-coded iterator over a view in chunks (dynptr_iter.c); only on
 * kernels whose verifier supports module iterators (6.4+; tested 6.12, 7.2). */
extern int bpf_iter_bpfx_dynptr_new(struct bpf_iter_bpfx_dynptr *it,
				    const BPFX_DYNPTR *p, __u64 chunk) __bpfx_ksym;
extern struct bpfx_dynptr_chunk *
bpf_iter_bpfx_dynptr_next(struct bpf_iter_bpfx_dynptr *it) __bpfx_ksym;
extern void bpf_iter_bpfx_dynptr_destroy(struct bpf_iter_bpfx_dynptr *it) __bpfx_ksym;

/* KF_IMPLICIT_ARGS samples (implicit_kfuncs.c), 7.0+ only: absent from
 * module BTF on older kernels (docs/implicit-args.md says why), so they are
 * optional: gate calls on BPFX_F_IMPLICIT from bpfx_detect_features(). */
extern __u32 bpfx_prog_id(BPFX_AUX_ONLY) __bpfx_ksym;
extern int bpfx_prog_name(char *buf, __u32 buf__sz BPFX_AUX) __bpfx_ksym;
extern int bpfx_prog_tag(__u8 *buf, __u32 buf__sz BPFX_AUX) __bpfx_ksym;

/* Call floor for benchmarks: does nothing with its dynptr. */
extern __s64 bpfx_dynptr_nop(const BPFX_DYNPTR *p) __bpfx_ksym;

#endif /* __BPFX_H */
