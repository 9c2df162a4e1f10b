# SPDX-License-Identifier: GPL-2.0
# Sourced by module-btf.sh and bpfx-doctor, so the build and the doctor
# name the same base BTF. Decides only; extraction stays in module-btf.sh.
#
# bpfx_base_btf KDIR KREL [ROOT]
#   prints "<kind> <file>", kind: env (VMLINUX_BTF), kdir (KDIR/vmlinux),
#   sysfs (running kernel's /sys/kernel/btf/vmlinux), vmlinuz (to extract
#   from /boot/vmlinuz-KREL: an x86 bzImage or an arm64 Image, see
#   extract-vmlinux-btf); or prints why there is none and returns 1.
#   Any of them may be an ELF with .BTF or raw BTF: pahole and btfids
#   take both.
#   ROOT prefixes /sys and /boot (the doctor's fake roots; empty for builds).
# bpfx_kernel_release KDIR: the name the kernel goes by (uname -r,
# /boot/vmlinuz-*), UTS_RELEASE; Debian 6.1's kernel.release says 6.1.192.
# bpfx_uts_release KDIR: UTS_RELEASE alone (empty if the headers lack it).
bpfx_uts_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null
}
bpfx_kernel_release() {
	_bb_r=$(bpfx_uts_release "$1")
	[ -n "$_bb_r" ] || _bb_r=$(cat "$1/include/config/kernel.release" 2>/dev/null)
	echo "$_bb_r"
}

# Base BTF must be the *target* kernel's: the module's type ids are
# relative to it, and a mismatch makes the kernel reject the module BTF.
bpfx_base_btf() {
	_bb_kdir=$1 _bb_krel=$2 _bb_root=${3:-}
	if [ -n "${VMLINUX_BTF:-}" ]; then
		[ -r "$VMLINUX_BTF" ] || { echo "VMLINUX_BTF=$VMLINUX_BTF is not readable"; return 1; }
		echo "env $VMLINUX_BTF"; return 0
	fi
	if [ -f "$_bb_kdir/vmlinux" ]; then echo "kdir $_bb_kdir/vmlinux"; return 0; fi
	if [ -n "$_bb_krel" ] && [ "$_bb_krel" = "$(uname -r)" ] && [ -r "$_bb_root/sys/kernel/btf/vmlinux" ]; then
		echo "sysfs $_bb_root/sys/kernel/btf/vmlinux"; return 0
	fi
	if [ -n "$_bb_krel" ] && [ -r "$_bb_root/boot/vmlinuz-$_bb_krel" ]; then
		echo "vmlinuz $_bb_root/boot/vmlinuz-$_bb_krel"; return 0
	fi
	echo "no base BTF for kernel '$_bb_krel': $_bb_kdir has no vmlinux, it is not the running kernel, and $_bb_root/boot/vmlinuz-$_bb_krel is missing. Install that kernel's image or pass VMLINUX_BTF=<its vmlinux or BTF file>."
	return 1
}
