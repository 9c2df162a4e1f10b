// SPDX-License-Identifier: GPL-2.0
/*
 * The dynptr offset guard, for verifiers without "bpf: Fix missing var_off
 * check for ARG_PTR_TO_DYNPTR" (79168a669d81, v6.3): Debian 12's 6.1.
 * Built only where compat/probes/dynptr_var_off_check.c fails.
 *
 * 6.1 finds the stack slots of a dynptr argument from the constant part of
 * the pointer's offset (get_spi(reg->off)) and ignores var_off. A program
 * allowed variable stack offsets (CAP_PERFMON) can then pass a pointer the
 * verifier takes for a real dynptr while it names other, program-written
 * stack bytes at run time: bpfx's trim/advance/clone, and the kernel's own
 * dynptr helpers, become a kernel read/write primitive (issue 12). A kfunc
 * cannot tell forged bytes from a dynptr, so the verifier must refuse the
 * program, as 6.3+ does.
 *
 * Every dynptr argument of 6.1 passes one of two global functions first,
 * with the verifier's own register state:
 *  - module kfuncs: btf_check_func_arg_match() (btf.c) calls
 *    is_dynptr_reg_valid_init(env, reg) (verifier.c) for each
 *    `struct bpf_dynptr_kern *` argument;
 *  - helpers: check_func_arg() calls check_func_arg_reg_off(env, reg,
 *    regno, arg_type) for each ARG_PTR_TO_DYNPTR argument (initialised,
 *    uninitialised and released alike) before it looks at the slots.
 * A kprobe at the entry of each reads the argument register: a PTR_TO_STACK
 * whose var_off is not the constant 0 is sent to a reject function of the
 * same prototype (the probe sets the return address, as the kernel's
 * override_function_with_return() does), which writes 6.3's reason into
 * the verifier log and returns 6.1's own failure value (false / -EINVAL).
 * Every other call runs the kernel's function untouched. Why kprobes and
 * not a kretprobe or livepatch: docs/SAFETY.md, T7.
 *
 * A constant non-zero var_off is refused too: 6.3+ would check the slot at
 * off + var_off, but 6.1 checks the one at off, so it cannot be trusted.
 */
#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/filter.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tnum.h>
#include "bpfx_guard.h"

const bool bpfx_guard_built = true;

/* Exported for light skeletons (tools/lib/bpf/skel_internal.h declares it;
 * no kernel header does): the bpf(2) syscall on kernel memory. */
int kern_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* Tasks sent to a reject function that have not left it yet: module text
 * must outlive them (bpfx_guard_stop()). */
static atomic_t bpfx_guard_inflight = ATOMIC_INIT(0);
/* Refusals per path, for the self-check. */
static atomic_long_t bpfx_guard_kfunc_hits = ATOMIC_LONG_INIT(0);
static atomic_long_t bpfx_guard_helper_hits = ATOMIC_LONG_INIT(0);
static bool bpfx_guard_armed;
/* Tasks ever sent to a reject function, and how many of those were the
 * self-check's own (made and finished by the loading task). */
static atomic_long_t bpfx_guard_redirects = ATOMIC_LONG_INIT(0);
static long bpfx_guard_own_redirects;

/* Would 6.3+ refuse this dynptr pointer for its offset, or would 6.1 look
 * at another slot than the one it names? Only stack pointers: 6.1's other
 * dynptr register (PTR_TO_DYNPTR, user ringbuf callbacks) has no offset. */
static bool bpfx_guard_bad_reg(const struct bpf_reg_state *reg)
{
	return reg->type == PTR_TO_STACK &&
	       (!tnum_is_const(reg->var_off) || reg->var_off.value);
}

static void bpfx_guard_log(struct bpf_verifier_env *env,
			   const struct bpf_reg_state *reg)
{
	/* 6.3+'s words, so programs and tests see one reason everywhere. */
	if (!tnum_is_const(reg->var_off))
		bpf_verifier_log_write(env, "dynptr has to be at a constant offset (bpfx guard: off=%d var_off=(%#llx; %#llx))\n",
				       reg->off, reg->var_off.value, reg->var_off.mask);
	else
		bpf_verifier_log_write(env, "dynptr has to be at a constant offset (bpfx guard: off=%d var_off=%#llx, which this verifier would not add)\n",
				       reg->off, reg->var_off.value);
}

/* Last thing a reject function does; what follows is its return. */
static __always_inline void bpfx_guard_leave(void)
{
	smp_mb__before_atomic();
	atomic_dec(&bpfx_guard_inflight);
}

/* Same prototypes as the probed functions (the target's bpf_verifier.h
 * declares both): the probe hands them the arguments unchanged. */
static __typeof__(is_dynptr_reg_valid_init) bpfx_reject_kfunc_arg;
static __typeof__(check_func_arg_reg_off) bpfx_reject_helper_arg;

