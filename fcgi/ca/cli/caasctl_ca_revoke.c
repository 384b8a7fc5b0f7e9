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

/* E_VALID_BATCH rows. */
struct e_cert {
	long long	 id;
	long long	 eab_id;
	const char	*sans;		/* JSON array */
	const char	*not_after;
};
static const struct db_field e_cert_f[] = {
	DBF_I(struct e_cert, id),
	DBF_I(struct e_cert, eab_id),
	DBF_S(struct e_cert, sans),
	DBF_S(struct e_cert, not_after),
};
static const struct db_rowdef e_cert_d = DB_ROWDEF(struct e_cert, e_cert_f);

/* E_KEY_DOMAINS rows: every enrollment of a key, removed ones included. */
struct e_domain {
	const char	*domain;
	const char	*expires_at;
};
static const struct db_field e_domain_f[] = {
	DBF_S(struct e_domain, domain),
	DBF_S(struct e_domain, expires_at),
};
static const struct db_rowdef e_domain_d = DB_ROWDEF(struct e_domain, e_domain_f);

/* The valid certificates after id last, locked, at most EXPIRE_BATCH. */
static int
edb_valid_batch(struct db *db, const char *now, long long last, struct db_rows *out)
{
	return db_rows(db, E_VALID_BATCH, (struct db_param[]){ DB_S(now), DB_I(last) }, 2, &e_cert_d, out);
}

static int
edb_key_domains(struct db *db, long long eab, struct db_rows *out)
{
	return db_rows(db, E_KEY_DOMAINS, (struct db_param[]){ DB_I(eab) }, 1, &e_domain_d, out);
}

/* Revoke one certificate still valid; the number revoked (0 or 1) into *n. */
static int
edb_revoke(struct db *db, long long id, const char *now, int reason, long long *n)
{
	struct db_res	*r = NULL;
	int		 rc;

	if ((rc = db_run(db, E_REVOKE, (struct db_param[]){ DB_S(now), DB_I(reason), DB_I(id) }, 3,
	    &r)) == 0)
		*n = (long long)r->affected;
	db_res_free(r);
	return rc;
}

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
coverage_end(const struct db_rows *doms, const char *sans_text)
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
		for (size_t k = 0; name != NULL && k < doms->n; k++) {
			const struct e_domain *d = DB_ROW(doms, struct e_domain, k);
			if (domain_covers(d->domain, name) && clock_parse(d->expires_at, &t) == 0 && t > best)
				best = t;
		}
		if (end == -1 || best < end)
			end = best;
	}
	json_decref(sans);
	return end;
}

/* Does certificate c outlive its enrollments at now? 1, 0, or -1. */
static int
outlives(struct db *db, const struct e_cert *c, time_t now)
{
	struct db_rows	 d = { 0 };
	time_t		 na, end;
	int		 rc = -1;

	if (clock_parse(c->not_after, &na) != 0 || edb_key_domains(db, c->eab_id, &d) != 0)
		goto out;
	if ((end = coverage_end(&d, c->sans)) == -1) {
		log_warnx("certificate %lld: unreadable sans", c->id);
		goto out;
	}
	rc = end <= now && end < na;
out:
	db_rows_free(&d);
	return rc;
}

/* One batch after id *last in one transaction; revoked count in *n. 0, 1 at the end, -1. */
static int
expire_batch(struct db *db, time_t now, long long *last, long long *n)
{
	struct db_rows	 b = { 0 };
	char		 nows[CLOCK_SQL_LEN];
	long long	 done = 0, one;
	int		 rc = -1, out;

	clock_sql(now, nows);
	if (db_begin(db) != 0 || edb_valid_batch(db, nows, *last, &b) != 0)
		goto out;
	for (size_t i = 0; i < b.n; i++) {
		const struct e_cert *c = DB_ROW(&b, struct e_cert, i);
		*last = c->id;
		if ((out = outlives(db, c, now)) == -1)
			goto out;
		if (out == 0)
			continue;
		if (edb_revoke(db, c->id, nows, REASON_CESSATION, &one) != 0)
			goto out;
		done += one;
	}
	if (db_commit(db) != 0)
		goto out;
	*n += done;
	rc = b.n < EXPIRE_BATCH ? 1 : 0;
out:
	if (rc == -1)
		(void)db_rollback(db);
	db_rows_free(&b);
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
