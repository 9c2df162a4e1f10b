#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# After kbuild: make sure bpfx.ko has module BTF and resolved kfunc set ids,
# generating them where the target's kbuild could not, then verify. Fails
# loudly: a kfunc module without them loads and registers nothing.
#
# usage: module-btf.sh KDIR KO
# env:   VMLINUX_BTF  base BTF file to use (overrides the search below)
#        PAHOLE_FLAGS pahole flags (default: what the target's kbuild uses)
#        BPFX_SYSROOT prefix of the /sys and /boot where the base BTF is
#                     looked for (default: this machine's; the matrix points
#                     it at an empty root to build "no base BTF anywhere")
#        CROSS_COMPILE the target's toolchain prefix (make passes it on)
#        LLVM_OBJCOPY objcopy pahole adds .BTF with (default
#                     ${CROSS_COMPILE}objcopy: the host's cannot write
#                     another architecture's .ko; llvm-objcopy can)
set -eu
kdir=$1 ko=$2
tools=$(cd "$(dirname "$0")" && pwd)
compat=$(dirname "$ko")/.compat
. "$tools/base-btf.sh"
krel=$(bpfx_kernel_release "$kdir")
die() { echo "bpfx: $*" >&2; exit 1; }

has_section() { readelf -S -W "$1" 2>/dev/null | grep -c " $2 " >/dev/null; }

pick_base() {
	src=$(bpfx_base_btf "$kdir" "$krel" "${BPFX_SYSROOT:-}") || die "$src"
	case $src in
	vmlinuz\ *)
		mkdir -p "$compat"
		"$tools/extract-vmlinux-btf" "${src#* }" "$compat/vmlinux.btf" >&2 ||
			die "could not extract BTF from ${src#* }"
		echo "$compat/vmlinux.btf" ;;
	*) echo "${src#* }" ;;
	esac
}

base=$(pick_base)
if has_section "$ko" .BTF; then
	# kbuild made it (headers with vmlinux: Debian 6.12, 7.x). An override
	# that differs from what kbuild used would be silently ignored: refuse.
	if [ -n "${VMLINUX_BTF:-}" ] && [ "$base" != "$kdir/vmlinux" ]; then
		die "VMLINUX_BTF is only used when $kdir has no vmlinux; kbuild already built BTF against $kdir/vmlinux"
	fi
else
	# Debian 6.1 headers: no vmlinux, so kbuild printed "Skipping BTF
	# generation". Do its step ourselves, with the flags it would use.
	if [ -z "${PAHOLE_FLAGS:-}" ]; then
		[ -x "$kdir/scripts/pahole-flags.sh" ] ||
			die "cannot tell which pahole flags $kdir wants; pass PAHOLE_FLAGS=..."
		PAHOLE_FLAGS=$(PAHOLE=pahole "$kdir/scripts/pahole-flags.sh")
	fi
	command -v pahole >/dev/null || die "pahole not found: apt-get install dwarves"
	objcopy=${LLVM_OBJCOPY:-${CROSS_COMPILE:-}objcopy}
	command -v "$objcopy" >/dev/null ||
		die "$objcopy not found: pahole needs an objcopy for the target (binutils for CROSS_COMPILE=${CROSS_COMPILE:-}, or LLVM_OBJCOPY=llvm-objcopy)"
	echo "  BTF [M]  $ko (base $base, pahole $PAHOLE_FLAGS, $objcopy)"
	# shellcheck disable=SC2086
	LLVM_OBJCOPY=$objcopy pahole -J $PAHOLE_FLAGS --btf_base "$base" "$ko" ||
		die "pahole failed to encode BTF into $ko"
	rb=$kdir/tools/bpf/resolve_btfids/resolve_btfids
	if [ -x "$rb" ]; then
		"$rb" -b "$base" "$ko" || die "resolve_btfids failed on $ko"
	else
		echo "  BTFIDS   $ko (tools/btfids: $kdir has no resolve_btfids)"
		"$tools/btfids" resolve --base "$base" "$ko" || die "tools/btfids resolve failed on $ko"
	fi
fi

# The dynptr parameter type the verifier of this target recognises.
dyn=bpf_dynptr_kern
grep -q 'BPFX_HAVE_KFUNC_DYNPTR_UAPI 1' "$compat/bpfx_autoconf.h" && dyn=bpf_dynptr
"$tools/btfids" check --base "$base" --dynptr-struct "$dyn" "$ko" ||
	die "$ko failed the BTF check above; it would load without working kfuncs"

# KF_IMPLICIT_ARGS (7.0+): resolve_btfids must have split each sample into
# a public prototype without the aux and foo_impl with it. It only does so
# for kfuncs pahole tagged (decl_tag_kfuncs, pahole >= 1.26); without that
# the module loads and every call fails: refuse the build instead.
if grep -q 'BPFX_HAVE_KF_IMPLICIT_ARGS 1' "$compat/bpfx_autoconf.h"; then
	args=
	for f in bpfx_prog_id bpfx_prog_name bpfx_prog_tag; do
		args="$args --expect-func $f --expect-func ${f}_impl"
	done
	# shellcheck disable=SC2086
	out=$("$tools/btfids" check --base "$base" $args "$ko") ||
		die "KF_IMPLICIT_ARGS kfuncs lack their _impl twins in module BTF: pahole $(pahole --version) must be >= 1.26 (decl_tag_kfuncs) and resolve_btfids the target kernel's (7.0+)"
	for f in bpfx_prog_id bpfx_prog_name bpfx_prog_tag; do
		pub=$(echo "$out" | grep -E "func \[[0-9]+\] .*[ *]$f\(" | head -1)
		impl=$(echo "$out" | grep -E "func \[[0-9]+\] .*[ *]${f}_impl\(" | head -1)
		[ -n "$pub" ] || die "no public prototype of $f in module BTF"
		case $pub in *bpf_prog_aux*) die "$f still takes bpf_prog_aux in BTF: $pub" ;; esac
		case $impl in *bpf_prog_aux*) ;; *) die "${f}_impl lacks bpf_prog_aux: $impl" ;; esac
		echo "  IMPLICIT$pub  /$impl"
	done
fi
