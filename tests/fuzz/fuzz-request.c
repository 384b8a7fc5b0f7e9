/*
 * A whole request through req_parse (common/req.c), as a worker parses
 * what nginx sends: the input is "NAME=value" parameter lines, a blank
 * line, then the body. Covers the size caps, the query string, cookies,
 * form and JSON bodies, content negotiation and the redirect check.
 */
#include "config.h"

#include "fuzz_fcgi.h"
#include "req.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "en", "fr", NULL };
	struct req_limits	 lim = { .max_body = 4096, .max_query = 1024, .max_fields = 64 };
	struct fuzz_fcgi	 f;
	struct req		 r;
	const uint8_t		*p = data, *end = data + size, *nl, *body = end;

	fuzz_fcgi_init(&f, end, 0);
	while (p < end) {
		const uint8_t *eq;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p) {	/* blank line: the body follows */
			body = p + 1 < end ? p + 1 : end;
			break;
		}
		if ((eq = memchr(p, '=', (size_t)(nl - p))) != NULL && eq > p && eq - p < 64) {
			char name[64];
			memcpy(name, p, (size_t)(eq - p));
			name[eq - p] = '\0';
			if (memchr(eq + 1, '\0', (size_t)(nl - eq - 1)) == NULL)
				fuzz_env(&f, name, (const char *)eq + 1, (size_t)(nl - eq - 1));
		}
		p = nl + 1;
	}
	f.in.rdNext = f.in.stopUnget = (unsigned char *)body;
	f.in.stop = (unsigned char *)end;
	memset(&r, 0, sizeof(r));
	req_parse(&r, &f.fr, &lim);
	(void)req_media(&r, MEDIA_HTML);
	(void)req_language(&r, langs);
	(void)req_local_path_ok(kv_get(&r.form, "next"));
	(void)kv_get(&r.cookies, "center_session");
	resp_header(&r, "X-Fuzz", kv_get(&r.qs, "h") != NULL ? kv_get(&r.qs, "h") : "x");
	resp_redirect(&r, kv_get(&r.qs, "back") != NULL ? kv_get(&r.qs, "back") : "/");
	req_free(&r);
	fuzz_fcgi_free(&f);
	return 0;
}
