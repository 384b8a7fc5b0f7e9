/*
 * The reseller API of the bundled CA: a strict twin of Sectigo's CaaS
 * reseller API (docs/upstream.md): POST /products/!ACMEAdmin
 * (form-encoded, JSON answers, problem documents
 * urn:sectigo:params:acme:error:<kind>) and POST /products/!AutoRevokeSSL
 * (errorCode/errorMessage, text or URL-encoded). Internals: reseller_int.h.
 */
#ifndef CA_RESELLER_H
#define CA_RESELLER_H

#include "ca.h"
#include "db.h"
#include "names.h"
#include "req.h"

/* ---- SQL (reseller_sql.c), one table, prepared per connection ---- */
enum rstmt {
	R_EAB_BY_KID,
	R_EAB_LOCK,
	R_EAB_SET_TERM,
	R_EAB_SET_STATUS,
	R_EAB_UNSUSPEND,
	R_EAB_SET_OWNER,
	R_EAB_SET_ORG,
	R_EAB_PAGE,
	R_BINDINGS,
	R_PRICE,
	R_DOMAIN_LOCK,
	R_DOMAIN_ADD,
	R_DOMAIN_REMOVE,
	R_DOMAINS_LISTED,
	R_DOMAINS_ACTIVE,
	R_DOMAINS_EXTEND,
	R_DOMAINS_ANCHOR_SWAP,
	R_ANCHOR_OTHERS,
	R_ORDER_INSERT,
	R_ORDER_COST,
	R_CERTS_VALID_PAGE,
	R_LAST_ORDERS,
	R_PRIMARY_ACCOUNT,
	R_CERT_BY_SERIAL,
	R_CERT_BY_ID,
	R_CERT_BY_ORDER,
	R_ORDER_STATE,
	R_CERT_STATUS,
	R_CALL_INSERT,
	R_CALLS_SINCE,
	R_CALLS_LAST,
	R_FAIL_GET,
	R_FAIL_ADD,
	R_PREVAL_INSERT,
	R_PREVAL_GET,
	R_PREVAL_LIST,
	R__MAX
};
extern const char *const reseller_sql[R__MAX];

/* reseller_orders.kind and reseller_login_failures.scope, one name table each. */
enum rorder_kind { RK_ADD, RK_EXTEND, RK_REFUND, RK__MAX };
extern const char *const rorder_kind_names[RK__MAX];
enum rfail_scope { RS_LOGIN, RS_ADDR, RS__MAX };
extern const char *const rfail_scope_names[RS__MAX];

/*
 * One typed function per statement (reseller_rows.c), openradtool's
 * rdb_<table>_<op>: a row struct per SELECT, read by description (db.h),
 * states and levels as enums (names.h). Unless said otherwise a function
 * returns 0 or a DB_E* code; a single-row lookup returns 1 (found), 0
 * (none) or a DB_E* code, its strings living in *keep (the caller frees
 * it with db_res_free, whatever the outcome). A list fills a struct
 * db_rows of the named row struct (free with db_rows_free).
 */

/* R_EAB_BY_KID, R_EAB_LOCK: an EAB key that login may reach. */
struct r_eab {
	long long	 id;
	int		 level;		/* enum level */
	int		 status;	/* enum eab_status */
	const char	*term_start;	/* NULL: no term yet */
	const char	*term_end;	/* exclusive */
	long long	 term_years;	/* 1 when never set */
};
int	rdb_eab_get(struct db *, const char *kid, const char *login, int lock, struct r_eab *,
	    struct db_res **keep);
int	rdb_eab_set_term(struct db *, long long eab, const char *start, const char *end);
/* Sets *affected (0: already deactivated). */
int	rdb_eab_set_status(struct db *, long long eab, enum eab_status, unsigned long long *affected);
int	rdb_eab_unsuspend(struct db *, long long eab, unsigned long long *affected);
int	rdb_eab_set_owner(struct db *, const char *kid, const char *login, long long years);
int	rdb_eab_set_org(struct db *, long long eab, const char *org, const char *city,
	    const char *country);

/* R_EAB_PAGE: one LISTACCOUNTS page, rows of struct r_account. */
struct r_account {
	const char	*kid;
	int		 status;	/* enum eab_status */
	int		 level;		/* enum level */
	const char	*last_activity;	/* NULL: no certificate yet */
	const char	*contacts;	/* JSON arrays, newline-joined; NULL: none */
};
int	rdb_eab_page(struct db *, const char *login, const char *kid, long long size,
	    long long offset, struct db_rows *);

/* R_BINDINGS: rows of struct r_binding. */
struct r_binding {
	const char	*kid;
	int		 status;	/* enum eab_status */
	const char	*last_bound;	/* NULL: never bound */
};
int	rdb_bindings(struct db *, const char *login, struct db_rows *);

/* R_PRICE: the yearly price into *cents; 1, 0 (no price) or DB_E*. */
int	rdb_price(struct db *, enum level, int wildcard, long long *cents);

/* R_DOMAIN_LOCK: the enrollment of a domain on a key, locked. */
struct r_enrollment {
	long long	 id;
	const char	*added_at;
	const char	*removed_at;	/* NULL: active */
	long long	 add_order;	/* 0: none (associated FQDN, caasctl-ca) */
	long long	 anchor;	/* 0: none */
};
int	rdb_domain_lock(struct db *, long long eab, const char *domain, struct r_enrollment *,
	    struct db_res **keep);
