#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# misalign-ko.sh IN OUT -- a copy of bpfx.ko whose kfunc set the module
# loader will place at an address that is 1 mod 8: what the kernel's
# btf_ids.h leaves to chance (issue 11; arm64 then misread the set). The
# guest must see bpfx refuse it. x86 reads a misaligned set correctly, so
# only bpfx's own alignment check can catch it there.
#
# The loader lays out the read-only sections (SHF_ALLOC, not WRITE/EXEC)
# in section-header order, each at a multiple of its sh_addralign. So:
# .BTF_ids gets alignment 1, and the read-only section just before it
# (8-aligned or more, hence starting at 0 mod 8) grows by a few zero bytes
# to a size of 1 mod 8. llvm-objcopy: it handles any architecture's .ko
# and keeps the grown section's relocations (GNU objcopy drops them).
set -euo pipefail
in=$1 out=$2
die() { echo "misalign-ko: $*" >&2; exit 1; }
command -v llvm-objcopy >/dev/null || die "llvm-objcopy not found (apt-get install llvm)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "name size align" of each read-only allocated section, in header order,
# as the loader sees them (it drops SHF_ALLOC from .modinfo and __versions;
# .init* goes to the init region).
prev=
while read -r name size flags align; do
	case $flags in *A*) ;; *) continue ;; esac
	case $flags in *W* | *X*) continue ;; esac
	case $name in .init* | .modinfo | __versions) continue ;; esac
	if [ "$name" = .BTF_ids ]; then
		found=1
		break
	fi
	prev="$name $((0x$size)) $align"
done < <(LC_ALL=C readelf -SW "$in" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
	awk 'NF >= 10 && $1 != "NULL" { print $1, $5, $7, $NF } NF == 9 { print $1, $5, "-", $NF }')
[ -n "${found:-}" ] || die "$in has no allocated .BTF_ids"
[ -n "$prev" ] || die "no read-only section before .BTF_ids in $in: cannot place it"
set -- $prev
[ "$3" -ge 8 ] || die "$1, before .BTF_ids, is only $3-aligned: its start mod 8 is unknown"
pad=$(( (1 - $2 % 8 + 8) % 8 ))
llvm-objcopy --dump-section "$1=$tmp/sec" "$in" "$tmp/dump.ko"
head -c "$pad" /dev/zero >>"$tmp/sec"
llvm-objcopy --update-section "$1=$tmp/sec" --set-section-alignment .BTF_ids=1 "$in" "$out"
echo "misalign-ko: $out: .BTF_ids 1-aligned after $1 grown by $pad to $(($2 + pad)) bytes (1 mod 8)"
