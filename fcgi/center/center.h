/*
 * Customer area ("Certificate Center" plugin): configuration, the SQL
 * statement table, identity and the page handlers. One header names
 * the module's public face; everything else is static.
 */
#ifndef CENTER_H
#define CENTER_H

#include <time.h>

#include "db.h"
#include "i18n.h"
#include "model.h"
#include "req.h"

/* ---- configuration (docs/config.md) ---- */

struct center_conf {
	char	*listen;
	long	 workers;
	char	*pidfile;
	char	*log;
	char	*log_level;
	char	*db_host;
	long	 db_port;
	char	*db_socket;
	char	*db_name;
	char	*db_user;
	char	*db_password_file;
	char	*views_dir;
	char	*schema_dir;
	long	 max_body;
	long	 max_query;
	long	 session_ttl;
	int	 cookie_secure;
	char	*default_lang;
	char	*auth_mode;
	char	*auth_header_secret_file;
	int	 allow_test_domains;
	char	*caas_api_base;		/* upstream reseller API, the URL before /products/ */
	char	*caas_login;
	char	*caas_password_file;
	char	*caas_ca_bundle;	/* extra trust anchors (dev/test: the bundled CA's TLS root) */
	long	 caas_timeout;		/* seconds per upstream call */
	char	*caas_currency;		/* the upstream's currency when an answer names none */
	char	*upstream_check_account; /* caasctl upstream-check: acmeAccountID for a quote */
	char	*upstream_check_domain;	/* and the name it quotes (nothing is bought) */
	long	 revocation_confirm_delay; /* seconds before we revoke a certificate ourselves */
	char	*fault_file;		/* tests only: a worker dies at the step this file names */
	long	 subscriptions_per_hour; /* creations per account per hour (accounts may override) */
	char	*smtp_url;		/* notifications: smtp[s]://host:port; empty: stay queued */
	char	*mail_from;		/* notifications: sender address */
	long	 smtp_timeout;		/* seconds per message submitted */
	char	*smtp_user;		/* SMTP AUTH login (then TLS is required) */
	char	*smtp_password_file;	/* its password, first line; never in smtp_url */
	char	*smtp_password;		/* read from smtp_password_file */
	char	*smtp_ca_bundle;	/* extra trust anchors for the SMTP server */
	char	*public_url;		/* the customer area's URL, for links in e-mails */
	char	*invoice_seller_name;	/* who issues the invoices */
	char	*invoice_seller_address;
	char	*invoice_seller_vat_id;
	char	*fec_journal_code;	/* accounting export (FEC): journal and accounts */
	char	*fec_journal_label;
	char	*fec_customer_account;
	char	*fec_sales_account;
	char	*fec_vat_account;
	char	*fec_bank_account;
	char	*renewal_watch_fraction; /* issue 17: "0.2", the lifetime left that is overdue */
	long	 renewal_never_issued_days; /* no certificate that long after enrolment */
	int	 webhook_allow_private;	/* tests only: post to loopback/private addresses */
	int	 webhook_allow_http;	/* tests only: plain http:// endpoints */
	long	 webhook_timeout;	/* seconds per delivery attempt */
	long	 webhook_answer_max;	/* bytes of an endpoint's answer kept (then cut off) */
	long	 webhook_retry_hours;	/* retries with back-off for that long */
	long	 webhook_endpoints_max;	/* endpoints per account */
	char	*legal_timezone;	/* accounting: the zone of the books' dates (tz database name) */
	char	*siren;			/* the seller's SIREN (9 digits): FEC file name */
	char	*mail_from_name;	/* notifications: display name in From: */
	char	*base_path;		/* mounted under this path ("" or "/x[/y]"), docs/nginx.md */
	char	*metrics_allow;		/* networks that may read /metrics (metrics.h) */

	/* Derived at load. */
	long	 renewal_watch_permille;	/* renewal_watch_fraction × 1000 */
	char	*db_password;
	char	*caas_password;
	char	*auth_secret;
	int	 auth_request;	/* auth_mode = auth_request */
};

/* Load path (or $CAAS_CONFIG, or the default); exits with the reason on error. */
void	center_conf_load(struct center_conf *, const char *path);
void	center_conf_free(struct center_conf *);
/* Open a database handle for the center statement table. */
struct db *center_db_open(const struct center_conf *, int multi);
/* A handle on the billing module's statements (billing.h), same server. */
struct db *center_billing_open(const struct center_conf *);

/* ---- SQL: every statement of the module, in sql.c ---- */

