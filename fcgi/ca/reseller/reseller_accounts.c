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
	int		 l;

	if (strncmp(url, base, bl) != 0 || strncmp(url + bl, "/v2/", 4) != 0 ||
	    (l = level_parse(url + bl + 4)) < 0)
		return NULL;
	return level_names[l];
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
	    rdb_eab_set_owner(rc->db, kid, rc->conf->reseller_login, years) != 0) {
		OPENSSL_cleanse(hmac, sizeof(hmac));
		db_problem(rc, DB_ERR, "creating the key");
		return;
	}
	log_info("reseller: PREREGISTER %s (%s, %d year%s)", kid, level, years, years > 1 ? "s" : "");
	send_json(rc, 200, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "Accounts", "acmeAccountID", kid,
	    "accountStatus", eab_status_names[EAB_PENDING], "eabMACKeyb64url", hmac, "eabMACIDb64url", kid));
	OPENSSL_cleanse(hmac, sizeof(hmac));
}

/* One LISTACCOUNTS row. */
static json_t *
account_row(const struct rctx *rc, const struct r_account *e, int contacts)
{
	char	 url[600], last[24];
	json_t	*o, *c;

	if (e->level < 0 || e->status < 0)
		return NULL;
	snprintf(url, sizeof(url), "%s/v2/%s", rc->conf->base_url, level_names[e->level]);
	o = json_pack("{s:s, s:s, s:s, s:s}", "acmeAccountID", e->kid, "accountStatus",
	    eab_status_names[e->status], "eabMACIDb64url", e->kid, "serverUrl", url);
	rfc3339(e->last_activity, 0, last);
	if (o != NULL && last[0] != '\0')
		json_object_set_new(o, "lastActivity", json_string(last));
	if (o != NULL && contacts) {
		c = json_array();
		/* accounts.contact: one JSON array per ACME account, newline-joined. */
		for (const char *p = e->contacts; p != NULL && *p != '\0';) {
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
	struct db_rows	 r = { 0 };
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
	if ((err = rdb_eab_page(rc->db, rc->conf->reseller_login, one, size, page * size, &r)) != 0) {
		db_problem(rc, err, "account list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r.n; i++)
		json_array_append_new(a, account_row(rc, DB_ROW(&r, struct r_account, i), contacts));
	send_json(rc, 200, json_pack("{s:o}", "Accounts", a));
	a = NULL;
out:
	json_decref(a);
	db_rows_free(&r);
}

/*
 * LISTBINDINGS: every EAB binding of this login, reusable until
 * deactivated. The twin never shows eabMACKeyb64url again (the
 * upstream's page does: docs/upstream.md).
 */
void
act_listbindings(struct rctx *rc)
{
	struct db_rows	 r;
	json_t		*a = NULL, *o;
	char		 last[24];
	int		 err;

	if ((err = rdb_bindings(rc->db, rc->conf->reseller_login, &r)) != 0) {
		db_problem(rc, err, "binding list");
		return;
	}
	a = json_array();
	for (size_t i = 0; i < r.n; i++) {
		const struct r_binding *b = DB_ROW(&r, struct r_binding, i);
		o = json_pack("{s:b, s:s}", "reusable", b->status != EAB_DEACTIVATED, "eabMACIDb64url", b->kid);
		rfc3339(b->last_bound, 0, last);
		if (o != NULL && last[0] != '\0')
			json_object_set_new(o, "lastActivity", json_string(last));
		json_array_append_new(a, o);
	}
	db_rows_free(&r);
	send_json(rc, 200, json_pack("{s:o}", "Bindings", a));
}

/*
 * SUSPENDACCOUNT, UNSUSPENDACCOUNT, DEACTIVATEACCOUNT (deactivated is
 * final; deactivating again succeeds). includeAdditionalAccounts Y
 * (default), N or *: every ACME account of a key shares its status in
 * the twin, so all three act on the whole key. Answers nRecordsUpdated.
 */
static void
account_status(struct rctx *rc, enum eab_status to)
{
	const char		*inc = rc->v[F_INCL_ADD];
	unsigned long long	 n = 0;
	int			 err;

	if (inc != NULL && strcmp(inc, "Y") != 0 && strcmp(inc, "N") != 0 && strcmp(inc, "*") != 0) {
		problem(rc, RP_INVALID, F_INCL_ADD);
		return;
	}
	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (rc->status == EAB_DEACTIVATED) {
		if (to == EAB_DEACTIVATED)
			send_json(rc, 200, json_pack("{s:b, s:i}", "success", 1, "nRecordsUpdated", 0));
		else
			problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	err = to == EAB_VALID ? rdb_eab_unsuspend(rc->db, rc->eab_id, &n) :
	    rdb_eab_set_status(rc->db, rc->eab_id, to, &n);
	if (err != 0 || (err = db_commit(rc->db)) != 0) {
		if (to == EAB_DEACTIVATED && err != DB_EDOWN)
			problem(rc, RP_NOT_DEACTIVATED, F__MAX);
		else
			db_problem(rc, err, "status change");
		goto out;
	}
	log_info("reseller: account %s: %s -> %s", rc->v[F_ACCOUNT], eab_status_names[rc->status],
	    eab_status_names[to]);
	send_json(rc, 200, json_pack("{s:b, s:I}", "success", 1, "nRecordsUpdated", (json_int_t)n));
out:
	(void)db_rollback(rc->db);
}

void act_suspend(struct rctx *rc) { account_status(rc, EAB_SUSPENDED); }
void act_unsuspend(struct rctx *rc) { account_status(rc, EAB_VALID); }
void act_deactivate(struct rctx *rc) { account_status(rc, EAB_DEACTIVATED); }

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
