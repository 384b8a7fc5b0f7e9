/*
 * /metrics of the customer area (metrics_center.h). The per-request
 * counters live in shared memory (metrics.c); the rest is read from the
 * database at each scrape with the statements below, through a handle
 * sharing the worker's connection (db_share), so that a scrape costs a
 * few indexed COUNTs and no connection of its own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "center.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "web/metrics_center.h"

enum mstmt {
	QM_JOURNAL_OPEN,
	QM_OUTBOX,
	QM_JOB_RUNS,
	QM_CERTS,
	QM_UPSTREAM,
	QM_JOB_DONE,
	QM_UPSTREAM_ADD,
	QM__MAX
};

static const char *const metrics_sql[QM__MAX] = {
	[QM_JOURNAL_OPEN] =
	    "SELECT kind, COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(created_at), ?), 0) "
	    "FROM journal WHERE state = 'open' GROUP BY kind",
	[QM_OUTBOX] =
	    "SELECT status, COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(created_at), ?), 0) "
	    "FROM notifications WHERE status IN ('queued', 'failed') GROUP BY status",
	[QM_JOB_RUNS] =
	    "SELECT job, last_run_unix, last_ok_unix, last_status, runs, failures FROM job_runs "
	    "ORDER BY job",
	[QM_CERTS] =
	    "SELECT status, COUNT(*) FROM certificates GROUP BY status ORDER BY status",
	[QM_UPSTREAM] =
	    "SELECT action, outcome, n FROM upstream_calls ORDER BY action, outcome",
	[QM_JOB_DONE] =
	    "INSERT INTO job_runs (job, last_run_unix, last_ok_unix, last_status, runs, failures) "
	    "VALUES (?, ?, IF(? = 0, ?, NULL), ?, 1, IF(? = 0, 0, 1)) "
	    "ON DUPLICATE KEY UPDATE last_run_unix = VALUES(last_run_unix), "
	    "last_ok_unix = IF(VALUES(last_status) = 0, VALUES(last_run_unix), last_ok_unix), "
	    "last_status = VALUES(last_status), runs = runs + 1, "
	    "failures = failures + IF(VALUES(last_status) = 0, 0, 1)",
	[QM_UPSTREAM_ADD] =
	    "INSERT INTO upstream_calls (action, outcome, n) VALUES (?, ?, ?) "
	    "ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
};

/* The job commands of caasctl, whose runs are recorded. */
static const char *const jobs[] = {
	"reconcile", "sync", "renew", "expire", "notify", "close-invoices", "run-jobs", NULL,
};
static const char *const journal_kinds[] = { "create", "add_domain", "remove_domain", NULL };

/* The worker's statement handle over its connection, made on the first scrape. */
static struct db *
mdb(struct db *owner)
{
	static struct db	*m;
	static struct db	*of;

	if (m == NULL || of != owner) {
		m = db_share(owner, metrics_sql, QM__MAX);
		of = owner;
	}
	return m;
}

/* A label value from the database: only the closed sets we write, but quote-safe anyway. */
static int
label_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < 40 && s[strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] == '\0';
}

static int
journal_lines(struct db *m, struct buf *b, const char *now)
{
	struct db_res	*r = NULL;
	char		 l[64];
	int		 rc = -1;

	if (db_run(m, QM_JOURNAL_OPEN, (struct db_param[]){ DB_S(now) }, 1, &r) != 0)
		goto out;
	metrics_help(b, "journal_open_rows", "gauge",
	    "Journal rows still open (a request died mid-way; caasctl reconcile finishes them).");
	for (size_t k = 0; journal_kinds[k] != NULL; k++) {
		long long n = 0;
		for (size_t i = 0; i < r->nrows; i++)
			if (strcmp(db_cell(r, i, 0), journal_kinds[k]) == 0)
				n = db_cell_int(r, i, 1);
		snprintf(l, sizeof(l), "kind=\"%s\"", journal_kinds[k]);
		metrics_line(b, "journal_open_rows", l, (double)n);
	}
	metrics_help(b, "journal_oldest_open_age_seconds", "gauge",
	    "Age of the oldest open journal row (0: none open).");
	for (size_t k = 0; journal_kinds[k] != NULL; k++) {
		long long a = 0;
		for (size_t i = 0; i < r->nrows; i++)
			if (strcmp(db_cell(r, i, 0), journal_kinds[k]) == 0)
				a = db_cell_int(r, i, 2);
		snprintf(l, sizeof(l), "kind=\"%s\"", journal_kinds[k]);
		metrics_line(b, "journal_oldest_open_age_seconds", l, (double)a);
	}
	rc = 0;
out:
	db_res_free(r);
	return rc;
}

