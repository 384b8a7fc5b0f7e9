/*
 * The signer's request validator. The signer does not trust its peer
 * (the ACME server already checked the CSR): every field of signer.h
 * is checked again here, and a refusal names the field and the reason.
 * Reasons never echo request bytes other than a sanitised field name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "signer/signer.h"
#include "signer/signer_core.h"
#include "signer/signer_keys.h"

#define NAME_MAX_LEN	253	/* RFC 1035 §2.3.4, without the root dot */
#define LABEL_MAX_LEN	63

const char *const signer_profile_names[SIGNER_PROFILE__MAX] = {
	[SIGNER_PROFILE_DV] = "DV",
	[SIGNER_PROFILE_OV] = "OV",
	[SIGNER_PROFILE_QWAC] = "QWAC",
};

enum req_field {
	REQ_OP,
	REQ_PROFILE,
	REQ_SPKI,
	REQ_SANS,
	REQ_ORG,
	REQ__MAX
};

static const char *const req_fields[REQ__MAX] = {
	[REQ_OP] = "op",
	[REQ_PROFILE] = "profile",
	[REQ_SPKI] = "spki",
	[REQ_SANS] = "sans",
	[REQ_ORG] = "org",
};

/* Printable ASCII copy of untrusted text for an error message. */
static void
sanitise(const char *s, char *out, size_t outsz)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < outsz; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	out[i] = '\0';
}

