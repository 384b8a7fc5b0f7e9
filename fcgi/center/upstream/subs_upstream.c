/*
 * The subscription core's calls to the upstream (subs_int.h,
 * docs/upstream.md "the client"): every action the sagas and jobs send,
 * with exactly the documented fields, and the rule that a refusal is
 * never read by its kind: when "already done" would matter (a domain
 * already removed, an account already suspended) the upstream's state is
 * read back (LISTDOMAINS, LISTACCOUNTS) and decides. Contract drift (an
 * answer that does not parse, an undocumented kind) is logged and counted
 * per action in upstream_drift.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "core/subs_int.h"

#define LIST_SIZE	100		/* LISTDOMAINS / LISTACCOUNTS page size we ask for */
#define LIST_PAGES_MAX	10000		/* 1,000,000 names: past that, an error, never a cut */

/* Count and log an answer that strays from the documented contract. */
void
subs_upstream_drift(const struct subs_env *e, const char *action, const char *what)
{
	char	 now[CLOCK_SQL_LEN], act[41];

	if (what == NULL || what[0] == '\0')
		return;
	log_warnx("upstream contract drift: %s", what);
	subs_now(now);
	snprintf(act, sizeof(act), "%s", action);
	if (db_run(e->db, Q_DRIFT_COUNT, (struct db_param[]){ DB_S(act), DB_S(what), DB_S(now),
	    DB_S(now) }, 4, NULL) != 0)
		log_warnx("upstream contract drift: %s: not counted", action);
}

int
subs_upstream(const struct subs_env *e, const char *action, const char *const *fields,
    struct caas_result *res, int *unknown, struct subs_error *err)
{
	int	 rc = caas_call(e->conf, action, fields, res);

	subs_upstream_drift(e, action, res->drift);
	if (unknown != NULL)
		*unknown = rc == CAAS_UNKNOWN;
	if (rc == CAAS_OK)
		return 0;
	subs_err(err, 502, NULL, NULL, "The certificate authority %s: %s",
	    rc == CAAS_UNKNOWN ? "did not give a usable answer" : "refused the request", res->detail);
	return -1;
}

/* One LISTDOMAINS entry: found when it is name; *end moved to its expiry if later. */
static void
domain_entry(const struct subs_env *e, json_t *d, const char *name, int *found, char *end,
    size_t endsz)
{
	const char	*n = json_string_value(json_object_get(d, "domainName"));
	const char	*x = json_string_value(json_object_get(d, "expiresAt"));
	char		 day[11];

	if (n == NULL) {
		subs_upstream_drift(e, "LISTDOMAINS", "LISTDOMAINS: an entry without domainName");
		return;
	}
	if (name != NULL && strcmp(n, name) == 0)
		*found = 1;
	if (end == NULL)
		return;
	if (caas_end_date(x, day) != 0) {
		subs_upstream_drift(e, "LISTDOMAINS", "LISTDOMAINS: expiresAt is not an RFC 3339 "
		    "UTC time");
		return;
	}
	if (strncmp(day, end, 10) > 0)
		snprintf(end, endsz, "%s", day);
}

/*
 * LISTDOMAINS, every page (page from 0, size LIST_SIZE, until a short
 * page): 1 if name is enrolled, 0 if not, -1 with err. *end gets the
 * latest exclusive end date "YYYY-MM-DD" (caas_end_date) when end is not
 * NULL and later than what it holds.
 */
int
subs_upstream_has(const struct subs_env *e, const char *acct, const char *name,
    char *end, size_t endsz, struct subs_error *err)
{
	struct caas_result	 res;
	char			 pg[16], sz[16];
	const char		*f[] = { "acmeAccountID", acct, "page", pg, "size", sz, NULL };
	json_t			*d, *list;
	size_t			 i, n = LIST_SIZE;
	long			 page;
	int			 found = 0;

	snprintf(sz, sizeof(sz), "%d", LIST_SIZE);
	for (page = 0; n == LIST_SIZE; page++) {
		if (page == LIST_PAGES_MAX) {
			subs_err(err, 502, NULL, NULL, "The certificate authority lists more than "
			    "%d domains for %s", LIST_SIZE * LIST_PAGES_MAX, acct);
			return -1;
		}
		snprintf(pg, sizeof(pg), "%ld", page);
		if (subs_upstream(e, "LISTDOMAINS", f, &res, NULL, err) != 0) {
			caas_result_free(&res);
			return -1;
		}
		list = json_object_get(res.json, "Domains");
		if (list != NULL && !json_is_array(list))
			subs_upstream_drift(e, "LISTDOMAINS", "LISTDOMAINS: Domains is not an array");
		n = json_array_size(list);
		json_array_foreach(list, i, d)
			domain_entry(e, d, name, &found, end, endsz);
		caas_result_free(&res);
	}
	return found;
}

