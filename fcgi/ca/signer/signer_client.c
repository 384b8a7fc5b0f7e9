/*
 * The signer's client (signer.h), linked into the ACME server, and the
 * message framing it shares with the daemon (signer_core.h): a 4-byte
 * big-endian length, then that many bytes of JSON. Every read and
 * write runs against one deadline, so a stuck peer costs a bounded time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#define CLIENT_TIMEOUT_MS	15000	/* connect + queue + signing; the signer allows 5 s per request */
#define PEM_CERT_PREFIX		"-----BEGIN CERTIFICATE-----"

long long
signer_mono_ms(void)
{
	return clock_mono_ms();
}

/* Wait for events on fd until deadline: 0 when ready, -1 on timeout (ETIMEDOUT) or error. */
static int
io_wait(int fd, short events, long long deadline)
{
	int	 r = clock_wait_fd(fd, events, deadline);

	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/* Read exactly n bytes; -1 on EOF (errno 0), timeout or error. */
static int
read_full(int fd, void *buf, size_t n, long long deadline)
{
	unsigned char	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		if ((r = recv(fd, p, n, 0)) > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0) {
			errno = 0;
			return -1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (io_wait(fd, POLLIN, deadline) == -1)
				return -1;
		} else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Write exactly n bytes; MSG_NOSIGNAL keeps a vanished peer from killing us. */
static int
write_full(int fd, const void *buf, size_t n, long long deadline)
{
	const unsigned char	*p = buf;
	ssize_t			 r;

	while (n > 0) {
		if ((r = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(fd, POLLOUT, deadline) == -1)
				return -1;
		} else if (r == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

char *
signer_msg_read(int fd, size_t max, long long deadline, size_t *len)
{
	unsigned char	 hdr[4];
	uint32_t	 n;
	char		*buf = NULL;

	if (read_full(fd, hdr, sizeof(hdr), deadline) == -1) {
		log_warnx("message length: %s", errno == 0 ? "connection closed" : strerror(errno));
		return NULL;
	}
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > max) {
		log_warnx("message of %lu bytes refused (1 to %zu)", (unsigned long)n, max);
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		log_warnx("message: out of memory");
		return NULL;
	}
	if (read_full(fd, buf, n, deadline) == -1) {
		log_warnx("message body: %s", errno == 0 ? "connection closed" : strerror(errno));
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
signer_msg_write(int fd, const char *msg, size_t len, long long deadline)
{
	unsigned char	 hdr[4];

	if (len == 0 || len > SIGNER_CRL_MSG_MAX) {
		log_warnx("message of %zu bytes not sent (1 to %d)", len, SIGNER_CRL_MSG_MAX);
		return -1;
	}
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
	if (write_full(fd, hdr, sizeof(hdr), deadline) == -1 ||
	    write_full(fd, msg, len, deadline) == -1) {
		log_warn("message write");
		return -1;
	}
	return 0;
}

/* org members present in the request (the signer decides what is missing). */
static int
pack_org(json_t *j, const struct sign_org *org)
{
	json_t	*o;

	if (org->o == NULL && org->l == NULL && org->c == NULL)
		return 0;
	if ((o = json_object()) == NULL || json_object_set_new(j, "org", o) == -1)
		return -1;
	if ((org->o != NULL && json_object_set_new(o, "O", json_string(org->o)) == -1) ||
	    (org->l != NULL && json_object_set_new(o, "L", json_string(org->l)) == -1) ||
	    (org->c != NULL && json_object_set_new(o, "C", json_string(org->c)) == -1))
		return -1;
	return 0;
}

/* The request message of signer.h, malloc'd, or NULL (logged). */
static char *
pack_request(const struct sign_req *req, size_t *len)
{
	json_t	*j = NULL, *sans = NULL;
	char	*spki = NULL, *out = NULL;

	if ((spki = malloc(b64url_enclen(req->spki_len) + 1)) == NULL)
		goto out;
	b64url_encode(req->spki, req->spki_len, spki);
	if ((sans = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < req->nsans; i++)
		if (json_array_append_new(sans, json_string(req->sans[i])) == -1)
			goto out;
	j = json_pack("{s:s, s:s, s:s, s:O}", "op", "sign", "profile", req->profile,
	    "spki", spki, "sans", sans);
	if (j == NULL || pack_org(j, &req->org) == -1)
		goto out;
	if ((out = json_dumps(j, JSON_COMPACT)) != NULL)
		*len = strlen(out);
out:
	if (out == NULL)
		log_warnx("signer request: cannot encode (missing field or invalid UTF-8)");
	json_decref(j);
	json_decref(sans);
	free(spki);
	return out;
}

/* Connected stream socket to path, non-blocking afterwards; -1 (logged). */
static int
connect_unix(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { .tv_sec = CLIENT_TIMEOUT_MS / 1000 };
	int			 fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("signer socket %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	/* A full backlog makes connect(2) on a unix socket wait up to SO_SNDTIMEO. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("signer socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if s is 32 lower-case hex digits. */
static int
serial_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 32;
}

/* Fill res from the answer: 0 issued, 1 refused, -1 garbage (logged). */
static int
parse_answer(const char *msg, size_t len, struct sign_res *res)
{
	json_t		*j = NULL;
	json_error_t	 jerr;
	const char	*err = NULL, *serial = NULL, *cert = NULL, *chain = NULL;
	json_int_t	 nb = 0, na = 0;
	int		 rc = -1;

	if ((j = json_loadb(msg, len, 0, &jerr)) == NULL) {
		log_warnx("signer answer: not JSON");
		goto out;
	}
	if (json_unpack(j, "{s:s}", "error", &err) == 0) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		rc = 1;
		goto out;
	}
	if (json_unpack(j, "{s:s, s:I, s:I, s:s, s:s}", "serial", &serial, "not_before", &nb,
	    "not_after", &na, "cert", &cert, "chain", &chain) == -1 || !serial_ok(serial) ||
	    nb >= na || strncmp(cert, PEM_CERT_PREFIX, strlen(PEM_CERT_PREFIX)) != 0 ||
	    strncmp(chain, PEM_CERT_PREFIX, strlen(PEM_CERT_PREFIX)) != 0) {
		log_warnx("signer answer: missing or malformed fields");
		goto out;
	}
	if ((res->cert_pem = strdup(cert)) == NULL || (res->chain_pem = strdup(chain)) == NULL) {
		log_warnx("signer answer: out of memory");
		goto out;
	}
	memcpy(res->serial, serial, sizeof(res->serial));
	res->not_before = (time_t)nb;
	res->not_after = (time_t)na;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int
signer_sign(const char *path, const struct sign_req *req, struct sign_res *res)
{
	long long	 deadline = signer_mono_ms() + CLIENT_TIMEOUT_MS;
	char		*msg = NULL, *ans = NULL;
	size_t		 msglen = 0, anslen = 0;
	int		 fd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	if ((msg = pack_request(req, &msglen)) == NULL || (fd = connect_unix(path)) == -1)
		goto out;
	if (signer_msg_write(fd, msg, msglen, deadline) == -1) {
		log_warnx("signer %s: request not sent", path);
		goto out;
	}
	if ((ans = signer_msg_read(fd, SIGNER_MSG_MAX, deadline, &anslen)) == NULL) {
		log_warnx("signer %s: no answer", path);
		goto out;
	}
	rc = parse_answer(ans, anslen, res);
out:
	if (rc == -1)
		metrics_signer_error(fd == -1 ? "connect" : "sign");	/* /metrics */
	if (rc == -1)
		sign_res_free(res);
	if (fd != -1)
		close(fd);
	free(ans);
	free(msg);
	return rc;
}

void
sign_res_free(struct sign_res *res)
{
	if (res == NULL)
		return;
	free(res->cert_pem);
	free(res->chain_pem);
	res->cert_pem = res->chain_pem = NULL;
}

/* The crl request of signer.h, op first (signer_is_crl), malloc'd, or NULL (logged). */
static char *
pack_crl_request(const struct crl_entry *e, size_t n, size_t *len)
{
	json_t	*j = NULL, *list = NULL;
	char	*out = NULL;

	if ((list = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(list, json_pack("{s:s, s:I, s:i}", "serial", e[i].serial,
		    "time", (json_int_t)e[i].time, "reason", e[i].reason)) == -1)
			goto out;
	if ((j = json_pack("{s:s, s:O}", "op", "crl", "revoked", list)) == NULL)
		goto out;
	if ((out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
		*len = strlen(out);
out:
	if (out == NULL)
		log_warnx("signer crl request: cannot encode");
	json_decref(j);
	json_decref(list);
	return out;
}

/* The DER CRL of an answer: 0, 1 refused (err), -1 garbage (logged). */
static int
parse_crl_answer(const char *msg, size_t len, unsigned char **der, size_t *derlen, char *err)
{
	json_t		*j = NULL;
	const char	*e = NULL, *b64 = NULL;
	unsigned char	*buf = NULL;
	size_t		 max;
	long		 n;
	int		 rc = -1;

	if ((j = json_loadb(msg, len, 0, NULL)) == NULL) {
		log_warnx("signer answer: not JSON");
		goto out;
	}
	if (json_unpack(j, "{s:s}", "error", &e) == 0) {
		snprintf(err, 256, "%s", e);
		rc = 1;
		goto out;
	}
	if (json_unpack(j, "{s:s}", "crl", &b64) == -1 || (max = strlen(b64)) == 0 ||
	    (buf = malloc(max)) == NULL ||
	    (n = b64url_decode(b64, strlen(b64), buf, max)) <= 0) {
		log_warnx("signer answer: missing or malformed crl");
		goto out;
	}
	*der = buf;
	*derlen = (size_t)n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	json_decref(j);
	return rc;
}

int
signer_crl(const char *path, const struct crl_entry *e, size_t n, unsigned char **der,
    size_t *derlen, char *err)
{
	long long	 deadline = signer_mono_ms() + CLIENT_TIMEOUT_MS;
	char		*msg = NULL, *ans = NULL;
	size_t		 msglen = 0, anslen = 0;
	int		 fd = -1, rc = -1;

	*der = NULL;
	*derlen = 0;
	err[0] = '\0';
	if ((msg = pack_crl_request(e, n, &msglen)) == NULL || (fd = connect_unix(path)) == -1)
		goto out;
	if (signer_msg_write(fd, msg, msglen, deadline) == -1) {
		log_warnx("signer %s: crl request not sent", path);
		goto out;
	}
	if ((ans = signer_msg_read(fd, SIGNER_CRL_MSG_MAX, deadline, &anslen)) == NULL) {
		log_warnx("signer %s: no answer", path);
		goto out;
	}
	rc = parse_crl_answer(ans, anslen, der, derlen, err);
out:
	if (rc == -1)
		metrics_signer_error(fd == -1 ? "connect" : "crl");	/* /metrics */
	if (fd != -1)
		close(fd);
	free(ans);
	free(msg);
	return rc;
}
