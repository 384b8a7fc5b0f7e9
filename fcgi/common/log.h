/*
 * Logging with a fixed per-program prefix, to stderr or syslog.
 * Secrets are never passed here: callers log identifiers, never keys,
 * passwords, tokens or HMAC material.
 */
#ifndef CAAS_LOG_H
#define CAAS_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_WARN,
	LOG_LVL_ERROR,
	LOG_LVL__MAX
};

/* prefix is copied; use_syslog selects syslog(3) facility daemon. */
void	log_init(const char *prefix, int use_syslog, enum log_level min);
int	log_level_parse(const char *s, enum log_level *out);

void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
