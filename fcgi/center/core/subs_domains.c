/*
 * Domains of a subscription after its creation (subs.h): add one (pro
 * rata, ADDDOMAIN then the charge), remove one (REMOVEDOMAIN then the
 * refund within 30 days of its activation), and the settings. Each
 * outside effect is framed by a journal row, as in subs.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "jobs/notify.h"
#include "core/subs_int.h"
#include "core/webhooks.h"

/* The subscription of the caller's account: 0 with *r, or -1 (404, …). */
static int
sub_get(const struct subs_env *e, long long id, struct db_res **r, struct subs_error *err)
{
	int	 rc;

	if ((rc = db_run(e->db, Q_SUB_GET, (struct db_param[]){ DB_I(id), DB_I(e->account_id) },
	    2, r)) != 0)
		return subs_dberr(err, rc);
	if ((*r)->nrows != 1) {
		db_res_free(*r);
		*r = NULL;
		subs_err(err, 404, NULL, "err.404", NULL);
		return -1;
	}
	return 0;
}

static time_t
date_time(const char *d)
{
	char	 s[CLOCK_SQL_LEN + 8];
	time_t	 t;

	if (d == NULL)
		return 0;
	snprintf(s, sizeof(s), "%.10s 00:00:00", d);
	return clock_parse(s, &t) == 0 ? t : 0;
}

/* Pro-rata net price of a domain for the rest of the term (DESIGN.md §4). */
static int
prorata_price(const struct subs_env *e, const struct db_res *s, const struct domain_entry *d,
    char product[33], long long *price, struct subs_error *err)
{
	char		 name[101];
	time_t		 start = date_time(db_cell(s, 0, 9)), end = date_time(db_cell(s, 0, 10));
	long long	 yearly, days = (end - start) / 86400;
	enum billing_rc	 brc;

	subs_product((enum level)level_parse(db_cell(s, 0, 3)), d->wildcard, product, name);
	if ((brc = billing_price(e->bdb, e->account_id, product, &yearly)) != BILLING_OK) {
		subs_err(err, 500, NULL, NULL, "Billing: %s", billing_strerror(brc));
		return -1;
	}
	if (end <= clock_now()) {
		subs_err(err, 409, NULL, "err.sub_ended", NULL);
		return -1;
	}
	if (billing_prorata(yearly, clock_now(), end, days == 366 ? 366 : 365, price) != 0) {
		subs_err(err, 500, NULL, "err.500", NULL);
		return -1;
	}
	return 0;
}

static int
add_intent(const struct subs_env *e, long long sub_id, const struct domain_entry *d,
    const char *product, long long price, long long *dom_id, long long *jid,
    struct subs_error *err)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	subs_now(now);
	if ((rc = db_begin(e->db)) != 0 ||
	    (rc = db_run(e->db, Q_DOM_INSERT, (struct db_param[]){ DB_I(sub_id), DB_S(d->name),
	    DB_I(d->wildcard), DB_S(product), DB_I(price), DB_S(now) }, 6, &r)) != 0)
		goto fail;
	*dom_id = (long long)r->insert_id;
	if ((rc = subs_journal_open(e, "add_domain", sub_id, *dom_id, jid)) != 0 ||
	    (rc = db_commit(e->db)) != 0)
		goto fail;
	db_res_free(r);
	return 0;
fail:
	db_res_free(r);
	(void)db_rollback(e->db);
	if (rc == DB_EDUP) {
		subs_err(err, 409, "domain", "err.domain.already_enrolled_short", NULL);
		return -1;
	}
	return subs_dberr(err, rc);
}

