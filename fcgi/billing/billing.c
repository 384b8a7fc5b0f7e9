/*
 * Billing module: pro-rata and VAT arithmetic, prices, and the money
 * movements (charge, refund, credit) over the ledger (billing.h).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing.h"
#include "billing_int.h"
#include "clock.h"
#include "log.h"

#define SECS_PER_DAY	86400

/* ---- arithmetic ---- */

/* Days since the epoch of t's UTC date (floor, also before 1970). */
static long long
epoch_day(time_t t)
{
	long long	 s = (long long)t;

	return s >= 0 ? s / SECS_PER_DAY : -((-s + SECS_PER_DAY - 1) / SECS_PER_DAY);
}

long long
billing_days_between(time_t from, time_t to)
{
	return epoch_day(to) - epoch_day(from);
}

/*
 * round_half_up(a × b / d) for a >= 0, b >= 0, d > 0, without floating
 * point. -1 when a × b does not fit in 64 bits.
 */
static int
muldiv_half_up(long long a, long long b, long long d, long long *out)
{
	long long	 p, q, r;

	if (b != 0 && a > LLONG_MAX / b)
		return -1;
	p = a * b;
	q = p / d;
	r = p % d;
	/* r < d, so 2 × r cannot overflow for the divisors used here. */
	if (r >= d - r)
		q++;
	*out = q;
	return 0;
}

int
billing_prorata(long long yearly_cents, time_t today, time_t term_end, int term_days,
    long long *cents)
{
	long long	 left;

	if (yearly_cents < 0 || (term_days != 365 && term_days != 366))
		return -1;
	if ((left = billing_days_between(today, term_end)) < 0)
		return -1;
	/* A term that starts later never costs more than a year. */
	if (left > term_days)
		left = term_days;
	return muldiv_half_up(yearly_cents, left, term_days, cents);
}

int
billing_vat(long long net_cents, long long vat_bp, long long *vat)
{
	long long	 v;

	if (net_cents < 0 || vat_bp < 0 || vat_bp > 10000)
		return -1;
	if (muldiv_half_up(net_cents, vat_bp, 10000, &v) == -1)
		return -1;
	if (v > LLONG_MAX - net_cents)
		return -1;	/* gross must fit too */
	*vat = v;
	return 0;
}

/* ---- names ---- */

const char *const billing_kind_names[BILLING_KIND__MAX] = {
	[BILLING_CHARGE] = "charge",
	[BILLING_REFUND] = "refund",
	[BILLING_CREDIT] = "credit",
};

const char *const billing_type_names[BILLING_TYPE__MAX] = {
	[BILLING_DEPOSIT] = "deposit",
	[BILLING_MONTHLY] = "monthly",
};

static const char *const rc_text[BILLING_RC__MAX] = {
	[BILLING_OK] = "done",
	[BILLING_EINVAL] = "invalid request: amount, idempotency key or text out of bounds",
	[BILLING_ENOACCOUNT] = "no such account",
	[BILLING_ENOPRODUCT] = "no such product",
	[BILLING_EKIND] = "not possible for this type of account",
	[BILLING_EFUNDS] = "insufficient funds: the deposit balance does not cover the amount "
	    "including VAT; nothing was charged",
	[BILLING_EKEY] = "this idempotency key was already used for a different movement",
	[BILLING_EBUSY] = "the account is busy; try again",
	[BILLING_EDOWN] = "database unreachable; nothing was charged",
	[BILLING_EDB] = "database error; nothing was charged",
};

const char *
billing_strerror(enum billing_rc rc)
{
	if ((unsigned int)rc >= BILLING_RC__MAX)
		return "unknown billing outcome";
	return rc_text[rc];
}

static int
name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* ---- SQL: every statement of the module ---- */

enum bstmt {
	BQ_ACCOUNT_GET,
	BQ_ACCOUNT_LOCK,
	BQ_BALANCE_ADD,
	BQ_PRICE,
	BQ_LEDGER_BY_KEY,
	BQ_LEDGER_INSERT,
	BQ_LEDGER_PAGE,
	BQ_LEDGER_FIND,
	BQ_INVOICE_OPEN,
	BQ_INVOICE_INSERT,
	BQ_INVOICE_ADD,
	BQ_LINE_INSERT,
	BQ_CHARGE_BY_KEY,
	BQ_CHARGE_OF_DOMAIN,
	BQ_REFUNDED,
	BQ_CHECK_COUNTS,
	BQ_CHECK_BALANCES,
	BQ_CHECK_INVOICES,
	BQ_CHECK_LINES,
	BQ_CHECK_REFUNDS,
	BQ__MAX
};

