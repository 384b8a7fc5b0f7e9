/*
 * ca-fcgi: the bundled CA's ACME server, a prefork FastCGI daemon
 * (common/prefork.c) whose workers each own one database connection.
 * It never reads the CA key (the signer does) and never connects to
 * customers' servers (the validator does).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "acme/acme.h"
#include "acme/acme_handlers.h"
#include "ca_metrics.h"
#include "log.h"
#include "metrics.h"
#include "prefork.h"
#include "supervise.h"
#include "reseller/reseller.h"

/*
 * One request: /products/… is the reseller API (reseller.c, on its own
 * statement table rdb), everything else ACME (acme.c).
 */
static void
serve_one(const struct ca_conf *conf, struct db *db, struct db *rdb, FCGX_Request *fr,
    const struct req_limits *lim)
{
	struct req	 req;
	struct actx	 ax;
	double		 t0 = metrics_clock();

	req_parse(&req, fr, lim);
	if (req.path != NULL && strncmp(req.path, "/products/", 10) == 0) {
		(void)db_fresh(db);
		(void)db_fresh(rdb);
		reseller_handle(conf, db, rdb, &req);
		(void)db_rollback(rdb);
		(void)db_rollback(db);
	} else if (ca_ops_handle(conf, db, &req) == 0) {	/* /metrics, /healthz */
		(void)db_fresh(db);
		memset(&ax, 0, sizeof(ax));
		ax.conf = conf;
		ax.db = db;
		ax.req = &req;
		acme_handle(&ax);
		(void)db_rollback(db);
		actx_free(&ax);
	}
	metrics_request(ca_metrics_route(&req), req.status, metrics_clock() - t0);
	req_free(&req);
}

static void
worker(int sock, void *arg)
{
	const struct ca_conf	*conf = arg;
	FCGX_Request		 fr;
	struct db		*db, *rdb;
	struct req_limits	 lim = {
		.max_body = (size_t)conf->max_body,
		.max_query = 1024,
		.max_fields = 16,
	};

	if ((db = ca_db_open(conf, acme_sql, A__MAX, 0)) == NULL)
		fatalx("worker: out of memory");
	if ((rdb = ca_db_open(conf, reseller_sql, R__MAX, 0)) == NULL)
		fatalx("worker: out of memory");
	if (FCGX_InitRequest(&fr, sock, 0) != 0)
		fatalx("worker: FCGX_InitRequest failed");
	while (!prefork_stopping() && FCGX_Accept_r(&fr) >= 0) {
		/* Serving: from now on a death is a request's doing, answered
		 * by an immediate respawn (supervise.h). */
		supervise_ready();
		serve_one(conf, db, rdb, &fr, &lim);
		FCGX_Finish_r(&fr);
	}
	db_close(rdb);
	db_close(db);
}

int
main(int argc, char *argv[])
{
	struct ca_conf	 conf;
	struct prefork	 pf;
	const char	*path = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "f:")) != -1)
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: ca-fcgi [-f config]\n");
			return 2;
		}
	ca_conf_load(&conf, path, "ca");
	/* Before forking: the workers add to the same counters. */
	if (ca_metrics_init() != 0)
		fatalx("metrics: cannot map the shared counters");
	pf = (struct prefork){ .listen = conf.listen, .workers = conf.workers,
	    .pidfile = conf.pidfile, .fn = worker, .arg = &conf };
	prefork_run(&pf);
	ca_conf_free(&conf);
	log_info("stopped");
	return 0;
}
