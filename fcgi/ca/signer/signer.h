/*
 * The signer: the only process that reads the issuing CA's private key.
 *
 * Protocol on its unix stream socket (signer_socket in ca.conf): each
 * message is a 4-byte big-endian length then that many bytes of JSON;
 * one request and one answer per connection. Requests:
 *
 *   {"op":"sign","profile":"DV"|"OV"|"QWAC",
 *    "spki":"<base64url DER SubjectPublicKeyInfo>",
 *    "sans":["a.example","*.b.example",…],            (1..100 dNSNames)
 *    "org":{"O":"…","L":"…","C":"FR"}}               (OV and QWAC only)
 *   → {"serial":"<32 hex>","not_before":EPOCH,"not_after":EPOCH,
 *      "cert":"<PEM leaf>","chain":"<PEM issuing CA>"}
 *   → {"error":"<reason>"} when refused
 *
 *   {"op":"crl","revoked":[{"serial":"<hex>","time":EPOCH,"reason":N},…]}
 *   → {"crl":"<base64url DER X509 CRL>","number":N,
 *      "this_update":EPOCH,"next_update":EPOCH}
 *   → {"error":"<reason>"} when refused
 *
 * A crl request must begin with the bytes {"op":"crl", (signer_crl
 * writes op first): only then may it exceed SIGNER_MSG_MAX, up to
 * SIGNER_CRL_MSG_MAX, so a large message is never parsed as a sign
 * request. Entries: serial 1..40 lower-case hex digits, not all zero,
 * time the revocation time (> 0), reason an RFC 5280 CRLReason of 0,
 * 1, 3, 4, 5; at most SIGNER_CRL_ENTRIES_MAX. The CRL (RFC 5280 §5)
 * is v2, issued and signed by the issuing CA (ECDSA SHA-256), with
 * thisUpdate = the signer's clock, nextUpdate = thisUpdate + 1 day +
 * SIGNER_CRL_MARGIN (the daily job republishes well before it lapses),
 * authorityKeyIdentifier = the issuing CA's SKI, cRLNumber from the
 * counter file ca_dir/crlnumber (max(previous + 1, now): monotonic
 * even when the clock is moved back), and per entry the reasonCode
 * extension except for 0 unspecified (RFC 5280 §5.3.1).
 *
 * The web workers parse and check the CSR; the signer receives only
 * the public key and the names, checks them again (key type and size,
 * name syntax, counts, lengths) and builds the certificate from its
 * own profile: validity from its clock (validity_days), a random
 * positive 128-bit serial, CRL distribution point crl_url, AIA issuer
 * URL, policies per profile (DV 2.23.140.1.2.1; OV 2.23.140.1.2.2 with
 * subject O, L, C; QWAC 2.23.140.1.1 + 0.4.0.194112.1.4 and QCStatements
 * QcCompliance + QcType web).
 */
#ifndef CA_SIGNER_H
#define CA_SIGNER_H

#include <stddef.h>
#include <time.h>

#define SIGNER_MSG_MAX		(256 * 1024)		/* sign requests and answers */
#define SIGNER_CRL_MSG_MAX	(64 * 1024 * 1024)	/* crl requests and answers: the frame limit */
#define SIGNER_CRL_ENTRIES_MAX	1000000
#define SIGNER_CRL_SERIAL_MAX	40			/* hex digits: RFC 5280 §4.1.2.2, 20 octets */
#define SIGNER_CRL_MARGIN	(6 * 3600)		/* nextUpdate beyond one day */
#define SIGNER_SANS_MAX		100

struct sign_org {
	const char	*o, *l, *c;
};

struct sign_req {
	const char		*profile;	/* "DV", "OV", "QWAC" */
	const unsigned char	*spki;		/* DER SubjectPublicKeyInfo */
	size_t			 spki_len;
	const char *const	*sans;
	size_t			 nsans;
	struct sign_org		 org;		/* NULLs for DV */
};

struct sign_res {
	char		 serial[33];
	time_t		 not_before, not_after;
	char		*cert_pem;	/* malloc'd */
	char		*chain_pem;	/* malloc'd */
	char		 error[256];	/* set when signer_sign returns 1 */
};

/*
 * Ask the signer at socket path to sign. Returns 0 with res filled,
 * 1 when the signer refused (res->error says why), -1 when the signer
 * could not be reached or answered garbage (logged).
 */
int	signer_sign(const char *path, const struct sign_req *, struct sign_res *res);
void	sign_res_free(struct sign_res *);

struct crl_entry {
	char	 serial[SIGNER_CRL_SERIAL_MAX + 1];	/* lower-case hex */
	time_t	 time;
	int	 reason;
};

/*
 * Ask the signer at path for a CRL listing the n entries. Returns 0
 * with the DER CRL in *der (malloc'd, length *derlen), 1 when the
 * signer refused (err[256] says why), -1 when it could not be reached
 * or answered garbage (logged).
 */
int	signer_crl(const char *path, const struct crl_entry *, size_t n,
	    unsigned char **der, size_t *derlen, char *err);

#endif
