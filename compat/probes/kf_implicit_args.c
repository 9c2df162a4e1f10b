// SPDX-License-Identifier: GPL-2.0
/* BPFX_HAVE_KF_IMPLICIT_ARGS: kfunc arguments the verifier supplies,
 * "bpf: Introduce KF_IMPLICIT_ARGS" series (Ihor Solodrai, v7.0). */
#include <linux/btf.h>
static int bpfx_probe __used = KF_IMPLICIT_ARGS;
