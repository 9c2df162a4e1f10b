#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The examples in the matrix (examples/README.md), in two halves around the
# guest boot that tests/check.sh does anyway:
#
#   tests/examples.sh prepare DIR BTF   build the examples as a user does
#       (make examples STATIC=1: headers installed into a staging root,
#       found by pkg-config), the baseline and benchmark, the pcap
#       (tests/examples/gen-pcap.py) and what tshark says about it;
#       DIR/payload is what the guest runs (run.sh: tests/examples/guest.sh)
#   tests/examples.sh check DIR SERIAL  compare what the guest printed with
#       tshark; prints "#ex NAME:OK|FAIL" lines
#
# tshark runs here, on the host, once: the guests only run the BPF side.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ex=$top/tests/examples
mode=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 prepare DIR BTF | check DIR SERIAL" >&2; exit 2; }

prepare() {
	local btf=$1 o=$dir/build p=$dir/payload
	rm -rf "$dir" && mkdir -p "$o" "$p"
	make -s -C "$top" examples STATIC=1 EXAMPLES_O="$o" VMLINUX_BTF="$btf" || return 1
	PKG_CONFIG_LIBDIR=$o/root/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$o/root \
		make -s -C "$ex" O="$o" || return 1
	python3 "$ex/gen-pcap.py" "$p/capture.pcap" --seed "${BPFX_PCAP_SEED:-14}" || return 1
	python3 "$ex/tshark.py" expect "$p/capture.pcap" > "$dir/expected.jsonl" || return 1
	[ "$(wc -l < "$dir/expected.jsonl")" -ge 2000 ] || { echo "fewer than 2000 packets" >&2; return 1; }
	cp "$o/xdp-parse" "$o/xdp-bench" "$o/ringbuf-records" "$p/"
	cp "$ex/guest.sh" "$p/run.sh"
	echo "examples: $(tshark --version | head -1)"
}

# block NAME: the lines the guest printed between "BEGIN NAME" and "END NAME".
block() { tr -d '\r' < "$serial" | sed -n "/^BEGIN $1\$/,/^END $1 /p" | grep '^{'; }

check() {
	serial=$1
	if [ ! -s "$dir/expected.jsonl" ] || [ ! -d "$dir/payload" ]; then
		echo "#ex prepare:FAIL (tests/examples.sh prepare did not finish; see its log)"
		return
	fi
	tr -d '\r' < "$serial" | grep -E '^(examples|xdp-parse|xdp-bench|ringbuf-records|libbpf)' | head -n 40
	if ! tr -d '\r' < "$serial" | grep -q '^END xdp-parse rc=0$'; then
		echo "#ex xdp_parse_ran:FAIL (no clean xdp-parse run in the guest)"
	fi
	block xdp-parse > "$dir/got.jsonl.$$"
	python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got.jsonl.$$" xdp_parse_vs_tshark
	rm -f "$dir/got.jsonl.$$"
	if tr -d '\r' < "$serial" | grep -q '^examples: copy path: same results'; then
		echo "#ex xdp_parse_copy_path_same:OK"
	else
		echo "#ex xdp_parse_copy_path_same:FAIL"
	fi
	if tr -d '\r' < "$serial" | grep -q '^ringbuf-records: every record decoded' &&
		tr -d '\r' < "$serial" | grep -q '^ringbuf-records: rc 0$'; then
		echo "#ex ringbuf_records:OK"
	else
		echo "#ex ringbuf_records:FAIL"
	fi
	if tr -d '\r' < "$serial" | grep -q '^xdp-bench: .* 0 records differ$'; then
		echo "#ex baseline_same_records:OK"
	else
		echo "#ex baseline_same_records:FAIL"
	fi
}

case $mode in
prepare) prepare "${3:?BTF file}" ;;
check) check "${3:?serial log}" ;;
*) echo "usage: $0 prepare DIR BTF | check DIR SERIAL" >&2; exit 2 ;;
esac
