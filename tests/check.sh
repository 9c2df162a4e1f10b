#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test matrix: for each kernel, build bpfx against its real Debian
# headers, boot its real Debian image in QEMU (TCG) with bpfx, the test
# driver and tests/guest/run.sh, and collect the results. Prints a summary
# per kernel and, last, "N passed, N failed, N skipped".
#
# usage: tests/check.sh [6.1] [6.12] [7.2]
# env: BPFX_CACHE (default /var/cache/bpfx), BPFX_TEST_ARGS (driver args)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=check
kernels=${*:-6.1 6.12 7.2}
out=$BPFX_WORK/check
# One matrix at a time: runs share $out and the chroot.
exec 9>"$BPFX_CACHE/check.lock"
flock -n 9 || { msg "waiting for another tests/check.sh"; flock 9; }
rm -rf "$out"
mkdir -p "$out"
t0=$(bpfx_now)
total_p=0 total_f=0 total_s=0
declare -A summary

# counts FILE: "OK-lines FAIL-lines" of a file of "#... name:OK|FAIL" lines.
counts() { echo "$(grep -c '^#.*:OK$' "$1") $(grep -c '^#.*:FAIL' "$1")"; }

add() { # kernel passed failed skipped
	summary[$1]="$2 passed, $3 failed, $4 skipped"
	total_p=$((total_p + $2)) total_f=$((total_f + $3)) total_s=$((total_s + $4))
}

# 1. the kernels, their BTF (6.1 from its vmlinuz), the BPF programs and driver
# 6.1 and 6.12 first; then the Debian 12 root for their DKMS tests (about a
# minute of mmdebstrap on a cold cache) is made in the background while
# sid's chroot is made for 7.2.
is_sid() { case $1 in 7.2 | 7.x | sid) return 0 ;; esac; return 1; }
for k in $kernels; do
	is_sid "$k" && continue
	bash "$top/tests/kernel/prepare.sh" "$k" || add "$k" 0 1 0
done
case " $kernels " in *" 6.1 "* | *" 6.12 "*)
	bash "$top/tests/kernel/bookworm-root.sh" > "$out/bookworm-root.log" 2>&1 & ;;
esac
for k in $kernels; do
	is_sid "$k" || continue
	bash "$top/tests/kernel/prepare.sh" "$k" || add "$k" 0 1 0
done
. "$(bpfx_env_file 6.1)" 2>/dev/null || bash "$top/tests/kernel/prepare.sh" 6.1
# The modules under test come from Debian's DKMS (tests/dkms.sh: the
# bpfx-dkms .deb on bookworm for 6.1/6.12, dkms by hand in the sid chroot
# for 7.2), signed with a throwaway MOK; built while the programs build.
dkms_k=
for k in $kernels; do
	[ -z "${summary[$k]:-}" ] && dkms_k+=" $(bpfx_norm_kver "$k")"
done
bash "$top/tests/dkms.sh" "$out/dkms" $dkms_k > "$out/dkms.out" 2>&1 &
dkms_pid=$!
# A failing step (die) must not leave DKMS or guests running behind us.
trap 'jobs -p | xargs -r kill 2>/dev/null' EXIT
. "$(bpfx_env_file 6.1)"
base61=$out/vmlinux-6.1.btf
"$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$base61" || die "no BTF from $VMLINUZ"
step "static btfids (the doctor's BTF reader in the guests)" make -s -C "$top/tools" btfids-static
step "BPF programs and driver" make -s -C "$top/tests" O="$out/progs" \
	VMLINUX_BTF="$base61" || die "building the BPF programs / driver failed"

