/*
 * acme-loadgen: RFC 8555 issuance load generator for benchmarks.
 *
 * One ES256 account, registered once with External Account Binding
 * (RFC 8555 §7.3.4), is shared by N worker threads.  Each worker runs
 * full issuance flows back to back on its own keep-alive curl handle:
 *
 *   newOrder (§7.4) -> authorization (§7.5) -> POST {} to the http-01
 *   challenge (§7.5.1, §8.3) -> poll the order until "ready" -> finalize
 *   with a fresh P-256 CSR (§7.4) -> poll until "valid" -> download the
 *   certificate with POST-as-GET (§6.3, §7.4.2).
 *
 * A responder thread serves the key authorizations (§8.1) on
 * --http-port.  Every response's Replay-Nonce is reused for the next
 * request (§7.2).  The flow latency runs from newOrder to the parsed
 * certificate.  Results go to stdout as one line of key=value pairs;
 * reasons of failed flows go to stderr (the first few only).
 *
 * This program only measures; it asserts nothing about speed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define BODY_MAX	(256 * 1024)	/* cap of one response body */
#define NONCE_MAX	128
#define URL_MAX		1024
#define TOKEN_MAX	128		/* challenge token, base64url */
#define KEYAUTH_MAX	(TOKEN_MAX + 1 + 43)
#define NAME_MAX_LEN	253		/* DNS name, RFC 1035 */
#define ERR_MAX		512
#define EAB_KEY_MAX	256
#define CONC_MAX	256
#define DURATION_MAX	3600
#define COUNT_MAX	1000000
#define SAMPLES_MAX	(1u << 20)	/* per worker */
#define ERRORS_SHOWN	10
#define NONCE_RETRIES	3
#define REQ_LINE_MAX	4096

/* Command line, validated once in parse_args(). */
struct opts {
	const char	*directory;
	const char	*cacert;
	const char	*eab_kid;
	const char	*domain_suffix;
	const char	*label;
	const char	*bind_addr;
	const char	*account_key;	/* PEM file, created if absent */
	unsigned char	 eab_key[EAB_KEY_MAX];
	size_t		 eab_keylen;
	int		 http_port;
	int		 concurrency;
	int		 duration;	/* seconds, 0: none */
	long		 count;		/* flows, 0: none */
	int		 poll_ms;
	int		 retry_cap_ms;
	int		 flow_timeout;	/* seconds */
	int		 req_timeout;	/* seconds */
};

/* One HTTP exchange; reset before each request. */
struct resp {
	long		 status;
	char		*body;		/* BODY_MAX + 1 bytes, NUL-terminated */
	size_t		 len;
	int		 overflow;	/* body or a header did not fit */
	char		 nonce[NONCE_MAX];
	char		 location[URL_MAX];
	long		 retry_after;	/* seconds, -1: absent */
};

struct worker {
	int		 id;
	pthread_t	 thread;
	CURL		*curl;
	struct curl_slist *hdrs;
	struct resp	 r;
	char		 nonce[NONCE_MAX];	/* "" when none is held */
	char		 err[ERR_MAX];		/* first cause of this flow */
	unsigned long	 seq;
	unsigned long	 ok, failed;
	double		 t_last_ok;		/* completion of the last good flow */
	double		*lat;			/* ms of each good flow */
	size_t		 nlat, caplat;
	/* Guarded by slot_mu: the challenge being validated right now. */
	char		 token[TOKEN_MAX + 1];
	char		 keyauth[KEYAUTH_MAX + 1];
};

/* Shared, read-only once the workers start (except as noted). */
static struct opts	 O;
static char		*url_nonce, *url_account, *url_order;
static EVP_PKEY		*acct_key;
static json_t		*acct_jwk;
static char		*acct_kid;
static char		 thumbprint[44];	/* base64url SHA-256, RFC 7638 */
static char		 run_tag[9];
static struct worker	*workers;
static double		 t_start, t_stop;	/* monotonic seconds */
static pthread_mutex_t	 slot_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_long	 flows_claimed;
static atomic_int	 errors_shown;
static atomic_int	 responder_stop;
static atomic_int	 flows_stop;		/* set: start no more flows */
static atomic_ulong	 http01_served;

