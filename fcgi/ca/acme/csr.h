#ifndef CA_CSR_H
#define CA_CSR_H

#include <stddef.h>

/*
 * Check a DER CSR against the order's names (RFC 8555 §7.4). Returns
 * 0 with the DER SubjectPublicKeyInfo in *spki (OPENSSL_free it), or
 * -1 with *why (static text) for badCSR.
 */
int	csr_check(const unsigned char *der, size_t len, const char *const *names, size_t n,
	    unsigned char **spki, size_t *spki_len, const char **why);

#endif
