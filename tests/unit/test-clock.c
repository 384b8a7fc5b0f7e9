/* The business clock: parsing, SQL text and pinning (jobs' --now). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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
#ifdef CAAS_TEST_HOOKS
	/* The offset file moves the clock of a running process (time travel). */
	{
		char	 path[] = "/tmp/test-clock-XXXXXX";
		int	 fd = mkstemp(path);
		FILE	*f;
		time_t	 now;

		ok(fd >= 0, "a temporary offset file");
		setenv("CAAS_CLOCK_OFFSET_FILE", path, 1);
		f = fdopen(fd, "w");
		fputs("86400\n", f);
		fclose(f);
		now = time(NULL);
		t = clock_now();
		ok(t >= now + 86400 && t <= now + 86401, "an offset of 86400 s moves the clock a day ahead");
		f = fopen(path, "w");
		fputs("-3600\n", f);
		fclose(f);
		/* The change is seen through the file's mtime (nanoseconds). */
		{
			struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
			utimensat(AT_FDCWD, path, ts, 0);
		}
		t = clock_now();
		ok(t >= time(NULL) - 3601 && t <= time(NULL) - 3599, "a new offset is read without restart");
		unlink(path);
		t = clock_now();
		ok(t >= time(NULL) - 1 && t <= time(NULL), "no file, no offset");
	}
	ok(clock_hooks_check() == NULL, "a test build takes its hooks");
#else
	/* A production build: the hooks do nothing, and are named to be refused. */
	setenv("CAAS_NOW", "2030-01-01", 1);
	t = clock_now();
	ok(t >= time(NULL) - 1 && t <= time(NULL), "CAAS_NOW does not move a production clock");
	is_str(clock_hooks_check(), "CAAS_NOW", "and is named as a hook to refuse");
	unsetenv("CAAS_NOW");
	setenv("CAAS_CLOCK_OFFSET_FILE", "/tmp/x", 1);
	is_str(clock_hooks_check(), "CAAS_CLOCK_OFFSET_FILE", "so is the offset file");
	unsetenv("CAAS_CLOCK_OFFSET_FILE");
#endif
	clock_set(1795910400);
	is_int(clock_now(), 1795910400, "a pinned clock returns the pinned time");
	return tap_done();
}
