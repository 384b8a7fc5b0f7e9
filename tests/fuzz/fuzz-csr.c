/*
 * finalize's CSR checks (ca/csr.c): DER PKCS#10, the key policy shared with
 * the signer (signer_keys.c), the signature, SANs and CN against an order.
 */
#include "config.h"

#include <openssl/crypto.h>

#include "acme/csr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a.example.test", "*.b.example.test", "example.test" };
	unsigned char	*spki = NULL;
	size_t		 spki_len = 0;
	const char	*why;

	for (size_t n = 1; n <= 3; n++) {
		if (csr_check(data, size, names, n, &spki, &spki_len, &why) == 0 &&
		    (spki == NULL || spki_len == 0))
			abort();
		OPENSSL_free(spki);
		spki = NULL;
	}
	return 0;
}
