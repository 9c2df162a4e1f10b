// SPDX-License-Identifier: GPL-2.0
/*
 * Loads each program of an object on its own and holds it to the outcome
 * written next to it in progs/ (progs/bpfx_test.h decl tags): rejected with
 * the expected verifier message, or loaded and, with __retval, run once
 * through BPF_PROG_TEST_RUN with that result.
 */
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "harness.h"
#include "prog_suite.h"
#include "bpfx_features.h"

struct expect {
	enum { E_OK, E_FAIL, E_SKIP } what;
	char msg[256];
	bool has_retval;
	long long retval;
};

/* Tag "bpfx:<kind>:<kernel>:<text>" applies if <kernel> is ours or "all";
 * a kernel-specific tag wins over "all". */
static void read_expect(struct bpf_object *obj, const char *func, struct expect *e)
{
	const struct btf *btf = bpf_object__btf(obj);
	int prio = -1;
	__u32 i, n = btf__type_cnt(btf);

	memset(e, 0, sizeof(*e));
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *tt;
		char kind[16], k[16];
		const char *v, *text;
		int p;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		tt = btf__type_by_id(btf, t->type);
		if (!btf_is_func(tt) || strcmp(btf__name_by_offset(btf, tt->name_off), func))
			continue;
		v = btf__name_by_offset(btf, t->name_off);
		if (strncmp(v, "bpfx:", 5) || sscanf(v + 5, "%15[^:]:%15[^:]:", kind, k) != 2)
			continue;
		text = strchr(strchr(v + 5, ':') + 1, ':') + 1;
		if (!strcmp(kind, "retval")) {
			e->has_retval = true;
			e->retval = strtoll(text, NULL, 0);
			continue;
		}
		p = !strcmp(k, kern_key) ? 2 : !strcmp(k, "all") ? 1 : -1;
		if (p <= prio)
			continue;
		prio = p;
		e->what = !strcmp(kind, "fail") ? E_FAIL : !strcmp(kind, "skip") ? E_SKIP : E_OK;
		snprintf(e->msg, sizeof(e->msg), "%s", text);
	}
}

static int test_run(struct bpf_program *prog, long long *retval)
{
	/* byte i of the test packet holds i: programs check what they read */
	static unsigned char pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o);
	enum bpf_prog_type t = bpf_program__type(prog);
	int i, err;

	for (i = 0; i < 64; i++)
		pkt[i] = i;
	if (t != BPF_PROG_TYPE_SYSCALL) {
		o.data_in = pkt;
		o.data_size_in = sizeof(pkt);
		o.repeat = 1;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
	*retval = (int)o.retval;
	return err;
}

/* The last lines of a verifier log, where the reason is. */
static void log_tail(const char *log)
{
	size_t n = strlen(log);
	const char *p = log + n;
	int lines = 0;

	while (p > log && lines < 25)
		if (*--p == '\n')
			lines++;
	test__log("verifier log tail:\n%s", p);
}

static struct bpf_object *reload_with_log(const void *elf, size_t sz, const char *name,
					  char *log, size_t logsz)
{
	struct bpf_object *obj = bpf_object__open_mem(elf, sz, NULL);
	struct bpf_program *q;

	if (!obj)
		return NULL;
	bpf_object__for_each_program(q, obj) {
		bool mine = !strcmp(bpf_program__name(q), name);

		bpf_program__set_autoload(q, mine);
		if (mine) {
			bpf_program__set_log_buf(q, log, logsz);
			bpf_program__set_log_level(q, 1);
		}
	}
	log[0] = 0;
	bpf_object__load(obj);
	return obj;
}

void run_prog_suite(const struct prog_suite *s)
{
	static char log[16 << 20];
	size_t sz;
	const void *elf = s->elf_bytes(&sz);
	struct bpf_object *probe = bpf_object__open_mem(elf, sz, NULL);
	struct bpf_program *p;
	unsigned int feats = bpfx_detect_features();

	if (!ASSERT_PTR(probe, "open object"))
		return;
	bpf_object__for_each_program(p, probe) {
		const char *name = bpf_program__name(p);
		struct bpf_object *obj;
		struct bpf_program *q, *me = NULL;
		struct expect e;
		long long rv;
		int err;

		if (!test__start_subtest(name))
			continue;
		read_expect(probe, name, &e);
		if (s->load_only && e.what != E_SKIP) {
			e.what = E_OK;
			e.has_retval = false;
		}
		if (e.what == E_SKIP) {
			test__skip("%s", e.msg);
			continue;
		}
		/* a message too short to name a rule matches any log */
		if (e.what == E_FAIL && strlen(e.msg) < 8) {
			FAIL("expected message \"%s\" is a placeholder", e.msg);
			continue;
		}
		obj = bpf_object__open_mem(elf, sz, NULL);
		if (!ASSERT_PTR(obj, "open"))
			continue;
		bpf_object__for_each_program(q, obj) {
			bool mine = !strcmp(bpf_program__name(q), name);

			bpf_program__set_autoload(q, mine);
			if (mine)
				me = q;
		}
		if (s->features)
			prog_suite_set_features(obj, feats);
		/* A log at level 1 is only asked for where a message is
		 * expected: 6.4+ verifiers fail a valid load with -ENOSPC
		 * when a long log overflows the buffer. */
		log[0] = 0;
		if (e.what == E_FAIL) {
			bpf_program__set_log_buf(me, log, sizeof(log));
			bpf_program__set_log_level(me, 1);
		}
		err = bpf_object__load(obj);
		if (e.what == E_FAIL) {
			if (!err)
				FAIL("loaded, but must be rejected with \"%s\"", e.msg);
			else if (err == -ENOSPC)
				FAIL("verifier log overflowed %zu bytes", sizeof(log));
			else if (!strstr(log, e.msg)) {
				FAIL("rejected without \"%s\"", e.msg);
				log_tail(log);
			} else
				test__log("rejected: \"%s\"", e.msg);
		} else if (err) {
			FAIL("load failed: %d", err);
			bpf_object__close(obj);
			obj = reload_with_log(elf, sz, name, log, sizeof(log));
			log_tail(log);
		} else if (e.has_retval) {
			err = test_run(me, &rv);
			if (ASSERT_OK(err, "BPF_PROG_TEST_RUN"))
				ASSERT_EQ(rv, e.retval, "retval (a line number means that CHECK failed)");
		}
		bpf_object__close(obj);
	}
	bpf_object__close(probe);
}

/* Sets the .rodata variable bpfx_features, if the object has one. */
void prog_suite_set_features(struct bpf_object *obj, unsigned int feats)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t sz;
	char *data;
	int id, i;

	if (!m || !btf)
		return;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	data = (char *)bpf_map__initial_value(m, &sz);
	if (id < 0 || !data)
		return;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), "bpfx_features") &&
		    vs->offset + 4 <= sz)
			memcpy(data + vs->offset, &feats, 4);
	}
}