#define ACCOUNT_COLS	"id, kind, vat_bp, balance_cents, currency FROM accounts WHERE id = ?"

static const char *const billing_sql[BQ__MAX] = {
	[BQ_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS,
	/* Serialises every movement of one account, retries included. */
	[BQ_ACCOUNT_LOCK] = "SELECT " ACCOUNT_COLS " FOR UPDATE",
	[BQ_BALANCE_ADD] =
	    "UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ?",
	[BQ_PRICE] =
	    "SELECT COALESCE(ap.price_cents, p.list_price_cents) FROM products p "
	    "LEFT JOIN account_prices ap ON ap.product_code = p.code AND ap.account_id = ? "
	    "WHERE p.code = ?",
	/*
	 * No FOR UPDATE here nor on invoices: the account row lock already
	 * serialises the account's movements, and gap locks on a missing
	 * key would deadlock two accounts inserting at once. The first
	 * consistent read of the transaction comes after the account lock
	 * is granted, so it sees what the attempt we waited for committed.
	 */
	[BQ_LEDGER_BY_KEY] =
	    "SELECT id, account_id, kind, net_cents, vat_bp, vat_cents, gross_cents, "
	    "invoice_id FROM ledger WHERE idempotency_key = ?",
	[BQ_LEDGER_INSERT] =
	    "INSERT INTO ledger (account_id, kind, net_cents, vat_bp, vat_cents, gross_cents, "
	    "currency, product_code, subscription_ref, domain_ref, upstream_order, "
	    "upstream_cost_cents, reference, idempotency_key, invoice_id, refund_of, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[BQ_LEDGER_PAGE] =
	    "SELECT id, kind, net_cents, vat_bp, vat_cents, gross_cents, currency, "
	    "product_code, subscription_ref, domain_ref, upstream_order, idempotency_key, "
	    "reference, invoice_id, created_at FROM ledger "
	    "WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?",
	[BQ_LEDGER_FIND] =
	    "SELECT id, kind, net_cents, vat_bp, vat_cents, gross_cents, currency, "
	    "product_code, subscription_ref, domain_ref, upstream_order, idempotency_key, "
	    "reference, invoice_id, created_at FROM ledger WHERE idempotency_key = ?",
	[BQ_INVOICE_OPEN] =
	    "SELECT id FROM invoices WHERE account_id = ? AND open_period = ?",
	[BQ_INVOICE_INSERT] =
	    "INSERT INTO invoices (account_id, period, status, created_at) "
	    "VALUES (?, ?, 'open', ?)",
	[BQ_INVOICE_ADD] =
	    "UPDATE invoices SET net_cents = net_cents + ?, vat_cents = vat_cents + ?, "
	    "gross_cents = gross_cents + ? WHERE id = ? AND status = 'open'",
	[BQ_LINE_INSERT] =
	    "INSERT INTO invoice_lines (invoice_id, ledger_id, description, net_cents, "
	    "vat_cents, gross_cents) VALUES (?, ?, ?, ?, ?, ?)",
	/* The charge a refund gives back (columns of CHARGE_COLS). */
#define CHARGE_COLS "SELECT id, account_id, kind, net_cents, vat_bp, vat_cents FROM ledger "
	[BQ_CHARGE_BY_KEY] = CHARGE_COLS "WHERE idempotency_key = ?",
	/* Same net first, then the latest: parameters account, sub, domain, net, net. */
	[BQ_CHARGE_OF_DOMAIN] = CHARGE_COLS
	    "WHERE account_id = ? AND subscription_ref = ? AND domain_ref = ? AND kind = 'charge' "
	    "AND net_cents >= ? ORDER BY net_cents = ? DESC, id DESC LIMIT 1",
	[BQ_REFUNDED] =
	    "SELECT COALESCE(SUM(net_cents), 0), COALESCE(SUM(vat_cents), 0) FROM ledger "
	    "WHERE refund_of = ? AND kind = 'refund'",
	/* ---- ledger-check: each query lists what disagrees (at most 1000 rows) ---- */
	[BQ_CHECK_COUNTS] =
	    "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM invoices), "
	    "(SELECT COUNT(*) FROM ledger)",
	[BQ_CHECK_BALANCES] =
	    "SELECT a.id, IF(a.kind = 'deposit', COALESCE(s.signed, 0), 0), a.balance_cents "
	    "FROM accounts a LEFT JOIN (SELECT account_id, SUM(CASE kind WHEN 'charge' THEN "
	    "-gross_cents ELSE gross_cents END) AS signed FROM ledger GROUP BY account_id) s "
	    "ON s.account_id = a.id WHERE a.balance_cents <> "
	    "IF(a.kind = 'deposit', COALESCE(s.signed, 0), 0) ORDER BY a.id LIMIT 1000",
	[BQ_CHECK_INVOICES] =
	    "SELECT i.id, COALESCE(x.g, 0), i.gross_cents FROM invoices i LEFT JOIN "
	    "(SELECT invoice_id, SUM(net_cents) AS n, SUM(vat_cents) AS v, SUM(gross_cents) AS g "
	    "FROM invoice_lines GROUP BY invoice_id) x ON x.invoice_id = i.id "
	    "WHERE i.net_cents <> COALESCE(x.n, 0) OR i.vat_cents <> COALESCE(x.v, 0) "
	    "OR i.gross_cents <> COALESCE(x.g, 0) ORDER BY i.id LIMIT 1000",
#define SIGNED(c) "IF(g.kind = 'charge', 1, -1) * g." c
	[BQ_CHECK_LINES] =
	    "SELECT g.id, " SIGNED("gross_cents") ", COALESCE(il.gross_cents, 0) FROM ledger g "
	    "JOIN accounts a ON a.id = g.account_id "
	    "LEFT JOIN invoice_lines il ON il.ledger_id = g.id "
	    "WHERE (a.kind = 'monthly' AND g.kind <> 'credit' AND (il.id IS NULL "
	    "OR g.invoice_id IS NULL OR il.invoice_id <> g.invoice_id "
	    "OR il.net_cents <> " SIGNED("net_cents") " OR il.vat_cents <> " SIGNED("vat_cents")
	    " OR il.gross_cents <> " SIGNED("gross_cents") ")) "
	    "OR (a.kind = 'deposit' AND il.id IS NOT NULL) ORDER BY g.id LIMIT 1000",
#undef SIGNED
	[BQ_CHECK_REFUNDS] =
	    "SELECT c.id, c.net_cents, SUM(r.net_cents) FROM ledger r "
	    "JOIN ledger c ON c.id = r.refund_of WHERE r.kind = 'refund' "
	    "GROUP BY c.id, c.net_cents, c.kind, c.account_id "
	    "HAVING SUM(r.net_cents) > c.net_cents OR c.kind <> 'charge' "
	    "OR MIN(r.account_id) <> c.account_id OR MAX(r.account_id) <> c.account_id "
	    "ORDER BY c.id LIMIT 1000",
#undef CHARGE_COLS
};

struct db *
billing_db_open(const struct db_conf *conf)
{
	return db_open(conf, billing_sql, BQ__MAX, 0);
}

enum billing_rc
billing_from_db(int rc)
{
	switch (rc) {
	case 0:
		return BILLING_OK;
	case DB_EDOWN:
		return BILLING_EDOWN;
	case DB_ELOCK:
		return BILLING_EBUSY;
	default:
		return BILLING_EDB;
	}
}

/* ---- reads ---- */

/* Fill *a from an ACCOUNT_COLS row; BILLING_EDB on an unknown kind. */
static enum billing_rc
account_row(const struct db_res *r, struct billing_account *a)
{
	int	 t;

	memset(a, 0, sizeof(*a));
	if ((t = name_index(db_cell(r, 0, 1), billing_type_names, BILLING_TYPE__MAX)) < 0) {
		log_error("billing: account %s has an unknown kind", db_cell(r, 0, 0));
		return BILLING_EDB;
	}
	a->id = db_cell_int(r, 0, 0);
	a->type = (enum billing_type)t;
	a->vat_bp = db_cell_int(r, 0, 2);
	a->balance_cents = db_cell_int(r, 0, 3);
	snprintf(a->currency, sizeof(a->currency), "%s", db_cell(r, 0, 4) ? db_cell(r, 0, 4) : "");
	return BILLING_OK;
}

static enum billing_rc
account_read(struct db *db, int stmt, long long id, struct billing_account *a)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	if ((rc = billing_from_db(db_run(db, stmt, (struct db_param[]){ DB_I(id) }, 1, &r))) != BILLING_OK)
		goto out;
	rc = r->nrows == 1 ? account_row(r, a) : BILLING_ENOACCOUNT;
out:
	db_res_free(r);
	return rc;
}

