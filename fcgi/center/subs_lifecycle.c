/*
 * Lifecycle jobs of the subscriptions (issue #6, DESIGN.md §1): renewal
 * 30 days before the end, expiry at the end, the revocation of the
 * certificates that outlive a term, and the reminders. Each job claims
 * its rows with SELECT … FOR UPDATE SKIP LOCKED (a claim lasts 10
 * minutes), then works on one subscription at a time under its named
 * lock, so concurrent runs and requests never do the same work.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"
#include "subs_int.h"

#define CLAIM_BATCH	100
#define CLAIM_SECONDS	600
#define RENEW_BEFORE	(30 * 86400)
#define REASON_CESSATION 5	/* RFC 5280 cessationOfOperation */

/* "YYYY-MM-DD" of t (UTC). */
static void
day_of(time_t t, char out[16])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static void
money(long long cents, char out[32])
{
	snprintf(out, 32, "%lld.%02lld", cents / 100, llabs(cents % 100));
}

/*
 * Claim up to CLAIM_BATCH rows (id, account_id) of stmt for CLAIM_SECONDS
 * in one short transaction. *r holds them (caller frees). 0 or -1.
 */
static int
claim(const struct subs_env *e, int stmt, const struct db_param *p, size_t np, struct db_res **r)
{
	char	 until[CLOCK_SQL_LEN];
	int	 rc;

	*r = NULL;
	clock_sql(clock_now() + CLAIM_SECONDS, until);
	if ((rc = db_begin(e->db)) != 0 || (rc = db_run(e->db, stmt, p, np, r)) != 0)
		goto fail;
	for (size_t i = 0; i < (*r)->nrows; i++)
		if ((rc = db_run(e->db, Q_CLAIM_SET, (struct db_param[]){ DB_S(until),
		    DB_I(db_cell_int(*r, i, 0)) }, 2, NULL)) != 0)
			goto fail;
	if ((rc = db_commit(e->db)) == 0)
		return 0;
fail:
	(void)db_rollback(e->db);
	db_res_free(*r);
	*r = NULL;
	log_warnx("job claim failed (%d)", rc);
	return -1;
}

static void
unclaim(const struct subs_env *e, long long id)
{
	(void)db_run(e->db, Q_CLAIM_CLEAR, (struct db_param[]){ DB_I(id) }, 1, NULL);
}

static void
event(const struct subs_env *e, long long id, const char *what, const char *detail)
{
	char	 now[CLOCK_SQL_LEN];

	subs_now(now);
	(void)db_run(e->db, Q_SUB_EVENT_INSERT, (struct db_param[]){ DB_I(id), DB_S(what),
	    DB_SN(detail), DB_S(e->actor), DB_S(now) }, 5, NULL);
}

/* The claimed rows of stmt, each through fn under the subscription's lock. */
static int
each_claimed(const struct subs_env *e, int stmt, const struct db_param *p, size_t np,
    int (*fn)(const struct subs_env *, long long, struct subs_job_stats *),
    struct subs_job_stats *st, int progress)
{
	struct db_res	*r = NULL;
	struct subs_env	 one = *e;
	char		 lock[SUBS_LOCK_LEN];
	int		 rc = 0, n;

	do {
		if (claim(e, stmt, p, np, &r) != 0)
			return -1;
		n = (int)r->nrows;
		for (int i = 0; i < n; i++) {
			long long id = db_cell_int(r, (size_t)i, 0);
			one.account_id = db_cell_int(r, (size_t)i, 1);
			subs_lock_name(id, lock);
			if (subs_lock(e->db, lock, 0) != 1)
				continue;	/* a request works on it: next run */
			st->seen++;
			if (fn(&one, id, st) == 0)
				unclaim(e, id);		/* else the claim holds it back 10 min */
			else
				st->failed++;
			subs_unlock(e->db, lock);
			subs_progress(progress, st->seen, 0);
		}
		db_res_free(r);
		r = NULL;
	} while (n == CLAIM_BATCH);
	subs_progress(progress, st->seen, 1);
	return rc;
}

/* ---- renewal ---- */

static void
renew_key(long long sub_id, const char *end, long long dom_id, char out[80])
{
	snprintf(out, 80, "sub-%lld-renew-%.10s-dom-%lld", sub_id, end, dom_id);
}

