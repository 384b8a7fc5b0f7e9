/*
 * The signer: CA creation, certificate profiles (DV, OV, QWAC), every
 * refusal of the request validator, the client over a real forked
 * server loop, and (when the binary is built) the ca-signer daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "crypto.h"
#include "signer/signer.h"
#include "signer/signer_core.h"
#include "tap.h"

#define NOW		1795910400	/* 2026-11-29T00:00:00Z */
#define CRL_URL		"http://crl.test/issuing.crl"
#define AIA_URL		"http://ca.test/issuing.pem"
#define OID_DV		"2.23.140.1.2.1"
#define OID_OV		"2.23.140.1.2.2"
#define OID_EV		"2.23.140.1.1"
#define OID_QEVCP_W	"0.4.0.194112.1.4"
#define ORG		"{\"O\":\"Example SARL\",\"L\":\"Paris\",\"C\":\"FR\"}"

static char			 tmpdir[] = "/tmp/test-signer.XXXXXX";
static char			 cadir[64];	/* tmpdir/ca, made by signer_ca_create */
static struct signer_ca		 ca;
static X509			*root;
static EVP_PKEY			*k_p256, *k_p384, *k_rsa2048, *k_rsa1024, *k_ed25519;

/*
 * QCStatements DER, written out by hand from EN 319 412-5 so that it
 * checks the builder independently:
 *   30 1f                                  SEQUENCE (31)
 *     30 08 06 06 04 00 8e 46 01 01          QcCompliance 0.4.0.1862.1.1
 *     30 13 06 06 04 00 8e 46 01 06          QcType 0.4.0.1862.1.6
 *           30 09 06 07 04 00 8e 46 01 06 03   { id-etsi-qct-web 0.4.0.1862.1.6.3 }
 */
static const unsigned char qc_der[] = {
	0x30, 0x1f,
	0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x01,
	0x30, 0x13, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x06,
	0x30, 0x09, 0x06, 0x07, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x03,
};

struct answer {
	json_t	*j;
	char	 error[SIGNER_ERR_LEN];	/* "" unless refused */
	X509	*cert;
};

static char *
spki_b64(EVP_PKEY *k)
{
	unsigned char	*der = NULL;
	int		 n = i2d_PUBKEY(k, &der);
	char		*s = malloc(b64url_enclen((size_t)n) + 1);

	b64url_encode(der, (size_t)n, s);
	OPENSSL_free(der);
	return s;
}

/* A request message; org is JSON text or NULL. Caller frees. */
static char *
req_json(const char *profile, EVP_PKEY *k, const char *const *sans, size_t n, const char *org)
{
	json_t	*j, *a = json_array();
	char	*spki = spki_b64(k), *s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(sans[i]));
	j = json_pack("{s:s, s:s, s:s, s:o}", "op", "sign", "profile", profile, "spki", spki, "sans", a);
	if (org != NULL)
		json_object_set_new(j, "org", json_loads(org, 0, NULL));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	free(spki);
	return s;
}

static void
ask(const char *msg, struct answer *a)
{
	size_t		 len = 0;
	char		*out = signer_handle(&ca, msg, strlen(msg), &len);
	const char	*s;
	BIO		*bio;

	memset(a, 0, sizeof(*a));
	a->j = json_loadb(out, len, 0, NULL);
	free(out);
	if (json_unpack(a->j, "{s:s}", "error", &s) == 0) {
		snprintf(a->error, sizeof(a->error), "%s", s);
		return;
	}
	if (json_unpack(a->j, "{s:s}", "cert", &s) == 0 &&
	    (bio = BIO_new_mem_buf(s, -1)) != NULL) {
		a->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
}

static void
answer_free(struct answer *a)
{
	json_decref(a->j);
	X509_free(a->cert);
}

/* Issue with the given request and return the answer (caller frees). */
static void
issue(const char *profile, EVP_PKEY *k, const char *const *sans, size_t n, const char *org,
    struct answer *a)
{
	char	*msg = req_json(profile, k, sans, n, org);

	ask(msg, a);
	free(msg);
}

/* Number of policies in x, and whether oid is one of them. */
static int
policies(X509 *x, const char *oid, int *found)
{
	CERTIFICATEPOLICIES	*p = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	char			 buf[64];
	int			 n = p != NULL ? sk_POLICYINFO_num(p) : 0;

	*found = 0;
	for (int i = 0; i < n; i++) {
		OBJ_obj2txt(buf, sizeof(buf), sk_POLICYINFO_value(p, i)->policyid, 1);
		*found |= strcmp(buf, oid) == 0;
	}
	CERTIFICATEPOLICIES_free(p);
	return n;
}

/* 1 if the dNSNames of x are exactly sans, in order. */
static int
sans_are(X509 *x, const char *const *sans, size_t n)
{
	GENERAL_NAMES	*g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int		 same = g != NULL && (size_t)sk_GENERAL_NAME_num(g) == n;

	for (size_t i = 0; same && i < n; i++) {
		GENERAL_NAME	*gn = sk_GENERAL_NAME_value(g, (int)i);
		same = gn->type == GEN_DNS &&
		    strcmp((const char *)ASN1_STRING_get0_data(gn->d.dNSName), sans[i]) == 0;
	}
	GENERAL_NAMES_free(g);
	return same;
}

static int
critical(X509 *x, int nid)
{
	int	 i = X509_get_ext_by_NID(x, nid, -1);

	return i < 0 ? -1 : X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

/* The first URI of the first CRL distribution point, or "". */
static const char *
crl_uri(X509 *x, char *buf, size_t sz)
{
	CRL_DIST_POINTS	*d = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	GENERAL_NAME	*g;

	buf[0] = '\0';
	if (d != NULL && sk_DIST_POINT_num(d) == 1 && sk_DIST_POINT_value(d, 0)->distpoint != NULL) {
		g = sk_GENERAL_NAME_value(sk_DIST_POINT_value(d, 0)->distpoint->name.fullname, 0);
		if (g != NULL && g->type == GEN_URI)
			snprintf(buf, sz, "%s", (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier));
	}
	CRL_DIST_POINTS_free(d);
	return buf;
}

/* The caIssuers URI of the AIA extension, or "". */
static const char *
aia_uri(X509 *x, char *buf, size_t sz)
{
	AUTHORITY_INFO_ACCESS	*a = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	ACCESS_DESCRIPTION	*ad;

	buf[0] = '\0';
	if (a != NULL && sk_ACCESS_DESCRIPTION_num(a) == 1) {
		ad = sk_ACCESS_DESCRIPTION_value(a, 0);
		if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI)
			snprintf(buf, sz, "%s", (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier));
	}
	AUTHORITY_INFO_ACCESS_free(a);
	return buf;
}

static const char *
subject_field(X509 *x, int nid, char *buf, int sz)
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), nid, buf, sz) < 0)
		buf[0] = '\0';
	return buf;
}

