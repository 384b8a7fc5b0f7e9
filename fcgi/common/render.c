#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

#include "log.h"
#include "render.h"

#define MAX_VIEWS	64

struct view {
	char			 name[48];
	xsltStylesheetPtr	 style;
};

static struct view		 views[MAX_VIEWS];
static size_t			 nviews;
static xsltSecurityPrefsPtr	 secprefs;

int
render_init(const char *dir, const char *const *names, char *err, size_t errsz)
{
	char	 path[1024];

	exsltRegisterAll();
	i18n_register_xslt();
	if ((secprefs = xsltNewSecurityPrefs()) == NULL) {
		snprintf(err, errsz, "xsltNewSecurityPrefs failed");
		return -1;
	}
	/* Views transform the model only: no files, no network. */
	xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
	xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
	xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
	for (nviews = 0; names[nviews] != NULL; nviews++) {
		if (nviews == MAX_VIEWS) {
			snprintf(err, errsz, "more than %d views", MAX_VIEWS);
			return -1;
		}
		snprintf(views[nviews].name, sizeof(views[nviews].name), "%s", names[nviews]);
		snprintf(path, sizeof(path), "%s/%s.xsl", dir, names[nviews]);
		views[nviews].style = xsltParseStylesheetFile(BAD_CAST path);
		if (views[nviews].style == NULL) {
			snprintf(err, errsz, "%s: does not compile", path);
			return -1;
		}
	}
	return 0;
}

void
render_shutdown(void)
{
	for (size_t i = 0; i < nviews; i++)
		xsltFreeStylesheet(views[i].style);
	nviews = 0;
	if (secprefs != NULL)
		xsltFreeSecurityPrefs(secprefs);
	secprefs = NULL;
	xsltCleanupGlobals();
}

void
render_security_headers(struct req *r)
{
	resp_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	resp_header(r, "X-Content-Type-Options", "nosniff");
	resp_header(r, "X-Frame-Options", "DENY");
	resp_header(r, "Referrer-Policy", "same-origin");
	resp_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	resp_header(r, "Cache-Control", "no-store");
	resp_header(r, "Vary", "Accept, Accept-Language, Cookie");
}

static xsltStylesheetPtr
find_view(const char *name)
{
	for (size_t i = 0; i < nviews; i++)
		if (strcmp(views[i].name, name) == 0)
			return views[i].style;
	return NULL;
}

/* HTML through the view's stylesheet; -1 if the transformation fails. */
static int
render_html(struct req *r, const struct model *m, int status, const struct catalog *cat)
{
	xsltStylesheetPtr	 style;
	xsltTransformContextPtr	 t = NULL;
	xmlDocPtr		 out = NULL;
	xmlChar			*html = NULL;
	int			 len = 0, rc = -1;

	if ((style = find_view(model_view(m))) == NULL) {
		log_error("no view named %s", model_view(m));
		return -1;
	}
	if ((t = xsltNewTransformContext(style, m->doc)) == NULL)
		goto out;
	t->_private = (void *)(uintptr_t)cat;
	if (xsltSetCtxtSecurityPrefs(secprefs, t) != 0)
		goto out;
	out = xsltApplyStylesheetUser(style, m->doc, NULL, NULL, NULL, t);
	if (out == NULL || t->state != XSLT_STATE_OK) {
		log_error("view %s failed to transform", model_view(m));
		goto out;
	}
	if (xsltSaveResultToString(&html, &len, out, style) != 0)
		goto out;
	resp_send(r, status, "text/html; charset=utf-8", html, (size_t)len);
	rc = 0;
out:
	xmlFree(html);
	if (out != NULL)
		xmlFreeDoc(out);
	if (t != NULL)
		xsltFreeTransformContext(t);
	return rc;
}

int
render_text(const char *view, xmlDocPtr doc, const struct catalog *cat, char **out,
    size_t *len)
{
	xsltStylesheetPtr	 style;
	xsltTransformContextPtr	 t = NULL;
	xmlDocPtr		 res = NULL;
	xmlChar			*text = NULL;
	int			 n = 0, rc = -1;

	*out = NULL;
	*len = 0;
	if ((style = find_view(view)) == NULL) {
		log_error("no view named %s", view);
		return -1;
	}
	if ((t = xsltNewTransformContext(style, doc)) == NULL)
		goto out;
	t->_private = (void *)(uintptr_t)cat;
	if (xsltSetCtxtSecurityPrefs(secprefs, t) != 0)
		goto out;
	res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, t);
	if (res == NULL || t->state != XSLT_STATE_OK) {
		log_error("view %s failed to transform", view);
		goto out;
	}
	if (xsltSaveResultToString(&text, &n, res, style) != 0 || (*out = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(*out, text ? (char *)text : "", (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	xmlFree(text);
	if (res != NULL)
		xmlFreeDoc(res);
	if (t != NULL)
		xsltFreeTransformContext(t);
	return rc;
}

void
render_model(struct req *r, const struct model *m, int status, enum media media,
    const struct catalog *cat)
{
	static const char oops[] = "Internal error: the page could not be rendered.\n";
	char		*text = NULL;
	size_t		 len = 0;
	json_t		*j;

	render_security_headers(r);
	resp_header(r, "Content-Language", i18n_lang(cat));
	switch (media) {
	case MEDIA_JSON:
		if ((j = model_to_json(m)) != NULL) {
			text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(j);
		}
		if (text != NULL) {
			resp_send(r, status, "application/json", text, strlen(text));
			free(text);
			return;
		}
		break;
	case MEDIA_XML:
		if ((text = model_to_xml(m, &len)) != NULL) {
			resp_send(r, status, "application/xml; charset=utf-8", text, len);
			free(text);
			return;
		}
		break;
	default:
		if (render_html(r, m, status, cat) == 0)
			return;
		break;
	}
	resp_send(r, 500, "text/plain; charset=utf-8", oops, sizeof(oops) - 1);
}
