/*
 * ACME building blocks: RFC 7638 thumbprints, JWK → key, JWS
 * verification per algorithm, EAB HMAC, sealed EAB keys, DNS names,
 * the allowlist coverage rule, and finalize's CSR checks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "crypto.h"
#include "acme/csr.h"
#include "signer/signer_keys.h"
#include "tap.h"

static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJEC"
    "PebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qv"
    "zqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6W"
    "eZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

static char *
b64(const unsigned char *p, size_t n)
{
	char *o = malloc(b64url_enclen(n) + 1);
	b64url_encode(p, n, o);
	return o;
}

/* The public JWK of an EC key. */
static json_t *
ec_jwk(EVP_PKEY *pk, const char *crv, size_t size)
{
	BIGNUM		*x = NULL, *y = NULL;
	unsigned char	 bx[66], by[66];
	char		*sx, *sy;
	json_t		*j;

	EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x);
	EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
	BN_bn2binpad(x, bx, (int)size);
	BN_bn2binpad(y, by, (int)size);
	sx = b64(bx, size);
	sy = b64(by, size);
	j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", crv, "x", sx, "y", sy);
	free(sx);
	free(sy);
	BN_free(x);
	BN_free(y);
	return j;
}

/* A flattened JWS signed with pk (ES256/ES384/EdDSA) or an HMAC key. */
static json_t *
sign_jws(const char *alg, EVP_PKEY *pk, const unsigned char *hkey, size_t hlen,
    const char *prot, const char *payload)
{
	char		*p64 = b64((const unsigned char *)prot, strlen(prot));
	char		*y64 = b64((const unsigned char *)payload, strlen(payload));
	char		 input[4096];
	unsigned char	 sig[512], raw[132];
	size_t		 siglen = sizeof(sig);
	char		*s64;
	json_t		*j;

	snprintf(input, sizeof(input), "%s.%s", p64, y64);
	if (hkey != NULL) {
		unsigned int l = 0;
		HMAC(EVP_sha256(), hkey, (int)hlen, (unsigned char *)input, strlen(input), sig, &l);
		siglen = l;
		s64 = b64(sig, siglen);
	} else {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		const EVP_MD *md = strcmp(alg, "EdDSA") == 0 ? NULL :
		    strcmp(alg, "ES384") == 0 ? EVP_sha384() : EVP_sha256();
		EVP_DigestSignInit(ctx, NULL, md, NULL, pk);
		EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)input, strlen(input));
		EVP_MD_CTX_free(ctx);
		if (strncmp(alg, "ES", 2) == 0) {
			const unsigned char *q = sig;
			ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)siglen);
			size_t half = strcmp(alg, "ES384") == 0 ? 48 : 32;
			BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)half);
			BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + half, (int)half);
			ECDSA_SIG_free(es);
			s64 = b64(raw, 2 * half);
		} else
			s64 = b64(sig, siglen);
	}
	j = json_pack("{s:s, s:s, s:s}", "protected", p64, "payload", y64, "signature", s64);
	free(p64);
	free(y64);
	free(s64);
	return j;
}

static int
verifies(json_t *obj, EVP_PKEY *pub)
{
	struct jws	 j;
	const char	*why;
	int		 bad, r;

	if (jws_parse(obj, 0, &j, &why, &bad) != 0)
		return -1;
	r = jws_verify(&j, pub);
	jws_free(&j);
	return r;
}

