/*
 * The CRL builder of the signer: checks a crl request (signer.h) and
 * answers with a v2 CRL signed by the issuing key (RFC 5280 §5). The
 * request comes from the ACME server or caasctl-ca, which read the
 * revoked serials from the database; the signer trusts none of it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "log.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#define DAY		86400
#define CRL_PREFIX	"{\"op\":\"crl\","
#define CRLNUMBER_FILE	"crlnumber"
#define CRLNUMBER_LEN	32

struct crl_req {
	struct crl_entry	*e;
	size_t			 n;
};

int
signer_is_crl(const char *msg, size_t len)
{
	return len >= strlen(CRL_PREFIX) && memcmp(msg, CRL_PREFIX, strlen(CRL_PREFIX)) == 0;
}

/* 1 for the CRLReason codes revoke.h accepts. */
static int
reason_ok(json_int_t r)
{
	return r == 0 || r == 1 || r == 3 || r == 4 || r == 5;
}

/* 1 if s is 1..SIGNER_CRL_SERIAL_MAX lower-case hex digits, not all zero. */
static int
serial_hex_ok(const char *s)
{
	size_t	 i;
	int	 nonzero = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		nonzero |= s[i] != '0';
	}
	return i >= 1 && i <= SIGNER_CRL_SERIAL_MAX && nonzero;
}

/* One entry {"serial","time","reason"} into e; -1 with err naming entry i. */
static int
parse_entry(json_t *v, size_t i, struct crl_entry *e, char *err)
{
	const char	*serial = NULL;
	json_int_t	 t = 0, reason = -1;

	if (!json_is_object(v) || json_object_size(v) != 3 ||
	    json_unpack(v, "{s:s, s:I, s:I}", "serial", &serial, "time", &t, "reason", &reason) == -1) {
		snprintf(err, SIGNER_ERR_LEN, "revoked[%zu]: must be {serial, time, reason}", i);
		return -1;
	}
	if (!serial_hex_ok(serial)) {
		snprintf(err, SIGNER_ERR_LEN, "revoked[%zu].serial: 1 to %d lower-case hex digits",
		    i, SIGNER_CRL_SERIAL_MAX);
		return -1;
	}
	if (t <= 0 || t > INT64_C(253402300799)) {
		snprintf(err, SIGNER_ERR_LEN, "revoked[%zu].time: a positive epoch before 10000", i);
		return -1;
	}
	if (!reason_ok(reason)) {
		snprintf(err, SIGNER_ERR_LEN, "revoked[%zu].reason: one of 0, 1, 3, 4, 5", i);
		return -1;
	}
	memcpy(e->serial, serial, strlen(serial) + 1);
	e->time = (time_t)t;
	e->reason = (int)reason;
	return 0;
}

/* The request of signer.h into r (free r->e); -1 with err. */
static int
crl_req_parse(const char *msg, size_t len, struct crl_req *r, char *err)
{
	json_t		*root = NULL, *list;
	json_error_t	 jerr;
	size_t		 n;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	if (len > SIGNER_CRL_MSG_MAX) {
		snprintf(err, SIGNER_ERR_LEN, "request: at most %d bytes", SIGNER_CRL_MSG_MAX);
		goto out;
	}
	if ((root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(root)) {
		snprintf(err, SIGNER_ERR_LEN, "request: not a JSON object");
		goto out;
	}
	list = json_object_get(root, "revoked");
	if (json_object_size(root) != 2 || !json_is_array(list)) {
		snprintf(err, SIGNER_ERR_LEN, "request: crl takes exactly op and revoked (an array)");
		goto out;
	}
	if ((n = json_array_size(list)) > SIGNER_CRL_ENTRIES_MAX) {
		snprintf(err, SIGNER_ERR_LEN, "revoked: at most %d entries", SIGNER_CRL_ENTRIES_MAX);
		goto out;
	}
	if (n > 0 && (r->e = calloc(n, sizeof(*r->e))) == NULL) {
		snprintf(err, SIGNER_ERR_LEN, "internal error: out of memory");
		goto out;
	}
	for (r->n = 0; r->n < n; r->n++)
		if (parse_entry(json_array_get(list, r->n), r->n, &r->e[r->n], err) == -1)
			goto out;
	rc = 0;
out:
	if (rc == -1) {
		free(r->e);
		memset(r, 0, sizeof(*r));
	}
	json_decref(root);
	return rc;
}

/*
 * The next cRLNumber: max(previous + 1, now) kept in ca_dir/crlnumber
 * under an exclusive lock, so workers and clock travel never reuse or
 * lower one (RFC 5280 §5.2.3). 0 or -1 (logged).
 */
static int
crl_number_next(const char *dir, time_t now, long long *out)
{
	char		 path[1024], buf[CRLNUMBER_LEN];
	long long	 prev = 0, next;
	ssize_t		 n;
	int		 fd = -1, rc = -1, len;

	if (dir == NULL || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, CRLNUMBER_FILE) >=
	    sizeof(path)) {
		log_warnx("crlnumber: no CA directory");
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 || flock(fd, LOCK_EX) == -1) {
		log_warn("%s", path);
		goto out;
	}
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) == -1) {
		log_warn("%s: read", path);
		goto out;
	}
	buf[n] = '\0';
	if (n > 0 && (sscanf(buf, "%lld", &prev) != 1 || prev < 0)) {
		log_warnx("%s: not a number", path);
		goto out;
	}
	next = prev + 1 > (long long)now ? prev + 1 : (long long)now;
	len = snprintf(buf, sizeof(buf), "%lld\n", next);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len || fsync(fd) == -1) {
		log_warn("%s: write", path);
		goto out;
	}
	*out = next;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* One revoked entry with its reasonCode (none for 0 unspecified). 0 or -1. */
