/*
 * The reseller API's domain actions (docs/upstream.md, subscription
 * rules of the subscription overview page): ADDDOMAIN, REMOVEDOMAIN,
 * LISTDOMAINS, EXTENDDOMAINS, UPDATEDOMAINS. A subscription starts with
 * its first domain the next calendar day (UTC) and lasts PREREGISTER's
 * years; term_end is exclusive (the day after the last day), and
 * answers show the last second of the last day. Money: integer cents.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reseller/reseller_int.h"
#include "revoke.h"

/* A pre-validation anchor, as looked up. */
struct anchor {
	long long	 number;	/* 0: none given */
	char		 org[201], city[101], country[3];
};

/* Yearly price in cents of a domain on this account, or -1 (none: logged). */
static long long
yearly_price(struct rctx *rc, const char *domain)
{
	long long	 cents = -1;
	int		 wild = strncmp(domain, "*.", 2) == 0;

	if (rdb_price(rc->db, rc->level, wild, &cents) != 1) {
		log_warnx("reseller: no price for level %s wildcard %d", level_names[rc->level], wild);
		cents = -1;
	}
	return cents;
}

/*
 * DESIGN.md §4: round_half_up(price_of_term × min(days_left, days_in_term)
 * / days_in_term), integers only, for a term [start, end) and today.
 */
static long long
pro_rata(long long term_price, long start, long end, long now)
{
	long long in_term = end - start, left = end - now;

	if (in_term <= 0 || left <= 0)
		return 0;
	if (left > in_term)
		left = in_term;
	return (2 * term_price * left + in_term) / (2 * in_term);
}

/* Insert a billed order; its number, or -1 (logged). */
static long long
order_insert(struct rctx *rc, enum rorder_kind kind, const char *domain, long long cents)
{
	char		 now[CLOCK_SQL_LEN];
	long long	 n = -1;

	clock_sql(clock_now(), now);
	if (rdb_order_insert(rc->db, rc->eab_id, kind, domain, cents, now, &n) != 0)
		n = -1;
	return n;
}

static json_t *
order_answer(long long number, long long cents)
{
	json_t	*o = json_pack("{s:b}", "success", 1);

	if (o != NULL && number > 0)
		json_object_set_new(o, "orderNumber", json_integer(number));
	if (o != NULL) {
		json_object_set_new(o, "cost", money_json(cents));
		json_object_set_new(o, "currency", json_string(CURRENCY));
	}
	return o;
}

/*
 * The anchor in field f for the account's level (OV or QWAC): into *a.
 * 0, or -1 with the answer sent (unknown, or of another level: invalid
 * value).
 */
static int
anchor_get(struct rctx *rc, enum rfield f, struct anchor *a)
{
	struct db_res	*keep = NULL;
	struct r_preval	 p;
	const char	*s = rc->v[f];
	char		*end;
	int		 rv = -1;

	memset(a, 0, sizeof(*a));
	errno = 0;
	a->number = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end != '\0' || errno != 0 || a->number <= 0 ||
	    rdb_preval_get(rc->db, a->number, &p, &keep) != 1 || p.level != (int)rc->level) {
		problem(rc, RP_INVALID, f);
		goto out;
	}
	snprintf(a->org, sizeof(a->org), "%s", p.org);
	snprintf(a->city, sizeof(a->city), "%s", p.city);
	snprintf(a->country, sizeof(a->country), "%s", p.country);
	rv = 0;
out:
	db_res_free(keep);
	return rv;
}

/*
 * ADDDOMAIN's anchor: DV takes none ("Not applicable for DV!"), OV needs
 * ovAnchorOrderNumber, QWAC evAnchorOrderNumber (the other one is an
 * invalid value on that account). 0 (a->number 0 for DV), or -1 (sent).
 */
static int
add_anchor(struct rctx *rc, struct anchor *a)
{
	int	 qwac = rc->level == LEVEL_QWAC;
	enum rfield mine = qwac ? F_EV_ANCHOR : F_OV_ANCHOR, other = qwac ? F_OV_ANCHOR : F_EV_ANCHOR;

	memset(a, 0, sizeof(*a));
	if (rc->level == LEVEL_DV) {
		if (rc->v[F_OV_ANCHOR] == NULL && rc->v[F_EV_ANCHOR] == NULL)
			return 0;
		problem(rc, RP_NOT_DV, F__MAX);
		return -1;
	}
	if (rc->v[other] != NULL) {
		problem(rc, RP_INVALID, other);
		return -1;
	}
	if (rc->v[mine] == NULL) {
		problem(rc, RP_MISSING, mine);
		return -1;
	}
	return anchor_get(rc, mine, a);
}

