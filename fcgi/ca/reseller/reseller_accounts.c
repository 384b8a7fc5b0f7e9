/*
 * The reseller API's account actions (docs/upstream.md): PREREGISTER,
 * LISTACCOUNTS, LISTBINDINGS, SUSPENDACCOUNT, UNSUSPENDACCOUNT,
 * DEACTIVATEACCOUNT, LISTSERVERS. An account is an EAB key
 * (acmeAccountID = its kid), owned by the reseller login that
 * PREREGISTERed it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme/eab_keys.h"
#include "log.h"
#include "reseller/reseller_int.h"

/* serverUrl: exactly one of base_url/v2/{DV,OV,QWAC}; the level, or NULL. */
static const char *
server_level(const struct rctx *rc, const char *url)
{
	const char	*base = rc->conf->base_url;
	size_t		 bl = strlen(base);

	if (strncmp(url, base, bl) != 0 || strncmp(url + bl, "/v2/", 4) != 0)
		return NULL;
	for (int l = 0; l < LEVEL__MAX; l++)
		if (strcmp(url + bl + 4, level_names[l]) == 0)
			return level_names[l];
	return NULL;
}

/*
 * PREREGISTER (serverUrl, years | days): a new pending EAB key of the
 * server's level, owned by this login; the duration applies when the
 * subscription starts (first ADDDOMAIN). The organization comes later,
 * with the pre-validation anchor of ADDDOMAIN.
 */
void
act_preregister(struct rctx *rc)
{
	char		 kid[EAB_KID_B64_LEN + 1], hmac[EAB_HMAC_B64_LEN + 1];
	const char	*level;
	int		 years;

	if ((years = duration_arg(rc)) < 0)
		return;
	if ((level = server_level(rc, rc->v[F_SERVER_URL])) == NULL) {
		problem(rc, RP_INVALID, F_SERVER_URL);
		return;
	}
	if (eab_key_create(rc->adb, rc->conf, level, NULL, NULL, NULL, kid, hmac) != 0 ||
	    db_run(rc->db, R_EAB_SET_OWNER, (struct db_param[]){ DB_S(rc->conf->reseller_login),
	    DB_I(years), DB_S(kid) }, 3, NULL) != 0) {
		OPENSSL_cleanse(hmac, sizeof(hmac));
		db_problem(rc, DB_ERR, "creating the key");
		return;
	}
	log_info("reseller: PREREGISTER %s (%s, %d year%s)", kid, level, years, years > 1 ? "s" : "");
	send_json(rc, 200, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "Accounts", "acmeAccountID", kid,
	    "accountStatus", "pending", "eabMACKeyb64url", hmac, "eabMACIDb64url", kid));
	OPENSSL_cleanse(hmac, sizeof(hmac));
}

/* One LISTACCOUNTS row of r (R_EAB_PAGE). */
static json_t *
account_row(const struct rctx *rc, const struct db_res *r, size_t i, int contacts)
{
	char	 url[600], last[24];
	json_t	*o, *c;

	snprintf(url, sizeof(url), "%s/v2/%s", rc->conf->base_url, db_cell(r, i, 2));
	o = json_pack("{s:s, s:s, s:s, s:s}", "acmeAccountID", db_cell(r, i, 0), "accountStatus",
	    db_cell(r, i, 1), "eabMACIDb64url", db_cell(r, i, 0), "serverUrl", url);
	rfc3339(db_cell(r, i, 3), 0, last);
	if (o != NULL && last[0] != '\0')
		json_object_set_new(o, "lastActivity", json_string(last));
	if (o != NULL && contacts) {
		c = json_array();
		/* accounts.contact: one JSON array per ACME account, newline-joined. */
		for (const char *p = db_cell(r, i, 4); p != NULL && *p != '\0';) {
			const char *nl = strchr(p, '\n');
			json_t *a = json_loadb(p, nl != NULL ? (size_t)(nl - p) : strlen(p), 0, NULL);
			size_t k;
			json_t *v;
			json_array_foreach(a, k, v)
				if (json_is_string(v))
					json_array_append(c, v);
			json_decref(a);
			p = nl != NULL ? nl + 1 : NULL;
		}
		json_object_set_new(o, "contacts", c);
	}
	return o;
}

/*
 * LISTACCOUNTS: the keys of this login, page (from 0) of size (default
 * 100), optionally the one named by acmeAccountID or eabKeyID.
 * includeAdditionalAccounts needs acmeAccountID (the page says so).
 */
