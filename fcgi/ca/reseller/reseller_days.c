/*
 * UTC calendar days of the reseller API (reseller_int.h): the
 * subscription's term is counted in whole days since 1970-01-01, from
 * the one clock (clock.h) so that a test's time travel moves it too.
 */
#include "config.h"

#include <time.h>

#include "reseller/reseller_int.h"

long
today(void)
{
	return (long)(clock_now() / DAY);
}

/* "YYYY-MM-DD…" → days since 1970-01-01, -1 on NULL or bad text. */
long
day_of(const char *s)
{
	time_t	 t;

	if (s == NULL || clock_parse(s, &t) != 0 || t < 0)
		return -1;
	return (long)(t / DAY);
}

void
day_sql(long day, char out[CLOCK_SQL_LEN])
{
	clock_sql((time_t)day * DAY, out);
}

void
day_date(long day, char out[CLOCK_SQL_LEN])
{
	clock_sql((time_t)day * DAY, out);
	out[10] = '\0';
}

/* The same calendar date years later (29 February → 1 March). */
long
plus_years(long day, int years)
{
	time_t	 t = (time_t)day * DAY;
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_year += years;
	return (long)(timegm(&tm) / DAY);
}

/* SQL DATETIME + delta seconds → RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" ("" if NULL). */
void
rfc3339(const char *sql, long delta, char out[24])
{
	time_t	 t;
	struct tm tm;

	if (sql == NULL || clock_parse(sql, &t) != 0) {
		out[0] = '\0';
		return;
	}
	t += delta;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
