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
#include "jobs/notify.h"
#include "core/subs_int.h"
#include "core/webhooks.h"

#define CLAIM_BATCH	100
#define SUBS_DOMAINS_PAGE 1000	/* Q_DOMS_ACTIVE page */
#define CERTS_PAGE	500	/* Q_CERTS_OUTLIVING* page */
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

/* The subscription's history row (inside the caller's transaction). db.h outcome. */
static int
event(const struct subs_env *e, long long id, const char *what, const char *detail)
{
	char	 now[CLOCK_SQL_LEN];

	subs_now(now);
	return db_run(e->db, Q_SUB_EVENT_INSERT, (struct db_param[]){ DB_I(id), DB_S(what),
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

/*
 * The charge keys of one renewal attempt: its journal row's id is in them,
 * so an attempt the upstream refused (and that was refunded) never makes
 * the next attempt's charges replays that move no money.
 */
static void
renew_key(long long sub_id, long long jid, long long dom_id, char out[80])
{
	snprintf(out, 80, "sub-%lld-renew-j%lld-dom-%lld", sub_id, jid, dom_id);
}

/* The renewal's charges, one per active domain at today's rates, with the
 * result pages their strings point into. */
struct renewal {
	struct billing_req	*q;
	struct billing_result	*res;
	char			(*keys)[80], (*desc)[BILLING_TEXT_MAX + 1];
	size_t			 n, cap;
	long long		 gross;
	struct db_res		**pages;
	size_t			 npages;
};

static void
renewal_free(struct renewal *rn)
{
	free(rn->q);
	free(rn->res);
	free(rn->keys);
	free(rn->desc);
	for (size_t i = 0; i < rn->npages; i++)
		db_res_free(rn->pages[i]);
	free(rn->pages);
	memset(rn, 0, sizeof(*rn));
}

static int
renewal_grow(struct renewal *rn, size_t more)
{
	size_t	 cap = rn->cap ? rn->cap : 64;
	void	*p;

	while (cap < rn->n + more)
		cap *= 2;
	if (cap == rn->cap)
		return 0;
	if ((p = realloc(rn->q, cap * sizeof(*rn->q))) == NULL)
		return -1;
	rn->q = p;
	if ((p = realloc(rn->res, cap * sizeof(*rn->res))) == NULL)
		return -1;
	rn->res = p;
	if ((p = realloc(rn->keys, cap * sizeof(*rn->keys))) == NULL)
		return -1;
	rn->keys = p;
	if ((p = realloc(rn->desc, cap * sizeof(*rn->desc))) == NULL)
		return -1;
	rn->desc = p;
	rn->cap = cap;
	return 0;
}

/* One page of active domains into the renewal. */
static int
renewal_add_page(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    const struct billing_account *a, long long jid, struct renewal *rn)
{
	long long	 price, vat;

	if (renewal_grow(rn, d->nrows) != 0)
		return -1;
	for (size_t i = 0; i < d->nrows; i++, rn->n++) {
		if (billing_price(e->bdb, a->id, db_cell(d, i, 4), &price) != BILLING_OK ||
		    billing_vat(price, a->vat_bp, &vat) != 0)
			return -1;
		renew_key(db_cell_int(s, 0, 0), jid, db_cell_int(d, i, 0), rn->keys[rn->n]);
		subs_line_text(db_cell(d, i, 4), db_cell(d, i, 2), db_cell(s, 0, 4), rn->desc[rn->n]);
		rn->q[rn->n] = (struct billing_req){ .account_id = a->id, .net_cents = price,
		    .idempotency_key = rn->keys[rn->n], .product_code = db_cell(d, i, 4),
		    .subscription_ref = db_cell_int(s, 0, 0), .domain_ref = db_cell_int(d, i, 0),
		    .upstream_cost_cents = -1, .description = rn->desc[rn->n],
		    .reference = "renewal, one year" };
		memset(&rn->res[rn->n], 0, sizeof(rn->res[rn->n]));
		rn->gross += price + vat;
	}
	return 0;
}

/*
 * Every active domain (keyset pages, however many), priced at today's
 * rates, with the keys of attempt jid (0: only to know the total).
 */
static int
renewal_prepare(const struct subs_env *e, const struct db_res *s,
    const struct billing_account *a, long long jid, struct renewal *rn)
{
	struct db_res	*d = NULL;
	long long	 after = 0;
	void		*p;

	memset(rn, 0, sizeof(*rn));
	do {
		if (db_run(e->db, Q_DOMS_ACTIVE, (struct db_param[]){ DB_I(db_cell_int(s, 0, 0)),
		    DB_I(after) }, 2, &d) != 0)
			return -1;
		if ((p = realloc(rn->pages, (rn->npages + 1) * sizeof(*rn->pages))) == NULL) {
			db_res_free(d);
			return -1;
		}
		rn->pages = p;
		rn->pages[rn->npages++] = d;
		if (renewal_add_page(e, s, d, a, jid, rn) != 0)
			return -1;
		if (d->nrows > 0)
			after = db_cell_int(d, d->nrows - 1, 0);
	} while (d->nrows == SUBS_DOMAINS_PAGE);
	return 0;
}

/* Charge the renewal in batches of BILLING_BATCH_MAX, always cut the same way
 * (domains in id order), so a retry replays each batch whole. */
static enum billing_rc
renewal_charge(const struct subs_env *e, struct renewal *rn)
{
	enum billing_rc	 brc = BILLING_OK;

	for (size_t i = 0; i < rn->n && brc == BILLING_OK; i += BILLING_BATCH_MAX)
		brc = billing_charge_batch(e->bdb, rn->q + i, rn->n - i < BILLING_BATCH_MAX ?
		    rn->n - i : BILLING_BATCH_MAX, rn->res + i);
	return brc;
}

/* Nothing renewed: say why on the subscription; the job retries tomorrow. */
static int
renew_failed(const struct subs_env *e, const struct db_res *s, const char *why, long long missing)
{
	char	 msg[256], now[CLOCK_SQL_LEN], today[16], dedup[96];

	int	 rc;

	subs_now(now);
	day_of(clock_now(), today);
	snprintf(msg, sizeof(msg), "renewal failed: %s", why);
	snprintf(dedup, sizeof(dedup), "renewal_failed:%lld:%.10s", db_cell_int(s, 0, 0), db_cell(s, 0, 10));
	/* The failure, its event and its mail are recorded together or not at all. */
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_SUB_RENEW_FAILED, (struct db_param[]){ DB_S(msg), DB_S(today),
	    DB_S(now), DB_I(db_cell_int(s, 0, 0)) }, 4, NULL)) == 0 &&
	    (rc = event(e, db_cell_int(s, 0, 0), "renewal_failed", msg)) == 0 &&
	    (rc = webhook_sub_hook(e->db, WH_SUBSCRIPTION_RENEWAL_FAILED, db_cell_int(s, 0, 0),
	    today)) == 0 &&
	    (rc = subs_notify(e, NOTIFY_RENEWAL_FAILED, s, dedup, db_cell(s, 0, 10), NULL, missing,
	    0) < 0 ? DB_ERR : 0) == 0)
		rc = db_commit(e->db);
	if (rc != 0) {
		(void)db_rollback(e->db);
		log_warnx("subscription %lld: renewal failure not recorded", db_cell_int(s, 0, 0));
		return -1;
	}
	log_info("subscription %lld: %s", db_cell_int(s, 0, 0), msg);
	return 0;
}

