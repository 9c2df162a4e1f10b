// SPDX-License-Identifier: GPL-2.0
/*
 * bpfx: dynptr convenience kfuncs for every kernel from Debian 12's 6.1 on.
 * Registers its kfunc set (the read-only one where the verifier guard is
 * needed and missing: bpfx_guard.h) and refuses to load if that set would silently
 * register nothing.
 */
#include <linux/module.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "bpfx.h"
#include "bpfx_kfuncs.h"
#include "bpfx_selftest.h"
#include "bpfx_guard.h"

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

static bool unguarded_writes;
module_param(unguarded_writes, bool, 0444);
MODULE_PARM_DESC(unguarded_writes, "RISK: on a kernel whose verifier misses variable-offset dynptr pointers (before v6.3, e.g. Debian 12's 6.1), register trim/advance/clone without the guard: a CAP_BPF+CAP_PERFMON loader can then read and write kernel memory (docs/SAFETY.md, T7). No effect where the kernel checks itself");

/* What became of the guard, for /sys/module/bpfx/parameters/dynptr_guard
 * and bpfx-doctor: "armed", "not needed", "off: unguarded_writes=1" or
 * "missing: <why>". Set once in init. */
static char bpfx_guard_status[256] = "not set";

static int bpfx_guard_status_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", bpfx_guard_status);
}

/* A report, not a setting: refuse dynptr_guard=... on the command line. */
static int bpfx_guard_status_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops bpfx_guard_status_ops = {
	.get = bpfx_guard_status_get,
	.set = bpfx_guard_status_set,
};
module_param_cb(dynptr_guard, &bpfx_guard_status_ops, NULL, 0444);
MODULE_PARM_DESC(dynptr_guard, "read-only: the verifier guard's state (armed, not needed, off, missing: why)");

/* Every kfunc; where the writers may not register, the readers only. A
 * module registers one set per hook, so these are two sets, not one set
 * and a later addition. */
BTF_KFUNCS_START(bpfx_kfunc_ids)
BPFX_DYNPTR_READ_KFUNC_IDS
BPFX_DYNPTR_WRITE_KFUNC_IDS
BPFX_ITER_KFUNC_IDS
BPFX_IMPLICIT_KFUNC_IDS
BTF_KFUNCS_END(bpfx_kfunc_ids)

BTF_KFUNCS_START(bpfx_kfunc_ids_rdonly)
BPFX_DYNPTR_READ_KFUNC_IDS
BPFX_ITER_KFUNC_IDS
BPFX_IMPLICIT_KFUNC_IDS
BTF_KFUNCS_END(bpfx_kfunc_ids_rdonly)

static const struct btf_kfunc_id_set bpfx_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &bpfx_kfunc_ids,
};

static const struct btf_kfunc_id_set bpfx_kfunc_set_rdonly = {
	.owner = THIS_MODULE,
	.set   = &bpfx_kfunc_ids_rdonly,
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
static int bpfx_set_check(const struct btf_id_set8 *sym)
{
	unsigned long addr = (unsigned long)sym;
	const struct btf_id_set8 *set;
	u32 i;

	OPTIMIZER_HIDE_VAR(addr);
	if (!IS_ALIGNED(addr, 8)) {
		pr_err("bpfx: kfunc set is not 8-byte aligned (address %% 8 = %lu; .BTF_ids is under-aligned): refusing to load, its ids would be misread. Rebuild with the bpfx Makefile, which aligns the section.\n",
		       addr & 7);
		return -ENOEXEC;
	}
	set = (const struct btf_id_set8 *)addr;
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

static int bpfx_self_check(void)
{
	if (!THIS_MODULE->btf_data_size) {
		pr_err("bpfx: module has no BTF (.BTF section): its kfuncs cannot register. Rebuild with the bpfx Makefile, which generates it.\n");
		return -ENOEXEC;
	}
	return bpfx_set_check(&bpfx_kfunc_ids) ?: bpfx_set_check(&bpfx_kfunc_ids_rdonly);
}

/*
 * May trim, advance and clone register? Where the verifier checks dynptr
 * offsets itself (v6.3+), always. Elsewhere (6.1) only behind an armed
 * guard that passed its self-check, or when the owner asked for the risk
 * with unguarded_writes=1. Sets bpfx_guard_status.
 */
static bool bpfx_writers_allowed(void)
{
	char why[192] = "";
	size_t n = sizeof(bpfx_guard_status);

	if (bpfx_guard_built && unguarded_writes) {
		strscpy(bpfx_guard_status, "off: unguarded_writes=1", n);
		pr_warn("bpfx: unguarded_writes=1: trim, advance and clone registered without the verifier guard; this kernel's verifier takes variable-offset dynptr pointers, so a CAP_BPF+CAP_PERFMON loader can read and write kernel memory through them\n");
		return true;
	}
	switch (bpfx_guard_start(why, sizeof(why))) {
	case BPFX_GUARD_NOT_NEEDED:
		strscpy(bpfx_guard_status, "not needed", n);
		return true;
	case BPFX_GUARD_ARMED:
		strscpy(bpfx_guard_status, "armed", n);
		pr_info("bpfx: dynptr guard armed: the verifier refuses variable-offset dynptr pointers, as v6.3+ does\n");
		return true;
	case BPFX_GUARD_MISSING:
	default:
		snprintf(bpfx_guard_status, n, "missing: %s", why);
		pr_warn("bpfx: dynptr guard missing (%s): trim, advance and clone are not registered (read-only kfuncs only); unguarded_writes=1 registers them at the risk docs/SAFETY.md describes\n",
			why);
		return false;
	}
}

static int __init bpfx_init(void)
{
	static const enum bpf_prog_type hooks[] = BPFX_KFUNC_HOOKS;
	const struct btf_kfunc_id_set *kset;
	int i, err = bpfx_self_check();

	if (err)
		return err;
	if (selftest) {
		err = bpfx_selftest();
		if (err)
			return err;
	}
	kset = bpfx_writers_allowed() ? &bpfx_kfunc_set : &bpfx_kfunc_set_rdonly;
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		err = register_btf_kfunc_id_set(hooks[i], kset);
		if (err) {
			/* No unregister API exists; the set dies with our BTF. */
			pr_err("bpfx: register_btf_kfunc_id_set(prog type %d) failed: %d\n",
			       hooks[i], err);
			bpfx_guard_stop();
			return err;
		}
	}
	pr_info("bpfx: registered %u kfuncs for %d hook(s)\n",
		kset->set->cnt, (int)ARRAY_SIZE(hooks));
	return 0;
}

static void __exit bpfx_exit(void)
{
	bpfx_guard_stop();
}

module_init(bpfx_init);
module_exit(bpfx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bpfx: dynptr convenience kfuncs for BPF programs");
