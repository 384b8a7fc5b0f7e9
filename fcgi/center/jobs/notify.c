/*
 * E-mail notifications (notify.h): the outbox, its producers' entry
 * point, the expiry reminders and the sender. Statements run on the
 * caller's connection through db_share, so the outbox row commits with
 * the event it reports.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "clock.h"
#include "log.h"
#include "mail.h"
#include "model.h"
#include "jobs/notify.h"
#include "render.h"

const char *const notify_kind_names[NOTIFY_KIND__MAX] = {
	[NOTIFY_RENEWAL_DONE] = "renewal_done",
	[NOTIFY_RENEWAL_FAILED] = "renewal_failed",
	[NOTIFY_EXPIRY_30] = "expiry_30",
	[NOTIFY_EXPIRY_7] = "expiry_7",
	[NOTIFY_DOMAIN_REFUNDED] = "domain_refunded",
	[NOTIFY_EXPIRED] = "expired",
	[NOTIFY_WATCH_DIGEST] = "watch_digest",
};

const char *const notify_views[] = {
	"mail/renewal_done", "mail/renewal_failed", "mail/expiry_30", "mail/expiry_7",
	"mail/domain_refunded", "mail/expired", "mail/watch_digest", NULL,
};

const char *const notify_param_names[NP__MAX] = {
	[NP_SUBSCRIPTION_NAME] = "subscription_name",
	[NP_LEVEL] = "level",
	[NP_END_DATE] = "end_date",
	[NP_DOMAIN] = "domain",
	[NP_AMOUNT_CENTS] = "amount_cents",
	[NP_MISSING_CENTS] = "missing_cents",
	[NP_REFUND_CENTS] = "refund_cents",
	[NP_REVOKED_COUNT] = "revoked_count",
	[NP_NAMES] = "names",
};

enum ptype { PT_TEXT, PT_NAME, PT_LEVEL, PT_DATE, PT_COUNT, PT_NAMES };

static const enum ptype param_types[NP__MAX] = {
	[NP_SUBSCRIPTION_NAME] = PT_NAME,
	[NP_LEVEL] = PT_LEVEL,
	[NP_END_DATE] = PT_DATE,
	[NP_DOMAIN] = PT_TEXT,
	[NP_AMOUNT_CENTS] = PT_COUNT,
	[NP_MISSING_CENTS] = PT_COUNT,
	[NP_REFUND_CENTS] = PT_COUNT,
	[NP_REVOKED_COUNT] = PT_COUNT,
	[NP_NAMES] = PT_NAMES,
};

#define B(p)	(1u << (p))
#define SUB	(B(NP_SUBSCRIPTION_NAME) | B(NP_LEVEL))

/* The parameters each kind requires, and accepts: the same set. */
static const unsigned int kind_params[NOTIFY_KIND__MAX] = {
	[NOTIFY_RENEWAL_DONE] = SUB | B(NP_END_DATE) | B(NP_AMOUNT_CENTS),
	[NOTIFY_RENEWAL_FAILED] = SUB | B(NP_END_DATE) | B(NP_MISSING_CENTS),
	[NOTIFY_EXPIRY_30] = SUB | B(NP_END_DATE),
	[NOTIFY_EXPIRY_7] = SUB | B(NP_END_DATE),
	[NOTIFY_DOMAIN_REFUNDED] = SUB | B(NP_DOMAIN) | B(NP_REFUND_CENTS) | B(NP_REVOKED_COUNT),
	[NOTIFY_EXPIRED] = SUB | B(NP_END_DATE) | B(NP_REVOKED_COUNT),
	[NOTIFY_WATCH_DIGEST] = B(NP_NAMES),
};

#define TEXT_MAX	253	/* a domain name */
/* A subscription's name: SUBS_NAME_MAX (200) characters, up to 4 bytes each. */
#define NAME_CHARS_MAX	200
#define NAME_MAX_BYTES	(NAME_CHARS_MAX * 4)
#define BACKOFF_FIRST	300
#define BACKOFF_MAX	86400
#define REMIND_PAGE	500

