/*
 * Subscription pages: list, creation (preview, subscribe, credentials
 * shown once), details, settings, domains added and removed, and the
 * account's certificates. The models are shared with the JSON API
 * (subs_web.h), always scoped by the caller's account.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "mail.h"
#include "web/subs_web.h"
#include "jobs/watch.h"

/* ---- shared with subs_api.c ---- */

struct subs_env
subs_env_of(struct ctx *c)
{
	return (struct subs_env){ .conf = c->conf, .db = c->db, .bdb = c->bdb,
	    .account_id = c->who.account_id, .actor = c->who.login };
}

long
web_page_arg(struct ctx *c, const char *name)
{
	const char	*s = kv_get(&c->req->qs, name);
	char		*end;
	long		 v;

	if (s == NULL)
		return 1;
	v = strtol(s, &end, 10);
	/* Malformed or out of range: the caller answers 400 naming the parameter. */
	return *s == '\0' || *end != '\0' || v < 1 || v > WEB_PAGE_MAX ? -1 : v;
}

/*
 * A page form holds only its declared fields, each once (issue #16 item
 * 8): 0, or WEB_ANSWERED after a 400 naming the first that is not.
 */
static int
web_form_only(struct ctx *c, const char *const *allowed)
{
	const struct kvlist	*f = &c->req->form;
	size_t			 k;

	for (size_t i = 0; i < f->n; i++) {
		for (k = 0; allowed[k] != NULL && strcmp(allowed[k], f->v[i].key) != 0; k++)
			;
		if (allowed[k] == NULL) {
			page_error(c, 400, "err.field.unknown", f->v[i].key);
			return WEB_ANSWERED;
		}
		if (kv_count(f, f->v[i].key) > 1) {
			page_error(c, 400, "err.param.repeated", f->v[i].key);
			return WEB_ANSWERED;
		}
	}
	return 0;
}

/* An optional form choice: NULL, or one of set (else a 400 naming field). */
static int
web_choice_ok(struct ctx *c, const char *v, const char *const *set, const char *field)
{
	for (size_t i = 0; v != NULL && set[i] != NULL; i++)
		if (strcmp(v, set[i]) == 0)
			return 0;
	if (v == NULL)
		return 0;
	page_error(c, 400, "err.list.value", field);
	return WEB_ANSWERED;
}

int
web_page_ok(struct ctx *c, long page, const char *name)
{
	if (page >= 1)
		return 0;
	page_error(c, 400, "err.page", name);
	return WEB_ANSWERED;
}

int
web_dbstatus(int rc)
{
	return rc == DB_EDOWN ? 503 : 500;
}

void
subs_fail(struct ctx *c, const struct subs_error *err)
{
	if (err->detail[0] != '\0')
		page_error_msg(c, err->status, err->detail, err->field);
	else
		page_error(c, err->status, err->msgkey, err->field);
}

static void
m_textn(xmlNodePtr p, const char *name, const char *s)
{
	if (s != NULL)
		m_text(p, name, s);
	else
		m_null(p, name);
}

static void
pager(xmlNodePtr root, const char *name, long long total, long page)
{
	xmlNodePtr	 p = m_obj(root, name);

	m_int(p, "total", total);
	m_int(p, "page", page);
	m_int(p, "pages", total == 0 ? 1 : (total + WEB_PAGE_SIZE - 1) / WEB_PAGE_SIZE);
	m_int(p, "per_page", WEB_PAGE_SIZE);
}

static long long
count_of(struct ctx *c, int stmt, const struct db_param *p, size_t np, int *rc)
{
	struct db_res	*r = NULL;
	long long	 n = 0;

	if ((*rc = db_run(c->db, stmt, p, np, &r)) == 0)
		n = db_cell_int(r, 0, 0);
	db_res_free(r);
	return n;
}

/* ---- the subscription list: filter and sort (issue #16 item 10) ----
 *
 * Every sort order is its own prepared statement (ORDER BY takes no
 * placeholder); the filters are placeholders that are NULL when unset.
 * The list has its own statement table, shared over the worker's
 * connection (db_share).
 */

enum list_sort { LS_CREATED, LS_NAME, LS_TYPE, LS_STATUS, LS_START, LS_END, LS__MAX };
static const char *const list_sort_names[LS__MAX + 1] = {	/* NULL-terminated: name_in */
	[LS_CREATED] = "created", [LS_NAME] = "name", [LS_TYPE] = "type",
	[LS_STATUS] = "status", [LS_START] = "start", [LS_END] = "end",
};
static const char *const list_status_names[] = { "active", "pending", "expired", NULL };
static const char *const list_type_names[] = { "DV", "OV", "QWAC", NULL };

