// SPDX-License-Identifier: GPL-2.0
/*
 * pcap-inject IFACE PCAP -- send every frame of a classic pcap out of IFACE
 * through an AF_PACKET socket, in order, and print the pcap frame number of
 * each frame the kernel took, one per line (tests/examples.sh compares what
 * `xdp-parse --iface` saw with tshark through that list). On the loopback
 * device a sent frame comes back in on the receive path, where generic XDP
 * and TC ingress see it. A frame the kernel refuses (shorter than an
 * Ethernet header, for one) is reported on stderr and left out.
 *
 * Test-only: xdp-parse's live mode needs traffic it can be checked against.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static unsigned char pkt[65536];
	unsigned char hdr[24], rec[16];
	unsigned int magic, caplen, n = 0, sent = 0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct timespec pace = { 0, 200000 };	/* 0.2 ms: the backlog never fills */
	FILE *f;
	int fd, swap;

	if (argc != 3) {
		fprintf(stderr, "usage: pcap-inject IFACE PCAP\n");
		return 2;
	}
	sll.sll_ifindex = if_nametoindex(argv[1]);
	f = fopen(argv[2], "rb");
	if (!sll.sll_ifindex || !f || fread(hdr, 1, 24, f) != 24) {
		fprintf(stderr, "pcap-inject: no interface %s or no pcap %s\n", argv[1], argv[2]);
		return 1;
	}
	memcpy(&magic, hdr, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "pcap-inject: %s is not a pcap file\n", argv[2]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("pcap-inject: socket(AF_PACKET)");
		return 1;
	}
	while (fread(rec, 1, 16, f) == 16) {
		memcpy(&caplen, rec + 8, 4);
		if (swap)
			caplen = __builtin_bswap32(caplen);
		if (caplen > sizeof(pkt) || fread(pkt, 1, caplen, f) != caplen) {
			fprintf(stderr, "pcap-inject: %s: truncated record\n", argv[2]);
			return 1;
		}
		n++;
		if (sendto(fd, pkt, caplen, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)caplen) {
			fprintf(stderr, "pcap-inject: frame %u (%u bytes) not sent: %s\n", n, caplen, strerror(errno));
			continue;
		}
		printf("%u\n", n);
		sent++;
		nanosleep(&pace, NULL);
	}
	fprintf(stderr, "pcap-inject: %u of %u frames sent on %s\n", sent, n, argv[1]);
	return sent ? 0 : 1;
}
