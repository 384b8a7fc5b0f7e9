/*
 * Domain validator (fcgi/center/core/domains.h): every refusal code with a
 * concrete input and the line it names, normalisation (case, trailing
 * dot, IDN), length limits at their edges, public suffixes, wildcards,
 * .test, QWAC, duplicates, enrolled names, textarea limits, and the
 * sentence shown to the customer in both languages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/domains.h"
#include "i18n.h"
#include "tap.h"

static struct domain_list	list;
static struct domain_error	err;

static const struct domain_opts	dv = { 0, 1, NULL, 0 };
static const struct domain_opts	qwac = { 0, 0, NULL, 0 };
static const struct domain_opts	devtest = { 1, 1, NULL, 0 };

static int
parse(const char *text, const struct domain_opts *o)
{
	memset(&err, 0, sizeof(err));
	return domains_parse(text, strlen(text), o, &list, &err);
}

/* text is refused with code on line. */
static void
refused(const char *text, const struct domain_opts *o, enum domain_err code, size_t line,
    const char *what)
{
	int rc = parse(text, o);

	ok(rc == -1 && err.code == code && err.line == line && list.n == 0,
	    "%s: refused as %s on line %zu", what, domain_err_names[code], line);
	if (rc != -1 || err.code != code || err.line != line)
		printf("#   rc %d, code %s, line %zu\n", rc,
		    (unsigned)err.code < DOMAIN_ERR__MAX ? domain_err_names[err.code] : "?", err.line);
}

/* text is accepted as one name, normalised to want. */
static void
accepted(const char *text, const struct domain_opts *o, const char *want, const char *what)
{
	int rc = parse(text, o);

	ok(rc == 0 && list.n == 1 && strcmp(list.v[0].name, want) == 0, "%s: accepted as %s", what, want);
	if (rc != 0)
		printf("#   rc %d, code %s, line %zu\n", rc, domain_err_names[err.code], err.line);
	else if (list.n > 0 && strcmp(list.v[0].name, want) != 0)
		printf("#   got %s\n", list.v[0].name);
}

/* A name of exactly len octets under .com, labels of at most 63. */
static void
long_name(char *out, size_t len)
{
	size_t pos = 0, body = len - 4;

	while (pos < body) {
		size_t n = body - pos > 64 ? 63 : body - pos;
		memset(out + pos, 'a', n);
		pos += n;
		if (pos < body)
			out[pos++] = '.';
	}
	memcpy(out + pos, ".com", 5);
}

