// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_DYNPTR_VAR_OFF_CHECK: the verifier refuses a dynptr argument
 * whose stack pointer has a variable offset, "bpf: Fix missing var_off
 * check for ARG_PTR_TO_DYNPTR" (Kumar Kartikeya Dwivedi, 79168a669d81,
 * v6.3). The fix lives in kernel/bpf/verifier.c (dynptr_get_spi()), which
 * no header shows, and the dynptr_id its series added to struct
 * bpf_reg_state is gone again in 7.x. The witness is BPF_DYNPTR_TYPE_SKB,
 * "bpf: Add skb dynptrs" (v6.3), which reached bpf-next after the fix and
 * is in every later kernel: headers with it come with the fix. Without it
 * (Debian 12's 6.1) bpfx builds its verifier guard, dynptr_guard.c, which
 * fails to compile where 6.1's verifier entry points are not declared
 * (6.2: neither fix nor guard). */
#include <linux/bpf.h>
int bpfx_probe = BPF_DYNPTR_TYPE_SKB;
