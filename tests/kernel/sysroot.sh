#!/bin/bash
# sysroot.sh [--with TAG] [SUITE [PKG=VERSION...]] -- what a guest of another
# architecture (BPFX_ARCH=arm64) needs from a Debian release (default: this
# host's) besides its kernel: the -dev packages the static test driver and
# btfids link against, and busybox-static. Downloaded with the private APT
# state of lib.sh (the host is not made multiarch), unpacked with dpkg -x
# into $BPFX_CACHE/sysroot-$BPFX_ARCH (-SUITE for another release); prints
# that directory. Its bin/busybox is the guest's BPFX_BUSYBOX; pass the
# directory as SYSROOT= to tests/Makefile. --with TAG: also PKG=VERSION...
# (e.g. Debian's Rust std of that arch), in a sysroot of its own (+TAG), so
# the plain one is not unpacked again for it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BPFX_LOG_TAG="sysroot $BPFX_ARCH"
bpfx_cross || die "BPFX_ARCH=$BPFX_ARCH is this host's: use the host's own packages"
PKGS="libbpf-dev libelf-dev zlib1g-dev libzstd-dev busybox-static"
u=$(bpfx_host_userland)
root=$BPFX_CACHE/sysroot-$BPFX_ARCH
tag=
if [ "${1:-}" = --with ]; then
	tag=${2:?--with TAG}
	shift 2
fi
if [ -n "${1:-}" ] && [ "$1" != "$u" ]; then
	u=$1
	root+=-$u
fi
[ $# -eq 0 ] || shift
[ -z "$tag" ] || root+=+$tag
bpfx_lock "$(basename "$root")" 7
# The release, and its security updates where tests/kernels.list has any.
suites=$u
bpfx_list | awk '{ print $2 }' | tr ',' '\n' | grep -qx "$u-security" && suites+=,$u-security
step "apt-update[$suites]" bpfx_apt_update "$suites"
want= debs=()
for p in $PKGS; do
	v=$(bpfx_candidate "$suites" "$p")
	[ -n "$v" ] || die "$p not found for $BPFX_ARCH"
	debs+=("$(bpfx_fetch_deb "$suites" "$p" "$v")")
	want+="$p=$v "
done
for pv in "$@"; do
	debs+=("$(bpfx_fetch_deb "$suites" "${pv%%=*}" "${pv#*=}")")
	want+="$pv "
done
if [ "$(cat "$root/.bpfx-unpacked" 2>/dev/null)" != "$want" ]; then
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for d in "${debs[@]}"; do dpkg -x "$d" "$root.tmp"; done
	printf '%s\n' "$want" >"$root.tmp/.bpfx-unpacked"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	msg "unpacked $want-> $root"
fi
echo "$root"
