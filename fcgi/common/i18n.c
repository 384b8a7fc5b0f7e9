#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpathInternals.h>
#include <libxslt/extensions.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>

#include "i18n.h"
#include "log.h"

const char *const i18n_langs[] = { "en", "fr", NULL };

struct catalog {
	char		 lang[8];
	xmlHashTablePtr	 msgs;
};

static struct catalog	 catalogs[2];
static size_t		 ncatalogs;

static void
free_entry(void *payload, const xmlChar *name)
{
	(void)name;
	xmlFree(payload);
}

static int
load_one(struct catalog *c, const char *dir, const char *lang, char *err, size_t errsz)
{
	char		 path[1024];
	xmlDocPtr	 doc;
	xmlNodePtr	 n;
	int		 rc = -1;

	snprintf(c->lang, sizeof(c->lang), "%s", lang);
	snprintf(path, sizeof(path), "%s/i18n/%s.xml", dir, lang);
	doc = xmlReadFile(path, "UTF-8", XML_PARSE_NONET);
	if (doc == NULL) {
		snprintf(err, errsz, "%s: cannot parse", path);
		return -1;
	}
	if ((c->msgs = xmlHashCreate(512)) == NULL)
		goto out;
	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
		xmlChar	*k, *v;

		if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "m"))
			continue;
		if ((k = xmlGetProp(n, BAD_CAST "k")) == NULL) {
			snprintf(err, errsz, "%s:%ld: <m> without k", path, xmlGetLineNo(n));
			goto out;
		}
		v = xmlNodeGetContent(n);
		if (xmlHashAddEntry(c->msgs, k, v) != 0) {
			snprintf(err, errsz, "%s: key %s defined twice", path, (char *)k);
			xmlFree(k);
			xmlFree(v);
			goto out;
		}
		xmlFree(k);
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

int
i18n_load(const char *dir, char *err, size_t errsz)
{
	i18n_unload();
	for (size_t i = 0; i18n_langs[i] != NULL; i++) {
		if (load_one(&catalogs[i], dir, i18n_langs[i], err, errsz) == -1)
			return -1;
		ncatalogs = i + 1;
	}
	return 0;
}

void
i18n_unload(void)
{
	for (size_t i = 0; i < ncatalogs; i++)
		xmlHashFree(catalogs[i].msgs, free_entry);
	ncatalogs = 0;
}

const struct catalog *
i18n_catalog(const char *lang)
{
	for (size_t i = 0; lang != NULL && i < ncatalogs; i++)
		if (strcmp(catalogs[i].lang, lang) == 0)
			return &catalogs[i];
	return ncatalogs ? &catalogs[0] : NULL;
}

const char *
i18n_lang(const struct catalog *c)
{
	return c ? c->lang : i18n_langs[0];
}

const char *
i18n_get(const struct catalog *c, const char *key)
{
	const char	*v;

	if (c == NULL)
		return key;
	if ((v = xmlHashLookup(c->msgs, BAD_CAST key)) == NULL) {
		log_warnx("i18n: no \"%s\" in catalog %s", key, c->lang);
		return key;
	}
	return v;
}

void
i18n_money(const struct catalog *c, long long cents, char *out, size_t outsz)
{
	int		 fr = c != NULL && strcmp(c->lang, "fr") == 0;
	unsigned long long a = (unsigned long long)(cents < 0 ? -cents : cents);
	char		 units[32], grouped[48];
	size_t		 n, g = 0;

	snprintf(units, sizeof(units), "%llu", a / 100);
	n = strlen(units);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0) {
			if (fr) {	/* narrow no-break space U+202F */
				grouped[g++] = '\xe2'; grouped[g++] = '\x80'; grouped[g++] = '\xaf';
			} else
				grouped[g++] = ',';
		}
		grouped[g++] = units[i];
	}
	grouped[g] = '\0';
	if (fr)
		snprintf(out, outsz, "%s%s,%02llu\xc2\xa0\xe2\x82\xac", cents < 0 ? "-" : "",
		    grouped, a % 100);
	else
		snprintf(out, outsz, "%s\xe2\x82\xac%s.%02llu", cents < 0 ? "-" : "",
		    grouped, a % 100);
}

/* The catalog of the running transformation (set by the renderer). */
static const struct catalog *
xslt_catalog(xmlXPathParserContextPtr ctxt)
{
	xsltTransformContextPtr	 t = xsltXPathGetTransformContext(ctxt);

	return t != NULL ? t->_private : NULL;
}

static void
xslt_t(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar	*key;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	if ((key = xmlXPathPopString(ctxt)) == NULL)
		return;
	xmlXPathReturnString(ctxt, xmlStrdup(BAD_CAST i18n_get(xslt_catalog(ctxt), (char *)key)));
	xmlFree(key);
}

static void
xslt_money(xmlXPathParserContextPtr ctxt, int nargs)
{
	char	 out[64];
	double	 v;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	v = xmlXPathPopNumber(ctxt);
	i18n_money(xslt_catalog(ctxt), (long long)v, out, sizeof(out));
	xmlXPathReturnString(ctxt, xmlStrdup(BAD_CAST out));
}

/* "2026-11-29" or "2026-11-29 10:00:00" → "29/11/2026" (fr) or "2026-11-29" (en). */
static void
xslt_date(xmlXPathParserContextPtr ctxt, int nargs)
{
	const struct catalog	*c;
	xmlChar			*s;
	char			 out[32];
	int			 y, m, d;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	c = xslt_catalog(ctxt);
	if ((s = xmlXPathPopString(ctxt)) == NULL)
		return;
	if (sscanf((char *)s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		snprintf(out, sizeof(out), "%s", (char *)s);
	else if (c != NULL && strcmp(c->lang, "fr") == 0)
		snprintf(out, sizeof(out), "%02d/%02d/%04d", d, m, y);
	else
		snprintf(out, sizeof(out), "%04d-%02d-%02d", y, m, d);
	xmlFree(s);
	xmlXPathReturnString(ctxt, xmlStrdup(BAD_CAST out));
}

void
i18n_register_xslt(void)
{
	xsltRegisterExtModuleFunction(BAD_CAST "t", BAD_CAST I18N_NS, xslt_t);
	xsltRegisterExtModuleFunction(BAD_CAST "money", BAD_CAST I18N_NS, xslt_money);
	xsltRegisterExtModuleFunction(BAD_CAST "date", BAD_CAST I18N_NS, xslt_date);
}