/*
 * REMOVEDOMAIN. A refusal is settled by LISTDOMAINS: a name the upstream
 * no longer lists counts as removed. *unknown is set when the outcome is
 * unknown (for reconcile to settle).
 */
int
subs_upstream_remove(const struct subs_env *e, const char *acct, const char *name,
    int *unknown, struct subs_error *err)
{
	struct caas_result	 res;
	struct subs_error	 lerr;
	const char		*f[] = { "acmeAccountID", acct, "domainName", name, NULL };
	int			 rc, unk = 0, has;

	rc = subs_upstream(e, "REMOVEDOMAIN", f, &res, &unk, err);
	caas_result_free(&res);
	if (unknown != NULL)
		*unknown = unk;
	if (rc == 0 || unk)
		return rc;
	if ((has = subs_upstream_has(e, acct, name, NULL, 0, &lerr)) == 0)
		return 0;	/* refused because it is gone: removed */
	if (has < 0 && unknown != NULL)
		*unknown = 1;	/* we cannot tell: reconcile will */
	return -1;
}

/*
 * The pre-validation anchor ADDDOMAIN needs for the subscription: none for
 * DV; ovAnchorOrderNumber (OV) or evAnchorOrderNumber (QWAC, the field the
 * newer pages name for eIDAS QWAC) with the upstream id of the
 * organization's approved pre-validation (caasctl preval-set --upstream-id).
 * 0, or -1 with err (409 on organization_id when the id is not known).
 */
int
subs_upstream_anchor(const struct subs_env *e, long long sub_id, const char **field,
    char value[129], struct subs_error *err)
{
	struct db_res	*r = NULL;
	int		 rc, l;

	*field = NULL;
	value[0] = '\0';
	if ((rc = db_run(e->db, Q_SUB_ANCHOR, (struct db_param[]){ DB_I(sub_id) }, 1, &r)) != 0)
		return subs_dberr(err, rc);
	l = r->nrows == 1 ? level_parse(db_cell(r, 0, 0)) : -1;
	if (l == LEVEL_DV) {
		db_res_free(r);
		return 0;
	}
	if (l < 0 || db_cell(r, 0, 1) == NULL || strlen(db_cell(r, 0, 1)) > 128) {
		db_res_free(r);
		subs_err(err, 409, "organization_id", "err.preval_no_upstream", NULL);
		return -1;
	}
	*field = l == LEVEL_OV ? "ovAnchorOrderNumber" : "evAnchorOrderNumber";
	snprintf(value, 129, "%s", db_cell(r, 0, 1));
	db_res_free(r);
	return 0;
}

/* ADDDOMAIN's order number: an integer or a string of digits. */
static int
order_of(json_t *n, char order[65])
{
	const char	*s = json_string_value(n);

	if (json_is_integer(n) && json_integer_value(n) > 0)
		snprintf(order, 65, "%lld", (long long)json_integer_value(n));
	else if (s != NULL && s[0] != '\0' && strlen(s) < 65 && strspn(s, "0123456789") == strlen(s))
		snprintf(order, 65, "%s", s);
	else
		return -1;
	return 0;
}

