#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xdp-parse's results as tshark sees them, and the comparison.

  tshark.py expect PCAP > expected.jsonl   tshark's view, in xdp-parse's JSON Lines
  tshark.py compare EXPECTED GOT [NAME] [--min-len N] [--sent FILE]
                                            prints mismatches and a "#... :OK|FAIL" line
      --min-len N  frames shorter than N bytes may be absent (BPF_PROG_TEST_RUN
                   of a TC program needs an Ethernet header: 14)
      --absent FILE  frames (one per line) the loader could not run (a TC
                   test run the kernel refuses: EINVAL for some frames whose
                   IP header is cut short); each must be one tshark
                   marks malformed, or shorter than --min-len
      --sent FILE  GOT came from an interface: its frames are numbered by
                   arrival; FILE lists the pcap frame numbers sent, in order,
                   one per line (the injector's), and only those are expected

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
          "_ws.malformed", "ip.bogus_header_length", "ip.len", "ip.hdr_len", "frame.len"]


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
               "dport": int(dport) if dport else None, "malformed": mal, "len": int(v["frame.len"])}
        print(json.dumps(rec))


def norm(k, v):
    if k in ("src", "dst") and v is not None:
        return str(ipaddress.ip_address(v))
    return v


def compare(exp_file, got_file, name, min_len=0, sent_file=None, absent_file=None):
    exp = [json.loads(l) for l in open(exp_file) if l.strip()]
    sent = [int(l) for l in open(sent_file) if l.strip()] if sent_file else None
    got = {}
    total = None
    for l in open(got_file):
        l = l.strip()
        if not l.startswith("{"):
            continue
        r = json.loads(l)
        if "frame" in r:
            if sent is not None:    # k-th arrival = k-th frame sent
                r["frame"] = sent[r["frame"] - 1] if r["frame"] <= len(sent) else -r["frame"]
            got[r["frame"]] = r
        elif "packets" in r:
            total = r
    unsent = []
    if sent is not None:
        # every frame the interface could carry must have been sent
        unsent = [e["frame"] for e in exp if e["frame"] not in set(sent) and e["len"] >= min_len]
        if unsent:
            print("%s: %d frames of at least %d bytes were not sent, first %s" % (name, len(unsent), min_len, unsent[:5]))
        exp = [e for e in exp if e["frame"] in set(sent)]
    if absent_file:
        absent = {int(l) for l in open(absent_file) if l.strip()}
        wrong = [e["frame"] for e in exp if e["frame"] in absent and not e["malformed"] and e["len"] >= min_len]
        if wrong:
            print("%s: %d well-formed frames were not run, first %s" % (name, len(wrong), wrong[:5]))
            unsent += wrong
        print("%s: %d malformed frames could not be run" % (name, len(absent) - len(wrong)))
        exp = [e for e in exp if e["frame"] not in absent]
    short = [e for e in exp if e["len"] < min_len]
    if short:
        print("%s: %d frames shorter than %d bytes are not run" % (name, len(short), min_len))
        exp = [e for e in exp if e["len"] >= min_len]
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
    ok = bad == 0 and not extra and not unsent and len(exp) > 0 and total is not None and total.get("packets") == len(exp) \
        and total.get("malformed") == nmal
    print("#ex %s:%s" % (name, "OK" if ok else "FAIL"))
    return ok


if __name__ == "__main__":
    a = sys.argv[1:]
    opt = {}
    for o in ("--min-len", "--sent", "--absent"):
        if o in a:
            i = a.index(o)
            opt[o] = a[i + 1]
            del a[i:i + 2]
    if len(a) == 2 and a[0] == "expect":
        expect(a[1])
    elif len(a) in (3, 4) and a[0] == "compare":
        sys.exit(0 if compare(a[1], a[2], a[3] if len(a) == 4 else "tshark", int(opt.get("--min-len", 0)),
                              opt.get("--sent"), opt.get("--absent")) else 1)
    else:
        sys.exit(__doc__)