static void
test_codes(void)
{
	refused("www.example.com\n\na..example.com", &dv, DOMAIN_ERR_EMPTY, 3, "two dots in a row");
	refused(".example.com", &dv, DOMAIN_ERR_EMPTY, 1, "a leading dot");
	refused("", &dv, DOMAIN_ERR_EMPTY, 0, "an empty textarea");
	refused("\n  \r\n\t\n", &dv, DOMAIN_ERR_EMPTY, 0, "only blank lines");
	refused("www.example.com\nunder_score.example.com", &dv, DOMAIN_ERR_BAD_CHAR, 2, "an underscore");
	refused("a b.example.com", &dv, DOMAIN_ERR_BAD_CHAR, 1, "a space inside a name");
	refused("-www.example.com", &dv, DOMAIN_ERR_BAD_CHAR, 1, "a label starting with a hyphen");
	refused("www-.example.com", &dv, DOMAIN_ERR_BAD_CHAR, 1, "a label ending with a hyphen");
	refused("http://example.com/", &dv, DOMAIN_ERR_BAD_CHAR, 1, "a URL");
	refused("xn--zz.example.com", &dv, DOMAIN_ERR_BAD_IDN, 1, "a broken A-label");
	refused("ex--ample.com", &dv, DOMAIN_ERR_BAD_IDN, 1, "hyphens in positions 3 and 4");
	refused("a.*.example.com", &dv, DOMAIN_ERR_WILDCARD_POSITION, 1, "a wildcard in the second label");
	refused("*example.com", &dv, DOMAIN_ERR_WILDCARD_POSITION, 1, "a partial wildcard label");
	refused("*", &dv, DOMAIN_ERR_WILDCARD_POSITION, 1, "a bare star");
	refused("*.*.example.com", &dv, DOMAIN_ERR_WILDCARD_POSITION, 1, "two wildcards");
	refused("www.example.com\n*.example.com", &qwac, DOMAIN_ERR_WILDCARD_NOT_ALLOWED, 2, "QWAC with a wildcard");
	refused("192.0.2.1", &dv, DOMAIN_ERR_IP_ADDRESS, 1, "an IPv4 address");
	refused("example.com\n2001:db8::1", &dv, DOMAIN_ERR_IP_ADDRESS, 2, "an IPv6 address");
	refused("*.192.0.2.1", &dv, DOMAIN_ERR_IP_ADDRESS, 1, "a wildcard over an IPv4 address");
	refused("com", &dv, DOMAIN_ERR_PUBLIC_SUFFIX, 1, "a TLD");
	refused("co.uk", &dv, DOMAIN_ERR_PUBLIC_SUFFIX, 1, "co.uk");
	refused("*.co.uk", &dv, DOMAIN_ERR_PUBLIC_SUFFIX, 1, "a wildcard over co.uk");
	refused("*.com", &dv, DOMAIN_ERR_PUBLIC_SUFFIX, 1, "a wildcard over com");
	refused("github.io", &dv, DOMAIN_ERR_PUBLIC_SUFFIX, 1, "a private public suffix");
	refused("localhost", &dv, DOMAIN_ERR_NOT_REGISTRABLE, 1, "a single unknown label");
	refused("www.example.invalid", &dv, DOMAIN_ERR_NOT_REGISTRABLE, 1, "an unknown TLD");
	refused("bücher.example", &dv, DOMAIN_ERR_NOT_REGISTRABLE, 1, "the reserved .example TLD");
	refused("foo.test", &dv, DOMAIN_ERR_TEST_NOT_ALLOWED, 1, ".test without allow_test");
	refused("test", &devtest, DOMAIN_ERR_NOT_REGISTRABLE, 1, "test alone, even with allow_test");
	refused("Example.com\nwww.example.com\nexample.com.", &dv, DOMAIN_ERR_DUPLICATE, 3,
	    "a repeat differing in case and trailing dot");
	refused("Ünïcode.de\nxn--ncode-cta3g.de", &dv, DOMAIN_ERR_DUPLICATE, 2, "a U-label and its A-label");
	refused("a.example.com\r\n\r\n\r\nexample.org\r\nA.EXAMPLE.COM\r\n", &dv, DOMAIN_ERR_DUPLICATE, 5,
	    "a duplicate after CRLF and blank lines");
}

