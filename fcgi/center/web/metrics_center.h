/*
 * The customer area's /metrics (docs/config.md "Monitoring"): the shared
 * counters of metrics.h plus what the database knows (journal, outbox,
 * job runs, certificates, the jobs' upstream calls).
 */
#ifndef CENTER_METRICS_H
#define CENTER_METRICS_H

#include "center.h"

/* In the master, before fork: the shared counters, one slot per route (app.c). 0 or -1. */
int	app_metrics_init(void);
/* GET /metrics: 403 unless REMOTE_ADDR is in metrics_allow; text/plain 0.0.4. */
int	h_metrics(struct ctx *);
/*
 * At the end of a caasctl command: a job (reconcile, sync, renew, expire,
 * notify, close-invoices, run-jobs) records its run and exit status in
 * job_runs; every command adds the upstream calls it made to
 * upstream_calls. Failures are logged, never fatal.
 */
void	metrics_job_done(struct db *, const char *command, int status);

#endif
