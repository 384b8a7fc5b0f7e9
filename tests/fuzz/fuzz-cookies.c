/* The Cookie header (common/req.c): at most 64 pairs, values as sent. */
#include "config.h"

#include "fuzz.h"
#include "req.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist	 l = { 0 };
	char		*h = fuzz_str(data, size);

	if (h == NULL)
		return 0;
	kv_parse_cookies(&l, h);
	if (l.n > 64)
		abort();
	(void)kv_get(&l, "center_session");
	kv_free(&l);
	free(h);
	return 0;
}