/* ---- SQL: every statement of the module ---- */

enum nstmt {
	NQ_RECIPIENTS,
	NQ_INSERT,
	NQ_DUE_LOCK,
	NQ_DUE_COUNT,
	NQ_MARK_SENT,
	NQ_MARK_RETRY,
	NQ_MARK_FAILED,
	NQ_REMIND_PAGE,
	NQ_USER_SET_EMAIL,
	NQ_RECIPIENTS_DIGEST,
	NQ__MAX
};

static const char *const notify_sql[NQ__MAX] = {
	[NQ_RECIPIENTS] =
	    "SELECT id, email, login, lang FROM users "
	    "WHERE account_id = ? AND role = 'customer' AND disabled = 0 ORDER BY id",
	[NQ_INSERT] =
	    "INSERT INTO notifications (kind, account_id, subscription_id, user_id, recipient, "
	    "lang, params, dedup_key, status, attempts, next_attempt_at, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
	/* Rows another run holds are skipped, not waited for (DESIGN.md §5). */
	[NQ_DUE_LOCK] =
	    "SELECT id, kind, subscription_id, recipient, lang, params, attempts "
	    "FROM notifications WHERE status = 'queued' AND next_attempt_at <= ? "
	    "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
	[NQ_DUE_COUNT] =
	    "SELECT COUNT(*) FROM notifications WHERE status = 'queued' AND next_attempt_at <= ?",
	[NQ_MARK_SENT] =
	    "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
	    "last_error = NULL WHERE id = ? AND status = 'queued'",
	[NQ_MARK_RETRY] =
	    "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?, "
	    "last_error = ? WHERE id = ? AND status = 'queued'",
	[NQ_MARK_FAILED] =
	    "UPDATE notifications SET status = 'failed', attempts = attempts + 1, "
	    "last_error = ? WHERE id = ? AND status = 'queued'",
	[NQ_REMIND_PAGE] =
	    "SELECT id, account_id, name, level, end_date FROM subscriptions "
	    "WHERE status = 'active' AND auto_renew = 0 AND end_date > ? AND end_date <= ? "
	    "AND id > ? ORDER BY id LIMIT ?",
	[NQ_USER_SET_EMAIL] =
	    "UPDATE users SET email = ? WHERE login = ?",
	/* The digest goes only to the users who did not opt out (issue 17). */
	[NQ_RECIPIENTS_DIGEST] =
	    "SELECT id, email, login, lang FROM users WHERE account_id = ? AND role = 'customer' "
	    "AND disabled = 0 AND watch_digest = 1 ORDER BY id",
};

/* Our statement table over the caller's connection; NULL (logged): no memory. */
static struct db *
share(struct db *db)
{
	struct db	*n;

	if ((n = db_share(db, notify_sql, NQ__MAX)) == NULL)
		log_error("notify: out of memory");
	return n;
}

static int
name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* ---- parameters ---- */

/*
 * Text a subject can carry: 1..max bytes and at most chars characters
 * of UTF-8 without control characters.
 */
static int
text_ok(const char *s, size_t max, size_t chars)
{
	size_t	 n = strlen(s), c = 0;

	if (n == 0 || n > max)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		c += (*p & 0xC0) != 0x80;
	}
	return c <= chars;
}

