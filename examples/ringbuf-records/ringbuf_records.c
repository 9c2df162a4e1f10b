// SPDX-License-Identifier: GPL-2.0
/*
 * ringbuf-records [N]: the producer program writes N (default 200) TLV
 * records into a ring buffer; this loader collects them into a batch,
 * the consumer program walks and decodes it, and every record it decoded
 * is printed next to what the loader itself reads in the same bytes.
 * Exit 0 only when every record was decoded, and decoded right, and a
 * batch cut short stops the walk (-ERANGE) instead of being read past.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpfx_features.h>
#include "ringbuf_records.h"
#include "ringbuf_records.skel.h"

static unsigned char batch[RR_BATCH];
static unsigned int batch_len, produced;

static int collect(void *ctx, void *data, size_t len)
{
	if (batch_len + len > sizeof(batch))
		return -E2BIG;
	memcpy(batch + batch_len, data, len);
	batch_len += len;
	produced++;
	return 0;
}

static int run(struct bpf_program *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);

	return bpf_prog_test_run_opts(bpf_program__fd(p), &o) ? -errno : o.retval;
}

int main(int argc, char **argv)
{
	struct ringbuf_records *s;
	struct ring_buffer *rb;
	unsigned int n = argc > 1 ? atoi(argv[1]) : 200, i, off = 0, bad = 0, iter, nrec;
	unsigned long long sum = 0;
	int err;

	if (n > RR_MAX_RECORDS) {
		fprintf(stderr, "ringbuf-records: at most %d records\n", RR_MAX_RECORDS);
		return 2;
	}
	s = ringbuf_records__open();
	if (!s)
		return 1;
	s->rodata->bpfx_features = bpfx_detect_features();
	iter = !!(s->rodata->bpfx_features & BPFX_F_ITER);
	bpf_program__set_autoload(s->progs.checksum, iter);
	err = ringbuf_records__load(s);
	if (err) {
		fprintf(stderr, "ringbuf-records: load: %s (is bpfx loaded?)\n", strerror(-err));
		return 1;
	}
	s->bss->count = n;
	rb = ring_buffer__new(bpf_map__fd(s->maps.records), collect, NULL, NULL);
	if (!rb || run(s->progs.produce) || ring_buffer__consume(rb) < 0) {
		fprintf(stderr, "ringbuf-records: producing failed\n");
		return 1;
	}
	memcpy(s->bss->batch, batch, batch_len);
	s->bss->batch_len = batch_len;
	if (run(s->progs.consume)) {
		fprintf(stderr, "ringbuf-records: consume failed\n");
		return 1;
	}
	/* What the loader reads in the batch, record by record. */
	for (i = 0; off + 2 <= batch_len; i++) {
		unsigned int t = batch[off], l = batch[off + 1], k, vs = 0;
		const struct rr_decoded *d = &s->bss->out[i];

		for (k = 0; k < l && off + 2 + k < batch_len; k++)
			vs += batch[off + 2 + k];
		if (i >= s->bss->nout || d->off != off + 2 || d->type != t || d->len != l || d->sum != vs) {
			bad++;
			printf("record %u: expected off %u type %u len %u sum %u, decoded %s\n", i + 1,
			       off + 2, t, l, vs, i < s->bss->nout ? "differently" : "nothing");
		} else {
			printf("record %u: type %u len %u sum %u (value at %u)\n", i + 1, t, l, vs, off + 2);
		}
		off += 2 + l;
	}
	nrec = i;
	for (i = 0; i < batch_len; i++)
		sum += batch[i];
	printf("ringbuf-records: %u produced, %u in the batch (%u bytes), %u decoded, walk returned %lld, %u wrong\n",
	       produced, nrec, batch_len, s->bss->nout, (long long)s->bss->walked, bad);
	if (iter) {
		run(s->progs.checksum);
		printf("ringbuf-records: open-coded iterator, 64-byte chunks: sum %llu, expected %llu\n",
		       (unsigned long long)s->bss->chunk_sum, sum);
		bad += s->bss->chunk_sum != sum;
	} else {
		printf("ringbuf-records: open-coded iterator: skipped, no module iterators in this kernel (6.4+)\n");
	}
	/* The last record's length now runs past the batch: the walk must
	 * stop there with -ERANGE, the records before it decoded. */
	s->bss->batch_len = batch_len - 1;
	run(s->progs.consume);
	printf("ringbuf-records: batch cut by one byte: walk returned %lld (-ERANGE = %d expected), %u decoded\n",
	       (long long)s->bss->walked, -ERANGE, s->bss->nout);
	bad += s->bss->walked != -ERANGE || s->bss->nout != n - 1;
	s->bss->batch_len = batch_len;
	run(s->progs.consume);
	err = bad || produced != n || nrec != n || s->bss->nout != n || s->bss->walked != (long long)batch_len;
	printf("ringbuf-records: %s\n", err ? "FAILED" : "every record decoded");
	ring_buffer__free(rb);
	ringbuf_records__destroy(s);
	return err;
}
