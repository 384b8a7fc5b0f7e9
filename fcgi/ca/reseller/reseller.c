/*
 * The reseller API of the bundled CA, a strict twin of Sectigo's CaaS
 * reseller API (docs/upstream.md is the contract as implemented):
 *
 *   POST /products/!ACMEAdmin      loginName, loginPassword, action, …
 *   POST /products/!AutoRevokeSSL  loginName, loginPassword, orderNumber |
 *                                  certificateID | serialNumber, …
 *
 * Every field of both endpoints is declared once (rfields, with its
 * documented maximum length) and each action names the fields it
 * accepts and requires: anything else is refused before a handler runs,
 * with the documented texts. Every call, refused or not, is logged by
 * field NAME (reseller_calls) before its answer leaves.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "log.h"
#include "reseller/reseller_int.h"

const struct rfield_def rfields[F__MAX] = {
	[F_LOGIN] = { "loginName", 64, 0 },
	[F_PASSWORD] = { "loginPassword", 128, 0 },
	[F_ACTION] = { "action", 30, 0 },
	[F_ACCOUNT] = { "acmeAccountID", 32, 0 },
	[F_DOMAIN] = { "domainName", 255, 0 },
	[F_QUOTE] = { "quoteOnly", 1, 0 },
	[F_OV_ANCHOR] = { "ovAnchorOrderNumber", 128, 0 },
	[F_EV_ANCHOR] = { "evAnchorOrderNumber", 128, 0 },
	[F_OLD_OV_ANCHOR] = { "oldOVAnchorOrderNumber", 128, 0 },
	[F_OLD_EV_ANCHOR] = { "oldEVAnchorOrderNumber", 128, 0 },
	[F_ASSOC] = { "addAssociatedFQDN", 1, 0 },
	[F_SERVER_URL] = { "serverUrl", 32, 0 },
	[F_YEARS] = { "years", 1, 0 },
	[F_DAYS] = { "days", 4, 0 },
	[F_PAGE] = { "page", 6, 0 },
	[F_SIZE] = { "size", 4, 0 },
	[F_FILTER] = { "filter", 32767, 1 },
	[F_INCL_ADD] = { "includeAdditionalAccounts", 1, 0 },
	[F_BREAKDOWN] = { BREAKDOWN_FIELD, 1, 0 },
	[F_LAST_ACT] = { "lastActivityOf", 7, 0 },
	[F_EAB_KEY_ID] = { "eabKeyID", 32, 0 },
	[F_INCL_CONTACTS] = { "includeContacts", 1, 0 },
	[F_ORDER_NUMBER] = { "orderNumber", 19, 0 },
	[F_CERT_ID] = { "certificateID", 16, 0 },
	[F_SERIAL] = { "serialNumber", 34, 0 },
	[F_REV_REASON] = { "revocationReason", 1024, 0 },
	[F_CODE_REASON] = { "codeReason", 1, 0 },
	[F_TEST] = { "test", 1, 0 },
	[F_RESP_FORMAT] = { "responseFormat", 1, 0 },
};

#define LOGIN_FIELDS	(FB(F_LOGIN) | FB(F_PASSWORD))
#define ADMIN_FIELDS	(LOGIN_FIELDS | FB(F_ACTION))

/* Per action: the documented fields (besides the login and action) and the required ones. */
static const struct {
	const char	*name;
	void		(*fn)(struct rctx *);
	uint64_t	 allowed;
	uint64_t	 need;
} actions[] = {
	{ "PREREGISTER", act_preregister, FB(F_SERVER_URL) | FB(F_YEARS) | FB(F_DAYS), FB(F_SERVER_URL) },
	{ "ADDDOMAIN", act_adddomain, FB(F_ACCOUNT) | FB(F_DOMAIN) | FB(F_QUOTE) | FB(F_OV_ANCHOR) |
	    FB(F_EV_ANCHOR) | FB(F_ASSOC), FB(F_ACCOUNT) | FB(F_DOMAIN) },
	{ "REMOVEDOMAIN", act_removedomain, FB(F_ACCOUNT) | FB(F_DOMAIN), FB(F_ACCOUNT) | FB(F_DOMAIN) },
	{ "LISTDOMAINS", act_listdomains, FB(F_ACCOUNT) | FB(F_PAGE) | FB(F_SIZE), FB(F_ACCOUNT) },
	{ "EXTENDDOMAINS", act_extenddomains, FB(F_ACCOUNT) | FB(F_QUOTE) | FB(F_YEARS) | FB(F_DAYS),
	    FB(F_ACCOUNT) },
	{ "UPDATEDOMAINS", act_updatedomains, FB(F_ACCOUNT) | FB(F_OV_ANCHOR) | FB(F_OLD_OV_ANCHOR) |
	    FB(F_EV_ANCHOR) | FB(F_OLD_EV_ANCHOR), FB(F_ACCOUNT) },
	{ "GETLASTORDER", act_getlastorder, FB(F_ACCOUNT) | FB(F_FILTER) | FB(F_INCL_ADD) |
	    FB(F_BREAKDOWN), FB(F_ACCOUNT) },
	{ "LISTACCOUNTS", act_listaccounts, FB(F_INCL_ADD) | FB(F_LAST_ACT) | FB(F_ACCOUNT) |
	    FB(F_EAB_KEY_ID) | FB(F_PAGE) | FB(F_SIZE) | FB(F_INCL_CONTACTS), 0 },
	{ "LISTBINDINGS", act_listbindings, 0, 0 },
	{ "SUSPENDACCOUNT", act_suspend, FB(F_ACCOUNT) | FB(F_INCL_ADD), FB(F_ACCOUNT) },
	{ "UNSUSPENDACCOUNT", act_unsuspend, FB(F_ACCOUNT) | FB(F_INCL_ADD), FB(F_ACCOUNT) },
	{ "DEACTIVATEACCOUNT", act_deactivate, FB(F_ACCOUNT) | FB(F_INCL_ADD), FB(F_ACCOUNT) },
	{ "LISTSERVERS", act_listservers, 0, 0 },
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

static const struct {
	const char	*kind;
	int		 status;
	const char	*pre, *post;	/* the detail: pre, the field's name, post */
} problems[RP__MAX] = {
	[RP_UNRECOGNIZED] = { "malformed", 400, "'", "' is an unrecognized argument!" },
	[RP_MISSING] = { "malformed", 400, "The '", "' argument is missing!" },
	[RP_INVALID] = { "malformed", 400, "The value of the '", "' argument is invalid!" },
	[RP_LOGIN] = { "unauthorized", 401, "Incorrect login details, account is locked, password "
	    "has expired, or your source IP is blocked!", NULL },
	[RP_HTTPS] = { "unauthorized", 403, "Use of HTTPS is REQUIRED!", NULL },
	[RP_NOT_DEACTIVATED] = { "unauthorized", 403, "Account could not be deactivated!", NULL },
	[RP_NOT_REMOVED] = { "unauthorized", 403, "Domain could not be removed!", NULL },
	[RP_NOT_DV] = { "unauthorized", 403, "Not applicable for DV!", NULL },
	[RP_NOT_FOUND] = { "malformed", 404, "No such resource: POST /products/!ACMEAdmin or "
	    "/products/!AutoRevokeSSL", NULL },
	[RP_METHOD] = { "malformed", 405, "POST only", NULL },
	[RP_TOO_LARGE] = { "malformed", 413, "The request is too large", NULL },
	[RP_UNAVAILABLE] = { "serverInternal", 503, "Database unavailable, nothing was changed: retry", NULL },
	[RP_INTERNAL] = { "serverInternal", 500, "Internal error, nothing was changed", NULL },
};

/* ---- the call log ---- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The request's field names, sorted, comma-separated, each sanitised
 * ([A-Za-z0-9_.!-] kept, anything else '?'): never a value. */
static void
call_fields(const struct rctx *rc, char *out, size_t outsz)
{
	const char	*names[256];
	size_t		 n = 0, o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < rc->req->form.n && n < sizeof(names) / sizeof(names[0]); i++)
		names[n++] = rc->req->form.v[i].key;
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n && o + 2 < outsz; i++) {
		if (i > 0)
			out[o++] = ',';
		for (const char *c = names[i]; *c && c - names[i] < 64 && o + 1 < outsz; c++)
			out[o++] = isalnum((unsigned char)*c) || strchr("_.!-", *c) ? *c : '?';
	}
	out[o] = '\0';
}

