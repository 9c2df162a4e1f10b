#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests for btfids and extract-vmlinux-btf, then doctor.sh (bpfx-doctor).
# No kernel tree needed: a tiny "vmlinux" object is the base BTF and a
# module-like ET_REL object carries kernel-style .BTF_ids.  Needs gcc,
# pahole, bpftool, objcopy/readelf, od, xz, zstd.  Last line: "N passed,
# N failed[, N skipped]".

set -u
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
BTFIDS=${BTFIDS:-$tools/btfids}
EXTRACT=$tools/extract-vmlinux-btf
# pahole 1.24 adds .BTF via $LLVM_OBJCOPY (default llvm-objcopy); GNU objcopy works too
LLVM_OBJCOPY=${LLVM_OBJCOPY:-objcopy}
export LLVM_OBJCOPY

w=$(mktemp -d "${TMPDIR:-/tmp}/btfids-test.XXXXXX")
trap 'rm -rf "$w"' EXIT
trap 'exit 1' INT TERM HUP

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; [ -s "$w/log" ] && sed 's/^/    | /' "$w/log"; }
skip() { skip=$((skip + 1)); echo "SKIP: $*"; }

# expect <rc> <desc> <grep pattern or ""> <cmd...>: rc and (stdout+stderr) match
expect() {
	want=$1 desc=$2 pat=$3
	shift 3
	"$@" >"$w/log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$desc (exit $rc, want $want)"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$w/log"; then
		bad "$desc (output lacks '$pat')"
	else
		ok "$desc"
	fi
}

base=$w/vmlinux.o
mkmod() { # <out> [-D...]: compile and add split BTF over $base
	o=$1
	shift
	gcc -g -O2 -I"$here" "$@" -c "$here/fake_kmod.c" -o "$o" && pahole -J --btf_base "$base" "$o"
}

# BTF id of <kind> '<name>' as bpftool numbers it
# (with -B, bpftool prints only the split part, so look in the base too)
btf_id() { # <KIND> <name> <file>
	{ bpftool btf dump file "$base"; bpftool -B "$base" btf dump file "$3"; } |
		sed -n "s/^\[\([0-9]*\)\] $1 '$2' .*/\1/p" | head -n 1
}

# u32 words of .BTF_ids (explicitly little-endian) and symbol offsets
ids_words() { # <file>: one u32 per line
	objcopy -O binary --only-section=.BTF_ids "$1" "$w/ids.bin" &&
		od -An -v -tu4 --endian=little "$w/ids.bin" | tr -s ' ' '\n' | sed '/^$/d'
}
sym_off() { # <file> <symbol>: decimal offset in .BTF_ids
	v=$(readelf -sW "$1" | awk -v s="$2" '$8 == s { print $2; exit }')
	echo $((0x$v))
}
word() { # <file of words> <byte offset>
	sed -n "$(($2 / 4 + 1))p" "$1"
}

# --- build fixtures ----------------------------------------------------------
: >"$w/log"
if gcc -g -O2 -c "$here/fake_vmlinux.c" -o "$base" >"$w/log" 2>&1 && pahole -J "$base" >>"$w/log" 2>&1 &&
	mkmod "$w/m.ko" >>"$w/log" 2>&1; then
	ok "build base BTF and module with pahole -J --btf_base"
else
	bad "build base BTF and module with pahole -J --btf_base"
	echo "$pass passed, $fail failed"
	exit 1
fi
cp "$w/m.ko" "$w/m.pre"

# --- resolve + check, positive -------------------------------------------------
expect 1 "check rejects unresolved module" "has cnt 0" "$BTFIDS" check --base "$base" "$w/m.ko"
expect 0 "resolve" "resolved 9 ids, 2 sets" "$BTFIDS" resolve --base "$base" "$w/m.ko"
expect 0 "check after resolve (dynptr, expect-func)" \
	"m.ko: 3 kfuncs in 1 sets resolved; BTF base ok" \
	"$BTFIDS" check --base "$base" --dynptr-struct bpf_dynptr_kern \
	--expect-func foo --expect-func bar "$w/m.ko"
grep -q "func \[[0-9]*\] u32 bar(const struct bpf_dynptr_kern \*p)" "$w/log" &&
	ok "expect-func prints params" || bad "expect-func prints params"
