#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the guest, bpfx loaded (tests/guest/run.sh calls it): the examples'
# loaders over the pcap. The host compares the output with tshark
# (tests/examples.sh check): this prints, it does not judge.
cd "$(dirname "$0")"
echo "BEGIN xdp-parse"
./xdp-parse --pcap capture.pcap > dyn.jsonl 2> dyn.err
rc=$?
cat dyn.jsonl
echo "END xdp-parse rc=$rc"
cat dyn.err
./xdp-parse --pcap capture.pcap --copy > copy.jsonl 2> copy.err
rc=$?
cat copy.err
if [ "$rc" = 0 ] && cmp -s dyn.jsonl copy.jsonl; then
	echo "examples: copy path: same results as the default path"
else
	echo "examples: copy path: differs (rc $rc)"
fi
./xdp-parse --pcap capture.pcap --tc > tc.jsonl 2> tc.err
rc=$?
echo "BEGIN xdp-parse-tc"
cat tc.jsonl
echo "END xdp-parse-tc rc=$rc"
grep -v 'not run at TC: ' tc.err
echo "BEGIN tc-absent"
sed -n 's/^xdp-parse: frame \([0-9]*\) .*not run at TC: .*/\1/p' tc.err
grep 'not run at TC: ' tc.err | sed 's/.*: not run at TC: //' | sort | uniq -c | sed 's/^/tc-absent: /'
echo "END tc-absent"
# Live: attached to lo (generic XDP), the pcap sent through it by
# pcap-inject, which lists the frames it sent; the host maps arrivals back.
ip link set lo up
./xdp-parse --iface lo > live.jsonl 2> live.err &
pid=$!
i=0
until grep -q '^xdp-parse: attached' live.err || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
./pcap-inject lo capture.pcap > sent.txt 2> inject.err
tail -n 1 inject.err
sleep 3
kill -INT $pid
wait $pid
rc=$?
echo "BEGIN xdp-parse-live"
cat live.jsonl
echo "END xdp-parse-live rc=$rc"
cat live.err
echo "BEGIN sent"
cat sent.txt
echo "END sent"
rm -f tc.jsonl live.jsonl sent.txt
timeout 120 ./xdp-bench capture.pcap 2>&1
rm -f dyn.jsonl copy.jsonl
./ringbuf-records > rr.out 2>&1
echo "ringbuf-records: rc $?"
grep -v '^[a-z]*: record [0-9]*: type' rr.out
for w in walk iterator; do
	grep -c "^$w: record [0-9]*: type" rr.out | sed "s/^/ringbuf-records: $w: records printed as decoded: /"
done
# The other languages' loaders, where they were built: one block each.
for l in xdp-parse-go xdp-parse-rs; do
	[ -x "$l" ] || continue
	echo "BEGIN $l"
	./$l --pcap capture.pcap > l.jsonl 2> l.err
	rc=$?
	cat l.jsonl
	echo "END $l rc=$rc"
	head -n 40 l.err
	rm -f l.jsonl
done
[ -x xdp-parse-aya ] && ./xdp-parse-aya xdp_parse.bpf.o 2>&1 | head -n 5
