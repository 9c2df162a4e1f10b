// SPDX-License-Identifier: GPL-2.0
/* `make demo`: runs progs/demo.bpf.c once and prints what each kfunc said. */
#include <stdio.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "demo.skel.h"

static const char *rows[][2] = {
	{ "bpfx_dynptr_size(d)", "64-byte LOCAL view" },
	{ "bpfx_dynptr_offset(d)", "" },
	{ "bpfx_dynptr_is_null(d)", "" },
	{ "bpfx_dynptr_is_null(null)", "from_mem with bad flags" },
	{ "bpfx_dynptr_is_rdonly(d)", "" },
	{ "bpfx_dynptr_advance(d, 10)", "" },
	{ "  -> bpfx_dynptr_size(d)", "" },
	{ "  -> bpfx_dynptr_offset(d)", "" },
	{ "bpfx_dynptr_trim(d, 4)", "" },
	{ "  -> bpfx_dynptr_size(d)", "" },
	{ "bpfx_dynptr_trim(d, 1000)", "-ERANGE, d unchanged" },
	{ "bpfx_dynptr_clone(d, c, 5)", "c: 8-byte LOCAL" },
	{ "  -> bpfx_dynptr_offset(c)", "" },
	{ "  -> bpfx_dynptr_size(c)", "" },
	{ "bpfx_dynptr_size(null)", "-EINVAL" },
	{ "BPFX_DYNPTR_WALK(d, <=16 B/step)", "bytes walked" },
};

int main(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	struct demo *s = demo__open_and_load();
	struct utsname u;
	unsigned int i;

	uname(&u);
	if (!s || bpf_prog_test_run_opts(bpf_program__fd(s->progs.demo), &o)) {
		fprintf(stderr, "demo: could not load/run the sample (is bpfx loaded?)\n");
		return 1;
	}
	printf("\nbpfx kfuncs on Linux %s\n", u.release);
	printf("%-34s %-26s %s\n", "call", "note", "result");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		printf("%-34s %-26s %lld\n", rows[i][0], rows[i][1], (long long)s->bss->res[i]);
	demo__destroy(s);
	return 0;
}