/*
 * EXTENDDOMAINS then LISTDOMAINS: the new end date, or -1 with err.
 * *unknown is set when the upstream may have extended: a call without a
 * usable answer, or an extension it accepted whose new end we could not
 * read back (a refund then would give a paid year away). An accepted
 * extension is written in the journal (step "extended") so that nothing
 * ever sends EXTENDDOMAINS for it again.
 */
static int
extend(const struct subs_env *e, const struct db_res *s, long long jid, char end[16],
    int *unknown, struct subs_error *err)
{
	struct caas_result	 res;
	const char		*f[] = { "acmeAccountID", db_cell(s, 0, 6), "years", "1", "quoteOnly", "N", NULL };
	int			 rc;

	*unknown = 0;
	rc = subs_upstream(e, "EXTENDDOMAINS", f, &res, unknown, err);
	caas_result_free(&res);
	if (rc == 0)
		(void)subs_journal_step(e, jid, "extended");
	subs_fault(e, "renew:after-extend");
	if (rc != 0)
		return -1;
	snprintf(end, 16, "%s", db_cell(s, 0, 10));
	if (subs_upstream_has(e, db_cell(s, 0, 6), NULL, end, 16, err) < 0 ||
	    strncmp(end, db_cell(s, 0, 10), 10) <= 0) {
		if (err->detail[0] == '\0')
			subs_err(err, 502, NULL, NULL, "The certificate authority accepted the "
			    "extension but LISTDOMAINS shows the old end date");
		*unknown = 1;
		return -1;
	}
	return 0;
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
	snprintf(dedup, sizeof(dedup), "renewed:%lld:%.10s", db_cell_int(s, 0, 0), end);
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_SUB_RENEWED, (struct db_param[]){ DB_S(end), DB_S(today), DB_S(now),
	    DB_I(db_cell_int(s, 0, 0)), DB_S(db_cell(s, 0, 10)) }, 5, NULL)) == 0 &&
	    (rc = subs_journal_close(e, jid, "done")) == 0 &&
	    (rc = event(e, db_cell_int(s, 0, 0), "renewed", end)) == 0 &&
	    (rc = webhook_sub_hook(e->db, WH_SUBSCRIPTION_RENEWED, db_cell_int(s, 0, 0), end)) == 0 &&
	    (rc = subs_notify(e, NOTIFY_RENEWAL_DONE, s, dedup, end, NULL, gross, 0) < 0 ?
	    DB_ERR : 0) == 0)
		rc = db_commit(e->db);
	if (rc != 0) {
		(void)db_rollback(e->db);
		return -1;
	}
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
		q.refund_of = rn->keys[i];
		if (billing_refund(e->bdb, &q, &res) != BILLING_OK)
			return -1;
	}
	return 0;
}

