#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (busybox): load bpfx, run the test driver,
# unload, and fail on any kernel splat. Prints test_progs-style lines and,
# last, "N passed, N failed, N skipped" for everything it ran.
# $BPFX_TEST_ARGS (from /payload/args) is passed to the driver.
cd /payload
pass=0 fail=0 skip=0 n=0
ok()  { n=$((n+1)); pass=$((pass+1)); echo "#g$n $1:OK"; }
bad() { n=$((n+1)); fail=$((fail+1)); echo "#g$n $1:FAIL ($2)"; }
args=$(cat args 2>/dev/null)
[ -f env ] && . ./env

# The kernel log, kept whole: the ring buffer wraps during a long run, and
# a line count of dmesg then stops moving (a check after the wrap saw
# nothing, and the splat gate would miss early splats). /dev/kmsg records
# are "prio,seq,time,flags;text": checks compare sequence numbers, so the
# duplicates a restarted cat (EPIPE: it fell behind) appends do no harm.
(while :; do cat /dev/kmsg || sleep 1; done) > /tmp/kmsg 2>/dev/null &
# klog [SEQ]: the text of every record after SEQ (default: all), once each.
klog() {
	awk -v m="${1:--1}" '/^ / { next }
		{ i = index($0, ";"); split(substr($0, 1, i), f, ",")
		  if (f[2] + 0 > m && !seen[f[2]]++) print substr($0, i + 1) }' /tmp/kmsg
}
# Wait until the kernel's latest record is in /tmp/kmsg; print its seq.
ksync() {
	t="bpfx-sync $(cat /proc/sys/kernel/random/uuid)"
	echo "$t" > /dev/kmsg
	i=0
	until grep -q "$t" /tmp/kmsg; do
		i=$((i+1)); [ $i -ge 200 ] && break
		sleep 0.05
	done
	grep "$t" /tmp/kmsg | head -n 1 | cut -d, -f2
}
mark() { ksync; }
since() { ksync >/dev/null; klog "$1" | grep -v '^bpfx-sync '; }

# try_bad_module NAME FILE MSG: insmod FILE must fail, MSG in the kernel log.
# Modules that must refuse to load: no BTF, unresolved kfunc ids, and a
# kfunc set the loader placed misaligned (tests/kernel/misalign-ko.sh).
try_bad_module() {
	m=$(mark)
	if insmod "$2" 2>/tmp/insmod.err; then
		rmmod bpfx
		bad "$1" "insmod succeeded"
	elif since "$m" | grep -q "$3"; then
		ok "$1"
	else
		bad "$1" "no kernel log line '$3'; insmod said: $(cat /tmp/insmod.err)"; since "$m" | tail -5
	fi
}
if [ -f bpfx-nobtf.ko ]; then
	try_bad_module refuse_without_btf bpfx-nobtf.ko "bpfx: module has no BTF"
	try_bad_module refuse_unresolved_ids bpfx-noids.ko "bpfx: kfunc set is empty"
	if [ -f bpfx-misaligned.ko ]; then
		try_bad_module refuse_misaligned_ids bpfx-misaligned.ko "bpfx: kfunc set is not 8-byte aligned"
	else
		bad refuse_misaligned_ids "no bpfx-misaligned.ko: tests/kernel/misalign-ko.sh could not make one (the matrix log says why)"
	fi
fi

unload() { # programs are freed after an RCU grace period: EAGAIN at first
	i=0
	until rmmod bpfx 2>/dev/null; do
		i=$((i+1))
		[ $i -ge 50 ] && return 1
		sleep 0.2
	done
}

# The in-kernel self-test of the runtime checks (bpfx_selftest.c).
m=$(mark)
if insmod bpfx.ko selftest=1; then
	since "$m" | grep 'bpfx: selftest'
	if since "$m" | grep -q 'bpfx: selftest: [0-9]* passed, 0 failed'; then
		ok selftest
	else
		bad selftest "no clean selftest line"
	fi
	unload
