/*
 * ACME accounts (RFC 8555 §7.3) with External Account Binding (§7.3.4).
 * Any number of ACME accounts may bind the same EAB key (a customer
 * runs clients on several servers); they share its level, status and
 * domain allowlist.
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
#include "log.h"

#define CONTACTS_MAX	10
#define CONTACT_LEN_MAX	256
#define URL_MAX		512

static json_t *
account_json(const struct actx *ax, long long id, const char *status, json_t *contact)
{
	char	 orders[URL_MAX];

	snprintf(orders, sizeof(orders), "%s/acct/%lld/orders", ax->dir, id);
	return json_pack("{s:s, s:O, s:s}", "status", status,
	    "contact", contact ? contact : json_array(), "orders", orders);
}

/* contact: absent, or an array of at most 10 mailto: URLs. NULL and *why when bad. */
static json_t *
check_contact(const json_t *payload, const char **why)
{
	json_t	*c = json_object_get(payload, "contact"), *v;
	size_t	 i;

	if (c == NULL)
		return json_array();
	*why = "contact must be an array of at most 10 mailto: URLs";
	if (!json_is_array(c) || json_array_size(c) > CONTACTS_MAX)
		return NULL;
	json_array_foreach(c, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || strncmp(s, "mailto:", 7) != 0 || strlen(s) > CONTACT_LEN_MAX ||
		    strlen(s) < 10 || strpbrk(s, ",\r\n") != NULL)
			return NULL;
	}
	return json_incref(c);
}

/*
 * Verify the externalAccountBinding JWS (§7.3.4): HS256/384/512 over
 * the account's JWK, protected kid and url (this newAccount URL), no
 * nonce. Unknown kid and bad MAC get the same answer. Returns the EAB
 * key's row id, or 0 after answering.
 */
static long long
check_eab(struct actx *ax, const json_t *eab, const char *thumb)
{
	struct jws	 j;
	struct db_res	*r = NULL;
	const char	*why, *kid, *url;
	unsigned char	 sealed[EAB_SEALED_LEN + 8], hmac[EAB_HMAC_LEN];
	char		 expect[URL_MAX], pthumb[44];
	long		 n;
	long long	 id = 0;
	int		 badalg, rc;
	static const char fail[] = "external account binding failed: unknown key id or wrong MAC";

	memset(&j, 0, sizeof(j));
	if (jws_parse(eab, 1, &j, &why, &badalg) != 0) {
		acme_problem(ax, badalg ? PB_BAD_SIG_ALG : PB_MALFORMED,
		    "externalAccountBinding: %s", why);
		return 0;
	}
	snprintf(expect, sizeof(expect), "%s/new-account", ax->dir);
	kid = json_string_value(json_object_get(j.protected, "kid"));
	url = json_string_value(json_object_get(j.protected, "url"));
	if (kid == NULL || url == NULL || strcmp(url, expect) != 0 ||
	    json_object_get(j.protected, "nonce") != NULL) {
		acme_problem(ax, PB_MALFORMED, "externalAccountBinding: its protected header needs "
		    "kid and url (%s) and no nonce", expect);
		goto out;
	}
	if (j.payload == NULL || jwk_thumbprint(j.payload, pthumb) != 0 || strcmp(pthumb, thumb) != 0) {
		acme_problem(ax, PB_MALFORMED, "externalAccountBinding: the payload must be the account's JWK");
		goto out;
	}
	if (strlen(kid) <= 64 && (rc = db_run(ax->db, A_EAB_BY_KID,
	    (struct db_param[]){ DB_S(kid) }, 1, &r)) != 0) {
		acme_db_problem(ax, rc);
		goto out;
	}
	if (r == NULL || r->nrows != 1) {
		log_info("EAB refused: unknown kid");
		acme_problem(ax, PB_UNAUTHORIZED, "%s", fail);
		goto out;
	}
	n = b64url_decode(db_cell(r, 0, 3), strlen(db_cell(r, 0, 3)), sealed, sizeof(sealed));
	if (n < 0 || eab_open(ax->conf->eab_key, kid, sealed, (size_t)n, hmac) != 0) {
		log_error("EAB key %s cannot be decrypted (wrong eab_key_file?)", kid);
		acme_problem(ax, PB_SERVER_INTERNAL, "external account key unusable");
		goto out;
	}
	rc = jws_verify_hmac(&j, hmac, sizeof(hmac));
	OPENSSL_cleanse(hmac, sizeof(hmac));
	if (!rc) {
		log_info("EAB refused for kid %s: wrong MAC", kid);
		acme_problem(ax, PB_UNAUTHORIZED, "%s", fail);
		goto out;
	}
	if (strcmp(db_cell(r, 0, 1), level_names[ax->lvl]) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "this external account key is for the %s directory, "
		    "not %s", db_cell(r, 0, 1), level_names[ax->lvl]);
		goto out;
	}
	if (strcmp(db_cell(r, 0, 2), "valid") != 0 && strcmp(db_cell(r, 0, 2), "pending") != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "this external account key is %s", db_cell(r, 0, 2));
		goto out;
	}
	id = db_cell_int(r, 0, 0);