/* 1 if leaf chains to root through the issuing CA for TLS servers, at time NOW. */
static int
verifies(X509 *leaf)
{
	X509_STORE	*st = X509_STORE_new();
	X509_STORE_CTX	*ctx = X509_STORE_CTX_new();
	STACK_OF(X509)	*untrusted = sk_X509_new_null();
	int		 r;

	X509_STORE_add_cert(st, root);
	sk_X509_push(untrusted, ca.cert);
	X509_STORE_CTX_init(ctx, st, leaf, untrusted);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), NOW);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	r = X509_verify_cert(ctx);
	if (r != 1)
		printf("# verify: %s\n", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(st);
	return r == 1;
}

static int
file_mode(const char *name)
{
	char		 path[512];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void
test_ca(void)
{
	char		 path[512];
	FILE		*f;
	X509_NAME	*n;
	char		 buf[128];
	X509		*issuing;

	snprintf(cadir, sizeof(cadir), "%s/ca", tmpdir);
	is_int(signer_ca_create(cadir, CRL_URL, NOW), 0, "--init creates the CA");
	is_int(signer_ca_create(cadir, CRL_URL, NOW), 1, "--init again says the CA already exists");
	is_int(file_mode("ca"), 0700, "CA directory is 0700");
	is_int(file_mode("ca/root.key"), 0600, "root.key is 0600");
	is_int(file_mode("ca/issuing.key"), 0600, "issuing.key is 0600");
	is_int(file_mode("ca/issuing.pem"), 0644, "issuing.pem is 0644");
	snprintf(path, sizeof(path), "%s/root.pem", cadir);
	f = fopen(path, "r");
	root = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	ok(root != NULL, "root.pem is a PEM certificate");
	ok(signer_ca_load(&ca, cadir) == 0, "the issuing CA loads");
	if (root == NULL || ca.cert == NULL)
		exit(tap_done() | 1);
	ca.crl_url = CRL_URL;
	ca.aia_url = AIA_URL;
	ca.validity_days = 90;
	issuing = ca.cert;
	n = X509_get_subject_name(root);
	is_str(X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf)) > 0 ? buf : "",
	    "ACME CaaS Dev Root CA", "root CN");
	ok(X509_check_issued(root, root) == X509_V_OK, "root is self-issued");
	is_str(EVP_PKEY_get0_type_name(X509_get0_pubkey(root)), "EC", "root key is EC");
	is_int(EVP_PKEY_get_bits(X509_get0_pubkey(root)), 384, "root key is P-384");
	is_int(critical(root, NID_basic_constraints), 1, "root basicConstraints is critical");
	is_int(X509_get_key_usage(root), KU_KEY_CERT_SIGN | KU_CRL_SIGN, "root keyUsage keyCertSign+cRLSign");
	is_str(subject_field(issuing, NID_commonName, buf, sizeof(buf)), "ACME CaaS Dev Issuing CA", "issuing CN");
	ok(X509_check_issued(root, issuing) == X509_V_OK, "issuing CA is issued by root");
	is_int(EVP_PKEY_get_bits(X509_get0_pubkey(issuing)), 256, "issuing key is P-256");
	is_int(X509_get_pathlen(issuing), 0, "issuing CA has pathlen 0");
	is_int(X509_get_key_usage(issuing), KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE,
	    "issuing keyUsage keyCertSign+cRLSign+digitalSignature");
	is_str(crl_uri(issuing, buf, sizeof(buf)), CRL_URL, "issuing CA carries the CRL DP");
	ok(X509_get0_authority_key_id(issuing) != NULL && X509_get0_subject_key_id(issuing) != NULL,
	    "issuing CA has SKI and AKI");
	ok(X509_cmp_time(X509_get0_notAfter(root), &(time_t){ NOW + 3650L * 86400 }) > 0,
	    "root is valid for 10 years");
}

