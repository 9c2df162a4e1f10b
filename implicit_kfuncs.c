// SPDX-License-Identifier: GPL-2.0
/*
 * KF_IMPLICIT_ARGS samples (Linux 7.0+): kfuncs whose trailing
 * `struct bpf_prog_aux *` the verifier supplies. In C they take the aux;
 * at build time resolve_btfids rewrites module BTF so BPF programs see
 * `foo` without it and the full prototype as `foo_impl` (which programs may
 * not call). Needs pahole's decl_tag_kfuncs (>= 1.26) to find the kfuncs;
 * tools/module-btf.sh checks the result. See docs/implicit-args.md.
 *
 * aux is valid only for the call. For a subprogram it is the main
 * program's aux (the verifier patches env->prog->aux in before the JIT
 * splits subprograms), so every answer is about the whole program.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "bpfx.h"

__bpf_kfunc_start_defs();

/* BPF view: __u32 bpfx_prog_id(void). The id bpftool and
 * BPF_OBJ_GET_INFO_BY_FD report for the calling program. */
__bpf_kfunc u32 bpfx_prog_id(struct bpf_prog_aux *aux)
{
	return aux->id;
}

/* Copy up to buf_sz bytes of src (NUL-terminated, at most max bytes),
 * always NUL-terminating and never writing past buf. */
static int bpfx_copy_str(char *buf, u32 buf_sz, const char *src, size_t max)
{
	size_t len = strnlen(src, max);

	/* The verifier accepts NULL for a (buf, buf__sz) pair. */
	if (!buf || !buf_sz)
		return -EINVAL;
	if (len >= buf_sz) {
		memcpy(buf, src, buf_sz - 1);
		buf[buf_sz - 1] = '\0';
		return -E2BIG;
	}
	memcpy(buf, src, len);
	buf[len] = '\0';
	return len;
}

/* BPF view: int bpfx_prog_name(char *buf, __u32 buf_sz). The program's
 * name (BPF_OBJ_NAME_LEN); returns its length, or -E2BIG after copying
 * buf_sz - 1 bytes and a NUL. */
__bpf_kfunc int bpfx_prog_name(char *buf, u32 buf__sz, struct bpf_prog_aux *aux)
{
	return bpfx_copy_str(buf, buf__sz, aux->name, sizeof(aux->name));
}

/*
 * BPF view: int bpfx_prog_tag(__u8 *buf, __u32 buf_sz). Copies the
 * program's 8-byte tag (a hash of its instructions, as `bpftool prog`
 * shows it) and returns 8; -EINVAL if buf_sz < 8.
 * Why: an event stamped with the id of the program that emitted it stops
 * meaning anything once the program is reloaded (ids are reused and change
 * per load); the tag names the program's code, the same across reloads and
 * machines, so a collector can attribute events to a program version.
 */
__bpf_kfunc int bpfx_prog_tag(u8 *buf, u32 buf__sz, struct bpf_prog_aux *aux)
{
	if (!buf || buf__sz < BPF_TAG_SIZE)
		return -EINVAL;
	memcpy(buf, aux->prog->tag, BPF_TAG_SIZE);
	return BPF_TAG_SIZE;
}

__bpf_kfunc_end_defs();
