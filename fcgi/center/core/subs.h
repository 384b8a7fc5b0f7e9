/*
 * ACME CaaS subscriptions, the core (DESIGN.md §1, §3, §4): quotes,
 * creation, domains added and removed, the journal that lets
 * `caasctl reconcile` finish or undo what a dead process left, and
 * `caasctl sync` of the certificates the upstream delivered. No web
 * code: the page and API handlers (subs_pages.c) and caasctl call it.
 *
 * Every operation that touches the upstream and money follows one
 * order: write the intent (rows "pending" + a journal row) and commit;
 * call the upstream; charge or refund through the billing module with
 * a key derived from our row ids; mark the rows done in one commit.
 * A death between two steps leaves an open journal row whose recorded
 * step tells reconcile what happened. The customer is charged if and
 * only if the subscription (or domain) ends up active.
 */
#ifndef CENTER_SUBS_H
#define CENTER_SUBS_H

#include "center.h"
#include "billing.h"
#include "core/domains.h"
#include "names.h"

#define SUBS_NAME_MAX		200	/* characters of a subscription's name */
#define SUBS_KEY_MAX		100	/* idempotency key, printable ASCII */
#define SUBS_REFUND_WINDOW	(30 * 24 * 3600)


/* Who acts, on which account, with which connections. */
struct subs_env {
	const struct center_conf	*conf;
	struct db			*db;	/* center statements */
	struct db			*bdb;	/* billing statements */
	long long			 account_id;
	const char			*actor;	/* login, "api-key-<id>" or "caasctl" */
};

/* Why an operation was refused: HTTP status, the field, a sentence. */
struct subs_error {
	int		 status;	/* 400, 402, 403, 404, 409, 500, 502, 503 */
	const char	*field;		/* NULL: the request as a whole */
	const char	*msgkey;	/* i18n key, when detail is empty */
	char		 detail[640];	/* a sentence already written (domain line, upstream) */
};

/* Set err to status, field and the sentence of msgkey. */
void	subs_err_set(struct subs_error *, int status, const char *field, const char *msgkey);
/* err for a database outcome (503 when the server is down); returns -1. */
int	subs_dberr(struct subs_error *, int db_rc);
/* 1..SUBS_NAME_MAX characters of UTF-8 text without control characters. */
int	subs_name_ok(const char *);
/* 1..SUBS_KEY_MAX characters among letters, digits and - _ . : */
int	subs_key_ok(const char *);

struct quote_line {
	char		 domain[DOMAIN_NAME_MAX + 1];
	char		 product[33];
	char		 product_name[101];
	int		 wildcard;
	long long	 price_cents;	/* net */
};

struct quote {
	struct quote_line	 v[DOMAINS_MAX];
	size_t			 n;
	long long		 total_cents;	/* net */
	long long		 vat_cents;	/* sum of the per-line VAT */
	long long		 gross_cents;
	long long		 vat_bp;
	struct billing_account	 account;	/* as read for this quote */
};

/*
 * Yearly price of each domain at the account's rates (a new
 * subscription). 0, or -1 with err set (unknown product is a 500).
 */
int	subs_quote_new(const struct subs_env *, enum level, const struct domain_list *,
	    struct quote *, struct subs_error *);

/*
 * Parse the domains typed for level (text, one per line), refusing a
 * wildcard for QWAC and the names already live in subscription_id or,
 * when it is 0, in another subscription of this level (not the one
 * created with idempotency key `key`, so a replay passes). 0, or -1 with err (400, field "domains",
 * the line and the reason in err->detail, in cat's language).
 */
int	subs_domains(const struct subs_env *, const struct catalog *, enum level,
	    const char *text, size_t len, long long subscription_id, const char *key,
	    struct domain_list *, struct subs_error *);

struct subs_create_req {
	enum level		 level;
	long long		 organization_id;	/* 0: none */
	char			 name[SUBS_NAME_MAX * 4 + 1];
	struct domain_list	 domains;
	char			 idempotency_key[SUBS_KEY_MAX + 1];
};

/* The credentials, shown once: the HMAC key lives only in this struct. */
struct subs_created {
	long long	 id;
	int		 replay;	/* the key was used before: no HMAC key */
	char		 status[16];
	char		 kid[129];
	char		 hmac[129];
	char		 server[256];
};

/*
 * The organization of rq: none for DV (or one the account owns), for OV
 * and QWAC one the account owns with an approved pre-validation for that
 * level. 0 with *org (its row, or NULL for none; the caller frees it), or
 * -1 with err (400, field "organization_id"). subs_create checks it too;
 * the creation form's preview calls it so that a preview never prices
 * what "Subscribe" would refuse.
 */