static void
test_jws(void)
{
	EVP_PKEY	*k256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY	*k384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY	*ked = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	json_t		*jwk = ec_jwk(k256, "P-256", 32), *jwk384 = ec_jwk(k384, "P-384", 48), *o;
	EVP_PKEY	*pub, *pub384;
	const char	*why;
	struct jws	 j;
	int		 bad;

	pub = jwk_to_pkey(jwk, &why);
	pub384 = jwk_to_pkey(jwk384, &why);
	ok(pub != NULL && pub384 != NULL, "EC JWKs become keys");
	o = sign_jws("ES256", k256, NULL, 0, "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\"}", "{}");
	is_int(verifies(o, pub), 1, "ES256 signature verifies");
	is_int(verifies(o, pub384), 0, "ES256 signature does not verify with another key");
	json_decref(o);
	o = sign_jws("ES384", k384, NULL, 0, "{\"alg\":\"ES384\"}", "{\"a\":1}");
	is_int(verifies(o, pub384), 1, "ES384 signature verifies");
	json_decref(o);
	o = sign_jws("ES256", k256, NULL, 0, "{\"alg\":\"ES256\"}", "{}");
	{	/* tamper with the payload */
		json_object_set_new(o, "payload", json_string("eyJhIjoxfQ"));
		is_int(verifies(o, pub), 0, "a changed payload fails verification");
	}
	json_decref(o);
	{
		unsigned char raw[32];
		size_t rl = sizeof(raw);
		char *x;
		json_t *ej;
		EVP_PKEY *edpub;
		EVP_PKEY_get_raw_public_key(ked, raw, &rl);
		x = b64(raw, rl);
		ej = json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "x", x);
		edpub = jwk_to_pkey(ej, &why);
		o = sign_jws("EdDSA", ked, NULL, 0, "{\"alg\":\"EdDSA\"}", "{}");
		is_int(verifies(o, edpub), 1, "EdDSA signature verifies");
		ok(!jws_alg_matches(JWS_ES256, edpub), "ES256 does not go with an Ed25519 key");
		json_decref(o);
		json_decref(ej);
		EVP_PKEY_free(edpub);
		free(x);
	}
	o = sign_jws("HS256", NULL, (const unsigned char *)"k", 1, "{\"alg\":\"HS256\"}", "{}");
	ok(jws_parse(o, 0, &j, &why, &bad) == -1 && bad, "HS256 is refused for account JWS");
	ok(jws_parse(o, 1, &j, &why, &bad) == 0, "HS256 is accepted for EAB");
	ok(jws_verify_hmac(&j, (const unsigned char *)"k", 1), "EAB HMAC verifies with the right key");
	ok(!jws_verify_hmac(&j, (const unsigned char *)"K", 1), "EAB HMAC fails with another key");
	jws_free(&j);
	json_decref(o);
	o = sign_jws("ES256", k256, NULL, 0, "{\"alg\":\"none\"}", "{}");
	ok(jws_parse(o, 0, &j, &why, &bad) == -1 && bad, "alg none is refused");
	json_decref(o);
	o = json_pack("{s:s, s:s}", "protected", "e30", "payload", "");
	ok(jws_parse(o, 0, &j, &why, &bad) == -1 && !bad, "a JWS without signature is malformed");
	json_decref(o);

	json_object_set_new(jwk, "d", json_string("secret"));
	ok(jwk_to_pkey(jwk, &why) == NULL, "a JWK with a private part is refused");
	json_decref(jwk);
	jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "y", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ok(jwk_to_pkey(jwk, &why) == NULL, "a point off the curve is refused");
	json_decref(jwk);
	json_decref(jwk384);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pub384);
	EVP_PKEY_free(k256);
	EVP_PKEY_free(k384);
	EVP_PKEY_free(ked);
}

static void
test_thumbprint(void)
{
	json_t		*jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "n", rfc7638_n,
	    "e", "AQAB", "alg", "RS256");
	char		 t[44];
	const char	*why;
	EVP_PKEY	*pk;

	ok(jwk_thumbprint(jwk, t) == 0, "thumbprint computed");
	is_str(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "RFC 7638 §3.1 example thumbprint");
	pk = jwk_to_pkey(jwk, &why);
	ok(pk != NULL && EVP_PKEY_get_bits(pk) == 2048, "RSA 2048 JWK becomes a key");
	EVP_PKEY_free(pk);
	/* Issue 13 item 4: with e = 1 every message is its own signature. */
	{
		static const struct { const char *e, *what; int good; } es[] = {
			{ "AQ", "e = 1", 0 }, { "Aw", "e = 3", 0 }, { "AQAA", "e = 65536 (even)", 0 },
			{ "__8", "e = 65535", 0 }, { "AQAB", "e = 65537", 1 }, { "AQAD", "e = 65539", 1 },
			{ "AQAAAAAAAAAAAQ", "e of 73 bits", 0 },
		};
		for (size_t i = 0; i < sizeof(es) / sizeof(es[0]); i++) {
			json_t *k = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", rfc7638_n, "e", es[i].e);
			pk = jwk_to_pkey(k, &why);
			ok((pk != NULL) == es[i].good, "RSA key with %s %s", es[i].what,
			    es[i].good ? "accepted" : "refused");
			EVP_PKEY_free(pk);
			json_decref(k);
		}
	}
	{
		/* An even modulus of 2048 bits: no RSA key (the public-key check). */
		unsigned char	 nb[256];
		char		*ns;
		json_t		*k;
		memset(nb, 0x5a, sizeof(nb));
		nb[0] = 0xc1;
		nb[255] = 0x10;
		ns = b64(nb, sizeof(nb));
		k = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", ns, "e", "AQAB");
		pk = jwk_to_pkey(k, &why);
		ok(pk == NULL, "an even RSA modulus is refused by the public-key check");
		EVP_PKEY_free(pk);
		json_decref(k);
		free(ns);
	}
	json_object_set_new(jwk, "n", json_string("AQAB"));
	ok(jwk_to_pkey(jwk, &why) == NULL, "a tiny RSA modulus is refused");
	json_decref(jwk);
	{
		/* One key, one thumbprint (issue 13 item 3): e with a leading
		 * zero octet, or a non-canonical last character, is the same key. */
		char	 t2[44], nbad[sizeof(rfc7638_n)];
		json_t	*z = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", rfc7638_n, "e", "AAEAAQ");
		ok(jwk_thumbprint(z, t2) == 0 && strcmp(t2, t) == 0,
		    "e spelled with a leading zero octet has the key's one thumbprint");
		json_decref(z);
		memcpy(nbad, rfc7638_n, sizeof(nbad));
		nbad[strlen(nbad) - 1] = 'x';	/* "w" + unused bits set */
		z = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", nbad, "e", "AQAB");
		ok(jwk_thumbprint(z, t2) != 0 && jwk_to_pkey(z, &why) == NULL,
		    "n with non-zero unused bits is no key (no second thumbprint)");
		json_decref(z);
	}
}

