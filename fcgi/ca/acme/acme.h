/*
 * The ACME server of the bundled CA (RFC 8555 with External Account
 * Binding): request context, problem types, the SQL table, JWS and
 * EAB verification, identifier allowlists, CSR checks.
 */
#ifndef CA_ACME_H
#define CA_ACME_H

#include <jansson.h>
#include <openssl/evp.h>

#include "ca.h"
#include "db.h"
#include "names.h"
#include "req.h"

#define ACME_IDENTIFIERS_MAX	100
#define ACME_NAME_MAX		253


/* RFC 8555 §6.7 error types (urn:ietf:params:acme:error:<name>). */
enum problem {
	PB_MALFORMED,
	PB_UNAUTHORIZED,
	PB_BAD_NONCE,
	PB_BAD_SIG_ALG,
	PB_BAD_PUBLIC_KEY,
	PB_ACCOUNT_DOES_NOT_EXIST,
	PB_EXTERNAL_ACCOUNT_REQUIRED,
	PB_REJECTED_IDENTIFIER,
	PB_UNSUPPORTED_IDENTIFIER,
	PB_ORDER_NOT_READY,
	PB_BAD_CSR,
	PB_SERVER_INTERNAL,
	PB_BAD_REVOCATION_REASON,
	PB_ALREADY_REVOKED,
	PB_CONFLICT,		/* 409 (key-change onto a key in use) */
	PB_NOT_FOUND,		/* 404 (renewal-info of an unknown certificate) */
	PB__MAX
};

/* ---- SQL (acme_sql.c) ---- */
enum astmt {
	A_NONCE_USE,
	A_NONCE_PURGE,
	A_EAB_BY_KID,
	A_EAB_ACTIVATE,
	A_EAB_INSERT,
	A_EAB_SET_STATUS,
	A_ACCOUNT_BY_THUMB,
	A_ACCOUNT_BY_ID,
	A_ACCOUNT_INSERT,
	A_ACCOUNT_SET_CONTACT,
	A_ACCOUNT_DEACTIVATE,
	A_ACCOUNT_ROLLOVER,
	A_COVERING_DOMAINS,
	A_DOMAIN_UPSERT,
	A_DOMAIN_REMOVE,
	A_DOMAIN_EXPIRE,
	A_ORDER_INSERT,
	A_ORDER_BY_ID,
	A_ORDER_SET_STATUS,
	A_ORDER_FINALIZED,
	A_ORDER_LOCK,
	A_AUTHZS_LOCK,
	A_COVERING_DOMAINS_LOCK,
	A_ORDERS_BY_ACCOUNT,
	A_AUTHZ_INSERT,
	A_AUTHZS_BY_ORDER,
	A_AUTHZ_BY_ID,
	A_AUTHZ_DEACTIVATE,
	A_CHALL_INSERT,
	A_CHALLS_INSERT3,
	A_CHALLS_BY_AUTHZ,
	A_CHALL_BY_ID,
	A_CHALL_QUEUE,
	A_CERT_INSERT,
	A_CERT_BY_ID,
	A_CERT_BY_SERIAL,
	A_KEY_DOMAINS_ALL,
	A__MAX
};
extern const char *const acme_sql[A__MAX];

/* ---- JWS / JWK (jws.c) ---- */

enum jws_alg { JWS_RS256, JWS_ES256, JWS_ES384, JWS_EDDSA, JWS_HS256, JWS_HS384, JWS_HS512, JWS__MAX };

/* A flattened JWS (RFC 7515 §7.2.2) as received, split and decoded. */
struct jws {
	json_t		*protected;	/* decoded header object */
	json_t		*payload;	/* decoded payload (NULL for POST-as-GET "") */
	int		 empty_payload;
	char		*signing_input;	/* protected "." payload, base64url as sent */
	unsigned char	*sig;
	size_t		 siglen;
	enum jws_alg	 alg;
	char		*payload_b64;	/* payload as sent */
};

/*
 * Parse a flattened JWS object. Returns 0, or -1 with *why set to a
 * static reason (malformed input; caller answers malformed). alg must
 * be in the allowlist (RS256, ES256, ES384, EdDSA) unless hmac is set
 * (EAB: HS256/384/512 only); *badalg says the algorithm was refused.
 * Every header member the server reads has its JSON type checked here
 * (alg, nonce, url, kid, typ, cty strings; jwk an object; no crit), so a
 * present member is never NULL to json_string_value.
 */
int	jws_parse(const json_t *obj, int hmac, struct jws *, const char **why, int *badalg);
void	jws_free(struct jws *);
/* Public key from a JWK; NULL with *why for bad or too weak keys. */
EVP_PKEY *jwk_to_pkey(const json_t *jwk, const char **why);
/* The same for a key stored with an account: jwk parsed from text, the key
 * kept per process by text (a new reference each call). */
EVP_PKEY *jwk_text_to_pkey(const char *text, const json_t *jwk, const char **why);
/* Does alg go with this key (RS256↔RSA, ES256↔P-256, ES384↔P-384, EdDSA↔Ed25519)? */
int	jws_alg_matches(enum jws_alg, EVP_PKEY *);
/* 1 if the signature verifies. */
int	jws_verify(const struct jws *, EVP_PKEY *);
int	jws_verify_hmac(const struct jws *, const unsigned char *key, size_t keylen);
/* RFC 7638 thumbprint, base64url SHA-256, into out[44]; -1 on a bad JWK. */
int	jwk_thumbprint(const json_t *jwk, char out[44]);
/* The canonical public JWK (required members only, each decoded and encoded
 * again: minimal RSA octets, fixed-size coordinates), new reference; NULL on
 * a bad JWK. Thumbprints and stored keys come from it. */
json_t	*jwk_canonical(const json_t *jwk);

/* ---- names and allowlists (names.c) ---- */

/* 1 if s is a lower-case DNS name (LDH labels, optional leading "*."). */
int	dns_name_ok(const char *s, int allow_wildcard);
/* 1 if the enrolled domain covers the identifier (see names.c). */
int	domain_covers(const char *enrolled, const char *ident);

/* ---- EAB HMAC keys at rest (eab.c) ---- */
#define EAB_HMAC_LEN	32
#define EAB_SEALED_LEN	(12 + EAB_HMAC_LEN + 16)	/* IV | ciphertext | tag */
/*
 * AES-256-GCM with the kid as additional data, so a sealed key cannot
 * be moved to another kid. Both return 0, or -1 (open: tampered).
 */
int	eab_seal(const unsigned char key[32], const char *kid,
	    const unsigned char plain[EAB_HMAC_LEN], unsigned char out[EAB_SEALED_LEN]);
int	eab_open(const unsigned char key[32], const char *kid,
	    const unsigned char *sealed, size_t n, unsigned char plain[EAB_HMAC_LEN]);

#endif
