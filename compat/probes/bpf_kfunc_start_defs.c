// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_BPF_KFUNC_START_DEFS: "bpf: Add __bpf_kfunc_{start,end}_defs
 * macros" (Dave Marchevsky, v6.7). */
#include <linux/btf.h>
__bpf_kfunc_start_defs();
__bpf_kfunc_end_defs();
