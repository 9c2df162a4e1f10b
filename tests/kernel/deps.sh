#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs what `make check`, `make demo`, `make fuzz` and `make bench` need
# on Debian when run as root; otherwise prints the exact apt line and fails.
# The list is everything those flows run on the host, a brand-new minimal
# Debian 12 (mmdebstrap --variant=apt) included, which .ci/run proves:
# build-essential for dpkg-buildpackage's build-dependency check, dh-dkms
# and debhelper for the .deb, mmdebstrap for the userland roots
# (tests/kernels.list), tshark and python3 for the examples' check
# (tests/examples.sh; tshark asks a debconf question, hence noninteractive),
# the arm64 cross compiler and qemu-system-arm for the arm64 rows.
set -eu
pkgs="build-essential gcc make bc cpio gzip xz-utils zstd lz4 kmod mount file binutils git
qemu-system-x86 busybox-static clang llvm libbpf-dev libelf-dev zlib1g-dev
pkg-config bpftool dwarves mmdebstrap debian-archive-keyring ca-certificates
gnuplot-nox dpkg-dev debhelper dh-dkms openssl python3 tshark
gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bpfx: missing packages. Run as root:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "bpfx: installing$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
