/*
 * caasctl-ca's reseller API commands (docs/upstream.md):
 *
 *   preval-add --level OV|QWAC --org NAME --org-city C --org-country CC
 *       a new upstream organization pre-validation; prints ONLY its
 *       anchor order number (decimal), the value ADDDOMAIN takes as
 *       ovAnchorOrderNumber (OV) or evAnchorOrderNumber (QWAC)
 *   preval-list
 *       ANCHOR<TAB>LEVEL<TAB>ORG<TAB>CITY<TAB>COUNTRY<TAB>CREATED, by anchor
 *   calls [--since ID] | calls --last-id
 *       the reseller API's call log: ID<TAB>ENDPOINT<TAB>ACTION<TAB>STATUS<TAB>
 *       field1,field2,… (names only, sorted) in id order; --last-id prints
 *       the highest id (0 if none)
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/caasctl_ca_reseller.h"
#include "clock.h"
#include "acme/eab_keys.h"
#include "log.h"
#include "reseller/reseller.h"

enum { P_LEVEL = 1, P_ORG, P_CITY, P_COUNTRY, P_SINCE, P_LAST, P__MAX };

static const struct option popts[] = {
	{ "level", required_argument, NULL, P_LEVEL },
	{ "org", required_argument, NULL, P_ORG },
	{ "org-city", required_argument, NULL, P_CITY },
	{ "org-country", required_argument, NULL, P_COUNTRY },
	{ "since", required_argument, NULL, P_SINCE },
	{ "last-id", no_argument, NULL, P_LAST },
	{ NULL, 0, NULL, 0 },
};

static void
popts_parse(int argc, char **argv, const char *v[P__MAX])
{
	int	 ch;

	memset(v, 0, sizeof(*v) * P__MAX);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", popts, NULL)) != -1) {
		if (ch <= 0 || ch >= P__MAX)
			fatalx("%s: unknown option (see caasctl-ca help)", argv[0]);
		v[ch] = optarg != NULL ? optarg : "";
	}
	if (optind != argc)
		fatalx("%s: unexpected argument \"%s\"", argv[0], argv[optind]);
}

/* The reseller statements on their own connection; exits on failure. */
static struct db *
rdb_open(const struct ca_conf *conf)
{
	struct db	*db = ca_db_open(conf, reseller_sql, R__MAX, 0);

	if (db == NULL || db_ping(db) != 0)
		fatalx("database unreachable");
	return db;
}

int
cmd_preval_add(struct db *unused, const struct ca_conf *conf, int argc, char **argv)
{
	const char	*v[P__MAX], *why = NULL;
	struct db	*db;
	char		 now[CLOCK_SQL_LEN];
	long long	 anchor = 0;
	int		 level;

	popts_parse(argc, argv, v);
	if ((level = level_parse(v[P_LEVEL])) != LEVEL_OV && level != LEVEL_QWAC)
		fatalx("--level: OV or QWAC");
	if (v[P_ORG] == NULL || v[P_CITY] == NULL || v[P_COUNTRY] == NULL)
		fatalx("--org, --org-city and --org-country are required (the certificate subject)");
	if (eab_key_check(v[P_LEVEL], v[P_ORG], v[P_CITY], v[P_COUNTRY], 1, &why) != EABF_OK)
		fatalx("--org*: %s", why);
	db = rdb_open(conf);
	clock_sql(clock_now(), now);
	if (rdb_preval_insert(db, (enum level)level, v[P_ORG], v[P_CITY], v[P_COUNTRY], now, &anchor) != 0)
		fatalx("cannot store the pre-validation");
	printf("%lld\n", anchor);
	db_close(db);
	return 0;
}

int
cmd_preval_list(struct db *unused, const struct ca_conf *conf, int argc, char **argv)
{
	const char	*v[P__MAX];
	struct db	*db;
	struct db_rows	 r;

	popts_parse(argc, argv, v);
	db = rdb_open(conf);
	if (rdb_preval_list(db, &r) != 0)
		fatalx("cannot list the pre-validations");
	for (size_t i = 0; i < r.n; i++) {
		const struct r_preval *p = DB_ROW(&r, struct r_preval, i);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\n", p->anchor, p->level >= 0 ? level_names[p->level] : "?",
		    p->org, p->city, p->country, p->created_at);
	}
	db_rows_free(&r);
	db_close(db);
	return 0;
}

int
cmd_calls(struct db *unused, const struct ca_conf *conf, int argc, char **argv)
{
	const char	*v[P__MAX];
	struct db	*db;
	struct db_rows	 r;
	long long	 since = 0, last = 0;
	char		*end;

	popts_parse(argc, argv, v);
	if (v[P_SINCE] != NULL) {
		since = strtoll(v[P_SINCE], &end, 10);
		if (!isdigit((unsigned char)*v[P_SINCE]) || *end != '\0' || since < 0)
			fatalx("--since: a call id (0 or more)");
	}
	db = rdb_open(conf);
	if (v[P_LAST] != NULL) {
		if (rdb_calls_last(db, &last) != 0)
			fatalx("cannot read the call log");
		printf("%lld\n", last);
	} else {
		if (rdb_calls_since(db, since, &r) != 0)
			fatalx("cannot read the call log");
		for (size_t i = 0; i < r.n; i++) {
			const struct r_call *c = DB_ROW(&r, struct r_call, i);
			printf("%lld\t%s\t%s\t%lld\t%s\n", c->id, c->endpoint, c->action, c->status, c->fields);
		}
		db_rows_free(&r);
	}
	db_close(db);
	return 0;
}