/* Ends any open transaction (its work is answered as not done), then
 * records the call in its own autocommit statement. Failures are logged. */
void
call_log(struct rctx *rc, int status, const char *kind)
{
	char		 now[CLOCK_SQL_LEN], fields[CALL_FIELDS_MAX + 1], action[31] = "";
	const char	*a = kv_get(&rc->req->form, "action");
	const char	*ep = rc->revoke_api ? "AutoRevokeSSL" :
			    strcmp(rc->req->path, "/products/!ACMEAdmin") == 0 ? "ACMEAdmin" : "other";

	(void)db_rollback(rc->db);
	if (!rc->revoke_api && a != NULL && strlen(a) < sizeof(action)) {
		for (size_t i = 0; a[i] != '\0'; i++)
			action[i] = isalnum((unsigned char)a[i]) ? a[i] : '?';
		action[strlen(a)] = '\0';
	}
	call_fields(rc, fields, sizeof(fields));
	clock_sql(clock_now(), now);
	if (rdb_call_insert(rc->db, now, ep, action, fields, status, kind) != 0)
		log_warnx("reseller: the call could not be logged (%s %s %d)", ep, action, status);
}

/* ---- answers ---- */

/* Cents as a JSON number with exactly two decimals (30.00, -12.34): a
 * placeholder string that send_json turns into the number's text, so
 * the amount never goes through floating point. */