/* ---------------------------------------------------------------- util */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Record the first failure cause of the current flow. */
static void __attribute__((format(printf, 2, 3)))
werr(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

/*
 * Copy src into dst[dstsz]; 0 on success, -1 (dst emptied) when src
 * does not fit: truncation is an error.
 */
static int
copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz) {
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/*
 * Base64url without padding (RFC 4648 §5) of in[n]; malloc'd string
 * the caller frees, or NULL on allocation failure.
 */
static char *
b64url(const void *in, size_t n)
{
	char *out, *p;
	size_t cap = 4 * ((n + 2) / 3) + 1;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	for (p = out; *p != '\0' && *p != '='; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	*p = '\0';
	return out;
}

/*
 * Decode base64url (padding optional) into out[outsz].  Returns the
 * decoded length, or -1 on bad input or when it does not fit.
 */
static long
b64url_dec(const char *in, unsigned char *out, size_t outsz)
{
	size_t n = strlen(in), i, pad;
	char *tmp = NULL;
	unsigned char *raw = NULL;
	long rc = -1;
	int len;

	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1 || n > 4 * outsz)
		goto out;
	pad = (4 - n % 4) % 4;
	if ((tmp = malloc(n + pad + 1)) == NULL ||
	    (raw = malloc(3 * (n + pad) / 4 + 1)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/')
			goto out;
		tmp[i] = c;
	}
	memset(tmp + n, '=', pad);
	tmp[n + pad] = '\0';
	if ((len = EVP_DecodeBlock(raw, (unsigned char *)tmp,
	    (int)(n + pad))) < 0)
		goto out;
	len -= (int)pad;
	if (len < 0 || (size_t)len > outsz)
		goto out;
	memcpy(out, raw, (size_t)len);
	rc = len;
out:
	free(tmp);
	free(raw);
	return rc;
}

/* Compact JSON text of o (malloc'd), keys sorted; NULL on failure. */
static char *
json_text(const json_t *o)
{
	return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
}

/* String member k of object o, or NULL. */
static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---------------------------------------------------------------- keys */

/*
 * Public JWK of a P-256 key (RFC 7518 §6.2.1) as a new jansson object,
 * or NULL on failure.
 */
static json_t *
ec_jwk(EVP_PKEY *key)
{
	BIGNUM *x = NULL, *y = NULL;
	unsigned char bx[32], by[32];
	char *sx = NULL, *sy = NULL;
	json_t *jwk = NULL;

	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
	    BN_bn2binpad(x, bx, 32) != 32 || BN_bn2binpad(y, by, 32) != 32) {
		fprintf(stderr, "acme-loadgen: EVP_PKEY_get_bn_param failed\n");
		goto out;
	}
	if ((sx = b64url(bx, 32)) == NULL || (sy = b64url(by, 32)) == NULL)
		goto out;
	jwk = json_pack("{s:s, s:s, s:s, s:s}", "crv", "P-256", "kty", "EC",
	    "x", sx, "y", sy);
out:
	BN_free(x);
	BN_free(y);
	free(sx);
	free(sy);
	return jwk;
}

/* RFC 7638 thumbprint of jwk into out[44]; -1 on failure. */
static int
jwk_thumbprint(const json_t *jwk, char out[44])
{
	unsigned char md[32];
	char *txt = NULL, *b = NULL;
	int rc = -1;

	/* Required members only, lexicographic order, no whitespace. */
	if ((txt = json_text(jwk)) == NULL)
		goto out;
	SHA256((unsigned char *)txt, strlen(txt), md);
	if ((b = b64url(md, sizeof(md))) == NULL || copy_str(out, 44, b) == -1)
		goto out;
	rc = 0;
out:
	free(txt);
	free(b);
	return rc;
}

/*
 * ES256 signature (RFC 7518 §3.4: raw r||s, 64 bytes) over data,
 * base64url-encoded (malloc'd), or NULL on failure.
 */
static char *
es256_sign(EVP_PKEY *key, const char *data)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	unsigned char der[80], raw[64];
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	size_t derlen = sizeof(der);
	char *out = NULL;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &derlen, (const unsigned char *)data,
	    strlen(data)) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32)
		goto out;
	out = b64url(raw, sizeof(raw));
out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return out;
}

/*
 * Flattened JWS JSON (RFC 7515 §7.2.2) of payload (NULL: empty payload,
 * i.e. POST-as-GET, RFC 8555 §6.3) under the protected header prot,
 * signed with ES256 or, when hmac is set, HS256.  Returns a new object
 * or NULL on failure.
 */
static json_t *
jws_make(const json_t *prot, const json_t *payload, EVP_PKEY *key,
    const unsigned char *hmac, size_t hmaclen)
{
	char *ptxt = NULL, *pl = NULL, *p64 = NULL, *pl64 = NULL;
	char *input = NULL, *sig = NULL;
	unsigned char mac[32];
	unsigned int maclen = sizeof(mac);
	json_t *jws = NULL;
	size_t n;

	if ((ptxt = json_text(prot)) == NULL ||
	    (payload != NULL && (pl = json_text(payload)) == NULL) ||
	    (p64 = b64url(ptxt, strlen(ptxt))) == NULL ||
	    (pl64 = b64url(pl != NULL ? pl : "", pl != NULL ? strlen(pl) : 0))
	    == NULL)
		goto out;
	n = strlen(p64) + 1 + strlen(pl64) + 1;
	if ((input = malloc(n)) == NULL ||
	    snprintf(input, n, "%s.%s", p64, pl64) >= (int)n)
		goto out;
	if (hmac != NULL) {
		if (HMAC(EVP_sha256(), hmac, (int)hmaclen,
		    (unsigned char *)input, strlen(input), mac, &maclen) == NULL ||
		    (sig = b64url(mac, maclen)) == NULL)
			goto out;
	} else if ((sig = es256_sign(key, input)) == NULL)
		goto out;
	jws = json_pack("{s:s, s:s, s:s}", "protected", p64, "payload", pl64,
	    "signature", sig);
out:
	free(ptxt);
	free(pl);
	free(p64);
	free(pl64);
	free(input);
	free(sig);
	return jws;
}

/*
 * DER CSR (RFC 2986) for one DNS name with a fresh P-256 key, in
 * SAN and CN, base64url-encoded (malloc'd); NULL on failure.
 */
static char *
csr_make(const char *name)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	X509_NAME *subj;
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned char *der = NULL;
	char *out = NULL;
	int len;

	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    (req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, 0) ||
	    (subj = X509_REQ_get_subject_name(req)) == NULL ||
	    !X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
	    (const unsigned char *)name, -1, -1, 0))
		goto out;
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(ia5, name, -1))
		goto out;
	GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	ia5 = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto out;
	gn = NULL;
	if (!X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, 0) ||
	    !X509_REQ_add_extensions(req, exts) ||
	    !X509_REQ_set_pubkey(req, key) ||
	    !X509_REQ_sign(req, key, EVP_sha256()) ||
	    (len = i2d_X509_REQ(req, &der)) <= 0)
		goto out;
	out = b64url(der, (size_t)len);
