// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_DYNPTR_TYPE_XDP: "bpf: Add xdp dynptrs" (Joanne Koong, v6.3). */
#include <linux/bpf.h>
static int bpfx_probe __used = BPF_DYNPTR_TYPE_XDP;
