#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms.sh OUT [6.1] [6.12] [7.2] -- bpfx through Debian's DKMS and package.
#
#   bookworm root (6.1, 6.12): installs the bpfx-dkms .deb, whose postinst
#       runs dkms add/build/install for every installed kernel; then
#       "make install"/"make uninstall"; then purges the package (dkms
#       remove).
#   sid chroot (7.2): dkms add/build/install/remove by hand, from the
#       sources the .deb ships.
# Both sign with a throwaway MOK key configured the way DKMS documents it
# (/etc/dkms/framework.conf.d inside the root). The installed (stripped,
# signed) modules are copied to OUT/<kver>/bpfx.ko for the guest tests.
# Prints "#host dkms_...:OK|FAIL" lines; exit 1 if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=dkms
out=$1
shift
kernels=" $* "
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

# setup_root ROOT: framework.conf.d with our key, /proc for objtool.
setup_root() {
	mkdir -p "$1/etc/dkms/framework.conf.d" "$1/etc/bpfx-test"
	cp "$out/mok.key" "$out/mok.der" "$1/etc/bpfx-test/"
	printf '%s\n' "# bpfx tests: throwaway MOK (tests/dkms.sh)" \
		"mok_signing_key=/etc/bpfx-test/mok.key" \
		"mok_certificate=/etc/bpfx-test/mok.der" >"$1/etc/dkms/framework.conf.d/bpfx-test.conf"
	mountpoint -q "$1/proc" || { mount -t proc proc "$1/proc" && mounted+=("$1/proc"); }
}
mounted=()
cleanup() { local m; for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done; }
trap cleanup EXIT
trap 'exit 143' TERM INT
in_root() { # ROOT cmd...: run in ROOT with a clean environment
	local r=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$r" "$@"
}

# take_module ROOT KVER: copy ROOT's DKMS-installed module for KVER out
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
	cp "$r/var/lib/dkms/bpfx/$ver/$KREL/x86_64/log/make.log" "$out/$k/make.log" ||
		bad "${k}_build_log" "no DKMS make.log for $KREL"
	check_module "$k" "$out/$k/bpfx.ko" "$r"
}

# check_module KVER KO ROOT: DKMS's strip and sign kept what bpfx needs.
check_module() {
	local k=$1 ko=$2 r=$3 base dyn=bpf_dynptr
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
		"$top/tools/extract-vmlinux-btf" "$r/boot/vmlinuz-$KREL" "$base" >/dev/null
	fi
	[ "$k" = 6.1 ] && dyn=bpf_dynptr_kern
	check "${k}_btf_survives" "tools/btfids check failed on the installed module" \
		"$top/tools/btfids" check --base "$base" --dynptr-struct "$dyn" "$ko"
}

# 3. bookworm: the .deb on a 6.1 (+ 6.12) system.
bookworm_part() {
	br=$(bash "$top/tests/kernel/bookworm-root.sh") || { bad bookworm_root "could not make the bookworm root"; return 1; }
	bpfx_lock bookworm-root 7
	setup_root "$br"
	in_root "$br" dpkg --purge bpfx-dkms >/dev/null 2>&1
	rm -rf "$br/var/lib/dkms/bpfx" "$br/usr/src/bpfx-"*
	cp "$deb" "$br/tmp/"
	t0=$(bpfx_now)
	if in_root "$br" dpkg -i "/tmp/$(basename "$deb")" >"$out/bookworm-install.log" 2>&1; then
		ok deb_installs
	else
		bad deb_installs "dpkg -i failed: $out/bookworm-install.log"; tail -30 "$out/bookworm-install.log"
	fi
	msg "time: dpkg -i (DKMS builds) $(bpfx_elapsed "$t0") s"
	in_root "$br" dkms status >"$out/bookworm-status.log" 2>&1
	# The packaged doctor, for the 6.1 kernel of this system (its image is
	# in /boot, so the base BTF is found and nothing must FAIL).
	. "$(bpfx_env_file 6.1)"
	in_root "$br" bpfx-doctor -k "/lib/modules/$KREL/build" >"$out/deb-doctor.txt" 2>&1
	check deb_doctor "the packaged bpfx-doctor reports a FAIL or no summary: $out/deb-doctor.txt" \
		grep -Eq '^bpfx-doctor: [0-9]+ ok, [0-9]+ warn, 0 fail$' "$out/deb-doctor.txt"
	check deb_doctor_base_btf "the packaged doctor does not find /boot/vmlinuz-$KREL" \
		grep -q "^OK   base-btf: .*/boot/vmlinuz-$KREL" "$out/deb-doctor.txt"
	for k in 6.1 6.12; do
		[[ $kernels == *" $k "* ]] || continue
		. "$(bpfx_env_file "$k")"
		check "${k}_dkms_status" "dkms status does not say installed for $KREL" \
			grep -q "^bpfx/$ver, $KREL, x86_64: installed" "$out/bookworm-status.log"
		take_module "$br" "$k"
		touch "$out/$k.done"
	done
	# make install / uninstall on the same system (6.1, its stock headers).
	. "$(bpfx_env_file 6.1)"
	rm -rf "$br/root/bpfx" && bpfx_copy_tree "$top" "$br/root/bpfx"
	in_root "$br" dpkg --purge bpfx-dkms >"$out/bookworm-purge.log" 2>&1
	check dkms_remove "purging bpfx-dkms left a module or DKMS state" \
		sh -c "! ls '$br'/lib/modules/*/updates/dkms/bpfx.ko* && [ ! -e '$br/var/lib/dkms/bpfx' ] && [ ! -e '$br/usr/src/bpfx-$ver' ]"
	if in_root "$br" make -C /root/bpfx install KDIR="/lib/modules/$KREL/build" >"$out/make-install.log" 2>&1; then
		ok make_install
	else
		bad make_install "see $out/make-install.log"; tail -20 "$out/make-install.log"
	fi
	check make_install_files "module, header or pkg-config file missing after make install" \
		in_root "$br" sh -c "modinfo -k $KREL bpfx | grep -q '^filename:.*/lib/modules/$KREL/extra/bpfx.ko' &&
			test -f /usr/include/bpfx/bpfx.bpf.h && pkg-config --cflags bpfx | grep -q -- '-I/usr/include/bpfx'"
	in_root "$br" make -C /root/bpfx uninstall KDIR="/lib/modules/$KREL/build" >"$out/make-uninstall.log" 2>&1
	check make_uninstall "files left after make uninstall" \
		in_root "$br" sh -c "! modinfo -k $KREL bpfx && [ ! -e /usr/include/bpfx ] && ! pkg-config --exists bpfx"
	rm -rf "$br/root/bpfx" "$br/tmp/$(basename "$deb")"
	flock -u 7
}

