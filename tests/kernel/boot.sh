#!/bin/bash
# boot.sh VMLINUZ PAYLOAD_DIR LOG -- boot a kernel under QEMU/TCG with a
# busybox initramfs that runs PAYLOAD_DIR/run.sh, then powers off.
#
# An initramfs (not a 9p root) because Debian builds virtio/9p as modules,
# which would have to be carried per kernel; busybox-static has no deps.
# TCG because KVM does not work on the test hosts.
#
# Serial console goes to LOG and stdout.  The guest prints
#   BPFX-GUEST-START          first thing in /init
#   BPFX-GUEST-EXIT <rc>      exit status of run.sh
# Exit status: 0 = payload ran (its rc is printed and stored in LOG.rc),
#              2 = guest never reached /init (after one retry),
#              3 = /init started but no exit marker (crash, hang, timeout).
# Env: BPFX_QEMU_EXTRA  extra qemu args (word-split), e.g. "-icount shift=auto"
#      BPFX_QEMU_ACCEL  -accel value (default tcg,thread=multi; -icount needs
#                       single-threaded TCG: BPFX_QEMU_ACCEL=tcg,thread=single)
#      BPFX_KERNEL_ARGS  extra kernel command line, e.g. "lockdown=integrity"
#      BPFX_MEMCHECK_ARGS the stock kernels' own memory checkers, on for every
#                        boot (default "slub_debug=FZPU page_poison=1
#                        kfence.sample_interval=100": slab red zones, poison,
#                        sanity checks and alloc/free owners; freed pages
#                        poisoned and checked; KFENCE sampling where the
#                        kernel has it, Debian builds it off). Their reports
#                        fail tests/guest/run.sh's splat gate. Empty: off
#                        (tests/bench.sh, which counts instructions).
#      BPFX_BOOT_TIMEOUT seconds (default: lib.sh's bpfx_boot_timeout; a
#                        hang before /init is cut short by BPFX_INIT_TIMEOUT)
#      BPFX_INIT_TIMEOUT seconds the kernel gets to reach /init (default 240;
#                        healthy boots take 10-90 s under TCG on a loaded
#                        host). A guest that hangs early under TCG (seen
#                        about once in 50 boots, before the kernel prints a
#                        line) is killed then and retried, instead of
#                        costing the whole BPFX_BOOT_TIMEOUT.
#      BPFX_BUSYBOX     static busybox to use (default /bin/busybox; for
#                       another BPFX_ARCH, one built for it)
#      BPFX_ARCH        the kernel's architecture (lib.sh): amd64 boots in
#                       qemu-system-x86_64, arm64 in qemu-system-aarch64 -M virt
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 3 ] || die "usage: $0 VMLINUZ PAYLOAD_DIR LOG"
vmlinuz=$1 payload=$2 log=$3
[ -f "$vmlinuz" ] || die "no kernel image: $vmlinuz"
[ -f "$payload/run.sh" ] || die "no $payload/run.sh"
busybox=${BPFX_BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "no busybox at $busybox (apt-get install busybox-static)"
# A dynamic busybox would fail as /init with only "Kernel panic".
if command -v file >/dev/null; then
	case "$(file -bL "$busybox")" in
	*static*) ;;
	*) die "$busybox is not statically linked (need busybox-static)" ;;
	esac
