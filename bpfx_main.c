// SPDX-License-Identifier: GPL-2.0
/*
 * bpfx: dynptr convenience kfuncs for every kernel from Debian 12's 6.1 on.
 * Registers one kfunc set and refuses to load if that set would silently
 * register nothing.
 */
#include <linux/module.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include "bpfx.h"
#include "bpfx_kfuncs.h"
#include "bpfx_selftest.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "run the in-kernel self-test of the runtime checks at load; fail the load if it fails");

/*
 * The kernel's btf_ids.h emits .BTF_ids with no alignment directive, so the
 * section is 1-aligned and the module loader may place it at any byte (on
 * Debian's arm64 6.1/6.12/7.2 it landed right after a 0x31-byte .rodata).
 * arm64 loads from a symbol with a scaled 12-bit offset (LDR w, [x, :lo12:])
 * whose relocation drops the low address bits: the self-check then read
 * cnt=2048 for a set of 8 and refused to load (issue 11). The set8 is u32
 * pairs, which the compiler may load 8 bytes at a time: align the section,
 * and the set inside it, to 8. tools/btfids check refuses a .ko where
 * either is below 8, on every architecture.
 */
asm(".pushsection .BTF_ids,\"a\"\n\t.balign 8\n\t.popsection");
BTF_KFUNCS_START(bpfx_kfunc_ids)
BPFX_DYNPTR_KFUNC_IDS
BPFX_ITER_KFUNC_IDS
BPFX_IMPLICIT_KFUNC_IDS
BTF_KFUNCS_END(bpfx_kfunc_ids)

static const struct btf_kfunc_id_set bpfx_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &bpfx_kfunc_ids,
};

/*
 * A .ko built without module BTF, or whose .BTF_ids were never resolved,
 * loads fine and registers nothing (6.1 only warns). resolve_btfids fills
 * in the set's count and every id, so an empty set or a zero id means the
 * build skipped that step.
 *
 * The set is read through its address as a plain number hidden from the
 * optimiser: the compiler can neither fold the alignment test (it would
 * assume the type's alignment) nor turn the reads into symbol-relative
 * loads, which is what misread a misaligned set on arm64.
 */
static int bpfx_self_check(void)
{
	unsigned long addr = (unsigned long)&bpfx_kfunc_ids;
	const struct btf_id_set8 *set;
	u32 i;

	OPTIMIZER_HIDE_VAR(addr);
	if (!IS_ALIGNED(addr, 8)) {
		pr_err("bpfx: kfunc set is not 8-byte aligned (address %% 8 = %lu; .BTF_ids is under-aligned): refusing to load, its ids would be misread. Rebuild with the bpfx Makefile, which aligns the section.\n",
		       addr & 7);
		return -ENOEXEC;
	}
	set = (const struct btf_id_set8 *)addr;
	if (!THIS_MODULE->btf_data_size) {
		pr_err("bpfx: module has no BTF (.BTF section): its kfuncs cannot register. Rebuild with the bpfx Makefile, which generates it.\n");
		return -ENOEXEC;
	}
	if (!set->cnt) {
		pr_err("bpfx: kfunc set is empty: .BTF_ids were not resolved at build time. Rebuild with the bpfx Makefile.\n");
		return -ENOEXEC;
	}
	for (i = 0; i < set->cnt; i++) {
		if (!set->pairs[i].id) {
			pr_err("bpfx: kfunc set entry %u has no BTF id: .BTF_ids were not resolved at build time.\n", i);
			return -ENOEXEC;
		}
	}
	return 0;
}

static int __init bpfx_init(void)
{
	static const enum bpf_prog_type hooks[] = BPFX_KFUNC_HOOKS;
	int i, err = bpfx_self_check();

	if (err)
		return err;
	if (selftest) {
		err = bpfx_selftest();
		if (err)
			return err;
	}
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		err = register_btf_kfunc_id_set(hooks[i], &bpfx_kfunc_set);
		if (err) {
			/* No unregister API exists; the set dies with our BTF. */
			pr_err("bpfx: register_btf_kfunc_id_set(prog type %d) failed: %d\n",
			       hooks[i], err);
			return err;
		}
	}
	pr_info("bpfx: registered %u kfuncs for %d hook(s)\n",
		bpfx_kfunc_ids.cnt, (int)ARRAY_SIZE(hooks));
	return 0;
}

static void __exit bpfx_exit(void)
{
}

module_init(bpfx_init);
module_exit(bpfx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bpfx: dynptr convenience kfuncs for BPF programs");
