/*
 * Minimal TAP producer for unit tests: each test program prints
 * "ok N - what" / "not ok N - what" and exits non-zero if any failed.
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int ok_ = (cond) ? 1 : 0;	/* evaluated once */		\
	tap_n++;							\
	if (!ok_) tap_failed++;						\
	printf("%sok %d - ", ok_ ? "" : "not ", tap_n);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) printf("#   failed at %s:%d\n", __FILE__, __LINE__); \
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int c_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;	\
	ok(c_, __VA_ARGS__);						\
	if (!c_) printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_);	\
} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
