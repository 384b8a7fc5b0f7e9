/*
 * EAB HMAC keys are stored encrypted: AES-256-GCM under the key of
 * eab_key_file, a fresh random IV per key, the kid as additional data.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "acme/acme.h"
#include "crypto.h"

int
eab_seal(const unsigned char key[32], const char *kid,
    const unsigned char plain[EAB_HMAC_LEN], unsigned char out[EAB_SEALED_LEN])
{
	EVP_CIPHER_CTX	*ctx = NULL;
	int		 n, rc = -1;

	if (crypto_random(out, 12) == -1 || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)kid, (int)strlen(kid)) != 1 ||
	    EVP_EncryptUpdate(ctx, out + 12, &n, plain, EAB_HMAC_LEN) != 1 || n != EAB_HMAC_LEN ||
	    EVP_EncryptFinal_ex(ctx, out + 12 + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + EAB_HMAC_LEN) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
eab_open(const unsigned char key[32], const char *kid,
    const unsigned char *sealed, size_t n, unsigned char plain[EAB_HMAC_LEN])
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 tag[16];
	int		 len, rc = -1;

	if (n != EAB_SEALED_LEN || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	memcpy(tag, sealed + 12 + EAB_HMAC_LEN, 16);
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)kid, (int)strlen(kid)) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &len, sealed + 12, EAB_HMAC_LEN) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + len, &len) != 1)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(plain, EAB_HMAC_LEN);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
