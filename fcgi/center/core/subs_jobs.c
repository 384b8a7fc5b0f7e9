/*
 * The subscription jobs (subs.h): reconcile (finish or undo what a dead
 * process left in the journal) and sync (certificates from GETLASTORDER).
 * Both work on one subscription at a time under its named lock, so any
 * number of runs on any number of hosts never do the same work twice.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "core/subs_int.h"
#include "jobs/watch.h"
#include "core/webhooks.h"

int
subs_journal_close(const struct subs_env *e, long long jid, const char *state)
{
	char	 now[CLOCK_SQL_LEN];

	subs_now(now);
	return db_run(e->db, Q_JOURNAL_CLOSE, (struct db_param[]){ DB_S(state), DB_S(state),
	    DB_S(now), DB_I(jid) }, 4, NULL);
}

static void
journal_error(const struct subs_env *e, long long jid, const struct subs_error *err)
{
	char	 now[CLOCK_SQL_LEN], msg[256];

	subs_now(now);
	snprintf(msg, sizeof(msg), "%.250s", err->detail[0] ? err->detail :
	    err->msgkey ? err->msgkey : "error");
	(void)db_run(e->db, Q_JOURNAL_ERROR, (struct db_param[]){ DB_S(msg), DB_S(now), DB_I(jid) },
	    3, NULL);
}

/* Journal row, its subscription and (for domain kinds) its domain. */
struct jrow {
	struct db_res	*j, *s, *d;
};

static void
jrow_free(struct jrow *r)
{
	db_res_free(r->j);
	db_res_free(r->s);
	db_res_free(r->d);
	memset(r, 0, sizeof(*r));
}

static int
jrow_load(const struct subs_env *e, long long jid, struct jrow *r, struct subs_error *err)
{
	int	 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = db_run(e->db, Q_JOURNAL_GET, (struct db_param[]){ DB_I(jid) }, 1, &r->j)) != 0 ||
	    r->j->nrows != 1 ||
	    (rc = db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(db_cell_int(r->j, 0, 3)) },
	    1, &r->s)) != 0 || r->s->nrows != 1)
		goto fail;
	if (db_cell_int(r->j, 0, 4) > 0 &&
	    ((rc = db_run(e->db, Q_DOM_GET, (struct db_param[]){ DB_I(db_cell_int(r->j, 0, 4)),
	    DB_I(db_cell_int(r->j, 0, 3)) }, 2, &r->d)) != 0 || r->d->nrows != 1))
		goto fail;
	return 0;
fail:
	jrow_free(r);
	return subs_dberr(err, rc != 0 ? rc : DB_ERR);
}

/* Give back the charge of domain row i of d, if it was made. */
static int
refund_if_charged(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    size_t i, struct subs_error *err)
{
	struct billing_entry	 ent;
	struct billing_result	 res;
	char			 key[64], ukey[80], desc[BILLING_TEXT_MAX + 1];
	enum billing_rc		 brc;

	subs_charge_key(db_cell_int(s, 0, 0), db_cell_int(d, i, 0), key);
	if ((brc = billing_find(e->bdb, key, &ent)) == BILLING_ENOACCOUNT)
		return 0;
	if (brc == BILLING_OK) {
		snprintf(ukey, sizeof(ukey), "%s-undo", key);
		subs_line_text(db_cell(d, i, 4), db_cell(d, i, 2), db_cell(s, 0, 4), desc);
		brc = billing_refund(e->bdb, &(struct billing_req){ .account_id = db_cell_int(s, 0, 1),
		    .net_cents = ent.net_cents, .idempotency_key = ukey,
		    .product_code = db_cell(d, i, 4), .subscription_ref = db_cell_int(s, 0, 0),
		    .domain_ref = db_cell_int(d, i, 0), .upstream_order = db_cell(d, i, 7),
		    .upstream_cost_cents = -1, .description = desc,
		    .reference = "operation undone", .refund_of = key }, &res);
	}
	if (brc == BILLING_OK)
		return 0;
	subs_err(err, 500, NULL, NULL, "Billing: %s", billing_strerror(brc));
	return -1;
}

/*
 * A creation that did not finish: its HMAC key is lost, so the
 * subscription cannot be used. Upstream: every domain removed (within
 * the refund window) and the account deactivated; money: every charge
 * refunded; rows failed. Each step is idempotent, so a run that stops
 * half-way is simply run again.
 */
