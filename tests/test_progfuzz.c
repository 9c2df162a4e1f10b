// SPDX-License-Identifier: GPL-2.0
/*
 * Program fuzzing: whole BPF programs, generated as raw instructions from a
 * seed, go through this kernel's real verifier. Each is an XDP, TC or
 * cgroup_skb program (the types this kernel lets call bpfx, probed) and
 * builds dynptrs with the constructors this kernel has for it:
 * bpf_dynptr_from_mem over map values of several sizes, ringbuf reserve +
 * submit/discard, and where they are kfuncs bpf_dynptr_from_xdp,
 * bpf_dynptr_from_skb (read-only in cgroup_skb) and bpf_dynptr_from_skb_meta.
 * It hands bpfx kfuncs pointers that are right, misaligned, into the middle
 * of a dynptr, into plain stack, map values, the context, NULL or at a
 * variable offset, with constant and run-time lengths, calls them inside
 * bpf_loop callbacks on the parent frame's dynptr and inside
 * bpf_user_ringbuf_drain callbacks on the kernel's own dynptr of each
 * sample (a pointer into the kernel's stack frame, which the callback may
 * clone into the parent's slot), walks views with the open-coded iterator,
 * then uses the results with the kernel's own bpf_dynptr_read/write/data.
 * FILE dynptrs (7.x) need a trusted struct file, which only attached LSM
 * programs get, and test_run cannot run those: tests/test_misc.c's
 * file_dynptr covers them.
 *
 * Rejected programs are counted by verifier message (digits folded). Each
 * accepted one runs once (BPF_PROG_TEST_RUN) on known map bytes, and every
 * result the model below covers (bpfx's contract on LOCAL dynptrs, the
 * kernel helpers' bounds, the bytes they read) must match. Memory errors
 * are the kernel's to report: the guest's splat gate (and KASAN, UBSAN,
 * KFENCE, lockdep on the debug kernels) runs after this.
 *
 * Budget: BPFX_PROGFUZZ_N programs (default 300), seed BPFX_PROGFUZZ_SEED
 * (printed); a mismatch prints the program's own seed and its instructions,
 * and BPFX_PROGFUZZ_PROG=<seed>[,<seed>...] loads just those, printing
 * their instructions and, if rejected, the verifier's log.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "harness.h"

#define MAXI	512		/* instructions per program */
#define NSLOT	4		/* dynptr slots: fp-24, -40, -56, -72 */
#define OUTN	48		/* recorded results per program */
#define BUF	(-136)		/* 64-byte helper buffer */
#define ITER	(-184)		/* iterator state (40 bytes) */
#define KEY	(-4)
#define SLOT(i)	(-24 - 16 * (i))

static const int vsizes[] = { 8, 16, 64, 256, 4096 };
#define NV (int)(sizeof(vsizes) / sizeof(vsizes[0]))

/* ------------------------------------------------------------ instructions */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOVI(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDI(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADDR(d, s)	INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ANDI(d, i)	INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define STI(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JEQI(d, i, o)	INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JA(o)		INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define HELPER(id)	INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct prog {
	struct bpf_insn in[MAXI];
	int n, overflow;
};

static void emit(struct prog *p, struct bpf_insn i)
{
	if (p->n < MAXI)
		p->in[p->n++] = i;
	else
		p->overflow = 1;
}

static void ld64(struct prog *p, int reg, int src, __u64 v)
{
	emit(p, INSN(BPF_LD | BPF_DW | BPF_IMM, reg, src, 0, (__u32)v));
	emit(p, INSN(0, 0, 0, 0, (__u32)(v >> 32)));
}

/* ------------------------------------------------------------ environment */
enum { K_TRIM, K_ADVANCE, K_CLONE, K_SIZE, K_OFFSET, K_IS_NULL, K_IS_RDONLY, K_NOP,
       K_ITER_NEW, K_ITER_NEXT, K_ITER_DESTROY,
       K_FROM_XDP, K_FROM_SKB, K_FROM_SKB_META, NK };	/* from K_FROM_XDP on: vmlinux's */
static const char *kname[NK] = {
	"bpfx_dynptr_trim", "bpfx_dynptr_advance", "bpfx_dynptr_clone", "bpfx_dynptr_size",
	"bpfx_dynptr_offset", "bpfx_dynptr_is_null", "bpfx_dynptr_is_rdonly", "bpfx_dynptr_nop",
	"bpf_iter_bpfx_dynptr_new", "bpf_iter_bpfx_dynptr_next", "bpf_iter_bpfx_dynptr_destroy",
	"bpf_dynptr_from_xdp", "bpf_dynptr_from_skb", "bpf_dynptr_from_skb_meta",
};
static int kid[NK];			/* BTF id, 0: not on this kernel */
static int fd_array[2];			/* [1]: bpfx's module BTF */
static int data_fd[NV], out_fd, rb_fd, urb_fd;
/* BTF for func_info (callbacks need it): main (XDP, skb ctx), callback */
static int prog_btf_fd;
static __u32 main_func[2], cb_func;

/* The program types, what test_run gives them: the packet's length as a
 * dynptr sees it (cgroup_skb runs after the Ethernet header is pulled) and
 * whether bpf_dynptr_from_skb makes it read-only. */
enum { T_XDP, T_TC, T_CGROUP_SKB, NT };
static const struct ptype {
	enum bpf_prog_type type;
	const char *name;
	int ret, skb, pkt_len, pkt_rdonly;
} ptypes[NT] = {
	{ BPF_PROG_TYPE_XDP, "xdp", XDP_PASS, 0, 64, 0 },
	{ BPF_PROG_TYPE_SCHED_CLS, "tc", 0 /* TC_ACT_OK */, 1, 64, 0 },
	{ BPF_PROG_TYPE_CGROUP_SKB, "cgroup_skb", 1, 1, 50, 1 },
};
static int type_ok[NT];			/* bpfx's kfuncs are callable there */

static void kcall(struct prog *p, int k)
{
	/* off: fd_array index of the BTF (0 = vmlinux) */
	emit(p, INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, k >= K_FROM_XDP ? 0 : 1, kid[k]));
}

static int find_module_btf(const char *name)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char n[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)n, .name_len = sizeof(n) };
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(n, name))
			return fd;
		close(fd);
	}
	return -1;
}

