// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel self-test of the runtime checks (insmod bpfx.ko selftest=1):
 * the kfunc bodies run on dynptrs no verifier would hand them - forged
 * type bits, reserved bits, types whose view lives elsewhere (7.x FILE,
 * SKB_META), types no kernel has, views at the edge of u32 - and must
 * refuse each without writing a byte. BPF programs cannot build these, so
 * this is the only way to test the guards that stand behind the verifier.
 */
#include <linux/module.h>
#include <linux/string.h>
#include "bpfx.h"
#include "dynptr_view.h"
#include "bpfx_selftest.h"

static int passed, failed;
static u8 mem[64];

static void expect(const char *what, long got, long want,
		   const struct bpf_dynptr_kern *a, const struct bpf_dynptr_kern *a0)
{
	if (got != want) {
		pr_err("bpfx: selftest: %s: got %ld, want %ld\n", what, got, want);
		failed++;
	} else if (a && memcmp(a, a0, sizeof(*a))) {
		pr_err("bpfx: selftest: %s: dynptr changed on error\n", what);
		failed++;
	} else {
		passed++;
	}
}

static struct bpf_dynptr_kern mk(u32 type, u32 extra_bits, u32 size, u32 off)
{
	struct bpf_dynptr_kern k = {
		.data = mem,
		.size = (type << BPFX_DYNPTR_TYPE_SHIFT) | extra_bits | size,
		.offset = off,
	};
	return k;
}

#define DP(k) ((BPFX_DYNPTR *)&(k))

/* Every view op on a dynptr bpfx must refuse with err, dynptr untouched. */
static void refuse_all(const char *name, struct bpf_dynptr_kern k, int err)
{
	struct bpf_dynptr_kern k0 = k, l = mk(BPF_DYNPTR_TYPE_LOCAL, 0, 8, 0), l0 = l;
	char what[96];

	snprintf(what, sizeof(what), "%s: size", name);
	expect(what, bpfx_dynptr_size(DP(k)), err, &k, &k0);
	snprintf(what, sizeof(what), "%s: offset", name);
	expect(what, bpfx_dynptr_offset(DP(k)), err, &k, &k0);
	snprintf(what, sizeof(what), "%s: trim", name);
	expect(what, bpfx_dynptr_trim(DP(k), 1), err, &k, &k0);
	snprintf(what, sizeof(what), "%s: advance", name);
	expect(what, bpfx_dynptr_advance(DP(k), 1), err, &k, &k0);
	snprintf(what, sizeof(what), "%s: clone from", name);
	expect(what, bpfx_dynptr_clone(DP(k), DP(l), 0), err, &l, &l0);
	snprintf(what, sizeof(what), "%s: clone into", name);
	expect(what, bpfx_dynptr_clone(DP(l), DP(k), 0), -EINVAL, &k, &k0);
	snprintf(what, sizeof(what), "%s: is_null", name);
	expect(what, bpfx_dynptr_is_null(DP(k)), !k.data, &k, &k0);
	bpfx_selftest_iter(name, DP(k), err);
}

void bpfx_selftest_expect(const char *what, long got, long want)
{
	expect(what, got, want, NULL, NULL);
}

