#!/bin/bash
# build-kernel.sh ROOT SRCPKG FLAVOUR -- build a kernel from Debian's
# linux-source package SRCPKG (installed in the userland root ROOT: its
# /usr/src/SRCPKG.tar.xz) with the config fragment configs/FLAVOUR.config on
# top of the arch's defconfig, with ROOT's own gcc and pahole. Prints the
# build tree's path inside ROOT (the KDIR bpfx builds against: vmlinux,
# Module.symvers, scripts/sign-file and resolve_btfids are all there).
#
# Cached: the tree is kept while the source package's version, the fragment
# and this script's build recipe are the same (.bpfx-built says which); a
# new one is built otherwise, so a cold build happens once per source
# version. Prints the build's wall time. Fails, naming them, if any line of
# the fragment did not survive olddefconfig (a silently dropped KASAN would
# make the "debug" kernel an ordinary one), or if vmlinux has no .BTF.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -eq 3 ] || die "usage: $0 ROOT SRCPKG FLAVOUR"
root=$1 src=$2 flavour=$3
BPFX_LOG_TAG="build-kernel $src $flavour"
frag=$here/configs/$flavour.config
[ -f "$frag" ] || die "no config fragment $frag"
ver=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' "$src" 2>/dev/null) ||
	die "$src is not installed in $root"
[ -f "$root/usr/src/$src.tar.xz" ] || die "$root/usr/src/$src.tar.xz missing ($src $ver)"
# The release names the flavour: "6.12.118-bpfx-debug" (LOCALVERSION).
localversion=-bpfx-$flavour
tree=/var/lib/bpfx-kernels/$src-$flavour
recipe="$src=$ver $(sha256sum <"$frag" | cut -c1-16) $(sed -n '/^# recipe:/,$p' "$0" | sha256sum | cut -c1-16)"
if [ "$(cat "$root$tree/.bpfx-built" 2>/dev/null)" = "$recipe" ]; then
	msg "up to date: $tree ($recipe)"
	echo "$tree"
	exit 0
fi

# In ROOT, with a /proc of its own: 7.x's objtool reads /proc/self
# (read_stack_limit). The mount lives in a private mount namespace, so it
# neither depends on nor disturbs the /proc that dkms.sh mounts there and
# unmounts when it is done.
in_root() {
	unshare -m --propagation private sh -c 'mount -t proc proc "$0/proc" && exec "$@"' "$root" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$root" "$@"
}
# recipe: everything below decides what is built (its hash is in .bpfx-built)
t0=$(bpfx_now)
rm -rf "${root:?}$tree"
mkdir -p "$root$tree"
msg "unpacking $src $ver"
tar -xJf "$root/usr/src/$src.tar.xz" -C "$root$tree" --strip-components=1
cp "$frag" "$root$tree/bpfx-$flavour.config"
jobs=$(nproc)
log=$root$tree/bpfx-build.log
msg "configuring: defconfig + configs/$flavour.config"
in_root sh -c "cd $tree && make -s defconfig &&
	scripts/kconfig/merge_config.sh -m .config bpfx-$flavour.config &&
	make -s olddefconfig" >"$log" 2>&1 || { tail -30 "$log"; die "configuring failed: $log"; }
# Every line of the fragment, as olddefconfig left it.
lost=$(grep -E '^(CONFIG_|# CONFIG_)' "$frag" | while read -r l; do
	grep -qxF -- "$l" "$root$tree/.config" || echo "$l"
done)
[ -z "$lost" ] || die "config lines the kernel's Kconfig dropped (dependencies?): $(echo $lost)"
msg "building with $jobs jobs (LOCALVERSION=$localversion); log: $log"
in_root sh -c "cd $tree && make -j$jobs LOCALVERSION=$localversion" >>"$log" 2>&1 ||
	{ tail -40 "$log"; die "kernel build failed: $log"; }
in_root sh -c "cd $tree && make -s LOCALVERSION=$localversion kernelrelease" >"$root$tree/bpfx-kernelrelease"
# (awk reads all of readelf's output: grep -q would stop early and fail the
# pipeline with readelf's SIGPIPE)
readelf -SW "$root$tree/vmlinux" | awk '$2 == ".BTF" { f = 1 } END { exit !f }' ||
	die "built vmlinux has no .BTF section: see $log"
echo "$recipe" >"$root$tree/.bpfx-built"
msg "time: kernel build $(bpfx_elapsed "$t0") s ($(cat "$root$tree/bpfx-kernelrelease"))"
echo "$tree"
