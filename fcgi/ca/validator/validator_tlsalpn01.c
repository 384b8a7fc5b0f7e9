/*
 * tls-alpn-01 (RFC 8737): a TLS handshake with <identifier>:
 * <tls_alpn01_port> (443 in production) offering only the "acme-tls/1"
 * protocol, SNI the identifier, at the address validator_net.c picks
 * (the same resolve= map and address policy as http-01). The server
 * must negotiate acme-tls/1 and present a certificate whose only
 * subjectAltName is the identifier as a dNSName and which carries the
 * critical id-pe-acmeIdentifier extension: an OCTET STRING holding
 * SHA-256 of the key authorization (§3).
 *
 * The chain is not verified: that certificate is self-signed by design.
 * Nothing but the handshake is read, under one deadline, and the
 * certificate list is capped at validation_max_bytes' order of size.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "validator/validator.h"

#define ALPN_PROTO	"acme-tls/1"
#define ACME_ID_OID	"1.3.6.1.5.5.7.1.31"	/* id-pe-acmeIdentifier, RFC 8737 §6.1 */
#define CERT_LIST_MAX	(32 * 1024)		/* the peer's certificate list, bytes */

/*
 * A non-blocking TCP connection to addr:port by deadline. Returns the
 * socket, or -1 with res set (connection; refusals and timeouts retry).
 */
static int
tcp_connect(const char *host, const char *addr, long port, long long deadline,
    struct vresult *res)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd = -1, e = 0;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		vresult_fail(res, VP_SERVER_INTERNAL, 0, "bad address %s", addr);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		socklen_t el = sizeof(e);

		if (errno != EINPROGRESS)
			e = errno;
		else if (clock_wait_fd(fd, POLLOUT, deadline) != 1)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1)
			e = errno;
	}
	if (e != 0) {
		vresult_fail(res, VP_CONNECTION, 1, "connecting to %s (%s port %ld): %s",
		    host, addr, port, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

/* The handshake, driven by poll until deadline. Returns 0, or -1 with res set. */
static int
handshake(SSL *ssl, int fd, const char *host, long long deadline, struct vresult *res)
{
	unsigned long	 e;
	int		 rc, w;

	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_connect(ssl)) == 1)
			return 0;
		switch (SSL_get_error(ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			w = clock_wait_fd(fd, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = clock_wait_fd(fd, POLLOUT, deadline);
			break;
		default:
			e = ERR_peek_error();
			vresult_fail(res, VP_CONNECTION, 0, "TLS handshake with %s failed: %s", host,
			    e != 0 ? ERR_reason_error_string(e) : "connection closed");
			return -1;
		}
		if (w != 1) {
			vresult_fail(res, VP_CONNECTION, 1, "TLS handshake with %s: timeout", host);
			return -1;
		}
	}
}

/* 1 if the certificate's only subjectAltName is dNSName host (§3). */
static int
san_ok(X509 *cert, const char *host)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	int		 ok = 0;

	if ((gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL)) == NULL)
		return 0;
	if (sk_GENERAL_NAME_num(gens) == 1) {
		g = sk_GENERAL_NAME_value(gens, 0);
		ok = g->type == GEN_DNS &&
		    (size_t)ASN1_STRING_length(g->d.dNSName) == strlen(host) &&
		    strncasecmp((const char *)ASN1_STRING_get0_data(g->d.dNSName), host,
		    strlen(host)) == 0;
	}
	GENERAL_NAMES_free(gens);
	return ok;
}

/*
 * Check the acmeIdentifier extension: present once, critical, its
 * value exactly the DER OCTET STRING of the 32-byte digest. Returns 1,
 * or 0 with res set (unauthorized, naming what is wrong).
 */
static int
acme_id_ok(X509 *cert, const unsigned char md[SHA256_DIGEST_LENGTH], const char *host,
    struct vresult *res)
{
	ASN1_OBJECT		*oid = NULL;
	ASN1_OCTET_STRING	*inner = NULL;
	const ASN1_OCTET_STRING	*val;
	X509_EXTENSION		*ext;
	const unsigned char	*p, *end;
	int			 idx, ok = 0;

