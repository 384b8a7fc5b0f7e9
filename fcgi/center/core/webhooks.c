/*
 * Webhooks (webhooks.h, issue 17 item 3): the outbox producers write in
 * their own transaction, and the sender. The sender posts with libcurl,
 * never follows a redirect, caps the answer (size and time), and checks
 * the address it is about to connect to (CURLOPT_OPENSOCKETFUNCTION), so
 * a name that resolves to loopback, a private or a link-local address is
 * refused whatever DNS answered when the endpoint was created.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "core/webhooks.h"

const char *const wh_event_names[WH__MAX] = {
	[WH_SUBSCRIPTION_CREATED] = "subscription.created",
	[WH_SUBSCRIPTION_RENEWED] = "subscription.renewed",
	[WH_SUBSCRIPTION_RENEWAL_FAILED] = "subscription.renewal_failed",
	[WH_SUBSCRIPTION_EXPIRED] = "subscription.expired",
	[WH_DOMAIN_ADDED] = "domain.added",
	[WH_DOMAIN_REMOVED] = "domain.removed",
	[WH_CERTIFICATE_ISSUED] = "certificate.issued",
	[WH_CERTIFICATE_REVOKED] = "certificate.revoked",
	[WH_RENEWAL_OVERDUE] = "renewal.overdue",
	[WH_TEST] = "webhook.test",
};

#define BACKOFF_FIRST	60	/* seconds before the first retry, then doubling */
#define BACKOFF_MAX	(6 * 3600)
#define CLAIM_SECONDS	600

/* ---- enqueue ---- */

static int
key_ok(const char *key)
{
	size_t	 n = key != NULL ? strlen(key) : 0;

	if (n == 0 || n > WH_EVENT_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] >= 0x7f)
			return 0;
	return 1;
}

