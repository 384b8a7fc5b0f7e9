/*
 * The reseller API of the bundled CA (DESIGN.md §3 shape, §4 money):
 *
 *   POST /products/!ACMEAdmin      loginName, loginPassword, action, …
 *   POST /products/!AutoRevokeSSL  loginName, loginPassword, orderNumber |
 *                                  certificateID | serialNumber, codeReason
 *
 * Inputs are declared once (enum rfield, with length caps) and each
 * action names the fields it requires; handlers only read checked
 * values. An EAB key is an "account" (acmeAccountID = kid); its
 * subscription term lives on eab_keys (term_start, term_end), the
 * billed orders in reseller_orders. Money is integer cents (EUR).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "acme.h"
#include "clock.h"
#include "crypto.h"
#include "eab_keys.h"
#include "log.h"
#include "reseller.h"
#include "revoke.h"

#define CURRENCY		"EUR"
#define REFUND_WINDOW		(30L * 86400)	/* after the add (DESIGN.md §4) */
#define EXTEND_BEFORE_DAYS	100		/* window opens before term_end */
#define EXTEND_AFTER_DAYS	30		/* and closes after it */
#define DAY			86400L

const char *const reseller_sql[R__MAX] = {
	[R_EAB_BY_KID] =
	    "SELECT id, level, status, term_start, term_end FROM eab_keys WHERE kid = ?",
	/* Every state change of an account starts here: one writer per key. */
	[R_EAB_LOCK] =
	    "SELECT id, level, status, term_start, term_end FROM eab_keys WHERE kid = ? FOR UPDATE",
	[R_EAB_SET_TERM] =
	    "UPDATE eab_keys SET term_start = ?, term_end = ? WHERE id = ?",
	[R_EAB_SET_STATUS] =
	    "UPDATE eab_keys SET status = ? WHERE id = ? AND status <> 'deactivated'",
	/* Back to where it was: valid once an ACME account has bound it. */
	[R_EAB_UNSUSPEND] =
	    "UPDATE eab_keys SET status = IF(EXISTS (SELECT 1 FROM accounts a "
	    "WHERE a.eab_id = eab_keys.id), 'valid', 'pending') WHERE id = ? AND status = 'suspended'",
	[R_EAB_PAGE] =
	    "SELECT kid, status, level FROM eab_keys ORDER BY id LIMIT 100 OFFSET ?",
	[R_PRICE] =
	    "SELECT yearly_cents FROM reseller_prices WHERE level = ? AND wildcard = ?",
	[R_DOMAIN_LOCK] =
	    "SELECT id, added_at, removed_at, add_order FROM eab_domains "
	    "WHERE eab_id = ? AND domain = ? FOR UPDATE",
	/* A removed enrollment comes back as a new add. */
	[R_DOMAIN_ADD] =
	    "INSERT INTO eab_domains (eab_id, domain, added_at, expires_at, add_order) "
	    "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE added_at = VALUES(added_at), "
	    "expires_at = VALUES(expires_at), removed_at = NULL, add_order = VALUES(add_order)",
	[R_DOMAIN_REMOVE] =
	    "UPDATE eab_domains SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
	[R_DOMAINS_LISTED] =
	    "SELECT domain, expires_at FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL "
	    "AND expires_at > ? ORDER BY domain LIMIT 5000",
	[R_DOMAINS_ACTIVE] =
	    "SELECT domain FROM eab_domains WHERE eab_id = ? AND removed_at IS NULL LIMIT 5000",
	[R_DOMAINS_EXTEND] =
	    "UPDATE eab_domains SET expires_at = ? WHERE eab_id = ? AND removed_at IS NULL",
	[R_ORDER_INSERT] =
	    "INSERT INTO reseller_orders (eab_id, kind, domain, cost_cents, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	[R_ORDER_COST] =
	    "SELECT cost_cents FROM reseller_orders WHERE order_number = ? AND eab_id = ?",
	[R_CERTS_VALID] =
	    "SELECT id, sans FROM certificates WHERE eab_id = ? AND status = 'valid' LIMIT 5000",
	/* GETLASTORDER: optional domain and creation-date filters, one page. */
	[R_CERTS_PAGE] =
	    "SELECT id, order_id, status, sans, serial, not_before, not_after FROM certificates "
	    "WHERE eab_id = ? AND (? IS NULL OR JSON_CONTAINS(sans, JSON_QUOTE(?))) "
	    "AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) "
	    "ORDER BY id LIMIT 100 OFFSET ?",
	[R_CERT_BY_SERIAL] =
	    "SELECT id FROM certificates WHERE serial = ?",
};

/* ---- problems: urn:sectigo:params:acme:error:<kind> ---- */

enum rproblem {
	RP_MALFORMED,
	RP_UNAUTHORIZED,
	RP_ACCOUNT_NOT_FOUND,
	RP_DOMAIN_NOT_FOUND,
	RP_EXTENSION_WINDOW,
	RP_SUBSCRIPTION_EXPIRED,
	RP_ACCOUNT_SUSPENDED,
	RP_ACCOUNT_DEACTIVATED,
	RP_NOT_FOUND,
	RP_METHOD,
	RP_TOO_LARGE,
	RP_UNAVAILABLE,
	RP_INTERNAL,
	RP__MAX
};

static const struct {
	const char	*kind;
	int		 status;
} problems[RP__MAX] = {
	[RP_MALFORMED] = { "malformed", 400 },
	[RP_UNAUTHORIZED] = { "unauthorized", 401 },
	[RP_ACCOUNT_NOT_FOUND] = { "accountNotFound", 400 },
	[RP_DOMAIN_NOT_FOUND] = { "domainNotFound", 400 },
	[RP_EXTENSION_WINDOW] = { "extensionWindow", 403 },
	[RP_SUBSCRIPTION_EXPIRED] = { "subscriptionExpired", 403 },
	[RP_ACCOUNT_SUSPENDED] = { "accountSuspended", 403 },
	[RP_ACCOUNT_DEACTIVATED] = { "accountDeactivated", 403 },
	[RP_NOT_FOUND] = { "notFound", 404 },
	[RP_METHOD] = { "malformed", 405 },
	[RP_TOO_LARGE] = { "malformed", 413 },
	[RP_UNAVAILABLE] = { "serverInternal", 503 },
	[RP_INTERNAL] = { "serverInternal", 500 },
};

/* ---- inputs ---- */

