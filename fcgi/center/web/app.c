/*
 * The route table and the one request path: limits, route (method,
 * path), authentication, role, account compatibility, CSRF, handler,
 * render. Every refusal goes through page_error, so pages and the API
 * fail the same way with a message a person can act on.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "log.h"
#include "metrics.h"
#include "web/metrics_center.h"
#include "render.h"
#include "core/webhooks.h"

enum auth_kind {
	AUTH_NONE,	/* public */
	AUTH_PAGE,	/* login session (or the site's hand-over) */
	AUTH_API,	/* Authorization: Bearer <API key> */
	AUTH__MAX
};

#define R_CUSTOMER	(1u << ROLE_CUSTOMER)
#define R_ACCOUNTING	(1u << ROLE_ACCOUNTING)
#define R_ADMIN		(1u << ROLE_ADMIN)
#define R_ANY		(R_CUSTOMER | R_ACCOUNTING | R_ADMIN)

struct route {
	enum http_method	 method;
	const char		*pattern;	/* "#" matches a positive integer segment */
	enum auth_kind		 auth;
	unsigned int		 roles;
	int			 acme;		/* needs an ACME-compatible account */
	handler_fn		 fn;
};

static const struct route routes[] = {
	{ HTTP_GET,  "/",			AUTH_NONE, R_ANY, 0, h_home },
	{ HTTP_GET,  "/healthz",		AUTH_NONE, R_ANY, 0, h_healthz },
	{ HTTP_GET,  "/metrics",		AUTH_NONE, R_ANY, 0, h_metrics },	/* metrics_allow */
	{ HTTP_GET,  "/login",			AUTH_NONE, R_ANY, 0, h_login_form },
	{ HTTP_POST, "/login",			AUTH_NONE, R_ANY, 0, h_login },
	{ HTTP_POST, "/logout",			AUTH_PAGE, R_ANY, 0, h_logout },
	{ HTTP_POST, "/settings/language",	AUTH_PAGE, R_ANY, 0, h_language },
	{ HTTP_GET,  "/acme",			AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_acme_list },
	{ HTTP_GET,  "/acme/new",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_acme_new },
	{ HTTP_POST, "/acme/new",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_acme_create },
	{ HTTP_GET,  "/acme/#",			AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_acme_show },
	{ HTTP_POST, "/acme/#/settings",	AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_acme_settings },
	{ HTTP_POST, "/acme/#/domains",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_domain_add },
	{ HTTP_GET,  "/acme/#/domains/#/delete", AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_domain_delete_form },
	{ HTTP_POST, "/acme/#/domains/#/delete", AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_domain_delete },
	{ HTTP_GET,  "/certificates",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_certificates },
	{ HTTP_GET,  "/prevalidations",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_prevalidations },
	{ HTTP_GET,  "/organizations/#",	AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_organization },
	{ HTTP_GET,  "/invoices",		AUTH_PAGE, R_ANY, 0, h_invoices },
	{ HTTP_GET,  "/invoices/#",		AUTH_PAGE, R_ANY, 0, h_invoice },
	{ HTTP_GET,  "/accounting/export",	AUTH_PAGE, R_ACCOUNTING, 0, h_export },
	{ HTTP_GET,  "/api/v1/account",		AUTH_API,  R_ANY, 1, h_api_account },
	{ HTTP_POST, "/api/v1/quote",		AUTH_API,  R_ANY, 1, h_api_quote },
	{ HTTP_GET,  "/api/v1/subscriptions",	AUTH_API,  R_ANY, 1, h_api_subs_list },
	{ HTTP_POST, "/api/v1/subscriptions",	AUTH_API,  R_ANY, 1, h_api_subs_create },
	{ HTTP_GET,  "/api/v1/subscriptions/#",	AUTH_API,  R_ANY, 1, h_api_subs_show },
	{ HTTP_PATCH, "/api/v1/subscriptions/#", AUTH_API, R_ANY, 1, h_api_subs_patch },
	{ HTTP_POST, "/api/v1/subscriptions/#/domains", AUTH_API, R_ANY, 1, h_api_domain_add },
	{ HTTP_DELETE, "/api/v1/subscriptions/#/domains/#", AUTH_API, R_ANY, 1, h_api_domain_delete },
	{ HTTP_GET,  "/api/v1/certificates",	AUTH_API,  R_ANY, 1, h_api_certificates },
	/* issue 17: webhooks, the digest setting */
	{ HTTP_GET,  "/webhooks",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_webhooks_page },
	{ HTTP_POST, "/webhooks",		AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_webhooks_create },
	{ HTTP_POST, "/webhooks/#/delete",	AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_webhook_delete },
	{ HTTP_POST, "/webhooks/#/rotate",	AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_webhook_rotate },
	{ HTTP_POST, "/webhooks/#/test",	AUTH_PAGE, R_CUSTOMER | R_ADMIN, 1, h_webhook_test },
	{ HTTP_POST, "/settings/watch-digest",	AUTH_PAGE, R_ANY, 0, h_watch_digest_setting },
	{ HTTP_GET,  "/api/v1/webhooks",	AUTH_API,  R_ANY, 1, h_api_webhooks_list },
	{ HTTP_POST, "/api/v1/webhooks",	AUTH_API,  R_ANY, 1, h_api_webhooks_create },
	{ HTTP_DELETE, "/api/v1/webhooks/#",	AUTH_API,  R_ANY, 1, h_api_webhook_delete },
	{ HTTP_POST, "/api/v1/webhooks/#/rotate", AUTH_API, R_ANY, 1, h_api_webhook_rotate },
	{ HTTP_POST, "/api/v1/webhooks/#/test",	AUTH_API,  R_ANY, 1, h_api_webhook_test },
	{ HTTP_GET,  "/api/v1/invoices",	AUTH_API,  R_ANY, 0, h_invoices },
	{ HTTP_GET,  "/api/v1/invoices/#",	AUTH_API,  R_ANY, 0, h_invoice },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

const char *const center_views[] = {
	"login", "error", "acme_list", "acme_new", "prevalidations", "organization",
	"acme_created", "acme_show", "domain_add", "domain_delete", "domain_removed",
	"certificates", "invoices", "invoice", "export", "webhooks", NULL,
};

/* Match path against pattern, collecting "#" segments into ids. */
static int
path_match(const char *pat, const char *path, long long *ids, size_t *nids)
{
	size_t	 n = 0;

	while (*pat != '\0' && *path != '\0') {
		if (*pat == '#') {
			long long v = 0;
			if (!isdigit((unsigned char)*path) || *path == '0')
				return 0;
			for (; isdigit((unsigned char)*path); path++) {
				if (v > (1LL << 53))
					return 0;
				v = v * 10 + (*path - '0');
			}
			if (n < 4)
				ids[n++] = v;
			pat++;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	*nids = n;
	return *pat == '\0' && *path == '\0';
}

static void
pick_language(struct ctx *c)
{
	const char	*lang = NULL;

	if (c->who.lang[0] != '\0')
		lang = c->who.lang;
	if (lang == NULL)
		lang = req_language(c->req, i18n_langs);
	if (lang == NULL)
		lang = c->conf->default_lang;
	c->cat = i18n_catalog(lang);
}

struct model *
page_new(struct ctx *c, const char *view)
{
	struct model	*m;
	xmlNodePtr	 chrome;

	if ((m = model_new(view)) == NULL)
		return NULL;
	xmlNewProp(m->root, BAD_CAST "lang", BAD_CAST i18n_lang(c->cat));
	chrome = m_obj(m->root, "chrome");
	m_omit(chrome);
	m_text(chrome, "path", c->req->path);
	/* Every link of the views starts with it (docs/nginx.md, base_path). */
	m_text(chrome, "base", c->conf->base_path);
	m_bool(chrome, "handover", c->conf->auth_request);
	if (c->who.authenticated) {
		m_text(chrome, "user", c->who.login);
		m_text(chrome, "role", role_names[c->who.role]);
		m_text(chrome, "account", c->who.account_name);
		m_bool(chrome, "compatible", c->who.compatible);
		m_text(chrome, "csrf", c->who.csrf);
	}
	return m;
}

void
page_send(struct ctx *c, struct model *m, int status)
{
	enum media	 media = c->api ? MEDIA_JSON : req_media(c->req, MEDIA_HTML);

	render_model(c->req, m, status, media, c->cat);
	model_free(m);
}

static const char *
status_key(int status)
{
	switch (status) {
	case 400: return "err.400";
	case 401: return "err.401";
	case 403: return "err.403";
	case 402: return "err.402";
	case 404: return "err.404";
	case 405: return "err.405";
	case 413: return "err.413";
	case 409: return "err.409";
	case 429: return "err.429";
	case 414: return "err.414";
	case 502: return "err.502";
	case 503: return "err.503";
	default:  return "err.500";
	}
}

void
page_error_msg(struct ctx *c, int status, const char *message, const char *field)
{
	struct model	*m;
	xmlNodePtr	 e;

	if (c->cat == NULL)
		pick_language(c);
	if (message == NULL)
		message = i18n_get(c->cat, status_key(status));
	if ((m = page_new(c, "error")) == NULL) {
		resp_send(c->req, 500, "text/plain", "error\n", 6);
		return;
	}
	e = m_obj(m->root, "error");
	m_int(e, "status", status);
	if (field != NULL)
		m_text(e, "field", field);
	else
		m_null(e, "field");
	m_text(e, "message", message);
	m_text(e, "title", i18n_get(c->cat, status_key(status)));
	if (status == 503)
		resp_header(c->req, "Retry-After", "10");
	page_send(c, m, status);
}

void
page_error(struct ctx *c, int status, const char *msgkey, const char *field)
{
	if (c->cat == NULL)
		pick_language(c);
	page_error_msg(c, status, i18n_get(c->cat, msgkey != NULL ? msgkey : status_key(status)), field);
}

/* Percent-encode a local path for ?next=. */
static void
login_redirect(struct ctx *c)
{
	char		 loc[600] = "/login?next=";
	size_t		 o = strlen(loc);
	const char	*p = c->req->path;

	for (; *p && o + 4 < sizeof(loc); p++) {
		if (isalnum((unsigned char)*p) || strchr("/-_.", *p))
			loc[o++] = *p;
		else
			o += (size_t)snprintf(loc + o, sizeof(loc) - o, "%%%02X", (unsigned char)*p);
	}
	loc[o] = '\0';
	resp_redirect(c->req, loc);
}

/* Authenticate per the route's kind; 0 to go on, else an answer was sent. */
static int
authenticate(struct ctx *c, const struct route *rt)
{
	int	 rc;

	if (rt->auth == AUTH_API)
		rc = auth_api_key(c);
	else if (c->conf->auth_request)
		rc = auth_handover(c);
	else
		rc = auth_session(c);
	pick_language(c);
	/* Public routes only use a session when one is at hand: they still
	 * work (the login page renders) while the database is away. */
	if (rc == 0 || rt->auth == AUTH_NONE)
		return 0;
	if (rc == DB_EDOWN) {
		page_error(c, 503, NULL, NULL);
		return -1;
	}
	if (rt->auth == AUTH_API) {
		resp_header(c->req, "WWW-Authenticate", "Bearer realm=\"acme-caas\"");
		page_error(c, 401, "err.apikey", "Authorization");
	} else if (c->req->method == HTTP_GET && !c->conf->auth_request)
		login_redirect(c);
	else
		page_error(c, 401, NULL, NULL);
	return -1;
}

static void
allow_header(struct ctx *c)
{
	char	 allow[128] = "";
	size_t	 dummy;
	long long ids[4];

	for (size_t i = 0; i < NROUTES; i++)
		if (path_match(routes[i].pattern, c->req->path, ids, &dummy)) {
			if (allow[0] != '\0')
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, http_method_names[routes[i].method],
			    sizeof(allow) - strlen(allow) - 1);
			if (routes[i].method == HTTP_GET)
				strncat(allow, ", HEAD", sizeof(allow) - strlen(allow) - 1);
		}
	resp_header(c->req, "Allow", allow);
}

int
app_metrics_init(void)
{
	static struct metrics_route	 mr[NROUTES];

	for (size_t i = 0; i < NROUTES; i++)
		mr[i] = (struct metrics_route){ http_method_names[routes[i].method],
		    routes[i].pattern };
	return metrics_init("center", mr, NROUTES);
}

/*
 * Mounted under base_path: the application's paths are what follows it
 * (base_path itself is "/"); anything outside it is not ours (404).
 * 0, or -1 when the path is outside.
 */
static int
strip_base(struct ctx *c)
{
	const char	*b = c->conf->base_path;
	size_t		 n = strlen(b);

	if (n == 0)
		return 0;
	if (strncmp(c->req->path, b, n) != 0 || (c->req->path[n] != '/' && c->req->path[n] != '\0'))
		return -1;
	c->req->path = c->req->path[n] == '\0' ? "/" : c->req->path + n;
	return 0;
}

/* The request path proper; returns the index of the route taken (NROUTES: none). */
static size_t
dispatch(struct ctx *c)
{
	const struct route	*rt = NULL;
	enum http_method	 m = c->req->method == HTTP_HEAD ? HTTP_GET : c->req->method;
	int			 path_known = 0, rc;

	if (c->req->fail == REQ_OK && strip_base(c) != 0) {
		pick_language(c);
		page_error(c, 404, NULL, NULL);
		return NROUTES;
	}
	c->api = strncmp(c->req->path, "/api/", 5) == 0;
	if (c->req->fail != REQ_OK) {
		pick_language(c);
		page_error(c, c->req->fail == REQ_TOO_LARGE ? 413 :
		    c->req->fail == REQ_URI_TOO_LONG ? 414 : 400, NULL, c->req->fail_detail);
		return NROUTES;
	}
	for (size_t i = 0; i < NROUTES && rt == NULL; i++)
		if (path_match(routes[i].pattern, c->req->path, c->ids, &c->nids)) {
			path_known = 1;
			if (routes[i].method == m)
				rt = &routes[i];
		}
	if (rt == NULL) {
		pick_language(c);
		if (path_known)
			allow_header(c);
		page_error(c, path_known ? 405 : 404, NULL, NULL);
		return NROUTES;
	}
	if (authenticate(c, rt) != 0)
		return (size_t)(rt - routes);
	if (rt->auth != AUTH_NONE && !(rt->roles & (1u << c->who.role))) {
		page_error(c, 403, "err.role", NULL);
		return (size_t)(rt - routes);
	}
	if (rt->acme && !c->who.compatible) {
		page_error(c, 403, "err.account.incompatible", NULL);
		return (size_t)(rt - routes);
	}
	if (rt->method == HTTP_POST && rt->auth == AUTH_PAGE && !auth_csrf_ok(c)) {
		page_error(c, 403, "err.csrf", "csrf");
		return (size_t)(rt - routes);
	}
	if ((rc = rt->fn(c)) != 0)
		page_error(c, rc, NULL, NULL);
	else if (!c->req->sent) {
		log_error("%s %s: handler sent nothing", c->req->method_name, c->req->path);
		page_error(c, 500, NULL, NULL);
	}
	return (size_t)(rt - routes);
}

void
app_handle(struct ctx *c)
{
	double	 t0 = metrics_clock();
	size_t	 route = dispatch(c);

	metrics_request(route, c->req->status, metrics_clock() - t0);
}
