#!/bin/bash
# prepare.sh ROW -- fetch the Debian kernel of a tests/kernels.list row
# (boot image + headers) for the guest tests and write
# $BPFX_WORK/kernels/ROW.env describing it.
#
# The versions are resolved through the row's metapackages
# (linux-image-<flavour>, linux-headers-<flavour>) in the row's suites on
# every run and printed; nothing is pinned, because the archive drops old
# kernel ABIs. The boot image is only downloaded and unpacked with dpkg -x
# into the cache. The headers: for a row whose userland is the host's own
# release, unpacked the same way (the build runs on the host); for any other
# userland, installed with apt into that suite's cached root
# (userland-root.sh), where the build runs with the suite's own gcc and
# pahole. No kernel is installed on the host; /usr/src and /lib/modules are
# never touched.
#
# A row of another architecture than the host's (arm64) is cross-built the
# Debian way, in its userland's root: the headers' -common, the host
# architecture's linux-kbuild (kbuild's tools run here) and the cross
# compiler the headers name are installed there with apt, the target's
# headers directory is copied in from its .deb (apt cannot install it: the
# root is not multiarch, and need not be); CROSS_COMPILE goes into the env
# file.
# Variables below are written to the env file indirectly (${!v}).
# shellcheck disable=SC2034
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 1 ] || die "usage: $0 ROW (a name in tests/kernels.list)"
bpfx_row "$1"
KVER=$ROW
BPFX_LOG_TAG="prepare $ROW"
t_start=$(bpfx_now)
mkdir -p "$BPFX_CACHE" "$BPFX_WORK/kernels"
bpfx_lock "prepare-$ROW" 9
BPFX_ARCH=$ROW_ARCH
CROSS_COMPILE=
bpfx_cross && CROSS_COMPILE=$(dpkg-architecture -a"$BPFX_ARCH" -qDEB_HOST_GNU_TYPE 2>/dev/null)-

# The versioned package a metapackage (linux-image-amd64, ...) points at.
resolve_meta() {
	local suite=$1 meta=$2 prefix=$3 ver dep
	ver=$(bpfx_candidate "$suite" "$meta")
	[ -n "$ver" ] || die "$meta not found in $suite package lists"
	dep=$(bpfx_depends_matching "$suite" "$meta" "^$prefix")
	dep=${dep%%$'\n'*}
	[ -n "$dep" ] || die "$meta $ver ($suite) has no $prefix* dependency"
	msg "resolved: $meta $ver -> $dep"
	printf '%s\n' "$dep"
}

# resolve_pkg SUITE PKG: print the candidate VERSION of PKG and log it.
resolve_pkg() {
	local ver
	ver=$(bpfx_candidate "$1" "$2")
	[ -n "$ver" ] || die "package $2 not found in $1 package lists"
	msg "resolved: $2 $ver"
	printf '%s\n' "$ver"
}

# unpack_tree ROOT STAMPTEXT DEB...: (re)create ROOT from the debs unless
# ROOT was made from exactly the same set.  Debs whose name starts with
# linux-image- or linux-binary- contribute only their /boot files
# (modules are not needed: tests insmod only our own module).
unpack_tree() {
	local root=$1 want=$2 tmp d
	shift 2
	if [ -f "$root/.bpfx-unpacked" ] && [ "$(cat "$root/.bpfx-unpacked")" = "$want" ]; then
		msg "unpacked tree up to date: $root"
		return 0
	fi
	tmp=$root.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	for d in "$@"; do
		case "$(basename "$d")" in
		linux-image-*)
			# tar stops at the first match of each name (--occurrence),
			# and /boot is at the head of the archive: this avoids
			# decompressing ~400 MB of modules.  dpkg-deb then gets
			# SIGPIPE, hence "|| true"; tar's own status is checked.
			{ dpkg-deb --fsys-tarfile "$d" 2>/dev/null || true; } |
				tar -x -C "$tmp" --occurrence \
					"./boot/vmlinuz-$KREL" "./boot/config-$KREL" "./boot/System.map-$KREL" ||
				die "no /boot/vmlinuz-$KREL (+config, System.map) in $(basename "$d")"
			;;
		linux-binary-*)
			# 7.x: the bzImage is /usr/lib/modules/$KREL/vmlinuz here
			# (config and System.map moved to linux-base-$KREL); put
			# it at the same place as for the other kernels.
			dpkg-deb --fsys-tarfile "$d" |
				tar -x -C "$tmp" "./usr/lib/modules/$KREL/vmlinuz" ||
				die "no /usr/lib/modules/$KREL/vmlinuz in $(basename "$d")"
			mkdir -p "$tmp/boot"
			mv "$tmp/usr/lib/modules/$KREL/vmlinuz" "$tmp/boot/vmlinuz-$KREL"
			rm -rf "${tmp:?}/usr"
			;;
		*) dpkg -x "$d" "$tmp" ;;
		esac
	done
	rm -rf "$root"
	mv "$tmp" "$root"
	printf '%s\n' "$want" >"$root/.bpfx-unpacked"
	msg "unpacked into $root"
}

