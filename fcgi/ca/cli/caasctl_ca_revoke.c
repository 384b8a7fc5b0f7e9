/*
 * caasctl-ca crl and expire (caasctl_ca_revoke.h): the daily jobs of
 * revocation. expire applies the rule that renewal-info (ari.c)
 * announces: a certificate lives until, for one of its names, the
 * latest expiry among the enrollments of its key covering that name
 * (removed enrollments included: a removal after the refund window
 * keeps the name until its term ends). From then on it is revoked
 * with reason 5 cessationOfOperation. Rows are taken in batches with
 * FOR UPDATE SKIP LOCKED, so concurrent runs share the work and a
 * second run finds nothing left.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acme/acme.h"
#include "cli/caasctl_ca_revoke.h"
#include "clock.h"
#include "log.h"
#include "revoke.h"

#define EXPIRE_BATCH		500
#define REASON_CESSATION	5

enum estmt {
	E_VALID_BATCH,
	E_KEY_DOMAINS,
	E_REVOKE,
	E__MAX
};

static const char *const expire_sql[E__MAX] = {
	[E_VALID_BATCH] =
	    "SELECT id, eab_id, sans, not_after FROM certificates WHERE status = 'valid' "
	    "AND not_after > ? AND id > ? ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED",
	[E_KEY_DOMAINS] =
	    "SELECT domain, expires_at FROM eab_domains WHERE eab_id = ? LIMIT 5000",
	[E_REVOKE] =
	    "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ? "
	    "WHERE id = ? AND status = 'valid'",
};

int
cmd_crl(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	(void)db;
	if (argc != 1)
		fatalx("crl: takes no options");
	(void)argv;
	if (crl_regenerate(conf) != 0) {
		fprintf(stderr, "crl: not written (see the log above)\n");
		return 1;
	}
	printf("crl: %s/crl/issuing.crl written\n", conf->ca_dir);
	return 0;
}

/*
 * When the enrollments doms (domain, expires_at) stop covering the
 * names sans_text (a JSON array): per name the latest covering expiry,
 * then the earliest over the names; 0 (already) when a name has none.
 * -1 when sans_text is unreadable.
 */
static time_t
coverage_end(const struct db_res *doms, const char *sans_text)
{
	json_t	*sans = json_loads(sans_text, 0, NULL), *v;
	time_t	 end = -1, t;
	size_t	 i;

	if (!json_is_array(sans) || json_array_size(sans) == 0) {
		json_decref(sans);
		return -1;
	}
	json_array_foreach(sans, i, v) {
		time_t best = 0;
		const char *name = json_string_value(v);
		for (size_t k = 0; name != NULL && k < doms->nrows; k++)
			if (domain_covers(db_cell(doms, k, 0), name) &&
			    clock_parse(db_cell(doms, k, 1), &t) == 0 && t > best)
				best = t;
		if (end == -1 || best < end)
			end = best;
	}
	json_decref(sans);
	return end;
}

/* Does certificate row i of batch b outlive its enrollments at now? 1, 0, or -1. */
static int
outlives(struct db *db, const struct db_res *b, size_t i, time_t now)
{
	struct db_res	*d = NULL;
	time_t		 na, end;
	int		 rc = -1;

	if (clock_parse(db_cell(b, i, 3), &na) != 0 ||
	    db_run(db, E_KEY_DOMAINS, (struct db_param[]){ DB_I(db_cell_int(b, i, 1)) }, 1, &d) != 0)
		goto out;
	if ((end = coverage_end(d, db_cell(b, i, 2))) == -1) {
		log_warnx("certificate %s: unreadable sans", db_cell(b, i, 0));
		goto out;
	}
	rc = end <= now && end < na;
out:
	db_res_free(d);
	return rc;
}

/* One batch after id *last in one transaction; revoked count in *n. 0, 1 at the end, -1. */
static int
expire_batch(struct db *db, time_t now, long long *last, long long *n)
{
	struct db_res	*b = NULL, *u = NULL;
	char		 nows[CLOCK_SQL_LEN];
	long long	 done = 0;
	int		 rc = -1, out;

	clock_sql(now, nows);
	if (db_begin(db) != 0 ||
	    db_run(db, E_VALID_BATCH, (struct db_param[]){ DB_S(nows), DB_I(*last) }, 2, &b) != 0)
		goto out;
	for (size_t i = 0; i < b->nrows; i++) {
		*last = db_cell_int(b, i, 0);
		if ((out = outlives(db, b, i, now)) == -1)
			goto out;
		if (out == 0)
			continue;
		if (db_run(db, E_REVOKE, (struct db_param[]){ DB_S(nows), DB_I(REASON_CESSATION),
		    DB_I(*last) }, 3, &u) != 0)
			goto out;
		done += (long long)u->affected;
		db_res_free(u);
		u = NULL;
	}
	if (db_commit(db) != 0)
		goto out;
	*n += done;
	rc = b->nrows < EXPIRE_BATCH ? 1 : 0;
out:
	if (rc == -1)
		(void)db_rollback(db);
	db_res_free(b);
	db_res_free(u);
	return rc;
}

int
cmd_expire(struct db *unused, const struct ca_conf *conf, int argc, char **argv)
{
	static const struct option opts[] = { { "now", required_argument, NULL, 'n' }, { 0 } };
	struct db	*db = NULL;
	long long	 last = 0, n = 0;
	time_t		 t;
	int		 ch, step, rc = 1;

	(void)unused;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n' || clock_parse(optarg, &t) != 0)
			fatalx("expire: usage: expire [--now YYYY-MM-DD[ HH:MM:SS]]");
		clock_set(t);
	}
	if (optind != argc)
		fatalx("expire: unexpected argument \"%s\"", argv[optind]);
	if ((db = ca_db_open(conf, expire_sql, E__MAX, 0)) == NULL)
		fatalx("out of memory");
	while ((step = expire_batch(db, clock_now(), &last, &n)) == 0)
		continue;
	printf("expire: %lld certificates revoked\n", n);
	if (step == -1) {
		fprintf(stderr, "expire: database error after certificate %lld\n", last);
		goto out;
	}
	if (n > 0 && crl_regenerate(conf) != 0) {
		fprintf(stderr, "expire: CRL not regenerated (run caasctl-ca crl)\n");
		goto out;
	}
	rc = 0;
out:
	db_close(db);
	return rc;
}
