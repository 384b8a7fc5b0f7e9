/*
 * The ACME resources of the bundled CA (RFC 8555): directory, nonces,
 * accounts with External Account Binding, orders, authorizations,
 * challenges, finalize and certificate download. One directory per
 * validation level: <base_url>/v2/{DV,OV,QWAC}; an account (and the
 * EAB key it was bound with) works only below its own level.
 *
 * Every POST goes through acme_auth(): content type, flattened JWS,
 * algorithm allowlist, url equal to the request URL, nonce consumed
 * exactly once (a DELETE whose row count decides, so every worker on
 * every host agrees), jwk xor kid, account and key status, signature.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "acme/acme.h"
#include "acme/acme_handlers.h"
#include "clock.h"
#include "crypto.h"
#include "acme/csr.h"
#include "log.h"
#include "signer/signer.h"

#define URL_MAX		512
#define CONTACTS_MAX	10
#define CONTACT_LEN_MAX	256


static const struct {
	const char	*name;
	int		 status;
} problems[PB__MAX] = {
	[PB_MALFORMED] = { "malformed", 400 },
	[PB_UNAUTHORIZED] = { "unauthorized", 403 },
	[PB_BAD_NONCE] = { "badNonce", 400 },
	[PB_BAD_SIG_ALG] = { "badSignatureAlgorithm", 400 },
	[PB_BAD_PUBLIC_KEY] = { "badPublicKey", 400 },
	[PB_ACCOUNT_DOES_NOT_EXIST] = { "accountDoesNotExist", 400 },
	[PB_EXTERNAL_ACCOUNT_REQUIRED] = { "externalAccountRequired", 403 },
	[PB_REJECTED_IDENTIFIER] = { "rejectedIdentifier", 400 },
	[PB_UNSUPPORTED_IDENTIFIER] = { "unsupportedIdentifier", 400 },
	[PB_ORDER_NOT_READY] = { "orderNotReady", 403 },
	[PB_BAD_CSR] = { "badCSR", 400 },
	[PB_SERVER_INTERNAL] = { "serverInternal", 500 },
	[PB_BAD_REVOCATION_REASON] = { "badRevocationReason", 400 },
	[PB_ALREADY_REVOKED] = { "alreadyRevoked", 400 },
	[PB_CONFLICT] = { "malformed", 409 },
	[PB_NOT_FOUND] = { "malformed", 404 },
};

/* ---- responses ---- */

/*
 * Nonces (RFC 8555 §6.5) are stateless until used: 8 bytes of expiry
 * (seconds, big-endian), 8 random bytes and the first 16 bytes of their
 * HMAC-SHA256 under the nonce key every worker derives from the CA
 * config, base64url. Handing one out writes nothing; using one inserts
 * it into `nonces` (the used set, purged after expiry), whose primary
 * key makes it usable exactly once across all workers and hosts.
 */
#define NONCE_RAW	32
#define NONCE_SIGNED	16

/*
 * Two MACs per POST: a keyed HMAC context is made once per process and
 * copied for each, instead of fetching the algorithms at every call (the
 * one-shot HMAC()). Any failure falls back to the one-shot.
 */
static void
nonce_mac(const struct ca_conf *conf, const unsigned char *raw, unsigned char mac[32])
{
	static EVP_MAC_CTX	*tmpl;
	static const unsigned char *tmpl_key;
	static char		 digest[] = "SHA256";
	EVP_MAC_CTX		*c = NULL;
	EVP_MAC			*m;
	size_t			 n = 0;

	if (tmpl == NULL || tmpl_key != conf->nonce_key) {
		EVP_MAC_CTX_free(tmpl);
		tmpl = NULL;
		tmpl_key = NULL;
		if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
		    (tmpl = EVP_MAC_CTX_new(m)) != NULL &&
		    EVP_MAC_init(tmpl, conf->nonce_key, sizeof(conf->nonce_key), (OSSL_PARAM[]){
			OSSL_PARAM_utf8_string("digest", digest, 0), OSSL_PARAM_END }) == 1)
			tmpl_key = conf->nonce_key;
		else {
			EVP_MAC_CTX_free(tmpl);
			tmpl = NULL;
		}
		EVP_MAC_free(m);
	}
	if (tmpl == NULL || (c = EVP_MAC_CTX_dup(tmpl)) == NULL ||
	    EVP_MAC_update(c, raw, NONCE_SIGNED) != 1 || EVP_MAC_final(c, mac, &n, 32) != 1 ||
	    n != 32)
		(void)HMAC(EVP_sha256(), conf->nonce_key, sizeof(conf->nonce_key), raw,
		    NONCE_SIGNED, mac, NULL);
	EVP_MAC_CTX_free(c);
}

