/*
 * ACME orders, authorizations, challenges, finalize and certificates
 * (RFC 8555 §7.4, §7.5, §7.1.3–7.1.6). Identifiers must be covered by
 * a currently enrolled, unexpired domain of the account's EAB key, at
 * newOrder and again at finalize. Challenges are validated by the
 * validator process; certificates are signed by the signer process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme/acme.h"
#include "acme/acme_handlers.h"
#include "clock.h"
#include "crypto.h"
#include "acme/csr.h"
#include "log.h"
#include "signer/signer.h"

#define URL_MAX		512
#define AUTHZ_TTL	(7 * 86400)

struct names {
	char	*v[ACME_IDENTIFIERS_MAX];
	size_t	 n;
};

static void
names_free(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	n->n = 0;
}

/* The enrolled, unexpired domains of the account's EAB key; locked: read
 * with shared locks inside the caller's transaction (finalize). */
static int
covering(struct actx *ax, int locked, struct db_res **out)
{
	char	 now[CLOCK_SQL_LEN];

	clock_sql(clock_now(), now);
	return db_run(ax->db, locked ? A_COVERING_DOMAINS_LOCK : A_COVERING_DOMAINS,
	    (struct db_param[]){ DB_I(ax->eab_id), DB_S(now) }, 2, out);
}

static int
covered(const struct db_res *doms, const char *name)
{
	for (size_t i = 0; i < doms->nrows; i++)
		if (domain_covers(db_cell(doms, i, 0), name))
			return 1;
	return 0;
}

/*
 * Check every name against the allowlist; locked: inside finalize's
 * transaction, with locking reads, rolled back before answering a refusal.
 * Returns 0, or -1 after a
 * rejectedIdentifier problem naming the first refused one, with one
 * subproblem per refused identifier (RFC 8555 §6.7.1).
 */
static int
check_coverage(struct actx *ax, const struct names *nm, int locked)
{
	struct db_res	*doms = NULL;
	json_t		*subs = json_array();
	char		 detail[600] = "";
	int		 rc;

	if ((rc = covering(ax, locked, &doms)) != 0) {
		json_decref(subs);
		if (locked)
			(void)db_rollback(ax->db);
		acme_db_problem(ax, rc);
		return -1;
	}
	for (size_t i = 0; i < nm->n; i++) {
		char d[400];
		if (covered(doms, nm->v[i]))
			continue;
		snprintf(d, sizeof(d), "%s is not enrolled on this account's subscription "
		    "(or its enrollment expired)", nm->v[i]);
		if (detail[0] == '\0')
			snprintf(detail, sizeof(detail), "%s", d);
		json_array_append_new(subs, json_pack("{s:s, s:s, s:{s:s, s:s}}",
		    "type", "urn:ietf:params:acme:error:rejectedIdentifier", "detail", d,
		    "identifier", "type", "dns", "value", nm->v[i]));
	}
	db_res_free(doms);
	if (detail[0] == '\0') {
		json_decref(subs);
		return 0;
	}
	/* Inside finalize's transaction the answer (and its nonce) come after it. */
	if (locked)
		(void)db_rollback(ax->db);
	acme_problem_sub(ax, PB_REJECTED_IDENTIFIER, detail, subs);
	return -1;
}