json_t *
money_json(long long cents)
{
	return json_sprintf(MONEY_MARK "%lld", cents);
}

/* Replace every "\u0001M<cents>" string of text with <units>.<cents>. */
static char *
money_text(char *text)
{
	static const char mark[] = "\"\\u0001M";
	char	*out, *p = text, *q;
	size_t	 n = 0, len = strlen(text);

	if (strstr(text, mark) == NULL || (out = malloc(len + 1)) == NULL)
		return text;
	while ((q = strstr(p, mark)) != NULL) {
		char *end;
		long long c = strtoll(q + sizeof(mark) - 1, &end, 10), a = c < 0 ? -c : c;
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		n += (size_t)snprintf(out + n, len + 1 - n, "%s%lld.%02lld", c < 0 ? "-" : "", a / 100, a % 100);
		p = *end == '"' ? end + 1 : end;
	}
	memcpy(out + n, p, strlen(p) + 1);
	free(text);
	return out;
}


void
send_json(struct rctx *rc, int status, json_t *j)
{
	char	*text;
	int	 fault;

	/* Tests: the action is done (committed), its answer replaced. */
	if (!rc->answered && (fault = reseller_fault(rc, kv_get(&rc->req->form, "action"),
	    "after")) != 0) {
		json_decref(j);
		j = reseller_fault_answer(fault);
		status = fault;
	}
	text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	if (text != NULL)
		text = money_text(text);
	if (!rc->answered)
		call_log(rc, text != NULL ? status : 500, rc->kind);
	rc->answered = 1;
	resp_header(rc->req, "Cache-Control", "no-store");
	resp_header(rc->req, "X-Content-Type-Options", "nosniff");
	if (text == NULL)
		resp_send(rc->req, 500, "text/plain", "out of memory\n", 14);
	else
		resp_send(rc->req, status, "application/json", text, strlen(text));
	free(text);
	json_decref(j);
}

