// SPDX-License-Identifier: GPL-2.0
/* 7.x FILE dynptrs keep their view in a heap object, not in the dynptr:
 * every bpfx view op must refuse one (-EOPNOTSUPP, or -EINVAL as a clone
 * target) and leave it working. Attached by tests/test_misc.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

/* as 7.x declares them (its vmlinux.h may carry the same prototypes) */
extern int bpf_dynptr_from_file(struct file *file, __u32 flags,
				struct bpf_dynptr *ptr__uninit) __weak __ksym;
extern int bpf_dynptr_file_discard(struct bpf_dynptr *dynptr) __weak __ksym;

int target_pid, hits;
__s64 r[12];
__u8 mem[8];

SEC("fentry/filp_close")
int BPF_PROG(on_close, struct file *file)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d, l;
	__u8 before = 0, after = 0;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid || hits)
		return 0;
	hits++;
	bpfx_dynptr_from_mem(mem, 8, 0, &l);
	r[0] = bpf_dynptr_from_file(file, 0, &d);
	r[1] = bpfx_dynptr_read(&before, 1, &d, 0, 0);
	r[2] = bpfx_dynptr_size(&d);
	r[3] = bpfx_dynptr_offset(&d);
	r[4] = bpfx_dynptr_trim(&d, 1);
	r[5] = bpfx_dynptr_advance(&d, 1);
	r[6] = bpfx_dynptr_clone(&d, &l, 0);
	r[7] = bpfx_dynptr_clone(&l, &d, 0);
	r[8] = bpfx_dynptr_is_null(&d) * 10 + bpfx_dynptr_is_rdonly(&d);
	r[9] = bpf_iter_bpfx_dynptr_new(&it, &d, 1);
	r[10] = (long)bpf_iter_bpfx_dynptr_next(&it);
	bpf_iter_bpfx_dynptr_destroy(&it);
	/* the dynptr still reads the same byte, and l is untouched */
	r[11] = bpfx_dynptr_read(&after, 1, &d, 0, 0) == r[1] && after == before &&
		bpfx_dynptr_size(&l) == 8;
	bpf_dynptr_file_discard(&d);
	return 0;
}