/* identifiers of newOrder: 1..100 distinct dns names, lower-cased. */
static int
parse_identifiers(struct actx *ax, const json_t *ids, struct names *nm)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > ACME_IDENTIFIERS_MAX) {
		acme_problem(ax, PB_MALFORMED, "identifiers must be an array of 1 to %d identifiers",
		    ACME_IDENTIFIERS_MAX);
		return -1;
	}
	json_array_foreach(ids, i, v) {
		const char	*type = json_string_value(json_object_get(v, "type"));
		const char	*val = json_string_value(json_object_get(v, "value"));
		char		*low;

		if (type == NULL || strcmp(type, "dns") != 0) {
			acme_problem(ax, PB_UNSUPPORTED_IDENTIFIER, "only dns identifiers are supported");
			return -1;
		}
		if (val == NULL || strlen(val) > ACME_NAME_MAX + 2 || (low = strdup(val)) == NULL) {
			acme_problem(ax, PB_MALFORMED, "identifier %zu has no usable value", i);
			return -1;
		}
		for (char *c = low; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		nm->v[nm->n++] = low;
		if (ax->lvl == LEVEL_QWAC && strncmp(low, "*.", 2) == 0) {
			acme_problem(ax, PB_REJECTED_IDENTIFIER, "%s: QWAC certificates take no wildcard", low);
			return -1;
		}
		if (!dns_name_ok(low, 1)) {
			acme_problem(ax, PB_REJECTED_IDENTIFIER, "%s is not a valid DNS name", low);
			return -1;
		}
		for (size_t k = 0; k + 1 < nm->n; k++)
			if (strcmp(nm->v[k], low) == 0) {
				acme_problem(ax, PB_MALFORMED, "%s is listed twice", low);
				return -1;
			}
	}
	return 0;
}

/*
 * An authorization's challenges (§7.1.3): a wildcard can only be proven
 * through DNS (§7.1.3, §8.4); any other name gets all three, in one statement.
 */
static int
insert_challenges(struct actx *ax, long long authz, int wildcard)
{
	char	 tok[3][TOKEN_B64_LEN + 1];

	for (int i = 0; i < (wildcard ? 1 : 3); i++)
		if (crypto_token(tok[i]) == -1)
			return DB_ERR;
	if (wildcard)
		return db_run(ax->db, A_CHALL_INSERT, (struct db_param[]){ DB_I(authz),
		    DB_S("dns-01"), DB_S(tok[0]) }, 3, NULL);
	return db_run(ax->db, A_CHALLS_INSERT3, (struct db_param[]){ DB_I(authz), DB_S(tok[0]),
	    DB_I(authz), DB_S(tok[1]), DB_I(authz), DB_S(tok[2]) }, 6, NULL);
}

/*
 * One transaction: the request's nonce, the order, an authorization and its
 * challenges per name. 0, a database outcome, or ANSWERED.
 */
#define ANSWERED	1

static int
create_order(struct actx *ax, const struct names *nm, long long *order_id)
{
	struct db_res	*r = NULL;
	json_t		*ids = json_array();
	char		*ids_text, now[CLOCK_SQL_LEN], exp[CLOCK_SQL_LEN], aexp[CLOCK_SQL_LEN];
	time_t		 t = clock_now();
	int		 rc;

	for (size_t i = 0; i < nm->n; i++)
		json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "dns", "value", nm->v[i]));
	ids_text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	if (ids_text == NULL)
		return DB_ERR;
	clock_sql(t, now);
	clock_sql(t + ax->conf->order_ttl, exp);
	clock_sql(t + AUTHZ_TTL, aexp);
	if (acme_tx_begin(ax) != 0) {
		rc = ANSWERED;
		goto out;
	}
	rc = db_run(ax->db, A_ORDER_INSERT, (struct db_param[]){ DB_I(ax->acct_id), DB_S(ids_text),
	    DB_S(exp), DB_S(now) }, 4, &r);
	if (rc == 0)
		*order_id = (long long)r->insert_id;
	for (size_t i = 0; rc == 0 && i < nm->n; i++) {
		int wild = strncmp(nm->v[i], "*.", 2) == 0;
		long long authz;
		db_res_free(r);
		r = NULL;
		rc = db_run(ax->db, A_AUTHZ_INSERT, (struct db_param[]){ DB_I(*order_id),
		    DB_I(ax->acct_id), DB_S(nm->v[i] + (wild ? 2 : 0)), DB_I(wild), DB_S(aexp) }, 5, &r);
		if (rc != 0)
			break;
		authz = (long long)r->insert_id;
		rc = insert_challenges(ax, authz, wild);
	}
	if (rc == 0)
		rc = acme_tx_commit(ax);
	if (rc != 0)
		(void)db_rollback(ax->db);