enum billing_rc
billing_account(struct db *db, long long account_id, struct billing_account *a)
{
	return account_read(db, BQ_ACCOUNT_GET, account_id, a);
}

enum billing_rc
billing_price(struct db *db, long long account_id, const char *product_code, long long *cents)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	if (product_code == NULL)
		return BILLING_ENOPRODUCT;
	rc = billing_from_db(db_run(db, BQ_PRICE, (struct db_param[]){ DB_I(account_id),
	    DB_S(product_code) }, 2, &r));
	if (rc != BILLING_OK)
		goto out;
	if (r->nrows != 1) {
		rc = BILLING_ENOPRODUCT;
		goto out;
	}
	*cents = db_cell_int(r, 0, 0);
out:
	db_res_free(r);
	return rc;
}

/* ---- movements ---- */

/* Printable ASCII without spaces, 1..max bytes; NULL allowed only if optional. */
static int
token_ok(const char *s, size_t max, int optional)
{
	size_t	 n;

	if (s == NULL)
		return optional;
	for (n = 0; s[n] != '\0'; n++)
		if (n >= max || s[n] <= ' ' || s[n] > '~')
			return 0;
	return n > 0;
}

static int
text_ok(const char *s)
{
	return s == NULL || strlen(s) <= BILLING_TEXT_MAX;
}