else
	bad selftest "insmod selftest=1 failed"; since "$m" | grep bpfx
fi

m=$(mark)
if insmod bpfx.ko; then ok insmod; else bad insmod "insmod failed"; dmesg | tail -20; fi
if [ -f /sys/kernel/btf/bpfx ]; then ok module_btf; else bad module_btf "no /sys/kernel/btf/bpfx"; fi
if since "$m" | grep -q "bpfx: registered"; then ok registered; else bad registered "no registration line"; fi
guard_built=0
grep -q '^armed$' /sys/module/bpfx/parameters/dynptr_guard 2>/dev/null && guard_built=1
# The verifier guard must be armed where it is built (6.1): else the
# writers are missing and half the suite would fail for that reason.
if since "$m" | grep -q "bpfx: dynptr guard missing"; then bad guard_armed "$(since "$m" | grep 'dynptr guard missing')"; fi
since "$m" | grep bpfx
# What the doctor says here (tests/doctor-expect.sh checks it on the host).
[ -f bpfx-doctor ] && sh ./bpfx-doctor

# Every driver in the payload: built with Debian 12's libbpf 1.1 and, for
# 6.12+, with sid's libbpf, so both old and new loaders are proven. The
# second leaves out the suites whose verdict is the kernel's alone: the
# rejections (misuse, dynptr_fail, var_off) and the fuzzers (their own
# loads, or one object run many times). What a newer libbpf changes is how
# it relocates and loads a program (module kfuncs, ___flavour names,
# CO-RE), which the suites that load and run programs prove; every object
# load costs ~0.15 s here (libbpf parses vmlinux BTF each time).
for drv in bpfx_test_run*; do
	echo "=== driver $drv ==="
	x=
	[ "$drv" = bpfx_test_run ] || x="-x misuse,dynptr_fail,var_off,fuzz,progfuzz"
	# shellcheck disable=SC2086
	{ ./$drv $args $x; echo $? > driver.rc; } 2>&1 | tee driver.out
	rc=$(cat driver.rc)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' driver.out | tail -1)
	if [ -n "$line" ]; then
		set -- $line
		pass=$((pass+$1)); fail=$((fail+$3)); skip=$((skip+${5:-0}))
		[ "$rc" = 0 ] || [ "$3" != 0 ] || bad "$drv-exit" "rc $rc with no failure"
	else
		bad "$drv" "no closing line, rc $rc"
	fi
done

# The examples, bpfx loaded (tests/examples.sh checks their output).
[ -f examples/run.sh ] && sh examples/run.sh
unload
if [ -d /sys/module/bpfx ]; then bad rmmod "still loaded"; else ok rmmod; fi

# The owner's override (docs/SAFETY.md, T7): bpfx reloaded with
# unguarded_writes=1. Where the guard is built (6.1) the var_off attacks
# must now load (only load: none is run), which proves their tests can
# fail; elsewhere the kernel itself still refuses them.
m=$(mark)
if insmod bpfx.ko unguarded_writes=1; then
	ok insmod_unguarded
	echo "dynptr_guard: $(cat /sys/module/bpfx/parameters/dynptr_guard 2>&1)"
	since "$m" | grep bpfx
	# shellcheck disable=SC2086
	./bpfx_test_run -t dynptr_guard --set BPFX_UNGUARDED=1 > unguarded.out 2>&1
	cat unguarded.out
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' unguarded.out | tail -1)
	if [ -n "$line" ]; then
		set -- $line
		pass=$((pass+$1)); fail=$((fail+$3)); skip=$((skip+${5:-0}))
	else
		bad unguarded_driver "no closing line"
	fi
	if grep -q '^off:' /sys/module/bpfx/parameters/dynptr_guard; then
		if since "$m" | grep -q 'bpfx: unguarded_writes=1: trim, advance and clone registered without the verifier guard'; then
			ok unguarded_logged
		else
			bad unguarded_logged "no kernel log line for unguarded_writes=1"
		fi
	fi
	unload
	if [ -d /sys/module/bpfx ]; then bad rmmod_unguarded "still loaded"; else ok rmmod_unguarded; fi
