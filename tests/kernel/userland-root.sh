#!/bin/bash
# userland-root.sh [--only] SUITE [PKG[=VERSION]...] -- print the path of a cached root
# (chroot) of Debian SUITE: "a SUITE system" with that suite's tool chain
# (gcc, pahole, libbpf, bpftool), dkms and the bpfx build dependencies, and
# the given kernel packages installed with apt, as a user installs them.
#
# Rows of tests/kernels.list whose userland is not the host's own release are
# built in it (tests/kernel/build-in.sh); every row's DKMS test installs the
# bpfx-dkms .deb in its userland's root (tests/dkms.sh).
#
# Its sources: SUITE, every suite a row of that userland comes from, and
# SUITE-updates where the suite has a -security (a stable release); mirrors
# from this machine's apt configuration. Made once (mmdebstrap) and kept
# while the base package list and sources stay the same; kernel packages
# are added on demand, by exact version and without -t (installing one
# suite's kernel must not upgrade the root's linux-libc-dev and the like).
# update-initramfs is diverted: nothing boots this root. --only: purge the
# other kernels' linux-image-<rel>/linux-headers-<rel> first, so that the
# DKMS package builds for these kernels only (its postinst builds for every
# installed one).
#
# The host's /usr/src, /lib/modules and /etc are never touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
only=0
[ "${1:-}" != --only ] || { only=1; shift; }
[ $# -ge 1 ] || die "usage: $0 [--only] SUITE [PKG=VERSION...]"
suite=$1
shift
BPFX_LOG_TAG="userland-root $suite"
base=dkms,make,gcc,libc6-dev,binutils,dwarves,libbpf-dev,libelf-dev,zlib1g-dev,libzstd-dev,pkg-config,kmod,bpftool,xz-utils,zstd

suites=$suite
for s in $(bpfx_list | awk -v u="$suite" '$5 == u { gsub(",", " ", $2); print $2 }'); do
	case ",$suites," in *",$s,"*) ;; *) suites+=",$s" ;; esac
done
case ",$suites," in *",$suite-security,"*) suites+=",$suite-updates" ;; esac
srcs=()
for s in ${suites//,/ }; do
	m=$(bpfx_mirror_for "$s") || die "no mirror for $s"
	srcs+=("deb $m $s main")
done
want="$base ${srcs[*]}"
root=$BPFX_CACHE/userland/$suite
mkdir -p "$BPFX_CACHE/userland"
bpfx_lock "userland-$suite" 7

in_root() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		chroot "$root" "$@" 7>&-
}
# Only the sources changed (a row of a new suite): new sources, new lists.
if [ -f "$root/.bpfx-base" ] && [ "$(cat "$root/.bpfx-base")" != "$want" ] &&
	[ "$(cut -d' ' -f1 "$root/.bpfx-base")" = "$base" ]; then
	msg "new sources for the $suite root: ${suites//,/ }"
	printf '%s\n' "${srcs[@]}" >"$root/etc/apt/sources.list"
	in_root apt-get -q update >&2 || die "apt-get update in $root failed"
	printf '%s\n' "$want" >"$root/.bpfx-base"
fi
if ! [ -f "$root/.bpfx-base" ] || [ "$(cat "$root/.bpfx-base")" != "$want" ]; then
	tmp=$root.tmp.$$
	rm -rf --one-file-system "$tmp" "$root"
	msg "mmdebstrap $suite -> $root (sources: ${suites//,/ })"
	t0=$(bpfx_now)
	# - --skip=cleanup/apt/lists: kernels are installed later with the
	#   root's own apt.
	# - mmdebstrap ignores the host's apt.conf.d: the Valid-Until override
	#   (snapshot mirrors) is passed explicitly and stays in the root.
	# - Our lock fd must not leak into mmdebstrap (see prepare.sh).
	for try in 1 2; do
		if mmdebstrap --quiet --variant=apt \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			--aptopt='APT::Install-Recommends "false"' \
			--skip=cleanup/apt/lists \
			--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs && ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
			--include="$base" "$suite" "$tmp" "${srcs[@]}" >&2 7>&- 8>&- 9>&-; then
			break
		fi
		rm -rf --one-file-system "$tmp"
		[ "$try" = 1 ] || die "mmdebstrap of $suite failed twice"
		msg "mmdebstrap failed, retrying once"
	done
	printf '%s\n' "$want" >"$tmp/.bpfx-base"
	mv "$tmp" "$root"
	msg "time: mmdebstrap $(bpfx_elapsed "$t0") s"