int
subs_undo_create(const struct subs_env *e, long long jid, struct subs_error *err)
{
	struct jrow	 r;
	const char	*acct;
	char		 now[CLOCK_SQL_LEN];
	int		 rc = -1, drc;

	if (jrow_load(e, jid, &r, err) != 0)
		return -1;
	if ((drc = db_run(e->db, Q_DOMS_OF_SUB, (struct db_param[]){ DB_I(db_cell_int(r.s, 0, 0)) },
	    1, &r.d)) != 0) {
		subs_dberr(err, drc);
		goto out;
	}
	if ((acct = db_cell(r.s, 0, 6)) != NULL) {
		for (size_t i = 0; i < r.d->nrows; i++)
			if (subs_upstream_remove(e, acct, db_cell(r.d, i, 2), NULL, err) != 0)
				goto out;
		if (subs_upstream_set_status(e, "DEACTIVATEACCOUNT", acct, db_cell(r.s, 0, 7),
		    err) != 0)
			goto out;
	}
	for (size_t i = 0; i < r.d->nrows; i++)
		if (refund_if_charged(e, r.s, r.d, i, err) != 0)
			goto out;
	subs_now(now);
	if ((drc = db_begin(e->db)) != 0 ||
	    (drc = db_run(e->db, Q_SUB_FAIL, (struct db_param[]){ DB_S(now),
	    DB_I(db_cell_int(r.s, 0, 0)) }, 2, NULL)) != 0 ||
	    (drc = db_run(e->db, Q_DOMS_FAIL_SUB, (struct db_param[]){ DB_I(db_cell_int(r.s, 0, 0)) },
	    1, NULL)) != 0 ||
	    (drc = subs_journal_close(e, jid, "undone")) != 0 || (drc = db_commit(e->db)) != 0) {
		(void)db_rollback(e->db);
		subs_dberr(err, drc);
		goto out;
	}
	log_info("subscription %lld: creation undone", db_cell_int(r.s, 0, 0));
	rc = 0;
out:
	if (rc != 0)
		journal_error(e, jid, err);
	jrow_free(&r);
	return rc;
}

int
subs_undo_add(const struct subs_env *e, long long jid, struct subs_error *err)
{
	struct jrow	 r;
	char		 now[CLOCK_SQL_LEN];
	int		 rc = -1, drc, has;

	if (jrow_load(e, jid, &r, err) != 0)
		return -1;
	if ((has = subs_upstream_has(e, db_cell(r.s, 0, 6), db_cell(r.d, 0, 2), NULL, 0, err)) < 0 ||
	    (has && subs_upstream_remove(e, db_cell(r.s, 0, 6), db_cell(r.d, 0, 2), NULL, err) != 0) ||
	    refund_if_charged(e, r.s, r.d, 0, err) != 0)
		goto out;
	subs_now(now);
	if ((drc = db_begin(e->db)) != 0 ||
	    (drc = db_run(e->db, Q_DOM_FAIL, (struct db_param[]){ DB_I(db_cell_int(r.d, 0, 0)) },
	    1, NULL)) != 0 ||
	    (drc = subs_journal_close(e, jid, "undone")) != 0 || (drc = db_commit(e->db)) != 0) {
		(void)db_rollback(e->db);
		subs_dberr(err, drc);
		goto out;
	}
	log_info("domain %lld (%s): addition undone", db_cell_int(r.d, 0, 0), db_cell(r.d, 0, 2));
	rc = 0;
out:
	if (rc != 0)
		journal_error(e, jid, err);
	jrow_free(&r);
	return rc;
}

/* Undo an addition, counted in st (may be NULL) when it worked. */
static int
undo_add_counted(const struct subs_env *e, long long jid, struct subs_job_stats *st,
    struct subs_error *err)
{
	int	 rc;

	if ((rc = subs_undo_add(e, jid, err)) == 0 && st != NULL)
		st->undone++;
	return rc;
}

/*
 * An addition that did not finish: if the upstream has the domain,
 * finish it (order, charge, active; no funds: undo), else undo it.
 */
static int
reconcile_add(const struct subs_env *e, long long jid, struct subs_job_stats *st,
    struct subs_error *err)
{
	struct jrow	 r;
	int		 rc = -1, has;

