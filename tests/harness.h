/* SPDX-License-Identifier: GPL-2.0 */
/* A small test_progs-style harness: "#N name:OK|FAIL|SKIP", subtests
 * "#N/M name/sub:...", -t filter, -v, --json-summary FILE, and the closing
 * line "N passed, N failed, N skipped" (counting leaf results). */
#ifndef __BPFX_HARNESS_H
#define __BPFX_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <linux/types.h>

enum kern { K_61, K_612, K_7X, K_OTHER };
extern enum kern kern;		/* the running kernel, from uname */
extern const char *kern_key;	/* "6.1", "6.12", "7" or "other" */
extern bool verbose;

bool test__start_subtest(const char *name);
void test__fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed only with -v or when the current (sub)test fails. */
void test__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FAIL(...) test__fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define ASSERT_EQ(got, want, what) ({					\
	long long __g = (long long)(got), __w = (long long)(want);	\
	bool __ok = __g == __w;						\
	if (!__ok)							\
		FAIL("%s: got %lld (%#llx), want %lld (%#llx)", (what),	\
		     __g, (unsigned long long)__g, __w,			\
		     (unsigned long long)__w);				\
	__ok; })
#define ASSERT_TRUE(cond, what) ({					\
	bool __ok = !!(cond);						\
	if (!__ok)							\
		FAIL("%s: %s is false", (what), #cond);			\
	__ok; })
#define ASSERT_OK(err, what) ASSERT_EQ((err), 0, (what))
#define ASSERT_PTR(p, what) ({						\
	bool __ok = (p) != NULL;					\
	if (!__ok)							\
		FAIL("%s: NULL (errno %d)", (what), errno);		\
	__ok; })

/* xorshift64: the fuzzers' generator (seeded, replayable; *s != 0). */
static inline __u64 xorshift64(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct bpfx_test {
	const char *name;
	void (*run)(void);
};

#endif
