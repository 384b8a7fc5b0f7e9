/*
 * Domain validator: the one place where the names a customer types
 * (FQDNs and wildcards, one per line of a textarea) become typed,
 * normalised entries. Core code only ever sees a struct domain_list.
 *
 * A name is accepted when, after normalisation (lower case, trailing
 * dot removed, U-labels to A-labels per IDNA2008/UTS #46 with libidn2),
 * it has LDH labels of 1..63 octets, at most 253 octets in all, is not
 * an IP literal, is not a public suffix and has a registrable domain
 * in the Public Suffix List (libpsl), or ends in .test when allowed.
 * A wildcard is "*." as the whole first label followed by such a name
 * (RFC 6125 §6.4.3 as restricted by the CA/B Forum BRs §3.2.2.6).
 */
#ifndef DOMAINS_H
#define DOMAINS_H

#include <stddef.h>

#include "i18n.h"

#define DOMAINS_MAX		100		/* names per request */
#define DOMAINS_MAX_INPUT	(64 * 1024)	/* octets of the whole textarea */
#define DOMAIN_NAME_MAX		253		/* octets of a name, no trailing dot */
#define DOMAIN_LABEL_MAX	63		/* octets of a label */
#define DOMAIN_LINE_MAX		1024		/* octets of one line before any work */
#define DOMAIN_ECHO_MAX		128		/* octets of the line echoed in an error */

/* Why a line was refused; names in domain_err_names, message keys err.domain.<name>. */
enum domain_err {
	DOMAIN_ERR_EMPTY,		/* empty label; line 0: no name at all */
	DOMAIN_ERR_TOO_LONG,		/* name > 253 octets; line 0: textarea > 64 KiB */
	DOMAIN_ERR_LABEL_TOO_LONG,
	DOMAIN_ERR_BAD_CHAR,
	DOMAIN_ERR_BAD_IDN,
	DOMAIN_ERR_WILDCARD_POSITION,
	DOMAIN_ERR_WILDCARD_NOT_ALLOWED,
	DOMAIN_ERR_IP_ADDRESS,
	DOMAIN_ERR_PUBLIC_SUFFIX,
	DOMAIN_ERR_NOT_REGISTRABLE,
	DOMAIN_ERR_TEST_NOT_ALLOWED,
	DOMAIN_ERR_DUPLICATE,
	DOMAIN_ERR_ALREADY_ENROLLED,
	DOMAIN_ERR_TOO_MANY,
	DOMAIN_ERR__MAX
};

extern const char *const domain_err_names[DOMAIN_ERR__MAX];

struct domain_entry {
	char	name[DOMAIN_NAME_MAX + 1];	/* lower-case A-labels; "*.example.com" for a wildcard */
	int	wildcard;
};

struct domain_list {
	struct domain_entry	v[DOMAINS_MAX];
	size_t			n;
};

struct domain_opts {
	int			 allow_test;		/* conf allow_test_domains: accept *.test */
	int			 allow_wildcard;	/* 0 for QWAC */
	const char *const	*enrolled;		/* normalised names already enrolled */
	size_t			 nenrolled;
};

struct domain_error {
	size_t		line;				/* 1-based; 0: the textarea as a whole */
	enum domain_err	code;
	char		input[DOMAIN_ECHO_MAX + 4];	/* the line as typed, display-safe UTF-8 */
};

/*
 * Parse text (len octets, not NUL-terminated necessarily) as one name
 * per line; LF or CRLF, blank lines and surrounding blanks ignored.
 * Returns 0 with out filled (n >= 1); -1 with err set on the first
 * refused line (the textarea limits are checked before any line);
 * -2 when the validator itself failed (no public suffix list, out of
 * memory), logged, err untouched: the caller answers 500.
 * out and err are caller-owned; nothing is allocated on return.
 */
int	domains_parse(const char *text, size_t len, const struct domain_opts *,
	    struct domain_list *out, struct domain_error *err);

/*
 * Normalise one name (len octets) without policy (no PSL, wildcard,
 * .test or duplicate checks): out gets lower-case A-labels without
 * trailing dot, *wildcard whether it began with "*.". Returns 0, -1
 * with *why set, or -2 on an internal failure (logged).
 */
int	domain_normalise(const char *in, size_t len, char out[DOMAIN_NAME_MAX + 1],
	    int *wildcard, enum domain_err *why);

/*
 * Load the public suffix list now (the latest installed one, else the
 * list built into libpsl): call once before forking so workers share
 * it. domains_parse() loads it on first use otherwise. 0 or -1 (logged).
 */
int	domains_init(void);
void	domains_free(void);

/* "err.domain.<name>" for code; never NULL for a valid code. */
const char *domain_err_key(enum domain_err);

/*
 * The refusal as a sentence in cat's language, e.g. Line 3: “*.example.com”
 * — QWAC certificates take no wildcard. The catalog text carries {line}
 * and {input} placeholders. Returns 0, or -1 if out was too small
 * (out then holds a terminated prefix).
 */
int	domain_error_text(const struct catalog *, const struct domain_error *,
	    char *out, size_t outsz);

#endif
