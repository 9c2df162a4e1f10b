#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the pcap xdp-parse is checked with against tshark (tests/examples.sh).

usage: gen-pcap.py OUT.pcap [--seed N] [--count N]

Every case the parser knows (Ethernet, 802.1Q and 802.1ad tags, IPv4 with
options and fragments, IPv6 with hop-by-hop, routing, fragment and
destination-options headers, TCP, UDP, ICMP, ICMPv6, other ethertypes),
then random packets, a quarter of them truncated at a random byte, and a few
headers with impossible lengths. Seeded: the same seed gives the same bytes.
Frames are at least 14 bytes: BPF_PROG_TEST_RUN refuses shorter XDP frames
(a NIC never delivers one). Only the standard library: the bytes are built by
hand so that every field is the one we mean.
"""
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def mac(self):
        return bytes([0x02] + [self.r.randrange(256) for _ in range(5)])

    def v4(self):
        return bytes([10, self.r.randrange(256), self.r.randrange(256), self.r.randrange(1, 255)])

    def v6(self):
        return bytes([0x20, 0x01, 0x0D, 0xB8]) + bytes(self.r.randrange(256) for _ in range(12))

    def port(self):
        # tshark runs with every port decoded as data (tests/examples/tshark.py)
        return self.r.randrange(1, 65536)

    def payload(self, n=None):
        if n is None:
            n = self.r.choice([0, 0, 1, 7, 16, 33, 64, 100, 200])
        return bytes(self.r.randrange(256) for _ in range(n))

    # --- L4
    def tcp(self, opts=False):
        o = b""
        if opts:  # MSS, SACK permitted, timestamps, NOPs: 20 bytes
            o = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10]) + struct.pack("!II", 1, 0) + bytes([1, 1, 3, 3, 7])
            o += b"\0" * (-len(o) % 4)
        doff = (20 + len(o)) // 4
        h = struct.pack("!HHIIBBHHH", self.port(), self.port(), self.r.getrandbits(32),
                        self.r.getrandbits(32), doff << 4, 0x18, 65535, 0, 0)
        return h + o + self.payload()

    def udp(self):
        p = self.payload()
        return struct.pack("!HHHH", self.port(), self.port(), 8 + len(p), 0) + p

    def icmp(self, v6=False):
        t = self.r.choice([128, 129] if v6 else [8, 0])
        p = struct.pack("!HH", self.r.getrandbits(16), self.r.getrandbits(16)) + self.payload()
        h = struct.pack("!BBH", t, 0, 0) + p
        if not v6:
            h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
        return h

    def l4(self, kind, v6):
        return {"tcp": lambda: self.tcp(), "tcpo": lambda: self.tcp(True), "udp": self.udp,
                "icmp": lambda: self.icmp(v6), "raw": lambda: self.payload(12)}[kind]()

    @staticmethod
    def proto(kind, v6):
        return {"tcp": 6, "tcpo": 6, "udp": 17, "icmp": 58 if v6 else 1, "raw": 253}[kind]

    # --- L3
    def ipv4(self, kind, opts=0, frag=0, bad=None):
        o = b""
        if opts:  # router alert + NOPs + EOL, padded to opts*4 bytes
            o = bytes([148, 4, 0, 0]) + bytes([1] * (opts * 4 - 5)) + b"\0"
            o = o[:opts * 4]
        body = self.l4(kind, False)
        ihl = 5 + len(o) // 4
        tot = ihl * 4 + len(body)
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, self.r.getrandbits(16), frag,
                        64, self.proto(kind, False), 0, self.v4(), self.v4()) + o
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        if bad == "ihl":
            h = bytes([0x40 | self.r.randrange(0, 5)]) + h[1:]
        elif bad == "totlen_short":
            h = h[:2] + struct.pack("!H", self.r.randrange(0, ihl * 4)) + h[4:]
        return 0x0800, h + body

    def ipv6(self, kind, exts=(), bad=None):
        nh = self.proto(kind, True)
        body = self.l4(kind, True)
        for e in reversed(exts):
            if e in ("hbh", "dst"):  # PadN to 8 bytes, or longer
                ln = self.r.choice([0, 1])
                pad = 6 + 8 * ln
                hdr = bytes([nh, ln, 1, pad - 2]) + b"\0" * (pad - 2)
                code = 0 if e == "hbh" else 60
            elif e == "rt":  # type 2 (Mobile IPv6), one address
                hdr = bytes([nh, 2, 2, 1, 0, 0, 0, 0]) + self.v6()
                code = 43
            elif e == "frag":  # atomic fragment: offset 0, no more
                hdr = struct.pack("!BBHI", nh, 0, 0, self.r.getrandbits(32))
                code = 44
            elif e == "frag1":  # first fragment of several
                hdr = struct.pack("!BBHI", nh, 0, 1, self.r.getrandbits(32))
                code = 44
            elif e == "fragn":  # a later fragment
                hdr = struct.pack("!BBHI", nh, 0, (self.r.randrange(1, 100) << 3), self.r.getrandbits(32))
                code = 44
            elif e == "badlen":  # an extension header claiming more than is there
                hdr = bytes([nh, 200, 1, 4, 0, 0, 0, 0])
                code = 60
            body = hdr + body
            nh = code
        plen = len(body)
        if bad == "plen_long":
            plen += self.r.randrange(1, 40)
        h = struct.pack("!IHBB16s16s", 0x60000000 | self.r.getrandbits(20), plen, nh, 64,
                        self.v6(), self.v6())
        return 0x86DD, h + body

    # --- L2
    def ether(self, etype, payload, vlans=()):
        tags = b""
        tpids = []
        if len(vlans) == 2:
            tpids = [0x88A8, 0x8100]
        elif len(vlans) == 1:
            tpids = [self.r.choice([0x8100, 0x88A8])]
        elif len(vlans) > 2:
            tpids = [0x88A8] + [0x8100] * (len(vlans) - 1)
        b = self.mac() + self.mac()
        for tpid, vid in zip(tpids, vlans):
            b += struct.pack("!HH", tpid, (self.r.randrange(8) << 13) | vid)
        b += struct.pack("!H", etype) + payload
        if len(b) < 60 and self.r.random() < 0.5:  # Ethernet padding
            b += b"\0" * (60 - len(b))
        return b

    def vlans(self, n=None):
        if n is None:
            n = self.r.choice([0, 0, 0, 1, 1, 2])
        return tuple(self.r.randrange(1, 4095) for _ in range(n))

    def other(self, vlans):
        # IEEE local experimental ethertypes: tshark dissects nothing
        # behind them (ARP or MPLS with random bytes would be its own check)
        et = self.r.choice([0x88B5, 0x88B6])
        return self.ether(et, self.payload(self.r.choice([28, 46])), vlans)


L4 = ["tcp", "tcpo", "udp", "icmp", "raw"]
V6EXT = [(), ("hbh",), ("rt",), ("frag",), ("dst",), ("hbh", "dst", "rt", "frag", "dst"),
         ("frag1",), ("fragn",), ("hbh", "frag1")]


def cases(g):
    """Every combination once: the coverage the random part may miss."""
    for nv in (0, 1, 2):
        for kind in L4:
            for opts in (0, 1, 3, 10):
                yield g.ether(*g.ipv4(kind, opts), g.vlans(nv))
            for frag in (0x2000, 0x0010, 0x2010, 0x4000):  # MF, offset, both, DF
                yield g.ether(*g.ipv4(kind, 0, frag), g.vlans(nv))
            for ext in V6EXT:
                yield g.ether(*g.ipv6(kind, ext), g.vlans(nv))
        yield g.other(g.vlans(nv))
    yield g.ether(*g.ipv4("udp"), g.vlans(3))
    for bad in ("ihl", "totlen_short"):
        for kind in ("tcp", "udp"):
            yield g.ether(*g.ipv4(kind, 0, 0, bad), g.vlans())
    for kind in ("tcp", "udp", "icmp"):
        yield g.ether(*g.ipv6(kind, (), "plen_long"), g.vlans())
        yield g.ether(*g.ipv6(kind, ("badlen",)), g.vlans())
        yield g.ether(*g.ipv6(kind, ("hbh", "badlen")), g.vlans())


def random_packet(g):
    r = g.r
    kind = r.choice(L4)
    x = r.random()
    if x < 0.45:
        l3 = g.ipv4(kind, r.choice([0, 0, 0, 1, 2, 5]),
                    r.choice([0, 0, 0, 0, 0x4000, 0x2000, 0x0020]))
    elif x < 0.9:
        l3 = g.ipv6(kind, r.choice(V6EXT))
    else:
        return g.other(g.vlans())
    return g.ether(*l3, g.vlans())


def main():
    out = sys.argv[1]
    seed, count = 14, 2400
    a = sys.argv[2:]
    while a:
        if a[0] == "--seed":
            seed = int(a[1])
        elif a[0] == "--count":
            count = int(a[1])
        else:
            sys.exit("usage: gen-pcap.py OUT.pcap [--seed N] [--count N]")
        a = a[2:]
    g = Gen(seed)
    pkts = list(cases(g))
    while len(pkts) < count:
        p = random_packet(g)
        if g.r.random() < 0.25:  # truncated: cut anywhere past the MACs
            p = p[:g.r.randrange(14, len(p))]
        pkts.append(p)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)))
            f.write(p)
    print("gen-pcap: %d packets (seed %d) -> %s" % (len(pkts), seed, out), file=sys.stderr)


if __name__ == "__main__":
    main()
