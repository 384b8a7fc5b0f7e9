/*
 * Form and query decoding (common/req.c): application/x-www-form-urlencoded
 * pairs, their UTF-8 check, and what the handlers do with a field next
 * (redirect targets).
 */
#include "config.h"

#include "fuzz.h"
#include "req.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist	 l = { 0 };

	if (kv_parse_urlencoded(&l, (const char *)data, size, 256) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			/* Accepted fields are UTF-8 without NULs: check the parser. */
			if (!utf8_valid(l.v[i].key, strlen(l.v[i].key)) ||
			    !utf8_valid(l.v[i].val, strlen(l.v[i].val)))
				abort();
			(void)req_local_path_ok(l.v[i].val);
		}
		(void)kv_get(&l, "next");
		(void)kv_count(&l, "domain");
	}
	kv_free(&l);
	return 0;
}
