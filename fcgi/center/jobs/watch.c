/*
 * The missed-renewal watch, failed issuance and the daily digest
 * (watch.h, issue 17). The pages and the API compute a name's state
 * live from the certificates (watch_compute); `caasctl watch` stores the
 * state it last saw so that a change is reported once: a renewal.overdue
 * webhook and a line in the account's next daily digest, each queued in
 * the transaction that records the change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "clock.h"
#include "log.h"
#include "jobs/notify.h"
#include "jobs/watch.h"
#include "core/webhooks.h"

const char *const watch_state_names[WATCH__MAX] = {
	[WATCH_OK] = "ok",
	[WATCH_PENDING] = "pending",
	[WATCH_OVERDUE] = "overdue",
	[WATCH_EXPIRED] = "expired",
	[WATCH_NEVER_ISSUED] = "never_issued",
};

#define DAY		86400
#define WATCH_PAGE	500
#define DIGEST_MAX	50	/* names per digest; the rest go in the next one */

enum watch_state
watch_rule(time_t not_before, time_t not_after, time_t added_at, time_t now, long permille,
    long never_days)
{
	long long	 life, left;

	if (not_after <= 0)
		return now - added_at >= (time_t)never_days * DAY ? WATCH_NEVER_ISSUED :
		    WATCH_PENDING;
	if (now >= not_after)
		return WATCH_EXPIRED;
	life = (long long)not_after - (long long)not_before;
	left = (long long)not_after - (long long)now;
	/* left < permille/1000 of life, in integers: no float in the rule. */
	return life > 0 && left * 1000 < life * permille ? WATCH_OVERDUE : WATCH_OK;
}

int
watch_compute(struct db *db, const struct center_conf *conf, long long domain_id,
    const char *added_at, time_t now, struct watch_info *w)
{
	struct db_res	*r = NULL;
	time_t		 nb = 0, na = 0, added = now;
	int		 rc;

	memset(w, 0, sizeof(*w));
	if (added_at == NULL || clock_parse(added_at, &added) != 0)
		added = now;
	if ((rc = db_run(db, Q_WATCH_NEWEST_CERT, (struct db_param[]){ DB_I(domain_id) }, 1,
	    &r)) != 0)
		return rc;
	if (r->nrows == 1 && clock_parse(db_cell(r, 0, 0), &nb) == 0 &&
	    clock_parse(db_cell(r, 0, 1), &na) == 0) {
		w->has_cert = 1;
		snprintf(w->not_after, sizeof(w->not_after), "%s", db_cell(r, 0, 1));
		snprintf(w->reference, sizeof(w->reference), "%s", db_cell(r, 0, 2));
	}
	db_res_free(r);
	r = NULL;
	if (!w->has_cert) {
		/* Certificates, none valid (revoked, replaced): not "never issued". */
		if ((rc = db_run(db, Q_WATCH_CERT_COUNT, (struct db_param[]){ DB_I(domain_id) }, 1,
		    &r)) != 0)
			return rc;
		if (db_cell_int(r, 0, 0) > 0) {
			w->state = WATCH_EXPIRED;
			db_res_free(r);
			return 0;
		}
		db_res_free(r);
	}
	w->state = watch_rule(nb, na, added, now, conf->renewal_watch_permille,
	    conf->renewal_never_issued_days);
	return 0;
}

static const char *
failure_kind(long long code)
{
	return code == 7 ? "rejected" : "signing_failed";
}

int
watch_domain_node(struct db *db, const struct center_conf *conf, xmlNodePtr domain,
    long long domain_id, const char *added_at, const char *status)
{
	struct watch_info	 w;
	struct db_res		*r = NULL;
	xmlNodePtr		 n;
	int			 rc;

	if (status != NULL && strcmp(status, "active") == 0) {
		if ((rc = watch_compute(db, conf, domain_id, added_at, clock_now(), &w)) != 0)
			return rc;
		n = m_obj(domain, "renewal");
		m_text(n, "state", watch_state_names[w.state]);
		m_rfc3339(n, "not_after", w.has_cert ? w.not_after : NULL);
	} else
		m_null(domain, "renewal");
	if ((rc = db_run(db, Q_FAIL_LAST_OF_DOM, (struct db_param[]){ DB_I(domain_id) }, 1,
	    &r)) != 0)
		return rc;
	if (r->nrows == 1) {
		n = m_obj(domain, "last_failure");
		m_text(n, "order", db_cell(r, 0, 0));
		m_int(n, "status_code", db_cell_int(r, 0, 1));
		m_text(n, "kind", failure_kind(db_cell_int(r, 0, 1)));
		if (db_cell(r, 0, 2) != NULL)
			m_text(n, "description", db_cell(r, 0, 2));
		else
			m_null(n, "description");
		m_rfc3339(n, "at", db_cell(r, 0, 3));
	} else
		m_null(domain, "last_failure");
	db_res_free(r);
	return 0;
}

