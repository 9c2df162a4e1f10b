#!/bin/bash
# build-bpfx.sh ROW SRCDIR -- copy the bpfx tree into SRCDIR and build it
# for the kernel prepared by prepare.sh ROW (tests/check.sh, tests/demo.sh).
#
# A private copy per kernel: kbuild writes objects next to the sources, and
# each kernel gets its own probes and .ko. Headers without vmlinux
# get the kernel's BTF extracted from its image, as a DKMS build for
# /boot/vmlinuz-$KREL would find it. Exit status is make's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -eq 2 ] || die "usage: $0 ROW SRCDIR"
KVER=$(bpfx_norm_kver "$1")
src=$2
BPFX_LOG_TAG="build-bpfx $KVER"
. "$(bpfx_env_file "$KVER")"
bpfx_copy_tree "$top" "$src"
extra=()
if [ "$HEADERS_HAVE_VMLINUX" != 1 ]; then
	"$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$src/.vmlinux.btf" >/dev/null
	extra=(VMLINUX_BTF=.vmlinux.btf)
fi
exec bash "$here/build-in.sh" "$KVER" "$src" "${extra[@]}"