void
act_listaccounts(struct rctx *rc)
{
	struct db_res	*r = NULL;
	json_t		*a = NULL;
	const char	*one = rc->v[F_ACCOUNT] != NULL ? rc->v[F_ACCOUNT] : rc->v[F_EAB_KEY_ID];
	long long	 page, size;
	int		 err, contacts;

	if (yn_arg(rc, F_INCL_ADD, 0) < 0 || (contacts = yn_arg(rc, F_INCL_CONTACTS, 0)) < 0 ||
	    (page = number_arg(rc, F_PAGE, 0, 100000, 0)) < 0 ||
	    (size = number_arg(rc, F_SIZE, 1, LIST_SIZE_MAX, LISTDOMAINS_SIZE)) < 0)
		goto out;
	if (rc->v[F_LAST_ACT] != NULL && strcmp(rc->v[F_LAST_ACT], "eab") != 0 &&
	    strcmp(rc->v[F_LAST_ACT], "account") != 0) {
		problem(rc, RP_INVALID, F_LAST_ACT);
		goto out;
	}
	if (rc->v[F_INCL_ADD] != NULL && rc->v[F_ACCOUNT] == NULL) {
		problem(rc, RP_MISSING, F_ACCOUNT);
		goto out;
	}
	if ((err = db_run(rc->db, R_EAB_PAGE, (struct db_param[]){ DB_S(rc->conf->reseller_login),
	    DB_SN(one), DB_SN(one), DB_I(size), DB_I(page * size) }, 5, &r)) != 0) {
		db_problem(rc, err, "account list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(a, account_row(rc, r, i, contacts));
	send_json(rc, 200, json_pack("{s:o}", "Accounts", a));
	a = NULL;
out:
	json_decref(a);
	db_res_free(r);
}

/*
 * LISTBINDINGS: every EAB binding of this login, reusable until
 * deactivated. The twin never shows eabMACKeyb64url again (the
 * upstream's page does: docs/upstream.md).
 */
void
act_listbindings(struct rctx *rc)
{
	struct db_res	*r = NULL;
	json_t		*a = NULL, *o;
	char		 last[24];
	int		 err;

	if ((err = db_run(rc->db, R_BINDINGS, (struct db_param[]){ DB_S(rc->conf->reseller_login) }, 1,
	    &r)) != 0) {
		db_problem(rc, err, "binding list");
		return;
	}
	a = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		o = json_pack("{s:b, s:s}", "reusable", strcmp(db_cell(r, i, 1), "deactivated") != 0,
		    "eabMACIDb64url", db_cell(r, i, 0));
		rfc3339(db_cell(r, i, 2), 0, last);
		if (o != NULL && last[0] != '\0')
			json_object_set_new(o, "lastActivity", json_string(last));
		json_array_append_new(a, o);
	}
	db_res_free(r);
	send_json(rc, 200, json_pack("{s:o}", "Bindings", a));
}

/*
 * SUSPENDACCOUNT, UNSUSPENDACCOUNT, DEACTIVATEACCOUNT (deactivated is
 * final; deactivating again succeeds). includeAdditionalAccounts Y
 * (default), N or *: every ACME account of a key shares its status in
 * the twin, so all three act on the whole key. Answers nRecordsUpdated.
 */
static void
account_status(struct rctx *rc, const char *to)
{
	struct db_res	*r = NULL;
	const char	*inc = rc->v[F_INCL_ADD];
	int		 err;

	if (inc != NULL && strcmp(inc, "Y") != 0 && strcmp(inc, "N") != 0 && strcmp(inc, "*") != 0) {
		problem(rc, RP_INVALID, F_INCL_ADD);
		return;
	}
	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (strcmp(rc->status, "deactivated") == 0) {
		if (strcmp(to, "deactivated") == 0)
			send_json(rc, 200, json_pack("{s:b, s:i}", "success", 1, "nRecordsUpdated", 0));
		else
			problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	err = strcmp(to, "valid") == 0 ?
	    db_run(rc->db, R_EAB_UNSUSPEND, (struct db_param[]){ DB_I(rc->eab_id) }, 1, &r) :
	    db_run(rc->db, R_EAB_SET_STATUS, (struct db_param[]){ DB_S(to), DB_I(rc->eab_id) }, 2, &r);
	if (err != 0 || (err = db_commit(rc->db)) != 0) {
		if (strcmp(to, "deactivated") == 0 && err != DB_EDOWN)
			problem(rc, RP_NOT_DEACTIVATED, F__MAX);
		else
			db_problem(rc, err, "status change");
		goto out;
	}
	log_info("reseller: account %s: %s -> %s", rc->v[F_ACCOUNT], rc->status, to);
	send_json(rc, 200, json_pack("{s:b, s:I}", "success", 1, "nRecordsUpdated", (json_int_t)r->affected));
out:
	db_res_free(r);
	(void)db_rollback(rc->db);
}

void act_suspend(struct rctx *rc) { account_status(rc, "suspended"); }
void act_unsuspend(struct rctx *rc) { account_status(rc, "valid"); }
void act_deactivate(struct rctx *rc) { account_status(rc, "deactivated"); }

/* LISTSERVERS: one ACME directory per level. */
void
act_listservers(struct rctx *rc)
{
	json_t	*a = json_array();
	char	 url[600], desc[64];

	for (int l = 0; l < LEVEL__MAX; l++) {
		snprintf(url, sizeof(url), "%s/v2/%s", rc->conf->base_url, level_names[l]);
		snprintf(desc, sizeof(desc), "ACME CaaS %s certificates", level_names[l]);
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s}", "serverUrl", url,
		    "productID", l + 1, "productDescription", desc, "certValidationType", level_names[l]));
	}
	send_json(rc, 200, json_pack("{s:o}", "Servers", a));
}