/* A digest's names: 1..50 objects of a domain, a state, a subscription, maybe a date. */
static int
names_ok(json_t *v)
{
	json_t		*o;
	const char	*st, *na;
	size_t		 i;
	time_t		 d;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 50)
		return 0;
	json_array_foreach(v, i, o) {
		st = json_string_value(json_object_get(o, "state"));
		na = json_string_value(json_object_get(o, "not_after"));
		if (!json_is_object(o) || json_object_size(o) != 3 + (na != NULL) ||
		    json_string_value(json_object_get(o, "domain")) == NULL ||
		    !text_ok(json_string_value(json_object_get(o, "domain")), TEXT_MAX, TEXT_MAX) ||
		    json_string_value(json_object_get(o, "subscription")) == NULL ||
		    !text_ok(json_string_value(json_object_get(o, "subscription")),
		    NAME_MAX_BYTES, NAME_CHARS_MAX) ||
		    st == NULL || (strcmp(st, "overdue") && strcmp(st, "expired") &&
		    strcmp(st, "never_issued")) ||
		    (na != NULL && (strlen(na) != 10 || clock_parse(na, &d) != 0)))
			return 0;
	}
	return 1;
}

static int
value_ok(enum ptype t, json_t *v)
{
	const char	*s = json_string_value(v);
	time_t		 d;

	switch (t) {
	case PT_TEXT:
		return s != NULL && text_ok(s, TEXT_MAX, TEXT_MAX);
	case PT_NAME:
		return s != NULL && text_ok(s, NAME_MAX_BYTES, NAME_CHARS_MAX);
	case PT_LEVEL:
		return s != NULL && (!strcmp(s, "DV") || !strcmp(s, "OV") || !strcmp(s, "QWAC"));
	case PT_DATE:
		return s != NULL && strlen(s) == 10 && clock_parse(s, &d) == 0;
	case PT_COUNT:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case PT_NAMES:
		return names_ok(v);
	}
	return 0;
}

/*
 * params holds exactly the keys kind requires, each of its type.
 * 1 if so; 0 after logging the first offence.
 */
static int
params_ok(enum notify_kind kind, json_t *params)
{
	const char	*k;
	json_t		*v;
	unsigned int	 seen = 0;
	int		 i;

	if (!json_is_object(params)) {
		log_error("notify %s: params is not a JSON object", notify_kind_names[kind]);
		return 0;
	}
	json_object_foreach(params, k, v) {
		i = name_index(k, notify_param_names, NP__MAX);
		if (i < 0 || !(kind_params[kind] & B(i)) || !value_ok(param_types[i], v)) {
			log_error("notify %s: parameter \"%s\" is unknown, not for this kind, or "
			    "out of bounds", notify_kind_names[kind], k);
			return 0;
		}
		seen |= B(i);
	}
	if (seen != kind_params[kind]) {
		log_error("notify %s: parameters missing", notify_kind_names[kind]);
		return 0;
	}
	return 1;
}

static int
dedup_ok(const char *key)
{
	size_t	 n = key != NULL ? strlen(key) : 0;

	if (n == 0 || n > NOTIFY_DEDUP_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] >= 0x7f)
			return 0;
	return 1;
}

/* ---- enqueue ---- */

/* The user's address: users.email, else a login that is an address. */
static const char *
recipient_of(const struct db_res *r, size_t row)
{
	const char	*email = db_cell(r, row, 1), *login = db_cell(r, row, 2);

	if (email != NULL)
		return mail_addr_ok(email) ? email : NULL;
	return login != NULL && mail_addr_ok(login) ? login : NULL;
}

/* One row per recipient; a duplicate (dedup_key, recipient) is already queued. */
static int
insert_all(struct db *n, enum notify_kind kind, long long acct, long long sub, const char *key,
    const char *json)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc, queued = 0;

	clock_sql(clock_now(), now);
	if ((rc = db_run(n, kind == NOTIFY_WATCH_DIGEST ? NQ_RECIPIENTS_DIGEST : NQ_RECIPIENTS,
	    (struct db_param[]){ DB_I(acct) }, 1, &r)) != 0)
		return rc;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *to = recipient_of(r, i), *lang = db_cell(r, i, 3);
		if (to == NULL) {
			log_info("notify %s: user %s has no e-mail address, skipped",
			    notify_kind_names[kind], db_cell(r, i, 0));
			continue;
		}
		rc = db_run(n, NQ_INSERT, (struct db_param[]){ DB_S(notify_kind_names[kind]),
		    DB_I(acct), sub > 0 ? DB_I(sub) : DB_NUL, DB_I(db_cell_int(r, i, 0)), DB_S(to),
		    DB_SN(lang),
		    DB_S(json), DB_S(key), DB_S(now), DB_S(now) }, 10, NULL);
		if (rc == DB_EDUP)
			continue;
		if (rc != 0)
			goto out;
		queued++;
	}
	rc = queued;