out:
	db_res_free(r);
	jws_free(&j);
	return id;
}

/* An existing account for this key: answer it (200) or refuse it. */
static void
existing_account(struct actx *ax, const struct db_res *r)
{
	char	 loc[URL_MAX];
	json_t	*contact;

	if (strcmp(db_cell(r, 0, 3), level_names[ax->lvl]) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "this key's account belongs to the %s directory",
		    db_cell(r, 0, 3));
		return;
	}
	if (strcmp(db_cell(r, 0, 1), "valid") != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "this key's account is %s", db_cell(r, 0, 1));
		return;
	}
	acme_url(ax, loc, sizeof(loc), "acct", db_cell_int(r, 0, 0));
	contact = json_loads(db_cell(r, 0, 5) ? db_cell(r, 0, 5) : "[]", 0, NULL);
	acme_reply(ax, 200, account_json(ax, db_cell_int(r, 0, 0), "valid", contact), loc);
	json_decref(contact);
}

static int
create_account(struct actx *ax, long long eab_id, const char *thumb, json_t *contact,
    long long *id)
{
	struct db_res	*r = NULL;
	json_t		*canon = jwk_canonical(ax->jwk);
	char		*jwk_text = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char		*contact_text = json_dumps(contact, JSON_COMPACT);
	char		 now[CLOCK_SQL_LEN];
	int		 rc = DB_ERR;

	clock_sql(clock_now(), now);
	if (jwk_text == NULL || contact_text == NULL)
		goto out;
	if ((rc = db_begin(ax->db)) != 0)
		goto out;
	rc = db_run(ax->db, A_ACCOUNT_INSERT, (struct db_param[]){ DB_I(eab_id), DB_S(thumb),
	    DB_S(jwk_text), DB_S(contact_text), DB_S(now) }, 5, &r);
	if (rc == 0)
		rc = db_run(ax->db, A_EAB_ACTIVATE, (struct db_param[]){ DB_I(eab_id) }, 1, NULL);
	if (rc == 0)
		rc = db_commit(ax->db);
	if (rc != 0)
		(void)db_rollback(ax->db);
	else
		*id = (long long)r->insert_id;
out:
	db_res_free(r);
	json_decref(canon);
	free(jwk_text);
	free(contact_text);
	return rc;
}

void
h_new_account(struct actx *ax)
{
	struct db_res	*r = NULL;
	json_t		*p = ax->jws.payload, *contact = NULL, *eab;
	const char	*why;
	char		 thumb[44], loc[URL_MAX];
	long long	 eab_id, id = 0;
	int		 rc;

	if (!json_is_object(p)) {
		acme_problem(ax, PB_MALFORMED, "newAccount needs a JSON object payload");
		return;
	}
	if (jwk_thumbprint(ax->jwk, thumb) != 0) {
		acme_problem(ax, PB_BAD_PUBLIC_KEY, "the jwk cannot be thumbprinted");
		return;
	}
	if ((rc = db_run(ax->db, A_ACCOUNT_BY_THUMB, (struct db_param[]){ DB_S(thumb) }, 1, &r)) != 0) {
		acme_db_problem(ax, rc);
		return;
	}
	if (r->nrows == 1) {
		existing_account(ax, r);
		goto out;
	}
	if (json_is_true(json_object_get(p, "onlyReturnExisting"))) {
		acme_problem(ax, PB_ACCOUNT_DOES_NOT_EXIST, "no account exists for this key");
		goto out;
	}
	if ((eab = json_object_get(p, "externalAccountBinding")) == NULL) {
		acme_problem(ax, PB_EXTERNAL_ACCOUNT_REQUIRED, "this CA requires External Account "
		    "Binding: use the key id and HMAC key of your subscription");
		goto out;
	}
	/* §7.3: the directory names terms of service; like Boulder, an account
	 * is only made for a client that says it agreed to them. */
	if (ax->conf->terms_url != NULL && !json_is_true(json_object_get(p, "termsOfServiceAgreed"))) {
		acme_problem(ax, PB_MALFORMED, "you must agree to the terms of service "
		    "(termsOfServiceAgreed: true): %s", ax->conf->terms_url);
		goto out;
	}
	if ((contact = check_contact(p, &why)) == NULL) {
		acme_problem(ax, PB_MALFORMED, "%s", why);
		goto out;
	}
	if ((eab_id = check_eab(ax, eab, thumb)) == 0)
		goto out;
	if ((rc = create_account(ax, eab_id, thumb, contact, &id)) != 0) {
		acme_db_problem(ax, rc);
		goto out;
	}
	log_info("account %lld created on %s for EAB key %lld", id, level_names[ax->lvl], eab_id);
	acme_url(ax, loc, sizeof(loc), "acct", id);
	acme_reply(ax, 201, account_json(ax, id, "valid", contact), loc);
out:
	json_decref(contact);
	db_res_free(r);
}

