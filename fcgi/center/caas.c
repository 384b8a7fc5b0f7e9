/*
 * CaaS reseller API client over libcurl (caas.h): HTTPS only, bounded
 * answers (CURLOPT_MAXFILESIZE and a cap in the write callback),
 * timeouts, fields escaped by curl, errors parsed from the upstream's
 * {"type","detail"} documents.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "caas.h"
#include "center.h"
#include "log.h"
#include "metrics.h"

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	/* Anything beyond the cap makes curl fail the transfer. */
	return buf_add(b, p, size * n) == 0 ? size * n : 0;
}

/* "a=1&b=2" with every name and value escaped by curl. */
static int
form_body(CURL *c, const struct center_conf *conf, const char *action,
    const char *const *fields, struct buf *out)
{
	const char	*base[] = { "loginName", conf->caas_login, "loginPassword",
	    conf->caas_password, action != NULL ? "action" : NULL, action, NULL };
	const char *const *lists[2] = { base, fields };
	size_t		 npairs = 0;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] != NULL && lists[l][i] != NULL; i += 2) {
			char *k, *v;
			if (lists[l][i + 1] == NULL || ++npairs > CAAS_FIELDS_MAX + 3)
				return -1;
			k = curl_easy_escape(c, lists[l][i], 0);
			v = curl_easy_escape(c, lists[l][i + 1], 0);
			if (k == NULL || v == NULL || buf_printf(out, "%s%s=%s",
			    out->len ? "&" : "", k, v) == -1) {
				curl_free(k);
				curl_free(v);
				return -1;
			}
			curl_free(k);
			curl_free(v);
		}
	return 0;
}

/* type "urn:sectigo:params:acme:error:unauthorized" → "unauthorized". */
static void
parse_error(struct caas_result *res)
{
	const char	*type = json_string_value(json_object_get(res->json, "type"));
	const char	*detail = json_string_value(json_object_get(res->json, "detail"));
	const char	*colon = type ? strrchr(type, ':') : NULL;

	snprintf(res->type, sizeof(res->type), "%s", colon ? colon + 1 : type ? type : "unknown");
	snprintf(res->detail, sizeof(res->detail), "%s", detail ? detail :
	    "the upstream refused the request without a reason");
}

/*
 * The process's easy handle: one per process, so consecutive calls reuse
 * its connection cache (keep-alive, TLS session) instead of paying a TCP
 * and TLS handshake each (a job makes thousands of calls: caasctl sync,
 * renew; tests/bench/jobs). Options are cleared with curl_easy_reset
 * after each call, which keeps the connections. A forked child (FastCGI
 * workers) never uses its parent's handle, whose sockets it shares: it
 * makes its own. NULL when curl cannot make one. The handle lives until
 * the process exits.
 */
static CURL *
handle(void)
{
	static CURL	*c;
	static pid_t	 owner;

	if (c != NULL && owner == getpid())
		return c;
	if ((c = curl_easy_init()) != NULL)
		owner = getpid();
	return c;
}

/*
 * POST the form (login, optional action, fields) to <base>/products/<product>:
 * 0 with res->http_status and the answer in *answer, or CAAS_TRANSPORT
 * with res->detail set. The request body, which holds the password, is
 * wiped.
 */