static void
test_names(void)
{
	ok(dns_name_ok("www.example.com", 0), "plain name");
	ok(dns_name_ok("*.example.com", 1), "wildcard when allowed");
	ok(!dns_name_ok("*.example.com", 0), "wildcard when not allowed");
	ok(!dns_name_ok("a.*.example.com", 1), "wildcard only as the first label");
	ok(!dns_name_ok("Example.com", 0), "upper case refused (callers lower-case)");
	ok(!dns_name_ok("a..b", 0), "empty label refused");
	ok(!dns_name_ok("-a.example", 0), "leading hyphen refused");
	ok(!dns_name_ok("a-.example", 0), "trailing hyphen refused");
	ok(!dns_name_ok("localhost", 0), "single label refused");
	ok(!dns_name_ok("127.0.0.1", 0), "IP address refused");
	ok(!dns_name_ok("a_b.example", 0), "underscore refused");
	{
		char lab[80];
		memset(lab, 'a', 64);
		strcpy(lab + 64, ".example");
		ok(!dns_name_ok(lab, 0), "64-character label refused");
	}

	ok(domain_covers("example.com", "example.com"), "a domain covers itself");
	ok(domain_covers("example.com", "www.example.com"), "a domain covers www");
	ok(!domain_covers("example.com", "mail.example.com"), "a domain does not cover other subdomains");
	ok(!domain_covers("example.com", "*.example.com"), "a domain does not cover its wildcard");
	ok(domain_covers("*.example.com", "*.example.com"), "a wildcard covers itself");
	ok(domain_covers("*.example.com", "example.com"), "a wildcard covers its base");
	ok(domain_covers("*.example.com", "a.example.com"), "a wildcard covers one label below");
	ok(!domain_covers("*.example.com", "a.b.example.com"), "a wildcard does not cover two labels below");
	ok(!domain_covers("*.example.com", "badexample.com"), "suffix tricks do not count");
	ok(!domain_covers("example.com", "wwwexample.com"), "www without a dot does not count");
	ok(!domain_covers("*.example.com", "*.a.example.com"), "a wildcard does not cover a deeper wildcard");
}

static void
test_eab_seal(void)
{
	unsigned char	 key[32], plain[EAB_HMAC_LEN], back[EAB_HMAC_LEN], sealed[EAB_SEALED_LEN];

	memset(key, 7, sizeof(key));
	memset(plain, 42, sizeof(plain));
	ok(eab_seal(key, "kid-1", plain, sealed) == 0, "HMAC key sealed");
	ok(memcmp(sealed + 12, plain, 16) != 0, "sealed text is not the key");
	ok(eab_open(key, "kid-1", sealed, sizeof(sealed), back) == 0 && memcmp(back, plain, 32) == 0,
	    "sealed key opens with its kid");
	ok(eab_open(key, "kid-2", sealed, sizeof(sealed), back) != 0, "a sealed key cannot move to another kid");
	sealed[20] ^= 1;
	ok(eab_open(key, "kid-1", sealed, sizeof(sealed), back) != 0, "a tampered sealed key is refused");
}

/* DER CSR for the given key, CN (may be NULL) and SANs (comma list, "DNS:" items). */
static unsigned char *
make_csr(EVP_PKEY *pk, const char *cn, const char *sans, size_t *len)
{
	X509_REQ			*req = X509_REQ_new();
	X509_NAME			*name = X509_NAME_new();
	STACK_OF(X509_EXTENSION)	*exts = sk_X509_EXTENSION_new_null();
	unsigned char			*der = NULL;
	int				 n;

	if (cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, pk);
	if (sans != NULL) {
		sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans));
		X509_REQ_add_extensions(req, exts);
	}
	X509_REQ_sign(req, pk, EVP_sha256());
	n = i2d_X509_REQ(req, &der);
	*len = (size_t)n;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return der;
}