/* POST to the account URL: read, update contact, or deactivate (§7.3.2, §7.3.6). */
void
h_account(struct actx *ax)
{
	json_t		*p = ax->jws.payload, *contact = NULL;
	const char	*kid = json_string_value(json_object_get(ax->jws.protected, "kid"));
	const char	*status, *why;
	char		 loc[URL_MAX], *text = NULL;
	int		 rc;

	acme_url(ax, loc, sizeof(loc), "acct", ax->id);
	if (kid == NULL || strcmp(kid, loc) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "an account can only be managed with its own kid");
		return;
	}
	if (p != NULL && !json_is_object(p)) {
		acme_problem(ax, PB_MALFORMED, "the payload must be an object");
		return;
	}
	status = p ? json_string_value(json_object_get(p, "status")) : NULL;
	if (status != NULL && strcmp(status, "deactivated") != 0) {
		acme_problem(ax, PB_MALFORMED, "a client may only set status to deactivated");
		return;
	}
	if (status != NULL) {
		if ((rc = db_run(ax->db, A_ACCOUNT_DEACTIVATE, (struct db_param[]){ DB_I(ax->id) }, 1,
		    NULL)) != 0) {
			acme_db_problem(ax, rc);
			return;
		}
		log_info("account %lld deactivated by its holder", ax->id);
		acme_reply(ax, 200, account_json(ax, ax->id, "deactivated", ax->acct_contact), NULL);
		return;
	}
	if (p != NULL && json_object_get(p, "contact") != NULL) {
		if ((contact = check_contact(p, &why)) == NULL) {
			acme_problem(ax, PB_MALFORMED, "%s", why);
			return;
		}
		text = json_dumps(contact, JSON_COMPACT);
		rc = text ? db_run(ax->db, A_ACCOUNT_SET_CONTACT,
		    (struct db_param[]){ DB_S(text), DB_I(ax->id) }, 2, NULL) : DB_ERR;
		free(text);
		if (rc != 0) {
			json_decref(contact);
			acme_db_problem(ax, rc);
			return;
		}
	}
	acme_reply(ax, 200, account_json(ax, ax->id, "valid", contact ? contact : ax->acct_contact), NULL);
	json_decref(contact);
}

void
h_account_orders(struct actx *ax)
{
	struct db_res	*r = NULL;
	json_t		*list;
	char		 loc[URL_MAX];
	int		 rc;

	if (ax->id != ax->acct_id) {
		acme_problem(ax, PB_UNAUTHORIZED, "only an account's own orders can be listed");
		return;
	}
	if ((rc = db_run(ax->db, A_ORDERS_BY_ACCOUNT, (struct db_param[]){ DB_I(ax->id) }, 1, &r)) != 0) {
		acme_db_problem(ax, rc);
		return;
	}
	list = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		acme_url(ax, loc, sizeof(loc), "order", db_cell_int(r, i, 0));
		json_array_append_new(list, json_string(loc));
	}
	db_res_free(r);
	acme_reply(ax, 200, json_pack("{s:o}", "orders", list), NULL);
}

