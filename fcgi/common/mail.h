/*
 * Outgoing e-mail: one plain-text message (RFC 5322, MIME RFC 2045,
 * UTF-8 text sent 8bit) formatted into a bounded buffer and submitted
 * to an SMTP server with libcurl (RFC 5321; libcurl does the
 * dot-stuffing and STARTTLS when the server offers it). Nothing here
 * knows what the message is about: callers render subject and body.
 */
#ifndef CAAS_MAIL_H
#define CAAS_MAIL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define MAIL_ADDR_MAX	254		/* RFC 5321 §4.5.3.1.3 path limit */
#define MAIL_MSG_MAX	(256 * 1024)	/* a whole formatted message */
#define MAIL_LINE_MAX	998		/* RFC 5322 §2.1.1, without CRLF */

/* Where and how to submit. */
struct mail_server {
	const char	*url;		/* smtp://host:port or smtps://host:port */
	const char	*from;		/* envelope sender and From: address */
	long		 timeout;	/* seconds for the whole submission */
};

/* One message to one recipient. */
struct mail_msg {
	const char	*from;
	const char	*from_name;	/* display name of From:, UTF-8, may be NULL */
	const char	*to;
	const char	*subject;	/* UTF-8, one line */
	const char	*body;		/* UTF-8 text, LF or CRLF line ends */
	const char	*lang;		/* Content-Language, may be NULL */
	const char	*id_left;	/* left part of Message-ID, [A-Za-z0-9.-] */
	time_t		 date;
};

/* Outcome of mail_send. */
enum mail_rc {
	MAIL_OK = 0,
	MAIL_TEMP,	/* not delivered, worth retrying: a 4xx answer */
	MAIL_DOWN,	/* no usable answer (connection, TLS, timeout): retry later,
			 * and the next messages would most likely fare the same */
	MAIL_PERM,	/* refused for good (5xx): retrying will not help */
	MAIL_RC__MAX
};

/*
 * 1 if addr is a plain address we accept to put in a header and an
 * envelope: local@domain, printable ASCII without spaces, quotes,
 * angle brackets, commas or control characters, at most MAIL_ADDR_MAX.
 */
int	mail_addr_ok(const char *addr);

/*
 * Append "Name: value" CRLF to out, folded (RFC 5322 §2.2.3) so lines
 * stay within 78 characters where the value has spaces. A value that
 * is not plain ASCII (or that could be taken for an encoded word) goes
 * out as RFC 2047 "B" encoded words of UTF-8, each at most 75
 * characters and never splitting a character. -1 if value has control
 * characters or is not UTF-8, or if out's cap is reached.
 */
int	mail_header(struct buf *out, const char *name, const char *value);

/* RFC 5322 §3.3 date of t in UTC: "Thu, 05 Mar 2026 09:07:00 +0000". */
void	mail_date(time_t t, char *out, size_t outsz);

/*
 * The whole message into out (initialised by the caller, cap at least
 * MAIL_MSG_MAX): headers (Date, From, To, Subject, Message-ID,
 * MIME-Version, Content-Type text/plain; charset=utf-8,
 * Content-Transfer-Encoding 8bit, Content-Language, Auto-Submitted),
 * a blank line, then the body with CRLF line ends. -1 on a bad address,
 * a line longer than MAIL_LINE_MAX, a NUL-free body that is not UTF-8,
 * or no room.
 */
int	mail_format(const struct mail_msg *, struct buf *out);

/*
 * Submit msg (a formatted message) to rcpt through srv. err receives a
 * one-line reason on failure (never a credential). The caller has
 * called curl_global_init.
 */
enum mail_rc mail_send(const struct mail_server *srv, const char *rcpt, const struct buf *msg,
	    char *err, size_t errsz);

#endif