static void
test_dv(void)
{
	static const char *const sans[] = { "www.example.com", "*.example.com", "example.com" };
	struct answer	 a;
	json_int_t	 nb = 0, na = 0;
	const char	*serial = "", *chain = "";
	char		 buf[128], hex[33];
	const ASN1_INTEGER *sn;
	int		 found;

	issue("DV", k_p256, sans, 3, NULL, &a);
	is_str(a.error, "", "DV P-256 request is signed");
	if (a.cert == NULL) {
		ok(0, "DV answer holds a certificate");
		answer_free(&a);
		return;
	}
	json_unpack(a.j, "{s:s, s:I, s:I, s:s}", "serial", &serial, "not_before", &nb,
	    "not_after", &na, "chain", &chain);
	is_int(X509_get_version(a.cert), X509_VERSION_3, "DV cert is v3");
	is_int(strlen(serial), 32, "serial is 32 hex characters (128 bits)");
	sn = X509_get0_serialNumber(a.cert);
	for (int i = 0; i < ASN1_STRING_length(sn) && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", ASN1_STRING_get0_data(sn)[i]);
	is_int(ASN1_STRING_length(sn), 16, "serial in the cert is 16 bytes");
	ok(ASN1_STRING_type(sn) == V_ASN1_INTEGER, "serial is positive");
	is_str(hex, serial, "answer serial is the cert serial in lower-case hex");
	is_int(nb, NOW - 60, "notBefore is the pinned clock minus 60 s backdate");
	is_int(na - nb, 90L * 86400, "validity is 90 days");
	ok(ASN1_TIME_cmp_time_t(X509_get0_notBefore(a.cert), (time_t)nb) == 0, "cert notBefore matches answer");
	ok(ASN1_TIME_cmp_time_t(X509_get0_notAfter(a.cert), (time_t)na) == 0, "cert notAfter matches answer");
	ok(sans_are(a.cert, sans, 3), "SAN holds exactly the requested dNSNames");
	is_str(subject_field(a.cert, NID_commonName, buf, sizeof(buf)), "www.example.com", "CN is the first SAN");
	is_str(subject_field(a.cert, NID_organizationName, buf, sizeof(buf)), "", "DV subject has no O");
	ok(!(X509_get_extension_flags(a.cert) & EXFLAG_CA), "basicConstraints CA:FALSE");
	is_int(critical(a.cert, NID_basic_constraints), 1, "basicConstraints is critical");
	is_int(X509_get_key_usage(a.cert), KU_DIGITAL_SIGNATURE, "EC leaf keyUsage is digitalSignature only");
	is_int(critical(a.cert, NID_key_usage), 1, "keyUsage is critical");
	is_int(X509_get_extended_key_usage(a.cert), XKU_SSL_SERVER, "extendedKeyUsage is serverAuth");
	is_int(policies(a.cert, OID_DV, &found), 1, "DV has one policy");
	ok(found, "DV policy is 2.23.140.1.2.1");
	is_str(crl_uri(a.cert, buf, sizeof(buf)), CRL_URL, "CRL distribution point is crl_url");
	is_str(aia_uri(a.cert, buf, sizeof(buf)), AIA_URL, "AIA caIssuers is aia_url");
	ok(X509_get0_subject_key_id(a.cert) != NULL, "leaf has a SKI");
	ok(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(a.cert), X509_get0_subject_key_id(ca.cert)) == 0,
	    "leaf AKI is the issuing CA's SKI");
	is_int(X509_get_ext_by_NID(a.cert, NID_qcStatements, -1), -1, "DV has no qcStatements");
	ok(verifies(a.cert), "DV leaf verifies against issuing + root for serverAuth");
	ok(X509_check_host(a.cert, "foo.example.com", 0, 0, NULL) == 1, "wildcard SAN covers foo.example.com");
	is_str(chain, ca.chain_pem, "chain is the issuing CA PEM");
	answer_free(&a);
}

static void
test_rsa_and_p384(void)
{
	static const char *const sans[] = { "rsa.example.net" };
	struct answer	 a;

	issue("DV", k_rsa2048, sans, 1, NULL, &a);
	is_str(a.error, "", "DV RSA-2048 request is signed");
	ok(a.cert != NULL && X509_get_key_usage(a.cert) == (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT),
	    "RSA leaf keyUsage adds keyEncipherment");
	ok(a.cert != NULL && verifies(a.cert), "RSA leaf verifies");
	answer_free(&a);
	issue("DV", k_p384, sans, 1, NULL, &a);
	is_str(a.error, "", "DV P-384 request is signed");
	answer_free(&a);
}