static void
test_normalise(void)
{
	char	name[DOMAIN_NAME_MAX + 1];
	int	wc = -1;
	enum domain_err why;

	accepted("WWW.Example.COM", &dv, "www.example.com", "upper case");
	accepted("www.example.com.", &dv, "www.example.com", "trailing dot");
	accepted("  www.example.com \t\r\n", &dv, "www.example.com", "surrounding blanks and CRLF");
	accepted("bücher.de", &dv, "xn--bcher-kva.de", "a U-label");
	accepted("xn--bcher-kva.de", &dv, "xn--bcher-kva.de", "an A-label as is");
	accepted("XN--BCHER-KVA.DE", &dv, "xn--bcher-kva.de", "an upper-case A-label");
	ok(domain_normalise("bücher.example", strlen("bücher.example"), name, &wc, &why) == 0 &&
	    strcmp(name, "xn--bcher-kva.example") == 0 && wc == 0,
	    "bücher.example normalises to xn--bcher-kva.example");
	ok(domain_normalise("*.Bücher.example.", 18, name, &wc, &why) == 0 &&
	    strcmp(name, "*.xn--bcher-kva.example") == 0 && wc == 1,
	    "a wildcard keeps its star and is flagged");
	ok(domain_normalise("a\0b.example.com", 15, name, &wc, &why) == -1 && why == DOMAIN_ERR_BAD_CHAR,
	    "a NUL inside a line is a bad character");
	accepted("example.co.uk", &dv, "example.co.uk", "a name under co.uk");
	accepted("*.example.co.uk", &dv, "*.example.co.uk", "a wildcard under co.uk");
	accepted("*.a.b.example.com", &dv, "*.a.b.example.com", "a wildcard as the whole first label");
	ok(list.n == 1 && list.v[0].wildcard == 1, "the wildcard flag is set");
	accepted("foo.github.io", &dv, "foo.github.io", "a name under a private suffix");
	accepted("foo.test", &devtest, "foo.test", ".test with allow_test");
	accepted("*.foo.test", &devtest, "*.foo.test", "a .test wildcard with allow_test");
	accepted("www.example.com", &qwac, "www.example.com", "QWAC without wildcard");
	ok(parse("www.example.com\n*.example.com\nexample.com", &dv) == 0 && list.n == 3 &&
	    list.v[1].wildcard == 1 && list.v[0].wildcard == 0,
	    "a name, its wildcard and its apex are three entries");
}

static void
test_lengths(void)
{
	char	label[80], name[300], text[300];

	memset(label, 'a', 63);
	snprintf(label + 63, sizeof(label) - 63, ".example.com");
	accepted(label, &dv, label, "a 63-octet label");
	memset(label, 'a', 64);
	snprintf(label + 64, sizeof(label) - 64, ".example.com");
	refused(label, &dv, DOMAIN_ERR_LABEL_TOO_LONG, 1, "a 64-octet label");

	long_name(name, 253);
	is_int(strlen(name), 253, "the long name has 253 octets");
	accepted(name, &dv, name, "a 253-octet name");
	snprintf(text, sizeof(text), "%s.", name);
	accepted(text, &dv, name, "a 253-octet name with its trailing dot");
	long_name(name, 254);
	refused(name, &dv, DOMAIN_ERR_TOO_LONG, 1, "a 254-octet name");
	long_name(name, 252);
	snprintf(text, sizeof(text), "*.%s", name);
	refused(text, &dv, DOMAIN_ERR_TOO_LONG, 1, "a wildcard over a 252-octet name");
	long_name(name, 251);
	snprintf(text, sizeof(text), "*.%s", name);
	accepted(text, &dv, text, "a wildcard of 253 octets");
}

static void
test_limits_and_enrolled(void)
{
	const char *const	 enrolled[] = { "www.example.com", "*.example.org" };
	struct domain_opts	 o = { 0, 1, enrolled, 2 };
	char			*text = malloc(DOMAINS_MAX_INPUT + 2);
	size_t			 pos = 0;

	refused("shop.example.com\nWWW.Example.com.", &o, DOMAIN_ERR_ALREADY_ENROLLED, 2, "an enrolled name");
	refused("*.EXAMPLE.org", &o, DOMAIN_ERR_ALREADY_ENROLLED, 1, "an enrolled wildcard");
	accepted("example.org", &o, "example.org", "the apex of an enrolled wildcard");

	for (int i = 1; i <= 100; i++)
		pos += (size_t)snprintf(text + pos, 64, "n%d.example.com\n", i);
	ok(parse(text, &dv) == 0 && list.n == 100, "100 names are accepted");
	snprintf(text + pos, 64, "n101.example.com\n");
	refused(text, &dv, DOMAIN_ERR_TOO_MANY, 101, "101 names");
	text[0] = '_';
	refused(text, &dv, DOMAIN_ERR_TOO_MANY, 101, "101 names with a bad first one (limits first)");

	memset(text, '\n', DOMAINS_MAX_INPUT + 1);
	memcpy(text, "example.com", 11);
	text[DOMAINS_MAX_INPUT + 1] = '\0';
	refused(text, &dv, DOMAIN_ERR_TOO_LONG, 0, "a textarea over 64 KiB");
	text[DOMAINS_MAX_INPUT] = '\0';
	ok(parse(text, &dv) == 0 && list.n == 1, "a textarea of exactly 64 KiB");
	free(text);
}

