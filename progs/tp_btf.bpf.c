// SPDX-License-Identifier: GPL-2.0
/* The kfuncs from a tracing (tp_btf) program: attached and triggered by
 * tests/test_misc.c with getppid(). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

int target_pid;
int hits, result;	/* result: set to -1 by the loader */
__u8 mem[32];

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct bpf_dynptr d;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	hits++;
	if (bpfx_dynptr_from_mem(mem, 32, 0, &d))
		result = 1;
	else if (bpfx_dynptr_advance(&d, 8) || bpfx_dynptr_size(&d) != 24)
		result = 2;
	else if (bpfx_dynptr_offset(&d) != 8 || bpfx_dynptr_is_null(&d))
		result = 3;
	else
		result = 0;
	return 0;
}
