// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-parse: the loader (libbpf, bpftool skeleton).
 *
 *   xdp-parse --pcap FILE [--copy] [--tc]   every packet of FILE through the
 *                                    program (BPF_PROG_TEST_RUN), one JSON line each
 *   xdp-parse --iface IF [--copy] [--tc]    attached to IF (XDP; --tc: TC
 *                                    ingress, clsact), one JSON line per packet
 *
 * Prints {"frame": N, "vlan": [...], "l3": ..., "src": ..., "dst": ...,
 * "l4": ..., "sport": ..., "dport": ..., "malformed": ...} per packet and a
 * totals line last. --copy forces the 6.1 path (a LOCAL dynptr over a copy
 * of the packet) on kernels that have packet dynptrs. --tc runs the same
 * parser as a TC program (over the skb dynptr). The kernel test-runs a TC
 * program only on a frame it could have received: one shorter than an
 * Ethernet header, or that it refuses (EINVAL: seen on 6.1 and 7.x for
 * untagged frames whose IPv4 or IPv6 header is cut short), is skipped with a
 * "not run at TC" line on stderr; frame numbers stay the pcap's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpfx_features.h>
#include "xdp_parse.h"
#include "xdp_parse.skel.h"

static unsigned long long frame;
static volatile sig_atomic_t stop;

static const char *l4name(int p)
{
	switch (p) {
	case 6: return "\"tcp\"";
	case 17: return "\"udp\"";
	case 1: return "\"icmp\"";
	case 58: return "\"icmpv6\"";
	}
	return "null";
}

static int print_rec(void *ctx, void *data, size_t len)
{
	const struct xp_rec *r = data;
	char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
	int i, af = r->l3 == 6 ? AF_INET6 : AF_INET;

	if (len < sizeof(*r))
		return -EINVAL;
	printf("{\"frame\": %llu, \"vlan\": [", ++frame);
	for (i = 0; i < r->nvlan && i < XP_MAX_VLAN; i++)
		printf("%s%u", i ? ", " : "", r->vlan[i]);
	printf("], \"l3\": %s, ", r->l3 == 4 ? "\"ipv4\"" : r->l3 == 6 ? "\"ipv6\"" : "null");
	if (r->flags & XP_ADDRS) {
		inet_ntop(af, r->src, src, sizeof(src));
		inet_ntop(af, r->dst, dst, sizeof(dst));
		printf("\"src\": \"%s\", \"dst\": \"%s\", ", src, dst);
	} else {
		printf("\"src\": null, \"dst\": null, ");
	}
	printf("\"l4\": %s, ", l4name(r->l4));
	if (r->flags & XP_PORTS)
		printf("\"sport\": %u, \"dport\": %u, ", r->sport, r->dport);
	else
		printf("\"sport\": null, \"dport\": null, ");
	printf("\"malformed\": %s}\n", r->flags & XP_MALFORMED ? "true" : "false");
	return 0;
}

