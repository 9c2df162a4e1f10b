// SPDX-License-Identifier: GPL-2.0
/* Calling any kfunc needs a GPL-compatible program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"

#define __bpfx_tag(s) __attribute__((btf_decl_tag("bpfx:" s)))

char LICENSE[] SEC("license") = "Proprietary";

__u8 mem[16];

SEC("syscall")
__bpfx_tag("fail:all:cannot call kernel function from non-GPL compatible program")
int nongpl_calls(void *ctx)
{
	struct bpf_dynptr d;

	bpf_dynptr_from_mem(mem, 16, 0, &d);
	return bpfx_dynptr_size(&d);
}