/* Refunded and closed: the attempt is over, the failure said. */
static int
renew_undone(const struct subs_env *e, const struct db_res *s, long long jid, struct renewal *rn,
    const char *why)
{
	if (renew_refund(e, rn) != 0 || subs_journal_close(e, jid, "undone") != 0)
		return -1;
	return renew_failed(e, s, why, 0);
}

static int
renew_load(const struct subs_env *e, long long id, struct db_res **s)
{
	*s = NULL;
	if (db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(id) }, 1, s) != 0 || (*s)->nrows != 1) {
		db_res_free(*s);
		*s = NULL;
		return -1;
	}
	return 0;
}

/* The open renewal journal row of the subscription, 0 when there is none. */
static long long
renew_open_journal(const struct subs_env *e, long long sub_id)
{
	struct db_res	*r = NULL;
	long long	 jid = 0;

	if (db_run(e->db, Q_JOURNAL_OPEN_KIND, (struct db_param[]){ DB_I(sub_id), DB_S("renew") },
	    2, &r) == 0 && r->nrows == 1)
		jid = db_cell_int(r, 0, 0);
	db_res_free(r);
	return jid;
}

/*
 * Charge a year for every active domain, then EXTENDDOMAINS: charging
 * first means a death leaves money we hold and a journal that tells
 * reconcile to extend (or refund), never an extension nobody paid. An
 * attempt left open is finished first, never doubled.
 */
