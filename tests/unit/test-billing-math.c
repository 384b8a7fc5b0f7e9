/*
 * Billing arithmetic (DESIGN.md §4): pro rata over whole UTC calendar
 * days and VAT per line, both rounded half up, integers only. Every
 * expected value below is computed by hand in the comment beside it.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "billing.h"
#include "clock.h"
#include "tap.h"

static time_t
at(const char *s)
{
	time_t	 t;

	if (clock_parse(s, &t) != 0) {
		printf("Bail out! bad date %s\n", s);
		exit(1);
	}
	return t;
}

/* Pro rata of yearly for today..end in a term of term_days, or -1 on refusal. */
static long long
pr(long long yearly, const char *today, const char *end, int term_days)
{
	long long	 c = -42;

	if (billing_prorata(yearly, at(today), at(end), term_days, &c) != 0)
		return -1;
	return c;
}

static long long
vat(long long net, long long bp)
{
	long long	 v = -42;

	if (billing_vat(net, bp, &v) != 0)
		return -1;
	return v;
}

static void
test_days(void)
{
	is_int(billing_days_between(at("2026-03-01T23:59:59Z"), at("2026-03-02T00:00:00Z")), 1,
	    "one second across midnight UTC is one calendar day");
	is_int(billing_days_between(at("2028-02-28T12:00:00Z"), at("2028-03-01T00:00:00Z")), 2,
	    "28 February to 1 March of a leap year is 2 days (29 February counts)");
	is_int(billing_days_between(at("2027-02-28"), at("2027-03-01")), 1,
	    "28 February to 1 March of a common year is 1 day");
	is_int(billing_days_between(at("2028-01-01"), at("2029-01-01")), 366,
	    "a leap year has 366 days");
	is_int(billing_days_between(at("2026-05-10"), at("2026-05-09")), -1,
	    "an earlier date is a negative count");
}

static void
test_prorata(void)
{
	is_int(pr(3900, "2026-06-01", "2027-06-01", 365), 3900,
	    "a whole common-year term costs the yearly price");
	is_int(pr(14900, "2028-01-01", "2029-01-01", 366), 14900,
	    "a whole leap-year term (366 days) costs the yearly price");
	/* 3900 × 1 / 365 = 10.68… → 11 */
	is_int(pr(3900, "2027-05-31", "2027-06-01", 365), 11,
	    "1 day left of a 365-day term: 3900 × 1/365 = 10.68 → 11");
	/* 3900 × 1 / 366 = 10.65… → 11 */
	is_int(pr(3900, "2028-12-31T23:00:00Z", "2029-01-01", 366), 11,
	    "1 day left of a leap term, late in the day: 3900/366 = 10.66 → 11");
	/* 3900 × 100 / 365 = 390000/365 = 1068 r 180 (180 < 182.5) → 1068 */
	is_int(pr(3900, "2027-02-21", "2027-06-01", 365), 1068,
	    "100 days left: 390000/365 = 1068.49 → 1068 (rounded down below .5)");
	/* 14900 × 200 / 366 = 2980000/366 = 8142 r 28 → 8142 */
	is_int(pr(14900, "2028-06-15", "2029-01-01", 366), 8142,
	    "200 days left of a leap term: 2980000/366 = 8142.08 → 8142");
	/* 29900 × 59 / 366, 2028-01-01 → 2028-02-29 is 59 days: 1764100/366 = 4819 r 346 → 4820 */
	is_int(pr(29900, "2028-01-01", "2028-02-29", 366), 4820,
	    "to 29 February of a leap year: 59 days, 1764100/366 = 4819.95 → 4820");
	is_int(pr(3900, "2027-06-01T08:00:00Z", "2027-06-01T20:00:00Z", 365), 0,
	    "the last day (0 days left) costs 0");
	is_int(pr(3900, "2026-05-31", "2027-06-01", 365), 3900,
	    "a term starting tomorrow (366 days away) costs no more than a year");
	is_int(pr(14900, "2027-12-30", "2029-01-01", 366), 14900,
	    "a leap term starting in two days costs no more than a year");
	/* 183 × 1 / 366 = 0.5 exactly → 1 */
	is_int(pr(183, "2028-12-31", "2029-01-01", 366), 1,
	    "exactly half a cent rounds up: 183/366 = 0.5 → 1");
	/* 182 × 1 / 366 = 0.497 → 0 */
	is_int(pr(182, "2028-12-31", "2029-01-01", 366), 0,
	    "just under half a cent rounds down: 182/366 → 0");
	/* 549 × 183 / 366 = 274.5 exactly → 275 */
	is_int(pr(549, "2028-07-01", "2028-12-31", 366), 275,
	    "half a term of an odd price: 549 × 183/366 = 274.5 → 275");
	is_int(pr(0, "2027-01-01", "2027-06-01", 365), 0, "a free product costs 0");
	is_int(pr(-1, "2027-01-01", "2027-06-01", 365), -1, "a negative price is refused");
	is_int(pr(3900, "2027-01-01", "2027-06-01", 364), -1, "a 364-day term is refused");
	is_int(pr(3900, "2027-01-01", "2027-06-01", 0), -1, "a 0-day term is refused");
	is_int(pr(3900, "2027-06-02", "2027-06-01", 365), -1, "an end date in the past is refused");
	is_int(pr(LLONG_MAX, "2027-01-01", "2027-06-01", 365), -1,
	    "a price whose product would overflow 64 bits is refused");
	is_int(pr(LLONG_MAX / 366, "2028-01-01", "2029-01-01", 366), LLONG_MAX / 366,
	    "the largest price that fits is computed exactly");
}