#define LIST_COLS \
	"SELECT s.id, s.name, s.level, s.status, o.name, s.start_date, s.end_date, " \
	"s.auto_renew, s.created_at, " \
	"(SELECT COUNT(*) FROM subscription_domains d WHERE d.subscription_id = s.id " \
	"AND d.status = 'active'), s.certificates_count "
#define LIST_FROM \
	"FROM subscriptions s LEFT JOIN organizations o ON o.id = s.organization_id " \
	"WHERE s.account_id = ? AND s.status <> 'failed' AND (? IS NULL OR s.status = ?) " \
	"AND (? IS NULL OR s.level = ?) AND (? IS NULL OR s.name LIKE ?) "
#define LIST_Q(order)	LIST_COLS LIST_FROM "ORDER BY " order " LIMIT ? OFFSET ?"

/* [sort * 2 + desc]; then the count. Ties are broken by id, so pages never overlap. */
static const char *const list_sql[LS__MAX * 2 + 1] = {
	LIST_Q("s.id"), LIST_Q("s.id DESC"),
	LIST_Q("s.name, s.id"), LIST_Q("s.name DESC, s.id DESC"),
	LIST_Q("s.level, s.id"), LIST_Q("s.level DESC, s.id DESC"),
	LIST_Q("s.status, s.id"), LIST_Q("s.status DESC, s.id DESC"),
	LIST_Q("s.start_date IS NULL, s.start_date, s.id"),
	LIST_Q("s.start_date IS NULL, s.start_date DESC, s.id DESC"),
	LIST_Q("s.end_date IS NULL, s.end_date, s.id"),
	LIST_Q("s.end_date IS NULL, s.end_date DESC, s.id DESC"),
	"SELECT COUNT(*) " LIST_FROM,
};
#define LIST_COUNT	(LS__MAX * 2)
#define LIST_Q_MAX	200	/* characters of the name filter */

/* The list's statements over the worker's connection (it reconnects for us). */
static struct db *
list_handle(struct ctx *c)
{
	static struct db	*db;

	if (db == NULL)
		db = db_share(c->db, list_sql, LIST_COUNT + 1);
	return db;
}