/* A profile with its own lifetime (issue 17): OV 47 days, DV still validity_days. */
static void
test_profile_days(const char *const *sans)
{
	struct answer	 a;
	json_int_t	 nb = 0, na = 0;

	ca.profile_days[SIGNER_PROFILE_OV] = 47;
	issue("OV", k_p256, sans, 1, ORG, &a);
	json_unpack(a.j, "{s:I, s:I}", "not_before", &nb, "not_after", &na);
	is_int(na - nb, 47L * 86400, "validity_days_ov = 47: the OV leaf lives 47 days");
	answer_free(&a);
	issue("DV", k_p256, sans, 1, NULL, &a);
	json_unpack(a.j, "{s:I, s:I}", "not_before", &nb, "not_after", &na);
	is_int(na - nb, 90L * 86400, "the DV profile keeps validity_days (90)");
	answer_free(&a);
	ca.profile_days[SIGNER_PROFILE_OV] = 0;
}

static void
test_ov(void)
{
	static const char *const sans[] = { "shop.example.fr" };
	struct answer	 a;
	char		 buf[128];
	int		 found;

	issue("OV", k_p256, sans, 1, ORG, &a);
	is_str(a.error, "", "OV request is signed");
	if (a.cert == NULL) {
		answer_free(&a);
		return;
	}
	is_str(subject_field(a.cert, NID_organizationName, buf, sizeof(buf)), "Example SARL", "OV subject O");
	is_str(subject_field(a.cert, NID_localityName, buf, sizeof(buf)), "Paris", "OV subject L");
	is_str(subject_field(a.cert, NID_countryName, buf, sizeof(buf)), "FR", "OV subject C");
	is_str(subject_field(a.cert, NID_commonName, buf, sizeof(buf)), "shop.example.fr", "OV subject CN");
	is_int(policies(a.cert, OID_OV, &found), 1, "OV has one policy");
	ok(found, "OV policy is 2.23.140.1.2.2");
	ok(verifies(a.cert), "OV leaf verifies");
	answer_free(&a);
	test_profile_days(sans);
}

static void
test_qwac(void)
{
	static const char *const sans[] = { "bank.example.eu" };
	struct answer		 a;
	const ASN1_OCTET_STRING	*d;
	int			 found, i;

	issue("QWAC", k_p256, sans, 1, ORG, &a);
	is_str(a.error, "", "QWAC request is signed");
	if (a.cert == NULL) {
		answer_free(&a);
		return;
	}
	is_int(policies(a.cert, OID_EV, &found), 2, "QWAC has two policies");
	ok(found, "QWAC has the EV policy 2.23.140.1.1");
	policies(a.cert, OID_QEVCP_W, &found);
	ok(found, "QWAC has the ETSI QEVCP-w policy 0.4.0.194112.1.4");
	i = X509_get_ext_by_NID(a.cert, NID_qcStatements, -1);
	ok(i >= 0, "QWAC has qcStatements (1.3.6.1.5.5.7.1.3)");
	if (i >= 0) {
		d = X509_EXTENSION_get_data(X509_get_ext(a.cert, i));
		ok(ASN1_STRING_length(d) == (int)sizeof(qc_der) &&
		    memcmp(ASN1_STRING_get0_data(d), qc_der, sizeof(qc_der)) == 0,
		    "qcStatements is QcCompliance + QcType web, byte for byte");
		is_int(critical(a.cert, NID_qcStatements), 0, "qcStatements is not critical");
	}
	ok(verifies(a.cert), "QWAC leaf verifies");
	answer_free(&a);
}

/* The request is refused and the reason contains want. */
static void
refused_msg(const char *msg, const char *want, const char *what)
{
	struct answer	 a;

	ask(msg, &a);
	ok(a.cert == NULL && strstr(a.error, want) != NULL, "refused: %s", what);
	if (strstr(a.error, want) == NULL)
		printf("#   error \"%s\", want \"%s\"\n", a.error, want);
	answer_free(&a);
}

static void
refused(const char *profile, EVP_PKEY *k, const char *const *sans, size_t n, const char *org,
    const char *want, const char *what)
{
	char	*msg = req_json(profile, k, sans, n, org);

	refused_msg(msg, want, what);
	free(msg);
}

