/*
 * Page rendering: the model goes out as HTML through its view's XSLT
 * stylesheet, or as its JSON / XML twin, with the security headers on
 * every response. Stylesheets are compiled once, at start, and run
 * with libxslt security preferences that forbid file and network
 * access.
 */
#ifndef CAAS_RENDER_H
#define CAAS_RENDER_H

#include "i18n.h"
#include "model.h"
#include "req.h"

/* Compile views_dir/<name>.xsl for each name (NULL-terminated list). */
int	render_init(const char *views_dir, const char *const *views, char *err, size_t errsz);
void	render_shutdown(void);

/* Security headers every response carries (CSP, nosniff, framing, caching). */
void	render_security_headers(struct req *);
/* Send the model as the given media with the given status. */
void	render_model(struct req *, const struct model *, int status, enum media,
	    const struct catalog *);
/*
 * Transform doc with the compiled view (its output method is text, as
 * for e-mail) into a malloc'd NUL-terminated string at *out, *len
 * bytes; the catalog answers i18n:t. 0, or -1 (logged) when the view is
 * unknown or the transformation fails; *out is then NULL.
 */
int	render_text(const char *view, xmlDocPtr doc, const struct catalog *, char **out,
	    size_t *len);

#endif
