/*
 * Domain validator (domains.h): the textarea of names a customer wants
 * to enroll becomes a struct domain_list, or the first refused line
 * with its reason. Limits of the whole input are checked before any
 * line is looked at; each line is then normalised (libidn2), checked
 * against policy (wildcards, .test, libpsl) and against the names
 * already seen or enrolled.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libpsl.h>

#include "core/domains.h"
#include "log.h"

const char *const domain_err_names[DOMAIN_ERR__MAX] = {
	[DOMAIN_ERR_EMPTY] = "empty",
	[DOMAIN_ERR_TOO_LONG] = "too_long",
	[DOMAIN_ERR_LABEL_TOO_LONG] = "label_too_long",
	[DOMAIN_ERR_BAD_CHAR] = "bad_char",
	[DOMAIN_ERR_BAD_IDN] = "bad_idn",
	[DOMAIN_ERR_WILDCARD_POSITION] = "wildcard_position",
	[DOMAIN_ERR_WILDCARD_NOT_ALLOWED] = "wildcard_not_allowed",
	[DOMAIN_ERR_IP_ADDRESS] = "ip_address",
	[DOMAIN_ERR_PUBLIC_SUFFIX] = "public_suffix",
	[DOMAIN_ERR_NOT_REGISTRABLE] = "not_registrable",
	[DOMAIN_ERR_TEST_NOT_ALLOWED] = "test_not_allowed",
	[DOMAIN_ERR_DUPLICATE] = "duplicate",
	[DOMAIN_ERR_ALREADY_ENROLLED] = "already_enrolled",
	[DOMAIN_ERR_TOO_MANY] = "too_many",
};

/* Spelled out so that a grep for a key finds its user. */
static const char *const domain_err_keys[DOMAIN_ERR__MAX] = {
	[DOMAIN_ERR_EMPTY] = "err.domain.empty",
	[DOMAIN_ERR_TOO_LONG] = "err.domain.too_long",
	[DOMAIN_ERR_LABEL_TOO_LONG] = "err.domain.label_too_long",
	[DOMAIN_ERR_BAD_CHAR] = "err.domain.bad_char",
	[DOMAIN_ERR_BAD_IDN] = "err.domain.bad_idn",
	[DOMAIN_ERR_WILDCARD_POSITION] = "err.domain.wildcard_position",
	[DOMAIN_ERR_WILDCARD_NOT_ALLOWED] = "err.domain.wildcard_not_allowed",
	[DOMAIN_ERR_IP_ADDRESS] = "err.domain.ip_address",
	[DOMAIN_ERR_PUBLIC_SUFFIX] = "err.domain.public_suffix",
	[DOMAIN_ERR_NOT_REGISTRABLE] = "err.domain.not_registrable",
	[DOMAIN_ERR_TEST_NOT_ALLOWED] = "err.domain.test_not_allowed",
	[DOMAIN_ERR_DUPLICATE] = "err.domain.duplicate",
	[DOMAIN_ERR_ALREADY_ENROLLED] = "err.domain.already_enrolled",
	[DOMAIN_ERR_TOO_MANY] = "err.domain.too_many",
};

/* The public suffix list: psl_owned when loaded from the installed file. */
static psl_ctx_t	*psl_owned;
static const psl_ctx_t	*psl;

const char *
domain_err_key(enum domain_err code)
{
	return (unsigned)code < DOMAIN_ERR__MAX ? domain_err_keys[code] : "err.400";
}

int
domains_init(void)
{
	if (psl != NULL)
		return 0;
	/* The newer of the Debian "publicsuffix" file and the built-in list. */
	if ((psl_owned = psl_latest(NULL)) != NULL)
		psl = psl_owned;
	else
		psl = psl_builtin();
	if (psl == NULL) {
		log_error("domains: psl_latest(%s) and psl_builtin: no public suffix list",
		    psl_dist_filename());
		return -1;
	}
	return 0;
}

void
domains_free(void)
{
	psl_free(psl_owned);	/* accepts NULL */
	psl_owned = NULL;
	psl = NULL;
}

/*
 * Octets of the valid UTF-8 sequence at p (RFC 3629 §4: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * The line as the customer typed it, for the error message: at most
 * DOMAIN_ECHO_MAX octets of whole characters, control characters and
 * invalid bytes shown as "?", "…" when cut (the cut is visible, and
 * the refusal itself never depends on it).
 */
static void
echo_line(struct domain_error *err, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n;

	while (i < len) {
		n = utf8_len(p + i, len - i);
		if (o + (n ? n : 1) > DOMAIN_ECHO_MAX) {
			memcpy(err->input + o, "\xe2\x80\xa6", 3);
			o += 3;
			break;
		}
		if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			err->input[o++] = '?';
			i++;
			continue;
		}
		memcpy(err->input + o, p + i, n);
		o += n;
		i += n;
	}
	err->input[o] = '\0';
}

static void
refuse(struct domain_error *err, size_t line, enum domain_err code, const char *s, size_t len)
{
	err->line = line;
	err->code = code;
	echo_line(err, s, len);
}

