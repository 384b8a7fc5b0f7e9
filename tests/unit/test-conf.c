/* Config files: defaults, typed values, and refusals naming file and line. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

struct c {
	char	*name;
	long	 n;
	int	 flag;
	char	*opt;
};

static const struct conf_key keys[] = {
	{ "name", CONF_STR, offsetof(struct c, name), "dflt", 0, 0 },
	{ "n", CONF_INT, offsetof(struct c, n), "4", 1, 10 },
	{ "flag", CONF_BOOL, offsetof(struct c, flag), "false", 0, 0 },
	{ "opt", CONF_STR, offsetof(struct c, opt), NULL, 0, 0 },
};

static int
load(const char *text, struct c *out, char *err, size_t errsz)
{
	char	 path[] = "/tmp/test-conf-XXXXXX";
	int	 fd = mkstemp(path), rc;
	FILE	*f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	memset(out, 0, sizeof(*out));
	rc = conf_load(path, keys, 4, out, err, errsz);
	unlink(path);
	return rc;
}

int
main(void)
{
	struct c	 c;
	char		 err[256];

	ok(load("# comment\n\n", &c, err, sizeof(err)) == 0, "empty file loads");
	is_str(c.name, "dflt", "string default applies");
	is_int(c.n, 4, "integer default applies");
	ok(c.opt == NULL, "unset optional string stays NULL");
	conf_free(keys, 4, &c);

	ok(load("name = hello world \nn=7\nflag = yes\nopt = /x/y\n", &c, err, sizeof(err)) == 0,
	    "values load");
	is_str(c.name, "hello world", "whitespace around a value is trimmed");
	is_int(c.n, 7, "integer parses");
	is_int(c.flag, 1, "yes is true");
	is_str(c.opt, "/x/y", "optional string set");
	conf_free(keys, 4, &c);

	ok(load("bogus = 1\n", &c, err, sizeof(err)) == -1, "unknown key refused");
	ok(strstr(err, ":1: unknown key \"bogus\"") != NULL, "error names line and key: %s", err);
	conf_free(keys, 4, &c);
	ok(load("n = 1\nn = 2\n", &c, err, sizeof(err)) == -1, "repeated key refused");
	ok(strstr(err, ":2:") != NULL && strstr(err, "twice") != NULL, "error names the repeat: %s", err);
	conf_free(keys, 4, &c);
	ok(load("n = 11\n", &c, err, sizeof(err)) == -1, "out-of-range integer refused");
	ok(strstr(err, "outside 1..10") != NULL, "error gives the range: %s", err);
	conf_free(keys, 4, &c);
	ok(load("n = 3x\n", &c, err, sizeof(err)) == -1, "non-numeric integer refused");
	conf_free(keys, 4, &c);
	ok(load("flag = maybe\n", &c, err, sizeof(err)) == -1, "bad boolean refused");
	conf_free(keys, 4, &c);
	ok(load("just words\n", &c, err, sizeof(err)) == -1, "line without = refused");
	conf_free(keys, 4, &c);
	memset(&c, 0, sizeof(c));
	ok(conf_load("/nonexistent/x.conf", keys, 4, &c, err, sizeof(err)) == -1 &&
	    strstr(err, "/nonexistent/x.conf") != NULL, "missing file named in the error");
	conf_free(keys, 4, &c);
	return tap_done();
}
