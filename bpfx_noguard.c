// SPDX-License-Identifier: GPL-2.0
/* Kernels with "bpf: Fix missing var_off check for ARG_PTR_TO_DYNPTR"
 * (v6.3): their verifier refuses a variable-offset dynptr pointer itself
 * (dynptr_get_spi(): "dynptr has to be at a constant offset"). */
#include "bpfx_guard.h"

const bool bpfx_guard_built;

enum bpfx_guard_state bpfx_guard_start(char *why, size_t n)
{
	return BPFX_GUARD_NOT_NEEDED;
}

void bpfx_guard_stop(void)
{
}
