// SPDX-License-Identifier: GPL-2.0
/* The sample of `make demo`: every bpfx kfunc once, results for a table. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"

char LICENSE[] SEC("license") = "GPL";

__u8 data[64];
__s64 res[16];

static long count(struct bpf_dynptr *view, void *ctx)
{
	__s64 left = bpfx_dynptr_size(view);

	return left < 16 ? left : 16;	/* consume up to 16 bytes a step */
}
BPFX_DYNPTR_WALK(walk16, count)

SEC("syscall")
int demo(void *ctx)
{
	struct bpf_dynptr d, c, n;
	int i;

	for (i = 0; i < 64; i++)
		data[i] = i;
	bpfx_dynptr_from_mem(data, 64, 0, &d);
	bpfx_dynptr_from_mem(data, 8, 0, &c);
	bpfx_dynptr_from_mem(data, 64, 1, &n);	/* bad flags: a null dynptr */
	res[0] = bpfx_dynptr_size(&d);
	res[1] = bpfx_dynptr_offset(&d);
	res[2] = bpfx_dynptr_is_null(&d);
	res[3] = bpfx_dynptr_is_null(&n);
	res[4] = bpfx_dynptr_is_rdonly(&d);
	res[5] = bpfx_dynptr_advance(&d, 10);
	res[6] = bpfx_dynptr_size(&d);
	res[7] = bpfx_dynptr_offset(&d);
	res[8] = bpfx_dynptr_trim(&d, 4);
	res[9] = bpfx_dynptr_size(&d);
	res[10] = bpfx_dynptr_trim(&d, 1000);
	res[11] = bpfx_dynptr_clone(&d, &c, 5);
	res[12] = bpfx_dynptr_offset(&c);
	res[13] = bpfx_dynptr_size(&c);
	res[14] = bpfx_dynptr_size(&n);
	res[15] = walk16(&d, 0, 16);
	return 0;
}
