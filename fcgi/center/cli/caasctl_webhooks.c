/*
 * caasctl's issue-17 jobs, both in run-jobs after sync:
 *
 *   caasctl watch [--now T]      the renewal watch over every active name
 *                                (state changes, renewal.overdue events) and
 *                                the daily digests due
 *   caasctl webhooks [--now T]   post the webhook deliveries due
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "jobs/watch.h"
#include "core/webhooks.h"

/* --now T only; exits on anything else. */
static void
now_opt(int argc, char **argv)
{
	time_t	 t;

	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "--now") != 0 || i + 1 >= argc)
			fatalx("%s: unknown option %s (only --now T)", argv[0], argv[i]);
		if (clock_parse(argv[i + 1], &t) != 0)
			fatalx("--now: \"%s\" is not a UTC time like \"2027-01-01 06:00:00\"",
			    argv[i + 1]);
		clock_set(t);
	}
}

int
cmd_watch(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct watch_stats	 st = { 0 };
	int			 rc;

	now_opt(argc, argv);
	rc = watch_run(db, conf, clock_now(), &st);
	printf("watch: %lld names, %lld changed, %lld overdue, %lld expired, %lld never issued; "
	    "%d digests queued\n", st.seen, st.changed, st.overdue, st.expired, st.never_issued,
	    st.digests);
	return rc == 0 ? 0 : 1;
}

int
cmd_webhooks(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct webhook_stats	 st = { 0 };
	int			 rc;

	now_opt(argc, argv);
	rc = webhook_deliver_due(db, conf, clock_now(), &st);
	printf("webhooks: %u delivered, %u not delivered (retried later or given up)\n",
	    st.delivered, st.retried);
	return rc == 0 ? 0 : 1;
}