out:
	db_res_free(r);
	free(ids_text);
	return rc;
}

/* Answer the order as JSON (§7.1.3), read back from the database. */
static void
send_order(struct actx *ax, long long id, int status, int with_location)
{
	struct db_res	*o = NULL, *a = NULL;
	json_t		*j = NULL, *authzs;
	char		 url[URL_MAX], loc[URL_MAX], when[32], now[CLOCK_SQL_LEN];
	const char	*st;
	int		 rc;

	rc = db_run(ax->db, A_ORDER_BY_ID, (struct db_param[]){ DB_I(id), DB_I(ax->acct_id) }, 2, &o);
	if (rc == 0 && o->nrows == 1)
		rc = db_run(ax->db, A_AUTHZS_BY_ORDER, (struct db_param[]){ DB_I(id) }, 1, &a);
	if (rc != 0) {
		acme_db_problem(ax, rc);
		goto out;
	}
	if (o->nrows != 1) {
		acme_problem(ax, PB_MALFORMED, "no such order for this account");
		goto out;
	}
	st = db_cell(o, 0, 1);
	clock_sql(clock_now(), now);
	/* An order past its expiry that never got a certificate is invalid. */
	if ((strcmp(st, "pending") == 0 || strcmp(st, "ready") == 0) && strcmp(db_cell(o, 0, 3), now) <= 0)
		st = "invalid";
	/* §7.1.6: so is one whose authorization expired (finalize refuses it). */
	for (size_t i = 0; i < a->nrows && strcmp(st, "ready") == 0; i++)
		if (strcmp(db_cell(a, i, 4), now) <= 0)
			st = "invalid";
	acme_time(db_cell(o, 0, 3), when);
	authzs = json_array();
	for (size_t i = 0; i < a->nrows; i++) {
		acme_url(ax, url, sizeof(url), "authz", db_cell_int(a, i, 0));
		json_array_append_new(authzs, json_string(url));
	}
	acme_url(ax, url, sizeof(url), "finalize", id);
	j = json_pack("{s:s, s:s, s:o, s:o, s:s}", "status", st, "expires", when,
	    "identifiers", json_loads(db_cell(o, 0, 2), 0, NULL), "authorizations", authzs,
	    "finalize", url);
	if (db_cell(o, 0, 5) != NULL) {
		acme_url(ax, url, sizeof(url), "cert", db_cell_int(o, 0, 5));
		json_object_set_new(j, "certificate", json_string(url));
	}
	if (db_cell(o, 0, 4) != NULL)
		json_object_set_new(j, "error", json_loads(db_cell(o, 0, 4), 0, NULL));
	acme_url(ax, loc, sizeof(loc), "order", id);
	acme_reply(ax, status, j, with_location ? loc : NULL);
out:
	db_res_free(o);
	db_res_free(a);
}

void
h_new_order(struct actx *ax)
{
	json_t		*p = ax->jws.payload;
	struct names	 nm = { .n = 0 };
	long long	 id = 0;
	int		 rc;

	if (!json_is_object(p)) {
		acme_problem(ax, PB_MALFORMED, "newOrder needs a JSON object payload");
		return;
	}
	if (json_object_get(p, "notBefore") != NULL || json_object_get(p, "notAfter") != NULL) {
		long d = ax->lvl == LEVEL_OV ? ax->conf->validity_days_ov : ax->lvl == LEVEL_QWAC ?
		    ax->conf->validity_days_qwac : ax->conf->validity_days_dv;

		acme_problem(ax, PB_MALFORMED, "notBefore and notAfter are not supported: "
		    "certificates are valid %ld days from issuance",
		    d > 0 ? d : ax->conf->validity_days);	/* the profile's, issue 17 */
		return;
	}
	if (parse_identifiers(ax, json_object_get(p, "identifiers"), &nm) != 0 ||
	    check_coverage(ax, &nm, 0) != 0)
		goto out;
	if ((rc = create_order(ax, &nm, &id)) != 0) {
		if (rc != ANSWERED)
			acme_db_problem(ax, rc);
		goto out;
	}
	send_order(ax, id, 201, 1);
out:
	names_free(&nm);
}

