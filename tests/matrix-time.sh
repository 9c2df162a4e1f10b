#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# matrix-time.sh [ROW...] -- wall time of tests/check.sh per
# kernel and for all of them, cold (an empty cache of its own, removed
# afterwards) and warm (the normal cache, which the cold run does not fill:
# run it once before, e.g. make check).
# Prints a table for docs/BENCHMARKS.md; each run's summary line is kept so
# a red run cannot pass for a time.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/kernel/lib.sh"
kernels=$(echo $(bpfx_select "$@")) || exit 1
cold=$(mktemp -d /var/tmp/bpfx-cold.XXXXXX)
trap 'rm -rf --one-file-system "$cold"' EXIT
run() { # label cache kernels...
	local label=$1 cache=$2 t0 line
	shift 2
	t0=$(bpfx_now)
	line=$(BPFX_CACHE=$cache bash "$top/tests/check.sh" "$@" 2>&1 | tail -n 1)
	printf '| %-14s | %-5s | %7s s | %s |\n' "$*" "$label" "$(bpfx_elapsed "$t0")" "$line"
}
echo "| kernels        | cache | wall      | result |"
echo "|---|---|---|---|"
for k in $kernels "$kernels"; do
	rm -rf --one-file-system "${cold:?}"/*
	run cold "$cold" $k
	run warm "$BPFX_CACHE" $k
done
