/*
 * CaaS reseller API client over libcurl (caas.h): HTTPS only, bounded
 * answers (CURLOPT_MAXFILESIZE and a cap in the write callback),
 * timeouts, fields escaped by curl, errors parsed from the upstream's
 * {"type","detail"} documents.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "upstream/caas.h"
#include "center.h"
#include "clock.h"
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

/*
 * The kinds of problem the documentation's error table names
 * (docs/upstream.md, "Errors"); any other is contract drift, reported but
 * still a refusal: a 4xx never means the call happened.
 */
static const char *const documented_kinds[] = { "malformed", "unauthorized" };

/* type "urn:sectigo:params:acme:error:unauthorized" → "unauthorized". */
static void
parse_error(const char *action, struct caas_result *res)
{
	static const char	 prefix[] = "urn:sectigo:params:acme:error:";
	const char		*type = json_string_value(json_object_get(res->json, "type"));
	const char		*detail = json_string_value(json_object_get(res->json, "detail"));
	const char		*colon = type ? strrchr(type, ':') : NULL;
	size_t			 i, n = sizeof(documented_kinds) / sizeof(documented_kinds[0]);

	snprintf(res->type, sizeof(res->type), "%s", colon ? colon + 1 : type ? type : "unknown");
	snprintf(res->detail, sizeof(res->detail), "%s", detail ? detail :
	    "the upstream refused the request without a reason");
	for (i = 0; type != NULL && strncmp(type, prefix, sizeof(prefix) - 1) == 0 && i < n; i++)
		if (strcmp(type + sizeof(prefix) - 1, documented_kinds[i]) == 0)
			return;
	snprintf(res->drift, sizeof(res->drift), "%s: undocumented problem type \"%.60s\"",
	    action, type ? type : "(none)");
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
	if (res->http_status >= 200 && res->http_status < 300 && json_is_object(res->json)) {
		res->type[0] = '\0';
		rc = CAAS_OK;
	} else if (res->http_status >= 400 && res->http_status < 500 && json_is_object(res->json)) {
		parse_error(action, res);
		log_info("caas %s refused (HTTP %ld, %s): %s", action, res->http_status, res->type,
		    res->detail);
		rc = CAAS_REFUSED;
	} else {
		/* A 5xx, a redirect, or an answer that is not a JSON object: the
		 * call may have happened (a 5xx after the commit), so it is unknown. */
		snprintf(res->type, sizeof(res->type), "unknown");
		if (res->http_status >= 500 && json_is_object(res->json)) {
			parse_error(action, res);
			res->drift[0] = '\0';	/* a 5xx is no kind of the table */
		} else
			snprintf(res->detail, sizeof(res->detail), "HTTP %ld with an answer that is "
			    "not a JSON object", res->http_status);
		if (res->http_status < 500)
			snprintf(res->drift, sizeof(res->drift), "%s: HTTP %ld, answer not a JSON "
			    "object", action, res->http_status);
		log_warnx("caas %s: outcome unknown (HTTP %ld): %s", action, res->http_status,
		    res->detail);
	}
out:
	/* An answer may hold an EAB HMAC key (PREREGISTER): wipe it. */
	if (answer.p != NULL)
		memset(answer.p, 0, answer.len);
	buf_free(&answer);
	return rc;
}

/*
 * An !AutoRevokeSSL answer in either documented format: URL-encoded
 * ("errorCode=0&errorMessage=…", responseFormat=1), or newline-separated
 * text (responseFormat=0: the errorCode on the first line, the message on
 * the next). 0 with *code and msg, -1 when it is neither.
 */
int
caas_revoke_answer(const char *p, size_t len, int *code, char *msg, size_t msgsz)
{
	struct kvlist	 kv = { 0 };
	const char	*ec = NULL, *m = NULL;
	char		 line[32], *end;
	size_t		 n;
	long		 v;
	int		 rc = -1;

	msg[0] = '\0';
	if (memmem(p, len, "errorCode=", 10) != NULL) {
		if (kv_parse_urlencoded(&kv, p, len, 8) == 0 && (ec = kv_get(&kv, "errorCode")) != NULL)
			m = kv_get(&kv, "errorMessage");
	} else {
		n = strcspn(p, "\r\n");
		if (n > 0 && n < sizeof(line) && n <= len) {
			memcpy(line, p, n);
			line[n] = '\0';
			ec = line;
			for (m = p + n; *m == '\r' || *m == '\n'; m++)
				;
		}
	}
	if (ec != NULL) {
		v = strtol(ec, &end, 10);
		if (end != ec && *end == '\0' && v >= -1000 && v <= 1000) {
			*code = (int)v;
			snprintf(msg, msgsz, "%.*s", (int)strcspn(m ? m : "", "\r\n"), m ? m : "");
			rc = 0;
		}
	}
	kv_free(&kv);
	return rc;
}