void
h_order(struct actx *ax)
{
	send_order(ax, ax->id, 200, 0);
}

static json_t *
challenge_json(const struct actx *ax, const struct db_res *c, size_t row)
{
	char	 url[URL_MAX], when[32];
	json_t	*j;

	acme_url(ax, url, sizeof(url), "chall", db_cell_int(c, row, 0));
	j = json_pack("{s:s, s:s, s:s, s:s}", "type", db_cell(c, row, 1), "url", url,
	    "token", db_cell(c, row, 2), "status", db_cell(c, row, 3));
	if (db_cell(c, row, 4) != NULL) {
		acme_time(db_cell(c, row, 4), when);
		json_object_set_new(j, "validated", json_string(when));
	}
	if (db_cell(c, row, 5) != NULL)
		json_object_set_new(j, "error", json_loads(db_cell(c, row, 5), 0, NULL));
	return j;
}

void
h_authz(struct actx *ax)
{
	struct db_res	*a = NULL, *c = NULL;
	json_t		*p = ax->jws.payload, *j, *chs;
	const char	*st;
	char		 when[32], now[CLOCK_SQL_LEN];
	int		 rc;

	rc = db_run(ax->db, A_AUTHZ_BY_ID, (struct db_param[]){ DB_I(ax->id), DB_I(ax->acct_id) }, 2, &a);
	if (rc != 0 || a->nrows != 1) {
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_MALFORMED, "no such authorization for this account");
		goto out;
	}
	st = db_cell(a, 0, 4);
	clock_sql(clock_now(), now);
	/* §7.1.6: pending or valid past its expiry is expired. */
	if ((strcmp(st, "pending") == 0 || strcmp(st, "valid") == 0) && strcmp(db_cell(a, 0, 5), now) <= 0)
		st = "expired";
	if (p != NULL) {
		const char *want = json_string_value(json_object_get(p, "status"));
		if (!json_is_object(p) || want == NULL || strcmp(want, "deactivated") != 0) {
			acme_problem(ax, PB_MALFORMED, "a client may only set status to deactivated");
			goto out;
		}
		/* §7.5.2: the authorization, and so its order, can no longer be used. */
		rc = db_run(ax->db, A_AUTHZ_DEACTIVATE, (struct db_param[]){ DB_I(ax->id) }, 1, NULL);
		if (rc == 0)
			rc = db_run(ax->db, A_ORDER_SET_STATUS, (struct db_param[]){ DB_S("invalid"),
			    DB_I(db_cell_int(a, 0, 1)), DB_S("pending") }, 3, NULL);
		if (rc == 0)
			rc = db_run(ax->db, A_ORDER_SET_STATUS, (struct db_param[]){ DB_S("invalid"),
			    DB_I(db_cell_int(a, 0, 1)), DB_S("ready") }, 3, NULL);
		if (rc != 0) {
			acme_db_problem(ax, rc);
			goto out;
		}
		st = "deactivated";
	}
	if ((rc = db_run(ax->db, A_CHALLS_BY_AUTHZ, (struct db_param[]){ DB_I(ax->id) }, 1, &c)) != 0) {
		acme_db_problem(ax, rc);
		goto out;
	}
	chs = json_array();
	for (size_t i = 0; i < c->nrows; i++)
		json_array_append_new(chs, challenge_json(ax, c, i));
	acme_time(db_cell(a, 0, 5), when);
	j = json_pack("{s:{s:s, s:s}, s:s, s:s, s:o}", "identifier", "type", "dns",
	    "value", db_cell(a, 0, 2), "status", st, "expires", when, "challenges", chs);
	if (db_cell_int(a, 0, 3))
		json_object_set_new(j, "wildcard", json_true());
	acme_reply(ax, 200, j, NULL);
out:
	db_res_free(a);
	db_res_free(c);
}

