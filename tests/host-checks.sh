#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The matrix's checks that run here, on the host, not in a guest; each
# prints "#host NAME:OK|FAIL (why)" lines (tests/check.sh counts them).
# Two halves, around the DKMS builds that tests/check.sh waits for:
#
#   tests/host-checks.sh builds OUT BASELINE ROW...
#       the build must fail loudly where it cannot produce a working module
#       (on BASELINE's headers); every program must build against the
#       vmlinux.h that each ROW's root's bpftool dumps from ROW's kernel
#       (ROWs: per root of another release, its newest kernel)
#   tests/host-checks.sh doctor OUT ROW...
#       the doctor on this host against each ROW's headers, held to
#       tests/doctor-expect.sh (needs OUT/dkms: the probes of each build)
#
# OUT is tests/check.sh's work directory (env files, progs, base BTF).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=check
[ $# -ge 2 ] || die "usage: $0 builds OUT BASELINE ROW... | doctor OUT ROW..."
mode=$1 out=$2
shift 2

host_ok()  { echo "#host $1:OK"; }
host_bad() { echo "#host $1:FAIL ($2)"; }

# One tree for all of the must-fail builds: the first run compiles, and
# fails after kbuild (in tools/module-btf.sh); the next ones get the kbuild
# output back unchanged (timestamps kept, so kbuild has nothing to do) and
# fail again in the step they test, without compiling bpfx three times.
# The situations they need are built here, whatever this host has
# installed: an empty root stands for /sys and /boot (tools/module-btf.sh's
# BPFX_SYSROOT), so a host that runs or has the baseline image changes
# nothing.
expect_build_failure() { # name message make-args...
	local name=$1 want=$2 log=$out/host-$1.log fail_tree=$out/host-build-fail noboot=$out/host-no-boot-root
	shift 2
	mkdir -p "$noboot/boot" "$noboot/sys"
	if [ ! -d "$fail_tree" ]; then
		bpfx_copy_tree "$top" "$fail_tree"
	elif [ -f "$fail_tree/bpfx.ko.kbuild" ]; then
		cp -p "$fail_tree/bpfx.ko.kbuild" "$fail_tree/bpfx.ko"
	fi
	if make -C "$fail_tree" KDIR="$KDIR" BPFX_SYSROOT="$noboot" "$@" > "$log" 2>&1; then
		host_bad "$name" "build succeeded"
	elif grep -q -- "$want" "$log"; then
		host_ok "$name"
	else
		host_bad "$name" "no '$want' in the build log"; tail -5 "$log"
	fi
	# Keep kbuild's own output for the next one, never a module that
	# already went through pahole (it would fail, or pass, for another reason).
	if [ ! -f "$fail_tree/bpfx.ko.kbuild" ] && [ -f "$fail_tree/bpfx.ko" ] &&
		[ "$(readelf -S -W "$fail_tree/bpfx.ko" | grep -c ' \.BTF ')" = 0 ]; then
		cp -p "$fail_tree/bpfx.ko" "$fail_tree/bpfx.ko.kbuild"
	fi
}

builds() { # BASELINE ROW...
	local baseline=$1 base_btf=$out/vmlinux-$1.btf k h f
	shift
	. "$(bpfx_env_file "$baseline")"
	if [ -z "$BUILD_ROOT" ] && [ "$HEADERS_HAVE_VMLINUX" != 1 ]; then
		# The baseline's headers have no vmlinux; this is not the running
		# kernel; no /boot image: there is no base BTF, and the build must
		# say so. (First: it fails before pahole, so the .ko kept for the
		# others is kbuild's own.)
		expect_build_failure build_without_base_btf "no base BTF for kernel" KDIR="$KDIR"
		expect_build_failure build_with_broken_pahole "pahole failed to encode BTF" \
			VMLINUX_BTF="$base_btf" PAHOLE_FLAGS=--no-such-pahole-flag
		expect_build_failure build_with_empty_base_btf "pahole failed to encode BTF" \
			VMLINUX_BTF=/dev/null
	else
		msg "SKIP: the must-fail builds: the baseline row $baseline is not a host-built kernel without vmlinux in its headers"
	fi
	# Per root of another release: its bpftool dumps the vmlinux.h of its
	# newest kernel, which carries the kernel's own kfunc prototypes;
	# every program must build against it.
	for k; do
		. "$(bpfx_env_file "$k")"
		h=$out/vmlinux-$(basename "$BUILD_ROOT")
		mkdir -p "$h"
		if chroot "$BUILD_ROOT" bpftool btf dump file "$KDIR/vmlinux" format c > "$h/vmlinux.h" 2>"$h.err" &&
			grep -q 'bpf_dynptr_adjust' "$h/vmlinux.h"; then
			for f in "$top"/progs/*.bpf.c; do
				if clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -fms-extensions -Wno-microsoft-anon-tag -Wall -Werror \
					-I"$h" -I"$top/include" -I"$top/progs" -c "$f" -o "$h/x.o" 2>"$h/err"; then
					host_ok "vmlinux_h_$k/$(basename "$f")"
				else
					host_bad "vmlinux_h_$k/$(basename "$f")" "$(head -3 "$h/err")"
				fi
			done
		else
			host_bad "vmlinux_h_$k" "no kfunc prototypes from $(basename "$BUILD_ROOT")'s bpftool: $(head -3 "$h.err")"
		fi
	done
}

# The doctor, against each kernel's headers (inside its root for rows of
# another release). Its /boot is a fake root's (the rest links to this
# host's), so the verdict does not depend on which kernel images this host
# has: once without the target's image (headers without vmlinux then give
# no base BTF), once with it.
doctor_root() { # DIR [IMAGE]: this host's /etc /usr /proc /sys, a /boot of our own
	rm -rf "$1" && mkdir -p "$1/boot"
	for d in etc usr proc sys lib; do ln -s "/$d" "$1/$d"; done
	[ -z "${2:-}" ] || ln -s "$2" "$1/boot/$(basename "$2")"
}
doctor_host() { # ROW MODE [IMAGE]
	local r=$out/doctor-$2-$1.txt
	if [ -z "$BUILD_ROOT" ]; then
		doctor_root "$out/doctor-root-$2" "${3:-}"
		BPFX_DOCTOR_ROOT=$out/doctor-root-$2 sh "$top/tools/bpfx-doctor" -k "$KDIR" > "$r" 2>&1
	else
		rm -rf "$BUILD_ROOT/tmp/bpfx-doctor" && mkdir -p "$BUILD_ROOT/tmp/bpfx-doctor"
		cp "$top/tools/bpfx-doctor" "$top/tools/base-btf.sh" "$BUILD_ROOT/tmp/bpfx-doctor/"
		chroot "$BUILD_ROOT" sh /tmp/bpfx-doctor/bpfx-doctor -k "$KDIR" > "$r" 2>&1
	fi
	(eval "$(bpfx_probes "$out/dkms" "$1")"
	bpfx_doctor_expect "$2" "$KREL" "$r") > "$r.expect"
	cat "$r.expect"
}
doctor() { # ROW...
	local k
	for k; do
		. "$(bpfx_env_file "$k")"
		doctor_host "$k" host
		[ -n "$BUILD_ROOT" ] || [ "$HEADERS_HAVE_VMLINUX" = 1 ] ||
			doctor_host "$k" host-image "$VMLINUZ"
	done
}

case $mode in
builds) [ $# -ge 1 ] || die "usage: $0 builds OUT BASELINE ROW..."; builds "$@" ;;
doctor) doctor "$@" ;;
*) die "unknown mode '$mode' (builds, doctor)" ;;
esac
# Here only when every check ran (die exits 1): tests/check.sh fails the
# run on any other status.
exit 0