static int
req_ok(const struct billing_req *q)
{
	return q->account_id > 0 && q->net_cents >= 0 &&
	    q->subscription_ref >= 0 && q->domain_ref >= 0 &&
	    token_ok(q->idempotency_key, BILLING_KEY_MAX, 0) &&
	    token_ok(q->product_code, 32, 1) && token_ok(q->upstream_order, 64, 1) &&
	    text_ok(q->description) && text_ok(q->reference) &&
	    token_ok(q->refund_of, BILLING_KEY_MAX, 1);
}

/*
 * The key is already in the ledger (row r): a replay of the same
 * movement fills *res from the first outcome, anything else is EKEY.
 */
static enum billing_rc
replay(const struct db_res *r, const struct billing_req *q, enum billing_kind kind,
    const struct billing_account *a, struct billing_result *res)
{
	if (db_cell_int(r, 0, 1) != q->account_id ||
	    name_index(db_cell(r, 0, 2), billing_kind_names, BILLING_KIND__MAX) != (int)kind ||
	    db_cell_int(r, 0, 3) != q->net_cents)
		return BILLING_EKEY;
	res->ledger_id = db_cell_int(r, 0, 0);
	res->replay = 1;
	res->kind = kind;
	res->net_cents = db_cell_int(r, 0, 3);
	res->vat_bp = db_cell_int(r, 0, 4);
	res->vat_cents = db_cell_int(r, 0, 5);
	res->gross_cents = db_cell_int(r, 0, 6);
	res->invoice_id = db_cell_int(r, 0, 7);
	res->balance_cents = a->balance_cents;
	return BILLING_OK;
}

/* The open invoice of the clock's month for the account, created on demand. */
static enum billing_rc
open_invoice(struct db *db, long long account_id, const char *now, long long *id)
{
	struct db_res	*r = NULL;
	char		 period[8];
	enum billing_rc	 rc;

	snprintf(period, sizeof(period), "%.7s", now);	/* "YYYY-MM" of "YYYY-MM-DD ..." */
	rc = billing_from_db(db_run(db, BQ_INVOICE_OPEN, (struct db_param[]){ DB_I(account_id),
	    DB_S(period) }, 2, &r));
	if (rc != BILLING_OK)
		goto out;
	if (r->nrows == 1) {
		*id = db_cell_int(r, 0, 0);
		goto out;
	}
	db_res_free(r);
	r = NULL;
	rc = billing_from_db(db_run(db, BQ_INVOICE_INSERT, (struct db_param[]){ DB_I(account_id),
	    DB_S(period), DB_S(now) }, 3, &r));
	if (rc == BILLING_OK)
		*id = (long long)r->insert_id;
out:
	db_res_free(r);
	return rc;
}