static int
renew_one(const struct subs_env *e, long long id, struct subs_job_stats *st)
{
	struct db_res		*s = NULL;
	struct billing_account	 a;
	struct renewal		 rn = { 0 };
	struct subs_error	 err = { 0 };
	enum billing_rc		 brc;
	char			 end[16], why[300];
	long long		 jid, gross;
	int			 rc = -1, unknown = 0;

	if ((jid = renew_open_journal(e, id)) > 0) {
		if ((rc = subs_reconcile_renew(e, jid, id, &err)) == 0)
			st->done++;
		return rc;
	}
	if (renew_load(e, id, &s) != 0)
		return -1;
	if (strcmp(db_cell(s, 0, 5), "active") != 0 || db_cell_int(s, 0, 11) == 0) {
		rc = 0;		/* changed since the claim */
		goto out;
	}
	if (billing_account(e->bdb, db_cell_int(s, 0, 1), &a) != BILLING_OK ||
	    renewal_prepare(e, s, &a, 0, &rn) != 0)
		goto out;
	if (rn.n == 0) {
		rc = renew_failed(e, s, "no active domain to renew", 0);
		goto out;
	}
	gross = rn.gross;
	renewal_free(&rn);
	if (a.type == BILLING_DEPOSIT && a.balance_cents < gross) {
		char m[32];
		money(gross - a.balance_cents, m);
		snprintf(why, sizeof(why), "insufficient funds, %s %s missing", m, a.currency);
		rc = renew_failed(e, s, why, gross - a.balance_cents);
		goto out;
	}
	if (subs_journal_open(e, "renew", id, 0, &jid) != 0 ||
	    renewal_prepare(e, s, &a, jid, &rn) != 0)
		goto out;
	if ((brc = renewal_charge(e, &rn)) != BILLING_OK) {
		if (renew_refund(e, &rn) != 0)
			goto out;	/* reconcile refunds what a first batch charged */
		(void)subs_journal_close(e, jid, "undone");
		if (brc == BILLING_EFUNDS)
			rc = renew_failed(e, s, "insufficient funds", 0);
		goto out;
	}
	(void)subs_journal_step(e, jid, "charged");
	subs_fault(e, "renew:after-charge");
	if (extend(e, s, jid, end, &unknown, &err) != 0) {
		if (!unknown)
			rc = renew_undone(e, s, jid, &rn, err.detail);
		goto out;	/* unknown: reconcile finds out what happened */
	}
	if ((rc = renew_done(e, s, jid, end, rn.gross)) == 0)
		st->done++;
out:
	renewal_free(&rn);
	db_res_free(s);
	return rc;
}

/* Whether the renewal attempt's charges stand: charged and not refunded. */
static int
renewal_charged(const struct subs_env *e, const struct renewal *rn, int *refunded)
{
	struct billing_entry	 ent;
	char			 ukey[96];
	int			 charged = 0;

	*refunded = 0;
	for (size_t i = 0; i < rn->n; i++) {
		if (billing_find(e->bdb, rn->keys[i], &ent) != BILLING_OK)
			continue;
		charged = 1;
		snprintf(ukey, sizeof(ukey), "%s-undo", rn->keys[i]);
		if (billing_find(e->bdb, ukey, &ent) == BILLING_OK)
			*refunded = 1;
	}
	return charged;
}

/*
 * A renewal that did not finish (subs_reconcile, or the next renew run):
 * the upstream's end date decides. Moved: charge what is missing (replays
 * for what was charged) and record. Not moved: nothing charged → nothing
 * happened; refunded → close it; charged → extend again, unless the
 * upstream already accepted this attempt's extension (step "extended"),
 * which is never sent twice: it stays open for a person.
 */
int
subs_reconcile_renew(const struct subs_env *e, long long jid, long long sub_id,
    struct subs_error *err)
{
	struct db_res		*s = NULL, *j = NULL;
	struct billing_account	 a;
	struct renewal		 rn = { 0 };
	char			 end[16];
	int			 rc = -1, unknown = 0, charged, refunded, extended;

