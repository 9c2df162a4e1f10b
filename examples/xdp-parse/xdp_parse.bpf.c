// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-parse: Ethernet (+802.1Q/802.1ad), IPv4 (+options), IPv6 (+hop-by-hop,
 * routing, fragment, destination options), TCP, UDP, ICMP, ICMPv6, parsed
 * over a dynptr with the bpfx API. One record per packet into a ring buffer.
 *
 * The parser holds one dynptr, the view of what is left to parse: it reads
 * a header at offset 0 and advances past it, and trims the view to the IP
 * length. Every read is checked against the view by the kernel, so a
 * truncated or lying packet can only make a read fail (malformed), never
 * read past it. No offset arithmetic in the program.
 *
 * Four entry points, one parser: xdp_parse_dynptr runs over the kernel's
 * XDP dynptr (6.4+), xdp_parse_copy over a LOCAL dynptr of the packet bytes
 * copied into a map value (6.1, which has no packet dynptrs); tc_parse_dynptr
 * and tc_parse_copy do the same at TC (the skb dynptr, 6.4+). The loader
 * loads the one the kernel can run.
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
#define XP_MAX_EXT	8	/* IPv6 extension headers followed */

#define TC_ACT_OK	0	/* uapi pkt_cls.h: a #define, not in BTF */

/* The kernel's XDP and skb dynptrs (v6.4); weak, so the object loads on 6.1
 * too (the loader does not load the programs that call them there). */
extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags,
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

/* Read len bytes at the start of the view, then step past them. */
static __always_inline int pull(struct bpf_dynptr *v, void *buf, __u32 len)
{
	if (bpfx_dynptr_read(buf, len, v, 0, 0))
		return -1;
	return bpfx_dp_advance(v, len) ? -1 : 0;
}

/* Keep only the first len bytes of the view (Ethernet padding behind IP). */
static __always_inline void limit(struct bpf_dynptr *v, __u64 len)
{
	__s64 size = bpfx_dp_size(v);

	if (size > 0 && len < (__u64)size)
		bpfx_dp_trim(v, size - len);
}

struct ipv4h {
	__u8 vihl, tos;
	__be16 len, id, frag;
	__u8 ttl, proto;
	__be16 csum;
	__u8 src[4], dst[4];
};

/* Returns the L4 protocol, 0 for none, -1 for malformed. */
static __always_inline int ipv4(struct bpf_dynptr *v, struct xp_rec *r)
{
	struct ipv4h h;
	__u32 hlen, tot, frag;

	r->l3 = 4;
	if (bpfx_dynptr_read(&h, sizeof(h), v, 0, 0))
		return -1;
	hlen = (h.vihl & 0xf) * 4;
	tot = bpf_ntohs(h.len);
	if ((h.vihl >> 4) != 4 || hlen < sizeof(h) || tot < hlen)
		return -1;
	if (bpfx_dp_advance(v, hlen))		/* options cut short */
		return -1;
	/* Only now: a source route in the options could change the
	 * destination (tshark also reports no address for such a header). */
	__builtin_memcpy(r->src, h.src, 4);
	__builtin_memcpy(r->dst, h.dst, 4);
	r->flags |= XP_ADDRS;
	limit(v, tot - hlen);
	frag = bpf_ntohs(h.frag);
	if (frag & 0x1fff)			/* a later fragment: no L4 header */
		return 0;
	if (frag & 0x2000)			/* the first of several */
		r->flags |= XP_FRAGMENT;
	return h.proto;
}

struct ipv6h {
	__be32 vtcfl;
	__be16 plen;
	__u8 next, hops;
	__u8 src[16], dst[16];
};

static __always_inline int ipv6(struct bpf_dynptr *v, struct xp_rec *r)
{
	struct ipv6h h;
	struct { __u8 next, len; __be16 frag; } x;
	int i, next;

	r->l3 = 6;
	if (pull(v, &h, sizeof(h)))
		return -1;
	__builtin_memcpy(r->src, h.src, 16);
	__builtin_memcpy(r->dst, h.dst, 16);
	r->flags |= XP_ADDRS;
	limit(v, bpf_ntohs(h.plen));
	next = h.next;
	for (i = 0; i < XP_MAX_EXT; i++) {
		switch (next) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (bpfx_dynptr_read(&x, 2, v, 0, 0) ||
			    bpfx_dp_advance(v, (x.len + 1) * 8))
				return -1;
			break;
		case 44:	/* fragment: offset or more-fragments set = no L4 */
			if (bpfx_dynptr_read(&x, sizeof(x), v, 0, 0) ||
			    bpfx_dp_advance(v, 8))
				return -1;
			if (bpf_ntohs(x.frag) & 0xfff8)	/* a later fragment */
				return 0;
			if (bpf_ntohs(x.frag) & 1)	/* the first of several */
				r->flags |= XP_FRAGMENT;
			break;
		default:
			return next;
		}
		next = x.next;
	}
	return 0;
}

