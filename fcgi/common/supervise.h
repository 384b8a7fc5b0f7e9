/*
 * A supervisor for worker processes, shared by every daemon: it forks
 * the workers, respawns those that die (slowing down when they die at
 * once), and on SIGTERM/SIGINT asks each to stop, waits `grace`
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

/* Run until SIGTERM/SIGINT, then stop the workers and return. */
void	supervise_run(const struct supervise *);
/* In a worker: asked to stop (also while SIGTERM is blocked and pending). */
int	supervise_stopping(void);
/* Write the calling process's pid to path (NULL: nothing); exits on failure. */
void	supervise_pidfile(const char *path);

#endif
