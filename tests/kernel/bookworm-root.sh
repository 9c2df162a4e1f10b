#!/bin/bash
# bookworm-root.sh -- print the path of a cached Debian 12 root (chroot) that
# is "a 6.1 system" for the DKMS and packaging tests: bookworm userspace with
# Debian's dkms, the bpfx build dependencies, and the 6.1 and 6.12 kernels
# the matrix tests (linux-image + linux-headers installed as packages, so
# /lib/modules/<rel>/build, /boot/vmlinuz-<rel> and the kbuild's sign-file
# are where a real system has them). Needs tests/kernel/prepare.sh 6.1 and
# 6.12 (their env files name the kernels; run here if missing).
#
# The host's /usr/src, /lib/modules and /etc/dkms are never touched: DKMS,
# its framework.conf and the MOK key live inside this root only.
# Rebuilt when the kernel versions or the package list change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BPFX_LOG_TAG=bookworm-root

pkgs=dkms,make,gcc,libc6-dev,binutils,dwarves,libbpf-dev,libelf-dev,zlib1g-dev,pkg-config,kmod
for k in 6.1 6.12; do
	# Both kernels always (one root, whatever subset a run tests).
	[ -f "$(bpfx_env_file "$k")" ] || bash "$here/prepare.sh" "$k" >&2 || die "prepare.sh $k failed"
	# shellcheck source=/dev/null
	. "$(bpfx_env_file "$k")"
	pkgs+=,linux-image-$KREL,linux-headers-$KREL
done
root=$BPFX_CACHE/bookworm-root
bpfx_lock bookworm-root 7
if [ -f "$root/.bpfx-include" ] && [ "$(cat "$root/.bpfx-include")" = "$pkgs" ]; then
	echo "$root"
	exit 0
fi

mirror=$(bpfx_mirror_for_suite bookworm)
security=$(bpfx_mirror_for_suite bookworm-security)
tmp=$root.tmp.$$
rm -rf --one-file-system "$tmp" "$root"
msg "mmdebstrap bookworm -> $root (mirrors from apt config: $mirror, $security)"
# - The kernel .debs prepare.sh already fetched seed apt's archive cache,
#   so they are not downloaded twice (apt checks their hashes).
# - update-initramfs is diverted: nothing boots this root, and building
#   two initramfs images would only cost time.
# - No recommends: only what the packages need, as a minimal system has.
# - Our lock fd must not leak into mmdebstrap (see prepare.sh).
t0=$(bpfx_now)
mmdebstrap --quiet --variant=apt \
	--aptopt='APT::Install-Recommends "false"' \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives"; cp '"$BPFX_CACHE"'/debs/linux-*.deb "$1/var/cache/apt/archives/" 2>/dev/null || true' \
	--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs && ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
	--include="$pkgs" \
	bookworm "$tmp" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main" \
	"deb $mirror bookworm-backports main" >&2 7>&- ||
	{ rm -rf --one-file-system "$tmp"; die "mmdebstrap of the bookworm root failed"; }
printf '%s\n' "$pkgs" >"$tmp/.bpfx-include"
mv "$tmp" "$root"
msg "time: mmdebstrap $(bpfx_elapsed "$t0") s"
echo "$root"