	if (renew_load(e, sub_id, &s) != 0 ||
	    db_run(e->db, Q_JOURNAL_GET, (struct db_param[]){ DB_I(jid) }, 1, &j) != 0 ||
	    j->nrows != 1 || billing_account(e->bdb, db_cell_int(s, 0, 1), &a) != BILLING_OK ||
	    renewal_prepare(e, s, &a, jid, &rn) != 0) {
		subs_err_set(err, 500, NULL, "err.500");
		goto out;
	}
	extended = strcmp(db_cell(j, 0, 5), "extended") == 0;
	charged = renewal_charged(e, &rn, &refunded);
	snprintf(end, sizeof(end), "%s", db_cell(s, 0, 10));
	if (subs_upstream_has(e, db_cell(s, 0, 6), NULL, end, sizeof(end), err) < 0)
		goto out;
	if (strncmp(end, db_cell(s, 0, 10), 10) > 0) {
		if (!refunded && renewal_charge(e, &rn) != BILLING_OK)
			goto out;
		rc = renew_done(e, s, jid, end, rn.gross);
	} else if (!charged) {
		rc = subs_journal_close(e, jid, "undone") == 0 ? 0 : -1;
	} else if (refunded) {
		/* Died while refunding: the rest of the refund, then closed. */
		rc = renew_undone(e, s, jid, &rn, "the certificate authority refused to extend");
	} else if (extended) {
		subs_err(err, 502, NULL, NULL, "The certificate authority accepted the extension "
		    "but LISTDOMAINS still shows the end date %s", db_cell(s, 0, 10));
	} else if (extend(e, s, jid, end, &unknown, err) == 0)
		rc = renew_done(e, s, jid, end, rn.gross);
	else if (!unknown)
		rc = renew_undone(e, s, jid, &rn, err->detail);
out:
	renewal_free(&rn);
	db_res_free(s);
	db_res_free(j);
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

/* ---- expiry, and the revocations we ask for ---- */

/*
 * !AutoRevokeSSL for certificate row id (upstream order number), and what
 * the upstream said, recorded. Revoked is confirmed only by the upstream:
 * "already revoked" (-21) here, or status 8 in GETLASTORDER (sync); an
 * accepted request (0), a refusal or no answer leave it "revocation
 * requested" with the upstream's words, and confirm-revocations asks again
 * after revocation_confirm_delay. 1 when it is confirmed, 0 when requested
 * (or another run checked it since the cutoff), -1 on a database error.
 */
int
subs_revoke_cert(const struct subs_env *e, long long id, long long order_number, int code_reason,
    const char *reason)
{
	struct caas_result	 res;
	char			 num[24], now[CLOCK_SQL_LEN], note[256], cutoff[CLOCK_SQL_LEN];
	const char		*status = NULL;
	long long		 code = -1;
	struct db_res		*r = NULL;
	int			 rc, done = 0;


	subs_now(now);
	clock_sql(clock_now() - e->conf->revocation_confirm_delay, cutoff);
	/* The claim first: a row another run checked since the cutoff is not ours. */
	if (db_run(e->db, Q_CERT_REVOKE_CLAIM, (struct db_param[]){ DB_S(now), DB_S(now), DB_I(id),
	    DB_S(cutoff) }, 4, &r) != 0) {
		db_res_free(r);
		return -1;
	}
	rc = r->affected == 1;
	db_res_free(r);
	if (!rc)
		return 0;
	snprintf(num, sizeof(num), "%lld", order_number);
	rc = caas_revoke(e->conf, num, code_reason, reason, &res);
	subs_upstream_drift(e, "!AutoRevokeSSL", res.drift);
	if (rc == CAAS_OK)
		snprintf(note, sizeof(note), "revocation accepted by the certificate authority");
	else if (rc == CAAS_REFUSED && res.error_code == CAAS_REVOKE_ALREADY) {
		snprintf(note, sizeof(note), "revoked (the certificate authority confirms)");
		status = "revoked", code = 8, done = 1;
	} else if (rc == CAAS_REFUSED && res.error_code == CAAS_REVOKE_REJECTED) {
		snprintf(note, sizeof(note), "the certificate authority rejected this order: "
		    "there is no certificate to revoke");
		status = "rejected", code = 7, done = 1;
	} else
		snprintf(note, sizeof(note), "not confirmed yet: %.200s", res.detail);
	caas_result_free(&res);
	if (db_begin(e->db) != 0 ||
	    db_run(e->db, Q_CERT_REVOKE_OUTCOME, (struct db_param[]){ status ? DB_S(status) : DB_NUL,
	    code >= 0 ? DB_I(code) : DB_NUL, DB_S(note), DB_S(now), DB_I(id) }, 5, NULL) != 0 ||
	    (code == 8 && webhook_cert_hook(e->db, WH_CERTIFICATE_REVOKED, id) != 0) ||
	    db_commit(e->db) != 0) {
		(void)db_rollback(e->db);
		return -1;
	}
	return done;
}

/* Ask the revocation of every certificate of stmt's pages (keyset by id);
 * how many were asked, -1 on a database error. */
static long long
revoke_pages(const struct subs_env *e, int stmt, struct db_param *p, size_t np)
{
	struct db_res	*r = NULL;
	long long	 n = 0, after = 0;
	size_t		 got;

	do {
		p[np - 1] = DB_I(after);
		if (db_run(e->db, stmt, p, np, &r) != 0)
			return -1;
		got = r->nrows;
		for (size_t i = 0; i < got; i++, n++) {
			after = db_cell_int(r, i, 0);
			if (subs_revoke_cert(e, after, db_cell_int(r, i, 1), REASON_CESSATION,
			    "cessationOfOperation") < 0) {
				db_res_free(r);
				return -1;
			}
		}
		db_res_free(r);
		r = NULL;
	} while (got == CERTS_PAGE);
	return n;
}

int
subs_confirm_revocations(const struct subs_env *e, struct subs_job_stats *st)
{
	struct db_res	*r = NULL;
	char		 cutoff[CLOCK_SQL_LEN];
	long long	 after = 0;
	size_t		 got;
	int		 rc;

	clock_sql(clock_now() - e->conf->revocation_confirm_delay, cutoff);
	do {
		if (db_run(e->db, Q_CERTS_REVOKE_DUE, (struct db_param[]){ DB_S(cutoff), DB_S(cutoff),
		    DB_I(after) }, 3, &r) != 0)
			return -1;
		got = r->nrows;
		for (size_t i = 0; i < got; i++) {
			after = db_cell_int(r, i, 0);
			st->seen++;
			rc = subs_revoke_cert(e, after, db_cell_int(r, i, 1), REASON_CESSATION,
			    "cessationOfOperation");
			if (rc > 0)
				st->done++;
			else if (rc < 0)
				st->failed++;
		}
		db_res_free(r);
		r = NULL;
	} while (got == 100);
	return 0;
}

/*
 * At its end date a subscription not renewed expires: its upstream
 * account is suspended, the certificates that outlive the end are
 * revoked (cessationOfOperation) upstream and here, then it is expired.
 */
static int
expire_one(const struct subs_env *e, long long id, struct subs_job_stats *st)
{
	struct db_res		*s = NULL, *r = NULL;
	struct subs_error	 err;
	char			 now[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN + 8], today[16], dedup[96];
	long long		 revoked;
	int			 rc = -1, drc;

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
	if (db_cell(s, 0, 6) != NULL && (subs_upstream_set_status(e, "SUSPENDACCOUNT",
	    db_cell(s, 0, 6), db_cell(s, 0, 7), &err) != 0 || subs_sync_locked(e, id) != 0))
		goto out;
	if ((revoked = revoke_pages(e, Q_CERTS_OUTLIVING, (struct db_param[]){ DB_I(id), DB_S(end),
	    DB_I(0) }, 3)) < 0)
		goto out;
	subs_now(now);
	snprintf(dedup, sizeof(dedup), "expired:%lld:%.10s", id, db_cell(s, 0, 10));
	/* Expired, its event and its mail in one commit. */
	if ((drc = db_begin(e->db)) == 0 &&
	    (drc = db_run(e->db, Q_SUB_EXPIRE, (struct db_param[]){ DB_S(now), DB_S(now), DB_I(id) },
	    3, NULL)) == 0 && (drc = event(e, id, "expired", NULL)) == 0 &&
	    (drc = webhook_sub_hook(e->db, WH_SUBSCRIPTION_EXPIRED, id, db_cell(s, 0, 10))) == 0 &&
	    (drc = subs_notify(e, NOTIFY_EXPIRED, s, dedup, db_cell(s, 0, 10), NULL, 0, revoked) < 0 ?
	    DB_ERR : 0) == 0)
		drc = db_commit(e->db);
	if (drc != 0) {
		(void)db_rollback(e->db);
		goto out;
	}
	log_info("subscription %lld: expired, the revocation of %lld certificates asked", id, revoked);
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
	if ((revoked = revoke_pages(e, Q_CERTS_OUTLIVING_REMOVED, (struct db_param[]){ DB_I(id),
	    DB_S(end), DB_S(end), DB_I(0) }, 4)) < 0 ||
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
