/*
 * Prefork master for the FastCGI programs (prefork.h): bind the socket,
 * then let the supervisor (supervise.c) keep the workers alive.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "prefork.h"
#include "supervise.h"

struct fcgi_worker {
	const struct prefork	*pf;
	int			 sock;
};

/* Makes libfcgi's accept loop give up instead of retrying on EINTR. */
static void
fcgi_term(void)
{
	FCGX_ShutdownPending();
}

static void
run_worker(void *arg)
{
	const struct fcgi_worker *w = arg;

	w->pf->fn(w->sock, w->pf->arg);
}

int
prefork_stopping(void)
{
	return supervise_stopping();
}

static int
open_socket(const char *listen)
{
	const char	*path;
	int		 sock;

	if (strncmp(listen, "unix:", 5) == 0) {
		path = listen + 5;
		(void)unlink(path);	/* stale socket from a crash */
		if ((sock = FCGX_OpenSocket(path, 128)) < 0)
			fatalx("cannot listen on %s", listen);
		/* nginx's workers reach it through the socket's group (docs/nginx.md §1). */
		if (chmod(path, 0660) == -1)
			log_warn("chmod %s", path);
	} else if ((sock = FCGX_OpenSocket(listen, 128)) < 0)
		fatalx("cannot listen on %s", listen);
	return sock;
}

void
prefork_run(const struct prefork *pf)
{
	struct fcgi_worker	 w = { .pf = pf };
	struct supervise	 sv = {
		.workers = pf->workers, .grace = 10, .keep_blocked = 0,
		.on_term = fcgi_term, .fn = run_worker, .arg = &w,
	};

	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	w.sock = open_socket(pf->listen);
	supervise_pidfile(pf->pidfile);
	log_info("listening on %s with %ld workers", pf->listen, pf->workers);
	supervise_run(&sv);
	if (strncmp(pf->listen, "unix:", 5) == 0)
		(void)unlink(pf->listen + 5);
	if (pf->pidfile != NULL)
		(void)unlink(pf->pidfile);
}
