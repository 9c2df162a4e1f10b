// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_BPF_KFUNC: "bpf: Add __bpf_kfunc tag for marking kernel
 * functions as kfuncs" (David Vernet, v6.3). */
#include <linux/btf.h>
/* The prototype keeps -Wmissing-prototypes (6.12+ headers) quiet: the probe
 * must fail only where __bpf_kfunc is unknown. */
int bpfx_probe(void);
__bpf_kfunc int bpfx_probe(void) { return 0; }
