/*
 * http-01 (RFC 8555 §8.3): fetch
 * http://<identifier>:<http01_port>/.well-known/acme-challenge/<token>
 * and compare the body with the key authorization token "." thumbprint.
 *
 * Redirects are followed here, not by libcurl, so that every hop is
 * held to the same rules: http or https only, standard ports only (and
 * http01_port for http, which is 80 in production), and an address
 * chosen by validator_net.c and pinned with CURLOPT_RESOLVE so libcurl
 * never resolves anything itself. One deadline covers all hops.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "validator/validator.h"

#define HTTP01_PATH	"/.well-known/acme-challenge/"
#define HTTP01_SNIPPET	48	/* bytes of a wrong body quoted in the detail */

/* One response, the body capped at validation_max_bytes. */
struct hop {
	struct buf	 body;
	int		 too_big;
	long		 status;
	char		*location;	/* absolute redirect target or NULL; ours */
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct hop	*h = arg;

	if (buf_add(&h->body, p, size * n) == -1) {
		h->too_big = 1;
		return 0;	/* aborts the transfer: truncation is a failure */
	}
	return size * n;
}

/* Which curl failures are worth another attempt later. */
static int
transient(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT ||
	    c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING ||
	    c == CURLE_SSL_CONNECT_ERROR || c == CURLE_PARTIAL_FILE;
}

/*
 * Check the target of a hop and find its address: scheme http or https,
 * port 80 or http01_port for http, 443 for https. Fills host, port and
 * addr; *pin as vnet_pick. Returns 0, or -1 with res set.
 */
static int
check_target(const struct vctx *vc, CURLU *u, char host[V_NAME_MAX + 1], long *port,
    char addr[V_ADDR_MAX], int *pin, struct vresult *res)
{
	char	*scheme = NULL, *h = NULL, *p = NULL, *url = NULL;
	size_t	 hlen;
	int	 rc = -1, https;

	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		vresult_fail(res, VP_CONNECTION, 0, "invalid redirect target");
		goto out;
	}
	https = strcmp(scheme, "https") == 0;
	if (!https && strcmp(scheme, "http") != 0) {
		vresult_fail(res, VP_CONNECTION, 0, "refusing redirect to %.200s: only http and https", url);
		goto out;
	}
	*port = strtol(p, NULL, 10);
	if (https ? *port != 443 : (*port != 80 && *port != vc->conf->http01_port)) {
		vresult_fail(res, VP_CONNECTION, 0, "refusing redirect to %.200s: port %ld is not allowed",
		    url, *port);
		goto out;
	}
	/* IPv6 literals come back in brackets. */
	hlen = strlen(h);
	if (hlen > 2 && h[0] == '[' && h[hlen - 1] == ']') {
		memmove(h, h + 1, hlen - 2);
		h[hlen - 2] = '\0';
	}
	if (strlen(h) > V_NAME_MAX) {
		vresult_fail(res, VP_CONNECTION, 0, "host name too long");
		goto out;
	}
	memcpy(host, h, strlen(h) + 1);
	if (vnet_pick(vc->net, host, addr, pin, res) == -1)
		goto out;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_free(url);
	return rc;
}

/*
 * One GET of the URL in u, connecting only to addr. Fills h (status,
 * body, location). Returns 0 when a response arrived, or -1 with res
 * set (connection failure, timeout, body over the cap).
 */
static int
fetch(const struct vctx *vc, CURLU *u, const char *host, long port, const char *addr, int pin,
    long long deadline, struct hop *h, struct vresult *res)
{
	CURL			*c = NULL;
	struct curl_slist	*pinned = NULL;
	char			 entry[V_NAME_MAX + V_ADDR_MAX + 16], *loc = NULL;
	long long		 left = deadline - clock_mono_ms();
	CURLcode		 cc;
	int			 rc = -1;

	if (left <= 0) {
		vresult_fail(res, VP_CONNECTION, 1, "timeout after %ld s", vc->conf->validation_timeout);
		goto out;
	}
	snprintf(entry, sizeof(entry), strchr(addr, ':') ? "%s:%ld:[%s]" : "%s:%ld:%s",
	    host, port, addr);
	if ((c = curl_easy_init()) == NULL ||
	    (pin && (pinned = curl_slist_append(NULL, entry)) == NULL)) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_CURLU, u);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pinned);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	/* A proxy from the environment would reach what the policy refused. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, vc->conf->validation_max_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "acme-caas-validator (+RFC 8555)");
	/*
	 * The key authorization proves control, not the certificate of an
	 * https hop (which may well be what is being requested): as other
	 * ACME CAs do, such hops are not verified.
	 */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	cc = curl_easy_perform(c);
	if (cc == CURLE_FILESIZE_EXCEEDED || (cc == CURLE_WRITE_ERROR && h->too_big)) {
		vresult_fail(res, VP_INCORRECT_RESPONSE, 0,
		    "response from %s is larger than %ld bytes", host, vc->conf->validation_max_bytes);
		goto out;
	}
	if (cc != CURLE_OK) {
		vresult_fail(res, VP_CONNECTION, transient(cc), "fetching from %s (%s port %ld): %s",
		    host, addr, port, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL &&
	    (h->location = strdup(loc)) == NULL) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "out of memory");
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(pinned);
	if (c != NULL)
		curl_easy_cleanup(c);
	return rc;
}

