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
#       the Go and Rust loaders (and the aya attempt) are built in the sid chroot
#   tests/examples.sh check DIR SERIAL  compare what the guest printed with
#       tshark; prints "#ex NAME:OK|FAIL" lines
#
# tshark runs here, on the host, once: the guests only run the BPF side.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ex=$top/tests/examples
mode=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 prepare DIR BTF | check DIR SERIAL" >&2; exit 2; }

# The Go loader (examples/xdp-parse/go), built in the sid chroot with
# Debian's cilium/ebpf and Go, offline (GOPATH mode on /usr/share/gocode),
# static (CGO_ENABLED=0). Installs the two packages there when missing.
build_go() { # PAYLOAD OBJECT
	local r d go
	. "$top/tests/kernel/lib.sh"
	if ! { . "$(bpfx_env_file 7.2)" 2>/dev/null && [ -d "$BUILD_ROOT" ]; }; then
		echo "examples: SKIP the Go loader: no sid chroot (make check KERNELS=7.2 makes it)"
		return 0
	fi
	r=$BUILD_ROOT
	if ! chroot "$r" dpkg-query -W golang-go golang-github-cilium-ebpf-dev >/dev/null 2>&1; then
		chroot "$r" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go golang-github-cilium-ebpf-dev ||
			{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go golang-github-cilium-ebpf-dev; }' ||
			return 1
	fi
	d=$r/build/xdp-parse-go
	rm -rf "$d" && mkdir -p "$d"
	cp "$top"/examples/xdp-parse/go/*.go "$2" "$d/"
	# No /proc in the chroot: the go tool cannot find its own GOROOT.
	chroot "$r" sh -c 'cd /build/xdp-parse-go && go=$(ls -d /usr/lib/go-1.* | sort -V | tail -1) &&
		GOROOT=$go GOTELEMETRY=off GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE=/tmp/bpfx-gocache CGO_ENABLED=0 $go/bin/go build -o xdp-parse-go .' || return 1
	cp "$d/xdp-parse-go" "$1/"
	echo "examples: Go loader with cilium/ebpf $(chroot "$r" dpkg-query -W -f '${Version}' golang-github-cilium-ebpf-dev), $(chroot "$r" dpkg-query -W -f '${Package} ${Version}' golang-go)"
}

# The Rust loader (examples/xdp-parse/rust), built in the sid chroot with
# Debian's libbpf-rs from /usr/share/cargo/registry, offline, linked
# statically against sid's libbpf (--target: RUSTFLAGS must not reach the
# build scripts; -Bstatic ... -lc: libelf needs zstd, and std's TLS wants
# libc's __tls_get_addr in a static-pie).
build_rust() { # PAYLOAD OBJECT
	local r d
	. "$top/tests/kernel/lib.sh"
	if ! { . "$(bpfx_env_file 7.2)" 2>/dev/null && [ -d "$BUILD_ROOT" ]; }; then
		echo "examples: SKIP the Rust loader: no sid chroot (make check KERNELS=7.2 makes it)"
		return 0
	fi
	r=$BUILD_ROOT
	if ! chroot "$r" dpkg-query -W librust-libbpf-rs-dev cargo rustc >/dev/null 2>&1; then
		chroot "$r" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends librust-libbpf-rs-dev cargo rustc ||
			{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends librust-libbpf-rs-dev cargo rustc; }' ||
			return 1
	fi
	d=$r/build/xdp-parse-rs
	mkdir -p "$d/.cargo"
	rm -rf "$d/src" && cp -r "$top/examples/xdp-parse/rust/Cargo.toml" "$top/examples/xdp-parse/rust/src" "$d/"
	cp "$2" "$d/xdp_parse.bpf.o"
	printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n' > "$d/.cargo/config.toml"
	chroot "$r" sh -c 'cd /build/xdp-parse-rs && XDP_PARSE_OBJ=/build/xdp-parse-rs/xdp_parse.bpf.o CARGO_HOME=/tmp/bpfx-cargo \
		RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-Bstatic -C link-arg=-lelf -C link-arg=-lz -C link-arg=-lzstd -C link-arg=-lc" \
		cargo build -q --release --offline --target x86_64-unknown-linux-gnu' || return 1
	cp "$d/target/x86_64-unknown-linux-gnu/release/xdp-parse-rs" "$1/"
	echo "examples: Rust loader with libbpf-rs $(chroot "$r" dpkg-query -W -f '${Version}' librust-libbpf-rs-dev), libbpf $(chroot "$r" dpkg-query -W -f '${Version}' libbpf-dev), $(chroot "$r" dpkg-query -W -f '${Package} ${Version}' rustc)"
}

# aya (examples/xdp-parse/aya): Debian's aya 0.13 cannot load a program
# that calls kfuncs; this builds the attempt, the guest prints aya's error.
build_aya() { # PAYLOAD OBJECT
	local r d
	. "$top/tests/kernel/lib.sh"
	if ! { . "$(bpfx_env_file 7.2)" 2>/dev/null && [ -d "$BUILD_ROOT" ]; }; then
		echo "examples: SKIP the aya attempt: no sid chroot"
		return 0
	fi
	r=$BUILD_ROOT
	if ! chroot "$r" dpkg-query -W librust-aya-dev cargo >/dev/null 2>&1; then
		chroot "$r" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends librust-aya-dev cargo ||
			{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends librust-aya-dev cargo; }' ||
			return 1
	fi
	d=$r/build/xdp-parse-aya
	mkdir -p "$d/.cargo"
	rm -rf "$d/src" && cp -r "$top/examples/xdp-parse/aya/Cargo.toml" "$top/examples/xdp-parse/aya/src" "$d/"
	printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n' > "$d/.cargo/config.toml"
	chroot "$r" sh -c 'cd /build/xdp-parse-aya && CARGO_HOME=/tmp/bpfx-cargo \
		RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-Bstatic -C link-arg=-lc" \
		cargo build -q --release --offline --target x86_64-unknown-linux-gnu' || return 1
	cp "$d/target/x86_64-unknown-linux-gnu/release/xdp-parse-aya" "$2" "$1/"
	echo "examples: aya attempt with aya $(chroot "$r" dpkg-query -W -f '${Version}' librust-aya-dev)"
}

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
	rm -f "$dir/got.jsonl.$$"
	if [ -x "$dir/payload/xdp-parse-go" ]; then
		block xdp-parse-go > "$dir/got-go.jsonl.$$"
		grep -q '^END xdp-parse-go rc=0$' "$serial" ||
			echo "#ex xdp_parse_go_ran:FAIL (no clean run of the Go loader)"
		python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got-go.jsonl.$$" xdp_parse_go_vs_tshark
		rm -f "$dir/got-go.jsonl.$$"
	else
		echo "examples: the Go loader was not built (no sid chroot): not run"
	fi
	if [ -x "$dir/payload/xdp-parse-rs" ]; then
		block xdp-parse-rs > "$dir/got-rs.jsonl.$$"
		grep -q '^END xdp-parse-rs rc=0$' "$serial" ||
			echo "#ex xdp_parse_rs_ran:FAIL (no clean run of the Rust loader)"
		python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$dir/got-rs.jsonl.$$" xdp_parse_rs_vs_tshark
		rm -f "$dir/got-rs.jsonl.$$"
	else
		echo "examples: the Rust loader was not built (no sid chroot): not run"
	fi
	# aya: its own error is the expected result, until it loads the object.
	if [ -x "$dir/payload/xdp-parse-aya" ]; then
		if grep -q '^aya: .*: loaded$' "$serial"; then
			echo "#ex aya_cannot_load_kfunc_calls:FAIL (aya loads the object now: write an aya loader, fix examples/README.md)"
		elif grep -q '^aya: load: .*\.ksyms' "$serial"; then
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
*) echo "usage: $0 prepare DIR BTF | check DIR SERIAL" >&2; exit 2 ;;
esac
