#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test matrix: for each kernel, build bpfx against its real Debian
# headers, boot its real Debian image in QEMU (TCG) with bpfx, the test
# driver and tests/guest/run.sh, and collect the results. Prints a summary
# per kernel and, last, "N passed, N failed, N skipped".
#
# usage: tests/check.sh [ROW|all|default]...  (rows of tests/kernels.list,
#        or their aliases; none: the default set)
# env: BPFX_CACHE (default /var/cache/bpfx), BPFX_TEST_ARGS (driver args)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=check
kernels=$(bpfx_select "$@") || exit 1
kernels=$(echo $kernels)
host_userland=$(bpfx_host_userland)
# The architectures of this run; per arch a baseline row (its first in the
# list), whose BTF that arch's programs are built against.
arches=$(for k in $kernels; do bpfx_row "$k"; echo "$ROW_ARCH"; done | awk '!seen[$0]++')
baseline=$(bpfx_baseline_row "$BPFX_HOST_ARCH")
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
	# A row marked unsupported (tests/kernels.list): its results are the
	# evidence, its failures do not fail the run.
	if [[ " $kernels " == *" $1 "* ]] && bpfx_row "$1" && [ "${ROW_STATUS%%:*}" = unsupported ]; then
		if [ "$3" = 0 ]; then
			summary[$1]+=" (marked unsupported, but passes: remove the mark in tests/kernels.list)"
		else
			summary[$1]+=" (unsupported, not counted: ${ROW_STATUS#unsupported: })"
			set -- "$1" "$2" 0 "$4"
		fi
	fi
	total_p=$((total_p + $2)) total_f=$((total_f + $3)) total_s=$((total_s + $4))
}

# 1. the kernels, their BTF, the BPF programs and driver. prepare.sh runs
# for BPFX_PREPARE_JOBS rows at once (default 3: mostly apt queries and
# downloads; rows sharing a userland root take turns on its lock), host-built
# rows first (their downloads are the quick ones); each row's log is printed
# whole when it ends. The baseline row of each arch is always prepared: the
# programs are built against its BTF.
msg "kernels: $kernels"
prep_pid=() prep_row=()
prep_reap() { # wait for the oldest job; a failed row is marked
	local k=${prep_row[0]}
	wait "${prep_pid[0]}" || { [[ " $kernels " == *" $k "* ]] && add "$k" 0 1 0; }
	cat "$out/prepare-$k.log" >&2
	prep_pid=("${prep_pid[@]:1}") prep_row=("${prep_row[@]:1}")
}
to_prepare=$(for k in $kernels; do bpfx_row "$k"; [ "$ROW_USERLAND" = "$host_userland" ] && echo "$k"; done
	for k in $kernels; do bpfx_row "$k"; [ "$ROW_USERLAND" != "$host_userland" ] && echo "$k"; done
	for a in $BPFX_HOST_ARCH $arches; do
		b=$(bpfx_baseline_row "$a")
		case " $kernels " in *" $b "*) ;; *) echo "$b" ;; esac
	done)
for k in $to_prepare; do
	[ "${#prep_pid[@]}" -lt "${BPFX_PREPARE_JOBS:-3}" ] || prep_reap
	bash "$top/tests/kernel/prepare.sh" "$k" >"$out/prepare-$k.log" 2>&1 &
	prep_pid+=($!) prep_row+=("$k")
done
while [ "${#prep_pid[@]}" -gt 0 ]; do prep_reap; done
# The modules under test come from Debian's DKMS (tests/dkms.sh: the
# bpfx-dkms .deb installed in each row's userland root), signed with a
# throwaway MOK; built while the programs build.
dkms_k=
for k in $kernels; do
	[ -z "${summary[$k]:-}" ] && dkms_k+=" $k"
done
bash "$top/tests/dkms.sh" "$out/dkms" $dkms_k > "$out/dkms.out" 2>&1 &
dkms_pid=$!
# A failing step (die) must not leave DKMS or guests running behind us.
trap 'jobs -p | xargs -r kill 2>/dev/null' EXIT
step "static btfids (the doctor's BTF reader in the guests)" make -s -C "$top/tools" btfids-static
# build_progs ARCH: the BPF programs and the static driver (and a static
# btfids for the doctor) for ARCH's guests, in $out/progs-ARCH, against the
# BTF of ARCH's baseline row. Another arch than the host's: Debian's -dev
# packages of that arch unpacked (sysroot.sh) and its cross compiler.
build_progs() {
	local a=$1 b btf sr cross
	b=$(bpfx_baseline_row "$a")
	btf=$out/vmlinux-$b.btf
	(. "$(bpfx_env_file "$b")" && "$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$btf") || die "no BTF from $b's image"
	if [ "$a" = "$BPFX_HOST_ARCH" ]; then
		make -s -C "$top/tests" O="$out/progs-$a" VMLINUX_BTF="$btf" || return 1
		cp "$top/tools/btfids-static" "$out/progs-$a/btfids"
		return
	fi
	sr=$(BPFX_ARCH=$a bash "$top/tests/kernel/sysroot.sh") || return 1
	cross=$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_TYPE 2>/dev/null)-
	make -s -C "$top/tests" O="$out/progs-$a" VMLINUX_BTF="$btf" BPF_ARCH="$(bpfx_kernel_arch "$a")" \
		SYSROOT="$sr" CC="${cross}gcc" || return 1
	"${cross}gcc" -O2 -Wall -static -I"$sr/usr/include" -o "$out/progs-$a/btfids" "$top/tools/btfids.c" \
		-L"$sr/usr/lib/${cross%-}" -lbpf -lelf -lz || return 1
	cp "$sr/bin/busybox" "$out/progs-$a/busybox"
}
for a in $arches; do
	step "BPF programs and driver for $a" build_progs "$a" || die "building the BPF programs / driver for $a failed"
