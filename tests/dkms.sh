#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms.sh OUT ROW... -- bpfx through Debian's DKMS and package, for rows of
# tests/kernels.list.
#
# Per userland of the given rows, in that suite's root
# (tests/kernel/userland-root.sh: the rows' kernels installed as packages):
# "apt install ./bpfx-dkms_*.deb", whose postinst runs dkms add/build/install
# for every installed kernel; the packaged doctor; then the package is
# purged (dkms remove); then "make install"/"make uninstall" for the first
# of its rows. The roots run in parallel.
# DKMS signs with a throwaway MOK key configured the way DKMS documents it
# (/etc/dkms/framework.conf.d inside the root). The installed (stripped,
# signed) modules are copied to OUT/<row>/bpfx.ko (and the DKMS build log
# to OUT/<row>/make.log) for the guest tests; OUT/<row>.done says a row's
# module is there or will not be.
# Prints "#host dkms_...:OK|FAIL" lines; exit 1 if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=dkms
out=$1
shift
rows=$(bpfx_select "$@") || exit 1
mkdir -p "$out"
np=0 nf=0
ok()  { np=$((np+1)); echo "#host dkms_$1:OK"; }
bad() { nf=$((nf+1)); echo "#host dkms_$1:FAIL ($2)"; }
check() { # name reason cmd...: a test from a command's status
	local n=$1 r=$2
	shift 2
	if "$@" >>"$out/checks.log" 2>&1; then ok "$n"; else bad "$n" "$r"; fi
}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
# Our BTF checker reads the installed modules: built here, not assumed.
make -s -C "$top/tools" btfids >"$out/btfids.log" 2>&1 ||
	{ bad btfids "building tools/btfids failed: $out/btfids.log"; exit 1; }

# 1. The package, from a copy of the tree, with Debian's tooling.
build_deb() {
	local d=$out/deb/bpfx-$ver
	bpfx_copy_tree "$top" "$d"
	(cd "$d" && dpkg-buildpackage -b -us -uc) >"$out/deb.log" 2>&1 || return 1
	deb=$(ls -t "$out"/deb/bpfx-dkms_*_all.deb | head -n 1) && cp "$deb" "$out/"
}
if build_deb; then ok build_deb; else bad build_deb "dpkg-buildpackage failed: $out/deb.log"; tail -20 "$out/deb.log"; exit 1; fi
deb=$out/$(basename "$deb")
# The package version is dkms.conf's: DKMS keys its tree on it.
check version_matches "debian/changelog and dkms.conf disagree" \
	test "$(dpkg-deb -f "$deb" Version)" = "$ver"

# 2. A throwaway MOK: DKMS signs with it; its CN identifies our signature.
cn="bpfx test MOK $(date -u +%s)"
openssl req -new -x509 -nodes -days 1 -subj "/CN=$cn" -newkey rsa:2048 \
	-keyout "$out/mok.key" -outform DER -out "$out/mok.der" >/dev/null 2>&1 ||
	{ bad mok_key "openssl req failed"; exit 1; }