/* The certificate subject of the key follows its anchor. 0 or -1 (logged). */
static int
set_org(struct rctx *rc, const struct anchor *a)
{
	return rdb_eab_set_org(rc->db, rc->eab_id, a->org, a->city, a->country);
}

/* addAssociatedFQDN=Y: www.x ↔ x, and *.x → x (into out); 0 if none. */
static int
associated(const char *d, char out[ACME_NAME_MAX + 1])
{
	if (strncmp(d, "*.", 2) == 0 || strncmp(d, "www.", 4) == 0)
		snprintf(out, ACME_NAME_MAX + 1, "%s", d + (d[0] == '*' ? 2 : 4));
	else if (strlen(d) + 4 <= ACME_NAME_MAX)
		snprintf(out, ACME_NAME_MAX + 1, "www.%s", d);
	else
		return 0;
	return dns_name_ok(out, 0);
}

/* An ADDDOMAIN repeated for an active enrollment: its original order. */
static void
add_replay(struct rctx *rc, long long n)
{
	long long	 cents = 0;
	int		 err;

	if (n > 0 && (err = rdb_order_cost(rc->db, n, rc->eab_id, &cents)) < 0) {
		db_problem(rc, err, "order lookup");
		return;
	}
	send_json(rc, 200, order_answer(n, cents));
}

/* Enroll name under order n (0: none, an associated FQDN: free, and
 * refunded with nothing) until exp with anchor a. 0 or -1 (logged). */
static int
enroll(struct rctx *rc, const char *name, const char *exp, long long n, const struct anchor *a)
{
	char	 now[CLOCK_SQL_LEN];

	clock_sql(clock_now(), now);
	return rdb_domain_add(rc->db, rc->eab_id, name, now, exp, n, a->number);
}

/*
 * ADDDOMAIN: the first domain starts the term tomorrow (UTC) for
 * PREREGISTER's years at the yearly price of each; later ones share
 * term_end and pay pro rata. Idempotent for an active domain; quoteOnly
 * changes nothing. One transaction.
 */
