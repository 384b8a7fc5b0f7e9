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

#define SIGNER_MSG_MAX		(256 * 1024)
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

#endif
