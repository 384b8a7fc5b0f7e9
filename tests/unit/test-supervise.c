/*
 * The worker supervisor (common/supervise.c): a stream of requests that
 * each kill the worker serving them must not empty the pool (issue 13
 * item 1: the old one-second sleep after a quick death did), while a
 * worker that cannot even start is retried with a growing delay instead
 * of a fork loop.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"
#include "tap.h"

static int	 req_pipe[2], ans_pipe[2];

/* One byte down a pipe; a short write is the test's failure, seen as a lost byte. */
static void
put(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		perror("write");
}

static long long
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serves one "request" (a byte), answers it, then dies as a crash would. */
static void
crashing_worker(void *arg)
{
	char	 c;

	(void)arg;
	supervise_ready();
	while (!supervise_stopping()) {
		if (read(req_pipe[0], &c, 1) == 1) {
			put(ans_pipe[1], c);
			raise(SIGKILL);
		}
	}
}

/* Cannot start: says hello (so the test counts spawns) and exits. */
static void
failing_worker(void *arg)
{
	(void)arg;
	put(ans_pipe[1], 's');
	_exit(1);
}

static pid_t
start(void (*fn)(void *), long workers)
{
	pid_t	 pid;

	if ((pid = fork()) == 0) {
		struct supervise sv = { .workers = workers, .grace = 2, .fn = fn };
		/* The master's own stderr noise is not TAP. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(1);
		supervise_run(&sv);
		_exit(0);
	}
	return pid;
}

/* Reads answers until n arrived or deadline_ms passed; returns the count. */
static int
collect(int n, long long deadline_ms)
{
	struct pollfd	 p = { .fd = ans_pipe[0], .events = POLLIN };
	int		 got = 0;
	char		 buf[64];
	ssize_t		 r;

	while (got < n && ms_now() < deadline_ms) {
		if (poll(&p, 1, 50) == 1 && (r = read(ans_pipe[0], buf, sizeof(buf))) > 0)
			got += (int)r;
	}
	return got;
}

static int
stop(pid_t pid, long long *took)
{
	int		 status = -1;
	long long	 t0 = ms_now();

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			*took = ms_now() - t0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		}
		usleep(50 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	*took = ms_now() - t0;
	return 0;
}

int
main(void)
{
	pid_t		 pid;
	long long	 t0, took;
	int		 got;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(req_pipe) != 0 || pipe(ans_pipe) != 0)
		return 1;

	/* 40 crashing requests, 2 workers: each request kills its worker. */
	pid = start(crashing_worker, 2);
	t0 = ms_now();
	for (int i = 0; i < 40; i++)
		put(req_pipe[1], 'r');
	got = collect(40, t0 + 4000);
	ok(got == 40, "40 requests that each crash their worker are all served within 4 s "
	    "(served %d in %lld ms)", got, ms_now() - t0);
	put(req_pipe[1], 'r');
	ok(collect(1, ms_now() + 1000) == 1, "after the storm, a worker still answers at once");
	ok(stop(pid, &took), "SIGTERM stops the supervisor cleanly");
	ok(took < 3000, "and promptly (%lld ms)", took);

	/* Workers that die before they start are retried, slower and slower. */
	pid = start(failing_worker, 2);
	t0 = ms_now();
	got = collect(1000, t0 + 2000);
	ok(got >= 4, "a worker that cannot start is retried (%d starts in 2 s)", got);
	ok(got <= 20, "with a back-off, not a fork loop (%d starts in 2 s)", got);
	ok(stop(pid, &took), "SIGTERM stops a supervisor that is waiting to respawn");
	ok(took < 1500, "without waiting out the back-off (%lld ms)", took);
	return tap_done();
}