# The same driver built in the sid chroot, with sid's libbpf (static): the
# programs must work whatever libbpf loads them, and libbpf >= 1.2 also
# resolves the ___flavour names the natives-first wrappers need.
sid_driver=
case " $kernels " in *" 6.12 "*|*" 7.2 "*|*" 7.x "*|*" sid "*)
	if ! { . "$(bpfx_env_file 7.2)" 2>/dev/null && [ -d "$BUILD_ROOT" ]; }; then
		msg "SKIP: the driver with sid's libbpf (and the 7.x vmlinux.h checks): no sid chroot yet; make check KERNELS='6.12 7.2' builds it"
	else
		d=$BUILD_ROOT/build/driver
		rm -rf "$d" && mkdir -p "$d"
		srcs=$(make -s -C "$top/tests" print-srcs)
		(cd "$top/tests" && cp $srcs *.h "$d/")
		cp "$top"/include/*.h "$top"/progs/*.h \
			"$out"/progs/*.skel.h "$d/"
		if chroot "$BUILD_ROOT" sh -c 'cd /build/driver && cc -O2 -Wall -Werror -I. -static -o bpfx_test_run *.c -lbpf -lelf -lz -lzstd -lpthread' >"$out/sid-driver.log" 2>&1; then
			sid_driver=$out/bpfx_test_run-sid
			cp "$d/bpfx_test_run" "$sid_driver"
			msg "driver with sid's libbpf: $(chroot "$BUILD_ROOT" dpkg-query -W -f='${Version}' libbpf-dev)"
		else
			cat "$out/sid-driver.log"; die "building the driver in the sid chroot failed"
		fi
	fi ;;
esac

# One kernel's guest run; prints its lines into $kd/report and
# "passed failed skipped" into $kd/result. Runs as a background job: it
# waits for its DKMS module, then for one of BPFX_QEMU_SLOTS QEMU slots
# (default 3, a guest per kernel: on 2 CPUs, 3 slots took the warm matrix
# from 195 s to 163 s against 2, as guests also wait on RCU and timers).
guest_job() {
	local k=$1 kd ko p brc line lline i fd
	. "$(bpfx_env_file "$k")"
	kd=$out/$KVER
	mkdir -p "$kd"
	echo "0 1 0" > "$kd/result"
	exec > "$kd/report" 2>&1
	msg "=== $KVER: $KREL ($PKG_VERSION) ==="
	until [ -e "$out/dkms/$KVER.done" ] || ! kill -0 "$dkms_pid" 2>/dev/null; do sleep 1; done
	ko=$out/dkms/$KVER/bpfx.ko
	if [ ! -s "$ko" ]; then
		msg "$KVER: no module from DKMS (see $out/dkms.out)"
		return
	fi
	grep -E 'probe |BTF|btfids' "$out/dkms/$KVER/make.log"
	p=$kd/payload
	mkdir -p "$p"
	cp "$ko" "$top/tests/guest/run.sh" "$out/progs/bpfx_test_run" "$p/"
	cp "$top/tools/bpfx-doctor" "$top/tools/base-btf.sh" "$p/"
	cp "$top/tools/btfids-static" "$p/btfids"
	[ -d "$out/examples/payload" ] && cp -r "$out/examples/payload" "$p/examples"
	[ "$KVER" != 6.1 ] && [ -n "$sid_driver" ] && cp "$sid_driver" "$p/"
	echo "${BPFX_TEST_ARGS:-}" > "$p/args"
	echo "BPFX_CYCLES=${BPFX_CYCLES:-100}" > "$p/env"
	# Modules the init self-check must refuse: no BTF; unresolved ids;
	# a kfunc set the loader places misaligned (issue 11).
	# The target's objcopy: the host's cannot write another arch's .ko.
	local objcopy=${CROSS_COMPILE:-}objcopy
	"$objcopy" --remove-section=.BTF --remove-section=.BTF.base "$p/bpfx.ko" "$p/bpfx-nobtf.ko"
	# (objcopy with one file rewrites it: that would drop the signature)
	"$objcopy" --dump-section=.BTF_ids="$kd/ids.bin" "$p/bpfx.ko" "$kd/dump.ko" &&
		head -c "$(stat -c %s "$kd/ids.bin")" /dev/zero > "$kd/zero.bin" &&
		"$objcopy" --update-section=.BTF_ids="$kd/zero.bin" "$p/bpfx.ko" "$p/bpfx-noids.ko"
	bash "$top/tests/kernel/misalign-ko.sh" "$p/bpfx.ko" "$p/bpfx-misaligned.ko"
	while :; do
		for i in $(seq "${BPFX_QEMU_SLOTS:-3}"); do
			exec {fd}>"$out/qemu-slot$i.lock"
			flock -n "$fd" && break 2
			exec {fd}>&-
		done
		sleep 0.5
	done
	bash "$top/tests/kernel/boot.sh" "$VMLINUZ" "$p" "$kd/serial.log" > /dev/null 2>"$kd/boot.err"
	brc=$?
	# A second, short boot with lockdown=integrity: the doctor must see it
	# and the kernel must refuse the module for it (tests/guest/lockdown.sh).
	mkdir -p "$kd/lockdown"
	cp "$p/bpfx.ko" "$p/bpfx-doctor" "$p/base-btf.sh" "$p/btfids" "$kd/lockdown/"
	cp "$top/tests/guest/lockdown.sh" "$kd/lockdown/run.sh"
	BPFX_KERNEL_ARGS=lockdown=integrity bash "$top/tests/kernel/boot.sh" "$VMLINUZ" "$kd/lockdown" \
		"$kd/lockdown.log" > /dev/null 2>"$kd/lockdown.err"
	exec {fd}>&-
	tr -d '\r' < "$kd/lockdown.log" | grep -E '^#lockdown|^guest:'
	lline=$(tr -d '\r' < "$kd/lockdown.log" | grep -E '^guest: [0-9]+ passed' | tail -1)
	[ -n "$lline" ] || lline="guest: 0 passed, 1 failed, 0 skipped"
	grep -E '^#|^kernel |^fuzz:|^=== driver|^guest:|passed, .* failed|FAIL|verifier|bpfx' "$kd/serial.log" | tr -d '\r'
	line=$(tr -d '\r' < "$kd/serial.log" | grep -E '^guest: [0-9]+ passed' | tail -1)
	if [ "$brc" != 0 ] || [ -z "$line" ]; then
		tail -n 30 "$kd/boot.err" "$kd/serial.log"
		msg "$KVER: guest did not report (boot.sh rc $brc)"
		return
	fi
	grep -E '(time|cpu): qemu' "$kd/boot.err"
	# The doctor's report from inside the guest (run.sh runs it after insmod).
	sh "$top/tests/doctor-expect.sh" guest "$KVER" "$kd/serial.log" > "$kd/doctor.expect"
	cat "$kd/doctor.expect"
	set -- $lline
	local lp=$2 lf=$4
	set -- $(counts "$kd/doctor.expect")
	lp=$((lp + $1)) lf=$((lf + $2))
	bash "$top/tests/examples.sh" check "$out/examples" "$kd/serial.log" > "$kd/examples.report" 2>&1
	cat "$kd/examples.report"
	set -- $(counts "$kd/examples.report")
	lp=$((lp + $1)) lf=$((lf + $2))
	set -- $line
	echo "$(($2 + lp)) $(($4 + lf)) $6" > "$kd/result"
}
declare -A guest_pid
start_guests() {
	local k
	for k in $kernels; do
		[ -n "${summary[$k]:-}" ] && continue
		guest_job "$(bpfx_norm_kver "$k")" &
		guest_pid[$k]=$!
	done
}
wait_guests() {
	local k kd
	for k in $kernels; do
		[ -n "${guest_pid[$k]:-}" ] || continue
		wait "${guest_pid[$k]}"
		kd=$out/$(bpfx_norm_kver "$k")
		cat "$kd/report"
		add "$(bpfx_norm_kver "$k")" $(cat "$kd/result")
	done
}

# The examples (tests/examples.sh): built and checked against tshark here,
# run by each guest (a payload subdir tests/guest/run.sh calls).
bash "$top/tests/examples.sh" prepare "$out/examples" "$base61" > "$out/examples.log" 2>&1 || tail -20 "$out/examples.log"
start_guests
# Host-side checks, each a test: the build must fail loudly where it cannot
# produce a working module, and the programs must build against a 7.x
# vmlinux.h that carries the kernel's own kfunc prototypes.
hp=0 hf=0
host_ok()  { hp=$((hp+1)); echo "#host $1:OK"; }
host_bad() { hf=$((hf+1)); echo "#host $1:FAIL ($2)"; }
# One tree for all of them: the first run compiles, and fails after kbuild
# (in tools/module-btf.sh); the next ones get the kbuild output back
# unchanged (timestamps kept, so kbuild has nothing to do) and fail again in
# the step they test, without compiling bpfx three times.
fail_tree=$out/host-build-fail
# The situations they need are built here, whatever this host has installed:
# an empty root stands for /sys and /boot (tools/module-btf.sh's
# BPFX_SYSROOT), so a host that runs or has the 6.1 image changes nothing.
noboot=$out/host-no-boot-root
mkdir -p "$noboot/boot" "$noboot/sys"
expect_build_failure() { # name message make-args...
	local name=$1 want=$2 log=$out/host-$1.log
	shift 2
	if [ ! -d "$fail_tree" ]; then
		bpfx_copy_tree "$top" "$fail_tree"
	elif [ -f "$fail_tree/bpfx.ko.kbuild" ]; then
		cp -p "$fail_tree/bpfx.ko.kbuild" "$fail_tree/bpfx.ko"
	fi
	if make -C "$fail_tree" KDIR="$KDIR" BPFX_SYSROOT="$noboot" "$@" > "$log" 2>&1; then
		host_bad "$name" "build succeeded"
	elif grep -q -- "$want" "$log"; then
		host_ok "$name"
	else
		host_bad "$name" "no '$want' in the build log"; tail -5 "$log"
	fi
	# Keep kbuild's own output for the next one, never a module that
	# already went through pahole (it would fail, or pass, for another reason).
	if [ ! -f "$fail_tree/bpfx.ko.kbuild" ] && [ -f "$fail_tree/bpfx.ko" ] &&
		[ "$(readelf -S -W "$fail_tree/bpfx.ko" | grep -c ' \.BTF ')" = 0 ]; then
		cp -p "$fail_tree/bpfx.ko" "$fail_tree/bpfx.ko.kbuild"
	fi
}
if . "$(bpfx_env_file 6.1)" 2>/dev/null; then
	# 6.1 headers have no vmlinux; this is not the running kernel; no /boot
	# image: there is no base BTF, and the build must say so. (First: it
	# fails before pahole, so the .ko kept for the others is kbuild's own.)
	expect_build_failure build_without_base_btf "no base BTF for kernel" KDIR="$KDIR"
	expect_build_failure build_with_broken_pahole "pahole failed to encode BTF" \
		VMLINUX_BTF="$base61" PAHOLE_FLAGS=--no-such-pahole-flag
	expect_build_failure build_with_empty_base_btf "pahole failed to encode BTF" \
		VMLINUX_BTF=/dev/null
fi
if . "$(bpfx_env_file 7.2)" 2>/dev/null && [ -d "$BUILD_ROOT" ] && [ -n "$sid_driver" ]; then
	h=$out/vmlinux-7.x
	mkdir -p "$h"
	if chroot "$BUILD_ROOT" bpftool btf dump file "$KDIR/vmlinux" format c > "$h/vmlinux.h" 2>"$h.err" &&
		grep -q 'bpf_dynptr_adjust' "$h/vmlinux.h"; then
		for f in "$top"/progs/*.bpf.c; do
			if clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -fms-extensions -Wno-microsoft-anon-tag -Wall -Werror \
				-I"$h" -I"$top/include" -I"$top/progs" -c "$f" -o "$h/x.o" 2>"$h/err"; then
				host_ok "vmlinux_h_7x/$(basename "$f")"
			else
				host_bad "vmlinux_h_7x/$(basename "$f")" "$(head -3 "$h/err")"
			fi
		done
	else
		host_bad vmlinux_h_7x "no kfunc prototypes from sid's bpftool: $(head -3 "$h.err")"
	fi
fi
wait "$dkms_pid"
grep -E '^#host|^\[dkms\] time' "$out/dkms.out"
grep -q '^dkms: ' "$out/dkms.out" || { tail -30 "$out/dkms.out"; host_bad dkms "tests/dkms.sh did not finish"; }
set -- $(counts "$out/dkms.out")
hp=$((hp + $1)) hf=$((hf + $2))
# The doctor on this host, against each kernel's headers (7.2's inside its
# chroot): what it must say is in tests/doctor-expect.sh. Its /boot is a
# fake root's (the rest links to this host's), so the verdict does not
# depend on which kernel images this host has: once without the target's
# image (6.1's headers then give no base BTF), once with it.
doctor_root() { # DIR [IMAGE]: this host's /etc /usr /proc /sys, a /boot of our own
	rm -rf "$1" && mkdir -p "$1/boot"
	for d in etc usr proc sys lib; do ln -s "/$d" "$1/$d"; done
	[ -z "${2:-}" ] || ln -s "$2" "$1/boot/$(basename "$2")"
}
doctor_host() { # KVER MODE [IMAGE]
	local r=$out/doctor-$2-$1.txt
	if [ -z "$BUILD_ROOT" ]; then
		doctor_root "$out/doctor-root-$2" "${3:-}"
		BPFX_DOCTOR_ROOT=$out/doctor-root-$2 sh "$top/tools/bpfx-doctor" -k "$KDIR" > "$r" 2>&1
	else
		rm -rf "$BUILD_ROOT/tmp/bpfx-doctor" && mkdir -p "$BUILD_ROOT/tmp/bpfx-doctor"
		cp "$top/tools/bpfx-doctor" "$top/tools/base-btf.sh" "$BUILD_ROOT/tmp/bpfx-doctor/"
		chroot "$BUILD_ROOT" sh /tmp/bpfx-doctor/bpfx-doctor -k "$KDIR" > "$r" 2>&1
	fi
	sh "$top/tests/doctor-expect.sh" "$2" "$1" "$r" > "$r.expect"
	cat "$r.expect"
	set -- $(counts "$r.expect")
	hp=$((hp + $1)) hf=$((hf + $2))
}
for k in $dkms_k; do
	. "$(bpfx_env_file "$k")"
	doctor_host "$k" host
	[ -n "$BUILD_ROOT" ] || [ "$HEADERS_HAVE_VMLINUX" = 1 ] ||
		doctor_host "$k" host-image "$VMLINUZ"
done
summary[host]="$hp passed, $hf failed, 0 skipped"
total_p=$((total_p + hp)) total_f=$((total_f + hf))

# The host tools' own unit tests (tools/tests: btfids, extract-vmlinux-btf,
# the doctor on fake roots) are part of the check too.
BPFX_TEST_VMLINUZ=$(. "$(bpfx_env_file 6.1)" && echo "$VMLINUZ") \
	make -C "$top/tools" test > "$out/tools-test.log" 2>&1
tools_rc=$?
grep -E 'FAIL|SKIP' "$out/tools-test.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/tools-test.log" | tail -n 1)
if [ "$tools_rc" = 0 ] && [ -n "$line" ]; then
	set -- $line
	add tools "$1" "$3" "${5:-0}"
else
	tail -n 20 "$out/tools-test.log"
	set -- ${line:-0 passed, 1 failed}
	add tools "$1" "$(( $3 > 0 ? $3 : 1 ))" "${5:-0}"
fi

wait_guests
echo
echo "=== bpfx test matrix ($(bpfx_elapsed "$t0") s) ==="
for k in $kernels; do
	[ -f "$(bpfx_env_file "$k")" ] && . "$(bpfx_env_file "$k")"
	printf '  %-5s %-24s %s\n' "$k" "${KREL:-?}" "${summary[$(bpfx_norm_kver "$k")]:-${summary[$k]:-not run}}"
done
printf '  %-5s %-24s %s\n' host "build checks" "${summary[host]}"
printf '  %-5s %-24s %s\n' tools "make -C tools test" "${summary[tools]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