static int
post(const struct center_conf *conf, const char *product, const char *action,
    const char *const *fields, struct buf *answer, struct caas_result *res)
{
	CURL		*c = NULL;
	struct buf	 body;
	char		 url[1024], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode	 cc;
	int		 rc = CAAS_TRANSPORT;

	buf_init(&body, 64 * 1024);
	snprintf(res->type, sizeof(res->type), "transport");
	if (conf->caas_api_base == NULL || conf->caas_password == NULL) {
		snprintf(res->detail, sizeof(res->detail), "caas_api_base and caas_password_file are "
		    "not configured");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/products/%s", conf->caas_api_base, product);
	if ((c = handle()) == NULL || form_body(c, conf, action, fields, &body) == -1) {
		snprintf(res->detail, sizeof(res->detail), "cannot build the request");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.p);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, conf->caas_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, conf->caas_timeout < 10 ? conf->caas_timeout : 10L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)CAAS_ANSWER_MAX);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "acme-caas-center/" PACKAGE_VERSION);
	if (conf->caas_ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, conf->caas_ca_bundle);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(res->detail, sizeof(res->detail), "%s: %s", action ? action : product,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		log_warnx("caas %s: %s", action ? action : product, res->detail);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	rc = 0;
out:
	metrics_upstream(action ? action : product, rc != 0 ? "transport" : res->http_status < 300 ?
	    "ok" : res->http_status < 500 ? "refused" : "error");
	if (c != NULL)
		curl_easy_reset(c);	/* no pointer into this frame survives; connections do */
	if (body.p != NULL)
		memset(body.p, 0, body.len);
	buf_free(&body);
	return rc;
}

int
caas_call(const struct center_conf *conf, const char *action, const char *const *fields,
    struct caas_result *res)
{
	struct buf	 answer;
	int		 rc = CAAS_TRANSPORT;

	memset(res, 0, sizeof(*res));
	buf_init(&answer, CAAS_ANSWER_MAX);
	if (post(conf, "!ACMEAdmin", action, fields, &answer, res) != 0)
		goto out;
	res->json = json_loadb(answer.p ? answer.p : "", answer.len, 0, NULL);
	if (res->json == NULL) {
		snprintf(res->detail, sizeof(res->detail), "%s: HTTP %ld with an answer that is not JSON",
		    action, res->http_status);
		log_warnx("caas %s: %s", action, res->detail);
		goto out;
	}
	if (res->http_status >= 200 && res->http_status < 300) {
		res->type[0] = '\0';
		rc = CAAS_OK;
	} else {
		parse_error(res);
		log_info("caas %s refused (HTTP %ld, %s): %s", action, res->http_status, res->type,
		    res->detail);
		rc = CAAS_REFUSED;
	}
out:
	/* An answer may hold an EAB HMAC key (PREREGISTER): wipe it. */
	if (answer.p != NULL)
		memset(answer.p, 0, answer.len);
	buf_free(&answer);
	return rc;
}

int
caas_revoke(const struct center_conf *conf, const char *order_number, int code_reason,
    const char *reason, struct caas_result *res)
{
	struct buf	 answer;
	struct kvlist	 kv = { 0 };
	char		 code[4];
	const char	*f[] = { "orderNumber", order_number, "codeReason", code,
	    "revocationReason", reason, NULL }, *ec, *msg;
	int		 rc = CAAS_TRANSPORT;

	memset(res, 0, sizeof(*res));
	snprintf(code, sizeof(code), "%d", code_reason);
	buf_init(&answer, 64 * 1024);
	if (post(conf, "!AutoRevokeSSL", NULL, f, &answer, res) != 0)
		goto out;
	if (res->http_status != 200 || kv_parse_urlencoded(&kv, answer.p ? answer.p : "",
	    answer.len, 8) != 0 || (ec = kv_get(&kv, "errorCode")) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "!AutoRevokeSSL: HTTP %ld without an "
		    "errorCode", res->http_status);
		goto out;
	}
	res->error_code = atoi(ec);
	msg = kv_get(&kv, "errorMessage");
	snprintf(res->detail, sizeof(res->detail), "%s", msg ? msg : "");
	snprintf(res->type, sizeof(res->type), "errorCode %d", res->error_code);
	rc = res->error_code == 0 ? CAAS_OK : CAAS_REFUSED;
	if (rc == CAAS_OK)
		res->type[0] = '\0';
out:
	kv_free(&kv);
	buf_free(&answer);
	return rc;
}

void
caas_result_free(struct caas_result *res)
{
	json_decref(res->json);
	res->json = NULL;
}
