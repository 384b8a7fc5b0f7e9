/*
 * ACME CaaS subscriptions, the core (subs.h): creation, domains added
 * and removed, each as a journal of steps around the upstream calls and
 * the billing module, so that a process dying anywhere leaves something
 * subs_reconcile() can finish or undo.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "billing.h"
#include "upstream/caas.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "core/subs.h"
#include "core/subs_int.h"
#include "core/webhooks.h"

/* ---- small helpers shared with the jobs (subs_int.h) ---- */

void
subs_err(struct subs_error *err, int status, const char *field, const char *msgkey,
    const char *fmt, ...)
{
	va_list	 ap;

	err->status = status;
	err->field = field;
	err->msgkey = msgkey;
	err->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
}

void
subs_err_set(struct subs_error *err, int status, const char *field, const char *msgkey)
{
	subs_err(err, status, field, msgkey, NULL);
}

int
subs_name_ok(const char *s)
{
	size_t	 chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	return chars >= 1 && chars <= SUBS_NAME_MAX;
}

int
subs_key_ok(const char *s)
{
	size_t	 n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("-_.:", s[n]) == NULL)
			return 0;
	return n >= 1 && n <= SUBS_KEY_MAX;
}

/* A database outcome as an error: 503 when the server is down. */
int
subs_dberr(struct subs_error *err, int rc)
{
	subs_err(err, rc == DB_EDOWN ? 503 : 500, NULL, rc == DB_EDOWN ? "err.503" : "err.500", NULL);
	return -1;
}

void
subs_now(char out[CLOCK_SQL_LEN])
{
	clock_sql(clock_now(), out);
}

/* A named lock (GET_LOCK), waiting up to wait seconds: 1 held, 0 busy, -1 error. */
int
subs_lock(struct db *db, const char *name, long wait)
{
	struct db_res	*r = NULL;
	int		 rc;

	if (db_run(db, Q_LOCK_GET, (struct db_param[]){ DB_S(name), DB_I(wait) }, 2, &r) != 0)
		return -1;
	rc = r->nrows == 1 && db_cell(r, 0, 0) != NULL ? (int)db_cell_int(r, 0, 0) : -1;
	db_res_free(r);
	return rc;
}

void
subs_unlock(struct db *db, const char *name)
{
	struct db_res	*r = NULL;

	(void)db_run(db, Q_LOCK_RELEASE, (struct db_param[]){ DB_S(name) }, 1, &r);
	db_res_free(r);
}

void
subs_lock_name(long long sub_id, char out[SUBS_LOCK_LEN])
{
	snprintf(out, SUBS_LOCK_LEN, "caas-sub-%lld", sub_id);
}