static void
test_refusals(void)
{
	static const char *const one[] = { "ok.example.com" };
	static const char *const wild[] = { "*.example.com" };
	static const char *const dup[] = { "a.example.com", "b.example.com", "a.example.com" };
	static const char *const bad[][1] = {
		{ "a..b.example" }, { "-a.example" }, { "a-.example" }, { "A.example" },
		{ "a_b.example" }, { "example" }, { "a.*.example" }, { "*.*.example" },
		{ "example.com." }, { "1.2.3.4" }, { "" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example" },
	};
	static const char *many[SIGNER_SANS_MAX + 1];
	static char names[SIGNER_SANS_MAX + 1][32];
	char	 long_name[300], *msg;

	refused("DV", k_rsa1024, one, 1, NULL, "shorter than 2048", "RSA 1024 key");
	refused("DV", k_ed25519, one, 1, NULL, "Ed25519", "Ed25519 key");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused("DV", k_p256, bad[i], 1, NULL, "sans[0]", bad[i][0]);
	memset(long_name, 'a', sizeof(long_name));
	for (int i = 60; i < 260; i += 60)
		long_name[i] = '.';
	memcpy(long_name + 254, ".com", 5);	/* 258 characters in labels of <= 63 */
	{
		const char *const ln[] = { long_name };
		refused("DV", k_p256, ln, 1, NULL, "longer than 253", "name longer than 253 characters");
	}
	refused("QWAC", k_p256, wild, 1, ORG, "wildcard names are not allowed for QWAC", "wildcard in QWAC");
	refused("DV", k_p256, one, 1, ORG, "org: not allowed for DV", "DV with org");
	refused("OV", k_p256, one, 1, NULL, "org: required for OV", "OV without org");
	refused("QWAC", k_p256, one, 1, NULL, "org: required for QWAC", "QWAC without org");
	refused("OV", k_p256, one, 1, "{\"O\":\"X\",\"L\":\"Y\"}", "org.C", "org without C");
	refused("OV", k_p256, one, 1, "{\"O\":\"X\",\"L\":\"Y\",\"C\":\"fr\"}", "org.C", "lower-case country");
	refused("OV", k_p256, one, 1, "{\"O\":\"X\",\"L\":\"Y\",\"C\":\"FRA\"}", "org.C", "three-letter country");
	refused("OV", k_p256, one, 1, "{\"O\":\"\",\"L\":\"Y\",\"C\":\"FR\"}", "org.O", "empty O");
	refused("OV", k_p256, one, 1,
	    "{\"O\":\"0123456789012345678901234567890123456789012345678901234567890123x\",\"L\":\"Y\",\"C\":\"FR\"}",
	    "org.O", "O of 65 characters");
	refused("OV", k_p256, one, 1, "{\"O\":\"X\",\"L\":\"Y\",\"C\":\"FR\",\"ST\":\"Z\"}", "org: unknown field",
	    "unknown org field");
	for (int i = 0; i <= SIGNER_SANS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d.example.com", i);
		many[i] = names[i];
	}
	refused("DV", k_p256, many, SIGNER_SANS_MAX + 1, NULL, "sans: must be an array of 1 to 100", "101 SANs");
	refused("DV", k_p256, many, 0, NULL, "sans: must be an array of 1 to 100", "no SANs");
	refused("DV", k_p256, dup, 3, NULL, "sans[2]: duplicate", "duplicate SAN");
	refused("EV", k_p256, one, 1, NULL, "profile", "unknown profile");
	refused_msg("{\"op\":\"sign\",", "request: not JSON", "bad JSON");
	refused_msg("[1,2]", "request: must be a JSON object", "JSON array");
	refused_msg("{\"op\":\"sign\",\"op\":\"sign\"}", "request: not JSON", "duplicate member");
	refused_msg("{\"op\":\"revoke\",\"profile\":\"DV\"}", "op:", "unknown op");
	refused_msg("{\"op\":\"sign\",\"profile\":\"DV\",\"spki\":\"!!\",\"sans\":[\"a.example\"]}",
	    "spki: not base64url", "spki not base64url");
	refused_msg("{\"op\":\"sign\",\"profile\":\"DV\",\"spki\":\"AAAA\",\"sans\":[\"a.example\"]}",
	    "spki: not one DER", "spki not DER");
	msg = req_json("DV", k_p256, one, 1, NULL);
	memcpy(strstr(msg, "\"op\""), "\"xp\"", 4);
	refused_msg(msg, "unknown field \"xp\"", "unknown field");
	free(msg);
}

static void
test_names(void)
{
	ok(signer_name_problem("xn--bcher-kva.example") == NULL, "IDN A-label accepted");
	ok(signer_name_problem("*.a.b.example") == NULL, "wildcard first label accepted");
	ok(signer_name_problem("a1-b.example") == NULL, "inner hyphen and digits accepted");
	is_str(signer_name_problem("a..b"), "empty label", "a..b: empty label");
	is_str(signer_name_problem("-a.example"), "label starts or ends with a hyphen", "-a.example: leading hyphen");
	is_str(signer_name_problem("A.example"), "upper-case letter (names must be lower case)", "A.example: upper case");
}

/* A listening unix socket at dir/name (non-blocking, as the daemon's). */
static int
listen_at(const char *name, char *path, size_t sz)
{
	struct sockaddr_un	 sun;
	int			 fd;

	snprintf(path, sz, "%s/%s", tmpdir, name);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 || listen(fd, 8) == -1)
		return -1;
	return fd;
}

