#!/bin/bash
# prepare.sh KVER -- fetch a Debian kernel (boot image + headers) for the
# guest tests and write $BPFX_WORK/kernels/KVER.env describing it.
#
#   6.1         bookworm / bookworm-security, through the system apt
#   6.12        bookworm-backports, through our private apt
#   7.2|7.x|sid sid: headers installed in a cached sid chroot (7.x needs
#               gcc-16, pahole >= 1.30 and glibc >= 2.38 for its build
#               tools, none of which bookworm has); boot image from sid
#
# Versions are resolved through the suite's metapackages linux-image-amd64
# and linux-headers-amd64 on every run and printed; nothing is pinned,
# because the archive drops old kernel ABIs.  Packages are only downloaded
# and unpacked with dpkg -x into the cache: no kernel is installed on the
# host and /usr/src, /lib/modules are never touched.
# BPFX_ARCH=arm64 (lib.sh) prepares that architecture's kernel for a cross
# build on this host, the Debian way: its image and headers, this host's
# linux-kbuild (kbuild's tools must run here), and CROSS_COMPILE in the env
# file; 7.x adds gcc-16-<triplet> and the headers to the sid chroot.
# Variables below are written to the env file indirectly (${!v}).
# shellcheck disable=SC2034
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 1 ] || die "usage: $0 6.1|6.12|7.2"
KVER=$(bpfx_norm_kver "$1")
BPFX_LOG_TAG="prepare $KVER"
t_start=$(bpfx_now)
mkdir -p "$BPFX_CACHE" "$BPFX_WORK/kernels"
bpfx_lock "prepare-$KVER$(bpfx_arch_suffix)" 9
CROSS_COMPILE=
bpfx_cross && CROSS_COMPILE=$(dpkg-architecture -a"$BPFX_ARCH" -qDEB_HOST_GNU_TYPE 2>/dev/null)-

