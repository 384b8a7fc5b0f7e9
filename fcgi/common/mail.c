/*
 * Outgoing e-mail (mail.h): RFC 5322 formatting into a bounded buffer,
 * RFC 2047 encoded words for non-ASCII headers, submission over SMTP
 * with libcurl. UTF-8 checks come from libxml2, base64 from OpenSSL,
 * the SMTP dialogue (dot-stuffing included) from libcurl.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/xmlstring.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "log.h"
#include "mail.h"

#define FOLD_AT		78	/* RFC 5322 §2.1.1: lines SHOULD stay within 78 */
#define EWORD_LINE	76	/* RFC 2047 §2: a line with encoded words, at most 76 */
#define EWORD_OVERHEAD	12	/* "=?UTF-8?B?" + "?=" */

int
mail_addr_ok(const char *a)
{
	const char	*at = strrchr(a, '@');
	size_t		 len = strlen(a);

	if (len == 0 || len > MAIL_ADDR_MAX || at == NULL || at == a || at[1] == '\0')
		return 0;
	if (strchr(a, '@') != at || strchr(at, '.') == NULL || at[strlen(at) - 1] == '.')
		return 0;
	for (const char *p = a; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"<>(),;:[]\\", *p) != NULL)
			return 0;
	return 1;
}

/* Valid UTF-8 without control characters (CR and LF included). */
static int
header_text_ok(const char *s)
{
	if (!xmlCheckUTF8((const xmlChar *)s))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Non-ASCII, or ASCII a reader would decode as an encoded word. */
static int
needs_encoding(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80)
			return 1;
	return strstr(s, "=?") != NULL;
}

/* Plain ASCII value, folded before a space when the line would pass 78. */
static int
header_folded(struct buf *out, const char *name, const char *value)
{
	size_t		 col = strlen(name) + 1, start = col;
	const char	*p = value, *sp;

	if (buf_printf(out, "%s:", name) == -1)
		return -1;
	do {
		size_t n = (sp = strchr(p, ' ')) != NULL ? (size_t)(sp - p) : strlen(p);
		if (n + 1 > MAIL_LINE_MAX)
			return -1;
		if (col > start && col + 1 + n > FOLD_AT) {
			if (buf_adds(out, "\r\n") == -1)
				return -1;
			col = 0;
		}
		if (buf_printf(out, " %.*s", (int)n, p) == -1)
			return -1;
		col += 1 + n;
		p = sp != NULL ? sp + 1 : NULL;
	} while (p != NULL);
	return buf_adds(out, "\r\n");
}

/* Bytes of whole UTF-8 characters from s that fit in max bytes. */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t	 n = 0;
	int	 c;

	while (s[n] != '\0' && (c = xmlUTF8Size((const xmlChar *)s + n)) > 0 &&
	    n + (size_t)c <= max)
		n += (size_t)c;
	return n;
}

/* RFC 2047 §4.1 "B" encoded words, the first one filling the header line. */
static int
header_encoded(struct buf *out, const char *name, const char *value)
{
	unsigned char	 b64[64];
	const char	*p = value;
	long		 col = (long)strlen(name) + 1;

	if (buf_printf(out, "%s:", name) == -1)
		return -1;
	while (*p != '\0') {
		long	 room = EWORD_LINE - col - 1 - EWORD_OVERHEAD;
		size_t	 n = room >= 4 ? utf8_prefix(p, (size_t)(room / 4 * 3)) : 0;

		if (n > 45)
			n = utf8_prefix(p, 45);
		if (n == 0) {	/* not even one character fits here: next line */
			if (col == 0 || buf_adds(out, "\r\n") == -1)
				return -1;
			col = 0;
			continue;
		}
		EVP_EncodeBlock(b64, (const unsigned char *)p, (int)n);
		if (buf_printf(out, " =?UTF-8?B?%s?=", b64) == -1)
			return -1;
		col += 1 + EWORD_OVERHEAD + (long)strlen((char *)b64);
		p += n;
	}
	return buf_adds(out, "\r\n");
}

int
mail_header(struct buf *out, const char *name, const char *value)
{
	if (!header_text_ok(value))
		return -1;
	if (needs_encoding(value))
		return header_encoded(out, name, value);
	return header_folded(out, name, value);
}