# setup_root ROOT: framework.conf.d with our key, /proc for objtool and
# DKMS (its <(...) and /proc/$PPID), taken with the root's lock held (fd 9)
# and given back with it by release_root.
setup_root() {
	mkdir -p "$1/etc/dkms/framework.conf.d" "$1/etc/bpfx-test"
	cp "$out/mok.key" "$out/mok.der" "$1/etc/bpfx-test/"
	printf '%s\n' "# bpfx tests: throwaway MOK (tests/dkms.sh)" \
		"mok_signing_key=/etc/bpfx-test/mok.key" \
		"mok_certificate=/etc/bpfx-test/mok.der" >"$1/etc/dkms/framework.conf.d/bpfx-test.conf"
	mountpoint -q "$1/proc" || { mount -t proc proc "$1/proc" && mounted+=("$1/proc"); }
}
mounted=()
cleanup() { local m; for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done; mounted=(); }
# release_root: unmount what setup_root mounted, then release the root's
# lock. A mount kept past the lock is found by the next holder, which then
# mounts none of its own and loses it when the first job exits: the by-hand
# job kept the bookworm root's /proc until its last row was done. The
# likely cause of a CI run whose bookworm purge of bpfx-dkms left the
# module installed (dkms_remove, make_install_files and make_uninstall
# failed; the purge's log was lost with the root). Shown by hand in that
# root: without /proc, apt-get purge bpfx-dkms exits 0 and leaves every
# kernel's bpfx.ko and /var/lib/dkms/bpfx ("Could not locate dkms.conf").
release_root() { cleanup; flock -u 9; }
trap cleanup EXIT
trap 'exit 143' TERM INT
in_root() { # ROOT cmd...: run in ROOT with a clean environment
	local r=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

# take_module ROOT ROW: copy ROOT's DKMS-installed module for ROW out
# (decompressed: busybox insmod reads plain ELF) and check it.
take_module() {
	local r=$1 k=$2 f
	. "$(bpfx_env_file "$k")"
	f=$(ls "$r/lib/modules/$KREL/updates/dkms/"bpfx.ko* 2>/dev/null | head -n1)
	[ -n "$f" ] || { bad "${k}_installed" "no bpfx.ko* in /lib/modules/$KREL/updates/dkms"; return 1; }
	ok "${k}_installed"
	mkdir -p "$out/$k"
	case "$f" in
	*.xz) xz -dc "$f" ;; *.zst) zstd -dcq "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;;
	esac >"$out/$k/bpfx.ko"
	cat "$r/var/lib/dkms/bpfx/$ver/$KREL/"*/log/make.log >"$out/$k/make.log" 2>/dev/null ||
		bad "${k}_build_log" "no DKMS make.log for $KREL"
	check_module "$k" "$out/$k/bpfx.ko" "$r"
}

# check_module ROW KO ROOT: DKMS's strip and sign kept what bpfx needs.
check_module() {
	local k=$1 ko=$2 r=$3 base dyn=bpf_dynptr_kern
	check "${k}_signed" "no module signature (signing did not run)" \
		sh -c "tail -c 28 '$ko' | grep -q '~Module signature appended~'"
	check "${k}_signer" "signer is not our throwaway MOK" \
		sh -c "[ \"\$(modinfo -F signer '$ko')\" = '$cn' ]"
	check "${k}_signature_verifies" "openssl does not verify the signature with the MOK" \
		"$top/tests/kernel/modsig.sh" "$ko" "$out/mok.der"
	# ... and the verification can fail: one flipped byte of the module.
	cp "$ko" "$out/$k/tampered.ko"
	printf '\377' | dd of="$out/$k/tampered.ko" bs=1 seek=100 conv=notrunc status=none
	check "${k}_tampered_rejected" "a modified module still verifies" \
		sh -c "'$top/tests/kernel/modsig.sh' '$out/$k/tampered.ko' '$out/mok.der' 2>&1 | grep -q 'Verification failure'"
	. "$(bpfx_env_file "$k")"
	if [ "$HEADERS_HAVE_VMLINUX" = 1 ]; then
		base=$BUILD_ROOT$KDIR/vmlinux
	else
		base=$out/$k/vmlinux.btf
		"$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$base" >/dev/null
	fi
	# The dynptr type this kernel's verifier takes: bpfx's probe says.
	grep -Eq '^ *probe kfunc_dynptr_uapi +y$' "$out/$k/make.log" && dyn=bpf_dynptr
	check "${k}_btf_survives" "tools/btfids check failed on the installed module" \
		"$top/tools/btfids" check --base "$base" --dynptr-struct "$dyn" "$ko"
}