# cross_gcc SUITES HEADERS_PKG: the cross compiler package standing for the
# gcc-N (or gcc-N-for-host) the headers depend on.
cross_gcc() {
	local g
	g=$(bpfx_depends_matching "$1" "$2" '^gcc-[0-9]+(-for-host)?$')
	g=${g%%$'\n'*}
	[ -n "$g" ] || die "$2 names no gcc-N: which cross compiler builds for it?"
	echo "${g%-for-host}-${CROSS_COMPILE%-}"
}

key=$ROW_SUITES
SUITE=$ROW_SUITES FLAVOUR=$ROW_FLAVOUR ARCH=$ROW_ARCH USERLAND=$ROW_USERLAND
step "apt-update[$key]" bpfx_apt_update "$key"
# A Debian kernel build: its image and headers packages.
from_packages() {
	IMAGE_PKG=$(resolve_meta "$key" "linux-image-$ROW_FLAVOUR" linux-image-)
	HEADERS_PKG=$(resolve_meta "$key" "linux-headers-$ROW_FLAVOUR" linux-headers-)
	KREL=${HEADERS_PKG#linux-headers-}
	[ "${IMAGE_PKG#linux-image-}" = "$KREL" ] || die "image ($IMAGE_PKG) and headers ($HEADERS_PKG) metapackages disagree"
	IMAGE_VERSION=$(resolve_pkg "$key" "$IMAGE_PKG")
	HEADERS_VERSION=$(resolve_pkg "$key" "$HEADERS_PKG")
	PKG_VERSION=$IMAGE_VERSION
	# The bzImage: in the image package, or (7.x packaging) in the
	# linux-binary-<rel> package it depends on.
	boot=$(bpfx_depends_matching "$key" "$IMAGE_PKG" "^linux-binary-")
	boot=${boot%%$'\n'*}
	boot=${boot:-$IMAGE_PKG}
	pkgs=("$boot")
	# A row of the host's own release and arch builds on the host; any other
	# (another release, or another arch: its DKMS build needs a root) in its
	# userland's root.
	on_host=0
	[ "$ROW_USERLAND" = "$(bpfx_host_userland)" ] && ! bpfx_cross && on_host=1
	if [ "$on_host" = 1 ]; then
		# Built on the host: headers, -common and linux-kbuild-* unpacked too
		# (their names differ between releases: taken from the headers'
		# Depends, not guessed).
		pkgs+=("$HEADERS_PKG")
		while read -r p; do pkgs+=("$p"); done < <(bpfx_depends_matching "$key" "$HEADERS_PKG" '^linux-(headers|kbuild)-')
	fi
	want= debs=()
	for p in "${pkgs[@]}"; do
		v=$(resolve_pkg "$key" "$p")
		debs+=("$(bpfx_fetch_deb "$key" "$p" "$v")")
		want+="$p=$v "
	done
	root=$BPFX_CACHE/kernels/$KREL/root
	bpfx_lock "kernel-$KREL" 7
	step unpack unpack_tree "$root" "$want" "${debs[@]}"
	flock -u 7
	VMLINUZ=$root/boot/vmlinuz-$KREL
	if [ "$on_host" = 1 ]; then
		KDIR=$root/usr/src/linux-headers-$KREL
		[ -f "$KDIR/Makefile" ] || die "headers dir missing: $KDIR"
		# The arch headers Makefile includes the -common Makefile by absolute
		# /usr/src path; point it at our unpacked copy (idempotent).
		sed -i "s|^include /usr/src/|include $root/usr/src/|" "$KDIR/Makefile"
		BUILD_ROOT=
	elif ! bpfx_cross; then
		BUILD_ROOT=$(bash "$here/userland-root.sh" "$ROW_USERLAND" "$HEADERS_PKG=$HEADERS_VERSION") ||
			die "the $ROW_USERLAND root with $HEADERS_PKG failed"
		KDIR=/usr/src/linux-headers-$KREL
	else
		# The root gets what apt can install for this host: the headers'
		# -common (arch all), linux-kbuild (this host's) and the cross
		# compiler; the target's own headers dir is copied in from its .deb.
		extra=()
		while read -r p; do extra+=("$p=$(resolve_pkg "$key" "$p")"); done < <(bpfx_depends_matching "$key" "$HEADERS_PKG" '^linux-(headers|kbuild)-')
		extra+=("$(cross_gcc "$key" "$HEADERS_PKG")")
		# DKMS strips the module it built with plain "strip": binutils-multiarch
		# makes that one read the target's objects.
		extra+=(binutils-multiarch)
		BUILD_ROOT=$(bash "$here/userland-root.sh" "$ROW_USERLAND" "${extra[@]}") ||
			die "the $ROW_USERLAND root with ${extra[*]} failed"
		KDIR=/usr/src/linux-headers-$KREL
		deb=$(bpfx_fetch_deb "$key" "$HEADERS_PKG" "$HEADERS_VERSION")
		bpfx_lock "userland-$ROW_USERLAND" 7
		if [ "$(cat "$BUILD_ROOT$KDIR/.bpfx-unpacked" 2>/dev/null)" != "${deb##*/}" ]; then
			tmp=$(mktemp -d "$BPFX_CACHE/hdr.XXXXXX")
			dpkg -x "$deb" "$tmp" || die "unpacking $deb failed"
			rm -rf "${BUILD_ROOT:?}$KDIR"
			mv "$tmp$KDIR" "$BUILD_ROOT$KDIR"
			rm -rf "$tmp"
			echo "${deb##*/}" >"$BUILD_ROOT$KDIR/.bpfx-unpacked"
			msg "copied $KDIR of ${deb##*/} into the $ROW_USERLAND root"
		fi
		flock -u 7
		[ -f "$BUILD_ROOT$KDIR/Makefile" ] || die "headers dir missing in the $ROW_USERLAND root: $BUILD_ROOT$KDIR"
	fi
}

# A kernel built here (tests/kernel/build-kernel.sh) from the suites'
# linux-source package with configs/<flavour>.config: a flavour Debian does
# not ship (the "debug" kernels of KASAN, UBSAN, lockdep). Built in the
# userland's root with its gcc and pahole; bpfx builds against the tree
# (KDIR, vmlinux included) and DKMS builds by hand there (DKMS_BY_HAND).
from_source() {
	local src dir
	src=$(resolve_meta "$key" linux-source linux-source-)
	SOURCE_VERSION=$(resolve_pkg "$key" "$src")
	BUILD_ROOT=$(bash "$here/userland-root.sh" "$ROW_USERLAND" bc bison flex libssl-dev openssl python3 cpio "$src=$SOURCE_VERSION") ||
		die "the $ROW_USERLAND root with $src failed"
	KDIR=$(bash "$here/build-kernel.sh" "$BUILD_ROOT" "$src" "$ROW_FLAVOUR") || die "building $src ($ROW_FLAVOUR) failed"
	KREL=$(cat "$BUILD_ROOT$KDIR/bpfx-kernelrelease")
	dir=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$BUILD_ROOT" make -s -C "$KDIR" image_name)
	VMLINUZ=$BUILD_ROOT$KDIR/$dir
	IMAGE_PKG=$src IMAGE_VERSION=$SOURCE_VERSION HEADERS_PKG=$src HEADERS_VERSION=$SOURCE_VERSION
	PKG_VERSION=$SOURCE_VERSION DKMS_BY_HAND=1
}

DKMS_BY_HAND=0
bpfx_cross && DKMS_BY_HAND=1
if [ -f "$here/configs/$ROW_FLAVOUR.config" ]; then
	from_source
else
	from_packages
fi

[ -f "$VMLINUZ" ] || die "boot image missing: $VMLINUZ"
# Measure, don't assume: the project's build adapts to what is missing.
kd=$BUILD_ROOT$KDIR
HEADERS_HAVE_VMLINUX=0
HEADERS_HAVE_RESOLVE_BTFIDS=0
[ -f "$kd/vmlinux" ] && HEADERS_HAVE_VMLINUX=1
[ -x "$kd/tools/bpf/resolve_btfids/resolve_btfids" ] && HEADERS_HAVE_RESOLVE_BTFIDS=1
CONFIG_PAHOLE_VERSION=$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$kd/.config")

env_file=$(bpfx_env_file "$ROW")
{
	echo "# written by tests/kernel/prepare.sh $ROW on $(date -u +%FT%TZ)"
	for v in KVER KREL PKG_VERSION SUITE FLAVOUR ARCH USERLAND IMAGE_PKG IMAGE_VERSION HEADERS_PKG HEADERS_VERSION \
		VMLINUZ KDIR BUILD_ROOT HEADERS_HAVE_VMLINUX HEADERS_HAVE_RESOLVE_BTFIDS CONFIG_PAHOLE_VERSION BPFX_ARCH CROSS_COMPILE DKMS_BY_HAND; do
		printf '%s=%q\n' "$v" "${!v}"
	done
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
sed -n 's/^\([A-Z_]*=\)/  \1/p' "$env_file" >&2
msg "wrote $env_file"
msg "time: total $(bpfx_elapsed "$t_start") s"
