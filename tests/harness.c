// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "harness.h"

enum kern kern = K_OTHER;
const char *kern_key = "other";
bool verbose;

struct result {
	char name[128];
	int number, sub;
	int state;	/* 0 ok, 1 fail, 2 skip */
	char msg[256];
};

static struct result results[1024];
static int nresults;
static const char *cur_test;
static int cur_num, cur_sub, cur_state, cur_has_sub;
static char cur_subname[96], cur_msg[256];
static char *logbuf;
static size_t loglen;
static int npass, nfail, nskip;

void test__log(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	logbuf = realloc(logbuf, loglen + n + 2);
	memcpy(logbuf + loglen, line, n);
	loglen += n;
	logbuf[loglen++] = '\n';
	logbuf[loglen] = 0;
}

void test__fail_at(const char *file, int line, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	test__log("%s:%d: FAIL: %s", file, line, m);
	if (cur_state != 1)
		snprintf(cur_msg, sizeof(cur_msg), "%.200s", m);
	cur_state = 1;
}

void test__skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur_msg, sizeof(cur_msg), fmt, ap);
	va_end(ap);
	if (cur_state == 0)
		cur_state = 2;
}

static void leaf_done(const char *label)
{
	static const char *word[] = { "OK", "FAIL", "SKIP" };
	struct result *r = &results[nresults < 1023 ? nresults++ : 1023];

	if (cur_sub)
		printf("#%d/%d %s/%s:%s", cur_num, cur_sub, cur_test, label,
		       word[cur_state]);
	else
		printf("#%d %s:%s", cur_num, cur_test, word[cur_state]);
	if (cur_state == 2)
		printf(" (%s)", cur_msg);
	printf("\n");
	if (logbuf && (verbose || cur_state == 1))
		fputs(logbuf, stdout);
	fflush(stdout);
	snprintf(r->name, sizeof(r->name), "%s%s%s", cur_test,
		 cur_sub ? "/" : "", cur_sub ? label : "");
	r->number = cur_num;
	r->sub = cur_sub;
	r->state = cur_state;
	snprintf(r->msg, sizeof(r->msg), "%s", cur_msg);
	if (cur_state == 0)
		npass++;
	else if (cur_state == 1)
		nfail++;
	else
		nskip++;
	free(logbuf);
	logbuf = NULL;
	loglen = 0;
	cur_state = 0;
	cur_msg[0] = 0;
}

static const char *filter, *exclude;

/* -x a,b: is NAME one of the comma-separated names in exclude? */
static bool excluded(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = exclude; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	return false;
}

static bool selected(const char *name)
{
	return !filter || strstr(name, filter);
}

bool test__start_subtest(const char *name)
{
	char full[256];

	if (cur_sub)
		leaf_done(cur_subname);
	snprintf(full, sizeof(full), "%s/%s", cur_test, name);
	cur_has_sub = 1;
	cur_sub++;
	snprintf(cur_subname, sizeof(cur_subname), "%s", name);
	if (filter && !strstr(full, filter) && !strstr(cur_test, filter)) {
		cur_sub--;
		cur_subname[0] = 0;
		return false;
	}
	return true;
}

static void detect_kernel(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &maj, &min);
	if (maj == 6 && min == 1)
		kern = K_61, kern_key = "6.1";
	else if (maj == 6 && min == 12)
		kern = K_612, kern_key = "6.12";
	else if (maj >= 7)
		kern = K_7X, kern_key = "7";
	printf("kernel %s (expectations: %s), libbpf %d.%d\n", u.release, kern_key,
	       libbpf_major_version(), libbpf_minor_version());
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "{\"kernel\":\"%s\",\"success\":%d,\"failed\":%d,\"skipped\":%d,\"results\":[",
		kern_key, npass, nfail, nskip);
	for (i = 0; i < nresults; i++) {
		const char *p;

		fprintf(f, "%s{\"name\":\"%s\",\"number\":%d,\"subtest\":%d,\"state\":\"%s\",\"message\":\"",
			i ? "," : "", results[i].name, results[i].number,
			results[i].sub,
			results[i].state == 0 ? "ok" : results[i].state == 1 ? "fail" : "skip");
		for (p = results[i].msg; *p; p++)
			fprintf(f, (*p == '"' || *p == '\\') ? "\\%c" :
				   (*p < 0x20 ? "?" : "%c"), *p);
		fprintf(f, "\"}");
	}
	fprintf(f, "]}\n");
	fclose(f);
}

extern const struct bpfx_test bpfx_tests[];

int main(int argc, char **argv)
{
	const char *json = NULL;
	bool times = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			filter = argv[++i];
		else if (!strcmp(argv[i], "-x") && i + 1 < argc)
			exclude = argv[++i];	/* tests not to run, by exact name */
		else if (!strcmp(argv[i], "--times"))
			times = true;	/* wall time per test, to see where a run goes */
		else if (!strcmp(argv[i], "--json-summary") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--set") && i + 1 < argc)
			putenv(argv[++i]);	/* KEY=VALUE for a test, e.g. BPFX_FUZZ_OPS */
		else {
			fprintf(stderr, "usage: %s [-v] [--times] [-t FILTER] [-x TEST,...] [--json-summary FILE] [--set KEY=VALUE]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	detect_kernel();
	for (i = 0; bpfx_tests[i].name; i++) {
		const struct bpfx_test *t = &bpfx_tests[i];
		struct timespec t0, t1;

		/* -t NAME runs only the tests whose name has NAME in it; a
		 * filter with a '/' names subtests, which only their test's
		 * body can enumerate, so then every body runs. */
		if ((filter && !strchr(filter, '/') && !strstr(t->name, filter)) || excluded(t->name))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cur_test = t->name;
		cur_num = i + 1;
		cur_sub = cur_has_sub = 0;
		cur_state = 0;
		t->run();
		if (cur_sub)
			leaf_done(cur_subname);
		else if (!cur_has_sub && selected(t->name))
			leaf_done(t->name);
		else {
			free(logbuf);
			logbuf = NULL;
			loglen = 0;
			cur_state = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (times)
			printf("time: %s %ld ms\n", t->name,
			       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	if (json)
		write_json(json);
	printf("%d passed, %d failed, %d skipped\n", npass, nfail, nskip);
	return nfail ? 1 : 0;
}
