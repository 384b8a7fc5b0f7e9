/*
 * Invoice pages: /invoices (the account's invoices, paginated) and
 * /invoices/{id} (the printable invoice), and their JSON twins for API
 * keys, GET /api/v1/invoices and /api/v1/invoices/{id}. Customers and admins see their
 * own account's invoices only (someone else's is 404); the accounting
 * role sees every account's. The reads go through the billing module
 * (invoices.h) over the worker's connection (invoices_db_share).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center.h"
#include "invoices.h"
#include "log.h"
#include "web/subs_web.h"

#define LIST_PAGE	20

/* The invoice statements over the worker's connection, so they reconnect with it. */
static struct db *
invoices_handle(struct ctx *c)
{
	static struct db	*db;

	if (db == NULL)
		db = invoices_db_share(c->db);
	/* As serve_one does for the worker's handles: a connection that died
	 * while idle (database restart) reconnects instead of failing once. */
	if (db != NULL)
		(void)db_fresh(db);
	return db;
}

static int
status_of(enum billing_rc rc)
{
	return rc == BILLING_EDOWN ? 503 : 500;
}

/* Whose invoices the caller may see: 0 for every account (accounting). */
static long long
scope(const struct ctx *c)
{
	return c->who.role == ROLE_ACCOUNTING ? 0 : c->who.account_id;
}

/* A date or SQL NULL-like "" as an optional model field. */
static void
opt_text(xmlNodePtr parent, const char *name, const char *v)
{
	if (v != NULL && *v != '\0')
		m_text(parent, name, v);
	else
		m_null(parent, name);
}

/*
 * The fields shared by the list and the invoice page, the API's too
 * (GET /api/v1/invoices[/{id}]): print_url is the printable HTML invoice,
 * absolute when public_url is set, else a path under base_path.
 */
static xmlNodePtr
invoice_node(xmlNodePtr parent, const struct center_conf *conf, const struct invoice *inv)
{
	xmlNodePtr	 n = m_obj(parent, "invoice");
	char		 url[700];

	/* public_url includes the base path; without it, a path under base_path. */
	snprintf(url, sizeof(url), "%s/invoices/%lld", conf->public_url != NULL ?
	    conf->public_url : conf->base_path, inv->id);

	m_int(n, "id", inv->id);
	opt_text(n, "number", inv->number);
	m_text(n, "status", invoice_status_names[inv->status]);
	m_bool(n, "draft", inv->status == INVOICE_OPEN);
	m_text(n, "period", inv->period);
	m_int(n, "account_id", inv->account_id);
	m_text(n, "account_name", inv->account_name);
	opt_text(n, "issued_at", inv->closed_at);
	m_int(n, "net_cents", inv->net_cents);
	m_int(n, "vat_cents", inv->vat_cents);
	m_int(n, "gross_cents", inv->gross_cents);
	m_text(n, "currency", inv->currency);
	m_text(n, "print_url", url);
	return n;
}

/* ?page=N (1-based, default 1); 0 when absent or malformed. */
static long long
page_param(const struct ctx *c)
{
	const char	*s = kv_get(&c->req->qs, "page");
	char		*end;
	long long	 v;

	if (s == NULL)
		return 1;
	v = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' && v >= 1 && v <= 100000 ? v : 0;
}

static void
pagination(xmlNodePtr root, long long page, long long total)
{
	xmlNodePtr	 p = m_obj(root, "pagination");
	long long	 pages = total == 0 ? 1 : (total + LIST_PAGE - 1) / LIST_PAGE;

	m_int(p, "page", page);
	m_int(p, "pages", pages);
	m_int(p, "per_page", LIST_PAGE);
	m_int(p, "total", total);
}

int
h_invoices(struct ctx *c)
{
	struct invoice	*inv = NULL;
	struct model	*m = NULL;
	struct db	*db;
	xmlNodePtr	 list;
	long long	 page, total;
	size_t		 n;
	enum billing_rc	 brc;
	int		 rc = 500;
	static const char *const params[] = { "page", NULL };

	if (c->api && web_query_only(c, params) != 0)
		return 0;
	if ((page = page_param(c)) == 0) {
		page_error(c, 400, "err.page", "page");
		return 0;
	}
	if ((inv = calloc(LIST_PAGE, sizeof(*inv))) == NULL ||
	    (db = invoices_handle(c)) == NULL)
		goto out;
	brc = billing_invoices(db, scope(c), page - 1, inv, LIST_PAGE, &n, &total);
	if (brc != BILLING_OK) {
		rc = status_of(brc);
		goto out;
	}
	if ((m = page_new(c, "invoices")) == NULL)
		goto out;
	m_bool(m->root, "all_accounts", scope(c) == 0);
	list = m_list(m->root, "invoices");
	for (size_t i = 0; i < n; i++)
		invoice_node(list, c->conf, &inv[i]);
	pagination(m->root, page, total);
	page_send(c, m, 200);
	m = NULL;
	rc = 0;
out:
	model_free(m);
	free(inv);
	return rc;
}

