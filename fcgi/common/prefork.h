/*
 * A prefork FastCGI master: binds the socket, forks workers that each
 * run worker_fn, respawns those that die, and on SIGTERM/SIGINT stops
 * them gracefully (each finishes its request) before returning.
 */
#ifndef CAAS_PREFORK_H
#define CAAS_PREFORK_H

#include <fcgiapp.h>

/*
 * Called in each worker with the FastCGI socket; returns when
 * prefork_stopping() becomes true. The worker process then exits 0.
 */
typedef void (*prefork_worker_fn)(int sock, void *arg);

struct prefork {
	const char		*listen;	/* "unix:PATH" or "HOST:PORT" */
	long			 workers;
	const char		*pidfile;	/* may be NULL */
	prefork_worker_fn	 fn;
	void			*arg;
};

/* Run the master until SIGTERM/SIGINT; exits the process on setup errors. */
void	prefork_run(const struct prefork *);
/* In a worker: true once asked to stop. */
int	prefork_stopping(void);

#endif
