/*
 * A supervisor for worker processes, shared by every daemon: it forks
 * the workers, respawns those that die (at once when they had started;
 * with a growing delay, per slot, when they die before they can serve),
 * and on SIGTERM/SIGINT asks each to stop, waits `grace`
 * seconds for them to finish what they are doing, then kills the rest.
 */
#ifndef CAAS_SUPERVISE_H
#define CAAS_SUPERVISE_H

struct supervise {
	long	  workers;		/* 1..SUPERVISE_MAX */
	long	  grace;		/* seconds before SIGKILL on stop */
	/*
	 * 0: workers run with signals unblocked (a blocking call such as
	 * accept is interrupted by SIGTERM); 1: workers keep SIGTERM and
	 * SIGINT blocked and let them in only where it is safe (ppoll with
	 * an empty mask), so that work in progress is never interrupted.
	 */
	int	  keep_blocked;
	/* Called from the worker's SIGTERM handler (async-signal-safe), or NULL. */
	void	(*on_term)(void);
	/* The worker: returns once supervise_stopping() is true. */
	void	(*fn)(void *arg);
	void	 *arg;
};

#define SUPERVISE_MAX	256
/* A worker alive this long counts as started even if it never said so. */
#define SUPERVISE_SETTLE_MS	1000
/* The longest wait before respawning a worker that keeps failing to start. */
#define SUPERVISE_BACKOFF_MAX_MS	5000

/* Run until SIGTERM/SIGINT, then stop the workers and return. */
void	supervise_run(const struct supervise *);
/* In a worker: asked to stop (also while SIGTERM is blocked and pending). */
int	supervise_stopping(void);
/*
 * In a worker: its start-up is done (it is about to serve, or has served a
 * request). From then on a death is answered with an immediate respawn.
 */
void	supervise_ready(void);
/* Write the calling process's pid to path (NULL: nothing); exits on failure. */
void	supervise_pidfile(const char *path);

#endif
