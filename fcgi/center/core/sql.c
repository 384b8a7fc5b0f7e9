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
	/* Login throttling (auth.c): attempts from unknown browsers count per
	 * login and per address, a known device's only against itself. */
	[Q_LOGIN_FAILURES] =
	    "SELECT COUNT(*) FROM login_failures WHERE login = ? AND failed_at > ? "
	    "AND device_hash IS NULL",
	[Q_LOGIN_FAILURES_ADDR] =
	    "SELECT COUNT(*) FROM login_failures WHERE remote_addr = ? AND failed_at > ? "
	    "AND device_hash IS NULL",
	[Q_LOGIN_FAILURES_DEVICE] =
	    "SELECT COUNT(*) FROM login_failures WHERE device_hash = ? AND failed_at > ?",
	[Q_LOGIN_FAILURE_ADD] =
	    "INSERT INTO login_failures (login, remote_addr, device_hash, failed_at) "
	    "VALUES (?, ?, ?, ?)",
	[Q_LOGIN_FAILURE_DELETE] =
	    "DELETE FROM login_failures WHERE id = ?",
	[Q_LOGIN_FAILURES_CLEAR] =
	    "DELETE FROM login_failures WHERE login = ?",
	[Q_LOGIN_FAILURES_PURGE] =
	    "DELETE FROM login_failures WHERE failed_at <= ? LIMIT 1000",
	/* Takes (and holds to the end of the transaction) the gate's row lock. */
	[Q_LOGIN_GATE] =
	    "INSERT INTO login_gates (kind, k, touched_at) VALUES (?, ?, ?) "
	    "ON DUPLICATE KEY UPDATE touched_at = VALUES(touched_at)",
	[Q_LOGIN_GATES_PURGE] =
	    "DELETE FROM login_gates WHERE touched_at <= ? LIMIT 1000",
	[Q_DEVICE_LOOKUP] =
	    "SELECT user_id FROM login_devices WHERE token_hash = ? AND expires_at > ?",
	[Q_DEVICE_INSERT] =
	    "INSERT INTO login_devices (token_hash, user_id, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?)",
	[Q_DEVICE_PURGE] =
	    "DELETE FROM login_devices WHERE expires_at <= ? LIMIT 1000",
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
	[Q_PREVAL_SET_UPSTREAM] =
	    "UPDATE prevalidations SET upstream_id = ? WHERE organization_id = ? AND level = ?",
	[Q_PREVALS_BY_ACCOUNT] =
	    "SELECT o.id, o.name, p.level, p.status, p.updated_at, p.upstream_id FROM organizations o "
	    "JOIN prevalidations p ON p.organization_id = o.id WHERE o.account_id = ? "
	    "ORDER BY o.name, o.id, p.level LIMIT 1500",
	[Q_PREVALS_BY_ORG] =
	    "SELECT level, status, updated_at, upstream_id FROM prevalidations WHERE organization_id = ? "
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
	/* ---- subscriptions (subs.c) ---- */
	/* Named locks serialise the work on one key or one subscription
	 * across workers and hosts; a dead process's locks go with its
	 * connection. */
	[Q_LOCK_GET] = "SELECT GET_LOCK(?, ?)",
	[Q_LOCK_RELEASE] = "SELECT RELEASE_LOCK(?)",
	/* The creation limit: the account's own figure, then the creation
	 * time of its Nth most recent subscription (at most N index entries of
	 * subscriptions_account, whatever the account's history). */
	[Q_SUB_RATE_LIMIT] = "SELECT subscriptions_per_hour FROM accounts WHERE id = ?",
	[Q_ACCOUNT_SET_SUB_LIMIT] = "UPDATE accounts SET subscriptions_per_hour = ? WHERE id = ?",
	[Q_SUB_RATE_NTH] =
	    "SELECT created_at > ?, DATE_FORMAT(created_at + INTERVAL 1 HOUR, '%H:%i UTC') "
	    "FROM subscriptions WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
	[Q_SUB_BY_KEY] =
	    "SELECT id, status, level, name FROM subscriptions "
	    "WHERE account_id = ? AND idempotency_key = ?",
	[Q_SUB_INSERT] =
	    "INSERT INTO subscriptions (account_id, organization_id, level, name, status, "
	    "acme_server, idempotency_key, created_by, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