/* int progfuzz(struct xdp_md *ctx), int progfuzz_skb(struct __sk_buff *);
 * static int cb(u64 index, void *ctx) (also the drain callback's: the
 * verifier sets a callback's argument types itself) */
static int make_func_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32, u64, vp, md, mdp, mp, cp;

	if (!b)
		return -1;
	i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	u64 = btf__add_int(b, "unsigned long long", 8, 0);
	vp = btf__add_ptr(b, 0);
	md = btf__add_struct(b, "xdp_md", 24);
	mdp = btf__add_ptr(b, md);
	mp = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "ctx", mdp);
	main_func[0] = btf__add_func(b, "progfuzz", BTF_FUNC_GLOBAL, mp);
	md = btf__add_struct(b, "__sk_buff", 192);
	mdp = btf__add_ptr(b, md);
	mp = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "ctx", mdp);
	main_func[1] = btf__add_func(b, "progfuzz_skb", BTF_FUNC_GLOBAL, mp);
	cp = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "index", u64);
	btf__add_func_param(b, "ctx", vp);
	cb_func = btf__add_func(b, "cb", BTF_FUNC_STATIC, cp);
	if (btf__load_into_kernel(b)) {
		btf__free(b);
		return -1;
	}
	prog_btf_fd = btf__fd(b);	/* kept open: b is not freed */
	return (int)main_func[0] > 0 && (int)main_func[1] > 0 && (int)cb_func > 0 && vp > 0 ? 0 : -1;
}

static int load(const struct ptype *t, const struct bpf_insn *in, int n, int cb_start,
		char *log, size_t log_size)
{
	struct bpf_func_info fi[2] = { { 0, main_func[t->skb] }, { cb_start, cb_func } };
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .fd_array = fd_array, .prog_btf_fd = prog_btf_fd,
		    .func_info = fi, .func_info_rec_size = sizeof(fi[0]),
		    .func_info_cnt = cb_start ? 2 : 1,
		    .log_buf = log, .log_size = log ? log_size : 0, .log_level = !!log);

	return bpf_prog_load(t->type, "progfuzz", "GPL", in, n, &lo);
}

/* r<dst> = bpf_map_lookup_elem(map, &key at KEY), after a NULL test whose
 * jump the caller patches: returns that instruction's index. */
static int lookup(struct prog *p, int fd, int dst)
{
	int fix;

	ld64(p, 1, BPF_PSEUDO_MAP_FD, fd);
	emit(p, MOVR(2, 10));
	emit(p, ADDI(2, KEY));
	emit(p, HELPER(BPF_FUNC_map_lookup_elem));
	fix = p->n;
	emit(p, JEQI(0, 0, 0));
	emit(p, MOVR(dst, 0));
	return fix;
}

static int user_ringbuf(void)
{
	return bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, NULL, 0, 0, 16 * 1024, NULL);
}

/* Can a program of this type call bpfx? (6.1 registers bpfx for XDP, TC
 * and three more hooks only; 6.6+ for every type.) A LOCAL dynptr over a
 * map value (from_mem takes no stack memory), handed to bpfx_dynptr_nop. */
static int type_probe(const struct ptype *t)
{
	struct prog p = {};
	int fd;

	emit(&p, STI(BPF_W, 10, KEY, 0));
	p.in[lookup(&p, data_fd[0], 1)].off = 9;	/* to the exit */
	emit(&p, MOVI(2, vsizes[0]));
	emit(&p, MOVI(3, 0));
	emit(&p, MOVR(4, 10));
	emit(&p, ADDI(4, -24));
	emit(&p, HELPER(BPF_FUNC_dynptr_from_mem));
	emit(&p, MOVR(1, 10));
	emit(&p, ADDI(1, -24));
	kcall(&p, K_NOP);
	emit(&p, MOVI(0, t->ret));
	emit(&p, EXIT());
	fd = load(t, p.in, p.n, 0, NULL, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int setup(void)
{
	struct btf *vm = btf__load_vmlinux_btf(), *mod = NULL;
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info);
	int i;

	fd_array[1] = find_module_btf("bpfx");
	if (!vm || fd_array[1] < 0 || bpf_obj_get_info_by_fd(fd_array[1], &info, &len))
		return -1;
	mod = btf__load_from_kernel_by_id_split(info.id, vm);
	if (!mod)
		return -1;
	for (i = 0; i < NK; i++) {
		int id = btf__find_by_name_kind(i >= K_FROM_XDP ? vm : mod, kname[i], BTF_KIND_FUNC);

		kid[i] = id > 0 ? id : 0;
	}
	btf__free(mod);
	btf__free(vm);
	if (make_func_btf())
		return -1;
	for (i = 0; i < NV; i++)
		data_fd[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, vsizes[i], 1, NULL);
	out_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, OUTN * 8, 1, NULL);
	rb_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 64 * 1024, NULL);
	urb_fd = user_ringbuf();
	for (i = 0; i < NV; i++)
		if (data_fd[i] < 0)
			return -1;
	if (out_fd < 0 || rb_fd < 0 || urb_fd < 0 || !kid[K_NOP])
		return -1;
	for (i = 0; i < NT; i++)
		type_ok[i] = type_probe(&ptypes[i]);
	return type_ok[T_XDP] ? 0 : -1;
}

/* ------------------------------------------------------------ the model */
static __u64 rng;

static __u64 rnd(void) { return xorshift64(&rng); }

static int pick(int n) { return rnd() % n; }

/* S_PKT: a packet dynptr (skb, xdp) of ptypes[].pkt_len bytes: bpfx
 * resizes it like a LOCAL one but never clones it (T4, T5). */
