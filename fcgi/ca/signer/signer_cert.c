/*
 * The certificate builder: turns a checked request (signer_req.c) into
 * a leaf signed by the issuing CA, following the profile of signer.h
 * (CA/Browser Forum Baseline Requirements §7.1; ETSI EN 319 412-4/-5
 * for QWAC), and answers the request message in JSON.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "log.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#define SERIAL_BYTES	16	/* 128 bits: BR §7.1 asks for at least 64 from a CSPRNG */
#define CN_MAX		64	/* X.520 ub-common-name */
#define DAY		86400

#define POLICIES_MAX	2

/* Certificate policy OIDs per profile (BR §7.1.6.1; ETSI EN 319 411-2 QEVCP-w). */
static const char *const profile_policies[SIGNER_PROFILE__MAX][POLICIES_MAX] = {
	[SIGNER_PROFILE_DV] = { "2.23.140.1.2.1", NULL },
	[SIGNER_PROFILE_OV] = { "2.23.140.1.2.2", NULL },
	[SIGNER_PROFILE_QWAC] = { "2.23.140.1.1", "0.4.0.194112.1.4" },
};

/*
 * QCStatements (RFC 3739 §3.2.6, ETSI EN 319 412-5 §4.2.1 and §4.2.3),
 * encoded by OpenSSL's ASN1_generate from this description:
 *   SEQUENCE {
 *     SEQUENCE { id-etsi-qcs-QcCompliance }
 *     SEQUENCE { id-etsi-qcs-QcType, SEQUENCE { id-etsi-qct-web } }
 *   }
 * Section entries are encoded in the order written.
 */
static const char qc_conf[] =
	"[qcs]\n"
	"compliance = SEQUENCE:qc_compliance\n"
	"type = SEQUENCE:qc_type\n"
	"[qc_compliance]\n"
	"id = OID:0.4.0.1862.1.1\n"
	"[qc_type]\n"
	"id = OID:0.4.0.1862.1.6\n"
	"types = SEQUENCE:qc_types\n"
	"[qc_types]\n"
	"web = OID:0.4.0.1862.1.6.3\n";

/* Log the callee that failed and OpenSSL's first queued reason. */
static void
ssl_warnx(const char *what)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[256];

	if (e == 0) {
		log_warnx("%s failed", what);
	} else {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
	ERR_clear_error();
}

/* A positive serial of exactly SERIAL_BYTES bytes: top bit clear, first byte non-zero. */
static int
set_serial(X509 *x, char hex[33])
{
	unsigned char	 b[SERIAL_BYTES];
	BIGNUM		*bn = NULL;
	int		 rc = -1;

	do {
		if (RAND_bytes(b, sizeof(b)) != 1) {
			ssl_warnx("RAND_bytes");
			goto out;
		}
		b[0] &= 0x7f;
	} while (b[0] == 0);
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		ssl_warnx("BN_to_ASN1_INTEGER");
		goto out;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

X509 *
signer_x509_new(const X509_NAME *subject, X509 *issuer, EVP_PKEY *pub,
    time_t nb, time_t na, char serial[33])
{
	X509	*x = NULL, *ret = NULL;

	if ((x = X509_new()) == NULL) {
		ssl_warnx("X509_new");
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject) != 1 ||
	    X509_set_pubkey(x, pub) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), na) == NULL) {
		ssl_warnx("X509_set_*");
		goto out;
	}
	if (set_serial(x, serial) == -1)
		goto out;
	ret = x;
	x = NULL;
out:
	X509_free(x);
	return ret;
}

int
signer_x509_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext = NULL;
	int		 rc = -1;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1) {
		ssl_warnx(OBJ_nid2sn(nid));
		goto out;
	}
	rc = 0;
out:
	X509_EXTENSION_free(ext);
	return rc;
}

