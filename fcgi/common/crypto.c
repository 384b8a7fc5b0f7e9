#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

/* Argon2id parameters: 3 passes over 64 MiB would be kinder to attackers'
 * budgets, but login latency on a 2-core host matters too; 19 MiB × 2 is
 * the OWASP baseline for Argon2id. */
#define PW_T_COST	2
#define PW_M_COST	(19 * 1024)
#define PW_PARALLEL	1
#define PW_SALT_LEN	16
#define PW_HASH_LEN	32
#define PW_MAX_LEN	1024

int
crypto_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int
crypto_token(char out[TOKEN_B64_LEN + 1])
{
	unsigned char	 raw[TOKEN_BYTES];

	if (crypto_random(raw, sizeof(raw)) == -1)
		return -1;
	b64url_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

size_t
b64url_enclen(size_t n)
{
	return (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/*
 * base64url over OpenSSL's base64 block coder: translate the alphabet
 * and drop or restore the padding.
 */
size_t
b64url_encode(const void *in, size_t n, char *out)
{
	size_t		 i, len;
	unsigned char	*tmp;

	if ((tmp = malloc(4 * ((n + 2) / 3) + 1)) == NULL) {
		out[0] = '\0';
		return 0;
	}
	EVP_EncodeBlock(tmp, in, (int)n);
	for (i = len = 0; tmp[i] != '\0' && tmp[i] != '='; i++, len++)
		out[len] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
	out[len] = '\0';
	free(tmp);
	return len;
}

/* The 6-bit value of a base64url character already known to be valid. */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : 63;
}

long
b64url_decode(const char *in, size_t n, void *out, size_t outsz)
{
	unsigned char	*tmp = NULL, *raw = NULL;
	size_t		 i, pad = (4 - n % 4) % 4;
	long		 len = -1;
	int		 got;

	if (n % 4 == 1 || n > 4 * (size_t)(outsz / 3 + 2))
		return -1;
	if ((tmp = malloc(n + pad + 1)) == NULL ||
	    (raw = malloc((n + pad) / 4 * 3 + 1)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			goto out;
		tmp[i] = c == '-' ? '+' : c == '_' ? '/' : (unsigned char)c;
	}
	/*
	 * Canonical form only (RFC 4648 §3.5): the bits of the last character
	 * that carry no data must be zero, else one value has several spellings
	 * (a nonce usable more than once, a key with several thumbprints).
	 */
	if (n % 4 != 0 && (b64_value(in[n - 1]) & (n % 4 == 2 ? 0x0f : 0x03)) != 0)
		goto out;
	for (i = 0; i < pad; i++)
		tmp[n + i] = '=';
	tmp[n + pad] = '\0';
	if ((got = EVP_DecodeBlock(raw, tmp, (int)(n + pad))) < 0)
		goto out;
	got -= (int)pad;	/* EVP_DecodeBlock counts padding as zero bytes */
	if (got < 0 || (size_t)got > outsz)
		goto out;
	memcpy(out, raw, (size_t)got);
	len = got;
out:
	free(tmp);
	free(raw);
	return len;
}

void
sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN + 1])
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

int
crypto_equal(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

char *
password_hash(const char *pw)
{
	unsigned char	 salt[PW_SALT_LEN];
	size_t		 enclen;
	char		*enc;

	if (strlen(pw) > PW_MAX_LEN || crypto_random(salt, sizeof(salt)) == -1)
		return NULL;
	enclen = argon2_encodedlen(PW_T_COST, PW_M_COST, PW_PARALLEL,
	    PW_SALT_LEN, PW_HASH_LEN, Argon2_id);
	if ((enc = malloc(enclen)) == NULL)
		return NULL;
	if (argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLEL, pw,
	    strlen(pw), salt, sizeof(salt), PW_HASH_LEN, enc, enclen) != ARGON2_OK) {
		free(enc);
		return NULL;
	}
	return enc;
}

int
password_verify(const char *encoded, const char *pw)
{
	if (encoded == NULL || strlen(pw) > PW_MAX_LEN)
		return 0;
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}