void
subs_fault(const struct subs_env *e, const char *point)
{
#ifdef CAAS_TEST_HOOKS
	char	 buf[80];
	FILE	*f;
	size_t	 n;

	if (e->conf->fault_file == NULL || (f = fopen(e->conf->fault_file, "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strcmp(buf, point) != 0)
		return;
	/* One shot: the respawned worker and the retry must go on. */
	(void)unlink(e->conf->fault_file);
	log_warnx("fault injection: dying at %s", point);
	_exit(70);
#else
	(void)e;
	(void)point;	/* no fault injection in a production build (cconf.c refuses fault_file) */
#endif
}

/* ---- quotes ---- */

void
subs_product(enum level l, int wildcard, char code[33], char name[101])
{
	snprintf(code, 33, "%s_%s", level_names[l], wildcard ? "WILDSSL" : "SSL");
	snprintf(name, 101, "%s %s", level_names[l], wildcard ? "WildSSL" : "SSL");
}

static int
billing_err(enum billing_rc rc, struct subs_error *err)
{
	switch (rc) {
	case BILLING_EFUNDS:
		subs_err(err, 402, NULL, "err.funds", NULL);
		break;
	case BILLING_EDOWN:
		subs_err(err, 503, NULL, "err.503", NULL);
		break;
	case BILLING_EBUSY:
		subs_err(err, 409, NULL, "err.busy", NULL);
		break;
	default:
		subs_err(err, 500, NULL, NULL, "Billing: %s", billing_strerror(rc));
	}
	return -1;
}

int
subs_quote_new(const struct subs_env *e, enum level l, const struct domain_list *dl,
    struct quote *q, struct subs_error *err)
{
	enum billing_rc		 rc;
	long long		 vat;

	memset(q, 0, sizeof(*q));
	if ((rc = billing_account(e->bdb, e->account_id, &q->account)) != BILLING_OK)
		return billing_err(rc, err);
	q->vat_bp = q->account.vat_bp;
	for (size_t i = 0; i < dl->n; i++) {
		struct quote_line *ql = &q->v[q->n++];
		snprintf(ql->domain, sizeof(ql->domain), "%s", dl->v[i].name);
		ql->wildcard = dl->v[i].wildcard;
		subs_product(l, ql->wildcard, ql->product, ql->product_name);
		if ((rc = billing_price(e->bdb, e->account_id, ql->product, &ql->price_cents)) != BILLING_OK)
			return billing_err(rc, err);
		if (billing_vat(ql->price_cents, q->vat_bp, &vat) != 0)
			return billing_err(BILLING_EINVAL, err);
		q->total_cents += ql->price_cents;
		q->vat_cents += vat;
	}
	q->gross_cents = q->total_cents + q->vat_cents;
	return 0;
}

/* The names of rows of r (column 0) as an array borrowed from r. */
static const char **
names_of(const struct db_res *r)
{
	const char	**v = calloc(r->nrows + 1, sizeof(*v));

	for (size_t i = 0; v != NULL && i < r->nrows; i++)
		v[i] = db_cell(r, i, 0);
	return v;
}

int
subs_domains(const struct subs_env *e, const struct catalog *cat, enum level l,
    const char *text, size_t len, long long sub_id, const char *key, struct domain_list *out,
    struct subs_error *err)
{
	struct db_res		*r = NULL;
	const char		**names = NULL;
	struct domain_error	 de;
	int			 rc, drc;

	if (sub_id > 0)
		drc = db_run(e->db, Q_DOMS_LIVE_NAMES, (struct db_param[]){ DB_I(sub_id) }, 1, &r);
	else
		drc = db_run(e->db, Q_DOMS_LIVE_ELSEWHERE, (struct db_param[]){ DB_I(e->account_id),
		    DB_S(level_names[l]), DB_S(key != NULL ? key : "") }, 3, &r);
	if (drc != 0)
		return subs_dberr(err, drc);
	if ((names = names_of(r)) == NULL) {
		db_res_free(r);
		return subs_dberr(err, DB_ERR);
	}
	rc = domains_parse(text, len, &(struct domain_opts){ .allow_test = e->conf->allow_test_domains,
	    .allow_wildcard = l != LEVEL_QWAC, .enrolled = names, .nenrolled = r->nrows }, out, &de);
	if (rc == -1) {
		subs_err(err, 400, "domains", NULL, NULL);
		(void)domain_error_text(cat, &de, err->detail, sizeof(err->detail));
	} else if (rc != 0)
		subs_err(err, 500, NULL, "err.500", NULL);
	free(names);
	db_res_free(r);
	return rc == 0 ? 0 : -1;
}

/* ---- creation ---- */

/* The ACME directory URL of a level, from LISTSERVERS (kept per process). */
static int
server_url(const struct subs_env *e, enum level l, char out[256], struct subs_error *err)
{
	static char		 cache[LEVEL__MAX][256];
	static time_t		 cached_at;
	struct caas_result	 res;
	json_t			*s;
	size_t			 i;

	if (cached_at == 0 || clock_now() - cached_at > 600 || clock_now() < cached_at) {
		if (subs_upstream(e, "LISTSERVERS", NULL, &res, NULL, err) != 0) {
			caas_result_free(&res);
			return -1;
		}
		memset(cache, 0, sizeof(cache));
		json_array_foreach(json_object_get(res.json, "Servers"), i, s) {
			int k = level_parse(json_string_value(json_object_get(s, "certValidationType")));
			const char *u = json_string_value(json_object_get(s, "serverUrl"));
			if (k >= 0 && u != NULL && strlen(u) < sizeof(cache[k]))
				snprintf(cache[k], sizeof(cache[k]), "%s", u);
		}
		caas_result_free(&res);
		cached_at = clock_now();
	}
	if (cache[l][0] == '\0') {
		subs_err(err, 502, NULL, NULL, "The certificate authority offers no %s ACME server",
		    level_names[l]);
		return -1;
	}
	snprintf(out, 256, "%s", cache[l]);
	return 0;
}

/* Lock name for one account's idempotency key (GET_LOCK takes ≤ 64 chars). */
static void
key_lock_name(long long account_id, const char *key, char out[SUBS_LOCK_LEN])
{
	char	 in[160], hex[SHA256_HEX_LEN + 1];

	snprintf(in, sizeof(in), "%lld/%s", account_id, key);
	sha256_hex(in, strlen(in), hex);
	snprintf(out, SUBS_LOCK_LEN, "caas-key-%.40s", hex);
}

int
subs_check_org(const struct subs_env *e, const struct subs_create_req *rq, struct db_res **org,
    struct subs_error *err)
{
	int	 rc;

	*org = NULL;
	if (rq->level == LEVEL_DV && rq->organization_id == 0)
		return 0;
	if (rq->organization_id == 0) {
		subs_err(err, 400, "organization_id", "err.org_required", NULL);
		return -1;
	}
	if (rq->level == LEVEL_DV)
		rc = db_run(e->db, Q_ORG_BY_ID, (struct db_param[]){ DB_I(rq->organization_id),
		    DB_I(e->account_id) }, 2, org);
	else
		rc = db_run(e->db, Q_ORG_APPROVED, (struct db_param[]){ DB_I(rq->organization_id),
		    DB_I(e->account_id), DB_S(level_names[rq->level]) }, 3, org);
	if (rc != 0)
		return subs_dberr(err, rc);
	if ((*org)->nrows != 1) {
		subs_err(err, 400, "organization_id", "err.org_not_approved", NULL);
		return -1;
	}
	/* OV and QWAC domains are added under the upstream pre-validation:
	 * without its id nothing could be enrolled, so nothing starts. */
	if (rq->level != LEVEL_DV && db_cell((*org), 0, 4) == NULL) {
		subs_err(err, 409, "organization_id", "err.preval_no_upstream", NULL);
		return -1;
	}
	return 0;
}

/* Deposit accounts must hold the quote's gross total before anything
 * starts (the account as the quote read it; the charge checks again). */
static int
check_funds(const struct quote *q, struct subs_error *err)
{
	const struct billing_account	*a = &q->account;
	long long			 gross = q->gross_cents;

	if (a->type == BILLING_DEPOSIT && a->balance_cents < gross) {
		subs_err(err, 402, NULL, NULL, "Insufficient funds: this costs %lld.%02lld %s "
		    "including VAT and the balance is %lld.%02lld %s.", gross / 100, gross % 100,
		    a->currency, a->balance_cents / 100, llabs(a->balance_cents % 100), a->currency);
		return -1;
	}
	return 0;
}

/*
 * The creation limit (conf subscriptions_per_hour, or the account's own
 * figure): refused while the account's Nth most recent subscription, failed
 * ones included (each registered an account upstream), is under an hour
 * old. The caller holds the account's creation lock until the intent is
 * committed, so two workers cannot both take the last place.
 */
static int
create_rate_ok(const struct subs_env *e, struct subs_error *err)
{
	struct db_res	*r = NULL;
	long long	 limit = e->conf->subscriptions_per_hour;
	char		 since[CLOCK_SQL_LEN];
	int		 rc;

	if ((rc = db_run(e->db, Q_SUB_RATE_LIMIT, (struct db_param[]){ DB_I(e->account_id) }, 1,
	    &r)) != 0)
		return subs_dberr(err, rc);
	if (r->nrows == 1 && db_cell(r, 0, 0) != NULL)
		limit = db_cell_int(r, 0, 0);
	db_res_free(r);
	r = NULL;
	if (limit <= 0) {
		subs_err(err, 429, NULL, NULL, "This account may not create subscriptions; "
		    "contact us to change that.");
		return -1;
	}
	clock_sql(clock_now() - 3600, since);
	if ((rc = db_run(e->db, Q_SUB_RATE_NTH, (struct db_param[]){ DB_S(since),
	    DB_I(e->account_id), DB_I(limit - 1) }, 3, &r)) != 0)
		return subs_dberr(err, rc);
	if (r->nrows == 1 && db_cell_int(r, 0, 0) == 1) {
		subs_err(err, 429, NULL, NULL, "Too many subscriptions created: this account may "
		    "create %lld an hour. Try again after %s.", limit, db_cell(r, 0, 1));
		db_res_free(r);
		return -1;
	}
	db_res_free(r);
	return 0;
}

/* The intent, committed before any outside effect: rows pending + journal. */
static int
create_intent(const struct subs_env *e, const struct subs_create_req *rq, const struct quote *q,
    const char *server, long long *sub_id, long long *journal_id, struct subs_error *err)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	subs_now(now);
	if ((rc = db_begin(e->db)) != 0)
		goto fail;
	rc = db_run(e->db, Q_SUB_INSERT, (struct db_param[]){ DB_I(e->account_id),
	    rq->organization_id > 0 ? DB_I(rq->organization_id) : DB_NUL,
	    DB_S(level_names[rq->level]), DB_S(rq->name), DB_S(server),
	    DB_S(rq->idempotency_key), DB_S(e->actor), DB_S(now), DB_S(now) }, 9, &r);
	if (rc != 0)
		goto fail;
	*sub_id = (long long)r->insert_id;
	for (size_t i = 0; i < q->n && rc == 0; i++)
		rc = db_run(e->db, Q_DOM_INSERT, (struct db_param[]){ DB_I(*sub_id),
		    DB_S(q->v[i].domain), DB_I(q->v[i].wildcard), DB_S(q->v[i].product),
		    DB_I(q->v[i].price_cents), DB_S(now) }, 6, NULL);
	if (rc != 0)
		goto fail;
	if ((rc = subs_journal_open(e, "create", *sub_id, 0, journal_id)) != 0 ||
	    (rc = db_commit(e->db)) != 0)
		goto fail;
	db_res_free(r);
	return 0;
fail:
	db_res_free(r);
	(void)db_rollback(e->db);
	if (rc == DB_EDUP) {
		subs_err(err, 409, "idempotency_key", "err.idem_busy", NULL);
		return -1;
	}
	return subs_dberr(err, rc);
}

int
subs_journal_open(const struct subs_env *e, const char *kind, long long sub_id, long long dom_id,
    long long *jid)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	subs_now(now);
	rc = db_run(e->db, Q_JOURNAL_INSERT, (struct db_param[]){ DB_S(kind), DB_I(e->account_id),
	    DB_I(sub_id), dom_id > 0 ? DB_I(dom_id) : DB_NUL, DB_S("started"), DB_S(now), DB_S(now) },
	    7, &r);
	if (rc == 0)
		*jid = (long long)r->insert_id;
	db_res_free(r);
	return rc;
}

int
subs_journal_step(const struct subs_env *e, long long jid, const char *step)
{
	char	 now[CLOCK_SQL_LEN];

	subs_now(now);
	return db_run(e->db, Q_JOURNAL_STEP, (struct db_param[]){ DB_S(step), DB_S(now), DB_I(jid) },
	    3, NULL);
}

/* PREREGISTER: the upstream account and its EAB key; the key stays in out. */
static int
create_register(const struct subs_env *e, const struct subs_create_req *rq,
    const struct db_res *org, long long sub_id, long long jid, struct subs_created *out,
    char acct_out[129], struct subs_error *err)
{
	struct caas_result	 res;
	const char		*f[] = { "serverUrl", out->server, "years", "1", NULL };
	json_t			*a;
	const char		*acct, *kid, *hmac;
	char			 now[CLOCK_SQL_LEN];
	int			 rc = -1;

	if (subs_upstream(e, "PREREGISTER", f, &res, NULL, err) != 0)
		goto out;
	a = json_array_get(json_object_get(res.json, "Accounts"), 0);
	acct = json_string_value(json_object_get(a, "acmeAccountID"));
	kid = json_string_value(json_object_get(a, "eabMACIDb64url"));
	hmac = json_string_value(json_object_get(a, "eabMACKeyb64url"));
	if (acct == NULL || kid == NULL || hmac == NULL || strlen(acct) > 128 ||
	    strlen(kid) >= sizeof(out->kid) || strlen(hmac) >= sizeof(out->hmac)) {
		subs_err(err, 502, NULL, NULL, "The certificate authority answered PREREGISTER "
		    "without a usable account");
		goto out;
	}
	snprintf(acct_out, 129, "%s", acct);
	snprintf(out->kid, sizeof(out->kid), "%s", kid);
	snprintf(out->hmac, sizeof(out->hmac), "%s", hmac);
	subs_now(now);
	if ((rc = db_run(e->db, Q_SUB_SET_UPSTREAM, (struct db_param[]){ DB_S(acct), DB_S(kid),
	    DB_S(now), DB_I(sub_id) }, 4, NULL)) == 0)
		rc = subs_journal_step(e, jid, "registered");
	if (rc != 0)
		rc = subs_dberr(err, rc);
out:
	caas_result_free(&res);
	return rc;
}

/* ADDDOMAIN for each pending domain, recording each order. */
static int
create_domains(const struct subs_env *e, long long sub_id, long long jid, const char *acct,
    struct subs_error *err)
{
	struct db_res		*d = NULL;
	struct subs_order	 o;
	int			 rc;

	if ((rc = db_run(e->db, Q_DOMS_OF_SUB, (struct db_param[]){ DB_I(sub_id) }, 1, &d)) != 0)
		return subs_dberr(err, rc);
	rc = subs_journal_step(e, jid, "adding");
	for (size_t i = 0; rc == 0 && i < d->nrows; i++) {
		if (subs_upstream_add(e, sub_id, acct, db_cell(d, i, 2), &o, NULL, err) != 0) {
			rc = -1;
			break;
		}
		if ((rc = subs_dom_set_order(e, db_cell_int(d, i, 0), &o)) != 0) {
			rc = subs_dberr(err, rc);
			break;
		}
		subs_fault(e, "create:after-adddomain");
	}
	db_res_free(d);
	return rc;
}

long long
subs_dom_upstream_cost(const struct db_res *d, size_t i, const char *currency)
{
	const char	*c = db_cell(d, i, 12);

	return db_cell(d, i, 11) != NULL && c != NULL && strcmp(c, currency) == 0 ?
	    db_cell_int(d, i, 11) : -1;
}

int
subs_dom_set_order(const struct subs_env *e, long long dom_id, const struct subs_order *o)
{
	return db_run(e->db, Q_DOM_SET_ORDER, (struct db_param[]){ DB_S(o->order),
	    o->cost_cents >= 0 ? DB_I(o->cost_cents) : DB_NUL, DB_S(o->currency), DB_I(dom_id) },
	    4, NULL);
}

void
subs_charge_key(long long sub_id, long long dom_id, char out[64])
{
	snprintf(out, 64, "sub-%lld-dom-%lld-add", sub_id, dom_id);
}

/* One charge per domain, all in one billing transaction. */
static int
create_charge(const struct subs_env *e, long long sub_id, const char *sub_name,
    struct subs_error *err)
{
	struct db_res		*d = NULL;
	struct billing_req	*q = NULL;
	struct billing_result	*res = NULL;
	struct billing_account	 a;
	char			(*keys)[64] = NULL, (*desc)[BILLING_TEXT_MAX + 1] = NULL;
	enum billing_rc		 brc;
	int			 rc = -1;

	if ((rc = db_run(e->db, Q_DOMS_OF_SUB, (struct db_param[]){ DB_I(sub_id) }, 1, &d)) != 0)
		return subs_dberr(err, rc);
	rc = -1;
	q = calloc(d->nrows, sizeof(*q));
	res = calloc(d->nrows, sizeof(*res));
	keys = calloc(d->nrows, sizeof(*keys));
	desc = calloc(d->nrows, sizeof(*desc));
	if (q == NULL || res == NULL || keys == NULL || desc == NULL || d->nrows == 0) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	if ((brc = billing_account(e->bdb, e->account_id, &a)) != BILLING_OK) {
		rc = billing_err(brc, err);
		goto out;
	}
	for (size_t i = 0; i < d->nrows; i++) {
		subs_charge_key(sub_id, db_cell_int(d, i, 0), keys[i]);
		subs_line_text(db_cell(d, i, 4), db_cell(d, i, 2), sub_name, desc[i]);
		q[i] = (struct billing_req){ .account_id = e->account_id,
		    .net_cents = db_cell_int(d, i, 6), .idempotency_key = keys[i],
		    .product_code = db_cell(d, i, 4), .subscription_ref = sub_id,
		    .domain_ref = db_cell_int(d, i, 0), .upstream_order = db_cell(d, i, 7),
		    .upstream_cost_cents = subs_dom_upstream_cost(d, i, a.currency),
		    .description = desc[i] };
	}
	if ((brc = billing_charge_batch(e->bdb, q, d->nrows, res)) != BILLING_OK) {
		rc = billing_err(brc, err);
		goto out;
	}
	rc = 0;
out:
	free(q);
	free(res);
	free(keys);
	free(desc);
	db_res_free(d);
	return rc;
}

/* "DV WildSSL *.example.com (My shop)" for the invoice line. */
void
subs_line_text(const char *product, const char *domain, const char *sub_name,
    char out[BILLING_TEXT_MAX + 1])
{
	char	 lvl[8], code[33], name[101];
	int	 l;

	snprintf(lvl, sizeof(lvl), "%.*s", (int)strcspn(product, "_"), product);
	if ((l = level_parse(lvl)) >= 0)
		subs_product((enum level)l, strstr(product, "WILD") != NULL, code, name);
	else
		snprintf(name, sizeof(name), "%s", product);
	snprintf(out, BILLING_TEXT_MAX + 1, "%s %s (%.*s)", name, domain, 80, sub_name);
}

/* Dates of the term: it starts tomorrow (UTC) and ends at the upstream's
 * expiry (LISTDOMAINS), or a year later if the upstream does not say. */
static void
term_dates(const struct subs_env *e, const char *acct, char start[16], char end[16])
{
	struct subs_error	 ignored;
	time_t			 t = clock_now() + 86400;
	struct tm		 tm;

	gmtime_r(&t, &tm);
	strftime(start, 16, "%Y-%m-%d", &tm);
	end[0] = '\0';
	if (subs_upstream_has(e, acct, NULL, end, 16, &ignored) >= 0 && end[0] != '\0')
		return;
	tm.tm_year++;		/* 29 February + 1 year normalises to 1 March */
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(end, 16, "%Y-%m-%d", &tm);
	log_warnx("subscription term: no expiry from LISTDOMAINS for %s, using %s", acct, end);
}

/* Rows active and the journal done, in one commit. */
static int
create_done(const struct subs_env *e, long long sub_id, long long jid, const char *acct,
    struct subs_error *err)
{
	char	 now[CLOCK_SQL_LEN], start[16], end[16];
	int	 rc;

	term_dates(e, acct, start, end);
	subs_now(now);
	if ((rc = db_begin(e->db)) == 0 &&
	    (rc = db_run(e->db, Q_SUB_ACTIVATE, (struct db_param[]){ DB_S(start), DB_S(end),
	    DB_S(now), DB_I(sub_id) }, 4, NULL)) == 0 &&
	    (rc = db_run(e->db, Q_DOMS_ACTIVATE_SUB, (struct db_param[]){ DB_S(now), DB_I(sub_id) },
	    2, NULL)) == 0 &&
	    (rc = webhook_sub_hook(e->db, WH_SUBSCRIPTION_CREATED, sub_id, NULL)) == 0 &&
	    (rc = db_run(e->db, Q_JOURNAL_CLOSE, (struct db_param[]){ DB_S("done"), DB_S("done"),
	    DB_S(now), DB_I(jid) }, 4, NULL)) == 0)
		rc = db_commit(e->db);
	if (rc != 0) {
		(void)db_rollback(e->db);
		return subs_dberr(err, rc);
	}
	return 0;
}

/* The steps after the intent; on a refusal, the undo runs at once. */
static int
create_run(const struct subs_env *e, const struct subs_create_req *rq, const struct db_res *org,
    long long sub_id, long long jid, struct subs_created *out, struct subs_error *err)
{
	struct subs_error	 uerr;
	char			 acct[129];

	subs_fault(e, "create:after-insert");
	if (create_register(e, rq, org, sub_id, jid, out, acct, err) != 0)
		goto undo;
	subs_fault(e, "create:after-preregister");
	if (create_domains(e, sub_id, jid, acct, err) != 0)
		goto undo;
	if (subs_journal_step(e, jid, "charging") != 0 || create_charge(e, sub_id, rq->name, err) != 0)
		goto undo;
	subs_fault(e, "create:after-charge");
	if (subs_journal_step(e, jid, "charged") != 0 || create_done(e, sub_id, jid, acct, err) != 0)
		return -1;	/* charged and registered: reconcile decides */
	subs_fault(e, "create:after-done");
	return 0;
undo:
	if (subs_undo_create(e, jid, &uerr) != 0)
		log_warnx("subscription %lld: undo left for caasctl reconcile: %s", sub_id, uerr.detail);
	OPENSSL_cleanse(out->hmac, sizeof(out->hmac));
	return -1;
}

/* The same key again: the first outcome, after finishing its undo if it died. */
static int
create_replay(const struct subs_env *e, const struct subs_create_req *rq, struct db_res *r,
    struct subs_created *out, struct subs_error *err)
{
	long long	 id = db_cell_int(r, 0, 0);
	struct db_res	*s = NULL;
	int		 rc;

	if (strcmp(db_cell(r, 0, 2), level_names[rq->level]) != 0 ||
	    strcmp(db_cell(r, 0, 3), rq->name) != 0) {
		subs_err(err, 409, "idempotency_key", "err.idem_other", NULL);
		return -1;
	}
	if (strcmp(db_cell(r, 0, 1), "pending") == 0)
		(void)subs_reconcile_one(e, id, NULL);
	if ((rc = db_run(e->db, Q_SUB_GET_ANY, (struct db_param[]){ DB_I(id) }, 1, &s)) != 0)
		return subs_dberr(err, rc);
	out->id = id;
	out->replay = 1;
	snprintf(out->status, sizeof(out->status), "%s", db_cell(s, 0, 5));
	snprintf(out->kid, sizeof(out->kid), "%s", db_cell(s, 0, 7) ? db_cell(s, 0, 7) : "");
	snprintf(out->server, sizeof(out->server), "%s", db_cell(s, 0, 8));
	db_res_free(s);
	return 0;
}

int
subs_create(const struct subs_env *e, const struct subs_create_req *rq,
    struct subs_created *out, struct subs_error *err)
{
	struct db_res	*r = NULL, *org = NULL;
	struct quote	*q = NULL;
	char		 klock[SUBS_LOCK_LEN], slock[SUBS_LOCK_LEN], alock[SUBS_LOCK_LEN];
	long long	 sub_id = 0, jid = 0;
	int		 rc = -1, held = 0, drc;

	memset(out, 0, sizeof(*out));
	key_lock_name(e->account_id, rq->idempotency_key, klock);
	if ((held = subs_lock(e->db, klock, 60)) != 1) {
		if (held == 0)
			subs_err(err, 409, "idempotency_key", "err.idem_busy", NULL);
		else
			subs_dberr(err, DB_ERR);
		held = 0;
		goto out;
	}
	if ((drc = db_run(e->db, Q_SUB_BY_KEY, (struct db_param[]){ DB_I(e->account_id),
	    DB_S(rq->idempotency_key) }, 2, &r)) != 0) {
		subs_dberr(err, drc);
		goto out;
	}
	if (r->nrows == 1) {
		rc = create_replay(e, rq, r, out, err);
		goto out;
	}
	if ((q = malloc(sizeof(*q))) == NULL) {
		subs_err(err, 500, NULL, "err.500", NULL);
		goto out;
	}
	if (subs_check_org(e, rq, &org, err) != 0 || subs_quote_new(e, rq->level, &rq->domains, q, err) != 0 ||
	    check_funds(q, err) != 0 || server_url(e, rq->level, out->server, err) != 0)
		goto out;
	/* The account's creation lock: the limit's count and the intent. */
	snprintf(alock, sizeof(alock), "caas-create-%lld", e->account_id);
	if ((drc = subs_lock(e->db, alock, 10)) != 1) {
		if (drc == 0)
			subs_err(err, 409, NULL, "err.409", NULL);
		else
			subs_dberr(err, DB_ERR);
		goto out;
	}
	drc = create_rate_ok(e, err) == 0 ? create_intent(e, rq, q, out->server, &sub_id, &jid, err) : -1;
	subs_unlock(e->db, alock);
	if (drc != 0)
		goto out;
	subs_lock_name(sub_id, slock);
	if (subs_lock(e->db, slock, 0) != 1) {
		subs_dberr(err, DB_ERR);
		goto out;
	}
	rc = create_run(e, rq, org, sub_id, jid, out, err);
	subs_unlock(e->db, slock);
	if (rc == 0) {
		out->id = sub_id;
		snprintf(out->status, sizeof(out->status), "active");
		log_info("subscription %lld created by %s (%s, %zu domains)", sub_id, e->actor,
		    level_names[rq->level], rq->domains.n);
	}
out:
	if (held)
		subs_unlock(e->db, klock);
	free(q);
	db_res_free(r);
	db_res_free(org);
	return rc;
}

int
subs_credentials_seen(const struct subs_env *e, long long id)
{
	struct db_res	*r = NULL;
	int		 seen;

	if (db_run(e->db, Q_SUB_CRED_SEEN, (struct db_param[]){ DB_I(id), DB_I(e->account_id) },
	    2, &r) != 0)
		return 1;
	seen = r->affected == 0;
	db_res_free(r);
	return seen;
}
