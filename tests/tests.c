// SPDX-License-Identifier: GPL-2.0
/* The test table. Object suites: every program in progs/X.bpf.c is
 * loaded alone and held to the outcome written next to it. */
#include "harness.h"
#include "prog_suite.h"
#include "prog_types.skel.h"
#include "dynptr_fail.skel.h"
#include "clone.skel.h"
#include "iter.skel.h"
#include "walk.skel.h"
#include "wrappers.skel.h"
#include "implicit.skel.h"
#include "misuse.skel.h"
#include "nongpl.skel.h"
#include "var_off.skel.h"

void test_dynptr_ops(void);
void test_fuzz(void);
void test_progfuzz(void);
void test_tp_btf(void);
void test_rmmod_refused(void);
void test_natives_first(void);
void test_concurrency(void);
void test_file_dynptr(void);
void test_lifecycle(void);
void test_implicit_args(void);
void test_dynptr_guard(void);
void test_dynptr_guard_override(void);

#define SUITE(name, feat)						\
static void test_##name(void)						\
{									\
	const struct prog_suite s = { name##__elf_bytes, feat };	\
	run_prog_suite(&s);						\
}
SUITE(prog_types, false)
SUITE(dynptr_fail, false)
SUITE(clone, false)
SUITE(iter, false)
SUITE(walk, false)
SUITE(wrappers, true)
SUITE(implicit, false)
SUITE(misuse, false)
SUITE(nongpl, false)
SUITE(var_off, false)

const struct bpfx_test bpfx_tests[] = {
	{ "dynptr_ops", test_dynptr_ops },
	{ "fuzz", test_fuzz },
	{ "progfuzz", test_progfuzz },
	{ "prog_types", test_prog_types },
	{ "clone", test_clone },
	{ "iter", test_iter },
	{ "walk", test_walk },
	{ "dynptr_fail", test_dynptr_fail },
	{ "misuse", test_misuse },
	{ "nongpl", test_nongpl },
	{ "var_off", test_var_off },
	{ "dynptr_guard", test_dynptr_guard },
	{ "dynptr_guard_override", test_dynptr_guard_override },
	{ "wrappers", test_wrappers },
	{ "natives_first", test_natives_first },
	{ "tp_btf", test_tp_btf },
	{ "implicit_args", test_implicit_args },
	{ "implicit", test_implicit },
	{ "concurrency", test_concurrency },
	{ "file_dynptr", test_file_dynptr },
	{ "rmmod_refused", test_rmmod_refused },
	{ "lifecycle", test_lifecycle },
	{ NULL, NULL },
};