/* The documented problem row p, naming field f where the row has one. */
void
problem(struct rctx *rc, enum rproblem p, enum rfield f)
{
	char	 detail[256], type[96];

	snprintf(detail, sizeof(detail), "%s%s%s", problems[p].pre,
	    problems[p].post != NULL && f < F__MAX ? rfields[f].name : "",
	    problems[p].post != NULL ? problems[p].post : "");
	snprintf(type, sizeof(type), "urn:sectigo:params:acme:error:%s", problems[p].kind);
	snprintf(rc->kind, sizeof(rc->kind), "%s", problems[p].kind);
	send_json(rc, problems[p].status, json_pack("{s:s, s:s}", "type", type, "detail", detail));
}

/* A database failure: 503 when the server is away, 500 otherwise. */
void
db_problem(struct rctx *rc, int err, const char *what)
{
	log_warnx("reseller: %s: database error %d", what, err);
	problem(rc, err == DB_EDOWN || err == DB_ELOCK ? RP_UNAVAILABLE : RP_INTERNAL, F__MAX);
}

/* ---- checked inputs ---- */

/* Y or N in field f (absent: dflt). 1, 0, or -1 (invalid, sent). */
int
yn_arg(struct rctx *rc, enum rfield f, int dflt)
{
	const char *q = rc->v[f];

	if (q == NULL)
		return dflt;
	if (strcmp(q, "Y") == 0 || strcmp(q, "N") == 0)
		return q[0] == 'Y';
	problem(rc, RP_INVALID, f);
	return -1;
}

/* A decimal in [lo, hi] from field f (absent: dflt). -1 on bad input (sent). */
long long
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
		problem(rc, RP_INVALID, f);
		return -1;
	}
	return n;
}

/* years (1, 2, 3) or days (365, 730, 1095); years wins; absent: 1. The
 * number of years, or -1 (sent). */
int
duration_arg(struct rctx *rc)
{
	long long d;

	if (rc->v[F_YEARS] != NULL)
		return (int)number_arg(rc, F_YEARS, 1, 3, 1);
	if ((d = number_arg(rc, F_DAYS, 365, 1095, 365)) < 0)
		return -1;
	if (d % 365 != 0) {
		problem(rc, RP_INVALID, F_DAYS);
		return -1;
	}
	return (int)(d / 365);
}

/* domainName into rc->domain (lower case); wildcards unless QWAC. 0 or -1 (sent). */
int
domain_arg(struct rctx *rc)
{
	size_t	 i;

	for (i = 0; rc->v[F_DOMAIN][i] != '\0' && i < ACME_NAME_MAX; i++)
		rc->domain[i] = (char)tolower((unsigned char)rc->v[F_DOMAIN][i]);
	rc->domain[i] = '\0';
	if (rc->v[F_DOMAIN][i] != '\0' || !dns_name_ok(rc->domain, 1) ||
	    (strncmp(rc->domain, "*.", 2) == 0 && rc->level == LEVEL_QWAC)) {
		problem(rc, RP_INVALID, F_DOMAIN);
		return -1;
	}
	return 0;
}

/* The field id of a form key, F__MAX when unknown. */
enum rfield
field_of(const char *key)
{
	for (int f = 0; f < F__MAX; f++)
		if (strcmp(key, rfields[f].name) == 0)
			return (enum rfield)f;
	return F__MAX;
}

/*
 * The request's fields against allowed (a mask of rfield): an unknown or
 * undocumented field is unrecognized; a repeated (but for filter), too
 * long or non-printable one invalid; then every field of need present.
 * Fills rc->v. 0, or -1 with the answer sent.
 */
