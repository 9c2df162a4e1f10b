/* SPDX-License-Identifier: GPL-2.0 */
/* xdp-parse: one ring buffer record per packet, shared by the BPF program
 * and its loaders. Fixed-size fields only, so every language reads it. */
#ifndef XDP_PARSE_H
#define XDP_PARSE_H

#define XP_MAX_VLAN 4		/* tags parsed; a fifth ends the parse (l3 null) */
#define XP_BUF 4096		/* packet bytes the copy path (6.1) looks at */

enum {
	XP_MALFORMED = 1,	/* a header was cut short or impossible */
	XP_ADDRS = 2,		/* src/dst are set (4 or 16 bytes) */
	XP_PORTS = 4,		/* sport/dport are set */
	XP_FRAGMENT = 8,	/* first fragment of an IP datagram (L4 header parsed) */
};

struct xp_rec {
	__u16 vlan[XP_MAX_VLAN];	/* VLAN ids, outermost first */
	__u8 nvlan;
	__u8 l3;			/* 0, 4 or 6 */
	__u8 l4;			/* 0 or IPPROTO_TCP/UDP/ICMP/ICMPV6 */
	__u8 flags;			/* XP_* */
	__u8 src[16], dst[16];		/* network order; IPv4 uses 4 bytes */
	__u16 sport, dport;		/* host order */
	__u32 pad;
};

/* Counters in the program's .bss, read by the loader for the totals line. */
struct xp_totals {
	__u64 packets, malformed, ipv4, ipv6, tcp, udp, icmp, icmpv6;
};

#endif