expect 0 "list" "set8 kfunc_ids" "$BTFIDS" list "$w/m.ko" --base "$base"

# bytes: compare with bpftool's numbering
foo=$(btf_id FUNC foo "$w/m.ko") bar=$(btf_id FUNC bar "$w/m.ko") baz=$(btf_id FUNC baz "$w/m.ko")
ids_words "$w/m.ko" >"$w/words"
s8=$(sym_off "$w/m.ko" __BTF_ID__set8__kfunc_ids)
got=$(for i in 0 1 2 3 4 5 6 7; do word "$w/words" $((s8 + 4 * i)); done | tr '\n' ' ')
# expected: cnt 3, set flags 0, then {id, flags} ascending by id, each flag kept with its id
want=$(printf '%s %s\n' "$foo" 1 "$bar" 2 "$baz" 4 | sort -n | tr '\n' ' ')
if [ -n "$foo" ] && [ "$got" = "3 0 $want" ]; then
	ok "set8 bytes: cnt=3, sorted, flags follow ids ($got)"
else
	: >"$w/log"; bad "set8 bytes: got '$got', want '3 0 $want'"
fi
ps=$(sym_off "$w/m.ko" __BTF_ID__set__plain_set)
got=$(for i in 0 1 2; do word "$w/words" $((ps + 4 * i)); done | tr '\n' ' ')
want=$(printf '%s\n' "$foo" "$baz" | sort -n | tr '\n' ' ')
[ "$got" = "2 $want" ] && ok "plain set bytes: cnt=2, sorted ($got)" ||
	{ : >"$w/log"; bad "plain set bytes: got '$got', want '2 $want'"; }
got=""
for k in "struct bpf_dynptr_kern STRUCT" "typedef u32 TYPEDEF" "union vmlinux_union UNION"; do
	set -- $k
	off=$(readelf -sW "$w/m.ko" | awk -v p="__BTF_ID__$1__$2__" 'index($8, p) == 1 { print $2; exit }')
	[ "$(word "$w/words" $((0x$off)))" = "$(btf_id "$3" "$2" "$w/m.ko")" ] || got="$got $1:$2"
done
[ -z "$got" ] && ok "struct/typedef/union slots hold bpftool's ids" ||
	{ : >"$w/log"; bad "wrong ids for:$got"; }

# only .BTF_ids bytes may change, and resolving again is a no-op
sec=$(readelf -SW "$w/m.ko" | sed -n 's/^ *\[ *[0-9]*\] *//p' | awk '$1 == ".BTF_ids" { print $4, $5 }')
set -- $sec
lo=$((0x$1)) hi=$((0x$1 + 0x$2))
outside=$(cmp -l "$w/m.pre" "$w/m.ko" | awk -v lo="$lo" -v hi="$hi" '$1 - 1 < lo || $1 - 1 >= hi' | wc -l)
[ "$(wc -c <"$w/m.pre")" = "$(wc -c <"$w/m.ko")" ] && [ "$outside" = 0 ] &&
	ok "resolve changes only .BTF_ids bytes" || { : >"$w/log"; bad "resolve touched bytes outside .BTF_ids"; }
cp "$w/m.ko" "$w/m.once"
expect 0 "second resolve only verifies" "already resolved" "$BTFIDS" resolve --base "$base" "$w/m.ko"
cmp -s "$w/m.once" "$w/m.ko" && ok "resolve is idempotent" || { : >"$w/log"; bad "second resolve changed bytes"; }

# raw BTF base (as /sys/kernel/btf/vmlinux) gives the same result
objcopy --dump-section .BTF="$w/base.raw" "$base"
cp "$w/m.pre" "$w/m.raw"
"$BTFIDS" resolve --base "$w/base.raw" "$w/m.raw" >"$w/log" 2>&1 && cmp -s "$w/m.raw" "$w/m.once" &&
	ok "raw BTF base resolves identically" || bad "raw BTF base resolves identically"

# funcs (bpfx-doctor's fallback for bpftool): only the module's own FUNCs,
# from raw split BTF as /sys/kernel/btf/<module> has it, or from the .ko
objcopy --dump-section .BTF="$w/m.btf" "$w/m.pre"
for f in "$w/m.btf --base $w/base.raw" "$w/m.pre --base $base"; do
	# shellcheck disable=SC2086
	got=$("$BTFIDS" funcs $f 2>"$w/log" | sort | tr '\n' ' ')
	[ "$got" = "bar baz foo " ] && ok "funcs ${f%% *}: module FUNCs only" ||
		bad "funcs ${f%% *}: got '$got', want 'bar baz foo '"
