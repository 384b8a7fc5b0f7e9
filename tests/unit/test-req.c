/* Request parsing pieces: urlencoded forms, Accept and Accept-Language negotiation. */
#include "config.h"

#include <string.h>

#include "req.h"
#include "tap.h"

static int
parse(struct kvlist *l, const char *s, size_t max)
{
	memset(l, 0, sizeof(*l));
	return kv_parse_urlencoded(l, s, strlen(s), max);
}

int
main(void)
{
	struct kvlist	 l;
	struct req	 r;
	static const char *const langs[] = { "en", "fr", NULL };

	ok(parse(&l, "a=1&b=hello+world&c=%C3%A9t%C3%A9&d", 10) == 0, "form parses");
	is_str(kv_get(&l, "b"), "hello world", "+ decodes to space");
	is_str(kv_get(&l, "c"), "\xc3\xa9t\xc3\xa9", "percent escapes decode (UTF-8)");
	is_str(kv_get(&l, "d"), "", "key without = has an empty value");
	ok(kv_get(&l, "zz") == NULL, "absent key is NULL");
	kv_free(&l);
	ok(parse(&l, "a=1&a=2&&b=3", 10) == 0 && kv_count(&l, "a") == 2, "repeated keys are kept");
	kv_free(&l);
	ok(parse(&l, "a=%zz", 10) == -1, "bad escape refused");
	kv_free(&l);
	ok(parse(&l, "a=%00", 10) == -1, "NUL byte refused");
	kv_free(&l);
	ok(parse(&l, "a=%4", 10) == -1, "truncated escape refused");
	kv_free(&l);
	ok(parse(&l, "a=1&b=2&c=3", 2) == -1, "more pairs than the cap refused");
	kv_free(&l);

	memset(&r, 0, sizeof(r));
	is_int(req_media(&r, MEDIA_HTML), MEDIA_HTML, "no Accept: the default");
	r.accept = "application/json";
	is_int(req_media(&r, MEDIA_HTML), MEDIA_JSON, "Accept: application/json");
	r.accept = "application/xml";
	is_int(req_media(&r, MEDIA_HTML), MEDIA_XML, "Accept: application/xml");
	r.accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
	is_int(req_media(&r, MEDIA_HTML), MEDIA_HTML, "a browser's Accept picks HTML");
	r.accept = "application/json;q=0.5, application/xml;q=0.8";
	is_int(req_media(&r, MEDIA_HTML), MEDIA_XML, "quality values decide");

	r.accept_language = "fr-FR,fr;q=0.9,en;q=0.8";
	is_str(req_language(&r, langs), "fr", "French browser gets fr");
	r.accept_language = "de-DE,en-GB;q=0.7,fr;q=0.3";
	is_str(req_language(&r, langs), "en", "best shipped language wins");
	/* Found by fuzz-request: q=1e99 overflowed the int (UBSan). */
	r.accept_language = "fr;q=0.9,en;q=4e65";
	is_str(req_language(&r, langs), "en", "an out-of-range quality counts as 1");
	r.accept_language = "en;q=nan,fr;q=0.1";
	is_str(req_language(&r, langs), "fr", "a NaN quality counts as 0");
	r.accept_language = "de,es";
	ok(req_language(&r, langs) == NULL, "nothing shipped: NULL (caller's default)");
	r.accept_language = "french";
	ok(req_language(&r, langs) == NULL, "a prefix is not a language tag");
	/* Issue 13 item 14: names and values must be UTF-8 (the database's). */
	{
		static const struct { const char *in; int good; const char *what; } f[] = {
			{ "name=Caf%C3%A9", 1, "a UTF-8 value" },
			{ "n%C3%A9=1", 1, "a UTF-8 name" },
			{ "name=Caf%E9", 0, "a Latin-1 value" },
			{ "x%FF=1", 0, "a name with 0xFF" },
			{ "a=%C0%AF", 0, "an overlong '/'" },
			{ "a=%ED%A0%80", 0, "a UTF-16 surrogate" },
			{ "a=%F4%90%80%80", 0, "a code point above U+10FFFF" },
			{ "a=%E2%82", 0, "a truncated sequence" },
			{ "a=%F0%9F%94%92", 1, "a 4-byte character" },
		};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			struct kvlist fl = { 0 };
			ok((parse(&fl, f[i].in, 16) == 0) == f[i].good, "form: %s is %s", f[i].what,
			    f[i].good ? "accepted" : "refused");
			kv_free(&fl);
		}
	}
	/* Issue 13 item 13: redirect targets. */
	{
		static const struct { const char *in; int good; } p[] = {
			{ "/acme", 1 }, { "/invoices?page=2", 1 }, { "/acme/1#x", 1 },
			{ "//evil.test", 0 }, { "/\\evil.test", 0 }, { "/a\\b", 0 },
			{ "/\t/evil.test", 0 }, { "/x\r\nSet-Cookie: a", 0 }, { "https://evil.test/", 0 },
			{ "evil.test", 0 }, { "", 0 }, { "/\xc3\xa9", 0 }, { "/a b", 0 }, { "/\x7f", 0 },
		};
		for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
			ok(req_local_path_ok(p[i].in) == p[i].good, "redirect target #%zu %s", i,
			    p[i].good ? "followed" : "refused");
		ok(!req_local_path_ok(NULL), "no target is no target");
	}
	return tap_done();
}
