/*
 * Page handlers of the ACME CaaS module: each reads the account's rows
 * (always scoped by the caller's account id) and builds one model.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "center.h"
#include "crypto.h"
#include "web/subs_web.h"
#include "log.h"

static const char *const levels[] = { "DV", "OV", "QWAC" };
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static int
db_status(int rc)
{
	return rc == DB_EDOWN ? 503 : 500;
}

int
h_home(struct ctx *c)
{
	/* Accounting staff have no subscriptions: their work starts at the invoices. */
	resp_redirect(c->req, c->who.authenticated && c->who.role == ROLE_ACCOUNTING ?
	    "/invoices" : "/acme");
	return 0;
}

/* 200 only when the database answers: load balancers take us out otherwise. */
int
h_healthz(struct ctx *c)
{
	static const char ok[] = "ok\n", down[] = "database unreachable\n";

	resp_header(c->req, "Cache-Control", "no-store");
	if (db_ping(c->db) == 0)
		resp_send(c->req, 200, "text/plain; charset=utf-8", ok, sizeof(ok) - 1);
	else
		resp_send(c->req, 503, "text/plain; charset=utf-8", down, sizeof(down) - 1);
	return 0;
}

void
account_node(struct ctx *c, xmlNodePtr parent)
{
	xmlNodePtr	 a = m_obj(parent, "account");

	m_int(a, "id", c->who.account_id);
	m_text(a, "name", c->who.account_name);
	m_text(a, "type", c->who.account_kind);
	m_int(a, "balance_cents", c->who.balance_cents);
	m_text(a, "currency", c->who.currency);
}

/*
 * The creation form: each validation level with its products priced at
 * this account's rates, and the organizations whose pre-validation for
 * that level is approved (OV and QWAC need one).
 */
int
h_acme_new(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((rc = acme_new_page(c, &m)) != 0)
		return rc;
	page_send(c, m, 200);
	return 0;
}

