/*
 * Worker supervision (supervise.h), one implementation for the FastCGI
 * daemons, the signer and the validator.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "supervise.h"

static volatile sig_atomic_t	 got_term, got_chld;
static void			(*term_hook)(void);

static void
on_master_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

static void
on_worker_term(int sig)
{
	(void)sig;
	got_term = 1;
	if (term_hook != NULL)
		term_hook();
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocking calls must return */
	sigaction(sig, &sa, NULL);
}

int
supervise_stopping(void)
{
	sigset_t	 pending;

	if (got_term)
		return 1;
	sigpending(&pending);
	return sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT);
}

void
supervise_pidfile(const char *path)
{
	FILE	*f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatalx("cannot write pidfile %s: %s", path, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		fatalx("cannot write pidfile %s: %s", path, strerror(errno));
}

static void __attribute__((noreturn))
worker(const struct supervise *sv)
{
	sigset_t	 none;

	got_term = got_chld = 0;
	term_hook = sv->on_term;
	install(SIGTERM, on_worker_term);
	install(SIGINT, on_worker_term);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The master forks with signals blocked. */
	if (!sv->keep_blocked) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	sv->fn(sv->arg);
	_exit(0);
}

/*
 * Per-slot state shared with the workers (an anonymous shared mapping made
 * before the first fork): a worker sets its byte once it has got through
 * its start-up (supervise_ready()), so the master can tell a worker that
 * cannot start (back off) from one that a request killed (respawn at once).
 */
static volatile unsigned char	*ready_map;
static long			 my_slot = -1;

void
supervise_ready(void)
{
	if (ready_map != NULL && my_slot >= 0)
		ready_map[my_slot] = 1;
}

static pid_t
spawn(const struct supervise *sv, long slot)
{
	pid_t	 pid;

	if (ready_map != NULL)
		ready_map[slot] = 0;
	if ((pid = fork()) == -1)
		log_warn("fork");
	else if (pid == 0) {
		my_slot = slot;
		worker(sv);
	}
	return pid;
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct slots {
	pid_t		 pid[SUPERVISE_MAX];	/* 0: waiting for due[] */
	long long	 born[SUPERVISE_MAX];	/* ms */
	long long	 due[SUPERVISE_MAX];	/* ms: when to respawn an empty slot */
	long		 fails[SUPERVISE_MAX];	/* deaths in a row before start-up */
};

/*
 * The delay before a slot's next worker. A worker that got through its
 * start-up (it said so, or it lived SUPERVISE_SETTLE_MS) and then died was
 * killed by what it was doing, a request: it is replaced at once, whatever
 * the rate, so that a stream of crashing requests can never leave a slot
 * empty (a delay there would hand an attacker an outage). Only a worker
 * that dies before it can serve, again and again (a configuration or
 * database problem), waits: 100 ms doubling to SUPERVISE_BACKOFF_MAX_MS,
 * one slot at a time and without stopping the master.
 */
static long long
respawn_delay(struct slots *sl, long i, int was_ready, long long now)
{
	long long	 d;

	if (was_ready || now - sl->born[i] >= SUPERVISE_SETTLE_MS) {
		sl->fails[i] = 0;
		return 0;
	}
	if (sl->fails[i] < 16)
		sl->fails[i]++;
	d = 100LL << (sl->fails[i] - 1);
	return d < SUPERVISE_BACKOFF_MAX_MS ? d : SUPERVISE_BACKOFF_MAX_MS;
}

/* Reap dead workers; each slot gets a due time for its next worker. */
static void
reap(const struct supervise *sv, struct slots *sl)
{
	pid_t		 pid;
	int		 status, was_ready;
	long long	 now = now_ms(), d;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (long i = 0; i < sv->workers; i++) {
			if (sl->pid[i] != pid)
				continue;
			was_ready = ready_map != NULL && ready_map[i] != 0;
			d = respawn_delay(sl, i, was_ready, now);
			if (WIFSIGNALED(status))
				log_warnx("worker %ld killed by signal %d; respawning in %lld ms",
				    (long)pid, WTERMSIG(status), d);
			else
				log_warnx("worker %ld exited with %d; respawning in %lld ms",
				    (long)pid, WEXITSTATUS(status), d);
			sl->pid[i] = 0;
			sl->due[i] = now + d;
		}
	}
}

/* Start the workers whose time has come; returns ms to the next one, or -1. */
static long long
spawn_due(const struct supervise *sv, struct slots *sl)
{
	long long	 now = now_ms(), next = -1;

	for (long i = 0; i < sv->workers; i++) {
		if (sl->pid[i] > 0)
			continue;
		if (sl->due[i] <= now) {
			if ((sl->pid[i] = spawn(sv, i)) == -1) {
				/* fork failed: try this slot again shortly */
				sl->pid[i] = 0;
				sl->due[i] = now + 100;
			} else {
				sl->born[i] = now;
				continue;
			}
		}
		if (next == -1 || sl->due[i] - now < next)
			next = sl->due[i] - now;
	}
	return next;
}

static void
stop_workers(const struct supervise *sv, pid_t *pids)
{
	time_t	 deadline = time(NULL) + sv->grace;
	long	 alive;

	for (long i = 0; i < sv->workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		alive = 0;
		for (long i = 0; i < sv->workers; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				alive++;
		}
		if (alive && time(NULL) >= deadline) {
			log_warnx("%ld workers did not stop in %ld s; killing", alive, sv->grace);
			for (long i = 0; i < sv->workers; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = time(NULL) + 60;
		}
		if (alive)
			usleep(50 * 1000);
	} while (alive);
}

void
supervise_run(const struct supervise *sv)
{
	static struct slots	 sl;
	sigset_t		 block, old;
	struct timespec		 ts;
	long long		 wait_ms;
	int			 sig;

	if (sv->workers < 1 || sv->workers > SUPERVISE_MAX)
		fatalx("workers must be 1..%d", SUPERVISE_MAX);
	if (ready_map == NULL) {
		void *m = mmap(NULL, SUPERVISE_MAX, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			log_warn("mmap: workers cannot report start-up; using their age");
		else
			ready_map = m;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	got_term = got_chld = 0;
	install(SIGTERM, on_master_signal);
	install(SIGINT, on_master_signal);
	install(SIGCHLD, on_master_signal);
	signal(SIGPIPE, SIG_IGN);
	memset(&sl, 0, sizeof(sl));
	wait_ms = spawn_due(sv, &sl);
	/* The signals stay blocked in the master and are taken here, so that a
	 * pending respawn is a timeout, never a sleep that ignores SIGCHLD. */
	/* Every daemon binds its socket before supervise_run: it is ready now. */
	sdnotify_ready();
	while (!got_term) {
		if (wait_ms >= 0) {
			ts.tv_sec = (time_t)(wait_ms / 1000);
			ts.tv_nsec = (long)(wait_ms % 1000) * 1000000L;
		}
		sig = sigtimedwait(&block, NULL, wait_ms >= 0 ? &ts : NULL);
		if (sig == SIGTERM || sig == SIGINT)
			got_term = 1;
		else if (sig == SIGCHLD || got_chld) {
			got_chld = 0;
			reap(sv, &sl);
		}
		if (!got_term)
			wait_ms = spawn_due(sv, &sl);
	}
	log_info("stopping");
	sdnotify_stopping();
	stop_workers(sv, sl.pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
