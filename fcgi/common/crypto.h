/*
 * Small cryptographic helpers over OpenSSL and libargon2: random
 * tokens, base64url (RFC 4648 §5, no padding), SHA-256, constant-time
 * comparison and Argon2id password hashes.
 */
#ifndef CAAS_CRYPTO_H
#define CAAS_CRYPTO_H

#include <stddef.h>

#define TOKEN_BYTES	32		/* 256-bit session / API / CSRF tokens */
#define TOKEN_B64_LEN	43		/* base64url length of TOKEN_BYTES */
#define SHA256_HEX_LEN	64

/* Fill buf with n CSPRNG bytes; -1 on failure. */
int	crypto_random(void *buf, size_t n);
/* New random 256-bit token as base64url in out[TOKEN_B64_LEN + 1]. */
int	crypto_token(char out[TOKEN_B64_LEN + 1]);

/* Encode: out must hold b64url_enclen(n) + 1 bytes. Returns length. */
size_t	b64url_enclen(size_t n);
size_t	b64url_encode(const void *in, size_t n, char *out);
/* Decode; returns decoded length or -1 on bad input or overflow of outsz. */
long	b64url_decode(const char *in, size_t n, void *out, size_t outsz);

/* Lower-case hex SHA-256 of data into out[65]. */
void	sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN + 1]);
/* 1 if equal; time depends only on the lengths. */
int	crypto_equal(const char *a, const char *b);

/* Argon2id encoded hash of a password (malloc'd) or NULL. */
char	*password_hash(const char *pw);
/* 1 if pw matches the encoded hash, 0 otherwise. */
int	password_verify(const char *encoded, const char *pw);

#endif
