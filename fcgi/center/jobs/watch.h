/*
 * The missed-renewal watch and failed issuance (issue 17, items 1 and 2).
 *
 * Per active enrolled name, from the certificates sync recorded:
 *   ok            the newest valid certificate has more than
 *                 renewal_watch_fraction of its lifetime left;
 *   overdue       less than that is left, and no newer certificate exists;
 *   expired       the newest valid certificate is past its notAfter;
 *   pending       no certificate yet, enrolled less than
 *                 renewal_never_issued_days ago;
 *   never_issued  no certificate at all that long after enrolment.
 * Relative to each certificate's own lifetime, so it keeps working when
 * the lifetimes shrink. `caasctl watch` keeps the state last seen per
 * name (renewal_watch), queues renewal.overdue webhooks on a change, and
 * the daily digest of the names whose state turned bad (once per name per
 * state change).
 */
#ifndef CENTER_WATCH_H
#define CENTER_WATCH_H

#include <time.h>

#include <jansson.h>

#include "center.h"
#include "clock.h"

enum watch_state {
	WATCH_OK,
	WATCH_PENDING,
	WATCH_OVERDUE,
	WATCH_EXPIRED,
	WATCH_NEVER_ISSUED,
	WATCH__MAX
};
extern const char *const watch_state_names[WATCH__MAX];

struct watch_info {
	enum watch_state state;
	int		 has_cert;		/* a valid certificate was found */
	char		 not_after[CLOCK_SQL_LEN];	/* its expiry ("" without one) */
	char		 reference[41];
};

/*
 * The state of domain domain_id (enrolled at added_at, SQL time) at now.
 * 0, or a db.h error.
 */
int	watch_compute(struct db *, const struct center_conf *, long long domain_id,
	    const char *added_at, time_t now, struct watch_info *);

/* The pure rule (unit-tested): state from a certificate's validity (0, 0: none). */
enum watch_state watch_rule(time_t not_before, time_t not_after, time_t added_at, time_t now,
	    long permille, long never_days);

/*
 * Under the <domain> node of an active domain: <renewal> (state,
 * not_after) and <last_failure> (or null). 0, or a db.h error.
 */
int	watch_domain_node(struct db *, const struct center_conf *, xmlNodePtr domain,
	    long long domain_id, const char *added_at, const char *status);

/* <renewal_attention> under a subscription of the list: its names the last watch
 * found overdue, expired or never issued (nothing on a database error). */
void	watch_sub_badge(struct db *, xmlNodePtr sub, long long sub_id);

/*
 * The details page's filter ?renewal=attention (else all names): 1 with
 * *count the names it keeps (state of the last watch run) and
 * <renewal_filter> in the page, or 0 (count untouched).
 */
int	watch_filter_attention(struct ctx *, long long sub_id, long long *count);

/*
 * <renewal_attention> at root: up to 100 of the account's names the last
 * watch run found overdue, expired or never issued (name, state,
 * not_after, subscription_id, subscription). 0 or an HTTP status.
 */
int	watch_account_attention(struct db *, xmlNodePtr root, long long account_id);

/* Record an order sync saw failed (status 3, 5, 7). 1 new, 0 known, or a db.h error. */
int	watch_record_failure(struct db *, long long account_id, long long sub_id,
	    long long domain_id, json_t *order);

struct watch_stats {
	long long	 seen, changed, overdue, expired, never_issued;
	int		 digests;
};

/* The watch over every active name, then the digests due. 0, or a db.h error. */
int	watch_run(struct db *, const struct center_conf *, time_t now, struct watch_stats *);

#endif
