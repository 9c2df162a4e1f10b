// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_KF_TRUSTED_ARGS: the flag exists (v5.19 .. v6.x); 7.x removed it
 * when trusted arguments became the default for all kfuncs. */
#include <linux/btf.h>
static int bpfx_probe __used = KF_TRUSTED_ARGS;