done
expect 1 "funcs: unreadable base" "cannot parse base BTF" "$BTFIDS" funcs --base "$w/nope" "$w/m.btf"
expect 1 "funcs: not split BTF of that base" "cannot parse" "$BTFIDS" funcs --base "$w/base.raw" "$here/run.sh"
expect 2 "funcs: check options refused" "usage:" "$BTFIDS" funcs --expect-func foo "$w/m.btf"

# distilled base: a .BTF.base section is used without --base
objcopy --add-section .BTF.base="$w/base.raw" "$w/m.ko" "$w/m.dist"
expect 0 "check uses .BTF.base when present" "BTF base ok" "$BTFIDS" check "$w/m.dist"
expect 1 "check without base and without .BTF.base" "--base" "$BTFIDS" check "$w/m.ko"

# --- negative ------------------------------------------------------------------
mkmod "$w/unres.ko" -DUNRESOLVED >"$w/log" 2>&1 || bad "build -DUNRESOLVED"
cp "$w/unres.ko" "$w/unres.pre"
expect 1 "unresolved name fails" "btfids: unresolved func 'no_such_kfunc' in $w/unres.ko" \
	"$BTFIDS" resolve --base "$base" "$w/unres.ko"
cmp -s "$w/unres.pre" "$w/unres.ko" && ok "unresolved: file unchanged" ||
	{ : >"$w/log"; bad "unresolved: file was modified"; }

gcc -g -O2 -I"$here" -c "$here/fake_kmod.c" -o "$w/nobtf.ko"
expect 1 "check: no .BTF" "no .BTF section" "$BTFIDS" check --base "$base" "$w/nobtf.ko"
expect 1 "resolve: no .BTF" "no .BTF section" "$BTFIDS" resolve --base "$base" "$w/nobtf.ko"
expect 1 "check: no .BTF_ids" "no .BTF_ids section" "$BTFIDS" check --base "$base" "$base"

mkmod "$w/unused.ko" -DUNUSED_SLOT >"$w/log" 2>&1 || bad "build -DUNUSED_SLOT"
expect 0 "resolve set with an unused slot" "" "$BTFIDS" resolve --base "$base" "$w/unused.ko"
expect 1 "check: zero id in set" "entry 0 has id 0" "$BTFIDS" check --base "$base" "$w/unused.ko"

mkmod "$w/local.ko" -DLOCAL_DYNPTR >"$w/log" 2>&1 || bad "build -DLOCAL_DYNPTR"
expect 0 "resolve module-local dynptr module" "" "$BTFIDS" resolve --base "$base" "$w/local.ko"
expect 1 "check: module-local bpf_dynptr_kern" "module-local copy" \
	"$BTFIDS" check --base "$base" --dynptr-struct bpf_dynptr_kern "$w/local.ko"
expect 1 "check: dynptr struct name for other kernel" "needs struct bpf_dynptr \*" \
	"$BTFIDS" check --base "$base" --dynptr-struct bpf_dynptr "$w/m.ko"
expect 1 "check: --expect-func missing" "expected kfunc 'nope'" \
	"$BTFIDS" check --base "$base" --expect-func nope "$w/m.ko"

mkmod "$w/reloc.ko" -DRELOC_IDS >"$w/log" 2>&1 || bad "build -DRELOC_IDS"
expect 1 "resolve: relocation against .BTF_ids" "targets .BTF_ids" \
	"$BTFIDS" resolve --base "$base" "$w/reloc.ko"

