/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __BPFX_SELFTEST_H
#define __BPFX_SELFTEST_H
#include "bpfx_compat.h"

int bpfx_selftest(void);
void bpfx_selftest_expect(const char *what, long got, long want);
/* dynptr_iter.c where the kernel has module iterators, else a no-op */
void bpfx_selftest_iter(const char *name, BPFX_DYNPTR *p, int err);
#endif
