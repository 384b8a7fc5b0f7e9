/*
 * The validator's HTTP answer handling (ca/validator_http01.c): a local
 * server answers every connection with the input as the raw HTTP
 * response (status line, headers, body), and http01_validate fetches the
 * challenge through libcurl as in production: status, redirects (each hop
 * re-checked), the body cap, the key authorization comparison. Name
 * resolution outside the resolve= map is disabled here (getaddrinfo
 * below), so nothing leaves the machine.
 */
#include "config.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ca.h"
#include "fuzz.h"
#include "log.h"
#include "validator/validator.h"

static struct ca_conf	 conf;
static struct vnet	 net;
static int		 lfd;
static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t		*answer;
static size_t		 answer_len;

/* No DNS in a fuzzer: only the resolve= map and literal addresses. */
int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	return EAI_NONAME;
}

static void *
serve(void *arg)
{
	char	 buf[2048];
	int	 fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		/* Read the request (one recv is enough for curl's few headers). */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 500) == 1)
			(void)recv(fd, buf, sizeof(buf), 0);
		pthread_mutex_lock(&mu);
		if (answer_len > 0)
			(void)send(fd, answer, answer_len, MSG_NOSIGNAL);
		pthread_mutex_unlock(&mu);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t		 sl = sizeof(sin);
	pthread_t		 th;
	char			 err[256];

	(void)argc;
	(void)argv;
	log_init("fuzz-http01", 0, LOG_LVL__MAX);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) != 0)
		abort();
	conf.http01_port = ntohs(sin.sin_port);
	conf.validation_timeout = 2;
	conf.validation_max_bytes = 1024;
	if (vnet_init(&net, "test=127.0.0.1", 0, err, sizeof(err)) != 0 ||
	    pthread_create(&th, NULL, serve, NULL) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vctx	 vc = { &conf, &net };
	struct vtask	 t = { .type = "http-01", .identifier = "a.test",
	    .token = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
	    .thumbprint = "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI" };
	struct vresult	 res;

	if (size > 8192)
		return 0;
	pthread_mutex_lock(&mu);
	free(answer);
	answer = malloc(size ? size : 1);
	memcpy(answer, data, size);
	answer_len = size;
	pthread_mutex_unlock(&mu);
	memset(&res, 0, sizeof(res));
	http01_validate(&vc, &t, &res);
	if (res.ok && size < strlen(t.token) + 1 + strlen(t.thumbprint))
		abort();	/* valid without even holding the key authorization */
	return 0;
}
