/*
 * Monthly invoices: closing with gap-free numbers, and reads for the
 * invoice pages (invoices.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "billing_int.h"
#include "invoices.h"
#include "log.h"

const char *const invoice_status_names[INVOICE_STATUS__MAX] = {
	[INVOICE_OPEN] = "open",
	[INVOICE_CLOSED] = "closed",
};

/* ---- SQL: every statement of the invoices part of the module ---- */

enum istmt {
	IQ_CANDIDATES,
	IQ_TAKE,
	IQ_LINE_SUMS,
	IQ_COUNTER_BUMP,
	IQ_COUNTER_GET,
	IQ_CLOSE,
	IQ_GET,
	IQ_LIST_ACCOUNT,
	IQ_LIST_ALL,
	IQ_COUNT_ACCOUNT,
	IQ_COUNT_ALL,
	IQ_LINES,
	IQ__MAX
};

#define INVOICE_COLS \
	"i.id, i.account_id, a.name, i.period, i.status, COALESCE(i.number, ''), " \
	"i.net_cents, i.vat_cents, i.gross_cents, a.currency, i.created_at, " \
	"COALESCE(i.closed_at, '') FROM invoices i JOIN accounts a ON a.id = i.account_id "

/* Open invoices of past months read per batch, oldest period first. */
#define CANDIDATES	100
#define CANDIDATES_S	"100"

static const char *const invoices_sql[IQ__MAX] = {
	/*
	 * A batch of open invoices of past months after the cursor
	 * (period, id); a plain read, no lock: each is then taken alone.
	 */
	[IQ_CANDIDATES] =
	    "SELECT id, period FROM invoices "
	    "WHERE status = 'open' AND period < ? AND (period > ? OR (period = ? AND id > ?)) "
	    "ORDER BY status, period, id LIMIT " CANDIDATES_S,
	/*
	 * Take one by primary key, so exactly that row is locked (a range
	 * scan FOR UPDATE may lock every row it reads, and a concurrent run
	 * would then skip them all); held by another run, or by a movement
	 * adding a line, it is skipped; closed meanwhile, it is gone.
	 */
	[IQ_TAKE] =
	    "SELECT id, period, net_cents, vat_cents, gross_cents FROM invoices "
	    "WHERE id = ? AND status = 'open' FOR UPDATE SKIP LOCKED",
	[IQ_LINE_SUMS] =
	    "SELECT COUNT(*), COALESCE(SUM(net_cents), 0), COALESCE(SUM(vat_cents), 0), "
	    "COALESCE(SUM(gross_cents), 0) FROM invoice_lines WHERE invoice_id = ?",
	/* Creates or bumps the series row, which stays locked until commit. */
	[IQ_COUNTER_BUMP] =
	    "INSERT INTO invoice_counters (series, last_number) VALUES (?, 1) "
	    "ON DUPLICATE KEY UPDATE last_number = last_number + 1",
	[IQ_COUNTER_GET] =
	    "SELECT last_number FROM invoice_counters WHERE series = ? FOR UPDATE",
	[IQ_CLOSE] =
	    "UPDATE invoices SET status = 'closed', number = ?, closed_at = ? "
	    "WHERE id = ? AND status = 'open'",
	[IQ_GET] =
	    "SELECT " INVOICE_COLS "WHERE i.id = ? AND (? = 0 OR i.account_id = ?)",
	[IQ_LIST_ACCOUNT] =
	    "SELECT " INVOICE_COLS "WHERE i.account_id = ? "
	    "ORDER BY i.period DESC, i.id DESC LIMIT ? OFFSET ?",
	[IQ_LIST_ALL] =
	    "SELECT " INVOICE_COLS "ORDER BY i.period DESC, i.id DESC LIMIT ? OFFSET ?",
	[IQ_COUNT_ACCOUNT] =
	    "SELECT COUNT(*) FROM invoices WHERE account_id = ?",
	[IQ_COUNT_ALL] =
	    "SELECT COUNT(*) FROM invoices",
	[IQ_LINES] =
	    "SELECT l.id, l.ledger_id, l.description, l.net_cents, g.vat_bp, l.vat_cents, "
	    "l.gross_cents, g.created_at FROM invoice_lines l JOIN ledger g ON g.id = l.ledger_id "
	    "WHERE l.invoice_id = ? AND l.id > ? ORDER BY l.id LIMIT ?",
};

