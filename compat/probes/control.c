// SPDX-License-Identifier: GPL-2.0
/* Control: must always compile. If it does not, the kernel build dir or
 * compiler is broken and every other probe result would be meaningless.
 * It uses the shapes the other probes use (a static __used object, a
 * function with its prototype), so target warning flags that reject those
 * shapes fail here, loudly, instead of turning probes silently to "n". */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
static int bpfx_probe __used;
int bpfx_probe_fn(void);
int bpfx_probe_fn(void) { return bpfx_probe; }
