/*
 * The page model: one XML document per response, built node by node
 * (text always goes through xmlNewTextChild, so it is escaped by
 * libxml2, never by us). Element types make the JSON twin exact:
 *   type="list"  → JSON array of the children
 *   type="int"   → JSON integer, type="bool" → true/false, type="null" → null
 *   element children → JSON object, otherwise → JSON string.
 * Nodes marked m_omit() (session chrome, CSRF token) are left out of
 * the JSON and XML twins and only reach the HTML stylesheet.
 */
#ifndef CAAS_MODEL_H
#define CAAS_MODEL_H

#include <libxml/tree.h>
#include <jansson.h>

struct model {
	xmlDocPtr	 doc;
	xmlNodePtr	 root;	/* <page view="…"> */
};

struct model	*model_new(const char *view);
void		 model_free(struct model *);
const char	*model_view(const struct model *);

xmlNodePtr	 m_text(xmlNodePtr parent, const char *name, const char *text);
xmlNodePtr	 m_int(xmlNodePtr parent, const char *name, long long v);
/* SQL "YYYY-MM-DD HH:MM:SS" (UTC) as RFC 3339 "…T…Z"; null when sql is NULL or short. */
void		 m_rfc3339(xmlNodePtr parent, const char *name, const char *sql);
xmlNodePtr	 m_bool(xmlNodePtr parent, const char *name, int v);
xmlNodePtr	 m_null(xmlNodePtr parent, const char *name);
xmlNodePtr	 m_obj(xmlNodePtr parent, const char *name);
xmlNodePtr	 m_list(xmlNodePtr parent, const char *name);
void		 m_omit(xmlNodePtr);

/* JSON of the model's root children (omitted nodes skipped); new reference. */
json_t		*model_to_json(const struct model *);
/* Serialised XML twin (omitted nodes removed) as malloc'd text. */
char		*model_to_xml(const struct model *, size_t *len);

#endif