struct db *
invoices_db_open(const struct db_conf *conf)
{
	return db_open(conf, invoices_sql, IQ__MAX, 0);
}

struct db *
invoices_db_share(struct db *owner)
{
	return db_share(owner, invoices_sql, IQ__MAX);
}

int
invoice_number_fmt(int year, long long n, char *out, size_t outsz)
{
	int	 w;

	if (year < 1970 || year > 9999 || n < 1 || n > 999999999)
		return -1;
	w = snprintf(out, outsz, "%04d-%06lld", year, n);
	return w < 0 || (size_t)w >= outsz ? -1 : 0;
}

/* ---- closing ---- */

/* An open invoice taken for closing, locked. */
struct candidate {
	long long	 id;
	char		 period[8];
	long long	 net, vat, gross;
};

/* 1 and *c when invoice id is still open and free, 0 when not, else < 0. */
static int
take(struct db *db, long long id, struct candidate *c)
{
	struct db_res	*r = NULL;
	int		 rc;

	rc = db_run(db, IQ_TAKE, (struct db_param[]){ DB_I(id) }, 1, &r);
	if (rc == 0 && r->nrows == 1) {
		c->id = db_cell_int(r, 0, 0);
		snprintf(c->period, sizeof(c->period), "%s", db_cell(r, 0, 1));
		c->net = db_cell_int(r, 0, 2);
		c->vat = db_cell_int(r, 0, 3);
		c->gross = db_cell_int(r, 0, 4);
		rc = 1;
	}
	db_res_free(r);
	return rc;
}

/* 1 when the lines add up to the invoice's running totals, 0 if not, else < 0. */
static int
totals_agree(struct db *db, const struct candidate *c)
{
	struct db_res	*r = NULL;
	long long	 n, net, vat, gross;
	int		 rc;

	if ((rc = db_run(db, IQ_LINE_SUMS, (struct db_param[]){ DB_I(c->id) }, 1, &r)) != 0)
		goto out;
	n = db_cell_int(r, 0, 0);
	net = db_cell_int(r, 0, 1);
	vat = db_cell_int(r, 0, 2);
	gross = db_cell_int(r, 0, 3);
	rc = net == c->net && vat == c->vat && gross == c->gross && gross == net + vat;
	if (!rc)
		log_error("invoice %lld (%s): its %lld lines add up to %lld + %lld = %lld, "
		    "its totals say %lld + %lld = %lld; left open", c->id, c->period, n, net,
		    vat, gross, c->net, c->vat, c->gross);
out:
	db_res_free(r);
	return rc;
}

/* The next number of the series, bumped and locked until commit. */
static int
draw_number(struct db *db, time_t now, char *out, size_t outsz)
{
	struct db_res	*r = NULL;
	struct tm	 tm;
	char		 series[16];
	int		 rc;

	gmtime_r(&now, &tm);
	snprintf(series, sizeof(series), "%04d", tm.tm_year + 1900);
	if ((rc = db_run(db, IQ_COUNTER_BUMP, (struct db_param[]){ DB_S(series) }, 1, NULL)) != 0)
		goto out;
	if ((rc = db_run(db, IQ_COUNTER_GET, (struct db_param[]){ DB_S(series) }, 1, &r)) != 0)
		goto out;
	if (r->nrows != 1 ||
	    invoice_number_fmt(tm.tm_year + 1900, db_cell_int(r, 0, 0), out, outsz) == -1) {
		log_error("invoice counter %s: no usable number", series);
		rc = DB_ERR;
	}
out:
	db_res_free(r);
	return rc;
}

