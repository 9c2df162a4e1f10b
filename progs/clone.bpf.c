// SPDX-License-Identifier: GPL-2.0
/* clone: views, writes through the copy, refusals that leave both dynptrs
 * untouched, and what each kernel lets reach the runtime checks. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u8 src[32], dst[8];

SEC("syscall") __retval(0)
int clone_views(void *ctx)
{
	struct bpf_dynptr p, c;
	__u8 b = 0, v = 0x77;
	int i;

	for (i = 0; i < 32; i++)
		src[i] = i;
	CHECK(bpfx_dynptr_from_mem(src, 32, 0, &p) == 0);
	CHECK(bpfx_dynptr_from_mem(dst, 8, 0, &c) == 0);
	CHECK(bpfx_dynptr_advance(&p, 4) == 0);
	CHECK(bpfx_dynptr_clone(&p, &c, 6) == 0);
	CHECK(bpfx_dynptr_size(&c) == 22);
	CHECK(bpfx_dynptr_offset(&c) == 10);
	CHECK(bpfx_dynptr_read(&b, 1, &c, 0, 0) == 0 && b == 10);
	CHECK(bpfx_dynptr_read(&b, 1, &c, 21, 0) == 0 && b == 31);
	CHECK(bpfx_dynptr_read(&b, 1, &c, 22, 0) == -E2BIG);
	/* writes through the clone land in the source's memory */
	CHECK(bpfx_dynptr_write(&c, 1, &v, 1, 0) == 0);
	CHECK(src[11] == 0x77);
	/* the source is unchanged */
	CHECK(bpfx_dynptr_size(&p) == 28 && bpfx_dynptr_offset(&p) == 4);
	/* offset == size gives an empty view, size + 1 is refused */
	CHECK(bpfx_dynptr_clone(&p, &c, 28) == 0 && bpfx_dynptr_size(&c) == 0);
	CHECK(bpfx_dynptr_clone(&p, &c, 29) == -ERANGE);
	CHECK(bpfx_dynptr_size(&c) == 0 && bpfx_dynptr_offset(&c) == 32);
	CHECK(bpfx_dynptr_clone(&p, &c, 1ULL << 32) == -ERANGE);
	CHECK(bpfx_dynptr_clone(&p, &c, ~0ULL) == -ERANGE);
	/* p and clone may be the same dynptr */
	CHECK(bpfx_dynptr_clone(&p, &p, 8) == 0);
	CHECK(bpfx_dynptr_size(&p) == 20 && bpfx_dynptr_offset(&p) == 12);
	return 0;
}

SEC("syscall") __retval(0)
int clone_null(void *ctx)
{
	struct bpf_dynptr p, n, c;

	CHECK(bpfx_dynptr_from_mem(src, 32, 0, &p) == 0);
	CHECK(bpfx_dynptr_from_mem(src, 32, 1 /* bad flags: null */, &n) == -EINVAL);
	CHECK(bpfx_dynptr_from_mem(dst, 8, 0, &c) == 0);
	/* null source: -EINVAL before the range check, target untouched */
	CHECK(bpfx_dynptr_clone(&n, &c, 100) == -EINVAL);
	CHECK(bpfx_dynptr_size(&c) == 8 && bpfx_dynptr_offset(&c) == 0);
	/* null target: not an initialised LOCAL dynptr */
	CHECK(bpfx_dynptr_clone(&p, &n, 0) == -EINVAL);
	CHECK(bpfx_dynptr_is_null(&n) == 1);
	CHECK(bpfx_dynptr_size(&p) == 32);
	return 0;
}

/* Ringbuf source: a copy would outlive submit/discard. 6.1's verifier
 * never lets a ringbuf dynptr reach a module kfunc. */
SEC("syscall")
__fail("6.1", "points to unsupported dynamic pointer type")
__ok("6.12") __ok("7") __retval(0)
int clone_ringbuf(void *ctx)
{
	struct bpf_dynptr r, c;
	int ret = 0;

	bpfx_dynptr_from_mem(dst, 8, 0, &c);
	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &r);
	if (bpfx_dynptr_clone(&r, &c, 0) != -EOPNOTSUPP)
		ret = 1;
	else if (bpfx_dynptr_size(&c) != 8)
		ret = 2;
	/* ringbuf target: clone would retype the reservation */
	else if (bpfx_dynptr_clone(&c, &r, 0) != -EINVAL)
		ret = 3;
	else if (bpfx_dynptr_size(&r) != 16)
		ret = 4;
	bpf_ringbuf_discard_dynptr(&r, 0);
	return ret;
}