/* Reason one label of a host name is wrong, or NULL. */
static const char *
label_problem(const char *l, size_t n)
{
	if (n == 0)
		return "empty label";
	if (n > LABEL_MAX_LEN)
		return "label longer than 63 characters";
	if (l[0] == '-' || l[n - 1] == '-')
		return "label starts or ends with a hyphen";
	for (size_t i = 0; i < n; i++) {
		if (l[i] >= 'A' && l[i] <= 'Z')
			return "upper-case letter (names must be lower case)";
		if (!((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '-'))
			return "character other than a-z, 0-9, '-' and '.'";
	}
	return NULL;
}

/*
 * RFC 1123 §2.1 host names in lower case; a wildcard only as the whole
 * first label (BR §7.1.4.2.1). At least two labels and a non-numeric
 * last label, so internal names and IPv4 addresses are refused.
 */
const char *
signer_name_problem(const char *name)
{
	const char	*p = name, *dot, *why, *last = name;
	size_t		 len = strlen(name), labels = 0, n;
	int		 numeric = 1;

	if (len == 0)
		return "empty name";
	if (len > NAME_MAX_LEN)
		return "name longer than 253 characters";
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	for (;;) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (memchr(p, '*', n) != NULL)
			return "wildcard only as \"*.\" at the start";
		if ((why = label_problem(p, n)) != NULL)
			return why;
		labels++;
		last = p;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	for (; *last != '\0'; last++)
		numeric &= (*last >= '0' && *last <= '9');
	if (labels < 2)
		return "needs at least two labels besides a wildcard";
	if (numeric)
		return "last label is numeric (IP addresses are not dNSNames)";
	return NULL;
}

/* Number of characters of the UTF-8 text s (jansson checked it), -1 if it holds a control character. */
static long
utf8_chars(const char *s)
{
	long	 n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if ((*p & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* A string member 1..max characters long, copied into *out; 0 or -1 with err. */
static int
org_string(json_t *org, const char *key, long max, char **out, char *err)
{
	json_t		*v = json_object_get(org, key);
	long		 n;

	if (v == NULL || !json_is_string(v)) {
		snprintf(err, SIGNER_ERR_LEN, "org.%s: required, a string", key);
		return -1;
	}
	n = utf8_chars(json_string_value(v));
	if (n < 1 || n > max) {
		snprintf(err, SIGNER_ERR_LEN, "org.%s: must be 1 to %ld characters without control characters",
		    key, max);
		return -1;
	}
	if ((*out = strdup(json_string_value(v))) == NULL) {
		snprintf(err, SIGNER_ERR_LEN, "org.%s: out of memory", key);
		return -1;
	}
	return 0;
}

/* org: exactly O, L, C (X.520 bounds; C an ISO 3166 alpha-2 code). */
static int
parse_org(json_t *org, struct signer_req *r, char *err)
{
	const char	*key, *c;
	json_t		*v;
	char		 safe[33];

	if (!json_is_object(org)) {
		snprintf(err, SIGNER_ERR_LEN, "org: must be an object with O, L and C");
		return -1;
	}
	json_object_foreach(org, key, v) {
		if (strcmp(key, "O") != 0 && strcmp(key, "L") != 0 && strcmp(key, "C") != 0) {
			sanitise(key, safe, sizeof(safe));
			snprintf(err, SIGNER_ERR_LEN, "org: unknown field \"%s\" (O, L, C only)", safe);
			return -1;
		}
	}
	if (org_string(org, "O", SIGNER_ORG_O_MAX, &r->o, err) == -1 ||
	    org_string(org, "L", SIGNER_ORG_L_MAX, &r->l, err) == -1 ||
	    org_string(org, "C", 2, &r->c, err) == -1)
		return -1;
	c = r->c;
	if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
		snprintf(err, SIGNER_ERR_LEN, "org.C: must be two upper-case letters (ISO 3166-1 alpha-2)");
		return -1;
	}
	return 0;
}

/* spki: base64url DER SubjectPublicKeyInfo, nothing after it, an allowed key. */
static int
parse_spki(json_t *v, struct signer_req *r, char *err)
{
	unsigned char		 der[SIGNER_SPKI_MAX];
	const unsigned char	*p = der;
	const char		*s, *why;
	long			 n;

	if (!json_is_string(v)) {
		snprintf(err, SIGNER_ERR_LEN, "spki: required, a base64url string");
		return -1;
	}
	s = json_string_value(v);
	if (strlen(s) > b64url_enclen(sizeof(der))) {
		snprintf(err, SIGNER_ERR_LEN, "spki: longer than %d bytes", SIGNER_SPKI_MAX);
		return -1;
	}
	if ((n = b64url_decode(s, strlen(s), der, sizeof(der))) <= 0) {
		snprintf(err, SIGNER_ERR_LEN, "spki: not base64url");
		return -1;
	}
	if ((r->pkey = d2i_PUBKEY(NULL, &p, n)) == NULL || p != der + n) {
		snprintf(err, SIGNER_ERR_LEN, "spki: not one DER SubjectPublicKeyInfo");
		return -1;
	}
	if ((why = signer_key_problem(r->pkey)) != NULL) {
		snprintf(err, SIGNER_ERR_LEN, "spki: %s", why);
		return -1;
	}
	return 0;
}

/* One SAN at index i: a valid name, not a repeat, no wildcard for QWAC. */
static int
check_san(const struct signer_req *r, size_t i, char *err)
{
	const char	*why = signer_name_problem(r->sans[i]);

	if (why == NULL && r->profile == SIGNER_PROFILE_QWAC && r->sans[i][0] == '*')
		why = "wildcard names are not allowed for QWAC";
	for (size_t j = 0; why == NULL && j < i; j++)
		if (strcmp(r->sans[i], r->sans[j]) == 0)
			why = "duplicate name";
	if (why != NULL) {
		snprintf(err, SIGNER_ERR_LEN, "sans[%zu]: %s", i, why);
		return -1;
	}
	return 0;
}

/* sans: 1..SIGNER_SANS_MAX strings, each checked by check_san. */
static int
parse_sans(json_t *v, struct signer_req *r, char *err)
{
	size_t	 n;

	if (!json_is_array(v) || (n = json_array_size(v)) == 0 || n > SIGNER_SANS_MAX) {
		snprintf(err, SIGNER_ERR_LEN, "sans: must be an array of 1 to %d names", SIGNER_SANS_MAX);
		return -1;
	}
	if ((r->sans = calloc(n, sizeof(*r->sans))) == NULL) {
		snprintf(err, SIGNER_ERR_LEN, "sans: out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s) || json_string_length(s) != strlen(json_string_value(s))) {
			snprintf(err, SIGNER_ERR_LEN, "sans[%zu]: must be a string", i);
			return -1;
		}
		if ((r->sans[i] = strdup(json_string_value(s))) == NULL) {
			snprintf(err, SIGNER_ERR_LEN, "sans: out of memory");
			return -1;
		}
		r->nsans = i + 1;
		if (check_san(r, i, err) == -1)
			return -1;
	}
	return 0;
}

/* Every member is one of req_fields; each found one is stored in f[]. */
static int
collect_fields(json_t *obj, json_t *f[REQ__MAX], char *err)
{
	const char	*key;
	json_t		*v;
	char		 safe[33];
	int		 i;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < REQ__MAX && strcmp(key, req_fields[i]) != 0; i++)
			continue;
		if (i == REQ__MAX) {
			sanitise(key, safe, sizeof(safe));
			snprintf(err, SIGNER_ERR_LEN, "unknown field \"%s\"", safe);
			return -1;
		}
		f[i] = v;
	}
	return 0;
}

/* op must be "sign"; profile one of signer_profile_names. */
static int
parse_op_profile(json_t *op, json_t *profile, struct signer_req *r, char *err)
{
	int	 i;

	if (!json_is_string(op) || strcmp(json_string_value(op), "sign") != 0) {
		snprintf(err, SIGNER_ERR_LEN, "op: required, must be \"sign\"");
		return -1;
	}
	for (i = 0; i < SIGNER_PROFILE__MAX; i++)
		if (json_is_string(profile) && strcmp(json_string_value(profile), signer_profile_names[i]) == 0)
			break;
	if (i == SIGNER_PROFILE__MAX) {
		snprintf(err, SIGNER_ERR_LEN, "profile: required, one of DV, OV, QWAC");
		return -1;
	}
	r->profile = (enum signer_profile)i;
	return 0;
}

/* The request's fields in order; org depends on the profile. */
static int
parse_fields(json_t *f[REQ__MAX], struct signer_req *r, char *err)
{
	if (parse_op_profile(f[REQ_OP], f[REQ_PROFILE], r, err) == -1 ||
	    parse_spki(f[REQ_SPKI], r, err) == -1 ||
	    parse_sans(f[REQ_SANS], r, err) == -1)
		return -1;
	if (r->profile == SIGNER_PROFILE_DV && f[REQ_ORG] != NULL) {
		snprintf(err, SIGNER_ERR_LEN, "org: not allowed for DV");
		return -1;
	}
	if (r->profile != SIGNER_PROFILE_DV && f[REQ_ORG] == NULL) {
		snprintf(err, SIGNER_ERR_LEN, "org: required for %s", signer_profile_names[r->profile]);
		return -1;
	}
	if (f[REQ_ORG] != NULL && parse_org(f[REQ_ORG], r, err) == -1)
		return -1;
	return 0;
}

int
signer_req_parse(const char *msg, size_t len, struct signer_req *out, char *err)
{
	json_t		*root = NULL, *f[REQ__MAX] = { NULL };
	json_error_t	 jerr;
	char		 safe[128];
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > SIGNER_MSG_MAX) {
		snprintf(err, SIGNER_ERR_LEN, "request: must be 1 to %d bytes", SIGNER_MSG_MAX);
		goto out;
	}
	if ((root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		sanitise(jerr.text, safe, sizeof(safe));	/* jansson quotes the input */
		snprintf(err, SIGNER_ERR_LEN, "request: not JSON (%s at byte %d)", safe, jerr.position);
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(err, SIGNER_ERR_LEN, "request: must be a JSON object");
		goto out;
	}
	if (collect_fields(root, f, err) == -1 || parse_fields(f, out, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		signer_req_free(out);
	json_decref(root);
	return rc;
}

void
signer_req_free(struct signer_req *r)
{
	if (r == NULL)
		return;
	EVP_PKEY_free(r->pkey);
	for (size_t i = 0; i < r->nsans; i++)
		free(r->sans[i]);
	free(r->sans);
	free(r->o);
	free(r->l);
	free(r->c);
	memset(r, 0, sizeof(*r));
}