static int
csr_ok(EVP_PKEY *pk, const char *cn, const char *sans, const char *const *names, size_t n, const char **why)
{
	size_t		 len, sl;
	unsigned char	*der = make_csr(pk, cn, sans, &len), *spki = NULL;
	int		 r = csr_check(der, len, names, n, &spki, &sl, why);

	OPENSSL_free(der);
	OPENSSL_free(spki);
	return r == 0;
}

static void
test_csr(void)
{
	EVP_PKEY		*k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY		*rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY		*ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	static const char *const two[] = { "a.example.test", "*.b.example.test" };
	const char		*why = "";

	ok(csr_ok(k, "a.example.test", "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why),
	    "CSR with exactly the order's names is accepted");
	ok(csr_ok(k, NULL, "DNS:*.b.example.test,DNS:A.example.test", two, 2, &why),
	    "order and case of the SANs do not matter, CN is optional");
	ok(!csr_ok(k, NULL, "DNS:a.example.test,DNS:*.b.example.test,DNS:c.example.test", two, 2, &why),
	    "an extra SAN is refused");
	ok(strstr(why, "not in the order") != NULL, "the refusal says the name is not in the order: %s", why);
	ok(!csr_ok(k, NULL, "DNS:a.example.test", two, 2, &why), "a missing SAN is refused");
	ok(!csr_ok(k, "other.example.test", "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why),
	    "a CN outside the order is refused");
	ok(!csr_ok(k, NULL, "DNS:a.example.test,DNS:*.b.example.test,IP:127.0.0.1", two, 2, &why),
	    "an IP SAN is refused");
	ok(!csr_ok(k, NULL, NULL, two, 2, &why), "a CSR without SANs is refused");
	ok(!csr_ok(rsa1024, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why),
	    "an RSA 1024 key is refused");
	ok(!csr_ok(ed, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why),
	    "an Ed25519 certificate key is refused");
	/* Issue 13 item 5: keys the signer refuses are badCSR at finalize. */
	{
		EVP_PKEY	*k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
		EVP_PKEY	*bp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
		EVP_PKEY	*ex = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		EVP_PKEY	*e3 = NULL;
		EVP_PKEY_CTX	*c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
		BIGNUM		*three = BN_new();

		BN_set_word(three, 3);
		if (c != NULL && EVP_PKEY_keygen_init(c) == 1 &&
		    EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) == 1 &&
		    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, three) == 1)
			(void)EVP_PKEY_generate(c, &e3);
		ok(ex != NULL && EVP_PKEY_set_utf8_string_param(ex, OSSL_PKEY_PARAM_EC_ENCODING,
		    OSSL_PKEY_EC_ENCODING_EXPLICIT) == 1, "a P-256 key with explicit parameters");
		ok(!csr_ok(k1, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why) &&
		    strstr(why, "P-256 or P-384") != NULL, "a secp256k1 key is refused: %s", why);
		ok(!csr_ok(bp, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why) &&
		    strstr(why, "P-256 or P-384") != NULL, "a brainpoolP256r1 key is refused: %s", why);
		ok(!csr_ok(ex, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why) &&
		    strstr(why, "explicit") != NULL, "explicit EC parameters are refused: %s", why);
		ok(e3 != NULL && !csr_ok(e3, NULL, "DNS:a.example.test,DNS:*.b.example.test", two, 2, &why) &&
		    strstr(why, "exponent") != NULL, "an RSA key with e = 3 is refused: %s", why);
		/* One policy: whatever the CSR check accepts, the signer accepts. */
		{
			EVP_PKEY *all[] = { k, rsa1024, ed, k1, bp, ex, e3 };
			int agree = 1;
			for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
				if (all[i] == NULL)
					continue;
				agree &= csr_ok(all[i], NULL, "DNS:a.example.test,DNS:*.b.example.test",
				    two, 2, &why) == (signer_key_problem(all[i]) == NULL);
			}
			ok(agree, "the CSR check and the signer agree on every key");
		}
		EVP_PKEY_free(k1);
		EVP_PKEY_free(bp);
		EVP_PKEY_free(ex);
		EVP_PKEY_free(e3);
		EVP_PKEY_CTX_free(c);
		BN_free(three);
	}
	{
		size_t len, sl;
		unsigned char *der = make_csr(k, NULL, "DNS:a.example.test,DNS:*.b.example.test", &len), *spki = NULL;
		der[len - 5] ^= 0x40;	/* inside the signature */
		ok(csr_check(der, len, two, 2, &spki, &sl, &why) != 0, "a CSR with a broken signature is refused");
		OPENSSL_free(der);
		ok(csr_check((const unsigned char *)"junk", 4, two, 2, &spki, &sl, &why) != 0, "junk is refused");
	}
	EVP_PKEY_free(k);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(ed);
}

int
main(void)
{
	test_thumbprint();
	test_jws();
	test_names();
	test_eab_seal();
	test_csr();
	return tap_done();
}
