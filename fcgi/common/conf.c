#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "log.h"

#define CONF_LINE_MAX	4096

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
set_value(const struct conf_key *k, const char *v, void *dst, char *why, size_t whysz)
{
	char	*p = (char *)dst + k->offset;
	char	*end;
	long	 n;

	switch (k->type) {
	case CONF_STR: {
		char	**sp = (char **)(void *)p;
		free(*sp);
		*sp = NULL;
		if (v != NULL && (*sp = strdup(v)) == NULL) {
			snprintf(why, whysz, "out of memory");
			return -1;
		}
		return 0;
	}
	case CONF_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end != '\0') {
			snprintf(why, whysz, "%s: \"%s\" is not a whole number", k->name, v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(why, whysz, "%s: %ld is outside %ld..%ld", k->name, n, k->min, k->max);
			return -1;
		}
		*(long *)(void *)p = n;
		return 0;
	case CONF_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			*(int *)(void *)p = 1;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			*(int *)(void *)p = 0;
		else {
			snprintf(why, whysz, "%s: \"%s\" is not true or false", k->name, v);
			return -1;
		}
		return 0;
	default:
		snprintf(why, whysz, "%s: bad key type", k->name);
		return -1;
	}
}

int
conf_load(const char *path, const struct conf_key *keys, size_t nkeys,
    void *dst, char *err, size_t errsz)
{
	FILE		*f = NULL;
	char		 line[CONF_LINE_MAX], why[256];
	unsigned char	*seen = NULL;
	size_t		 i, lineno = 0;
	int		 rc = -1;

	for (i = 0; i < nkeys; i++)
		if (keys[i].def != NULL || keys[i].type == CONF_STR)
			if (set_value(&keys[i], keys[i].def, dst, why, sizeof(why)) == -1) {
				snprintf(err, errsz, "default: %s", why);
				goto out;
			}
	if ((seen = calloc(nkeys ? nkeys : 1, 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char	*s, *eq, *key, *val;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s:%zu: line longer than %d bytes", path, lineno, CONF_LINE_MAX);
			goto out;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errsz, "%s:%zu: expected \"key = value\"", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i].name, key) == 0)
				break;
		if (i == nkeys) {
			snprintf(err, errsz, "%s:%zu: unknown key \"%s\"", path, lineno, key);
			goto out;
		}
		if (seen[i]) {
			snprintf(err, errsz, "%s:%zu: \"%s\" is set twice", path, lineno, key);
			goto out;
		}
		seen[i] = 1;
		if (set_value(&keys[i], *val ? val : (keys[i].type == CONF_STR ? NULL : val),
		    dst, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "%s:%zu: %s", path, lineno, why);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(seen);
	return rc;
}

void
conf_free(const struct conf_key *keys, size_t nkeys, void *dst)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].type == CONF_STR) {
			char **sp = (char **)(void *)((char *)dst + keys[i].offset);
			free(*sp);
			*sp = NULL;
		}
}

char *
conf_read_secret(const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[1024];
	char	*nl;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL) {
		snprintf(err, errsz, "%s: empty", path);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	return strdup(line);
}

const char *
conf_load_or_exit(const char *path, const char *env, const char *dflt,
    const struct conf_key *keys, size_t nkeys, void *dst)
{
	char		 err[512];
	const char	*hook;

	/* Every program loads its config first: a production build stops here
	 * if a test hook is in its environment (issue 13 item 6). */
	if ((hook = clock_hooks_check()) != NULL)
		fatalx("%s is set, but this build has no test hooks (configure "
		    "--enable-test-hooks is for dev and test builds only): unset it", hook);
	if (path == NULL)
		path = getenv(env);
	if (path == NULL)
		path = dflt;
	if (conf_load(path, keys, nkeys, dst, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	return path;
}

void
conf_log_setup(const char *path, const char *prog, const char *log, const char *level)
{
	enum log_level	 lvl;

	if (strcmp(log, "stderr") != 0 && strcmp(log, "syslog") != 0)
		fatalx("config: %s: log must be stderr or syslog", path);
	if (log_level_parse(level, &lvl) == -1)
		fatalx("config: %s: log_level must be debug, info, warn or error", path);
	log_init(prog, strcmp(log, "syslog") == 0, lvl);
}

char *
conf_secret_or_exit(const char *path)
{
	char	 err[512], *s;

	if (path == NULL)
		return NULL;
	if ((s = conf_read_secret(path, err, sizeof(err))) == NULL)
		fatalx("config: %s", err);
	return s;
}
