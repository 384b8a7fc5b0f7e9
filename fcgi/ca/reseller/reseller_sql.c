/*
 * Every statement of the reseller API and of caasctl-ca's reseller
 * commands (preval-*, calls), indexed by enum rstmt (reseller.h).
 * Placeholders only. An account is always looked up together with its
 * owner: a key PREREGISTERed by another reseller login is not there
 * (owner_login NULL: made by caasctl-ca, any login reaches it).
 */
#include "config.h"

#include "reseller/reseller.h"

#define EAB_COLS "id, level, status, term_start, term_end, COALESCE(term_years, 1)"
#define OWNED(a) "(" a "owner_login IS NULL OR " a "owner_login = ?)"

const char *const rorder_kind_names[RK__MAX] = { "ADD", "EXTEND", "REFUND" };
const char *const rfail_scope_names[RS__MAX] = { "login", "addr" };

const char *const reseller_sql[R__MAX] = {
	[R_EAB_BY_KID] =
	    "SELECT " EAB_COLS " FROM eab_keys WHERE kid = ? AND " OWNED(""),
	/* Every state change of an account starts here: one writer per key. */
	[R_EAB_LOCK] =
	    "SELECT " EAB_COLS " FROM eab_keys WHERE kid = ? AND " OWNED("") " FOR UPDATE",
	[R_EAB_SET_TERM] =
	    "UPDATE eab_keys SET term_start = ?, term_end = ? WHERE id = ?",
	[R_EAB_SET_STATUS] =
	    "UPDATE eab_keys SET status = ? WHERE id = ? AND status <> 'deactivated'",
	/* Back to where it was: valid once an ACME account has bound it. */
	[R_EAB_UNSUSPEND] =
	    "UPDATE eab_keys SET status = IF(EXISTS (SELECT 1 FROM accounts a "
	    "WHERE a.eab_id = eab_keys.id), 'valid', 'pending') WHERE id = ? AND status = 'suspended'",
	[R_EAB_SET_OWNER] =
	    "UPDATE eab_keys SET owner_login = ?, term_years = ? WHERE kid = ?",
	/* The certificate subject of OV/QWAC follows the anchor's organization. */
	[R_EAB_SET_ORG] =
	    "UPDATE eab_keys SET org_name = ?, org_city = ?, org_country = ? WHERE id = ?",
	/* LISTACCOUNTS: owned keys, optionally one, by id; lastActivity is the
	 * newest certificate of the key. */
	[R_EAB_PAGE] =
	    "SELECT e.kid, e.status, e.level, (SELECT MAX(c.created_at) FROM certificates c "
	    "WHERE c.eab_id = e.id), (SELECT GROUP_CONCAT(a.contact SEPARATOR '\\n') FROM accounts a "
	    "WHERE a.eab_id = e.id) FROM eab_keys e WHERE " OWNED("e.") " AND (? IS NULL OR e.kid = ?) "
	    "ORDER BY e.id LIMIT ? OFFSET ?",
	/* LISTBINDINGS: every owned key; reusable until deactivated. */
	[R_BINDINGS] =
	    "SELECT e.kid, e.status, (SELECT MAX(a.created_at) FROM accounts a WHERE a.eab_id = e.id) "
	    "FROM eab_keys e WHERE " OWNED("e.") " ORDER BY e.id LIMIT 10000",
	[R_PRICE] =
	    "SELECT yearly_cents FROM reseller_prices WHERE level = ? AND wildcard = ?",
	[R_DOMAIN_LOCK] =
	    "SELECT id, added_at, removed_at, add_order, anchor FROM eab_domains "
	    "WHERE eab_id = ? AND domain = ? FOR UPDATE",
	/* A removed enrollment comes back as a new add. */
	[R_DOMAIN_ADD] =
	    "INSERT INTO eab_domains (eab_id, domain, added_at, expires_at, add_order, anchor) "
	    "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE added_at = VALUES(added_at), "
	    "expires_at = VALUES(expires_at), removed_at = NULL, add_order = VALUES(add_order), "
	    "anchor = VALUES(anchor)",
	[R_DOMAIN_REMOVE] =
	    "UPDATE eab_domains SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
	/* LISTDOMAINS: one page, by name. */
	[R_DOMAINS_LISTED] =
	    "SELECT domain, expires_at FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL "
	    "AND expires_at > ? ORDER BY domain LIMIT ? OFFSET ?",
	[R_DOMAINS_ACTIVE] =
	    "SELECT domain FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL ORDER BY id LIMIT 10000",
	[R_DOMAINS_EXTEND] =
	    "UPDATE eab_domains SET expires_at = ? WHERE eab_id = ? AND removed_at IS NULL",
	[R_DOMAINS_ANCHOR_SWAP] =
	    "UPDATE eab_domains SET anchor = ? WHERE eab_id = ? AND anchor = ? AND removed_at IS NULL",
	/* Active enrollments of the key under another anchor than ?. */
	[R_ANCHOR_OTHERS] =
	    "SELECT COUNT(*) FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL "
	    "AND anchor IS NOT NULL AND anchor <> ?",
	[R_ORDER_INSERT] =
	    "INSERT INTO reseller_orders (eab_id, kind, domain, cost_cents, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[R_ORDER_COST] =
	    "SELECT cost_cents FROM reseller_orders WHERE order_number = ? AND eab_id = ?",
	/* The refunded removal's revocations, one page after id ? at a time. */
	[R_CERTS_VALID_PAGE] =
	    "SELECT id, sans FROM certificates WHERE eab_id = ? AND status = 'valid' AND id > ? "
	    "ORDER BY id LIMIT ?",
	/* GETLASTORDER: certificates and rejected orders of the key (of one
	 * ACME account when ? is not 0), newest first. */
	[R_LAST_ORDERS] =
	    "SELECT 1, c.id, c.order_id, c.status = 'revoked', c.sans, c.serial, c.not_before, c.not_after, "
	    "c.account_id, c.created_at, (SELECT LEFT(a.jwk_thumbprint, 32) FROM accounts a "
	    "WHERE a.id = c.account_id) FROM certificates c WHERE c.eab_id = ? AND (? = 0 OR c.account_id = ?) "
	    "UNION ALL SELECT 0, 0, o.id, 0, o.identifiers, NULL, NULL, NULL, o.account_id, "
	    "o.created_at, LEFT(a.jwk_thumbprint, 32) FROM orders o JOIN accounts a ON a.id = o.account_id "
	    "WHERE a.eab_id = ? "
	    "AND o.status = 'invalid' AND (? = 0 OR o.account_id = ?) ORDER BY 10 DESC, 3 DESC LIMIT 5000",
	/* The primary ACME account of a key: the first one bound to it. */
	[R_PRIMARY_ACCOUNT] =
	    "SELECT COALESCE(MIN(id), 0) FROM accounts WHERE eab_id = ?",
	[R_CERT_BY_SERIAL] =
	    "SELECT c.id FROM certificates c JOIN eab_keys e ON e.id = c.eab_id "
	    "WHERE c.serial = ? AND " OWNED("e."),
	[R_CERT_BY_ID] =
	    "SELECT c.id FROM certificates c JOIN eab_keys e ON e.id = c.eab_id "
	    "WHERE c.id = ? AND " OWNED("e."),
	[R_CERT_BY_ORDER] =
	    "SELECT c.id FROM certificates c JOIN eab_keys e ON e.id = c.eab_id "
	    "WHERE c.order_id = ? AND " OWNED("e."),
	/* An ACME order of this login's keys without a certificate: its state. */
	[R_ORDER_STATE] =
	    "SELECT o.status FROM orders o JOIN accounts a ON a.id = o.account_id "
	    "JOIN eab_keys e ON e.id = a.eab_id WHERE o.id = ? AND " OWNED("e."),
	[R_CERT_STATUS] =
	    "SELECT status FROM certificates WHERE id = ?",
	[R_CALL_INSERT] =
	    "INSERT INTO reseller_calls (created_at, endpoint, action, fields, status, kind) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	[R_CALLS_SINCE] =
	    "SELECT id, endpoint, action, status, fields FROM reseller_calls WHERE id > ? "
	    "ORDER BY id LIMIT 10000",
	[R_CALLS_LAST] =
	    "SELECT COALESCE(MAX(id), 0) FROM reseller_calls",
	/* Failures in the current window (window_start after ?). */
	[R_FAIL_GET] =
	    "SELECT scope, failures FROM reseller_login_failures WHERE ((scope = 'login' AND subject = ?) "
	    "OR (scope = 'addr' AND subject = ?)) AND window_start > ?",
	/* One atomic count per failure: a window older than ? starts again at 1. */
	[R_FAIL_ADD] =
	    "INSERT INTO reseller_login_failures (scope, subject, window_start, failures) "
	    "VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE "
	    "failures = IF(window_start <= ?, 1, failures + 1), "
	    "window_start = IF(window_start <= ?, VALUES(window_start), window_start)",
	[R_PREVAL_INSERT] =
	    "INSERT INTO reseller_prevalidations (level, org_name, org_city, org_country, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[R_PREVAL_GET] =
	    "SELECT anchor, level, org_name, org_city, org_country, created_at FROM reseller_prevalidations "
	    "WHERE anchor = ?",
	[R_PREVAL_LIST] =
	    "SELECT anchor, level, org_name, org_city, org_country, created_at FROM reseller_prevalidations "
	    "ORDER BY anchor LIMIT 10000",
};
