/*
 * JWS verification for ACME (RFC 8555 §6.2, RFC 7515, RFC 7518) over
 * OpenSSL 3: flattened JSON serialisation only, an algorithm allowlist,
 * public keys built from JWKs (RFC 7517/7518 §6, RFC 8037), ECDSA
 * signatures converted from the JOSE r||s form, RFC 7638 thumbprints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include "acme/acme.h"
#include "crypto.h"

#define JWS_PART_MAX	(64 * 1024)
#define RSA_MIN_BITS	2048
#define RSA_MAX_BITS	8192

static const struct {
	const char	*name;
	int		 hmac;
} algs[JWS__MAX] = {
	[JWS_RS256] = { "RS256", 0 },
	[JWS_ES256] = { "ES256", 0 },
	[JWS_ES384] = { "ES384", 0 },
	[JWS_EDDSA] = { "EdDSA", 0 },
	[JWS_HS256] = { "HS256", 1 },
	[JWS_HS384] = { "HS384", 1 },
	[JWS_HS512] = { "HS512", 1 },
};

void
jws_free(struct jws *j)
{
	json_decref(j->protected);
	json_decref(j->payload);
	free(j->signing_input);
	free(j->sig);
	free(j->payload_b64);
	memset(j, 0, sizeof(*j));
}

/* Decode base64url text into a fresh buffer; NULL on bad input. */
static unsigned char *
b64_dup(const char *s, size_t *outlen)
{
	size_t		 n = strlen(s), cap = n * 3 / 4 + 3;
	unsigned char	*out;
	long		 got;

	if (n > JWS_PART_MAX || (out = malloc(cap + 1)) == NULL)
		return NULL;
	if ((got = b64url_decode(s, n, out, cap)) < 0) {
		free(out);
		return NULL;
	}
	out[got] = '\0';
	*outlen = (size_t)got;
	return out;
}

static json_t *
b64_json(const char *s)
{
	unsigned char	*raw;
	size_t		 n;
	json_t		*j;

	if ((raw = b64_dup(s, &n)) == NULL)
		return NULL;
	j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	return j;
}

/*
 * RFC 7515 §4.1, RFC 8555 §6.2: the header members this server reads, each
 * with the one JSON type it may have. They are checked here, once, so that
 * no caller ever sees a "kid" that is null or a number (json_string_value
 * would make it NULL, indistinguishable from an absent member).
 */
static const struct {
	const char	*name;
	json_type	 type;
} header_members[] = {
	{ "alg", JSON_STRING },
	{ "nonce", JSON_STRING },
	{ "url", JSON_STRING },
	{ "kid", JSON_STRING },
	{ "jwk", JSON_OBJECT },
	{ "typ", JSON_STRING },
	{ "cty", JSON_STRING },
};

/* 0 if every known member has its type and nothing is critical; else -1, *why. */
static int
header_types_ok(const json_t *prot, const char **why)
{
	const json_t	*v;

	for (size_t i = 0; i < sizeof(header_members) / sizeof(header_members[0]); i++) {
		if ((v = json_object_get(prot, header_members[i].name)) == NULL)
			continue;
		if (json_typeof(v) != header_members[i].type) {
			*why = header_members[i].type == JSON_OBJECT ?
			    "the protected header member jwk must be an object" :
			    "the protected header members alg, nonce, url, kid, typ and cty "
			    "must be strings";
			return -1;
		}
	}
	/* §4.1.11: an extension we do not implement must not be ignored. */
	if (json_object_get(prot, "crit") != NULL) {
		*why = "no critical header extension is supported";
		return -1;
	}
	return 0;
}