done
base_btf=$out/vmlinux-$baseline.btf
[ -f "$base_btf" ] || (. "$(bpfx_env_file "$baseline")" && "$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$base_btf") ||
	die "no BTF from $baseline's image"

# The roots of this run's rows that are not the host's release, and in each
# the row with the newest kernel.
declare -A root_row
for k in $dkms_k; do
	. "$(bpfx_env_file "$k")"
	[ -n "$BUILD_ROOT" ] && [ "$BPFX_ARCH" = "$BPFX_HOST_ARCH" ] || continue
	if [ -z "${root_row[$BUILD_ROOT]:-}" ] ||
		dpkg --compare-versions "$PKG_VERSION" gt "$(. "$(bpfx_env_file "${root_row[$BUILD_ROOT]}")" && echo "$PKG_VERSION")"; then
		root_row[$BUILD_ROOT]=$k
	fi
done
# The same driver built with the newest libbpf of those roots (static): the
# programs must work whatever libbpf loads them, and libbpf >= 1.2 also
# resolves the ___flavour names the natives-first wrappers need. The roots
# are tried newest libbpf first: a root whose static libraries do not link
# (trixie's libelf.a 0.192-4 lacks elfutils' eu_search_tree_*) gives way to
# the next.
new_driver= new_root=
roots_by_libbpf=$(for r in "${!root_row[@]}"; do
	v=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Version}' libbpf-dev 2>/dev/null) && echo "$v $r"