enum stmt {
	Q_USER_BY_LOGIN,
	Q_USER_PRINCIPAL,
	Q_USER_SET_LANG,
	Q_SESSION_INSERT,
	Q_SESSION_LOOKUP,
	Q_SESSION_TOUCH,
	Q_SESSION_DELETE,
	Q_SESSION_PURGE,
	Q_LOGIN_FAILURES,
	Q_LOGIN_FAILURES_ADDR,
	Q_LOGIN_FAILURES_DEVICE,
	Q_LOGIN_FAILURE_ADD,
	Q_LOGIN_FAILURE_DELETE,
	Q_LOGIN_FAILURES_CLEAR,
	Q_LOGIN_FAILURES_PURGE,
	Q_LOGIN_GATE,
	Q_LOGIN_GATES_PURGE,
	Q_DEVICE_LOOKUP,
	Q_DEVICE_INSERT,
	Q_DEVICE_PURGE,
	Q_APIKEY_LOOKUP,
	Q_APIKEY_TOUCH,
	Q_ACCOUNT_BY_ID,
	Q_ACCOUNT_INSERT,
	Q_USER_INSERT,
	Q_APIKEY_INSERT,
	Q_ORG_INSERT,
	Q_ORG_BY_ID,
	Q_ORGS_BY_ACCOUNT,
	Q_PREVAL_UPSERT,
	Q_PREVALS_BY_ACCOUNT,
	Q_PREVALS_BY_ORG,
	Q_PRODUCT_EXISTS,
	Q_PRICE_UPSERT,
	Q_PRICES_FOR_ACCOUNT,
	Q_APPROVED_ORGS,
	/* subscriptions (subs.c) */
	Q_LOCK_GET,
	Q_LOCK_RELEASE,
	Q_SUB_BY_KEY,
	Q_SUB_RATE_LIMIT,
	Q_ACCOUNT_SET_SUB_LIMIT,
	Q_SUB_RATE_NTH,
	Q_SUB_INSERT,
	Q_SUB_GET,
	Q_SUB_GET_ANY,
	Q_SUB_SET_UPSTREAM,
	Q_SUB_ACTIVATE,
	Q_SUB_FAIL,
	Q_SUB_CRED_SEEN,
	Q_SUB_RENAME,
	Q_SUB_AUTORENEW,
	Q_SUB_EVENT_INSERT,
	Q_SUB_ANCHOR,
	Q_DRIFT_COUNT,
	Q_DRIFT_LIST,
	Q_ORG_APPROVED,
	Q_DOM_INSERT,
	Q_DOMS_OF_SUB,
	Q_DOMS_LIVE_NAMES,
	Q_DOMS_LIVE_ELSEWHERE,
	Q_DOM_GET,
	Q_DOM_SET_ORDER,
	Q_DOM_ACTIVATE,
	Q_DOMS_ACTIVATE_SUB,
	Q_DOM_FAIL,
	Q_DOMS_FAIL_SUB,
	Q_DOM_REMOVE,
	Q_DOM_MATCH,
	Q_JOURNAL_INSERT,
	Q_JOURNAL_STEP,
	Q_JOURNAL_CLOSE,
	Q_JOURNAL_ERROR,
	Q_JOURNAL_GET,
	Q_JOURNAL_OPEN_PAGE,
	Q_JOURNAL_OPEN_OF_SUB,
	Q_SYNC_SUBS,
	Q_SYNC_SUB_ONE,
	Q_CERT_GET,
	Q_CERT_STATUS,
	Q_CERT_UPSERT,
	Q_SYNC_CURSOR,
	Q_SUB_SET_CURSOR,
	Q_SUB_CERTS_RECOUNT,
	/* pages */
	Q_SUBS_PAGE,
	Q_SUBS_COUNT,
	Q_SUB_DETAIL,
	Q_DOMS_PAGE,
	Q_CERTS_PAGE,
	Q_CERTS_SEARCH,
	Q_CERTS_SEARCH_COUNT,
	/* lifecycle jobs */
	Q_CLAIM_SET,
	Q_CLAIM_CLEAR,
	Q_RENEW_CLAIM,
	Q_EXPIRE_CLAIM,
	Q_PREVTERM_CLAIM,
	Q_DOMS_ACTIVE,
	Q_SUB_RENEW_FAILED,
	Q_SUB_RENEWED,
	Q_CERTS_OUTLIVING,
	Q_CERTS_OUTLIVING_REMOVED,
	Q_CERT_REVOKED,
	Q_SUB_EXPIRE,
	Q_SUB_PREVTERM_CLOSED,
	Q_CERTS_REVOKE_ASKED,
	Q_CERTS_REVOKE_DUE,
	Q_CERT_REVOKE_CLAIM,
	Q_CERT_REVOKE_OUTCOME,
	Q_PREVAL_SET_UPSTREAM,
	Q_JOURNAL_OPEN_KIND,
	/* issue 17: renewal watch, failed issuance, digest (watch.c) */
	Q_WATCH_DOMS,
	Q_WATCH_NEWEST_CERT,
	Q_WATCH_CERT_COUNT,
	Q_WATCH_GET,
	Q_WATCH_UPSERT,
	Q_WATCH_DIGEST_ACCTS,
	Q_WATCH_DIGEST_NAMES,
	Q_WATCH_DIGEST_DONE,
	Q_WATCH_DIGEST_DAY,
	Q_WATCH_DIGEST_DAY_SET,
	Q_WATCH_USER_DIGEST,
	Q_WATCH_USER_GET,
	Q_FAIL_INSERT,
	Q_FAIL_LAST_OF_DOM,
	Q_WATCH_DOM_OF_ACCOUNT,
	/* issue 17: webhooks (webhooks.c) */
	Q_WH_INSERT,
	Q_WH_COUNT,
	Q_WH_LIST,
	Q_WH_GET,
	Q_WH_DELETE,
	Q_WH_ROTATE,
	Q_WH_FOR_EVENT,
	Q_WHD_INSERT,
	Q_WHD_RECENT,
	Q_WHD_DUE,
	Q_WHD_CLAIM,
	Q_WHD_DONE,
	Q_WHD_RETRY,
	Q_WHD_FAIL,
	Q_WHD_DROP_DELETED,
	Q_WH_SUB_INFO,
	Q_WH_DOM_INFO,
	Q_WATCH_SUB_ATTENTION,
	Q_WATCH_DOMS_PAGE,
	Q_WATCH_ACCOUNT_ATTENTION,
	Q_WH_CERT_INFO,
	Q__MAX
};