# userland_part SUITE ROW...: the .deb in SUITE's root, for those rows.
userland_part() {
	local u=$1 r k pkgs=() first
	shift
	first=$1
	for k; do
		. "$(bpfx_env_file "$k")"
		pkgs+=("$HEADERS_PKG=$HEADERS_VERSION")
		# Headers without vmlinux: DKMS takes the base BTF from /boot.
		[ "$HEADERS_HAVE_VMLINUX" = 1 ] || pkgs+=("$IMAGE_PKG=$IMAGE_VERSION")
	done
	# One user of the root at a time (the builds of tests/kernel/build-in.sh,
	# by_hand_part), from before the kernel packages go in: installing or
	# purging one runs DKMS's kernel hooks (/etc/kernel/*.d/dkms), which
	# build every added module, bpfx too while by_hand_part has it added,
	# in the same /var/lib/dkms/bpfx/<ver>/build as its build, emptying it
	# first (the likely cause of a by-hand build that once failed with its
	# make.log gone). The lock is named for the root's directory.
	bpfx_lock "build-$u" 9
	r=$(bash "$top/tests/kernel/userland-root.sh" --only "$u" "${pkgs[@]}" 2>"$out/$u-root.log") ||
		{ tail -20 "$out/$u-root.log"; bad "${u}_root" "could not make the $u root: $out/$u-root.log"; return 1; }
	[ "$(basename "$r")" = "$u" ] || { bad "${u}_root" "userland-root.sh gave $r, not a root named $u"; return 1; }
	setup_root "$r"
	in_root "$r" apt-get purge -y -q bpfx-dkms >/dev/null 2>&1
	rm -rf "$r/var/lib/dkms/bpfx" "$r/usr/src/bpfx-"[0-9]*
	cp "$deb" "$r/tmp/"
	t0=$(bpfx_now)
	if in_root "$r" apt-get install -y -q "./tmp/$(basename "$deb")" >"$out/$u-install.log" 2>&1; then
		ok "${u}_deb_installs"
	else
		bad "${u}_deb_installs" "apt install ./$(basename "$deb") failed: $out/$u-install.log"; tail -30 "$out/$u-install.log"
	fi
	msg "time: $u: apt install ./$(basename "$deb") (DKMS builds) $(bpfx_elapsed "$t0") s"
	in_root "$r" dkms status >"$out/$u-status.log" 2>&1
	for k; do
		. "$(bpfx_env_file "$k")"
		check "${k}_dkms_status" "dkms status does not say installed for $KREL" \
			grep -q "^bpfx/$ver, $KREL, [^:]*: installed" "$out/$u-status.log"
		take_module "$r" "$k"
		touch "$out/$k.done"
	done
	# The packaged doctor, for the first row's kernel on this system (its
	# base BTF is found: the headers' vmlinux, or the image in /boot;
	# nothing must FAIL).
	. "$(bpfx_env_file "$first")"
	in_root "$r" bpfx-doctor -k "/lib/modules/$KREL/build" >"$out/$u-doctor.txt" 2>&1
	check "${u}_deb_doctor" "the packaged bpfx-doctor reports a FAIL or no summary: $out/$u-doctor.txt" \
		grep -Eq '^bpfx-doctor: [0-9]+ ok, [0-9]+ warn, 0 fail$' "$out/$u-doctor.txt"
	if [ "$HEADERS_HAVE_VMLINUX" = 1 ]; then
		check "${u}_deb_doctor_base_btf" "the packaged doctor does not take the headers' vmlinux" \
			grep -q "^OK   base-btf: .*/vmlinux (the headers' vmlinux" "$out/$u-doctor.txt"
	else
		check "${u}_deb_doctor_base_btf" "the packaged doctor does not find /boot/vmlinuz-$KREL" \
			grep -q "^OK   base-btf: .*/boot/vmlinuz-$KREL" "$out/$u-doctor.txt"
	fi
	in_root "$r" apt-get purge -y -q bpfx-dkms >"$out/$u-purge.log" 2>&1
	check "${u}_dkms_remove" "purging bpfx-dkms left a module or DKMS state" \
		sh -c "! ls '$r'/lib/modules/*/updates/dkms/bpfx.ko* && [ ! -e '$r/var/lib/dkms/bpfx' ] && [ ! -e '$r/usr/src/bpfx-$ver' ]"
	# make install / uninstall on the same system, for the first row.
	rm -rf "$r/root/bpfx" && bpfx_copy_tree "$top" "$r/root/bpfx"
	if in_root "$r" make -C /root/bpfx install KDIR="/lib/modules/$KREL/build" >"$out/$u-make-install.log" 2>&1; then
		ok "${u}_make_install"
	else
		bad "${u}_make_install" "see $out/$u-make-install.log"; tail -20 "$out/$u-make-install.log"
	fi
	check "${u}_make_install_files" "module, header or pkg-config file missing after make install" \
		in_root "$r" sh -c "modinfo -k $KREL bpfx | grep -q '^filename:.*/lib/modules/$KREL/extra/bpfx.ko' &&
			test -f /usr/include/bpfx/bpfx.bpf.h && pkg-config --cflags bpfx | grep -q -- '-I/usr/include/bpfx'"
	in_root "$r" make -C /root/bpfx uninstall KDIR="/lib/modules/$KREL/build" >"$out/$u-make-uninstall.log" 2>&1
	check "${u}_make_uninstall" "files left after make uninstall" \
		in_root "$r" sh -c "! modinfo -k $KREL bpfx && [ ! -e /usr/include/bpfx ] && ! pkg-config --exists bpfx"
	rm -rf "$r/root/bpfx" "$r/tmp/$(basename "$deb")" "$r/etc/dkms/framework.conf.d/bpfx-test.conf" "$r/etc/bpfx-test"
	release_root
}

