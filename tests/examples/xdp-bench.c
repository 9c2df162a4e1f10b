// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-bench PCAP: examples/xdp-parse (bpfx: advance/trim over one
 * view) against tests/examples/parse_baseline.bpf.c (the same parser with
 * offsets by hand), over every packet of PCAP, in the running kernel.
 * Both must give the same record for every packet; the kernel's own
 * per-run time (BPF_PROG_TEST_RUN's duration, one run per packet) gives
 * packets per second: wall clock under TCG, noisy on a loaded host. Under QEMU -icount shift=0 that
 * time counts guest instructions (tests/bench.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpfx_features.h"
#include "xdp_parse.h"
#include "xdp_parse.skel.h"
#include "parse_baseline.skel.h"

static struct xp_rec last;
static int got;

static int keep(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(last))
		memcpy(&last, data, sizeof(last));
	got++;
	return 0;
}

static int run(int fd, struct ring_buffer *rb, void *pkt, unsigned int len,
	       struct xp_rec *rec, double *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len);

	got = 0;
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	ring_buffer__consume(rb);
	if (!got)
		return -ENOENT;
	*rec = last;
	*ns += o.duration;
	return 0;
}

int main(int argc, char **argv)
{
	struct xdp_parse *a;
	struct parse_baseline *b;
	struct ring_buffer *ra, *rb;
	struct btf *vml = btf__load_vmlinux_btf();
	unsigned char hdr[24], rh[16], *pkt = malloc(65536);
	int copy, fa, fb, n = 0, diff = 0, err;
	double ta = 0, tb = 0;
	unsigned int caplen;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb")) || fread(hdr, 1, 24, f) != 24) {
		fprintf(stderr, "usage: xdp-bench PCAP\n");
		return 2;
	}
	copy = !vml || btf__find_by_name_kind(vml, "bpf_dynptr_from_xdp", BTF_KIND_FUNC) < 0;
	a = xdp_parse__open();
	b = parse_baseline__open();
	if (!a || !b)
		return 1;
	a->rodata->bpfx_features = bpfx_detect_features();
	b->rodata->bpfx_features = a->rodata->bpfx_features;
	/* only the XDP program measured: the others need kfuncs this kernel may lack */
	bpf_program__set_autoload(copy ? a->progs.xdp_parse_dynptr : a->progs.xdp_parse_copy, false);
	bpf_program__set_autoload(a->progs.tc_parse_dynptr, false);
	bpf_program__set_autoload(a->progs.tc_parse_copy, false);
	bpf_program__set_autoload(copy ? b->progs.base_dynptr : b->progs.base_copy, false);
	if ((err = xdp_parse__load(a)) || (err = parse_baseline__load(b))) {
		fprintf(stderr, "xdp-bench: load: %s\n", strerror(-err));
		return 1;
	}
	fa = bpf_program__fd(copy ? a->progs.xdp_parse_copy : a->progs.xdp_parse_dynptr);
	fb = bpf_program__fd(copy ? b->progs.base_copy : b->progs.base_dynptr);
	ra = ring_buffer__new(bpf_map__fd(a->maps.records), keep, NULL, NULL);
	rb = ring_buffer__new(bpf_map__fd(b->maps.records), keep, NULL, NULL);
	while (fread(rh, 1, 16, f) == 16) {
		struct xp_rec x, y;

		memcpy(&caplen, rh + 8, 4);
		if (caplen > 65536 || fread(pkt, 1, caplen, f) != caplen)
			break;
		n++;
		if ((err = run(fa, ra, pkt, caplen, &x, &ta)) ||
		    (err = run(fb, rb, pkt, caplen, &y, &tb))) {
			fprintf(stderr, "xdp-bench: frame %d: %s\n", n, strerror(-err));
			return 1;
		}
		if (memcmp(&x, &y, sizeof(x))) {
			if (++diff <= 5)
				printf("xdp-bench: frame %d: bpfx and baseline records differ\n", n);
		}
	}
	printf("xdp-bench: %d packets, %s path: bpfx %.0f pkt/s (%.0f ns/pkt), baseline %.0f pkt/s (%.0f ns/pkt), bpfx/baseline %.3f, %d records differ\n",
	       n, copy ? "copy" : "xdp-dynptr", n * 1e9 / ta, ta / n, n * 1e9 / tb, tb / n, ta / tb, diff);
	return diff || !n;
}
