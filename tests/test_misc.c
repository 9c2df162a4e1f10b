// SPDX-License-Identifier: GPL-2.0
/* Tests that need more than "load and run once": attaching a tracing
 * program, the module refcount, the natives-first switch. */
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "bpfx_features.h"
#include "tp_btf.skel.h"
#include "wrappers.skel.h"

void test_tp_btf(void)
{
	struct tp_btf *s = tp_btf__open();

	if (!ASSERT_PTR(s, "open"))
		return;
	s->bss->target_pid = getpid();
	s->bss->result = -1;
	if (ASSERT_OK(tp_btf__load(s), "load tp_btf program") &&
	    ASSERT_OK(tp_btf__attach(s), "attach")) {
		syscall(__NR_getppid);
		ASSERT_TRUE(s->bss->hits > 0, "tracepoint fired");
		ASSERT_EQ(s->bss->result, 0, "kfunc checks in tp_btf");
	}
	tp_btf__destroy(s);
}

/* A loaded program that calls bpfx kfuncs holds the module. */
void test_rmmod_refused(void)
{
	struct tp_btf *s = tp_btf__open_and_load();
	long r;

	if (!ASSERT_PTR(s, "load a program using bpfx"))
		return;
	r = syscall(__NR_delete_module, "bpfx", O_NONBLOCK);
	if (ASSERT_EQ(r, -1, "delete_module while in use"))
		ASSERT_TRUE(errno == EWOULDBLOCK || errno == EBUSY, "errno EWOULDBLOCK/EBUSY");
	ASSERT_OK(access("/sys/module/bpfx", F_OK), "bpfx still loaded");
	tp_btf__destroy(s);
}

static int run_which(unsigned int feats, long long *path)
{
	struct wrappers *s = wrappers__open();
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int err;

	if (!s)
		return -errno;
	s->rodata->bpfx_features = feats;
	err = wrappers__load(s);
	if (!err)
		err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.which_path), &o);
	*path = o.retval;
	if (!err) {
		LIBBPF_OPTS(bpf_test_run_opts, o2);

		err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.wrappers), &o2);
		if (!err && o2.retval)
			err = -1000 - (int)o2.retval;	/* the failed CHECK line */
	}
	wrappers__destroy(s);
	return err;
}

/* The wrappers give bpfx's contract on the path the loader picked, and on
 * the native path wherever the kernel has the natives. */
void test_natives_first(void)
{
	unsigned int f = bpfx_detect_features();
	long long path = -1;

	test__log("bpfx_detect_features() = %#x", f);
	if (test__start_subtest("bpfx_path")) {
		ASSERT_OK(run_which(0, &path), "wrappers on the bpfx kfuncs");
		ASSERT_EQ(path, 0, "path");
	}
	if (test__start_subtest("detected_path")) {
		ASSERT_OK(run_which(f, &path), "wrappers on the detected path");
		ASSERT_EQ(path, !!(f & BPFX_F_NATIVE_DYNPTR), "path");
	}
	if (test__start_subtest("native_path")) {
		if (kern == K_61)
			test__skip("6.1 has no native dynptr kfuncs");
		else if (LIBBPF_MAJOR_VERSION == 1 && LIBBPF_MINOR_VERSION < 2)
			test__skip("libbpf %d.%d leaves ___flavour kfunc names unresolved; the driver built with sid's libbpf covers this",
				   LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
		else {
			ASSERT_OK(run_which(BPFX_F_NATIVE_DYNPTR, &path), "wrappers on the natives");
			ASSERT_EQ(path, 1, "path");
		}
	}
	if (test__start_subtest("iter_detected"))
		ASSERT_EQ(!!(f & BPFX_F_ITER), kern != K_61, "bpfx iterator present iff not 6.1");
}