int
jws_parse(const json_t *obj, int hmac, struct jws *j, const char **why, int *badalg)
{
	const char	*prot, *pay, *sig, *alg;
	size_t		 n;
	int		 i;

	memset(j, 0, sizeof(*j));
	*badalg = 0;
	*why = "the body is not a flattened JWS";
	if (!json_is_object(obj) || json_object_size(obj) != 3)
		return -1;
	prot = json_string_value(json_object_get(obj, "protected"));
	pay = json_string_value(json_object_get(obj, "payload"));
	sig = json_string_value(json_object_get(obj, "signature"));
	if (prot == NULL || pay == NULL || sig == NULL)
		return -1;
	*why = "the protected header is not base64url JSON";
	if ((j->protected = b64_json(prot)) == NULL || !json_is_object(j->protected))
		goto fail;
	if (header_types_ok(j->protected, why) != 0)
		goto fail;
	if (*pay == '\0')
		j->empty_payload = 1;
	else if ((j->payload = b64_json(pay)) == NULL) {
		*why = "the payload is not base64url JSON";
		goto fail;
	}
	*why = "the signature is not base64url";
	if ((j->sig = b64_dup(sig, &j->siglen)) == NULL)
		goto fail;
	*why = "the protected header has no alg";
	if ((alg = json_string_value(json_object_get(j->protected, "alg"))) == NULL)
		goto fail;
	for (i = 0; i < JWS__MAX; i++)
		if (strcmp(alg, algs[i].name) == 0 && algs[i].hmac == hmac)
			break;
	if (i == JWS__MAX) {
		*why = hmac ? "the external account binding must use HS256, HS384 or HS512" :
		    "supported algorithms are RS256, ES256, ES384 and EdDSA";
		*badalg = 1;
		goto fail;
	}
	j->alg = (enum jws_alg)i;
	n = strlen(prot) + 1 + strlen(pay);
	if ((j->signing_input = malloc(n + 1)) == NULL ||
	    (j->payload_b64 = strdup(pay)) == NULL)
		goto fail;
	snprintf(j->signing_input, n + 1, "%s.%s", prot, pay);
	return 0;
fail:
	jws_free(j);
	return -1;
}

static BIGNUM *
b64_bn(const json_t *jwk, const char *member, size_t *bytes)
{
	const char	*s = json_string_value(json_object_get(jwk, member));
	unsigned char	*raw;
	size_t		 n;
	BIGNUM		*bn;

	if (s == NULL || (raw = b64_dup(s, &n)) == NULL)
		return NULL;
	bn = BN_bin2bn(raw, (int)n, NULL);
	if (bytes != NULL)
		*bytes = n;
	free(raw);
	return bn;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM	*params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY	*pk = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *
rsa_key(const json_t *jwk, const char **why)
{
	BIGNUM		*n = b64_bn(jwk, "n", NULL), *e = b64_bn(jwk, "e", NULL);
	OSSL_PARAM_BLD	*bld = OSSL_PARAM_BLD_new();
	EVP_PKEY	*pk = NULL;

	*why = "the RSA key needs n and e";
	if (n == NULL || e == NULL || bld == NULL)
		goto out;
	*why = "RSA keys must have 2048 to 8192 bits";
	if (BN_num_bits(n) < RSA_MIN_BITS || BN_num_bits(n) > RSA_MAX_BITS)
		goto out;
	/* e = 1 makes every message its own signature, no private key needed;
	 * an even or small e is no RSA key either (Boulder's goodkey rules). */
	*why = "the RSA public exponent must be odd and at least 65537";
	if (!BN_is_odd(e) || BN_num_bits(e) < 17 || BN_num_bits(e) > 64)
		goto out;
	*why = "bad RSA key";
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out;
	if ((pk = pkey_fromdata("RSA", bld)) != NULL) {
		/* fromdata checks nothing: n odd, composite, no small factors. */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
		if (c == NULL || EVP_PKEY_public_check(c) != 1) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
		EVP_PKEY_CTX_free(c);
	}
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
ec_key(const json_t *jwk, const char **why)
{
	const char	*crv = json_string_value(json_object_get(jwk, "crv"));
	const char	*group;
	unsigned char	 point[1 + 2 * 66], *x = NULL, *y = NULL;
	size_t		 xl = 0, yl = 0, size;
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pk = NULL;

	*why = "EC keys must be on P-256 or P-384";
	if (crv != NULL && strcmp(crv, "P-256") == 0) {
		group = "prime256v1";
		size = 32;
	} else if (crv != NULL && strcmp(crv, "P-384") == 0) {
		group = "secp384r1";
		size = 48;
	} else
		return NULL;
	*why = "the EC key needs x and y of the curve's size";
	if (json_string_value(json_object_get(jwk, "x")) == NULL ||
	    json_string_value(json_object_get(jwk, "y")) == NULL ||
	    (x = b64_dup(json_string_value(json_object_get(jwk, "x")), &xl)) == NULL ||
	    (y = b64_dup(json_string_value(json_object_get(jwk, "y")), &yl)) == NULL ||
	    xl != size || yl != size)
		goto out;
	point[0] = 0x04;
	memcpy(point + 1, x, size);
	memcpy(point + 1 + size, y, size);
	*why = "the EC point is not on the curve";
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size))
		goto out;
	pk = pkey_fromdata("EC", bld);
	if (pk != NULL) {
		/* fromdata does not check the point: reject invalid ones. */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
		if (c == NULL || EVP_PKEY_public_check(c) != 1) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
		EVP_PKEY_CTX_free(c);
	}
out:
	free(x);
	free(y);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
okp_key(const json_t *jwk, const char **why)
{
	const char	*crv = json_string_value(json_object_get(jwk, "crv"));
	const char	*xs = json_string_value(json_object_get(jwk, "x"));
	unsigned char	*x;
	size_t		 xl;
	EVP_PKEY	*pk = NULL;

	*why = "OKP keys must be Ed25519 with a 32-byte x";
	if (crv == NULL || strcmp(crv, "Ed25519") != 0 || xs == NULL ||
	    (x = b64_dup(xs, &xl)) == NULL)
		return NULL;
	if (xl == 32)
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xl);
	free(x);
	return pk;
}