static int
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Compare a 200 body with the key authorization, trailing whitespace ignored (§8.3). */
static void
judge(const struct hop *h, const char *keyauth, const char *host, struct vresult *res)
{
	size_t	 len = h->body.len;
	char	 quoted[HTTP01_SNIPPET + 1];
	size_t	 n;

	while (len > 0 && strchr(" \t\r\n", h->body.p[len - 1]) != NULL)
		len--;
	if (len == strlen(keyauth) && memcmp(h->body.p, keyauth, len) == 0) {
		res->ok = 1;
		return;
	}
	/* Quote the start of what was served, printable ASCII only. */
	n = len < HTTP01_SNIPPET ? len : HTTP01_SNIPPET;
	for (size_t i = 0; i < n; i++) {
		char c = h->body.p[i];
		quoted[i] = (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
	}
	quoted[n] = '\0';
	vresult_fail(res, VP_INCORRECT_RESPONSE, 0,
	    "the key authorization served by %s does not match the challenge (got \"%s%s\")",
	    host, quoted, len > n ? "…" : "");
}

static void
hop_reset(struct hop *h, size_t max)
{
	buf_free(&h->body);
	buf_init(&h->body, max);
	free(h->location);
	h->location = NULL;
	h->too_big = 0;
	h->status = 0;
}

/* The first URL: the identifier, http01_port, the well-known path. */
static CURLU *
first_url(const struct vctx *vc, const struct vtask *t)
{
	CURLU	*u;
	char	 port[16], path[sizeof(HTTP01_PATH) + V_TOKEN_MAX];

	snprintf(port, sizeof(port), "%ld", vc->conf->http01_port);
	snprintf(path, sizeof(path), "%s%s", HTTP01_PATH, t->token);
	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_SCHEME, "http", 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, t->identifier, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, path, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* 1 if s is a non-empty base64url string of at most max characters. */
static int
b64url_ok(const char *s, size_t max)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > max)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

/*
 * Validate one http-01 challenge: res->ok, or the problem (RFC 8555
 * §8.3). Redirects are followed up to V_REDIRECTS_MAX hops, each
 * checked by check_target. Nothing here is secret: the key
 * authorization is public by design, but it is never logged.
 */
void
http01_validate(const struct vctx *vc, const struct vtask *t, struct vresult *res)
{
	CURLU		*u = NULL;
	struct hop	 h;
	char		 keyauth[V_TOKEN_MAX + V_THUMB_MAX + 2];
	char		 host[V_NAME_MAX + 1], addr[V_ADDR_MAX];
	long long	 deadline = clock_mono_ms() + vc->conf->validation_timeout * 1000LL;
	long		 port;
	int		 pin;

	memset(&h, 0, sizeof(h));
	buf_init(&h.body, (size_t)vc->conf->validation_max_bytes);
	if (t->wildcard) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "http-01 cannot validate a wildcard identifier");
		goto out;
	}
	if (!vnet_name_ok(t->identifier) || !b64url_ok(t->token, V_TOKEN_MAX) ||
	    !b64url_ok(t->thumbprint, V_THUMB_MAX)) {
		vresult_fail(res, VP_SERVER_INTERNAL, 0, "malformed identifier, token or account key");
		goto out;
	}
	snprintf(keyauth, sizeof(keyauth), "%s.%s", t->token, t->thumbprint);
	if ((u = first_url(vc, t)) == NULL) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "cannot build the challenge URL");
		goto out;
	}
	for (int hops = 0;; hops++) {
		hop_reset(&h, (size_t)vc->conf->validation_max_bytes);
		if (check_target(vc, u, host, &port, addr, &pin, res) == -1 ||
		    fetch(vc, u, host, port, addr, pin, deadline, &h, res) == -1)
			goto out;
		if (!is_redirect(h.status) || h.location == NULL)
			break;
		if (hops == V_REDIRECTS_MAX) {
			vresult_fail(res, VP_CONNECTION, 0, "more than %d redirects", V_REDIRECTS_MAX);
			goto out;
		}
		/* Resolved against the current URL; userinfo is never sent on. */
		if (curl_url_set(u, CURLUPART_URL, h.location, 0) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK) {
			vresult_fail(res, VP_CONNECTION, 0, "%s redirected to an invalid URL", host);
			goto out;
		}
	}
	if (h.status != 200) {
		vresult_fail(res, VP_UNAUTHORIZED, 0, "%s answered HTTP %ld for the challenge URL",
		    host, h.status);
		goto out;
	}
	judge(&h, keyauth, host, res);
out:
	buf_free(&h.body);
	free(h.location);
	curl_url_cleanup(u);
}