enum rfield {
	F_LOGIN, F_PASSWORD, F_ACTION, F_ACCOUNT, F_DOMAIN, F_QUOTE, F_SERVER_URL, F_YEARS,
	F_ORG_NAME, F_LOCALITY, F_COUNTRY, F_FROM, F_TO, F_PAGE, F_ORDER_NUMBER, F_CERT_ID,
	F_SERIAL, F_REV_REASON, F_CODE_REASON, F__MAX
};

static const struct {
	const char	*name;
	size_t		 max;		/* bytes */
} fields[F__MAX] = {
	[F_LOGIN] = { "loginName", 64 },
	[F_PASSWORD] = { "loginPassword", 256 },
	[F_ACTION] = { "action", 32 },
	[F_ACCOUNT] = { "acmeAccountID", 64 },
	[F_DOMAIN] = { "domainName", ACME_NAME_MAX },
	[F_QUOTE] = { "quoteOnly", 1 },
	[F_SERVER_URL] = { "serverUrl", 512 },
	[F_YEARS] = { "years", 2 },
	[F_ORG_NAME] = { "organizationName", 64 },
	[F_LOCALITY] = { "locality", 128 },
	[F_COUNTRY] = { "country", 2 },
	[F_FROM] = { "fromDate", 10 },
	[F_TO] = { "toDate", 10 },
	[F_PAGE] = { "page", 5 },
	[F_ORDER_NUMBER] = { "orderNumber", 19 },
	[F_CERT_ID] = { "certificateID", 19 },
	[F_SERIAL] = { "serialNumber", 32 },
	[F_REV_REASON] = { "revocationReason", 512 },
	[F_CODE_REASON] = { "codeReason", 1 },
};

#define BIT(f)	(1u << (f))

/* One request: checked inputs, and the account once looked up. */
struct rctx {
	const struct ca_conf	*conf;
	struct db		*adb;
	struct db		*db;
	struct req		*req;
	const char		*v[F__MAX];	/* NULL: absent */
	char			 domain[ACME_NAME_MAX + 1];	/* domainName, lower case */
	/* The account (eab_keys row), after account_get. */
	long long		 eab_id;
	char			 level[8];
	char			 status[16];
	long			 term_start;	/* days since 1970-01-01; -1 when none */
	long			 term_end;
};

/* ---- answers ---- */

static void
send_json(struct rctx *rc, int status, json_t *j)
{
	char	*text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	resp_header(rc->req, "Cache-Control", "no-store");
	resp_header(rc->req, "X-Content-Type-Options", "nosniff");
	if (text == NULL)
		resp_send(rc->req, 500, "text/plain", "out of memory\n", 14);
	else
		resp_send(rc->req, status, "application/json", text, strlen(text));
	free(text);
	json_decref(j);
}

static void __attribute__((format(printf, 3, 4)))
problem(struct rctx *rc, enum rproblem p, const char *fmt, ...)
{
	char	 detail[512], type[96];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(type, sizeof(type), "urn:sectigo:params:acme:error:%s", problems[p].kind);
	send_json(rc, problems[p].status, json_pack("{s:s, s:s}", "type", type, "detail", detail));
}

/* A database failure: 503 when the server is away, 500 otherwise. */
static void
db_problem(struct rctx *rc, int err, const char *what)
{
	log_warnx("reseller: %s: database error %d", what, err);
	if (err == DB_EDOWN || err == DB_ELOCK)
		problem(rc, RP_UNAVAILABLE, "database unavailable, nothing was changed: retry");
	else
		problem(rc, RP_INTERNAL, "internal error (%s), nothing was changed", what);
}

/* "1234" cents → "12.34" (negative for refunds). */
static void
money(long long cents, char out[32])
{
	long long a = cents < 0 ? -cents : cents;

	snprintf(out, 32, "%s%lld.%02lld", cents < 0 ? "-" : "", a / 100, a % 100);
}

static json_t *
order_answer(long long number, long long cents)
{
	char	 cost[32];

	money(cents, cost);
	return json_pack("{s:b, s:I, s:s, s:s}", "success", 1, "orderNumber", (json_int_t)number,
	    "cost", cost, "currency", CURRENCY);
}