/* The renewal's charges, one per active domain at today's rates. */
struct renewal {
	struct billing_req	*q;
	struct billing_result	*res;
	char			(*keys)[80], (*desc)[BILLING_TEXT_MAX + 1];
	size_t			 n;
	long long		 gross;
};

static void
renewal_free(struct renewal *rn)
{
	free(rn->q);
	free(rn->res);
	free(rn->keys);
	free(rn->desc);
	memset(rn, 0, sizeof(*rn));
}

static int
renewal_prepare(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    const struct billing_account *a, struct renewal *rn)
{
	long long	 vat;

	memset(rn, 0, sizeof(*rn));
	rn->n = d->nrows;
	rn->q = calloc(rn->n, sizeof(*rn->q));
	rn->res = calloc(rn->n, sizeof(*rn->res));
	rn->keys = calloc(rn->n, sizeof(*rn->keys));
	rn->desc = calloc(rn->n, sizeof(*rn->desc));
	if (rn->q == NULL || rn->res == NULL || rn->keys == NULL || rn->desc == NULL)
		return -1;
	for (size_t i = 0; i < rn->n; i++) {
		long long price;
		if (billing_price(e->bdb, a->id, db_cell(d, i, 4), &price) != BILLING_OK ||
		    billing_vat(price, a->vat_bp, &vat) != 0)
			return -1;
		renew_key(db_cell_int(s, 0, 0), db_cell(s, 0, 10), db_cell_int(d, i, 0), rn->keys[i]);
		subs_line_text(db_cell(d, i, 4), db_cell(d, i, 2), db_cell(s, 0, 4), rn->desc[i]);
		rn->q[i] = (struct billing_req){ .account_id = a->id, .net_cents = price,
		    .idempotency_key = rn->keys[i], .product_code = db_cell(d, i, 4),
		    .subscription_ref = db_cell_int(s, 0, 0), .domain_ref = db_cell_int(d, i, 0),
		    .upstream_cost_cents = -1, .description = rn->desc[i],
		    .reference = "renewal, one year" };
		rn->gross += price + vat;
	}
	return 0;
}

/* Nothing renewed: say why on the subscription; the job retries tomorrow. */
static int
renew_failed(const struct subs_env *e, const struct db_res *s, const char *why, long long missing)
{
	char	 msg[256], now[CLOCK_SQL_LEN], today[16], dedup[96];

	subs_now(now);
	day_of(clock_now(), today);
	snprintf(msg, sizeof(msg), "renewal failed: %s", why);
	(void)db_run(e->db, Q_SUB_RENEW_FAILED, (struct db_param[]){ DB_S(msg), DB_S(today), DB_S(now),
	    DB_I(db_cell_int(s, 0, 0)) }, 4, NULL);
	event(e, db_cell_int(s, 0, 0), "renewal_failed", msg);
	snprintf(dedup, sizeof(dedup), "renewal_failed:%lld:%.10s", db_cell_int(s, 0, 0), db_cell(s, 0, 10));
	(void)subs_notify(e, NOTIFY_RENEWAL_FAILED, s, dedup, db_cell(s, 0, 10), NULL, missing, 0);
	log_info("subscription %lld: %s", db_cell_int(s, 0, 0), msg);
	return 0;
}

/* EXTENDDOMAINS then LISTDOMAINS: the new end date, or -1 with err. */
static int
extend(const struct subs_env *e, const struct db_res *s, char end[16], int *transport,
    struct subs_error *err)
{
	struct caas_result	 res;
	const char		*f[] = { "acmeAccountID", db_cell(s, 0, 6), "years", "1", "quoteOnly", "N", NULL };
	int			 rc;

	rc = subs_upstream(e, "EXTENDDOMAINS", f, &res, transport, err);
	caas_result_free(&res);
	subs_fault(e, "renew:after-extend");
	snprintf(end, 16, "%s", db_cell(s, 0, 10));
	if (rc == 0 && subs_upstream_has(e, db_cell(s, 0, 6), NULL, end, 16, err) < 0)
		rc = -1;
	return rc;
}

