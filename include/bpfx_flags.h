/* SPDX-License-Identifier: GPL-2.0 */
/* bpfx_features bits: set by loaders (bpfx_features.h), read by BPF
 * programs (bpfx.bpf.h). */
#ifndef __BPFX_FLAGS_H
#define __BPFX_FLAGS_H

#define BPFX_F_NATIVE_DYNPTR	(1u << 0) /* bpf_dynptr_{adjust,size,clone,is_null,is_rdonly} */
#define BPFX_F_ITER		(1u << 1) /* bpf_iter_bpfx_dynptr_* (module iterators) */
#define BPFX_F_IMPLICIT		(1u << 2) /* bpfx_prog_id/_name/_tag (KF_IMPLICIT_ARGS) */

#endif