# by_hand_part ROW: a row with no headers package to install: one of another
# architecture (installing bpfx-dkms in a root of that arch would need its
# maintainer scripts emulated), or a kernel built here from linux-source
# (prepare.sh says which: DKMS_BY_HAND). In the row's userland root (where
# prepare.sh put its headers or its build tree, and the cross compiler),
# the package's source goes through DKMS by hand as the postinst would:
# dkms add, then "dkms build -a <cpu> --kernelsourcedir <KDIR>", with ARCH
# and CROSS_COMPILE in the environment when cross-building (DKMS passes
# them on to make), signing with the same throwaway MOK. Covered: DKMS's
# build, the probes, module BTF, ids, signature, and the guest suite on the
# result. Not covered: the package's postinst and "dkms install" there.
by_hand_part() {
	local k=$1 r a cpu tree f t0 extract
	. "$(bpfx_env_file "$k")"
	r=$BUILD_ROOT
	mkdir -p "$out/$k"
	[ -n "$r" ] || { bad "${k}_dkms_root" "no userland root for $k (prepare.sh puts these rows in one)"; touch "$out/$k.done"; return 1; }
	a=$(bpfx_kernel_arch "$BPFX_ARCH")
	cpu=$(dpkg-architecture -a"$BPFX_ARCH" -qDEB_HOST_GNU_CPU 2>/dev/null)
	bpfx_lock "build-$(basename "$r")" 9
	setup_root "$r"
	echo "sign_file=$KDIR/scripts/sign-file" >>"$r/etc/dkms/framework.conf.d/bpfx-test.conf"
	in_root "$r" apt-get purge -y -q bpfx-dkms >/dev/null 2>&1
	rm -rf "$r/var/lib/dkms/bpfx" "$r/usr/src/bpfx-"[0-9]*
	# the package's source tree, as its postinst would find it
	extract=$(mktemp -d "$out/deb-x.XXXXXX")
	dpkg-deb -x "$deb" "$extract" && cp -a "$extract/usr/src/bpfx-$ver" "$r/usr/src/"
	rm -rf "$extract"
	# Headers without vmlinux: DKMS takes the base BTF from /boot.
	[ "$HEADERS_HAVE_VMLINUX" = 1 ] || cp "$VMLINUZ" "$r/boot/vmlinuz-$KREL"
	t0=$(bpfx_now)
	if in_root "$r" dkms add -m bpfx -v "$ver" >"$out/$k/dkms.log" 2>&1 &&
		in_root "$r" env ${CROSS_COMPILE:+ARCH="$a" CROSS_COMPILE="$CROSS_COMPILE"} \
			dkms build -m bpfx -v "$ver" -k "$KREL" -a "$cpu" --kernelsourcedir "$KDIR" >>"$out/$k/dkms.log" 2>&1; then
		ok "${k}_dkms_build_by_hand"
	else
		bad "${k}_dkms_build_by_hand" "dkms build -a $cpu${CROSS_COMPILE:+ with CROSS_COMPILE=$CROSS_COMPILE} failed: $out/$k/dkms.log"
		cat "$r/var/lib/dkms/bpfx/$ver/build/make.log" >>"$out/$k/dkms.log" 2>/dev/null
		tail -20 "$out/$k/dkms.log"
	fi
	msg "time: $k: dkms add + build for $cpu $(bpfx_elapsed "$t0") s"
	tree=$r/var/lib/dkms/bpfx/$ver/$KREL/$cpu
	cat "$tree/log/make.log" >"$out/$k/make.log" 2>/dev/null || bad "${k}_build_log" "no DKMS make.log in $tree"
	f=$(ls "$tree/module/"bpfx.ko* 2>/dev/null | head -n1)
	if [ -n "$f" ]; then
		case "$f" in
		*.xz) xz -dc "$f" ;; *.zst) zstd -dcq "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;;
		esac >"$out/$k/bpfx.ko"
		check_module "$k" "$out/$k/bpfx.ko" "$r"
	else
		bad "${k}_built" "no bpfx.ko* in $tree/module"
	fi
	in_root "$r" dkms remove -m bpfx -v "$ver" --all >>"$out/$k/dkms.log" 2>&1
	rm -rf "$r/usr/src/bpfx-$ver" "$r/var/lib/dkms/bpfx" "$r/etc/dkms/framework.conf.d/bpfx-test.conf" "$r/etc/bpfx-test"
	[ "$HEADERS_HAVE_VMLINUX" = 1 ] || rm -f "$r/boot/vmlinuz-$KREL"
	release_root
	touch "$out/$k.done"
}