static int
fields_check(struct rctx *rc, uint64_t allowed, uint64_t need)
{
	for (size_t i = 0; i < rc->req->form.n; i++) {
		const char *key = rc->req->form.v[i].key, *val = rc->req->form.v[i].val;
		enum rfield f = field_of(key);
		if (f == F__MAX || !(allowed & FB(f))) {
			char detail[200], safe[65];
			size_t k;
			for (k = 0; key[k] != '\0' && k < 64; k++)
				safe[k] = isprint((unsigned char)key[k]) ? key[k] : '?';
			safe[k] = '\0';
			snprintf(detail, sizeof(detail), "%s%s%s", problems[RP_UNRECOGNIZED].pre, safe,
			    problems[RP_UNRECOGNIZED].post);
			snprintf(rc->kind, sizeof(rc->kind), "malformed");
			send_json(rc, 400, json_pack("{s:s, s:s}", "type",
			    "urn:sectigo:params:acme:error:malformed", "detail", detail));
			return -1;
		}
		if ((!rfields[f].repeat && kv_count(&rc->req->form, key) > 1) ||
		    strlen(val) > rfields[f].max) {
			problem(rc, RP_INVALID, f);
			return -1;
		}
		for (const char *c = val; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
				problem(rc, RP_INVALID, f);
				return -1;
			}
		if (rc->v[f] == NULL && *val != '\0')
			rc->v[f] = val;
	}
	for (int f = 0; f < F__MAX; f++)
		if ((need & FB(f)) && rc->v[f] == NULL) {
			problem(rc, RP_MISSING, (enum rfield)f);
			return -1;
		}
	return 0;
}

/* ---- the login and its throttle ---- */

/* 1 if the login or this address has failed too often in the window. The
 * login's own limit applies only to addresses that failed at least once,
 * so a flood from elsewhere never locks the reseller out. On a database
 * error: 0 (the password check still runs), logged. */
static int
throttled(struct rctx *rc, const char *login, const char *addr)
{
	char		 since[CLOCK_SQL_LEN];
	long long	 n[RS__MAX];

	clock_sql(clock_now() - rc->conf->reseller_failure_window, since);
	if (rdb_fail_get(rc->db, login, addr, since, n) != 0) {
		log_warnx("reseller: the failed-login counters cannot be read");
		return 0;
	}
	return n[RS_ADDR] >= rc->conf->reseller_addr_max_failures ||
	    (n[RS_ADDR] > 0 && n[RS_LOGIN] >= rc->conf->reseller_login_max_failures);
}

/* Count one failure for the login name (cut to 64) and the address. */
static void
count_failure(struct rctx *rc, const char *login, const char *addr)
{
	char	 now[CLOCK_SQL_LEN], since[CLOCK_SQL_LEN];

	clock_sql(clock_now(), now);
	clock_sql(clock_now() - rc->conf->reseller_failure_window, since);
	if (rdb_fail_add(rc->db, RS_LOGIN, login, now, since) != 0 ||
	    rdb_fail_add(rc->db, RS_ADDR, addr, now, since) != 0)
		log_warnx("reseller: a failed login could not be counted");
}

/*
 * loginName and loginPassword against reseller_login and its password
 * file, compared through SHA-256 so that the time says nothing about
 * either, after the throttle. 0, or -1 with the 401 (or, for
 * !AutoRevokeSSL, errorCode -16) sent. Neither value is ever logged.
 */
static int
login_ok(struct rctx *rc)
{
	char	 a[SHA256_HEX_LEN + 1], b[SHA256_HEX_LEN + 1], c[SHA256_HEX_LEN + 1], d[SHA256_HEX_LEN + 1];
	char	 login[65];
	const char *conf_login = rc->conf->reseller_login, *conf_pw = rc->conf->reseller_password;
	const char *name = kv_get(&rc->req->form, "loginName"), *pw = kv_get(&rc->req->form, "loginPassword");
	const char *addr = rc->req->remote_addr ? rc->req->remote_addr : "?";
	int	 same = 0;

	snprintf(login, sizeof(login), "%s", name != NULL ? name : "");
	if (conf_login != NULL && conf_pw != NULL && name != NULL && pw != NULL &&
	    kv_count(&rc->req->form, "loginName") == 1 && kv_count(&rc->req->form, "loginPassword") == 1 &&
	    !throttled(rc, login, addr)) {
		sha256_hex(name, strlen(name), a);
		sha256_hex(conf_login, strlen(conf_login), b);
		sha256_hex(pw, strlen(pw), c);
		sha256_hex(conf_pw, strlen(conf_pw), d);
		same = crypto_equal(a, b) & crypto_equal(c, d);
		if (!same)
			count_failure(rc, login, addr);
	}
	if (same)
		return 0;
	log_info("reseller: refused login from %s", addr);
	if (rc->revoke_api)
		form_answer(rc, -16, problems[RP_LOGIN].pre);
	else
		problem(rc, RP_LOGIN, F__MAX);
	return -1;
}

