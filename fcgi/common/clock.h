/*
 * The one clock of business logic. SQL NOW() is never used for
 * decisions: jobs take --now, and tests travel in time by setting
 * CAAS_NOW (ISO 8601 UTC) in the environment of every program, or, for
 * a whole running stack, CAAS_CLOCK_OFFSET_FILE: a file holding an
 * offset in seconds that every process re-reads when it changes. Those
 * two exist only in a build configured with --enable-test-hooks.
 */
#ifndef CAAS_CLOCK_H
#define CAAS_CLOCK_H

#include <time.h>

#define CLOCK_SQL_LEN	20	/* "YYYY-MM-DD HH:MM:SS" + NUL */

time_t	clock_now(void);
/* Without --enable-test-hooks: the name of a test-hook variable set in the
 * environment (the program must refuse to run), else NULL. */
const char *clock_hooks_check(void);
/* Pin the clock (a job's --now); 0 unpins it. */
void	clock_set(time_t);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD HH:MM:SS" (UTC); -1 if invalid. */
int	clock_parse(const char *s, time_t *out);
/* UTC DATETIME text for SQL parameters. */
void	clock_sql(time_t t, char out[CLOCK_SQL_LEN]);

/*
 * Deadlines and timeouts use the monotonic clock (never moved by time
 * travel or by the wall clock): milliseconds since an arbitrary origin.
 */
long long clock_mono_ms(void);
/* poll fd for events until deadline (clock_mono_ms): 1 ready, 0 timed out, -1 error. */
int	clock_wait_fd(int fd, short events, long long deadline);

#endif