EVP_PKEY *
jwk_to_pkey(const json_t *jwk, const char **why)
{
	const char	*kty;

	*why = "the jwk is not an object with a kty";
	if (!json_is_object(jwk) || (kty = json_string_value(json_object_get(jwk, "kty"))) == NULL)
		return NULL;
	if (json_object_get(jwk, "d") != NULL) {
		*why = "the jwk contains a private key";
		return NULL;
	}
	if (strcmp(kty, "RSA") == 0)
		return rsa_key(jwk, why);
	if (strcmp(kty, "EC") == 0)
		return ec_key(jwk, why);
	if (strcmp(kty, "OKP") == 0)
		return okp_key(jwk, why);
	*why = "key types are RSA, EC and OKP (Ed25519)";
	return NULL;
}

/*
 * Stored account keys, parsed once per worker process. An account's key is
 * checked in full (point on the curve, RSA size) when it is registered or
 * rolled over; every later request of the account carries only its kid, and
 * building the EVP_PKEY again (EVP_PKEY_fromdata, then the public-key check,
 * which costs a scalar multiplication) was about a sixth of a worker's CPU.
 * The cache is keyed by the JWK text exactly as the database holds it, so a
 * key change (a new text) can never be answered with the old key. Direct
 * mapped, a fixed number of slots: an evicted key is parsed again.
 */
#define KEY_CACHE_SLOTS		64
#define KEY_CACHE_TEXT_MAX	4096

static struct {
	char		*text;
	EVP_PKEY	*pk;
} key_cache[KEY_CACHE_SLOTS];

EVP_PKEY *
jwk_text_to_pkey(const char *text, const json_t *jwk, const char **why)
{
	unsigned long	 h = 5381;
	size_t		 n = strlen(text), i;
	EVP_PKEY	*pk;

	for (i = 0; i < n; i++)
		h = h * 33 ^ (unsigned char)text[i];
	i = h % KEY_CACHE_SLOTS;
	if (key_cache[i].text != NULL && strcmp(key_cache[i].text, text) == 0 &&
	    EVP_PKEY_up_ref(key_cache[i].pk) == 1)
		return key_cache[i].pk;
	if ((pk = jwk_to_pkey(jwk, why)) == NULL || n > KEY_CACHE_TEXT_MAX)
		return pk;
	free(key_cache[i].text);
	EVP_PKEY_free(key_cache[i].pk);
	key_cache[i].text = NULL;
	key_cache[i].pk = NULL;
	if ((key_cache[i].text = strdup(text)) != NULL && EVP_PKEY_up_ref(pk) == 1)
		key_cache[i].pk = pk;
	else {
		free(key_cache[i].text);
		key_cache[i].text = NULL;
	}
	return pk;
}

static int
ec_bits(EVP_PKEY *pk)
{
	return EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC ? EVP_PKEY_get_bits(pk) : 0;
}

int
jws_alg_matches(enum jws_alg alg, EVP_PKEY *pk)
{
	switch (alg) {
	case JWS_RS256:
		return EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
	case JWS_ES256:
		return ec_bits(pk) == 256;
	case JWS_ES384:
		return ec_bits(pk) == 384;
	case JWS_EDDSA:
		return EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519;
	default:
		return 0;
	}
}

/* JOSE ECDSA signatures are r||s; OpenSSL wants DER. */
static unsigned char *
ecdsa_der(const unsigned char *sig, size_t len, size_t half, size_t *derlen)
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL;
	int		 n;

	if (len != 2 * half)
		return NULL;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, (int)half, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + half, (int)half, NULL)) == NULL ||
	    !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	if ((n = i2d_ECDSA_SIG(es, &der)) <= 0)
		der = NULL;
	*derlen = n > 0 ? (size_t)n : 0;
	ECDSA_SIG_free(es);
	return der;
}