fi

# Several users install into a root at once (dkms.sh per userland, the
# examples' loaders): apt waits for the dpkg lock rather than failing.
echo 'DPkg::Lock::Timeout "1200";' >"$root/etc/apt/apt.conf.d/90bpfx-lock"
# A kernel image is installed here only for its /boot (base BTF where the
# headers have no vmlinux) or because its headers depend on it; nothing
# here loads its ~4,000 modules. Unpacked, they cost a depmod over all of
# them at every image install, DKMS install and DKMS removal (10-15 CPU-s
# each: 3.1 of the 92 CPU-minutes of a KERNELS=all run, 33 depmods). dpkg
# leaves them out; /boot, build/ and depmod's own files stay, and DKMS
# builds, installs and removes as before. Images installed before this
# file existed keep theirs.
printf '%s\n' "# bpfx tests (tests/kernel/userland-root.sh): no kernel modules in this root" \
	'path-exclude=/lib/modules/*/kernel/*' 'path-exclude=/usr/lib/modules/*/kernel/*' \
	>"$root/etc/dpkg/dpkg.cfg.d/90bpfx-no-modules"

if [ "$only" = 1 ]; then
	others=() rels=" "
	for p in "$@"; do p=${p%%=*}; rels+="${p#linux-*-} "; done
	for p in $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package}\n' \
		'linux-image-[0-9]*' 'linux-headers-[0-9]*' 2>/dev/null | awk '$1 ~ /^.i/ && $2 !~ /-common(-[a-z]+)?$/ { print $2 }'); do
		case $rels in *" ${p#linux-*-} "*) ;; *) others+=("$p") ;; esac
	done
	if [ ${#others[@]} -gt 0 ]; then
		msg "purging the kernels not asked for: ${others[*]}"
		in_root apt-get purge -y -q "${others[@]}" >&2 || die "apt-get purge ${others[*]} in $root failed"
	fi
fi
missing=()
for p in "$@"; do
	have=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Status} ${Version}' "${p%%=*}" 2>/dev/null || true)
	case $p in
	*=*) [ "$have" = "install ok installed ${p#*=}" ] || missing+=("$p") ;;
	*) [ "${have% *}" = "install ok installed" ] || missing+=("$p") ;; # any version
	esac
done
if [ ${#missing[@]} -gt 0 ]; then
	t0=$(bpfx_now)
	# The debs the host already fetched (boot images) seed apt's cache
	# (hard links: no second copy); apt checks their hashes.
	mkdir -p "$root/var/cache/apt/archives"
	for d in "$BPFX_CACHE"/debs/linux-*.deb; do
		[ -e "$d" ] || continue
		f=$root/var/cache/apt/archives/${d##*/}
		[ -e "$f" ] || ln "$d" "$f" 2>/dev/null || cp "$d" "$f"
	done
	msg "installing ${missing[*]}"
	if ! in_root apt-get install -y -q "${missing[@]}" >&2; then
		msg "not in the root's package lists: apt-get update, then again"
		in_root apt-get -q update >&2 || die "apt-get update in $root failed"
		in_root apt-get install -y -q "${missing[@]}" >&2 || die "apt-get install ${missing[*]} in $root failed"
	fi
	msg "time: apt-get install $(bpfx_elapsed "$t0") s"
fi
msg "$suite root: gcc $(in_root sh -c 'gcc -dumpversion') pahole $(in_root pahole --version) libbpf-dev $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' libbpf-dev)"
echo "$root"
