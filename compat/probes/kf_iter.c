// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_KF_ITER: open-coded iterators, "bpf: add support for
 * open-coded iterator loops" (Andrii Nakryiko, v6.4). */
#include <linux/btf.h>
static int bpfx_probe __used = KF_ITER_NEW | KF_ITER_NEXT | KF_ITER_DESTROY;