/* 32 hex characters of randomness: the delivery id the receiver dedups on. */
static int
new_delivery_id(char out[33])
{
	unsigned char	 b[16];

	if (crypto_random(b, sizeof(b)) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* The body of one delivery: {"id","event","created_at","account_id","data"}. */
static char *
body_of(const char *id, enum wh_event ev, long long acct, const char *now, json_t *data)
{
	char	 at[24], *s;
	json_t	*o;

	snprintf(at, sizeof(at), "%.10sT%.8sZ", now, now + 11);
	if ((o = json_pack("{s:s, s:s, s:s, s:I, s:O}", "id", id, "event", wh_event_names[ev],
	    "created_at", at, "account_id", (json_int_t)acct, "data", data)) == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int
webhook_enqueue(struct db *db, enum wh_event ev, long long acct, long long endpoint_id,
    const char *event_key, json_t *data, char delivery_id[33])
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], id[33], *body = NULL;
	int		 rc, queued = 0, test = ev == WH_TEST;

	if ((unsigned int)ev >= WH__MAX || acct <= 0 || !key_ok(event_key) ||
	    !json_is_object(data) || (test && endpoint_id <= 0)) {
		log_error("webhook: bad event, account, key or data");
		return DB_ERR;
	}
	clock_sql(clock_now(), now);
	if ((rc = db_run(db, Q_WH_FOR_EVENT, (struct db_param[]){ DB_I(acct),
	    DB_S(wh_event_names[ev]), DB_I(test), DB_I(test ? endpoint_id : 0),
	    DB_I(endpoint_id) }, 5, &r)) != 0)
		return rc;
	for (size_t i = 0; i < r->nrows; i++) {
		rc = DB_ERR;
		if (new_delivery_id(id) != 0 || (body = body_of(id, ev, acct, now, data)) == NULL)
			goto out;
		rc = db_run(db, Q_WHD_INSERT, (struct db_param[]){ DB_I(db_cell_int(r, i, 0)),
		    DB_I(acct), DB_S(id), DB_S(wh_event_names[ev]), DB_S(event_key), DB_S(body),
		    DB_S(now), DB_S(now) }, 8, NULL);
		free(body);
		body = NULL;
		if (rc == DB_EDUP)
			continue;	/* this event is already queued for this endpoint */
		if (rc != 0)
			goto out;
		queued++;
		if (delivery_id != NULL)
			memcpy(delivery_id, id, 33);
	}
	rc = queued;
out:
	free(body);
	db_res_free(r);
	return rc;
}

int
webhook_sub_event(struct db *db, enum wh_event ev, long long acct, long long sub_id,
    const char *domain, const char *reference, const char *event_key)
{
	json_t	*d;
	int	 rc;

	if ((d = json_pack("{s:I}", "subscription_id", (json_int_t)sub_id)) == NULL)
		return DB_ERR;
	if (domain != NULL)
		json_object_set_new(d, "domain", json_string(domain));
	if (reference != NULL)
		json_object_set_new(d, "reference", json_string(reference));
	rc = webhook_enqueue(db, ev, acct, 0, event_key, d, NULL);
	json_decref(d);
	return rc < 0 ? rc : 0;
}

int
webhook_sub_hook(struct db *db, enum wh_event ev, long long sub_id, const char *detail)
{
	struct db_res	*r = NULL;
	char		 key[WH_EVENT_KEY_MAX + 1];
	json_t		*d = NULL;
	int		 rc;

	if ((rc = db_run(db, Q_WH_SUB_INFO, (struct db_param[]){ DB_I(sub_id) }, 1, &r)) != 0)
		return rc;
	rc = 0;
	if (r->nrows != 1)
		goto out;
	snprintf(key, sizeof(key), "%s:%lld:%.60s", wh_event_names[ev], sub_id,
	    detail != NULL ? detail : "");
	rc = DB_ERR;
	if ((d = json_pack("{s:I, s:s, s:s, s:s, s:s?}", "subscription_id", (json_int_t)sub_id,
	    "name", db_cell(r, 0, 1), "type", db_cell(r, 0, 2), "status", db_cell(r, 0, 3),
	    "end", db_cell(r, 0, 4))) == NULL)
		goto out;
	rc = webhook_enqueue(db, ev, db_cell_int(r, 0, 0), 0, key, d, NULL);
out:
	json_decref(d);
	db_res_free(r);
	return rc < 0 ? rc : 0;
}

int
webhook_dom_hook(struct db *db, enum wh_event ev, long long dom_id)
{
	struct db_res	*r = NULL;
	char		 key[WH_EVENT_KEY_MAX + 1];
	json_t		*d = NULL;
	int		 rc;

	if ((rc = db_run(db, Q_WH_DOM_INFO, (struct db_param[]){ DB_I(dom_id) }, 1, &r)) != 0)
		return rc;
	rc = 0;
	if (r->nrows != 1)
		goto out;
	snprintf(key, sizeof(key), "%s:%lld", wh_event_names[ev], dom_id);
	rc = DB_ERR;
	if ((d = json_pack("{s:I, s:I, s:s}", "subscription_id",
	    (json_int_t)db_cell_int(r, 0, 1), "domain_id", (json_int_t)dom_id, "domain",
	    db_cell(r, 0, 0))) == NULL)
		goto out;
	rc = webhook_enqueue(db, ev, db_cell_int(r, 0, 2), 0, key, d, NULL);
out:
	json_decref(d);
	db_res_free(r);
	return rc < 0 ? rc : 0;
}

void
webhook_cert_key(enum wh_event ev, long long sub_id, const char *ref, char *out)
{
	snprintf(out, WH_EVENT_KEY_MAX + 1, "%s:%lld:%.40s", ev == WH_CERTIFICATE_REVOKED ?
	    "cert-revoked" : "cert-issued", sub_id, ref);
}

int
webhook_cert_hook(struct db *db, enum wh_event ev, long long cert_id)
{
	struct db_res	*r = NULL;
	char		 key[WH_EVENT_KEY_MAX + 1];
	int		 rc;

	if ((rc = db_run(db, Q_WH_CERT_INFO, (struct db_param[]){ DB_I(cert_id) }, 1, &r)) != 0)
		return rc;
	if (r->nrows == 1) {
		webhook_cert_key(ev, db_cell_int(r, 0, 1), db_cell(r, 0, 3), key);
		rc = webhook_sub_event(db, ev, db_cell_int(r, 0, 0), db_cell_int(r, 0, 1),
		    db_cell(r, 0, 2), db_cell(r, 0, 3), key);
	}
	db_res_free(r);
	return rc;
}

/* ---- signature ---- */

int
webhook_sign(const char *secret, time_t t, const char *body, size_t len, char *out,
    size_t outsz)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 ts[24];
	struct buf	 msg;
	size_t		 o;
	int		 rc = -1;

	buf_init(&msg, len + sizeof(ts) + 1);
	snprintf(ts, sizeof(ts), "%lld", (long long)t);
	if (buf_adds(&msg, ts) != 0 || buf_add(&msg, ".", 1) != 0 || buf_add(&msg, body, len) != 0)
		goto out;
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.p, msg.len,
	    mac, &maclen) == NULL)
		goto out;
	o = (size_t)snprintf(out, outsz, "t=%s,v1=", ts);
	if (o + 2 * maclen + 1 > outsz)
		goto out;
	for (unsigned int i = 0; i < maclen; i++)
		snprintf(out + o + 2 * i, 3, "%02x", mac[i]);
	rc = 0;
