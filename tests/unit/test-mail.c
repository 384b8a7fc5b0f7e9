/*
 * Mail formatting (fcgi/common/mail.c): addresses, RFC 5322 folding,
 * RFC 2047 encoded words that decode back to the text without
 * splitting a character, header injection refused, the message's
 * headers and CRLF body.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlstring.h>
#include <openssl/evp.h>

#include "buf.h"
#include "mail.h"
#include "tap.h"

/* Longest line of s (CRLF separated), in bytes. */
static size_t
longest_line(const char *s)
{
	size_t	 max = 0, n;

	for (const char *p = s; *p != '\0'; p += n + (p[n] == '\r' ? 2 : 0)) {
		n = strcspn(p, "\r");
		if (n > max)
			max = n;
		if (p[n] == '\0')
			break;
	}
	return max;
}

/* Undo folding and decode encoded words of a header "Name: value\r\n". */
static char *
unfold_decode(const char *h, int *words_ok)
{
	static char	 out[4096];
	const char	*p = strchr(h, ':') + 1;
	size_t		 o = 0;

	*words_ok = 1;
	while (*p != '\0') {
		if (p[0] == '\r' && p[1] == '\n') {
			p += 2;
			continue;
		}
		if (strncmp(p, " =?UTF-8?B?", 11) == 0) {
			const char *e = strstr(p + 11, "?=");
			unsigned char dec[128];
			int len = EVP_DecodeBlock(dec, (const unsigned char *)p + 11, (int)(e - p - 11));
			size_t wlen = (size_t)(e + 2 - (p + 1));

			/* DecodeBlock counts padding bytes as zeros: trim them. */
			for (const char *q = e - 1; *q == '='; q--)
				len--;
			if (wlen > 75 || len < 0)
				*words_ok = 0;
			dec[len] = '\0';
			if (!xmlCheckUTF8(dec))
				*words_ok = 0;
			memcpy(out + o, dec, (size_t)len);
			o += (size_t)len;
			p = e + 2;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out[0] == ' ' ? out + 1 : out;
}

static void
test_addresses(void)
{
	char	 longest[300];

	ok(mail_addr_ok("alice@example.net"), "a plain address is accepted");
	ok(mail_addr_ok("a.b+tag@sub.example.net"), "dots and plus are accepted");
	ok(!mail_addr_ok("demo-deposit"), "a login without @ is not an address");
	ok(!mail_addr_ok("a@b@example.net"), "two @ are refused");
	ok(!mail_addr_ok("alice@localhost"), "a domain without a dot is refused");
	ok(!mail_addr_ok("alice@example.net\r\nBcc: x@y.z"), "CR LF (header injection) is refused");
	ok(!mail_addr_ok("Alice <alice@example.net>"), "a display name is refused");
	ok(!mail_addr_ok("al ice@example.net"), "a space is refused");
	ok(!mail_addr_ok("@example.net"), "an empty local part is refused");
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 250, "@x.fr", 6);
	ok(!mail_addr_ok(longest), "more than 254 characters is refused");
}

static void
test_ascii_headers(void)
{
	struct buf	 b;
	char		 v[400];
	int		 wok;

	buf_init(&b, 8192);
	ok(mail_header(&b, "Subject", "Renewal done") == 0, "a short ASCII subject is written");
	is_str(b.p, "Subject: Renewal done\r\n", "as it is, on one line");
	buf_free(&b);

	buf_init(&b, 8192);
	v[0] = '\0';
	for (int i = 0; i < 30; i++)
		strcat(v, i ? " word" : "word");
	ok(mail_header(&b, "Subject", v) == 0, "a 149-character subject is written");
	ok(longest_line(b.p) <= 78, "folded into lines of at most 78 (longest %zu)", longest_line(b.p));
	ok(strstr(b.p, "\r\n ") != NULL, "continuation lines start with a space");
	is_str(unfold_decode(b.p, &wok), v, "unfolding gives the subject back");
	buf_free(&b);

	buf_init(&b, 8192);
	ok(mail_header(&b, "Subject", "x\r\nBcc: victim@example.net") == -1, "CR LF in a value is refused");
	ok(mail_header(&b, "Subject", "tab\there") == -1, "other control characters are refused");
	ok(mail_header(&b, "Subject", "\xc3\x28") == -1, "invalid UTF-8 is refused");
	buf_free(&b);

	buf_init(&b, 40);
	ok(mail_header(&b, "Subject", "a subject longer than the buffer cap of forty") == -1,
	    "running out of room is an error, not a truncation");
	buf_free(&b);
}

static void
test_encoded_words(void)
{
	struct buf	 b;
	const char	*fr = "Abonnement « Boutique » renouvelé jusqu'au 29/11/2027";
	char		 longfr[1024];
	int		 wok;

	buf_init(&b, 8192);
	ok(mail_header(&b, "Subject", fr) == 0, "a French subject is written");
	ok(strncmp(b.p, "Subject: =?UTF-8?B?", 19) == 0, "as RFC 2047 B encoded words");
	is_str(unfold_decode(b.p, &wok), fr, "which decode back to the subject");
	ok(wok, "each word is at most 75 characters of valid UTF-8");
	ok(longest_line(b.p) <= 76, "lines with encoded words stay within 76 (%zu)", longest_line(b.p));
	buf_free(&b);

	/* 3-byte characters (€) and 4-byte ones (emoji) across many words. */
	longfr[0] = '\0';
	for (int i = 0; i < 20; i++)
		strcat(longfr, "€é\xf0\x9f\x94\x92 ");
	buf_init(&b, 8192);
	ok(mail_header(&b, "Subject", longfr) == 0, "a long subject of multi-byte characters is written");
	is_str(unfold_decode(b.p, &wok), longfr, "it decodes back exactly");
	ok(wok, "no word splits a character");
	ok(longest_line(b.p) <= 76, "every line within 76 (%zu)", longest_line(b.p));
	buf_free(&b);

	buf_init(&b, 8192);
	ok(mail_header(&b, "Subject", "looks like =?UTF-8?B?QQ==?= a word") == 0,
	    "ASCII that looks like an encoded word is written");
	ok(strstr(b.p, "=?UTF-8?B?bG9va3M") != NULL, "encoded, so readers do not decode it");
	buf_free(&b);
}

static void
test_format(void)
{
	struct mail_msg	 m = {
		.from = "notify@caas.example.net", .to = "client@example.fr",
		.subject = "Abonnement expiré", .lang = "fr", .id_left = "notify.42",
		.body = "Bonjour,\n\nLigne deux\n.point en tête\n", .date = 1772701620,
	};
	struct buf	 b;
	char		 longline[1200];

	buf_init(&b, MAIL_MSG_MAX);
	ok(mail_format(&m, &b) == 0, "a message is formatted");
	ok(strstr(b.p, "Date: Thu, 05 Mar 2026 09:07:00 +0000\r\n") != NULL, "Date is RFC 5322, UTC");
	ok(strstr(b.p, "\r\nFrom: notify@caas.example.net\r\n") != NULL, "From");
	ok(strstr(b.p, "\r\nTo: client@example.fr\r\n") != NULL, "To");
	ok(strstr(b.p, "\r\nSubject: =?UTF-8?B?") != NULL, "Subject encoded");
	ok(strstr(b.p, "\r\nMessage-ID: <notify.42.") != NULL &&
	    strstr(b.p, "@caas.example.net>\r\n") != NULL, "Message-ID in the sender's domain");
	ok(strstr(b.p, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n") != NULL, "MIME headers");
	ok(strstr(b.p, "\r\nContent-Language: fr\r\n") != NULL, "Content-Language");
	ok(strstr(b.p, "\r\n\r\nBonjour,\r\n\r\nLigne deux\r\n.point en tête\r\n") != NULL,
	    "the body follows a blank line with CRLF line ends (dot-stuffing is libcurl's)");
	buf_free(&b);

	buf_init(&b, MAIL_MSG_MAX);
	m.to = "client@example.fr\r\nBcc: x@y.z";
	ok(mail_format(&m, &b) == -1, "a recipient with CR LF is refused");
	m.to = "client@example.fr";
	m.id_left = "notify 42";
	ok(mail_format(&m, &b) == -1, "a Message-ID part with a space is refused");
	m.id_left = "notify.42";
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	m.body = longline;
	b.len = 0;
	ok(mail_format(&m, &b) == -1, "a body line over 998 octets is refused");
	m.body = "bare\rCR";
	b.len = 0;
	ok(mail_format(&m, &b) == -1, "a bare CR in the body is refused");
	buf_free(&b);
}

int
main(void)
{
	test_addresses();
	test_ascii_headers();
	test_encoded_words();
	test_format();
	return tap_done();
}
