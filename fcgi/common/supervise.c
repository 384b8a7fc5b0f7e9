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

static pid_t
spawn(const struct supervise *sv)
{
	pid_t	 pid = fork();

	if (pid == -1)
		log_warn("fork");
	else if (pid == 0)
		worker(sv);
	return pid;
}

/* Reap dead workers and start new ones; a worker that dies within a second waits one. */
static void
respawn(const struct supervise *sv, pid_t *pids, time_t *born)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (long i = 0; i < sv->workers; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(status))
				log_warnx("worker %ld killed by signal %d; respawning", (long)pid,
				    WTERMSIG(status));
			else
				log_warnx("worker %ld exited with %d; respawning", (long)pid,
				    WEXITSTATUS(status));
			if (time(NULL) - born[i] < 1)
				sleep(1);
			pids[i] = spawn(sv);
			born[i] = time(NULL);
		}
	}
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
	static pid_t	 pids[SUPERVISE_MAX];
	static time_t	 born[SUPERVISE_MAX];
	sigset_t	 block, old;

	if (sv->workers < 1 || sv->workers > SUPERVISE_MAX)
		fatalx("workers must be 1..%d", SUPERVISE_MAX);
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
	for (long i = 0; i < sv->workers; i++) {
		pids[i] = spawn(sv);
		born[i] = time(NULL);
	}
	/* Every daemon binds its socket before supervise_run: it is ready now. */
	sdnotify_ready();
	while (!got_term) {
		sigsuspend(&old);
		if (got_chld && !got_term) {
			got_chld = 0;
			respawn(sv, pids, born);
		}
	}
	log_info("stopping");
	sdnotify_stopping();
	stop_workers(sv, pids);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