/* Charge the added domain (idempotent by its key). */
int
subs_add_charge(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    struct subs_error *err)
{
	struct billing_result	 res;
	struct billing_account	 a;
	char			 key[64], desc[BILLING_TEXT_MAX + 1];
	enum billing_rc		 brc;

	subs_charge_key(db_cell_int(s, 0, 0), db_cell_int(d, 0, 0), key);
	subs_line_text(db_cell(d, 0, 4), db_cell(d, 0, 2), db_cell(s, 0, 4), desc);
	if ((brc = billing_account(e->bdb, db_cell_int(s, 0, 1), &a)) == BILLING_OK)
		brc = billing_charge(e->bdb, &(struct billing_req){ .account_id = db_cell_int(s, 0, 1),
		    .net_cents = db_cell_int(d, 0, 6), .idempotency_key = key,
		    .product_code = db_cell(d, 0, 4), .subscription_ref = db_cell_int(s, 0, 0),
		    .domain_ref = db_cell_int(d, 0, 0), .upstream_order = db_cell(d, 0, 7),
		    .upstream_cost_cents = subs_dom_upstream_cost(d, 0, a.currency),
		    .description = desc }, &res);
	if (brc == BILLING_OK)
		return 0;
	if (brc == BILLING_EFUNDS)
		subs_err(err, 402, NULL, "err.funds", NULL);
	else
		subs_err(err, brc == BILLING_EDOWN ? 503 : 500, NULL, NULL, "Billing: %s",
		    billing_strerror(brc));
	return -1;
}

/* Domain active and journal done, in one commit. */
int
subs_add_done(const struct subs_env *e, long long dom_id, long long jid, struct subs_error *err)
{
	char	 now[CLOCK_SQL_LEN];
	int	 rc;

	subs_now(now);
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_DOM_ACTIVATE, (struct db_param[]){ DB_S(now), DB_I(dom_id) },
	    2, NULL)) == 0 &&
	    (rc = webhook_dom_hook(e->db, WH_DOMAIN_ADDED, dom_id)) == 0 &&
	    (rc = db_run(e->db, Q_JOURNAL_CLOSE, (struct db_param[]){ DB_S("done"), DB_S("done"),
	    DB_S(now), DB_I(jid) }, 4, NULL)) == 0)
		rc = db_commit(e->db);
	if (rc != 0) {
		(void)db_rollback(e->db);
		return subs_dberr(err, rc);
	}
	return 0;
}

static int
add_run(const struct subs_env *e, const struct db_res *s, long long dom_id, long long jid,
    struct subs_error *err)
{
	struct db_res		*d = NULL;
	struct subs_error	 uerr;
	struct subs_order	 o;
	int			 rc = -1, transport = 0;

	subs_fault(e, "add:after-insert");
	if (db_run(e->db, Q_DOM_GET, (struct db_param[]){ DB_I(dom_id), DB_I(db_cell_int(s, 0, 0)) },
	    2, &d) != 0 || d->nrows != 1) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	if (subs_upstream_add(e, db_cell_int(s, 0, 0), db_cell(s, 0, 6), db_cell(d, 0, 2), &o,
	    &transport, err) != 0) {
		if (!transport)		/* refused: nothing happened upstream */
			(void)subs_undo_add(e, jid, &uerr);
		goto out;
	}
	if (subs_dom_set_order(e, dom_id, &o) != 0 || subs_journal_step(e, jid, "added") != 0) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	subs_fault(e, "add:after-adddomain");
	db_res_free(d);
	d = NULL;
	if (db_run(e->db, Q_DOM_GET, (struct db_param[]){ DB_I(dom_id), DB_I(db_cell_int(s, 0, 0)) },
	    2, &d) != 0 || d->nrows != 1) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	if (subs_add_charge(e, s, d, err) != 0) {
		if (err->status == 402 && subs_undo_add(e, jid, &uerr) != 0)
			log_warnx("domain %lld: undo left for caasctl reconcile: %s", dom_id, uerr.detail);
		goto out;
	}
	(void)subs_journal_step(e, jid, "charged");
	subs_fault(e, "add:after-charge");
	rc = subs_add_done(e, dom_id, jid, err);
out:
	db_res_free(d);
	return rc;
}

