#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static time_t	 pinned;
static int	 env_checked;

int
clock_parse(const char *s, time_t *out)
{
	struct tm	 tm;
	int		 y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	char		 sep;
	size_t		 len = strlen(s);

	if (len == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return -1;
	} else if (len == 19 || (len == 20 && s[19] == 'Z')) {
		if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &n) != 7 ||
		    n != 19 || (sep != 'T' && sep != ' '))
			return -1;
	} else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	/* timegm normalises 31 February: refuse dates that moved. */
	{
		struct tm back;
		gmtime_r(out, &back);
		if (back.tm_mday != d || back.tm_mon != mo - 1)
			return -1;
	}
	return 0;
}

void
clock_set(time_t t)
{
	pinned = t;
	env_checked = 1;
}

time_t
clock_now(void)
{
	if (!env_checked) {
		const char *e = getenv("CAAS_NOW");
		time_t t;
		env_checked = 1;
		if (e != NULL && *e != '\0' && clock_parse(e, &t) == 0)
			pinned = t;
	}
	return pinned ? pinned : time(NULL);
}

void
clock_sql(time_t t, char out[CLOCK_SQL_LEN])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, CLOCK_SQL_LEN, "%Y-%m-%d %H:%M:%S", &tm);
}

long long
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
clock_wait_fd(int fd, short events, long long deadline)
{
	struct pollfd	 pfd = { .fd = fd, .events = events };
	long long	 left;
	int		 n;

	for (;;) {
		if ((left = deadline - clock_mono_ms()) <= 0)
			return 0;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 1;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}
