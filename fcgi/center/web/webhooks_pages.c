/*
 * The webhooks page (/webhooks, views/webhooks.xsl) and the digest
 * setting: the same core as /api/v1/webhooks (webhooks_int.h), forms
 * with the session's CSRF token (checked by the route table). A secret
 * appears only in the answer of the form that made it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "core/webhooks.h"
#include "web/webhooks_int.h"

/* The page: endpoints, their deliveries, the events to choose, the digest setting. */
static int
page_model(struct ctx *c, struct model **out)
{
	struct db_res	*r = NULL;
	struct model	*m;
	xmlNodePtr	 l;
	int		 rc;

	*out = NULL;
	if ((m = page_new(c, "webhooks")) == NULL)
		return 500;
	if ((rc = model_webhooks(c, m->root)) != 0) {
		model_free(m);
		return rc;
	}
	l = m_list(m->root, "event_names");
	for (int i = 0; i < WH__MAX; i++)
		if (i != WH_TEST)
			m_text(l, "event", wh_event_names[i]);
	if (c->who.user_id > 0 && db_run(c->db, Q_WATCH_USER_GET, (struct db_param[]){
	    DB_I(c->who.user_id) }, 1, &r) == 0 && r->nrows == 1)
		m_bool(m->root, "watch_digest", db_cell_int(r, 0, 0) != 0);
	db_res_free(r);
	*out = m;
	return 0;
}

/* The page with one more node (created, rotated, tested, error) at status. */
static int
page_with(struct ctx *c, int status, const char *what, long long id, const char *k,
    const char *v, const char *field)
{
	struct model	*m;
	xmlNodePtr	 n;
	int		 rc;

	if ((rc = page_model(c, &m)) != 0)
		return rc;
	n = m_obj(m->root, what);
	if (id > 0)
		m_int(n, "id", id);
	if (k != NULL)
		m_text(n, k, v);
	if (field != NULL)
		m_text(n, "field", field);
	if (k != NULL && strcmp(k, "secret") == 0)
		resp_header(c->req, "Cache-Control", "no-store");
	page_send(c, m, status);
	return 0;
}

int
h_webhooks_page(struct ctx *c)
{
	struct model	*m;
	int		 rc;

	if ((rc = page_model(c, &m)) != 0)
		return rc;
	page_send(c, m, 200);
	return 0;
}

int
h_webhooks_create(struct ctx *c)
{
	const char	*url = kv_get(&c->req->form, "url"), *field, *msgkey;
	unsigned int	 set = 0;
	char		 secret[WH_SECRET_LEN + 1];
	long long	 id = 0;
	int		 rc;

	for (size_t i = 0; i < c->req->form.n; i++)
		if (strcmp(c->req->form.v[i].key, "events") == 0 &&
		    wh_events_add(&set, c->req->form.v[i].val) != 0)
			return page_with(c, 400, "form_error", 0, "message",
			    i18n_get(c->cat, "err.webhooks.events"), "events");
	if ((rc = wh_create(c, url, set, &id, secret, &field, &msgkey)) != 0) {
		if (msgkey == NULL)
			return rc;
		return page_with(c, rc, "form_error", 0, "message", i18n_get(c->cat, msgkey), field);
	}
	rc = page_with(c, 201, "created", id, "secret", secret, NULL);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int
h_webhook_delete(struct ctx *c)
{
	int	 rc;

	if ((rc = wh_delete(c, c->ids[0])) != 0)
		return rc;
	resp_redirect(c->req, "/webhooks");
	return 0;
}

int
h_webhook_rotate(struct ctx *c)
{
	char	 secret[WH_SECRET_LEN + 1];
	int	 rc;

	if ((rc = wh_rotate(c, c->ids[0], secret)) != 0)
		return rc;
	rc = page_with(c, 200, "rotated", c->ids[0], "secret", secret, NULL);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int
h_webhook_test(struct ctx *c)
{
	char	 did[33] = "";
	int	 rc;

	if ((rc = wh_test(c, c->ids[0], did)) != 0)
		return rc;
	return page_with(c, 202, "tested", c->ids[0], "delivery_id", did, NULL);
}

/* POST /settings/watch-digest digest=on (absent: off). */
int
h_watch_digest_setting(struct ctx *c)
{
	const char	*v = kv_get(&c->req->form, "digest");
	int		 on = v != NULL && strcmp(v, "on") == 0, rc;

	if (v != NULL && !on) {
		page_error(c, 400, "err.400", "digest");
		return 0;
	}
	if (c->who.user_id <= 0)
		return 403;
	if ((rc = db_run(c->db, Q_WATCH_USER_DIGEST, (struct db_param[]){ DB_I(on),
	    DB_I(c->who.user_id) }, 2, NULL)) != 0)
		return rc == DB_EDOWN ? 503 : 500;
	log_info("user %lld: missed-renewal digest %s", c->who.user_id, on ? "on" : "off");
	resp_redirect(c->req, "/webhooks");
	return 0;
}
