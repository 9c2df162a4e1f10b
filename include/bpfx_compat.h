/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-side compat shims. Every difference between supported kernels is
 * decided by a compile probe against the *target* headers (compat/probes/,
 * run by compat/configure.sh), whose results land in the generated
 * bpfx_autoconf.h. Shims live here and nowhere else; the kfunc sources never
 * test a kernel version. Each shim names the upstream change behind it and
 * when it can go.
 */
#ifndef __BPFX_COMPAT_H
#define __BPFX_COMPAT_H

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include "bpfx_autoconf.h"

/*
 * Dynptr kfunc parameter type. Up to v6.10 the verifier matched a dynptr
 * argument by the struct name `bpf_dynptr_kern`; Daniel Xu's "bpf: treewide:
 * Align kfunc signatures to prog point-of-view" (v6.11) made it match the
 * vmlinux type `struct bpf_dynptr` instead. Only one spelling is accepted per
 * kernel: the wrong one turns the argument into plain 16-byte memory, i.e. a
 * forgeable dynptr. tools/btfids check verifies the result in module BTF.
 * Drop when v6.10 and older are unsupported.
 */
#if BPFX_HAVE_KFUNC_DYNPTR_UAPI
#define BPFX_DYNPTR struct bpf_dynptr
#else
#define BPFX_DYNPTR struct bpf_dynptr_kern
#endif

/* __bpf_kfunc: "bpf: Add __bpf_kfunc tag for marking kernel functions as
 * kfuncs" (v6.3). Without it gcc may inline or clone a kfunc away. Drop with
 * v6.2 support. */
#if !BPFX_HAVE_BPF_KFUNC
#define __bpf_kfunc __used noinline __attribute__((__noclone__))
#endif

/* __bpf_kfunc_start_defs(): "bpf: Add __bpf_kfunc_{start,end}_defs macros"
 * (v6.7); they only silence -Wmissing-prototypes. Drop with v6.6 support. */
#if !BPFX_HAVE_BPF_KFUNC_START_DEFS
#define __bpf_kfunc_start_defs()					\
	__diag_push();							\
	__diag_ignore_all("-Wmissing-prototypes",			\
			  "Global kfuncs as their definitions will be in BTF")
#define __bpf_kfunc_end_defs() __diag_pop()
#endif

/* BTF_KFUNCS_START: "bpf: treewide: Annotate BPF kfuncs in BTF" (v6.9) added
 * the BTF_SET8_KFUNCS flag, which 6.9+ requires of a kfunc set; older kernels
 * only have BTF_SET8_START. Drop with v6.8 support. */
#if !BPFX_HAVE_BTF_KFUNCS_START
#define BTF_KFUNCS_START(name) BTF_SET8_START(name)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

/* KF_TRUSTED_ARGS was removed in 7.x, where trusted arguments became the
 * default for every kfunc. Defining it as 0 keeps one flag list. Drop with
 * 6.x support. */
#if !BPFX_HAVE_KF_TRUSTED_ARGS
#define KF_TRUSTED_ARGS 0
#endif

/*
 * Dynptr types whose view (offset, size) lives in the dynptr itself, as a
 * bit mask over enum bpf_dynptr_type. The mask is fixed at build time from
 * the target's enum, so a kernel cannot hand bpfx a type bpfx was not built
 * to understand (7.x FILE keeps its view in a heap object; SKB_META is left
 * out on purpose: bpfx was not reviewed for it).
 * SKB/XDP: "bpf: Add skb dynptrs" / "bpf: Add xdp dynptrs" (v6.3).
 */
#define BPFX_TYPE_BIT(t) (1u << (t))
#if BPFX_HAVE_DYNPTR_TYPE_SKB
#define BPFX_VIEW_TYPES_SKB BPFX_TYPE_BIT(BPF_DYNPTR_TYPE_SKB)
#else
#define BPFX_VIEW_TYPES_SKB 0
#endif
#if BPFX_HAVE_DYNPTR_TYPE_XDP
#define BPFX_VIEW_TYPES_XDP BPFX_TYPE_BIT(BPF_DYNPTR_TYPE_XDP)
#else
#define BPFX_VIEW_TYPES_XDP 0
#endif
#define BPFX_VIEW_TYPES (BPFX_TYPE_BIT(BPF_DYNPTR_TYPE_LOCAL) |		\
			 BPFX_TYPE_BIT(BPF_DYNPTR_TYPE_RINGBUF) |	\
			 BPFX_VIEW_TYPES_SKB | BPFX_VIEW_TYPES_XDP)

/*
 * Hooks the kfunc set is registered for. The common hook (BPF_PROG_TYPE_UNSPEC
 * = every program type) came with Yonghong Song's BTF_KFUNC_HOOK_COMMON
 * (v6.2); before it register_btf_kfunc_id_set(UNSPEC) fails with -EINVAL and
 * only these five hooks exist (LSM shares TRACING's hook, so registering it
 * too would register the set twice). The hook enum is private to btf.c; the
 * probe uses struct btf_kfunc_id_set's .filter (v6.6), which is newer, so a
 * kernel with .filter surely has the common hook and a 6.2-6.5 kernel only
 * loses program types, never safety, on the per-hook path. Drop with v6.5 support.
 */
#if BPFX_HAVE_KFUNC_FILTER
#define BPFX_KFUNC_HOOKS { BPF_PROG_TYPE_UNSPEC }
#else
#define BPFX_KFUNC_HOOKS { BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS,	\
			   BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_TRACING,	\
			   BPF_PROG_TYPE_SYSCALL }
#endif

/* Module BTF is where kfuncs live: without it the kernel silently
 * registers nothing (6.1 btf.c: "missing module BTF, cannot register
 * kfuncs", return 0). */
#ifndef CONFIG_DEBUG_INFO_BTF_MODULES
#error "bpfx needs CONFIG_DEBUG_INFO_BTF_MODULES=y in the target kernel"
#endif

#endif /* __BPFX_COMPAT_H */
