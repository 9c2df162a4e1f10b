// SPDX-License-Identifier: GPL-2.0
/*
 * The 6.1 verifier guard (dynptr_guard.c, docs/SAFETY.md T7).
 * dynptr_guard: the state bpfx reports must be the one this kernel needs:
 *   6.1 "armed" (or "off: unguarded_writes=1" when the guest reloaded bpfx
 *   with the override: BPFX_UNGUARDED=1); 6.12 and 7.x "not needed".
 * dynptr_guard_override (BPFX_UNGUARDED=1 only): progs/var_off.bpf.c again.
 *   On 6.1 every attack must now load -- the proof that the var_off tests
 *   can fail -- and none is run. Elsewhere the kernel itself still refuses
 *   them, so the suite runs with its usual expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "prog_suite.h"
#include "var_off.skel.h"

#define GUARD_PARAM "/sys/module/bpfx/parameters/dynptr_guard"

static int guard_state(char *buf, size_t n)
{
	FILE *f = fopen(GUARD_PARAM, "r");

	if (!f)
		return -1;
	if (!fgets(buf, n, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static bool unguarded(void)
{
	const char *v = getenv("BPFX_UNGUARDED");

	return v && !strcmp(v, "1");
}

void test_dynptr_guard(void)
{
	char st[256];
	const char *want;

	if (!strcmp(kern_key, "6.1"))
		want = unguarded() ? "off: unguarded_writes=1" : "armed";
	else if (!strcmp(kern_key, "6.12") || !strcmp(kern_key, "7"))
		want = "not needed";
	else {
		test__skip("no expectation for kernel '%s'", kern_key);
		return;
	}
	if (guard_state(st, sizeof(st))) {
		FAIL("cannot read %s: is bpfx loaded?", GUARD_PARAM);
		return;
	}
	if (strcmp(st, want))
		FAIL("dynptr_guard is \"%s\", want \"%s\"", st, want);
	else
		test__log("dynptr_guard: %s", st);
}

void test_dynptr_guard_override(void)
{
	struct prog_suite s = { var_off__elf_bytes, false, false };
	char st[256];

	if (!unguarded()) {
		test__skip("needs bpfx loaded with unguarded_writes=1 (the guest sets BPFX_UNGUARDED=1 then)");
		return;
	}
	if (guard_state(st, sizeof(st))) {
		FAIL("cannot read %s: is bpfx loaded?", GUARD_PARAM);
		return;
	}
	/* Only a disarmed guard may let the attacks through. */
	s.load_only = !strncmp(st, "off:", 4);
	if (!strcmp(kern_key, "6.1") && !s.load_only) {
		FAIL("dynptr_guard is \"%s\" with unguarded_writes=1", st);
		return;
	}
	test__log("dynptr_guard: %s: attacks must %s", st,
		  s.load_only ? "load (not run)" : "be refused by the kernel");
	run_prog_suite(&s);
}