static noinline __used bool bpfx_reject_kfunc_arg(struct bpf_verifier_env *env,
						  struct bpf_reg_state *reg)
{
	bpfx_guard_log(env, reg);
	atomic_long_inc(&bpfx_guard_kfunc_hits);
	bpfx_guard_leave();
	return false;	/* btf.c adds "must be valid and initialized" */
}

static noinline __used int bpfx_reject_helper_arg(struct bpf_verifier_env *env,
						  const struct bpf_reg_state *reg,
						  int regno, enum bpf_arg_type arg_type)
{
	bpfx_guard_log(env, reg);
	atomic_long_inc(&bpfx_guard_helper_hits);
	bpfx_guard_leave();
	return -EINVAL;
}

/* In kprobe context at the probed function's first instruction: the
 * arguments are in their registers and the caller's return address on
 * the stack, so running fn instead returns fn's value to the caller. */
static int bpfx_guard_redirect(struct pt_regs *regs, void *fn)
{
	atomic_long_inc(&bpfx_guard_redirects);
	atomic_inc(&bpfx_guard_inflight);
	smp_mb__after_atomic();
	instruction_pointer_set(regs, (unsigned long)fn);
	return 1;	/* ip changed: kprobes must not step the original */
}

static int bpfx_guard_kfunc_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct bpf_reg_state *reg = (void *)regs_get_kernel_argument(regs, 1);

	if (!bpfx_guard_bad_reg(reg))
		return 0;
	return bpfx_guard_redirect(regs, bpfx_reject_kfunc_arg);
}

static int bpfx_guard_helper_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct bpf_reg_state *reg = (void *)regs_get_kernel_argument(regs, 1);
	u32 arg_type = regs_get_kernel_argument(regs, 3);

	/* Kfunc arguments come here too, with other arg types: the kfunc
	 * path is the other probe's. */
	if (base_type(arg_type) != ARG_PTR_TO_DYNPTR || !bpfx_guard_bad_reg(reg))
		return 0;
	return bpfx_guard_redirect(regs, bpfx_reject_helper_arg);
}

static struct kprobe bpfx_guard_kp_kfunc = {
	.symbol_name = "is_dynptr_reg_valid_init",
	.pre_handler = bpfx_guard_kfunc_pre,
};
static struct kprobe bpfx_guard_kp_helper = {
	.symbol_name = "check_func_arg_reg_off",
	.pre_handler = bpfx_guard_helper_pre,
};
static struct kprobe *bpfx_guard_kps[] = {
	&bpfx_guard_kp_kfunc, &bpfx_guard_kp_helper,
};

/* Is the probe at the very start of its function (the entry the caller
 * calls, not a part or a clone of it)? kallsyms must say "name+0x0/". */
static int bpfx_guard_at_entry(const struct kprobe *kp, char *why, size_t n)
{
	char sym[KSYM_SYMBOL_LEN], want[KSYM_NAME_LEN + 8];

	sprint_symbol(sym, (unsigned long)kp->addr);
	snprintf(want, sizeof(want), "%s+0x0/", kp->symbol_name);
	if (strncmp(sym, want, strlen(want))) {
		snprintf(why, n, "probe for %s landed at %s, not at its entry",
			 kp->symbol_name, sym);
		return -ENOENT;
	}
	return 0;
}

/*
 * Kfunc path: call is_dynptr_reg_valid_init through the probed address on
 * register states built here. The kernel's own code must answer (true for
 * a stack slot pair marked as a dynptr, false once one byte is not), which
 * proves the address is that function with 6.1's semantics; the guard must
 * answer for var-offset pointers. btf.c calls it from another translation
 * unit and Debian builds without LTO, so that call goes through this entry.
 */
