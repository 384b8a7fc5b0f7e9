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

/*
 * Answer one request whose path starts with /products/. adb is the
 * worker's handle on acme_sql (EAB key creation, eab_keys.h), db its
 * handle on reseller_sql. Every state change is one transaction on db;
 * revocations (revoke.h) run after it commits. Always sends an answer,
 * and logs the call (reseller_calls) before sending it.
 */
void	reseller_handle(const struct ca_conf *, struct db *adb, struct db *db, struct req *);

#endif
