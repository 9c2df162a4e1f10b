// SPDX-License-Identifier: GPL-2.0
/* The kfuncs from each program type they are registered for, on LOCAL
 * dynptrs everywhere and on packet dynptrs where the kernel has them. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;

__u8 mem[64];

/* Every kfunc once on a 64-byte LOCAL dynptr; returns 0 or the failed line. */
static __always_inline int local_calls(void)
{
	struct bpf_dynptr d, c;
	__u8 b = 0;

	mem[10] = 0x5a;
	CHECK(bpfx_dynptr_from_mem(mem, sizeof(mem), 0, &d) == 0);
	CHECK(bpfx_dynptr_from_mem(mem, 8, 0, &c) == 0);
	CHECK(bpfx_dynptr_size(&d) == 64);
	CHECK(bpfx_dynptr_offset(&d) == 0);
	CHECK(bpfx_dynptr_is_null(&d) == 0);
	CHECK(bpfx_dynptr_is_rdonly(&d) == 0);
	CHECK(bpfx_dynptr_advance(&d, 8) == 0);
	CHECK(bpfx_dynptr_trim(&d, 8) == 0);
	CHECK(bpfx_dynptr_size(&d) == 48);
	CHECK(bpfx_dynptr_offset(&d) == 8);
	CHECK(bpfx_dynptr_clone(&d, &c, 2) == 0);
	CHECK(bpfx_dynptr_size(&c) == 46);
	CHECK(bpfx_dynptr_read(&b, 1, &c, 0, 0) == 0);
	CHECK(b == 0x5a);
	CHECK(bpfx_dynptr_nop(&d) == 0);
	return 0;
}

SEC("syscall") __retval(0)
int syscall_local(void *ctx)
{
	return local_calls();
}

/* XDP_PASS (2) when every check passed, else the failed line. */
SEC("xdp") __retval(2)
int xdp_local(struct xdp_md *ctx)
{
	int line = local_calls();

	return line ? line : XDP_PASS;
}

SEC("tc") __retval(0)
int tc_local(struct __sk_buff *ctx)
{
	return local_calls();
}

/* Registered only for XDP, TC, STRUCT_OPS, TRACING/LSM and SYSCALL on 6.1;
 * for every program type (the common hook) from 6.2 on. */
SEC("socket") __fail("6.1", "calling kernel function bpfx_dynptr_size is not allowed")
__retval(0)
int socket_filter_local(struct __sk_buff *ctx)
{
	return local_calls();
}

/* The test packet is 64 bytes (tests/prog_suite.c). */
SEC("xdp") __skip("6.1", "bpf_dynptr_from_xdp is v6.3+") __retval(2)
int xdp_packet(struct xdp_md *ctx)
{
	struct bpf_dynptr d, c;
	__u8 b[2];

	CHECK(bpfx_dynptr_from_mem(mem, 8, 0, &c) == 0);
	CHECK(bpf_dynptr_from_xdp(ctx, 0, &d) == 0);
	CHECK(bpfx_dynptr_size(&d) == 64);
	CHECK(bpfx_dynptr_is_rdonly(&d) == 0);
	CHECK(bpfx_dynptr_advance(&d, 14) == 0);
	CHECK(bpfx_dynptr_offset(&d) == 14);
	CHECK(bpfx_dynptr_trim(&d, 10) == 0);
	CHECK(bpfx_dynptr_size(&d) == 40);
	CHECK(bpfx_dynptr_read(b, 2, &d, 0, 0) == 0);
	CHECK(b[0] == 14 && b[1] == 15);	/* packet byte i holds i */
	CHECK(bpfx_dynptr_read(b, 1, &d, 40, 0) == -E2BIG);
	/* A packet dynptr must not be copied into a LOCAL one. */
	CHECK(bpfx_dynptr_clone(&d, &c, 0) == -EOPNOTSUPP);
	CHECK(bpfx_dynptr_size(&c) == 8);
	/* Nor may a LOCAL source overwrite a packet dynptr. */
	CHECK(bpfx_dynptr_clone(&c, &d, 0) == -EINVAL);
	CHECK(bpfx_dynptr_size(&d) == 40);
	return XDP_PASS;
}

SEC("tc") __skip("6.1", "bpf_dynptr_from_skb is v6.3+") __retval(0)
int tc_packet(struct __sk_buff *ctx)
{
	struct bpf_dynptr d, c;
	__u8 b;

	CHECK(bpfx_dynptr_from_mem(mem, 8, 0, &c) == 0);
	CHECK(bpf_dynptr_from_skb(ctx, 0, &d) == 0);
	CHECK(bpfx_dynptr_size(&d) == 64);
	CHECK(bpfx_dynptr_advance(&d, 20) == 0);
	CHECK(bpfx_dynptr_read(&b, 1, &d, 0, 0) == 0);
	CHECK(b == 20);
	CHECK(bpfx_dynptr_trim(&d, 44) == 0);
	CHECK(bpfx_dynptr_size(&d) == 0);
	CHECK(bpfx_dynptr_trim(&d, 1) == -ERANGE);
	CHECK(bpfx_dynptr_clone(&d, &c, 0) == -EOPNOTSUPP);
	return 0;
}

/* cgroup_skb packet dynptrs are read-only (bpf_dynptr_from_skb). A
 * cgroup_skb program may only return 0 or 1: 1 means every check passed,
 * and cg_fail names the first one that did not. */
int cg_fail;

SEC("cgroup_skb/ingress") __skip("6.1", "bpf_dynptr_from_skb is v6.3+") __retval(1)
int cgroup_skb_rdonly(struct __sk_buff *ctx)
{
	struct bpf_dynptr d;

	if (bpf_dynptr_from_skb(ctx, 0, &d))
		cg_fail = 1;
	else if (bpfx_dynptr_is_rdonly(&d) != 1)
		cg_fail = 2;
	else if (bpfx_dynptr_advance(&d, 1) != 0)
		cg_fail = 3;
	else if (bpfx_dynptr_is_rdonly(&d) != 1)	/* advance keeps the bit */
		cg_fail = 4;
	else
		return 1;
	return 0;
}