out:
	buf_free(&msg);
	return rc;
}

/* ---- address policy ---- */

static int
v4_refused(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a >> 16) == 0xa9fe ||			/* 169.254/16 link-local */
	    (a >> 20) == 0xac1 ||			/* 172.16/12 */
	    (a >> 16) == 0xc0a8 ||			/* 192.168/16 */
	    (a >> 22) == (100u << 2 | 1) ||		/* 100.64/10 shared (CGNAT) */
	    (a >> 8) == 0xc00000 ||			/* 192.0.0/24 protocol assignments */
	    (a >> 17) == (198u << 7 | 9) ||		/* 198.18/15 benchmarking */
	    (a >> 28) >= 0xe;				/* multicast, reserved, broadcast */
}

int
webhook_addr_refused(int family, const void *addr)
{
	const unsigned char	*b;
	uint32_t		 a;

	if (family == AF_INET) {
		memcpy(&a, addr, 4);
		return v4_refused(ntohl(a));
	}
	if (family != AF_INET6)
		return 1;
	b = addr;
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr) ||
	    IN6_IS_ADDR_V4COMPAT((const struct in6_addr *)addr)) {
		memcpy(&a, b + 12, 4);
		return v4_refused(ntohl(a));
	}
	return IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)addr) ||
	    IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)addr) ||
	    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)addr) ||
	    IN6_IS_ADDR_SITELOCAL((const struct in6_addr *)addr) ||
	    IN6_IS_ADDR_MULTICAST((const struct in6_addr *)addr) ||
	    (b[0] & 0xfe) == 0xfc ||			/* fc00::/7 unique local */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||	/* doc */
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b);	/* NAT64 */
}