int
subs_domain_add(const struct subs_env *e, long long sub_id, const struct domain_entry *d,
    int quote_only, long long *price, long long *domain_id, struct subs_error *err)
{
	struct db_res		*s = NULL;
	struct billing_account	 a;
	char			 product[33], slock[SUBS_LOCK_LEN];
	long long		 jid = 0, vat = 0;
	int			 rc = -1, held = 0;

	*domain_id = 0;
	if (sub_get(e, sub_id, &s, err) != 0)
		return -1;
	if (strcmp(db_cell(s, 0, 5), "active") != 0) {
		subs_err(err, 409, NULL, "err.sub_not_active", NULL);
		goto out;
	}
	if (d->wildcard && strcmp(db_cell(s, 0, 3), "QWAC") == 0) {
		subs_err(err, 400, "domain", "err.domain.wildcard_not_allowed_short", NULL);
		goto out;
	}
	if (prorata_price(e, s, d, product, price, err) != 0)
		goto out;
	if (quote_only) {
		rc = 0;
		goto out;
	}
	if (billing_account(e->bdb, e->account_id, &a) != BILLING_OK ||
	    billing_vat(*price, a.vat_bp, &vat) != 0) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	if (a.type == BILLING_DEPOSIT && a.balance_cents < *price + vat) {
		subs_err(err, 402, NULL, "err.funds", NULL);
		goto out;
	}
	subs_lock_name(sub_id, slock);
	if ((held = subs_lock(e->db, slock, 30)) != 1) {
		held = 0;
		subs_err(err, 409, NULL, "err.busy", NULL);
		goto out;
	}
	if (add_intent(e, sub_id, d, product, *price, domain_id, &jid, err) != 0)
		goto out;
	if ((rc = add_run(e, s, *domain_id, jid, err)) == 0)
		log_info("subscription %lld: %s added by %s, %lld cents", sub_id, d->name, e->actor, *price);
out:
	if (held)
		subs_unlock(e->db, slock);
	db_res_free(s);
	return rc;
}

/* ---- removal ---- */

/* Within the refund window when the removal was asked at `at`. */
int
subs_within_window(const char *added_at, time_t at)
{
	time_t	 added;

	return added_at != NULL && clock_parse(added_at, &added) == 0 && at < added + SUBS_REFUND_WINDOW;
}

/* Inside the removal's transaction: the refund mail, when there is a refund. 0 or DB_ERR. */
static int
refund_mail(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    long long refund, long long gross, const struct db_res *revoked)
{
	char	 dedup[64];

	if (refund <= 0)
		return 0;
	snprintf(dedup, sizeof(dedup), "refunded:%lld", db_cell_int(d, 0, 0));
	return subs_notify(e, NOTIFY_DOMAIN_REFUNDED, s, dedup, NULL, db_cell(d, 0, 2), gross,
	    revoked != NULL ? (long long)revoked->affected : 0) < 0 ? DB_ERR : 0;
}

