/*
 * /api/v1/webhooks (issue 17 item 4) and the core the page shares:
 *   GET    /api/v1/webhooks              {"webhooks":[{"id","url","events","created_at",
 *                                          "secret_rotated_at","deliveries":[…]}]}
 *   POST   /api/v1/webhooks              {"url","events":[…]} → 201 {"id","url","events","secret"}
 *   DELETE /api/v1/webhooks/{id}         {"id","deleted":true}
 *   POST   /api/v1/webhooks/{id}/rotate  {"id","secret"}
 *   POST   /api/v1/webhooks/{id}/test    202 {"id","delivery_id"}
 * Every endpoint is the caller's account's (404 otherwise). The secret is
 * in the answer that made it, and in no other.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "core/webhooks.h"
#include "web/webhooks_int.h"

#define EVENTS_MAX	500	/* bytes of the comma-separated list (schema) */

int
wh_event_index(const char *s)
{
	for (int i = 0; s != NULL && i < WH__MAX; i++)
		if (i != WH_TEST && strcmp(s, wh_event_names[i]) == 0)
			return i;
	return -1;
}

int
wh_events_add(unsigned int *set, const char *name)
{
	int	 i = wh_event_index(name);

	if (i < 0)
		return -1;
	*set |= 1u << i;
	return 0;
}

/* The chosen set as "a,b,c" in the table's order. */
static void
events_text(unsigned int set, char out[EVENTS_MAX + 1])
{
	size_t	 o = 0;

	out[0] = '\0';
	for (int i = 0; i < WH__MAX; i++)
		if (set & (1u << i))
			o += (size_t)snprintf(out + o, EVENTS_MAX + 1 - o, "%s%s", o ? "," : "",
			    wh_event_names[i]);
}

static void
events_list(xmlNodePtr p, const char *csv)
{
	xmlNodePtr	 l = m_list(p, "events");
	char		 buf[EVENTS_MAX + 1], *s, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", csv != NULL ? csv : "");
	for (s = strtok_r(buf, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save))
		m_text(l, "event", s);
}

