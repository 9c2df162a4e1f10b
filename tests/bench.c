// SPDX-License-Identifier: GPL-2.0
/*
 * bpfx_bench: times progs/bench.bpf.c with BPF_PROG_TEST_RUN + repeat and
 * prints one machine-readable line per figure (tests/bench.sh collects them):
 *
 *   bench K CLOCK prog NAME per_run=X min=X max=X samples=N repeat=R
 *   bench K CLOCK kfunc NAME per_op=X floor=X native=X|- vs_floor=X vs_native=X|-
 *   bench K CLOCK iter VIEW CHUNK FORM per_run=X bytes_per_unit=X
 *   jit NAME HEX                                     (--jit NAME)
 *   kcode SYM HEX                                    (--kcode SYM)
 *
 * CLOCK says what BPF_PROG_TEST_RUN's duration counts, which the driver
 * cannot know itself: "insns" when the guest runs under QEMU -icount
 * shift=0 (one virtual ns per guest instruction), "ns" for wall clock.
 * A program that returns anything but XDP_PASS (its own check of what the
 * kfuncs did) fails the run: exit 1.
 *
 * usage: bpfx_bench KERNEL CLOCK [-n SAMPLES] [--quick] [--jit PROG]... [--kcode SYM]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <elf.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "bench.skel.h"

#define K 128		/* calls per op program: progs/bench.bpf.c */
#define XDP_PASS 2

static const char *kname, *clk;
static int samples = 5, failed;

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* One BPF_PROG_TEST_RUN of `repeat` repetitions: the per-run duration in
 * *d. -1 if the program is absent (not loaded here) or failed its check. */
static int run_once(struct bpf_program *p, int repeat, __u32 *d)
{
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = repeat);
	int err;

	if (!p || bpf_program__fd(p) < 0)
		return -1;
	err = bpf_prog_test_run_opts(bpf_program__fd(p), &o);
	if (err || o.retval != XDP_PASS) {
		printf("bench %s %s FAIL %s: err %d retval %u\n", kname, clk,
		       bpf_program__name(p), err, o.retval);
		failed = 1;
		return -1;
	}
	*d = o.duration;
	return 0;
}

#define MAXS 32

/* Median of n samples (sorts them); prints the program's line. */
static double median(struct bpf_program *p, __u32 *d, int n, int repeat, int quiet)
{
	qsort(d, n, sizeof(d[0]), cmp_u32);
	if (!quiet)
		printf("bench %s %s prog %s per_run=%u min=%u max=%u samples=%d repeat=%d\n",
		       kname, clk, bpf_program__name(p), d[n / 2], d[0], d[n - 1], n, repeat);
	return d[n / 2];
}

/* Median per-run duration over `samples` runs; -1 if absent or failed. */
static double measure(struct bpf_program *p, int repeat, int quiet)
{
	__u32 d[MAXS];
	int i, n = samples < MAXS ? samples : MAXS;

	for (i = 0; i < n; i++)
		if (run_once(p, repeat, &d[i]))
			return -1;
	return median(p, d, n, repeat, quiet);
}

static int btf_has(const struct btf *b, const char *name)
{
	return b && btf__find_by_name_kind(b, name, BTF_KIND_FUNC) > 0;
}

static void dump_jit(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), i;
	unsigned char *buf;

	if (!p || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return;
	len = info.jited_prog_len;
	buf = calloc(1, len);
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = len;
	info.jited_prog_insns = (__u64)(unsigned long)buf;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		printf("jit %s ", bpf_program__name(p));
		for (i = 0; i < info.jited_prog_len; i++)
			printf("%02x", buf[i]);
		printf("\n");
	}
	free(buf);
}

/* The code the CPU runs for kernel symbol SYM, alternatives and static calls
 * already patched: read from /proc/kcore at the address /proc/kallsyms
 * gives. Printed as "kcode SYM HEX" for the host to disassemble. */
