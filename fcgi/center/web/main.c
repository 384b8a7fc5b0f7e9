/*
 * center-fcgi: the customer area's FastCGI daemon.
 *
 * A prefork master (prefork.c) binds the socket nginx talks to after
 * the views are compiled, keeps the configured number of workers alive
 * and stops them gracefully on SIGTERM. Each worker owns one database
 * connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>
#include <libxml/parser.h>

#include "center.h"
#include "log.h"
#include "web/metrics_center.h"
#include "prefork.h"
#include "supervise.h"
#include "render.h"

static void
serve_one(const struct center_conf *conf, struct db *db, struct db *bdb, FCGX_Request *fr,
    const struct req_limits *lim)
{
	struct req	 req;
	struct ctx	 c;

	(void)db_fresh(db);	/* an outage shows as 503 from the handler */
	(void)db_fresh(bdb);
	req_parse(&req, fr, lim);
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.db = db;
	c.bdb = bdb;
	c.req = &req;
	app_handle(&c);
	/* A handler that failed half-way must not leave a transaction open. */
	(void)db_rollback(db);
	(void)db_rollback(bdb);
	req_free(&req);
}

static void
worker(int sock, void *arg)
{
	const struct center_conf *conf = arg;
	FCGX_Request		 fr;
	struct db		*db, *bdb;
	struct req_limits	 lim = {
		.max_body = (size_t)conf->max_body,
		.max_query = (size_t)conf->max_query,
		.max_fields = 256,
	};

	if ((db = center_db_open(conf, 0)) == NULL || (bdb = center_billing_open(conf)) == NULL)
		fatalx("worker: out of memory");
	if (FCGX_InitRequest(&fr, sock, 0) != 0)
		fatalx("worker: FCGX_InitRequest failed");
	while (!prefork_stopping() && FCGX_Accept_r(&fr) >= 0) {
		/* Serving: from now on a death is a request's doing, answered
		 * by an immediate respawn (supervise.h). */
		supervise_ready();
		serve_one(conf, db, bdb, &fr, &lim);
		FCGX_Finish_r(&fr);
	}
	db_close(db);
	db_close(bdb);
}

static void
usage(void)
{
	fprintf(stderr, "usage: center-fcgi [-f config]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	struct prefork		 pf;
	const char		*path = NULL;
	char			 err[512];
	int			 ch;

	while ((ch = getopt(argc, argv, "f:")) != -1)
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		default:
			usage();
		}
	center_conf_load(&conf, path);
	/* Before forking: the workers call the upstream with libcurl. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	xmlInitParser();
	if (i18n_load(conf.views_dir, err, sizeof(err)) == -1)
		fatalx("views: %s", err);
	if (render_init(conf.views_dir, center_views, err, sizeof(err)) == -1)
		fatalx("views: %s", err);
	/* Before forking: the workers share the counters and the mount point. */
	if (app_metrics_init() != 0 || resp_set_base(conf.base_path) != 0)
		fatalx("metrics or base_path set-up failed");
	pf = (struct prefork){ .listen = conf.listen, .workers = conf.workers,
	    .pidfile = conf.pidfile, .fn = worker, .arg = &conf };
	prefork_run(&pf);
	render_shutdown();
	i18n_unload();
	center_conf_free(&conf);
	log_info("stopped");
	return 0;
}
