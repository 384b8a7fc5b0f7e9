/*
 * Identity: login sessions (random 256-bit tokens, stored as SHA-256),
 * CSRF tokens, API keys (bearer, stored as SHA-256) and the hand-over
 * of an existing site's logged-in user through nginx auth_request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "center.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"

#define LOGIN_MAX	100
#define PASSWORD_MAX	1024
#define API_KEY_MAX	128
/* Password guessing: at most LOGIN_FAILURES_MAX failures per login (or per
 * known device) and ADDR_FAILURES_MAX per client address in LOGIN_WINDOW
 * seconds; past that the form refuses without checking. */
#define LOGIN_FAILURES_MAX	10
#define ADDR_FAILURES_MAX	50
#define LOGIN_WINDOW		(15 * 60)
#define LOGIN_DEVICE_TTL	(180L * 86400)

const char *const role_names[ROLE__MAX] = { "customer", "accounting", "admin" };

/*
 * __Host- binds the cookie to this exact origin, path / and Secure.
 * Under a base_path the cookie is the application's only (Path=base),
 * which __Host- forbids: __Secure- still requires Secure.
 */
static const char *
session_cookie(const struct ctx *c)
{
	if (!c->conf->cookie_secure)
		return "center_session";
	return c->conf->base_path[0] != '\0' ? "__Secure-center_session" : "__Host-center_session";
}

static const char *
login_csrf_cookie(const struct ctx *c)
{
	if (!c->conf->cookie_secure)
		return "center_login";
	return c->conf->base_path[0] != '\0' ? "__Secure-center_login" : "__Host-center_login";
}

static void
set_cookie(struct ctx *c, const char *name, const char *value, long max_age, const char *samesite)
{
	char	 v[512];

	/* Path: the mount point only, so the rest of the site never receives it. */
	snprintf(v, sizeof(v), "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; SameSite=%s%s",
	    name, value, c->conf->base_path[0] != '\0' ? c->conf->base_path : "/", max_age,
	    samesite, c->conf->cookie_secure ? "; Secure" : "");
	resp_header(c->req, "Set-Cookie", v);
}

