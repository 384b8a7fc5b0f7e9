/*
 * The typed face of reseller_sql (reseller.h): one function per
 * statement, its parameters typed, its rows read into structs by
 * description (db.h), its states and levels enums through the name
 * tables (names.h). The only place that knows a column's position.
 */
#include "config.h"

#include <stddef.h>

#include "reseller/reseller.h"

/* ---- row descriptions, in the statements' column order ---- */

static const struct db_field eab_f[] = {
	DBF_I(struct r_eab, id),
	DBF_E(struct r_eab, level, level_names, LEVEL__MAX),
	DBF_E(struct r_eab, status, eab_status_names, EAB__MAX),
	DBF_S(struct r_eab, term_start),
	DBF_S(struct r_eab, term_end),
	DBF_I(struct r_eab, term_years),
};
static const struct db_rowdef eab_d = DB_ROWDEF(struct r_eab, eab_f);

static const struct db_field account_f[] = {
	DBF_S(struct r_account, kid),
	DBF_E(struct r_account, status, eab_status_names, EAB__MAX),
	DBF_E(struct r_account, level, level_names, LEVEL__MAX),
	DBF_S(struct r_account, last_activity),
	DBF_S(struct r_account, contacts),
};
static const struct db_rowdef account_d = DB_ROWDEF(struct r_account, account_f);

static const struct db_field binding_f[] = {
	DBF_S(struct r_binding, kid),
	DBF_E(struct r_binding, status, eab_status_names, EAB__MAX),
	DBF_S(struct r_binding, last_bound),
};
static const struct db_rowdef binding_d = DB_ROWDEF(struct r_binding, binding_f);

static const struct db_field enrollment_f[] = {
	DBF_I(struct r_enrollment, id),
	DBF_S(struct r_enrollment, added_at),
	DBF_S(struct r_enrollment, removed_at),
	DBF_I(struct r_enrollment, add_order),
	DBF_I(struct r_enrollment, anchor),
};
static const struct db_rowdef enrollment_d = DB_ROWDEF(struct r_enrollment, enrollment_f);

static const struct db_field listed_f[] = {
	DBF_S(struct r_domain, domain),
	DBF_S(struct r_domain, expires_at),
};
static const struct db_rowdef listed_d = DB_ROWDEF(struct r_domain, listed_f);

static const struct db_field active_f[] = {
	DBF_S(struct r_domain, domain),
};
static const struct db_rowdef active_d = DB_ROWDEF(struct r_domain, active_f);

static const struct db_field cert_sans_f[] = {
	DBF_I(struct r_cert_sans, id),
	DBF_S(struct r_cert_sans, sans),
};
static const struct db_rowdef cert_sans_d = DB_ROWDEF(struct r_cert_sans, cert_sans_f);

static const struct db_field last_f[] = {
	DBF_B(struct r_last, cert),
	DBF_I(struct r_last, cert_id),
	DBF_I(struct r_last, order_id),
	DBF_B(struct r_last, revoked),
	DBF_S(struct r_last, names),
	DBF_S(struct r_last, serial),
	DBF_S(struct r_last, not_before),
	DBF_S(struct r_last, not_after),
	DBF_I(struct r_last, account_id),
	DBF_S(struct r_last, created_at),
	DBF_S(struct r_last, thumb),
};
static const struct db_rowdef last_d = DB_ROWDEF(struct r_last, last_f);

static const struct db_field call_f[] = {
	DBF_I(struct r_call, id),
	DBF_S(struct r_call, endpoint),
	DBF_S(struct r_call, action),
	DBF_I(struct r_call, status),
	DBF_S(struct r_call, fields),
};
static const struct db_rowdef call_d = DB_ROWDEF(struct r_call, call_f);

struct r_fail {
	int		 scope;		/* enum rfail_scope */
	long long	 failures;
};
static const struct db_field fail_f[] = {
	DBF_E(struct r_fail, scope, rfail_scope_names, RS__MAX),
	DBF_I(struct r_fail, failures),
};
static const struct db_rowdef fail_d = DB_ROWDEF(struct r_fail, fail_f);

static const struct db_field preval_f[] = {
	DBF_I(struct r_preval, anchor),
	DBF_E(struct r_preval, level, level_names, LEVEL__MAX),
	DBF_S(struct r_preval, org),
	DBF_S(struct r_preval, city),
	DBF_S(struct r_preval, country),
	DBF_S(struct r_preval, created_at),
};
static const struct db_rowdef preval_d = DB_ROWDEF(struct r_preval, preval_f);