enum st { S_UNINIT, S_LOCAL, S_NULL, S_PKT, S_OTHER, S_UNKNOWN };
struct slot {
	enum st st;
	__u32 off, size;
	int ringbuf;		/* needs submit/discard */
};

#define NSAMP 3		/* user ringbuf samples per run, at most */

struct gen {
	struct prog p;
	int t;			/* index into ptypes */
	struct slot s[NSLOT];
	__u8 data[4096];	/* the map value, as the program changes it */
	__u8 buf[64];		/* the helper buffer on the stack */
	int v;			/* index into vsizes */
	__u8 init[4096];	/* the map value the program starts from */
	int data_unknown;	/* a write the model cannot follow happened */
	int buf_unknown;
	int nout;
	int modelled[OUTN];
	__s64 want[OUTN];
	const char *what[OUTN];
	int is32[OUTN];		/* an int return: only the low 32 bits of R0 count */
	int cb_fix;		/* ld_imm64 of the callback, to patch */
	int cb_start;		/* its first instruction */
	int int_ret;		/* the next record is of an int-returning kfunc */
	unsigned int kinds;	/* the pointer kinds the program passes */
	int iter;		/* it walks a dynptr with the iterator */
	int iter_call;		/* ... and calls bpfx in the loop's body */
	int exit_fix[4], nexit;
	int pkt;		/* it makes a packet dynptr */
	int drain;		/* the callback is bpf_user_ringbuf_drain's */
	int drain_ctx;		/* ... and gets a parent's slot as its ctx */
	int nsamp;		/* samples the driver submits before the run */
	__u32 ssize[NSAMP];
	struct slot cs;		/* the last sample's dynptr, as the callback changes it */
};

/* Where the next result goes: out[i] = r0 (model: want, if known). */
static void record(struct gen *g, const char *what, int known, __s64 want)
{
	if (g->nout >= OUTN)
		return;
	emit(&g->p, STX(BPF_DW, 9, 0, 8 * g->nout));
	g->modelled[g->nout] = known;
	g->want[g->nout] = want;
	g->what[g->nout] = what;
	g->is32[g->nout] = g->int_ret;
	g->int_ret = 0;
	g->nout++;
}

static __u64 edge(__u32 size)
{
	static const __u64 fixed[] = { 0, 1, (1 << 24) - 1, 1 << 24, 0xffffffffull,
				       0x100000000ull, 0x100000001ull, ~0ull };

	switch (pick(6)) {
	case 0: return size ? size - 1 : 0;
	case 1: return size;
	case 2: return size + 1;
	case 3: return fixed[pick(8)];
	default: return rnd() % (size + 3);
	}
}

/* Pointer operands: what the verifier must judge. */
enum ptr { P_SLOT, P_MISALIGN, P_HALF, P_BUF, P_VAROFF, P_MAPVAL, P_CTX, P_NULL, NPTR };
static const char *pname[NPTR] = { "slot", "misaligned", "mid-dynptr", "plain stack",
				   "variable offset", "map value", "ctx", "NULL" };
static long kind_ok[NPTR];	/* accepted programs passing each kind */
static long cb_ok, iter_ok;	/* accepted programs with a callback, an iterator walk */
static long drain_ok, pkt_ok, type_acc[NT], samples, iter_call_ok;

/* r<reg> = a pointer of kind k at slot i; returns the kind used. */
static int ptr(struct gen *g, int reg, int i)
{
	struct prog *p = &g->p;
	int k = pick(16) ? P_SLOT : pick(NPTR);

	switch (k) {
	case P_SLOT: case P_MISALIGN: case P_HALF: case P_BUF: case P_VAROFF:
		emit(p, MOVR(reg, 10));
		emit(p, ADDI(reg, k == P_BUF ? BUF : SLOT(i) + (k == P_MISALIGN ? 1 + pick(7) : k == P_HALF ? 8 : 0)));
		if (k == P_VAROFF) {
			/* + (first map byte & 16): 0 or one slot further at run time */
			emit(p, LDX(BPF_B, 5, 7, 0));
			emit(p, ANDI(5, 16));
			emit(p, ADDR(reg, 5));
		}
		break;
	case P_MAPVAL: emit(p, MOVR(reg, 7)); break;
	case P_CTX: emit(p, MOVR(reg, 6)); break;
	default: emit(p, MOVI(reg, 0)); break;
	}
	g->kinds |= 1u << k;
	return k;
}

/* r<reg> = a length: a constant, or (not in a callback: r7 is the main
 * frame's) the map's first 8 bytes, a run-time value the model knows
 * while it follows the map's bytes. Returns the value; *known says. */
static __u64 len(struct gen *g, int reg, __u32 size, int in_cb, int *known)
{
	__u64 v;

	*known = 1;
	if (!in_cb && vsizes[g->v] >= 8 && !pick(5)) {
		emit(&g->p, LDX(BPF_DW, reg, 7, 0));
		memcpy(&v, g->data, 8);
		*known = !g->data_unknown;
		return v;
	}
	v = edge(size);
	ld64(&g->p, reg, 0, v);
	return v;
}

static int modelled(const struct slot *s)
{
	return s->st == S_LOCAL || s->st == S_NULL || s->st == S_PKT;
}

