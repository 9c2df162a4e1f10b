#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# doctor-expect.sh MODE KREL REPORT -- what tools/bpfx-doctor must say about
# one matrix kernel (release KREL). Prints "#host doctor_<MODE>_<topic>:OK|FAIL
# (why)" per expectation; exit 1 if any failed. What the kernel offers comes
# from the environment, as the matrix measured it (tests/check.sh):
#   HEADERS_HAVE_VMLINUX   1 if its headers ship vmlinux (prepare.sh)
#   CONFIG_PAHOLE_VERSION  its headers' .config value (prepare.sh)
#   PROBE_KF_ITER, PROBE_KF_IMPLICIT_ARGS, PROBE_DYNPTR_VAR_OFF_CHECK
#                          y|n: bpfx's compat probes for it
#                          (the build log), i.e. which kfuncs bpfx registers
#   MODE host:  doctor -k <KVER's KDIR> on the build host (not that kernel),
#               with a /boot (BPFX_DOCTOR_ROOT) that lacks the kernel's image
#   MODE host-image: the same with the kernel's image in that /boot
#   MODE guest: doctor in KVER's QEMU guest with bpfx loaded, no KDIR, a
#               static btfids beside it (make -C tools btfids-static)
# REPORT: the doctor's output; other lines (a whole serial log) are ignored.
set -u
[ $# -eq 3 ] || { echo "usage: $0 host|host-image|guest KREL REPORT" >&2; exit 2; }
mode=$1 krel=$2 report=$3
case $mode in host | host-image | guest) ;; *) echo "$0: MODE is host, host-image or guest" >&2; exit 2 ;; esac
for v in HEADERS_HAVE_VMLINUX CONFIG_PAHOLE_VERSION PROBE_KF_ITER PROBE_KF_IMPLICIT_ARGS PROBE_DYNPTR_VAR_OFF_CHECK; do
	# (a line that counts as a failure: the caller counts these lines)
	eval "[ -n \"\${$v:-}\" ]" || { echo "#host doctor_${mode}_inputs:FAIL ($v is not set: what the kernel offers is unknown)"; exit 2; }
done
kre=$(printf '%s' "$krel" | sed 's/[.+]/\\&/g')
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

# Kfuncs (bpfx_kfuncs.h): 8 dynptr ones; the 3 iterator kfuncs where the
# kernel has KF_ITER_*; the 3 KF_IMPLICIT_ARGS samples where it has those.
nk=8
[ "$PROBE_KF_ITER" = y ] && nk=$((nk + 3))
[ "$PROBE_KF_IMPLICIT_ARGS" = y ] && nk=$((nk + 3))
pv=$CONFIG_PAHOLE_VERSION

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
	if [ "$HEADERS_HAVE_VMLINUX" != 1 ]; then
		has pahole '^OK   pahole: pahole ' '^OK   pahole: headers have no vmlinux: bpfx runs pahole -J .*--btf_gen_floats'
		has resolver "^OK   resolver: bpfx's own resolver \(tools/btfids"
		# no vmlinux in the headers, not the running kernel: the base BTF
		# is the /boot image's, or VMLINUX_BTF's, or there is none
		if [ -n "${VMLINUX_BTF:-}" ]; then
			has base_btf "^OK   base-btf: VMLINUX_BTF=$VMLINUX_BTF "
			only_fails ""
		elif [ "$mode" = host-image ]; then
			has base_btf "^OK   base-btf: extracted from .*/boot/vmlinuz-$kre at build time"
			only_fails ""
		else
			has base_btf "^FAIL base-btf: no base BTF for kernel '$kre'" '^     -> '
			only_fails base-btf
		fi
	else
		has resolver "^OK   resolver: kbuild's resolve_btfids "
		has base_btf "^OK   base-btf: .*/vmlinux \(the headers' vmlinux"
		hasnt pahole_flags '^OK   pahole: headers have no vmlinux' "kbuild runs pahole for $krel, not bpfx"
		only_fails ""
	fi
	if [ "$PROBE_KF_IMPLICIT_ARGS" = y ]; then
		has pahole "^OK   pahole: pahole .*KF_IMPLICIT_ARGS kfuncs >= 1\.26"
	else
		hasnt pahole_implicit 'KF_IMPLICIT_ARGS' "$krel has no KF_IMPLICIT_ARGS"
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
	# the verifier guard (docs/SAFETY.md T7): armed where the kernel's
	# verifier lacks v6.3's var_off check for dynptr arguments
	if [ "$PROBE_DYNPTR_VAR_OFF_CHECK" = y ]; then
		has guard '^OK   guard: not needed: '
	else
		has guard '^OK   guard: armed: '
	fi
	if [ "$PROBE_KF_IMPLICIT_ARGS" = y ]; then
		has bpfx_names '^OK   bpfx: loaded.* bpfx_prog_id( |$)' '^OK   bpfx: loaded.* bpfx_prog_tag( |$)'
	elif [ "$PROBE_KF_ITER" = y ]; then
		has bpfx_names '^OK   bpfx: loaded.* bpf_iter_bpfx_dynptr_new'
	else
		hasnt bpfx_names '^OK   bpfx: loaded.* (bpf_iter_bpfx_|bpfx_prog_)' "$krel has no iterator or implicit kfuncs"
	fi
	only_fails ""
fi
[ "$nbad" -eq 0 ]
