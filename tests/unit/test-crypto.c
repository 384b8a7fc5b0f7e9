/* Tokens, base64url (RFC 4648 §5 vectors), SHA-256 and Argon2id passwords. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "tap.h"

int
main(void)
{
	char		 out[128], tok1[TOKEN_B64_LEN + 1], tok2[TOKEN_B64_LEN + 1], hex[65];
	unsigned char	 raw[64];
	char		*h;
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b64url_encode(v[i].in, strlen(v[i].in), out);
		is_str(out, v[i].out, "base64url of \"%s\"", v[i].in);
		is_int(b64url_enclen(strlen(v[i].in)), strlen(v[i].out), "encoded length of \"%s\"", v[i].in);
		is_int(b64url_decode(v[i].out, strlen(v[i].out), raw, sizeof(raw)),
		    (long)strlen(v[i].in), "decode length of \"%s\"", v[i].out);
		ok(memcmp(raw, v[i].in, strlen(v[i].in)) == 0, "decode round-trips \"%s\"", v[i].out);
	}
	b64url_encode("\xfb\xff\xfe", 3, out);
	is_str(out, "-__-", "URL alphabet uses - and _");
	is_int(b64url_decode("-__-", 4, raw, sizeof(raw)), 3, "URL alphabet decodes");
	is_int(b64url_decode("Zm9v+", 5, raw, sizeof(raw)), -1, "standard alphabet refused");
	is_int(b64url_decode("Zm9vYg==", 8, raw, sizeof(raw)), -1, "padding refused");
	is_int(b64url_decode("Zm9vYmFy", 8, raw, 5), -1, "output overflow refused");
	is_int(b64url_decode("Z", 1, raw, sizeof(raw)), -1, "impossible length refused");
	/* Canonical spellings only (issue 13 item 3): "Zg" is "f"; "Zh".."Zv"
	 * decode to the same byte with non-zero unused bits. */
	is_int(b64url_decode("Zh", 2, raw, sizeof(raw)), -1, "unused bits set (2 chars) refused");
	is_int(b64url_decode("Zm9", 3, raw, sizeof(raw)), -1, "unused bits set (3 chars) refused");
	is_int(b64url_decode("Zm8", 3, raw, sizeof(raw)), 2, "the canonical 3-char form decodes");
	{
		/* Every one of the 64 last characters after "Z": exactly one decodes. */
		static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		char	 two[3] = "Z?";
		int	 good = 0;
		for (int i = 0; i < 64; i++) {
			two[1] = a[i];
			good += b64url_decode(two, 2, raw, sizeof(raw)) == 1;
		}
		is_int(good, 4, "of 64 spellings of a 2-character value, the 4 canonical ones decode");
	}

	ok(crypto_token(tok1) == 0 && crypto_token(tok2) == 0, "tokens generated");
	is_int(strlen(tok1), TOKEN_B64_LEN, "token is 43 base64url characters (256 bits)");
	ok(strcmp(tok1, tok2) != 0, "two tokens differ");

	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of abc (FIPS 180-2 vector)");
	ok(crypto_equal("same", "same"), "equal strings compare equal");
	ok(!crypto_equal("same", "sane"), "different strings differ");
	ok(!crypto_equal("same", "samer"), "different lengths differ");

	h = password_hash("correct horse");
	ok(h != NULL && strncmp(h, "$argon2id$", 10) == 0, "password hash is Argon2id encoded");
	ok(password_verify(h, "correct horse"), "right password verifies");
	ok(!password_verify(h, "correct horsE"), "wrong password fails");
	ok(!password_verify(NULL, "x"), "no hash never verifies");
	{
		char *h2 = password_hash("correct horse");
		ok(h2 != NULL && strcmp(h, h2) != 0, "same password hashes differently (salted)");
		free(h2);
	}
	free(h);
	return tap_done();
}