done | sort -V -r | cut -d' ' -f2)
# newer_driver ARCH: that driver for ARCH's guests, built in new_root; for
# another arch than the host's with the root's cross compiler, against its
# release's -dev packages of that arch (sysroot.sh) copied into the root.
newer_driver() {
	local a=$1 nu d cc=cc inc= sr cross
	nu=$(basename "$new_root")
	d=$new_root/build/driver-$a
	rm -rf "$d" && mkdir -p "$d"
	(cd "$top/tests" && cp $(make -s -C "$top/tests" print-srcs) *.h "$d/")
	cp "$top"/include/*.h "$top"/progs/*.h "$out/progs-$a"/*.skel.h "$d/"
	if [ "$a" != "$BPFX_HOST_ARCH" ]; then
		cross=$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_TYPE 2>/dev/null)
		bash "$top/tests/kernel/userland-root.sh" "$nu" "gcc-$cross" "libc6-dev-$a-cross" >/dev/null 2>"$out/$nu-driver-$a.log" || return 1
		sr=$(BPFX_ARCH=$a bash "$top/tests/kernel/sysroot.sh" "$nu" 2>>"$out/$nu-driver-$a.log") || return 1
		cp -a "$sr" "$d/sysroot"
		cc=$(cd "$new_root/usr/bin" && ls "$cross"-gcc-[0-9]* 2>/dev/null | sort -V | tail -n 1)
		[ -n "$cc" ] || { echo "no $cross-gcc-N in the $nu root" >>"$out/$nu-driver-$a.log"; return 1; }
		inc="-Isysroot/usr/include -Lsysroot/usr/lib/$cross"
	fi
	chroot "$new_root" sh -c "cd /build/driver-$a && $cc -O2 -Wall -Werror -I. $inc -static -o bpfx_test_run *.c -lbpf -lelf -lz -lzstd -lpthread" \
		>>"$out/$nu-driver-$a.log" 2>&1 || return 1
	cp "$d/bpfx_test_run" "$out/bpfx_test_run-$nu-$a"
	msg "driver for $a with $nu's libbpf: $(chroot "$new_root" dpkg-query -W -f='${Version}' libbpf-dev)"
}
for r in $roots_by_libbpf; do
	new_root=$r
	for a in $arches; do
		newer_driver "$a" && continue
		cat "$out/$(basename "$r")-driver-$a.log"
		msg "the $a driver does not build in the $(basename "$r") root (above): trying the next root"
		new_root=
		break
	done
	[ -z "$new_root" ] || break
done
if [ -z "$new_root" ]; then
	msg "SKIP: the driver with a newer libbpf (and the vmlinux.h checks): no root of this run's rows${roots_by_libbpf:+ links it statically} (rows built outside the host's $host_userland: ${roots_by_libbpf:-none})"
else
	new_driver=$out/bpfx_test_run-$(basename "$new_root")
fi

# One kernel's guest run; prints its lines into $kd/report and
# "passed failed skipped" into $kd/result. Runs as a background job: it
# waits for its DKMS module, then for one of BPFX_QEMU_SLOTS QEMU slots
# (default 4, a guest per kernel: guests wait on RCU and timers, a third of
# their time in the lifecycle cycles alone, with little CPU; on 2 CPUs, 3
# slots took the warm three-kernel matrix from 195 s to 163 s against 2).
guest_job() {
	local k=$1 kd ko p brc line i fd
	. "$(bpfx_env_file "$k")"
	KVER=$k
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
	cp "$ko" "$top/tests/guest/run.sh" "$out/progs-$BPFX_ARCH/bpfx_test_run" "$p/"
	cp "$top/tools/bpfx-doctor" "$top/tools/base-btf.sh" "$p/"
	cp "$out/progs-$BPFX_ARCH/btfids" "$p/btfids"
	local busybox=
	[ "$BPFX_ARCH" = "$BPFX_HOST_ARCH" ] || busybox=$out/progs-$BPFX_ARCH/busybox
	# The examples' loaders for this arch (examples_job, below).
	local ep=$out/examples/payload
	[ "$BPFX_ARCH" = "$BPFX_HOST_ARCH" ] || ep+=-$BPFX_ARCH
	until [ -e "$out/examples/$BPFX_ARCH.done" ] || ! kill -0 "$examples_pid" 2>/dev/null; do sleep 1; done
	[ -e "$out/examples/$BPFX_ARCH.done" ] && cp -r "$ep" "$p/examples"
	# What bpfx registers on this kernel, from its build.
	eval "$(bpfx_probes "$out/dkms" "$KVER")"
	# The newer-libbpf driver where the verifier takes the UAPI
	# struct bpf_dynptr in kfuncs (the kernel's own dynptr kfuncs, which
	# the natives-first wrappers resolve, exist there).
	[ "${PROBE_KFUNC_DYNPTR_UAPI:-n}" = y ] && [ -n "$new_driver" ] &&
		cp "$new_driver-$BPFX_ARCH" "$p/${new_driver##*/}"
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
	bash "$top/tests/kernel/misalign-ko.sh" "$p/bpfx.ko" "$p/bpfx-misaligned.ko" 2>&1
	while :; do
		for i in $(seq "${BPFX_QEMU_SLOTS:-4}"); do
			exec {fd}>"$out/qemu-slot$i.lock"
			flock -n "$fd" && break 2
			exec {fd}>&-
		done
		sleep 0.5
	done
	# A KASAN kernel (the debug rows) runs everything several times
	# slower under TCG: its guest gets three times the time. KASAN
	# reports only its first finding unless told otherwise: with
	# kasan_multi_shot a report before bpfx's tests cannot hide one
	# during them (nor the gate's own LKDTM proof).
	# no5lvl (x86): with -cpu max the guest has LA57, and 7.3's KASAN
	# judges an address by pgtable_l5_enabled(), which reads
	# boot_cpu_data's LA57 bit before alternatives are patched;
	# identify_cpu() clears those bits and sets them again while
	# interrupts are on (arch_cpu_finalize_init), so an interrupt in
	# that window had a valid direct-map lock reported as
	# "wild-memory-access" (seen once on 7.3.4-bpfx-debug, before any
	# module). 4-level paging has no such window.
	local tmo=$bpfx_boot_timeout kargs=
	if grep -q '^CONFIG_KASAN=y' "$BUILD_ROOT$KDIR/.config" 2>/dev/null; then
		tmo=$((tmo * 3)) kargs=kasan_multi_shot
		[ "$BPFX_ARCH" != amd64 ] || kargs="$kargs no5lvl"
	fi
	BPFX_ARCH=$BPFX_ARCH BPFX_BUSYBOX=$busybox BPFX_BOOT_TIMEOUT=$tmo BPFX_KERNEL_ARGS=$kargs \
		bash "$top/tests/kernel/boot.sh" "$VMLINUZ" "$p" "$kd/serial.log" > /dev/null 2>"$kd/boot.err"
	brc=$?
	exec {fd}>&-
	grep -E '^#|^kernel |^fuzz:|^progfuzz:|^=== driver|^guest:|passed, .* failed|FAIL|verifier|bpfx' "$kd/serial.log" | tr -d '\r'
	line=$(tr -d '\r' < "$kd/serial.log" | grep -E '^guest: [0-9]+ passed' | tail -1)
	if [ "$brc" != 0 ] || [ -z "$line" ]; then
		tail -n 30 "$kd/boot.err" "$kd/serial.log"
		msg "$KVER: guest did not report (boot.sh rc $brc)"
		return
	fi
	grep -E '(time|cpu): qemu' "$kd/boot.err"
	# The doctor's report from inside the guest (run.sh runs it after insmod).
	bpfx_doctor_expect guest "$KREL" "$kd/serial.log" > "$kd/doctor.expect"
	cat "$kd/doctor.expect"
	local lp lf
	set -- $(counts "$kd/doctor.expect")
	lp=$1 lf=$2
	BPFX_KF_ITER=${PROBE_KF_ITER:-} BPFX_ARCH=$BPFX_ARCH \
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
		guest_job "$k" &
		guest_pid[$k]=$!
	done
}
wait_guests() {
	local k kd
	for k in $kernels; do
		[ -n "${guest_pid[$k]:-}" ] || continue
		wait "${guest_pid[$k]}"
		kd=$out/$k
		cat "$kd/report"
		add "$k" $(cat "$kd/result")
	done
}

