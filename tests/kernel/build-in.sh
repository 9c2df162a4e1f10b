#!/bin/bash
# build-in.sh ROW SRCDIR [make args...] -- run "make -C SRCDIR KDIR=..."
# against the kernel prepared by prepare.sh ROW.
#
# Rows built on the host (userland = the host's release): plain make.
# Rows of another userland: the headers' toolchain (e.g. sid's gcc-16,
# pahole 1.32, glibc >= 2.38 tools) only runs in that suite's root
# (BUILD_ROOT), so SRCDIR is bind-mounted at /build/bpfx inside it and make
# runs there; build products land in SRCDIR as usual.  Make args must
# therefore not contain host-only absolute paths for those rows.
# Exit status is make's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: $0 ROW SRCDIR [make args...]"
KVER=$(bpfx_norm_kver "$1")
src=$2
shift 2
BPFX_LOG_TAG="build-in $KVER"
env_file=$(bpfx_env_file "$KVER")
[ -f "$env_file" ] || die "$env_file missing: run tests/kernel/prepare.sh $KVER first"
# shellcheck source=/dev/null
. "$env_file"
[ -d "$src" ] || die "no source dir: $src"
# Cross builds (BPFX_ARCH=arm64): Debian 6.1's headers set CROSS_COMPILE
# only under dpkg-buildpackage, and tools/module-btf.sh needs it for
# objcopy; newer headers set it themselves, which this agrees with.
[ -z "${CROSS_COMPILE:-}" ] || set -- CROSS_COMPILE="$CROSS_COMPILE" "$@"
src=$(cd "$src" && pwd)
t0=$(bpfx_now)

if [ -z "$BUILD_ROOT" ]; then
	msg "host build: make -C $src KDIR=$KDIR $*"
	rc=0
	make -C "$src" KDIR="$KDIR" "$@" || rc=$?
	msg "time: make $(bpfx_elapsed "$t0") s, exit $rc"
	exit "$rc"
fi

[ -d "$BUILD_ROOT" ] || die "build root $BUILD_ROOT missing: rerun prepare.sh $KVER"
inner=/build/bpfx
# One build at a time per chroot: the mount point is shared.
bpfx_lock "build-$(basename "$BUILD_ROOT")" 9
mnt_src=$BUILD_ROOT$inner
mnt_proc=$BUILD_ROOT/proc
mounted=()
cleanup() {
	local m i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		m=${mounted[i]}
		umount "$m" 2>/dev/null || umount -l "$m" || msg "WARNING: could not unmount $m"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$mnt_src"
mountpoint -q "$mnt_src" && die "$mnt_src is already a mount point (stale build?); umount it"
mount --bind "$src" "$mnt_src"
mounted+=("$mnt_src")
# objtool reads /proc (read_stack_limit); only mounted for this build.
if ! mountpoint -q "$mnt_proc"; then
	mount -t proc proc "$mnt_proc"
	mounted+=("$mnt_proc")
fi

msg "chroot build in $BUILD_ROOT: make -C $inner KDIR=$KDIR $*"
# Clean environment: host variables (CC, PKG_CONFIG_PATH, ...) must not
# leak into sid; a parent make's jobserver is kept via MAKEFLAGS.
envv=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}")
[ -z "${MAKEFLAGS+x}" ] || envv+=("MAKEFLAGS=$MAKEFLAGS")
rc=0
env -i "${envv[@]}" chroot "$BUILD_ROOT" make -C "$inner" KDIR="$KDIR" "$@" || rc=$?
msg "time: make $(bpfx_elapsed "$t0") s, exit $rc"
exit "$rc"