/*
 * One transaction: take invoice id, check it, number it, close it.
 * 1 when it was closed (number in out), 2 when refused, 0 when it was
 * skipped (held elsewhere, or no longer open), else a DB_* outcome
 * (rolled back).
 */
static int
close_one(struct db *db, long long id, const char *now_sql, time_t now, char *out,
    size_t outsz)
{
	struct candidate	 c;
	struct db_res		*r = NULL;
	int			 rc, begun = 0;

	if ((rc = db_begin(db)) != 0)
		goto out;
	begun = 1;
	if ((rc = take(db, id, &c)) <= 0)
		goto out;
	if ((rc = totals_agree(db, &c)) <= 0) {
		rc = rc == 0 ? 2 : rc;
		goto out;
	}
	if ((rc = draw_number(db, now, out, outsz)) != 0)
		goto out;
	rc = db_run(db, IQ_CLOSE, (struct db_param[]){ DB_S(out), DB_S(now_sql),
	    DB_I(c.id) }, 3, &r);
	if (rc == 0 && r->affected != 1)
		rc = DB_ERR;	/* cannot happen: the row is locked and was open */
	if (rc != 0 || (rc = db_commit(db)) != 0)
		goto out;
	begun = 0;
	rc = 1;
out:
	db_res_free(r);
	if (begun)
		(void)db_rollback(db);
	return rc;
}

static void
tally(struct close_summary *s, int outcome, const char *number)
{
	if (outcome == 2)
		s->refused++;
	if (outcome != 1)
		return;
	s->closed++;
	if (s->first[0] == '\0')
		snprintf(s->first, sizeof(s->first), "%s", number);
	snprintf(s->last, sizeof(s->last), "%s", number);
}

/* Close the candidates of one batch; the cursor moves past each. */
static int
close_batch(struct db *db, const struct db_res *r, const char *now_sql, time_t now,
    char *cur_period, long long *cur_id, struct close_summary *s)
{
	char	 number[INVOICE_NUMBER_MAX];
	int	 rc = 0;

	for (size_t i = 0; rc >= 0 && i < r->nrows; i++) {
		*cur_id = db_cell_int(r, i, 0);
		snprintf(cur_period, 8, "%s", db_cell(r, i, 1));
		if ((rc = close_one(db, *cur_id, now_sql, now, number, sizeof(number))) >= 0)
			tally(s, rc, number);
	}
	return rc < 0 ? rc : 0;
}

enum billing_rc
billing_close_invoices(struct db *db, time_t now, struct close_summary *s)
{
	struct db_res	*r = NULL;
	char		 month[8], now_sql[CLOCK_SQL_LEN], period[8] = "";
	long long	 id = 0;
	size_t		 got;
	int		 rc;

	memset(s, 0, sizeof(*s));
	clock_sql(now, now_sql);
	snprintf(month, sizeof(month), "%.7s", now_sql);	/* "YYYY-MM" */
	do {
		rc = db_run(db, IQ_CANDIDATES, (struct db_param[]){ DB_S(month), DB_S(period),
		    DB_S(period), DB_I(id) }, 4, &r);
		got = rc == 0 ? r->nrows : 0;
		if (rc == 0)
			rc = close_batch(db, r, now_sql, now, period, &id, s);
		db_res_free(r);
		r = NULL;
	} while (rc == 0 && got == CANDIDATES);
	return billing_from_db(rc);
}

/* ---- reads ---- */

static void
copy_cell(char *dst, size_t sz, const struct db_res *r, size_t row, size_t col)
{
	const char	*v = db_cell(r, row, col);

	snprintf(dst, sz, "%s", v != NULL ? v : "");
}