	if (jrow_load(e, jid, &r, err) != 0)
		return -1;
	if ((has = subs_upstream_has(e, db_cell(r.s, 0, 6), db_cell(r.d, 0, 2), NULL, 0, err)) < 0)
		goto out;
	if (!has) {
		jrow_free(&r);
		return undo_add_counted(e, jid, st, err);
	}
	/* The upstream has it: it is added (and it bills us). ADDDOMAIN is
	 * never sent twice, so an order number a dead process did not record
	 * stays unknown (docs/upstream.md). */
	if (subs_add_charge(e, r.s, r.d, err) != 0) {
		if (err->status == 402) {
			jrow_free(&r);
			return undo_add_counted(e, jid, st, err);
		}
		goto out;
	}
	if ((rc = subs_add_done(e, db_cell_int(r.d, 0, 0), jid, err)) == 0 && st != NULL)
		st->done++;
out:
	if (rc != 0)
		journal_error(e, jid, err);
	jrow_free(&r);
	return rc;
}

/* A removal that did not finish: the customer asked for it, so finish it
 * with the refund decided when it was asked. */
static int
reconcile_remove(const struct subs_env *e, long long jid, struct subs_job_stats *st,
    struct subs_error *err)
{
	struct jrow	 r;
	time_t		 asked;
	long long	 revoked;
	int		 rc = -1;

	if (jrow_load(e, jid, &r, err) != 0)
		return -1;
	if (clock_parse(db_cell(r.j, 0, 7), &asked) != 0)
		asked = clock_now();
	if (subs_upstream_remove(e, db_cell(r.s, 0, 6), db_cell(r.d, 0, 2), NULL, err) == 0 &&
	    subs_remove_finish(e, r.s, r.d, jid, subs_within_window(db_cell(r.d, 0, 8), asked),
	    &revoked, err) == 0) {
		rc = 0;
		if (st != NULL)
			st->done++;
	} else
		journal_error(e, jid, err);
	jrow_free(&r);
	return rc;
}

static int
reconcile_row(const struct subs_env *e, long long jid, struct subs_job_stats *st)
{
	struct subs_error	 err;
	struct db_res		*j = NULL;
	int			 rc = 0;

	if (db_run(e->db, Q_JOURNAL_GET, (struct db_param[]){ DB_I(jid) }, 1, &j) != 0 || j->nrows != 1) {
		db_res_free(j);
		return -1;
	}
	if (strcmp(db_cell(j, 0, 6), "open") != 0)
		goto out;
	if (st != NULL)
		st->seen++;
	if (strcmp(db_cell(j, 0, 1), "create") == 0) {
		if ((rc = subs_undo_create(e, jid, &err)) == 0 && st != NULL)
			st->undone++;
	} else if (strcmp(db_cell(j, 0, 1), "add_domain") == 0)
		rc = reconcile_add(e, jid, st, &err);
	else if (strcmp(db_cell(j, 0, 1), "renew") == 0) {
		if ((rc = subs_reconcile_renew(e, jid, db_cell_int(j, 0, 3), &err)) == 0 && st != NULL)
			st->done++;
	}
	else
		rc = reconcile_remove(e, jid, st, &err);
	if (rc != 0) {
		log_warnx("reconcile: journal %lld (%s): %s", jid, db_cell(j, 0, 1),
		    err.detail[0] ? err.detail : err.msgkey ? err.msgkey : "error");
		if (st != NULL)
			st->failed++;
	}
out:
	db_res_free(j);
	return rc;
}

int
subs_reconcile_one(const struct subs_env *e, long long sub_id, struct subs_job_stats *st)
{
	struct db_res	*r = NULL;
	char		 lock[SUBS_LOCK_LEN];
	int		 rc = 0;

	subs_lock_name(sub_id, lock);
	if (subs_lock(e->db, lock, 10) != 1)
		return 0;	/* someone works on it: not ours */
	if (db_run(e->db, Q_JOURNAL_OPEN_OF_SUB, (struct db_param[]){ DB_I(sub_id) }, 1, &r) != 0)
		rc = -1;
	for (size_t i = 0; r != NULL && i < r->nrows; i++)
		if (reconcile_row(e, db_cell_int(r, i, 0), st) != 0)
			rc = -1;
	db_res_free(r);
	subs_unlock(e->db, lock);
	return rc;
}

