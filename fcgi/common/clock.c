#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

static time_t	 pinned;
static int	 env_checked;
#ifdef CAAS_TEST_HOOKS
static const char *offset_file;	/* $CAAS_CLOCK_OFFSET_FILE: test stacks only */
static time_t	 offset;
static struct timespec offset_mtime;
#endif

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

/*
 * The offset in seconds written in the offset file, re-read whenever the
 * file changes, so a test moves every process of a stack at once without
 * restarting them. A missing or malformed file means no offset.
 */
#ifdef CAAS_TEST_HOOKS
static time_t
file_offset(void)
{
	struct stat	 st;
	char		 buf[32];
	FILE		*f;
	size_t		 n;
	long long	 v;

	if (stat(offset_file, &st) != 0) {
		offset = 0;
		return 0;
	}
	if (st.st_mtim.tv_sec == offset_mtime.tv_sec && st.st_mtim.tv_nsec == offset_mtime.tv_nsec)
		return offset;
	offset_mtime = st.st_mtim;
	offset = 0;
	if ((f = fopen(offset_file, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (sscanf(buf, "%lld", &v) == 1 && v > -(100LL * 365 * 86400) && v < 100LL * 365 * 86400)
		offset = (time_t)v;
	return offset;
}
#endif

/*
 * The test hooks (CAAS_NOW, CAAS_CLOCK_OFFSET_FILE) exist only in a build
 * configured with --enable-test-hooks: a production program, the signer
 * above all (certificate validity, CRL dates), never takes its time from
 * its environment. clock_hooks_check() lets such a program refuse them.
 */
const char *
clock_hooks_check(void)
{
#ifndef CAAS_TEST_HOOKS
	static const char *const hooks[] = { "CAAS_NOW", "CAAS_CLOCK_OFFSET_FILE" };
	const char	*e;

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if ((e = getenv(hooks[i])) != NULL && *e != '\0')
			return hooks[i];
#endif
	return NULL;
}

time_t
clock_now(void)
{
#ifdef CAAS_TEST_HOOKS
	if (!env_checked) {
		const char *e = getenv("CAAS_NOW");
		time_t t;
		env_checked = 1;
		if (e != NULL && *e != '\0' && clock_parse(e, &t) == 0)
			pinned = t;
		if ((e = getenv("CAAS_CLOCK_OFFSET_FILE")) != NULL && *e != '\0')
			offset_file = e;
	}
	if (pinned)
		return pinned;
	return offset_file != NULL ? time(NULL) + file_offset() : time(NULL);
#else
	(void)env_checked;
	return pinned ? pinned : time(NULL);
#endif
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