# swap the first two set8 pairs of a resolved module: check must see it unsorted
cp "$w/m.ko" "$w/unsorted.ko"
p0=$((lo + s8 + 8))
dd if="$w/m.ko" of="$w/pair0" bs=1 skip=$p0 count=8 2>/dev/null
dd if="$w/m.ko" of="$w/pair1" bs=1 skip=$((p0 + 8)) count=8 2>/dev/null
dd if="$w/pair1" of="$w/unsorted.ko" bs=1 seek=$p0 conv=notrunc 2>/dev/null
dd if="$w/pair0" of="$w/unsorted.ko" bs=1 seek=$((p0 + 8)) conv=notrunc 2>/dev/null
expect 1 "check: unsorted set8" "not sorted by id" "$BTFIDS" check --base "$base" "$w/unsorted.ko"
# a resolved set whose entry no longer matches its slots: resolve must refuse
cp "$w/m.ko" "$w/stale.ko"
printf '\377\0\0\0' | dd of="$w/stale.ko" bs=1 seek=$p0 conv=notrunc 2>/dev/null
expect 1 "resolve: already resolved with stale ids" "stale ids" "$BTFIDS" resolve --base "$base" "$w/stale.ko"

# .BTF_ids alignment (issue 11): btf_ids.h alone leaves the section
# 1-aligned and arm64 then misreads the set; check must refuse that, and
# a set at a misaligned offset in an aligned section.
ids_align() { # <file>: sh_addralign of .BTF_ids
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] *//p' | awk '$1 == ".BTF_ids" { print $NF; exit }'
}
a=$(ids_align "$w/m.ko")
[ "$a" = 8 ] && ok "aligned fixture: .BTF_ids sh_addralign 8" ||
	{ : >"$w/log"; bad "aligned fixture: .BTF_ids sh_addralign is '$a', want 8"; }
mkmod "$w/align1.ko" -DKERNEL_ALIGN >"$w/log" 2>&1 || bad "build -DKERNEL_ALIGN"
a=$(ids_align "$w/align1.ko")
[ "$a" = 1 ] && ok "kernel-style fixture: .BTF_ids sh_addralign 1" ||
	{ : >"$w/log"; bad "kernel-style fixture: .BTF_ids sh_addralign is '$a', want 1"; }
expect 0 "resolve 1-aligned module" "resolved 9 ids" "$BTFIDS" resolve --base "$base" "$w/align1.ko"
expect 1 "check: 1-aligned .BTF_ids refused" ".BTF_ids is 1-byte aligned (sh_addralign), below 8" \
	"$BTFIDS" check --base "$base" "$w/align1.ko"
mkmod "$w/misplaced.ko" -DMISPLACED_SET >"$w/log" 2>&1 || bad "build -DMISPLACED_SET"
expect 0 "resolve module with a misplaced set8" "resolved" "$BTFIDS" resolve --base "$base" "$w/misplaced.ko"
expect 1 "check: set8 at offset 4 refused" "set8 'kfunc_ids' is at offset 4 in .BTF_ids" \
	"$BTFIDS" check --base "$base" "$w/misplaced.ko"

expect 2 "usage error" "usage:" "$BTFIDS" resolve

# --- extract-vmlinux-btf -------------------------------------------------------
for z in "xz -c --check=crc32" "zstd -qc"; do
	# fake bzImage: setup code with stray magic bytes, payload, size trailer
	{
		printf 'MZ\375\067zXZ\000xx\050\265\057\375\037\213\010'
		head -c 4096 /dev/zero
		$z <"$base"
		printf '\001\002\003\004'
	} >"$w/bzImage"
	rm -f "$w/out.btf"
	"$EXTRACT" "$w/bzImage" "$w/out.btf" >"$w/log" 2>&1 &&
		bpftool btf dump file "$w/out.btf" | grep -q "STRUCT 'bpf_dynptr_kern'" &&
		ok "extract-vmlinux-btf: synthetic ${z%% *} bzImage" ||
		bad "extract-vmlinux-btf: synthetic ${z%% *} bzImage"
done
# uncompressed Image (Debian arm64: an "MZ" EFI stub, no ELF, no payload):
# the raw BTF blob is found by its header. A stray header whose sections
# do not fit comes first and must be passed over; code follows the blob.
{
	printf 'MZ'; head -c 54 /dev/zero; printf 'ARM\144'; head -c 4032 /dev/zero
	printf '\237\353\001\000\030\000\000\000\000\000\000\000\377\377\377\000\377\377\377\000\000\000\000\001'
	head -c 100 /dev/zero
	cat "$w/base.raw"
	head -c 4096 /dev/urandom
} >"$w/Image"
rm -f "$w/out.btf"
expect 0 "extract-vmlinux-btf: synthetic arm64 Image" "raw BTF $(wc -c <"$w/base.raw") bytes" \
	"$EXTRACT" "$w/Image" "$w/out.btf"