# 4. sid (7.2): dkms by hand, from the packaged sources.
sid_part() {
	. "$(bpfx_env_file 7.2)"
	sr=$BUILD_ROOT
	bpfx_lock "build-$(basename "$sr")" 9
	if ! in_root "$sr" sh -c 'command -v dkms' >/dev/null; then
		msg "installing dkms in the sid chroot"
		in_root "$sr" sh -c 'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dkms kmod' \
			>"$out/sid-apt.log" 2>&1 || { bad sid_dkms_package "apt-get install dkms failed: $out/sid-apt.log"; }
	fi
	setup_root "$sr"
	in_root "$sr" sh -c "dkms remove -m bpfx -v $ver --all" >/dev/null 2>&1
	rm -rf "$sr/usr/src/bpfx-$ver" "$sr/var/lib/dkms/bpfx"
	dpkg-deb -x "$deb" "$out/deb-root" && cp -a "$out/deb-root/usr/src/bpfx-$ver" "$sr/usr/src/"
	for step in add build install; do
		kopt=(-k "$KREL")
		[ "$step" = add ] && kopt=()
		if in_root "$sr" dkms "$step" -m bpfx -v "$ver" "${kopt[@]}" >"$out/sid-$step.log" 2>&1; then
			ok "7.2_$step"
		else
			bad "7.2_$step" "dkms $step failed: $out/sid-$step.log"; tail -30 "$out/sid-$step.log"
			break
		fi
	done
	take_module "$sr" 7.2
	touch "$out/7.2.done"
	in_root "$sr" dkms remove -m bpfx -v "$ver" --all >"$out/sid-remove.log" 2>&1
	check 7.2_remove "dkms remove left a module or DKMS state" \
		sh -c "! ls '$sr'/lib/modules/*/updates/dkms/bpfx.ko* && [ ! -e '$sr/var/lib/dkms/bpfx/$ver' ]"
	rm -rf "$sr/usr/src/bpfx-$ver" "$sr/etc/dkms/framework.conf.d/bpfx-test.conf" "$sr/etc/bpfx-test"
}

# The two roots in parallel: OUT/<kver>.done tells tests/check.sh that a
# kernel's module is there (or will not be), so its guest can boot.
rm -f "$out"/*.done
if [[ $kernels == *" 7.2 "* ]]; then
	(trap cleanup EXIT; sid_part; touch "$out/7.2.done") >"$out/sid.out" 2>&1 &
	sid_pid=$!
fi
if [[ $kernels == *" 6.1 "* || $kernels == *" 6.12 "* ]]; then
	(trap cleanup EXIT; bookworm_part) >"$out/bookworm.out" 2>&1
	touch "$out/6.1.done" "$out/6.12.done"
fi
[ -z "${sid_pid:-}" ] || wait "$sid_pid"
cat "$out/bookworm.out" "$out/sid.out" 2>/dev/null
np=$((np + $(cat "$out/bookworm.out" "$out/sid.out" 2>/dev/null | grep -c '^#host .*:OK$')))
nf=$((nf + $(cat "$out/bookworm.out" "$out/sid.out" 2>/dev/null | grep -c '^#host .*:FAIL')))
echo "dkms: $np passed, $nf failed"
[ "$nf" = 0 ]