static int
outbox_lines(struct db *m, struct buf *b, const char *now)
{
	struct db_res	*r = NULL;
	long long	 queued = 0, age = 0, failed = 0;
	int		 rc = -1;

	if (db_run(m, QM_OUTBOX, (struct db_param[]){ DB_S(now) }, 1, &r) != 0)
		goto out;
	for (size_t i = 0; i < r->nrows; i++) {
		if (strcmp(db_cell(r, i, 0), "queued") == 0) {
			queued = db_cell_int(r, i, 1);
			age = db_cell_int(r, i, 2);
		} else
			failed = db_cell_int(r, i, 1);
	}
	metrics_help(b, "outbox_queued", "gauge", "E-mail notifications waiting to be sent.");
	metrics_line(b, "outbox_queued", NULL, (double)queued);
	metrics_help(b, "outbox_oldest_queued_age_seconds", "gauge",
	    "Age of the oldest queued notification (0: none).");
	metrics_line(b, "outbox_oldest_queued_age_seconds", NULL, (double)age);
	metrics_help(b, "outbox_failed", "gauge", "Notifications given up (status failed).");
	metrics_line(b, "outbox_failed", NULL, (double)failed);
	rc = 0;
out:
	db_res_free(r);
	return rc;
}

/* One family per column of job_runs (a NULL cell, e.g. no success yet: no line). */
static void
job_family(struct buf *b, const struct db_res *r, const char *name, const char *type,
    const char *help, size_t col)
{
	char	 l[64];

	metrics_help(b, name, type, help);
	for (size_t i = 0; i < r->nrows; i++)
		if (label_ok(db_cell(r, i, 0)) && db_cell(r, i, col) != NULL) {
			snprintf(l, sizeof(l), "job=\"%s\"", db_cell(r, i, 0));
			metrics_line(b, name, l, (double)db_cell_int(r, i, col));
		}
}

static int
job_lines(struct db *m, struct buf *b)
{
	struct db_res	*r = NULL;

	if (db_run(m, QM_JOB_RUNS, NULL, 0, &r) != 0)
		return -1;
	job_family(b, r, "job_last_success_timestamp_seconds", "gauge",
	    "End of the last run of each caasctl job that exited 0 (Unix time, business clock).", 2);
	job_family(b, r, "job_last_run_timestamp_seconds", "gauge",
	    "End of the last run of each caasctl job, successful or not.", 1);
	job_family(b, r, "job_last_exit_status", "gauge", "Exit status of the last run (0: success).", 3);
	job_family(b, r, "job_runs_total", "counter", "Runs of each job.", 4);
	job_family(b, r, "job_failures_total", "counter", "Runs of each job that did not exit 0.", 5);
	db_res_free(r);
	return 0;
}

/* Certificates delivered: the issuances the upstream reported (caasctl sync). */
static int
cert_lines(struct db *m, struct buf *b)
{
	struct db_res	*r = NULL;
	char		 l[96];
	int		 rc = -1;

	if (db_run(m, QM_CERTS, NULL, 0, &r) != 0)
		goto out;
	metrics_help(b, "certificates", "gauge",
	    "Certificates delivered to customers (caasctl sync), by status.");
	for (size_t i = 0; i < r->nrows; i++)
		if (label_ok(db_cell(r, i, 0))) {
			snprintf(l, sizeof(l), "status=\"%s\"", db_cell(r, i, 0));
			metrics_line(b, "certificates", l, (double)db_cell_int(r, i, 1));
		}
	rc = 0;
out:
	db_res_free(r);
	return rc;
}

