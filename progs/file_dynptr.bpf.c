// SPDX-License-Identifier: GPL-2.0
/* 7.x FILE dynptrs keep their view in a heap object, not in the dynptr:
 * every bpfx view op must refuse one (-EOPNOTSUPP, or -EINVAL as a clone
 * target) and leave it working. Run by tests/test_misc.c. The file is the
 * caller's executable, a trusted reference (fentry arguments are not). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpfx.bpf.h"
#include "bpfx_test.h"

/* as 7.x declares them (its vmlinux.h may carry the same prototypes) */
extern int bpf_dynptr_from_file(struct file *file, __u32 flags,
				struct bpf_dynptr *ptr__uninit) __weak __ksym;
extern int bpf_dynptr_file_discard(struct bpf_dynptr *dynptr) __weak __ksym;
extern struct file *bpf_get_task_exe_file(struct task_struct *task) __weak __ksym;
extern void bpf_put_file(struct file *file) __weak __ksym;

int hits, target_pid;
__s64 r[12];
__u8 mem[8];

/* bpf_get_task_exe_file() is for LSM programs only */
SEC("lsm.s/file_open")
int BPF_PROG(file_ops, struct file *opened)
{
	struct bpf_iter_bpfx_dynptr it;
	struct bpf_dynptr d, l;
	__u8 before = 0, after = 0;
	struct file *file;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid || hits)
		return 0;
	file = bpf_get_task_exe_file(bpf_get_current_task_btf());
	if (!file)
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
	bpf_put_file(file);
	return 0;
}
