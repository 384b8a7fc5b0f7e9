/*
 * finalize's CSR checks (RFC 8555 §7.4): the signature over the
 * request, the key (the signer's policy, signer_keys.h), and names
 * exactly equal to the order's identifiers — the SANs, and the CN when
 * present. Only the public key and the names go on to the signer.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "acme/csr.h"
#include "signer/signer_keys.h"

#define CSR_MAX	(16 * 1024)

/* The signer's policy (signer_keys.h): refused here as badCSR, never by the signer as a 500. */
static int
key_ok(EVP_PKEY *pk, const char **why)
{
	const char	*problem = signer_key_problem(pk);

	if (problem != NULL)
		*why = problem;
	return problem == NULL;
}

static int
in_list(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Copy an ASN1 string as a C string, refusing embedded NULs. */
static int
asn1_text(const ASN1_STRING *s, char *out, size_t outsz)
{
	int	 len = ASN1_STRING_length(s);

	if (len <= 0 || (size_t)len >= outsz || memchr(ASN1_STRING_get0_data(s), '\0', (size_t)len))
		return -1;
	memcpy(out, ASN1_STRING_get0_data(s), (size_t)len);
	out[len] = '\0';
	return 0;
}

/* SANs: only dNSNames, each one of the order's names; every name present. */
static int
sans_ok(X509_REQ *req, const char *const *names, size_t n, const char **why)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES	*gens = NULL;
	unsigned char	*seen = calloc(n ? n : 1, 1);
	char		 name[ACME_NAME_MAX + 1];
	int		 ok = 0;

	*why = "the CSR has no subjectAltName extension";
	if (seen == NULL || exts == NULL ||
	    (gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL)) == NULL)
		goto out;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		*why = "the CSR may only name DNS names";
		if (g->type != GEN_DNS)
			goto out;
		*why = "the CSR names a name that is not in the order";
		if (asn1_text(g->d.dNSName, name, sizeof(name)) == -1)
			goto out;
		for (size_t k = 0; k < n; k++)
			if (strcasecmp(name, names[k]) == 0)
				seen[k] = 1;
		if (!in_list(name, names, n))
			goto out;
	}
	*why = "the CSR does not name every identifier of the order";
	for (size_t k = 0; k < n; k++)
		if (!seen[k])
			goto out;
	ok = 1;
out:
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	free(seen);
	return ok;
}

/* A CN, if any, must be one of the order's names. */
static int
cn_ok(X509_REQ *req, const char *const *names, size_t n, const char **why)
{
	X509_NAME	*subj = X509_REQ_get_subject_name(req);
	char		 cn[ACME_NAME_MAX + 1];
	int		 idx = -1;

	while ((idx = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, idx);
		if (asn1_text(X509_NAME_ENTRY_get_data(e), cn, sizeof(cn)) == -1 ||
		    !in_list(cn, names, n)) {
			*why = "the CSR's common name is not one of the order's identifiers";
			return 0;
		}
	}
	return 1;
}

int
csr_check(const unsigned char *der, size_t len, const char *const *names, size_t n,
    unsigned char **spki, size_t *spki_len, const char **why)
{
	const unsigned char	*p = der;
	X509_REQ		*req = NULL;
	EVP_PKEY		*pk;
	int			 rc = -1, l;

	*spki = NULL;
	*why = "the CSR is larger than 16 KiB";
	if (len > CSR_MAX)
		goto out;
	*why = "the CSR is not DER PKCS#10";
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	*why = "the CSR has no usable public key";
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL || !key_ok(pk, why))
		goto out;
	*why = "the CSR's signature does not verify";
	if (X509_REQ_verify(req, pk) != 1)
		goto out;
	if (!sans_ok(req, names, n, why) || !cn_ok(req, names, n, why))
		goto out;
	*why = "cannot encode the public key";
	if ((l = i2d_PUBKEY(pk, spki)) <= 0)
		goto out;
	*spki_len = (size_t)l;
	rc = 0;
out:
	X509_REQ_free(req);
	return rc;
}
