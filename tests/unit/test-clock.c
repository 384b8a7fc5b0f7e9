/* The business clock: parsing, SQL text and pinning (jobs' --now). */
#include "config.h"

#include <stdlib.h>

#include "clock.h"
#include "tap.h"

int
main(void)
{
	time_t	 t;
	char	 s[CLOCK_SQL_LEN];

	ok(clock_parse("2026-11-29", &t) == 0, "date parses");
	is_int(t, 1795910400, "date is midnight UTC");
	ok(clock_parse("2026-11-29T10:20:30Z", &t) == 0, "ISO datetime parses");
	clock_sql(t, s);
	is_str(s, "2026-11-29 10:20:30", "SQL text round-trips");
	ok(clock_parse("2028-02-29 00:00:00", &t) == 0, "leap day parses");
	ok(clock_parse("2027-02-29", &t) == -1, "29 February of a common year refused");
	ok(clock_parse("2026-13-01", &t) == -1, "month 13 refused");
	ok(clock_parse("2026-11-29x", &t) == -1, "trailing junk refused");
	ok(clock_parse("yesterday", &t) == -1, "words refused");
	clock_set(1795910400);
	is_int(clock_now(), 1795910400, "a pinned clock returns the pinned time");
	return tap_done();
}