/* POST {} asks for validation (§7.5.1); POST-as-GET reads the challenge. */
void
h_challenge(struct actx *ax)
{
	struct db_res	*c = NULL;
	char		 now[CLOCK_SQL_LEN], up[URL_MAX + 16], url[URL_MAX];
	int		 rc, queued = 0;
	json_t		*j;

	rc = db_run(ax->db, A_CHALL_BY_ID, (struct db_param[]){ DB_I(ax->id), DB_I(ax->acct_id) }, 2, &c);
	if (rc != 0 || c->nrows != 1) {
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_MALFORMED, "no such challenge for this account");
		goto out;
	}
	if (ax->jws.payload != NULL && strcmp(db_cell(c, 0, 3), "pending") == 0 &&
	    strcmp(db_cell(c, 0, 7), "pending") == 0) {
		clock_sql(clock_now(), now);
		if (acme_tx_begin(ax) != 0)
			goto out;
		if ((rc = db_run(ax->db, A_CHALL_QUEUE, (struct db_param[]){ DB_S(now),
		    DB_I(ax->id) }, 2, NULL)) != 0 || (rc = acme_tx_commit(ax)) != 0) {
			(void)db_rollback(ax->db);
			acme_db_problem(ax, rc);
			goto out;
		}
		acme_wake_validator(ax);
		queued = 1;
	}
	acme_url(ax, url, sizeof(url), "authz", db_cell_int(c, 0, 6));
	snprintf(up, sizeof(up), "<%s>;rel=\"up\"", url);
	resp_header(ax->req, "Link", up);
	/* Just queued: what A_CHALL_QUEUE wrote (§7.5.1, "processing"). */
	if ((j = challenge_json(ax, c, 0)) != NULL && queued)
		json_object_set_new(j, "status", json_string("processing"));
	acme_reply(ax, 200, j, NULL);
out:
	db_res_free(c);
}

/* The order's names from its stored identifiers. */
static int
order_names(const char *ids_text, struct names *nm)
{
	json_t	*ids = json_loads(ids_text, 0, NULL), *v;
	size_t	 i;

	if (!json_is_array(ids)) {
		json_decref(ids);
		return -1;
	}
	json_array_foreach(ids, i, v) {
		if (nm->n == ACME_IDENTIFIERS_MAX)
			break;
		nm->v[nm->n++] = strdup(json_string_value(json_object_get(v, "value")));
	}
	json_decref(ids);
	return 0;
}

/*
 * Ask the signer, then record the certificate and the order's new state,
 * inside the caller's transaction (which holds the order's row lock).
 * *cert_id: the new certificate's id.
 */
static int
issue(struct actx *ax, long long order_id, const struct names *nm,
    const unsigned char *spki, size_t spki_len, unsigned long long *cert_id, char serial[80])
{
	struct sign_req	 sr = {
		.profile = level_names[ax->lvl], .spki = spki, .spki_len = spki_len,
		.sans = (const char *const *)nm->v, .nsans = nm->n,
		.org = { ax->org_o[0] ? ax->org_o : NULL, ax->org_l[0] ? ax->org_l : NULL,
		    ax->org_c[0] ? ax->org_c : NULL },
	};
	struct sign_res	 res;
	struct db_res	*r = NULL;
	json_t		*sans = json_array();
	char		*sans_text = NULL, *pem = NULL, nb[CLOCK_SQL_LEN], na[CLOCK_SQL_LEN], now[CLOCK_SQL_LEN];
	size_t		 pemlen;
	int		 rc = -1, src;

	memset(&res, 0, sizeof(res));
	if (ax->lvl == LEVEL_DV)
		sr.org = (struct sign_org){ NULL, NULL, NULL };
	if ((src = signer_sign(ax->conf->signer_socket, &sr, &res)) != 0) {
		log_error("order %lld: signer %s: %s", order_id, src > 0 ? "refused" : "unreachable",
		    src > 0 ? res.error : "see above");
		goto out;
	}
	for (size_t i = 0; i < nm->n; i++)
		json_array_append_new(sans, json_string(nm->v[i]));
	sans_text = json_dumps(sans, JSON_COMPACT);
	pemlen = strlen(res.cert_pem) + strlen(res.chain_pem) + 1;
	if (sans_text == NULL || (pem = malloc(pemlen)) == NULL)
		goto out;
	snprintf(pem, pemlen, "%s%s", res.cert_pem, res.chain_pem);
	clock_sql(res.not_before, nb);
	clock_sql(res.not_after, na);
	clock_sql(clock_now(), now);
	if (db_run(ax->db, A_CERT_INSERT, (struct db_param[]){ DB_I(order_id), DB_I(ax->acct_id),
	    DB_I(ax->eab_id), DB_S(res.serial), DB_S(sans_text), DB_S(nb), DB_S(na), DB_S(pem),
	    DB_S(now) }, 9, &r) != 0 ||
	    db_run(ax->db, A_ORDER_FINALIZED, (struct db_param[]){ DB_I((long long)r->insert_id),
	    DB_I(order_id) }, 2, NULL) != 0)
		goto out;
	*cert_id = r->insert_id;
	snprintf(serial, 80, "%s", res.serial);
	rc = 0;
out:
	db_res_free(r);
	json_decref(sans);
	free(sans_text);
	free(pem);
	sign_res_free(&res);
	return rc;
}