/* One bpfx kfunc call on slot i (in the callback: on its ctx, r6 there). */
static void kfunc_op(struct gen *g, int in_cb)
{
	struct prog *p = &g->p;
	static const int ops[] = { K_TRIM, K_ADVANCE, K_CLONE, K_SIZE, K_OFFSET, K_IS_NULL, K_IS_RDONLY, K_NOP };
	int k = ops[pick(8)], i = pick(NSLOT), j = pick(NSLOT), pk = P_SLOT, known, lk = 1;
	struct slot *s = &g->s[i], *t = &g->s[j];
	__u64 a = 0;
	__s64 want = 0;

	if (!kid[k])
		return;
	if (in_cb) {
		emit(p, MOVR(1, 6));
		if (!pick(16)) {
			emit(p, ADDI(1, 1 + pick(7)));
			g->kinds |= 1u << P_MISALIGN;
		}
	} else {
		pk = ptr(g, 1, i);
	}
	if (k == K_CLONE) {
		if (in_cb)
			emit(p, MOVR(2, 6));
		else if (ptr(g, 2, j) != P_SLOT)
			pk = -1;
	}
	if (k == K_TRIM || k == K_ADVANCE || k == K_CLONE)
		a = len(g, k == K_CLONE ? 3 : 2, s->size, in_cb, &lk);
	kcall(p, k);
	if (in_cb)
		return;
	g->int_ret = k != K_SIZE && k != K_OFFSET && k != K_NOP;
	/* The model: bpfx's contract on LOCAL, null LOCAL and packet
	 * dynptrs. A misaligned pointer that loads (6.1) must be refused at
	 * run time. */
	known = lk && pk == P_SLOT && modelled(s) && (k != K_CLONE || modelled(t));
	if (pk == P_MISALIGN && k != K_IS_NULL && k != K_IS_RDONLY && k != K_NOP && k != K_CLONE) {
		record(g, kname[k], 1, -EINVAL);
		return;
	}
	if (known) {
		int null = s->st == S_NULL;

		switch (k) {
		case K_SIZE: want = null ? -EINVAL : (__s64)s->size; break;
		case K_OFFSET: want = null ? -EINVAL : (__s64)s->off; break;
		case K_IS_NULL: want = null; break;
		case K_IS_RDONLY: want = s->st == S_PKT && ptypes[g->t].pkt_rdonly; break;
		case K_NOP: want = 0; break;
		case K_TRIM: case K_ADVANCE:
			if (null) { want = -EINVAL; break; }
			if (a > s->size) { want = -ERANGE; break; }
			s->size -= a;
			if (k == K_ADVANCE)
				s->off += a;
			break;
		case K_CLONE:
			/* the source's error first: a packet one is not
			 * LOCAL; then the target's */
			if (null) { want = -EINVAL; break; }
			if (s->st == S_PKT) { want = -EOPNOTSUPP; break; }
			if (t->st != S_LOCAL) { want = -EINVAL; break; }
			if (a > s->size) { want = -ERANGE; break; }
			t->off = s->off + a;
			t->size = s->size - a;
			break;
		}
	} else if (k == K_TRIM || k == K_ADVANCE || k == K_CLONE) {
		/* a change the model cannot follow: through an odd pointer it
		 * may land in any slot */
		for (int x = 0; x < NSLOT; x++)
			if ((x == i || x == j || pk != P_SLOT) && g->s[x].st != S_UNINIT)
				g->s[x].st = S_UNKNOWN;
	}
	record(g, kname[k], known, want);
}

/* bpf_dynptr_read / write / data on slot i, with the kernel's bounds. */
static void helper_op(struct gen *g)
{
	struct prog *p = &g->p;
	int i = pick(NSLOT), op = pick(3), pk;
	struct slot *s = &g->s[i];
	__u32 off = pick(4) ? pick(s->size + 2) : rnd() % 5000, n = pick(65);
	int known;
	__s64 want = 0;

	if (op == 2 && !n)
		n = 1;
	if (op == 0) {		/* read(buf, n, dp, off, 0) */
		emit(p, MOVR(1, 10));
		emit(p, ADDI(1, BUF));
		emit(p, MOVI(2, n));
		pk = ptr(g, 3, i);
		emit(p, MOVI(4, off));
		emit(p, MOVI(5, 0));
		emit(p, HELPER(BPF_FUNC_dynptr_read));
	} else if (op == 1) {	/* write(dp, off, buf, n, 0) */
		pk = ptr(g, 1, i);
		emit(p, MOVI(2, off));
		emit(p, MOVR(3, 10));
		emit(p, ADDI(3, BUF));
		emit(p, MOVI(4, n));
		emit(p, MOVI(5, 0));
		emit(p, HELPER(BPF_FUNC_dynptr_write));
	} else {		/* data(dp, off, n): then its first byte, or -1 */
		pk = ptr(g, 1, i);
		emit(p, MOVI(2, off));
		emit(p, MOVI(3, n));
		emit(p, HELPER(BPF_FUNC_dynptr_data));
		emit(p, JEQI(0, 0, 2));
		emit(p, LDX(BPF_B, 0, 0, 0));
		emit(p, JA(1));
		emit(p, MOVI(0, -1));
	}
	known = pk == P_SLOT && (s->st == S_LOCAL || s->st == S_NULL);
	if (known) {
		int oob = s->st == S_LOCAL && (__u64)off + n > s->size;

		if (s->st == S_NULL || oob)
			want = op == 2 ? -1 : s->st == S_NULL ? -EINVAL : -E2BIG;
		else if (op == 0)
			memcpy(g->buf, g->data + s->off + off, n);
		else if (op == 1 && g->buf_unknown)
			g->data_unknown = 1;
		else if (op == 1)
			memcpy(g->data + s->off + off, g->buf, n);
		else if (g->data_unknown)
			known = 0;
		else
			want = g->data[s->off + off];
		/* a failed read may or may not have touched the buffer */
		if (op == 0 && (want || g->data_unknown))
			g->buf_unknown = 1;
	} else if (op == 0) {
		g->buf_unknown = 1;
	} else if (op == 1 && (pk != P_SLOT || s->st == S_UNKNOWN)) {
		g->data_unknown = 1;	/* a write the model cannot place */
	}
	record(g, op == 0 ? "bpf_dynptr_read" : op == 1 ? "bpf_dynptr_write" : "bpf_dynptr_data", known, want);
}

/* Open-coded iterator over slot i: out = the sum of the chunk lengths.
 * Half the loops also call a bpfx kfunc on slot j in their body, each
 * turn: trim and advance by 1 shrink it as the walk goes (j may be i). */
