/*
 * One FastCGI request: parsed method, path, query, cookies, body and
 * form fields, with every size capped before anything is parsed, and
 * the response (status, headers, body) written in one go.
 */
#ifndef CAAS_REQ_H
#define CAAS_REQ_H

#include <stddef.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "buf.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OTHER,
	HTTP__MAX
};
extern const char *const http_method_names[HTTP__MAX];

enum media {
	MEDIA_HTML,
	MEDIA_JSON,
	MEDIA_XML,
	MEDIA__MAX
};

struct kv {
	char	*key;
	char	*val;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
};

struct req_limits {
	size_t	 max_body;	/* bytes */
	size_t	 max_query;	/* bytes */
	size_t	 max_fields;	/* form/query pairs */
};

/* Why parsing stopped before the handler could run. */
enum req_fail {
	REQ_OK,
	REQ_TOO_LARGE,		/* 413 */
	REQ_URI_TOO_LONG,	/* 414 */
	REQ_BAD,		/* 400 */
	REQ_FAIL__MAX
};

struct req {
	FCGX_Request		*fr;
	enum http_method	 method;
	const char		*method_name;
	const char		*path;
	const char		*query;
	const char		*content_type;
	const char		*accept;
	const char		*accept_language;
	const char		*authorization;
	const char		*remote_addr;
	const char		*origin;
	struct kvlist		 qs;		/* query string pairs */
	struct kvlist		 form;		/* urlencoded body pairs */
	struct kvlist		 cookies;
	char			*body;
	size_t			 bodylen;
	json_t			*json;		/* body, when JSON */
	enum req_fail		 fail;
	const char		*fail_detail;	/* static text */

	/* Response under construction. */
	struct buf		 hdrs;
	int			 sent;
	int			 status;	/* the status sent, for the metrics */
};

/* Parse the request behind fr. Never fails hard: req->fail says what is wrong. */
void		 req_parse(struct req *, FCGX_Request *fr, const struct req_limits *);
void		 req_free(struct req *);
const char	*req_param(const struct req *, const char *fcgi_name);

const char	*kv_get(const struct kvlist *, const char *key);
size_t		 kv_count(const struct kvlist *, const char *key);
/* Parse application/x-www-form-urlencoded text; -1 on a bad escape, a NUL, invalid UTF-8 (names or values) or too many fields. */
int		 kv_parse_urlencoded(struct kvlist *, const char *s, size_t len, size_t max_fields);
/* A Cookie header ("a=b; c=d", values as sent) into l; NULL is no cookie. */
void		 kv_parse_cookies(struct kvlist *, const char *header);
/* 1 if s[0..n) is well-formed UTF-8 (RFC 3629). */
int		 utf8_valid(const char *s, size_t n);
/* 1 if s is a safe redirect target: a path on this site (see req.c). */
int		 req_local_path_ok(const char *s);
void		 kv_free(struct kvlist *);

/* Best of HTML, JSON, XML for this Accept header; dflt when nothing matches. */
enum media	 req_media(const struct req *, enum media dflt);
/* Best language among the NULL-terminated offered ones, or NULL. */
const char	*req_language(const struct req *, const char *const *offered);

/* Queue a response header (name and value are checked for CR/LF). */
int		 resp_header(struct req *, const char *name, const char *value);
/* Write status, queued headers and body. */
void		 resp_send(struct req *, int status, const char *ctype, const void *body, size_t len);
/*
 * A response of unknown length (a download written as it is produced;
 * nginx chunks it): resp_start writes status and queued headers,
 * resp_write appends body bytes (0, or -1 once the client is gone).
 */
void		 resp_start(struct req *, int status, const char *ctype);
int		 resp_write(struct req *, const void *body, size_t len);
/* 303 See Other to a local path; the base path (resp_set_base) goes in front. */
void		 resp_redirect(struct req *, const char *location);
/* The path the application is mounted under, "" or "/x[/y]" (once, at start); -1 if too long. */
int		 resp_set_base(const char *base);
const char	*http_reason(int status);

#endif
