#!/bin/bash
# smoke.sh [KVER...] -- end-to-end check of the kernel test plumbing:
# for each row of tests/kernels.list (default: the default set) run prepare.sh, boot the image
# with a payload that prints `uname -r` and /sys/kernel/btf, and require
# the guest to report the KREL that prepare.sh resolved.
# Logs: $BPFX_WORK/smoke/<KVER>.log.  Exit 0 only if every kernel passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kvers=("$@")
mapfile -t kvers < <(bpfx_select "${kvers[@]}")
out=$BPFX_WORK/smoke
mkdir -p "$out"
payload=$(mktemp -d "${TMPDIR:-/tmp}/bpfx-smoke.XXXXXX")
trap 'rm -rf "$payload"' EXIT
cat >"$payload/run.sh" <<'EOF'
#!/bin/sh
echo "uname-r: $(uname -r)"
echo "btf:"
ls /sys/kernel/btf | head
test -e /sys/kernel/btf/vmlinux
EOF

t_all=$(bpfx_now)
summary=()
fail=0
for k in "${kvers[@]}"; do
	k=$(bpfx_norm_kver "$k")
	t0=$(bpfx_now)
	if ! "$here/prepare.sh" "$k"; then
		summary+=("$k: FAIL (prepare)")
		fail=1
		continue
	fi
	t_prep=$(bpfx_elapsed "$t0")
	# shellcheck source=/dev/null
	KREL=$(. "$(bpfx_env_file "$k")" && echo "$KREL")
	# shellcheck source=/dev/null
	VMLINUZ=$(. "$(bpfx_env_file "$k")" && echo "$VMLINUZ")
	t1=$(bpfx_now)
	log=$out/$k.log
	brc=0
	"$here/boot.sh" "$VMLINUZ" "$payload" "$log" || brc=$?
	t_boot=$(bpfx_elapsed "$t1")
	got=$(tr -d '\r' <"$log" | sed -n 's/^uname-r: //p' | tail -n1)
	grc=$(cat "$log.rc" 2>/dev/null || echo none)
	if [ "$brc" = 0 ] && [ "$got" = "$KREL" ] && [ "$grc" = 0 ]; then
		res=PASS
	else
		res="FAIL (boot exit $brc, guest uname '$got', payload rc $grc)"
		fail=1
	fi
	summary+=("$k: $res  KREL=$KREL  prepare ${t_prep}s  boot ${t_boot}s")
done

msg "---- summary (total $(bpfx_elapsed "$t_all") s) ----"
for l in "${summary[@]}"; do msg "$l"; done
exit "$fail"