# The versioned package a metapackage (linux-image-amd64, ...) points at.
resolve_meta() {
	local suite=$1 meta=$2 prefix=$3 ver dep
	ver=$(bpfx_candidate "$suite" "$meta")
	[ -n "$ver" ] || die "$meta not found in $suite package lists"
	dep=$(bpfx_depends_matching "$suite" "$meta" "^$prefix" | head -n1)
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

# host_kbuild SUITE PKG: a cross build runs kbuild's tools (fixdep,
# modpost, resolve_btfids) here, so linux-kbuild-* is this host's build
# (Multi-Arch: foreign, as apt would pick it for a cross build); print its
# .deb. Lists of SUITE for this host's architecture.
host_kbuild() (
	BPFX_ARCH=$BPFX_HOST_ARCH
	bpfx_apt_update "$1" >&2
	v=$(resolve_pkg "$1" "$2")
	bpfx_fetch_deb "$1" "$2" "$v"
)

# Deb-based kernels (6.1, 6.12): image + headers + -common + kbuild.
prepare_deb() {
	local suite=$1 img hdr pkgs=() p v d debs=() want root
	step "apt-update[$suite]" bpfx_apt_update "$suite"
	img=$(resolve_meta "$suite" "linux-image-$BPFX_ARCH" linux-image-)
	hdr=$(resolve_meta "$suite" "linux-headers-$BPFX_ARCH" linux-headers-)
	KREL=${hdr#linux-headers-}
	[ "${img#linux-image-}" = "$KREL" ] || die "image ($img) and headers ($hdr) metapackages disagree"
	# -common and linux-kbuild-* names differ between releases
	# (linux-kbuild-6.1 vs linux-kbuild-6.12.95+deb12): take them from
	# the headers package's Depends instead of guessing.
	pkgs=("$img" "$hdr")
	while read -r p; do pkgs+=("$p"); done < <(bpfx_depends_matching "$suite" "$hdr" '^linux-(headers|kbuild)-')
	want=
	for p in "${pkgs[@]}"; do
		case $p in
		linux-kbuild-*)
			if bpfx_cross; then
				d=$(host_kbuild "$suite" "$p") || die "no $BPFX_HOST_ARCH $p for the cross build"
				debs+=("$d")
				want+="$(basename "$d") "
				continue
			fi ;;
		esac
		v=$(resolve_pkg "$suite" "$p")
		[ "$p" != "$img" ] || PKG_VERSION=$v
		debs+=("$(bpfx_fetch_deb "$suite" "$p" "$v")")
		want+="$p=$v "
	done
	root=$BPFX_CACHE/kernels/$KREL/root
	bpfx_lock "kernel-$KREL" 7
	step unpack unpack_tree "$root" "$want" "${debs[@]}"
	KDIR=$root/usr/src/linux-headers-$KREL
	[ -f "$KDIR/Makefile" ] || die "headers dir missing: $KDIR"
	# The arch headers Makefile includes the -common Makefile by absolute
	# /usr/src path; point it at our unpacked copy (idempotent).
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$KDIR/Makefile"
	VMLINUZ=$root/boot/vmlinuz-$KREL
	BUILD_ROOT=
	SUITE=$suite
}

# 7.x: sid chroot holding the headers and their whole toolchain.
SID_EXTRA=make,linux-headers-amd64,libc6-dev,gcc,libbpf-dev,libelf-dev,zlib1g-dev,libzstd-dev,pkg-config,bpftool

make_sid_chroot() {
	local dir=$1 mirror tmp
	mirror=$(bpfx_mirror_for_suite bookworm)
	tmp=$dir.tmp.$$
	rm -rf --one-file-system "$tmp"
	msg "mmdebstrap sid -> $dir (mirror from apt config: $mirror)"
	# --variant=apt: essential + apt only, plus what we include.
	# mmdebstrap ignores the host's apt.conf.d, so the Valid-Until
	# override has to be passed explicitly (sid's Release may be expired
	# on snapshot mirrors).
	# Our lock fds (7-9) must not leak into mmdebstrap: they push its
	# internal pipe to fd >= 10 and it then runs "cat >&11" through dash,
	# which only knows single-digit fds ("Bad fd number", reported as
	# "apt download failed").  One retry covers transient mirror errors.
	local try
	for try in 1 2; do
		if mmdebstrap --quiet --variant=apt \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			--include="$SID_EXTRA" \
			sid "$tmp" "$mirror" >&2 7>&- 8>&- 9>&-; then
			break
		fi
		rm -rf --one-file-system "$tmp"
		[ "$try" = 1 ] || die "mmdebstrap of sid failed twice"
		msg "mmdebstrap failed, retrying once"
	done
	printf '%s\n' "$SID_EXTRA" >"$tmp/.bpfx-include"
	mv "$tmp" "$dir"
}

prepare_sid() {
	local hdr img bin hver chroot_ver p v old want root deb
	step "apt-update[sid]" bpfx_apt_update sid
	# Resolve on the host with our private sid lists: cheap, and it tells
	# us whether the cached chroot is still current.
	hdr=$(resolve_meta sid linux-headers-amd64 linux-headers-)
	img=$(resolve_meta sid linux-image-amd64 linux-image-)
	KREL=${hdr#linux-headers-}
	[ "${img#linux-image-}" = "$KREL" ] || die "image ($img) and headers ($hdr) metapackages disagree"
	hver=$(bpfx_candidate sid linux-headers-amd64)
	case "$KREL" in
	7.2.*) ;;
	*) msg "NOTE: sid now ships $KREL, not 7.2.x; 7.2.env describes that kernel" ;;
	esac
	PKG_VERSION=$(resolve_pkg sid "$hdr")
	v=$(resolve_pkg sid "$img")
	# 7.x splits the image: linux-image-$KREL is a small package; the
	# bzImage is in linux-binary-$KREL.
	bin=$(bpfx_depends_matching sid "$img" '^linux-binary-' | head -n1)
	p=${bin:-linux-binary-$KREL}
	v=$(resolve_pkg sid "$p")

	BUILD_ROOT=$BPFX_CACHE/sid-$KREL
	bpfx_lock "sid-$KREL" 7
	chroot_ver=
	if [ -f "$BUILD_ROOT/.bpfx-include" ] && [ "$(cat "$BUILD_ROOT/.bpfx-include")" = "$SID_EXTRA" ]; then
		chroot_ver=$(dpkg-query --admindir="$BUILD_ROOT/var/lib/dpkg" -W -f '${Version}' linux-headers-amd64 2>/dev/null || true)
	fi
	if [ "$chroot_ver" = "$hver" ]; then
		msg "sid chroot up to date: $BUILD_ROOT (linux-headers-amd64 $chroot_ver)"
	else
		[ -z "$chroot_ver" ] || msg "sid chroot has linux-headers-amd64 $chroot_ver, sid has $hver: rebuilding"
		rm -rf --one-file-system "$BUILD_ROOT"
		step mmdebstrap make_sid_chroot "$BUILD_ROOT"
		chroot_ver=$(dpkg-query --admindir="$BUILD_ROOT/var/lib/dpkg" -W -f '${Version}' linux-headers-amd64)
		[ "$chroot_ver" = "$hver" ] ||
			die "sid moved during the build (chroot got linux-headers-amd64 $chroot_ver, lists say $hver); rerun with BPFX_APT_MAX_AGE=0"
		# Drop chroots of older sid kernels (~0.5 GB each).
		for old in "$BPFX_CACHE"/sid-*; do
			[ "$old" = "$BUILD_ROOT" ] || [ ! -d "$old" ] || { msg "removing stale $old"; rm -rf --one-file-system "$old"; }
		done
	fi
	msg "chroot: gcc $(chroot "$BUILD_ROOT" sh -c 'ls /usr/bin/x86_64-linux-gnu-gcc-[0-9]* 2>/dev/null | sed "s|.*-||" | tr "\n" " "')pahole $(dpkg-query --admindir="$BUILD_ROOT/var/lib/dpkg" -W -f '${Version}' pahole 2>/dev/null || echo none)"

	# Boot image: fetched with the same (host-side) sid lists the headers
	# were resolved from, and cached with the other debs.
	deb=$(bpfx_fetch_deb sid "$p" "$v")
	root=$BPFX_CACHE/kernels/$KREL/root
	want="$p=$v "
	step unpack unpack_tree "$root" "$want" "$deb"
	VMLINUZ=$root/boot/vmlinuz-$KREL
	KDIR=/usr/src/linux-headers-$KREL
	[ -f "$BUILD_ROOT$KDIR/Makefile" ] || die "headers dir missing in chroot: $BUILD_ROOT$KDIR"
	SUITE=sid
}

