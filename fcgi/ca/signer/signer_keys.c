/* The certificate key policy (signer_keys.h). */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "signer/signer_keys.h"

#define KEY_RSA_MIN_BITS	2048
#define KEY_RSA_MAX_BITS	8192

/* The public-key check: for RSA n odd, not a prime power, no small factor;
 * for EC a point on the curve, not at infinity. */
static int
public_check(EVP_PKEY *pk)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int		 ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static const char *
rsa_problem(EVP_PKEY *pk)
{
	BIGNUM		*e = NULL;
	const char	*why = NULL;
	int		 bits = EVP_PKEY_get_bits(pk);

	if (bits < KEY_RSA_MIN_BITS)
		why = "RSA key shorter than 2048 bits";
	else if (bits > KEY_RSA_MAX_BITS)
		why = "RSA key longer than 8192 bits";
	else if (bits % 8 != 0)
		why = "RSA modulus size is not a multiple of 8 bits";
	else if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    !BN_is_odd(e) || BN_num_bits(e) < 17 || BN_num_bits(e) > 256)
		why = "RSA public exponent must be odd, from 65537 to 2^256";
	else if (!public_check(pk))
		why = "RSA public key fails the public-key check";
	BN_free(e);
	return why;
}

static const char *
ec_problem(EVP_PKEY *pk)
{
	char	 grp[64], enc[32];

	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc),
	    NULL) != 1 || strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return "EC key must name its curve (explicit parameters refused)";
	if (EVP_PKEY_get_group_name(pk, grp, sizeof(grp), NULL) != 1 ||
	    (strcmp(grp, "prime256v1") != 0 && strcmp(grp, "secp384r1") != 0))
		return "EC key must be on P-256 or P-384";
	if (!public_check(pk))
		return "EC public key is not a valid point";
	return NULL;
}

const char *
signer_key_problem(EVP_PKEY *pk)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return rsa_problem(pk);
	case EVP_PKEY_EC:
		return ec_problem(pk);
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return "Ed25519 and Ed448 keys are not allowed in TLS server certificates";
	default:
		return "key type not allowed (RSA 2048..8192 bits, EC P-256 or P-384)";
	}
}