/* A single integer: the statements that answer one number. */
struct r_num {
	long long	 n;
};
static const struct db_field num_f[] = { DBF_I(struct r_num, n) };
static const struct db_rowdef num_d = DB_ROWDEF(struct r_num, num_f);

/* A single state column, read through the table of the caller's choice. */
struct r_state {
	int		 state;
};

/* ---- helpers ---- */

/* Run a statement without rows; its affected count into *affected (may be NULL). */
static int
run(struct db *db, int id, const struct db_param *p, size_t np, unsigned long long *affected)
{
	struct db_res	*r = NULL;
	int		 rc;

	if ((rc = db_run(db, id, p, np, affected != NULL ? &r : NULL)) == 0 && affected != NULL)
		*affected = r->affected;
	db_res_free(r);
	return rc;
}

/* The first row's number into *n: 1, 0 (no row) or DB_E*. */
static int
num(struct db *db, int id, const struct db_param *p, size_t np, long long *n)
{
	struct db_res	*keep = NULL;
	struct r_num	 row;
	int		 rc;

	if ((rc = db_row(db, id, p, np, &num_d, &row, &keep)) == 1)
		*n = row.n;
	db_res_free(keep);
	return rc;
}

/* The first row's state (an index in tab[0..n), -1 unknown) into *state. */
static int
state(struct db *db, int id, const struct db_param *p, size_t np, const char *const *tab,
    size_t n, int *st)
{
	const struct db_field	 f[] = { DBF_E(struct r_state, state, tab, n) };
	const struct db_rowdef	 d = DB_ROWDEF(struct r_state, f);
	struct db_res		*keep = NULL;
	struct r_state		 row;
	int			 rc;

	if ((rc = db_row(db, id, p, np, &d, &row, &keep)) == 1)
		*st = row.state;
	db_res_free(keep);
	return rc;
}

/* Where a statement is a lookup by key, a row only if exactly one. */
static int
one(struct db *db, int id, const struct db_param *p, size_t np, const struct db_rowdef *d,
    void *row, struct db_res **keep)
{
	int	 rc = db_row(db, id, p, np, d, row, keep);

	return rc == 1 && (*keep)->nrows != 1 ? 0 : rc;
}

/* ---- eab_keys ---- */

int
rdb_eab_get(struct db *db, const char *kid, const char *login, int lock, struct r_eab *e,
    struct db_res **keep)
{
	return one(db, lock ? R_EAB_LOCK : R_EAB_BY_KID, (struct db_param[]){ DB_S(kid), DB_S(login) },
	    2, &eab_d, e, keep);
}

int
rdb_eab_set_term(struct db *db, long long eab, const char *start, const char *end)
{
	return run(db, R_EAB_SET_TERM, (struct db_param[]){ DB_S(start), DB_S(end), DB_I(eab) }, 3, NULL);
}

int
rdb_eab_set_status(struct db *db, long long eab, enum eab_status s, unsigned long long *affected)
{
	return run(db, R_EAB_SET_STATUS, (struct db_param[]){ DB_S(eab_status_names[s]), DB_I(eab) }, 2,
	    affected);
}

int
rdb_eab_unsuspend(struct db *db, long long eab, unsigned long long *affected)
{
	return run(db, R_EAB_UNSUSPEND, (struct db_param[]){ DB_I(eab) }, 1, affected);
}

int
rdb_eab_set_owner(struct db *db, const char *kid, const char *login, long long years)
{
	return run(db, R_EAB_SET_OWNER, (struct db_param[]){ DB_S(login), DB_I(years), DB_S(kid) }, 3,
	    NULL);
}

int
rdb_eab_set_org(struct db *db, long long eab, const char *org, const char *city, const char *country)
{
	return run(db, R_EAB_SET_ORG, (struct db_param[]){ DB_S(org), DB_S(city), DB_S(country),
	    DB_I(eab) }, 4, NULL);
}

int
rdb_eab_page(struct db *db, const char *login, const char *kid, long long size, long long offset,
    struct db_rows *out)
{
	return db_rows(db, R_EAB_PAGE, (struct db_param[]){ DB_S(login), DB_SN(kid), DB_SN(kid),
	    DB_I(size), DB_I(offset) }, 5, &account_d, out);
}

int
rdb_bindings(struct db *db, const char *login, struct db_rows *out)
{
	return db_rows(db, R_BINDINGS, (struct db_param[]){ DB_S(login) }, 1, &binding_d, out);
}