static int
name_in(const char *s, const char *const *set)
{
	for (int i = 0; s != NULL && set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return i;
	return -1;
}

static void	like_pattern(const char *, char *, size_t);

struct list_query {
	const char	*status, *type, *q;
	enum list_sort	 sort;
	int		 desc;
	char		 like[LIST_Q_MAX * 8 + 8];
};

/*
 * ?status= ?type= ?q= ?sort= ?order= into lq: absent is "any" (sort:
 * newest first). 0, or -1 with *field and *msgkey naming the first bad
 * one (an empty or unknown value is refused, never ignored).
 */
static int
list_query_parse(struct ctx *c, struct list_query *lq, const char **field, const char **msgkey)
{
	const char	*sort = kv_get(&c->req->qs, "sort"), *order = kv_get(&c->req->qs, "order");
	int		 k;

	memset(lq, 0, sizeof(*lq));
	lq->status = kv_get(&c->req->qs, "status");
	lq->type = kv_get(&c->req->qs, "type");
	lq->q = kv_get(&c->req->qs, "q");
	*msgkey = "err.list.value";
	if (lq->status != NULL && *lq->status == '\0')
		lq->status = NULL;	/* the form's "any" */
	if (lq->type != NULL && *lq->type == '\0')
		lq->type = NULL;
	if (lq->q != NULL && *lq->q == '\0')
		lq->q = NULL;
	if ((*field = "status", lq->status != NULL && name_in(lq->status, list_status_names) < 0) ||
	    (*field = "type", lq->type != NULL && name_in(lq->type, list_type_names) < 0))
		return -1;
	*field = "q";
	if (lq->q != NULL && (xmlUTF8Strlen((const xmlChar *)lq->q) < 0 ||
	    xmlUTF8Strlen((const xmlChar *)lq->q) > LIST_Q_MAX)) {
		*msgkey = "err.list.q";
		return -1;
	}
	*field = "sort";
	lq->sort = LS_CREATED;
	lq->desc = 1;
	if (sort != NULL && (k = name_in(sort, list_sort_names)) < 0)
		return -1;
	if (sort != NULL) {
		lq->sort = (enum list_sort)k;
		lq->desc = lq->sort == LS_CREATED;
	}
	*field = "order";
	if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
		return -1;
	if (order != NULL)
		lq->desc = strcmp(order, "desc") == 0;
	if (lq->q != NULL)
		like_pattern(lq->q, lq->like, sizeof(lq->like));
	return 0;
}

/* The query echoed in the model, for the form and the pager links. */
static void
list_query_node(xmlNodePtr root, const struct list_query *lq)
{
	xmlNodePtr	 f = m_obj(root, "filter");

	m_text(f, "status", lq->status != NULL ? lq->status : "");
	m_text(f, "type", lq->type != NULL ? lq->type : "");
	m_text(f, "q", lq->q != NULL ? lq->q : "");
	m_text(f, "sort", list_sort_names[lq->sort]);
	m_text(f, "order", lq->desc ? "desc" : "asc");
}

int
model_subs_list(struct ctx *c, xmlNodePtr root, long page)
{
	struct list_query	 lq;
	struct db_res		*r = NULL;
	struct db		*db;
	xmlNodePtr		 list, s;
	const char		*field, *msgkey;
	long long		 total;
	int			 rc;

	if (web_page_ok(c, page, "page") != 0)
		return WEB_ANSWERED;
	if (list_query_parse(c, &lq, &field, &msgkey) == -1) {
		page_error(c, 400, msgkey, field);
		return WEB_ANSWERED;
	}
	if ((db = list_handle(c)) == NULL)
		return 500;
#define LIST_FILTERS \
	DB_I(c->who.account_id), DB_SN(lq.status), DB_SN(lq.status), DB_SN(lq.type), \
	DB_SN(lq.type), DB_SN(lq.q != NULL ? lq.like : NULL), DB_SN(lq.q != NULL ? lq.like : NULL)
	if ((rc = db_run(db, LIST_COUNT, (struct db_param[]){ LIST_FILTERS }, 7, &r)) != 0)
		return web_dbstatus(rc);
	total = db_cell_int(r, 0, 0);
	db_res_free(r);
	r = NULL;
	if ((rc = db_run(db, (int)lq.sort * 2 + lq.desc, (struct db_param[]){ LIST_FILTERS,
	    DB_I(WEB_PAGE_SIZE), DB_I((page - 1) * WEB_PAGE_SIZE) }, 9, &r)) != 0)
		return web_dbstatus(rc);
#undef LIST_FILTERS
	list_query_node(root, &lq);
	list = m_list(root, "subscriptions");
	for (size_t i = 0; i < r->nrows; i++) {
		s = m_obj(list, "subscription");
		m_int(s, "id", db_cell_int(r, i, 0));
		m_text(s, "name", db_cell(r, i, 1));
		m_text(s, "type", db_cell(r, i, 2));
		m_text(s, "status", db_cell(r, i, 3));
		m_textn(s, "organization", db_cell(r, i, 4));
		m_textn(s, "start", db_cell(r, i, 5));
		m_textn(s, "end", db_cell(r, i, 6));
		m_bool(s, "auto_renew", db_cell_int(r, i, 7) != 0);
		m_rfc3339(s, "created_at", db_cell(r, i, 8));
		m_int(s, "active_domains", db_cell_int(r, i, 9));
		m_int(s, "certificates", db_cell_int(r, i, 10));
		watch_sub_badge(c->db, s, db_cell_int(r, i, 0));	/* issue 17 */
	}
	pager(root, "pagination", total, page);
	db_res_free(r);
	return 0;
}

#define EXPIRY_SOON	(30 * 86400)	/* a valid certificate ending sooner is highlighted */

/* A valid certificate whose not_after ("YYYY-MM-DD HH:MM:SS") is within 30 days of the clock. */
static int
expires_soon(const char *status, const char *not_after)
{
	time_t	 end;

	return status != NULL && strcmp(status, "valid") == 0 && not_after != NULL &&
	    clock_parse(not_after, &end) == 0 && end - clock_now() < EXPIRY_SOON;
}

static void
cert_rows(xmlNodePtr list, const struct db_res *r, int with_sub)
{
	xmlNodePtr	 n;

	for (size_t i = 0; i < r->nrows; i++) {
		n = m_obj(list, "certificate");
		m_text(n, "reference", db_cell(r, i, 0));
		m_text(n, "domain", db_cell(r, i, 1));
		m_text(n, "serial", db_cell(r, i, 2));
		m_rfc3339(n, "not_before", db_cell(r, i, 3));
		m_rfc3339(n, "not_after", db_cell(r, i, 4));
		m_text(n, "status", db_cell(r, i, 5));
		/* Asked, not yet confirmed by the upstream (docs/upstream.md). */
		m_bool(n, "revocation_requested", db_cell(r, i, 8) != NULL &&
		    (strcmp(db_cell(r, i, 5), "valid") == 0 || strcmp(db_cell(r, i, 5), "pending") == 0));
		m_rfc3339(n, "revocation_requested_at", db_cell(r, i, 8));
		m_bool(n, "expires_soon", expires_soon(db_cell(r, i, 5), db_cell(r, i, 4)));
		if (with_sub) {
			m_int(n, "subscription_id", db_cell_int(r, i, 6));
			m_text(n, "subscription", db_cell(r, i, 7));
		}
	}
}

/* nd domains shown (active and removed), nc certificates. */
static int
detail_tables(struct ctx *c, xmlNodePtr root, long long id, long dpage, long cpage,
    long long nd, long long nc)
{
	struct db_res	*d = NULL, *k = NULL;
	xmlNodePtr	 list, n;
	int		 rc, att = watch_filter_attention(c, id, &nd);	/* issue 17: ?renewal= */

	if ((rc = att ? db_run(c->db, Q_WATCH_DOMS_PAGE, (struct db_param[]){ DB_I(id), DB_I(id),
	    DB_I(WEB_PAGE_SIZE), DB_I((dpage - 1) * WEB_PAGE_SIZE) }, 4, &d) :
	    db_run(c->db, Q_DOMS_PAGE, (struct db_param[]){ DB_I(id), DB_I(WEB_PAGE_SIZE),
	    DB_I((dpage - 1) * WEB_PAGE_SIZE) }, 3, &d)) != 0 ||
	    (rc = db_run(c->db, Q_CERTS_PAGE, (struct db_param[]){ DB_I(id), DB_I(WEB_PAGE_SIZE),
	    DB_I((cpage - 1) * WEB_PAGE_SIZE) }, 3, &k)) != 0)
		goto out;
	if (att)
		m_text(root, "renewal_filter", "attention");
	list = m_list(root, "domains");
	for (size_t i = 0; i < d->nrows; i++) {
		n = m_obj(list, "domain");
		m_int(n, "id", db_cell_int(d, i, 0));
		m_text(n, "name", db_cell(d, i, 2));
		m_text(n, "status", db_cell(d, i, 5));
		m_textn(n, "reference", db_cell(d, i, 7));
		m_rfc3339(n, "added_at", db_cell(d, i, 8));
		m_rfc3339(n, "removed_at", db_cell(d, i, 9));
		m_text(n, "product", db_cell(d, i, 4));
		m_bool(n, "wildcard", db_cell_int(d, i, 3) != 0);
		m_int(n, "price_cents", db_cell_int(d, i, 6));
		m_int(n, "refund_cents", db_cell_int(d, i, 10));
		if ((rc = watch_domain_node(c->db, c->conf, n, db_cell_int(d, i, 0), db_cell(d, i, 8),
		    db_cell(d, i, 5))) != 0)	/* issue 17: renewal state, last failure */
			goto out;
	}
	pager(root, "domains_pagination", nd, dpage);
	cert_rows(m_list(root, "certificates"), k, 0);
	pager(root, "certificates_pagination", nc, cpage);
out:
	db_res_free(d);
	db_res_free(k);
	return rc == 0 ? 0 : web_dbstatus(rc);
}

/*
 * The contact address the pasted ACME commands use (views/acme_commands.xsl):
 * the login when it is an address made only of characters a shell takes
 * as they are ([A-Za-z0-9@._+-]); else nothing, and the commands say
 * admin@<domain>.
 */
static void
model_contact(const struct ctx *c, xmlNodePtr acme)
{
	const char	*l = c->who.login;
	size_t		 n = strspn(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789@._+-");

	if (n > 0 && l[n] == '\0' && mail_addr_ok(l))
		m_text(acme, "contact", l);
}

int
model_sub_detail(struct ctx *c, xmlNodePtr root, long long id, long dpage, long cpage)
{
	struct db_res	*s = NULL, *n = NULL;
	xmlNodePtr	 a;
	long long	 nd, nc;
	int		 rc;

	if (web_page_ok(c, dpage, c->api ? "page" : "dpage") != 0 ||
	    web_page_ok(c, cpage, c->api ? "page" : "cpage") != 0)
		return WEB_ANSWERED;
	if ((rc = db_run(c->db, Q_SUB_GET, (struct db_param[]){ DB_I(id), DB_I(c->who.account_id) },
	    2, &s)) != 0)
		return web_dbstatus(rc);
	/* Another account's subscription, or a creation that was undone. */
	if (s->nrows != 1 || strcmp(db_cell(s, 0, 5), "failed") == 0) {
		db_res_free(s);
		return 404;
	}
	if ((rc = db_run(c->db, Q_SUB_DETAIL, (struct db_param[]){ DB_I(id), DB_I(id) }, 2, &n)) != 0) {
		db_res_free(s);
		return web_dbstatus(rc);
	}
	m_int(root, "id", id);
	m_text(root, "name", db_cell(s, 0, 4));
	m_text(root, "type", db_cell(s, 0, 3));
	m_text(root, "status", db_cell(s, 0, 5));
	m_textn(root, "organization", db_cell(s, 0, 16));
	m_textn(root, "start", db_cell(s, 0, 9));
	m_textn(root, "end", db_cell(s, 0, 10));
	m_bool(root, "auto_renew", db_cell_int(s, 0, 11) != 0);
	m_textn(root, "renewal_error", db_cell(s, 0, 13));
	m_rfc3339(root, "created_at", db_cell(s, 0, 14));
	nd = db_cell_int(n, 0, 0);
	nc = db_cell_int(n, 0, 2);
	m_int(root, "active_domains", db_cell_int(n, 0, 1));
	m_int(root, "certificates_delivered", nc);
	a = m_obj(root, "acme");
	m_text(a, "server", db_cell(s, 0, 8));
	m_textn(a, "kid", db_cell(s, 0, 7));
	model_contact(c, a);
	db_res_free(s);
	db_res_free(n);
	return detail_tables(c, root, id, dpage, cpage, nd, nc);
}

/* LIKE pattern "%q%" with the wildcards of q escaped. */
static void
like_pattern(const char *q, char *out, size_t sz)
{
	size_t	 o = 0;

	out[o++] = '%';
	for (; *q != '\0' && o + 3 < sz; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			out[o++] = '\\';
		out[o++] = *q;
	}
	out[o++] = '%';
	out[o] = '\0';
}

int
model_certs(struct ctx *c, xmlNodePtr root, const char *q, long page)
{
	struct db_res	*r = NULL;
	char		 pat[600];
	long long	 total;
	int		 rc;

	if (web_page_ok(c, page, "page") != 0)
		return WEB_ANSWERED;
	if (q == NULL)
		q = "";
	like_pattern(q, pat, sizeof(pat));
	total = count_of(c, Q_CERTS_SEARCH_COUNT, (struct db_param[]){ DB_I(c->who.account_id),
	    DB_S(q), DB_S(pat), DB_S(q) }, 4, &rc);
	if (rc != 0 || (rc = db_run(c->db, Q_CERTS_SEARCH, (struct db_param[]){
	    DB_I(c->who.account_id), DB_S(q), DB_S(pat), DB_S(q), DB_I(WEB_PAGE_SIZE),
	    DB_I((page - 1) * WEB_PAGE_SIZE) }, 6, &r)) != 0)
		return web_dbstatus(rc);
	m_text(root, "q", q);
	cert_rows(m_list(root, "certificates"), r, 1);
	pager(root, "pagination", total, page);
	db_res_free(r);
	return watch_account_attention(c->db, root, c->who.account_id);	/* issue 17 */
}

void
model_quote(xmlNodePtr root, const struct quote *q)
{
	xmlNodePtr	 list = m_list(root, "lines"), l;

	for (size_t i = 0; i < q->n; i++) {
		l = m_obj(list, "line");
		m_text(l, "domain", q->v[i].domain);
		m_text(l, "product", q->v[i].product);
		m_text(l, "product_name", q->v[i].product_name);
		m_bool(l, "wildcard", q->v[i].wildcard);
		m_int(l, "price_cents", q->v[i].price_cents);
	}
	m_int(root, "total_cents", q->total_cents);
	m_int(root, "vat_bp", q->vat_bp);
	m_int(root, "vat_cents", q->vat_cents);
	m_int(root, "gross_cents", q->gross_cents);
}

/* ---- pages ---- */

int
h_acme_list(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((m = page_new(c, "acme_list")) == NULL)
		return 500;
	account_node(c, m->root);
	if ((rc = model_subs_list(c, m->root, web_page_arg(c, "page"))) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	page_send(c, m, 200);
	return 0;
}

/* The creation form's fields, as typed. */
struct create_form {
	const char	*type, *org, *name, *domains, *token, *action;
};

static void
form_read(struct ctx *c, struct create_form *f)
{
	f->type = kv_get(&c->req->form, "type");
	f->org = kv_get(&c->req->form, "organization_id");
	f->name = kv_get(&c->req->form, "name");
	f->domains = kv_get(&c->req->form, "domains");
	f->token = kv_get(&c->req->form, "form_token");
	f->action = kv_get(&c->req->form, "action");
}

static void
form_echo(xmlNodePtr root, const struct create_form *f)
{
	xmlNodePtr	 n = m_obj(root, "form");

	m_text(n, "type", f->type ? f->type : "");
	m_text(n, "organization_id", f->org ? f->org : "");
	m_text(n, "name", f->name ? f->name : "");
	m_text(n, "domains", f->domains ? f->domains : "");
	m_text(n, "form_token", f->token ? f->token : "");
}

/* The form's fields into a request; -1 with err on the first bad field. */
static int
form_parse(struct ctx *c, const struct subs_env *e, const struct create_form *f,
    struct subs_create_req *rq, struct subs_error *err)
{
	int		 l;
	char		*end;
	size_t		 klen;

	memset(rq, 0, sizeof(*rq));
	if ((l = level_parse(f->type)) < 0) {
		subs_err_set(err, 400, "type", "err.type");
		return -1;
	}
	rq->level = (enum level)l;
	if (f->org != NULL && *f->org != '\0') {
		rq->organization_id = strtoll(f->org, &end, 10);
		if (*end != '\0' || rq->organization_id <= 0) {
			subs_err_set(err, 400, "organization_id", "err.org_not_approved");
			return -1;
		}
	}
	if (f->name == NULL || strlen(f->name) >= sizeof(rq->name) || !subs_name_ok(f->name)) {
		subs_err_set(err, 400, "name", "err.sub_name");
		return -1;
	}
	snprintf(rq->name, sizeof(rq->name), "%s", f->name);
	klen = f->token != NULL ? strlen(f->token) : 0;
	if (klen == 0 || klen > SUBS_KEY_MAX || !subs_key_ok(f->token)) {
		subs_err_set(err, 400, "idempotency_key", "err.idem_key");
		return -1;
	}
	snprintf(rq->idempotency_key, sizeof(rq->idempotency_key), "%s", f->token);
	return subs_domains(e, c->cat, rq->level, f->domains ? f->domains : "",
	    f->domains ? strlen(f->domains) : 0, 0, rq->idempotency_key, &rq->domains, err);
}

static void
m_error(xmlNodePtr root, struct ctx *c, const struct subs_error *err)
{
	xmlNodePtr	 n = m_obj(root, "error");

	m_textn(n, "field", err->field);
	m_text(n, "message", err->detail[0] ? err->detail : i18n_get(c->cat, err->msgkey ?
	    err->msgkey : "err.500"));
}

/* The credentials page: the HMAC key only on the first rendering. */
/* The name the pasted commands use: the first that is not a wildcard, else the first. */
static const char *
first_domain(const struct domain_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		if (!dl->v[i].wildcard)
			return dl->v[i].name;
	return dl->n > 0 ? dl->v[0].name : "";
}

static int
credentials_page(struct ctx *c, const struct subs_env *e, struct subs_created *out,
    const char *name, const struct domain_list *dl)
{
	struct model	*m;
	xmlNodePtr	 s, a;
	int		 first = !out->replay && !subs_credentials_seen(e, out->id);

	if ((m = page_new(c, "acme_created")) == NULL)
		return 500;
	s = m_obj(m->root, "subscription");
	m_int(s, "id", out->id);
	m_text(s, "name", name);
	m_text(s, "status", out->status);
	a = m_obj(m->root, "acme");
	m_text(a, "server", out->server);
	m_text(a, "kid", out->kid);
	if (first && out->hmac[0] != '\0')
		m_text(a, "hmac_key", out->hmac);
	m_text(a, "domain", first_domain(dl));
	model_contact(c, a);
	m_bool(m->root, "already_shown", !first);
	page_send(c, m, first ? 201 : 200);
	return 0;
}

static const char *const create_fields[] = { "csrf", "form_token", "type", "organization_id",
    "name", "domains", "action", NULL };
static const char *const create_actions[] = { "preview", "subscribe", NULL };

int
h_acme_create(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct create_form	 f;
	struct subs_create_req	*rq = NULL;
	struct subs_created	 out;
	struct subs_error	 err;
	struct quote		*q = NULL;
	struct model		*m = NULL;
	struct db_res		*org = NULL;
	int			 rc = 500, ok;

	form_read(c, &f);
	if (web_form_only(c, create_fields) != 0 ||
	    web_choice_ok(c, f.action, create_actions, "action") != 0) {
		rc = 0;
		goto out;
	}
	if ((rq = malloc(sizeof(*rq))) == NULL || (q = malloc(sizeof(*q))) == NULL)
		goto out;
	/* The preview refuses what "Subscribe" would: an OV or QWAC quote
	 * without an approved organization is no quote. */
	ok = form_parse(c, &e, &f, rq, &err) == 0 && subs_check_org(&e, rq, &org, &err) == 0 &&
	    subs_quote_new(&e, rq->level, &rq->domains, q, &err) == 0;
	db_res_free(org);
	if (ok && f.action != NULL && strcmp(f.action, "subscribe") == 0) {
		if (subs_create(&e, rq, &out, &err) == 0) {
			rc = credentials_page(c, &e, &out, rq->name, &rq->domains);
			OPENSSL_cleanse(&out, sizeof(out));
			goto out;
		}
		ok = 0;
	}
	if ((rc = acme_new_page(c, &m)) != 0)
		goto out;
	form_echo(m->root, &f);
	if (ok)
		model_quote(m_obj(m->root, "quote"), q);
	else
		m_error(m->root, c, &err);
	page_send(c, m, ok ? 200 : err.status);
	m = NULL;
	rc = 0;
out:
	model_free(m);
	free(rq);
	free(q);
	return rc;
}

int
h_acme_show(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((m = page_new(c, "acme_show")) == NULL)
		return 500;
	account_node(c, m->root);
	if ((rc = model_sub_detail(c, m->root, c->ids[0], web_page_arg(c, "dpage"),
	    web_page_arg(c, "cpage"))) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	page_send(c, m, 200);
	return 0;
}

static void
redirect_sub(struct ctx *c, long long id)
{
	char	 loc[64];

	snprintf(loc, sizeof(loc), "/acme/%lld", id);
	resp_redirect(c->req, loc);
}

int
h_acme_settings(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	const char		*name = kv_get(&c->req->form, "name");
	const char		*ar = kv_get(&c->req->form, "auto_renew");
	static const char *const fields[] = { "csrf", "name", "auto_renew", NULL };
	static const char *const switches[] = { "on", "off", NULL };
	int			 on = -1;

	/* An unknown field or switch value, or an empty name, is refused, never ignored. */
	if (web_form_only(c, fields) != 0 || web_choice_ok(c, ar, switches, "auto_renew") != 0)
		return 0;
	if (ar != NULL)
		on = strcmp(ar, "on") == 0;
	if (name == NULL && ar == NULL) {
		page_error(c, 400, "err.patch.empty", NULL);
		return 0;
	}
	if (subs_update(&e, c->ids[0], name, on, &err) != 0) {
		subs_fail(c, &err);
		return 0;
	}
	redirect_sub(c, c->ids[0]);
	return 0;
}

/* The subscription's level, or -1 with err (404 when not the caller's). */
static int
sub_level(struct ctx *c, long long id, struct subs_error *err)
{
	struct db_res	*r = NULL;
	int		 rc, l = -1;

	if ((rc = db_run(c->db, Q_SUB_GET, (struct db_param[]){ DB_I(id), DB_I(c->who.account_id) },
	    2, &r)) != 0) {
		return subs_dberr(err, rc);
	}
	if (r->nrows == 1 && strcmp(db_cell(r, 0, 5), "failed") != 0)
		l = level_parse(db_cell(r, 0, 3));
	else
		subs_err_set(err, 404, NULL, "err.404");
	db_res_free(r);
	return l;
}

/* One domain typed for subscription id, checked as on creation. */
int
subs_one_domain(struct ctx *c, long long id, const char *text, struct domain_entry *d,
    struct subs_error *err)
{
	struct subs_env		 e = subs_env_of(c);
	struct domain_list	*dl;
	int			 l, rc = -1;

	if ((l = sub_level(c, id, err)) < 0)
		return -1;
	if ((dl = malloc(sizeof(*dl))) == NULL) {
		subs_err_set(err, 500, NULL, "err.500");
		return -1;
	}
	if (subs_domains(&e, c->cat, (enum level)l, text ? text : "", text ? strlen(text) : 0, id,
	    NULL, dl, err) == 0) {
		if (dl->n != 1)
			subs_err_set(err, 400, "domain", "err.domain_one");
		else {
			*d = dl->v[0];
			rc = 0;
		}
	}
	if (rc != 0 && err->field != NULL && strcmp(err->field, "domains") == 0)
		err->field = "domain";
	free(dl);
	return rc;
}

int
h_domain_add(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	struct domain_entry	 d;
	struct model		*m;
	const char		*text = kv_get(&c->req->form, "domain");
	const char		*action = kv_get(&c->req->form, "action");
	long long		 price = 0, did = 0;
	int			 add = action != NULL && strcmp(action, "add") == 0;
	int			 ok;
	static const char *const fields[] = { "csrf", "domain", "action", NULL };
	static const char *const actions[] = { "preview", "add", NULL };

	if (web_form_only(c, fields) != 0 || web_choice_ok(c, action, actions, "action") != 0)
		return 0;

	ok = subs_one_domain(c, c->ids[0], text, &d, &err) == 0 &&
	    subs_domain_add(&e, c->ids[0], &d, !add, &price, &did, &err) == 0;
	if (ok && add) {
		redirect_sub(c, c->ids[0]);
		return 0;
	}
	if (!ok && (err.status == 404 || err.status >= 500)) {
		subs_fail(c, &err);
		return 0;
	}
	if ((m = page_new(c, "domain_add")) == NULL)
		return 500;
	account_node(c, m->root);
	m_int(m->root, "subscription_id", c->ids[0]);
	m_text(m->root, "domain", ok ? d.name : text ? text : "");
	if (ok)
		m_int(m->root, "price_cents", price);
	else
		m_error(m->root, c, &err);
	page_send(c, m, ok ? 200 : err.status);
	return 0;
}

static int
removal_page(struct ctx *c, const char *view, const struct subs_removal *r)
{
	struct model	*m;

	if ((m = page_new(c, view)) == NULL)
		return 500;
	m_int(m->root, "subscription_id", c->ids[0]);
	m_int(m->root, "domain_id", c->ids[1]);
	m_text(m->root, "domain", r->name);
	m_bool(m->root, "within_window", r->within_window);
	m_int(m->root, "refund_cents", r->refund_cents);
	m_int(m->root, "revoked_certificates", r->revoked);
	page_send(c, m, 200);
	return 0;
}

/* What removing the domain would do (GET: the confirmation), or do it (POST). */
static int
domain_removal(struct ctx *c, int dry_run)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_removal	 r;
	struct subs_error	 err;

	if (subs_domain_remove(&e, c->ids[0], c->ids[1], dry_run, &r, &err) != 0) {
		subs_fail(c, &err);
		return 0;
	}
	return removal_page(c, dry_run ? "domain_delete" : "domain_removed", &r);
}

int
h_domain_delete_form(struct ctx *c)
{
	return domain_removal(c, 1);
}

int
h_domain_delete(struct ctx *c)
{
	static const char *const fields[] = { "csrf", NULL };

	if (web_form_only(c, fields) != 0)
		return 0;
	return domain_removal(c, 0);
}

int
h_certificates(struct ctx *c)
{
	struct model	*m;
	const char	*q = kv_get(&c->req->qs, "q");
	int		 rc;

	if (q != NULL && strlen(q) > DOMAIN_NAME_MAX) {
		page_error(c, 400, "err.400", "q");
		return 0;
	}
	if ((m = page_new(c, "certificates")) == NULL)
		return 500;
	if ((rc = model_certs(c, m->root, q, web_page_arg(c, "page"))) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	page_send(c, m, 200);
	return 0;
}
