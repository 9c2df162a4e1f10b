// SPDX-License-Identifier: GPL-2.0
/*
 * Module-like object whose BTF looks like bpfx's to bpfx-doctor (doctor.sh):
 * four kfunc names, a KF_IMPLICIT_ARGS _impl twin and module functions that
 * are not kfuncs, which the doctor must not count.
 */
#define FN(name) __attribute__((noinline, used)) int name(int a) { return a + __LINE__; }

FN(bpfx_dynptr_trim)
FN(bpfx_dynptr_size)
FN(bpf_iter_bpfx_dynptr_new)
FN(bpfx_prog_id)
FN(bpfx_prog_id_impl)
FN(bpfx_init)
FN(bpfx_selftest)