int
rdb_price(struct db *db, enum level l, int wildcard, long long *cents)
{
	struct db_res	*keep = NULL;
	struct r_num	 row;
	int		 rc;

	rc = one(db, R_PRICE, (struct db_param[]){ DB_S(level_names[l]), DB_I(wildcard) }, 2, &num_d,
	    &row, &keep);
	if (rc == 1)
		*cents = row.n;
	db_res_free(keep);
	return rc;
}

/* ---- eab_domains ---- */

int
rdb_domain_lock(struct db *db, long long eab, const char *domain, struct r_enrollment *e,
    struct db_res **keep)
{
	return one(db, R_DOMAIN_LOCK, (struct db_param[]){ DB_I(eab), DB_S(domain) }, 2, &enrollment_d,
	    e, keep);
}

int
rdb_domain_add(struct db *db, long long eab, const char *domain, const char *now, const char *expires,
    long long order, long long anchor)
{
	return run(db, R_DOMAIN_ADD, (struct db_param[]){ DB_I(eab), DB_S(domain), DB_S(now),
	    DB_S(expires), order > 0 ? DB_I(order) : DB_NUL, anchor > 0 ? DB_I(anchor) : DB_NUL }, 6, NULL);
}

int
rdb_domain_remove(struct db *db, long long enrollment, const char *now)
{
	return run(db, R_DOMAIN_REMOVE, (struct db_param[]){ DB_S(now), DB_I(enrollment) }, 2, NULL);
}

int
rdb_domains_listed(struct db *db, long long eab, const char *now, long long size, long long offset,
    struct db_rows *out)
{
	return db_rows(db, R_DOMAINS_LISTED, (struct db_param[]){ DB_I(eab), DB_S(now), DB_I(size),
	    DB_I(offset) }, 4, &listed_d, out);
}

int
rdb_domains_active(struct db *db, long long eab, struct db_rows *out)
{
	return db_rows(db, R_DOMAINS_ACTIVE, (struct db_param[]){ DB_I(eab) }, 1, &active_d, out);
}

int
rdb_domains_extend(struct db *db, long long eab, const char *expires)
{
	return run(db, R_DOMAINS_EXTEND, (struct db_param[]){ DB_S(expires), DB_I(eab) }, 2, NULL);
}

int
rdb_domains_anchor_swap(struct db *db, long long eab, long long from, long long to,
    unsigned long long *affected)
{
	return run(db, R_DOMAINS_ANCHOR_SWAP, (struct db_param[]){ DB_I(to), DB_I(eab), DB_I(from) }, 3,
	    affected);
}

int
rdb_anchor_others(struct db *db, long long eab, long long anchor, long long *n)
{
	int	 rc;

	*n = 0;
	rc = num(db, R_ANCHOR_OTHERS, (struct db_param[]){ DB_I(eab), DB_I(anchor) }, 2, n);
	return rc < 0 ? rc : 0;
}

/* ---- reseller_orders, certificates, orders ---- */

int
rdb_order_insert(struct db *db, long long eab, enum rorder_kind k, const char *domain, long long cents,
    const char *now, long long *number)
{
	struct db_res	*r = NULL;
	int		 rc;

	if ((rc = db_run(db, R_ORDER_INSERT, (struct db_param[]){ DB_I(eab), DB_S(rorder_kind_names[k]),
	    DB_SN(domain), DB_I(cents), DB_S(now) }, 5, &r)) == 0)
		*number = (long long)r->insert_id;
	db_res_free(r);
	return rc;
}

int
rdb_order_cost(struct db *db, long long order, long long eab, long long *cents)
{
	struct db_res	*keep = NULL;
	struct r_num	 row;
	int		 rc;

	rc = one(db, R_ORDER_COST, (struct db_param[]){ DB_I(order), DB_I(eab) }, 2, &num_d, &row, &keep);
	if (rc == 1)
		*cents = row.n;
	db_res_free(keep);
	return rc;
}

int
rdb_certs_valid_page(struct db *db, long long eab, long long after, long long size,
    struct db_rows *out)
{
	return db_rows(db, R_CERTS_VALID_PAGE, (struct db_param[]){ DB_I(eab), DB_I(after), DB_I(size) },
	    3, &cert_sans_d, out);
}

int
rdb_last_orders(struct db *db, long long eab, long long only, struct db_rows *out)
{
	return db_rows(db, R_LAST_ORDERS, (struct db_param[]){ DB_I(eab), DB_I(only), DB_I(only),
	    DB_I(eab), DB_I(only), DB_I(only) }, 6, &last_d, out);
}