else
	bad insmod_unguarded "insmod unguarded_writes=1 failed"; since "$m" | grep bpfx
fi

# Where the guard is built (6.1): a guard that cannot arm must leave no
# probe behind and withhold the writers. With kprobes switched off
# globally, registration succeeds but nothing fires, so the self-check
# must fail; bpfx then loads read-only and says why.
kpd=/sys/kernel/debug/kprobes
[ -d $kpd ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
guardsyms='is_dynptr_reg_valid_init|check_func_arg_reg_off'
if [ "$guard_built" = 1 ] && [ -w $kpd/enabled ]; then
	insmod bpfx.ko
	if grep -qE "$guardsyms" $kpd/list; then ok guard_probes_listed; else bad guard_probes_listed "armed, but not in $kpd/list"; fi
	unload
	if grep -qE "$guardsyms" $kpd/list; then bad guard_probes_gone "left in $kpd/list after rmmod"; else ok guard_probes_gone; fi
	echo 0 > $kpd/enabled
	m=$(mark)
	if insmod bpfx.ko; then
		st=$(cat /sys/module/bpfx/parameters/dynptr_guard)
		echo 1 > $kpd/enabled
		echo "dynptr_guard with kprobes off: $st"
		case $st in missing:*) ok guard_missing_reported ;; *) bad guard_missing_reported "state '$st'" ;; esac
		if since "$m" | grep -q 'bpfx: dynptr guard missing (.*): trim, advance and clone are not registered' &&
			since "$m" | grep -q 'bpfx: registered 5 kfuncs'; then
			ok guard_missing_readonly
		else
			bad guard_missing_readonly "no 'guard missing' line or not 5 (read-only) kfuncs"; since "$m" | grep bpfx
		fi
		if grep -qE "$guardsyms" $kpd/list; then bad guard_missing_no_probes "left in $kpd/list"; else ok guard_missing_no_probes; fi
		unload
	else
		echo 1 > $kpd/enabled
		bad guard_missing_reported "insmod failed with kprobes off"; since "$m" | grep bpfx
	fi
elif [ "$guard_built" = 1 ]; then
	bad guard_missing "no writable $kpd/enabled: cannot test a guard that fails to arm"
fi

# Lifecycle: load/unload cycles with a program loaded and run in between
# (tests/test_lifecycle.c; bpfx must be unloaded here).
if [ "${BPFX_CYCLES:-100}" -gt 0 ]; then
	./bpfx_test_run -t lifecycle --set BPFX_KO=/payload/bpfx.ko \
		--set BPFX_CYCLES="${BPFX_CYCLES:-100}" > cycle.out 2>&1
	if grep -q '^#[0-9]* lifecycle:OK' cycle.out; then
		ok "load_unload_x${BPFX_CYCLES:-100}"
	else
		bad load_unload "see below"; cat cycle.out
	fi
fi
if [ -d /sys/module/bpfx ]; then bad unloaded_at_end "still loaded"; else ok unloaded_at_end; fi

# The memory checkers boot.sh turns on (slub_debug=FZPU, page_poison=1,
# KFENCE where the kernel has it): the splat gate below only means something
# if they ran.
if grep -q 'slub_debug=FZPU' /proc/cmdline; then
	# kmalloc-256: every kernel has it (6.1 arm64 has no kmalloc-64: its
	# smallest kmalloc caches are 128 bytes, for DMA alignment)
	s=/sys/kernel/slab/kmalloc-256
	if [ "$(cat $s/poison $s/red_zone $s/sanity_checks $s/store_user 2>/dev/null | tr -d '\n')" = 1111 ]; then
		ok slub_debug_active
	else
		bad slub_debug_active "slub_debug=FZPU is on the command line but $s says otherwise"
	fi
	if [ -d /sys/kernel/debug/kfence ]; then
		if grep -q 'enabled: 1' /sys/kernel/debug/kfence/stats; then
			ok kfence_active
		else
			bad kfence_active "$(head -2 /sys/kernel/debug/kfence/stats | tr '\n' ' ')"
		fi
	fi