void
watch_sub_badge(struct db *db, xmlNodePtr sub, long long sub_id)
{
	struct db_res	*r = NULL;

	if (db_run(db, Q_WATCH_SUB_ATTENTION, (struct db_param[]){ DB_I(sub_id) }, 1, &r) == 0 &&
	    r->nrows == 1)
		m_int(sub, "renewal_attention", db_cell_int(r, 0, 0));
	db_res_free(r);
}

int
watch_filter_attention(struct ctx *c, long long sub_id, long long *count)
{
	struct db_res	*r = NULL;
	const char	*v = kv_get(&c->req->qs, "renewal");

	if (v == NULL || strcmp(v, "attention") != 0)
		return 0;
	if (db_run(c->db, Q_WATCH_SUB_ATTENTION, (struct db_param[]){ DB_I(sub_id) }, 1, &r) != 0) {
		db_res_free(r);
		return 0;
	}
	*count = db_cell_int(r, 0, 0);
	db_res_free(r);
	return 1;
}

int
watch_account_attention(struct db *db, xmlNodePtr root, long long account_id)
{
	struct db_res	*r = NULL;
	xmlNodePtr	 list, n;
	int		 rc;

	if ((rc = db_run(db, Q_WATCH_ACCOUNT_ATTENTION, (struct db_param[]){ DB_I(account_id) }, 1,
	    &r)) != 0)
		return rc == DB_EDOWN ? 503 : 500;
	list = m_list(root, "renewal_attention");
	for (size_t i = 0; i < r->nrows; i++) {
		n = m_obj(list, "name");
		m_text(n, "domain", db_cell(r, i, 0));
		m_text(n, "state", db_cell(r, i, 1));
		m_rfc3339(n, "not_after", db_cell(r, i, 2));
		m_int(n, "subscription_id", db_cell_int(r, i, 3));
		m_text(n, "subscription", db_cell(r, i, 4));
	}
	db_res_free(r);
	return 0;
}

int
watch_record_failure(struct db *db, long long account_id, long long sub_id, long long domain_id,
    json_t *o)
{
	json_t		*v;
	const char	*dom = json_string_value(json_object_get(o, "domainName"));
	const char	*desc = json_string_value(json_object_get(o, "statusDesc"));
	char		 now[CLOCK_SQL_LEN], d[256];
	long long	 num = -1, code = -1;
	int		 rc;

	if ((v = json_object_get(o, "orderNumber")) != NULL)
		num = json_is_integer(v) ? json_integer_value(v) :
		    json_string_value(v) != NULL ? strtoll(json_string_value(v), NULL, 10) : -1;
	if ((v = json_object_get(o, "statusCode")) != NULL)
		code = json_is_integer(v) ? json_integer_value(v) :
		    json_string_value(v) != NULL ? strtoll(json_string_value(v), NULL, 10) : -1;
	if (num <= 0 || dom == NULL || strlen(dom) > 253 || (code != 3 && code != 5 && code != 7))
		return 0;
	snprintf(d, sizeof(d), "%.250s", desc != NULL ? desc : "");
	clock_sql(clock_now(), now);
	rc = db_run(db, Q_FAIL_INSERT, (struct db_param[]){ DB_I(account_id), DB_I(sub_id),
	    domain_id > 0 ? DB_I(domain_id) : DB_NUL, DB_S(dom), DB_I(num), DB_I(code),
	    desc != NULL ? DB_S(d) : DB_NUL, DB_S(now) }, 8, NULL);
	if (rc == DB_EDUP)
		return 0;
	if (rc == 0)
		log_info("sync: subscription %lld: order %lld for %s failed upstream (%lld)", sub_id,
		    num, dom, code);
	return rc == 0 ? 1 : rc;
}