/*
 * Finalize's checks under its locks (claim: the order's locked row, status
 * and expires_at). 0 to issue; -1 after answering (orderNotReady for an
 * expired order or authorization, rejectedIdentifier for a name no longer
 * enrolled, serverInternal on a database error), the transaction rolled
 * back first so that the answer records the nonce on its own commit.
 */
static int
finalize_recheck(struct actx *ax, const struct db_res *claim, const struct names *nm)
{
	struct db_res	*a = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	clock_sql(clock_now(), now);
	if (strcmp(db_cell(claim, 0, 1), now) <= 0) {
		(void)db_rollback(ax->db);
		acme_problem(ax, PB_ORDER_NOT_READY, "the order is invalid: it expired at %s",
		    db_cell(claim, 0, 1));
		return -1;
	}
	if ((rc = db_run(ax->db, A_AUTHZS_LOCK, (struct db_param[]){ DB_I(ax->id) }, 1, &a)) != 0) {
		(void)db_rollback(ax->db);
		acme_db_problem(ax, rc);
		return -1;
	}
	for (size_t i = 0; i < a->nrows; i++) {
		if (strcmp(db_cell(a, i, 0), "valid") != 0 || strcmp(db_cell(a, i, 1), now) <= 0) {
			(void)db_rollback(ax->db);
			acme_problem(ax, PB_ORDER_NOT_READY, "the order is invalid: the authorization "
			    "for %s is %s", db_cell(a, i, 2),
			    strcmp(db_cell(a, i, 0), "valid") != 0 ? db_cell(a, i, 0) : "expired");
			db_res_free(a);
			return -1;
		}
	}
	rc = a->nrows == 0 ? -1 : 0;
	db_res_free(a);
	if (rc != 0) {
		(void)db_rollback(ax->db);
		acme_problem(ax, PB_SERVER_INTERNAL, "the order has no authorizations");
		return -1;
	}
	return check_coverage(ax, nm, 1);
}