extern const char *const center_sql[Q__MAX];

/* ---- identity ---- */

enum role {
	ROLE_CUSTOMER,
	ROLE_ACCOUNTING,
	ROLE_ADMIN,
	ROLE__MAX
};
extern const char *const role_names[ROLE__MAX];

/* Who is asking: a logged-in user (session) or an account's API key. */
struct principal {
	int		 authenticated;
	int		 via_api_key;
	long long	 user_id;	/* 0 for API keys */
	char		 login[101];
	enum role	 role;
	char		 lang[3];	/* user's setting, may be empty */
	long long	 account_id;
	char		 account_name[201];
	char		 account_kind[8];	/* "deposit" | "monthly" */
	int		 compatible;
	long long	 balance_cents;
	char		 currency[4];
	long long	 session_id;
	char		 csrf[44];
};

/* ---- per-request context ---- */

struct ctx {
	const struct center_conf	*conf;
	struct db			*db;
	struct db			*bdb;		/* billing statements (billing.h) */
	struct req			*req;
	const struct catalog		*cat;
	struct principal		 who;
	long long			 ids[4];	/* numeric path segments */
	size_t				 nids;
	int				 api;		/* /api/ route: JSON errors */
};

/* Handlers answer the request themselves and return 0, or return an
 * HTTP status (>= 400) for the common error page. */
typedef int (*handler_fn)(struct ctx *);

/* auth.c */
int	auth_session(struct ctx *);
int	auth_api_key(struct ctx *);
int	auth_handover(struct ctx *);
int	auth_csrf_ok(struct ctx *);
int	h_login_form(struct ctx *);
int	h_login(struct ctx *);
int	h_logout(struct ctx *);
int	h_language(struct ctx *);

/* pages.c */
int	h_home(struct ctx *);
int	h_healthz(struct ctx *);
int	h_acme_list(struct ctx *);
int	h_acme_new(struct ctx *);
/* <account> of the caller: id, name, type, balance_cents, currency. */
void	account_node(struct ctx *, xmlNodePtr parent);
/* The creation form's model (prices, organizations, a fresh form token). 0 or a status. */
int	acme_new_page(struct ctx *, struct model **);
int	h_prevalidations(struct ctx *);
int	h_organization(struct ctx *);
int	h_api_account(struct ctx *);

/* subs_pages.c: subscription pages */
int	h_acme_create(struct ctx *);
int	h_acme_show(struct ctx *);
int	h_acme_settings(struct ctx *);
int	h_domain_add(struct ctx *);
int	h_domain_delete_form(struct ctx *);
int	h_domain_delete(struct ctx *);
int	h_certificates(struct ctx *);

/* subs_api.c: the JSON API /api/v1 (README "JSON API") */
int	h_api_quote(struct ctx *);
int	h_api_subs_list(struct ctx *);
int	h_api_subs_create(struct ctx *);
int	h_api_subs_show(struct ctx *);
int	h_api_subs_patch(struct ctx *);
int	h_api_domain_add(struct ctx *);
int	h_api_domain_delete(struct ctx *);
int	h_api_certificates(struct ctx *);
/* invoice_pages.c, export_page.c */
int	h_invoices(struct ctx *);
int	h_invoice(struct ctx *);
int	h_export(struct ctx *);

/* app.c: the route table and the common response paths */
void	app_handle(struct ctx *);
/* New model for view with the session chrome (user, nav, CSRF) filled in. */
struct model *page_new(struct ctx *, const char *view);
/* Render model with status, in the media the client asked for. */
void	page_send(struct ctx *, struct model *, int status);
/* The common error page / API error: status, message key, optional field. */
void	page_error(struct ctx *, int status, const char *msgkey, const char *field);
/* The same with a sentence already written (NULL: the status's own). */
void	page_error_msg(struct ctx *, int status, const char *message, const char *field);

/* The views compiled at start (views/<name>.xsl). */
extern const char *const center_views[];

#endif