static enum billing_rc
ledger_insert(struct db *db, const struct billing_req *q, enum billing_kind kind,
    const struct billing_account *a, const struct billing_result *res, const char *now,
    long long *id)
{
	struct db_res	*r = NULL;
	int		 drc;

	drc = db_run(db, BQ_LEDGER_INSERT, (struct db_param[]){ DB_I(q->account_id),
	    DB_S(billing_kind_names[kind]), DB_I(res->net_cents), DB_I(res->vat_bp),
	    DB_I(res->vat_cents), DB_I(res->gross_cents), DB_S(a->currency),
	    DB_SN(q->product_code),
	    q->subscription_ref > 0 ? DB_I(q->subscription_ref) : DB_NUL,
	    q->domain_ref > 0 ? DB_I(q->domain_ref) : DB_NUL,
	    DB_SN(q->upstream_order),
	    q->upstream_cost_cents >= 0 ? DB_I(q->upstream_cost_cents) : DB_NUL,
	    DB_SN(q->reference), DB_S(q->idempotency_key),
	    res->invoice_id > 0 ? DB_I(res->invoice_id) : DB_NUL,
	    res->refund_of > 0 ? DB_I(res->refund_of) : DB_NUL, DB_S(now) }, 17, &r);
	if (drc == 0)
		*id = (long long)r->insert_id;
	db_res_free(r);
	/* The account lock serialises one account's keys: a duplicate here is
	 * another account's movement that holds this key. */
	return drc == DB_EDUP ? BILLING_EKEY : billing_from_db(drc);
}

/* Deposit: move the balance by gross, in the direction of kind. */
static enum billing_rc
move_balance(struct db *db, enum billing_kind kind, const struct billing_account *a,
    struct billing_result *res)
{
	long long	 delta = kind == BILLING_CHARGE ? -res->gross_cents : res->gross_cents;

	if (kind == BILLING_CHARGE && a->balance_cents < res->gross_cents)
		return BILLING_EFUNDS;
	if (delta > 0 && a->balance_cents > LLONG_MAX - delta)
		return BILLING_EINVAL;
	res->balance_cents = a->balance_cents + delta;
	return billing_from_db(db_run(db, BQ_BALANCE_ADD, (struct db_param[]){ DB_I(delta),
	    DB_I(a->id) }, 2, NULL));
}

/* Monthly: the line of ledger row res->ledger_id, negative for a refund. */
static enum billing_rc
add_line(struct db *db, const struct billing_req *q, enum billing_kind kind,
    const struct billing_result *res)
{
	long long	 s = kind == BILLING_CHARGE ? 1 : -1;
	const char	*desc = q->description;
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	if (desc == NULL)
		desc = q->product_code != NULL ? q->product_code : billing_kind_names[kind];
	rc = billing_from_db(db_run(db, BQ_LINE_INSERT, (struct db_param[]){ DB_I(res->invoice_id),
	    DB_I(res->ledger_id), DB_S(desc), DB_I(s * res->net_cents),
	    DB_I(s * res->vat_cents), DB_I(s * res->gross_cents) }, 6, NULL));
	if (rc != BILLING_OK)
		return rc;
	rc = billing_from_db(db_run(db, BQ_INVOICE_ADD, (struct db_param[]){ DB_I(s * res->net_cents),
	    DB_I(s * res->vat_cents), DB_I(s * res->gross_cents), DB_I(res->invoice_id) },
	    4, &r));
	/* Closed meanwhile by a job that skipped the account lock: retry. */
	if (rc == BILLING_OK && r->affected != 1)
		rc = BILLING_EBUSY;
	db_res_free(r);
	return rc;
}

/*
 * A refund's VAT (issue #16 item 5): the rate and amounts of the charge
 * it gives back (billing.h, billing_refund). Sets res->vat_bp,
 * res->vat_cents and res->refund_of; BILLING_EINVAL when the named
 * charge is not one of this account's charges or would be refunded above
 * its net.
 */