int bpfx_selftest(void)
{
	struct bpf_dynptr_kern k, k0;

	passed = failed = 0;
	/* types bpfx does not act on: 7 exists nowhere; 5 and 6 are 7.x's
	 * SKB_META and FILE (FILE keeps its view in a heap object) and
	 * unknown before; 0 is INVALID with a non-NULL data forged in */
	refuse_all("type 7", mk(7, 0, 16, 0), -EOPNOTSUPP);
	refuse_all("type 6 (FILE)", mk(6, BPFX_DYNPTR_RDONLY_BIT, 16, 0), -EOPNOTSUPP);
	refuse_all("type 5 (SKB_META)", mk(5, 0, 16, 0), -EOPNOTSUPP);
	refuse_all("type 0 with data", mk(0, 0, 16, 0), -EOPNOTSUPP);
	/* reserved bits 24-27 set on an otherwise good LOCAL dynptr */
	refuse_all("reserved bit 24", mk(BPF_DYNPTR_TYPE_LOCAL, 1u << 24, 16, 0), -EOPNOTSUPP);
	refuse_all("reserved bit 27", mk(BPF_DYNPTR_TYPE_LOCAL, 1u << 27, 16, 0), -EOPNOTSUPP);
	/* null: -EINVAL first, whatever the other fields hold */
	k = mk(7, 1u << 25, 16, 0);
	k.data = NULL;
	refuse_all("null with junk bits", k, -EINVAL);
	/* null data under a good LOCAL word: refused where the hot path tests
	 * data (6.1, whose verifier may pass a dynptr it did not build). Where
	 * the verifier builds every dynptr argument (BPFX_VERIFIED_DYNPTR_ARGS)
	 * no such dynptr exists - a null one is all zero - and bpfx, which
	 * never dereferences data, would act on it as on any LOCAL view. */
	k = mk(BPF_DYNPTR_TYPE_LOCAL, 0, 16, 0);
	k.data = NULL;
	if (!BPFX_VERIFIED_DYNPTR_ARGS)
		refuse_all("null LOCAL", k, -EINVAL);
	else
		expect("null LOCAL: size (verifier-unreachable)", bpfx_dynptr_size(DP(k)), 16, NULL, NULL);

	/* is_rdonly answers for every type */
	k = mk(6, BPFX_DYNPTR_RDONLY_BIT, 16, 0);
	expect("is_rdonly(FILE)", bpfx_dynptr_is_rdonly(DP(k)), 1, NULL, NULL);
	k.data = NULL;
	expect("is_rdonly(null)", bpfx_dynptr_is_rdonly(DP(k)), 0, NULL, NULL);

	/* offset + len past U32_MAX: refused, not wrapped */
	k = mk(BPF_DYNPTR_TYPE_LOCAL, 0, 0xFFFFFF, U32_MAX - 10);
	k0 = k;
	expect("advance past u32 offset", bpfx_dynptr_advance(DP(k), 20), -ERANGE, &k, &k0);
	{
		struct bpf_dynptr_kern l = mk(BPF_DYNPTR_TYPE_LOCAL, 0, 8, 0), l0 = l;

		expect("clone past u32 offset", bpfx_dynptr_clone(DP(k), DP(l), 20),
		       -ERANGE, &l, &l0);
	}
	/* the largest view shrinks to 0 without touching the type bits */
	k = mk(BPF_DYNPTR_TYPE_RINGBUF, BPFX_DYNPTR_RDONLY_BIT, 0xFFFFFF, 0);
	expect("trim all of max view", bpfx_dynptr_trim(DP(k), 0xFFFFFF), 0, NULL, NULL);
	expect("type and rdonly kept", k.size,
	       (BPF_DYNPTR_TYPE_RINGBUF << BPFX_DYNPTR_TYPE_SHIFT) | BPFX_DYNPTR_RDONLY_BIT,
	       NULL, NULL);
	k0 = k;
	expect("trim 1 of empty", bpfx_dynptr_trim(DP(k), 1), -ERANGE, &k, &k0);
	/* clone carries the read-only bit (no kernel builds such a LOCAL) */
	k = mk(BPF_DYNPTR_TYPE_LOCAL, BPFX_DYNPTR_RDONLY_BIT, 16, 4);
	{
		struct bpf_dynptr_kern l = mk(BPF_DYNPTR_TYPE_LOCAL, 0, 8, 0);

		expect("clone rdonly LOCAL", bpfx_dynptr_clone(DP(k), DP(l), 6), 0, NULL, NULL);
		expect("clone keeps rdonly", bpfx_dynptr_is_rdonly(DP(l)), 1, NULL, NULL);
		expect("clone size", bpfx_dynptr_size(DP(l)), 10, NULL, NULL);
		expect("clone offset", bpfx_dynptr_offset(DP(l)), 10, NULL, NULL);
	}
	pr_info("bpfx: selftest: %d passed, %d failed\n", passed, failed);
	return failed ? -EINVAL : 0;
}
