/*
 * unit.h - a tiny test runner for the server-free code in src/core/.
 *
 * Each test is a void function; CHECK* macros record a failure and return
 * from the test.  UNIT_MAIN() runs the listed tests and prints one TAP-like
 * line per test followed by the summary line "N passed, N failed", which
 * test/run adds up across suites.
 */
#ifndef FOLLOWUP_UNIT_H
#define FOLLOWUP_UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_failed_now;

#define UNIT_FAIL(...) \
	do { \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		unit_failed_now = 1; \
		return; \
	} while (0)

#define CHECK(cond) \
	do { if (!(cond)) UNIT_FAIL("check failed: %s", #cond); } while (0)

#define CHECK_INT_EQ(got, want) \
	do { \
		long long g_ = (long long) (got), w_ = (long long) (want); \
		if (g_ != w_) UNIT_FAIL("%s = %lld, expected %lld", #got, g_, w_); \
	} while (0)

#define CHECK_STR_EQ(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (g_ == NULL || strcmp(g_, w_) != 0) \
			UNIT_FAIL("%s = \"%s\", expected \"%s\"", #got, g_ ? g_ : "(null)", w_); \
	} while (0)

#define CHECK_STR_CONTAINS(got, part) \
	do { \
		const char *g_ = (got), *p_ = (part); \
		if (g_ == NULL || strstr(g_, p_) == NULL) \
			UNIT_FAIL("%s = \"%s\", expected it to contain \"%s\"", #got, g_ ? g_ : "(null)", p_); \
	} while (0)

typedef void (*unit_fn) (void);
typedef struct unit_case
{
	const char *name;
	unit_fn		fn;
} unit_case;

#define UNIT_CASE(fn) {#fn, fn}

static int
unit_run(const char *suite, const unit_case *cases, int n)
{
	int			passed = 0,
				failed = 0;

	for (int i = 0; i < n; i++)
	{
		unit_failed_now = 0;
		cases[i].fn();
		if (unit_failed_now)
		{
			failed++;
			printf("not ok %d - %s/%s\n", i + 1, suite, cases[i].name);
		}
		else
		{
			passed++;
			printf("ok %d - %s/%s\n", i + 1, suite, cases[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}

#define UNIT_MAIN(suite, ...) \
	int main(void) \
	{ \
		static const unit_case cases_[] = {__VA_ARGS__}; \
		return unit_run(suite, cases_, (int) (sizeof(cases_) / sizeof(cases_[0]))); \
	}

#endif							/* FOLLOWUP_UNIT_H */