static enum billing_rc
refund_vat(struct db *db, const struct billing_req *q, const struct billing_account *a,
    struct billing_result *res)
{
	struct db_res	*r = NULL;
	long long	 c_net, c_vat, r_net, r_vat, vat;
	enum billing_rc	 rc;

	res->vat_bp = a->vat_bp;
	if (q->refund_of != NULL)
		rc = billing_from_db(db_run(db, BQ_CHARGE_BY_KEY, (struct db_param[]){
		    DB_S(q->refund_of) }, 1, &r));
	else if (q->subscription_ref > 0 && q->domain_ref > 0)
		rc = billing_from_db(db_run(db, BQ_CHARGE_OF_DOMAIN, (struct db_param[]){
		    DB_I(a->id), DB_I(q->subscription_ref), DB_I(q->domain_ref),
		    DB_I(q->net_cents), DB_I(q->net_cents) }, 5, &r));
	else
		goto rate;	/* nothing to mirror: the account's rate */
	if (rc != BILLING_OK)
		goto out;
	if (r->nrows != 1) {
		if (q->refund_of != NULL) {
			rc = BILLING_EINVAL;
			goto out;
		}
		db_res_free(r);	/* no charge of that domain: the account's rate */
		r = NULL;
		goto rate;
	}
	if (db_cell_int(r, 0, 1) != a->id || strcmp(db_cell(r, 0, 2), "charge") != 0) {
		rc = BILLING_EINVAL;
		goto out;
	}
	res->refund_of = db_cell_int(r, 0, 0);
	res->vat_bp = db_cell_int(r, 0, 4);
	c_net = db_cell_int(r, 0, 3);
	c_vat = db_cell_int(r, 0, 5);
	db_res_free(r);
	r = NULL;
	if ((rc = billing_from_db(db_run(db, BQ_REFUNDED, (struct db_param[]){
	    DB_I(res->refund_of) }, 1, &r))) != BILLING_OK)
		goto out;
	r_net = db_cell_int(r, 0, 0);
	r_vat = db_cell_int(r, 0, 1);
	if (q->net_cents > c_net - r_net) {
		log_warn("billing: refund %s of %lld cents exceeds what is left of charge %lld "
		    "(%lld of %lld)", q->idempotency_key, q->net_cents, res->refund_of,
		    c_net - r_net, c_net);
		rc = BILLING_EINVAL;
		goto out;
	}
	if (q->net_cents == c_net - r_net) {
		/* The last of the charge: exactly its VAT, less what went back already. */
		res->vat_cents = c_vat - r_vat;
		rc = res->vat_cents >= 0 ? BILLING_OK : BILLING_EINVAL;
		goto out;
	}
	if (billing_vat(q->net_cents, res->vat_bp, &vat) == -1) {
		rc = BILLING_EINVAL;
		goto out;
	}
	res->vat_cents = vat < c_vat - r_vat ? vat : c_vat - r_vat;
	goto out;
rate:
	rc = billing_vat(q->net_cents, res->vat_bp, &res->vat_cents) == -1 ?
	    BILLING_EINVAL : BILLING_OK;
out:
	db_res_free(r);
	return rc;
}

/*
 * The steps of one movement, inside the caller's transaction and after
 * the account row is locked (a). Nothing is left half-done because the
 * caller rolls back on anything but BILLING_OK.
 */