static enum role
parse_role(const char *s)
{
	for (int i = 0; i < ROLE__MAX; i++)
		if (s != NULL && strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_CUSTOMER;
}

/* Fill the principal from a row laid out as SESSION_COLS (sql.c). */
static void
principal_from_row(struct principal *p, const struct db_res *r)
{
	memset(p, 0, sizeof(*p));
	p->authenticated = 1;
	p->session_id = db_cell_int(r, 0, 0);
	snprintf(p->csrf, sizeof(p->csrf), "%s", db_cell(r, 0, 1) ? db_cell(r, 0, 1) : "");
	p->user_id = db_cell_int(r, 0, 2);
	snprintf(p->login, sizeof(p->login), "%s", db_cell(r, 0, 3));
	p->role = parse_role(db_cell(r, 0, 4));
	snprintf(p->lang, sizeof(p->lang), "%s", db_cell(r, 0, 5) ? db_cell(r, 0, 5) : "");
	p->account_id = db_cell_int(r, 0, 6);
	snprintf(p->account_name, sizeof(p->account_name), "%s", db_cell(r, 0, 7));
	snprintf(p->account_kind, sizeof(p->account_kind), "%s", db_cell(r, 0, 8));
	p->compatible = db_cell_int(r, 0, 9) != 0;
	p->balance_cents = db_cell_int(r, 0, 10);
	snprintf(p->currency, sizeof(p->currency), "%s", db_cell(r, 0, 11));
}

/*
 * Authenticate by session cookie. Returns 0 when a live session was
 * found (principal filled, expiry slid forward), 1 when there is none,
 * DB_EDOWN when the database cannot tell.
 */
int
auth_session(struct ctx *c)
{
	const char	*tok = kv_get(&c->req->cookies, session_cookie(c));
	char		 hash[SHA256_HEX_LEN + 1], now_s[CLOCK_SQL_LEN], exp_s[CLOCK_SQL_LEN];
	struct db_res	*r = NULL;
	time_t		 now = clock_now(), exp;
	int		 rc;

	if (tok == NULL || strlen(tok) != TOKEN_B64_LEN)
		return 1;
	sha256_hex(tok, strlen(tok), hash);
	clock_sql(now, now_s);
	rc = db_run(c->db, Q_SESSION_LOOKUP,
	    (struct db_param[]){ DB_S(hash), DB_S(now_s) }, 2, &r);
	if (rc != 0) {
		db_res_free(r);
		return rc == DB_EDOWN ? DB_EDOWN : 1;
	}
	if (r->nrows != 1) {
		db_res_free(r);
		return 1;
	}
	principal_from_row(&c->who, r);
	/* Slide the idle expiry at most once a minute. */
	if (clock_parse(db_cell(r, 0, 12), &exp) == 0 &&
	    exp - now < c->conf->session_ttl - 60) {
		clock_sql(now + c->conf->session_ttl, exp_s);
		(void)db_run(c->db, Q_SESSION_TOUCH,
		    (struct db_param[]){ DB_S(exp_s), DB_I(c->who.session_id) }, 2, NULL);
	}
	db_res_free(r);
	return 0;
}

/* Authorization: Bearer <key>. Same return values as auth_session. */
int
auth_api_key(struct ctx *c)
{
	const char	*h = c->req->authorization, *key;
	char		 hash[SHA256_HEX_LEN + 1], now_s[CLOCK_SQL_LEN];
	struct db_res	*r = NULL;
	struct principal *p = &c->who;
	int		 rc;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 1;
	key = h + 7;
	if (strlen(key) == 0 || strlen(key) > API_KEY_MAX)
		return 1;
	sha256_hex(key, strlen(key), hash);
	if ((rc = db_run(c->db, Q_APIKEY_LOOKUP, (struct db_param[]){ DB_S(hash) }, 1, &r)) != 0) {
		db_res_free(r);
		return rc == DB_EDOWN ? DB_EDOWN : 1;
	}
	if (r->nrows != 1) {
		db_res_free(r);
		return 1;
	}
	principal_from_row(p, r);
	p->via_api_key = 1;
	clock_sql(clock_now(), now_s);
	(void)db_run(c->db, Q_APIKEY_TOUCH,
	    (struct db_param[]){ DB_S(now_s), DB_I(db_cell_int(r, 0, 12)) }, 2, NULL);
	db_res_free(r);
	return 0;
}

/*
 * auth_mode = auth_request: nginx asked the existing site who is
 * logged in and passes the login as CENTER_AUTH_USER, with the shared
 * secret as CENTER_AUTH_SECRET so that nothing else can claim a user.
 * The CSRF token is derived from the secret and the user (no session
 * row: the site's own cookie is the session).
 */
int
auth_handover(struct ctx *c)
{
	const char	*user = req_param(c->req, "CENTER_AUTH_USER");
	const char	*secret = req_param(c->req, "CENTER_AUTH_SECRET");
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 msg[160];
	struct db_res	*r = NULL;
	int		 rc;

	if (secret == NULL || c->conf->auth_secret == NULL ||
	    !crypto_equal(secret, c->conf->auth_secret))
		return 1;
	/* Matched byte for byte (users.login is utf8mb4_nopad_bin, issue 13 item 9). */
	if (user == NULL || *user == '\0' || strlen(user) > LOGIN_MAX ||
	    !utf8_valid(user, strlen(user)))
		return 1;
	if ((rc = db_run(c->db, Q_USER_PRINCIPAL, (struct db_param[]){ DB_S(user) }, 1, &r)) != 0) {
		db_res_free(r);
		return rc == DB_EDOWN ? DB_EDOWN : 1;
	}
	if (r->nrows != 1) {
		log_warnx("handed-over user %s is unknown here", user);
		db_res_free(r);
		return 1;
	}
	principal_from_row(&c->who, r);
	db_res_free(r);
	snprintf(msg, sizeof(msg), "csrf:%lld", c->who.user_id);
	HMAC(EVP_sha256(), c->conf->auth_secret, (int)strlen(c->conf->auth_secret),
	    (const unsigned char *)msg, strlen(msg), mac, &maclen);
	b64url_encode(mac, 32, c->who.csrf);
	return 0;
}

/* The form's csrf field (or X-CSRF-Token) matches the principal's token. */
int
auth_csrf_ok(struct ctx *c)
{
	const char	*t = kv_get(&c->req->form, "csrf");

	if (t == NULL)
		t = req_param(c->req, "HTTP_X_CSRF_TOKEN");
	return t != NULL && c->who.csrf[0] != '\0' && crypto_equal(t, c->who.csrf);
}

/* Login page model, with an error message key when a try failed. */
static int
login_page(struct ctx *c, int status, const char *errkey, const char *login)
{
	struct model	*m;
	char		 tok[TOKEN_B64_LEN + 1];
	const char	*next = kv_get(&c->req->qs, "next");
	xmlNodePtr	 n;

	if (next == NULL)
		next = kv_get(&c->req->form, "next");
	if (crypto_token(tok) == -1)
		return 500;
	if ((m = page_new(c, "login")) == NULL)
		return 500;
	n = m_obj(m->root, "login");
	m_omit(m_text(n, "csrf", tok));
	m_text(n, "login", login ? login : "");
	if (req_local_path_ok(next))
		m_text(n, "next", next);
	if (errkey != NULL)
		m_text(m->root, "error", i18n_get(c->cat, errkey));
	set_cookie(c, login_csrf_cookie(c), tok, 3600, "Strict");
	page_send(c, m, status);
	return 0;
}

int
h_login_form(struct ctx *c)
{
	if (c->conf->auth_request)
		return 404;
	if (c->who.authenticated) {
		resp_redirect(c->req, "/acme");
		return 0;
	}
	return login_page(c, 200, NULL, NULL);
}

/* A hash to verify against when the login is unknown, so that timing
 * does not tell which logins exist. */
static const char *
dummy_hash(void)
{
	static char	*h;

	if (h == NULL)
		h = password_hash("not-a-real-password");
	return h;
}

static int
start_session(struct ctx *c, long long user_id)
{
	char		 tok[TOKEN_B64_LEN + 1], csrf[TOKEN_B64_LEN + 1];
	char		 hash[SHA256_HEX_LEN + 1], now_s[CLOCK_SQL_LEN], exp_s[CLOCK_SQL_LEN];
	time_t		 now = clock_now();
	int		 rc;

	if (crypto_token(tok) == -1 || crypto_token(csrf) == -1)
		return 500;
	sha256_hex(tok, strlen(tok), hash);
	clock_sql(now, now_s);
	clock_sql(now + c->conf->session_ttl, exp_s);
	rc = db_run(c->db, Q_SESSION_INSERT, (struct db_param[]){
	    DB_S(hash), DB_I(user_id), DB_S(csrf), DB_S(now_s), DB_S(exp_s) }, 5, NULL);
	if (rc != 0)
		return rc == DB_EDOWN ? 503 : 500;
	/* Opportunistic clean-up of dead sessions; bounded by LIMIT. */
	(void)db_run(c->db, Q_SESSION_PURGE, (struct db_param[]){ DB_S(now_s) }, 1, NULL);
	set_cookie(c, session_cookie(c), tok, c->conf->session_ttl, "Lax");
	return 0;
}

/*
 * Login throttling (issue 13 item 10). Every attempt is charged before its
 * password is checked: in one transaction that holds the row locks of its
 * gates, the failures in the window are counted and, below the limits, a
 * login_failures row is inserted for this attempt. Concurrent attempts at
 * the same login (or from the same address) queue on the gate, so no more
 * than the limit can ever reach password_verify. A success deletes its own
 * row and the login's failures; a failure leaves its row.
 *
 * A browser that logged in before carries a device cookie (a random token,
 * stored as SHA-256, LOGIN_DEVICE_TTL). Its attempts at that user's login
 * count against the device only, so that others' failures, per login or
 * per address, never lock the owner out of a browser they already used.
 */
enum charge { CHARGE_OK, CHARGE_THROTTLED, CHARGE_DOWN, CHARGE_ERROR };

static const char *
device_cookie(const struct ctx *c)
{
	/* __Secure-, not __Host-: a __Host- cookie must have Path=/, and this
	 * one is only ever sent to /login. */
	return c->conf->cookie_secure ? "__Secure-center_device" : "center_device";
}

/* The device cookie's hash if it names a live device of user_id, else "". */
static int
known_device(struct ctx *c, long long user_id, char hash[SHA256_HEX_LEN + 1])
{
	const char	*tok = kv_get(&c->req->cookies, device_cookie(c));
	char		 now[CLOCK_SQL_LEN];
	struct db_res	*r = NULL;
	int		 rc;

	hash[0] = '\0';
	if (tok == NULL || strlen(tok) != TOKEN_B64_LEN || user_id == 0)
		return 0;
	sha256_hex(tok, strlen(tok), hash);
	clock_sql(clock_now(), now);
	rc = db_run(c->db, Q_DEVICE_LOOKUP, (struct db_param[]){ DB_S(hash), DB_S(now) }, 2, &r);
	if (rc != 0 || r->nrows != 1 || db_cell_int(r, 0, 0) != user_id)
		hash[0] = '\0';
	db_res_free(r);
	return rc == DB_EDOWN ? DB_EDOWN : 0;
}

/* Lock one gate and count its failures since `since`; -1 on a database error. */
static long long
gate_count(struct ctx *c, const char *kind, const char *key, int count_stmt,
    const char *now, const char *since, int *dbrc)
{
	struct db_res	*r = NULL;
	long long	 n = -1;

	if ((*dbrc = db_run(c->db, Q_LOGIN_GATE, (struct db_param[]){ DB_S(kind), DB_S(key),
	    DB_S(now) }, 3, NULL)) == 0 &&
	    (*dbrc = db_run(c->db, count_stmt, (struct db_param[]){ DB_S(key), DB_S(since) }, 2,
	    &r)) == 0)
		n = db_cell_int(r, 0, 0);
	db_res_free(r);
	return n;
}

/* Charge one attempt; *row: its login_failures id (CHARGE_OK only). */
static enum charge
login_charge(struct ctx *c, const char *login, const char *device, long long *row)
{
	const char	*addr = c->req->remote_addr;
	char		 now[CLOCK_SQL_LEN], since[CLOCK_SQL_LEN];
	struct db_res	*r = NULL;
	time_t		 t = clock_now();
	long long	 n;
	enum charge	 out = CHARGE_ERROR;
	int		 rc;

	clock_sql(t, now);
	clock_sql(t - LOGIN_WINDOW, since);
	if ((rc = db_begin(c->db)) != 0)
		return rc == DB_EDOWN ? CHARGE_DOWN : CHARGE_ERROR;
	if (device[0] != '\0') {
		if ((n = gate_count(c, "device", device, Q_LOGIN_FAILURES_DEVICE, now, since, &rc)) < 0)
			goto fail;
		if (n >= LOGIN_FAILURES_MAX)
			out = CHARGE_THROTTLED;
	} else {
		if ((n = gate_count(c, "login", login, Q_LOGIN_FAILURES, now, since, &rc)) < 0)
			goto fail;
		if (n >= LOGIN_FAILURES_MAX)
			out = CHARGE_THROTTLED;
		else if (addr != NULL && *addr != '\0') {
			if ((n = gate_count(c, "addr", addr, Q_LOGIN_FAILURES_ADDR, now, since, &rc)) < 0)
				goto fail;
			if (n >= ADDR_FAILURES_MAX)
				out = CHARGE_THROTTLED;
		}
	}
	if (out == CHARGE_THROTTLED) {
		(void)db_rollback(c->db);
		return out;
	}
	if ((rc = db_run(c->db, Q_LOGIN_FAILURE_ADD, (struct db_param[]){ DB_S(login), DB_SN(addr),
	    device[0] != '\0' ? DB_S(device) : DB_NUL, DB_S(now) }, 4, &r)) != 0)
		goto fail;
	*row = (long long)r->insert_id;
	db_res_free(r);
	if ((rc = db_commit(c->db)) != 0)
		goto fail;
	return CHARGE_OK;
fail:
	(void)db_rollback(c->db);
	return rc == DB_EDOWN ? CHARGE_DOWN : CHARGE_ERROR;
}

/* After a success: a new device cookie for this browser (a known one keeps its own). */
static void
remember_device(struct ctx *c, long long user_id, const char *known)
{
	char	 tok[TOKEN_B64_LEN + 1], hash[SHA256_HEX_LEN + 1];
	char	 now_s[CLOCK_SQL_LEN], exp_s[CLOCK_SQL_LEN], v[256];
	time_t	 now = clock_now();

	if (known[0] != '\0' || crypto_token(tok) == -1)
		return;
	sha256_hex(tok, strlen(tok), hash);
	clock_sql(now, now_s);
	clock_sql(now + LOGIN_DEVICE_TTL, exp_s);
	(void)db_run(c->db, Q_DEVICE_PURGE, (struct db_param[]){ DB_S(now_s) }, 1, NULL);
	if (db_run(c->db, Q_DEVICE_INSERT, (struct db_param[]){ DB_S(hash), DB_I(user_id),
	    DB_S(now_s), DB_S(exp_s) }, 4, NULL) != 0)
		return;
	/* Sent to the login page only (under base_path): it is no credential,
	 * just the browser's name there. */
	snprintf(v, sizeof(v), "%s=%s; Path=%s/login; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
	    device_cookie(c), tok, c->conf->base_path, (long)LOGIN_DEVICE_TTL,
	    c->conf->cookie_secure ? "; Secure" : "");
	resp_header(c->req, "Set-Cookie", v);
}

static void
login_purge(struct ctx *c)
{
	char	 old[CLOCK_SQL_LEN];

	clock_sql(clock_now() - LOGIN_WINDOW, old);
	(void)db_run(c->db, Q_LOGIN_FAILURES_PURGE, (struct db_param[]){ DB_S(old) }, 1, NULL);
	(void)db_run(c->db, Q_LOGIN_GATES_PURGE, (struct db_param[]){ DB_S(old) }, 1, NULL);
}

int
h_login(struct ctx *c)
{
	const char	*login = kv_get(&c->req->form, "login");
	const char	*pw = kv_get(&c->req->form, "password");
	const char	*csrf = kv_get(&c->req->form, "csrf");
	const char	*cookie = kv_get(&c->req->cookies, login_csrf_cookie(c));
	const char	*next = kv_get(&c->req->form, "next");
	struct db_res	*r = NULL;
	char		 device[SHA256_HEX_LEN + 1];
	long long	 user_id = 0, row = 0;
	int		 rc, good;

	if (c->conf->auth_request)
		return 404;
	if (csrf == NULL || cookie == NULL || !crypto_equal(csrf, cookie))
		return login_page(c, 403, "err.csrf", login);
	if (login == NULL || *login == '\0' || strlen(login) > LOGIN_MAX)
		return login_page(c, 400, "err.login.required", NULL);
	if (pw == NULL || *pw == '\0' || strlen(pw) > PASSWORD_MAX)
		return login_page(c, 400, "err.password.required", login);
	if ((rc = db_run(c->db, Q_USER_BY_LOGIN, (struct db_param[]){ DB_S(login) }, 1, &r)) != 0) {
		db_res_free(r);
		return rc == DB_EDOWN ? 503 : 500;
	}
	if (r->nrows == 1)
		user_id = db_cell_int(r, 0, 0);
	if (known_device(c, user_id, device) == DB_EDOWN) {
		db_res_free(r);
		return 503;
	}
	switch (login_charge(c, login, device, &row)) {
	case CHARGE_OK:
		break;
	case CHARGE_THROTTLED:
		db_res_free(r);
		log_info("login throttled for \"%s\" from %s%s", login,
		    c->req->remote_addr ? c->req->remote_addr : "?", device[0] ? " (known device)" : "");
		resp_header(c->req, "Retry-After", "900");
		return login_page(c, 429, "err.login.throttled", login);
	case CHARGE_DOWN:
		db_res_free(r);
		return 503;
	default:
		db_res_free(r);
		return 500;
	}
	if (r->nrows == 1 && db_cell(r, 0, 1) != NULL && db_cell_int(r, 0, 2) == 0)
		good = password_verify(db_cell(r, 0, 1), pw);
	else
		good = (password_verify(dummy_hash(), pw), 0);
	db_res_free(r);
	if (!good) {
		login_purge(c);
		log_info("login refused for \"%s\" from %s", login,
		    c->req->remote_addr ? c->req->remote_addr : "?");
		return login_page(c, 401, "err.login.wrong", login);
	}
	(void)db_run(c->db, Q_LOGIN_FAILURE_DELETE, (struct db_param[]){ DB_I(row) }, 1, NULL);
	(void)db_run(c->db, Q_LOGIN_FAILURES_CLEAR, (struct db_param[]){ DB_S(login) }, 1, NULL);
	if ((rc = start_session(c, user_id)) != 0)
		return rc;
	remember_device(c, user_id, device);
	set_cookie(c, login_csrf_cookie(c), "", 0, "Strict");
	/* The way back must be a path on this site (issue 13 item 13). */
	resp_redirect(c->req, req_local_path_ok(next) ? next : "/acme");
	return 0;
}

int
h_logout(struct ctx *c)
{
	int	 rc;

	if (c->who.session_id != 0 &&
	    (rc = db_run(c->db, Q_SESSION_DELETE,
	    (struct db_param[]){ DB_I(c->who.session_id) }, 1, NULL)) != 0)
		return rc == DB_EDOWN ? 503 : 500;
	set_cookie(c, session_cookie(c), "", 0, "Lax");
	resp_redirect(c->req, c->conf->auth_request ? "/" : "/login");
	return 0;
}

int
h_language(struct ctx *c)
{
	const char	*lang = kv_get(&c->req->form, "lang");
	const char	*back = kv_get(&c->req->form, "back");
	int		 rc;

	if (lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0)) {
		page_error(c, 400, "err.lang.invalid", "lang");
		return 0;
	}
	if ((rc = db_run(c->db, Q_USER_SET_LANG,
	    (struct db_param[]){ DB_S(lang), DB_I(c->who.user_id) }, 2, NULL)) != 0)
		return rc == DB_EDOWN ? 503 : 500;
	resp_redirect(c->req, req_local_path_ok(back) ? back : "/acme");
	return 0;
}
