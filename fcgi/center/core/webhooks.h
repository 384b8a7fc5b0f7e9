/*
 * Webhooks of the customer area (issue 17, item 3).
 *
 * Producers call webhook_enqueue in the transaction that records the
 * event: one delivery row per endpoint of the account that chose the
 * event is queued with it, or none at all. `caasctl webhooks` (in
 * run-jobs) posts each queued delivery, signed with the endpoint's
 * secret (HMAC-SHA256 over "<timestamp>.<body>", header
 * Caas-Signature: t=<timestamp>,v1=<hex>), retrying with exponential
 * back-off for webhook_retry_hours. docs/webhooks.md is the reference.
 */
#ifndef CENTER_WEBHOOKS_H
#define CENTER_WEBHOOKS_H

#include <time.h>

#include <jansson.h>

#include "center.h"

enum wh_event {
	WH_SUBSCRIPTION_CREATED,
	WH_SUBSCRIPTION_RENEWED,
	WH_SUBSCRIPTION_RENEWAL_FAILED,
	WH_SUBSCRIPTION_EXPIRED,
	WH_DOMAIN_ADDED,
	WH_DOMAIN_REMOVED,
	WH_CERTIFICATE_ISSUED,
	WH_CERTIFICATE_REVOKED,
	WH_RENEWAL_OVERDUE,
	WH_TEST,		/* "webhook.test": only on request, to one endpoint */
	WH__MAX
};
extern const char *const wh_event_names[WH__MAX];

#define WH_EVENT_KEY_MAX	150	/* bytes of an event key (schema) */
#define WH_URL_MAX		500
#define WH_SECRET_LEN		64	/* hex of 32 random bytes */

/*
 * Queue event for every live endpoint of account_id that chose it (for
 * WH_TEST: only endpoint_id). event_key names the event ("expired:12"):
 * the same key for the same endpoint is queued once, however often the
 * producer runs. data (borrowed) becomes the body's "data" object.
 * Runs on db's connection, so inside the caller's transaction; it never
 * begins, commits or rolls back. Returns the number of deliveries newly
 * queued, or a db.h error (the caller rolls back). When delivery_id is
 * not NULL it receives the id of the last delivery queued.
 */
int	webhook_enqueue(struct db *, enum wh_event, long long account_id, long long endpoint_id,
	    const char *event_key, json_t *data, char delivery_id[33]);

/* The same, building data from a subscription id (and a domain, a certificate). */
int	webhook_sub_event(struct db *, enum wh_event, long long account_id, long long sub_id,
	    const char *domain, const char *reference, const char *event_key);

/*
 * The hooks of the subscription core, each called in the transaction of
 * its event: a subscription's event (created, renewed, renewal_failed,
 * expired; detail tells two events of one kind apart, e.g. the new end
 * date) and a domain's (added, removed). 0, or a db.h error.
 */
int	webhook_sub_hook(struct db *, enum wh_event, long long sub_id, const char *detail);
int	webhook_dom_hook(struct db *, enum wh_event, long long dom_id);
/* A certificate's event by its row id; the same event key as sync's, so a
 * revocation learnt twice (AutoRevokeSSL, then GETLASTORDER) is queued once. */
int	webhook_cert_hook(struct db *, enum wh_event, long long cert_id);
/* The event key of a certificate's event (out: WH_EVENT_KEY_MAX + 1). */
void	webhook_cert_key(enum wh_event, long long sub_id, const char *reference, char *out);

struct webhook_stats {
	unsigned int	 delivered, retried, failed;
};

/*
 * Post the deliveries due at now, each taken with SELECT … FOR UPDATE
 * SKIP LOCKED and a claim, so concurrent runs never post one twice.
 * 0, or a db.h error.
 */
int	webhook_deliver_due(struct db *, const struct center_conf *, time_t now,
	    struct webhook_stats *);

/*
 * The signature header value of body at t with secret:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". 0, or -1.
 */
int	webhook_sign(const char *secret, time_t t, const char *body, size_t len, char *out,
	    size_t outsz);

/*
 * Is this address one the sender refuses (loopback, private, link-local,
 * unspecified, multicast, CGNAT, unique-local, IPv4-mapped of those)?
 * family AF_INET or AF_INET6, addr the in_addr / in6_addr.
 */
int	webhook_addr_refused(int family, const void *addr);

/* URL accepted for an endpoint: https:// (http:// when allowed), a host, at most WH_URL_MAX. */
int	webhook_url_ok(const struct center_conf *, const char *url);

/* caasctl webhooks [--now T] (caasctl_webhooks.c). */
int	cmd_webhooks(struct db *, const struct center_conf *, int, char **);
/* caasctl watch [--now T]: the renewal watch and the daily digest. */
int	cmd_watch(struct db *, const struct center_conf *, int, char **);

/* webhooks_api.c, webhooks_pages.c */
int	h_api_webhooks_list(struct ctx *);
int	h_api_webhooks_create(struct ctx *);
int	h_api_webhook_delete(struct ctx *);
int	h_api_webhook_rotate(struct ctx *);
int	h_api_webhook_test(struct ctx *);
int	h_webhooks_page(struct ctx *);
int	h_webhooks_create(struct ctx *);
int	h_webhook_delete(struct ctx *);
int	h_webhook_rotate(struct ctx *);
int	h_webhook_test(struct ctx *);
int	h_watch_digest_setting(struct ctx *);

/*
 * The webhooks model shared by the page and the API: <webhooks> of the
 * caller's account, each with its last deliveries. 0 or an HTTP status.
 */
int	model_webhooks(struct ctx *, xmlNodePtr root);

#endif