static int bpfx_guard_check_kfunc(char *why, size_t n)
{
	__typeof__(is_dynptr_reg_valid_init) *fn = (void *)bpfx_guard_kp_kfunc.addr;
	struct bpf_verifier_env *env = kvzalloc(sizeof(*env), GFP_KERNEL);
	struct bpf_verifier_state *st = kzalloc(sizeof(*st), GFP_KERNEL);
	struct bpf_func_state *fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	struct bpf_stack_state *stack = kcalloc(2, sizeof(*stack), GFP_KERNEL);
	struct bpf_reg_state reg = {};
	long hits = atomic_long_read(&bpfx_guard_kfunc_hits);
	bool real, clobbered, var, cvar;
	int i, err = -ENOMEM;

	if (!env || !st || !fs || !stack) {
		snprintf(why, n, "self-check: out of memory");
		goto out;
	}
	/* A LOCAL dynptr in the two slots at fp-16 of frame 0; the log is
	 * off (level 0), so nothing is written to it. */
	for (i = 0; i < BPF_REG_SIZE; i++) {
		stack[0].slot_type[i] = STACK_DYNPTR;
		stack[1].slot_type[i] = STACK_DYNPTR;
	}
	stack[1].spilled_ptr.dynptr.first_slot = true;
	stack[1].spilled_ptr.dynptr.type = BPF_DYNPTR_TYPE_LOCAL;
	stack[0].spilled_ptr.dynptr.type = BPF_DYNPTR_TYPE_LOCAL;
	fs->stack = stack;
	fs->allocated_stack = 2 * BPF_REG_SIZE;
	st->frame[0] = fs;
	env->cur_state = st;
	reg.type = PTR_TO_STACK;
	reg.off = -2 * BPF_REG_SIZE;

	real = fn(env, &reg);
	stack[0].slot_type[3] = STACK_MISC;
	clobbered = fn(env, &reg);
	stack[0].slot_type[3] = STACK_DYNPTR;
	reg.var_off = (struct tnum){ .value = 0, .mask = 2 * BPF_REG_SIZE };
	var = fn(env, &reg);
	/* 6.1 alone would say true to both: it looks at reg->off only. */
	reg.var_off = (struct tnum){ .value = 2 * BPF_REG_SIZE, .mask = 0 };
	cvar = fn(env, &reg);
	hits = atomic_long_read(&bpfx_guard_kfunc_hits) - hits;

	err = -EINVAL;
	if (!real || clobbered)
		snprintf(why, n, "self-check: is_dynptr_reg_valid_init answered %d/%d (want 1/0) for a dynptr and a clobbered one: not the function this bpfx was built for",
			 real, clobbered);
	else if (var || cvar || hits != 2)
		snprintf(why, n, "self-check: var-offset dynptr pointers got %d/%d with %ld guard hits (want 0/0, 2)",
			 var, cvar, hits);
	else
		err = 0;
out:
	kfree(stack);
	kfree(fs);
	kfree(st);
	kvfree(env);
	return err;
}

/*
 * Helper path: a real verification. check_func_arg() and
 * check_func_arg_reg_off() share verifier.c, so the compiler may have
 * inlined the call; only the verifier itself can show that it calls the
 * probed entry. The program passes fp-32 + (random & 16) to
 * bpf_dynptr_data(): loaded, it would be the hole; refused without a guard
 * hit, the probe is not on the verifier's path.
 */
static int bpfx_guard_check_helper(char *why, size_t n)
{
	const struct bpf_insn insns[] = {
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 16),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -32),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_0),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_IMM(BPF_REG_3, 0),
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_dynptr_data),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	static const char license[] = "GPL";
	union bpf_attr attr = {};
	long hits = atomic_long_read(&bpfx_guard_helper_hits);
	int fd;

	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (u64)(unsigned long)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (u64)(unsigned long)license;
	fd = kern_sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	hits = atomic_long_read(&bpfx_guard_helper_hits) - hits;
	if (fd >= 0) {
		close_fd(fd);
		snprintf(why, n, "self-check: the verifier loaded a helper call with a var-offset dynptr pointer");
		return -EINVAL;
	}
	if (hits != 1) {
		snprintf(why, n, "self-check: var-offset bpf_dynptr_data() refused (%d) with %ld guard hits (want 1): the verifier does not call the probed check_func_arg_reg_off",
			 fd, hits);
		return -EINVAL;
	}
	return 0;
}

/* No task may still run a reject function when module text goes: wait for
 * the count, then for every task to pass a voluntary context switch, which
 * none can make between its decrement and its return. The grace period
 * takes a while, so it is skipped when the only redirects were the
 * self-check's, which returned before init did. */
static void bpfx_guard_drain(void)
{
	while (atomic_read(&bpfx_guard_inflight))
		msleep(1);
	if (atomic_long_read(&bpfx_guard_redirects) != bpfx_guard_own_redirects)
		synchronize_rcu_tasks();
}

enum bpfx_guard_state bpfx_guard_start(char *why, size_t n)
{
	int i, err;

	err = register_kprobes(bpfx_guard_kps, ARRAY_SIZE(bpfx_guard_kps));
	if (err) {
		/* register_kprobes() unregistered what it had registered */
		snprintf(why, n, "cannot probe is_dynptr_reg_valid_init / check_func_arg_reg_off: %d (not in kallsyms, or not probeable)",
			 err);
		return BPFX_GUARD_MISSING;
	}
	bpfx_guard_armed = true;
	for (i = 0; i < ARRAY_SIZE(bpfx_guard_kps) && !err; i++)
		err = bpfx_guard_at_entry(bpfx_guard_kps[i], why, n);
	if (!err)
		err = bpfx_guard_check_kfunc(why, n);
	if (!err)
		err = bpfx_guard_check_helper(why, n);
	if (err) {
		bpfx_guard_stop();
		return BPFX_GUARD_MISSING;
	}
	/* Exactly the self-check's 3 (its hit counts matched), unless another
	 * task was sent meanwhile: then the drain will wait, as it must. */
	bpfx_guard_own_redirects = 3;
	return BPFX_GUARD_ARMED;
}

void bpfx_guard_stop(void)
{
	if (!bpfx_guard_armed)
		return;
	unregister_kprobes(bpfx_guard_kps, ARRAY_SIZE(bpfx_guard_kps));
	bpfx_guard_drain();
	bpfx_guard_armed = false;
}
