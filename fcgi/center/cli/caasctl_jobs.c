/*
 * caasctl's subscription jobs (README "Subscription jobs", issue #6),
 * each printing one summary line and taking --now so tests (and a
 * catch-up after an outage) run them at any time:
 *
 *   caasctl reconcile [--min-age SECONDS] [--now T]
 *   caasctl sync [--subscription ID] [--now T]
 *   caasctl renew [--now T]
 *   caasctl expire [--now T]
 *   caasctl run-jobs [--now T]     every job due at T, in order
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/caasctl_jobs.h"
#include "cli/caasctl_money.h"
#include "clock.h"
#include "log.h"
#include "jobs/notify.h"
#include "core/subs.h"
#include "core/webhooks.h"

struct job_opts {
	const char	*now;
	const char	*min_age;
	const char	*subscription;
};

/* --now, --min-age, --subscription (each where allowed); exits on anything else. */
static void
job_opts(int argc, char **argv, struct job_opts *o, int allow_age, int allow_sub)
{
	time_t	 t;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			fatalx("%s: %s needs a value", argv[0], k);
		if (strcmp(k, "--now") == 0)
			o->now = v;
		else if (allow_age && strcmp(k, "--min-age") == 0)
			o->min_age = v;
		else if (allow_sub && strcmp(k, "--subscription") == 0)
			o->subscription = v;
		else
			fatalx("%s: unknown option %s", argv[0], k);
	}
	if (o->now != NULL) {
		if (clock_parse(o->now, &t) != 0)
			fatalx("--now: \"%s\" is not a UTC time like \"2027-01-01 06:00:00\"", o->now);
		clock_set(t);
	}
}

static long long
number(const char *opt, const char *s, long long max)
{
	char		*end;
	long long	 v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > max)
		fatalx("%s: expected a number from 0 to %lld", opt, max);
	return v;
}

/* The env of a job: its own billing connection, the actor "caasctl". */
static struct db *
job_env(struct subs_env *e, struct db *db, const struct center_conf *conf)
{
	struct db	*bdb;

	if ((bdb = center_billing_open(conf)) == NULL)
		fatalx("out of memory");
	*e = (struct subs_env){ .conf = conf, .db = db, .bdb = bdb, .actor = "caasctl" };
	return bdb;
}

static int
reconcile(struct db *db, const struct center_conf *conf, long age)
{
	struct subs_env		 e;
	struct subs_job_stats	 st = { 0 };
	struct db		*bdb = job_env(&e, db, conf);
	int			 rc = subs_reconcile(&e, age, &st);

	printf("reconcile: %lld open, %lld finished, %lld undone, %lld failed\n", st.seen, st.done,
	    st.undone, st.failed);
	db_close(bdb);
	return rc == 0 && st.failed == 0 ? 0 : 1;
}

int
cmd_reconcile(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;

	job_opts(argc, argv, &o, 1, 0);
	return reconcile(db, conf, o.min_age ? (long)number("--min-age", o.min_age, 86400LL * 365) : 60);
}

static int
sync_(struct db *db, const struct center_conf *conf, long long id)
{
	struct subs_env		 e;
	struct subs_job_stats	 st = { 0 };
	struct db		*bdb = job_env(&e, db, conf);
	int			 rc = subs_sync(&e, id, &st, isatty(STDERR_FILENO));

	printf("sync: %lld subscriptions, %lld new certificates, %lld updated, %lld failed\n",
	    st.seen, st.certs_new, st.certs_updated, st.failed);
	db_close(bdb);
	return rc == 0 ? 0 : 1;
}

int
cmd_sync(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;

	job_opts(argc, argv, &o, 0, 1);
	return sync_(db, conf, o.subscription ? number("--subscription", o.subscription, 1LL << 53) : 0);
}

static int
renew(struct db *db, const struct center_conf *conf)
{
	struct subs_env		 e;
	struct subs_job_stats	 st = { 0 };
	struct db		*bdb = job_env(&e, db, conf);
	int			 rc = subs_renew(&e, &st, isatty(STDERR_FILENO));

	printf("renew: %lld due, %lld renewed, %lld not renewed, %lld failed\n", st.seen, st.done,
	    st.seen - st.done - st.failed, st.failed);
	db_close(bdb);
	return rc == 0 && st.failed == 0 ? 0 : 1;
}

int
cmd_renew(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;

	job_opts(argc, argv, &o, 0, 0);
	return renew(db, conf);
}

static int
expire(struct db *db, const struct center_conf *conf)
{
	struct subs_env		 e;
	struct subs_job_stats	 st = { 0 };
	struct db		*bdb = job_env(&e, db, conf);
	int			 rc = subs_expire(&e, &st, isatty(STDERR_FILENO));

	printf("expire: %lld due, %lld expired, %lld certificates revoked, %lld failed\n", st.seen,
	    st.done, st.certs_updated, st.failed);
	db_close(bdb);
	return rc == 0 && st.failed == 0 ? 0 : 1;
}

int
cmd_expire(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;

	job_opts(argc, argv, &o, 0, 0);
	return expire(db, conf);
}

/*
 * Every job due at --now, in the order their effects need: finish what
 * died, learn new certificates, renew, expire (revocations), remind,
 * close last month's invoices, then send the mail all of them queued.
 */
static int
confirm_revocations(struct db *db, const struct center_conf *conf)
{
	struct subs_env		 e;
	struct subs_job_stats	 st = { 0 };
	struct db		*bdb = job_env(&e, db, conf);
	int			 rc = subs_confirm_revocations(&e, &st);

	printf("confirm-revocations: %lld due, %lld confirmed revoked, %lld still requested, "
	    "%lld failed\n", st.seen, st.done, st.seen - st.done - st.failed, st.failed);
	db_close(bdb);
	return rc == 0 && st.failed == 0 ? 0 : 1;
}

int
cmd_confirm_revocations(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;

	job_opts(argc, argv, &o, 0, 0);
	return confirm_revocations(db, conf);
}

int
cmd_run_jobs(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct job_opts	 o;
	char		 now[CLOCK_SQL_LEN];
	char		 a0[] = "close-invoices", a1[] = "notify", opt[] = "--now", opt2[] = "--now";
	char		*close_argv[] = { a0, opt, now, NULL };
	char		*notify_argv[] = { a1, opt2, now, NULL };
	char		 a2[] = "watch", a3[] = "webhooks";
	char		*watch_argv[] = { a2, NULL }, *webhooks_argv[] = { a3, NULL };
	int		 fails = 0, n;

	job_opts(argc, argv, &o, 0, 0);
	clock_sql(clock_now(), now);
	fails += reconcile(db, conf, 0) != 0;
	fails += sync_(db, conf, 0) != 0;
	fails += renew(db, conf) != 0;
	fails += expire(db, conf) != 0;
	fails += confirm_revocations(db, conf) != 0;
	fails += cmd_watch(db, conf, 1, watch_argv) != 0;
	if ((n = notify_remind(db, clock_now())) < 0)
		fails++;
	printf("remind: %d queued\n", n < 0 ? 0 : n);
	/* Unpinned, the clock moved while the jobs ran: hand on the time
	 * now, so the mail queued by the jobs above is already due. */
	clock_sql(clock_now(), now);
	fails += cmd_close_invoices(db, conf, 3, close_argv) != 0;
	clock_sql(clock_now(), now);
	fails += notify_cmd(db, conf, 3, notify_argv) != 0;
	fails += cmd_webhooks(db, conf, 1, webhooks_argv) != 0;
	printf("run-jobs %s: %d job%s failed\n", now, fails, fails == 1 ? "" : "s");
	return fails > 0;
}