/* Fill *inv from an INVOICE_COLS row. */
static void
invoice_row(const struct db_res *r, size_t i, struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->id = db_cell_int(r, i, 0);
	inv->account_id = db_cell_int(r, i, 1);
	copy_cell(inv->account_name, sizeof(inv->account_name), r, i, 2);
	copy_cell(inv->period, sizeof(inv->period), r, i, 3);
	inv->status = strcmp(db_cell(r, i, 4), "closed") == 0 ? INVOICE_CLOSED : INVOICE_OPEN;
	copy_cell(inv->number, sizeof(inv->number), r, i, 5);
	inv->net_cents = db_cell_int(r, i, 6);
	inv->vat_cents = db_cell_int(r, i, 7);
	inv->gross_cents = db_cell_int(r, i, 8);
	copy_cell(inv->currency, sizeof(inv->currency), r, i, 9);
	copy_cell(inv->created_at, sizeof(inv->created_at), r, i, 10);
	copy_cell(inv->closed_at, sizeof(inv->closed_at), r, i, 11);
}

enum billing_rc
billing_invoice(struct db *db, long long id, long long account_id, struct invoice *inv)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	memset(inv, 0, sizeof(*inv));
	rc = billing_from_db(db_run(db, IQ_GET, (struct db_param[]){ DB_I(id), DB_I(account_id),
	    DB_I(account_id) }, 3, &r));
	if (rc == BILLING_OK && r->nrows == 1)
		invoice_row(r, 0, inv);
	db_res_free(r);
	return rc;
}

static enum billing_rc
count_invoices(struct db *db, long long account_id, long long *total)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	if (account_id > 0)
		rc = billing_from_db(db_run(db, IQ_COUNT_ACCOUNT, (struct db_param[]){
		    DB_I(account_id) }, 1, &r));
	else
		rc = billing_from_db(db_run(db, IQ_COUNT_ALL, NULL, 0, &r));
	if (rc == BILLING_OK)
		*total = db_cell_int(r, 0, 0);
	db_res_free(r);
	return rc;
}

enum billing_rc
billing_invoices(struct db *db, long long account_id, long long page,
    struct invoice *out, size_t max, size_t *n, long long *total)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	*n = 0;
	*total = 0;
	if (max == 0 || max > INVOICE_PAGE_MAX || page < 0 || page > 1000000)
		return BILLING_EINVAL;
	if ((rc = count_invoices(db, account_id, total)) != BILLING_OK)
		return rc;
	if (account_id > 0)
		rc = billing_from_db(db_run(db, IQ_LIST_ACCOUNT, (struct db_param[]){ DB_I(account_id),
		    DB_I(max), DB_I(page * (long long)max) }, 3, &r));
	else
		rc = billing_from_db(db_run(db, IQ_LIST_ALL, (struct db_param[]){ DB_I(max),
		    DB_I(page * (long long)max) }, 2, &r));
	for (size_t i = 0; rc == BILLING_OK && i < r->nrows && i < max; i++) {
		invoice_row(r, i, &out[i]);
		*n = i + 1;
	}
	db_res_free(r);
	return rc;
}

enum billing_rc
billing_invoice_lines(struct db *db, long long invoice_id, long long after_id,
    struct invoice_line *out, size_t max, size_t *n)
{
	struct db_res	*r = NULL;
	enum billing_rc	 rc;

	*n = 0;
	if (max == 0 || max > INVOICE_LINES_PAGE || after_id < 0)
		return BILLING_EINVAL;
	rc = billing_from_db(db_run(db, IQ_LINES, (struct db_param[]){ DB_I(invoice_id),
	    DB_I(after_id), DB_I(max) }, 3, &r));
	for (size_t i = 0; rc == BILLING_OK && i < r->nrows && i < max; i++) {
		struct invoice_line *l = &out[i];

		memset(l, 0, sizeof(*l));
		l->id = db_cell_int(r, i, 0);
		l->ledger_id = db_cell_int(r, i, 1);
		copy_cell(l->description, sizeof(l->description), r, i, 2);
		l->net_cents = db_cell_int(r, i, 3);
		l->vat_bp = db_cell_int(r, i, 4);
		l->vat_cents = db_cell_int(r, i, 5);
		l->gross_cents = db_cell_int(r, i, 6);
		copy_cell(l->date, sizeof(l->date), r, i, 7);
		*n = i + 1;
	}
	db_res_free(r);
	return rc;
}
