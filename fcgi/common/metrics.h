/*
 * Counters for /metrics (Prometheus text exposition format 0.0.4).
 *
 * The FastCGI daemons are a prefork master and N worker processes, so a
 * counter in a worker's own memory would show one worker's share only,
 * and vanish when that worker is respawned. metrics_init maps one
 * anonymous MAP_SHARED region in the master BEFORE it forks: every
 * worker inherits the same pages and adds to them with lock-free
 * atomics (relaxed order: each counter is independent). Counters start
 * at zero when the master starts, as Prometheus expects of a process
 * (the `*_start_time_seconds` gauge tells a restart). What must survive
 * restarts and be shared between hosts (journal, outbox, job runs,
 * issuances) is read from the database at scrape time instead.
 *
 * Without metrics_init (the CLIs), the same calls count into the
 * process's own memory: caasctl reads those back (metrics_upstream_get)
 * to store its jobs' upstream calls in the database.
 */
#ifndef CAAS_METRICS_H
#define CAAS_METRICS_H

#include <stddef.h>

#include "buf.h"

#define METRICS_ROUTES_MAX	64	/* routes of one program, the "unmatched" one included */

/* One route label pair; the table is the program's route table, in order. */
struct metrics_route {
	const char	*method;
	const char	*pattern;
};

/*
 * Map the shared counters for nroutes routes (nroutes <= METRICS_ROUTES_MAX - 1:
 * one more slot is "unmatched"). Call once in the master, before fork.
 * 0, or -1 (logged) if mmap fails.
 */
int	metrics_init(const char *prefix, const struct metrics_route *routes, size_t nroutes);

/* Seconds on the monotonic clock, for durations. */
double	metrics_clock(void);
/* A request answered: route index (or nroutes for no route), status, duration. */
void	metrics_request(size_t route, int status, double seconds);
/* An upstream (CaaS API) call and its outcome: "ok", "refused", "error", "transport". */
void	metrics_upstream(const char *action, const char *outcome);
/* The CA's signer failed an operation (op: "sign", "crl", "connect"…). */
void	metrics_signer_error(const char *op);

/* The process's upstream counts, one per (action, outcome) index pair; see metrics.c. */
size_t	metrics_upstream_nactions(void);
size_t	metrics_upstream_noutcomes(void);
const char *metrics_upstream_action(size_t);
const char *metrics_upstream_outcome(size_t);
unsigned long long metrics_upstream_get(size_t action, size_t outcome);

/* Append the shared counters (start time, requests, latency; the CA: signer errors). */
int	metrics_render(struct buf *);
/* The upstream_calls_total family header and its web lines; the caller may append more. */
int	metrics_render_upstream(struct buf *);

/* Helpers for the DB-backed lines of each program. */
int	metrics_line(struct buf *, const char *name, const char *labels, double value);
int	metrics_help(struct buf *, const char *name, const char *type, const char *help);

/*
 * Network allowlist of /metrics: "ADDR/BITS, ADDR/BITS…" of IPv4 and
 * IPv6 networks (at most 16). metrics_acl_parse: 0, or -1 with the
 * reason in err. metrics_acl_allows: 1 when addr (text, as nginx passes
 * REMOTE_ADDR; an IPv4-mapped IPv6 address counts as IPv4) is inside.
 */
#define METRICS_ACL_MAX	16
struct metrics_acl {
	size_t		 n;
	struct {
		int		 family;	/* AF_INET or AF_INET6 */
		unsigned char	 addr[16];
		unsigned int	 bits;
	}		 net[METRICS_ACL_MAX];
};
int	metrics_acl_parse(struct metrics_acl *, const char *spec, char *err, size_t errsz);
int	metrics_acl_allows(const struct metrics_acl *, const char *addr);
/* Config check: exit naming the file when spec does not parse (NULL: nobody). */
void	metrics_allow_check(const char *spec, const char *path);

#endif