#define DAY_LEN	16

/* "YYYY-MM" → its first and last day, "YYYY-MM-DD". */
static void
period_days(const char *period, char first[DAY_LEN], char last[DAY_LEN])
{
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			 y = 0, mo = 1, d;

	if (sscanf(period, "%4d-%2d", &y, &mo) != 2 || mo < 1 || mo > 12)
		mo = 1;
	d = mdays[mo - 1] + (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
	snprintf(first, DAY_LEN, "%04d-%02d-01", y, mo);
	snprintf(last, DAY_LEN, "%04d-%02d-%02d", y, mo, d);
}

static void
parties(xmlNodePtr root, const struct center_conf *conf, const struct invoice *inv)
{
	xmlNodePtr	 s = m_obj(root, "seller"), b = m_obj(root, "customer");

	m_text(s, "name", conf->invoice_seller_name);
	opt_text(s, "address", conf->invoice_seller_address);
	opt_text(s, "vat_id", conf->invoice_seller_vat_id);
	m_int(b, "id", inv->account_id);
	m_text(b, "name", inv->account_name);
}

/* Every line, read in keyset pages; their sums are checked against the totals. */
static enum billing_rc
lines_node(struct db *db, xmlNodePtr inv_node, const struct invoice *inv)
{
	struct invoice_line	*l;
	xmlNodePtr		 list = m_list(inv_node, "lines"), n;
	long long		 after = 0, net = 0, vat = 0, gross = 0;
	size_t			 got;
	enum billing_rc		 rc;

	if ((l = calloc(INVOICE_LINES_PAGE, sizeof(*l))) == NULL)
		return BILLING_EDB;
	do {
		rc = billing_invoice_lines(db, inv->id, after, l, INVOICE_LINES_PAGE, &got);
		for (size_t i = 0; rc == BILLING_OK && i < got; i++) {
			n = m_obj(list, "line");
			m_text(n, "description", l[i].description);
			m_text(n, "date", l[i].date);
			m_int(n, "vat_bp", l[i].vat_bp);
			m_int(n, "net_cents", l[i].net_cents);
			m_int(n, "vat_cents", l[i].vat_cents);
			m_int(n, "gross_cents", l[i].gross_cents);
			net += l[i].net_cents;
			vat += l[i].vat_cents;
			gross += l[i].gross_cents;
			after = l[i].id;
		}
	} while (rc == BILLING_OK && got == INVOICE_LINES_PAGE);
	free(l);
	if (rc == BILLING_OK && (net != inv->net_cents || vat != inv->vat_cents ||
	    gross != inv->gross_cents))
		log_error("invoice %lld: lines add up to %lld/%lld/%lld, totals say %lld/%lld/%lld",
		    inv->id, net, vat, gross, inv->net_cents, inv->vat_cents, inv->gross_cents);
	return rc;
}

int
h_invoice(struct ctx *c)
{
	struct invoice	 inv;
	struct model	*m = NULL;
	struct db	*db;
	xmlNodePtr	 n;
	char		 first[DAY_LEN], last[DAY_LEN];
	enum billing_rc	 brc;
	int		 rc = 500;
	static const char *const params[] = { NULL };

	if (c->api && web_query_only(c, params) != 0)
		return 0;
	if ((db = invoices_handle(c)) == NULL)
		goto out;
	if ((brc = billing_invoice(db, c->ids[0], scope(c), &inv)) != BILLING_OK) {
		rc = status_of(brc);
		goto out;
	}
	if (inv.id == 0) {
		rc = 404;
		goto out;
	}
	if ((m = page_new(c, "invoice")) == NULL)
		goto out;
	n = invoice_node(m->root, c->conf, &inv);
	period_days(inv.period, first, last);
	m_text(n, "period_start", first);
	m_text(n, "period_end", last);
	parties(n, c->conf, &inv);
	if ((brc = lines_node(db, n, &inv)) != BILLING_OK) {
		rc = status_of(brc);
		goto out;
	}
	page_send(c, m, 200);
	m = NULL;
	rc = 0;
out:
	model_free(m);
	return rc;
}
