/*
 * Prefork master for the FastCGI programs (prefork.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "prefork.h"

#define MAX_WORKERS	256
#define STOP_GRACE	10	/* seconds before SIGKILL */

static volatile sig_atomic_t	 got_term, got_chld;

static void
on_signal(int sig)
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
	/* Makes libfcgi's accept loop give up instead of retrying on EINTR. */
	FCGX_ShutdownPending();
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocking accept must return */
	sigaction(sig, &sa, NULL);
}

int
prefork_stopping(void)
{
	return got_term != 0;
}

/* The worker side: signals that end the accept loop, then the caller's loop. */
static void __attribute__((noreturn))
worker(const struct prefork *pf, int sock)
{
	sigset_t	 none;

	install(SIGTERM, on_worker_term);
	install(SIGINT, on_worker_term);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The master forks with signals blocked; a worker takes them. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	pf->fn(sock, pf->arg);
	_exit(0);
}

static pid_t
spawn(const struct prefork *pf, int sock)
{
	pid_t	 pid = fork();

	if (pid == -1)
		log_warn("fork");
	else if (pid == 0)
		worker(pf, sock);
	return pid;
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

static void
write_pidfile(const char *path)
{
	FILE	*f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatalx("cannot write pidfile %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

static void
stop_workers(pid_t *pids, long n)
{
	time_t	 deadline = time(NULL) + STOP_GRACE;
	long	 alive;
	int	 status;

	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		alive = 0;
		for (long i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				alive++;
		}
		if (alive && time(NULL) >= deadline) {
			log_warnx("%ld workers did not stop in %d s; killing", alive, STOP_GRACE);
			for (long i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = time(NULL) + 60;
		}
		if (alive)
			usleep(50 * 1000);
	} while (alive);
}

/* Reap dead workers and start new ones, slowing down if they die at once. */
static void
respawn(const struct prefork *pf, int sock, pid_t *pids, time_t *born)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (long i = 0; i < pf->workers; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(status))
				log_warnx("worker %ld killed by signal %d; respawning", (long)pid, WTERMSIG(status));
			else
				log_warnx("worker %ld exited with %d; respawning", (long)pid, WEXITSTATUS(status));
			if (time(NULL) - born[i] < 1)
				sleep(1);	/* crash loop: don't spin */
			pids[i] = spawn(pf, sock);
			born[i] = time(NULL);
		}
	}
}

void
prefork_run(const struct prefork *pf)
{
	static pid_t	 pids[MAX_WORKERS];
	static time_t	 born[MAX_WORKERS];
	sigset_t	 block, old;
	int		 sock;

	if (pf->workers < 1 || pf->workers > MAX_WORKERS)
		fatalx("workers must be 1..%d", MAX_WORKERS);
	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	sock = open_socket(pf->listen);
	write_pidfile(pf->pidfile);
	install(SIGTERM, on_signal);
	install(SIGINT, on_signal);
	install(SIGCHLD, on_signal);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (long i = 0; i < pf->workers; i++) {
		pids[i] = spawn(pf, sock);
		born[i] = time(NULL);
	}
	log_info("listening on %s with %ld workers", pf->listen, pf->workers);
	while (!got_term) {
		sigsuspend(&old);
		if (got_chld && !got_term) {
			got_chld = 0;
			respawn(pf, sock, pids, born);
		}
	}
	log_info("stopping");
	stop_workers(pids, pf->workers);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (strncmp(pf->listen, "unix:", 5) == 0)
		(void)unlink(pf->listen + 5);
	if (pf->pidfile != NULL)
		(void)unlink(pf->pidfile);
}