static void iter_op(struct gen *g)
{
	static const int bops[] = { K_SIZE, K_OFFSET, K_IS_NULL, K_TRIM, K_ADVANCE };
	struct prog *p = &g->p;
	int i = pick(NSLOT), j = pick(NSLOT), pk, bk = pick(2) ? bops[pick(5)] : -1, blen = 0;
	struct slot *s = &g->s[i];
	__u64 chunk = pick(4) ? 1 + pick(64) : edge(64);
	int known;

	if (!kid[K_ITER_NEW])
		return;
	if (bk >= 0 && !kid[bk])
		bk = -1;
	if (bk >= 0)
		blen = 3 + (bk == K_TRIM || bk == K_ADVANCE ? 2 : 0);
	emit(p, MOVR(1, 10));
	emit(p, ADDI(1, ITER));
	pk = ptr(g, 2, i);
	ld64(p, 3, 0, chunk);
	kcall(p, K_ITER_NEW);
	g->iter = 1;
	emit(p, MOVI(8, 0));
	emit(p, MOVR(1, 10));			/* loop: */
	emit(p, ADDI(1, ITER));
	kcall(p, K_ITER_NEXT);
	emit(p, JEQI(0, 0, 3 + blen));
	emit(p, LDX(BPF_DW, 1, 0, 8));		/* chunk->len */
	emit(p, ADDR(8, 1));
	if (bk >= 0) {				/* the body's call */
		emit(p, MOVR(1, 10));
		emit(p, ADDI(1, SLOT(j)));
		if (blen == 5)
			ld64(p, 2, 0, 1);
		kcall(p, bk);
		g->iter_call = 1;
	}
	emit(p, JA(-(7 + blen)));
	emit(p, MOVR(1, 10));
	emit(p, ADDI(1, ITER));
	kcall(p, K_ITER_DESTROY);
	emit(p, MOVR(0, 8));
	/* the walk's total: from the view at new(), unless the body
	 * resized that view meanwhile */
	known = pk == P_SLOT && (s->st == S_LOCAL || s->st == S_NULL) && !(blen == 5 && j == i);
	record(g, "iterator walk", known, s->st == S_LOCAL && chunk ? s->size : 0);
	/* resized once per turn: by how much is the walk's business */
	if (blen == 5 && modelled(&g->s[j]))
		g->s[j].st = S_UNKNOWN;
}

/* bpf_loop(n, callback, &slot, 0): the callback's kfunc calls get a
 * pointer into this (the parent's) frame. */
static void loop_op(struct gen *g)
{
	struct prog *p = &g->p;
	int i = pick(NSLOT), n = 1 + pick(3);

	if (g->cb_fix || !kid[K_SIZE])
		return;			/* one callback per program */
	emit(p, MOVI(1, n));
	g->cb_fix = p->n;
	ld64(p, 2, BPF_PSEUDO_FUNC, 0);	/* patched to the callback */
	emit(p, MOVR(3, 10));
	emit(p, ADDI(3, SLOT(i)));
	emit(p, MOVI(4, 0));
	emit(p, HELPER(BPF_FUNC_loop));
	/* the callback (generated last) may resize the slot: unknown now */
	if (modelled(&g->s[i]))
		g->s[i].st = S_UNKNOWN;
	record(g, "bpf_loop", 0, 0);
}

/* bpf_user_ringbuf_drain(urb, callback, &slot or NULL, 0): the driver
 * submits g->nsamp samples first, the callback returns 0 for each, so the
 * helper must return g->nsamp. */
static void drain_op(struct gen *g)
{
	struct prog *p = &g->p;
	int i = pick(NSLOT);

	if (g->cb_fix)
		return;			/* one callback per program */
	g->drain = 1;
	g->drain_ctx = pick(2);
	g->nsamp = pick(8) ? 1 + pick(NSAMP) : 0;
	for (int j = 0; j < g->nsamp; j++)
		g->ssize[j] = pick(8) ? 1 + pick(64) : 1 + pick(4096);
	ld64(p, 1, BPF_PSEUDO_MAP_FD, urb_fd);
	g->cb_fix = p->n;
	ld64(p, 2, BPF_PSEUDO_FUNC, 0);	/* patched to the callback */
	if (g->drain_ctx) {
		emit(p, MOVR(3, 10));
		emit(p, ADDI(3, SLOT(i)));
		/* the callback may clone a sample into it */
		if (modelled(&g->s[i]))
			g->s[i].st = S_UNKNOWN;
	} else {
		emit(p, MOVI(3, 0));
	}
	emit(p, MOVI(4, 0));
	emit(p, HELPER(BPF_FUNC_user_ringbuf_drain));
	record(g, "bpf_user_ringbuf_drain", 1, g->nsamp);
}

/* The drain callback's body: r6 = the sample's dynptr (the kernel's, on
 * its stack), r7 = ctx, r9 = out. Every record is written once per
 * sample; the model follows the last sample (none: out stays 0). */