void
h_finalize(struct actx *ax)
{
	struct db_res	*o = NULL, *claim = NULL;
	struct names	 nm = { .n = 0 };
	const char	*csr_b64 = json_string_value(json_object_get(ax->jws.payload, "csr")), *why;
	unsigned char	*der = NULL, *spki = NULL;
	unsigned long long cert_id = 0;
	char		 serial[80], now[CLOCK_SQL_LEN];
	size_t		 spki_len = 0;
	long		 derlen;
	int		 rc;

	rc = db_run(ax->db, A_ORDER_BY_ID, (struct db_param[]){ DB_I(ax->id), DB_I(ax->acct_id) }, 2, &o);
	if (rc != 0 || o->nrows != 1) {
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_MALFORMED, "no such order for this account");
		goto out;
	}
	clock_sql(clock_now(), now);
	if (strcmp(db_cell(o, 0, 1), "ready") == 0 && strcmp(db_cell(o, 0, 3), now) <= 0) {
		acme_problem(ax, PB_ORDER_NOT_READY, "the order is invalid: it expired at %s",
		    db_cell(o, 0, 3));
		goto out;
	}
	if (strcmp(db_cell(o, 0, 1), "ready") != 0) {
		acme_problem(ax, PB_ORDER_NOT_READY, "the order is %s, not ready: %s", db_cell(o, 0, 1),
		    strcmp(db_cell(o, 0, 1), "pending") == 0 ?
		    "its authorizations are not all valid yet" : "it cannot be finalized again");
		goto out;
	}
	if (csr_b64 == NULL || strlen(csr_b64) > 24 * 1024 ||
	    (der = malloc(strlen(csr_b64))) == NULL ||
	    (derlen = b64url_decode(csr_b64, strlen(csr_b64), der, strlen(csr_b64))) <= 0) {
		acme_problem(ax, PB_MALFORMED, "the payload needs csr, a base64url DER CSR");
		goto out;
	}
	if (order_names(db_cell(o, 0, 2), &nm) != 0) {
		acme_problem(ax, PB_SERVER_INTERNAL, "stored order unreadable");
		goto out;
	}
	if (csr_check(der, (size_t)derlen, (const char *const *)nm.v, nm.n, &spki, &spki_len, &why) != 0) {
		acme_problem(ax, PB_BAD_CSR, "%s", why);
		goto out;
	}
	/* The allowlist may have changed since newOrder: a first, cheap answer. */
	if (check_coverage(ax, &nm, 0) != 0)
		goto out;
	/*
	 * One transaction from here: the nonce, the order's row lock (of two
	 * concurrent finalizes, the second waits and then finds it valid), the
	 * signature, the certificate and the order's new state commit together.
	 * Inside it, under locks, what the issuance relies on is checked again:
	 * the order and each of its authorizations unexpired (§7.1.6: an
	 * expired one makes the order invalid), every name still covered by an
	 * enrollment that a concurrent removal (REMOVEDOMAIN, whose revocation
	 * must see this certificate) cannot change until this commits.
	 * Any failure leaves the order as it was, and the client may retry.
	 */
	if (acme_tx_begin(ax) != 0)
		goto out;
	rc = db_run(ax->db, A_ORDER_LOCK, (struct db_param[]){ DB_I(ax->id) }, 1, &claim);
	if (rc != 0 || claim->nrows != 1 || strcmp(db_cell(claim, 0, 0), "ready") != 0) {
		(void)db_rollback(ax->db);
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_ORDER_NOT_READY, "the order was finalized meanwhile");
		goto out;
	}
	if (finalize_recheck(ax, claim, &nm) != 0)
		goto out;
	if (issue(ax, ax->id, &nm, spki, spki_len, &cert_id, serial) != 0 ||
	    acme_tx_commit(ax) != 0) {
		(void)db_rollback(ax->db);
		acme_problem(ax, PB_SERVER_INTERNAL, "the certificate could not be issued; retry later");
		goto out;
	}
	log_info("order %lld: certificate %llu serial %s issued", ax->id, cert_id, serial);
	send_order(ax, ax->id, 200, 1);
out:
	db_res_free(o);
	db_res_free(claim);
	names_free(&nm);
	free(der);
	OPENSSL_free(spki);
}

void
h_certificate(struct actx *ax)
{
	struct db_res	*r = NULL;
	int		 rc;

	rc = db_run(ax->db, A_CERT_BY_ID, (struct db_param[]){ DB_I(ax->id), DB_I(ax->acct_id) }, 2, &r);
	if (rc != 0 || r->nrows != 1) {
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_MALFORMED, "no such certificate for this account");
		db_res_free(r);
		return;
	}
	acme_send_pem(ax, db_cell(r, 0, 0));
	db_res_free(r);
}