/* A fresh secret: 64 hex characters of 32 random bytes. */
static int
new_secret(char out[WH_SECRET_LEN + 1])
{
	unsigned char	 b[WH_SECRET_LEN / 2];

	if (crypto_random(b, sizeof(b)) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

static int
dbstatus(int rc)
{
	return rc == DB_EDOWN ? 503 : 500;
}

int
model_webhooks(struct ctx *c, xmlNodePtr root)
{
	struct db_res	*r = NULL, *d = NULL;
	xmlNodePtr	 list, n, dl, x;
	int		 rc;

	if ((rc = db_run(c->db, Q_WH_LIST, (struct db_param[]){ DB_I(c->who.account_id) }, 1,
	    &r)) != 0)
		return dbstatus(rc);
	list = m_list(root, "webhooks");
	for (size_t i = 0; i < r->nrows; i++) {
		n = m_obj(list, "webhook");
		m_int(n, "id", db_cell_int(r, i, 0));
		m_text(n, "url", db_cell(r, i, 1));
		events_list(n, db_cell(r, i, 2));
		m_rfc3339(n, "created_at", db_cell(r, i, 3));
		m_rfc3339(n, "secret_rotated_at", db_cell(r, i, 4));
		if ((rc = db_run(c->db, Q_WHD_RECENT, (struct db_param[]){ DB_I(db_cell_int(r, i, 0)) },
		    1, &d)) != 0)
			break;
		dl = m_list(n, "deliveries");
		for (size_t k = 0; k < d->nrows; k++) {
			x = m_obj(dl, "delivery");
			m_text(x, "id", db_cell(d, k, 0));
			m_text(x, "event", db_cell(d, k, 1));
			m_text(x, "status", db_cell(d, k, 2));
			m_int(x, "attempts", db_cell_int(d, k, 3));
			if (db_cell(d, k, 4) != NULL)
				m_int(x, "http_status", db_cell_int(d, k, 4));
			else
				m_null(x, "http_status");
			if (db_cell(d, k, 5) != NULL)
				m_text(x, "error", db_cell(d, k, 5));
			else
				m_null(x, "error");
			m_rfc3339(x, "created_at", db_cell(d, k, 6));
			m_rfc3339(x, "last_attempt_at", db_cell(d, k, 7));
			m_rfc3339(x, "delivered_at", db_cell(d, k, 8));
		}
		db_res_free(d);
		d = NULL;
	}
	db_res_free(r);
	return rc == 0 ? 0 : dbstatus(rc);
}

int
wh_create(struct ctx *c, const char *url, unsigned int events, long long *id,
    char secret[WH_SECRET_LEN + 1], const char **field, const char **msgkey)
{
	struct db_res	*r = NULL;
	char		 ev[EVENTS_MAX + 1], now[CLOCK_SQL_LEN];
	int		 rc;

	*field = NULL;
	*msgkey = NULL;
	if (!webhook_url_ok(c->conf, url)) {
		*field = "url";
		*msgkey = "err.webhooks.url";
		return 400;
	}
	if (events == 0) {
		*field = "events";
		*msgkey = "err.webhooks.events";
		return 400;
	}
	events_text(events, ev);
	clock_sql(clock_now(), now);
	if (new_secret(secret) != 0)
		return 500;
	if ((rc = db_begin(c->db)) != 0)
		return dbstatus(rc);
	/* The count and the insert under one lock on the account's endpoints. */
	if ((rc = db_run(c->db, Q_WH_COUNT, (struct db_param[]){ DB_I(c->who.account_id) }, 1,
	    &r)) == 0 && db_cell_int(r, 0, 0) >= c->conf->webhook_endpoints_max) {
		db_res_free(r);
		(void)db_rollback(c->db);
		*msgkey = "err.webhooks.max";
		return 409;
	}
	db_res_free(r);
	r = NULL;
	if (rc == 0)
		rc = db_run(c->db, Q_WH_INSERT, (struct db_param[]){ DB_I(c->who.account_id), DB_S(url),
		    DB_S(secret), DB_S(ev), DB_S(now) }, 5, &r);
	if (rc == 0)
		*id = (long long)r->insert_id;
	db_res_free(r);
	if (rc == 0)
		rc = db_commit(c->db);
	if (rc != 0) {
		(void)db_rollback(c->db);
		return dbstatus(rc);
	}
	log_info("webhook %lld: created for account %lld (%s)", *id, c->who.account_id, ev);
	return 0;
}

int
wh_delete(struct ctx *c, long long id)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	clock_sql(clock_now(), now);
	if ((rc = db_run(c->db, Q_WH_DELETE, (struct db_param[]){ DB_S(now), DB_I(id),
	    DB_I(c->who.account_id) }, 3, &r)) != 0)
		return dbstatus(rc);
	rc = r->affected == 1 ? 0 : 404;
	db_res_free(r);
	return rc;
}

int
wh_rotate(struct ctx *c, long long id, char secret[WH_SECRET_LEN + 1])
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	clock_sql(clock_now(), now);
	if (new_secret(secret) != 0)
		return 500;
	if ((rc = db_run(c->db, Q_WH_ROTATE, (struct db_param[]){ DB_S(secret), DB_S(now), DB_I(id),
	    DB_I(c->who.account_id) }, 4, &r)) != 0)
		return dbstatus(rc);
	rc = r->affected == 1 ? 0 : 404;
	db_res_free(r);
	return rc;
}

