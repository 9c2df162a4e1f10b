#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The examples in the matrix (examples/README.md), in two halves around the
# guest boot that tests/check.sh does anyway:
#
#   tests/examples.sh prepare DIR BTF   build the examples as a user does
#       (make examples STATIC=1: headers installed into a staging root,
#       found by pkg-config), the baseline and benchmark, the pcap
#       (tests/examples/gen-pcap.py) and what tshark says about it;
#       DIR/payload is what the guest runs (run.sh: tests/examples/guest.sh);
#       the Go and Rust loaders (and the aya attempt) are built in sid's
#       userland root
#   tests/examples.sh check DIR SERIAL  compare what the guest printed with
#       tshark; prints "#ex NAME:OK|FAIL" lines
#   tests/examples.sh build-c DIR BTF   only the C part of prepare into DIR
#       (xdp-bench and its pcap, for tests/bench.sh)
#
# tshark runs here, on the host, once: the guests only run the BPF side.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ex=$top/tests/examples
mode=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 prepare DIR BTF | check DIR SERIAL | build-c DIR BTF" >&2; exit 2; }

# The loaders that need newer libraries than this host's are built in
# sid's userland root (tests/kernel/userland-root.sh, the root the sid rows
# build in), with Debian's own packages, offline.
# loader_root PKG...: that root, with PKG... installed (cached).
loader_root() {
	bash "$top/tests/kernel/userland-root.sh" sid "$@" 2>>"$dir/loader-root.log" ||
		{ tail -5 "$dir/loader-root.log" >&2; return 1; }
}
# in_root ROOT CMD: sh -c CMD in ROOT, in a clean environment.
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$1" sh -c "$2"; }
pkg_version() { dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${Package} ${Version}' "$2"; }

# The Go loader (examples/xdp-parse/go): Debian's cilium/ebpf and Go in
# GOPATH mode on /usr/share/gocode, static (CGO_ENABLED=0).
build_go() { # PAYLOAD OBJECT
	local r d
	r=$(loader_root golang-go golang-github-cilium-ebpf-dev) || return 1
	d=$r/build/xdp-parse-go
	rm -rf "$d" && mkdir -p "$d"
	cp "$top"/examples/xdp-parse/go/*.go "$2" "$d/"
	# No /proc in the root: the go tool cannot find its own GOROOT.
	in_root "$r" 'cd /build/xdp-parse-go && go=$(ls -d /usr/lib/go-1.* | sort -V | tail -1) &&
		GOROOT=$go GOTELEMETRY=off GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE=/tmp/bpfx-gocache CGO_ENABLED=0 $go/bin/go build -o xdp-parse-go .' || return 1
	cp "$d/xdp-parse-go" "$1/"
	echo "examples: Go loader with $(pkg_version "$r" golang-github-cilium-ebpf-dev), $(pkg_version "$r" golang-go)"
}

# cargo_build ROOT NAME RUSTFLAGS [ENV]: examples/xdp-parse/NAME/ built with
# Debian's crates (/usr/share/cargo/registry), offline, static; prints the
# binary's path. --target keeps RUSTFLAGS away from the build scripts.
cargo_build() {
	local r=$1 n=$2 d=$1/build/xdp-parse-$2
	mkdir -p "$d/.cargo"
	rm -rf "$d/src" && cp -r "$top/examples/xdp-parse/$n/Cargo.toml" "$top/examples/xdp-parse/$n/src" "$d/"
	printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n' > "$d/.cargo/config.toml"
	in_root "$r" "cd /build/xdp-parse-$n && ${4:-} CARGO_HOME=/tmp/bpfx-cargo RUSTFLAGS='-C target-feature=+crt-static $3' \
		cargo build -q --release --offline --target x86_64-unknown-linux-gnu" >&2 || return 1
	echo "$d/target/x86_64-unknown-linux-gnu/release"
}

# The Rust loader (examples/xdp-parse/rust): Debian's libbpf-rs, linked
# statically against sid's libbpf (-Bstatic ... -lc: libelf needs zstd, and
# std's TLS wants libc's __tls_get_addr in a static-pie).
build_rust() { # PAYLOAD OBJECT
	local r b
	r=$(loader_root librust-libbpf-rs-dev cargo rustc) || return 1
	mkdir -p "$r/build/xdp-parse-rust" && cp "$2" "$r/build/xdp-parse-rust/xdp_parse.bpf.o"
	b=$(cargo_build "$r" rust "-C link-arg=-Wl,-Bstatic -C link-arg=-lelf -C link-arg=-lz -C link-arg=-lzstd -C link-arg=-lc" \
		XDP_PARSE_OBJ=/build/xdp-parse-rust/xdp_parse.bpf.o) || return 1
	cp "$b/xdp-parse-rs" "$1/"
	echo "examples: Rust loader with $(pkg_version "$r" librust-libbpf-rs-dev), $(pkg_version "$r" libbpf-dev), $(pkg_version "$r" rustc)"
}

# aya (examples/xdp-parse/aya): Debian's aya 0.13 cannot load a program
# that calls kfuncs; this builds the attempt, the guest prints aya's error.
build_aya() { # PAYLOAD OBJECT
	local r b
	r=$(loader_root librust-aya-dev cargo) || return 1
	b=$(cargo_build "$r" aya "-C link-arg=-Wl,-Bstatic -C link-arg=-lc") || return 1
	cp "$b/xdp-parse-aya" "$2" "$1/"
	echo "examples: aya attempt with $(pkg_version "$r" librust-aya-dev)"
}

# build_c BTF OUT PCAP: the C examples (make examples STATIC=1: headers
# installed into a staging root, found by pkg-config) and tests/examples'
# baseline, xdp-bench and pcap-inject into OUT; the pcap into PCAP.
build_c() {
	make -s -C "$top" examples STATIC=1 EXAMPLES_O="$2" VMLINUX_BTF="$1" || return 1
	PKG_CONFIG_LIBDIR=$2/root/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$2/root \
		make -s -C "$ex" O="$2" || return 1
	python3 "$ex/gen-pcap.py" "$3" --seed "${BPFX_PCAP_SEED:-14}"
}

prepare() {
	local btf=$1 o=$dir/build p=$dir/payload
	rm -rf "$dir" && mkdir -p "$o" "$p"
	build_c "$btf" "$o" "$p/capture.pcap" || return 1
	python3 "$ex/tshark.py" expect "$p/capture.pcap" > "$dir/expected.jsonl" || return 1
	[ "$(wc -l < "$dir/expected.jsonl")" -ge 2000 ] || { echo "fewer than 2000 packets" >&2; return 1; }
	cp "$o/xdp-parse" "$o/xdp-bench" "$o/pcap-inject" "$o/ringbuf-records" "$p/"
	cp "$ex/guest.sh" "$p/run.sh"
	build_go "$p" "$o/xdp_parse.bpf.o" || { echo "examples: building the Go loader failed" >&2; return 1; }
	build_rust "$p" "$o/xdp_parse.bpf.o" || { echo "examples: building the Rust loader failed" >&2; return 1; }
	build_aya "$p" "$o/xdp_parse.bpf.o" || { echo "examples: building the aya attempt failed" >&2; return 1; }
	echo "examples: $(tshark --version | head -1)"
}

# block NAME: the lines the guest printed between "BEGIN NAME" and "END NAME".
block() { sed -n "/^BEGIN $1\$/,/^END $1 /p" "$serial" | grep '^{'; }

check() {
	# One CR-free copy, grepped as a file: "tr | grep -q" under pipefail
	# fails when grep stops reading early.
	serial=$dir/serial.$$
	tr -d '\r' < "$1" > "$serial"
	if [ ! -s "$dir/expected.jsonl" ] || [ ! -d "$dir/payload" ]; then
		echo "#ex prepare:FAIL (tests/examples.sh prepare did not finish; see its log)"
		return
	fi
	grep -E '^(examples|xdp-parse|xdp-bench|ringbuf-records|libbpf|aya)' "$serial" | head -n 60
	if ! grep -q '^END xdp-parse rc=0$' "$serial"; then
		echo "#ex xdp_parse_ran:FAIL (no clean xdp-parse run in the guest)"
	fi
	block xdp-parse > "$dir/got.jsonl.$$"
	python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got.jsonl.$$" xdp_parse_vs_tshark
	# The same parser as a TC program (test runs need an Ethernet header).
	grep -q '^END xdp-parse-tc rc=0$' "$serial" || echo "#ex xdp_parse_tc_ran:FAIL (no clean xdp-parse --tc run)"
	block xdp-parse-tc > "$dir/got.jsonl.$$"
	sed -n '/^BEGIN tc-absent$/,/^END tc-absent$/p' "$serial" | grep -E '^[0-9]+$' > "$dir/absent.$$"
	python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got.jsonl.$$" xdp_parse_tc_vs_tshark \
		--absent "$dir/absent.$$"
	# Live: attached to lo, fed by pcap-inject; frames by arrival.
	grep -q '^END xdp-parse-live rc=0$' "$serial" || echo "#ex xdp_parse_live_ran:FAIL (no clean xdp-parse --iface lo run)"
	block xdp-parse-live > "$dir/got.jsonl.$$"
	sed -n '/^BEGIN sent$/,/^END sent$/p' "$serial" | grep -E '^[0-9]+$' > "$dir/sent.$$"
	python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got.jsonl.$$" xdp_parse_live_vs_tshark \
		--min-len 14 --sent "$dir/sent.$$"
	rm -f "$dir/got.jsonl.$$" "$dir/sent.$$" "$dir/absent.$$"
	# The other languages' loaders: the same comparison each.
	for l in "go Go" "rs Rust"; do
		set -- $l
		if [ -x "$dir/payload/xdp-parse-$1" ]; then
			block "xdp-parse-$1" > "$dir/got-$1.jsonl.$$"
			grep -q "^END xdp-parse-$1 rc=0\$" "$serial" ||
				echo "#ex xdp_parse_$1_ran:FAIL (no clean run of the $2 loader)"
			python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got-$1.jsonl.$$" "xdp_parse_$1_vs_tshark"
			rm -f "$dir/got-$1.jsonl.$$"
		else
			echo "examples: the $2 loader was not built (no sid root): not run"
		fi
	done
	# aya: its own error is the expected result, until it loads the object.
	if [ -x "$dir/payload/xdp-parse-aya" ]; then
		if grep -q '^aya: .*: loaded$' "$serial"; then
			echo "#ex aya_cannot_load_kfunc_calls:FAIL (aya loads the object now: write an aya loader, fix examples/README.md)"
		elif grep -q '^aya: load: .*\.ksyms' "$serial"; then
			echo "#ex aya_cannot_load_kfunc_calls:OK"
		elif grep -q "panicked at .*aya-[0-9.]*/src/.*" "$serial" &&
			grep -q '^called `Result::unwrap()` on an `Err` value: ParseError(".*~' "$serial"; then
			# aya 0.13 parses the kernel's version string and panics on
			# Debian's "~rc" ones (experimental) before it reads the object
			echo "aya: panics on this kernel's version string (aya's KernelVersion cannot parse '~'): it never reaches the object"
			echo "#ex aya_cannot_load_kfunc_calls:OK"
		else
			echo "#ex aya_cannot_load_kfunc_calls:FAIL (no aya line, or another error)"
		fi
	fi
	if grep -q '^examples: copy path: same results' "$serial"; then
		echo "#ex xdp_parse_copy_path_same:OK"
	else
		echo "#ex xdp_parse_copy_path_same:FAIL"
	fi
	if grep -q '^ringbuf-records: every record decoded' "$serial" &&
		grep -q '^ringbuf-records: rc 0$' "$serial"; then
		echo "#ex ringbuf_records:OK"
	else
		echo "#ex ringbuf_records:FAIL"
	fi
	if grep -q '^xdp-bench: .* 0 records differ$' "$serial"; then
		echo "#ex baseline_same_records:OK"
	else
		echo "#ex baseline_same_records:FAIL"
	fi
	rm -f "$serial"
}

case $mode in
prepare) prepare "${3:?BTF file}" ;;
check) check "${3:?serial log}" ;;
build-c) mkdir -p "$dir" && build_c "${3:?BTF file}" "$dir" "$dir/capture.pcap" ;;
*) echo "usage: $0 prepare DIR BTF | check DIR SERIAL | build-c DIR BTF" >&2; exit 2 ;;
esac