static enum billing_rc
move_locked(struct db *db, const struct billing_req *q, enum billing_kind kind,
    const struct billing_account *a, struct billing_result *res)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	long long	 price;
	enum billing_rc	 rc;

	if (kind == BILLING_CREDIT && a->type != BILLING_DEPOSIT)
		return BILLING_EKIND;
	rc = billing_from_db(db_run(db, BQ_LEDGER_BY_KEY, (struct db_param[]){
	    DB_S(q->idempotency_key) }, 1, &r));
	if (rc != BILLING_OK || r->nrows == 1) {
		if (rc == BILLING_OK)
			rc = replay(r, q, kind, a, res);
		db_res_free(r);
		return rc;
	}
	db_res_free(r);
	if (q->product_code != NULL &&
	    (rc = billing_price(db, a->id, q->product_code, &price)) != BILLING_OK)
		return rc;
	res->kind = kind;
	res->net_cents = q->net_cents;
	if (kind == BILLING_REFUND) {
		if ((rc = refund_vat(db, q, a, res)) != BILLING_OK)
			return rc;
	} else if (q->refund_of != NULL)
		return BILLING_EINVAL;
	else {
		res->vat_bp = kind == BILLING_CREDIT ? 0 : a->vat_bp;
		if (billing_vat(res->net_cents, res->vat_bp, &res->vat_cents) == -1)
			return BILLING_EINVAL;
	}
	res->gross_cents = res->net_cents + res->vat_cents;
	res->balance_cents = a->balance_cents;
	clock_sql(clock_now(), now);
	if (a->type == BILLING_DEPOSIT)
		rc = move_balance(db, kind, a, res);
	else
		rc = open_invoice(db, a->id, now, &res->invoice_id);
	if (rc == BILLING_OK)
		rc = ledger_insert(db, q, kind, a, res, now, &res->ledger_id);
	if (rc == BILLING_OK && a->type == BILLING_MONTHLY)
		rc = add_line(db, q, kind, res);
	return rc;
}

/*
 * n movements of one kind on one account as one transaction (DESIGN.md
 * §4: never twice, never half): the account row is locked once and each
 * movement sees the balance the previous one left.
 */
static enum billing_rc
move(struct db *db, const struct billing_req *q, size_t n, enum billing_kind kind,
    struct billing_result *res)
{
	struct billing_account	 a;
	enum billing_rc		 rc = BILLING_EINVAL;
	int			 begun = 0;

	if (n == 0 || n > BILLING_BATCH_MAX)
		return BILLING_EINVAL;
	memset(res, 0, n * sizeof(*res));
	for (size_t i = 0; i < n; i++)
		if (!req_ok(&q[i]) || q[i].account_id != q[0].account_id)
			return BILLING_EINVAL;
	if ((rc = billing_from_db(db_begin(db))) != BILLING_OK)
		goto out;
	begun = 1;
	if ((rc = account_read(db, BQ_ACCOUNT_LOCK, q[0].account_id, &a)) != BILLING_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = move_locked(db, &q[i], kind, &a, &res[i])) != BILLING_OK)
			goto out;
		a.balance_cents = res[i].balance_cents;
	}
	if ((rc = billing_from_db(db_commit(db))) != BILLING_OK)
		goto out;
	begun = 0;
out:
	if (begun)
		(void)db_rollback(db);
	if (rc != BILLING_OK)
		memset(res, 0, n * sizeof(*res));
	return rc;
}

enum billing_rc
billing_charge(struct db *db, const struct billing_req *q, struct billing_result *res)
{
	return move(db, q, 1, BILLING_CHARGE, res);
}

enum billing_rc
billing_charge_batch(struct db *db, const struct billing_req *q, size_t n,
    struct billing_result *res)
{
	return move(db, q, n, BILLING_CHARGE, res);
}

enum billing_rc
billing_refund(struct db *db, const struct billing_req *q, struct billing_result *res)
{
	return move(db, q, 1, BILLING_REFUND, res);
}

enum billing_rc
billing_credit(struct db *db, const struct billing_req *q, struct billing_result *res)
{
	return move(db, q, 1, BILLING_CREDIT, res);
}

/* ---- reading the ledger ---- */

static void
copy_cell(char *dst, size_t sz, const struct db_res *r, size_t row, size_t col)
{
	const char	*s = db_cell(r, row, col);

	snprintf(dst, sz, "%s", s != NULL ? s : "");
}