/* SQL DATETIME "YYYY-MM-DD HH:MM:SS" → RFC 3339 "YYYY-MM-DDTHH:MM:SSZ". */
static void
rfc3339(const char *sql, char out[24])
{
	time_t	 t;
	struct tm tm;

	if (sql == NULL || clock_parse(sql, &t) != 0) {
		out[0] = '\0';
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- days (UTC calendar) ---- */

static long
today(void)
{
	return (long)(clock_now() / DAY);
}

/* "YYYY-MM-DD…" → days since 1970-01-01, -1 on NULL or bad text. */
static long
day_of(const char *s)
{
	time_t	 t;

	if (s == NULL || clock_parse(s, &t) != 0 || t < 0)
		return -1;
	return (long)(t / DAY);
}

/* DATETIME text of a day's midnight, and DATE text "YYYY-MM-DD". */
static void
day_sql(long day, char out[CLOCK_SQL_LEN])
{
	clock_sql((time_t)day * DAY, out);
}

static void
day_date(long day, char out[CLOCK_SQL_LEN])
{
	clock_sql((time_t)day * DAY, out);
	out[10] = '\0';
}

/* The same calendar date one year later (29 February → 1 March). */
static long
plus_year(long day)
{
	time_t	 t = (time_t)day * DAY;
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_year += 1;
	return (long)(timegm(&tm) / DAY);
}

/*
 * DESIGN.md §4: round_half_up(yearly × min(days_left, days_in_term) /
 * days_in_term), all integers, for a term [start, end) and today.
 */
static long long
pro_rata(long long yearly, long start, long end, long now)
{
	long long in_term = end - start, left = end - now;

	if (in_term <= 0 || left <= 0)
		return 0;
	if (left > in_term)
		left = in_term;
	return (2 * yearly * left + in_term) / (2 * in_term);
}

/* ---- checked inputs ---- */

/*
 * Take the fields of the request into rc->v: each at most once, within
 * its length cap, printable ASCII. Returns 0, or -1 with the answer sent.
 */
static int
fields_parse(struct rctx *rc)
{
	for (int f = 0; f < F__MAX; f++) {
		const char *s = kv_get(&rc->req->form, fields[f].name);
		if (s == NULL)
			continue;
		if (kv_count(&rc->req->form, fields[f].name) > 1) {
			problem(rc, RP_MALFORMED, "%s: given more than once", fields[f].name);
			return -1;
		}
		if (strlen(s) > fields[f].max) {
			problem(rc, RP_MALFORMED, "%s: at most %zu characters", fields[f].name, fields[f].max);
			return -1;
		}
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				problem(rc, RP_MALFORMED, "%s: control characters", fields[f].name);
				return -1;
			}
		rc->v[f] = *s != '\0' ? s : NULL;
	}
	return 0;
}

/* Every field of mask present, or -1 with malformed naming the first missing one. */
static int
fields_need(struct rctx *rc, unsigned mask)
{
	for (int f = 0; f < F__MAX; f++)
		if ((mask & BIT(f)) && rc->v[f] == NULL) {
			problem(rc, RP_MALFORMED, "%s is missing", fields[f].name);
			return -1;
		}
	return 0;
}

/*
 * loginName and loginPassword (both present) against reseller_login and
 * the password file, compared through SHA-256 so that the time says
 * nothing about either. 1 if they match, 0 otherwise (and when the API
 * is not configured).
 */
static int
login_matches(struct rctx *rc)
{
	char	 a[SHA256_HEX_LEN + 1], b[SHA256_HEX_LEN + 1], c[SHA256_HEX_LEN + 1], d[SHA256_HEX_LEN + 1];
	const char *conf_login = rc->conf->reseller_login, *conf_pw = rc->conf->reseller_password;
	int	 same;

	if (conf_login == NULL || conf_pw == NULL)
		return 0;
	sha256_hex(rc->v[F_LOGIN], strlen(rc->v[F_LOGIN]), a);
	sha256_hex(conf_login, strlen(conf_login), b);
	sha256_hex(rc->v[F_PASSWORD], strlen(rc->v[F_PASSWORD]), c);
	sha256_hex(conf_pw, strlen(conf_pw), d);
	same = crypto_equal(a, b) & crypto_equal(c, d);
	if (!same)
		log_info("reseller: refused login \"%.64s\" from %s", rc->v[F_LOGIN],
		    rc->req->remote_addr ? rc->req->remote_addr : "?");
	return same;
}

/* The login of an !ACMEAdmin call: 0, or -1 with 401 unauthorized sent. */
static int
login_ok(struct rctx *rc)
{
	if (rc->v[F_LOGIN] == NULL || rc->v[F_PASSWORD] == NULL) {
		problem(rc, RP_UNAUTHORIZED, "%s is missing",
		    rc->v[F_LOGIN] == NULL ? "loginName" : "loginPassword");
		return -1;
	}
	if (!login_matches(rc)) {
		problem(rc, RP_UNAUTHORIZED, "loginName or loginPassword is wrong");
		return -1;
	}
	return 0;
}

/* domainName into rc->domain (lower case); wildcards unless QWAC. 0 or -1 (sent). */
static int
domain_arg(struct rctx *rc)
{
	size_t	 i;

	for (i = 0; rc->v[F_DOMAIN][i] != '\0' && i < ACME_NAME_MAX; i++)
		rc->domain[i] = (char)tolower((unsigned char)rc->v[F_DOMAIN][i]);
	rc->domain[i] = '\0';
	if (!dns_name_ok(rc->domain, 1)) {
		problem(rc, RP_MALFORMED, "domainName: \"%s\" is not a DNS name (or *.name)", rc->v[F_DOMAIN]);
		return -1;
	}
	if (strncmp(rc->domain, "*.", 2) == 0 && strcmp(rc->level, "QWAC") == 0) {
		problem(rc, RP_MALFORMED, "domainName: QWAC accounts take no wildcard");
		return -1;
	}
	return 0;
}

/* quoteOnly: Y or N (absent: N). 1, 0, or -1 (sent). */
static int
quote_arg(struct rctx *rc)
{
	const char *q = rc->v[F_QUOTE];

	if (q == NULL || strcmp(q, "N") == 0)
		return 0;
	if (strcmp(q, "Y") == 0)
		return 1;
	problem(rc, RP_MALFORMED, "quoteOnly: Y or N");
	return -1;
}

/* years: only 1 (absent: 1). 0 or -1 (sent). */
static int
years_arg(struct rctx *rc)
{
	if (rc->v[F_YEARS] != NULL && strcmp(rc->v[F_YEARS], "1") != 0) {
		problem(rc, RP_MALFORMED, "years: only 1 is offered");
		return -1;
	}
	return 0;
}

/* A decimal in [lo, hi] from field f (absent: dflt). -1 on bad input (sent). */
static long long
number_arg(struct rctx *rc, enum rfield f, long long lo, long long hi, long long dflt)
{
	const char *s = rc->v[f];
	char	*end;
	long long n;

	if (s == NULL)
		return dflt;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end != '\0' || errno != 0 || n < lo || n > hi) {
		problem(rc, RP_MALFORMED, "%s: a number from %lld to %lld", fields[f].name, lo, hi);
		return -1;
	}
	return n;
}

/* ---- the account ---- */

/*
 * Look up acmeAccountID (locked FOR UPDATE when lock is set, inside the
 * caller's transaction) into rc. 0, or -1 with the answer sent
 * (accountNotFound, or a database error).
 */
static int
account_get(struct rctx *rc, int lock)
{
	struct db_res	*r = NULL;
	int		 err, rv = -1;

	if ((err = db_run(rc->db, lock ? R_EAB_LOCK : R_EAB_BY_KID,
	    (struct db_param[]){ DB_S(rc->v[F_ACCOUNT]) }, 1, &r)) != 0) {
		db_problem(rc, err, "account lookup");
		goto out;
	}
	if (r->nrows != 1) {
		problem(rc, RP_ACCOUNT_NOT_FOUND, "acmeAccountID: no account %s", rc->v[F_ACCOUNT]);
		goto out;
	}
	rc->eab_id = db_cell_int(r, 0, 0);
	snprintf(rc->level, sizeof(rc->level), "%s", db_cell(r, 0, 1));
	snprintf(rc->status, sizeof(rc->status), "%s", db_cell(r, 0, 2));
	rc->term_start = day_of(db_cell(r, 0, 3));
	rc->term_end = day_of(db_cell(r, 0, 4));
	rv = 0;
out:
	db_res_free(r);
	return rv;
}

/* Start the transaction of a state change. 0, or -1 with the answer sent. */
static int
begin(struct rctx *rc)
{
	int	 err;

	if ((err = db_begin(rc->db)) != 0) {
		db_problem(rc, err, "begin");
		return -1;
	}
	return 0;
}