/* Upstream extended: the new term on our side, in one commit with the journal. */
static int
renew_done(const struct subs_env *e, const struct db_res *s, long long jid, const char *end,
    long long gross)
{
	char	 now[CLOCK_SQL_LEN], today[16], dedup[96];
	int	 rc;

	if (strncmp(end, db_cell(s, 0, 10), 10) <= 0)
		return -1;	/* the upstream did not move the end */
	subs_now(now);
	day_of(clock_now(), today);
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_SUB_RENEWED, (struct db_param[]){ DB_S(end), DB_S(today), DB_S(now),
	    DB_I(db_cell_int(s, 0, 0)), DB_S(db_cell(s, 0, 10)) }, 5, NULL)) == 0 &&
	    (rc = subs_journal_close(e, jid, "done")) == 0)
		rc = db_commit(e->db);
	if (rc != 0) {
		(void)db_rollback(e->db);
		return -1;
	}
	event(e, db_cell_int(s, 0, 0), "renewed", end);
	snprintf(dedup, sizeof(dedup), "renewed:%lld:%.10s", db_cell_int(s, 0, 0), end);
	(void)subs_notify(e, NOTIFY_RENEWAL_DONE, s, dedup, end, NULL, gross, 0);
	log_info("subscription %lld: renewed until %s", db_cell_int(s, 0, 0), end);
	return 0;
}

/* Give back every charge of the renewal (the upstream refused to extend). */
static int
renew_refund(const struct subs_env *e, struct renewal *rn)
{
	struct billing_entry	 ent;
	struct billing_result	 res;
	char			 ukey[96];

	for (size_t i = 0; i < rn->n; i++) {
		if (billing_find(e->bdb, rn->keys[i], &ent) != BILLING_OK)
			continue;
		snprintf(ukey, sizeof(ukey), "%s-undo", rn->keys[i]);
		struct billing_req q = rn->q[i];
		q.idempotency_key = ukey;
		q.net_cents = ent.net_cents;
		q.reference = "renewal refused by the certificate authority";
		if (billing_refund(e->bdb, &q, &res) != BILLING_OK)
			return -1;
	}
	return 0;
}

static int
renew_load(const struct subs_env *e, long long id, struct db_res **s, struct db_res **d)
{
	*s = *d = NULL;
	if (db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(id) }, 1, s) != 0 || (*s)->nrows != 1 ||
	    db_run(e->db, Q_DOMS_ACTIVE, (struct db_param[]){ DB_I(id) }, 1, d) != 0) {
		db_res_free(*s);
		db_res_free(*d);
		*s = *d = NULL;
		return -1;
	}
	return 0;
}

/*
 * Charge a year for every active domain, then EXTENDDOMAINS: charging
 * first means a death leaves money we hold and a journal that tells
 * reconcile to extend (or refund), never an extension nobody paid.
 */
static int
renew_one(const struct subs_env *e, long long id, struct subs_job_stats *st)
{
	struct db_res		*s = NULL, *d = NULL;
	struct billing_account	 a;
	struct renewal		 rn = { 0 };
	struct subs_error	 err;
	enum billing_rc		 brc;
	char			 end[16], why[300];
	long long		 jid;
	int			 rc = -1, transport = 0;

	if (renew_load(e, id, &s, &d) != 0)
		return -1;
	if (strcmp(db_cell(s, 0, 5), "active") != 0 || db_cell_int(s, 0, 11) == 0) {
		rc = 0;		/* changed since the claim */
		goto out;
	}
	if (d->nrows == 0) {
		rc = renew_failed(e, s, "no active domain to renew", 0);
		goto out;
	}
	if (billing_account(e->bdb, db_cell_int(s, 0, 1), &a) != BILLING_OK ||
	    renewal_prepare(e, s, d, &a, &rn) != 0)
		goto out;
	if (a.type == BILLING_DEPOSIT && a.balance_cents < rn.gross) {
		char m[32];
		money(rn.gross - a.balance_cents, m);
		snprintf(why, sizeof(why), "insufficient funds, %s %s missing", m, a.currency);
		rc = renew_failed(e, s, why, rn.gross - a.balance_cents);
		goto out;
	}
	if (subs_journal_open(e, "renew", id, 0, &jid) != 0)
		goto out;
	if ((brc = billing_charge_batch(e->bdb, rn.q, rn.n, rn.res)) != BILLING_OK) {
		(void)subs_journal_close(e, jid, "undone");
		if (brc == BILLING_EFUNDS)
			rc = renew_failed(e, s, "insufficient funds", 0);
		goto out;
	}
	(void)subs_journal_step(e, jid, "charged");
	subs_fault(e, "renew:after-charge");
	if (extend(e, s, end, &transport, &err) != 0) {
		if (transport)
			goto out;	/* reconcile finds out what happened */
		if (renew_refund(e, &rn) != 0)
			goto out;
		(void)subs_journal_close(e, jid, "undone");
		rc = renew_failed(e, s, err.detail, 0);
		goto out;
	}
	if ((rc = renew_done(e, s, jid, end, rn.gross)) == 0)
		st->done++;
out:
	renewal_free(&rn);
	db_res_free(s);
	db_res_free(d);
	return rc;
}