/* ---- caasctl watch: state changes ---- */

static int
reported(enum watch_state s)
{
	return s == WATCH_OVERDUE || s == WATCH_EXPIRED || s == WATCH_NEVER_ISSUED;
}

/* The renewal.overdue event of one name, in the caller's transaction. */
static int
overdue_event(struct db *db, const struct db_res *d, size_t i, const struct watch_info *w,
    const char *now)
{
	char	 key[WH_EVENT_KEY_MAX + 1], na[24] = "";
	json_t	*data;
	int	 rc;

	snprintf(key, sizeof(key), "overdue:%s:%s:%.10s%.2s%.2s%.2s", db_cell(d, i, 0),
	    watch_state_names[w->state], now, now + 11, now + 14, now + 17);
	if (w->has_cert)
		snprintf(na, sizeof(na), "%.10sT%.8sZ", w->not_after, w->not_after + 11);
	data = json_pack("{s:I, s:I, s:s, s:s, s:s?}", "subscription_id",
	    (json_int_t)db_cell_int(d, i, 1), "domain_id", (json_int_t)db_cell_int(d, i, 0),
	    "domain", db_cell(d, i, 3), "state", watch_state_names[w->state], "not_after",
	    w->has_cert ? na : NULL);
	if (data == NULL)
		return DB_ERR;
	rc = webhook_enqueue(db, WH_RENEWAL_OVERDUE, db_cell_int(d, i, 2), 0, key, data, NULL);
	json_decref(data);
	return rc < 0 ? rc : 0;
}

/* One name: compare with the stored state, store a change with its events. */
static int
watch_one(struct db *db, const struct center_conf *conf, const struct db_res *d, size_t i,
    time_t now, struct watch_stats *st)
{
	struct watch_info	 w;
	struct db_res		*r = NULL;
	char			 ts[CLOCK_SQL_LEN];
	long long		 did = db_cell_int(d, i, 0);
	int			 rc, changed, first;

	clock_sql(now, ts);
	if ((rc = watch_compute(db, conf, did, db_cell(d, i, 4), now, &w)) != 0)
		return rc;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = db_run(db, Q_WATCH_GET, (struct db_param[]){ DB_I(did) }, 1, &r)) != 0)
		goto out;
	first = r->nrows == 0;
	changed = first || strcmp(db_cell(r, 0, 0), watch_state_names[w.state]) != 0;
	if (!changed && !(w.has_cert && (db_cell(r, 0, 1) == NULL ||
	    strcmp(db_cell(r, 0, 1), w.not_after) != 0)))
		goto out;	/* nothing new: no write */
	rc = db_run(db, Q_WATCH_UPSERT, (struct db_param[]){ DB_I(did), DB_I(db_cell_int(d, i, 2)),
	    DB_I(db_cell_int(d, i, 1)), DB_S(watch_state_names[w.state]),
	    w.has_cert ? DB_S(w.not_after) : DB_NUL, DB_S(ts),
	    DB_I(changed ? reported(w.state) : -1) }, 7, NULL);
	if (rc == 0 && changed && reported(w.state))
		rc = overdue_event(db, d, i, &w, ts);
	if (rc == 0 && changed) {
		st->changed++;
		log_info("watch: %s (domain %lld): %s", db_cell(d, i, 3), did,
		    watch_state_names[w.state]);
	}
out:
	db_res_free(r);
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		(void)db_rollback(db);
	if (rc == 0) {
		st->overdue += w.state == WATCH_OVERDUE;
		st->expired += w.state == WATCH_EXPIRED;
		st->never_issued += w.state == WATCH_NEVER_ISSUED;
	}
	return rc;
}

/* ---- the daily digest ---- */