int
subs_reconcile(const struct subs_env *e, long min_age, struct subs_job_stats *st)
{
	struct db_res	*r = NULL;
	struct subs_env	 one = *e;
	char		 before[CLOCK_SQL_LEN], lock[SUBS_LOCK_LEN];
	long long	 after = 0;
	int		 rc = 0;

	clock_sql(clock_now() - min_age, before);
	do {
		db_res_free(r);
		r = NULL;
		if (db_run(e->db, Q_JOURNAL_OPEN_PAGE, (struct db_param[]){ DB_S(before), DB_I(after) },
		    2, &r) != 0)
			return -1;
		for (size_t i = 0; i < r->nrows; i++) {
			after = db_cell_int(r, i, 0);
			one.account_id = db_cell_int(r, i, 2);
			subs_lock_name(db_cell_int(r, i, 1), lock);
			if (subs_lock(e->db, lock, 0) != 1)
				continue;	/* running now, or another run has it */
			if (reconcile_row(&one, after, st) != 0)
				rc = -1;
			subs_unlock(e->db, lock);
		}
	} while (r->nrows == 100);
	db_res_free(r);
	return rc;
}

/* ---- sync (GETLASTORDER) ---- */

/*
 * GETLASTORDER answers the latest order of each domain (per ACME account
 * with the breakdown option), not a history: sync asks for every account
 * of the EAB key (includeAdditionalAccounts=Y), one entry per account
 * (SYNC_BREAKDOWN), and only what can still change (validNotAfter from
 * now on), and keeps what it saw, so the history builds up here. Two
 * orders for one name by one account between two syncs show the last.
 */
#define SYNC_BREAKDOWN	"breakdownByAccount"	/* docs/upstream.md, open questions */

static const struct {
	int		 code;
	const char	*status;
} order_status[] = {
	{ 6, "valid" }, { 8, "revoked" }, { 9, "pending" }, { 14, "replaced" },
	{ 3, "failed" }, { 5, "failed" }, { 7, "rejected" },
};

static const char *
status_of(int code)
{
	for (size_t i = 0; i < sizeof(order_status) / sizeof(order_status[0]); i++)
		if (order_status[i].code == code)
			return order_status[i].status;
	return "pending";
}

/* "2026-01-02T03:04:05Z" → "2026-01-02 03:04:05"; NULL when absent or malformed. */
static const char *
sql_time(const char *s, char out[CLOCK_SQL_LEN])
{
	time_t	 t;

	if (s == NULL || strlen(s) < 19)
		return NULL;
	snprintf(out, CLOCK_SQL_LEN, "%.10s %.8s", s, s + 11);
	return clock_parse(out, &t) == 0 ? out : NULL;
}

static long long
jint(json_t *o, const char *k)
{
	json_t		*v = json_object_get(o, k);
	const char	*s = json_string_value(v);

	return json_is_integer(v) ? json_integer_value(v) : s != NULL ? strtoll(s, NULL, 10) : -1;
}

/* The domain row a certificate's name belongs to (0: none). */
static long long
domain_of(const struct subs_env *e, long long sub_id, const char *name)
{
	struct db_res	*r = NULL;
	char		 up[DOMAIN_NAME_MAX + 3], self[DOMAIN_NAME_MAX + 3];
	const char	*dot = strchr(name, '.');
	long long	 id = 0;

	snprintf(up, sizeof(up), "*%s", dot != NULL ? dot : "");
	snprintf(self, sizeof(self), "*.%s", name);
	if (db_run(e->db, Q_DOM_MATCH, (struct db_param[]){ DB_I(sub_id), DB_S(name), DB_S(up),
	    DB_S(self), DB_S(name) }, 5, &r) == 0 && r->nrows == 1)
		id = db_cell_int(r, 0, 0);
	db_res_free(r);
	return id;
}

/* certificate.issued (a new valid one) or certificate.revoked, in the caller's transaction. */
static int
sync_event(const struct subs_env *e, long long acct_id, long long sub_id, const char *dom,
    const char *ref, int code, int fresh)
{
	char	 key[WH_EVENT_KEY_MAX + 1];

	if (!(code == 8 || (fresh && code == 6)))
		return 0;
	webhook_cert_key(code == 8 ? WH_CERTIFICATE_REVOKED : WH_CERTIFICATE_ISSUED, sub_id, ref, key);
	return webhook_sub_event(e->db, code == 8 ? WH_CERTIFICATE_REVOKED : WH_CERTIFICATE_ISSUED,
	    acct_id, sub_id, dom, ref, key);
}