/* The errorCodes of Sectigo's form APIs that the documentation lists. */
static int
revoke_code_documented(int c)
{
	static const int	 codes[] = { 0, -1, -2, -3, -4, -14, -16, -20, -21, -23, -26 };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == c)
			return 1;
	return 0;
}

int
caas_revoke(const struct center_conf *conf, const char *order_number, int code_reason,
    const char *reason, struct caas_result *res)
{
	struct buf	 answer;
	char		 code[4];
	const char	*f[] = { "orderNumber", order_number, "codeReason", code,
	    "revocationReason", reason, "responseFormat", "1", NULL };
	int		 rc = CAAS_UNKNOWN;

	memset(res, 0, sizeof(*res));
	snprintf(code, sizeof(code), "%d", code_reason);
	buf_init(&answer, 64 * 1024);
	if (post(conf, "!AutoRevokeSSL", NULL, f, &answer, res) != 0)
		goto out;
	if (res->http_status != 200 || answer.len == 0 || caas_revoke_answer(answer.p, answer.len,
	    &res->error_code, res->detail, sizeof(res->detail)) != 0) {
		snprintf(res->type, sizeof(res->type), "unknown");
		snprintf(res->detail, sizeof(res->detail), "!AutoRevokeSSL: HTTP %ld without an "
		    "errorCode", res->http_status);
		if (res->http_status < 500)
			snprintf(res->drift, sizeof(res->drift), "!AutoRevokeSSL: HTTP %ld without an "
			    "errorCode", res->http_status);
		log_warnx("caas !AutoRevokeSSL %s: outcome unknown: %s", order_number, res->detail);
		goto out;
	}
	if (!revoke_code_documented(res->error_code))
		snprintf(res->drift, sizeof(res->drift), "!AutoRevokeSSL: undocumented errorCode %d",
		    res->error_code);
	snprintf(res->type, sizeof(res->type), "errorCode %d", res->error_code);
	rc = res->error_code == 0 ? CAAS_OK : CAAS_REFUSED;
	if (rc == CAAS_OK)
		res->type[0] = '\0';
	else
		log_info("caas !AutoRevokeSSL %s refused (errorCode %d): %s", order_number,
		    res->error_code, res->detail);
out:
	buf_free(&answer);
	return rc;
}

int
caas_cost_cents(json_t *j, long long *cents)
{
	const char	*s = json_string_value(j);
	long long	 units = 0, sign = 1;
	int		 frac = 0, nd = 0;
	double		 v, c;

	if (json_is_integer(j)) {
		if (llabs(json_integer_value(j)) > 1000000000000LL)
			return -1;
		*cents = json_integer_value(j) * 100;
		return 0;
	}
	if (json_is_real(j)) {
		/* A decimal with two digits is the double nearest to it; times 100
		 * it rounds back to the exact cents while |v| < 2^53 / 100. */
		v = json_real_value(j);
		if (!(v > -1e12 && v < 1e12))
			return -1;
		c = v * 100.0;
		*cents = (long long)(c + (c >= 0 ? 0.5 : -0.5));
		c -= (double)*cents;
		return c < 1e-6 && c > -1e-6 ? 0 : -1;
	}
	if (s == NULL)
		return -1;
	if (*s == '-') {
		sign = -1;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s) && units < 1000000000000LL; s++)
		units = units * 10 + (*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s) && nd < 2; s++, nd++)
			frac = frac * 10 + (*s - '0');
	if (*s != '\0' || (nd == 0 && s[-1] == '.'))
		return -1;
	if (nd == 1)
		frac *= 10;
	*cents = sign * (units * 100 + frac);
	return 0;
}

int
caas_currency(json_t *answer, const char *dflt, char out[4])
{
	json_t		*c = json_object_get(answer, "currency");
	const char	*s = json_string_value(c);

	if (c == NULL || json_is_null(c)) {
		snprintf(out, 4, "%s", dflt);
		return 0;
	}
	if (s == NULL || strlen(s) != 3 || !isupper((unsigned char)s[0]) ||
	    !isupper((unsigned char)s[1]) || !isupper((unsigned char)s[2]))
		return -1;
	memcpy(out, s, 4);
	return 0;
}

int
caas_end_date(const char *x, char out[11])
{
	char		 sql[CLOCK_SQL_LEN];
	struct tm	 tm;
	time_t		 t;

	/* "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second tolerated). */
	if (x == NULL || strlen(x) < 20 || x[10] != 'T' || x[strlen(x) - 1] != 'Z')
		return -1;
	snprintf(sql, sizeof(sql), "%.10s %.8s", x, x + 11);
	if (clock_parse(sql, &t) != 0)
		return -1;
	t += 1;		/* the last second covered → the first not covered */
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

void
caas_result_free(struct caas_result *res)
{
	json_decref(res->json);
	res->json = NULL;
}