fi

# A debug kernel (tests/kernel/configs/debug.config) shows its config: its
# checkers must be on, and lockdep must still be at the end (it switches
# itself off after its first report, which then must be in the log).
kconf() { [ -r /proc/config.gz ] && zcat /proc/config.gz | grep -qx "CONFIG_$1=y"; }
if kconf KASAN; then
	if klog | grep -q 'KernelAddressSanitizer initialized'; then ok kasan_active
	else bad kasan_active "CONFIG_KASAN=y but no 'KernelAddressSanitizer initialized' in the log"; fi
fi
if kconf PROVE_LOCKING; then
	if grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats; then ok lockdep_still_on
	else bad lockdep_still_on "lockdep switched itself off: it reported something"; fi
fi

# Splat gate: a WARN leaves the guest running and the tests green. Reports
# of the memory checkers start with BUG (slub, KASAN, KFENCE, sleeping in
# atomic context), or say "memory corruption" (page poisoning) or UBSAN;
# lockdep's with WARNING (or INFO, for a lock it cannot track).
splat_re='BUG|WARNING|INFO: |Oops|general protection|refcount_t|list_add corruption|memory corruption|UBSAN|KASAN|KFENCE|BTF: |failed to validate module|Call Trace'
# Known kernel reports: the kernel's own bugs, not bpfx's, which a bpfx
# misuse test provokes on purpose. Each line: the report's first line
# (ERE), a line its call trace must have (ERE), and the evidence, tab-
# separated. The gate leaves out exactly such a report block ("[ cut here ]"
# to "---[ end trace ]---") and prints the evidence; any other report fails.
printf '%s\n' \
	'UBSAN: invalid-load in kernel/bpf/verifier.c:[0-9]+:[0-9]+$	^ process_dynptr_func	6.12 and 7.3: is_dynptr_reg_valid_init() (kernel/bpf/verifier.c) tests stack[spi].spilled_ptr.dynptr.first_slot before slot_type; for an iterator slot that union byte is the 5th byte of iter.btf, a kernel pointer (0x80 in the 4-level direct map), not a valid bool. Provoked by iter/iter_as_dynptr (an iterator passed as a dynptr); the slot_type test that follows still rejects the program.' \
	> /tmp/known-reports
