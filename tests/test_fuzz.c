// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing: random op sequences run by the real kfuncs (through
 * progs/dynptr_ops, on LOCAL dynptrs) and by a userspace model of the bpfx
 * contract and of the kernel's dynptr read/write helpers; every return
 * value, every byte read, every iterator walk (6.12+) and the final memory
 * must agree.
 * Lengths are edge-heavy: 0, 1, size-1, size, size+1, 2^24-1, 2^24,
 * 2^32-1, 2^32, U64_MAX and small random ones.
 * Budget: BPFX_FUZZ_OPS (default 20000), seed: BPFX_FUZZ_SEED (default
 * printed); a mismatch prints the seed and the batch to replay it.
 */
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "bpfx_features.h"
#include "dynptr_ops.h"
#include "dynptr_ops.skel.h"

struct view {
	int null, buf;
	__u64 off, size;
};

static __u64 rng;

static __u64 next(void) { return xorshift64(&rng); }

static __u64 edge_len(__u64 size)
{
	static const __u64 fixed[] = { 0, 1, (1 << 24) - 1, 1 << 24, 0xffffffffull,
				       0x100000000ull, ~0ull };

	switch (next() % 8) {
	case 0: return size ? size - 1 : 0;
	case 1: return size;
	case 2: return size + 1;
	case 3: return fixed[next() % 7];
	default: return next() % (size + 3);
	}
}

static __u8 mem[2][OPS_BUFSZ];
static int have_iter;
static __u64 want_sum[OPS_MAX], want_len[OPS_MAX];

/* The model: the bpfx contract (docs/API.md) and the kernel's helpers. */
static __s64 model(struct ops_op *op, struct view *v, __u8 *bytes, int i)
{
	struct view *d = &v[op->dp], *d2 = &v[op->dp2];
	__u64 len = op->len > OPS_READ_MAX ? OPS_READ_MAX : op->len, a = op->arg;

	switch (op->code) {
	case BOP_TRIM:
	case BOP_ADVANCE:
		if (d->null)
			return -EINVAL;
		if (a > d->size)
			return -ERANGE;
		d->size -= a;
		if (op->code == BOP_ADVANCE)
			d->off += a;
		return 0;
	case BOP_CLONE:
		if (d->null)
			return -EINVAL;
		if (d2->null)
			return -EINVAL;
		if (a > d->size)
			return -ERANGE;
		{
			struct view c = *d;

			c.off += a;
			c.size -= a;
			*d2 = c;
		}
		return 0;
	case BOP_SIZE:
		return d->null ? -EINVAL : (__s64)d->size;
	case BOP_OFFSET:
		return d->null ? -EINVAL : (__s64)d->off;
	case BOP_IS_NULL:
		return d->null;
	case BOP_IS_RDONLY:
		return 0;
	case BOP_READ:
	case BOP_WRITE:
		if (a > 0xffffffffull)
			return -E2BIG;	/* bpfx_dynptr_read/write's own guard */
		if (d->null)
			return -EINVAL;
		if (len > d->size || a > d->size - len)
			return -E2BIG;
		if (op->code == BOP_READ)
			memcpy(bytes, &mem[d->buf][d->off + a], len);
		else
			memset(&mem[d->buf][d->off + a], 0xa5, len);
		return 0;
	case BOP_NOP:
		return 0;
	case BOP_ITER:
		if (!have_iter)
			return -EOPNOTSUPP;
		if (d->null || !a)
			return -EINVAL;
		{
			__u64 off = 0, n = 0, sum = 0, tot = 0;

			while (off < d->size) {
				__u64 l = a < d->size - off ? a : d->size - off;

				sum += off ^ l;
				tot += l;
				n++;
				off += l;
			}
			want_sum[i] = sum;
			want_len[i] = tot;
			return n;
		}
	}
	return -EINVAL;
}

static const char *opname[] = { "none", "trim", "advance", "clone", "size", "offset",
				"is_null", "is_rdonly", "read", "write", "nop", "iter" };

