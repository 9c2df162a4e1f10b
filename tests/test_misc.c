// SPDX-License-Identifier: GPL-2.0
/* Tests that need more than "load and run once": attaching a tracing
 * program, the module refcount, the natives-first switch. */
#define _GNU_SOURCE
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

/* Two CPUs calling the kfuncs at once from XDP and TC programs (the only
 * types BPF_PROG_TEST_RUN repeats): local_calls() makes 15 kfunc calls a
 * run, so 2 x 35000 runs are over 10^6 calls. */
#include <pthread.h>
#include <sched.h>
#include "prog_types.skel.h"

struct hammer {
	int fd, cpu, repeat;
	__u32 want, got;
	int err;
};

static void *hammer(void *arg)
{
	static unsigned char pkt[64];
	struct hammer *h = arg;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = h->repeat);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	h->err = bpf_prog_test_run_opts(h->fd, &o);
	h->got = o.retval;
	return NULL;
}

void test_concurrency(void)
{
	struct prog_types *s = prog_types__open();
	struct hammer h[2];
	pthread_t t[2];
	int i;

	if (!ASSERT_PTR(s, "open"))
		return;
	/* only the two hammered programs: the rest need newer kernels */
	{
		struct bpf_program *p;

		bpf_object__for_each_program(p, s->obj)
			bpf_program__set_autoload(p, p == s->progs.xdp_local ||
						     p == s->progs.tc_local);
	}
	if (!ASSERT_OK(prog_types__load(s), "load"))
		goto out;
	h[0] = (struct hammer){ bpf_program__fd(s->progs.xdp_local), 0, 35000, 2 };
	h[1] = (struct hammer){ bpf_program__fd(s->progs.tc_local), 1, 35000, 0 };
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, &h[i]);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		ASSERT_OK(h[i].err, "test_run with repeat");
		/* retval is the last run's: a failed CHECK would name its line */
		ASSERT_EQ(h[i].got, h[i].want, i ? "tc_local" : "xdp_local");
	}
	test__log("%d x %d runs of 15 kfunc calls on CPUs 0 and 1", 2, 35000);
out:
	prog_types__destroy(s);
}

#include "file_dynptr.skel.h"

void test_file_dynptr(void)
{
	struct file_dynptr *s;

	if (kern != K_7X) {
		test__skip("FILE dynptrs are 7.x only");
		return;
	}
	s = file_dynptr__open();
	if (!ASSERT_PTR(s, "open"))
		return;
	s->bss->target_pid = getpid();
	if (!ASSERT_OK(file_dynptr__load(s), "load"))
		goto out;
	if (file_dynptr__attach(s)) {
		/* BPF LSM is active only with "bpf" in the boot's lsm= list */
		test__skip("cannot attach a BPF LSM program (bpf not in this boot's LSM list)");
		goto out;
	}
	close(open("/proc/self/exe", O_RDONLY));
	if (!ASSERT_TRUE(s->bss->hits == 1, "lsm/file_open fired"))
		goto out;
	ASSERT_EQ(s->bss->r[0], 0, "bpf_dynptr_from_file");
	test__log("read of byte 0 before: %lld", (long long)s->bss->r[1]);
	ASSERT_EQ(s->bss->r[2], -EOPNOTSUPP, "size(FILE)");
	ASSERT_EQ(s->bss->r[3], -EOPNOTSUPP, "offset(FILE)");
	ASSERT_EQ(s->bss->r[4], -EOPNOTSUPP, "trim(FILE)");
	ASSERT_EQ(s->bss->r[5], -EOPNOTSUPP, "advance(FILE)");
	ASSERT_EQ(s->bss->r[6], -EOPNOTSUPP, "clone from FILE");
	ASSERT_EQ(s->bss->r[7], -EINVAL, "clone into FILE");
	ASSERT_EQ(s->bss->r[8], 1, "is_null 0, is_rdonly 1");
	ASSERT_EQ(s->bss->r[9], -EOPNOTSUPP, "iter new on FILE");
	ASSERT_EQ(s->bss->r[10], 0, "iter next yields nothing");
	ASSERT_EQ(s->bss->r[11], 1, "FILE dynptr and LOCAL one unchanged");
out:
	file_dynptr__destroy(s);
}