/* The refund and the rows, once the upstream removed the domain. */
int
subs_remove_finish(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    long long jid, int within, long long *revoked, struct subs_error *err)
{
	struct billing_result	 res;
	struct db_res		*r = NULL;
	char			 key[64], chkey[64], desc[BILLING_TEXT_MAX + 1], now[CLOCK_SQL_LEN];
	long long		 refund = within ? db_cell_int(d, 0, 6) : 0, refund_gross = 0;
	enum billing_rc		 brc;
	int			 rc;

	if (refund > 0) {
		snprintf(key, sizeof(key), "dom-%lld-refund", db_cell_int(d, 0, 0));
		/* The charge given back: the domain's own (creation or addition), whose VAT it mirrors. */
		subs_charge_key(db_cell_int(s, 0, 0), db_cell_int(d, 0, 0), chkey);
		subs_line_text(db_cell(d, 0, 4), db_cell(d, 0, 2), db_cell(s, 0, 4), desc);
		brc = billing_refund(e->bdb, &(struct billing_req){ .account_id = db_cell_int(s, 0, 1),
		    .net_cents = refund, .idempotency_key = key, .product_code = db_cell(d, 0, 4),
		    .subscription_ref = db_cell_int(s, 0, 0), .domain_ref = db_cell_int(d, 0, 0),
		    .upstream_order = db_cell(d, 0, 7), .upstream_cost_cents = -1,
		    .description = desc, .reference = "domain removed within 30 days",
		    .refund_of = chkey }, &res);
		if (brc != BILLING_OK) {
			subs_err(err, brc == BILLING_EDOWN ? 503 : 500, NULL, NULL, "Billing: %s",
			    billing_strerror(brc));
			return -1;
		}
		refund_gross = res.gross_cents;
		(void)subs_journal_step(e, jid, "refunded");
		subs_fault(e, "remove:after-refund");
	}
	subs_now(now);
	*revoked = 0;
	/* The refund mail is queued in the transaction that records the removal. */
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_DOM_REMOVE, (struct db_param[]){ DB_S(now), DB_I(refund),
	    DB_I(db_cell_int(d, 0, 0)) }, 3, NULL)) == 0 &&
	    (rc = webhook_dom_hook(e->db, WH_DOMAIN_REMOVED, db_cell_int(d, 0, 0))) == 0 &&
	    (!within || (rc = db_run(e->db, Q_CERTS_REVOKE_ASKED, (struct db_param[]){ DB_S(now),
	    DB_S("domain removed within 30 days: its revocation is asked"), DB_S(now),
	    DB_I(db_cell_int(d, 0, 0)) }, 4, &r)) == 0) &&
	    (rc = db_run(e->db, Q_JOURNAL_CLOSE, (struct db_param[]){ DB_S("done"), DB_S("done"),
	    DB_S(now), DB_I(jid) }, 4, NULL)) == 0 &&
	    (rc = refund_mail(e, s, d, refund, refund_gross, r)) == 0)
		rc = db_commit(e->db);
	if (r != NULL)
		*revoked = (long long)r->affected;
	db_res_free(r);
	if (rc != 0) {
		(void)db_rollback(e->db);
		return subs_dberr(err, rc);
	}
	return 0;
}

static int
remove_run(const struct subs_env *e, const struct db_res *s, const struct db_res *d,
    int within, long long *revoked, struct subs_error *err)
{
	long long	 jid;
	int		 rc, transport = 0;

	if ((rc = subs_journal_open(e, "remove_domain", db_cell_int(s, 0, 0), db_cell_int(d, 0, 0),
	    &jid)) != 0)
		return subs_dberr(err, rc);
	if (subs_upstream_remove(e, db_cell(s, 0, 6), db_cell(d, 0, 2), &transport, err) != 0) {
		/* A refusal changed nothing; a timeout is for reconcile to finish. */
		if (!transport)
			(void)subs_journal_close(e, jid, "undone");
		return -1;
	}
	(void)subs_journal_step(e, jid, "removed");
	subs_fault(e, "remove:after-removedomain");
	return subs_remove_finish(e, s, d, jid, within, revoked, err);
}

int
subs_domain_remove(const struct subs_env *e, long long sub_id, long long dom_id, int dry_run,
    struct subs_removal *out, struct subs_error *err)
{
	struct db_res	*s = NULL, *d = NULL, *c = NULL;
	char		 slock[SUBS_LOCK_LEN];
	int		 rc = -1, held = 0, drc;