int
webhook_url_ok(const struct center_conf *conf, const char *url)
{
	const char	*h;
	size_t		 n;

	if (url == NULL || (n = strlen(url)) == 0 || n > WH_URL_MAX)
		return 0;
	if (strncmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (conf->webhook_allow_http && strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return 0;
	/* A host, no user info, printable ASCII only. */
	if (*h == '\0' || *h == '/' || *h == ':' || strcspn(h, "/?#") < 1)
		return 0;
	if (memchr(h, '@', strcspn(h, "/?#")) != NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* ---- delivery ---- */

struct answer {
	size_t	 len, max;
};

/* Keep nothing of the answer but its size: stop at the cap. */
static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct answer	*a = arg;

	(void)p;
	if (n != 0 && sz > (size_t)-1 / n)
		return 0;
	a->len += sz * n;
	return a->len > a->max ? 0 : sz * n;
}

struct sockpolicy {
	int	 allow_private;
	int	 refused;
};

/* Refuse to connect to a private address (the resolved one, not the name). */
static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct sockpolicy	*pol = arg;
	const void		*a = NULL;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (sa->family == AF_INET)
		a = &((struct sockaddr_in *)(void *)&sa->addr)->sin_addr;
	else if (sa->family == AF_INET6)
		a = &((struct sockaddr_in6 *)(void *)&sa->addr)->sin6_addr;
	if (a == NULL || (!pol->allow_private && webhook_addr_refused(sa->family, a))) {
		pol->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
}

/* One due row, as Q_WHD_DUE lists it. */
struct due {
	long long	 id;
	const char	*delivery_id, *event, *body, *created_at, *url, *secret;
	long long	 attempts;
};

/*
 * POST d: the HTTP status (2xx delivered), or 0 with why filled
 * (transport error, refused address, answer too large).
 */
static long
post_one(const struct center_conf *conf, const struct due *d, time_t now, char *why,
    size_t whysz)
{
	struct curl_slist	*h = NULL;
	struct sockpolicy	 pol = { conf->webhook_allow_private, 0 };
	struct answer		 ans = { 0, (size_t)conf->webhook_answer_max };
	char			 sig[160], line[256], errbuf[CURL_ERROR_SIZE] = "";
	CURL			*c;
	CURLcode		 cc;
	long			 status = 0;

	why[0] = '\0';
	if (webhook_sign(d->secret, now, d->body, strlen(d->body), sig, sizeof(sig)) != 0 ||
	    (c = curl_easy_init()) == NULL) {
		snprintf(why, whysz, "out of memory");
		return 0;
	}
	snprintf(line, sizeof(line), "Caas-Signature: %s", sig);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Caas-Delivery: %s", d->delivery_id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Caas-Event: %s", d->event);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, d->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, conf->webhook_allow_http ? "https,http" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, conf->webhook_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, conf->webhook_timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, conf->webhook_answer_max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &pol);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "acme-caas-center-webhooks/" PACKAGE_VERSION);
	if (conf->caas_ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, conf->caas_ca_bundle);
	cc = curl_easy_perform(c);
	if (pol.refused)
		snprintf(why, whysz, "refused: the endpoint's address is loopback, private or "
		    "link-local");
	else if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
		snprintf(why, whysz, "the answer exceeds %ld bytes", conf->webhook_answer_max);
	else if (cc != CURLE_OK)
		snprintf(why, whysz, "%.200s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* Record the outcome: delivered, retried after the back-off, or failed for good. */
static int
outcome(struct db *db, const struct center_conf *conf, const struct due *d, long status,
    const char *why, time_t now)
{
	char		 ts[CLOCK_SQL_LEN], next[CLOCK_SQL_LEN], msg[256];
	time_t		 created = now, wait;
	long long	 n = d->attempts;

	clock_sql(now, ts);
	if (status >= 200 && status < 300)
		return db_run(db, Q_WHD_DONE, (struct db_param[]){ DB_I(status), DB_S(ts), DB_S(ts),
		    DB_I(d->id) }, 4, NULL);
	if (why[0] == '\0')
		snprintf(msg, sizeof(msg), "HTTP %ld", status);
	else
		snprintf(msg, sizeof(msg), "%.250s", why);
	(void)clock_parse(d->created_at, &created);
	wait = BACKOFF_FIRST;
	for (long long i = 0; i < n && wait < BACKOFF_MAX; i++)
		wait *= 2;
	if (wait > BACKOFF_MAX)
		wait = BACKOFF_MAX;
	if (now + wait > created + (time_t)conf->webhook_retry_hours * 3600)
		return db_run(db, Q_WHD_FAIL, (struct db_param[]){ status > 0 ? DB_I(status) : DB_NUL,
		    DB_S(msg), DB_S(ts), DB_I(d->id) }, 4, NULL);
	clock_sql(now + wait, next);
	return db_run(db, Q_WHD_RETRY, (struct db_param[]){ status > 0 ? DB_I(status) : DB_NUL,
	    DB_S(msg), DB_S(ts), DB_S(next), DB_I(d->id) }, 5, NULL);
}

/* Take a batch of due rows with a claim, in one short transaction. */
static int
claim_batch(struct db *db, time_t now, struct db_res **r)
{
	char	 ts[CLOCK_SQL_LEN], until[CLOCK_SQL_LEN];
	int	 rc;

	clock_sql(now, ts);
	clock_sql(now + CLAIM_SECONDS, until);
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = db_run(db, Q_WHD_DUE, (struct db_param[]){ DB_S(ts), DB_S(ts) }, 2, r)) == 0)
		for (size_t i = 0; i < (*r)->nrows && rc == 0; i++)
			rc = db_run(db, Q_WHD_CLAIM, (struct db_param[]){ DB_S(until),
			    DB_I(db_cell_int(*r, i, 0)) }, 2, NULL);
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		(void)db_rollback(db);
	return rc;
}

int
webhook_deliver_due(struct db *db, const struct center_conf *conf, time_t now,
    struct webhook_stats *st)
{
	struct db_res	*r = NULL;
	char		 why[256];
	long		 status;
	int		 rc;

	if ((rc = db_run(db, Q_WHD_DROP_DELETED, NULL, 0, NULL)) != 0)
		return rc;
	do {
		db_res_free(r);
		r = NULL;
		if ((rc = claim_batch(db, now, &r)) != 0)
			break;
		for (size_t i = 0; i < r->nrows; i++) {
			struct due d = { .id = db_cell_int(r, i, 0), .delivery_id = db_cell(r, i, 1),
			    .event = db_cell(r, i, 2), .body = db_cell(r, i, 3),
			    .attempts = db_cell_int(r, i, 4), .created_at = db_cell(r, i, 5),
			    .url = db_cell(r, i, 6), .secret = db_cell(r, i, 7) };
			status = post_one(conf, &d, clock_now(), why, sizeof(why));
			if ((rc = outcome(db, conf, &d, status, why, clock_now())) != 0)
				goto out;
			if (status >= 200 && status < 300)
				st->delivered++;
			else {
				log_info("webhook %s (%s): %s", d.delivery_id, d.event,
				    why[0] ? why : "non-2xx answer");
				st->retried++;
			}
		}
	} while (r->nrows > 0);
out:
	db_res_free(r);
	return rc;
}
