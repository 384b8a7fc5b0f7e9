/*
 * The reseller API of the bundled CA, the upstream's shape (DESIGN.md
 * §3, money §4): POST /products/!ACMEAdmin (form-encoded, JSON answers,
 * problem documents urn:sectigo:params:acme:error:<kind>) and POST
 * /products/!AutoRevokeSSL (form-encoded answer errorCode=…).
 */
#ifndef CA_RESELLER_H
#define CA_RESELLER_H

#include "ca.h"
#include "db.h"
#include "req.h"

#define RESELLER_PAGE		100	/* rows per page of the list actions */
#define RESELLER_PAGE_MAX	10000	/* highest page number accepted */

/* ---- SQL (reseller.c), one table, prepared per connection ---- */
enum rstmt {
	R_EAB_BY_KID,
	R_EAB_LOCK,
	R_EAB_SET_TERM,
	R_EAB_SET_STATUS,
	R_EAB_UNSUSPEND,
	R_EAB_PAGE,
	R_PRICE,
	R_DOMAIN_LOCK,
	R_DOMAIN_ADD,
	R_DOMAIN_REMOVE,
	R_DOMAINS_LISTED,
	R_DOMAINS_ACTIVE,
	R_DOMAINS_EXTEND,
	R_ORDER_INSERT,
	R_ORDER_COST,
	R_CERTS_VALID,
	R_CERTS_PAGE,
	R_CERT_BY_SERIAL,
	R__MAX
};
extern const char *const reseller_sql[R__MAX];

/*
 * Answer one request whose path starts with /products/. adb is the
 * worker's handle on acme_sql (EAB key creation, eab_keys.h), db its
 * handle on reseller_sql. Every state change is one transaction on db;
 * revocations (revoke.h) run after it commits. Always sends an answer.
 */
void	reseller_handle(const struct ca_conf *, struct db *adb, struct db *db, struct req *);

#endif