#define CB_BUF	(-72)		/* 64 bytes of the callback's own stack */
static void drain_cb_op(struct gen *g)
{
	static const int ops[] = { K_TRIM, K_ADVANCE, K_SIZE, K_OFFSET, K_IS_NULL, K_IS_RDONLY, K_NOP };
	struct prog *p = &g->p;
	struct slot *c = &g->cs;
	int n = g->nsamp, c_op = pick(10), k, odd = 0;
	__u64 a = 0;
	__s64 want = 0;

	if (c_op < 6) {			/* a bpfx kfunc on the sample's dynptr */
		k = ops[pick(7)];
		if (!kid[k])
			return;
		emit(p, MOVR(1, 6));
		if (!pick(16)) {
			emit(p, ADDI(1, 1 + pick(7)));
			g->kinds |= 1u << P_MISALIGN;
			odd = 1;
		}
		if (k == K_TRIM || k == K_ADVANCE)
			ld64(p, 2, 0, a = edge(c->size));
		kcall(p, k);
		g->int_ret = k != K_SIZE && k != K_OFFSET && k != K_NOP;
		switch (k) {
		case K_SIZE: want = c->size; break;
		case K_OFFSET: want = c->off; break;
		case K_TRIM: case K_ADVANCE:
			if (a > c->size) { want = -ERANGE; break; }
			c->size -= a;
			c->off += k == K_ADVANCE ? a : 0;
			break;
		default: want = 0;	/* not null; a sample is writable */
		}
		if (odd)
			c->st = S_UNKNOWN;
		record(g, kname[k], n && c->st != S_UNKNOWN ? 1 : !n, n ? want : 0);
	} else if (c_op < 8) {		/* bpf_dynptr_read(buf, len, sample, off, 0) */
		__u32 off = pick(c->size + 2), len = pick(65);

		emit(p, MOVR(1, 10));
		emit(p, ADDI(1, CB_BUF));
		emit(p, MOVI(2, len));
		emit(p, MOVR(3, 6));
		emit(p, MOVI(4, off));
		emit(p, MOVI(5, 0));
		emit(p, HELPER(BPF_FUNC_dynptr_read));
		want = (__u64)off + len > c->size ? -E2BIG : 0;
		record(g, "bpf_dynptr_read (sample)", n && c->st != S_UNKNOWN ? 1 : !n, n ? want : 0);
	} else if (c_op < 9) {		/* bpf_dynptr_write(sample, off, buf, len, 0) */
		emit(p, MOVR(1, 6));
		emit(p, MOVI(2, pick(c->size + 2)));
		emit(p, MOVR(3, 10));
		emit(p, ADDI(3, CB_BUF));
		emit(p, MOVI(4, pick(65)));
		emit(p, MOVI(5, 0));
		emit(p, HELPER(BPF_FUNC_dynptr_write));
		record(g, "bpf_dynptr_write (sample)", !n, 0);
	} else if (g->drain_ctx && kid[K_CLONE]) {	/* clone the sample into the parent's slot */
		emit(p, MOVR(1, 6));
		emit(p, MOVR(2, 7));
		ld64(p, 3, 0, edge(c->size));
		kcall(p, K_CLONE);
		g->int_ret = 1;
		record(g, "bpfx_dynptr_clone (sample to parent)", !n, 0);
	}
}

static void drain_cb(struct gen *g)
{
	struct prog *p = &g->p;
	int i, nops = 1 + pick(4), fix;

	g->cs = (struct slot){ .st = S_LOCAL, .size = g->nsamp ? g->ssize[g->nsamp - 1] : 0 };
	emit(p, MOVR(6, 1));
	emit(p, MOVR(7, 2));
	emit(p, STI(BPF_W, 10, KEY, 0));
	for (i = 0; i < 8; i++)
		emit(p, STI(BPF_DW, 10, CB_BUF + 8 * i, 0));
	fix = lookup(p, out_fd, 9);
	while (nops--)
		drain_cb_op(g);
	p->in[fix].off = p->n - fix - 1;
	emit(p, MOVI(0, 0));
	emit(p, EXIT());
}

/* A dynptr in slot i from one of this kernel's constructors. */
static void construct(struct gen *g, int i)
{
	struct prog *p = &g->p;
	struct slot *s = &g->s[i];
	int c = pick(10);
	__u32 vs = vsizes[g->v];

	if (c < 6) {		/* bpf_dynptr_from_mem(value, n, flags, slot) */
		__u32 n = pick(64) ? pick(vs + 1) : vs + 1 + pick(2);
		int flags = !pick(12);

		emit(p, MOVR(1, 7));
		emit(p, MOVI(2, n));
		emit(p, MOVI(3, flags));
		emit(p, MOVR(4, 10));
		emit(p, ADDI(4, SLOT(i)));
		emit(p, HELPER(BPF_FUNC_dynptr_from_mem));
		*s = (struct slot){ .st = flags ? S_NULL : S_LOCAL, .size = n };
		record(g, "bpf_dynptr_from_mem", n <= vs, flags ? -EINVAL : 0);
	} else if (c < 8) {	/* bpf_ringbuf_reserve_dynptr(rb, n, 0, slot) */
		__u32 n = pick(8) ? 8 * (1 + pick(64)) : 128 * 1024;

		ld64(p, 1, BPF_PSEUDO_MAP_FD, rb_fd);
		emit(p, MOVI(2, n));
		emit(p, MOVI(3, 0));
		emit(p, MOVR(4, 10));
		emit(p, ADDI(4, SLOT(i)));
		emit(p, HELPER(BPF_FUNC_ringbuf_reserve_dynptr));
		*s = (struct slot){ .st = S_OTHER, .size = n, .ringbuf = 1 };
		record(g, "bpf_ringbuf_reserve_dynptr", 0, 0);
	} else {		/* the packet: bpf_dynptr_from_{xdp,skb,skb_meta}(ctx, 0, slot) */
		const struct ptype *t = &ptypes[g->t];
		int k = !t->skb ? K_FROM_XDP : t->type == BPF_PROG_TYPE_SCHED_CLS && !pick(4) ?
			K_FROM_SKB_META : K_FROM_SKB;

		if (!kid[k])
			return;
		emit(p, MOVR(1, 6));
		emit(p, MOVI(2, 0));
		emit(p, MOVR(3, 10));
		emit(p, ADDI(3, SLOT(i)));
		kcall(p, k);
		/* skb_meta: test_run gives no metadata; not modelled */
		if (k == K_FROM_SKB_META)
			*s = (struct slot){ .st = S_OTHER };
		else
			*s = (struct slot){ .st = S_PKT, .size = t->pkt_len };
		g->pkt = 1;
		record(g, kname[k], k != K_FROM_SKB_META, 0);
	}
}