/*
 * A renewal that did not finish (subs_reconcile): charged → extend if the
 * upstream has not, then record; not charged → nothing happened.
 */
int
subs_reconcile_renew(const struct subs_env *e, long long jid, long long sub_id,
    struct subs_error *err)
{
	struct db_res		*s = NULL, *d = NULL;
	struct billing_account	 a;
	struct billing_entry	 ent;
	struct renewal		 rn = { 0 };
	char			 end[16];
	int			 rc = -1, transport = 0, charged;

	if (renew_load(e, sub_id, &s, &d) != 0 || d->nrows == 0 ||
	    billing_account(e->bdb, db_cell_int(s, 0, 1), &a) != BILLING_OK ||
	    renewal_prepare(e, s, d, &a, &rn) != 0) {
		subs_err_set(err, 500, NULL, "err.500");
		goto out;
	}
	charged = billing_find(e->bdb, rn.keys[0], &ent) == BILLING_OK;
	snprintf(end, sizeof(end), "%s", db_cell(s, 0, 10));
	if (subs_upstream_has(e, db_cell(s, 0, 6), NULL, end, sizeof(end), err) < 0)
		goto out;
	if (strncmp(end, db_cell(s, 0, 10), 10) > 0) {
		if (!charged && billing_charge_batch(e->bdb, rn.q, rn.n, rn.res) != BILLING_OK)
			goto out;
		rc = renew_done(e, s, jid, end, rn.gross);
	} else if (!charged) {
		rc = subs_journal_close(e, jid, "undone") == 0 ? 0 : -1;
	} else if (extend(e, s, end, &transport, err) == 0)
		rc = renew_done(e, s, jid, end, rn.gross);
	else if (!transport && renew_refund(e, &rn) == 0) {
		(void)subs_journal_close(e, jid, "undone");
		rc = renew_failed(e, s, err->detail, 0);
	}
out:
	renewal_free(&rn);
	db_res_free(s);
	db_res_free(d);
	return rc;
}

int
subs_renew(const struct subs_env *e, struct subs_job_stats *st, int progress)
{
	char	 today[16], horizon[16], now[CLOCK_SQL_LEN];

	day_of(clock_now(), today);
	day_of(clock_now() + RENEW_BEFORE, horizon);
	subs_now(now);
	return each_claimed(e, Q_RENEW_CLAIM, (struct db_param[]){ DB_S(horizon), DB_S(today),
	    DB_S(today), DB_S(now) }, 4, renew_one, st, progress);
}

/* ---- expiry ---- */

/* Revoke (upstream, then here) the certificates of rows r; their count, -1 on failure. */
static long long
revoke_rows(const struct subs_env *e, const struct db_res *r)
{
	struct caas_result	 res;
	char			 num[24], now[CLOCK_SQL_LEN];
	long long		 n = 0;
	int			 rc;

	for (size_t i = 0; i < r->nrows; i++) {
		snprintf(num, sizeof(num), "%lld", db_cell_int(r, i, 1));
		rc = caas_revoke(e->conf, num, REASON_CESSATION, "cessationOfOperation", &res);
		if (rc != CAAS_OK && !(rc == CAAS_REFUSED && res.error_code == -4)) {
			log_warnx("revoking %s: %s", num, res.detail);
			caas_result_free(&res);
			return -1;
		}
		caas_result_free(&res);
		subs_now(now);
		if (db_run(e->db, Q_CERT_REVOKED, (struct db_param[]){ DB_S(now),
		    DB_I(db_cell_int(r, i, 0)) }, 2, NULL) != 0)
			return -1;
		n++;
	}
	return n;
}

