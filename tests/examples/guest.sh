#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the guest, bpfx loaded (tests/guest/run.sh calls it): the examples'
# loaders over the pcap. The host compares the output with tshark
# (tests/examples.sh check): this prints, it does not judge.
cd "$(dirname "$0")"
# emit NAME RC FILE [REF-NAME REF-FILE]: FILE for the host, between "BEGIN
# NAME <how>" and "END NAME rc=RC": "same-as REF-NAME" when it is byte for
# byte REF-FILE, else gzip'd and base64'd (tests/examples.sh block decodes
# both). Plain, the five 2,400-line outputs were 2.1 MB through the emulated
# UART, about 45 s of host CPU per guest under TCG (QEMU writes each byte).
emit() {
	if [ -n "${4:-}" ] && cmp -s "$3" "$5"; then
		echo "BEGIN $1 same-as $4"
	else
		echo "BEGIN $1 gzip"
		gzip -c "$3" | base64
	fi
	echo "END $1 rc=$2"
}
./xdp-parse --pcap capture.pcap > dyn.jsonl 2> dyn.err
emit xdp-parse $? dyn.jsonl
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
emit xdp-parse-tc $? tc.jsonl
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
emit xdp-parse-live $? live.jsonl xdp-parse dyn.jsonl
cat live.err
echo "BEGIN sent"
cat sent.txt
echo "END sent"
rm -f tc.jsonl live.jsonl sent.txt copy.jsonl
timeout 120 ./xdp-bench capture.pcap 2>&1
./ringbuf-records > rr.out 2>&1
echo "ringbuf-records: rc $?"
grep -v '^[a-z]*: record [0-9]*: type' rr.out
for w in walk iterator; do
	grep -c "^$w: record [0-9]*: type" rr.out | sed "s/^/ringbuf-records: $w: records printed as decoded: /"
done
# The other languages' loaders, where they were built: one block each.
for l in xdp-parse-go xdp-parse-rs; do
	[ -x "$l" ] || continue
	./$l --pcap capture.pcap > l.jsonl 2> l.err
	emit "$l" $? l.jsonl xdp-parse dyn.jsonl
	head -n 40 l.err
	rm -f l.jsonl
done
[ -x xdp-parse-aya ] && ./xdp-parse-aya xdp_parse.bpf.o 2>&1 | head -n 5
