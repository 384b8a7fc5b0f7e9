/*
 * The one key policy of the bundled CA for certificate (subject) keys,
 * shared by finalize's CSR check (csr.c, answered as badCSR) and the
 * signer's request check (signer_req.c), so that the ACME server never
 * accepts a key the signer refuses (which the client saw as a 500).
 */
#ifndef CA_SIGNER_KEYS_H
#define CA_SIGNER_KEYS_H

#include <openssl/evp.h>

/*
 * NULL if pk may be certified: RSA of 2048 to 8192 bits (a whole number of
 * bytes) with an odd public exponent of at least 65537, and passing
 * OpenSSL's public-key check; or EC on P-256 or P-384, named (not explicit
 * parameters), with a valid point (CA/B Forum BR §6.1.5, §6.1.6; RFC 5480
 * §2.1.1). Otherwise a static reason a person can act on.
 */
const char	*signer_key_problem(EVP_PKEY *pk);

#endif
