/*
 * Domain-name validation: the customer area's creation form (one name per
 * line, IDN, public suffixes: center/domains.c) and the CA's names
 * (ca/names.c: dns_name_ok, the allowlist rule domain_covers).
 */
#include "config.h"

#include <jansson.h>
#include <openssl/evp.h>

#include "acme/acme.h"
#include "core/domains.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return domains_init() == 0 ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct domain_list	 out;
	struct domain_opts		 opts = { .allow_test = size % 2, .allow_wildcard = 1 };
	struct domain_error		 derr;
	char				 norm[DOMAIN_NAME_MAX + 1], *s;
	enum domain_err			 why;
	int				 wild, rc;

	rc = domains_parse((const char *)data, size, &opts, &out, &derr);
	if (rc == 0) {
		for (size_t i = 0; i < out.n; i++) {
			/* What the form accepts, the CA must take as a name. */
			if (!dns_name_ok(out.v[i].name, 1))
				abort();
			if (!domain_covers(out.v[i].name, out.v[i].name))
				abort();
		}
	}
	(void)domain_normalise((const char *)data, size, norm, &wild, &why);
	if ((s = fuzz_str(data, size)) != NULL) {
		char *sep = strchr(s, '|');
		(void)dns_name_ok(s, 1);
		if (sep != NULL) {
			*sep = '\0';
			(void)domain_covers(s, sep + 1);
		}
		free(s);
	}
	return 0;
}