/* Refuse changes to a suspended or deactivated account. 0 or -1 (sent). */
static int
account_usable(struct rctx *rc)
{
	if (strcmp(rc->status, "deactivated") == 0) {
		problem(rc, RP_ACCOUNT_DEACTIVATED, "acmeAccountID: account %s is deactivated", rc->v[F_ACCOUNT]);
		return -1;
	}
	if (strcmp(rc->status, "suspended") == 0) {
		problem(rc, RP_ACCOUNT_SUSPENDED, "acmeAccountID: account %s is suspended", rc->v[F_ACCOUNT]);
		return -1;
	}
	return 0;
}

/* 1 if the account has an enrolled, not removed domain (expired or not). */
static int
key_has_active(struct rctx *rc)
{
	struct db_res	*r = NULL;
	int		 any = 1;	/* on error: the stricter answer */

	if (db_run(rc->db, R_DOMAINS_ACTIVE, (struct db_param[]){ DB_I(rc->eab_id) }, 1, &r) == 0)
		any = r->nrows > 0;
	db_res_free(r);
	return any;
}

/* Yearly price in cents of a domain on this account, or -1 (none: logged). */
static long long
yearly_price(struct rctx *rc, const char *domain)
{
	struct db_res	*r = NULL;
	long long	 cents = -1;
	int		 wild = strncmp(domain, "*.", 2) == 0;

	if (db_run(rc->db, R_PRICE, (struct db_param[]){ DB_S(rc->level), DB_I(wild) }, 2, &r) == 0 &&
	    r->nrows == 1)
		cents = db_cell_int(r, 0, 0);
	else
		log_warnx("reseller: no price for level %s wildcard %d", rc->level, wild);
	db_res_free(r);
	return cents;
}

/* Insert a billed order; its number, or -1 (logged). */
static long long
order_insert(struct rctx *rc, const char *kind, const char *domain, long long cents)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	long long	 n = -1;

	clock_sql(clock_now(), now);
	if (db_run(rc->db, R_ORDER_INSERT, (struct db_param[]){ DB_I(rc->eab_id), DB_S(kind),
	    DB_SN(domain), DB_I(cents), DB_S(now) }, 5, &r) == 0)
		n = (long long)r->insert_id;
	db_res_free(r);
	return n;
}

/* ---- actions ---- */

/* PREREGISTER: a new pending EAB key, made as caasctl-ca eab-add makes it. */
static void
act_preregister(struct rctx *rc)
{
	static const enum rfield org_fields[] = { [EABF_ORG] = F_ORG_NAME,
	    [EABF_ORG_NAME] = F_ORG_NAME, [EABF_ORG_CITY] = F_LOCALITY, [EABF_ORG_COUNTRY] = F_COUNTRY };
	char		 kid[EAB_KID_B64_LEN + 1], hmac[EAB_HMAC_B64_LEN + 1];
	const char	*level = NULL, *why = NULL, *base = rc->conf->base_url;
	size_t		 bl = strlen(base);
	enum eab_field	 f;

	if (years_arg(rc) != 0)
		return;
	if (strncmp(rc->v[F_SERVER_URL], base, bl) == 0 && strncmp(rc->v[F_SERVER_URL] + bl, "/v2/", 4) == 0)
		for (int l = 0; l < LVL__MAX; l++)
			if (strcmp(rc->v[F_SERVER_URL] + bl + 4, level_names[l]) == 0)
				level = level_names[l];
	if (level == NULL) {
		problem(rc, RP_MALFORMED, "serverUrl: one of %s/v2/DV, %s/v2/OV, %s/v2/QWAC", base, base, base);
		return;
	}
	f = eab_key_check(level, rc->v[F_ORG_NAME], rc->v[F_LOCALITY], rc->v[F_COUNTRY], 0, &why);
	if (f == EABF_ORG && strcmp(level, "DV") == 0) {
		problem(rc, RP_MALFORMED, "organizationName, locality, country: %s", why);
		return;
	}
	if (f != EABF_OK) {
		problem(rc, RP_MALFORMED, "%s: %s", fields[org_fields[f]].name, why);
		return;
	}
	if (eab_key_create(rc->adb, rc->conf, level, rc->v[F_ORG_NAME], rc->v[F_LOCALITY],
	    rc->v[F_COUNTRY], kid, hmac) != 0) {
		problem(rc, RP_INTERNAL, "the key could not be created; nothing was stored");
		return;
	}
	send_json(rc, 200, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "Accounts", "acmeAccountID", kid,
	    "accountStatus", "pending", "eabMACKeyb64url", hmac, "eabMACIDb64url", kid));
	OPENSSL_cleanse(hmac, sizeof(hmac));
}

/*
 * An ADDDOMAIN repeated for an active enrollment: answer its original
 * order (none when caasctl-ca enrolled it: order 0, cost 0).
 */
static void
add_replay(struct rctx *rc, const char *add_order)
{
	struct db_res	*r = NULL;
	long long	 n = add_order != NULL ? strtoll(add_order, NULL, 10) : 0, cents = 0;
	int		 err;

	if (n > 0) {
		if ((err = db_run(rc->db, R_ORDER_COST, (struct db_param[]){ DB_I(n), DB_I(rc->eab_id) },
		    2, &r)) != 0) {
			db_problem(rc, err, "order lookup");
			return;
		}
		if (r->nrows == 1)
			cents = db_cell_int(r, 0, 0);
		db_res_free(r);
	}
	send_json(rc, 200, order_answer(n, cents));
}

/*
 * ADDDOMAIN (DESIGN.md §3-4): the first domain starts a one-year term
 * from tomorrow (UTC) at the yearly price; later ones share term_end
 * and pay pro rata. Idempotent for an active domain. One transaction.
 */