static __always_inline void parse(struct bpf_dynptr *v, struct xp_rec *r)
{
	struct { __u8 dst[6], src[6]; __be16 proto; } eth;
	struct { __be16 tci, proto; } tag;
	__u16 proto;
	__s64 left;
	int i, l4;
	__u8 l4h[20];

	if (pull(v, &eth, sizeof(eth)))
		goto bad;
	proto = bpf_ntohs(eth.proto);
	for (i = 0; i < XP_MAX_VLAN; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (pull(v, &tag, sizeof(tag)))
			goto bad;
		r->vlan[i] = bpf_ntohs(tag.tci) & 0xfff;
		r->nvlan = i + 1;
		proto = bpf_ntohs(tag.proto);
	}
	if (proto == ETH_P_IP)
		l4 = ipv4(v, r);
	else if (proto == ETH_P_IPV6)
		l4 = ipv6(v, r);
	else
		return;
	if (l4 < 0)
		goto bad;
	if ((l4 != 6 && l4 != 17 && l4 != 1 && l4 != 58) ||
	    (l4 == 1 && r->l3 != 4) || (l4 == 58 && r->l3 != 6))
		return;			/* not a transport this parser knows */
	left = bpfx_dp_size(v);
	if (left <= 0 && r->l3 == 4)	/* IPv4 with no payload: no L4 at all */
		return;
	r->l4 = l4;
	/*
	 * The first fragment of several may end inside the transport header:
	 * not malformed, the rest is in the next fragment. Ports when they
	 * are there (for TCP tshark wants 8 bytes, up to the sequence number).
	 */
	if (r->flags & XP_FRAGMENT) {
		if ((l4 == 6 && !bpfx_dynptr_read(l4h, 8, v, 0, 0)) ||
		    (l4 == 17 && !bpfx_dynptr_read(l4h, 4, v, 0, 0)))
			goto ports;
		return;
	}
	if (l4 == 6) {			/* TCP: 20 bytes, then the data offset */
		if (bpfx_dynptr_read(l4h, 20, v, 0, 0) || (l4h[12] >> 4) * 4 < 20 ||
		    (l4h[12] >> 4) * 4 > left)
			goto bad;
	} else if (l4 == 17) {		/* UDP: its length must fit in IP's */
		if (bpfx_dynptr_read(l4h, 8, v, 0, 0) ||
		    ((l4h[4] << 8) | l4h[5]) < 8 || ((l4h[4] << 8) | l4h[5]) > left)
			goto bad;
	} else {			/* ICMP echo: type, code, sum, id, seq */
		if (bpfx_dynptr_read(l4h, 8, v, 0, 0))
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
	if (r->l3 == 4)
		__sync_fetch_and_add(&totals.ipv4, 1);
	if (r->l3 == 6)
		__sync_fetch_and_add(&totals.ipv6, 1);
	if (r->l4 == 6)
		__sync_fetch_and_add(&totals.tcp, 1);
	if (r->l4 == 17)
		__sync_fetch_and_add(&totals.udp, 1);
	if (r->l4 == 1)
		__sync_fetch_and_add(&totals.icmp, 1);
	if (r->l4 == 58)
		__sync_fetch_and_add(&totals.icmpv6, 1);
	bpf_ringbuf_output(&records, r, sizeof(*r), 0);
}

SEC("xdp")
int xdp_parse_dynptr(struct xdp_md *ctx)
{
	struct xp_rec r = {};
	struct bpf_dynptr v;

	if (bpf_dynptr_from_xdp(ctx, 0, &v))
		r.flags |= XP_MALFORMED;
	else
		parse(&v, &r);
	emit(&r);
	return XDP_PASS;
}

/* A LOCAL dynptr over the first len bytes of the packet, copied into a
 * per-CPU map value by load(): the packet dynptrs' stand-in on 6.1. */
#define COPY_PARSE(r, len, load)						\
	do {									\
		struct bpf_dynptr v;						\
		__u32 zero = 0;							\
		__u8 *buf = bpf_map_lookup_elem(&copybuf, &zero);		\
									\
		if (!buf)							\
			break;							\
		if (len > XP_BUF)	/* longer frames: their first XP_BUF bytes */ \
			len = XP_BUF;						\
		/* Keep clang from folding the checks into one the verifier	\
		 * cannot follow: it must see 14 <= len <= XP_BUF on the	\
		 * register it passes (6.1 learns no lower bound from		\
		 * len != 0). */						\
		asm volatile("" : "+r"(len));					\
		if (len < 14 || len > XP_BUF || load ||				\
		    bpfx_dynptr_from_mem(buf, len, 0, &v))			\
			(r)->flags |= XP_MALFORMED;				\
		else								\
			parse(&v, (r));						\
	} while (0)

SEC("xdp")
int xdp_parse_copy(struct xdp_md *ctx)
{
	struct xp_rec r = {};
	__u64 len = bpf_xdp_get_buff_len(ctx);

	COPY_PARSE(&r, len, bpf_xdp_load_bytes(ctx, 0, buf, len));
	emit(&r);
	return XDP_PASS;
}

/* "classifier", libbpf's older name for SEC("tc"): every loader of the
 * examples knows it (aya 0.13 does not know "tc"). */
SEC("classifier")
int tc_parse_dynptr(struct __sk_buff *ctx)
{
	struct xp_rec r = {};
	struct bpf_dynptr v;

	if (bpf_dynptr_from_skb(ctx, 0, &v))
		r.flags |= XP_MALFORMED;
	else
		parse(&v, &r);
	emit(&r);
	return TC_ACT_OK;
}

SEC("classifier")
int tc_parse_copy(struct __sk_buff *ctx)
{
	struct xp_rec r = {};
	__u64 len = ctx->len;

	COPY_PARSE(&r, len, bpf_skb_load_bytes(ctx, 0, buf, len));
	emit(&r);
	return TC_ACT_OK;
}