int
jws_verify(const struct jws *j, EVP_PKEY *pk)
{
	EVP_MD_CTX		*ctx = NULL;
	const EVP_MD		*md = NULL;
	unsigned char		*der = NULL;
	const unsigned char	*sig = j->sig;
	size_t			 siglen = j->siglen;
	int			 ok = 0;

	if (!jws_alg_matches(j->alg, pk))
		return 0;
	if (j->alg == JWS_RS256)
		md = EVP_sha256();
	else if (j->alg == JWS_ES256 || j->alg == JWS_ES384) {
		size_t half = j->alg == JWS_ES256 ? 32 : 48;
		md = j->alg == JWS_ES256 ? EVP_sha256() : EVP_sha384();
		if ((der = ecdsa_der(j->sig, j->siglen, half, &siglen)) == NULL)
			return 0;
		sig = der;
	}
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)j->signing_input,
	    strlen(j->signing_input)) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

int
jws_verify_hmac(const struct jws *j, const unsigned char *key, size_t keylen)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	const EVP_MD	*md;

	switch (j->alg) {
	case JWS_HS256: md = EVP_sha256(); break;
	case JWS_HS384: md = EVP_sha384(); break;
	case JWS_HS512: md = EVP_sha512(); break;
	default: return 0;
	}
	if (HMAC(md, key, (int)keylen, (const unsigned char *)j->signing_input,
	    strlen(j->signing_input), mac, &maclen) == NULL)
		return 0;
	return maclen == j->siglen && CRYPTO_memcmp(mac, j->sig, maclen) == 0;
}

/*
 * One member of a canonical JWK: the base64url value decoded and encoded
 * again, leading zero octets dropped for RSA's n and e (RFC 7518 §6.3.1:
 * minimal octets), exactly `size` octets for EC coordinates and Ed25519's
 * x. So one key has one canonical JWK, and one thumbprint, however it was
 * spelled. -1 on a missing or bad member.
 */
static int
canon_member(json_t *out, const json_t *jwk, const char *name, size_t size, int strip)
{
	const char	*s = json_string_value(json_object_get(jwk, name));
	unsigned char	*raw, *p;
	char		*enc;
	size_t		 n;
	int		 rc = -1;

	if (s == NULL || (raw = b64_dup(s, &n)) == NULL)
		return -1;
	p = raw;
	while (strip && n > 1 && *p == 0) {
		p++;
		n--;
	}
	if (n == 0 || (size != 0 && n != size) || (enc = malloc(b64url_enclen(n) + 1)) == NULL)
		goto out;
	b64url_encode(p, n, enc);
	rc = json_object_set_new(out, name, json_string(enc)) == 0 ? 0 : -1;
	free(enc);
out:
	free(raw);
	return rc;
}

json_t *
jwk_canonical(const json_t *jwk)
{
	const char	*kty = json_string_value(json_object_get(jwk, "kty"));
	const char	*crv = json_string_value(json_object_get(jwk, "crv"));
	json_t		*out;
	size_t		 size = 0;
	int		 bad = 0;

	if (kty == NULL || (out = json_object()) == NULL)
		return NULL;
	json_object_set_new(out, "kty", json_string(kty));
	if (strcmp(kty, "RSA") == 0)
		bad = canon_member(out, jwk, "e", 0, 1) != 0 || canon_member(out, jwk, "n", 0, 1) != 0;
	else if (strcmp(kty, "EC") == 0 || strcmp(kty, "OKP") == 0) {
		if (crv != NULL && strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0)
			size = 32;
		else if (crv != NULL && strcmp(kty, "EC") == 0 && strcmp(crv, "P-384") == 0)
			size = 48;
		else if (crv != NULL && strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0)
			size = 32;
		bad = size == 0 || canon_member(out, jwk, "x", size, 0) != 0 ||
		    (strcmp(kty, "EC") == 0 && canon_member(out, jwk, "y", size, 0) != 0);
		if (!bad)
			json_object_set_new(out, "crv", json_string(crv));
	} else
		bad = 1;
	if (bad) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int
jwk_thumbprint(const json_t *jwk, char out[44])
{
	json_t		*c = jwk_canonical(jwk);
	char		*text;
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;

	if (c == NULL)
		return -1;
	/* RFC 7638 §3: members in lexicographic order, no whitespace. */
	text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	if (text == NULL)
		return -1;
	EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	free(text);
	b64url_encode(md, 32, out);
	return 0;
}
