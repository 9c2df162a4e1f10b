#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xdp-parse's results as tshark sees them, and the comparison.

  tshark.py expect PCAP > expected.jsonl   tshark's view, in xdp-parse's JSON Lines
  tshark.py compare EXPECTED GOT [NAME]     prints mismatches and a "#... :OK|FAIL" line

tshark decides. "malformed" is what tshark marks malformed (_ws.malformed:
an exception, or an expert item of the malformed group such as a UDP length
past the IP payload), plus its IPv4 errors "Bogus IP header length" and
"Bogus IP length" (total length shorter than the header), after which it
stops dissecting as well. l3/l4 are the first of ip/ipv6 and of
tcp/udp/icmp/icmpv6 in tshark's protocol stack (an IP fragment that does not
start at 0 has no l4; the first fragment's transport header is parsed:
tshark runs without reassembly, as xdp-parse sees one packet at a time).
Application payloads are decoded as plain data (-d ...,data),
so no dissector of ours or tshark's looks beyond L4.

On a well-formed frame every field must be equal. On a malformed frame the
verdict must be equal, and every field xdp-parse did report must be tshark's
(the vlan list a prefix of tshark's): the two stop at different bytes inside
the broken header, but nothing xdp-parse says may be wrong.
"""
import ipaddress
import json
import subprocess
import sys

FIELDS = ["frame.number", "frame.protocols", "ieee8021ad.id", "vlan.id", "ip.src", "ip.dst",
          "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "_ws.malformed", "ip.bogus_header_length", "ip.len", "ip.hdr_len"]


def first(v):
    return v.split(",")[0] if v else None


def expect(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-d", "udp.port==1-65535,data", "-d", "tcp.port==1-65535,data",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v["frame.protocols"].split(":")
        l3 = next((p for p in protos if p in ("ip", "ipv6")), None)
        l4 = None
        if l3:
            after = protos[protos.index(l3) + 1:]
            l4 = next((p for p in after if p in ("tcp", "udp", "icmp", "icmpv6")), None)
        src = dst = None
        if l3 == "ip":
            src, dst = first(v["ip.src"]), first(v["ip.dst"])
        elif l3 == "ipv6":
            src, dst = first(v["ipv6.src"]), first(v["ipv6.dst"])
        sport = dport = None
        if l4 in ("tcp", "udp"):
            sport, dport = first(v[l4 + ".srcport"]), first(v[l4 + ".dstport"])
        vlan = [int(x) for k in ("ieee8021ad.id", "vlan.id") for x in v[k].split(",") if x]
        mal = bool(v["_ws.malformed"]) or bool(v["ip.bogus_header_length"])
        if v["ip.len"] and v["ip.hdr_len"] and int(first(v["ip.len"])) < int(first(v["ip.hdr_len"])):
            mal = True
        rec = {"frame": int(v["frame.number"]), "vlan": vlan,
               "l3": {"ip": "ipv4", "ipv6": "ipv6"}.get(l3), "src": src, "dst": dst,
               "l4": l4, "sport": int(sport) if sport else None,
               "dport": int(dport) if dport else None, "malformed": mal}
        print(json.dumps(rec))


def norm(k, v):
    if k in ("src", "dst") and v is not None:
        return str(ipaddress.ip_address(v))
    return v


def compare(exp_file, got_file, name):
    exp = [json.loads(l) for l in open(exp_file) if l.strip()]
    got = {}
    total = None
    for l in open(got_file):
        l = l.strip()
        if not l.startswith("{"):
            continue
        r = json.loads(l)
        if "frame" in r:
            got[r["frame"]] = r
        elif "packets" in r:
            total = r
    bad = 0
    keys = ["vlan", "l3", "src", "dst", "l4", "sport", "dport"]
    for e in exp:
        g = got.get(e["frame"])
        why = None
        if g is None:
            why = "no result"
        elif g["malformed"] != e["malformed"]:
            why = "malformed %s, tshark %s" % (g["malformed"], e["malformed"])
        else:
            for k in keys:
                gv, ev = norm(k, g.get(k)), norm(k, e.get(k))
                if not e["malformed"]:
                    if gv != ev:
                        why = "%s %r, tshark %r" % (k, gv, ev)
                elif k == "vlan":
                    if ev[:len(gv)] != gv:
                        why = "vlan %r not a prefix of tshark's %r" % (gv, ev)
                elif gv is not None and gv != ev:
                    why = "%s %r, tshark %r" % (k, gv, ev)
                if why:
                    break
        if why:
            bad += 1
            if bad <= 20:
                print("mismatch frame %d: %s\n  ours   %s\n  tshark %s" % (e["frame"], why, json.dumps(g), json.dumps(e)))
    extra = set(got) - {e["frame"] for e in exp}
    nmal = sum(e["malformed"] for e in exp)
    print("%s: %d packets (%d malformed per tshark), %d mismatches, %d extra results, totals %s"
          % (name, len(exp), nmal, bad, len(extra), json.dumps(total)))
    ok = bad == 0 and not extra and len(exp) > 0 and total is not None and total.get("packets") == len(exp) \
        and total.get("malformed") == nmal
    print("#ex %s:%s" % (name, "OK" if ok else "FAIL"))
    return ok


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "expect":
        expect(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "compare":
        sys.exit(0 if compare(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else "tshark") else 1)
    else:
        sys.exit(__doc__)