/* The digest of one account, if none went out on now's UTC day. */
static int
digest_one(struct db *db, long long acct, time_t now)
{
	struct db_res	*r = NULL, *n = NULL;
	char		 today[11], ts[CLOCK_SQL_LEN], key[NOTIFY_DEDUP_MAX + 1], na[24];
	json_t		*names = NULL, *p = NULL, *o;
	long long	 last = 0;
	int		 rc, queued = 0;

	clock_sql(now, ts);
	snprintf(today, sizeof(today), "%.10s", ts);
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = db_run(db, Q_WATCH_DIGEST_DAY, (struct db_param[]){ DB_I(acct) }, 1, &r)) != 0)
		goto out;
	if (r->nrows == 1 && strcmp(db_cell(r, 0, 0), today) >= 0)
		goto out;	/* today's digest is gone: the rest waits for tomorrow */
	if ((rc = db_run(db, Q_WATCH_DIGEST_NAMES, (struct db_param[]){ DB_I(acct) }, 1, &n)) != 0)
		goto out;
	if (n->nrows == 0)
		goto out;
	rc = DB_ERR;
	if ((names = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < n->nrows && i < DIGEST_MAX; i++) {
		last = db_cell_int(n, i, 0);
		na[0] = '\0';
		if (db_cell(n, i, 3) != NULL)
			snprintf(na, sizeof(na), "%.10s", db_cell(n, i, 3));
		/* not_after only when there is one: the template's closed set (notify.h). */
		if ((o = json_pack("{s:s, s:s, s:s}", "domain", db_cell(n, i, 1), "state",
		    db_cell(n, i, 2), "subscription", db_cell(n, i, 4))) == NULL ||
		    (na[0] != '\0' && json_object_set_new(o, "not_after", json_string(na)) != 0) ||
		    json_array_append_new(names, o) != 0)
			goto out;
	}
	if ((p = json_pack("{s:O}", "names", names)) == NULL)
		goto out;
	snprintf(key, sizeof(key), "watch:%lld:%s", acct, today);
	if ((rc = notify_enqueue(db, NOTIFY_WATCH_DIGEST, acct, 0, key, p)) < 0)
		goto out;
	queued = rc;
	if ((rc = db_run(db, Q_WATCH_DIGEST_DONE, (struct db_param[]){ DB_I(acct), DB_I(last) }, 2,
	    NULL)) != 0 ||
	    (rc = db_run(db, Q_WATCH_DIGEST_DAY_SET, (struct db_param[]){ DB_I(acct), DB_S(today) }, 2,
	    NULL)) != 0)
		goto out;
out:
	db_res_free(r);
	db_res_free(n);
	json_decref(names);
	json_decref(p);
	if (rc >= 0)
		rc = db_commit(db);
	if (rc < 0)
		(void)db_rollback(db);
	return rc < 0 ? rc : queued;
}

static int
digests(struct db *db, time_t now, struct watch_stats *st)
{
	struct db_res	*r = NULL;
	long long	 after = 0;
	int		 rc = 0, n;

	do {
		db_res_free(r);
		r = NULL;
		if ((rc = db_run(db, Q_WATCH_DIGEST_ACCTS, (struct db_param[]){ DB_I(after) }, 1,
		    &r)) != 0)
			return rc;
		for (size_t i = 0; i < r->nrows; i++) {
			after = db_cell_int(r, i, 0);
			if ((n = digest_one(db, after, now)) < 0) {
				log_warnx("watch: account %lld: digest not queued", after);
				rc = n;
			} else
				st->digests += n;
		}
	} while (r->nrows == 100);
	db_res_free(r);
	return rc;
}

int
watch_run(struct db *db, const struct center_conf *conf, time_t now, struct watch_stats *st)
{
	struct db_res	*r = NULL;
	long long	 after = 0;
	int		 rc = 0, one;

	do {
		db_res_free(r);
		r = NULL;
		if ((rc = db_run(db, Q_WATCH_DOMS, (struct db_param[]){ DB_I(after) }, 1, &r)) != 0)
			return rc;
		for (size_t i = 0; i < r->nrows; i++) {
			after = db_cell_int(r, i, 0);
			st->seen++;
			if ((one = watch_one(db, conf, r, i, now, st)) != 0) {
				log_warnx("watch: domain %lld: not watched (database)", after);
				rc = one;
			}
		}
	} while (r->nrows == WATCH_PAGE);
	db_res_free(r);
	if ((one = digests(db, now, st)) != 0)
		rc = one;
	return rc;
}