/* Classic pcap (not pcapng), either byte order, Ethernet link type. */
static int run_pcap(struct bpf_program *prog, struct ring_buffer *rb, const char *path, int tc)
{
	unsigned char hdr[24], rec[16], *pkt = malloc(65536);
	FILE *f = fopen(path, "rb");
	int swap, fd = bpf_program__fd(prog), err = 0;
	unsigned int magic, caplen;

	if (!f || !pkt || fread(hdr, 1, 24, f) != 24) {
		fprintf(stderr, "xdp-parse: cannot read %s\n", path);
		return 1;
	}
	memcpy(&magic, hdr, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "xdp-parse: %s is not a pcap file\n", path);
		return 1;
	}
	while (fread(rec, 1, 16, f) == 16) {
		LIBBPF_OPTS(bpf_test_run_opts, o);

		memcpy(&caplen, rec + 8, 4);
		if (swap)
			caplen = __builtin_bswap32(caplen);
		if (caplen > 65536 || fread(pkt, 1, caplen, f) != caplen) {
			fprintf(stderr, "xdp-parse: %s: truncated record\n", path);
			err = 1;
			break;
		}
		if (tc && caplen < 14) {
			fprintf(stderr, "xdp-parse: frame %llu (%u bytes): not run at TC: shorter than an Ethernet header\n",
				++frame, caplen);
			continue;
		}
		o.data_in = pkt;
		o.data_size_in = caplen;
		if (bpf_prog_test_run_opts(fd, &o)) {
			if (tc && errno == EINVAL) {
				fprintf(stderr, "xdp-parse: frame %llu (%u bytes): not run at TC: BPF_PROG_TEST_RUN refuses it (%s)\n",
					++frame, caplen, strerror(errno));
				continue;
			}
			fprintf(stderr, "xdp-parse: frame %llu (%u bytes): BPF_PROG_TEST_RUN: %s\n",
				frame + 1, caplen, strerror(errno));
			err = 1;
			break;
		}
		if (ring_buffer__consume(rb) != 1) {
			fprintf(stderr, "xdp-parse: frame %llu: no record\n", frame + 1);
			err = 1;
			break;
		}
	}
	fclose(f);
	free(pkt);
	return err;
}

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *pcap = NULL, *iface = NULL;
	struct xdp_parse *skel;
	struct bpf_program *prog, *p;
	struct ring_buffer *rb;
	struct btf *vmlinux;
	int i, copy = 0, tc = 0, ifindex = 0, err;
	const char *kfunc;
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tco);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pcap") && i + 1 < argc)
			pcap = argv[++i];
		else if (!strcmp(argv[i], "--iface") && i + 1 < argc)
			iface = argv[++i];
		else if (!strcmp(argv[i], "--copy"))
			copy = 1;
		else if (!strcmp(argv[i], "--tc"))
			tc = 1;
		else
			break;
	}
	if (i < argc || !pcap == !iface) {
		fprintf(stderr, "usage: xdp-parse --pcap FILE | --iface IF  [--copy] [--tc]\n");
		return 2;
	}
	/* Packet dynptrs (v6.4) where the kernel has them, else the copy. */
	kfunc = tc ? "bpf_dynptr_from_skb" : "bpf_dynptr_from_xdp";
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux || btf__find_by_name_kind(vmlinux, kfunc, BTF_KIND_FUNC) < 0)
		copy = 1;
	btf__free(vmlinux);

	skel = xdp_parse__open();
	if (!skel) {
		fprintf(stderr, "xdp-parse: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->bpfx_features = bpfx_detect_features();
	if (tc)
		prog = copy ? skel->progs.tc_parse_copy : skel->progs.tc_parse_dynptr;
	else
		prog = copy ? skel->progs.xdp_parse_copy : skel->progs.xdp_parse_dynptr;
	/* Load only that one: the others call kfuncs this kernel may lack. */
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == prog);
	err = xdp_parse__load(skel);
	if (err) {
		fprintf(stderr, "xdp-parse: load: %s (is bpfx loaded?)\n", strerror(-err));
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.records), print_rec, NULL, NULL);
	if (!rb)
		return 1;
	fprintf(stderr, "xdp-parse: %s, %s path, bpfx_features 0x%x\n", tc ? "TC" : "XDP",
		copy ? "copy (LOCAL dynptr)" : tc ? "skb dynptr" : "XDP dynptr", skel->rodata->bpfx_features);
	if (pcap) {
		err = run_pcap(prog, rb, pcap, tc);
	} else {
		ifindex = if_nametoindex(iface);
		hook.ifindex = ifindex;
		tco.prog_fd = bpf_program__fd(prog);
		if (!ifindex)
			err = -ENODEV;
		else if (!tc)
			err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), 0, NULL);
		else if ((err = bpf_tc_hook_create(&hook)) == -EEXIST || !err)
			err = bpf_tc_attach(&hook, &tco);
		if (err) {
			fprintf(stderr, "xdp-parse: cannot attach to %s%s: %s\n", iface,
				tc ? " (TC ingress: needs the clsact qdisc, sch_ingress)" : "", strerror(-err));
			return 1;
		}
		fprintf(stderr, "xdp-parse: attached to %s\n", iface);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!stop && ring_buffer__poll(rb, 200) >= 0)
			;
		if (tc) {
			tco.flags = tco.prog_fd = tco.prog_id = 0;
			bpf_tc_detach(&hook, &tco);	/* ours only: the qdisc may be shared */
		} else {
			bpf_xdp_detach(ifindex, 0, NULL);
		}
		ring_buffer__consume(rb);
		err = 0;
	}
	printf("{\"packets\": %llu, \"malformed\": %llu, \"ipv4\": %llu, \"ipv6\": %llu, "
	       "\"tcp\": %llu, \"udp\": %llu, \"icmp\": %llu, \"icmpv6\": %llu}\n",
	       skel->bss->totals.packets, skel->bss->totals.malformed, skel->bss->totals.ipv4,
	       skel->bss->totals.ipv6, skel->bss->totals.tcp, skel->bss->totals.udp,
	       skel->bss->totals.icmp, skel->bss->totals.icmpv6);
	ring_buffer__free(rb);
	xdp_parse__destroy(skel);
	return err;
}