static void
test_messages(void)
{
	const char	*top = getenv("ROOT") ? getenv("ROOT") : getenv("top_srcdir");
	const struct catalog *en, *fr;
	char		 dir[1024], msg[512], small[16];
	size_t		 missing = 0;

	snprintf(dir, sizeof(dir), "%s/views", top ? top : TOP_SRCDIR);
	ok(i18n_load(dir, msg, sizeof(msg)) == 0, "catalogs load from %s", dir);
	en = i18n_catalog("en");
	fr = i18n_catalog("fr");
	for (int c = 0; c < DOMAIN_ERR__MAX; c++) {
		char want[64];
		snprintf(want, sizeof(want), "err.domain.%s", domain_err_names[c]);
		if (strcmp(domain_err_key((enum domain_err)c), want) != 0 ||
		    strcmp(i18n_get(en, want), want) == 0 || strcmp(i18n_get(fr, want), want) == 0) {
			printf("# no message for %s\n", want);
			missing++;
		}
	}
	is_int(missing, 0, "every code has a name, an err.domain.<name> key and a text in both languages");

	refused("www.example.com\nshop.example.com\n*.example.com", &qwac, DOMAIN_ERR_WILDCARD_NOT_ALLOWED, 3,
	    "QWAC wildcard on line 3");
	ok(domain_error_text(en, &err, msg, sizeof(msg)) == 0, "the English sentence fits");
	is_str(msg, "Line 3: \xe2\x80\x9c*.example.com\xe2\x80\x9d \xe2\x80\x94 QWAC certificates take no wildcard: "
	    "enter each name on its own line.", "the English sentence names the line and the reason");
	ok(domain_error_text(fr, &err, msg, sizeof(msg)) == 0 &&
	    strncmp(msg, "Ligne 3 : \xc2\xab *.example.com \xc2\xbb", 22) == 0,
	    "the French sentence names the line too");
	ok(domain_error_text(en, &err, small, sizeof(small)) == -1 && strlen(small) == sizeof(small) - 1,
	    "a short buffer is reported, and terminated");

	refused("", &dv, DOMAIN_ERR_EMPTY, 0, "nothing entered");
	domain_error_text(en, &err, msg, sizeof(msg));
	is_str(msg, "Enter at least one domain name, one per line.", "no name at all has its own sentence");

	refused("bad\x01name.com", &dv, DOMAIN_ERR_BAD_CHAR, 1, "a control character");
	is_str(err.input, "bad?name.com", "a control character is not echoed");
	refused("\xff\xfe.example.com", &dv, DOMAIN_ERR_BAD_IDN, 1, "invalid UTF-8");
	is_str(err.input, "??.example.com", "invalid UTF-8 is not echoed");
	memset(msg, 'x', 300);
	memcpy(msg + 300, ".com", 5);
	refused(msg, &dv, DOMAIN_ERR_LABEL_TOO_LONG, 1, "a 300-octet label");
	ok(strlen(err.input) == DOMAIN_ECHO_MAX + 3 && strcmp(err.input + DOMAIN_ECHO_MAX, "\xe2\x80\xa6") == 0,
	    "a long line is echoed cut, with an ellipsis");
	i18n_unload();
}

int
main(void)
{
	ok(domains_init() == 0, "the public suffix list loads");
	test_codes();
	test_normalise();
	test_lengths();
	test_limits_and_enrolled();
	test_messages();
	domains_free();
	return tap_done();
}