klog_known() {
	klog | awk -F'\t' '
	FNR == NR { first[++n] = $1; trace[n] = $2; why[n] = $3; next }
	function flush(exempt,   i, j, a, b) {
		for (i = 1; i <= n && !exempt; i++) {
			a = b = 0
			for (j = 1; j <= nb; j++) {
				if (blk[j] ~ first[i]) a = 1
				if (blk[j] ~ trace[i]) b = 1
			}
			if (a && b) {
				print "known kernel report, not counted: " why[i] > "/tmp/known-seen"
				nb = 0
				return
			}
		}
		for (j = 1; j <= nb; j++) print blk[j]
		nb = 0
	}
	/\[ cut here \]/ { if (nb) flush(1); inblk = 1 }
	inblk { blk[++nb] = $0; if ($0 ~ /---\[ end trace/) { flush(0); inblk = 0 }; next }
	{ print }
	END { if (nb) flush(1) }' /tmp/known-reports -
}
ksync >/dev/null
rm -f /tmp/known-seen
splats=$(klog_known | grep -E "$splat_re" | grep -v 'bpfx_test_run' )
[ ! -s /tmp/known-seen ] || sort -u /tmp/known-seen
if [ -n "$splats" ]; then
	# the matching records, then each with the records around it (a
	# "Call Trace" alone says little)
	bad dmesg_splat "kernel log:"; echo "$splats"
	echo "--- kernel log around them:"
	klog_known | grep -B 12 -A 25 -E "$splat_re" | head -n 200
else
	ok dmesg_splat
fi

# The gate can fail: where the kernel has LKDTM (the debug kernels), provoke
# a slab overflow and an out-of-bounds index last, and the gate must see
# KASAN's and UBSAN's reports of them.
if [ -w /sys/kernel/debug/provoke-crash/DIRECT ]; then
	for t in SLAB_LINEAR_OVERFLOW:KASAN ARRAY_BOUNDS:UBSAN; do
		kconf "${t#*:}" || continue
		# KFENCE (sampled every 100 ms) may own the provoked object,
		# and then it reports instead of KASAN: provoke again, 3 times.
		try=0 seen=0
		while [ $try -lt 3 ]; do
			try=$((try + 1))
			m=$(mark)
			echo "${t%%:*}" > /sys/kernel/debug/provoke-crash/DIRECT 2>/dev/null
			if since "$m" | grep -E "$splat_re" | grep -q "${t#*:}"; then seen=1; break; fi
			since "$m" | grep -q 'BUG: KFENCE' || break
			echo "lkdtm ${t%%:*}: KFENCE took the object (attempt $try), again"
		done
		if [ $seen = 1 ]; then
			ok "splat_gate_sees_${t#*:}"
		else
			bad "splat_gate_sees_${t#*:}" "lkdtm ${t%%:*} left no ${t#*:} report the gate matches"; since "$m" | tail -20
		fi
	done
fi
# Lockdown, as Secure Boot machines boot (lockdown=integrity), raised here
# at the end: it is one way, and it closes debugfs, which the checks above
# read. The doctor must see it, and the kernel must refuse our module, which
# is signed with a key it does not hold, for lockdown's reason. (A boot of
# its own with lockdown=integrity cost every row a second guest.)
lk=/sys/kernel/security/lockdown
if [ -w $lk ] && echo integrity > $lk; then
	echo "lockdown: $(cat $lk)"
	sh ./bpfx-doctor > doctor-lockdown.out 2>&1
	# (indented: the host reads the doctor's first report from this log)
	grep -E '^(WARN|FAIL|OK) +lockdown|^     -> load a bpfx signed' doctor-lockdown.out | sed 's/^/  | /'
	if grep -q '^WARN lockdown: integrity: ' doctor-lockdown.out &&
		grep -q '^     -> load a bpfx signed with an enrolled key' doctor-lockdown.out; then
		ok doctor_sees_lockdown
	else
		bad doctor_sees_lockdown "no 'WARN lockdown: integrity' with its action"; sed 's/^/  | /' doctor-lockdown.out
	fi
	try_bad_module lockdown_refuses_untrusted bpfx.ko 'Lockdown: insmod: unsigned module loading is restricted'
else
	bad lockdown "no writable $lk (securityfs, the lockdown LSM): cannot raise lockdown"
fi

# Signatures: bpfx.ko is the DKMS-installed module, signed with a throwaway
# MOK this kernel does not trust (no UEFI, so no MOK list). With
# enforcement on (one way: sig_enforce can be set, never cleared) the kernel
# must parse that signature and miss only the key, which enrolling the MOK
# provides; an unsigned module is refused as unsigned. After lockdown: with
# enforcement on, the kernel refuses before it asks lockdown.
if [ -f bpfx-nobtf.ko ] && [ -w /sys/module/module/parameters/sig_enforce ]; then
	echo 1 > /sys/module/module/parameters/sig_enforce
	try_bad_module signed_needs_only_the_key bpfx.ko 'Loading of module with unavailable key is rejected'
	try_bad_module unsigned_refused bpfx-nobtf.ko 'Loading of unsigned module is rejected'
else
	bad signature_checks "no bpfx-nobtf.ko or no writable sig_enforce: cannot test signatures"
fi

echo "guest: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