static int
suspend(const struct subs_env *e, const char *acct)
{
	struct caas_result	 res;
	struct subs_error	 err;
	const char		*f[] = { "acmeAccountID", acct, NULL };
	int			 rc = subs_upstream(e, "SUSPENDACCOUNT", f, &res, NULL, &err);

	if (rc != 0 && res.http_status >= 400 && (strcmp(res.type, "accountSuspended") == 0 ||
	    strcmp(res.type, "accountDeactivated") == 0))
		rc = 0;
	caas_result_free(&res);
	return rc;
}

/*
 * At its end date a subscription not renewed expires: its upstream
 * account is suspended, the certificates that outlive the end are
 * revoked (cessationOfOperation) upstream and here, then it is expired.
 */
static int
expire_one(const struct subs_env *e, long long id, struct subs_job_stats *st)
{
	struct db_res	*s = NULL, *r = NULL;
	char		 now[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN + 8], today[16], dedup[96];
	long long	 revoked;
	int		 rc = -1;

	day_of(clock_now(), today);
	if (db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(id) }, 1, &s) != 0 || s->nrows != 1)
		goto out;
	if (strcmp(db_cell(s, 0, 5), "active") != 0 || strncmp(db_cell(s, 0, 10), today, 10) > 0) {
		rc = 0;
		goto out;
	}
	snprintf(end, sizeof(end), "%.10s 00:00:00", db_cell(s, 0, 10));
	/* Suspended first, so nothing new is issued; then synced, so the
	 * certificates issued since the last sync are revoked too. */
	if (db_cell(s, 0, 6) != NULL && (suspend(e, db_cell(s, 0, 6)) != 0 ||
	    subs_sync_locked(e, id) != 0))
		goto out;
	if (db_run(e->db, Q_CERTS_OUTLIVING, (struct db_param[]){ DB_I(id), DB_S(end) }, 2, &r) != 0 ||
	    (revoked = revoke_rows(e, r)) < 0)
		goto out;
	subs_now(now);
	if (db_run(e->db, Q_SUB_EXPIRE, (struct db_param[]){ DB_S(now), DB_S(now), DB_I(id) }, 3, NULL) != 0)
		goto out;
	event(e, id, "expired", NULL);
	snprintf(dedup, sizeof(dedup), "expired:%lld:%.10s", id, db_cell(s, 0, 10));
	(void)subs_notify(e, NOTIFY_EXPIRED, s, dedup, db_cell(s, 0, 10), NULL, 0, revoked);
	log_info("subscription %lld: expired, %lld certificates revoked", id, revoked);
	st->done++;
	st->certs_updated += revoked;
	rc = 0;
out:
	db_res_free(s);
	db_res_free(r);
	return rc;
}

/*
 * A renewed subscription's previous term ended: the certificates of the
 * domains removed during it (after their refund window) that outlive it
 * are revoked now (DESIGN.md §1).
 */
static int
close_term_one(const struct subs_env *e, long long id, struct subs_job_stats *st)
{
	struct db_res	*s = NULL, *r = NULL;
	char		 end[CLOCK_SQL_LEN + 8];
	long long	 revoked;
	int		 rc = -1;

	if (db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(id) }, 1, &s) != 0 || s->nrows != 1 ||
	    db_cell(s, 0, 17) == NULL)
		goto out;
	snprintf(end, sizeof(end), "%.10s 00:00:00", db_cell(s, 0, 17));
	if (db_run(e->db, Q_CERTS_OUTLIVING_REMOVED, (struct db_param[]){ DB_I(id), DB_S(end),
	    DB_S(end) }, 3, &r) != 0 || (revoked = revoke_rows(e, r)) < 0 ||
	    db_run(e->db, Q_SUB_PREVTERM_CLOSED, (struct db_param[]){ DB_I(id) }, 1, NULL) != 0)
		goto out;
	st->certs_updated += revoked;
	rc = 0;
out:
	db_res_free(s);
	db_res_free(r);
	return rc;
}

int
subs_expire(const struct subs_env *e, struct subs_job_stats *st, int progress)
{
	char	 today[16], now[CLOCK_SQL_LEN];
	int	 rc;

	day_of(clock_now(), today);
	subs_now(now);
	rc = each_claimed(e, Q_EXPIRE_CLAIM, (struct db_param[]){ DB_S(today), DB_S(now) }, 2,
	    expire_one, st, progress);
	if (each_claimed(e, Q_PREVTERM_CLAIM, (struct db_param[]){ DB_S(today), DB_S(now) }, 2,
	    close_term_one, st, progress) != 0)
		rc = -1;
	return rc;
}