	if ((oid = OBJ_txt2obj(ACME_ID_OID, 1)) == NULL) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "OBJ_txt2obj failed");
		goto out;
	}
	if ((idx = X509_get_ext_by_OBJ(cert, oid, -1)) < 0 ||
	    X509_get_ext_by_OBJ(cert, oid, idx) >= 0) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "the certificate %s presented has %s"
		    " acmeIdentifier extension", host, idx < 0 ? "no" : "more than one");
		goto out;
	}
	ext = X509_get_ext(cert, idx);
	if (!X509_EXTENSION_get_critical(ext)) {
		vresult_fail(res, VP_UNAUTHORIZED, 0,
		    "the acmeIdentifier extension of %s's certificate is not critical", host);
		goto out;
	}
	val = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(val);
	end = p + ASN1_STRING_length(val);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p, end - p)) == NULL || p != end ||
	    ASN1_STRING_length(inner) != SHA256_DIGEST_LENGTH) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "the acmeIdentifier extension of %s's certificate"
		    " is not an OCTET STRING of a SHA-256 digest", host);
		goto out;
	}
	if (memcmp(ASN1_STRING_get0_data(inner), md, SHA256_DIGEST_LENGTH) != 0) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "the acmeIdentifier extension of %s's certificate"
		    " does not match the key authorization", host);
		goto out;
	}
	ok = 1;
out:
	ASN1_OCTET_STRING_free(inner);
	ASN1_OBJECT_free(oid);
	return ok;
}

/* A client context: any TLS ≥ 1.2, no verification, only acme-tls/1 offered. */
static SSL_CTX *
client_ctx(void)
{
	static const unsigned char alpn[] = "\x0a" ALPN_PROTO;
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_max_cert_list(ctx, CERT_LIST_MAX);
	return ctx;
}

/*
 * Validate one tls-alpn-01 challenge (RFC 8737 §3): res->ok, or
 * connection (no TCP or TLS; refusals and timeouts retried), or
 * unauthorized (wrong protocol or certificate). Not for wildcards.
 */
void
tlsalpn01_validate(const struct vctx *vc, const struct vtask *t, struct vresult *res)
{
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	X509			*cert = NULL;
	const unsigned char	*proto = NULL;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 keyauth[V_TOKEN_MAX + V_THUMB_MAX + 2], addr[V_ADDR_MAX];
	long long		 deadline = clock_mono_ms() + vc->conf->validation_timeout * 1000LL;
	long			 port = vc->conf->tls_alpn01_port;
	unsigned int		 plen = 0;
	int			 fd = -1, pin, n;

	if (t->wildcard) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "tls-alpn-01 cannot validate a wildcard identifier");
		goto out;
	}
	if (!vnet_name_ok(t->identifier) || t->token[0] == '\0' || t->thumbprint[0] == '\0') {
		vresult_fail(res, VP_SERVER_INTERNAL, 0, "malformed identifier, token or account key");
		goto out;
	}
	n = snprintf(keyauth, sizeof(keyauth), "%s.%s", t->token, t->thumbprint);
	SHA256((const unsigned char *)keyauth, (size_t)n, md);
	if (vnet_pick(vc->net, t->identifier, addr, &pin, res) == -1 ||
	    (fd = tcp_connect(t->identifier, addr, port, deadline, res)) == -1)
		goto out;
	if ((ctx = client_ctx()) == NULL || (ssl = SSL_new(ctx)) == NULL ||
	    SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, t->identifier) != 1) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "cannot set up TLS");
		goto out;
	}
	if (handshake(ssl, fd, t->identifier, deadline, res) == -1)
		goto out;
	SSL_get0_alpn_selected(ssl, &proto, &plen);
	if (plen != sizeof(ALPN_PROTO) - 1 || memcmp(proto, ALPN_PROTO, plen) != 0) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "%s (%s port %ld) did not negotiate %s",
		    t->identifier, addr, port, ALPN_PROTO);
		goto out;
	}
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "%s presented no certificate", t->identifier);
		goto out;
	}
	if (!san_ok(cert, t->identifier)) {
		vresult_fail(res, VP_UNAUTHORIZED, 0,
		    "the certificate %s presented does not name exactly dNSName %s",
		    t->identifier, t->identifier);
		goto out;
	}
	if (acme_id_ok(cert, md, t->identifier, res))
		res->ok = 1;
out:
	X509_free(cert);
	if (ssl != NULL)
		SSL_free(ssl);	/* no close_notify: nothing more is said */
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
}