static void
act_adddomain(struct rctx *rc)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], start[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN];
	char		 exp[CLOCK_SQL_LEN];
	long		 t = today(), ts, te;
	long long	 yearly, cents, n;
	int		 quote, err, new_term = 0;

	if ((quote = quote_arg(rc)) < 0 || begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	ts = rc->term_start;
	te = rc->term_end;
	if (account_usable(rc) != 0 || domain_arg(rc) != 0)
		goto out;
	if ((err = db_run(rc->db, R_DOMAIN_LOCK, (struct db_param[]){ DB_I(rc->eab_id),
	    DB_S(rc->domain) }, 2, &r)) != 0) {
		db_problem(rc, err, "domain lookup");
		goto out;
	}
	if (r->nrows == 1 && db_cell(r, 0, 2) == NULL) {
		add_replay(rc, db_cell(r, 0, 3));
		goto out;
	}
	if ((yearly = yearly_price(rc, rc->domain)) < 0) {
		problem(rc, RP_INTERNAL, "no price for this level; nothing was changed");
		goto out;
	}
	if (te < 0 || (te <= t && !key_has_active(rc))) {
		new_term = 1;
		ts = t + 1;
		te = plus_year(ts);
		cents = yearly;
	} else if (te <= t) {
		day_date(te, end);
		problem(rc, RP_SUBSCRIPTION_EXPIRED, "acmeAccountID: the subscription ended on %s; "
		    "extend it first (EXTENDDOMAINS)", end);
		goto out;
	} else
		cents = pro_rata(yearly, ts >= 0 ? ts : te - 365, te, t);
	if (quote) {
		send_json(rc, 200, order_answer(0, cents));
		goto out;
	}
	clock_sql(clock_now(), now);
	day_date(ts, start);
	day_date(te, end);
	day_sql(te, exp);
	if ((n = order_insert(rc, "ADD", rc->domain, cents)) < 0 ||
	    (new_term && db_run(rc->db, R_EAB_SET_TERM, (struct db_param[]){ DB_S(start), DB_S(end),
	    DB_I(rc->eab_id) }, 3, NULL) != 0) ||
	    db_run(rc->db, R_DOMAIN_ADD, (struct db_param[]){ DB_I(rc->eab_id), DB_S(rc->domain),
	    DB_S(now), DB_S(exp), DB_I(n) }, 5, NULL) != 0 ||
	    db_commit(rc->db) != 0) {
		db_problem(rc, DB_ERR, "adding the domain");
		goto out;
	}
	log_info("reseller: %s added %s, order %lld, %lld cents", rc->v[F_ACCOUNT], rc->domain, n, cents);
	send_json(rc, 200, order_answer(n, cents));
out:
	db_res_free(r);
	(void)db_rollback(rc->db);
}

/* 1 if a SAN of the certificate (sans, a JSON array) is covered by domain
 * and by none of the others (the account's remaining enrollments). */
static int
cert_depends_on(const char *sans, const char *domain, const struct db_res *others)
{
	json_t	*a = json_loads(sans != NULL ? sans : "", 0, NULL);
	size_t	 i;
	json_t	*v;
	int	 hit = 0;

	json_array_foreach(a, i, v) {
		const char *san = json_string_value(v);
		int covered = 0;
		if (san == NULL || !domain_covers(domain, san))
			continue;
		for (size_t k = 0; others != NULL && k < others->nrows && !covered; k++)
			covered = domain_covers(db_cell(others, k, 0), san);
		if (!covered)
			hit = 1;
	}
	json_decref(a);
	return hit;
}

/*
 * The valid certificates of the account that need the removed domain
 * (after its removal, inside the transaction): *ids (caller frees),
 * *n. 0 or -1 (logged).
 */
static int
certs_of_domain(struct rctx *rc, long long **ids, size_t *n)
{
	struct db_res	*certs = NULL, *others = NULL;
	int		 rv = -1;

	*ids = NULL;
	*n = 0;
	if (db_run(rc->db, R_CERTS_VALID, (struct db_param[]){ DB_I(rc->eab_id) }, 1, &certs) != 0 ||
	    db_run(rc->db, R_DOMAINS_ACTIVE, (struct db_param[]){ DB_I(rc->eab_id) }, 1, &others) != 0)
		goto out;
	if (certs->nrows > 0 && (*ids = calloc(certs->nrows, sizeof(**ids))) == NULL)
		goto out;
	for (size_t i = 0; i < certs->nrows; i++)
		if (cert_depends_on(db_cell(certs, i, 1), rc->domain, others))
			(*ids)[(*n)++] = db_cell_int(certs, i, 0);
	rv = 0;
out:
	db_res_free(certs);
	db_res_free(others);
	return rv;
}

/*
 * REMOVEDOMAIN: stop issuance for the domain. Within 30 × 24 h of its
 * add, also refund the add (a REFUND order, negative cost) and revoke
 * the certificates that need it (cessationOfOperation), after commit.
 */
static void
act_removedomain(struct rctx *rc)
{
	struct db_res	*r = NULL;
	long long	*ids = NULL, cents = 0, add_order;
	size_t		 nids = 0, failed = 0;
	char		 now[CLOCK_SQL_LEN];
	time_t		 added;
	int		 err, refund;

	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (strcmp(rc->status, "deactivated") == 0) {
		(void)account_usable(rc);
		goto out;
	}
	if (domain_arg(rc) != 0)
		goto out;
	if ((err = db_run(rc->db, R_DOMAIN_LOCK, (struct db_param[]){ DB_I(rc->eab_id),
	    DB_S(rc->domain) }, 2, &r)) != 0) {
		db_problem(rc, err, "domain lookup");
		goto out;
	}
	if (r->nrows != 1 || db_cell(r, 0, 2) != NULL) {
		problem(rc, RP_DOMAIN_NOT_FOUND, "domainName: %s is not on account %s", rc->domain,
		    rc->v[F_ACCOUNT]);
		goto out;
	}
	refund = clock_parse(db_cell(r, 0, 1), &added) == 0 && clock_now() < added + REFUND_WINDOW;
	add_order = db_cell(r, 0, 3) != NULL ? strtoll(db_cell(r, 0, 3), NULL, 10) : 0;
	clock_sql(clock_now(), now);
	if (db_run(rc->db, R_DOMAIN_REMOVE, (struct db_param[]){ DB_S(now), DB_I(db_cell_int(r, 0, 0)) },
	    2, NULL) != 0)
		goto dberr;
	if (refund) {
		db_res_free(r);
		r = NULL;
		if (add_order > 0 && (db_run(rc->db, R_ORDER_COST, (struct db_param[]){ DB_I(add_order),
		    DB_I(rc->eab_id) }, 2, &r) != 0))
			goto dberr;
		if (r != NULL && r->nrows == 1)
			cents = db_cell_int(r, 0, 0);
		if (order_insert(rc, "REFUND", rc->domain, -cents) < 0 || certs_of_domain(rc, &ids, &nids) != 0)
			goto dberr;
	}
	if (db_commit(rc->db) != 0)
		goto dberr;
	for (size_t i = 0; i < nids; i++)
		if (revoke_certificate(rc->conf, ids[i], 5) < 0) {
			log_warnx("reseller: %s: revoking certificate %lld failed", rc->domain, ids[i]);
			failed++;
		}
	log_info("reseller: %s removed %s%s, %zu certificates revoked", rc->v[F_ACCOUNT], rc->domain,
	    refund ? " with refund" : "", nids - failed);
	if (failed > 0)
		problem(rc, RP_INTERNAL, "%s was removed and refunded, but %zu of its certificates could "
		    "not be revoked: retry with !AutoRevokeSSL", rc->domain, failed);
	else
		send_json(rc, 200, json_pack("{s:b, s:[{s:s}]}", "success", 1, "Domains",
		    "domainName", rc->domain));
	goto out;
dberr:
	db_problem(rc, DB_ERR, "removing the domain");
out:
	free(ids);
	db_res_free(r);
	(void)db_rollback(rc->db);
}