int
rdb_primary_account(struct db *db, long long eab, long long *id)
{
	int	 rc;

	*id = 0;
	rc = num(db, R_PRIMARY_ACCOUNT, (struct db_param[]){ DB_I(eab) }, 1, id);
	return rc < 0 ? rc : 0;
}

int
rdb_cert_find(struct db *db, enum rcert_by by, long long n, const char *serial, const char *login,
    long long *id)
{
	static const int stmt[] = { [RC_BY_ORDER] = R_CERT_BY_ORDER, [RC_BY_ID] = R_CERT_BY_ID,
	    [RC_BY_SERIAL] = R_CERT_BY_SERIAL };
	struct db_res	*keep = NULL;
	struct r_num	 row;
	int		 rc;

	rc = one(db, stmt[by], (struct db_param[]){ by == RC_BY_SERIAL ? DB_S(serial) : DB_I(n),
	    DB_S(login) }, 2, &num_d, &row, &keep);
	if (rc == 1)
		*id = row.n;
	db_res_free(keep);
	return rc;
}

int
rdb_order_state(struct db *db, long long order, const char *login, int *st)
{
	return state(db, R_ORDER_STATE, (struct db_param[]){ DB_I(order), DB_S(login) }, 2,
	    order_status_names, ORDER__MAX, st);
}

int
rdb_cert_status(struct db *db, long long cert, int *st)
{
	return state(db, R_CERT_STATUS, (struct db_param[]){ DB_I(cert) }, 1, cert_status_names,
	    CERT__MAX, st);
}

/* ---- the call log and the login throttle ---- */

int
rdb_call_insert(struct db *db, const char *now, const char *endpoint, const char *action,
    const char *fields, int status, const char *kind)
{
	return run(db, R_CALL_INSERT, (struct db_param[]){ DB_S(now), DB_S(endpoint), DB_S(action),
	    DB_S(fields), DB_I(status), DB_S(kind) }, 6, NULL);
}

int
rdb_calls_since(struct db *db, long long after, struct db_rows *out)
{
	return db_rows(db, R_CALLS_SINCE, (struct db_param[]){ DB_I(after) }, 1, &call_d, out);
}

int
rdb_calls_last(struct db *db, long long *id)
{
	int	 rc;

	*id = 0;
	rc = num(db, R_CALLS_LAST, NULL, 0, id);
	return rc < 0 ? rc : 0;
}

int
rdb_fail_get(struct db *db, const char *login, const char *addr, const char *since,
    long long counts[RS__MAX])
{
	struct db_rows	 rows;
	int		 rc;

	for (int s = 0; s < RS__MAX; s++)
		counts[s] = 0;
	if ((rc = db_rows(db, R_FAIL_GET, (struct db_param[]){ DB_S(login), DB_S(addr), DB_S(since) }, 3,
	    &fail_d, &rows)) != 0)
		return rc;
	for (size_t i = 0; i < rows.n; i++) {
		const struct r_fail *f = DB_ROW(&rows, struct r_fail, i);
		if (f->scope >= 0)
			counts[f->scope] = f->failures;
	}
	db_rows_free(&rows);
	return 0;
}

int
rdb_fail_add(struct db *db, enum rfail_scope s, const char *subject, const char *now, const char *since)
{
	return run(db, R_FAIL_ADD, (struct db_param[]){ DB_S(rfail_scope_names[s]), DB_S(subject),
	    DB_S(now), DB_S(since), DB_S(since) }, 5, NULL);
}

/* ---- reseller_prevalidations ---- */

int
rdb_preval_insert(struct db *db, enum level l, const char *org, const char *city, const char *country,
    const char *now, long long *anchor)
{
	struct db_res	*r = NULL;
	int		 rc;

	if ((rc = db_run(db, R_PREVAL_INSERT, (struct db_param[]){ DB_S(level_names[l]), DB_S(org),
	    DB_S(city), DB_S(country), DB_S(now) }, 5, &r)) == 0)
		*anchor = (long long)r->insert_id;
	db_res_free(r);
	return rc;
}

int
rdb_preval_get(struct db *db, long long anchor, struct r_preval *p, struct db_res **keep)
{
	return one(db, R_PREVAL_GET, (struct db_param[]){ DB_I(anchor) }, 1, &preval_d, p, keep);
}

int
rdb_preval_list(struct db *db, struct db_rows *out)
{
	return db_rows(db, R_PREVAL_LIST, NULL, 0, &preval_d, out);
}