void
act_adddomain(struct rctx *rc)
{
	struct db_res	*keep = NULL;
	struct r_enrollment e;
	struct anchor	 a;
	char		 start[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN], exp[CLOCK_SQL_LEN], assoc[ACME_NAME_MAX + 1];
	long		 t = today(), ts, te;
	long long	 yearly, cents, n, others = 0;
	int		 quote, with_assoc, new_term = 0, err, years;

	if ((quote = yn_arg(rc, F_QUOTE, 0)) < 0 || (with_assoc = yn_arg(rc, F_ASSOC, 0)) < 0 ||
	    begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	ts = rc->term_start;
	te = rc->term_end;
	if (rc->status == EAB_SUSPENDED || rc->status == EAB_DEACTIVATED) {
		problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	if (domain_arg(rc) != 0 || add_anchor(rc, &a) != 0)
		goto out;
	if ((err = rdb_domain_lock(rc->db, rc->eab_id, rc->domain, &e, &keep)) < 0) {
		db_problem(rc, err, "domain lookup");
		goto out;
	}
	if (err == 1 && e.removed_at == NULL) {
		add_replay(rc, e.add_order);
		goto out;
	}
	/* One organization per key: every active domain under the same anchor. */
	if (a.number > 0)
		(void)rdb_anchor_others(rc->db, rc->eab_id, a.number, &others);
	if (others > 0) {
		problem(rc, RP_INVALID, rc->level == LEVEL_QWAC ? F_EV_ANCHOR : F_OV_ANCHOR);
		goto out;
	}
	if ((yearly = yearly_price(rc, rc->domain)) < 0) {
		db_problem(rc, DB_ERR, "pricing");
		goto out;
	}
	with_assoc = with_assoc && associated(rc->domain, assoc);
	if (te < 0 || te <= t) {
		struct db_rows act;
		int any = 1;
		if (te >= 0 && rdb_domains_active(rc->db, rc->eab_id, &act) == 0) {
			any = act.n > 0;
			db_rows_free(&act);
		}
		if (te >= 0 && any) {
			/* The subscription expired with its domains: extend first. */
			problem(rc, RP_INVALID, F_ACCOUNT);
			goto out;
		}
		new_term = 1;
		ts = t + 1;
		te = plus_years(ts, rc->term_years);
		cents = yearly * rc->term_years;
	} else {
		years = (int)((te - (ts >= 0 ? ts : te - 365) + 182) / 365);
		cents = pro_rata(yearly * (years > 0 ? years : 1), ts >= 0 ? ts : te - 365, te, t);
	}
	if (quote) {
		send_json(rc, 200, order_answer(0, cents));
		goto out;
	}
	day_date(ts, start);
	day_date(te, end);
	day_sql(te, exp);
	if ((n = order_insert(rc, RK_ADD, rc->domain, cents)) < 0 ||
	    (new_term && rdb_eab_set_term(rc->db, rc->eab_id, start, end) != 0) ||
	    enroll(rc, rc->domain, exp, n, &a) != 0 ||
	    (with_assoc && enroll(rc, assoc, exp, 0, &a) != 0) ||
	    (a.number > 0 && set_org(rc, &a) != 0) ||
	    db_commit(rc->db) != 0) {
		db_problem(rc, DB_ERR, "adding the domain");
		goto out;
	}
	log_info("reseller: %s added %s%s%s, order %lld, %lld cents", rc->v[F_ACCOUNT], rc->domain,
	    with_assoc ? " and " : "", with_assoc ? assoc : "", n, cents);
	send_json(rc, 200, order_answer(n, cents));
out:
	db_res_free(keep);
	(void)db_rollback(rc->db);
}

/* 1 if a SAN of the certificate (sans, a JSON array) is covered by domain
 * and by none of the others (the account's remaining enrollments). */
static int
cert_depends_on(const char *sans, const char *domain, const struct db_rows *others)
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
		for (size_t k = 0; others != NULL && k < others->n && !covered; k++)
			covered = domain_covers(DB_ROW(others, struct r_domain, k)->domain, san);
		if (!covered)
			hit = 1;
	}
	json_decref(a);
	return hit;
}

/*
 * After a refunded removal (committed): revoke every valid certificate
 * of the key that needs the removed domain, paging by id
 * (reseller_revoke_page rows at a time) so none is missed however many
 * there are. The number that could not be revoked, or -1 when a page
 * could not be read (logged).
 */
static long
revoke_removed(struct rctx *rc, size_t *revoked)
{
	struct db_rows	 certs = { 0 }, others = { 0 };
	long long	 last = 0, page = rc->conf->reseller_revoke_page;
	long		 failed = -1;

	*revoked = 0;
	if (rdb_domains_active(rc->db, rc->eab_id, &others) != 0)
		goto out;
	failed = 0;
	do {
		db_rows_free(&certs);
		if (rdb_certs_valid_page(rc->db, rc->eab_id, last, page, &certs) != 0) {
			failed = -1;
			goto out;
		}
		for (size_t i = 0; i < certs.n; i++) {
			const struct r_cert_sans *c = DB_ROW(&certs, struct r_cert_sans, i);
			last = c->id;
			if (!cert_depends_on(c->sans, rc->domain, &others))
				continue;
			if (revoke_certificate(rc->conf, last, 5) < 0) {
				log_warnx("reseller: %s: revoking certificate %lld failed", rc->domain, last);
				failed++;
			} else
				(*revoked)++;
		}
	} while (certs.n == (size_t)page);
out:
	db_rows_free(&certs);
	db_rows_free(&others);
	return failed;
}

/*
 * REMOVEDOMAIN: stop issuance for the domain. Within 30 × 24 h of its
 * add, also refund the add (a REFUND order, negative cost) and, when
 * reseller_remove_revokes is set, revoke the certificates that need it
 * (cessationOfOperation) after commit.
 */
