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
timeout 120 ./xdp-bench capture.pcap 2>&1
rm -f dyn.jsonl copy.jsonl
./ringbuf-records > rr.out 2>&1
echo "ringbuf-records: rc $?"
grep -v '^record [0-9]*: type' rr.out
grep -c '^record [0-9]*: type' rr.out | sed 's/^/ringbuf-records: records printed as decoded: /'
if [ -x xdp-parse-go ]; then
	echo "BEGIN xdp-parse-go"
	./xdp-parse-go --pcap capture.pcap > go.jsonl 2> go.err
	rc=$?
	cat go.jsonl
	echo "END xdp-parse-go rc=$rc"
	head -n 40 go.err
	rm -f go.jsonl
fi
if [ -x xdp-parse-rs ]; then
	echo "BEGIN xdp-parse-rs"
	./xdp-parse-rs --pcap capture.pcap > rs.jsonl 2> rs.err
	rc=$?
	cat rs.jsonl
	echo "END xdp-parse-rs rc=$rc"
	head -n 40 rs.err
	rm -f rs.jsonl
fi
[ -x xdp-parse-aya ] && ./xdp-parse-aya xdp_parse.bpf.o 2>&1 | head -n 5
