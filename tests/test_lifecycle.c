// SPDX-License-Identifier: GPL-2.0
/*
 * Load/unload cycles of bpfx with a program calling its kfuncs loaded and
 * run in between. tests/guest/run.sh runs it with bpfx unloaded:
 *	bpfx_test_run -t lifecycle --set BPFX_KO=bpfx.ko --set BPFX_CYCLES=100
 * The program is relocated by libbpf once; each cycle reloads its
 * instructions against the new module BTF (kfunc ids within bpfx's BTF are
 * the same for the same .ko), so a cycle costs syscalls, not a BTF parse.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "harness.h"
#include "prog_types.skel.h"

static int insmod(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return err;
}

/* Programs are freed after an RCU grace period: EAGAIN for a while. */
static int rmmod(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(__NR_delete_module, "bpfx", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int bpfx_btf_fd(void)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char name[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)name,
					     .name_len = sizeof(name) };
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, "bpfx"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

void test_lifecycle(void)
{
	const char *ko = getenv("BPFX_KO"), *c = getenv("BPFX_CYCLES");
	int cycles = c ? atoi(c) : 0, i, j, n = 0, maxoff = 0;
	struct bpf_insn *insns = NULL;
	struct prog_types *s;
	struct bpf_program *p;
	size_t cnt = 0;
	__u32 flags = 0;
	static char log[1 << 16];

	if (!ko || cycles <= 0) {
		test__skip("needs BPFX_KO and BPFX_CYCLES; tests/guest/run.sh runs it with bpfx unloaded");
		return;
	}
	if (!ASSERT_OK(insmod(ko), "first insmod"))
		return;
	s = prog_types__open();
	if (!ASSERT_PTR(s, "open"))
		return;
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == s->progs.syscall_local);
	if (ASSERT_OK(prog_types__load(s), "load")) {
		cnt = bpf_program__insn_cnt(s->progs.syscall_local);
		/* what libbpf adds at load for SEC("syscall"): "Syscall programs
		 * can only be sleepable" */
		flags = bpf_program__flags(s->progs.syscall_local) | BPF_F_SLEEPABLE;
		insns = malloc(cnt * sizeof(*insns));
		memcpy(insns, bpf_program__insns(s->progs.syscall_local), cnt * sizeof(*insns));
		for (i = 0; i < (int)cnt; i++) {
			struct bpf_insn *in = &insns[i];

			/* map references: keep the maps past the skeleton */
			if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE))
				in->imm = dup(in->imm);
			if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_KFUNC_CALL &&
			    in->off > maxoff)
				maxoff = in->off;
		}
	}
	prog_types__destroy(s);
	if (!insns || !ASSERT_TRUE(maxoff > 0, "program calls module kfuncs"))
		goto out;
	ASSERT_OK(rmmod(), "first rmmod");
	for (i = 0; i < cycles; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o);
		LIBBPF_OPTS(bpf_prog_load_opts, lo);
		int fds[64], btf, prog;

		if (!ASSERT_OK(insmod(ko), "insmod"))
			break;
		btf = bpfx_btf_fd();
		if (!ASSERT_TRUE(btf >= 0, "bpfx module BTF"))
			break;
		for (j = 0; j <= maxoff && j < 64; j++)
			fds[j] = btf;
		lo.fd_array = fds;
		lo.prog_flags = flags;
		lo.log_buf = log;
		lo.log_size = sizeof(log);
		lo.log_level = 0;
		prog = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "cycle", "GPL", insns, cnt, &lo);
		if (prog < 0) {
			lo.log_level = 1;
			prog = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "cycle", "GPL", insns, cnt, &lo);
		}
		if (!ASSERT_TRUE(prog >= 0, "reload the program")) {
			test__log("errno %d, verifier: %s", errno, log);
			close(btf);
			rmmod();
			break;
		}
		if (ASSERT_OK(bpf_prog_test_run_opts(prog, &o), "run"))
			ASSERT_EQ(o.retval, 0, "kfunc checks");
		/* loaded program pins the module */
		ASSERT_EQ(syscall(__NR_delete_module, "bpfx", O_NONBLOCK), -1, "rmmod refused while loaded");
		close(prog);
		close(btf);
		if (!ASSERT_OK(rmmod(), "rmmod"))
			break;
		n++;
	}
	test__log("%d load/unload cycles", n);
	ASSERT_EQ(n, cycles, "cycles completed");
out:
	free(insns);
}
