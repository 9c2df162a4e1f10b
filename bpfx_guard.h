/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verifier guard for kernels without "bpf: Fix missing var_off check
 * for ARG_PTR_TO_DYNPTR" (v6.3): dynptr_guard.c where the compat probe
 * says the fix is missing (6.1), bpfx_noguard.c elsewhere. See
 * docs/SAFETY.md, T7.
 */
#ifndef __BPFX_GUARD_H
#define __BPFX_GUARD_H
#include <linux/types.h>

enum bpfx_guard_state {
	BPFX_GUARD_NOT_NEEDED,	/* the kernel checks dynptr offsets itself */
	BPFX_GUARD_ARMED,	/* probes registered and self-check passed */
	BPFX_GUARD_MISSING,	/* needed, but could not arm: why says why */
};

/* Arm the guard and prove it works; on BPFX_GUARD_MISSING nothing is left
 * registered and why (of size n) holds the reason. */
enum bpfx_guard_state bpfx_guard_start(char *why, size_t n);
/* Disarm; waits until no task runs guard code. Safe when not armed. */
void bpfx_guard_stop(void);
/* Was the guard built into this module (the kernel lacks the fix)? */
extern const bool bpfx_guard_built;
#endif
