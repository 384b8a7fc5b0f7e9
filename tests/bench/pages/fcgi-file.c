/*
 * fcgi-file: the ceiling of the pages benchmark. A FastCGI responder, built on
 * libfcgi like center-fcgi, that answers every request with one file read
 * once at start: no session, no SQL, no template. Put behind nginx the same
 * way as center-fcgi, it measures what nginx -> FastCGI -> worker costs on
 * its own, i.e. the best rate any page served this way can reach.
 *
 *   fcgi-file SOCKET FILE WORKERS
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

static char	*body;
static size_t	 body_len;
static char	 head[256];
static int	 head_len;

static void
load(const char *path)
{
	struct stat	 st;
	int		 fd;
	ssize_t		 n;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (st.st_size <= 0 || st.st_size > 64 * 1024 * 1024)
		errx(1, "%s: unexpected size", path);
	body_len = (size_t)st.st_size;
	if ((body = malloc(body_len)) == NULL)
		err(1, NULL);
	if ((n = read(fd, body, body_len)) < 0 || (size_t)n != body_len)
		errx(1, "%s: short read", path);
	close(fd);
	/* The headers center-fcgi sends on a page, minus the per-request ones. */
	head_len = snprintf(head, sizeof(head),
	    "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n", body_len);
}

static void
serve(int sock)
{
	FCGX_Request	 r;

	if (FCGX_InitRequest(&r, sock, 0) != 0)
		errx(1, "FCGX_InitRequest");
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(head, head_len, r.out);
		FCGX_PutStr(body, (int)body_len, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	int	 sock, i, workers;

	if (argc != 4 || (workers = atoi(argv[3])) < 1 || workers > 64)
		errx(2, "usage: fcgi-file SOCKET FILE WORKERS");
	load(argv[2]);
	if (FCGX_Init() != 0)
		errx(1, "FCGX_Init");
	unlink(argv[1]);
	if ((sock = FCGX_OpenSocket(argv[1], 128)) < 0)
		errx(1, "cannot listen on %s", argv[1]);
	chmod(argv[1], 0666);
	for (i = 0; i < workers; i++) {
		pid_t	 pid = fork();

		if (pid == -1)
			err(1, "fork");
		if (pid == 0)
			serve(sock);
	}
	/* The master waits; SIGTERM to the process group stops everyone. */
	while (wait(NULL) > 0)
		;
	return 0;
}