/*
 * Look up acmeAccountID among the keys this login owns (locked FOR
 * UPDATE when lock is set, inside the caller's transaction) into rc. 0,
 * or -1 with the answer sent (an unknown id is an invalid value).
 */
int
account_get(struct rctx *rc, int lock)
{
	struct db_res	*keep = NULL;
	struct r_eab	 e;
	int		 err, rv = -1;

	if ((err = rdb_eab_get(rc->db, rc->v[F_ACCOUNT], rc->conf->reseller_login, lock, &e, &keep)) < 0) {
		db_problem(rc, err, "account lookup");
		goto out;
	}
	if (err == 0) {
		problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	if (e.level < 0 || e.status < 0) {
		db_problem(rc, DB_ERR, "account level or status");
		goto out;
	}
	rc->eab_id = e.id;
	rc->level = (enum level)e.level;
	rc->status = (enum eab_status)e.status;
	rc->term_start = day_of(e.term_start);
	rc->term_end = day_of(e.term_end);
	rc->term_years = (int)e.term_years;
	rv = 0;
out:
	db_res_free(keep);
	return rv;
}

/* Start the transaction of a state change. 0, or -1 with the answer sent. */
int
begin(struct rctx *rc)
{
	int	 err;

	if ((err = db_begin(rc->db)) != 0) {
		db_problem(rc, err, "begin");
		return -1;
	}
	return 0;
}

/* ---- entry ---- */

static void
acme_admin(struct rctx *rc)
{
	const char	*a = kv_get(&rc->req->form, "action");
	int		 fault;

	if (a == NULL || *a == '\0') {
		problem(rc, RP_MISSING, F_ACTION);
		return;
	}
	for (size_t i = 0; i < NACTIONS; i++) {
		if (strcmp(a, actions[i].name) != 0)
			continue;
		if (fields_check(rc, ADMIN_FIELDS | actions[i].allowed, actions[i].need) != 0)
			return;
		if ((fault = reseller_fault(rc, a, "before")) != 0)
			send_json(rc, fault, reseller_fault_answer(fault));
		else
			actions[i].fn(rc);
		return;
	}
	problem(rc, RP_INVALID, F_ACTION);
}

void
reseller_handle(const struct ca_conf *conf, struct db *adb, struct db *db, struct req *req)
{
	struct rctx	 rc = { .conf = conf, .adb = adb, .db = db, .req = req };

	rc.revoke_api = strcmp(req->path, "/products/!AutoRevokeSSL") == 0;
	if (!rc.revoke_api && strcmp(req->path, "/products/!ACMEAdmin") != 0) {
		problem(&rc, RP_NOT_FOUND, F__MAX);
		return;
	}
	if (req->method != HTTP_POST) {
		resp_header(req, "Allow", "POST");
		problem(&rc, RP_METHOD, F__MAX);
		return;
	}
	if (req->fail != REQ_OK) {
		problem(&rc, req->fail == REQ_TOO_LARGE ? RP_TOO_LARGE : RP_INVALID, F__MAX);
		return;
	}
	if (login_ok(&rc) != 0)
		return;
	if (!rc.revoke_api) {
		acme_admin(&rc);
		return;
	}
	auto_revoke(&rc);
}