out:
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return out;
}

/* ---------------------------------------------------------------- http */

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;

	if (n > BODY_MAX - r->len) {
		r->overflow = 1;
		return 0;		/* curl fails the transfer */
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* If line is "name: value", copy the trimmed value into dst[dstsz]. */
static int
header_value(const char *line, size_t n, const char *name, char *dst,
    size_t dstsz)
{
	size_t k = strlen(name), vlen;
	const char *v;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	v = line + k + 1;
	vlen = n - k - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= dstsz)
		return -1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 1;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char ra[32];

	if (header_value(ptr, n, "Replay-Nonce", r->nonce, sizeof(r->nonce))
	    == -1 || header_value(ptr, n, "Location", r->location,
	    sizeof(r->location)) == -1) {
		r->overflow = 1;
		return 0;
	}
	if (header_value(ptr, n, "Retry-After", ra, sizeof(ra)) == 1)
		r->retry_after = strtol(ra, NULL, 10);	/* dates: ignored */
	return n;
}

/*
 * One request on the worker's handle: GET (body NULL, head 0), HEAD
 * (head 1) or POST of a JOSE body.  Fills w->r.  Returns 0 when an HTTP
 * response arrived (any status), -1 on a transport error (cause in
 * w->err).
 */
static int
http_do(struct worker *w, const char *url, const char *body, int head)
{
	CURLcode cc;

	w->r.status = 0;
	w->r.len = 0;
	w->r.body[0] = '\0';
	w->r.overflow = 0;
	w->r.nonce[0] = w->r.location[0] = '\0';
	w->r.retry_after = -1;
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_NOBODY, head ? 1L : 0L);
	if (body != NULL) {
		curl_easy_setopt(w->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->hdrs);
	} else {
		curl_easy_setopt(w->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
		if (head)
			curl_easy_setopt(w->curl, CURLOPT_NOBODY, 1L);
	}
	if ((cc = curl_easy_perform(w->curl)) != CURLE_OK) {
		werr(w, "%s: curl_easy_perform: %s%s", url,
		    curl_easy_strerror(cc), w->r.overflow ? " (over cap)" : "");
		return -1;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &w->r.status);
	return 0;
}

/* New curl handle for w; -1 on failure. */
static int
worker_curl(struct worker *w)
{
	if ((w->r.body = malloc(BODY_MAX + 1)) == NULL ||
	    (w->curl = curl_easy_init()) == NULL ||
	    (w->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/jose+json")) == NULL ||
	    (w->hdrs = curl_slist_append(w->hdrs, "Expect:")) == NULL)
		return -1;
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "acme-loadgen/1");
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, (long)O.req_timeout);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(w->curl, CURLOPT_MAXFILESIZE, (long)BODY_MAX);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &w->r);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, &w->r);
	if (O.cacert != NULL)
		curl_easy_setopt(w->curl, CURLOPT_CAINFO, O.cacert);
	return 0;
}

static void
worker_free(struct worker *w)
{
	curl_slist_free_all(w->hdrs);
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	free(w->r.body);
	free(w->lat);
}

/* ---------------------------------------------------------------- acme */

/* Obtain a nonce into w->nonce: the held one, else HEAD newNonce (§7.2). */
static int
nonce_get(struct worker *w)
{
	if (w->nonce[0] != '\0')
		return 0;
	if (http_do(w, url_nonce, NULL, 1) == -1)
		return -1;
	if (w->r.nonce[0] == '\0') {
		werr(w, "newNonce: HTTP %ld without Replay-Nonce", w->r.status);
		return -1;
	}
	memcpy(w->nonce, w->r.nonce, sizeof(w->nonce));
	return 0;
}

/*
 * Signed POST of payload (NULL: POST-as-GET) to url with the account
 * key: "jwk" in the header when use_jwk (newAccount), else the account
 * URL as "kid" (§6.2).  Retries a badNonce (§6.5) up to NONCE_RETRIES
 * times.  Returns 0 with w->r holding a response of the status want
 * (0: 200 or 201), -1 otherwise (cause in w->err).
 */
static int
acme_post(struct worker *w, const char *url, const json_t *payload,
    int use_jwk, long want)
{
	json_t *prot = NULL, *jws = NULL;
	char *body = NULL;
	int tries, rc = -1;

	for (tries = 0; tries <= NONCE_RETRIES; tries++) {
		json_decref(prot);
		json_decref(jws);
		free(body);
		prot = NULL, jws = NULL, body = NULL;
		if (nonce_get(w) == -1)
			goto out;
		prot = use_jwk ?
		    json_pack("{s:s, s:O, s:s, s:s}", "alg", "ES256", "jwk",
		    acct_jwk, "nonce", w->nonce, "url", url) :
		    json_pack("{s:s, s:s, s:s, s:s}", "alg", "ES256", "kid",
		    acct_kid, "nonce", w->nonce, "url", url);
		w->nonce[0] = '\0';	/* a nonce is good for one request */
		if (prot == NULL ||
		    (jws = jws_make(prot, payload, acct_key, NULL, 0)) == NULL ||
		    (body = json_text(jws)) == NULL) {
			werr(w, "%s: building the JWS failed", url);
			goto out;
		}
		if (http_do(w, url, body, 0) == -1)
			goto out;
		if (w->r.nonce[0] != '\0')
			memcpy(w->nonce, w->r.nonce, sizeof(w->nonce));
		if (w->r.status != 400 ||
		    strstr(w->r.body, "urn:ietf:params:acme:error:badNonce") == NULL)
			break;
	}
	if (want == 0 ? w->r.status != 200 && w->r.status != 201 :
	    w->r.status != want) {
		werr(w, "%s: HTTP %ld (want %ld): %.200s", url, w->r.status,
		    want, w->r.body);
		goto out;
	}
	rc = 0;
out:
	json_decref(prot);
	json_decref(jws);
	free(body);
	return rc;
}

