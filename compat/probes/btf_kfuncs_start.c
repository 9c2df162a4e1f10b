// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_BTF_KFUNCS_START: "bpf: treewide: Annotate BPF kfuncs in BTF"
 * (Daniel Xu, v6.9) added BTF_KFUNCS_START and the BTF_SET8_KFUNCS flag
 * that 6.9+ requires of every kfunc set. */
#include <linux/btf_ids.h>
#ifndef BTF_KFUNCS_START
#error "no BTF_KFUNCS_START"
#endif