cmp -s "$w/out.btf" "$w/base.raw" && ok "Image: the blob, byte for byte (hdr_len + str_off + str_len)" ||
	{ : >"$w/log"; bad "Image: extracted BTF differs from the embedded blob"; }
cp "$w/m.pre" "$w/m.img"
"$BTFIDS" resolve --base "$w/out.btf" "$w/m.img" >"$w/log" 2>&1 && cmp -s "$w/m.img" "$w/m.once" &&
	"$BTFIDS" check --base "$w/out.btf" "$w/m.img" >>"$w/log" 2>&1 &&
	ok "Image: extracted raw BTF resolves and checks a module" || bad "Image: extracted raw BTF as btfids base"
# cut inside the string section: no valid blob, no output
head -c $(( $(wc -c <"$w/Image") - 4096 - 8 )) "$w/Image" >"$w/Image.cut"
rm -f "$w/out.btf"
expect 1 "extract-vmlinux-btf: truncated Image refused" "no raw BTF" "$EXTRACT" "$w/Image.cut" "$w/out.btf"
[ ! -e "$w/out.btf" ] && ok "extract-vmlinux-btf: no output for a truncated Image" ||
	{ : >"$w/log"; bad "extract-vmlinux-btf wrote output for a truncated Image"; }
head -c 65536 /dev/urandom >"$w/junk"
rm -f "$w/out.btf"
expect 1 "extract-vmlinux-btf: no payload" "no compressed payload" "$EXTRACT" "$w/junk" "$w/out.btf"
[ ! -e "$w/out.btf" ] && ok "extract-vmlinux-btf: no output on failure" ||
	{ : >"$w/log"; bad "extract-vmlinux-btf left an output file"; }

# A Debian 6.x image, named by the caller (make check passes 6.1's): not
# whatever this host has in /boot, which would make the verdict the host's.
vmlinuz=${BPFX_TEST_VMLINUZ:-}
if [ -z "$vmlinuz" ]; then
	skip "extract-vmlinux-btf on a real vmlinuz: BPFX_TEST_VMLINUZ not set (make check sets it to Debian 6.1's image)"
elif [ ! -r "$vmlinuz" ]; then
	skip "extract-vmlinux-btf on a real vmlinuz: $vmlinuz not readable"
else
	"$EXTRACT" "$vmlinuz" "$w/real.btf" >"$w/log" 2>&1 &&
		bpftool btf dump file "$w/real.btf" | grep -q "STRUCT 'bpf_dynptr_kern'" &&
		ok "extract-vmlinux-btf: $vmlinuz has struct bpf_dynptr_kern" ||
		bad "extract-vmlinux-btf: $vmlinuz"
	# the fake module against the real kernel's BTF: its bpf_dynptr_kern
	# copy matches the kernel's (6.x) layout, so pahole dedups it into the base
	if [ -s "$w/real.btf" ]; then
		base=$w/real.btf
		mkmod "$w/real.ko" >"$w/log" 2>&1 && "$BTFIDS" resolve --base "$base" "$w/real.ko" >>"$w/log" 2>&1 &&
			"$BTFIDS" check --base "$base" --dynptr-struct bpf_dynptr_kern --expect-func bar "$w/real.ko" >>"$w/log" 2>&1 &&
			ok "module resolved and checked against real vmlinux BTF" ||
			bad "module resolved and checked against real vmlinux BTF"
		mkmod "$w/real2.ko" -DLOCAL_DYNPTR >"$w/log" 2>&1 && "$BTFIDS" resolve --base "$base" "$w/real2.ko" >>"$w/log" 2>&1
		expect 1 "real base: module-local bpf_dynptr_kern rejected" "module-local copy" \
			"$BTFIDS" check --base "$base" --dynptr-struct bpf_dynptr_kern "$w/real2.ko"
	fi
fi

# bpfx-doctor on fake roots: its own "#dN" lines, counted in the summary here
sh "$here/doctor.sh" | tee "$w/doctor.out"
line=$(sed -n 's/^doctor: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$w/doctor.out")
if [ -n "$line" ]; then
	set -- $line
	pass=$((pass + $1)) fail=$((fail + $2))
else
	: >"$w/log"; bad "doctor.sh ended without its summary line"
fi

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