void
mail_date(time_t t, char *out, size_t outsz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "<left.RANDOM@domain-of-from>": unique without any shared counter. */
static int
message_id(const struct mail_msg *m, char *out, size_t outsz)
{
	unsigned char	 rnd[12];
	char		 hex[sizeof(rnd) * 2 + 1];

	for (const char *p = m->id_left; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return -1;
	if (crypto_random(rnd, sizeof(rnd)) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(out, outsz, "<%s.%s@%s>", m->id_left, hex, strrchr(m->from, '@') + 1);
	return 0;
}

/* Body lines with CRLF ends; no bare CR, no control character but TAB. */
static int
body_add(struct buf *out, const char *body)
{
	const char	*p = body;

	if (!xmlCheckUTF8((const xmlChar *)body))
		return -1;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n"), len = n;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > MAIL_LINE_MAX)
			return -1;
		for (size_t i = 0; i < len; i++)
			if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
				return -1;
		if (buf_add(out, p, len) == -1 || buf_adds(out, "\r\n") == -1)
			return -1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/*
 * From: with a display name (RFC 5322 §3.4 name-addr): a quoted string
 * when the name is plain ASCII without quote or backslash, else RFC 2047
 * encoded words (§5(3): allowed in a phrase); then " <addr>".
 */
static int
header_from(struct buf *out, const char *name, const char *addr)
{
	struct buf	 h;
	int		 rc = -1;

	if (!header_text_ok(name) || strlen(name) > 200)
		return -1;
	if (!needs_encoding(name) && strpbrk(name, "\"\\") == NULL)
		return buf_printf(out, "From: \"%s\" <%s>\r\n", name, addr);
	buf_init(&h, 4096);
	if (header_encoded(&h, "From", name) == 0 && h.len >= 2) {
		h.len -= 2;	/* the CRLF: the address follows on the same line */
		rc = buf_add(out, h.p, h.len) | buf_printf(out, " <%s>\r\n", addr);
	}
	buf_free(&h);
	return rc == 0 ? 0 : -1;
}

int
mail_format(const struct mail_msg *m, struct buf *out)
{
	char	 date[40], mid[MAIL_ADDR_MAX + 64];

	if (!mail_addr_ok(m->from) || !mail_addr_ok(m->to) || message_id(m, mid, sizeof(mid)) == -1)
		return -1;
	mail_date(m->date, date, sizeof(date));
	if (mail_header(out, "Date", date) == -1 ||
	    (m->from_name == NULL && mail_header(out, "From", m->from) == -1) ||
	    (m->from_name != NULL && header_from(out, m->from_name, m->from) == -1) ||
	    mail_header(out, "To", m->to) == -1 ||
	    mail_header(out, "Subject", m->subject) == -1 ||
	    mail_header(out, "Message-ID", mid) == -1 ||
	    mail_header(out, "MIME-Version", "1.0") == -1 ||
	    mail_header(out, "Content-Type", "text/plain; charset=utf-8") == -1 ||
	    mail_header(out, "Content-Transfer-Encoding", "8bit") == -1 ||
	    (m->lang != NULL && mail_header(out, "Content-Language", m->lang) == -1) ||
	    mail_header(out, "Auto-Submitted", "auto-generated") == -1 ||
	    buf_adds(out, "\r\n") == -1)
		return -1;
	return body_add(out, m->body);
}

/* ---- SMTP submission ---- */

struct reader {
	const char	*p;
	size_t		 left;
};

static size_t
on_read(char *dst, size_t size, size_t n, void *arg)
{
	struct reader	*r = arg;
	size_t		 len = size * n < r->left ? size * n : r->left;

	memcpy(dst, r->p, len);
	r->p += len;
	r->left -= len;
	return len;
}

/* No answer: the server is down; 4xx: retry; a 5xx answer is final. */
static enum mail_rc
classify(CURL *c, CURLcode cc, const char *errbuf, char *err, size_t errsz)
{
	long	 code = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	snprintf(err, errsz, "smtp: %s (answer %ld)", errbuf[0] ? errbuf : curl_easy_strerror(cc),
	    code);
	if (code >= 500 && code < 600)
		return MAIL_PERM;
	return code == 0 ? MAIL_DOWN : MAIL_TEMP;
}

enum mail_rc
mail_send(const struct mail_server *srv, const char *rcpt, const struct buf *msg, char *err,
    size_t errsz)
{
	CURL			*c = NULL;
	struct curl_slist	*to = NULL;
	struct reader		 r = { msg->p, msg->len };
	char			 from[MAIL_ADDR_MAX + 3], rc_addr[MAIL_ADDR_MAX + 3];
	char			 errbuf[CURL_ERROR_SIZE] = "";
	CURLcode		 cc;
	enum mail_rc		 rc = MAIL_DOWN;

	snprintf(err, errsz, "smtp: cannot set up the transfer");
	if (!mail_addr_ok(srv->from) || !mail_addr_ok(rcpt)) {
		snprintf(err, errsz, "smtp: bad sender or recipient address");
		return MAIL_PERM;
	}
	snprintf(from, sizeof(from), "<%s>", srv->from);
	snprintf(rc_addr, sizeof(rc_addr), "<%s>", rcpt);
	if ((c = curl_easy_init()) == NULL || (to = curl_slist_append(NULL, rc_addr)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, srv->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, srv->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, srv->timeout < 10 ? srv->timeout : 10L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		rc = classify(c, cc, errbuf, err, errsz);
		goto out;
	}
	err[0] = '\0';
	rc = MAIL_OK;
out:
	curl_slist_free_all(to);
	if (c != NULL)
		curl_easy_cleanup(c);
	return rc;
}