/* LISTDOMAINS: the enrolled, unexpired, not removed domains. */
static void
act_listdomains(struct rctx *rc)
{
	struct db_res	*r = NULL;
	json_t		*a = NULL;
	char		 now[CLOCK_SQL_LEN], exp[24];
	int		 err;

	if (account_get(rc, 0) != 0)
		goto out;
	clock_sql(clock_now(), now);
	if ((err = db_run(rc->db, R_DOMAINS_LISTED, (struct db_param[]){ DB_I(rc->eab_id), DB_S(now) },
	    2, &r)) != 0) {
		db_problem(rc, err, "domain list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		rfc3339(db_cell(r, i, 1), exp);
		json_array_append_new(a, json_pack("{s:s, s:s}", "domainName", db_cell(r, i, 0),
		    "expiresAt", exp));
	}
	send_json(rc, 200, json_pack("{s:o}", "Domains", a));
	a = NULL;
out:
	json_decref(a);
	db_res_free(r);
}

/* Sum of the yearly prices of the account's active domains; -1 (sent) on error. */
static long long
extension_cost(struct rctx *rc, size_t *ndomains)
{
	struct db_res	*r = NULL;
	long long	 sum = 0, p;
	int		 err;

	if ((err = db_run(rc->db, R_DOMAINS_ACTIVE, (struct db_param[]){ DB_I(rc->eab_id) }, 1, &r)) != 0) {
		db_problem(rc, err, "domain list");
		return -1;
	}
	*ndomains = r->nrows;
	for (size_t i = 0; i < r->nrows && sum >= 0; i++)
		sum = (p = yearly_price(rc, db_cell(r, i, 0))) < 0 ? -1 : sum + p;
	db_res_free(r);
	if (sum < 0)
		problem(rc, RP_INTERNAL, "no price for this level; nothing was changed");
	return sum;
}

/*
 * EXTENDDOMAINS: one more year for the term and every active domain,
 * from 100 days before to 30 days after term_end (DESIGN.md §3), at
 * the yearly price of each active domain. One transaction.
 */
static void
act_extenddomains(struct rctx *rc)
{
	char		 start[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN], exp[CLOCK_SQL_LEN];
	long		 t = today(), te, ne;
	long long	 cents, n;
	size_t		 nd = 0;
	int		 quote;

	if (years_arg(rc) != 0 || (quote = quote_arg(rc)) < 0 || begin(rc) != 0 ||
	    account_get(rc, 1) != 0 || account_usable(rc) != 0)
		goto out;
	if ((te = rc->term_end) < 0) {
		problem(rc, RP_DOMAIN_NOT_FOUND, "acmeAccountID: no subscription yet: add a domain first");
		goto out;
	}
	day_date(te, end);
	if (t < te - EXTEND_BEFORE_DAYS || t > te + EXTEND_AFTER_DAYS) {
		problem(rc, RP_EXTENSION_WINDOW, "the subscription ends on %s: it can be extended from "
		    "%d days before to %d days after that date", end, EXTEND_BEFORE_DAYS, EXTEND_AFTER_DAYS);
		goto out;
	}
	if ((cents = extension_cost(rc, &nd)) < 0)
		goto out;
	if (nd == 0) {
		problem(rc, RP_DOMAIN_NOT_FOUND, "acmeAccountID: no active domain to extend");
		goto out;
	}
	if (quote) {
		send_json(rc, 200, order_answer(0, cents));
		goto out;
	}
	ne = plus_year(te);
	day_date(te, start);
	day_date(ne, end);
	day_sql(ne, exp);
	if ((n = order_insert(rc, "EXTEND", NULL, cents)) < 0 ||
	    db_run(rc->db, R_EAB_SET_TERM, (struct db_param[]){ DB_S(start), DB_S(end),
	    DB_I(rc->eab_id) }, 3, NULL) != 0 ||
	    db_run(rc->db, R_DOMAINS_EXTEND, (struct db_param[]){ DB_S(exp), DB_I(rc->eab_id) }, 2, NULL) != 0 ||
	    db_commit(rc->db) != 0) {
		db_problem(rc, DB_ERR, "extending");
		goto out;
	}
	log_info("reseller: %s extended to %s, order %lld, %lld cents", rc->v[F_ACCOUNT], end, n, cents);
	send_json(rc, 200, order_answer(n, cents));
out:
	(void)db_rollback(rc->db);
}

/* fromDate/toDate "YYYY-MM-DD" into DATETIME text (toDate: the next
 * midnight, exclusive); out[0] = '\0' when absent. 0 or -1 (sent). */
static int
date_arg(struct rctx *rc, enum rfield f, int next_day, char out[CLOCK_SQL_LEN])
{
	long	 d;

	out[0] = '\0';
	if (rc->v[f] == NULL)
		return 0;
	if (strlen(rc->v[f]) != 10 || (d = day_of(rc->v[f])) < 0) {
		problem(rc, RP_MALFORMED, "%s: expected YYYY-MM-DD", fields[f].name);
		return -1;
	}
	day_sql(d + (next_day ? 1 : 0), out);
	return 0;
}

static json_t *
cert_row(struct rctx *rc, const struct db_res *r, size_t i)
{
	char	 nb[24], na[24];
	json_t	*sans = json_loads(db_cell(r, i, 3) ? db_cell(r, i, 3) : "", 0, NULL);
	json_t	*o;
	int	 revoked = strcmp(db_cell(r, i, 2), "revoked") == 0;
	const char *first = json_string_value(json_array_get(sans, 0));

	rfc3339(db_cell(r, i, 5), nb);
	rfc3339(db_cell(r, i, 6), na);
	o = json_pack("{s:I, s:I, s:I, s:i, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "orderNumber", (json_int_t)db_cell_int(r, i, 0), "acmeOrderID", (json_int_t)db_cell_int(r, i, 1),
	    "certificateID", (json_int_t)db_cell_int(r, i, 0), "statusCode", revoked ? 8 : 6,
	    "statusDesc", revoked ? "Revoked" : "Valid", "domainName", first ? first : "",
	    "serialNumber", db_cell(r, i, 4), "validNotBefore", nb, "validNotAfter", na,
	    "acmeAccountID", rc->v[F_ACCOUNT]);
	json_decref(sans);
	return o;
}

/* GETLASTORDER: the account's certificates, filtered, 100 per page, by id. */
static void
act_getlastorder(struct rctx *rc)
{
	struct db_res	*r = NULL;
	json_t		*a = NULL;
	char		 from[CLOCK_SQL_LEN], to[CLOCK_SQL_LEN];
	long long	 page;
	const char	*d = NULL;
	int		 err;

	if ((page = number_arg(rc, F_PAGE, 1, RESELLER_PAGE_MAX, 1)) < 0 ||
	    date_arg(rc, F_FROM, 0, from) != 0 || date_arg(rc, F_TO, 1, to) != 0 ||
	    account_get(rc, 0) != 0)
		goto out;
	if (rc->v[F_DOMAIN] != NULL) {
		if (domain_arg(rc) != 0)
			goto out;
		d = rc->domain;
	}
	if ((err = db_run(rc->db, R_CERTS_PAGE, (struct db_param[]){ DB_I(rc->eab_id), DB_SN(d), DB_SN(d),
	    DB_SN(from[0] ? from : NULL), DB_SN(from[0] ? from : NULL), DB_SN(to[0] ? to : NULL),
	    DB_SN(to[0] ? to : NULL), DB_I((page - 1) * RESELLER_PAGE) }, 8, &r)) != 0) {
		db_problem(rc, err, "certificate list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(a, cert_row(rc, r, i));
	send_json(rc, 200, json_pack("{s:o}", "Orders", a));
	a = NULL;
out:
	json_decref(a);
	db_res_free(r);
}

/* LISTACCOUNTS: every EAB key, 100 per page, by id. */
static void
act_listaccounts(struct rctx *rc)
{
	struct db_res	*r = NULL;
	json_t		*a = NULL;
	char		 url[600];
	long long	 page;
	int		 err;

	if ((page = number_arg(rc, F_PAGE, 1, RESELLER_PAGE_MAX, 1)) < 0)
		goto out;
	if ((err = db_run(rc->db, R_EAB_PAGE, (struct db_param[]){ DB_I((page - 1) * RESELLER_PAGE) },
	    1, &r)) != 0) {
		db_problem(rc, err, "account list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		snprintf(url, sizeof(url), "%s/v2/%s", rc->conf->base_url, db_cell(r, i, 2));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "acmeAccountID", db_cell(r, i, 0),
		    "accountStatus", db_cell(r, i, 1), "serverUrl", url));
	}
	send_json(rc, 200, json_pack("{s:o}", "Accounts", a));
	a = NULL;
out:
	json_decref(a);
	db_res_free(r);
}

/* SUSPENDACCOUNT, UNSUSPENDACCOUNT, DEACTIVATEACCOUNT (deactivated is final). */
static void
account_status(struct rctx *rc, const char *to)
{
	int	 err;

	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (strcmp(rc->status, "deactivated") == 0) {
		if (strcmp(to, "deactivated") == 0)
			send_json(rc, 200, json_pack("{s:b}", "success", 1));
		else
			(void)account_usable(rc);
		goto out;
	}
	err = strcmp(to, "valid") == 0 ?
	    db_run(rc->db, R_EAB_UNSUSPEND, (struct db_param[]){ DB_I(rc->eab_id) }, 1, NULL) :
	    db_run(rc->db, R_EAB_SET_STATUS, (struct db_param[]){ DB_S(to), DB_I(rc->eab_id) }, 2, NULL);
	if (err != 0 || (err = db_commit(rc->db)) != 0) {
		db_problem(rc, err, "status change");
		goto out;
	}
	log_info("reseller: account %s: %s → %s", rc->v[F_ACCOUNT], rc->status, to);
	send_json(rc, 200, json_pack("{s:b}", "success", 1));
out:
	(void)db_rollback(rc->db);
}

static void act_suspend(struct rctx *rc) { account_status(rc, "suspended"); }
static void act_unsuspend(struct rctx *rc) { account_status(rc, "valid"); }
static void act_deactivate(struct rctx *rc) { account_status(rc, "deactivated"); }

/* LISTSERVERS: one ACME directory per level. */
static void
act_listservers(struct rctx *rc)
{
	json_t	*a = json_array();
	char	 url[600], desc[64];

	for (int l = 0; l < LVL__MAX; l++) {
		snprintf(url, sizeof(url), "%s/v2/%s", rc->conf->base_url, level_names[l]);
		snprintf(desc, sizeof(desc), "ACME CaaS %s certificates, 1 year", level_names[l]);
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s}", "serverUrl", url,
		    "productID", l + 1, "productDescription", desc, "certValidationType", level_names[l]));
	}
	send_json(rc, 200, json_pack("{s:o}", "Servers", a));
}

