// SPDX-License-Identifier: GPL-2.0
/* KF_IMPLICIT_ARGS samples against what the loader reads back. */
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "bpfx_features.h"
#include "prog_suite.h"
#include "implicit.skel.h"

static __u32 prog_info(struct bpf_program *p, char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	if (name)
		memcpy(name, info.name, sizeof(info.name));
	return info.id;
}

void test_implicit_args(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	static unsigned char pkt[64];
	struct implicit *s;
	char name[16];
	__u32 id;

	if (kern != K_7X) {
		ASSERT_EQ(bpfx_detect_features() & BPFX_F_IMPLICIT, 0, "samples absent before 7.0");
		test__skip("no KF_IMPLICIT_ARGS before v7.0: 6.x verifiers cannot supply bpf_prog_aux to a module kfunc; bpfx leaves the samples out (docs/implicit-args.md)");
		return;
	}
	ASSERT_TRUE(bpfx_detect_features() & BPFX_F_IMPLICIT, "samples in module BTF");
	s = implicit__open();
	if (!ASSERT_PTR(s, "open"))
		return;
	bpf_program__set_autoload(s->progs.call_impl_directly, false);
	s->bss->tp_pid = getpid();
	if (!ASSERT_OK(implicit__load(s), "load"))
		goto out;
	if (test__start_subtest("syscall")) {
		ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(s->progs.implicit_syscall), &o), "run");
		id = prog_info(s->progs.implicit_syscall, name);
		ASSERT_TRUE(id != 0, "prog id from BPF_OBJ_GET_INFO_BY_FD");
		ASSERT_EQ(s->bss->id_syscall, id, "bpfx_prog_id() == loader's id");
		ASSERT_EQ(s->bss->id_sub, id, "from a subprogram: the program's id");
		ASSERT_EQ(s->bss->name_len, strlen(name), "bpfx_prog_name() length");
		ASSERT_TRUE(!strcmp(s->bss->name, name), "bpfx_prog_name() == loader's name");
		test__log("id %u name '%s' (BPF saw '%s')", id, name, s->bss->name);
	}
	if (test__start_subtest("bad_buffers")) {
		ASSERT_EQ(s->bss->err_zero, -EINVAL, "buf_sz 0");
		ASSERT_EQ(s->bss->err_small, -E2BIG, "buf_sz 4");
		ASSERT_TRUE(!memcmp(s->bss->small, "imp\0xxxx", 8), "3 bytes + NUL, nothing past buf");
		ASSERT_EQ(s->bss->tag_ret, 8, "bpfx_prog_tag()");
		ASSERT_EQ(s->bss->tag_short, -EINVAL, "bpfx_prog_tag() with 4 bytes");
	}
	if (test__start_subtest("tag")) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		bpf_obj_get_info_by_fd(bpf_program__fd(s->progs.implicit_syscall), &info, &len);
		ASSERT_TRUE(!memcmp(s->bss->tag, info.tag, 8), "tag == loader's tag");
	}
	if (test__start_subtest("tp_btf")) {
		if (ASSERT_OK(implicit__attach(s), "attach")) {
			syscall(__NR_getppid);
			ASSERT_TRUE(s->bss->tp_hits > 0, "fired");
			ASSERT_EQ(s->bss->id_tp, prog_info(s->progs.implicit_tp, NULL), "id in tp_btf");
		}
	}
	if (test__start_subtest("xdp")) {
		LIBBPF_OPTS(bpf_test_run_opts, x, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);

		ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(s->progs.implicit_xdp), &x), "run");
		ASSERT_EQ(s->bss->id_xdp, prog_info(s->progs.implicit_xdp, NULL), "id in xdp");
	}
out:
	implicit__destroy(s);
}