out:
	db_res_free(r);
	return rc;
}

int
notify_enqueue(struct db *db, enum notify_kind kind, long long account_id,
    long long subscription_id, const char *dedup_key, json_t *params)
{
	struct db	*n = NULL;
	char		*json = NULL;
	int		 rc = NOTIFY_EINVAL;

	if ((unsigned int)kind >= NOTIFY_KIND__MAX || account_id <= 0 ||
	    (subscription_id <= 0) != (kind == NOTIFY_WATCH_DIGEST)) {
		log_error("notify: bad kind, account or subscription");
		return NOTIFY_EINVAL;
	}
	if (!dedup_ok(dedup_key)) {
		log_error("notify %s: the dedup key must be 1 to %d printable characters",
		    notify_kind_names[kind], NOTIFY_DEDUP_MAX);
		return NOTIFY_EINVAL;
	}
	if (!params_ok(kind, params))
		return NOTIFY_EINVAL;
	rc = DB_ERR;
	if ((json = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    (n = share(db)) == NULL)
		goto out;
	rc = insert_all(n, kind, account_id, subscription_id, dedup_key, json);
out:
	db_close(n);
	free(json);
	return rc;
}

int
notify_set_email(struct db *db, const char *login, const char *email)
{
	struct db	*n;
	struct db_res	*r = NULL;
	int		 rc;

	if (email != NULL && !mail_addr_ok(email))
		return NOTIFY_EINVAL;
	if ((n = share(db)) == NULL)
		return DB_ERR;
	rc = db_run(n, NQ_USER_SET_EMAIL, (struct db_param[]){ DB_SN(email), DB_S(login) }, 2, &r);
	if (rc == 0 && r->affected == 0)
		rc = 1;
	db_res_free(r);
	db_close(n);
	return rc;
}

/* ---- expiry reminders ---- */

/* The date d days after t's UTC date, as "YYYY-MM-DD". */
static void
date_plus(time_t t, int d, char out[11])
{
	char	 s[CLOCK_SQL_LEN];

	clock_sql(t + (time_t)d * 86400, s);
	snprintf(out, 11, "%.10s", s);
}

/* Queue the reminder of one subscription row in its own transaction. */
static int
remind_one(struct db *db, const struct db_res *r, size_t i, const char *in7)
{
	const char	*end = db_cell(r, i, 4);
	int		 seven = strcmp(end, in7) <= 0, rc;
	enum notify_kind kind = seven ? NOTIFY_EXPIRY_7 : NOTIFY_EXPIRY_30;
	char		 key[NOTIFY_DEDUP_MAX + 1];
	json_t		*p;

	snprintf(key, sizeof(key), "%s:%s:%s", seven ? "expiry7" : "expiry30", db_cell(r, i, 0), end);
	p = json_pack("{s:s, s:s, s:s}", "subscription_name", db_cell(r, i, 2),
	    "level", db_cell(r, i, 3), "end_date", end);
	if (p == NULL)
		return DB_ERR;
	if ((rc = db_begin(db)) == 0)
		rc = notify_enqueue(db, kind, db_cell_int(r, i, 1), db_cell_int(r, i, 0), key, p);
	if (rc >= 0 && db_commit(db) != 0)
		rc = DB_ERR;
	if (rc < 0)
		db_rollback(db);
	json_decref(p);
	return rc;
}

int
notify_remind(struct db *db, time_t now)
{
	struct db	*n;
	struct db_res	*r = NULL;
	char		 today[11], in7[11], in30[11];
	long long	 after = 0;
	int		 rc, queued = 0;

	if ((n = share(db)) == NULL)
		return DB_ERR;

	date_plus(now, 0, today);
	date_plus(now, 7, in7);
	date_plus(now, 30, in30);
	do {
		db_res_free(r);
		rc = db_run(n, NQ_REMIND_PAGE, (struct db_param[]){ DB_S(today), DB_S(in30),
		    DB_I(after), DB_I(REMIND_PAGE) }, 4, &r);
		if (rc != 0)
			goto out;
		for (size_t i = 0; i < r->nrows; i++) {
			after = db_cell_int(r, i, 0);
			if ((rc = remind_one(db, r, i, in7)) == NOTIFY_EINVAL)
				continue;	/* logged; the other subscriptions go on */
			if (rc < 0)
				goto out;
			queued += rc;
		}
	} while (r->nrows == REMIND_PAGE);
	rc = queued;
out:
	db_res_free(r);
	db_close(n);
	return rc;
}

/* ---- sending ---- */

static const char *
kname(int kind)
{
	return kind >= 0 && kind < NOTIFY_KIND__MAX ? notify_kind_names[kind] : "(unknown kind)";
}

/* One due message, as locked by NQ_DUE_LOCK. */
struct outmsg {
	long long	 id;
	int		 kind;
	long long	 sub;
	const char	*to;
	const char	*lang;
	const char	*params;
	long long	 attempts;
};

/* A digest's names (checked by names_ok) as <names><name><domain/>…</name></names>. */
static void
names_node(xmlNodePtr root, const char *k, json_t *a)
{
	xmlNodePtr	 list = m_list(root, k), n;
	json_t		*o, *v;
	const char	*f;
	size_t		 i;

	json_array_foreach(a, i, o) {
		n = m_obj(list, "name");
		json_object_foreach(o, f, v)
			m_text(n, f, json_string_value(v));
	}
}

/* The template's document: the stored params plus subscription id and link. */
static struct model *
mail_model(const struct center_conf *conf, const struct outmsg *m)
{
	struct model	*doc;
	json_t		*p, *v;
	const char	*k;
	char		 view[48], link[600];

	snprintf(view, sizeof(view), "mail/%s", notify_kind_names[m->kind]);
	if ((p = json_loads(m->params, 0, NULL)) == NULL || !params_ok(m->kind, p) ||
	    (doc = model_new(view)) == NULL) {
		json_decref(p);
		return NULL;
	}
	if (m->sub > 0)
		m_int(doc->root, "subscription_id", m->sub);
	if (conf->public_url != NULL && *conf->public_url != '\0') {
		if (m->sub > 0)
			snprintf(link, sizeof(link), "%s/acme/%lld", conf->public_url, m->sub);
		else
			snprintf(link, sizeof(link), "%s/acme", conf->public_url);
		m_text(doc->root, "link", link);
	}
	json_object_foreach(p, k, v) {
		if (json_is_array(v))
			names_node(doc->root, k, v);
		else if (json_is_integer(v))
			m_int(doc->root, k, json_integer_value(v));
		else
			m_text(doc->root, k, json_string_value(v));
	}
	json_decref(p);
	return doc;
}

/*
 * The body with every line cut to at most MAIL_LINE_MAX bytes (RFC 5322
 * §2.1.1): a long subscription name must not make the message
 * unsendable. A line is cut at its last space that fits, else at the
 * last whole UTF-8 character; shorter lines are left as they are.
 * 0, or -1 at the buffer cap.
 */
static int
wrap_body(const char *body, struct buf *out)
{
	const char	*p = body;
	size_t		 n, cut, sp;

	while (*p != '\0') {
		n = strcspn(p, "\n");
		while (n > MAIL_LINE_MAX) {
			for (sp = MAIL_LINE_MAX; sp > 0 && p[sp] != ' '; sp--)
				;
			cut = sp;
			if (sp == 0)	/* no space: a character boundary */
				for (cut = MAIL_LINE_MAX; cut > 0 &&
				    ((unsigned char)p[cut] & 0xC0) == 0x80; cut--)
					;
			if (cut == 0 || buf_add(out, p, cut) == -1 || buf_adds(out, "\n") == -1)
				return -1;
			if (sp > 0)
				cut++;	/* the space becomes the line break */
			p += cut;
			n -= cut;
		}
		if (buf_add(out, p, n) == -1 || (p[n] == '\n' && buf_adds(out, "\n") == -1))
			return -1;
		p += n + (p[n] == '\n');
	}
	return buf_add(out, "", 1);	/* NUL-terminated */
}

/*
 * Render and format m into out: the template's first line is the
 * subject, a blank line follows, then the body. 0, or -1 with why set.
 */
static int
compose(const struct center_conf *conf, const struct outmsg *m, time_t now, struct buf *out,
    char *why, size_t whysz)
{
	struct model	*doc;
	struct mail_msg	 msg;
	struct buf	 body;
	char		*text = NULL, *nl, idl[40];
	size_t		 len;
	int		 rc = -1;

	buf_init(&body, MAIL_MSG_MAX);

	snprintf(why, whysz, "template %s failed", notify_kind_names[m->kind]);
	if ((doc = mail_model(conf, m)) == NULL)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.lang = i18n_lang(i18n_catalog(m->lang != NULL ? m->lang : conf->default_lang));
	if (render_text(model_view(doc), doc->doc, i18n_catalog(msg.lang), &text, &len) == -1)
		goto out;
	if ((nl = strchr(text, '\n')) == NULL || nl == text)
		goto out;
	*nl = '\0';
	snprintf(idl, sizeof(idl), "notify.%lld", m->id);
	msg.from = conf->mail_from;
	msg.from_name = conf->mail_from_name;
	msg.to = m->to;
	msg.subject = text;
	snprintf(why, whysz, "the message body is too large");
	if (wrap_body(nl[1] == '\n' ? nl + 2 : nl + 1, &body) == -1)
		goto out;
	msg.body = body.p;
	msg.id_left = idl;
	msg.date = now;
	snprintf(why, whysz, "the message could not be formatted (address, line length)");
	if (mail_format(&msg, out) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&body);
	free(text);
	model_free(doc);
	return rc;
}

/* Printable ASCII of at most 255 bytes, as last_error holds. */
static void
error_text(const char *in, char out[256])
{
	size_t	 i;

	for (i = 0; in[i] != '\0' && i < 255; i++)
		out[i] = (in[i] >= ' ' && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

/* Record the outcome of one attempt; counts it in sum. */
static int
record(struct db *n, const struct outmsg *m, enum mail_rc mrc, const char *why, time_t now,
    struct notify_summary *sum)
{
	char		 at[CLOCK_SQL_LEN], err[256];
	long long	 delay;

	clock_sql(now, at);
	error_text(why, err);
	if (mrc == MAIL_OK) {
		sum->sent++;
		log_info("notify %lld: %s sent", m->id, kname(m->kind));
		return db_run(n, NQ_MARK_SENT, (struct db_param[]){ DB_S(at), DB_I(m->id) }, 2, NULL);
	}
	if (mrc == MAIL_PERM || m->attempts + 1 >= NOTIFY_MAX_ATTEMPTS) {
		sum->failed++;
		log_warnx("notify %lld: %s given up: %s", m->id, kname(m->kind), err);
		return db_run(n, NQ_MARK_FAILED, (struct db_param[]){ DB_S(err), DB_I(m->id) }, 2,
		    NULL);
	}
	sum->deferred++;
	delay = m->attempts < 9 ? (long long)BACKOFF_FIRST << m->attempts : BACKOFF_MAX;
	clock_sql(now + (time_t)(delay < BACKOFF_MAX ? delay : BACKOFF_MAX), at);
	log_warnx("notify %lld: %s deferred to %s: %s", m->id, kname(m->kind), at, err);
	return db_run(n, NQ_MARK_RETRY, (struct db_param[]){ DB_S(at), DB_S(err), DB_I(m->id) },
	    3, NULL);
}

/* Compose, send and record one message; *down when the server did not answer. */
static int
send_one(struct db *n, const struct center_conf *conf, const struct outmsg *m, time_t now,
    struct notify_summary *sum, int *down)
{
	struct mail_server	 srv = { conf->smtp_url, conf->mail_from, conf->smtp_timeout,
	    conf->smtp_user, conf->smtp_password, conf->smtp_ca_bundle };
	struct buf		 msg;
	char			 why[256];
	enum mail_rc		 mrc;
	int			 rc;

	buf_init(&msg, MAIL_MSG_MAX);
	snprintf(why, sizeof(why), "unknown kind");
	if (m->kind < 0 || compose(conf, m, now, &msg, why, sizeof(why)) == -1)
		mrc = MAIL_PERM;
	else
		mrc = mail_send(&srv, m->to, &msg, why, sizeof(why));
	*down = mrc == MAIL_DOWN;
	rc = record(n, m, mrc, why, now, sum);
	buf_free(&msg);
	return rc;
}

/*
 * One batch in one transaction; *more when a full batch went through.
 * When the server does not answer (*down), the rest of the batch is
 * left untouched and the run should stop: no point waiting for a
 * timeout per message.
 */
static int
send_batch(struct db *n, const struct center_conf *conf, time_t now, size_t batch,
    struct notify_summary *sum, int *more, int *down)
{
	struct db_res	*r = NULL;
	char		 at[CLOCK_SQL_LEN];
	int		 rc;

	*more = *down = 0;
	clock_sql(now, at);
	if ((rc = db_begin(n)) != 0)
		return rc;
	if ((rc = db_run(n, NQ_DUE_LOCK, (struct db_param[]){ DB_S(at), DB_I(batch) }, 2, &r)) != 0)
		goto out;
	*more = r->nrows == batch;
	for (size_t i = 0; i < r->nrows; i++) {
		struct outmsg m = {
			.id = db_cell_int(r, i, 0),
			.kind = name_index(db_cell(r, i, 1), notify_kind_names, NOTIFY_KIND__MAX),
			.sub = db_cell_int(r, i, 2), .to = db_cell(r, i, 3),
			.lang = db_cell(r, i, 4), .params = db_cell(r, i, 5),
			.attempts = db_cell_int(r, i, 6),
		};
		if ((rc = send_one(n, conf, &m, now, sum, down)) != 0)
			goto out;
		if (*down) {
			*more = 0;
			break;
		}
	}
	rc = db_commit(n);
out:
	if (rc != 0)
		db_rollback(n);
	db_res_free(r);
	return rc;
}

int
notify_send_due(struct db *db, const struct center_conf *conf, time_t now, size_t batch,
    struct notify_summary *sum)
{
	struct db	*n;
	struct db_res	*r = NULL;
	char		 at[CLOCK_SQL_LEN];
	int		 more, down = 0, rc = 0;

	memset(sum, 0, sizeof(*sum));
	if ((n = share(db)) == NULL)
		return DB_ERR;
	if (conf->smtp_url == NULL || *conf->smtp_url == '\0')
		log_warnx("smtp_url is not set: the due messages stay queued");
	else
		do {
			if ((rc = send_batch(n, conf, now, batch, sum, &more, &down)) != 0)
				goto out;
		} while (more);
	if (conf->smtp_url == NULL || *conf->smtp_url == '\0' || down) {
		/* What is still due waits for the next run. */
		clock_sql(now, at);
		if ((rc = db_run(n, NQ_DUE_COUNT, (struct db_param[]){ DB_S(at) }, 1, &r)) == 0)
			sum->deferred += (unsigned int)db_cell_int(r, 0, 0);
	}
out:
	db_res_free(r);
	db_close(n);
	return rc;
}