/* Record one order: a new row, a status change, or nothing (no write). */
static int
sync_order(const struct subs_env *e, long long acct_id, long long sub_id, json_t *o,
    struct subs_job_stats *st)
{
	struct db_res	*r = NULL;
	char		 ref[40], nb[CLOCK_SQL_LEN], na[CLOCK_SQL_LEN], now[CLOCK_SQL_LEN];
	const char	*dom = json_string_value(json_object_get(o, "domainName"));
	const char	*serial = json_string_value(json_object_get(o, "serialNumber"));
	long long	 num = jint(o, "orderNumber"), cert = jint(o, "certificateID"), did;
	int		 code = (int)jint(o, "statusCode"), rc;

	if (code == 3 || code == 5 || code == 7)	/* failed issuance (issue 17, watch.h) */
		return dom != NULL && strlen(dom) <= DOMAIN_NAME_MAX && watch_record_failure(e->db,
		    acct_id, sub_id, domain_of(e, sub_id, dom), o) < 0 ? DB_ERR : 0;
	if (num <= 0 || dom == NULL || strlen(dom) > DOMAIN_NAME_MAX || serial == NULL ||
	    strlen(serial) > 64)
		return 0;	/* not a certificate order we can show */
	subs_now(now);
	if ((rc = db_run(e->db, Q_CERT_GET, (struct db_param[]){ DB_I(sub_id), DB_I(num) }, 2, &r)) != 0)
		return rc;
	snprintf(ref, sizeof(ref), "SGACME-%lld", num);
	if (r->nrows == 1) {
		if (db_cell_int(r, 0, 1) != code && (rc = db_begin(e->db)) == 0 &&
		    (rc = db_run(e->db, Q_CERT_STATUS, (struct db_param[]){
		    DB_S(status_of(code)), DB_I(code), DB_S(now), DB_I(db_cell_int(r, 0, 0)) }, 4,
		    NULL)) == 0 && (rc = sync_event(e, acct_id, sub_id, dom, ref, code, 0)) == 0 &&
		    (rc = db_commit(e->db)) == 0 && st != NULL)
			st->certs_updated++;
		if (rc != 0)
			(void)db_rollback(e->db);
		db_res_free(r);
		return rc;
	}
	db_res_free(r);
	did = domain_of(e, sub_id, dom);
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_CERT_UPSERT, (struct db_param[]){ DB_I(acct_id), DB_I(sub_id),
	    did > 0 ? DB_I(did) : DB_NUL, DB_I(num), DB_S(ref), cert > 0 ? DB_I(cert) : DB_NUL,
	    DB_S(dom), DB_S(serial),
	    DB_SN(sql_time(json_string_value(json_object_get(o, "validNotBefore")), nb)),
	    DB_SN(sql_time(json_string_value(json_object_get(o, "validNotAfter")), na)),
	    DB_S(status_of(code)), DB_I(code), DB_I(0), DB_S(now), DB_S(now) }, 15, NULL)) == 0 &&
	    (rc = sync_event(e, acct_id, sub_id, dom, ref, code, 1)) == 0)
		rc = db_commit(e->db);
	if (rc != 0)
		(void)db_rollback(e->db);
	if (rc == 0 && st != NULL)
		st->certs_new++;
	return rc;
}

/* The subscription's certificates_count, after sync wrote its certificates. */
static void
sync_recount(const struct subs_env *e, long long sub_id)
{
	if (db_run(e->db, Q_SUB_CERTS_RECOUNT, (struct db_param[]){ DB_I(sub_id), DB_I(sub_id) },
	    2, NULL) != 0)
		log_warnx("sync: subscription %lld: certificates not recounted", sub_id);
}

/*
 * Failed orders (status 3/5 signing failed, 7 rejected) carry no
 * validNotAfter, so the filtered call above never lists them: a second
 * GETLASTORDER without a filter, of which only the failures are kept
 * (issue 17, docs/upstream.md "The client").
 */
static int
sync_failures(const struct subs_env *e, const char *acct, long long acct_id, long long sub_id,
    struct subs_job_stats *st)
{
	struct subs_error	 err;
	struct caas_result	 res;
	const char		*f[] = { "acmeAccountID", acct, "includeAdditionalAccounts", "Y",
	    SYNC_BREAKDOWN, "Y", NULL };
	json_t			*o;
	size_t			 k;
	long long		 code;
	int			 rc = 0;

	if (subs_upstream(e, "GETLASTORDER", f, &res, NULL, &err) != 0) {
		log_warnx("sync: subscription %lld: failed orders: %s", sub_id, err.detail);
		caas_result_free(&res);
		return -1;
	}
	json_array_foreach(json_object_get(res.json, "Orders"), k, o) {
		code = jint(o, "statusCode");
		if ((code == 3 || code == 5 || code == 7) &&
		    (rc = sync_order(e, acct_id, sub_id, o, st)) != 0)
			break;
	}
	caas_result_free(&res);
	return rc;
}

