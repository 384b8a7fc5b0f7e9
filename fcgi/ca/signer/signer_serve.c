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
 *
 * The socket's mode (0660) lets its group connect; each connection is
 * then checked with SO_PEERCRED against signer_clients, so membership of
 * the group alone does not let a process have certificates signed.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "supervise.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#define WORKERS_MAX	16
#define STOP_GRACE	15	/* seconds before SIGKILL: longer than two I/O timeouts */

struct signer_worker {
	const struct signer_ca	*ca;
	int			 lfd;
};

int
signer_peer_allowed(const struct signer_ca *ca, int fd)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 || len != sizeof(uc)) {
		log_warn("SO_PEERCRED");
		return -1;
	}
	if (uc.uid == 0 || uc.uid == geteuid())
		return 1;
	for (size_t i = 0; i < ca->nclients; i++)
		if (uc.uid == ca->clients[i])
			return 1;
	log_warnx("refused a connection from uid %lu (pid %ld): not in signer_clients",
	    (unsigned long)uc.uid, (long)uc.pid);
	return 0;
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

/*
 * Accept until asked to stop; the listening socket is non-blocking
 * (workers race for it). SIGTERM stays blocked and is let in only while
 * waiting in ppoll, so a request in progress is always answered.
 */
static void
worker(void *arg)
{
	const struct signer_worker	*w = arg;
	struct pollfd			 pfd = { .fd = w->lfd, .events = POLLIN };
	sigset_t			 open_mask;
	int				 fd;

	sigemptyset(&open_mask);
	supervise_ready();
	while (!supervise_stopping()) {
		if (ppoll(&pfd, 1, NULL, &open_mask) == -1) {
			if (errno != EINTR) {
				log_warn("ppoll");
				sleep(1);
			}
			continue;
		}
		if ((fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED) {
				log_warn("accept");
				sleep(1);	/* EMFILE and friends: do not spin */
			}
			continue;
		}
		/* Only the ACME server and the CLI may ask for signatures. */
		if (signer_peer_allowed(w->ca, fd) != 1) {
			close(fd);
			continue;
		}
		signer_serve_conn(w->ca, fd);
	}
}

int
signer_serve(const struct signer_ca *ca, int lfd, int nworkers)
{
	struct signer_worker	 w = { ca, lfd };
	struct supervise	 sv = { .workers = nworkers, .grace = STOP_GRACE,
	    .keep_blocked = 1, .fn = worker, .arg = &w };

	if (nworkers < 1 || nworkers > WORKERS_MAX) {
		log_warnx("workers: %d not in 1..%d", nworkers, WORKERS_MAX);
		return -1;
	}
	log_info("serving with %d workers", nworkers);
	supervise_run(&sv);
	return 0;
}
