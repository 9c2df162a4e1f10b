// SPDX-License-Identifier: GPL-2.0
/* KF_IMPLICIT_ARGS samples: the verifier supplies the bpf_prog_aux (7.0+).
 * 6.1 and 6.12 cannot, and bpfx leaves the kfuncs out there. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

#define NO_IMPLICIT_6_1 __skip("6.1", "no KF_IMPLICIT_ARGS before v7.0: the verifier cannot supply bpf_prog_aux (docs/implicit-args.md)")
#define NO_IMPLICIT_6_12 __skip("6.12", "no KF_IMPLICIT_ARGS before v7.0: the verifier cannot supply bpf_prog_aux (docs/implicit-args.md)")

/* the full C prototype, which programs must not call */
extern __u32 bpfx_prog_id_impl(struct bpf_prog_aux *aux) __ksym __weak;

__u32 id_syscall, id_tp, id_xdp, id_sub;
int name_len, tp_pid, tp_hits;
char name[16], small[8];
__u8 tag[8];
int err_zero, err_small, tag_ret, tag_short;

static __noinline __u32 id_from_subprog(int x)
{
	return bpfx_prog_id() + x;
}

SEC("syscall") NO_IMPLICIT_6_1 NO_IMPLICIT_6_12
int implicit_syscall(void *ctx)
{
	id_syscall = bpfx_prog_id();
	id_sub = id_from_subprog(0);
	name_len = bpfx_prog_name(name, sizeof(name));
	err_zero = bpfx_prog_name(name, 0);
	__builtin_memset(small, 'x', sizeof(small));
	err_small = bpfx_prog_name(small, 4);	/* small[4..7] must stay 'x' */
	tag_ret = bpfx_prog_tag(tag, sizeof(tag));
	tag_short = bpfx_prog_tag(tag, 4);
	return 0;
}

SEC("tp_btf/sys_enter") NO_IMPLICIT_6_1 NO_IMPLICIT_6_12
int BPF_PROG(implicit_tp, struct pt_regs *regs, long sysno)
{
	if ((bpf_get_current_pid_tgid() >> 32) != tp_pid)
		return 0;
	tp_hits++;
	id_tp = bpfx_prog_id();
	return 0;
}

SEC("xdp") NO_IMPLICIT_6_1 NO_IMPLICIT_6_12
int implicit_xdp(struct xdp_md *ctx)
{
	id_xdp = bpfx_prog_id();
	return XDP_PASS;
}

/* The _impl twin exists in BTF only (no symbol, not in the set): no program
 * can call it, so the aux is always the verifier's. */
SEC("syscall") NO_IMPLICIT_6_1 NO_IMPLICIT_6_12
__fail("7", "cannot find address for kernel function bpfx_prog_id_impl")
int call_impl_directly(void *ctx)
{
	return bpfx_prog_id_impl((void *)0);
}
