/*
 * E-mail notifications of the customer area (issue #6, item 5).
 *
 * Producers (renewal, expiry, domain deletion…) call notify_enqueue in
 * the transaction that records the event: the message is queued in the
 * notifications outbox (schema 0006) with the event, or not at all.
 * `caasctl notify` later renders each queued message through its XSLT
 * template (views/mail/<kind>.xsl, text, in the recipient's language),
 * sends it over SMTP (common/mail.h) and marks it sent, or retries later.
 *
 * Parameters form a closed set (enum notify_param): a template can
 * only show what is listed here, so no secret (an EAB HMAC key, a
 * password) can ever reach a mail.
 */
#ifndef CENTER_NOTIFY_H
#define CENTER_NOTIFY_H

#include <time.h>

#include <jansson.h>

#include "db.h"

struct center_conf;

/* What happened; the names are the schema's ENUM and the templates' file names. */
enum notify_kind {
	NOTIFY_RENEWAL_DONE,	/* subscription_name, level, end_date (new), amount_cents */
	NOTIFY_RENEWAL_FAILED,	/* subscription_name, level, end_date, missing_cents */
	NOTIFY_EXPIRY_30,	/* subscription_name, level, end_date */
	NOTIFY_EXPIRY_7,	/* subscription_name, level, end_date */
	NOTIFY_DOMAIN_REFUNDED,	/* subscription_name, level, domain, refund_cents, revoked_count */
	NOTIFY_EXPIRED,		/* subscription_name, level, end_date, revoked_count */
	NOTIFY_WATCH_DIGEST,	/* names (issue 17): the account's daily missed-renewal digest;
				 * no subscription (0), only users who did not opt out */
	NOTIFY_KIND__MAX
};
extern const char *const notify_kind_names[NOTIFY_KIND__MAX];

/*
 * Template parameters: keys of the params JSON object, elements of the
 * XML document the template reads. Text values are JSON strings, the
 * others JSON integers; end_date is "YYYY-MM-DD" (the subscription's
 * end, exclusive, as in subscriptions.end_date).
 */
enum notify_param {
	NP_SUBSCRIPTION_NAME,	/* text, the customer's name for it */
	NP_LEVEL,		/* "DV", "OV" or "QWAC" */
	NP_END_DATE,		/* date */
	NP_DOMAIN,		/* text, the domain name (A-labels) */
	NP_AMOUNT_CENTS,	/* integer >= 0: billed for the renewal, VAT included */
	NP_MISSING_CENTS,	/* integer >= 0: what the deposit lacks to renew */
	NP_REFUND_CENTS,	/* integer >= 0: refunded, VAT included */
	NP_REVOKED_COUNT,	/* integer >= 0: certificates revoked */
	NP_NAMES,		/* array of 1..50 {"domain","state","subscription","not_after"?}:
				 * state overdue, expired or never_issued, not_after a date */
	NP__MAX
};
extern const char *const notify_param_names[NP__MAX];

#define NOTIFY_DEDUP_MAX	150	/* bytes of a dedup key (schema) */
#define NOTIFY_EINVAL		(-16)	/* kind, ids, key or params refused (logged) */

/*
 * Queue one message of kind for each customer user of account_id that
 * has an address (users.email, else a login holding an @), in that
 * user's language. subscription_id > 0 names the subscription the
 * message is about (every kind has one); the templates also get it and
 * a link to its page. params: exactly the keys the kind lists above
 * (borrowed, not stolen). dedup_key names the event, for example
 * "expiry30:<subscription>:<end_date>": the same key for the same
 * recipient is queued once, however often the producer runs.
 *
 * Runs on db's connection (any statement table: it shares the
 * connection), so inside the caller's transaction when one is open; it
 * never begins, commits or rolls back. The caller commits (or rolls
 * back, and then nothing was queued).
 *
 * Returns the number of messages newly queued (0: already queued, or no
 * customer user with an address), NOTIFY_EINVAL, or a db.h error
 * (DB_ERR, DB_EDOWN, DB_ELOCK: the caller's transaction must be rolled
 * back and retried).
 */
int	notify_enqueue(struct db *, enum notify_kind, long long account_id,
	    long long subscription_id, const char *dedup_key, json_t *params);

/*
 * Queue the expiry reminders due on now's UTC date: active
 * subscriptions without auto-renewal ending within 30 days get
 * expiry_30 once, within 7 days expiry_7 once (dedup keys
 * "expiry30:<id>:<end_date>", "expiry7:<id>:<end_date>"). One
 * transaction per subscription. Returns the number of messages queued,
 * or a db.h error.
 */
int	notify_remind(struct db *, time_t now);

/* What one notify_send_due run did. */
struct notify_summary {
	unsigned int	 sent;		/* delivered to the SMTP server */
	unsigned int	 failed;	/* given up: refused for good, or too many attempts */
	unsigned int	 deferred;	/* left queued for a later attempt */
};

#define NOTIFY_BATCH_MAX	100

/*
 * Send the messages due at now, batch at a time, each batch taken with
 * SELECT … FOR UPDATE SKIP LOCKED in its own transaction: concurrent
 * runs (hosts) never send the same message. A failure to deliver leaves
 * the message queued with attempts + 1 and next_attempt_at pushed back
 * (5 min, doubling, at most a day); after NOTIFY_MAX_ATTEMPTS, or on a
 * final SMTP refusal or a template failure, it is marked failed. When
 * the server does not answer at all, the run stops after that message.
 * With no smtp_url, nothing is touched (warned once per run). Messages
 * still due at the end count as deferred. A message is sent at least once: a
 * crash between the SMTP answer and the commit sends it again.
 * 0, or a db.h error (what was committed stays).
 */
int	notify_send_due(struct db *, const struct center_conf *, time_t now, size_t batch,
	    struct notify_summary *);
#define NOTIFY_MAX_ATTEMPTS	12

/* The templates to compile (render_init) before notify_send_due. */
extern const char *const notify_views[];

/*
 * Set (or with NULL clear) the notification address of the user with
 * login. 0, NOTIFY_EINVAL (not an address), 1 if there is no such
 * user, or a db.h error.
 */
int	notify_set_email(struct db *, const char *login, const char *email);

/* caasctl notify [--now T] [--batch N] and caasctl user-email (caasctl_notify.c). */
int	notify_cmd(struct db *, const struct center_conf *, int argc, char **argv);
int	notify_cmd_user_email(struct db *, const struct center_conf *, int argc, char **argv);

#endif