void test_fuzz(void)
{
	const char *e = getenv("BPFX_FUZZ_OPS"), *se = getenv("BPFX_FUZZ_SEED");
	long long budget = e ? atoll(e) : 20000, done = 0, batches = 0;
	__u64 seed = se ? strtoull(se, NULL, 0) : (__u64)time(NULL) * 2654435761u;
	LIBBPF_OPTS(bpf_test_run_opts, o);
	struct dynptr_ops *skel = dynptr_ops__open();
	unsigned int feats = bpfx_detect_features();
	int i, j, fd;

	if (!ASSERT_PTR(skel, "open progs/dynptr_ops"))
		return;
	/* the iterator op runs where the kernel has module iterators */
	skel->rodata->bpfx_features = feats;
	have_iter = !!(feats & BPFX_F_ITER);
	if (!ASSERT_OK(dynptr_ops__load(skel), "load progs/dynptr_ops")) {
		dynptr_ops__destroy(skel);
		return;
	}
	rng = seed | 1;
	printf("fuzz: seed %#llx, %lld ops (BPFX_FUZZ_SEED / BPFX_FUZZ_OPS), iterator %s\n",
	       (unsigned long long)seed, budget, have_iter ? "on" : "off (no module iterators)");
	fd = bpf_program__fd(skel->progs.run_ops);
	while (done < budget) {
		struct ops_in in = {};
		struct view v[2];
		__u8 bytes[OPS_MAX][OPS_READ_MAX];
		__s64 want[OPS_MAX];
		__u64 batch_rng = rng;

		for (j = 0; j < 2; j++) {
			in.size[j] = next() % (OPS_BUFSZ + 1);
			in.flags[j] = next() % 16 == 0;
			v[j] = (struct view){ .null = in.flags[j], .buf = j, .size = in.size[j] };
			for (i = 0; i < OPS_BUFSZ; i++)
				mem[j][i] = skel->bss->buf[j][i] = next();
		}
		in.nops = OPS_MAX;
		for (i = 0; i < OPS_MAX; i++) {
			struct ops_op *op = &in.op[i];

			op->code = 1 + next() % BOP_ITER;
			op->dp = next() & 1;
			op->dp2 = next() & 1;
			op->len = next() % (OPS_READ_MAX + 1);
			op->arg = edge_len(v[op->dp].size);
			memset(bytes[i], 0xa5, OPS_READ_MAX);
			want[i] = model(op, v, bytes[i], i);
		}
		memset(skel->bss->out, 0, sizeof(skel->bss->out));
		for (i = 0; i < OPS_MAX; i++)
			memset(skel->bss->out[i].bytes, 0xa5, OPS_READ_MAX);
		skel->bss->in = in;
		if (!ASSERT_OK(bpf_prog_test_run_opts(fd, &o), "test_run"))
			break;
		for (i = 0; i < OPS_MAX; i++) {
			struct ops_op *op = &in.op[i];

			if (skel->bss->out[i].ret != want[i] ||
			    (op->code == BOP_READ && want[i] == 0 &&
			     memcmp(skel->bss->out[i].bytes, bytes[i], OPS_READ_MAX)) ||
			    (op->code == BOP_ITER && want[i] >= 0 &&
			     (skel->bss->iter_sum[i] != want_sum[i] ||
			      skel->bss->iter_len[i] != want_len[i]))) {
				FAIL("mismatch: seed %#llx batch %lld (rng %#llx) op %d %s(dp %u, dp2 %u, arg %#llx, len %u): kernel %lld, model %lld",
				     (unsigned long long)seed, batches, (unsigned long long)batch_rng,
				     i, opname[op->code], op->dp, op->dp2,
				     (unsigned long long)op->arg, op->len,
				     (long long)skel->bss->out[i].ret, (long long)want[i]);
				goto out;
			}
		}
		if (memcmp(skel->bss->buf, mem, sizeof(mem))) {
			FAIL("memory differs after batch %lld (seed %#llx)", batches,
			     (unsigned long long)seed);
			goto out;
		}
		done += OPS_MAX;
		batches++;
	}
out:
	printf("fuzz: %lld ops in %lld batches, %s\n", done, batches,
	       done >= budget ? "0 mismatches" : "stopped at a mismatch");
	dynptr_ops__destroy(skel);
}
