/*
 * The JSON API under /api/v1 (README "JSON API"): the same core
 * functions and models as the pages, fields read from a JSON body and
 * checked here, errors as {"error":{"field","message"}}. The routes and
 * field names are a fixed contract; fields may be added, never renamed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "log.h"
#include "web/subs_web.h"

static int
fail(struct ctx *c, int status, const char *field, const char *msgkey)
{
	page_error(c, status, msgkey, field);
	return 0;
}

/* ---- declared inputs (issue #16 item 8): nothing unknown is silently dropped ---- */

static int
in_set(const char *k, const char *const *set)
{
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(k, set[i]) == 0)
			return 1;
	return 0;
}

/*
 * The query string holds only the route's parameters, each at most
 * once. 0, or -1 after answering 400 naming the parameter.
 */
int
web_query_only(struct ctx *c, const char *const *allowed)
{
	const struct kvlist	*qs = &c->req->qs;

	for (size_t i = 0; i < qs->n; i++) {
		if (!in_set(qs->v[i].key, allowed)) {
			page_error(c, 400, "err.param.unknown", qs->v[i].key);
			return -1;
		}
		if (kv_count(qs, qs->v[i].key) > 1) {
			page_error(c, 400, "err.param.repeated", qs->v[i].key);
			return -1;
		}
	}
	return 0;
}

static const char *const no_params[] = { NULL };

/*
 * The body as a JSON object with only the route's fields (duplicate
 * keys are refused when the body is parsed), or NULL (answered 400
 * naming the first unknown field).
 */
static json_t *
body_of(struct ctx *c, const char *const *fields)
{
	const char	*k;
	json_t		*v;

	if (web_query_only(c, no_params) != 0)
		return NULL;
	if (c->req->json == NULL || !json_is_object(c->req->json)) {
		fail(c, 400, NULL, "err.json");
		return NULL;
	}
	json_object_foreach(c->req->json, k, v) {
		if (!in_set(k, fields)) {
			fail(c, 400, k, "err.field.unknown");
			return NULL;
		}
	}
	return c->req->json;
}

static struct model *
api_model(struct ctx *c)
{
	return page_new(c, "api");
}

static int
send(struct ctx *c, struct model *m, int status)
{
	page_send(c, m, status);
	return 0;
}

/* "domains": [strings] as one name per line for the domain validator. */
static int
domains_text(json_t *a, struct buf *out)
{
	size_t	 i;
	json_t	*v;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > DOMAINS_MAX)
		return -1;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || strpbrk(s, "\r\n") != NULL ||
		    buf_add(out, s, strlen(s)) != 0 || buf_add(out, "\n", 1) != 0)
			return -1;
	}
	return 0;
}

/* type and domains of a body into a level and a domain list. */
static int
typed_domains(struct ctx *c, json_t *b, const char *key, enum level *l, struct domain_list *dl,
    struct subs_error *err)
{
	struct subs_env	 e = subs_env_of(c);
	struct buf	 t;
	int		 k, rc;

	if ((k = level_parse(json_string_value(json_object_get(b, "type")))) < 0) {
		subs_err_set(err, 400, "type", "err.type");
		return -1;
	}
	*l = (enum level)k;
	buf_init(&t, DOMAINS_MAX_INPUT);
	if (domains_text(json_object_get(b, "domains"), &t) != 0) {
		buf_free(&t);
		subs_err_set(err, 400, "domains", "err.domain.none");
		return -1;
	}
	rc = subs_domains(&e, c->cat, *l, t.p, t.len, 0, key, dl, err);
	buf_free(&t);
	return rc;
}

/* POST /api/v1/quote {"type","domains":[…]} → {"lines":[…],"total_cents"} */
int
h_api_quote(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	struct domain_list	*dl = NULL;
	struct quote		*q = NULL;
	struct model		*m;
	json_t			*b;
	enum level		 l;
	int			 rc = 500;
	static const char *const fields[] = { "type", "domains", NULL };

	if ((b = body_of(c, fields)) == NULL)
		return 0;
	if ((dl = malloc(sizeof(*dl))) == NULL || (q = malloc(sizeof(*q))) == NULL)
		goto out;
	rc = 0;
	if (typed_domains(c, b, NULL, &l, dl, &err) != 0 || subs_quote_new(&e, l, dl, q, &err) != 0) {
		subs_fail(c, &err);
		goto out;
	}
	if ((m = api_model(c)) == NULL) {
		rc = 500;
		goto out;
	}
	m_text(m->root, "type", level_names[l]);
	model_quote(m->root, q);
	send(c, m, 200);
out:
	free(dl);
	free(q);
	return rc;
}

