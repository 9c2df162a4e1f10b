// SPDX-License-Identifier: GPL-2.0
/* Control: must always compile. If it does not, the kernel build dir or
 * compiler is broken and every other probe result would be meaningless. */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
int bpfx_probe;