/* Parse w->r's body as a JSON object; new reference or NULL. */
static json_t *
resp_json(struct worker *w, const char *what)
{
	json_error_t je;
	json_t *o;

	o = json_loadb(w->r.body, w->r.len, 0, &je);
	if (o == NULL || !json_is_object(o)) {
		werr(w, "%s: body is not a JSON object: %s", what, je.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * POST-as-GET url until the object's status is want ("ready" or
 * "valid"), sleeping --poll-ms between polls (or a Retry-After, capped
 * at --retry-after-cap-ms).  Stops at "invalid" or at deadline.
 * Returns the object in that state (new reference) or NULL.
 */
static json_t *
poll_status(struct worker *w, const char *url, const char *want,
    double deadline)
{
	json_t *o;
	const char *st;
	long wait;

	for (;;) {
		if (acme_post(w, url, NULL, 0, 200) == -1 ||
		    (o = resp_json(w, url)) == NULL)
			return NULL;
		if ((st = jstr(o, "status")) == NULL) {
			werr(w, "%s: no status", url);
			break;
		}
		if (strcmp(st, want) == 0)
			return o;
		if (strcmp(st, "pending") != 0 && strcmp(st, "processing") != 0 &&
		    strcmp(st, "ready") != 0) {
			werr(w, "%s: status %s waiting for %s: %.200s", url, st,
			    want, w->r.body);
			break;
		}
		wait = O.poll_ms;
		if (w->r.retry_after > 0 && w->r.retry_after < 3600 &&
		    w->r.retry_after * 1000 > wait)
			wait = w->r.retry_after * 1000 < O.retry_cap_ms ?
			    w->r.retry_after * 1000 : O.retry_cap_ms;
		json_decref(o);
		if (now_s() + (double)wait / 1000 > deadline) {
			werr(w, "%s: still not %s after %d s", url, want,
			    O.flow_timeout);
			return NULL;
		}
		sleep_ms(wait);
	}
	json_decref(o);
	return NULL;
}

/* Publish (token, keyauth) for the responder; empty token clears. */
static int
slot_set(struct worker *w, const char *token)
{
	int rc = 0;
	const char *p;

	for (p = token; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return -1;
	pthread_mutex_lock(&slot_mu);
	if (copy_str(w->token, sizeof(w->token), token) == -1 ||
	    (token[0] != '\0' && snprintf(w->keyauth, sizeof(w->keyauth),
	    "%s.%s", token, thumbprint) >= (int)sizeof(w->keyauth))) {
		w->token[0] = '\0';
		rc = -1;
	}
	pthread_mutex_unlock(&slot_mu);
	return rc;
}

/*
 * Fetch authorization authz_url and start its http-01 challenge
 * (§7.5.1): publish the key authorization, POST {} to the challenge.
 * Returns 0 or -1.
 */
static int
authz_start(struct worker *w, const char *authz_url)
{
	json_t *az = NULL, *ch, *empty = NULL;
	const char *type, *token = NULL, *churl = NULL;
	char url[URL_MAX];
	size_t i;
	int rc = -1;

	if (acme_post(w, authz_url, NULL, 0, 200) == -1 ||
	    (az = resp_json(w, "authz")) == NULL)
		goto out;
	json_array_foreach(json_object_get(az, "challenges"), i, ch) {
		if ((type = jstr(ch, "type")) != NULL &&
		    strcmp(type, "http-01") == 0) {
			token = jstr(ch, "token");
			churl = jstr(ch, "url");
		}
	}
	if (token == NULL || churl == NULL ||
	    copy_str(url, sizeof(url), churl) == -1) {
		werr(w, "authz: no usable http-01 challenge: %.200s", w->r.body);
		goto out;
	}
	if (slot_set(w, token) == -1) {
		werr(w, "authz: bad or oversized token");
		goto out;
	}
	if ((empty = json_object()) == NULL ||
	    acme_post(w, url, empty, 0, 200) == -1)
		goto out;
	rc = 0;
out:
	json_decref(empty);
	json_decref(az);
	return rc;
}

/* Check the downloaded PEM chain: its first certificate names name. */
static int
cert_check(struct worker *w, const char *name)
{
	BIO *bio;
	X509 *x = NULL;
	int rc = -1;

	if ((bio = BIO_new_mem_buf(w->r.body, (int)w->r.len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		werr(w, "certificate: no PEM certificate in %zu bytes", w->r.len);
	else if (X509_check_host(x, name, 0, 0, NULL) != 1)
		werr(w, "certificate: does not name %s", name);
	else
		rc = 0;
	X509_free(x);
	BIO_free(bio);
	return rc;
}

/*
 * Finalize order (at ready) with a CSR for name (§7.4), wait for
 * "valid", download and check the certificate.  Returns 0 or -1.
 */
static int
order_finish(struct worker *w, const json_t *order, const char *order_url,
    const char *name, double deadline)
{
	json_t *payload = NULL, *o = NULL, *done = NULL;
	const char *fin, *st, *cert;
	char *csr = NULL;
	char url[URL_MAX];
	int rc = -1;

	if ((fin = jstr(order, "finalize")) == NULL ||
	    copy_str(url, sizeof(url), fin) == -1) {
		werr(w, "order: no finalize URL");
		goto out;
	}
	if ((csr = csr_make(name)) == NULL ||
	    (payload = json_pack("{s:s}", "csr", csr)) == NULL) {
		werr(w, "CSR: building failed");
		goto out;
	}
	if (acme_post(w, url, payload, 0, 200) == -1 ||
	    (o = resp_json(w, "finalize")) == NULL)
		goto out;
	st = jstr(o, "status");
	if (st != NULL && strcmp(st, "valid") == 0)
		done = json_incref(o);
	else if ((done = poll_status(w, order_url, "valid", deadline)) == NULL)
		goto out;
	if ((cert = jstr(done, "certificate")) == NULL ||
	    copy_str(url, sizeof(url), cert) == -1) {
		werr(w, "order: valid without certificate URL");
		goto out;
	}
	if (acme_post(w, url, NULL, 0, 200) == -1 || cert_check(w, name) == -1)
		goto out;
	rc = 0;
out:
	free(csr);
	json_decref(payload);
	json_decref(o);
	json_decref(done);
	return rc;
}

/* One full issuance flow for a fresh name.  Returns 0 or -1. */
static int
flow_run(struct worker *w)
{
	json_t *payload = NULL, *order = NULL, *ready = NULL;
	const char *authz;
	char name[NAME_MAX_LEN + 1], order_url[URL_MAX], authz_url[URL_MAX];
	double deadline = now_s() + O.flow_timeout;
	int rc = -1;

	if (snprintf(name, sizeof(name), "b%sw%dn%lu.%s", run_tag, w->id,
	    w->seq++, O.domain_suffix) >= (int)sizeof(name)) {
		werr(w, "name too long");
		goto out;
	}
	if ((payload = json_pack("{s:[{s:s, s:s}]}", "identifiers", "type",
	    "dns", "value", name)) == NULL ||
	    acme_post(w, url_order, payload, 0, 201) == -1 ||
	    (order = resp_json(w, "newOrder")) == NULL)
		goto out;
	if (copy_str(order_url, sizeof(order_url), w->r.location) == -1 ||
	    order_url[0] == '\0' ||
	    (authz = json_string_value(json_array_get(json_object_get(order,
	    "authorizations"), 0))) == NULL ||
	    copy_str(authz_url, sizeof(authz_url), authz) == -1) {
		werr(w, "newOrder: no Location or authorization: %.200s",
		    w->r.body);
		goto out;
	}
	if (authz_start(w, authz_url) == -1 ||
	    (ready = poll_status(w, order_url, "ready", deadline)) == NULL ||
	    order_finish(w, ready, order_url, name, deadline) == -1)
		goto out;
	rc = 0;
out:
	slot_set(w, "");
	json_decref(payload);
	json_decref(order);
	json_decref(ready);
	return rc;
}

/* Keep one more latency sample; silently stops at SAMPLES_MAX. */
static void
lat_add(struct worker *w, double ms)
{
	double *p;
	size_t ncap;

	if (w->nlat == w->caplat) {
		if (w->caplat >= SAMPLES_MAX)
			return;
		ncap = w->caplat == 0 ? 256 : w->caplat * 2;
		if ((p = realloc(w->lat, ncap * sizeof(*p))) == NULL)
			return;
		w->lat = p;
		w->caplat = ncap;
	}
	w->lat[w->nlat++] = ms;
}

/* Claim the next flow: 1 while --count and --duration allow it. */
static int
flow_claim(void)
{
	if (atomic_load(&flows_stop))
		return 0;
	if (O.duration > 0 && now_s() >= t_start + O.duration)
		return 0;
	if (O.count > 0 && atomic_fetch_add(&flows_claimed, 1) >= O.count)
		return 0;
	return 1;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	double t0;

	while (flow_claim()) {
		w->err[0] = '\0';
		t0 = now_s();
		if (flow_run(w) == 0) {
			w->ok++;
			w->t_last_ok = now_s();
			lat_add(w, (w->t_last_ok - t0) * 1000);
			continue;
		}
		w->failed++;
		w->nonce[0] = '\0';	/* the error may have come from anywhere */
		if (atomic_fetch_add(&errors_shown, 1) < ERRORS_SHOWN)
			fprintf(stderr, "acme-loadgen: worker %d: flow failed: %s\n",
			    w->id, w->err);
	}
	return NULL;
}

/* ---------------------------------------------------------------- http-01 */

/* Key authorization for token into out[KEYAUTH_MAX + 1]; 0 if known. */
static int
slot_find(const char *token, size_t n, char *out)
{
	int i, rc = -1;

	pthread_mutex_lock(&slot_mu);
	for (i = 0; i < O.concurrency; i++) {
		if (workers[i].token[0] != '\0' &&
		    strlen(workers[i].token) == n &&
		    memcmp(workers[i].token, token, n) == 0) {
			memcpy(out, workers[i].keyauth, KEYAUTH_MAX + 1);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&slot_mu);
	return rc;
}

/*
 * Answer one http-01 request (RFC 8555 §8.3) on fd: 200 with the key
 * authorization of a known token, 404 otherwise; then close.
 */
static void
http01_serve(int fd)
{
	static const char prefix[] = "GET /.well-known/acme-challenge/";
	char req[REQ_LINE_MAX + 1], ka[KEYAUTH_MAX + 1], out[512];
	const char *tok, *end;
	size_t len = 0;
	ssize_t n;
	int olen;

	while (len < REQ_LINE_MAX) {
		if ((n = recv(fd, req + len, REQ_LINE_MAX - len, 0)) <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	tok = req + sizeof(prefix) - 1;
	if (strncmp(req, prefix, sizeof(prefix) - 1) == 0 &&
	    (end = strchr(tok, ' ')) != NULL &&
	    slot_find(tok, (size_t)(end - tok), ka) == 0) {
		olen = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		    strlen(ka), ka);
		atomic_fetch_add(&http01_served, 1);
	} else
		olen = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	if (olen > 0 && (size_t)olen < sizeof(out))
		(void)send(fd, out, (size_t)olen, MSG_NOSIGNAL);
}

/* Listening socket on --http-bind:--http-port, or -1. */
static int
http01_listen(void)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)O.http_port);
	if (inet_pton(AF_INET, O.bind_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "acme-loadgen: --http-bind: not an IPv4 address\n");
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 128) == -1) {
		fprintf(stderr, "acme-loadgen: http-01 responder on %s:%d: %s\n",
		    O.bind_addr, O.http_port, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Accept loop; ends when responder_stop is set (checked every 200 ms). */
static void *
http01_main(void *arg)
{
	int lfd = *(int *)arg, fd;
	struct pollfd pfd = { lfd, POLLIN, 0 };
	struct timeval tv = { 2, 0 };

	while (!atomic_load(&responder_stop)) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		http01_serve(fd);
		close(fd);
	}
	return NULL;
}

/* ---------------------------------------------------------------- setup */

/* Fetch the directory (§7.1.1) with w's handle.  Returns 0 or -1. */
static int
directory_load(struct worker *w)
{
	json_t *d = NULL;
	const char *n, *a, *o;
	int rc = -1;

	if (http_do(w, O.directory, NULL, 0) == -1)
		goto out;
	if (w->r.status != 200) {
		werr(w, "directory: HTTP %ld", w->r.status);
		goto out;
	}
	if ((d = resp_json(w, "directory")) == NULL)
		goto out;
	if ((n = jstr(d, "newNonce")) == NULL ||
	    (a = jstr(d, "newAccount")) == NULL ||
	    (o = jstr(d, "newOrder")) == NULL) {
		werr(w, "directory: newNonce, newAccount or newOrder missing");
		goto out;
	}
	if ((url_nonce = strdup(n)) == NULL || (url_account = strdup(a)) == NULL ||
	    (url_order = strdup(o)) == NULL)
		goto out;
	rc = 0;
out:
	json_decref(d);
	return rc;
}

/*
 * The account key: read from --account-key if that file exists (it must
 * be a P-256 key), else generated, and then saved there (mode 0600) when
 * the option is given.  Reusing the key across runs makes newAccount
 * answer 200 with the existing account (§7.3.1), so a CA that binds an
 * EAB key to one account only still serves every run.  New key or NULL.
 */
static EVP_PKEY *
account_key_load(void)
{
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	char grp[32];
	size_t glen;
	int fd;

	if (O.account_key != NULL && (f = fopen(O.account_key, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
		    !EVP_PKEY_get_utf8_string_param(key,
		    OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), &glen) ||
		    strcmp(grp, "prime256v1") != 0) {
			fprintf(stderr, "acme-loadgen: --account-key %s: not a "
			    "P-256 private key\n", O.account_key);
			EVP_PKEY_free(key);
			return NULL;
		}
		return key;
	}
	if ((key = EVP_EC_gen("P-256")) == NULL || O.account_key == NULL)
		return key;
	if ((fd = open(O.account_key, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0) {
		fprintf(stderr, "acme-loadgen: --account-key %s: cannot save: %s\n",
		    O.account_key, strerror(errno));
		if (f == NULL && fd != -1)
			close(fd);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/*
 * Load or create the shared account key and register it with External
 * Account Binding (§7.3, §7.3.4); an existing account (200) is fine.
 * Sets acct_kid.  Returns 0 or -1.
 */
static int
account_register(struct worker *w)
{
	json_t *eprot = NULL, *eab = NULL, *payload = NULL;
	int rc = -1;

	if ((acct_key = account_key_load()) == NULL ||
	    (acct_jwk = ec_jwk(acct_key)) == NULL ||
	    jwk_thumbprint(acct_jwk, thumbprint) == -1) {
		werr(w, "account key: generation failed");
		goto out;
	}
	if ((eprot = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "kid",
	    O.eab_kid, "url", url_account)) == NULL ||
	    (eab = jws_make(eprot, acct_jwk, NULL, O.eab_key, O.eab_keylen))
	    == NULL ||
	    (payload = json_pack("{s:b, s:O}", "termsOfServiceAgreed", 1,
	    "externalAccountBinding", eab)) == NULL) {
		werr(w, "newAccount: building the EAB JWS failed");
		goto out;
	}
	if (acme_post(w, url_account, payload, 1, 0) == -1)
		goto out;
	if (w->r.location[0] == '\0' || (acct_kid = strdup(w->r.location)) == NULL) {
		werr(w, "newAccount: no Location");
		goto out;
	}
	rc = 0;
out:
	json_decref(eprot);
	json_decref(eab);
	json_decref(payload);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: acme-loadgen --directory URL --eab-kid KID\n"
	    "         (--eab-hmac-file FILE | --eab-hmac B64URL)\n"
	    "         --domain-suffix SUFFIX [--cacert FILE] [--account-key FILE]\n"
	    "         [--http-port 5602] [--http-bind 127.0.0.1]\n"
	    "         [--concurrency 1] [--duration 10] [--count N]\n"
	    "         [--poll-ms 20] [--retry-after-cap-ms 20]\n"
	    "         [--flow-timeout 60] [--request-timeout 30] [--label TEXT]\n");
	exit(2);
}

/* Integer option in [lo, hi] or exit 2 naming the option. */
static long
num_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "acme-loadgen: --%s: want an integer in "
		    "[%ld, %ld], got \"%s\"\n", opt, lo, hi, s);
		exit(2);
	}
	return v;
}

/* Read the base64url EAB key from file (first line) into O. */
static int
eab_key_load(const char *file, const char *inline_key)
{
	char line[2 * EAB_KEY_MAX], *nl;
	FILE *f = NULL;
	long n;

	if (file != NULL) {
		if ((f = fopen(file, "r")) == NULL ||
		    fgets(line, sizeof(line), f) == NULL) {
			fprintf(stderr, "acme-loadgen: --eab-hmac-file: %s\n",
			    f == NULL ? strerror(errno) : "empty");
			if (f != NULL)
				fclose(f);
			return -1;
		}
		fclose(f);
		if ((nl = strpbrk(line, "\r\n")) != NULL)
			*nl = '\0';
	} else if (copy_str(line, sizeof(line), inline_key) == -1) {
		fprintf(stderr, "acme-loadgen: --eab-hmac: too long\n");
		return -1;
	}
	if ((n = b64url_dec(line, O.eab_key, sizeof(O.eab_key))) <= 0) {
		fprintf(stderr, "acme-loadgen: EAB HMAC key: not base64url\n");
		return -1;
	}
	O.eab_keylen = (size_t)n;
	return 0;
}

static void
parse_args(int argc, char *argv[])
{
	enum { O_DIR = 256, O_CA, O_KID, O_HMAC, O_HMACF, O_PORT, O_BIND,
	    O_SUFFIX, O_CONC, O_DUR, O_COUNT, O_POLL, O_RACAP, O_FTO, O_RTO,
	    O_LABEL, O_AKEY };
	static const struct option lo[] = {
		{ "directory", required_argument, NULL, O_DIR },
		{ "cacert", required_argument, NULL, O_CA },
		{ "eab-kid", required_argument, NULL, O_KID },
		{ "eab-hmac", required_argument, NULL, O_HMAC },
		{ "eab-hmac-file", required_argument, NULL, O_HMACF },
		{ "http-port", required_argument, NULL, O_PORT },
		{ "http-bind", required_argument, NULL, O_BIND },
		{ "domain-suffix", required_argument, NULL, O_SUFFIX },
		{ "concurrency", required_argument, NULL, O_CONC },
		{ "duration", required_argument, NULL, O_DUR },
		{ "count", required_argument, NULL, O_COUNT },
		{ "poll-ms", required_argument, NULL, O_POLL },
		{ "retry-after-cap-ms", required_argument, NULL, O_RACAP },
		{ "flow-timeout", required_argument, NULL, O_FTO },
		{ "request-timeout", required_argument, NULL, O_RTO },
		{ "label", required_argument, NULL, O_LABEL },
		{ "account-key", required_argument, NULL, O_AKEY },
		{ NULL, 0, NULL, 0 }
	};
	const char *hmac = NULL, *hmac_file = NULL;
	int c;

	O.http_port = 5602;
	O.bind_addr = "127.0.0.1";
	O.concurrency = 1;
	O.duration = -1;
	O.poll_ms = 20;
	O.retry_cap_ms = -1;
	O.flow_timeout = 60;
	O.req_timeout = 30;
	O.label = "acme";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_DIR: O.directory = optarg; break;
		case O_CA: O.cacert = optarg; break;
		case O_KID: O.eab_kid = optarg; break;
		case O_HMAC: hmac = optarg; break;
		case O_HMACF: hmac_file = optarg; break;
		case O_PORT: O.http_port = (int)num_arg("http-port", optarg, 1, 65535); break;
		case O_BIND: O.bind_addr = optarg; break;
		case O_SUFFIX: O.domain_suffix = optarg; break;
		case O_CONC: O.concurrency = (int)num_arg("concurrency", optarg, 1, CONC_MAX); break;
		case O_DUR: O.duration = (int)num_arg("duration", optarg, 0, DURATION_MAX); break;
		case O_COUNT: O.count = num_arg("count", optarg, 0, COUNT_MAX); break;
		case O_POLL: O.poll_ms = (int)num_arg("poll-ms", optarg, 1, 10000); break;
		case O_RACAP: O.retry_cap_ms = (int)num_arg("retry-after-cap-ms", optarg, 0, 60000); break;
		case O_FTO: O.flow_timeout = (int)num_arg("flow-timeout", optarg, 1, 3600); break;
		case O_RTO: O.req_timeout = (int)num_arg("request-timeout", optarg, 1, 600); break;
		case O_LABEL: O.label = optarg; break;
		case O_AKEY: O.account_key = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || O.directory == NULL || O.eab_kid == NULL ||
	    O.domain_suffix == NULL || (hmac == NULL) == (hmac_file == NULL))
		usage();
	if (O.duration == -1)
		O.duration = O.count > 0 ? 0 : 10;
	if (O.duration == 0 && O.count == 0) {
		fprintf(stderr, "acme-loadgen: --duration 0 needs --count\n");
		exit(2);
	}
	if (O.retry_cap_ms == -1)
		O.retry_cap_ms = O.poll_ms;
	if (strlen(O.domain_suffix) > 200 || strlen(O.label) > 64) {
		fprintf(stderr, "acme-loadgen: --domain-suffix or --label too long\n");
		exit(2);
	}
	if (eab_key_load(hmac_file, hmac) == -1)
		exit(2);
}

/* ---------------------------------------------------------------- report */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0..1] of sorted v[n]; 0 when n is 0. */
static double
pct(const double *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(q * (double)n + 0.999999);
	return v[(k == 0 ? 1 : k) - 1];
}

/* Print the one result line.  Returns 0, or -1 on allocation failure. */
static int
report(void)
{
	unsigned long ok = 0, failed = 0;
	size_t n = 0, i;
	double *all, elapsed = t_stop - t_start, cpu, last = t_start, active;
	struct rusage ru;
	int k;

	for (k = 0; k < O.concurrency; k++)
		n += workers[k].nlat;
	if ((all = malloc((n == 0 ? 1 : n) * sizeof(*all))) == NULL)
		return -1;
	n = 0;
	for (k = 0; k < O.concurrency; k++) {
		ok += workers[k].ok;
		failed += workers[k].failed;
		if (workers[k].t_last_ok > last)
			last = workers[k].t_last_ok;
		for (i = 0; i < workers[k].nlat; i++)
			all[n++] = workers[k].lat[i];
	}
	qsort(all, n, sizeof(*all), cmp_double);
	/*
	 * active_s ends at the last good flow: when a server stops answering
	 * mid-run, ok / active_s is its rate while it worked.
	 */
	active = last - t_start;
	/* The generator shares the machine with the server: show its cost. */
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	printf("label=%s concurrency=%d elapsed_s=%.2f ok=%lu failed=%lu "
	    "issuances_per_s=%.2f p50_ms=%.1f p95_ms=%.1f max_ms=%.1f "
	    "http01_served=%lu client_cpu_ms_per_issuance=%.1f active_s=%.2f "
	    "issuances_per_active_s=%.2f\n", O.label,
	    O.concurrency, elapsed, ok, failed,
	    elapsed > 0 ? (double)ok / elapsed : 0.0, pct(all, n, 0.50),
	    pct(all, n, 0.95), n > 0 ? all[n - 1] : 0.0,
	    (unsigned long)atomic_load(&http01_served),
	    ok > 0 ? cpu / (double)ok : 0.0, active,
	    active > 0 ? (double)ok / active : 0.0);
	fflush(stdout);
	free(all);
	return 0;
}

/* ---------------------------------------------------------------- main */

/* Start the workers, wait for them, set t_start/t_stop.  0 or -1. */
static int
workers_run(void)
{
	int i, started = 0, rc = 0;

	t_start = now_s();
	for (i = 0; i < O.concurrency; i++) {
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0) {
			fprintf(stderr, "acme-loadgen: pthread_create failed\n");
			atomic_store(&flows_stop, 1);	/* running ones stop */
			rc = -1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	t_stop = now_s();
	return rc;
}

int
main(int argc, char *argv[])
{
	pthread_t responder;
	unsigned char rnd[4];
	int i, lfd = -1, have_responder = 0, rc = 1;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "acme-loadgen: curl_global_init failed\n");
		return 1;
	}
	if ((workers = calloc((size_t)O.concurrency, sizeof(*workers))) == NULL)
		goto out;
	for (i = 0; i < O.concurrency; i++) {
		workers[i].id = i;
		if (worker_curl(&workers[i]) == -1) {
			fprintf(stderr, "acme-loadgen: curl handle setup failed\n");
			goto out;
		}
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    snprintf(run_tag, sizeof(run_tag), "%02x%02x%02x%02x", rnd[0],
	    rnd[1], rnd[2], rnd[3]) != 8)
		goto out;
	if (directory_load(&workers[0]) == -1 ||
	    account_register(&workers[0]) == -1) {
		fprintf(stderr, "acme-loadgen: setup: %s\n", workers[0].err);
		goto out;
	}
	if ((lfd = http01_listen()) == -1)
		goto out;
	if (pthread_create(&responder, NULL, http01_main, &lfd) != 0) {
		fprintf(stderr, "acme-loadgen: pthread_create failed\n");
		goto out;
	}
	have_responder = 1;
	if (workers_run() == -1 || report() == -1)
		goto out;
	rc = 0;
out:
	if (have_responder) {
		atomic_store(&responder_stop, 1);
		pthread_join(responder, NULL);
	}
	if (lfd != -1)
		close(lfd);
	for (i = 0; workers != NULL && i < O.concurrency; i++)
		worker_free(&workers[i]);
	free(workers);
	json_decref(acct_jwk);
	EVP_PKEY_free(acct_key);
	free(acct_kid);
	free(url_nonce);
	free(url_account);
	free(url_order);
	OPENSSL_cleanse(O.eab_key, sizeof(O.eab_key));
	curl_global_cleanup();
	return rc;
}