int	subs_check_org(const struct subs_env *, const struct subs_create_req *,
	    struct db_res **org, struct subs_error *);

/*
 * Create a subscription (DESIGN.md §1): PREREGISTER and ADDDOMAIN
 * upstream, charge every domain in one billing transaction, mark it
 * active. Requests with the same idempotency key are serialised; a
 * later one answers the first outcome (replay = 1, no HMAC key), and
 * finishes the undo of a first attempt that died. 0 with *out, or -1
 * with err and nothing charged. The caller wipes out->hmac.
 */
int	subs_create(const struct subs_env *, const struct subs_create_req *,
	    struct subs_created *out, struct subs_error *);

/* Mark that the credentials page was rendered; 1 if it already was. */
int	subs_credentials_seen(const struct subs_env *, long long id);

/*
 * Price of adding one domain now (pro rata to the subscription's end,
 * DESIGN.md §4), or add it: ADDDOMAIN upstream then the charge.
 * 0 with *price (and *domain_id when added), or -1 with err.
 */
int	subs_domain_add(const struct subs_env *, long long subscription_id,
	    const struct domain_entry *, int quote_only, long long *price,
	    long long *domain_id, struct subs_error *);

struct subs_removal {
	int		 within_window;	/* activated less than 30 × 24 h ago */
	long long	 refund_cents;	/* net; 0 outside the window */
	long long	 revoked;	/* certificates shown revoked */
	char		 name[DOMAIN_NAME_MAX + 1];
};

/*
 * What removing the domain would do (dry_run) or do it: REMOVEDOMAIN
 * upstream (which revokes its certificates within the window), the
 * refund, the rows. 0 with *out, or -1 with err.
 */
int	subs_domain_remove(const struct subs_env *, long long subscription_id,
	    long long domain_id, int dry_run, struct subs_removal *out, struct subs_error *);

/* Rename and/or switch auto-renewal (NULL / -1: unchanged); recorded with actor. */
int	subs_update(const struct subs_env *, long long subscription_id, const char *name,
	    int auto_renew, struct subs_error *);

/* ---- jobs (caasctl) ---- */

struct subs_job_stats {
	long long	 seen, done, undone, failed, certs_new, certs_updated;
};

/*
 * Finish or undo every open journal row older than min_age seconds
 * (0: all): creations are undone (their HMAC key is lost), additions
 * finished when the upstream has the domain, removals finished.
 */
int	subs_reconcile(const struct subs_env *, long min_age, struct subs_job_stats *);

/*
 * Pull GETLASTORDER for active subscriptions and those expired since
 * their last sync (or one, id > 0, active or expired) and record each
 * certificate as SGACME-<orderNumber>: from the page of the oldest
 * certificate that can still change, so the cost grows with new and
 * live certificates, not with history. One upstream call per
 * subscription visited (and per further page); the expired history
 * costs nothing (schema/center/0008_jobs_indexes.sql).
 */
int	subs_sync(const struct subs_env *, long long subscription_id, struct subs_job_stats *,
	    int progress);

/*
 * Lifecycle jobs at clock_now() (issue #6): renewal from 30 days before
 * the end (charge every active domain a year, EXTENDDOMAINS, the new end
 * from LISTDOMAINS; a deposit that cannot pay gets "renewal failed: …"
 * and a retry every day until the end), and expiry (SUSPENDACCOUNT, the
 * certificates that outlive the term revoked with !AutoRevokeSSL, then
 * expired). progress: show a counter on stderr. 0 or -1.
 */
int	subs_renew(const struct subs_env *, struct subs_job_stats *, int progress);
int	subs_expire(const struct subs_env *, struct subs_job_stats *, int progress);
/*
 * The revocations we asked for (removal in the refund window, expiry) that
 * the upstream has not confirmed after revocation_confirm_delay: asked again
 * with !AutoRevokeSSL, outcome recorded (st: seen, done = confirmed,
 * failed = database errors). 0 or -1.
 */
int	subs_confirm_revocations(const struct subs_env *, struct subs_job_stats *);
/* !AutoRevokeSSL for one certificate row, outcome recorded: 1 confirmed,
 * 0 requested, -1 database error (subs_lifecycle.c). */
int	subs_revoke_cert(const struct subs_env *, long long cert_id, long long order_number,
	    int code_reason, const char *reason);

/* Fault injection for the journal tests (conf fault_file); dies at point. */
void	subs_fault(const struct subs_env *, const char *point);

#endif
