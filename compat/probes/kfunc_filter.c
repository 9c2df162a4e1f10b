// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_KFUNC_FILTER: struct btf_kfunc_id_set has .filter, "bpf: Add
 * kfunc filter function to 'struct btf_kfunc_id_set'" (Aditi Ghag, v6.6).
 * Used as the visible witness of the common (UNSPEC) kfunc hook, which is
 * older (v6.2) but lives only in kernel/bpf/btf.c. */
#include <linux/btf.h>
static int bpfx_filter(const struct bpf_prog *prog, u32 kfunc_id) { return 0; }
static struct btf_kfunc_id_set bpfx_probe __used = { .filter = bpfx_filter };
