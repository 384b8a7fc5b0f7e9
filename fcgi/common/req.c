#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "req.h"

#define HDRS_MAX	8192
#define COOKIE_MAX	64

const char *const http_method_names[HTTP__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OTHER",
};

static const char *const media_types[MEDIA__MAX] = {
	"text/html", "application/json", "application/xml",
};

const char *
req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fr->envp);
}

const char *
kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

size_t
kv_count(const struct kvlist *l, const char *key)
{
	size_t	 n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += strcmp(l->v[i].key, key) == 0;
	return n;
}

void
kv_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode s[0..len) into a new string; NULL on bad escapes or NUL bytes. */
static char *
url_decode(const char *s, size_t len)
{
	char	*out, *o;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (o = out; len > 0; s++, len--) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%') {
			int hi, lo;
			if (len < 3 || (hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 ||
			    (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			s += 2;
			len -= 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/*
 * 1 if s[0..n) is well-formed UTF-8 (RFC 3629 §4): no overlong forms, no
 * surrogates, nothing above U+10FFFF. Checked on every decoded form and
 * query field, names and values, so that no handler (and no database
 * column in utf8mb4) ever sees anything else.
 */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned char	 c = *p;
		size_t		 k;
		unsigned long	 cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3; cp = c & 0x07; min = 0x10000;
		} else
			return 0;
		if ((size_t)(end - p) <= k)
			return 0;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += k + 1;
	}
	return 1;
}

/*
 * 1 if s may be the target of a redirect: a path on this site, never
 * another origin. It starts with one "/" (not "//" nor "/\", which
 * browsers read as a host), holds only printable ASCII without a
 * backslash (a control character such as a tab is dropped by browsers,
 * turning "/\t/evil" into "//evil"), and is shorter than 512 bytes.
 */
int
req_local_path_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || s[0] != '/' || s[1] == '/' || s[1] == '\\' ||
	    (n = strlen(s)) >= 512)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
			return 0;
	return 1;
}

static int
kv_push(struct kvlist *l, char *k, char *v)
{
	struct kv	*nv;

	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	l->v[l->n].key = k;
	l->v[l->n].val = v;
	l->n++;
	return 0;
}

int
kv_parse_urlencoded(struct kvlist *l, const char *s, size_t len, size_t max_fields)
{
	const char	*end = s + len, *amp, *eq;

	while (s < end) {
		char	*k = NULL, *v = NULL;

		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp == s) {
			s++;
			continue;
		}
		if (l->n >= max_fields)
			return -1;
		eq = memchr(s, '=', (size_t)(amp - s));
		k = url_decode(s, (size_t)((eq ? eq : amp) - s));
		v = eq ? url_decode(eq + 1, (size_t)(amp - eq - 1)) : strdup("");
		if (k == NULL || v == NULL || !utf8_valid(k, strlen(k)) ||
		    !utf8_valid(v, strlen(v)) || kv_push(l, k, v) == -1) {
			free(k);
			free(v);
			return -1;
		}
		s = amp + 1;
	}
	return 0;
}

/* Cookie header: "a=b; c=d". Values are not decoded; at most COOKIE_MAX. */
void
kv_parse_cookies(struct kvlist *l, const char *h)
{
	while (h != NULL && *h != '\0' && l->n < COOKIE_MAX) {
		const char	*semi, *eq;
		char		*k, *v;

		while (*h == ' ')
			h++;
		semi = strchr(h, ';');
		if (semi == NULL)
			semi = h + strlen(h);
		eq = memchr(h, '=', (size_t)(semi - h));
		if (eq != NULL && eq > h) {
			k = strndup(h, (size_t)(eq - h));
			v = strndup(eq + 1, (size_t)(semi - eq - 1));
			if (k == NULL || v == NULL || kv_push(l, k, v) == -1) {
				free(k);
				free(v);
				return;
			}
		}
		h = *semi ? semi + 1 : semi;
	}
}

static enum http_method
parse_method(const char *m)
{
	for (int i = 0; i < HTTP_OTHER; i++)
		if (m != NULL && strcmp(m, http_method_names[i]) == 0)
			return (enum http_method)i;
	return HTTP_OTHER;
}

