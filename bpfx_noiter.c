// SPDX-License-Identifier: GPL-2.0
/* Kernels without module iterators (6.1): nothing to self-test there. */
#include "bpfx_selftest.h"

void bpfx_selftest_iter(const char *name, BPFX_DYNPTR *p, int err)
{
}