static void generate(struct gen *g)
{
	struct prog *p = &g->p;
	int i, nops = 1 + pick(12);

	memset(g, 0, sizeof(*g));
	do			/* XDP half of the time */
		g->t = pick(2) ? T_XDP : pick(NT);
	while (!type_ok[g->t]);
	g->v = pick(NV);
	for (i = 0; i < vsizes[g->v]; i++)
		g->data[i] = rnd();
	if (vsizes[g->v] >= 8 && pick(2)) {	/* an interesting run-time length */
		__u64 l = edge(vsizes[g->v]);

		memcpy(g->data, &l, 8);
	}
	memcpy(g->init, g->data, sizeof(g->data));
	emit(p, MOVR(6, 1));
	emit(p, STI(BPF_W, 10, KEY, 0));
	for (i = 0; i < 8; i++)
		emit(p, STI(BPF_DW, 10, BUF + 8 * i, 0));
	g->exit_fix[g->nexit++] = lookup(p, data_fd[g->v], 7);
	g->exit_fix[g->nexit++] = lookup(p, out_fd, 9);
	for (i = 0; i < NSLOT; i++)
		if (pick(64))
			construct(g, i);
	while (nops--) {
		int c = pick(21);

		if (c < 11)
			kfunc_op(g, 0);
		else if (c < 16)
			helper_op(g);
		else if (c < 18)
			iter_op(g);
		else if (c < 20)
			loop_op(g);
		else
			drain_op(g);
	}
	for (i = 0; i < NSLOT; i++) {	/* release every reservation */
		if (!g->s[i].ringbuf || !pick(30))
			continue;
		emit(p, MOVR(1, 10));
		emit(p, ADDI(1, SLOT(i)));
		emit(p, MOVI(2, 0));
		emit(p, HELPER(pick(2) ? BPF_FUNC_ringbuf_submit_dynptr : BPF_FUNC_ringbuf_discard_dynptr));
	}
	/* exit: XDP_PASS, TC_ACT_OK, or cgroup_skb's "allow" */
	for (i = 0; i < g->nexit; i++)
		p->in[g->exit_fix[i]].off = p->n - g->exit_fix[i] - 1;
	emit(p, MOVI(0, ptypes[g->t].ret));
	emit(p, EXIT());
	if (g->cb_fix) {
		p->in[g->cb_fix].imm = p->n - g->cb_fix - 1;
		g->cb_start = p->n;
	}
	if (g->drain) {
		drain_cb(g);
	} else if (g->cb_fix) {		/* bpf_loop's: r1 index, r2 = &slot */
		int n = 1 + pick(3);

		emit(p, MOVR(6, 2));
		while (n--)
			kfunc_op(g, 1);
		emit(p, MOVI(0, 0));
		emit(p, EXIT());
	}
}

/* ------------------------------------------------------------ the driver */
struct reason {
	char msg[120];
	long n;
	__u64 first;		/* the seed of the first program it rejected */
};
static struct reason reasons[128];
static int nreasons;

/* The verifier's verdict: the last line that is not a statistic, digits
 * folded so that one rule counts once. 7.3 (kernel/bpf/diagnostics.c)
 * follows the message with a block of its own ("Verification failed: ...",
 * "Reason:", "Suggestion:", indented text): the verdict is the line
 * before it, as on the other kernels. */
static void count_reason(const char *log, __u64 pseed)
{
	char line[120] = "(no verifier message)", *d;
	const char *l = log, *e, *end = strstr(log, "\nVerification failed: ");
	int i;

	if (!end)
		end = log + strlen(log);
	for (; l < end; l = e + 1) {
		e = memchr(l, '\n', end - l);
		if (!e)
			e = end;
		if (e == l || !strncmp(l, "processed ", 10) || !strncmp(l, "verification time", 17) ||
		    !strncmp(l, "stack depth", 11) || !strncmp(l, "-- END PROG LOAD LOG", 20))
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
	}
	for (d = line; *d; d++)
		if (*d >= '0' && *d <= '9')
			*d = 'N';
	for (i = 0; i < nreasons; i++)
		if (!strcmp(reasons[i].msg, line))
			break;
	if (i == nreasons) {
		if (nreasons == 128)
			return;
		reasons[nreasons].first = pseed;
		snprintf(reasons[nreasons++].msg, sizeof(line), "%s", line);
	}
	reasons[i].n++;
}

static int by_count(const void *a, const void *b)
{
	return ((const struct reason *)b)->n - ((const struct reason *)a)->n;
}

static void dump_all(const struct prog *p)
{
	for (int i = 0; i < p->n; i++)
		printf("  %3d: code %#04x dst r%d src r%d off %d imm %d\n", i, p->in[i].code,
		       p->in[i].dst_reg, p->in[i].src_reg, p->in[i].off, p->in[i].imm);
}

/* The samples a drain program consumes, in order; bytes i*7+j. */
static int submit_samples(struct user_ring_buffer **urb, const __u32 *size, int n)
{
	*urb = user_ring_buffer__new(urb_fd, NULL);
	if (!*urb)
		return -1;
	for (int i = 0; i < n; i++) {
		__u8 *d = user_ring_buffer__reserve(*urb, size[i]);

		if (!d)
			return -1;
		for (__u32 j = 0; j < size[i]; j++)
			d[j] = i * 7 + j;
		user_ring_buffer__submit(*urb, d);
	}
	return 0;
}

static char log_buf[256 * 1024];
static struct gen g;