# The roots in parallel: OUT/<row>.done tells tests/check.sh that a row's
# module is there (or will not be), so its guest can boot. The rows DKMS
# builds by hand are done one after the other, beside them.
rm -f "$out"/*.done
by_hand() { (. "$(bpfx_env_file "$1")" && [ "${DKMS_BY_HAND:-0}" = 1 ]); }
hand_rows=$(for k in $rows; do ! by_hand "$k" || echo "$k"; done)
rows=$(for k in $rows; do by_hand "$k" || echo "$k"; done)
userlands=$(for k in $rows; do bpfx_row "$k"; echo "$ROW_USERLAND"; done | awk '!seen[$0]++')
pids=()
if [ -n "$hand_rows" ]; then
	# shellcheck disable=SC2086
	(trap cleanup EXIT; for k in $hand_rows; do by_hand_part "$k"; done) >"$out/by-hand.out" 2>&1 &
	pids+=($!)
fi
for u in $userlands; do
	urows=$(for k in $rows; do bpfx_row "$k"; [ "$ROW_USERLAND" != "$u" ] || echo "$k"; done)
	# shellcheck disable=SC2086
	(trap cleanup EXIT; userland_part "$u" $urows; for k in $urows; do touch "$out/$k.done"; done) >"$out/$u.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
outs=()
for u in $userlands; do outs+=("$out/$u.out"); done
[ -z "$hand_rows" ] || outs+=("$out/by-hand.out")
cat "${outs[@]}"
np=$((np + $(cat "${outs[@]}" | grep -c '^#host .*:OK$')))
nf=$((nf + $(cat "${outs[@]}" | grep -c '^#host .*:FAIL')))
echo "dkms: $np passed, $nf failed"
[ "$nf" = 0 ]