#define SUB_COLS \
	"s.id, s.account_id, COALESCE(s.organization_id, 0), s.level, s.name, s.status, " \
	"s.acme_account_id, s.eab_kid, s.acme_server, s.start_date, s.end_date, s.auto_renew, " \
	"s.credentials_shown, s.renewal_error, s.created_at, s.updated_at, o.name, s.prev_end_date"
	[Q_SUB_GET] =
	    "SELECT " SUB_COLS " FROM subscriptions s LEFT JOIN organizations o "
	    "ON o.id = s.organization_id WHERE s.id = ? AND s.account_id = ?",
	[Q_SUB_GET_ANY] =
	    "SELECT " SUB_COLS " FROM subscriptions s LEFT JOIN organizations o "
	    "ON o.id = s.organization_id WHERE s.id = ?",
	[Q_SUB_SET_UPSTREAM] =
	    "UPDATE subscriptions SET acme_account_id = ?, eab_kid = ?, updated_at = ? WHERE id = ?",
	[Q_SUB_ACTIVATE] =
	    "UPDATE subscriptions SET status = 'active', start_date = ?, end_date = ?, "
	    "updated_at = ? WHERE id = ? AND status = 'pending'",
	[Q_SUB_FAIL] =
	    "UPDATE subscriptions SET status = 'failed', updated_at = ? WHERE id = ? "
	    "AND status = 'pending'",
	[Q_SUB_CRED_SEEN] =
	    "UPDATE subscriptions SET credentials_shown = 1 WHERE id = ? AND account_id = ? "
	    "AND credentials_shown = 0",
	[Q_SUB_RENAME] =
	    "UPDATE subscriptions SET name = ?, updated_at = ? WHERE id = ?",
	[Q_SUB_AUTORENEW] =
	    "UPDATE subscriptions SET auto_renew = ?, updated_at = ? WHERE id = ? AND auto_renew <> ?",
	[Q_SUB_EVENT_INSERT] =
	    "INSERT INTO subscription_events (subscription_id, event, detail, actor, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	/* The pre-validation anchor ADDDOMAIN sends (subs_upstream.c). */
	[Q_SUB_ANCHOR] =
	    "SELECT s.level, p.upstream_id FROM subscriptions s LEFT JOIN prevalidations p "
	    "ON p.organization_id = s.organization_id AND p.level = s.level "
	    "AND p.status = 'approved' WHERE s.id = ?",
	/* Contract drift, counted per action (subs_upstream.c). */
	[Q_DRIFT_COUNT] =
	    "INSERT INTO upstream_drift (action, count, last_what, first_at, last_at) "
	    "VALUES (?, 1, ?, ?, ?) ON DUPLICATE KEY UPDATE count = count + 1, "
	    "last_what = VALUES(last_what), last_at = VALUES(last_at)",
	[Q_DRIFT_LIST] =
	    "SELECT action, count, last_what, last_at FROM upstream_drift ORDER BY action",
	[Q_ORG_APPROVED] =
	    "SELECT o.id, o.name, o.city, o.country, p.upstream_id FROM organizations o "
	    "JOIN prevalidations p ON p.organization_id = o.id "
	    "WHERE o.id = ? AND o.account_id = ? AND p.level = ? AND p.status = 'approved'",
	[Q_DOM_INSERT] =
	    "INSERT INTO subscription_domains (subscription_id, name, wildcard, product_code, "
	    "status, price_cents, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
