/*
 * Internals shared by the subscription core (subs.c), its domain
 * operations (subs_domains.c) and its jobs (subs_jobs.c). Not for the
 * web handlers: they use subs.h.
 */
#ifndef CENTER_SUBS_INT_H
#define CENTER_SUBS_INT_H

#include "billing.h"
#include "upstream/caas.h"
#include "clock.h"
#include "core/subs.h"

#define SUBS_LOCK_LEN	64	/* GET_LOCK names are at most 64 characters */

void	subs_err(struct subs_error *, int status, const char *field, const char *msgkey,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	subs_now(char out[CLOCK_SQL_LEN]);

/* Named locks: 1 held, 0 busy after wait seconds, -1 error. */
int	subs_lock(struct db *, const char *name, long wait);
void	subs_unlock(struct db *, const char *name);
void	subs_lock_name(long long sub_id, char out[SUBS_LOCK_LEN]);

/* Upstream calls (subs_upstream.c): 0 or -1 with err (502 and the upstream's
 * words); *unknown set when the call may or may not have happened. */
int	subs_upstream(const struct subs_env *, const char *action, const char *const *fields,
	    struct caas_result *, int *unknown, struct subs_error *);
void	subs_upstream_drift(const struct subs_env *, const char *action, const char *what);
int	subs_upstream_has(const struct subs_env *, const char *acct, const char *name,
	    char *end, size_t endsz, struct subs_error *);
int	subs_upstream_remove(const struct subs_env *, const char *acct, const char *name,
	    int *unknown, struct subs_error *);
int	subs_upstream_anchor(const struct subs_env *, long long sub_id, const char **field,
	    char value[129], struct subs_error *);
/* What ADDDOMAIN answered: the order, and its cost (-1: unknown) and currency. */
struct subs_order {
	char		 order[65];
	long long	 cost_cents;
	char		 currency[4];
};
int	subs_upstream_add(const struct subs_env *, long long sub_id, const char *acct,
	    const char *name, struct subs_order *, int *unknown, struct subs_error *);
/* The domain row's upstream order, cost and currency. db.h outcome. */
int	subs_dom_set_order(const struct subs_env *, long long dom_id, const struct subs_order *);
/* The upstream cost of domain row i of d (DOM_COLS) when it is in currency, else -1. */
long long subs_dom_upstream_cost(const struct db_res *d, size_t i, const char *currency);
/* cost and currency of an answer, drift counted: *cents -1 when unusable. */
void	subs_upstream_cost(const struct subs_env *, const char *action, json_t *answer,
	    long long *cents, char currency[4]);
int	subs_upstream_set_status(const struct subs_env *, const char *action, const char *acct,
	    const char *kid, struct subs_error *);

void	subs_product(enum level, int wildcard, char code[33], char name[101]);
void	subs_charge_key(long long sub_id, long long dom_id, char out[64]);
void	subs_line_text(const char *product, const char *domain, const char *sub_name,
	    char out[BILLING_TEXT_MAX + 1]);
/* A journal row (kind, subscription, domain or 0) in state open, step "started",
 * on e's connection (inside its transaction if one is open). db.h outcome. */
int	subs_journal_open(const struct subs_env *, const char *kind, long long sub_id,
	    long long dom_id, long long *jid);
int	subs_journal_step(const struct subs_env *, long long jid, const char *step);
int	subs_journal_close(const struct subs_env *, long long jid, const char *state);

/* Undo an open creation (subs_jobs.c): 0 when undone, -1 with err. */
int	subs_undo_create(const struct subs_env *, long long jid, struct subs_error *);
/* Undo an open domain addition (REMOVEDOMAIN if it is there, refund if charged). */
int	subs_undo_add(const struct subs_env *, long long jid, struct subs_error *);
/* The steps of an addition / a removal, shared by the request and reconcile (subs_domains.c). */
int	subs_add_charge(const struct subs_env *, const struct db_res *sub, const struct db_res *dom,
	    struct subs_error *);
int	subs_add_done(const struct subs_env *, long long dom_id, long long jid, struct subs_error *);
int	subs_within_window(const char *added_at, time_t at);
int	subs_remove_finish(const struct subs_env *, const struct db_res *sub,
	    const struct db_res *dom, long long jid, int within, long long *revoked,
	    struct subs_error *);
/* With on (a terminal), a counter on stderr every 100 subscriptions, and a last line. */
void	subs_progress(int on, long long n, int done);
/* Sync one subscription whose named lock the caller holds. 0 or -1. */
int	subs_sync_locked(const struct subs_env *, long long sub_id);
/* A renewal's journal row (subs_lifecycle.c): finish or undo it. */
int	subs_reconcile_renew(const struct subs_env *, long long jid, long long sub_id,
	    struct subs_error *);
/* Queue a notification about subscription row s (notify.h); 1 queued, 0 not, -1 error. */
int	subs_notify(const struct subs_env *, int kind, const struct db_res *s, const char *dedup,
	    const char *end, const char *domain, long long cents, long long count);
/* Finish or undo the open journal rows of one subscription, its lock held or taken. */
int	subs_reconcile_one(const struct subs_env *, long long sub_id, struct subs_job_stats *);

#endif