/* LDH per RFC 1123 §2.1 on lower-case A-labels: the code, or -1 when fine. */
static int
check_labels(const char *name)
{
	const char	*l = name, *e;
	size_t		 n;

	for (;;) {
		e = strchr(l, '.');
		n = e != NULL ? (size_t)(e - l) : strlen(l);
		if (n == 0)
			return DOMAIN_ERR_EMPTY;
		if (n > DOMAIN_LABEL_MAX)
			return DOMAIN_ERR_LABEL_TOO_LONG;
		if (l[0] == '-' || l[n - 1] == '-')
			return DOMAIN_ERR_BAD_CHAR;
		for (size_t i = 0; i < n; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", l[i]) == NULL)
				return DOMAIN_ERR_BAD_CHAR;
		if (e == NULL)
			return -1;
		l = e + 1;
	}
}

/*
 * An all-ASCII name is lower-cased in place and checked as LDH labels
 * before libidn2 sees it, so that the customer hears about the precise
 * character or label; the code, or -1 when fine or not all ASCII.
 */
static int
ascii_check(char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return -1;
	for (char *p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.")] != '\0')
		return DOMAIN_ERR_BAD_CHAR;
	return check_labels(s);
}

/* libidn2's refusals in our terms; -2 for its own failures. */
static int
idn2_code(int rc)
{
	switch (rc) {
	case IDN2_TOO_BIG_DOMAIN:
		return DOMAIN_ERR_TOO_LONG;
	case IDN2_TOO_BIG_LABEL:
		return DOMAIN_ERR_LABEL_TOO_LONG;
	case IDN2_HYPHEN_STARTEND:
		return DOMAIN_ERR_BAD_CHAR;
	case IDN2_MALLOC:
	case IDN2_ICONV_FAIL:
		return -2;
	default:
		return DOMAIN_ERR_BAD_IDN;
	}
}

int
domain_normalise(const char *in, size_t len, char out[DOMAIN_NAME_MAX + 1],
    int *wildcard, enum domain_err *why)
{
	char		 buf[DOMAIN_LINE_MAX + 1], *s = buf, *a = NULL;
	size_t		 n, pre;
	int		 code, irc, rc = -1;
	unsigned char	 ip[16];

	*wildcard = 0;
	code = DOMAIN_ERR_TOO_LONG;
	if (len > DOMAIN_LINE_MAX)
		goto out;
	code = DOMAIN_ERR_BAD_CHAR;
	if (memchr(in, '\0', len) != NULL)
		goto out;
	memcpy(buf, in, len);
	buf[len] = '\0';

	if (s[0] == '*' && s[1] == '.') {
		*wildcard = 1;
		s += 2;
	}
	code = DOMAIN_ERR_WILDCARD_POSITION;
	if (strchr(s, '*') != NULL)
		goto out;
	/* The root's dot is not part of the name (RFC 1034 §3.1). */
	if ((n = strlen(s)) > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	code = DOMAIN_ERR_EMPTY;
	if (n == 0)
		goto out;
	code = DOMAIN_ERR_IP_ADDRESS;
	if (inet_pton(AF_INET, s, ip) == 1 || inet_pton(AF_INET6, s, ip) == 1)
		goto out;
	if ((code = ascii_check(s)) != -1)
		goto out;

	/* UTS #46 mapping (case folding, NFC) then IDNA2008; A-labels are checked too. */
	if ((irc = idn2_to_ascii_8z(s, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)) != IDN2_OK) {
		if ((code = idn2_code(irc)) == -2) {
			log_error("domains: idn2_to_ascii_8z: %s", idn2_strerror(irc));
			rc = -2;
		}
		goto out;
	}
	for (char *p = a; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	pre = *wildcard ? 2 : 0;
	code = DOMAIN_ERR_TOO_LONG;
	if (pre + strlen(a) > DOMAIN_NAME_MAX)
		goto out;
	if ((code = check_labels(a)) != -1)
		goto out;
	memcpy(out, "*.", pre);
	memcpy(out + pre, a, strlen(a) + 1);
	rc = 0;
out:
	if (rc == -1)
		*why = (enum domain_err)code;
	idn2_free(a);
	return rc;
}

/*
 * Policy on a normalised name: wildcards, .test, the public suffix
 * list (CA/B Forum BRs §3.2.2.6: no wildcard right of a public suffix),
 * then names seen before. The code, or -1 when it may be enrolled.
 */
static int
check_policy(const char *name, int wildcard, const struct domain_opts *o,
    const struct domain_list *l)
{
	const char	*rest = wildcard ? name + 2 : name, *tld;

	if (wildcard && !o->allow_wildcard)
		return DOMAIN_ERR_WILDCARD_NOT_ALLOWED;
	tld = strrchr(rest, '.') != NULL ? strrchr(rest, '.') + 1 : rest;
	if (strcmp(tld, "test") == 0) {		/* RFC 2606 §2 */
		if (!o->allow_test)
			return DOMAIN_ERR_TEST_NOT_ALLOWED;
		if (tld == rest)
			return DOMAIN_ERR_NOT_REGISTRABLE;
	} else {
		/* NO_STAR_RULE: an unknown TLD is not silently a suffix of its own. */
		if (psl_is_public_suffix2(psl, rest, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
			return DOMAIN_ERR_PUBLIC_SUFFIX;
		if (!psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) ||
		    psl_registrable_domain(psl, rest) == NULL)
			return DOMAIN_ERR_NOT_REGISTRABLE;
	}
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return DOMAIN_ERR_DUPLICATE;
	for (size_t i = 0; i < o->nenrolled; i++)
		if (o->enrolled[i] != NULL && strcasecmp(o->enrolled[i], name) == 0)
			return DOMAIN_ERR_ALREADY_ENROLLED;
	return -1;
}

/* Walks the textarea line by line, trimmed of CR and surrounding blanks. */
struct lines {
	const char	*text;
	size_t		 len, off, no;
};

/* 1 with the next line in *s, *n (maybe blank), 0 at the end. */
static int
line_next(struct lines *it, const char **s, size_t *n)
{
	const char	*p, *e;

	if (it->off > it->len)
		return 0;
	p = it->text + it->off;
	e = memchr(p, '\n', it->len - it->off);
	if (e == NULL)
		e = it->text + it->len;
	it->off = (size_t)(e - it->text) + 1;
	it->no++;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*s = p;
	*n = (size_t)(e - p);
	return 1;
}

/* Limits first: the size, then the number of names, before any name is parsed. */
static int
check_limits(const char *text, size_t len, struct domain_error *err)
{
	struct lines	 it = { text, len, 0, 0 };
	const char	*s;
	size_t		 n, names = 0;

	if (len > DOMAINS_MAX_INPUT) {
		refuse(err, 0, DOMAIN_ERR_TOO_LONG, "", 0);
		return -1;
	}
	while (line_next(&it, &s, &n))
		if (n > 0 && ++names > DOMAINS_MAX) {
			refuse(err, it.no, DOMAIN_ERR_TOO_MANY, s, n);
			return -1;
		}
	if (names == 0) {
		refuse(err, 0, DOMAIN_ERR_EMPTY, "", 0);
		return -1;
	}
	return 0;
}

int
domains_parse(const char *text, size_t len, const struct domain_opts *o,
    struct domain_list *out, struct domain_error *err)
{
	struct lines		 it = { text, len, 0, 0 };
	struct domain_entry	*d;
	enum domain_err		 why;
	const char		*s;
	size_t			 n;
	int			 rc, code;

	out->n = 0;
	if (domains_init() == -1)
		return -2;
	if ((rc = check_limits(text, len, err)) != 0)
		goto out;
	while (line_next(&it, &s, &n)) {
		if (n == 0)
			continue;
		d = &out->v[out->n];
		if ((rc = domain_normalise(s, n, d->name, &d->wildcard, &why)) == -1)
			refuse(err, it.no, why, s, n);
		if (rc != 0)
			goto out;
		if ((code = check_policy(d->name, d->wildcard, o, out)) != -1) {
			refuse(err, it.no, (enum domain_err)code, s, n);
			rc = -1;
			goto out;
		}
		out->n++;
	}
	rc = 0;
out:
	if (rc != 0)
		out->n = 0;
	return rc;
}

/* Appends n octets of s at *pos; 0, or -1 once out is full (kept terminated). */
static int
put(char *out, size_t outsz, size_t *pos, const char *s, size_t n)
{
	size_t	room = outsz - *pos - 1;
	int	rc = 0;

	if (n > room) {
		n = room;
		rc = -1;
	}
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return rc;
}

int
domain_error_text(const struct catalog *cat, const struct domain_error *err,
    char *out, size_t outsz)
{
	const char	*key, *t, *ph;
	char		 num[24];
	size_t		 pos = 0;
	int		 rc = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	key = domain_err_key(err->code);
	if (err->line == 0 && err->code == DOMAIN_ERR_EMPTY)
		key = "err.domain.none";
	else if (err->line == 0 && err->code == DOMAIN_ERR_TOO_LONG)
		key = "err.domain.too_big";
	snprintf(num, sizeof(num), "%zu", err->line);
	/* Only {line} and {input} are substituted: the catalog is never a format string. */
	for (t = i18n_get(cat, key); *t != '\0' && rc == 0; ) {
		if (strncmp(t, "{line}", 6) == 0) {
			rc = put(out, outsz, &pos, num, strlen(num));
			t += 6;
		} else if (strncmp(t, "{input}", 7) == 0) {
			rc = put(out, outsz, &pos, err->input, strlen(err->input));
			t += 7;
		} else {
			ph = strchr(t + 1, '{');
			if (ph == NULL)
				ph = t + strlen(t);
			rc = put(out, outsz, &pos, t, (size_t)(ph - t));
			t = ph;
		}
	}
	return rc;
}