/* order and anchor 0: NULL. */
int	rdb_domain_add(struct db *, long long eab, const char *domain, const char *now,
	    const char *expires, long long order, long long anchor);
int	rdb_domain_remove(struct db *, long long enrollment, const char *now);

/* R_DOMAINS_LISTED, R_DOMAINS_ACTIVE: rows of struct r_domain (expires_at
 * NULL for the active list). */
struct r_domain {
	const char	*domain;
	const char	*expires_at;
};
int	rdb_domains_listed(struct db *, long long eab, const char *now, long long size,
	    long long offset, struct db_rows *);
int	rdb_domains_active(struct db *, long long eab, struct db_rows *);
int	rdb_domains_extend(struct db *, long long eab, const char *expires);
int	rdb_domains_anchor_swap(struct db *, long long eab, long long from, long long to,
	    unsigned long long *affected);
/* R_ANCHOR_OTHERS into *n. */
int	rdb_anchor_others(struct db *, long long eab, long long anchor, long long *n);

/* R_ORDER_INSERT: the new order number into *number. */
int	rdb_order_insert(struct db *, long long eab, enum rorder_kind, const char *domain,
	    long long cents, const char *now, long long *number);
/* R_ORDER_COST: 1 (cost in *cents), 0 (no such order of the key) or DB_E*. */
int	rdb_order_cost(struct db *, long long order, long long eab, long long *cents);

/* R_CERTS_VALID_PAGE: rows of struct r_cert_sans. */
struct r_cert_sans {
	long long	 id;
	const char	*sans;		/* JSON array */
};
int	rdb_certs_valid_page(struct db *, long long eab, long long after, long long size,
	    struct db_rows *);

/* R_LAST_ORDERS: certificates and rejected orders, rows of struct r_last. */
struct r_last {
	int		 cert;		/* 0: a rejected order */
	long long	 cert_id;	/* 0 for an order */
	long long	 order_id;
	int		 revoked;	/* a certificate whose status is revoked */
	const char	*names;		/* sans or identifiers, JSON */
	const char	*serial;
	const char	*not_before;
	const char	*not_after;	/* NULL for an order */
	long long	 account_id;
	const char	*created_at;
	const char	*thumb;		/* first 32 of the account's JWK thumbprint */
};
/* only 0: every ACME account of the key. */
int	rdb_last_orders(struct db *, long long eab, long long only, struct db_rows *);
/* R_PRIMARY_ACCOUNT into *id (0: none). */
int	rdb_primary_account(struct db *, long long eab, long long *id);

/* R_CERT_BY_SERIAL, _BY_ID, _BY_ORDER among login's keys: 1 (*id), 0 or DB_E*. */
enum rcert_by { RC_BY_ORDER, RC_BY_ID, RC_BY_SERIAL };
int	rdb_cert_find(struct db *, enum rcert_by, long long num, const char *serial,
	    const char *login, long long *id);
/* R_ORDER_STATE: 1 (*state an enum order_status, -1 if unknown), 0 or DB_E*. */
int	rdb_order_state(struct db *, long long order, const char *login, int *state);
/* R_CERT_STATUS: 1 (*state an enum cert_status), 0 or DB_E*. */
int	rdb_cert_status(struct db *, long long cert, int *state);

/* R_CALL_INSERT, R_CALLS_SINCE (rows of struct r_call), R_CALLS_LAST. */
struct r_call {
	long long	 id;
	const char	*endpoint;
	const char	*action;
	long long	 status;
	const char	*fields;
};
int	rdb_call_insert(struct db *, const char *now, const char *endpoint, const char *action,
	    const char *fields, int status, const char *kind);
int	rdb_calls_since(struct db *, long long after, struct db_rows *);
int	rdb_calls_last(struct db *, long long *id);

/* R_FAIL_GET: the failures in the window, per scope; R_FAIL_ADD counts one. */
int	rdb_fail_get(struct db *, const char *login, const char *addr, const char *since,
	    long long counts[RS__MAX]);
int	rdb_fail_add(struct db *, enum rfail_scope, const char *subject, const char *now,
	    const char *since);

/* R_PREVAL_INSERT (*anchor), R_PREVAL_GET, R_PREVAL_LIST (rows of struct r_preval). */
struct r_preval {
	long long	 anchor;
	int		 level;		/* enum level */
	const char	*org;
	const char	*city;
	const char	*country;
	const char	*created_at;
};
int	rdb_preval_insert(struct db *, enum level, const char *org, const char *city,
	    const char *country, const char *now, long long *anchor);
int	rdb_preval_get(struct db *, long long anchor, struct r_preval *, struct db_res **keep);
int	rdb_preval_list(struct db *, struct db_rows *);

/*
 * Answer one request whose path starts with /products/. adb is the
 * worker's handle on acme_sql (EAB key creation, eab_keys.h), db its
 * handle on reseller_sql. Every state change is one transaction on db;
 * revocations (revoke.h) run after it commits. Always sends an answer,
 * and logs the call (reseller_calls) before sending it.
 */
void	reseller_handle(const struct ca_conf *, struct db *adb, struct db *db, struct req *);

#endif
