/*
 * Message catalogs: every visible text comes from views/i18n/<lang>.xml
 * (<messages><m k="key">text</m>…</messages>), loaded once at start.
 * Stylesheets reach them through the XSLT extension functions
 * i18n:t('key'), i18n:money(cents) and i18n:date('YYYY-MM-DD…')
 * in namespace urn:caas:i18n.
 */
#ifndef CAAS_I18N_H
#define CAAS_I18N_H

#define I18N_NS	"urn:caas:i18n"

struct catalog;

/* The shipped languages, NULL-terminated; the first is the fallback. */
extern const char *const i18n_langs[];

/* Load every shipped catalog from dir; -1 with err set on failure. */
int			 i18n_load(const char *dir, char *err, size_t errsz);
void			 i18n_unload(void);
/* Catalog of lang, or of the fallback language. */
const struct catalog	*i18n_catalog(const char *lang);
const char		*i18n_lang(const struct catalog *);
/* Text of key; the key itself (logged once) when missing. */
const char		*i18n_get(const struct catalog *, const char *key);
/* "1 234,56 €" (fr) or "€1,234.56" (en) into out. */
void			 i18n_money(const struct catalog *, long long cents, char *out, size_t outsz);
/* Register the XSLT extension functions (once per process). */
void			 i18n_register_xslt(void);

#endif