static enum billing_rc
entry_row(const struct db_res *r, size_t i, struct billing_entry *e)
{
	int	 k;

	memset(e, 0, sizeof(*e));
	if ((k = name_index(db_cell(r, i, 1), billing_kind_names, BILLING_KIND__MAX)) < 0)
		return BILLING_EDB;
	e->id = db_cell_int(r, i, 0);
	e->kind = (enum billing_kind)k;
	e->net_cents = db_cell_int(r, i, 2);
	e->vat_bp = db_cell_int(r, i, 3);
	e->vat_cents = db_cell_int(r, i, 4);
	e->gross_cents = db_cell_int(r, i, 5);
	copy_cell(e->currency, sizeof(e->currency), r, i, 6);
	copy_cell(e->product_code, sizeof(e->product_code), r, i, 7);
	e->subscription_ref = db_cell_int(r, i, 8);
	e->domain_ref = db_cell_int(r, i, 9);
	copy_cell(e->upstream_order, sizeof(e->upstream_order), r, i, 10);
	copy_cell(e->idempotency_key, sizeof(e->idempotency_key), r, i, 11);
	copy_cell(e->reference, sizeof(e->reference), r, i, 12);
	e->invoice_id = db_cell_int(r, i, 13);
	copy_cell(e->created_at, sizeof(e->created_at), r, i, 14);
	return BILLING_OK;
}

enum billing_rc
billing_ledger(struct db *db, long long account_id, long long after_id,
    struct billing_entry *out, size_t max, size_t *n)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	*n = 0;
	if (max == 0 || max > BILLING_PAGE_MAX || after_id < 0)
		return BILLING_EINVAL;
	rc = billing_from_db(db_run(db, BQ_LEDGER_PAGE, (struct db_param[]){ DB_I(account_id),
	    DB_I(after_id), DB_I(max) }, 3, &r));
	for (size_t i = 0; rc == BILLING_OK && i < r->nrows && i < max; i++)
		if ((rc = entry_row(r, i, &out[i])) == BILLING_OK)
			*n = i + 1;
	db_res_free(r);
	return rc;
}

enum billing_rc
billing_find(struct db *db, const char *key, struct billing_entry *e)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	memset(e, 0, sizeof(*e));
	if (!token_ok(key, BILLING_KEY_MAX, 0))
		return BILLING_EINVAL;
	rc = billing_from_db(db_run(db, BQ_LEDGER_FIND, (struct db_param[]){ DB_S(key) }, 1, &r));
	if (rc == BILLING_OK)
		rc = r->nrows == 1 ? entry_row(r, 0, e) : BILLING_ENOACCOUNT;
	db_res_free(r);
	return rc;
}

/* ---- ledger-check ---- */

/* Report every row of one check query (id, expected, found) through cb. */
static enum billing_rc
check_rows(struct db *db, int stmt, enum billing_check_kind k, billing_check_cb cb,
    void *arg, struct billing_check_summary *s)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	if ((rc = billing_from_db(db_run(db, stmt, NULL, 0, &r))) != BILLING_OK)
		goto out;
	for (size_t i = 0; i < r->nrows; i++) {
		cb(arg, k, db_cell_int(r, i, 0), db_cell_int(r, i, 1), db_cell_int(r, i, 2));
		s->problems++;
	}
out:
	db_res_free(r);
	return rc;
}

enum billing_rc
billing_check(struct db *db, billing_check_cb cb, void *arg, struct billing_check_summary *s)
{
	static const int	 stmts[BILLING_CHECK__MAX] = {
		[BILLING_CHECK_BALANCE] = BQ_CHECK_BALANCES,
		[BILLING_CHECK_INVOICE] = BQ_CHECK_INVOICES,
		[BILLING_CHECK_LINE] = BQ_CHECK_LINES,
		[BILLING_CHECK_REFUND] = BQ_CHECK_REFUNDS,
	};
	struct db_res	*r = NULL;
	enum billing_rc	 rc;
	int		 begun = 0;

	memset(s, 0, sizeof(*s));
	/* One snapshot (REPEATABLE READ): a movement committing meanwhile is seen by all checks or none. */
	if ((rc = billing_from_db(db_begin(db))) != BILLING_OK)
		goto out;
	begun = 1;
	if ((rc = billing_from_db(db_run(db, BQ_CHECK_COUNTS, NULL, 0, &r))) != BILLING_OK)
		goto out;
	s->accounts = db_cell_int(r, 0, 0);
	s->invoices = db_cell_int(r, 0, 1);
	s->ledger_rows = db_cell_int(r, 0, 2);
	for (int k = 0; k < BILLING_CHECK__MAX; k++)
		if ((rc = check_rows(db, stmts[k], (enum billing_check_kind)k, cb, arg, s)) !=
		    BILLING_OK)
			goto out;
out:
	db_res_free(r);
	if (begun)
		(void)db_rollback(db);
	return rc;
}
