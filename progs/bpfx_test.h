/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Expected outcomes, written next to each test program as BTF decl tags
 * (clang >= 14) and read back by tests/prog_suite.c, in the manner of the
 * kernel selftests' __failure/__msg/__retval:
 *   __fail(K, MSG)  on kernel K the verifier must reject it, log has MSG
 *   __ok(K)         on kernel K it must load (the default)
 *   __skip(K, WHY)  on kernel K it is not loaded; WHY is printed
 *   __retval(V)     when it loads, BPF_PROG_TEST_RUN must return V
 * K is "6.1", "6.12", "7" (any 7.x) or "all".
 * Positive programs return 0 on success and __LINE__ of the first failed
 * check otherwise (CHECK), so a failure names its line.
 */
#ifndef __BPFX_TEST_H
#define __BPFX_TEST_H

#define __bpfx_tag(s) __attribute__((btf_decl_tag("bpfx:" s)))
#define __fail(k, msg) __bpfx_tag("fail:" k ":" msg)
#define __ok(k) __bpfx_tag("ok:" k ":")
#define __skip(k, why) __bpfx_tag("skip:" k ":" why)
#define __retval(v) __bpfx_tag("retval:all:" #v)

#define CHECK(cond) do { if (!(cond)) return __LINE__; } while (0)

char LICENSE[] SEC("license") = "GPL";

#endif
