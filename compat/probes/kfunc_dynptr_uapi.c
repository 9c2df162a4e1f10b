// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_KFUNC_DYNPTR_UAPI: kfuncs take `struct bpf_dynptr *`, and the
 * verifier matches that vmlinux type. Changed from `struct bpf_dynptr_kern *`
 * by "bpf: treewide: Align kfunc signatures to prog point-of-view"
 * (Daniel Xu, v6.11), which also retyped this in-tree declaration; before
 * it the declaration is absent (< v6.4) or takes struct sk_buff and
 * bpf_dynptr_kern, and the assignment below fails to compile. */
#include <linux/filter.h>
static int (*bpfx_probe)(struct __sk_buff *, u64, struct bpf_dynptr *) __used =
	bpf_dynptr_from_skb_rdonly;