static void
test_vat(void)
{
	/* 3900 × 20 % = 780 */
	is_int(vat(3900, 2000), 780, "20 %% of 3900 is 780");
	/* 1 × 0.2 = 0.2 → 0; 3 × 0.2 = 0.6 → 1; 1068 × 0.2 = 213.6 → 214 */
	is_int(vat(1, 2000), 0, "20 %% of 1 cent: 0.2 → 0");
	is_int(vat(3, 2000), 1, "20 %% of 3 cents: 0.6 → 1");
	is_int(vat(1068, 2000), 214, "20 %% of 1068: 213.6 → 214");
	is_int(vat(11, 2000), 2, "20 %% of 11: 2.2 → 2");
	/* 5.5 %: 100 × 0.055 = 5.5 exactly → 6 */
	is_int(vat(100, 550), 6, "5.5 %% of 100: exactly 5.5 → 6 (half up)");
	/* 101 × 0.055 = 5.555 → 6; 99 × 0.055 = 5.445 → 5; 3900 × 0.055 = 214.5 → 215 */
	is_int(vat(101, 550), 6, "5.5 %% of 101: 5.555 → 6");
	is_int(vat(99, 550), 5, "5.5 %% of 99: 5.445 → 5");
	is_int(vat(3900, 550), 215, "5.5 %% of 3900: exactly 214.5 → 215");
	is_int(vat(9, 550), 0, "5.5 %% of 9: 0.495 → 0");
	is_int(vat(10, 550), 1, "5.5 %% of 10: 0.55 → 1");
	is_int(vat(12345, 0), 0, "a 0 %% rate adds nothing");
	is_int(vat(12345, 10000), 12345, "a 100 %% rate doubles the line");
	is_int(vat(-1, 2000), -1, "a negative net amount is refused");
	is_int(vat(100, -1), -1, "a negative rate is refused");
	is_int(vat(100, 10001), -1, "a rate above 100 %% is refused");
	is_int(vat(LLONG_MAX / 2, 2000), -1, "a line whose VAT would overflow is refused");
	is_int(vat(LLONG_MAX - 1, 0), 0, "a huge line at 0 %% is fine");
	is_int(vat(LLONG_MAX - 1, 1), -1,
	    "a line whose gross (net + VAT) would overflow is refused");
}

int
main(void)
{
	test_days();
	test_prorata();
	test_vat();
	return tap_done();
}
