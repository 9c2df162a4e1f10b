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

/*
 * One walker (program p) over the batch: every record it decoded is
 * printed next to what the loader reads in the same bytes; then the batch
 * is cut by one byte, so the last record's length runs past it: the walk
 * must stop there with -ERANGE, the records before it decoded. Returns the
 * number of things wrong.
 */
static unsigned int check_walk(struct ringbuf_records *s, struct bpf_program *p,
			       const char *how, unsigned int n)
{
	unsigned int i, off = 0, bad = 0, nrec;

	s->bss->batch_len = batch_len;
	if (run(p)) {
		fprintf(stderr, "ringbuf-records: %s failed\n", how);
		return 1;
	}
	for (i = 0; off + 2 <= batch_len; i++) {
		unsigned int t = batch[off], l = batch[off + 1], k, vs = 0;
		const struct rr_decoded *d = &s->bss->out[i];

		for (k = 0; k < l && off + 2 + k < batch_len; k++)
			vs += batch[off + 2 + k];
		if (i >= s->bss->nout || d->off != off + 2 || d->type != t || d->len != l || d->sum != vs) {
			bad++;
			printf("%s: record %u: expected off %u type %u len %u sum %u, decoded %s\n", how, i + 1,
			       off + 2, t, l, vs, i < s->bss->nout ? "differently" : "nothing");
		} else {
			printf("%s: record %u: type %u len %u sum %u (value at %u)\n", how, i + 1, t, l, vs, off + 2);
		}
		off += 2 + l;
	}
	nrec = i;
	printf("ringbuf-records: %s: %u produced, %u in the batch (%u bytes), %u decoded, walk returned %lld, %u wrong\n",
	       how, produced, nrec, batch_len, s->bss->nout, (long long)s->bss->walked, bad);
	bad += produced != n || nrec != n || s->bss->nout != n || s->bss->walked != (long long)batch_len;
	s->bss->batch_len = batch_len - 1;
	run(p);
	printf("ringbuf-records: %s: batch cut by one byte: walk returned %lld (-ERANGE = %d expected), %u decoded\n",
	       how, (long long)s->bss->walked, -ERANGE, s->bss->nout);
	bad += s->bss->walked != -ERANGE || s->bss->nout != n - 1;
	s->bss->batch_len = batch_len;
	return bad;
}

int main(int argc, char **argv)
{
	struct ringbuf_records *s;
	struct ring_buffer *rb;
	unsigned int n = argc > 1 ? atoi(argv[1]) : 200, bad, iter;
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
	bpf_program__set_autoload(s->progs.consume_iter, iter);
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
	bad = check_walk(s, s->progs.consume, "walk", n);
	if (iter)
		bad += check_walk(s, s->progs.consume_iter, "iterator", n);
	else
		printf("ringbuf-records: iterator: skipped, no module iterators in this kernel (6.4+)\n");
	err = !!bad;
	printf("ringbuf-records: %s\n", err ? "FAILED" : "every record decoded");
	ring_buffer__free(rb);
	ringbuf_records__destroy(s);
	return err;
}