static const struct {
	const char	*name;
	void		(*fn)(struct rctx *);
	unsigned	 need;		/* required fields besides the login */
} actions[] = {
	{ "PREREGISTER", act_preregister, BIT(F_SERVER_URL) },
	{ "ADDDOMAIN", act_adddomain, BIT(F_ACCOUNT) | BIT(F_DOMAIN) },
	{ "REMOVEDOMAIN", act_removedomain, BIT(F_ACCOUNT) | BIT(F_DOMAIN) },
	{ "LISTDOMAINS", act_listdomains, BIT(F_ACCOUNT) },
	{ "EXTENDDOMAINS", act_extenddomains, BIT(F_ACCOUNT) },
	{ "GETLASTORDER", act_getlastorder, BIT(F_ACCOUNT) },
	{ "LISTACCOUNTS", act_listaccounts, 0 },
	{ "SUSPENDACCOUNT", act_suspend, BIT(F_ACCOUNT) },
	{ "UNSUSPENDACCOUNT", act_unsuspend, BIT(F_ACCOUNT) },
	{ "DEACTIVATEACCOUNT", act_deactivate, BIT(F_ACCOUNT) },
	{ "LISTSERVERS", act_listservers, 0 },
};

static void
acme_admin(struct rctx *rc)
{
	if (fields_need(rc, BIT(F_ACTION)) != 0)
		return;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(rc->v[F_ACTION], actions[i].name) != 0)
			continue;
		if (fields_need(rc, actions[i].need) == 0)
			actions[i].fn(rc);
		return;
	}
	problem(rc, RP_MALFORMED, "action: unknown action \"%s\"", rc->v[F_ACTION]);
}