void
act_removedomain(struct rctx *rc)
{
	struct db_res	*keep = NULL;
	struct r_enrollment e;
	long long	 cents = 0;
	size_t		 revoked = 0;
	long		 failed = 0;
	char		 now[CLOCK_SQL_LEN];
	time_t		 added;
	int		 err, refund;

	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (rc->status == EAB_DEACTIVATED) {
		problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	if (domain_arg(rc) != 0)
		goto out;
	if ((err = rdb_domain_lock(rc->db, rc->eab_id, rc->domain, &e, &keep)) < 0) {
		db_problem(rc, err, "domain lookup");
		goto out;
	}
	if (err == 0 || e.removed_at != NULL) {
		problem(rc, RP_NOT_REMOVED, F__MAX);
		goto out;
	}
	refund = clock_parse(e.added_at, &added) == 0 && clock_now() < added + REFUND_WINDOW;
	clock_sql(clock_now(), now);
	if (rdb_domain_remove(rc->db, e.id, now) != 0)
		goto dberr;
	if (refund) {
		if (e.add_order > 0 && rdb_order_cost(rc->db, e.add_order, rc->eab_id, &cents) < 0)
			goto dberr;
		if (order_insert(rc, RK_REFUND, rc->domain, -cents) < 0)
			goto dberr;
	}
	if (db_commit(rc->db) != 0)
		goto dberr;
	if (refund && rc->conf->reseller_remove_revokes)
		failed = revoke_removed(rc, &revoked);
	log_info("reseller: %s removed %s%s, %zu certificates revoked", rc->v[F_ACCOUNT], rc->domain,
	    refund ? " with refund" : "", revoked);
	if (failed != 0)
		log_warnx("reseller: %s was removed, but not every certificate of it could be revoked "
		    "(%ld): !AutoRevokeSSL them", rc->domain, failed);
	/* The removal (and refund) is done either way: the upstream's answer. */
	send_json(rc, 200, json_pack("{s:b, s:[{s:s}]}", "success", 1, "Domains", "domainName", rc->domain));
	goto out;
dberr:
	db_problem(rc, DB_ERR, "removing the domain");
out:
	db_res_free(keep);
	(void)db_rollback(rc->db);
}

/* LISTDOMAINS: the enrolled, unexpired, not removed domains, page
 * (from 0) of size (default LISTDOMAINS_SIZE), by name. */
void
act_listdomains(struct rctx *rc)
{
	struct db_rows	 r = { 0 };
	json_t		*a = NULL;
	char		 now[CLOCK_SQL_LEN], exp[24];
	long long	 page, size;
	int		 err;

	if ((page = number_arg(rc, F_PAGE, 0, 100000, 0)) < 0 ||
	    (size = number_arg(rc, F_SIZE, 1, LIST_SIZE_MAX, LISTDOMAINS_SIZE)) < 0 ||
	    account_get(rc, 0) != 0)
		goto out;
	clock_sql(clock_now(), now);
	if ((err = rdb_domains_listed(rc->db, rc->eab_id, now, size, page * size, &r)) != 0) {
		db_problem(rc, err, "domain list");
		goto out;
	}
	a = json_array();
	for (size_t i = 0; i < r.n; i++) {
		const struct r_domain *d = DB_ROW(&r, struct r_domain, i);
		/* expires_at is the exclusive end: its last second is the answer. */
		rfc3339(d->expires_at, -1, exp);
		json_array_append_new(a, json_pack("{s:s, s:s}", "domainName", d->domain, "expiresAt", exp));
	}
	send_json(rc, 200, json_pack("{s:o}", "Domains", a));
	a = NULL;
out:
	json_decref(a);
	db_rows_free(&r);
}

/* Sum of the yearly prices of the account's active domains; -1 (sent) on error. */
static long long
extension_cost(struct rctx *rc, size_t *ndomains)
{
	struct db_rows	 r;
	long long	 sum = 0, p;
	int		 err;

	if ((err = rdb_domains_active(rc->db, rc->eab_id, &r)) != 0) {
		db_problem(rc, err, "domain list");
		return -1;
	}
	*ndomains = r.n;
	for (size_t i = 0; i < r.n && sum >= 0; i++)
		sum = (p = yearly_price(rc, DB_ROW(&r, struct r_domain, i)->domain)) < 0 ? -1 : sum + p;
	db_rows_free(&r);
	if (sum < 0)
		db_problem(rc, DB_ERR, "pricing");
	return sum;
}

/*
 * EXTENDDOMAINS (years 1-3 or days 365/730/1095, quoteOnly): the term and
 * every active domain, from 100 days before to 30 days after the end,
 * at the yearly price of each active domain per year. One transaction.
 */
void
act_extenddomains(struct rctx *rc)
{
	char		 start[CLOCK_SQL_LEN], end[CLOCK_SQL_LEN], exp[CLOCK_SQL_LEN];
	long		 t = today(), te, ne;
	long long	 cents, n;
	size_t		 nd = 0;
	int		 quote, years;

	if ((years = duration_arg(rc)) < 0 || (quote = yn_arg(rc, F_QUOTE, 0)) < 0 || begin(rc) != 0 ||
	    account_get(rc, 1) != 0)
		goto out;
	te = rc->term_end;
	if (rc->status == EAB_SUSPENDED || rc->status == EAB_DEACTIVATED || te < 0 ||
	    t < te - EXTEND_BEFORE_DAYS || t > te + EXTEND_AFTER_DAYS) {
		problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	if ((cents = extension_cost(rc, &nd)) < 0)
		goto out;
	if (nd == 0) {
		problem(rc, RP_INVALID, F_ACCOUNT);
		goto out;
	}
	cents *= years;
	if (quote) {
		send_json(rc, 200, order_answer(0, cents));
		goto out;
	}
	ne = plus_years(te, years);
	day_date(te, start);
	day_date(ne, end);
	day_sql(ne, exp);
	if ((n = order_insert(rc, RK_EXTEND, NULL, cents)) < 0 ||
	    rdb_eab_set_term(rc->db, rc->eab_id, start, end) != 0 ||
	    rdb_domains_extend(rc->db, rc->eab_id, exp) != 0 ||
	    db_commit(rc->db) != 0) {
		db_problem(rc, DB_ERR, "extending");
		goto out;
	}
	log_info("reseller: %s extended to %s, order %lld, %lld cents", rc->v[F_ACCOUNT], end, n, cents);
	send_json(rc, 200, order_answer(n, cents));
out:
	(void)db_rollback(rc->db);
}

/*
 * UPDATEDOMAINS: every active domain of the key under the old anchor
 * moves to the new one (OV: ovAnchorOrderNumber and
 * oldOVAnchorOrderNumber; QWAC: the EV pair). Answers nRecordsUpdated.
 */
void
act_updatedomains(struct rctx *rc)
{
	struct anchor	 a;
	enum rfield	 nf, of, bad1, bad2;
	unsigned long long n = 0;
	long long	 old;
	int		 qwac;

	if (begin(rc) != 0 || account_get(rc, 1) != 0)
		goto out;
	if (rc->level == LEVEL_DV) {
		problem(rc, RP_NOT_DV, F__MAX);
		goto out;
	}
	qwac = rc->level == LEVEL_QWAC;
	nf = qwac ? F_EV_ANCHOR : F_OV_ANCHOR;
	of = qwac ? F_OLD_EV_ANCHOR : F_OLD_OV_ANCHOR;
	bad1 = qwac ? F_OV_ANCHOR : F_EV_ANCHOR;
	bad2 = qwac ? F_OLD_OV_ANCHOR : F_OLD_EV_ANCHOR;
	if (rc->v[bad1] != NULL || rc->v[bad2] != NULL) {
		problem(rc, RP_INVALID, rc->v[bad1] != NULL ? bad1 : bad2);
		goto out;
	}
	if (rc->v[nf] == NULL || rc->v[of] == NULL) {
		problem(rc, RP_MISSING, rc->v[nf] == NULL ? nf : of);
		goto out;
	}
	if ((old = number_arg(rc, of, 1, 9223372036854775807LL, 0)) < 0 ||
	    anchor_get(rc, nf, &a) != 0)
		goto out;
	if (rdb_domains_anchor_swap(rc->db, rc->eab_id, old, a.number, &n) != 0 ||
	    (n > 0 && set_org(rc, &a) != 0) || db_commit(rc->db) != 0) {
		db_problem(rc, DB_ERR, "updating the anchor");
		goto out;
	}
	log_info("reseller: %s anchor %lld -> %lld, %llu domains", rc->v[F_ACCOUNT], old, a.number, n);
	send_json(rc, 200, json_pack("{s:I, s:b}", "nRecordsUpdated", (json_int_t)n, "success", 1));
out:
	(void)db_rollback(rc->db);
}
