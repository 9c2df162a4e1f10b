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
bpfx_lock "prepare-$KVER" 9

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

# Deb-based kernels (6.1, 6.12): image + headers + -common + kbuild.
prepare_deb() {
	local suite=$1 img hdr pkgs=() p v debs=() want root
	step "apt-update[$suite]" bpfx_apt_update "$suite"
	img=$(resolve_meta "$suite" linux-image-amd64 linux-image-)
	hdr=$(resolve_meta "$suite" linux-headers-amd64 linux-headers-)
	KREL=${hdr#linux-headers-}
	[ "${img#linux-image-}" = "$KREL" ] || die "image ($img) and headers ($hdr) metapackages disagree"
	# -common and linux-kbuild-* names differ between releases
	# (linux-kbuild-6.1 vs linux-kbuild-6.12.95+deb12): take them from
	# the headers package's Depends instead of guessing.
	pkgs=("$img" "$hdr")
	while read -r p; do pkgs+=("$p"); done < <(bpfx_depends_matching "$suite" "$hdr" '^linux-(headers|kbuild)-')
	want=
	for p in "${pkgs[@]}"; do
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

case "$KVER" in
6.1) prepare_deb system ;;
6.12) prepare_deb bookworm-backports ;;
7.2) prepare_sid ;;
esac

[ -f "$VMLINUZ" ] || die "boot image missing: $VMLINUZ"
# Measure, don't assume: the project's build adapts to what is missing.
kd=$BUILD_ROOT$KDIR
HEADERS_HAVE_VMLINUX=0
HEADERS_HAVE_RESOLVE_BTFIDS=0
[ -f "$kd/vmlinux" ] && HEADERS_HAVE_VMLINUX=1
[ -x "$kd/tools/bpf/resolve_btfids/resolve_btfids" ] && HEADERS_HAVE_RESOLVE_BTFIDS=1

env_file=$BPFX_WORK/kernels/$KVER.env
{
	echo "# written by tests/kernel/prepare.sh $KVER on $(date -u +%FT%TZ)"
	for v in KVER KREL PKG_VERSION SUITE VMLINUZ KDIR BUILD_ROOT HEADERS_HAVE_VMLINUX HEADERS_HAVE_RESOLVE_BTFIDS; do
		printf '%s=%q\n' "$v" "${!v}"
	done
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
sed -n 's/^\([A-Z_]*=\)/  \1/p' "$env_file" >&2
msg "wrote $env_file"
msg "time: total $(bpfx_elapsed "$t_start") s"
