/*
 * Message catalogs: both shipped languages load and define exactly the
 * same keys, every key the C code asks for exists, money and fallback
 * behave.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "i18n.h"
#include "tap.h"

/* Keys looked up from C (auth.c, app.c); views look theirs up through i18n:t. */
static const char *const c_keys[] = {
	"err.400", "err.401", "err.403", "err.404", "err.405", "err.413", "err.414",
	"err.500", "err.503", "err.csrf", "err.login.required", "err.password.required",
	"err.login.wrong", "err.login.throttled", "err.lang.invalid", "err.apikey", "err.role",
	"err.account.incompatible",
};

/* Keys of one catalog file, newline-joined in document order. */
static size_t
keys_of(const char *path, char ***out)
{
	xmlDocPtr	 doc = xmlReadFile(path, "UTF-8", XML_PARSE_NONET);
	size_t		 n = 0;

	*out = NULL;
	if (doc == NULL)
		return 0;
	for (xmlNodePtr m = xmlDocGetRootElement(doc)->children; m != NULL; m = m->next) {
		xmlChar *k;
		if (m->type != XML_ELEMENT_NODE || (k = xmlGetProp(m, BAD_CAST "k")) == NULL)
			continue;
		*out = realloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = strdup((char *)k);
		xmlFree(k);
	}
	xmlFreeDoc(doc);
	return n;
}

static int
has(char **keys, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return 1;
	return 0;
}

int
main(void)
{
	const char	*top = getenv("ROOT") ? getenv("ROOT") : getenv("top_srcdir");
	char		 dir[1024], path[1100], err[512], money[64];
	char		**en = NULL, **fr = NULL;
	size_t		 nen, nfr, missing = 0;

	snprintf(dir, sizeof(dir), "%s/views", top ? top : ".");
	ok(i18n_load(dir, err, sizeof(err)) == 0, "catalogs load from %s", dir);
	snprintf(path, sizeof(path), "%s/i18n/en.xml", dir);
	nen = keys_of(path, &en);
	snprintf(path, sizeof(path), "%s/i18n/fr.xml", dir);
	nfr = keys_of(path, &fr);
	ok(nen > 0, "English catalog has %zu keys", nen);
	is_int(nfr, nen, "French catalog has as many keys");
	for (size_t i = 0; i < nen; i++)
		if (!has(fr, nfr, en[i])) {
			printf("# missing in fr: %s\n", en[i]);
			missing++;
		}
	for (size_t i = 0; i < nfr; i++)
		if (!has(en, nen, fr[i])) {
			printf("# missing in en: %s\n", fr[i]);
			missing++;
		}
	is_int(missing, 0, "both catalogs define the same keys");
	missing = 0;
	for (size_t i = 0; i < sizeof(c_keys) / sizeof(c_keys[0]); i++)
		if (!has(en, nen, c_keys[i])) {
			printf("# not in catalog: %s\n", c_keys[i]);
			missing++;
		}
	is_int(missing, 0, "every key used by the C code is defined");

	ok(strcmp(i18n_get(i18n_catalog("fr"), "err.404"), i18n_get(i18n_catalog("en"), "err.404")) != 0,
	    "French and English texts differ");
	is_str(i18n_lang(i18n_catalog("de")), "en", "an unshipped language falls back to English");
	is_str(i18n_get(i18n_catalog("en"), "no.such.key"), "no.such.key", "a missing key shows itself");

	i18n_money(i18n_catalog("en"), 123456789, money, sizeof(money));
	is_str(money, "\xe2\x82\xac" "1,234,567.89", "English money format");
	i18n_money(i18n_catalog("fr"), 123456789, money, sizeof(money));
	is_str(money, "1\xe2\x80\xaf" "234\xe2\x80\xaf" "567,89\xc2\xa0\xe2\x82\xac", "French money format");
	i18n_money(i18n_catalog("en"), -5, money, sizeof(money));
	is_str(money, "-\xe2\x82\xac" "0.05", "negative cents");
	i18n_money(i18n_catalog("en"), 0, money, sizeof(money));
	is_str(money, "\xe2\x82\xac" "0.00", "zero");

	for (size_t i = 0; i < nen; i++)
		free(en[i]);
	for (size_t i = 0; i < nfr; i++)
		free(fr[i]);
	free(en);
	free(fr);
	i18n_unload();
	return tap_done();
}