/* A fresh nonce in Replay-Nonce. */
static void
add_nonce(struct actx *ax)
{
	unsigned char	 raw[NONCE_RAW], mac[32];
	char		 tok[TOKEN_B64_LEN + 1];
	unsigned long long exp = (unsigned long long)(clock_now() + ax->conf->nonce_ttl);

	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)(exp >> (56 - 8 * i));
	if (crypto_random(raw + 8, 8) == -1)
		return;
	nonce_mac(ax->conf, raw, mac);
	memcpy(raw + NONCE_SIGNED, mac, NONCE_RAW - NONCE_SIGNED);
	b64url_encode(raw, NONCE_RAW, tok);
	resp_header(ax->req, "Replay-Nonce", tok);
}

static void
common_headers(struct actx *ax)
{
	char	 link[URL_MAX + 32];

	snprintf(link, sizeof(link), "<%s>;rel=\"index\"", ax->dir);
	resp_header(ax->req, "Link", link);
	resp_header(ax->req, "Cache-Control", "no-store");
	resp_header(ax->req, "X-Content-Type-Options", "nosniff");
}

static int nonce_settle(struct actx *);

static void
send_json(struct actx *ax, int status, json_t *j, const char *ctype, const char *location)
{
	char	*text;

	if (nonce_settle(ax) != 0)
		return;
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	common_headers(ax);
	add_nonce(ax);
	if (location != NULL)
		resp_header(ax->req, "Location", location);
	if (text == NULL) {
		resp_send(ax->req, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	resp_send(ax->req, status, ctype, text, strlen(text));
	free(text);
}

/* §7.4.2: the chain as application/pem-certificate-chain, with a fresh nonce. */
void
acme_send_pem(struct actx *ax, const char *pem)
{
	if (nonce_settle(ax) != 0)
		return;
	common_headers(ax);
	add_nonce(ax);
	resp_send(ax->req, 200, "application/pem-certificate-chain", pem, strlen(pem));
}

/* An answer without a body (revokeCert, §7.6), with a fresh nonce. */
void
acme_reply_empty(struct actx *ax, int status)
{
	if (nonce_settle(ax) != 0)
		return;
	common_headers(ax);
	add_nonce(ax);
	resp_send(ax->req, status, NULL, NULL, 0);
}

/* A JSON answer to a GET: no nonce (nothing signed it), the index link. */
void
acme_reply_get(struct actx *ax, int status, json_t *j)
{
	char	*text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	common_headers(ax);
	resp_send(ax->req, status, "application/json", text, text ? strlen(text) : 0);
	free(text);
	json_decref(j);
}

void
acme_reply(struct actx *ax, int status, json_t *j, const char *location)
{
	send_json(ax, status, j, "application/json", location);
	json_decref(j);
}

/* An RFC 7807 problem document, optionally with subproblems (RFC 8555 §6.7.1). */
void
acme_problem_sub(struct actx *ax, enum problem t, const char *detail, json_t *subs)
{
	char	 type[96];
	json_t	*j;

	snprintf(type, sizeof(type), "urn:ietf:params:acme:error:%s", problems[t].name);
	j = json_pack("{s:s, s:s, s:i}", "type", type, "detail", detail, "status", problems[t].status);
	if (j != NULL && subs != NULL)
		json_object_set(j, "subproblems", subs);
	/* §6.2: a badSignatureAlgorithm problem MUST list the algorithms taken. */
	if (j != NULL && t == PB_BAD_SIG_ALG)
		json_object_set_new(j, "algorithms", json_pack("[s, s, s, s]", "RS256", "ES256", "ES384",
		    "EdDSA"));
	json_decref(subs);
	if (j == NULL) {
		resp_send(ax->req, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	send_json(ax, problems[t].status, j, "application/problem+json", NULL);
	json_decref(j);
}

void
acme_problem(struct actx *ax, enum problem t, const char *fmt, ...)
{
	char	 detail[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	acme_problem_sub(ax, t, detail, NULL);
}

void
acme_db_problem(struct actx *ax, int rc)
{
	acme_problem(ax, PB_SERVER_INTERNAL, rc == DB_EDOWN ?
	    "the CA's database is unavailable; try again shortly" : "internal database error");
}

/* RFC 3339 from a DATETIME cell. */
void
acme_time(const char *sql, char out[32])
{
	snprintf(out, 32, "%.10sT%.8sZ", sql, sql != NULL && strlen(sql) >= 19 ? sql + 11 : "00:00:00");
}

void
acme_url(const struct actx *ax, char *out, size_t outsz, const char *res, long long id)
{
	snprintf(out, outsz, "%s/%s/%lld", ax->dir, res, id);
}

/* ---- directory and nonces ---- */

static void
h_directory(struct actx *ax)
{
	char	 u[6][URL_MAX];
	json_t	*meta, *caa = json_array(), *j;
	static const char *const res[6] = {
		"new-nonce", "new-account", "new-order", "revoke-cert", "key-change", "renewal-info" };

	for (int i = 0; i < 6; i++)
		snprintf(u[i], sizeof(u[i]), "%s/%s", ax->dir, res[i]);
	if (ax->conf->caa_identities != NULL) {
		char *list = strdup(ax->conf->caa_identities), *save = NULL, *t;
		for (t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(caa, json_string(t + strspn(t, " ")));
		free(list);
	}
	meta = json_pack("{s:b, s:o}", "externalAccountRequired", 1, "caaIdentities", caa);
	if (ax->conf->terms_url != NULL)
		json_object_set_new(meta, "termsOfService", json_string(ax->conf->terms_url));
	if (ax->conf->website_url != NULL)
		json_object_set_new(meta, "website", json_string(ax->conf->website_url));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "newNonce", u[0], "newAccount", u[1],
	    "newOrder", u[2], "revokeCert", u[3], "keyChange", u[4], "renewalInfo", u[5],
	    "meta", meta);
	common_headers(ax);
	{
		char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		resp_send(ax->req, 200, "application/json", text, text ? strlen(text) : 0);
		free(text);
	}
	json_decref(j);
}

/* RFC 8555 §7.2: HEAD answers 200, GET 204, both with a fresh nonce. */
static void
h_new_nonce(struct actx *ax)
{
	char	 now[CLOCK_SQL_LEN];

	/* Used nonces past their expiry leave the used set here, a bounded
	 * batch at a time. */
	clock_sql(clock_now(), now);
	(void)db_run(ax->db, A_NONCE_PURGE, (struct db_param[]){ DB_S(now) }, 1, NULL);
	common_headers(ax);
	add_nonce(ax);
	resp_send(ax->req, ax->req->method == HTTP_HEAD ? 200 : 204, NULL, NULL, 0);
}

/* ---- authentication of POSTs ---- */

static int
load_account(struct actx *ax, long long id)
{
	struct db_res	*r = NULL;
	const char	*why;
	json_t		*jwk;
	int		 rc;

	if ((rc = db_run(ax->db, A_ACCOUNT_BY_ID, (struct db_param[]){ DB_I(id) }, 1, &r)) != 0) {
		acme_db_problem(ax, rc);
		return -1;
	}
	if (r->nrows != 1) {
		db_res_free(r);
		acme_problem(ax, PB_ACCOUNT_DOES_NOT_EXIST, "no account at that kid");
		return -1;
	}
	ax->acct_id = id;
	ax->eab_id = db_cell_int(r, 0, 2);
	snprintf(ax->acct_status, sizeof(ax->acct_status), "%s", db_cell(r, 0, 1));
	snprintf(ax->eab_status, sizeof(ax->eab_status), "%s", db_cell(r, 0, 4));
	ax->acct_contact = json_loads(db_cell(r, 0, 5) ? db_cell(r, 0, 5) : "[]", 0, NULL);
	snprintf(ax->org_o, sizeof(ax->org_o), "%s", db_cell(r, 0, 7) ? db_cell(r, 0, 7) : "");
	snprintf(ax->org_l, sizeof(ax->org_l), "%s", db_cell(r, 0, 8) ? db_cell(r, 0, 8) : "");
	snprintf(ax->org_c, sizeof(ax->org_c), "%s", db_cell(r, 0, 9) ? db_cell(r, 0, 9) : "");
	if (strcmp(db_cell(r, 0, 3), level_names[ax->lvl]) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "this account belongs to the %s directory",
		    db_cell(r, 0, 3));
		db_res_free(r);
		return -1;
	}
	jwk = json_loads(db_cell(r, 0, 6), 0, NULL);
	ax->key = jwk ? jwk_text_to_pkey(db_cell(r, 0, 6), jwk, &why) : NULL;
	ax->acct_jwk = jwk;
	db_res_free(r);
	if (ax->key == NULL) {
		acme_problem(ax, PB_SERVER_INTERNAL, "stored account key unusable");
		return -1;
	}
	return 0;
}

/* The account behind a kid URL of this directory. */
static int
kid_account(struct actx *ax, const char *kid)
{
	char		 prefix[URL_MAX];
	const char	*idp;
	char		*end;
	long long	 id;

	snprintf(prefix, sizeof(prefix), "%s/acct/", ax->dir);
	if (kid == NULL || strncmp(kid, prefix, strlen(prefix)) != 0) {
		acme_problem(ax, PB_MALFORMED, "kid is not an account URL of this directory");
		return -1;
	}
	idp = kid + strlen(prefix);
	errno = 0;
	id = strtoll(idp, &end, 10);
	if (errno || *end != '\0' || id <= 0) {
		acme_problem(ax, PB_MALFORMED, "kid is not an account URL of this directory");
		return -1;
	}
	return load_account(ax, id);
}

/* §6.5: signed by us and not expired; then pending, to be recorded as used. */
static int
nonce_check(struct actx *ax, const char *nonce)
{
	unsigned char	 raw[NONCE_RAW + 2], mac[32];
	unsigned long long exp = 0;

	if (nonce == NULL || strlen(nonce) != TOKEN_B64_LEN ||
	    b64url_decode(nonce, TOKEN_B64_LEN, raw, sizeof(raw)) != NONCE_RAW) {
		acme_problem(ax, PB_BAD_NONCE, "the nonce is missing or malformed");
		return -1;
	}
	nonce_mac(ax->conf, raw, mac);
	for (int i = 0; i < 8; i++)
		exp = exp << 8 | raw[i];
	if (CRYPTO_memcmp(mac, raw + NONCE_SIGNED, NONCE_RAW - NONCE_SIGNED) != 0 ||
	    exp <= (unsigned long long)clock_now()) {
		acme_problem(ax, PB_BAD_NONCE, "the nonce was never issued here, or it expired");
		return -1;
	}
	snprintf(ax->nonce, sizeof(ax->nonce), "%s", nonce);
	clock_sql((time_t)exp, ax->nonce_exp);
	ax->nonce_pending = 1;
	return 0;
}

/* The used set's insert: its primary key makes a nonce usable once across
 * all workers (DB_EDUP: used already). */
static int
nonce_insert(struct actx *ax)
{
	return db_run(ax->db, A_NONCE_USE, (struct db_param[]){ DB_S(ax->nonce),
	    DB_S(ax->nonce_exp) }, 2, NULL);
}

/*
 * Before any answer to a POST: a nonce still pending is recorded now, on
 * its own commit; if it was used already the answer is badNonce instead.
 * 0 to go on with the answer, -1 when this answered.
 */
static int
nonce_settle(struct actx *ax)
{
	int	 rc;

	if (!ax->nonce_pending)
		return 0;
	ax->nonce_pending = 0;
	if ((rc = nonce_insert(ax)) == 0)
		return 0;
	if (rc == DB_EDUP)
		acme_problem(ax, PB_BAD_NONCE, "the nonce was already used");
	else
		acme_db_problem(ax, rc);
	return -1;
}

int
acme_tx_begin(struct actx *ax)
{
	int	 rc;

	ax->nonce_in_tx = 0;
	if ((rc = db_begin(ax->db)) != 0) {
		acme_db_problem(ax, rc);
		return -1;
	}
	if (!ax->nonce_pending)
		return 0;
	if ((rc = nonce_insert(ax)) == 0) {
		ax->nonce_in_tx = 1;
		return 0;
	}
	(void)db_rollback(ax->db);
	if (rc == DB_EDUP) {
		ax->nonce_pending = 0;
		acme_problem(ax, PB_BAD_NONCE, "the nonce was already used");
	} else
		acme_db_problem(ax, rc);
	return -1;
}

int
acme_tx_commit(struct actx *ax)
{
	int	 rc = db_commit(ax->db);

	if (rc == 0 && ax->nonce_in_tx)
		ax->nonce_pending = 0;
	ax->nonce_in_tx = 0;
	return rc;
}

static int
content_type_ok(const struct req *r)
{
	const char	*ct = r->content_type;
	size_t		 n = strlen("application/jose+json");

	return ct != NULL && strncasecmp(ct, "application/jose+json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';');
}

/*
 * RFC 8555 §6.2–6.5 for one POST. want_jwk: AUTH_JWK, the resource
 * takes a jwk (newAccount); AUTH_KID, a kid naming a valid account of
 * this level; AUTH_EITHER (revokeCert, §7.6), either of the two.
 * Returns 0 with ax->jws, ax->key (and the account) set, or -1 after
 * answering with the problem.
 */
int
acme_auth(struct actx *ax, int want_jwk)
{
	json_t		*body = NULL, *jwk;
	const char	*why, *url, *kid;
	char		 expect[URL_MAX];
	int		 badalg, rc = -1;

	if (!content_type_ok(ax->req)) {
		acme_problem(ax, PB_MALFORMED, "Content-Type must be application/jose+json");
		return -1;
	}
	body = json_loadb(ax->req->body ? ax->req->body : "", ax->req->bodylen,
	    JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL || jws_parse(body, 0, &ax->jws, &why, &badalg) != 0) {
		acme_problem(ax, badalg ? PB_BAD_SIG_ALG : PB_MALFORMED, "%s",
		    body == NULL ? "the body is not JSON" : why);
		goto out;
	}
	ax->have_jws = 1;
	snprintf(expect, sizeof(expect), "%s%s", ax->conf->base_url, ax->req->path);
	url = json_string_value(json_object_get(ax->jws.protected, "url"));
	if (url == NULL || strcmp(url, expect) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "the JWS url must be %s", expect);
		goto out;
	}
	if (nonce_check(ax, json_string_value(json_object_get(ax->jws.protected, "nonce"))) != 0 ||
	    (!ax->nonce_defer && nonce_settle(ax) != 0))
		goto out;
	jwk = json_object_get(ax->jws.protected, "jwk");
	kid = json_string_value(json_object_get(ax->jws.protected, "kid"));
	if ((jwk != NULL) == (json_object_get(ax->jws.protected, "kid") != NULL)) {
		acme_problem(ax, PB_MALFORMED, "the protected header needs exactly one of jwk and kid");
		goto out;
	}
	if (want_jwk == AUTH_JWK && jwk == NULL) {
		acme_problem(ax, PB_MALFORMED, "this resource needs a jwk, not a kid");
		goto out;
	}
	if (want_jwk == AUTH_KID && kid == NULL) {
		acme_problem(ax, PB_MALFORMED, "this resource needs a kid, not a jwk");
		goto out;
	}
	if (jwk != NULL) {
		if ((ax->key = jwk_to_pkey(jwk, &why)) == NULL) {
			acme_problem(ax, PB_BAD_PUBLIC_KEY, "%s", why);
			goto out;
		}
		ax->jwk = json_incref(jwk);
	} else if (kid_account(ax, kid) != 0)
		goto out;
	if (!jws_alg_matches(ax->jws.alg, ax->key)) {
		acme_problem(ax, PB_BAD_SIG_ALG, "the algorithm does not match the key");
		goto out;
	}
	if (!jws_verify(&ax->jws, ax->key)) {
		acme_problem(ax, PB_MALFORMED, "the JWS signature does not verify");
		goto out;
	}
	if (kid != NULL && strcmp(ax->acct_status, "valid") != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "the account is %s", ax->acct_status);
		goto out;
	}
	if (kid != NULL && strcmp(ax->eab_status, "valid") != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "the account's external account key is %s",
		    ax->eab_status);
		goto out;
	}
	rc = 0;
out:
	json_decref(body);
	return rc;
}

/* ---- the wake-up of the validator ---- */

void
acme_wake_validator(const struct actx *ax)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if (ax->conf->validator_socket == NULL ||
	    strlen(ax->conf->validator_socket) >= sizeof(sun.sun_path))
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ax->conf->validator_socket, strlen(ax->conf->validator_socket));
	/* Best effort: the validator also polls. */
	(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
}

/* ---- dispatch ---- */

struct aroute {
	const char	*res;		/* "" for the directory itself */
	int		 has_id;	/* 1: numeric id, 2: string argument */
	const char	*tail;		/* after the id, or NULL */
	int		 method;	/* HTTP_GET (also HEAD) or HTTP_POST */
	int		 head_too;
	void		(*fn)(struct actx *);
};

static const struct aroute aroutes[] = {
	{ "", 0, NULL, HTTP_GET, 1, h_directory },
	{ "new-nonce", 0, NULL, HTTP_GET, 1, h_new_nonce },
	{ "new-account", 0, NULL, HTTP_POST, 0, h_new_account },
	{ "acct", 1, NULL, HTTP_POST, 0, h_account },
	{ "acct", 1, "orders", HTTP_POST, 0, h_account_orders },
	{ "key-change", 0, NULL, HTTP_POST, 0, h_key_change },
	{ "new-order", 0, NULL, HTTP_POST, 0, h_new_order },
	{ "order", 1, NULL, HTTP_POST, 0, h_order },
	{ "authz", 1, NULL, HTTP_POST, 0, h_authz },
	{ "chall", 1, NULL, HTTP_POST, 0, h_challenge },
	{ "finalize", 1, NULL, HTTP_POST, 0, h_finalize },
	{ "cert", 1, NULL, HTTP_POST, 0, h_certificate },
	{ "revoke-cert", 0, NULL, HTTP_POST, 0, h_revoke_cert },
	{ "renewal-info", 2, NULL, HTTP_GET, 1, h_renewal_info },
};

/* Split "/v2/LEVEL[/res[/id[/tail]]]"; 0 on success. */
static int
parse_path(struct actx *ax, const char *path, char *res, size_t ressz, char *tail, size_t tailsz)
{
	char		 buf[256], *parts[5] = { 0 }, *save = NULL, *t;
	size_t		 n = 0;
	int		 l;

	if (strlen(path) >= sizeof(buf) || strncmp(path, "/v2/", 4) != 0)
		return -1;
	memcpy(buf, path + 4, strlen(path + 4) + 1);
	if (buf[0] == '\0' || buf[strlen(buf) - 1] == '/')
		return -1;
	for (t = strtok_r(buf, "/", &save); t != NULL && n < 5; t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	if (t != NULL || n == 0 || n > 4)
		return -1;
	for (l = 0; l < LEVEL__MAX; l++)
		if (strcmp(parts[0], level_names[l]) == 0)
			break;
	if (l == LEVEL__MAX)
		return -1;
	ax->lvl = (enum level)l;
	snprintf(ax->dir, sizeof(ax->dir), "%s/v2/%s", ax->conf->base_url, level_names[l]);
	snprintf(res, ressz, "%s", n > 1 ? parts[1] : "");
	tail[0] = '\0';
	ax->id = 0;
	ax->arg[0] = '\0';
	if (n == 3 && strcmp(parts[1], "renewal-info") == 0) {
		if (strlen(parts[2]) >= sizeof(ax->arg))
			return -1;
		snprintf(ax->arg, sizeof(ax->arg), "%s", parts[2]);
		return 0;
	}
	if (n > 2) {
		char *end;
		errno = 0;
		ax->id = strtoll(parts[2], &end, 10);
		if (errno || *end != '\0' || ax->id <= 0)
			return -1;
	}
	if (n > 3)
		snprintf(tail, tailsz, "%s", parts[3]);
	return 0;
}

void
acme_handle(struct actx *ax)
{
	char			 res[32], tail[32];
	const struct aroute	*rt = NULL;
	int			 known = 0;

	if (ax->req->fail != REQ_OK) {
		snprintf(ax->dir, sizeof(ax->dir), "%s/v2", ax->conf->base_url);
		acme_problem(ax, PB_MALFORMED, ax->req->fail == REQ_TOO_LARGE ?
		    "the request is larger than this server accepts" : "the request is malformed");
		return;
	}
	if (parse_path(ax, ax->req->path, res, sizeof(res), tail, sizeof(tail)) != 0) {
		snprintf(ax->dir, sizeof(ax->dir), "%s/v2", ax->conf->base_url);
		acme_problem(ax, PB_MALFORMED, "no such resource: directories are "
		    "%s/v2/DV, /v2/OV and /v2/QWAC", ax->conf->base_url);
		return;
	}
	for (size_t i = 0; i < sizeof(aroutes) / sizeof(aroutes[0]); i++) {
		const struct aroute *a = &aroutes[i];
		if (strcmp(a->res, res) != 0 ||
		    a->has_id != (ax->arg[0] != '\0' ? 2 : ax->id != 0) ||
		    strcmp(a->tail ? a->tail : "", tail) != 0)
			continue;
		known = 1;
		if ((int)ax->req->method == a->method ||
		    (a->head_too && ax->req->method == HTTP_HEAD))
			rt = a;
	}
	if (rt == NULL) {
		if (known)
			resp_header(ax->req, "Allow", strcmp(res, "") == 0 || strcmp(res, "new-nonce") == 0 ?
			    "GET, HEAD" : "POST");
		acme_problem(ax, PB_MALFORMED, known ? "method not allowed on this resource" :
		    "no such resource");
		return;
	}
	/* The handlers that write record the nonce in their own transaction. */
	ax->nonce_defer = rt->fn == h_new_order || rt->fn == h_challenge || rt->fn == h_finalize;
	if (rt->method == HTTP_POST && acme_auth(ax, rt->fn == h_new_account ? AUTH_JWK :
	    rt->fn == h_revoke_cert ? AUTH_EITHER : AUTH_KID) != 0)
		return;
	rt->fn(ax);
}

void
actx_free(struct actx *ax)
{
	if (ax->have_jws)
		jws_free(&ax->jws);
	EVP_PKEY_free(ax->key);
	json_decref(ax->jwk);
	json_decref(ax->acct_contact);
	json_decref(ax->acct_jwk);
}
