/*
 * Every SQL statement of the customer area, indexed by enum stmt.
 * Placeholders only; each is prepared once per connection (db.c).
 */
#include "config.h"

#include "center.h"

#define SESSION_COLS \
	"s.id, s.csrf_token, u.id, u.login, u.role, COALESCE(u.lang, ''), " \
	"a.id, a.name, a.kind, a.compatible, a.balance_cents, a.currency"

const char *const center_sql[Q__MAX] = {
	[Q_USER_BY_LOGIN] =
	    "SELECT u.id, u.password_hash, u.disabled FROM users u WHERE u.login = ?",
	[Q_USER_PRINCIPAL] =
	    "SELECT 0, '', u.id, u.login, u.role, COALESCE(u.lang, ''), "
	    "a.id, a.name, a.kind, a.compatible, a.balance_cents, a.currency "
	    "FROM users u JOIN accounts a ON a.id = u.account_id "
	    "WHERE u.login = ? AND u.disabled = 0",
	[Q_USER_SET_LANG] =
	    "UPDATE users SET lang = ? WHERE id = ?",
	[Q_SESSION_INSERT] =
	    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[Q_SESSION_LOOKUP] =
	    "SELECT " SESSION_COLS ", s.expires_at FROM sessions s "
	    "JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id "
	    "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
	[Q_SESSION_TOUCH] =
	    "UPDATE sessions SET expires_at = ? WHERE id = ?",
	[Q_SESSION_DELETE] =
	    "DELETE FROM sessions WHERE id = ?",
	[Q_SESSION_PURGE] =
	    "DELETE FROM sessions WHERE expires_at <= ? LIMIT 1000",
	/* Laid out like SESSION_COLS (no session, no user), then the key id. */
	[Q_LOGIN_FAILURES] =
	    "SELECT COUNT(*) FROM login_failures WHERE login = ? AND failed_at > ?",
	[Q_LOGIN_FAILURE_ADD] =
	    "INSERT INTO login_failures (login, remote_addr, failed_at) VALUES (?, ?, ?)",
	[Q_LOGIN_FAILURES_CLEAR] =
	    "DELETE FROM login_failures WHERE login = ?",
	[Q_LOGIN_FAILURES_PURGE] =
	    "DELETE FROM login_failures WHERE failed_at <= ? LIMIT 1000",
	[Q_APIKEY_LOOKUP] =
	    "SELECT 0, '', 0, CONCAT('api-key-', k.id), 'customer', '', "
	    "a.id, a.name, a.kind, a.compatible, a.balance_cents, a.currency, k.id "
	    "FROM api_keys k JOIN accounts a ON a.id = k.account_id "
	    "WHERE k.key_hash = ? AND k.revoked_at IS NULL",
	[Q_APIKEY_TOUCH] =
	    "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
	[Q_ACCOUNT_BY_ID] =
	    "SELECT id, name, kind, compatible, vat_bp, balance_cents, currency "
	    "FROM accounts WHERE id = ?",
	[Q_ACCOUNT_INSERT] =
	    "INSERT INTO accounts (name, kind, compatible, vat_bp, balance_cents, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	[Q_USER_INSERT] =
	    "INSERT INTO users (account_id, login, password_hash, role, lang, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	[Q_APIKEY_INSERT] =
	    "INSERT INTO api_keys (account_id, label, key_prefix, key_hash, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[Q_ORG_INSERT] =
	    "INSERT INTO organizations (account_id, name, city, country, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[Q_ORG_BY_ID] =
	    "SELECT id, name, city, country, created_at FROM organizations "
	    "WHERE id = ? AND account_id = ?",
	[Q_ORGS_BY_ACCOUNT] =
	    "SELECT id, name, city, country FROM organizations WHERE account_id = ? "
	    "ORDER BY name, id LIMIT 500",
	[Q_PREVAL_UPSERT] =
	    "INSERT INTO prevalidations (organization_id, level, status, updated_at) "
	    "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE status = VALUES(status), "
	    "updated_at = VALUES(updated_at)",
	[Q_PREVALS_BY_ACCOUNT] =
	    "SELECT o.id, o.name, p.level, p.status, p.updated_at FROM organizations o "
	    "JOIN prevalidations p ON p.organization_id = o.id WHERE o.account_id = ? "
	    "ORDER BY o.name, o.id, p.level LIMIT 1500",
	[Q_PREVALS_BY_ORG] =
	    "SELECT level, status, updated_at FROM prevalidations WHERE organization_id = ? "
	    "ORDER BY level",
	[Q_PRODUCT_EXISTS] =
	    "SELECT code FROM products WHERE code = ?",
	[Q_PRICE_UPSERT] =
	    "INSERT INTO account_prices (account_id, product_code, price_cents) VALUES (?, ?, ?) "
	    "ON DUPLICATE KEY UPDATE price_cents = VALUES(price_cents)",
	[Q_PRICES_FOR_ACCOUNT] =
	    "SELECT p.code, p.level, p.wildcard, p.name, p.list_price_cents, "
	    "COALESCE(ap.price_cents, p.list_price_cents) FROM products p "
	    "LEFT JOIN account_prices ap ON ap.product_code = p.code AND ap.account_id = ? "
	    "ORDER BY p.position",
	[Q_APPROVED_ORGS] =
	    "SELECT o.id, o.name, p.level FROM organizations o "
	    "JOIN prevalidations p ON p.organization_id = o.id "
	    "WHERE o.account_id = ? AND p.status = 'approved' ORDER BY p.level, o.name LIMIT 1500",
};