static int
connect_raw(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { .tv_sec = 10 };
	int			 fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A DER SPKI of k in a malloc'd buffer. */
static unsigned char *
spki_der(EVP_PKEY *k, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n = i2d_PUBKEY(k, &der);

	*len = (size_t)n;
	return der;
}

/* The DER CRL of a crl answer, parsed; NULL if there is none. */
static X509_CRL *
crl_of(const char *msg, long long *number)
{
	struct answer	 a;
	const char	*b64 = NULL;
	unsigned char	*der = NULL;
	const unsigned char *p;
	json_int_t	 num = 0;
	long		 n;
	X509_CRL	*crl = NULL;

	ask(msg, &a);
	if (json_unpack(a.j, "{s:s, s:I}", "crl", &b64, "number", &num) == 0 &&
	    (der = malloc(strlen(b64))) != NULL &&
	    (n = b64url_decode(b64, strlen(b64), der, strlen(b64))) > 0) {
		p = der;
		crl = d2i_X509_CRL(NULL, &p, n);
	}
	*number = num;
	free(der);
	answer_free(&a);
	return crl;
}

/* The reasonCode of the entry with serial hex in crl: -1 absent, -2 no such entry. */
static int
crl_reason(X509_CRL *crl, const char *hex)
{
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*sn = NULL;
	X509_REVOKED	*rev = NULL;
	ASN1_ENUMERATED	*e;
	int		 r = -2;

	if (BN_hex2bn(&bn, hex) == 0 || (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_CRL_get0_by_serial(crl, &rev, sn) != 1)
		goto out;
	e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
	r = e == NULL ? -1 : (int)ASN1_ENUMERATED_get(e);
	ASN1_ENUMERATED_free(e);
out:
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	return r;
}

#define S1	"7a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define S2	"00ff"
#define S3	"0123456789abcdef0123456789abcdef01234567"

static void
test_crl(void)
{
	char		 msg[512];
	X509_CRL	*crl, *crl2;
	long long	 num = 0, num2 = 0;
	AUTHORITY_KEYID	*akid;
	ASN1_INTEGER	*cn;
	struct answer	 a;

	snprintf(msg, sizeof(msg), "{\"op\":\"crl\",\"revoked\":["
	    "{\"serial\":\"" S1 "\",\"time\":%lld,\"reason\":1},"
	    "{\"serial\":\"" S2 "\",\"time\":%lld,\"reason\":0},"
	    "{\"serial\":\"" S3 "\",\"time\":%lld,\"reason\":5}]}",
	    (long long)NOW - 300, (long long)NOW - 200, (long long)NOW - 100);
	crl = crl_of(msg, &num);
	ok(crl != NULL, "crl: the answer is a DER CRL");
	if (crl == NULL)
		return;
	is_int(X509_CRL_get_version(crl), X509_CRL_VERSION_2, "crl: v2");
	is_int(X509_CRL_verify(crl, X509_get0_pubkey(ca.cert)), 1, "crl: signed by the issuing key");
	is_int(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca.cert)), 0,
	    "crl: issuer is the issuing CA");
	is_int(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), NOW), 0, "crl: thisUpdate is now");
	is_int(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), NOW + 86400 + SIGNER_CRL_MARGIN), 0,
	    "crl: nextUpdate is a day and the margin later");
	is_int(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3, "crl: three entries");
	is_int(crl_reason(crl, S1), 1, "crl: keyCompromise entry has reasonCode 1");
	is_int(crl_reason(crl, S2), -1, "crl: unspecified entry has no reasonCode");
	is_int(crl_reason(crl, S3), 5, "crl: 20-byte serial entry has reasonCode 5");
	is_int(crl_reason(crl, "1234"), -2, "crl: an unlisted serial is not revoked");
	akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
	ok(akid != NULL && akid->keyid != NULL &&
	    ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(ca.cert)) == 0,
	    "crl: AKI is the issuing CA's SKI");
	AUTHORITY_KEYID_free(akid);
	cn = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	ok(cn != NULL && ASN1_INTEGER_get(cn) == num && num >= NOW, "crl: cRLNumber %lld", num);
	ASN1_INTEGER_free(cn);
	X509_CRL_free(crl);

	clock_set(NOW - 86400);
	crl2 = crl_of("{\"op\":\"crl\",\"revoked\":[]}", &num2);
	clock_set(NOW);
	ok(crl2 != NULL && sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl2)) <= 0,
	    "crl: an empty CRL is signed");
	ok(num2 > num, "crl: cRLNumber grows even when the clock goes back (%lld > %lld)", num2, num);
	X509_CRL_free(crl2);

	static const char *const bad[][2] = {
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"ab\",\"time\":1,\"reason\":2}]}", "revoked[0].reason" },
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"AB\",\"time\":1,\"reason\":0}]}", "revoked[0].serial" },
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"" S3 "0\",\"time\":1,\"reason\":0}]}", "revoked[0].serial" },
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"00\",\"time\":1,\"reason\":0}]}", "revoked[0].serial" },
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"ab\",\"time\":0,\"reason\":0}]}", "revoked[0].time" },
		{ "{\"op\":\"crl\",\"revoked\":[{\"serial\":\"ab\",\"time\":1}]}", "revoked[0]:" },
		{ "{\"op\":\"crl\",\"revoked\":{}}", "request:" },
		{ "{\"op\":\"crl\",\"revoked\":[],\"x\":1}", "request:" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ask(bad[i][0], &a);
		ok(strncmp(a.error, bad[i][1], strlen(bad[i][1])) == 0, "crl refused: %s (%s)",
		    bad[i][1], a.error);
		answer_free(&a);
	}
}