#define DOM_COLS \
	"id, subscription_id, name, wildcard, product_code, status, price_cents, upstream_order, " \
	"added_at, removed_at, COALESCE(refund_cents, 0), upstream_cost_cents, upstream_currency"
	[Q_DOMS_OF_SUB] =
	    "SELECT " DOM_COLS " FROM subscription_domains WHERE subscription_id = ? "
	    "ORDER BY id LIMIT 1000",
	[Q_DOMS_LIVE_NAMES] =
	    "SELECT name FROM subscription_domains WHERE subscription_id = ? "
	    "AND status IN ('pending', 'active') LIMIT 10000",
	[Q_DOMS_LIVE_ELSEWHERE] =
	    "SELECT d.name FROM subscription_domains d JOIN subscriptions s "
	    "ON s.id = d.subscription_id WHERE s.account_id = ? AND s.level = ? "
	    "AND s.status IN ('pending', 'active') AND d.status IN ('pending', 'active') "
	    "AND s.idempotency_key <> ? LIMIT 10000",
	[Q_DOM_GET] =
	    "SELECT " DOM_COLS " FROM subscription_domains WHERE id = ? AND subscription_id = ?",
	[Q_DOM_SET_ORDER] =
	    "UPDATE subscription_domains SET upstream_order = ?, upstream_cost_cents = ?, "
	    "upstream_currency = ? WHERE id = ?",
	[Q_DOM_ACTIVATE] =
	    "UPDATE subscription_domains SET status = 'active', added_at = ? "
	    "WHERE id = ? AND status = 'pending'",
	[Q_DOMS_ACTIVATE_SUB] =
	    "UPDATE subscription_domains SET status = 'active', added_at = ? "
	    "WHERE subscription_id = ? AND status = 'pending'",
	[Q_DOM_FAIL] =
	    "UPDATE subscription_domains SET status = 'failed' WHERE id = ? AND status = 'pending'",
	[Q_DOMS_FAIL_SUB] =
	    "UPDATE subscription_domains SET status = 'failed' WHERE subscription_id = ? "
	    "AND status = 'pending'",
	[Q_DOM_REMOVE] =
	    "UPDATE subscription_domains SET status = 'removed', removed_at = ?, refund_cents = ? "
	    "WHERE id = ? AND status = 'active'",
	/* The domain a certificate belongs to: its name, the wildcard above
	 * it, or the wildcard of the name itself; the live row first. */
	[Q_DOM_MATCH] =
	    "SELECT id FROM subscription_domains WHERE subscription_id = ? AND name IN (?, ?, ?) "
	    "ORDER BY (status = 'active') DESC, (name = ?) DESC, id DESC LIMIT 1",
	[Q_JOURNAL_INSERT] =
	    "INSERT INTO journal (kind, account_id, subscription_id, domain_id, state, step, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
	[Q_JOURNAL_STEP] =
	    "UPDATE journal SET step = ?, updated_at = ? WHERE id = ? AND state = 'open'",
	[Q_JOURNAL_CLOSE] =
	    "UPDATE journal SET state = ?, step = ?, updated_at = ? WHERE id = ? AND state = 'open'",
	[Q_JOURNAL_ERROR] =
	    "UPDATE journal SET attempts = attempts + 1, last_error = ?, updated_at = ? "
	    "WHERE id = ? AND state = 'open'",
	[Q_JOURNAL_GET] =
	    "SELECT id, kind, account_id, subscription_id, COALESCE(domain_id, 0), step, state, "
	    "created_at FROM journal WHERE id = ?",
	[Q_JOURNAL_OPEN_PAGE] =
	    "SELECT id, subscription_id, account_id FROM journal WHERE state = 'open' AND created_at <= ? "
	    "AND id > ? ORDER BY id LIMIT 100",
	[Q_JOURNAL_OPEN_OF_SUB] =
	    "SELECT id FROM journal WHERE subscription_id = ? AND state = 'open' ORDER BY id",
	/* A page of what sync visits (0008_jobs_indexes.sql): an index range on
	 * subscriptions_sync, so a run reads the active subscriptions and the
	 * newly expired ones, never the expired history. */
	[Q_SYNC_SUBS] =
	    "SELECT id, account_id, acme_account_id, sync_cursor FROM subscriptions "
	    "WHERE sync_pending = 1 AND id > ? AND acme_account_id IS NOT NULL ORDER BY id LIMIT 100",
	/* caasctl sync --subscription: the one asked for, even if synced since its expiry. */
	[Q_SYNC_SUB_ONE] =
	    "SELECT id, account_id, acme_account_id, sync_cursor FROM subscriptions "
	    "WHERE id = ? AND status IN ('active', 'expired') AND acme_account_id IS NOT NULL",
	/* updated_at moves only when the status does (assignments run left to right). */
	[Q_CERT_GET] =
	    "SELECT id, status_code FROM certificates WHERE subscription_id = ? AND order_number = ?",
	[Q_CERT_STATUS] =
	    "UPDATE certificates SET status = ?, status_code = ?, updated_at = ? WHERE id = ?",
	[Q_CERT_UPSERT] =
	    "INSERT INTO certificates (account_id, subscription_id, domain_id, order_number, "
	    "reference, certificate_id, domain, serial, not_before, not_after, status, "
	    "status_code, upstream_page, first_seen_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
	    "updated_at = IF(status = VALUES(status), updated_at, VALUES(updated_at)), "
	    "status = VALUES(status), status_code = VALUES(status_code), "
	    "upstream_page = VALUES(upstream_page)",
	/* The first page holding a certificate that can still change. */
	[Q_SYNC_CURSOR] =
	    "SELECT MIN(upstream_page) FROM certificates WHERE subscription_id = ? "
	    "AND status IN ('valid', 'pending') AND (not_after IS NULL OR not_after > ?)",
	[Q_SUB_SET_CURSOR] =
	    "UPDATE subscriptions SET sync_cursor = ?, last_sync_at = ? WHERE id = ?",
	/* sync is the only writer of certificates: it keeps the counter. */
	[Q_SUB_CERTS_RECOUNT] =
	    "UPDATE subscriptions SET certificates_count = "
	    "(SELECT COUNT(*) FROM certificates c WHERE c.subscription_id = ?) WHERE id = ?",
	/* ---- pages (subs_pages.c) ---- */
	[Q_SUBS_PAGE] =
	    "SELECT s.id, s.name, s.level, s.status, o.name, s.start_date, s.end_date, "
	    "s.auto_renew, s.created_at, "
	    "(SELECT COUNT(*) FROM subscription_domains d WHERE d.subscription_id = s.id "
	    "AND d.status = 'active'), s.certificates_count "
	    "FROM subscriptions s LEFT JOIN organizations o ON o.id = s.organization_id "
	    "WHERE s.account_id = ? AND s.status <> 'failed' ORDER BY s.id DESC LIMIT ? OFFSET ?",
	[Q_SUBS_COUNT] =
	    "SELECT COUNT(*) FROM subscriptions WHERE account_id = ? AND status <> 'failed'",
	/* The domains shown (active and removed), the active ones, and the
	 * certificates (a counter: a COUNT(*) over thousands of certificates
	 * at every page view was most of the page's database time). */
	[Q_SUB_DETAIL] =
	    "SELECT COUNT(*), COALESCE(SUM(d.status = 'active'), 0), "
	    "(SELECT s.certificates_count FROM subscriptions s WHERE s.id = ?) "
	    "FROM subscription_domains d WHERE d.subscription_id = ? "
	    "AND d.status IN ('active', 'removed')",
	[Q_DOMS_PAGE] =
	    "SELECT " DOM_COLS " FROM subscription_domains WHERE subscription_id = ? "
	    "AND status IN ('active', 'removed') ORDER BY id LIMIT ? OFFSET ?",
	[Q_CERTS_PAGE] =
	    "SELECT reference, domain, serial, not_before, not_after, status, subscription_id, '', "
	    "revocation_requested_at FROM certificates WHERE subscription_id = ? "
	    "ORDER BY id DESC LIMIT ? OFFSET ?",
	/* q is matched as a substring of the domain (LIKE, escaped by the
	 * caller) or as the exact reference. */
	[Q_CERTS_SEARCH] =
	    "SELECT c.reference, c.domain, c.serial, c.not_before, c.not_after, c.status, "
	    "c.subscription_id, s.name, c.revocation_requested_at FROM certificates c JOIN subscriptions s "
	    "ON s.id = c.subscription_id WHERE c.account_id = ? "
	    "AND (? = '' OR c.domain LIKE ? OR c.reference = ?) "
	    "ORDER BY c.id DESC LIMIT ? OFFSET ?",
	[Q_CERTS_SEARCH_COUNT] =
	    "SELECT COUNT(*) FROM certificates c WHERE c.account_id = ? "
	    "AND (? = '' OR c.domain LIKE ? OR c.reference = ?)",
	/* ---- lifecycle jobs (subs_lifecycle.c): claims skip what another run holds ---- */
	[Q_CLAIM_SET] = "UPDATE subscriptions SET claimed_until = ? WHERE id = ?",
	[Q_CLAIM_CLEAR] = "UPDATE subscriptions SET claimed_until = NULL WHERE id = ?",
	[Q_RENEW_CLAIM] =
	    "SELECT id, account_id FROM subscriptions WHERE status = 'active' AND auto_renew = 1 "
	    "AND end_date <= ? AND end_date > ? "
	    "AND (renewal_tried_on IS NULL OR renewal_tried_on < ?) "
	    "AND (claimed_until IS NULL OR claimed_until < ?) "
	    "ORDER BY end_date, id LIMIT 100 FOR UPDATE SKIP LOCKED",
	[Q_EXPIRE_CLAIM] =
	    "SELECT id, account_id FROM subscriptions WHERE status = 'active' AND end_date <= ? "
	    "AND (claimed_until IS NULL OR claimed_until < ?) "
	    "ORDER BY end_date, id LIMIT 100 FOR UPDATE SKIP LOCKED",
	[Q_PREVTERM_CLAIM] =
	    "SELECT id, account_id FROM subscriptions WHERE prev_term_closed = 0 AND prev_end_date <= ? "
	    "AND (claimed_until IS NULL OR claimed_until < ?) "
	    "ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED",
	/* Keyset pages of 1000 (SUBS_DOMAINS_PAGE): renewal charges them all. */
	[Q_DOMS_ACTIVE] =
	    "SELECT " DOM_COLS " FROM subscription_domains WHERE subscription_id = ? "
	    "AND status = 'active' AND id > ? ORDER BY id LIMIT 1000",
	[Q_SUB_RENEW_FAILED] =
	    "UPDATE subscriptions SET renewal_error = ?, renewal_tried_on = ?, updated_at = ? WHERE id = ?",
	[Q_SUB_RENEWED] =
	    "UPDATE subscriptions SET prev_end_date = end_date, prev_term_closed = 0, "
	    "start_date = end_date, end_date = ?, renewal_error = NULL, renewal_tried_on = ?, "
	    "updated_at = ? WHERE id = ? AND end_date = ?",
	/* Keyset pages of 500 (CERTS_PAGE): expiry asks the revocation of all. */
	[Q_CERTS_OUTLIVING] =
	    "SELECT id, order_number FROM certificates WHERE subscription_id = ? "
	    "AND status IN ('valid', 'pending') AND not_after > ? AND id > ? "
	    "AND revocation_requested_at IS NULL ORDER BY id LIMIT 500",
	[Q_CERTS_OUTLIVING_REMOVED] =
	    "SELECT c.id, c.order_number FROM certificates c JOIN subscription_domains d "
	    "ON d.id = c.domain_id WHERE c.subscription_id = ? AND d.status = 'removed' "
	    "AND d.removed_at < ? AND c.status IN ('valid', 'pending') AND c.not_after > ? "
	    "AND c.id > ? AND c.revocation_requested_at IS NULL ORDER BY c.id LIMIT 500",
	[Q_CERT_REVOKED] =
	    "UPDATE certificates SET status = 'revoked', status_code = 8, updated_at = ? WHERE id = ?",
	/* Revocations we asked for (confirm-revocations, docs/upstream.md). */
	[Q_CERTS_REVOKE_ASKED] =
	    "UPDATE certificates SET revocation_requested_at = ?, revocation_note = ?, updated_at = ? "
	    "WHERE domain_id = ? AND status IN ('valid', 'pending') "
	    "AND revocation_requested_at IS NULL",
	[Q_CERTS_REVOKE_DUE] =
	    "SELECT id, order_number FROM certificates WHERE revocation_requested_at <= ? "
	    "AND status IN ('valid', 'pending') AND (revocation_checked_at IS NULL OR "
	    "revocation_checked_at <= ?) AND id > ? ORDER BY id LIMIT 100",
	/* The claim on a revocation to ask: a row nobody checked since the cutoff. */
	[Q_CERT_REVOKE_CLAIM] =
	    "UPDATE certificates SET revocation_requested_at = COALESCE(revocation_requested_at, ?), "
	    "revocation_checked_at = ? WHERE id = ? AND (revocation_checked_at IS NULL OR "
	    "revocation_checked_at <= ?)",
	/* What !AutoRevokeSSL answered: a confirmed state, or only the note. */
	[Q_CERT_REVOKE_OUTCOME] =
	    "UPDATE certificates SET status = COALESCE(?, status), "
	    "status_code = COALESCE(?, status_code), revocation_note = ?, updated_at = ? WHERE id = ?",
	[Q_JOURNAL_OPEN_KIND] =
	    "SELECT id FROM journal WHERE subscription_id = ? AND kind = ? AND state = 'open' "
	    "ORDER BY id LIMIT 1",
	[Q_SUB_EXPIRE] =
	    "UPDATE subscriptions SET status = 'expired', expired_at = ?, updated_at = ? "
	    "WHERE id = ? AND status = 'active'",
	[Q_SUB_PREVTERM_CLOSED] =
	    "UPDATE subscriptions SET prev_term_closed = 1 WHERE id = ?",
	/* ---- issue 17: renewal watch (watch.c) ---- */
	/* Keyset pages of 500: every active name of an active subscription. */
	[Q_WATCH_DOMS] =
	    "SELECT d.id, d.subscription_id, s.account_id, d.name, d.added_at "
	    "FROM subscription_domains d JOIN subscriptions s ON s.id = d.subscription_id "
	    "WHERE d.status = 'active' AND s.status = 'active' AND d.id > ? ORDER BY d.id LIMIT 500",
	[Q_WATCH_NEWEST_CERT] =
	    "SELECT not_before, not_after, reference FROM certificates WHERE domain_id = ? "
	    "AND status = 'valid' AND not_before IS NOT NULL AND not_after IS NOT NULL "
	    "ORDER BY not_after DESC, id DESC LIMIT 1",
	[Q_WATCH_CERT_COUNT] =
	    "SELECT COUNT(*) FROM certificates WHERE domain_id = ?",
	[Q_WATCH_GET] =
	    "SELECT state, not_after FROM renewal_watch WHERE domain_id = ? FOR UPDATE",
	/* digest_due -1: keep it (only the expiry moved, the state did not change). */
	[Q_WATCH_UPSERT] =
	    "INSERT INTO renewal_watch (domain_id, account_id, subscription_id, state, not_after, "
	    "changed_at, digest_due) VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
	    "state = VALUES(state), not_after = VALUES(not_after), changed_at = VALUES(changed_at), "
	    "digest_due = IF(VALUES(digest_due) < 0, digest_due, VALUES(digest_due))",
	[Q_WATCH_DIGEST_ACCTS] =
	    "SELECT DISTINCT account_id FROM renewal_watch WHERE digest_due = 1 AND account_id > ? "
	    "ORDER BY account_id LIMIT 100",
	/* At most DIGEST_MAX (watch.c) names; the rest go in the next digest. */
	[Q_WATCH_DIGEST_NAMES] =
	    "SELECT w.domain_id, d.name, w.state, w.not_after, s.name, s.id "
	    "FROM renewal_watch w JOIN subscription_domains d ON d.id = w.domain_id "
	    "JOIN subscriptions s ON s.id = w.subscription_id "
	    "WHERE w.account_id = ? AND w.digest_due = 1 ORDER BY w.domain_id LIMIT 50 FOR UPDATE",
	[Q_WATCH_DIGEST_DONE] =
	    "UPDATE renewal_watch SET digest_due = 0 WHERE account_id = ? AND digest_due = 1 "
	    "AND domain_id <= ?",
	[Q_WATCH_DIGEST_DAY] =
	    "SELECT sent_on FROM watch_digests WHERE account_id = ? FOR UPDATE",
	[Q_WATCH_DIGEST_DAY_SET] =
	    "INSERT INTO watch_digests (account_id, sent_on) VALUES (?, ?) "
	    "ON DUPLICATE KEY UPDATE sent_on = VALUES(sent_on)",
	[Q_WATCH_USER_DIGEST] =
	    "UPDATE users SET watch_digest = ? WHERE id = ?",
	[Q_WATCH_USER_GET] =
	    "SELECT watch_digest FROM users WHERE id = ?",
	/* ---- issue 17: failed issuance (sync) ---- */
	[Q_FAIL_INSERT] =
	    "INSERT INTO issuance_failures (account_id, subscription_id, domain_id, domain, "
	    "order_number, status_code, description, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_FAIL_LAST_OF_DOM] =
	    "SELECT order_number, status_code, description, seen_at FROM issuance_failures "
	    "WHERE domain_id = ? ORDER BY seen_at DESC, id DESC LIMIT 1",
	/* The certificates page: the watch state of a certificate's name. */
	[Q_WATCH_DOM_OF_ACCOUNT] =
	    "SELECT d.id, d.added_at, d.status FROM subscription_domains d JOIN subscriptions s "
	    "ON s.id = d.subscription_id WHERE d.id = ? AND s.account_id = ?",
	/* ---- issue 17: webhooks (webhooks.c) ---- */
	[Q_WH_INSERT] =
	    "INSERT INTO webhook_endpoints (account_id, url, secret, events, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[Q_WH_COUNT] =
	    "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = ? AND deleted_at IS NULL",
	[Q_WH_LIST] =
	    "SELECT id, url, events, created_at, secret_rotated_at FROM webhook_endpoints "
	    "WHERE account_id = ? AND deleted_at IS NULL ORDER BY id",
	[Q_WH_GET] =
	    "SELECT id, url, events, created_at, secret_rotated_at FROM webhook_endpoints "
	    "WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
	[Q_WH_DELETE] =
	    "UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND account_id = ? "
	    "AND deleted_at IS NULL",
	[Q_WH_ROTATE] =
	    "UPDATE webhook_endpoints SET secret = ?, secret_rotated_at = ? WHERE id = ? "
	    "AND account_id = ? AND deleted_at IS NULL",
	[Q_WH_FOR_EVENT] =
	    "SELECT id FROM webhook_endpoints WHERE account_id = ? AND deleted_at IS NULL "
	    "AND (FIND_IN_SET(?, events) > 0 OR ? = 1) AND (? = 0 OR id = ?) ORDER BY id",
	[Q_WHD_INSERT] =
	    "INSERT INTO webhook_deliveries (endpoint_id, account_id, delivery_id, event, event_key, "
	    "body, status, attempts, next_attempt_at, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
	[Q_WHD_RECENT] =
	    "SELECT delivery_id, event, status, attempts, last_http_status, last_error, created_at, "
	    "last_attempt_at, delivered_at FROM webhook_deliveries WHERE endpoint_id = ? "
	    "ORDER BY id DESC LIMIT 10",
	/* Rows another run holds are skipped, not waited for (DESIGN.md §5). */
	[Q_WHD_DUE] =
	    "SELECT d.id, d.delivery_id, d.event, d.body, d.attempts, d.created_at, e.url, e.secret "
	    "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
	    "WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND e.deleted_at IS NULL "
	    "AND (d.claimed_until IS NULL OR d.claimed_until < ?) "
	    "ORDER BY d.next_attempt_at, d.id LIMIT 20 FOR UPDATE SKIP LOCKED",
	[Q_WHD_CLAIM] =
	    "UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?",
	[Q_WHD_DONE] =
	    "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, "
	    "last_http_status = ?, last_error = NULL, last_attempt_at = ?, delivered_at = ?, "
	    "claimed_until = NULL WHERE id = ? AND status = 'queued'",
	[Q_WHD_RETRY] =
	    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_http_status = ?, "
	    "last_error = ?, last_attempt_at = ?, next_attempt_at = ?, claimed_until = NULL "
	    "WHERE id = ? AND status = 'queued'",
	[Q_WHD_FAIL] =
	    "UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, "
	    "last_http_status = ?, last_error = ?, last_attempt_at = ?, claimed_until = NULL "
	    "WHERE id = ? AND status = 'queued'",
	[Q_WHD_DROP_DELETED] =
	    "UPDATE webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
	    "SET d.status = 'failed', d.last_error = 'endpoint deleted' "
	    "WHERE e.deleted_at IS NOT NULL AND d.status = 'queued'",
	/* What an event's body says about its subscription or domain. */
	[Q_WH_SUB_INFO] =
	    "SELECT account_id, name, level, status, end_date FROM subscriptions WHERE id = ?",
	[Q_WH_DOM_INFO] =
	    "SELECT d.name, d.subscription_id, s.account_id, d.status FROM subscription_domains d "
	    "JOIN subscriptions s ON s.id = d.subscription_id WHERE d.id = ?",
	/* The list's badge: names of a subscription the last watch found in trouble. */
	[Q_WATCH_SUB_ATTENTION] =
	    "SELECT COUNT(*) FROM renewal_watch w JOIN subscription_domains d ON d.id = w.domain_id "
	    "WHERE w.subscription_id = ? AND d.status = 'active' "
	    "AND w.state IN ('overdue', 'expired', 'never_issued')",
	/* The details page's filter: the active names the last watch found in trouble. */
	[Q_WATCH_DOMS_PAGE] =
	    "SELECT " DOM_COLS " FROM subscription_domains WHERE subscription_id = ? "
	    "AND status = 'active' AND id IN (SELECT domain_id FROM renewal_watch "
	    "WHERE subscription_id = ? AND state IN ('overdue', 'expired', 'never_issued')) "
	    "ORDER BY id LIMIT ? OFFSET ?",
	/* The certificates page: the account's names in trouble at the last watch run. */
	[Q_WATCH_ACCOUNT_ATTENTION] =
	    "SELECT d.name, w.state, w.not_after, w.subscription_id, s.name "
	    "FROM renewal_watch w JOIN subscription_domains d ON d.id = w.domain_id "
	    "JOIN subscriptions s ON s.id = w.subscription_id WHERE w.account_id = ? "
	    "AND d.status = 'active' AND s.status = 'active' "
	    "AND w.state IN ('overdue', 'expired', 'never_issued') ORDER BY w.domain_id LIMIT 100",
	[Q_WH_CERT_INFO] =
	    "SELECT account_id, subscription_id, domain, reference FROM certificates WHERE id = ?",
};