int
h_api_subs_list(struct ctx *c)
{
	static const char *const params[] = { "page", "status", "type", "q", "sort", "order", NULL };
	struct model	*m;
	int		 rc;

	if (web_query_only(c, params) != 0)
		return 0;
	if ((m = api_model(c)) == NULL)
		return 500;
	if ((rc = model_subs_list(c, m->root, web_page_arg(c, "page"))) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	return send(c, m, 200);
}

/* The creation body into a request; -1 with err on the first bad field. */
static int
create_parse(struct ctx *c, json_t *b, struct subs_create_req *rq, struct subs_error *err)
{
	json_t		*org = json_object_get(b, "organization_id");
	const char	*name = json_string_value(json_object_get(b, "name"));
	const char	*key = json_string_value(json_object_get(b, "idempotency_key"));

	memset(rq, 0, sizeof(*rq));
	if (org != NULL && !json_is_null(org)) {
		if (!json_is_integer(org) || json_integer_value(org) <= 0) {
			subs_err_set(err, 400, "organization_id", "err.org_not_approved");
			return -1;
		}
		rq->organization_id = json_integer_value(org);
	}
	if (name == NULL || strlen(name) >= sizeof(rq->name) || !subs_name_ok(name)) {
		subs_err_set(err, 400, "name", "err.sub_name");
		return -1;
	}
	snprintf(rq->name, sizeof(rq->name), "%s", name);
	if (key == NULL || !subs_key_ok(key)) {
		subs_err_set(err, 400, "idempotency_key", "err.idem_key");
		return -1;
	}
	snprintf(rq->idempotency_key, sizeof(rq->idempotency_key), "%s", key);
	return typed_domains(c, b, rq->idempotency_key, &rq->level, &rq->domains, err);
}

/*
 * A replayed idempotency key must come with the same request: same type,
 * name and organization, and every domain asked among the subscription's
 * (issue #16 item 8). 1 when it does, 0 when it does not (the caller
 * answers 409), -1 on a database error.
 */
static int
replay_matches(struct ctx *c, const struct subs_create_req *rq, long long id)
{
	struct db_res	*s = NULL, *d = NULL;
	size_t		 i, k;
	int		 rc = -1;

	if (db_run(c->db, Q_SUB_GET, (struct db_param[]){ DB_I(id), DB_I(c->who.account_id) }, 2,
	    &s) != 0 || s->nrows != 1 ||
	    db_run(c->db, Q_DOMS_OF_SUB, (struct db_param[]){ DB_I(id) }, 1, &d) != 0)
		goto out;
	rc = 0;
	if (strcmp(db_cell(s, 0, 3), level_names[rq->level]) != 0 ||
	    strcmp(db_cell(s, 0, 4), rq->name) != 0 ||
	    db_cell_int(s, 0, 2) != rq->organization_id)
		goto out;
	for (i = 0; i < rq->domains.n; i++) {
		for (k = 0; k < d->nrows; k++)
			if (strcmp(db_cell(d, k, 2), rq->domains.v[i].name) == 0)
				break;
		if (k == d->nrows)
			goto out;
	}
	rc = 1;
out:
	db_res_free(s);
	db_res_free(d);
	return rc;
}

/* POST /api/v1/subscriptions → 201 with "acme":{"kid","hmac_key","server"} once. */
int
h_api_subs_create(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_create_req	*rq;
	struct subs_created	 out;
	struct subs_error	 err;
	struct model		*m;
	xmlNodePtr		 a;
	json_t			*b;
	int			 status;
	static const char *const fields[] = { "type", "organization_id", "name", "domains",
	    "idempotency_key", NULL };

	if ((b = body_of(c, fields)) == NULL)
		return 0;
	if ((rq = malloc(sizeof(*rq))) == NULL)
		return 500;
	if (create_parse(c, b, rq, &err) != 0 || subs_create(&e, rq, &out, &err) != 0) {
		free(rq);
		subs_fail(c, &err);
		return 0;
	}
	/* A replay answers the first outcome only to the same request. */
	if (out.replay && (status = replay_matches(c, rq, out.id)) != 1) {
		free(rq);
		OPENSSL_cleanse(&out, sizeof(out));
		if (status == 0)
			return fail(c, 409, "idempotency_key", "err.idem_key.reused");
		return 500;
	}
	if ((m = api_model(c)) == NULL) {
		free(rq);
		OPENSSL_cleanse(&out, sizeof(out));
		return 500;
	}
	m_int(m->root, "id", out.id);
	m_text(m->root, "status", out.status);
	m_text(m->root, "name", rq->name);
	m_text(m->root, "type", level_names[rq->level]);
	m_bool(m->root, "replay", out.replay);
	a = m_obj(m->root, "acme");
	m_text(a, "kid", out.kid);
	m_text(a, "server", out.server);
	if (!out.replay && out.hmac[0] != '\0') {
		m_text(a, "hmac_key", out.hmac);
		(void)subs_credentials_seen(&e, out.id);
	}
	status = out.replay ? 200 : 201;
	OPENSSL_cleanse(&out, sizeof(out));
	free(rq);
	return send(c, m, status);
}

int
h_api_subs_show(struct ctx *c)
{
	static const char *const params[] = { "page", NULL };
	struct model	*m;
	long		 page = web_page_arg(c, "page");
	int		 rc;

	/* PATCH answers with the subscription: its query was checked by body_of. */
	if (c->req->method == HTTP_GET && web_query_only(c, params) != 0)
		return 0;
	if ((m = api_model(c)) == NULL)
		return 500;
	if ((rc = model_sub_detail(c, m->root, c->ids[0], page, page)) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	return send(c, m, 200);
}

/* PATCH /api/v1/subscriptions/{id} {"name"?, "auto_renew"?} → the subscription. */
int
h_api_subs_patch(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	json_t			*b, *n, *ar;
	int			 on = -1;
	static const char *const fields[] = { "name", "auto_renew", NULL };

	if ((b = body_of(c, fields)) == NULL)
		return 0;
	n = json_object_get(b, "name");
	ar = json_object_get(b, "auto_renew");
	if (n == NULL && ar == NULL)
		return fail(c, 400, NULL, "err.patch.empty");
	if (n != NULL && !json_is_string(n))
		return fail(c, 400, "name", "err.sub_name");
	if (ar != NULL && !json_is_boolean(ar))
		return fail(c, 400, "auto_renew", "err.auto_renew");
	if (ar != NULL)
		on = json_is_true(ar);
	if (subs_update(&e, c->ids[0], json_string_value(n), on, &err) != 0) {
		subs_fail(c, &err);
		return 0;
	}
	return h_api_subs_show(c);
}

/* POST /api/v1/subscriptions/{id}/domains {"domain","quote_only"?} → {"id"?,"price_cents"} */
int
h_api_domain_add(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	struct domain_entry	 d;
	struct model		*m;
	json_t			*b, *qo;
	long long		 price = 0, did = 0;
	int			 quote = 0;
	static const char *const fields[] = { "domain", "quote_only", NULL };

	if ((b = body_of(c, fields)) == NULL)
		return 0;
	qo = json_object_get(b, "quote_only");
	if (qo != NULL && !json_is_boolean(qo))
		return fail(c, 400, "quote_only", "err.quote_only");
	quote = qo != NULL && json_is_true(qo);
	if (!json_is_string(json_object_get(b, "domain")))
		return fail(c, 400, "domain", "err.domain_one");
	if (subs_one_domain(c, c->ids[0], json_string_value(json_object_get(b, "domain")), &d, &err) != 0 ||
	    subs_domain_add(&e, c->ids[0], &d, quote, &price, &did, &err) != 0) {
		subs_fail(c, &err);
		return 0;
	}
	if ((m = api_model(c)) == NULL)
		return 500;
	if (!quote)
		m_int(m->root, "id", did);
	m_text(m->root, "domain", d.name);
	m_int(m->root, "price_cents", price);
	m_bool(m->root, "quote_only", quote);
	return send(c, m, quote ? 200 : 201);
}

/* DELETE /api/v1/subscriptions/{id}/domains/{domain_id} → {"refund_cents","revoked_certificates"} */
int
h_api_domain_delete(struct ctx *c)
{
	struct subs_env		 e = subs_env_of(c);
	struct subs_error	 err;
	struct subs_removal	 r;
	struct model		*m;

	if (web_query_only(c, no_params) != 0)
		return 0;
	if (subs_domain_remove(&e, c->ids[0], c->ids[1], 0, &r, &err) != 0) {
		subs_fail(c, &err);
		return 0;
	}
	if ((m = api_model(c)) == NULL)
		return 500;
	m_text(m->root, "domain", r.name);
	m_int(m->root, "refund_cents", r.refund_cents);
	m_int(m->root, "revoked_certificates", r.revoked);
	m_bool(m->root, "within_refund_window", r.within_window);
	return send(c, m, 200);
}

int
h_api_certificates(struct ctx *c)
{
	struct model	*m;
	const char	*q = kv_get(&c->req->qs, "q");
	int		 rc;
	static const char *const params[] = { "q", "page", NULL };

	if (web_query_only(c, params) != 0)
		return 0;
	if (q != NULL && strlen(q) > DOMAIN_NAME_MAX)
		return fail(c, 400, "q", "err.400");
	if ((m = api_model(c)) == NULL)
		return 500;
	if ((rc = model_certs(c, m->root, q, web_page_arg(c, "page"))) != 0) {
		model_free(m);
		return web_handled(rc);
	}
	return send(c, m, 200);
}