static int
media_is(const char *ctype, const char *want)
{
	size_t	 n = strlen(want);

	return ctype != NULL && strncasecmp(ctype, want, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* Read exactly the announced body; the cap was checked by the caller. */
static int
read_body(struct req *r, size_t len)
{
	if ((r->body = malloc(len + 1)) == NULL)
		return -1;
	if ((size_t)FCGX_GetStr(r->body, (int)len, r->fr->in) != len)
		return -1;
	r->body[len] = '\0';
	r->bodylen = len;
	return 0;
}

void
req_parse(struct req *r, FCGX_Request *fr, const struct req_limits *lim)
{
	const char	*cl;
	char		*end;
	unsigned long long len = 0;

	memset(r, 0, sizeof(*r));
	r->fr = fr;
	buf_init(&r->hdrs, HDRS_MAX);
	r->method_name = req_param(r, "REQUEST_METHOD");
	r->method = parse_method(r->method_name);
	r->path = req_param(r, "PATH_INFO");
	if (r->path == NULL || *r->path == '\0')
		r->path = req_param(r, "DOCUMENT_URI");
	if (r->path == NULL || *r->path == '\0')
		r->path = "/";
	r->query = req_param(r, "QUERY_STRING");
	r->content_type = req_param(r, "CONTENT_TYPE");
	r->accept = req_param(r, "HTTP_ACCEPT");
	r->accept_language = req_param(r, "HTTP_ACCEPT_LANGUAGE");
	r->authorization = req_param(r, "HTTP_AUTHORIZATION");
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	r->origin = req_param(r, "HTTP_ORIGIN");
	kv_parse_cookies(&r->cookies, req_param(r, "HTTP_COOKIE"));

	/* Limits first: refuse before reading or parsing anything. */
	if ((cl = req_param(r, "CONTENT_LENGTH")) != NULL && *cl != '\0') {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno || *end != '\0' || cl[0] == '-') {
			r->fail = REQ_BAD;
			r->fail_detail = "Content-Length";
			return;
		}
	}
	if (len > lim->max_body) {
		r->fail = REQ_TOO_LARGE;
		return;
	}
	if (r->query != NULL && strlen(r->query) > lim->max_query) {
		r->fail = REQ_URI_TOO_LONG;
		return;
	}
	if (r->query != NULL && kv_parse_urlencoded(&r->qs, r->query,
	    strlen(r->query), lim->max_fields) == -1) {
		r->fail = REQ_BAD;
		r->fail_detail = "query string";
		return;
	}
	if (len > 0 && read_body(r, (size_t)len) == -1) {
		r->fail = REQ_BAD;
		r->fail_detail = "body";
		return;
	}
	if (len > 0 && media_is(r->content_type, "application/x-www-form-urlencoded")) {
		if (kv_parse_urlencoded(&r->form, r->body, r->bodylen, lim->max_fields) == -1) {
			r->fail = REQ_BAD;
			r->fail_detail = "form";
		}
	} else if (len > 0 && media_is(r->content_type, "application/json")) {
		json_error_t	 jerr;

		r->json = json_loadb(r->body, r->bodylen,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (r->json == NULL) {
			r->fail = REQ_BAD;
			r->fail_detail = "JSON body";
		}
	}
}

void
req_free(struct req *r)
{
	kv_free(&r->qs);
	kv_free(&r->form);
	kv_free(&r->cookies);
	free(r->body);
	json_decref(r->json);
	buf_free(&r->hdrs);
	memset(r, 0, sizeof(*r));
}

/*
 * Parse one Accept / Accept-Language element "token;q=0.5" into its
 * token (lower-cased, bounded) and quality in thousandths.
 */
static const char *
next_item(const char *s, char *tok, size_t toksz, int *q)
{
	size_t	 n = 0;

	*q = 1000;
	while (*s == ' ' || *s == ',')
		s++;
	if (*s == '\0')
		return NULL;
	while (*s && *s != ',' && *s != ';' && *s != ' ') {
		if (n + 1 < toksz)
			tok[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	tok[n] = '\0';
	while (*s && *s != ',') {
		if (strncmp(s, ";q=", 3) == 0 || strncmp(s, "; q=", 4) == 0) {
			double v;
			s = strchr(s, '=') + 1;
			/* RFC 9110 §12.4.2: 0 to 1; anything else (1e99, nan) is
			 * clamped before the conversion, which would overflow. */
			v = strtod(s, NULL);
			*q = v > 0 && v <= 1 ? (int)(v * 1000) : v > 1 ? 1000 : 0;
		}
		if (*s)
			s++;
	}
	return s;
}

enum media
req_media(const struct req *r, enum media dflt)
{
	char		 tok[64];
	const char	*s = r->accept;
	int		 q, best_q = 0;
	enum media	 best = dflt;

	while (s != NULL && (s = next_item(s, tok, sizeof(tok), &q)) != NULL) {
		for (int m = 0; m < MEDIA__MAX; m++)
			if (strcmp(tok, media_types[m]) == 0 && q > best_q) {
				best = (enum media)m;
				best_q = q;
			}
		if (strcmp(tok, "application/xhtml+xml") == 0 && q > best_q) {
			best = MEDIA_HTML;
			best_q = q;
		}
	}
	return best;
}

const char *
req_language(const struct req *r, const char *const *offered)
{
	char		 tok[32];
	const char	*s = r->accept_language, *best = NULL;
	int		 q, best_q = 0;

	while (s != NULL && (s = next_item(s, tok, sizeof(tok), &q)) != NULL) {
		for (size_t i = 0; offered[i] != NULL; i++) {
			size_t n = strlen(offered[i]);
			if (strncmp(tok, offered[i], n) == 0 &&
			    (tok[n] == '\0' || tok[n] == '-') && q > best_q) {
				best = offered[i];
				best_q = q;
			}
		}
	}
	return best;
}

int
resp_header(struct req *r, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL) {
		log_error("refusing header %s with a line break", name);
		return -1;
	}
	return buf_printf(&r->hdrs, "%s: %s\r\n", name, value);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

/*
 * libfcgi's FCGX_FPrintF has its own printf without C99 length
 * modifiers (%zu); format with snprintf and write raw bytes.
 */
void
resp_send(struct req *r, int status, const char *ctype, const void *body, size_t len)
{
	char	 line[256];
	int	 n;

	if (r->sent) {
		log_error("response sent twice for %s", r->path);
		return;
	}
	r->sent = 1;
	r->status = status;
	n = snprintf(line, sizeof(line), "Status: %d %s\r\n", status, http_reason(status));
	FCGX_PutStr(line, n, r->fr->out);
	if (ctype != NULL) {
		n = snprintf(line, sizeof(line), "Content-Type: %s\r\n", ctype);
		FCGX_PutStr(line, n, r->fr->out);
	}
	if (r->hdrs.len > 0)
		FCGX_PutStr(r->hdrs.p, (int)r->hdrs.len, r->fr->out);
	n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", len);
	FCGX_PutStr(line, n, r->fr->out);
	if (len > 0 && r->method != HTTP_HEAD)
		FCGX_PutStr(body, (int)len, r->fr->out);
}

void
resp_start(struct req *r, int status, const char *ctype)
{
	char	 line[256];
	int	 n;

	if (r->sent) {
		log_error("response sent twice for %s", r->path);
		return;
	}
	n = snprintf(line, sizeof(line), "Status: %d %s\r\nContent-Type: %s\r\n", status,
	    http_reason(status), ctype);
	if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(ctype, "\r\n") != NULL) {
		log_error("refusing content type %.40s", ctype);
		return;
	}
	r->sent = 1;
	r->status = status;
	FCGX_PutStr(line, n, r->fr->out);
	if (r->hdrs.len > 0)
		FCGX_PutStr(r->hdrs.p, (int)r->hdrs.len, r->fr->out);
	FCGX_PutStr("\r\n", 2, r->fr->out);
}

int
resp_write(struct req *r, const void *body, size_t len)
{
	const char	*p = body;
	int		 n;

	if (r->method == HTTP_HEAD)
		return 0;
	/* FCGX_PutStr takes an int length. */
	for (; len > 0; p += n, len -= (size_t)n) {
		n = len > 65536 ? 65536 : (int)len;
		if (FCGX_PutStr(p, n, r->fr->out) != n)
			return -1;
	}
	return 0;
}

/* The path the application is mounted under ("" at the root). */
static char	 resp_base[128];

int
resp_set_base(const char *base)
{
	int	 n = snprintf(resp_base, sizeof(resp_base), "%s", base != NULL ? base : "");

	if (n < 0 || (size_t)n >= sizeof(resp_base)) {
		resp_base[0] = '\0';
		return -1;
	}
	return 0;
}

void
resp_redirect(struct req *r, const char *location)
{
	char	 loc[1024];
	int	 n;

	/* Only paths on this site: no open redirects, no header injection. */
	if (!req_local_path_ok(location))
		location = "/";
	n = snprintf(loc, sizeof(loc), "%s%s", resp_base, location);
	if (n < 0 || (size_t)n >= sizeof(loc))
		n = snprintf(loc, sizeof(loc), "%s/", resp_base);
	resp_header(r, "Location", loc);
	resp_send(r, 303, NULL, NULL, 0);
}