void test_progfuzz(void)
{
	const char *e = getenv("BPFX_PROGFUZZ_N"), *se = getenv("BPFX_PROGFUZZ_SEED");
	/* one program, by the seed a message printed: its instructions and log */
	const char *one = getenv("BPFX_PROGFUZZ_PROG");
	long budget = e ? atol(e) : 300, n, accepted = 0, rejected = 0, checked = 0;
	__u64 seed = se ? strtoull(se, NULL, 0) : (__u64)time(NULL) * 2654435761u, base;
	__u8 pkt[64] = { 0 };
	__u64 out[OUTN];
	__u32 key = 0;
	int i;

	/* The guest's override pass reloads bpfx with unguarded_writes=1 (and
	 * sets BPFX_UNGUARDED): there 6.1 accepts variable-offset dynptr
	 * pointers (T7), so a generated program could write outside its frame.
	 * Those attacks are only loaded, never run (test_guard.c); so is this. */
	if (getenv("BPFX_UNGUARDED")) {
		test__skip("bpfx is loaded with unguarded_writes=1: generated programs are not run without the guard");
		return;
	}
	if (one)
		for (budget = 1, e = one; *e; e++)
			budget += *e == ',';
	if (!ASSERT_OK(setup(), "bpfx's module BTF, the kfunc ids and the maps"))
		return;
	printf("progfuzz: seed %#llx, %ld programs (BPFX_PROGFUZZ_SEED / BPFX_PROGFUZZ_N); iterator %s; packet dynptrs: xdp %s, skb %s, skb_meta %s\n",
	       (unsigned long long)seed, budget, kid[K_ITER_NEW] ? "yes" : "no", kid[K_FROM_XDP] ? "yes" : "no",
	       kid[K_FROM_SKB] ? "yes" : "no", kid[K_FROM_SKB_META] ? "yes" : "no");
	base = seed | 1;
	for (n = 0; n < budget; n++) {
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = pkt, .data_size_in = sizeof(pkt));
		struct user_ring_buffer *urb = NULL;
		const struct ptype *t;
		__u64 pseed;
		int fd;

		rng = base;
		pseed = one ? strtoull(one, (char **)&one, 0) : rnd();
		if (one && *one == ',')
			one++;
		base = rng;
		rng = pseed;
		generate(&g);
		if (g.p.overflow) {
			FAIL("program %ld (seed %#llx) longer than %d instructions", n,
			     (unsigned long long)pseed, MAXI);
			break;
		}
		t = &ptypes[g.t];
		fd = load(t, g.p.in, g.p.n, g.cb_start, NULL, 0);
		if (fd < 0) {
			log_buf[0] = 0;
			fd = load(t, g.p.in, g.p.n, g.cb_start, log_buf, sizeof(log_buf));
			if (fd >= 0) {
				FAIL("program %ld (seed %#llx) loads only with a log", n,
				     (unsigned long long)pseed);
				close(fd);
				break;
			}
			rejected++;
			count_reason(log_buf, pseed);
			if (one) {
				dump_all(&g.p);
				printf("%s\n", log_buf);
			}
			continue;
		}
		accepted++;
		for (i = 0; i < NPTR; i++)
			kind_ok[i] += g.kinds >> i & 1;
		cb_ok += g.cb_start && !g.drain;
		drain_ok += g.drain;
		iter_ok += g.iter;
		iter_call_ok += g.iter_call;
		pkt_ok += g.pkt;
		type_acc[g.t]++;
		memset(out, 0, sizeof(out));
		if (g.drain && submit_samples(&urb, g.ssize, g.nsamp)) {
			FAIL("program %ld (seed %#llx): submitting %d user ringbuf samples failed (errno %d)",
			     n, (unsigned long long)pseed, g.nsamp, errno);
			close(fd);
			break;
		}
		samples += g.drain ? g.nsamp : 0;
		if (bpf_map_update_elem(data_fd[g.v], &key, g.init, 0) ||
		    bpf_map_update_elem(out_fd, &key, out, 0) ||
		    bpf_prog_test_run_opts(fd, &ro) || (int)ro.retval != t->ret ||
		    bpf_map_lookup_elem(out_fd, &key, out)) {
			FAIL("program %ld (seed %#llx, %s): setup or test_run failed (errno %d, retval %u)",
			     n, (unsigned long long)pseed, t->name, errno, ro.retval);
			dump_all(&g.p);
			close(fd);
			break;
		}
		close(fd);
		/* a fresh ring for the next program: no sample is left over */
		if (g.drain) {
			user_ring_buffer__free(urb);
			close(urb_fd);
			urb_fd = user_ringbuf();
			if (!ASSERT_OK(urb_fd < 0, "a new user ringbuf"))
				break;
		}
		for (i = 0; i < g.nout; i++) {
			if (!g.modelled[i])
				continue;
			checked++;
			if ((g.is32[i] ? (__s64)(int)out[i] : (__s64)out[i]) != g.want[i]) {
				FAIL("program %ld (seed %#llx, %s; BPFX_PROGFUZZ_PROG replays it): result %d (%s): kernel %lld, model %lld",
				     n, (unsigned long long)pseed, t->name, i, g.what[i], (long long)out[i],
				     (long long)g.want[i]);
				dump_all(&g.p);
				goto end;
			}
		}
		if (!g.data_unknown) {
			__u8 now[4096];

			if (bpf_map_lookup_elem(data_fd[g.v], &key, now) ||
			    memcmp(now, g.data, vsizes[g.v])) {
				FAIL("program %ld (seed %#llx): the map value differs from the model after the run",
				     n, (unsigned long long)pseed);
				dump_all(&g.p);
				goto end;
			}
			checked++;
		}
	}
end:
	qsort(reasons, nreasons, sizeof(reasons[0]), by_count);
	printf("progfuzz: %ld programs: %ld accepted and run, %ld rejected; %ld results checked against the model, %s\n",
	       n, accepted, rejected, checked, n == budget ? "0 mismatches" : "stopped");
	printf("progfuzz: accepted programs by type:");
	for (i = 0; i < NT; i++)
		printf(" %s %ld%s", ptypes[i].name, type_acc[i], type_ok[i] ? "" : " (bpfx not callable there)");
	printf("; with a packet dynptr: %ld\n", pkt_ok);
	printf("progfuzz: accepted programs with kfunc calls in a bpf_loop callback on the parent's dynptr: %ld, with an iterator walk: %ld (calling bpfx in its loop: %ld), draining a user ringbuf: %ld (%ld samples)\n",
	       cb_ok, iter_ok, iter_call_ok, drain_ok, samples);
	printf("progfuzz: accepted programs passing a dynptr pointer that is:");
	for (i = 1; i < NPTR; i++)
		printf(" %s %ld%s", pname[i], kind_ok[i], i + 1 < NPTR ? "," : "\n");
	for (i = 0; i < nreasons && i < 12; i++)
		printf("progfuzz: rejected %6ld x %s (first: program seed %#llx)\n", reasons[i].n,
		       reasons[i].msg, (unsigned long long)reasons[i].first);
	if (n == budget && !accepted && !one)
		FAIL("no program was accepted: the generator is not exercising bpfx");
}