/*
 * Key rollover (§7.3.5): the outer JWS (already verified, kid = the
 * account) carries an inner JWS signed by the new key, with the new
 * jwk, the same url, and {"account": kid, "oldKey": current JWK}. A new
 * key already bound to another account answers 409 with its URL.
 */
void
h_key_change(struct actx *ax)
{
	struct jws	 in;
	struct db_res	*r = NULL;
	EVP_PKEY	*newkey = NULL;
	json_t		*jwk, *canon = NULL, *oldkey;
	const char	*why, *kid = json_string_value(json_object_get(ax->jws.protected, "kid"));
	const char	*url, *acct;
	char		 oldthumb[44], newthumb[44], curthumb[44], loc[URL_MAX], *text = NULL;
	int		 badalg, rc;

	memset(&in, 0, sizeof(in));
	if (jws_parse(ax->jws.payload, 0, &in, &why, &badalg) != 0) {
		acme_problem(ax, badalg ? PB_BAD_SIG_ALG : PB_MALFORMED, "inner JWS: %s", why);
		return;
	}
	url = json_string_value(json_object_get(in.protected, "url"));
	jwk = json_object_get(in.protected, "jwk");
	if (url == NULL || strcmp(url, json_string_value(json_object_get(ax->jws.protected, "url"))) != 0 ||
	    jwk == NULL || json_object_get(in.protected, "kid") != NULL) {
		acme_problem(ax, PB_MALFORMED, "inner JWS: needs the same url as the outer one and a jwk, no kid");
		goto out;
	}
	if ((newkey = jwk_to_pkey(jwk, &why)) == NULL) {
		acme_problem(ax, PB_BAD_PUBLIC_KEY, "new key: %s", why);
		goto out;
	}
	if (!jws_alg_matches(in.alg, newkey) || !jws_verify(&in, newkey)) {
		acme_problem(ax, PB_MALFORMED, "inner JWS: the signature by the new key does not verify");
		goto out;
	}
	acct = json_string_value(json_object_get(in.payload, "account"));
	oldkey = json_object_get(in.payload, "oldKey");
	if (acct == NULL || kid == NULL || strcmp(acct, kid) != 0 || oldkey == NULL ||
	    jwk_thumbprint(oldkey, oldthumb) != 0) {
		acme_problem(ax, PB_MALFORMED, "inner payload: needs account (the outer kid) and oldKey");
		goto out;
	}
	if (jwk_thumbprint(ax->acct_jwk, curthumb) != 0 || strcmp(oldthumb, curthumb) != 0) {
		acme_problem(ax, PB_UNAUTHORIZED, "oldKey is not the account's current key");
		goto out;
	}
	if (jwk_thumbprint(jwk, newthumb) != 0 || (canon = jwk_canonical(jwk)) == NULL ||
	    (text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		acme_problem(ax, PB_BAD_PUBLIC_KEY, "the new key cannot be thumbprinted");
		goto out;
	}
	/* A rollover onto the current key changes nothing (Boulder: malformed). */
	if (strcmp(newthumb, curthumb) == 0) {
		acme_problem(ax, PB_MALFORMED, "the new key is the account's current key");
		goto out;
	}
	rc = db_run(ax->db, A_ACCOUNT_ROLLOVER, (struct db_param[]){ DB_S(text), DB_S(newthumb),
	    DB_I(ax->acct_id), DB_S(curthumb) }, 4, &r);
	if (rc == DB_EDUP) {
		struct db_res *o = NULL;
		if (db_run(ax->db, A_ACCOUNT_BY_THUMB, (struct db_param[]){ DB_S(newthumb) }, 1, &o) == 0 &&
		    o->nrows == 1) {
			acme_url(ax, loc, sizeof(loc), "acct", db_cell_int(o, 0, 0));
			resp_header(ax->req, "Location", loc);
		}
		db_res_free(o);
		acme_problem(ax, PB_CONFLICT, "the new key is already the key of another account");
		goto out;
	}
	if (rc != 0 || r->affected != 1) {
		if (rc != 0)
			acme_db_problem(ax, rc);
		else
			acme_problem(ax, PB_UNAUTHORIZED, "the account key changed meanwhile; retry");
		goto out;
	}
	log_info("account %lld rolled over to a new key", ax->acct_id);
	acme_reply(ax, 200, account_json(ax, ax->acct_id, "valid", ax->acct_contact), NULL);
out:
	free(text);
	json_decref(canon);
	EVP_PKEY_free(newkey);
	db_res_free(r);
	jws_free(&in);
}