int
subs_upstream_add(const struct subs_env *e, long long sub_id, const char *acct,
    const char *name, struct subs_order *o, int *unknown, struct subs_error *err)
{
	struct caas_result	 res;
	const char		*anchor_field;
	char			 anchor[129];
	const char		*f[] = { "acmeAccountID", acct, "domainName", name,
	    "quoteOnly", "N", NULL, NULL, NULL };
	int			 rc = -1;

	memset(o, 0, sizeof(*o));
	o->cost_cents = -1;
	if (unknown != NULL)
		*unknown = 0;
	if (subs_upstream_anchor(e, sub_id, &anchor_field, anchor, err) != 0)
		return -1;
	if (anchor_field != NULL) {
		f[6] = anchor_field;
		f[7] = anchor;
	}
	if (subs_upstream(e, "ADDDOMAIN", f, &res, unknown, err) != 0)
		goto out;
	if (order_of(json_object_get(res.json, "orderNumber"), o->order) != 0) {
		/* It happened, but we cannot tell under which order: unknown. */
		subs_upstream_drift(e, "ADDDOMAIN", "ADDDOMAIN: no usable orderNumber");
		subs_err(err, 502, NULL, NULL, "The certificate authority answered ADDDOMAIN "
		    "without an order number");
		if (unknown != NULL)
			*unknown = 1;
		goto out;
	}
	subs_upstream_cost(e, "ADDDOMAIN", res.json, &o->cost_cents, o->currency);
	rc = 0;
out:
	caas_result_free(&res);
	return rc;
}

void
subs_upstream_cost(const struct subs_env *e, const char *action, json_t *answer,
    long long *cents, char currency[4])
{
	char	 what[96];

	*cents = -1;
	if (caas_currency(answer, e->conf->caas_currency, currency) != 0) {
		snprintf(what, sizeof(what), "%s: currency is not an ISO 4217 code", action);
		subs_upstream_drift(e, action, what);
		snprintf(currency, 4, "%s", e->conf->caas_currency);
	}
	if (caas_cost_cents(json_object_get(answer, "cost"), cents) != 0) {
		snprintf(what, sizeof(what), "%s: cost is not an amount with two decimals", action);
		subs_upstream_drift(e, action, what);
		*cents = -1;
	}
}

/*
 * The accountStatus of acmeAccountID acct, from LISTACCOUNTS on its EAB
 * key id: "valid", "suspended", … in status[16]; "" when the upstream does
 * not list it. 0, or -1 with err.
 */
static int
account_status(const struct subs_env *e, const char *acct, const char *kid, char status[16],
    struct subs_error *err)
{
	struct caas_result	 res;
	char			 pg[16], sz[16];
	/* eabKeyID alone: includeAdditionalAccounts needs acmeAccountID (docs/upstream.md). */
	const char		*f[] = { "eabKeyID", kid, "page", pg, "size", sz, NULL };
	json_t			*a;
	size_t			 i, n = LIST_SIZE;
	long			 page;

	status[0] = '\0';
	snprintf(sz, sizeof(sz), "%d", LIST_SIZE);
	for (page = 0; n == LIST_SIZE && page < LIST_PAGES_MAX && status[0] == '\0'; page++) {
		snprintf(pg, sizeof(pg), "%ld", page);
		if (subs_upstream(e, "LISTACCOUNTS", f, &res, NULL, err) != 0) {
			caas_result_free(&res);
			return -1;
		}
		n = json_array_size(json_object_get(res.json, "Accounts"));
		json_array_foreach(json_object_get(res.json, "Accounts"), i, a) {
			const char *id = json_string_value(json_object_get(a, "acmeAccountID"));
			const char *st = json_string_value(json_object_get(a, "accountStatus"));
			if (id != NULL && strcmp(id, acct) == 0)
				snprintf(status, 16, "%s", st != NULL ? st : "?");
		}
		caas_result_free(&res);
	}
	return 0;
}

/*
 * SUSPENDACCOUNT or DEACTIVATEACCOUNT for every ACME account of the EAB key
 * (includeAdditionalAccounts=Y). A refusal is settled by LISTACCOUNTS: an
 * account already in a state at least as final counts as done.
 */
int
subs_upstream_set_status(const struct subs_env *e, const char *action, const char *acct,
    const char *kid, struct subs_error *err)
{
	struct caas_result	 res;
	struct subs_error	 lerr;
	const char		*f[] = { "acmeAccountID", acct, "includeAdditionalAccounts", "Y", NULL };
	char			 st[16];
	int			 rc, unk = 0, deact = strcmp(action, "DEACTIVATEACCOUNT") == 0;

	rc = subs_upstream(e, action, f, &res, &unk, err);
	caas_result_free(&res);
	if (rc == 0 || unk || kid == NULL || account_status(e, acct, kid, st, &lerr) != 0)
		return rc;
	if (st[0] == '\0' || strcmp(st, "deactivated") == 0 ||
	    (!deact && strcmp(st, "suspended") == 0))
		return 0;
	return -1;
}
