/*
 * Every SQL statement of the ACME server and caasctl-ca, indexed by
 * enum astmt. Placeholders only; prepared once per connection. Every
 * object is fetched together with its owner's id so that one account
 * never reaches another's orders, authorizations or certificates.
 */
#include "config.h"

#include "acme/acme.h"

#define ACCOUNT_COLS \
	"a.id, a.status, a.eab_id, e.level, e.status, a.contact, a.jwk, " \
	"e.org_name, e.org_city, e.org_country"

const char *const acme_sql[A__MAX] = {
	/* The used set: the primary key refuses a second use. */
	[A_NONCE_USE] =
	    "INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)",
	[A_NONCE_PURGE] =
	    "DELETE FROM nonces WHERE expires_at <= ? LIMIT 1000",
	[A_EAB_BY_KID] =
	    "SELECT id, level, status, hmac_enc FROM eab_keys WHERE kid = ?",
	[A_EAB_ACTIVATE] =
	    "UPDATE eab_keys SET status = 'valid' WHERE id = ? AND status = 'pending'",
	[A_EAB_INSERT] =
	    "INSERT INTO eab_keys (kid, level, status, hmac_enc, org_name, org_city, "
	    "org_country, created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
	[A_EAB_SET_STATUS] =
	    "UPDATE eab_keys SET status = ? WHERE kid = ?",
	[A_ACCOUNT_BY_THUMB] =
	    "SELECT " ACCOUNT_COLS " FROM accounts a JOIN eab_keys e ON e.id = a.eab_id "
	    "WHERE a.jwk_thumbprint = ?",
	[A_ACCOUNT_BY_ID] =
	    "SELECT " ACCOUNT_COLS " FROM accounts a JOIN eab_keys e ON e.id = a.eab_id "
	    "WHERE a.id = ?",
	[A_ACCOUNT_INSERT] =
	    "INSERT INTO accounts (eab_id, jwk_thumbprint, jwk, status, contact, created_at) "
	    "VALUES (?, ?, ?, 'valid', ?, ?)",
	[A_ACCOUNT_SET_CONTACT] =
	    "UPDATE accounts SET contact = ? WHERE id = ?",
	[A_ACCOUNT_DEACTIVATE] =
	    "UPDATE accounts SET status = 'deactivated' WHERE id = ? AND status = 'valid'",
	/* Key rollover: only from the key we verified (compare-and-set). */
	[A_ACCOUNT_ROLLOVER] =
	    "UPDATE accounts SET jwk = ?, jwk_thumbprint = ? WHERE id = ? AND jwk_thumbprint = ?",
	[A_COVERING_DOMAINS] =
	    "SELECT domain FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL "
	    "AND expires_at > ? LIMIT 5000",
	[A_DOMAIN_UPSERT] =
	    "INSERT INTO eab_domains (eab_id, domain, added_at, expires_at) VALUES (?, ?, ?, ?) "
	    "ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at), removed_at = NULL",
	[A_DOMAIN_REMOVE] =
	    "UPDATE eab_domains SET removed_at = ? WHERE eab_id = ? AND domain = ? "
	    "AND removed_at IS NULL",
	[A_DOMAIN_EXPIRE] =
	    "UPDATE eab_domains SET expires_at = ? WHERE eab_id = ? AND domain = ?",
	[A_ORDER_INSERT] =
	    "INSERT INTO orders (account_id, status, identifiers, expires_at, created_at) "
	    "VALUES (?, 'pending', ?, ?, ?)",
	[A_ORDER_BY_ID] =
	    "SELECT id, status, identifiers, expires_at, error, certificate_id FROM orders "
	    "WHERE id = ? AND account_id = ?",
	[A_ORDER_SET_STATUS] =
	    "UPDATE orders SET status = ? WHERE id = ? AND status = ?",
	[A_ORDER_FINALIZED] =
	    "UPDATE orders SET status = 'valid', certificate_id = ? WHERE id = ? "
	    "AND status = 'ready'",
	[A_ORDER_LOCK] = "SELECT status, expires_at FROM orders WHERE id = ? FOR UPDATE",
	/* Finalize, in its transaction: the authorizations and enrollments it
	 * relies on, read locked so that they cannot change until it commits. */
	[A_AUTHZS_LOCK] =
	    "SELECT status, expires_at, identifier FROM authorizations WHERE order_id = ? "
	    "ORDER BY id LOCK IN SHARE MODE",
	[A_COVERING_DOMAINS_LOCK] =
	    "SELECT domain FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL "
	    "AND expires_at > ? LIMIT 5000 LOCK IN SHARE MODE",
	[A_ORDERS_BY_ACCOUNT] =
	    "SELECT id FROM orders WHERE account_id = ? ORDER BY id DESC LIMIT 1000",
	[A_AUTHZ_INSERT] =
	    "INSERT INTO authorizations (order_id, account_id, identifier, wildcard, status, "
	    "expires_at) VALUES (?, ?, ?, ?, 'pending', ?)",
	[A_AUTHZS_BY_ORDER] =
	    "SELECT id, identifier, wildcard, status, expires_at FROM authorizations "
	    "WHERE order_id = ? ORDER BY id",
	[A_AUTHZ_BY_ID] =
	    "SELECT id, order_id, identifier, wildcard, status, expires_at FROM authorizations "
	    "WHERE id = ? AND account_id = ?",
	[A_AUTHZ_DEACTIVATE] =
	    "UPDATE authorizations SET status = 'deactivated' WHERE id = ? "
	    "AND status IN ('pending', 'valid')",
	[A_CHALL_INSERT] =
	    "INSERT INTO challenges (authz_id, type, token, status) VALUES (?, ?, ?, 'pending')",
	/* A name's three challenges in one statement, in the order they are shown. */
	[A_CHALLS_INSERT3] =
	    "INSERT INTO challenges (authz_id, type, token, status) VALUES "
	    "(?, 'dns-01', ?, 'pending'), (?, 'http-01', ?, 'pending'), (?, 'tls-alpn-01', ?, 'pending')",
	[A_CHALLS_BY_AUTHZ] =
	    "SELECT id, type, token, status, validated_at, error FROM challenges "
	    "WHERE authz_id = ? ORDER BY id",
	[A_CHALL_BY_ID] =
	    "SELECT c.id, c.type, c.token, c.status, c.validated_at, c.error, c.authz_id, a.status "
	    "FROM challenges c JOIN authorizations a ON a.id = c.authz_id "
	    "WHERE c.id = ? AND a.account_id = ?",
	[A_CHALL_QUEUE] =
	    "UPDATE challenges SET status = 'processing', next_attempt_at = ? "
	    "WHERE id = ? AND status = 'pending'",
	[A_CERT_INSERT] =
	    "INSERT INTO certificates (order_id, account_id, eab_id, serial, sans, not_before, "
	    "not_after, status, pem, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?)",
	[A_CERT_BY_SERIAL] =
	    "SELECT id, eab_id, sans, not_before, not_after, status FROM certificates WHERE serial = ?",
	/* Every enrollment of a key, removed ones included: a certificate lives
	 * until the expiry of the enrollment that covers it. */
	[A_KEY_DOMAINS_ALL] =
	    "SELECT domain, expires_at FROM eab_domains WHERE eab_id = ? LIMIT 5000",
	[A_CERT_BY_ID] =
	    "SELECT pem FROM certificates WHERE id = ? AND account_id = ?",
};
