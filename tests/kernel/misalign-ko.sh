#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# misalign-ko.sh IN OUT -- a copy of bpfx.ko whose kfunc set the module
# loader will place at an address that is not a multiple of 8 (1 mod 8 where
# the layout allows): what the kernel's
# btf_ids.h leaves to chance (issue 11; arm64 then misread the set). The
# guest must see bpfx refuse it. x86 reads a misaligned set correctly, so
# only bpfx's own alignment check can catch it there.
#
# The loader lays out the read-only sections (SHF_ALLOC, not WRITE/EXEC)
# in section-header order, each at a multiple of its sh_addralign. So:
# .BTF_ids gets alignment 1, and the nearest read-only section before it
# that is 8-aligned or more (so it starts at 0 mod 8) and that the kernel
# does not read back (not ORC, not the build id) grows by up to 7 bytes
# (the bytes that follow it in the file; their value does not matter) so
# that, with the sections between laid out after it at their own
# alignments, .BTF_ids starts off a multiple of 8 (1 mod 8 where the
# sections between allow it, as on 6.1 and 6.12; 7.x puts a 4-aligned
# .orc_header right before it, which leaves 4 mod 8). Only those two
# section-header fields change, patched in place: objcopy rewrites the
# file, and llvm-objcopy 14's --update-section corrupts the grown section's
# relocation header (arm64's loader crashed on it). 64-bit little-endian
# ELF only, as btfids.
set -euo pipefail
in=$1 out=$2
die() { echo "misalign-ko: $*" >&2; exit 1; }

# "index name size align" of each read-only allocated section, in header
# order, as the loader sees them (it drops SHF_ALLOC from .modinfo and
# __versions; .init* goes to the init region), up to .BTF_ids.
chain=() ids=
while read -r idx name size flags align; do
	case $flags in *A*) ;; *) continue ;; esac
	case $flags in *W* | *X*) continue ;; esac
	case $name in .init* | .modinfo | __versions) continue ;; esac
	if [ "$name" = .BTF_ids ]; then
		ids=$idx
		break
	fi
	chain+=("$idx $name $((0x$size)) $align")
done < <(LC_ALL=C readelf -SW "$in" | sed -n 's/^ *\[ *\([0-9]*\)\] */\1 /p' |
	awk 'NF >= 11 { print $1, $2, $6, $8, $NF } NF == 10 { print $1, $2, $6, "-", $NF }')
[ -n "$ids" ] || die "$in has no allocated .BTF_ids"
# the section to grow: the nearest 8-aligned one the kernel does not parse
g=-1
for ((k = ${#chain[@]} - 1; k >= 0; k--)); do
	set -- ${chain[k]}
	case $2 in .orc* | .note.gnu.build-id) continue ;; esac
	[ "$4" -ge 8 ] && { g=$k; break; }
done
[ "$g" -ge 0 ] || die "no 8-aligned read-only section before .BTF_ids in $in that can grow"
# where .BTF_ids (1-aligned) starts, mod 8, if section g grows by d
start_mod8() {
	local d=$1 pos k
	set -- ${chain[g]}
	pos=$(($3 + d))
	for ((k = g + 1; k < ${#chain[@]}; k++)); do
		set -- ${chain[k]}
		pos=$(( (pos + $4 - 1) / $4 * $4 + $3 ))
	done
	echo $((pos % 8))
}
pad= best=0
for d in 0 1 2 3 4 5 6 7; do
	m=$(start_mod8 "$d")
	[ "$m" = 1 ] && { pad=$d; best=1; break; }
	[ "$m" != 0 ] && [ -z "$pad" ] && { pad=$d; best=$m; }
done
[ -n "$pad" ] || die "no growth of ${chain[g]} puts .BTF_ids off a multiple of 8"
set -- ${chain[g]}

u() { od -An -tu"$2" -j "$1" -N "$2" --endian=little "$in" | tr -d ' '; }
le64() { # VALUE: 8 bytes, little-endian
	local v=$1 i s=
	for i in 0 1 2 3 4 5 6 7; do
		s="$s$(printf '\\%03o' $((v & 255)))"
		v=$((v >> 8))
	done
	printf "$s"
}
shoff=$(u 40 8) shentsize=$(u 58 2)
[ "$(od -An -c -N 4 "$in" | tr -d ' ')" = '177ELF' ] && [ "$(u 4 1)" = 2 ] && [ "$(u 5 1)" = 1 ] ||
	die "$in is not a 64-bit little-endian ELF"
cp "$in" "$out"
# Elf64_Shdr: sh_size at 32, sh_addralign at 48
le64 $(($3 + pad)) | dd of="$out" bs=1 seek=$((shoff + $1 * shentsize + 32)) conv=notrunc status=none
le64 1 | dd of="$out" bs=1 seek=$((shoff + ids * shentsize + 48)) conv=notrunc status=none
echo "misalign-ko: $out: .BTF_ids 1-aligned, $2 grown by $pad to $(($3 + pad)) bytes: it starts at $best mod 8"