/* ---- !AutoRevokeSSL: form-encoded answers ---- */

static void
form_answer(struct rctx *rc, int code, const char *msg)
{
	char	 body[700];
	size_t	 o;

	o = (size_t)snprintf(body, sizeof(body), "errorCode=%d", code);
	if (msg != NULL) {
		o += (size_t)snprintf(body + o, sizeof(body) - o, "&errorMessage=");
		for (const char *c = msg; *c && o + 4 < sizeof(body); c++) {
			if (isalnum((unsigned char)*c) || strchr("-._~", *c) != NULL)
				body[o++] = *c;
			else if (*c == ' ')
				body[o++] = '+';
			else
				o += (size_t)snprintf(body + o, sizeof(body) - o, "%%%02X", (unsigned char)*c);
		}
		body[o] = '\0';
	}
	resp_header(rc->req, "Cache-Control", "no-store");
	resp_send(rc->req, 200, "application/x-www-form-urlencoded", body, strlen(body));
}

/*
 * The certificate named by orderNumber, certificateID or serialNumber
 * (exactly one): its id, 0 when unknown, -1 with the answer sent.
 */
static long long
revoke_target(struct rctx *rc)
{
	struct db_res	*r = NULL;
	char		 serial[33];
	long long	 id = -1;
	int		 given = (rc->v[F_ORDER_NUMBER] != NULL) + (rc->v[F_CERT_ID] != NULL) +
			    (rc->v[F_SERIAL] != NULL);
	size_t		 i;

	if (given != 1) {
		form_answer(rc, -2, "give exactly one of orderNumber, certificateID, serialNumber");
		return -1;
	}
	if (rc->v[F_SERIAL] == NULL) {
		enum rfield f = rc->v[F_ORDER_NUMBER] != NULL ? F_ORDER_NUMBER : F_CERT_ID;
		char *end;
		errno = 0;
		id = strtoll(rc->v[f], &end, 10);
		if (!isdigit((unsigned char)*rc->v[f]) || *end != '\0' || errno != 0 || id <= 0) {
			form_answer(rc, -2, f == F_ORDER_NUMBER ? "orderNumber: a positive number" :
			    "certificateID: a positive number");
			return -1;
		}
		return id;
	}
	for (i = 0; rc->v[F_SERIAL][i] != '\0'; i++) {
		if (!isxdigit((unsigned char)rc->v[F_SERIAL][i])) {
			form_answer(rc, -2, "serialNumber: hexadecimal digits");
			return -1;
		}
		serial[i] = (char)tolower((unsigned char)rc->v[F_SERIAL][i]);
	}
	serial[i] = '\0';
	if (db_run(rc->db, R_CERT_BY_SERIAL, (struct db_param[]){ DB_S(serial) }, 1, &r) != 0) {
		form_answer(rc, -14, "internal error, retry");
		return -1;
	}
	id = r->nrows == 1 ? db_cell_int(r, 0, 0) : 0;
	db_res_free(r);
	return id;
}

/*
 * !AutoRevokeSSL: errorCode 0 revoked; -1 bad login; -2 bad or missing
 * argument; -3 unknown certificate; -4 already revoked; -5 refused
 * reason; -14 internal error.
 */
static void
auto_revoke(struct rctx *rc)
{
	long long	 id, reason;
	int		 rv;

	if (rc->v[F_CODE_REASON] == NULL || rc->v[F_CODE_REASON][1] != '\0' ||
	    !isdigit((unsigned char)rc->v[F_CODE_REASON][0]) ||
	    !revoke_reason_ok(reason = rc->v[F_CODE_REASON][0] - '0')) {
		form_answer(rc, -5, "codeReason: one of 0, 1, 3, 4, 5");
		return;
	}
	if ((id = revoke_target(rc)) < 0)
		return;
	rv = id == 0 ? REVOKE_NOT_FOUND : revoke_certificate(rc->conf, id, (int)reason);
	log_info("reseller: AutoRevokeSSL certificate %lld reason %lld (%.100s): %d", id, reason,
	    rc->v[F_REV_REASON] ? rc->v[F_REV_REASON] : "", rv);
	switch (rv) {
	case REVOKE_OK:
		form_answer(rc, 0, NULL);
		break;
	case REVOKE_ALREADY:
		form_answer(rc, -4, "the certificate is already revoked");
		break;
	case REVOKE_NOT_FOUND:
		form_answer(rc, -3, "no such certificate");
		break;
	case REVOKE_BAD_REASON:
		form_answer(rc, -5, "codeReason: one of 0, 1, 3, 4, 5");
		break;
	default:
		form_answer(rc, -14, "internal error, retry");
		break;
	}
}

/* ---- entry ---- */

void
reseller_handle(const struct ca_conf *conf, struct db *adb, struct db *db, struct req *req)
{
	struct rctx	 rc = { .conf = conf, .adb = adb, .db = db, .req = req };
	int		 revoke = strcmp(req->path, "/products/!AutoRevokeSSL") == 0;

	if (!revoke && strcmp(req->path, "/products/!ACMEAdmin") != 0) {
		problem(&rc, RP_NOT_FOUND, "no such resource: POST /products/!ACMEAdmin or "
		    "/products/!AutoRevokeSSL");
		return;
	}
	if (req->method != HTTP_POST) {
		resp_header(req, "Allow", "POST");
		problem(&rc, RP_METHOD, "%s: POST only", req->path);
		return;
	}
	if (req->fail != REQ_OK) {
		problem(&rc, req->fail == REQ_TOO_LARGE ? RP_TOO_LARGE : RP_MALFORMED, "%s",
		    req->fail_detail ? req->fail_detail : "the request cannot be parsed");
		return;
	}
	if (fields_parse(&rc) != 0)
		return;
	if (revoke) {
		if (rc.v[F_LOGIN] == NULL || rc.v[F_PASSWORD] == NULL || !login_matches(&rc))
			form_answer(&rc, -1, "loginName or loginPassword is wrong or missing");
		else
			auto_revoke(&rc);
		return;
	}
	if (login_ok(&rc) != 0)
		return;
	acme_admin(&rc);
}
