// SPDX-License-Identifier: GPL-2.0
/*
 * The cost baseline of examples/xdp-parse: the same parser, the same
 * records, written the way one does without bpfx: one dynptr that never
 * changes, and offsets computed by hand (off = where the next header
 * starts, end = where IP says the packet ends), checked by hand before
 * each read. tests/examples/xdp-bench.c runs both over the same packets,
 * requires the same records, and prints packets per second for each.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfx.bpf.h>
#include "xdp_parse.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define XP_MAX_EXT	8

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[XP_BUF]);
} copybuf SEC(".maps");

struct xp_totals totals;

/* The caller checks off + len <= end first. */
#define RD(buf, len) (off + (len) > end || bpfx_dynptr_read(buf, len, d, off, 0))

static __always_inline void parse(struct bpf_dynptr *d, __u32 end, struct xp_rec *r)
{
	struct { __u8 dst[6], src[6]; __be16 proto; } eth;
	struct { __be16 tci, proto; } tag;
	struct { __u8 vihl, tos; __be16 len, id, frag; __u8 ttl, proto; __be16 csum;
		 __u8 src[4], dst[4]; } h4;
	struct { __be32 vtcfl; __be16 plen; __u8 next, hops; __u8 src[16], dst[16]; } h6;
	struct { __u8 next, len; __be16 frag; } x;
	__u32 off = 0, hlen, tot, frag, ulen;
	int i, l4 = 0;
	__u8 l4h[20];

	if (RD(&eth, 14))
		goto bad;
	off = 14;
	tot = bpf_ntohs(eth.proto);
	for (i = 0; i < XP_MAX_VLAN; i++) {
		if (tot != ETH_P_8021Q && tot != ETH_P_8021AD)
			break;
		if (RD(&tag, 4))
			goto bad;
		off += 4;
		r->vlan[i] = bpf_ntohs(tag.tci) & 0xfff;
		r->nvlan = i + 1;
		tot = bpf_ntohs(tag.proto);
	}
	if (tot == ETH_P_IP) {
		r->l3 = 4;
		if (RD(&h4, 20))
			goto bad;
		hlen = (h4.vihl & 0xf) * 4;
		tot = bpf_ntohs(h4.len);
		if ((h4.vihl >> 4) != 4 || hlen < 20 || tot < hlen || off + hlen > end)
			goto bad;
		__builtin_memcpy(r->src, h4.src, 4);
		__builtin_memcpy(r->dst, h4.dst, 4);
		r->flags |= XP_ADDRS;
		if (off + tot < end)
			end = off + tot;
		off += hlen;
		frag = bpf_ntohs(h4.frag);
		if (frag & 0x1fff)
			return;
		if (frag & 0x2000)
			r->flags |= XP_FRAGMENT;
		l4 = h4.proto;
	} else if (tot == ETH_P_IPV6) {
		r->l3 = 6;
		if (RD(&h6, 40))
			goto bad;
		off += 40;
		__builtin_memcpy(r->src, h6.src, 16);
		__builtin_memcpy(r->dst, h6.dst, 16);
		r->flags |= XP_ADDRS;
		if (off + bpf_ntohs(h6.plen) < end)
			end = off + bpf_ntohs(h6.plen);
		l4 = h6.next;
		for (i = 0; i < XP_MAX_EXT; i++) {
			if (l4 == 0 || l4 == 43 || l4 == 60) {
				if (RD(&x, 2) || off + (x.len + 1) * 8 > end)
					goto bad;
				off += (x.len + 1) * 8;
			} else if (l4 == 44) {
				if (RD(&x, 4) || off + 8 > end)
					goto bad;
				off += 8;
				if (bpf_ntohs(x.frag) & 0xfff8)
					return;
				if (bpf_ntohs(x.frag) & 1)
					r->flags |= XP_FRAGMENT;
			} else {
				break;
			}
			l4 = x.next;
		}
		if (i == XP_MAX_EXT)
			return;
	} else {
		return;
	}
	if ((l4 != 6 && l4 != 17 && l4 != 1 && l4 != 58) ||
	    (l4 == 1 && r->l3 != 4) || (l4 == 58 && r->l3 != 6))
		return;
	if (off >= end && r->l3 == 4)
		return;
	r->l4 = l4;
	if (r->flags & XP_FRAGMENT) {
		if ((l4 == 6 && !RD(l4h, 8)) || (l4 == 17 && !RD(l4h, 4)))
			goto ports;
		return;
	}
	if (l4 == 6) {
		if (RD(l4h, 20) || (l4h[12] >> 4) * 4 < 20 || off + (l4h[12] >> 4) * 4 > end)
			goto bad;
	} else if (l4 == 17) {
		if (RD(l4h, 8))
			goto bad;
		ulen = (l4h[4] << 8) | l4h[5];
		if (ulen < 8 || off + ulen > end)
			goto bad;
	} else {
		if (RD(l4h, 8))
			goto bad;
		return;
	}
ports:
	r->sport = (l4h[0] << 8) | l4h[1];
	r->dport = (l4h[2] << 8) | l4h[3];
	r->flags |= XP_PORTS;
	return;
bad:
	r->flags |= XP_MALFORMED;
}

static __always_inline void emit(struct xp_rec *r)
{
	__sync_fetch_and_add(&totals.packets, 1);
	if (r->flags & XP_MALFORMED)
		__sync_fetch_and_add(&totals.malformed, 1);
	bpf_ringbuf_output(&records, r, sizeof(*r), 0);
}

SEC("xdp")
int base_dynptr(struct xdp_md *ctx)
{
	struct xp_rec r = {};
	struct bpf_dynptr v;

	if (bpf_dynptr_from_xdp(ctx, 0, &v))
		r.flags |= XP_MALFORMED;
	else
		parse(&v, bpf_xdp_get_buff_len(ctx), &r);
	emit(&r);
	return XDP_PASS;
}

SEC("xdp")
int base_copy(struct xdp_md *ctx)
{
	struct xp_rec r = {};
	struct bpf_dynptr v;
	__u32 zero = 0;
	__u64 len = bpf_xdp_get_buff_len(ctx);
	__u8 *buf = bpf_map_lookup_elem(&copybuf, &zero);

	if (!buf)
		return XDP_PASS;
	if (len > XP_BUF)
		len = XP_BUF;
	asm volatile("" : "+r"(len));
	if (len < 14 || len > XP_BUF || bpf_xdp_load_bytes(ctx, 0, buf, len) ||
	    bpfx_dynptr_from_mem(buf, len, 0, &v))
		r.flags |= XP_MALFORMED;
	else
		parse(&v, len, &r);
	emit(&r);
	return XDP_PASS;
}