/* A CRL through signer_crl at path. */
static void
test_crl_client(const char *path)
{
	struct crl_entry e[2] = { { S1, NOW - 10, 4 }, { S2, NOW - 5, 3 } };
	unsigned char	*der = NULL;
	const unsigned char *p;
	size_t		 len = 0;
	char		 err[256];
	X509_CRL	*crl = NULL;

	is_int(signer_crl(path, e, 2, &der, &len, err), 0, "signer_crl gets a CRL");
	p = der;
	ok(der != NULL && (crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL,
	    "signer_crl: the CRL parses");
	ok(crl != NULL && crl_reason(crl, S1) == 4 && crl_reason(crl, S2) == 3,
	    "signer_crl: both entries with their reasons");
	X509_CRL_free(crl);
	free(der);
	e[0].reason = 2;
	is_int(signer_crl(path, e, 2, &der, &len, err), 1, "signer_crl: a refusal returns 1");
	ok(strncmp(err, "revoked[0].reason", 17) == 0, "signer_crl: with the reason (%s)", err);
}

/* Issue and refuse through signer_sign at path; the chain must be want_chain. */
static void
test_client(const char *path, const char *label, const char *want_chain)
{
	static const char *const sans[] = { "client.example.org" };
	struct sign_req	 req = { .profile = "DV", .sans = sans, .nsans = 1 };
	struct sign_res	 res;
	unsigned char	*der;

	der = spki_der(k_p256, &req.spki_len);
	req.spki = der;
	is_int(signer_sign(path, &req, &res), 0, "%s: signer_sign issues a DV cert", label);
	is_int(strlen(res.serial), 32, "%s: answer has a 32-hex serial", label);
	is_int(res.not_after - res.not_before, 90L * 86400, "%s: 90-day validity", label);
	ok(res.cert_pem != NULL && strncmp(res.cert_pem, "-----BEGIN CERTIFICATE-----", 27) == 0,
	    "%s: cert is PEM", label);
	is_str(res.chain_pem, want_chain, "%s: chain is the issuing CA", label);
	sign_res_free(&res);
	req.profile = "OV";
	is_int(signer_sign(path, &req, &res), 1, "%s: a refusal returns 1", label);
	is_str(res.error, "org: required for OV", "%s: refusal carries the signer's reason", label);
	sign_res_free(&res);
	OPENSSL_free(der);
}

static void
test_server(void)
{
	char		 path[100], b;
	int		 lfd, slow, big, status = -1;
	pid_t		 pid;
	long long	 t0;
	struct sign_res	 res;
	struct sign_req	 req = { .profile = "DV" };

	lfd = listen_at("s.sock", path, sizeof(path));
	ok(lfd != -1, "test socket listens");
	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(signer_serve(&ca, lfd, 2) == 0 ? 0 : 1);
	close(lfd);
	test_client(path, "forked server", ca.chain_pem);
	test_crl_client(path);

	slow = connect_raw(path);
	t0 = signer_mono_ms();
	test_client(path, "with a silent client connected", ca.chain_pem);
	ok(signer_mono_ms() - t0 < 2000, "a silent client does not block others");
	ok(recv(slow, &b, 1, 0) == 0, "the silent client is dropped");
	t0 = signer_mono_ms() - t0;
	ok(t0 >= 4000 && t0 < 8000, "after the 5 s I/O timeout (%lld ms)", t0);
	close(slow);

	big = connect_raw(path);
	send(big, "\xff\xff\xff\xff", 4, 0);
	ok(recv(big, &b, 1, 0) == 0, "an oversized length prefix gets the connection closed");
	close(big);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server stops cleanly on SIGTERM");
	is_int(signer_sign(path, &req, &res), -1, "signer_sign returns -1 when nobody listens");
}

/*
 * As uid, ask a signer that serves clients[0..n) for a DV certificate:
 * signer_sign's answer (0 issued, 1 refused, -1 no answer), or -2 when the
 * test itself could not run.
 */
static int
sign_as(uid_t uid, const uid_t *clients, size_t n)
{
	static const char *const sans[] = { "peer.example.org" };
	struct sign_req	 req = { .profile = "DV", .sans = sans, .nsans = 1 };
	struct sign_res	 res;
	char		 path[100];
	int		 lfd, status = -1, rc = -2;
	pid_t		 srv, cli;

	if ((lfd = listen_at("peer.sock", path, sizeof(path))) == -1 || chmod(path, 0666) == -1)
		return -2;
	if (n > 0)	/* clients may be NULL for none */
		memcpy(ca.clients, clients, n * sizeof(*clients));
	ca.nclients = n;
	fflush(stdout);
	if ((srv = fork()) == 0)
		_exit(signer_serve(&ca, lfd, 1) == 0 ? 0 : 1);
	close(lfd);
	if ((cli = fork()) == 0) {
		unsigned char *der;

		/* Only the socket's peer credentials may stop this one. */
		if (setgid(uid) == -1 || setuid(uid) == -1)
			_exit(100);
		der = spki_der(k_p256, &req.spki_len);
		req.spki = der;
		rc = signer_sign(path, &req, &res);
		_exit(rc + 10);
	}
	if (waitpid(cli, &status, 0) == cli && WIFEXITED(status) && WEXITSTATUS(status) != 100)
		rc = WEXITSTATUS(status) - 10;
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
	ca.nclients = 0;
	unlink(path);
	return rc;
}

/* SO_PEERCRED: root, the signer's user and signer_clients only (signer_peer_allowed). */
static void
test_peercred(void)
{
	struct passwd	*pw = getpwnam("nobody");
	uid_t		 nobody = pw != NULL ? pw->pw_uid : 65534, other = nobody - 1;

	if (geteuid() != 0) {
		printf("# not root: SO_PEERCRED tests need to change uid, skipped\n");
		return;
	}
	is_int(sign_as(nobody, NULL, 0), -1,
	    "peer check: a user not in signer_clients gets no answer, even with the socket open to all");
	is_int(sign_as(nobody, &other, 1), -1, "peer check: nor when another user is listed");
	is_int(sign_as(nobody, &nobody, 1), 0, "peer check: a user listed in signer_clients is served");
	is_int(sign_as(0, NULL, 0), 0, "peer check: root is served");
}

/* Run the built ca-signer with conf and args; its exit status, stdout in out. */
static int
run_signer(const char *bin, const char *conf, const char *arg, char *out, size_t outsz)
{
	int	 p[2], status = -1;
	ssize_t	 n;
	pid_t	 pid;

	if (pipe(p) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(bin, "ca-signer", "-f", conf, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_daemon(void)
{
	const char	*bin = getenv("CA_SIGNER");
	char		 conf[512], sock[512], pidf[512], eab[512], out[512], chain[4096];
	FILE		*f;
	pid_t		 pid;
	int		 status = -1, i;
	struct stat	 st;

	if (bin == NULL)
		bin = "fcgi/ca/ca-signer";
	if (access(bin, X_OK) == -1) {
		printf("# %s not built: daemon tests skipped\n", bin);
		return;
	}
	snprintf(conf, sizeof(conf), "%s/ca.conf", tmpdir);
	snprintf(sock, sizeof(sock), "%s/d.sock", tmpdir);
	snprintf(pidf, sizeof(pidf), "%s/d.pid", tmpdir);
	snprintf(eab, sizeof(eab), "%s/eab.key", tmpdir);
	f = fopen(eab, "w");
	fprintf(f, "%064d\n", 0);
	fclose(f);
	f = fopen(conf, "w");
	fprintf(f, "base_url = https://ca.test\neab_key_file = %s\nlog_level = warn\n"
	    "signer_socket = %s\nsigner_pidfile = %s\nca_dir = %s/ca2\ncrl_url = %s\n",
	    eab, sock, pidf, tmpdir, CRL_URL);
	fclose(f);
	is_int(run_signer(bin, conf, "--init", out, sizeof(out)), 0, "ca-signer --init exits 0");
	is_int(file_mode("ca2/issuing.key"), 0600, "ca-signer --init wrote issuing.key 0600");
	is_int(run_signer(bin, conf, "--init", out, sizeof(out)), 0, "ca-signer --init again exits 0");
	is_str(out, "CA already initialised\n", "and says the CA is already initialised");

	fflush(stdout);
	if ((pid = fork()) == 0) {
		execl(bin, "ca-signer", "-f", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && stat(sock, &st) == -1; i++)
		usleep(50000);
	ok(i < 100 && S_ISSOCK(st.st_mode), "daemon creates its socket");
	is_int(st.st_mode & 0777, 0660, "socket mode is 0660");
	ok(stat(pidf, &st) == 0, "daemon writes its pidfile");
	snprintf(out, sizeof(out), "%s/ca2/issuing.pem", tmpdir);
	f = fopen(out, "r");
	memset(chain, 0, sizeof(chain));
	if (f != NULL) {
		if (fread(chain, 1, sizeof(chain) - 1, f) == 0)
			chain[0] = '\0';
		fclose(f);
	}
	test_client(sock, "ca-signer daemon", chain);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon exits 0 on SIGTERM");
	ok(stat(sock, &st) == -1 && stat(pidf, &st) == -1, "daemon removes socket and pidfile");
}

static void
cleanup(void)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) == -1) {
		perror("mkdtemp");
		return 1;
	}
	clock_set(NOW);
	k_p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k_p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k_rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k_rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k_ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ok(k_p256 && k_p384 && k_rsa2048 && k_rsa1024 && k_ed25519, "test keys generated");

	test_ca();
	test_dv();
	test_rsa_and_p384();
	test_ov();
	test_qwac();
	test_names();
	test_refusals();
	test_crl();
	test_server();
	test_peercred();
	test_daemon();

	signer_ca_free(&ca);
	X509_free(root);
	EVP_PKEY_free(k_p256);
	EVP_PKEY_free(k_p384);
	EVP_PKEY_free(k_rsa2048);
	EVP_PKEY_free(k_rsa1024);
	EVP_PKEY_free(k_ed25519);
	cleanup();
	return tap_done();
}
