#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# doctor-expect.sh MODE KVER REPORT -- what tools/bpfx-doctor must say about
# one matrix kernel. Prints "#host doctor_<MODE>_<topic>:OK|FAIL (why)" per
# expectation; exit 1 if any failed.
#   MODE host:  doctor -k <KVER's KDIR> on the build host (not that kernel),
#               with a /boot (BPFX_DOCTOR_ROOT) that lacks the kernel's image
#   MODE host-image: the same with the kernel's image in that /boot
#   MODE guest: doctor in KVER's QEMU guest with bpfx loaded, no KDIR, a
#               static btfids beside it (make -C tools btfids-static)
# REPORT: the doctor's output; other lines (a whole serial log) are ignored.
set -u
[ $# -eq 3 ] || { echo "usage: $0 host|host-image|guest 6.1|6.12|7.2 REPORT" >&2; exit 2; }
mode=$1 kver=$2 report=$3
case $mode in host | host-image | guest) ;; *) echo "$0: MODE is host, host-image or guest" >&2; exit 2 ;; esac
case $kver in 6.1 | 6.12 | 7.2) ;; *) echo "$0: unknown kernel $kver" >&2; exit 2 ;; esac
r=$(mktemp "${TMPDIR:-/tmp}/doctor-expect.XXXXXX")
trap 'rm -f "$r"' EXIT
tr -d '\r' <"$report" | grep -E '^(OK   |WARN |FAIL |     -> |bpfx-doctor: )' >"$r"

nbad=0
ok() { echo "#host doctor_${mode}_$1:OK"; }
bad() { nbad=$((nbad + 1)); echo "#host doctor_${mode}_$1:FAIL ($2)"; }
has() { # <topic> <ERE>...: every pattern is a line of the report
	topic=$1
	shift
	for p in "$@"; do
		grep -qE -- "$p" "$r" || { bad "$topic" "no line '$p'"; return; }
	done
	ok "$topic"
}
hasnt() { # <topic> <ERE> <why>
	if grep -qE -- "$2" "$r"; then bad "$1" "$3: $(grep -E -- "$2" "$r" | head -n 1)"; else ok "$1"; fi
}
# Only FAILs of these topics are expected (the rest of the host may add WARNs).
only_fails() { # <ERE of allowed FAIL topics or "">
	f=$(grep '^FAIL ' "$r" | grep -vE "^FAIL (${1:-NONE}):")
	[ -z "$f" ] && ok only_expected_fails || bad only_expected_fails "$(echo "$f" | head -n 1)"
}

# Kfuncs per kernel (bpfx_kfuncs.h): 8 dynptr ones; 6.12+ the 3 iterator
# kfuncs (KF_ITER_*); 7.x the 3 KF_IMPLICIT_ARGS samples.
case $kver in
6.1) nk=8 pv=124 ;;
6.12) nk=11 pv=124 ;;
7.2) nk=14 pv=132 ;;
esac

# Format: each WARN/FAIL has its action, the summary is last and adds up.
if awk '/^(WARN|FAIL) / { w = 1; next } w && !/^     -> / { exit 1 } { w = 0 }' "$r" &&
	[ "$(tail -n 1 "$r")" = "bpfx-doctor: $(grep -c '^OK ' "$r") ok, $(grep -c '^WARN ' "$r") warn, $(grep -c '^FAIL ' "$r") fail" ]; then
	ok format
else
	bad format "an action line or the summary is missing or wrong"
fi

if [ "$mode" != guest ]; then
	has kdir '^OK   kdir: '
	has config '^OK   config: from .*/\.config$' '^OK   config: CONFIG_BPF_SYSCALL=y$' '^OK   config: CONFIG_BPF_JIT=y$' \
		'^OK   config: CONFIG_DEBUG_INFO_BTF=y$' '^OK   config: CONFIG_DEBUG_INFO_BTF_MODULES=y$' \
		"^OK   config: CONFIG_PAHOLE_VERSION=$pv "
	case $kver in
	6.1)
		has pahole '^OK   pahole: pahole ' '^OK   pahole: headers have no vmlinux: bpfx runs pahole -J .*--btf_gen_floats'
		has resolver "^OK   resolver: bpfx's own resolver \(tools/btfids"
		# no vmlinux in the headers, not the running kernel: the base BTF
		# is the /boot image's, or VMLINUX_BTF's, or there is none
		if [ -n "${VMLINUX_BTF:-}" ]; then
			has base_btf "^OK   base-btf: VMLINUX_BTF=$VMLINUX_BTF "
			only_fails ""
		elif [ "$mode" = host-image ]; then
			has base_btf "^OK   base-btf: extracted from .*/boot/vmlinuz-6\.1[^ ]* at build time"
			only_fails ""
		else
			has base_btf "^FAIL base-btf: no base BTF for kernel '6\.1[^']*'" '^     -> '
			only_fails base-btf
		fi ;;
	*)
		has resolver "^OK   resolver: kbuild's resolve_btfids "
		has base_btf "^OK   base-btf: .*/vmlinux \(the headers' vmlinux"
		hasnt pahole_flags '^OK   pahole: headers have no vmlinux' "kbuild runs pahole for $kver, not bpfx"
		only_fails "" ;;
	esac
	if [ "$kver" = 7.2 ]; then
		has pahole "^OK   pahole: pahole .*KF_IMPLICIT_ARGS kfuncs >= 1\.26"
	else
		hasnt pahole_implicit 'KF_IMPLICIT_ARGS' "$kver has no KF_IMPLICIT_ARGS"
	fi
	has bpfx '^OK   bpfx: load state not checked: .* is not the running kernel'
else
	has kdir '^WARN kdir: no kernel headers at /lib/modules/'
	# Debian kernels lack CONFIG_IKCONFIG_PROC: the doctor must say so
	if grep -q '^OK   config: from /proc/config.gz$' "$r"; then
		has config '^OK   config: CONFIG_DEBUG_INFO_BTF_MODULES=y$' '^OK   config: CONFIG_BPF_JIT=y$'
	else
		has config '^WARN config: no config for .*/proc/config.gz absent'
	fi
	has resolver "^OK   resolver: bpfx's own resolver .*btfids built: "
	has base_btf "^OK   base-btf: /sys/kernel/btf/vmlinux \(the running kernel's BTF\)$"
	has secureboot '^OK   secureboot: no UEFI'
	has sig_enforce '^OK   sig-enforce: module.sig_enforce=N$'
	# the guest's init mounts securityfs, and Debian builds the lockdown LSM
	has lockdown '^OK   lockdown: none$'
	has bpfx "^OK   bpfx: loaded, module BTF has $nk kfunc FUNCs " \
		"^OK   bpfx: kernel log: registered $nk kfuncs for [0-9]+ hook\(s\), as module BTF says$"
	# the verifier guard: built and armed on 6.1 (no v6.3 var_off check)
	case $kver in
	6.1) has guard '^OK   guard: armed: ' ;;
	*) has guard '^OK   guard: not needed: ' ;;
	esac
	case $kver in
	6.1) hasnt bpfx_names '^OK   bpfx: loaded.* (bpf_iter_bpfx_|bpfx_prog_)' "6.1 has no iterator or implicit kfuncs" ;;
	6.12) has bpfx_names '^OK   bpfx: loaded.* bpf_iter_bpfx_dynptr_new' ;;
	7.2) has bpfx_names '^OK   bpfx: loaded.* bpfx_prog_id( |$)' '^OK   bpfx: loaded.* bpfx_prog_tag( |$)' ;;
	esac
	only_fails ""
fi
[ "$nbad" -eq 0 ]
