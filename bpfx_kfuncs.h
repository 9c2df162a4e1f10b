/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kfunc id lists of each source file, for the one set bpfx registers
 * per hook (a module may register only one set per hook: kernel/bpf/btf.c
 * btf_populate_kfunc_set()). Lists that depend on the target kernel are
 * empty where the probes say the kernel cannot take them.
 */
#ifndef __BPFX_KFUNCS_H
#define __BPFX_KFUNCS_H

#include "bpfx_compat.h"

/* Kfuncs that only read a dynptr: registered on every kernel. */
#define BPFX_DYNPTR_READ_KFUNC_IDS				\
	BTF_ID_FLAGS(func, bpfx_dynptr_size)			\
	BTF_ID_FLAGS(func, bpfx_dynptr_offset)			\
	BTF_ID_FLAGS(func, bpfx_dynptr_is_null)			\
	BTF_ID_FLAGS(func, bpfx_dynptr_is_rdonly)		\
	BTF_ID_FLAGS(func, bpfx_dynptr_nop)

/* Kfuncs that write the 16 bytes they are given: a forged dynptr makes
 * them a kernel write primitive, so on a verifier without the var_off
 * check (6.1) they register only behind the guard (bpfx_guard.h). */
#define BPFX_DYNPTR_WRITE_KFUNC_IDS				\
	BTF_ID_FLAGS(func, bpfx_dynptr_trim)			\
	BTF_ID_FLAGS(func, bpfx_dynptr_advance)			\
	BTF_ID_FLAGS(func, bpfx_dynptr_clone)

/* KF_ITER_*: "bpf: add support for open-coded iterator loops" (v6.4). */
#if BPFX_HAVE_KF_ITER
#define BPFX_ITER_KFUNC_IDS						\
	BTF_ID_FLAGS(func, bpf_iter_bpfx_dynptr_new, KF_ITER_NEW)	\
	BTF_ID_FLAGS(func, bpf_iter_bpfx_dynptr_next,			\
		     KF_ITER_NEXT | KF_RET_NULL)			\
	BTF_ID_FLAGS(func, bpf_iter_bpfx_dynptr_destroy, KF_ITER_DESTROY)
#else
#define BPFX_ITER_KFUNC_IDS
#endif

/* KF_IMPLICIT_ARGS: "bpf: Introduce KF_IMPLICIT_ARGS" (v7.0). Older
 * verifiers cannot supply bpf_prog_aux to a module kfunc: no samples. */
#if BPFX_HAVE_KF_IMPLICIT_ARGS
#define BPFX_IMPLICIT_KFUNC_IDS					\
	BTF_ID_FLAGS(func, bpfx_prog_id, KF_IMPLICIT_ARGS)	\
	BTF_ID_FLAGS(func, bpfx_prog_name, KF_IMPLICIT_ARGS)	\
	BTF_ID_FLAGS(func, bpfx_prog_tag, KF_IMPLICIT_ARGS)
#else
#define BPFX_IMPLICIT_KFUNC_IDS
#endif

#endif /* __BPFX_KFUNCS_H */
