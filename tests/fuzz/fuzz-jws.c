/*
 * The JWS and JWK parser of the ACME server (ca/jws.c): a request body as
 * acme_auth loads it, the flattened JWS (account and EAB algorithms), the
 * header's JWK as a key, the signature check and the RFC 7638 thumbprint;
 * and a key-change payload (a JWS inside the JWS).
 */
#include "config.h"

#include <jansson.h>
#include <openssl/evp.h>

#include "acme/acme.h"
#include "fuzz.h"

static void
one(const json_t *body, int hmac)
{
	struct jws	 j;
	const char	*why;
	char		 thumb[44];
	json_t		*jwk, *canon;
	EVP_PKEY	*pk;
	int		 badalg;

	if (jws_parse(body, hmac, &j, &why, &badalg) != 0)
		return;
	if (hmac) {
		static const unsigned char key[32] = { 1, 2, 3 };
		(void)jws_verify_hmac(&j, key, sizeof(key));
	} else if ((jwk = json_object_get(j.protected, "jwk")) != NULL) {
		if ((pk = jwk_to_pkey(jwk, &why)) != NULL) {
			(void)jws_alg_matches(j.alg, pk);
			(void)jws_verify(&j, pk);
			/* A key that parses has one canonical form and a thumbprint. */
			if ((canon = jwk_canonical(jwk)) == NULL || jwk_thumbprint(jwk, thumb) != 0)
				abort();
			json_decref(canon);
			EVP_PKEY_free(pk);
		}
	}
	if (j.payload != NULL && json_is_object(j.payload) && json_object_size(j.payload) == 3)
		one(j.payload, 0);	/* key change: the inner JWS */
	jws_free(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*body;

	if ((body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	one(body, 0);
	one(body, 1);
	if (json_is_object(body))
		one(json_object_get(body, "externalAccountBinding"), 1);
	json_decref(body);
	return 0;
}