static void dump_kcode(const char *sym, int len)
{
	unsigned long long addr = 0, a;
	char line[512], name[256], t;
	unsigned char buf[512];
	FILE *f = fopen("/proc/kallsyms", "r");
	int i, fd;
	Elf64_Ehdr eh;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &t, name) == 3 && !strcmp(name, sym)) {
			addr = a;
			break;
		}
	fclose(f);
	fd = open("/proc/kcore", O_RDONLY);
	if (!addr || fd < 0 || len > (int)sizeof(buf) ||
	    pread(fd, &eh, sizeof(eh), 0) != sizeof(eh)) {
		printf("kcode %s unavailable\n", sym);
		if (fd >= 0)
			close(fd);
		return;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr + len > ph.p_vaddr + ph.p_memsz)
			continue;
		if (pread(fd, buf, len, ph.p_offset + (addr - ph.p_vaddr)) == len) {
			printf("kcode %s ", sym);
			for (i = 0; i < len; i++)
				printf("%02x", buf[i]);
			printf("\n");
		}
		break;
	}
	close(fd);
}

struct kf {
	const char *name;
	struct bpf_program *bpfx, *native, *setup;
};

int main(int argc, char **argv)
{
	struct btf *vmlinux, *mod = NULL;
	struct bench *skel;
	int natives, iter, i, quick = 0, rep = 2000;
	const char *jit[16], *kcode[16];
	int njit = 0, nkcode = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s KERNEL insns|ns [-n N] [--quick] [--jit PROG]...\n", argv[0]);
		return 2;
	}
	kname = argv[1];
	clk = argv[2];
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			samples = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--jit") && i + 1 < argc && njit < 16)
			jit[njit++] = argv[++i];
		else if (!strcmp(argv[i], "--kcode") && i + 1 < argc && nkcode < 16)
			kcode[nkcode++] = argv[++i];
	}
	if (samples < 1)
		samples = 1;
	if (quick)
		rep = 200;
	else if (strcmp(clk, "insns"))
		rep = 20000;	/* wall clock: longer runs, less timer noise */

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux || libbpf_get_error(vmlinux)) {
		fprintf(stderr, "bench: no vmlinux BTF\n");
		return 1;
	}
	natives = btf_has(vmlinux, "bpf_dynptr_adjust") && btf_has(vmlinux, "bpf_dynptr_clone");
	mod = btf__load_module_btf("bpfx", vmlinux);
	iter = !libbpf_get_error(mod) && btf_has(mod, "bpf_iter_bpfx_dynptr_new");

	skel = bench__open();
	if (!skel) {
		fprintf(stderr, "bench: open failed\n");
		return 1;
	}
	if (!natives) {
		bpf_program__set_autoload(skel->progs.native_size, false);
		bpf_program__set_autoload(skel->progs.native_is_null, false);
		bpf_program__set_autoload(skel->progs.native_is_rdonly, false);
		bpf_program__set_autoload(skel->progs.native_advance, false);
		bpf_program__set_autoload(skel->progs.native_trim, false);
		bpf_program__set_autoload(skel->progs.native_clone, false);
		bpf_program__set_autoload(skel->progs.iter_clone, false);
	}
	if (!iter)
		bpf_program__set_autoload(skel->progs.iter_bpfx, false);
	if (bench__load(skel)) {
		fprintf(stderr, "bench: load failed\n");
		return 1;
	}
	printf("bench %s %s info natives=%d iter=%d calls_per_op_prog=%d clock=%s\n",
	       kname, clk, natives, iter, K,
	       !strcmp(clk, "insns") ? "guest-instructions(icount)" : "wall-clock-ns");

	for (i = 0; i < njit; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(skel->obj, jit[i]);

		if (p && bpf_program__fd(p) >= 0)
			dump_jit(p);
	}
	for (i = 0; i < nkcode; i++)
		dump_kcode(kcode[i], 160);

	{
		struct kf kfs[] = {
			{ "nop", skel->progs.bpfx_nop, NULL, skel->progs.setup1 },
			{ "size", skel->progs.bpfx_size, skel->progs.native_size, skel->progs.setup1 },
			{ "offset", skel->progs.bpfx_offset, NULL, skel->progs.setup1 },
			{ "is_null", skel->progs.bpfx_is_null, skel->progs.native_is_null, skel->progs.setup1 },
			{ "is_rdonly", skel->progs.bpfx_is_rdonly, skel->progs.native_is_rdonly, skel->progs.setup1 },
			{ "advance", skel->progs.bpfx_advance, skel->progs.native_advance, skel->progs.setup1 },
			{ "trim", skel->progs.bpfx_trim, skel->progs.native_trim, skel->progs.setup1 },
			{ "clone", skel->progs.bpfx_clone, skel->progs.native_clone, skel->progs.setup2 },
		};
		/* Interleaved rounds: every program once per round, so a
		 * change in host load (wall clock) hits all of them alike. */
		enum { NK = sizeof(kfs) / sizeof(kfs[0]) };
		struct bpf_program *all[2 + 2 * NK];
		static __u32 d[2 + 2 * NK][MAXS];
		double med[2 + 2 * NK];
		int np = 0, j, r, n = samples < MAXS ? samples : MAXS;
		double s1, s2, floor;

		all[np++] = skel->progs.setup1;
		all[np++] = skel->progs.setup2;
		for (i = 0; i < NK; i++) {
			all[np++] = kfs[i].bpfx;
			all[np++] = kfs[i].native;
		}
		for (j = 0; j < np; j++)
			med[j] = -1;
		for (r = 0; r < n; r++)
			for (j = 0; j < np; j++)
				if (all[j] && bpf_program__fd(all[j]) >= 0 &&
				    run_once(all[j], rep, &d[j][r]))
					all[j] = NULL;
		for (j = 0; j < np; j++)
			if (all[j] && bpf_program__fd(all[j]) >= 0)
				med[j] = median(all[j], d[j], n, rep, 0);
		s1 = med[0];
		s2 = med[1];
		floor = (med[2] - s1) / K;
		for (i = 0; i < (int)(sizeof(kfs) / sizeof(kfs[0])); i++) {
			double s = kfs[i].setup == skel->progs.setup2 ? s2 : s1;
			double b = med[2 + 2 * i] < 0 ? -1 : (med[2 + 2 * i] - s) / K;
			double nv = med[3 + 2 * i] < 0 ? -1 : (med[3 + 2 * i] - s) / K;
			char nat[32] = "-", vs[32] = "-";

			if (med[2 + 2 * i] < 0 || s < 0)
				continue;
			if (nv > 0) {
				snprintf(nat, sizeof(nat), "%.2f", nv);
				snprintf(vs, sizeof(vs), "%.3f", b / nv);
			}
			printf("bench %s %s kfunc %s per_op=%.2f floor=%.2f native=%s vs_floor=%.3f vs_native=%s\n",
			       kname, clk, kfs[i].name, b, floor, nat, floor > 0 ? b / floor : 0, vs);
		}
	}

	{
		static const __u64 views[] = { 4096, 65536, 1 << 20 };
		static const __u64 chunks[] = { 16, 64, 256, 4096 };
		struct { const char *name; struct bpf_program *p; } forms[] = {
			{ "bpfx_iter", skel->progs.iter_bpfx },
			{ "bpf_loop_read", skel->progs.iter_loop },
			{ "native_clone_adjust", skel->progs.iter_clone },
			{ "bpfx_walk", skel->progs.iter_walk },
		};
		int v, c, f, save = samples;

		samples = samples > 3 ? 3 : samples;
		for (v = 0; v < 3; v++) {
			/* ~4 MiB walked per sample (~0.5 MiB with --quick) */
			int r = (quick ? (1 << 19) : (1 << 22)) / views[v];

			if (r < 1)
				r = 1;
			for (c = 0; c < 4; c++) {
				double s;

				skel->bss->it_size = views[v];
				skel->bss->it_chunk = chunks[c];
				s = measure(skel->progs.iter_setup, r, 1);
				for (f = 0; f < 4; f++) {
					double t = measure(forms[f].p, r, 1);

					if (t < 0 || s < 0)
						continue;
					printf("bench %s %s iter %llu %llu %s per_run=%.0f bytes_per_unit=%.4f\n",
					       kname, clk, (unsigned long long)views[v],
					       (unsigned long long)chunks[c], forms[f].name,
					       t - s, views[v] / (t - s));
				}
			}
		}
		samples = save;
	}
	printf("bench %s %s done %s\n", kname, clk, failed ? "FAIL" : "ok");
	bench__destroy(skel);
	return failed;
}