int
acme_new_page(struct ctx *c, struct model **out)
{
	struct db_res	*prices = NULL, *orgs = NULL;
	char		 token[TOKEN_B64_LEN + 1];
	struct model	*m = NULL;
	xmlNodePtr	 types, t, pl, ol, n;
	int		 rc;

	rc = db_run(c->db, Q_PRICES_FOR_ACCOUNT, (struct db_param[]){ DB_I(c->who.account_id) }, 1, &prices);
	if (rc == 0)
		rc = db_run(c->db, Q_APPROVED_ORGS, (struct db_param[]){ DB_I(c->who.account_id) }, 1, &orgs);
	if (rc != 0) {
		rc = db_status(rc);
		goto out;
	}
	if ((m = page_new(c, "acme_new")) == NULL) {
		rc = 500;
		goto out;
	}
	account_node(c, m->root);
	/* The form's idempotency key: a double submit creates one subscription. */
	if (crypto_token(token) != 0) {
		rc = 500;
		goto out;
	}
	m_omit(m_text(m->root, "form_token", token));
	types = m_list(m->root, "types");
	for (size_t l = 0; l < NLEVELS; l++) {
		t = m_obj(types, "type");
		m_text(t, "level", levels[l]);
		m_bool(t, "needs_organization", strcmp(levels[l], "DV") != 0);
		pl = m_list(t, "products");
		for (size_t i = 0; i < prices->nrows; i++) {
			if (strcmp(db_cell(prices, i, 1), levels[l]) != 0)
				continue;
			n = m_obj(pl, "product");
			m_text(n, "code", db_cell(prices, i, 0));
			m_bool(n, "wildcard", db_cell_int(prices, i, 2) != 0);
			m_text(n, "name", db_cell(prices, i, 3));
			m_int(n, "list_price_cents", db_cell_int(prices, i, 4));
			m_int(n, "price_cents", db_cell_int(prices, i, 5));
		}
		ol = m_list(t, "organizations");
		for (size_t i = 0; i < orgs->nrows; i++) {
			if (strcmp(db_cell(orgs, i, 2), levels[l]) != 0)
				continue;
			n = m_obj(ol, "organization");
			m_int(n, "id", db_cell_int(orgs, i, 0));
			m_text(n, "name", db_cell(orgs, i, 1));
		}
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	model_free(m);
	db_res_free(prices);
	db_res_free(orgs);
	return rc;
}

/* One row per organization with the status of each level ("none" when absent). */
static void
prevalidation_levels(xmlNodePtr org, const struct db_res *r, size_t from, size_t to,
    size_t lvl_col, size_t status_col, size_t date_col)
{
	xmlNodePtr	 list = m_list(org, "prevalidations"), p;

	/* The upstream's reference follows the date column. */
	for (size_t l = 0; l < NLEVELS; l++) {
		const char *status = "none", *updated = NULL, *upstream = NULL;
		for (size_t i = from; i < to; i++)
			if (strcmp(db_cell(r, i, lvl_col), levels[l]) == 0) {
				status = db_cell(r, i, status_col);
				updated = db_cell(r, i, date_col);
				upstream = db_cell(r, i, date_col + 1);
			}
		p = m_obj(list, "prevalidation");
		m_text(p, "level", levels[l]);
		m_text(p, "status", status);
		if (updated != NULL)
			m_text(p, "updated_at", updated);
		else
			m_null(p, "updated_at");
		if (upstream != NULL)
			m_text(p, "upstream_id", upstream);
		else
			m_null(p, "upstream_id");
	}
}

int
h_prevalidations(struct ctx *c)
{
	struct db_res	*orgs = NULL, *pv = NULL;
	struct model	*m = NULL;
	xmlNodePtr	 list, o;
	size_t		 j = 0, start;
	int		 rc;

	rc = db_run(c->db, Q_ORGS_BY_ACCOUNT, (struct db_param[]){ DB_I(c->who.account_id) }, 1, &orgs);
	if (rc == 0)
		rc = db_run(c->db, Q_PREVALS_BY_ACCOUNT, (struct db_param[]){ DB_I(c->who.account_id) }, 1, &pv);
	if (rc != 0) {
		rc = db_status(rc);
		goto out;
	}
	if ((m = page_new(c, "prevalidations")) == NULL) {
		rc = 500;
		goto out;
	}
	list = m_list(m->root, "organizations");
	/* Both result sets are ordered by name, id: walk them together. */
	for (size_t i = 0; i < orgs->nrows; i++) {
		o = m_obj(list, "organization");
		m_int(o, "id", db_cell_int(orgs, i, 0));
		m_text(o, "name", db_cell(orgs, i, 1));
		m_text(o, "city", db_cell(orgs, i, 2));
		m_text(o, "country", db_cell(orgs, i, 3));
		start = j;
		while (j < pv->nrows && db_cell_int(pv, j, 0) == db_cell_int(orgs, i, 0))
			j++;
		prevalidation_levels(o, pv, start, j, 2, 3, 4);
	}
	page_send(c, m, 200);
	m = NULL;
	rc = 0;
out:
	model_free(m);
	db_res_free(orgs);
	db_res_free(pv);
	return rc;
}

int
h_organization(struct ctx *c)
{
	struct db_res	*org = NULL, *pv = NULL;
	struct model	*m = NULL;
	xmlNodePtr	 o;
	int		 rc;

	/* Scoped by account: another customer's organization is simply not found. */
	rc = db_run(c->db, Q_ORG_BY_ID, (struct db_param[]){
	    DB_I(c->ids[0]), DB_I(c->who.account_id) }, 2, &org);
	if (rc != 0) {
		rc = db_status(rc);
		goto out;
	}
	if (org->nrows != 1) {
		rc = 404;
		goto out;
	}
	rc = db_run(c->db, Q_PREVALS_BY_ORG, (struct db_param[]){ DB_I(c->ids[0]) }, 1, &pv);
	if (rc != 0) {
		rc = db_status(rc);
		goto out;
	}
	if ((m = page_new(c, "organization")) == NULL) {
		rc = 500;
		goto out;
	}
	o = m_obj(m->root, "organization");
	m_int(o, "id", db_cell_int(org, 0, 0));
	m_text(o, "name", db_cell(org, 0, 1));
	m_text(o, "city", db_cell(org, 0, 2));
	m_text(o, "country", db_cell(org, 0, 3));
	m_text(o, "created_at", db_cell(org, 0, 4));
	prevalidation_levels(o, pv, 0, pv->nrows, 0, 1, 2);
	page_send(c, m, 200);
	m = NULL;
	rc = 0;
out:
	model_free(m);
	db_res_free(org);
	db_res_free(pv);
	return rc;
}

/* GET /api/v1/account: {"type","balance_cents","currency"} (fixed contract). */
int
h_api_account(struct ctx *c)
{
	static const char *const params[] = { NULL };
	struct model	*m;

	if (web_query_only(c, params) != 0)
		return 0;
	/* API routes always answer JSON, so the view name is never rendered. */
	if ((m = page_new(c, "api")) == NULL)
		return 500;
	m_text(m->root, "type", c->who.account_kind);
	m_int(m->root, "balance_cents", c->who.balance_cents);
	m_text(m->root, "currency", c->who.currency);
	m_int(m->root, "id", c->who.account_id);
	m_text(m->root, "name", c->who.account_name);
	page_send(c, m, 200);
	return 0;
}
