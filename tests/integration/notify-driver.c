/*
 * notify-driver: queues one notification through notify_enqueue against
 * the real database, for tests/integration/49-notifications.sh. It
 * stands in for the jobs that report events (renewal, expiry, domain
 * deletion): it opens a transaction on the customer area's handle,
 * enqueues, then commits, or rolls back with --rollback.
 *
 *   notify-driver -f CONF [--rollback] KIND ACCOUNT SUBSCRIPTION DEDUP_KEY PARAMS_JSON
 *
 * Prints "queued=N" and exits 0; a refusal (NOTIFY_EINVAL) prints
 * "refused" and exits 3; a database error exits 1; usage errors exit 2.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "log.h"
#include "jobs/notify.h"

static int
kind_of(const char *s)
{
	for (int i = 0; i < NOTIFY_KIND__MAX; i++)
		if (strcmp(s, notify_kind_names[i]) == 0)
			return i;
	return -1;
}

static int
run(struct db *db, int rollback, char **argv)
{
	json_t	*params;
	int	 kind, rc;

	if ((kind = kind_of(argv[0])) == -1) {
		fprintf(stderr, "notify-driver: unknown kind %s\n", argv[0]);
		return 2;
	}
	if ((params = json_loads(argv[4], 0, NULL)) == NULL) {
		fprintf(stderr, "notify-driver: PARAMS_JSON does not parse\n");
		return 2;
	}
	if (db_begin(db) != 0) {
		json_decref(params);
		return 1;
	}
	rc = notify_enqueue(db, (enum notify_kind)kind, strtoll(argv[1], NULL, 10),
	    strtoll(argv[2], NULL, 10), argv[3], params);
	json_decref(params);
	if (rc < 0 || rollback) {
		db_rollback(db);
		if (rc == NOTIFY_EINVAL) {
			printf("refused\n");
			return 3;
		}
		if (rc < 0)
			return 1;
	} else if (db_commit(db) != 0)
		return 1;
	printf("queued=%d\n", rc);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	struct db		*db;
	int			 rc, rollback = 0, i = 3;

	if (argc < 3 || strcmp(argv[1], "-f") != 0) {
		fprintf(stderr, "usage: notify-driver -f CONF [--rollback] KIND ACCOUNT "
		    "SUBSCRIPTION DEDUP_KEY PARAMS_JSON\n");
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "--rollback") == 0) {
		rollback = 1;
		i++;
	}
	if (argc - i != 5) {
		fprintf(stderr, "notify-driver: expected KIND ACCOUNT SUBSCRIPTION DEDUP_KEY PARAMS_JSON\n");
		return 2;
	}
	center_conf_load(&conf, argv[2]);
	log_init("notify-driver", 0, LOG_LVL_INFO);
	if ((db = center_db_open(&conf, 0)) == NULL)
		return 1;
	rc = run(db, rollback, argv + i);
	db_close(db);
	center_conf_free(&conf);
	return rc;
}