/* The jobs' upstream calls, right after the web workers' lines: one family, one group. */
static int
upstream_job_lines(struct db *m, struct buf *b)
{
	struct db_res	*r = NULL;
	char		 l[96];
	int		 rc = -1;

	if (db_run(m, QM_UPSTREAM, NULL, 0, &r) != 0)
		goto out;
	for (size_t i = 0; i < r->nrows; i++)
		if (label_ok(db_cell(r, i, 0)) && label_ok(db_cell(r, i, 1))) {
			snprintf(l, sizeof(l), "source=\"jobs\",action=\"%s\",outcome=\"%s\"",
			    db_cell(r, i, 0), db_cell(r, i, 1));
			metrics_line(b, "upstream_calls_total", l, (double)db_cell_int(r, i, 2));
		}
	rc = 0;
out:
	db_res_free(r);
	return rc;
}

static int
remote_allowed(struct ctx *c)
{
	struct metrics_acl	 acl;
	char			 err[128];

	/* Checked at start (cconf.c): a failure here means an empty list, nobody. */
	if (metrics_acl_parse(&acl, c->conf->metrics_allow, err, sizeof(err)) != 0)
		return 0;
	return metrics_acl_allows(&acl, c->req->remote_addr);
}

int
h_metrics(struct ctx *c)
{
	struct buf	 b;
	struct db	*m;
	char		 now[CLOCK_SQL_LEN];
	int		 up, rc = 500;

	buf_init(&b, 1024 * 1024);
	if (!remote_allowed(c)) {
		log_info("/metrics refused to %s (metrics_allow)",
		    c->req->remote_addr ? c->req->remote_addr : "?");
		rc = 403;
		goto out;
	}
	clock_sql(clock_now(), now);
	if (metrics_render(&b) != 0 || metrics_render_upstream(&b) != 0)
		goto out;
	m = mdb(c->db);
	up = m != NULL && db_ping(c->db) == 0 && upstream_job_lines(m, &b) == 0 &&
	    journal_lines(m, &b, now) == 0 && outbox_lines(m, &b, now) == 0 &&
	    job_lines(m, &b) == 0 && cert_lines(m, &b) == 0;
	/* Last, so a scrape while the database is away still has the counters. */
	metrics_help(&b, "database_up", "gauge", "1 when the database answered this scrape.");
	if (metrics_line(&b, "database_up", NULL, up ? 1 : 0) != 0)
		goto out;
	resp_header(c->req, "Cache-Control", "no-store");
	resp_send(c->req, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int
is_job(const char *command)
{
	for (size_t i = 0; jobs[i] != NULL; i++)
		if (strcmp(jobs[i], command) == 0)
			return 1;
	return 0;
}

void
metrics_job_done(struct db *db, const char *command, int status)
{
	struct db	*m = db_share(db, metrics_sql, QM__MAX);
	long long	 now = (long long)clock_now();

	if (m == NULL)
		return;
	if (is_job(command) && db_run(m, QM_JOB_DONE, (struct db_param[]){ DB_S(command),
	    DB_I(now), DB_I(status), DB_I(now), DB_I(status), DB_I(status) }, 6, NULL) != 0)
		log_warnx("%s: could not record the run in job_runs", command);
	for (size_t a = 0; a < metrics_upstream_nactions(); a++)
		for (size_t o = 0; o < metrics_upstream_noutcomes(); o++) {
			unsigned long long n = metrics_upstream_get(a, o);
			if (n > 0 && db_run(m, QM_UPSTREAM_ADD, (struct db_param[]){
			    DB_S(metrics_upstream_action(a)), DB_S(metrics_upstream_outcome(o)),
			    DB_I(n) }, 3, NULL) != 0)
				log_warnx("%s: could not add its upstream calls", command);
		}
	db_close(m);
}
