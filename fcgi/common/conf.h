/*
 * Table-driven "key = value" configuration files (docs/config.md).
 * A program declares its keys once with type, bounds and default; the
 * parser fills a struct through offsets and refuses unknown keys,
 * repeated keys and values that do not parse, naming file and line.
 */
#ifndef CAAS_CONF_H
#define CAAS_CONF_H

#include <stddef.h>

enum conf_type {
	CONF_STR,	/* char * (strdup'd), default may be NULL */
	CONF_INT,	/* long, within [min, max] */
	CONF_BOOL,	/* int 0/1: true/false/yes/no/1/0 */
	CONF_TYPE__MAX
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
	const char	*def;	/* default as text, parsed like a value */
	long		 min, max;
};

/*
 * Apply defaults, then parse path. Returns 0, or -1 after writing the
 * reason ("FILE:LINE: ...") into err. Strings are owned by dst; free
 * them with conf_free.
 */
int	conf_load(const char *path, const struct conf_key *keys, size_t nkeys,
	    void *dst, char *err, size_t errsz);
void	conf_free(const struct conf_key *keys, size_t nkeys, void *dst);

/*
 * The common start of every program: load the file at path (or at
 * $env, or dflt), then check the shared log settings. Exits with the
 * file and the reason on any error; returns the path that was used.
 */
const char *conf_load_or_exit(const char *path, const char *env, const char *dflt,
	    const struct conf_key *keys, size_t nkeys, void *dst);
/* "stderr"/"syslog" and a level name, as in every config; exits naming the file. */
void	conf_log_setup(const char *path, const char *prog, const char *log, const char *level);
/* A secret file's first line, or exit naming the file (NULL path: NULL). */
char	*conf_secret_or_exit(const char *path);

/* Read the first line of a secret file (trailing newline cut); NULL on error. */
char	*conf_read_secret(const char *path, char *err, size_t errsz);

#endif