int
wh_test(struct ctx *c, long long id, char delivery_id[33])
{
	struct db_res	*r = NULL;
	char		 key[WH_EVENT_KEY_MAX + 1], nonce[TOKEN_B64_LEN + 1];
	json_t		*data;
	int		 rc;

	if ((rc = db_run(c->db, Q_WH_GET, (struct db_param[]){ DB_I(id), DB_I(c->who.account_id) },
	    2, &r)) != 0)
		return dbstatus(rc);
	rc = r->nrows == 1 ? 0 : 404;
	db_res_free(r);
	if (rc != 0)
		return rc;
	if (crypto_token(nonce) != 0 ||
	    (data = json_pack("{s:I, s:s}", "webhook_id", (json_int_t)id, "message",
	    "This is a test event.")) == NULL)
		return 500;
	snprintf(key, sizeof(key), "test:%s", nonce);
	rc = webhook_enqueue(c->db, WH_TEST, c->who.account_id, id, key, data, delivery_id);
	json_decref(data);
	return rc == 1 ? 0 : dbstatus(rc);
}

/* ---- the API ---- */

static int
api_send(struct ctx *c, struct model *m, int status)
{
	page_send(c, m, status);
	return 0;
}

int
h_api_webhooks_list(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((m = page_new(c, "api")) == NULL)
		return 500;
	if ((rc = model_webhooks(c, m->root)) != 0) {
		model_free(m);
		return rc;
	}
	return api_send(c, m, 200);
}

int
h_api_webhooks_create(struct ctx *c)
{
	json_t		*b = c->req->json, *a, *v;
	const char	*url, *field, *msgkey;
	unsigned int	 set = 0;
	char		 secret[WH_SECRET_LEN + 1], ev[EVENTS_MAX + 1];
	struct model	*m;
	long long	 id = 0;
	size_t		 i;
	int		 rc;

	if (b == NULL || !json_is_object(b)) {
		page_error(c, 400, "err.json", NULL);
		return 0;
	}
	url = json_string_value(json_object_get(b, "url"));
	a = json_object_get(b, "events");
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > WH__MAX) {
		page_error(c, 400, "err.webhooks.events", "events");
		return 0;
	}
	json_array_foreach(a, i, v)
		if (wh_events_add(&set, json_string_value(v)) != 0) {
			page_error(c, 400, "err.webhooks.events", "events");
			return 0;
		}
	if ((rc = wh_create(c, url, set, &id, secret, &field, &msgkey)) != 0) {
		if (msgkey == NULL)
			return rc;
		page_error(c, rc, msgkey, field);
		return 0;
	}
	if ((m = page_new(c, "api")) == NULL) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return 500;
	}
	events_text(set, ev);
	m_int(m->root, "id", id);
	m_text(m->root, "url", url);
	events_list(m->root, ev);
	m_text(m->root, "secret", secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	resp_header(c->req, "Cache-Control", "no-store");
	return api_send(c, m, 201);
}

int
h_api_webhook_delete(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((rc = wh_delete(c, c->ids[0])) != 0)
		return rc;
	if ((m = page_new(c, "api")) == NULL)
		return 500;
	m_int(m->root, "id", c->ids[0]);
	m_bool(m->root, "deleted", 1);
	return api_send(c, m, 200);
}

int
h_api_webhook_rotate(struct ctx *c)
{
	struct model	*m;
	char		 secret[WH_SECRET_LEN + 1];
	int		 rc;

	if ((rc = wh_rotate(c, c->ids[0], secret)) != 0)
		return rc;
	if ((m = page_new(c, "api")) == NULL) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return 500;
	}
	m_int(m->root, "id", c->ids[0]);
	m_text(m->root, "secret", secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	resp_header(c->req, "Cache-Control", "no-store");
	return api_send(c, m, 200);
}

int
h_api_webhook_test(struct ctx *c)
{
	struct model	*m;
	char		 did[33] = "";
	int		 rc;

	if ((rc = wh_test(c, c->ids[0], did)) != 0)
		return rc;
	if ((m = page_new(c, "api")) == NULL)
		return 500;
	m_int(m->root, "id", c->ids[0]);
	m_text(m->root, "delivery_id", did);
	return api_send(c, m, 202);
}