	memset(out, 0, sizeof(*out));
	if (sub_get(e, sub_id, &s, err) != 0)
		return -1;
	if ((drc = db_run(e->db, Q_DOM_GET, (struct db_param[]){ DB_I(dom_id), DB_I(sub_id) },
	    2, &d)) != 0) {
		subs_dberr(err, drc);
		goto out;
	}
	if (d->nrows != 1 || strcmp(db_cell(d, 0, 5), "failed") == 0 ||
	    strcmp(db_cell(d, 0, 5), "pending") == 0) {
		subs_err(err, 404, NULL, "err.404", NULL);
		goto out;
	}
	if (strcmp(db_cell(d, 0, 5), "active") != 0) {
		subs_err(err, 409, NULL, "err.domain_removed", NULL);
		goto out;
	}
	snprintf(out->name, sizeof(out->name), "%s", db_cell(d, 0, 2));
	out->within_window = subs_within_window(db_cell(d, 0, 8), clock_now());
	out->refund_cents = out->within_window ? db_cell_int(d, 0, 6) : 0;
	if (dry_run) {
		rc = 0;
		goto out;
	}
	subs_lock_name(sub_id, slock);
	if ((held = subs_lock(e->db, slock, 30)) != 1) {
		held = 0;
		subs_err(err, 409, NULL, "err.busy", NULL);
		goto out;
	}
	/*
	 * Read the row again under the lock: a removal of the same domain
	 * that held the lock before us has finished, and ours is then the
	 * documented 409, not a second success (issue #16 item 8).
	 */
	db_res_free(d);
	d = NULL;
	if ((drc = db_run(e->db, Q_DOM_GET, (struct db_param[]){ DB_I(dom_id), DB_I(sub_id) },
	    2, &d)) != 0) {
		subs_dberr(err, drc);
		goto out;
	}
	if (d->nrows != 1 || strcmp(db_cell(d, 0, 5), "active") != 0) {
		subs_err(err, 409, NULL, "err.domain_removed", NULL);
		goto out;
	}
	if ((rc = remove_run(e, s, d, out->within_window, &out->revoked, err)) == 0)
		log_info("subscription %lld: %s removed by %s, refund %lld cents, %lld certificates revoked",
		    sub_id, out->name, e->actor, out->refund_cents, out->revoked);
out:
	if (held)
		subs_unlock(e->db, slock);
	db_res_free(s);
	db_res_free(d);
	db_res_free(c);
	return rc;
}

/* ---- settings ---- */

int
subs_update(const struct subs_env *e, long long sub_id, const char *name, int auto_renew,
    struct subs_error *err)
{
	struct db_res	*s = NULL, *r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	if (name != NULL && !subs_name_ok(name)) {
		subs_err(err, 400, "name", "err.sub_name", NULL);
		return -1;
	}
	if (sub_get(e, sub_id, &s, err) != 0)
		return -1;
	db_res_free(s);
	subs_now(now);
	if ((rc = db_begin(e->db)) != 0)
		goto fail;
	if (name != NULL && (rc = db_run(e->db, Q_SUB_RENAME, (struct db_param[]){ DB_S(name),
	    DB_S(now), DB_I(sub_id) }, 3, NULL)) != 0)
		goto fail;
	if (auto_renew >= 0) {
		if ((rc = db_run(e->db, Q_SUB_AUTORENEW, (struct db_param[]){ DB_I(auto_renew),
		    DB_S(now), DB_I(sub_id), DB_I(auto_renew) }, 4, &r)) != 0)
			goto fail;
		if (r->affected == 1 && (rc = db_run(e->db, Q_SUB_EVENT_INSERT, (struct db_param[]){
		    DB_I(sub_id), DB_S(auto_renew ? "auto_renew_on" : "auto_renew_off"), DB_NUL,
		    DB_S(e->actor), DB_S(now) }, 5, NULL)) != 0)
			goto fail;
	}
	if ((rc = db_commit(e->db)) != 0)
		goto fail;
	db_res_free(r);
	return 0;
fail:
	db_res_free(r);
	(void)db_rollback(e->db);
	return subs_dberr(err, rc);
}
