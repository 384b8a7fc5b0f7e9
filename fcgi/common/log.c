#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char		 log_prefix[32] = "caas";
static int		 log_syslog;
static enum log_level	 log_min = LOG_LVL_INFO;

static const char *const level_names[LOG_LVL__MAX] = {
	"debug", "info", "warn", "error",
};
static const int level_prio[LOG_LVL__MAX] = {
	LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR,
};

void
log_init(const char *prefix, int use_syslog, enum log_level min)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix);
	log_syslog = use_syslog;
	log_min = min;
	if (use_syslog)
		openlog(log_prefix, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < LOG_LVL__MAX; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

static void
vlog(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 saved = errno;
	size_t	 len;

	if (lvl < log_min)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	if (log_syslog) {
		syslog(level_prio[lvl], "%s", msg);
	} else {
		struct timespec	 ts;
		struct tm	 tm;
		char		 when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s: %s [%d] %s: %s\n", log_prefix, when,
		    (int)getpid(), level_names[lvl], msg);
	}
	errno = saved;
}

#define LOG_FN(name, lvl, err)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	vlog(lvl, err, fmt, ap);				\
	va_end(ap);						\
}
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_error, LOG_LVL_ERROR, 0)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