/* A uniformResourceIdentifier GeneralName for url, or NULL. */
static GENERAL_NAME *
uri_name(const char *url)
{
	GENERAL_NAME	*g = NULL;
	ASN1_IA5STRING	*s = NULL;

	if ((g = GENERAL_NAME_new()) == NULL || (s = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(s, url, (int)strlen(url)) != 1) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	return g;
}

/* Built as structures rather than config text: the URL may hold commas. */
int
signer_x509_crldp(X509 *x, const char *url)
{
	CRL_DIST_POINTS	*dps = NULL;
	DIST_POINT	*dp = NULL;
	GENERAL_NAME	*g = NULL;
	int		 rc = -1;

	if ((dps = sk_DIST_POINT_new_null()) == NULL || (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
	    (dp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    (g = uri_name(url)) == NULL ||
	    sk_GENERAL_NAME_push(dp->distpoint->name.fullname, g) == 0)
		goto out;
	g = NULL;
	dp->distpoint->type = 0;	/* fullName */
	if (sk_DIST_POINT_push(dps, dp) == 0)
		goto out;
	dp = NULL;
	if (X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ssl_warnx("crlDistributionPoints");
	GENERAL_NAME_free(g);
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(dps);
	return rc;
}

/* authorityInfoAccess with one caIssuers URI (RFC 5280 §4.2.2.1). */
static int
add_aia(X509 *x, const char *url)
{
	AUTHORITY_INFO_ACCESS	*aia = NULL;
	ACCESS_DESCRIPTION	*ad = NULL;
	GENERAL_NAME		*g = NULL;
	int			 rc = -1;

	if ((aia = sk_ACCESS_DESCRIPTION_new_null()) == NULL ||
	    (ad = ACCESS_DESCRIPTION_new()) == NULL || (g = uri_name(url)) == NULL)
		goto out;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
	GENERAL_NAME_free(ad->location);
	ad->location = g;
	g = NULL;
	if (sk_ACCESS_DESCRIPTION_push(aia, ad) == 0)
		goto out;
	ad = NULL;
	if (X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ssl_warnx("authorityInfoAccess");
	GENERAL_NAME_free(g);
	ACCESS_DESCRIPTION_free(ad);
	AUTHORITY_INFO_ACCESS_free(aia);
	return rc;
}

/* certificatePolicies: the profile's policy OIDs, no qualifiers (RFC 5280 §4.2.1.4). */
static int
add_policies(X509 *x, enum signer_profile profile)
{
	CERTIFICATEPOLICIES	*pols = NULL;
	POLICYINFO		*pi = NULL;
	const char		*oid;
	int			 rc = -1;

	if ((pols = sk_POLICYINFO_new_null()) == NULL)
		goto out;
	for (size_t i = 0; i < POLICIES_MAX && (oid = profile_policies[profile][i]) != NULL; i++) {
		if ((pi = POLICYINFO_new()) == NULL)
			goto out;
		ASN1_OBJECT_free(pi->policyid);
		if ((pi->policyid = OBJ_txt2obj(oid, 1)) == NULL || sk_POLICYINFO_push(pols, pi) == 0)
			goto out;
		pi = NULL;
	}
	if (X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ssl_warnx("certificatePolicies");
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(pols);
	return rc;
}

/* subjectAltName of dNSNames, critical when the subject is empty (RFC 5280 §4.2.1.6). */
static int
add_sans(X509 *x, const struct signer_req *r, int critical)
{
	GENERAL_NAMES	*gens = NULL;
	GENERAL_NAME	*g = NULL;
	ASN1_IA5STRING	*s = NULL;
	int		 rc = -1;

	if ((gens = GENERAL_NAMES_new()) == NULL)
		goto out;
	for (size_t i = 0; i < r->nsans; i++) {
		if ((g = GENERAL_NAME_new()) == NULL || (s = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(s, r->sans[i], (int)strlen(r->sans[i])) != 1)
			goto out;
		GENERAL_NAME_set0_value(g, GEN_DNS, s);
		s = NULL;
		if (sk_GENERAL_NAME_push(gens, g) == 0)
			goto out;
		g = NULL;
	}
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, critical, X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ssl_warnx("subjectAltName");
	ASN1_IA5STRING_free(s);
	GENERAL_NAME_free(g);
	GENERAL_NAMES_free(gens);
	return rc;
}

/* The QWAC qcStatements extension (non-critical, EN 319 412-5 §4.1). */
static int
add_qc_statements(X509 *x)
{
	CONF		*conf = NULL;
	BIO		*bio = NULL;
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext = NULL;
	long		 eline = 0;
	int		 rc = -1;

	if ((bio = BIO_new_mem_buf(qc_conf, (int)strlen(qc_conf))) == NULL ||
	    (conf = NCONF_new(NULL)) == NULL || NCONF_load_bio(conf, bio, &eline) != 1)
		goto out;
	X509V3_set_ctx(&ctx, NULL, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	if ((ext = X509V3_EXT_nconf_nid(conf, &ctx, NID_qcStatements, "ASN1:SEQUENCE:qcs")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ssl_warnx("qcStatements");
	X509_EXTENSION_free(ext);
	NCONF_free(conf);
	BIO_free(bio);
	return rc;
}

/*
 * The subject: CN is the first SAN that fits in 64 characters (none
 * fits: no CN, as BR §7.1.4.3 allows); OV and QWAC add O, L, C.
 * Returns the name or NULL (logged).
 */
static X509_NAME *
leaf_subject(const struct signer_req *r)
{
	X509_NAME	*n = NULL, *ret = NULL;
	const char	*cn = NULL;

	for (size_t i = 0; i < r->nsans && cn == NULL; i++)
		if (strlen(r->sans[i]) <= CN_MAX)
			cn = r->sans[i];
	if ((n = X509_NAME_new()) == NULL)
		goto out;
	if (r->o != NULL &&
	    (!X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)r->c, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "L", MBSTRING_UTF8, (const unsigned char *)r->l, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)r->o, -1, -1, 0)))
		goto out;
	if (cn != NULL &&
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0))
		goto out;
	ret = n;
	n = NULL;
out:
	if (ret == NULL)
		ssl_warnx("leaf subject");
	X509_NAME_free(n);
	return ret;
}

/* Every extension of the leaf, in the order of signer.h. */
static int
leaf_extensions(const struct signer_ca *ca, const struct signer_req *r, X509 *x, int empty_subject)
{
	const char	*ku = EVP_PKEY_get_base_id(r->pkey) == EVP_PKEY_RSA ?
	    "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature";

	if (signer_x509_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    signer_x509_ext(x, ca->cert, NID_key_usage, ku) == -1 ||
	    signer_x509_ext(x, ca->cert, NID_ext_key_usage, "serverAuth") == -1 ||
	    add_sans(x, r, empty_subject) == -1 ||
	    signer_x509_ext(x, ca->cert, NID_subject_key_identifier, "hash") == -1 ||
	    signer_x509_ext(x, ca->cert, NID_authority_key_identifier, "keyid:always") == -1 ||
	    add_policies(x, r->profile) == -1)
		return -1;
	if (ca->crl_url != NULL && signer_x509_crldp(x, ca->crl_url) == -1)
		return -1;
	if (ca->aia_url != NULL && add_aia(x, ca->aia_url) == -1)
		return -1;
	if (r->profile == SIGNER_PROFILE_QWAC && add_qc_statements(x) == -1)
		return -1;
	return 0;
}

int
signer_cert_issue(const struct signer_ca *ca, const struct signer_req *r, time_t now,
    struct signer_issued *out)
{
	X509_NAME	*subj = NULL;
	X509		*x = NULL;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	out->not_before = now - SIGNER_BACKDATE;
	/* The profile's lifetime when it has its own (issue 17), else the CA's. */
	out->not_after = out->not_before + (time_t)((unsigned int)r->profile < 3 &&
	    ca->profile_days[r->profile] > 0 ? ca->profile_days[r->profile] : ca->validity_days) * DAY;
	if ((subj = leaf_subject(r)) == NULL)
		goto out;
	if ((x = signer_x509_new(subj, ca->cert, r->pkey, out->not_before, out->not_after,
	    out->serial)) == NULL)
		goto out;
	if (leaf_extensions(ca, r, x, X509_NAME_entry_count(subj) == 0) == -1)
		goto out;
	if (X509_sign(x, ca->key, EVP_sha256()) <= 0) {
		ssl_warnx("X509_sign");
		goto out;
	}
	out->cert = x;
	x = NULL;
	rc = 0;
out:
	X509_free(x);
	X509_NAME_free(subj);
	return rc;
}

/* PEM text of x, malloc'd, or NULL. */
static char *
cert_pem(X509 *x)
{
	BIO	*bio = NULL;
	char	*data, *s = NULL;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, x) != 1)
		goto out;
	if ((n = BIO_get_mem_data(bio, &data)) <= 0 || (s = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
out:
	BIO_free(bio);
	return s;
}

/* The success answer of signer.h, or NULL. */
static json_t *
answer_cert(const struct signer_ca *ca, const struct signer_issued *iss)
{
	char	*pem = NULL;
	json_t	*j = NULL;

	if ((pem = cert_pem(iss->cert)) == NULL) {
		ssl_warnx("PEM_write_bio_X509");
		return NULL;
	}
	j = json_pack("{s:s, s:I, s:I, s:s, s:s}", "serial", iss->serial,
	    "not_before", (json_int_t)iss->not_before, "not_after", (json_int_t)iss->not_after,
	    "cert", pem, "chain", ca->chain_pem);
	free(pem);
	return j;
}

char *
signer_handle(const struct signer_ca *ca, const char *msg, size_t len, size_t *outlen)
{
	struct signer_req	 req;
	struct signer_issued	 iss;
	char			 err[SIGNER_ERR_LEN];
	json_t			*ans = NULL;
	char			*out = NULL;

	if (signer_is_crl(msg, len))
		return signer_crl_handle(ca, msg, len, clock_now(), outlen);
	memset(&req, 0, sizeof(req));
	memset(&iss, 0, sizeof(iss));
	if (signer_req_parse(msg, len, &req, err) == -1) {
		log_warnx("refused: %s", err);
		ans = json_pack("{s:s}", "error", err);
	} else if (signer_cert_issue(ca, &req, clock_now(), &iss) == -1) {
		ans = json_pack("{s:s}", "error", "internal error: the signer could not build the certificate");
	} else {
		log_info("issued %s serial %s for %s (%zu name%s)", signer_profile_names[req.profile],
		    iss.serial, req.sans[0], req.nsans, req.nsans == 1 ? "" : "s");
		ans = answer_cert(ca, &iss);
	}
	if (ans != NULL && (out = json_dumps(ans, JSON_COMPACT)) != NULL)
		*outlen = strlen(out);
	json_decref(ans);
	X509_free(iss.cert);
	signer_req_free(&req);
	return out;
}
