// SPDX-License-Identifier: GPL-2.0
/*
 * ringbuf-records: variable-length TLV records (type, length, value) go
 * through a ring buffer; a batch of them is walked and decoded.
 *
 *  produce   writes `count` records of 0..31 value bytes into `records`
 *  consume       walks the batch the loader collected from it with
 *                BPFX_DYNPTR_WALK (every kernel: a step consumes one record),
 *                clones a view of each record's value (bpfx_dp_clone), trims
 *                it to the record's length and decodes it through that view
 *  consume_iter  (kernels with module iterators, 6.4+) the same walk with
 *                the open-coded iterator: it yields the batch a byte at a
 *                time, and where a record starts, the record's view is a
 *                clone of the batch at that chunk's offset
 *
 * The step never computes an offset: the walk advances the view past each
 * record, and the record's view is clone + trim. A length that runs past
 * the batch makes the walk stop with -ERANGE instead of reading beyond it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpfx.bpf.h>
#include "ringbuf_records.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} records SEC(".maps");

__u32 count;				/* produce: how many records */
__u8 batch[RR_BATCH];			/* consume: the records, back to back */
__u32 batch_len;
struct rr_decoded out[RR_MAX_RECORDS];	/* consume: one per record */
__u32 nout;
__s64 walked;				/* consume: bytes walked, or the error */
__u8 scratch[1];			/* what clone targets start as */

static long produce_one(__u32 i, void *ctx)
{
	__u8 rec[2 + RR_MAX_VALUE];
	__u32 j, len = (i * 7 + 3) % (RR_MAX_VALUE + 1);

	rec[0] = 1 + i % 5;
	rec[1] = len;
	for (j = 0; j < RR_MAX_VALUE; j++)
		rec[2 + j] = (__u8)(i * 31 + j);
	bpf_ringbuf_output(&records, rec, 2 + (len & RR_MAX_VALUE), 0);
	return 0;
}

SEC("syscall")
int produce(void *ctx)
{
	bpf_loop(count, produce_one, NULL, 0);
	return 0;
}

/* One record: the view starts at it. Returns the bytes it takes. */
static long decode_one(struct bpf_dynptr *view, void *ctx)
{
	struct bpf_dynptr value;
	struct rr_decoded d;
	__u8 h[2], v[RR_MAX_VALUE + 1] = {};
	__s64 size;
	__u32 n = nout, i, sum = 0;

	if (n >= RR_MAX_RECORDS || bpfx_dynptr_read(h, 2, view, 0, 0))
		return -EINVAL;
	bpfx_dynptr_from_mem(scratch, 1, 0, &value);
	if (bpfx_dp_clone(view, &value, 2))	/* the value: the view past T, L */
		return -EINVAL;
	size = bpfx_dp_size(&value);
	if (size < h[1] || bpfx_dp_trim(&value, size - h[1]))
		return -ERANGE;			/* the length runs past the batch */
	if (h[1] > RR_MAX_VALUE || bpfx_dynptr_read(v, h[1], &value, 0, 0))
		return -EINVAL;
	for (i = 0; i < RR_MAX_VALUE; i++)
		sum += v[i];
	d.off = bpfx_dynptr_offset(&value);
	d.len = bpfx_dp_size(&value);
	d.type = h[0];
	d.sum = sum;
	/* n < RR_MAX_RECORDS already; 6.1's verifier loses that across the
	 * kfunc calls, so mask it where clang cannot drop the mask. */
	asm volatile("" : "+r"(n));
	out[n & (RR_MAX_RECORDS - 1)] = d;
	nout = n + 1;
	return 2 + h[1];
}
BPFX_DYNPTR_WALK(walk_records, decode_one)

SEC("syscall")
int consume(void *ctx)
{
	struct bpf_dynptr d;
	__u32 len = batch_len;

	nout = 0;
	if (len > RR_BATCH)
		len = RR_BATCH;
	bpfx_dynptr_from_mem(batch, len, 0, &d);
	walked = walk_records(&d, NULL, RR_MAX_RECORDS);
	return 0;
}

/*
 * The iterator's chunks have a fixed size and a record's size is only
 * known once its header is read, so the walk asks for 1-byte chunks and
 * skips to where the previous record ended; the chunk's offset, which the
 * iterator keeps within the view, says where a record's view starts.
 */
SEC("syscall")
int consume_iter(void *ctx)
{
	struct bpfx_dynptr_chunk *c;
	struct bpf_dynptr d, rec;
	__u32 len = batch_len;
	__u64 next = 0;
	long n;

	nout = 0;
	walked = 0;
	if (len > RR_BATCH)
		len = RR_BATCH;
	bpfx_dynptr_from_mem(batch, len, 0, &d);
	bpf_for_each(bpfx_dynptr, c, &d, 1) {
		if (c->off != next)
			continue;
		bpfx_dynptr_from_mem(scratch, 1, 0, &rec);
		n = bpfx_dp_clone(&d, &rec, c->off);
		if (!n)
			n = decode_one(&rec, NULL);
		if (n < 0) {
			walked = n;
			break;
		}
		next += n;
		walked = next;
	}
	return 0;
}