fi
# shellcheck disable=SC2154 # bpfx_boot_timeout: lib.sh
timeout_s=$bpfx_boot_timeout
case $BPFX_ARCH in
amd64) qemu=(qemu-system-x86_64 -cpu max) console=ttyS0 ;;
# pauth-impdef: QEMU's own pointer-authentication algorithm; the
# architected one (plain max) makes TCG about 3x slower (issue 11).
arm64) qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on) console=ttyAMA0 ;;
*) die "BPFX_ARCH=$BPFX_ARCH: no QEMU set-up for it" ;;
esac
command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} not found (apt-get install qemu-system-${qemu[0]#qemu-system-})"
if bpfx_cross && [ -z "${BPFX_BUSYBOX:-}" ]; then
	die "BPFX_ARCH=$BPFX_ARCH: set BPFX_BUSYBOX to a static busybox for it (Debian's busybox-static:$BPFX_ARCH)"
fi
msg "kernel: $vmlinuz"
msg "payload: $payload ($(du -sh "$payload" | cut -f1))"

stage=$(mktemp -d "${TMPDIR:-/tmp}/bpfx-initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT

build_initrd() {
	local r=$stage/root
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,payload}
	cp "$busybox" "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	# /dev/console must exist in the initramfs itself: the kernel opens it
	# for init's stdio before anything is mounted.
	mknod -m 600 "$r/dev/console" c 5 1
	cp -a "$payload/." "$r/payload/"
	cat >"$r/init" <<'EOF'
#!/bin/sh
# bpfx guest init: mount the basics, run /payload/run.sh, power off.
echo BPFX-GUEST-START
/bin/busybox --install -s
export PATH=/payload:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
mount -t bpf bpf /sys/fs/bpf || echo "bpfx init: bpffs mount failed"
exec </dev/console >/dev/console 2>&1
cd /payload
sh /payload/run.sh
rc=$?
echo "BPFX-GUEST-EXIT $rc"
sync
echo o >/proc/sysrq-trigger
sleep 10
poweroff -f
EOF
	chmod 755 "$r/init" "$r/payload/run.sh"
	(cd "$r" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$stage/initrd.gz"
}
step initramfs build_initrd
msg "initramfs: $(du -h "$stage/initrd.gz" | cut -f1)"

init_timeout=${BPFX_INIT_TIMEOUT:-240}
memcheck=${BPFX_MEMCHECK_ARGS-slub_debug=FZPU page_poison=1 kfence.sample_interval=100}
run_qemu() {
	local qpid tpid waited=0 rc=0
	: >"$log"
	# -no-reboot + panic=-1: a panic ends QEMU instead of looping.
	# noirqdebug: on PREEMPT_RT (threaded IRQs) the emulated 8250 UART
	# raised "irq 4: nobody cared" with a stack trace under a heavy
	# stream of console output (trixie-rt, the examples' JSON lines):
	# the spurious-IRQ detector judging QEMU's UART, not bpfx.
	# -nic none: no network card (the guests use lo only), so no
	# iPXE option ROM runs in the firmware before the kernel.
	# stdin from /dev/null: -nographic would otherwise grab the terminal.
	# shellcheck disable=SC2086
	timeout "$timeout_s" "${qemu[@]}" -accel "${BPFX_QEMU_ACCEL:-tcg,thread=multi}" \
		-m 1G -smp 2 -nographic -no-reboot -nic none \
		-kernel "$vmlinuz" -initrd "$stage/initrd.gz" \
		-append "console=$console panic=-1 quiet loglevel=4 noirqdebug $memcheck ${BPFX_KERNEL_ARGS:-}" \
		${BPFX_QEMU_EXTRA:-} </dev/null >"$log" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$log" &
	tpid=$!
	# The early-hang watchdog: no /init after init_timeout, no point waiting.
	while kill -0 "$qpid" 2>/dev/null && ! grep -q BPFX-GUEST-START "$log"; do
		if [ "$waited" -ge "$init_timeout" ]; then
			msg "no /init after ${init_timeout} s: stopping this boot"
			kill "$qpid" 2>/dev/null
			break
		fi
		sleep 2
		waited=$((waited + 2))
	done
	wait "$qpid" || rc=$?
	wait "$tpid" 2>/dev/null || true
	return "$rc"
}

mkdir -p "$(dirname "$log")"
rm -f "$log.rc"
for attempt in 1 2; do
	t0=$(bpfx_now)
	qrc=0
	# CPU time too: what a guest costs the host (make check runs several).
	TIMEFORMAT="[boot] cpu: qemu %U s user, %S s sys (-accel ${BPFX_QEMU_ACCEL:-tcg,thread=multi})"
	time run_qemu || qrc=$?
	msg "time: qemu (attempt $attempt) $(bpfx_elapsed "$t0") s, qemu exit $qrc$([ "$qrc" = 124 ] && echo ' (timeout)')"
	if grep -q BPFX-GUEST-START "$log"; then
		break
	fi
	# Rare early TCG boot Oops or hang: the guest dies (or is stopped)
	# before /init.  Retry once.
	cp "$log" "$log.attempt$attempt"
	[ "$attempt" = 1 ] && msg "guest died before /init (log kept in $log.attempt1); retrying once"
done

if ! grep -q BPFX-GUEST-START "$log"; then
	msg "FAIL: guest never reached /init"
	exit 2
fi
rc=$(tr -d '\r' <"$log" | sed -n 's/^BPFX-GUEST-EXIT \([0-9]*\)$/\1/p' | tail -n1)
if [ -z "$rc" ]; then
	msg "FAIL: /init ran but the payload did not finish (no BPFX-GUEST-EXIT line)"
	exit 3
fi
echo "$rc" >"$log.rc"
msg "payload ran, rc=$rc"
exit 0
