/*
 * The signer's connections: a master that keeps a few workers alive,
 * workers that accept on the shared listening socket. One request per
 * connection, SIGNER_IO_TIMEOUT seconds for the request and again for
 * the answer, so a stuck client holds one worker for 5 s at most.
 *
 * Signals: the master blocks SIGTERM, SIGINT and SIGCHLD and takes them
 * with sigwaitinfo. Workers keep SIGTERM blocked while they handle a
 * request and unblock it only inside ppoll(2), so a stop request ends
 * the accept loop but never a request half-way.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "signer.h"
#include "signer_core.h"

#define WORKERS_MAX	16
#define STOP_GRACE	15	/* seconds before SIGKILL: longer than two I/O timeouts */

static volatile sig_atomic_t	 worker_stop;

static void
on_worker_term(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static void
on_noop(int sig)
{
	(void)sig;
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void
signer_serve_conn(const struct signer_ca *ca, int fd)
{
	char		*in = NULL, *out = NULL;
	size_t		 inlen = 0, outlen = 0;

	if ((in = signer_msg_read(fd, SIGNER_CRL_MSG_MAX, signer_mono_ms() + SIGNER_IO_TIMEOUT * 1000,
	    &inlen)) == NULL)
		goto out;
	if ((out = signer_handle(ca, in, inlen, &outlen)) == NULL) {
		log_warnx("signer_handle: out of memory");
		goto out;
	}
	if (signer_msg_write(fd, out, outlen, signer_mono_ms() + SIGNER_IO_TIMEOUT * 1000) == -1)
		log_warnx("answer not delivered");
out:
	free(in);
	free(out);
	close(fd);
}

/* Accept until asked to stop; the listening socket is non-blocking (workers race for it). */
static void __attribute__((noreturn))
worker(const struct signer_ca *ca, int lfd)
{
	struct pollfd	 pfd = { .fd = lfd, .events = POLLIN };
	sigset_t	 open_mask;
	int		 fd;

	install(SIGTERM, on_worker_term);
	install(SIGINT, on_worker_term);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&open_mask);
	while (!worker_stop) {
		if (ppoll(&pfd, 1, NULL, &open_mask) == -1) {
			if (errno != EINTR) {
				log_warn("ppoll");
				sleep(1);
			}
			continue;
		}
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED) {
				log_warn("accept");
				sleep(1);	/* EMFILE and friends: do not spin */
			}
			continue;
		}
		signer_serve_conn(ca, fd);
	}
	_exit(0);
}

/* Fork one worker; its pid or -1 (logged). Signals stay blocked in the child. */
static pid_t
spawn(const struct signer_ca *ca, int lfd)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0)
		worker(ca, lfd);
	return pid;
}

/* Reap dead workers; respawn them unless stopping. Slot of a dead worker becomes 0. */
static void
reap(const struct signer_ca *ca, int lfd, pid_t *pids, int n, int respawn)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (!respawn)
				break;
			log_warnx("worker %d died (status %d), respawning", (int)pid, status);
			sleep(1);	/* a worker that dies at once must not make us spin */
			if ((pids[i] = spawn(ca, lfd)) == -1)
				pids[i] = 0;
		}
	}
}

static int
alive(const pid_t *pids, int n)
{
	int	 k = 0;

	for (int i = 0; i < n; i++)
		k += pids[i] > 0;
	return k;
}

/* SIGTERM every worker, wait STOP_GRACE seconds, then SIGKILL the rest. */
static void
stop_workers(const struct signer_ca *ca, int lfd, pid_t *pids, int n, const sigset_t *mask)
{
	struct timespec	 ts = { .tv_sec = 1 };
	long long	 end = signer_mono_ms() + STOP_GRACE * 1000;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (signer_mono_ms() < end) {
		reap(ca, lfd, pids, n, 0);
		if (alive(pids, n) == 0)
			return;
		sigtimedwait(mask, NULL, &ts);
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0) {
			log_warnx("worker %d still busy after %d s, killing it", (int)pids[i], STOP_GRACE);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
}

int
signer_serve(const struct signer_ca *ca, int lfd, int nworkers)
{
	pid_t		 pids[WORKERS_MAX] = { 0 };
	sigset_t	 mask, old;
	int		 sig, rc = -1;

	if (nworkers < 1 || nworkers > WORKERS_MAX) {
		log_warnx("workers: %d not in 1..%d", nworkers, WORKERS_MAX);
		return -1;
	}
	install(SIGCHLD, on_noop);	/* a handler, so that SIGCHLD is never discarded */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	for (int i = 0; i < nworkers; i++)
		if ((pids[i] = spawn(ca, lfd)) == -1) {
			pids[i] = 0;
			goto out;
		}
	log_info("serving with %d workers", nworkers);
	while ((sig = sigwaitinfo(&mask, NULL)) != SIGTERM && sig != SIGINT)
		if (sig == SIGCHLD)
			reap(ca, lfd, pids, nworkers, 1);
	log_info("stopping");
	rc = 0;
out:
	stop_workers(ca, lfd, pids, nworkers, &mask);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
