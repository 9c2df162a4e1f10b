/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For loaders (userspace, libbpf): what the running kernel offers, to set
 * in the BPF object's .rodata before load:
 *
 *	skel->rodata->bpfx_features = bpfx_detect_features();
 *
 * Reads kernel BTF only; no BPF program is loaded to find out.
 */
#ifndef __BPFX_FEATURES_H
#define __BPFX_FEATURES_H

#include <errno.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfx_flags.h"

static inline int bpfx__btf_has_func(const struct btf *btf, const char *name)
{
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

static inline unsigned int bpfx_detect_features(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *mod = NULL;
	unsigned int f = 0;

	if (!vmlinux || libbpf_get_error(vmlinux))
		return 0;
	/* The five natives arrived together (v6.5). Natives are called under
	 * a ___bpfx flavour, which libbpf resolves from 1.2 on; libbpf 1.1
	 * (Debian 12) would leave them unresolved, so stay on bpfx there. */
	if (bpfx__btf_has_func(vmlinux, "bpf_dynptr_adjust") &&
	    bpfx__btf_has_func(vmlinux, "bpf_dynptr_clone") &&
	    (LIBBPF_MAJOR_VERSION > 1 || LIBBPF_MINOR_VERSION >= 2))
		f |= BPFX_F_NATIVE_DYNPTR;
	mod = btf__load_module_btf("bpfx", vmlinux);
	if (mod && !libbpf_get_error(mod)) {
		if (bpfx__btf_has_func(mod, "bpf_iter_bpfx_dynptr_new"))
			f |= BPFX_F_ITER;
		if (bpfx__btf_has_func(mod, "bpfx_prog_id"))
			f |= BPFX_F_IMPLICIT;
		btf__free(mod);
	}
	btf__free(vmlinux);
	return f;
}

#endif /* __BPFX_FEATURES_H */