static int
crl_add_entry(X509_CRL *crl, const struct crl_entry *e)
{
	X509_REVOKED	*rev = NULL;
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*sn = NULL;
	ASN1_TIME	*t = NULL;
	ASN1_ENUMERATED	*reason = NULL;
	int		 rc = -1;

	if ((rev = X509_REVOKED_new()) == NULL || BN_hex2bn(&bn, e->serial) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || !X509_REVOKED_set_serialNumber(rev, sn) ||
	    (t = ASN1_TIME_set(NULL, e->time)) == NULL || !X509_REVOKED_set_revocationDate(rev, t))
		goto out;
	if (e->reason != 0 && ((reason = ASN1_ENUMERATED_new()) == NULL ||
	    !ASN1_ENUMERATED_set(reason, e->reason) ||
	    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0)))
		goto out;
	if (!X509_CRL_add0_revoked(crl, rev))
		goto out;
	rev = NULL;
	rc = 0;
out:
	X509_REVOKED_free(rev);
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(reason);
	return rc;
}

/* AKI (the issuing CA's SKI) and cRLNumber, both non-critical. 0 or -1. */
static int
crl_add_extensions(const struct signer_ca *ca, X509_CRL *crl, long long number)
{
	AUTHORITY_KEYID		*akid = NULL;
	ASN1_INTEGER		*num = NULL;
	const ASN1_OCTET_STRING	*ski = X509_get0_subject_key_id(ca->cert);
	int			 rc = -1;

	if (ski == NULL || (akid = AUTHORITY_KEYID_new()) == NULL ||
	    (akid->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
	    !X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0))
		goto out;
	if ((num = ASN1_INTEGER_new()) == NULL || !ASN1_INTEGER_set_int64(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0))
		goto out;
	rc = 0;
out:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	return rc;
}

/* The signed CRL for a checked request at time now, or NULL (logged). */
static X509_CRL *
crl_build(const struct signer_ca *ca, const struct crl_req *r, time_t now, long long number)
{
	X509_CRL	*crl = NULL, *ret = NULL;
	ASN1_TIME	*tu = NULL, *nu = NULL;

	if ((crl = X509_CRL_new()) == NULL || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    (tu = ASN1_TIME_set(NULL, now)) == NULL ||
	    (nu = ASN1_TIME_set(NULL, now + DAY + SIGNER_CRL_MARGIN)) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, tu) || !X509_CRL_set1_nextUpdate(crl, nu))
		goto out;
	for (size_t i = 0; i < r->n; i++)
		if (crl_add_entry(crl, &r->e[i]) == -1)
			goto out;
	if (crl_add_extensions(ca, crl, number) == -1 || !X509_CRL_sort(crl) ||
	    X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		goto out;
	ret = crl;
	crl = NULL;
out:
	if (ret == NULL) {
		unsigned long e = ERR_get_error();
		log_warnx("CRL build: %s", e ? ERR_reason_error_string(e) : "failed");
		ERR_clear_error();
	}
	X509_CRL_free(crl);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	return ret;
}

/* The success answer of signer.h, or NULL. */
static json_t *
answer_crl(X509_CRL *crl, long long number, time_t now)
{
	unsigned char	*der = NULL;
	char		*b64 = NULL;
	json_t		*j = NULL;
	int		 n;

	if ((n = i2d_X509_CRL(crl, &der)) <= 0 ||
	    (b64 = malloc(b64url_enclen((size_t)n) + 1)) == NULL)
		goto out;
	b64url_encode(der, (size_t)n, b64);
	j = json_pack("{s:s, s:I, s:I, s:I}", "crl", b64, "number", (json_int_t)number,
	    "this_update", (json_int_t)now,
	    "next_update", (json_int_t)(now + DAY + SIGNER_CRL_MARGIN));
out:
	OPENSSL_free(der);
	free(b64);
	return j;
}

char *
signer_crl_handle(const struct signer_ca *ca, const char *msg, size_t len, time_t now,
    size_t *outlen)
{
	struct crl_req	 r;
	char		 err[SIGNER_ERR_LEN];
	X509_CRL	*crl = NULL;
	json_t		*ans = NULL;
	char		*out = NULL;
	long long	 number = 0;

	if (crl_req_parse(msg, len, &r, err) == -1) {
		log_warnx("refused: %s", err);
		ans = json_pack("{s:s}", "error", err);
	} else if (crl_number_next(ca->dir, now, &number) == -1 ||
	    (crl = crl_build(ca, &r, now, number)) == NULL) {
		ans = json_pack("{s:s}", "error", "internal error: the signer could not build the CRL");
	} else {
		log_info("CRL %lld signed with %zu entr%s", number, r.n, r.n == 1 ? "y" : "ies");
		ans = answer_crl(crl, number, now);
	}
	if (ans != NULL && (out = json_dumps(ans, JSON_COMPACT)) != NULL)
		*outlen = strlen(out);
	json_decref(ans);
	X509_CRL_free(crl);
	free(r.e);
	return out;
}