# 7.x for another architecture: this host's sid chroot (prepared as for
# this host's kernel), plus the cross compiler the headers' gcc-16-for-host
# stands for and the target's headers unpacked into the chroot, next to
# this host's (their scripts/tools links reach the chroot's linux-kbuild).
# Redone whenever the chroot was rebuilt; the boot image as for any 7.x.
prepare_sid_cross() {
	local hdr img bin p v root deb stamp want gcc
	BPFX_ARCH=$BPFX_HOST_ARCH bash "$here/prepare.sh" 7.2 >&2 || die "preparing this host's sid chroot failed"
	BUILD_ROOT=$(BPFX_ARCH=$BPFX_HOST_ARCH; . "$(bpfx_env_file 7.2)"; echo "$BUILD_ROOT")
	step "apt-update[sid]" bpfx_apt_update sid
	hdr=$(resolve_meta sid "linux-headers-$BPFX_ARCH" linux-headers-)
	img=$(resolve_meta sid "linux-image-$BPFX_ARCH" linux-image-)
	KREL=${hdr#linux-headers-}
	[ "${img#linux-image-}" = "$KREL" ] || die "image ($img) and headers ($hdr) metapackages disagree"
	PKG_VERSION=$(resolve_pkg sid "$hdr")
	bin=$(bpfx_depends_matching sid "$img" '^linux-binary-' | head -n1)
	p=${bin:-linux-binary-$KREL}
	v=$(resolve_pkg sid "$p")
	# the compiler the headers' Makefile names: $(CROSS_COMPILE)gcc-N
	gcc=$(bpfx_depends_matching sid "$hdr" '^gcc-[0-9]+-for-host$' | head -n1)
	gcc=${gcc%-for-host}-${CROSS_COMPILE%-}
	bpfx_lock "sid-$(basename "$BUILD_ROOT")" 7
	stamp=$BUILD_ROOT/.bpfx-cross-$BPFX_ARCH
	want="$hdr=$PKG_VERSION $gcc"
	if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		msg "sid chroot has $want"
	else
		msg "sid chroot: adding $gcc and $hdr"
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			chroot "$BUILD_ROOT" apt-get install -y -q --no-install-recommends "$gcc" >&2 ||
			die "apt-get install $gcc in $BUILD_ROOT failed"
		deb=$(bpfx_fetch_deb sid "$hdr" "$PKG_VERSION")
		dpkg -x "$deb" "$BUILD_ROOT" || die "unpacking $deb into $BUILD_ROOT failed"
		printf '%s\n' "$want" >"$stamp"
	fi
	flock -u 7
	deb=$(bpfx_fetch_deb sid "$p" "$v")
	root=$BPFX_CACHE/kernels/$KREL/root
	bpfx_lock "kernel-$KREL" 7
	step unpack unpack_tree "$root" "$p=$v " "$deb"
	VMLINUZ=$root/boot/vmlinuz-$KREL
	KDIR=/usr/src/linux-headers-$KREL
	[ -f "$BUILD_ROOT$KDIR/Makefile" ] || die "headers dir missing in chroot: $BUILD_ROOT$KDIR"
	SUITE=sid
}

case "$KVER" in
6.1) prepare_deb system ;;
6.12) prepare_deb bookworm-backports ;;
7.2) if bpfx_cross; then prepare_sid_cross; else prepare_sid; fi ;;
esac

[ -f "$VMLINUZ" ] || die "boot image missing: $VMLINUZ"
# Measure, don't assume: the project's build adapts to what is missing.
kd=$BUILD_ROOT$KDIR
HEADERS_HAVE_VMLINUX=0
HEADERS_HAVE_RESOLVE_BTFIDS=0
[ -f "$kd/vmlinux" ] && HEADERS_HAVE_VMLINUX=1
[ -x "$kd/tools/bpf/resolve_btfids/resolve_btfids" ] && HEADERS_HAVE_RESOLVE_BTFIDS=1

env_file=$(bpfx_env_file "$KVER")
{
	echo "# written by tests/kernel/prepare.sh $KVER on $(date -u +%FT%TZ)"
	for v in KVER KREL PKG_VERSION SUITE VMLINUZ KDIR BUILD_ROOT HEADERS_HAVE_VMLINUX HEADERS_HAVE_RESOLVE_BTFIDS BPFX_ARCH CROSS_COMPILE; do
		printf '%s=%q\n' "$v" "${!v}"
	done
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
sed -n 's/^\([A-Z_]*=\)/  \1/p' "$env_file" >&2
msg "wrote $env_file"
msg "time: total $(bpfx_elapsed "$t_start") s"
