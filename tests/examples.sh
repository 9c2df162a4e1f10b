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
#   tests/examples.sh prepare-arch DIR ARCH BTF  the same loaders for
#       another arch's guests (arm64 on an amd64 host: the C ones with the
#       cross gcc against that arch's -dev packages, tests/kernel/sysroot.sh;
#       Go with GOARCH; Rust with --target and Debian's std of that arch;
#       not the aya attempt)
#       into DIR/payload-ARCH, beside prepare's pcap and tshark's verdict
#   tests/examples.sh check DIR SERIAL  compare what the guest printed with
#       tshark; prints "#ex NAME:OK|FAIL" lines (BPFX_ARCH: the guest's
#       arch, default the host's)
#   tests/examples.sh build-c DIR BTF   only the C part of prepare into DIR
#       (xdp-bench and its pcap, for tests/bench.sh)
#
# tshark runs here, on the host, once: the guests only run the BPF side.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ex=$top/tests/examples
host_arch=$(dpkg --print-architecture)
mode=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 prepare DIR BTF | prepare-arch DIR ARCH BTF | check DIR SERIAL | build-c DIR BTF" >&2; exit 2; }

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
build_go() { # PAYLOAD OBJECT [ARCH]
	local r d a=${3:-$host_arch}
	r=$(loader_root golang-go golang-github-cilium-ebpf-dev) || return 1
	d=$r/build/xdp-parse-go-$a
	rm -rf "$d" && mkdir -p "$d"
	cp "$top"/examples/xdp-parse/go/*.go "$2" "$d/"
	# No /proc in the root: the go tool cannot find its own GOROOT.
	# Debian's architecture names are Go's GOARCH for amd64 and arm64.
	in_root "$r" "cd /build/xdp-parse-go-$a && go=\$(ls -d /usr/lib/go-1.* | sort -V | tail -1) &&
		GOROOT=\$go GOTELEMETRY=off GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE=/tmp/bpfx-gocache CGO_ENABLED=0 GOARCH=$a \$go/bin/go build -o xdp-parse-go ." || return 1
	cp "$d/xdp-parse-go" "$1/"
	echo "examples: Go loader ($a) with $(pkg_version "$r" golang-github-cilium-ebpf-dev), $(pkg_version "$r" golang-go)"
}

# rust_target ARCH: Rust's target triple for a Debian architecture.
rust_target() { echo "$(dpkg-architecture -a"$1" -qDEB_HOST_GNU_CPU 2>/dev/null)-unknown-linux-gnu"; }

# cargo_build ROOT NAME ARCH RUSTFLAGS [ENV]: examples/xdp-parse/NAME/ built
# for ARCH with Debian's crates (/usr/share/cargo/registry), offline,
# static (for another arch than the host's, with rust_cross's flags and
# environment); prints the binary's path. --target keeps RUSTFLAGS away
# from the build scripts (which run here, built for the host).
cargo_build() {
	local r=$1 n=$2 a=$3 flags=$4 env=${5:-} t d=$1/build/xdp-parse-$2 x xe
	if [ "$a" != "$host_arch" ]; then
		{ read -r x; read -r xe; } < <(rust_cross "$r" "$a") && [ -n "$x" ] || return 1
		flags="$x $flags" env="$xe $env"
	fi
	t=$(rust_target "$a")
	mkdir -p "$d/.cargo"
	rm -rf "$d/src" && cp -r "$top/examples/xdp-parse/$n/Cargo.toml" "$top/examples/xdp-parse/$n/src" "$d/"
	printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n[net]\noffline = true\n' > "$d/.cargo/config.toml"
	in_root "$r" "cd /build/xdp-parse-$n && $env CARGO_HOME=/tmp/bpfx-cargo RUSTFLAGS='-C target-feature=+crt-static $flags' \
		cargo build -q --release --offline --target $t" >&2 || return 1
	echo "$d/target/$t/release"
}

# rust_cross ROOT ARCH: what cargo_build needs to build for another ARCH in
# ROOT: that arch's std (Debian's libstd-rust-dev of ARCH, the root's rustc
# version exactly) and -dev packages unpacked into a sysroot
# (tests/kernel/sysroot.sh), the root's cross gcc as linker. Prints
# "RUSTFLAGS-part ENV-part" on two lines.
rust_cross() {
	local r=$1 a=$2 v gnu sr rv
	gnu=$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_TYPE 2>/dev/null)
	r=$(loader_root cargo rustc "gcc-$gnu" "libc6-dev-$a-cross") || return 1
	rv=$(pkg_version "$r" libstd-rust-dev | cut -d' ' -f2)
	v=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f '${Depends}' libstd-rust-dev | grep -o 'libstd-rust-[0-9][0-9.]*' | head -1)
	sr=$(BPFX_ARCH=$a bash "$top/tests/kernel/sysroot.sh" --with rust sid "libstd-rust-dev=$rv" "$v=$rv" 2>>"$dir/loader-root.log") ||
		{ echo "examples: no $a sysroot with Debian's Rust std $rv (above)" >&2; tail -5 "$dir/loader-root.log" >&2; return 1; }
	rm -rf "$r/build/sysroot-$a" && cp -a "$sr" "$r/build/sysroot-$a"
	echo "--sysroot=/build/sysroot-$a/usr -L/build/sysroot-$a/usr/lib/$gnu -C linker=$gnu-gcc"
	echo "PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_SYSROOT_DIR=/build/sysroot-$a PKG_CONFIG_LIBDIR=/build/sysroot-$a/usr/lib/$gnu/pkgconfig"
}

# The Rust loader (examples/xdp-parse/rust): Debian's libbpf-rs, linked
# statically against sid's libbpf (-Bstatic ... -lc: libelf needs zstd, and
# std's TLS wants libc's __tls_get_addr in a static-pie).
build_rust() { # PAYLOAD OBJECT [ARCH]
	local r b a=${3:-$host_arch}
	r=$(loader_root librust-libbpf-rs-dev cargo rustc) || return 1
	mkdir -p "$r/build/xdp-parse-rust" && cp "$2" "$r/build/xdp-parse-rust/xdp_parse.bpf.o"
	b=$(cargo_build "$r" rust "$a" "-C link-arg=-Wl,-Bstatic -C link-arg=-lelf -C link-arg=-lz -C link-arg=-lzstd -C link-arg=-lc" \
		"XDP_PARSE_OBJ=/build/xdp-parse-rust/xdp_parse.bpf.o") || return 1
	cp "$b/xdp-parse-rs" "$1/"
	echo "examples: Rust loader ($a) with $(pkg_version "$r" librust-libbpf-rs-dev), $(pkg_version "$r" libbpf-dev), $(pkg_version "$r" rustc)"
}

# aya (examples/xdp-parse/aya): Debian's aya 0.13 cannot load a program
# that calls kfuncs; this builds the attempt, the guest prints aya's error.
build_aya() { # PAYLOAD OBJECT [ARCH]
	local r b a=${3:-$host_arch}
	r=$(loader_root librust-aya-dev cargo) || return 1
	b=$(cargo_build "$r" aya "$a" "-C link-arg=-Wl,-Bstatic -C link-arg=-lc") || return 1
	cp "$b/xdp-parse-aya" "$2" "$1/"
	echo "examples: aya attempt ($a) with $(pkg_version "$r" librust-aya-dev)"
}

# build_c BTF OUT PCAP: the C examples (make examples STATIC=1: headers
# installed into a staging root, found by pkg-config) and tests/examples'
# baseline, xdp-bench and pcap-inject into OUT; the pcap into PCAP.
# For another arch, CC, CFLAGS and LDFLAGS in the environment (cross_env).
build_c() {
	make -s -C "$top" examples STATIC=1 EXAMPLES_O="$2" VMLINUX_BTF="$1" || return 1
	PKG_CONFIG_LIBDIR=$2/root/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$2/root \
		make -s -C "$ex" O="$2" || return 1
	[ -z "$3" ] || python3 "$ex/gen-pcap.py" "$3" --seed "${BPFX_PCAP_SEED:-14}"
}

# loaders OUT PAYLOAD ARCH: the C loaders build_c left in OUT, and the Go,
# Rust and aya ones built for ARCH, into PAYLOAD.
loaders() {
	local o=$1 p=$2 a=$3 l
	cp "$o/xdp-parse" "$o/xdp-bench" "$o/pcap-inject" "$o/ringbuf-records" "$p/"
	for l in "go Go loader" "rust Rust loader" "aya aya attempt"; do
		# aya fails in its own loader, whatever the arch: shown on the
		# host's (its build is ~100 s of CPU per arch)
		[ "${l%% *}" != aya ] || [ "$a" = "$host_arch" ] || continue
		build_${l%% *} "$p" "$o/xdp_parse.bpf.o" "$a" ||
			{ echo "examples: building the ${l#* } for $a failed" >&2; return 1; }
	done
}

prepare() {
	local btf=$1 o=$dir/build p=$dir/payload
	rm -rf "$dir" && mkdir -p "$o" "$p"
	build_c "$btf" "$o" "$p/capture.pcap" || return 1
	python3 "$ex/tshark.py" expect "$p/capture.pcap" > "$dir/expected.jsonl" || return 1
	[ "$(wc -l < "$dir/expected.jsonl")" -ge 2000 ] || { echo "fewer than 2000 packets" >&2; return 1; }
	cp "$ex/guest.sh" "$p/run.sh"
	loaders "$o" "$p" "$host_arch" || return 1
	echo "examples: $(tshark --version | head -1)"
	touch "$dir/$host_arch.done"
}

# prepare_arch ARCH BTF: prepare's loaders for ARCH's guests, its C ones
# cross-built against ARCH's -dev packages of this host's release (the
# sysroot the arm64 test driver links against).
prepare_arch() {
	local a=$1 btf=$2 o=$dir/build-$1 p=$dir/payload-$1 sr gnu
	[ -s "$dir/expected.jsonl" ] || { echo "examples: prepare first" >&2; return 1; }
	rm -rf "$o" "$p" "$dir/$a.done" && mkdir -p "$o" "$p"
	gnu=$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_TYPE 2>/dev/null)
	sr=$(BPFX_ARCH=$a bash "$top/tests/kernel/sysroot.sh") || return 1
	CC=$gnu-gcc CFLAGS="-O2 -g -Wall -Werror -I$sr/usr/include" LDFLAGS="-L$sr/usr/lib/$gnu" \
		build_c "$btf" "$o" "" || return 1
	cp "$dir/payload/capture.pcap" "$dir/payload/run.sh" "$p/"
	loaders "$o" "$p" "$a" && touch "$dir/$a.done"
}

# block NAME: the JSON lines of the guest's block NAME (tests/examples/guest.sh
# emit): "BEGIN NAME gzip", base64 of the gzip'd lines, "END NAME ...", or
# "BEGIN NAME same-as OTHER" for a copy of OTHER's.
block() {
	local how
	how=$(sed -n "s/^BEGIN $1 //p" "$serial" | head -n 1)
	case $how in
	gzip) sed -n "/^BEGIN $1 gzip\$/,/^END $1 /{/^BEGIN /d; /^END /d; p}" "$serial" |
		base64 -d | gzip -dc ;;
	"same-as "*) block "${how#same-as }" ;;
	esac | grep '^{'
}

# verdict NAME GOT [OPTION...]: tshark.py's comparison of GOT with tshark's
# reading; no verdict line (it crashed on a garbled line) is a failure.
verdict() {
	local name=$1 got=$2 v
	shift 2
	v=$(python3 "$top/tests/examples/tshark.py" compare "$dir/expected.jsonl" "$got" "$name" "$@" 2>&1)
	echo "$v"
	grep -q "^#ex $name:" <<<"$v" || echo "#ex $name:FAIL (tshark.py compare gave no verdict)"
}

check() {
	# the payload the guest ran: its arch's (BPFX_ARCH, the row's)
	local a=${BPFX_ARCH:-$host_arch} p=$dir/payload
	[ "$a" = "$host_arch" ] || p=$dir/payload-$a
	# One CR-free copy, grepped as a file: "tr | grep -q" under pipefail
	# fails when grep stops reading early.
	serial=$dir/serial.$$
	tr -d '\r' < "$1" > "$serial"
	# ARCH.done: prepare (-arch) finished for the guest's arch
	if [ ! -s "$dir/expected.jsonl" ] || [ ! -d "$p" ] || [ ! -e "$dir/$a.done" ]; then
		echo "#ex prepare:FAIL (tests/examples.sh prepare did not finish for $a; see its log)"
		return
	fi
	grep -E '^(examples|xdp-parse|xdp-bench|ringbuf-records|libbpf|aya)[-a-z]*: ' "$serial" | head -n 60
	if ! grep -q '^END xdp-parse rc=0$' "$serial"; then
		echo "#ex xdp_parse_ran:FAIL (no clean xdp-parse run in the guest)"
	fi
	block xdp-parse > "$dir/got.jsonl.$$"
	verdict xdp_parse_vs_tshark "$dir/got.jsonl.$$"
	# The same parser as a TC program (test runs need an Ethernet header).
	grep -q '^END xdp-parse-tc rc=0$' "$serial" || echo "#ex xdp_parse_tc_ran:FAIL (no clean xdp-parse --tc run)"
	block xdp-parse-tc > "$dir/got.jsonl.$$"
	sed -n '/^BEGIN tc-absent$/,/^END tc-absent$/p' "$serial" | grep -E '^[0-9]+$' > "$dir/absent.$$"
	verdict xdp_parse_tc_vs_tshark "$dir/got.jsonl.$$" --absent "$dir/absent.$$"
	# Live: attached to lo, fed by pcap-inject; frames by arrival.
	grep -q '^END xdp-parse-live rc=0$' "$serial" || echo "#ex xdp_parse_live_ran:FAIL (no clean xdp-parse --iface lo run)"
	block xdp-parse-live > "$dir/got.jsonl.$$"
	sed -n '/^BEGIN sent$/,/^END sent$/p' "$serial" | grep -E '^[0-9]+$' > "$dir/sent.$$"
	verdict xdp_parse_live_vs_tshark "$dir/got.jsonl.$$" --min-len 14 --sent "$dir/sent.$$"
	rm -f "$dir/got.jsonl.$$" "$dir/sent.$$" "$dir/absent.$$"
	# The other languages' loaders: the same comparison each.
	for l in "go Go" "rs Rust"; do
		set -- $l
		if [ -x "$p/xdp-parse-$1" ]; then
			block "xdp-parse-$1" > "$dir/got-$1.jsonl.$$"
			grep -q "^END xdp-parse-$1 rc=0\$" "$serial" ||
				echo "#ex xdp_parse_$1_ran:FAIL (no clean run of the $2 loader)"
			verdict "xdp_parse_$1_vs_tshark" "$dir/got-$1.jsonl.$$"
			rm -f "$dir/got-$1.jsonl.$$"
		else
			echo "examples: the $2 loader was not built (no sid root): not run"
		fi
	done
	# aya: its own error is the expected result, until it loads the object.
	if [ -x "$p/xdp-parse-aya" ]; then
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
	# The open-coded walk runs where bpfx registers its iterator (the
	# row's probe, BPFX_KF_ITER=y|n), and only there.
	case ${BPFX_KF_ITER:-}:$(grep -c '^ringbuf-records: iterator: [0-9]* produced, .* 0 wrong$' "$serial") in
	y:1) echo "#ex ringbuf_records_iterator:OK" ;;
	n:0) grep -q '^ringbuf-records: iterator: skipped' "$serial" &&
		echo "#ex ringbuf_records_iterator_absent:OK" || echo "#ex ringbuf_records_iterator_absent:FAIL" ;;
	*) echo "#ex ringbuf_records_iterator:FAIL (bpfx iterator probe '${BPFX_KF_ITER:-}', walk lines above)" ;;
	esac
	if grep -q '^xdp-bench: .* 0 records differ$' "$serial"; then
		echo "#ex baseline_same_records:OK"
	else
		echo "#ex baseline_same_records:FAIL"
	fi
	rm -f "$serial"
}

case $mode in
prepare) prepare "${3:?BTF file}" ;;
prepare-arch) prepare_arch "${3:?ARCH}" "${4:?BTF file}" ;;
check) check "${3:?serial log}" ;;
build-c) mkdir -p "$dir" && build_c "${3:?BTF file}" "$dir" "$dir/capture.pcap" ;;
*) echo "usage: $0 prepare DIR BTF | prepare-arch DIR ARCH BTF | check DIR SERIAL | build-c DIR BTF" >&2; exit 2 ;;
esac
