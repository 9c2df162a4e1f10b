// SPDX-License-Identifier: GPL-2.0
/* bpfx_dp_*: the same results whether they call the kernel's natives or
 * the bpfx kfuncs (tests run this object both ways). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

__u8 mem[64], tgt[8];

SEC("syscall") __retval(0)
int wrappers(void *ctx)
{
	struct bpf_dynptr d, c, n;
	__u8 b = 0;
	int i;

	for (i = 0; i < 64; i++)
		mem[i] = i;
	CHECK(bpfx_dynptr_from_mem(mem, 64, 0, &d) == 0);
	CHECK(bpfx_dynptr_from_mem(tgt, 8, 0, &c) == 0);
	CHECK(bpfx_dynptr_from_mem(mem, 64, 1, &n) == -EINVAL);
	CHECK(bpfx_dp_size(&d) == 64);
	CHECK(bpfx_dp_is_null(&d) == 0 && bpfx_dp_is_null(&n) == 1);
	CHECK(bpfx_dp_is_rdonly(&d) == 0 && bpfx_dp_is_rdonly(&n) == 0);
	CHECK(bpfx_dp_size(&n) == -EINVAL);
	CHECK(bpfx_dp_advance(&d, 65) == -ERANGE);
	CHECK(bpfx_dp_advance(&d, 1ULL << 32) == -ERANGE);	/* u32 wrap */
	CHECK(bpfx_dp_trim(&d, (1ULL << 32) + 1) == -ERANGE);
	CHECK(bpfx_dp_size(&d) == 64);
	CHECK(bpfx_dp_advance(&d, 4) == 0);
	CHECK(bpfx_dp_trim(&d, 10) == 0);
	CHECK(bpfx_dp_size(&d) == 50);
	CHECK(bpfx_dp_advance(&n, 0) == -EINVAL);
	CHECK(bpfx_dp_clone(&d, &c, 51) == -ERANGE);
	CHECK(bpfx_dp_size(&c) == 8);
	CHECK(bpfx_dp_clone(&n, &c, 0) == -EINVAL);
	CHECK(bpfx_dp_size(&c) == 8);
	CHECK(bpfx_dp_clone(&d, &c, 6) == 0);
	CHECK(bpfx_dp_size(&c) == 44);
	CHECK(bpfx_dynptr_read(&b, 1, &c, 0, 0) == 0 && b == 10);
	return 0;
}

/* Which path ran: 1 if the loader turned the natives on. */
SEC("syscall")
int which_path(void *ctx)
{
	return bpfx_native() ? 1 : 0;
}
