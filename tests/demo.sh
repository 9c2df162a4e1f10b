#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo [KERNEL=<row of tests/kernels.list>]` (default: the first row):
# build bpfx for a real Debian kernel,
# boot that kernel in QEMU, load bpfx and run the sample program, which
# prints a table of what each kfunc returned.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
BPFX_LOG_TAG=demo
k=$(bpfx_norm_kver "${1:-$(bpfx_baseline_row)}") || exit 1
out=$BPFX_WORK/demo/$k
rm -rf "$out" && mkdir -p "$out/payload"
bash "$top/tests/kernel/prepare.sh" "$k"
. "$(bpfx_env_file "$k")"
bash "$top/tests/kernel/build-bpfx.sh" "$k" "$out/src"
"$top/tools/extract-vmlinux-btf" "$VMLINUZ" "$out/vmlinux.btf" >/dev/null
make -s -C "$top/tests" O="$out/progs" VMLINUX_BTF="$out/vmlinux.btf" "$out/progs/bpfx_demo"
cp "$out/src/bpfx.ko" "$out/progs/bpfx_demo" "$out/payload/"
cat > "$out/payload/run.sh" <<'GUEST'
#!/bin/sh
cd /payload
insmod bpfx.ko && dmesg | grep 'bpfx:' && ./bpfx_demo
GUEST
bash "$top/tests/kernel/boot.sh" "$VMLINUZ" "$out/payload" "$out/serial.log" >/dev/null
tr -d '\r' < "$out/serial.log" | sed -n '/bpfx kfuncs on/,/BPFX-GUEST-EXIT/p' | grep -v BPFX-GUEST
grep -q 'BPFX-GUEST-EXIT 0' "$out/serial.log"