# The examples (tests/examples.sh): built and checked against tshark here,
# run by each guest (a payload subdir tests/guest/run.sh calls); for each
# arch of the run, built while the guests of the others start. A guest
# waits for its arch's "ARCH.done"; a failed build leaves none, and
# examples.sh check fails that guest's examples.
examples_job() {
	local a
	bash "$top/tests/examples.sh" prepare "$out/examples" "$base_btf" > "$out/examples.log" 2>&1 ||
		{ tail -20 "$out/examples.log"; return 1; }
	for a in $arches; do
		[ "$a" != "$BPFX_HOST_ARCH" ] || continue
		bash "$top/tests/examples.sh" prepare-arch "$out/examples" "$a" "$out/vmlinux-$(bpfx_baseline_row "$a").btf" \
			> "$out/examples-$a.log" 2>&1 || tail -20 "$out/examples-$a.log"
	done
}
examples_job &
examples_pid=$!
start_guests
# Host-side checks, each a "#host" line (tests/host-checks.sh): the build
# must fail loudly where it cannot produce a working module, the programs
# must build against a 7.x vmlinux.h that carries the kernel's own kfunc
# prototypes, DKMS (tests/dkms.sh) and the doctor on this host.
# A host-checks.sh that stops early (die) is a failed check, not fewer.
host_checks() { # MODE ARGS...
	local r=$out/host-$1.report
	bash "$top/tests/host-checks.sh" "$@" > "$r" ||
		echo "#host host_checks_$1:FAIL (tests/host-checks.sh $1 exited $?)" >> "$r"
	tee -a "$out/host.report" < "$r"
}
: > "$out/host.report"
host_checks builds "$out" "$baseline" "${root_row[@]}"
wait "$dkms_pid"
grep -E '^#host|^\[dkms\] time' "$out/dkms.out" | tee -a "$out/host.report"
grep -q '^dkms: ' "$out/dkms.out" ||
	{ tail -30 "$out/dkms.out"; echo "#host dkms:FAIL (tests/dkms.sh did not finish)" | tee -a "$out/host.report"; }
host_checks doctor "$out" $dkms_k
set -- $(counts "$out/host.report")
add host "$1" "$2" 0

# The host tools' own unit tests (tools/tests: btfids, extract-vmlinux-btf,
# the doctor on fake roots) are part of the check too.
BPFX_TEST_VMLINUZ=$(. "$(bpfx_env_file "$baseline")" && echo "$VMLINUZ") \
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
	KREL=?
	[ -f "$(bpfx_env_file "$k")" ] && . "$(bpfx_env_file "$k")"
	printf '  %-16s %-28s %s\n' "$k" "$KREL" "${summary[$k]:-not run}"
done
printf '  %-16s %-28s %s\n' host "build checks" "${summary[host]}"
printf '  %-16s %-28s %s\n' tools "make -C tools test" "${summary[tools]}"
# The support table (docs/KERNELS.md is a KERNELS=all run's).
bash "$top/tests/kernels-doc.sh" "$out" $kernels > "$out/KERNELS.md"
# Written by a run that covered every row of KERNELS=all (and maybe more).
if [ -z "$(comm -23 <(bpfx_select all | sort) <(printf '%s\n' $kernels | sort))" ]; then
	cp "$out/KERNELS.md" "$top/docs/KERNELS.md"
	msg "wrote docs/KERNELS.md"
else
	msg "support table of this run: $out/KERNELS.md (docs/KERNELS.md comes from KERNELS=all)"
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