/* One GETLASTORDER for the subscription, every order recorded. */
static int
sync_sub(const struct subs_env *e, const struct db_res *s, size_t i, struct subs_job_stats *st)
{
	struct subs_error	 err;
	struct caas_result	 res;
	const char		*acct = db_cell(s, i, 2);
	long long		 sub_id = db_cell_int(s, i, 0), acct_id = db_cell_int(s, i, 1);
	char			 filter[64], now[CLOCK_SQL_LEN];
	const char		*f[] = { "acmeAccountID", acct, "includeAdditionalAccounts", "Y",
	    SYNC_BREAKDOWN, "Y", "filter", filter, NULL };
	time_t			 t = clock_now();
	struct tm		 tm;
	json_t			*o, *orders;
	size_t			 k;
	int			 rc = 0;

	gmtime_r(&t, &tm);
	strftime(filter, sizeof(filter), "validNotAfter >= %Y-%m-%dT%H:%M:%SZ", &tm);
	if (subs_upstream(e, "GETLASTORDER", f, &res, NULL, &err) != 0) {
		log_warnx("sync: subscription %lld: %s", sub_id, err.detail);
		caas_result_free(&res);
		return -1;
	}
	orders = json_object_get(res.json, "Orders");
	if (orders != NULL && !json_is_array(orders))
		subs_upstream_drift(e, "GETLASTORDER", "GETLASTORDER: Orders is not an array");
	json_array_foreach(orders, k, o)
		if ((rc = sync_order(e, acct_id, sub_id, o, st)) != 0)
			break;
	caas_result_free(&res);
	if (rc == 0)
		rc = sync_failures(e, acct, acct_id, sub_id, st);
	sync_recount(e, sub_id);
	subs_now(now);
	if (rc == 0)
		rc = db_run(e->db, Q_SUB_SET_CURSOR, (struct db_param[]){ DB_I(0), DB_S(now),
		    DB_I(sub_id) }, 3, NULL);
	return rc;
}

int
subs_sync_locked(const struct subs_env *e, long long sub_id)
{
	struct subs_job_stats	 st = { 0 };
	struct db_res		*r = NULL;
	int			 rc = -1;

	if (db_run(e->db, Q_SYNC_SUB_ONE, (struct db_param[]){ DB_I(sub_id) }, 1, &r) == 0)
		rc = r->nrows == 1 ? sync_sub(e, r, 0, &st) : 0;
	db_res_free(r);
	return rc;
}

int
subs_sync(const struct subs_env *e, long long sub_id, struct subs_job_stats *st, int progress)
{
	struct db_res	*r = NULL;
	char		 lock[SUBS_LOCK_LEN];
	long long	 after = 0;
	int		 rc = 0, one = sub_id > 0;

	do {
		db_res_free(r);
		r = NULL;
		if (one ? db_run(e->db, Q_SYNC_SUB_ONE, (struct db_param[]){ DB_I(sub_id) }, 1, &r) != 0 :
		    db_run(e->db, Q_SYNC_SUBS, (struct db_param[]){ DB_I(after) }, 1, &r) != 0)
			return -1;
		for (size_t i = 0; i < r->nrows; i++) {
			after = db_cell_int(r, i, 0);
			subs_lock_name(after, lock);
			if (subs_lock(e->db, lock, 0) != 1)
				continue;	/* another run (or a request) has it now */
			if (st != NULL)
				st->seen++;
			if (sync_sub(e, r, i, st) != 0) {
				rc = -1;
				if (st != NULL)
					st->failed++;
			} else if (st != NULL)
				st->done++;
			subs_unlock(e->db, lock);
			if (st != NULL)
				subs_progress(progress, st->seen, 0);
		}
	} while (!one && r->nrows == 100);
	db_res_free(r);
	if (st != NULL)
		subs_progress(progress, st->seen, 1);
	return rc;
}

void
subs_progress(int on, long long n, int done)
{
	if (!on)
		return;
	if (!done && n > 0 && n % 100 == 0)
		fprintf(stderr, "\r%lld subscriptions…", n);
	else if (done && n >= 100)
		fprintf(stderr, "\r%lld subscriptions, done\n", n);
}
