#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlsave.h>

#include "model.h"

struct model *
model_new(const char *view)
{
	struct model	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->doc = xmlNewDoc(BAD_CAST "1.0")) == NULL ||
	    (m->root = xmlNewNode(NULL, BAD_CAST "page")) == NULL) {
		model_free(m);
		return NULL;
	}
	xmlDocSetRootElement(m->doc, m->root);
	xmlNewProp(m->root, BAD_CAST "view", BAD_CAST view);
	return m;
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	if (m->doc != NULL)
		xmlFreeDoc(m->doc);
	free(m);
}

const char *
model_view(const struct model *m)
{
	xmlAttrPtr a = xmlHasProp(m->root, BAD_CAST "view");
	return a && a->children ? (const char *)a->children->content : "";
}

xmlNodePtr
m_text(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST (text ? text : ""));
}

static xmlNodePtr
typed(xmlNodePtr parent, const char *name, const char *text, const char *type)
{
	xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST name, text ? BAD_CAST text : NULL);
	if (n != NULL)
		xmlNewProp(n, BAD_CAST "type", BAD_CAST type);
	return n;
}

xmlNodePtr
m_int(xmlNodePtr parent, const char *name, long long v)
{
	char	 s[32];

	snprintf(s, sizeof(s), "%lld", v);
	return typed(parent, name, s, "int");
}

xmlNodePtr
m_bool(xmlNodePtr parent, const char *name, int v)
{
	return typed(parent, name, v ? "true" : "false", "bool");
}

xmlNodePtr
m_null(xmlNodePtr parent, const char *name)
{
	return typed(parent, name, NULL, "null");
}

xmlNodePtr
m_obj(xmlNodePtr parent, const char *name)
{
	return typed(parent, name, NULL, "obj");
}

xmlNodePtr
m_list(xmlNodePtr parent, const char *name)
{
	return typed(parent, name, NULL, "list");
}

void
m_omit(xmlNodePtr n)
{
	if (n != NULL)
		xmlSetProp(n, BAD_CAST "json", BAD_CAST "omit");
}

static int
is_omitted(xmlNodePtr n)
{
	xmlChar	*v = xmlGetProp(n, BAD_CAST "json");
	int	 r = v != NULL && xmlStrEqual(v, BAD_CAST "omit");

	xmlFree(v);
	return r;
}

static int
has_type(xmlNodePtr n, const char *t)
{
	xmlChar	*v = xmlGetProp(n, BAD_CAST "type");
	int	 r = v != NULL && xmlStrEqual(v, BAD_CAST t);

	xmlFree(v);
	return r;
}

static json_t *node_json(xmlNodePtr);

static json_t *
children_json(xmlNodePtr n, int as_list)
{
	json_t	*j = as_list ? json_array() : json_object();

	for (xmlNodePtr c = n->children; c != NULL && j != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is_omitted(c))
			continue;
		if (as_list)
			json_array_append_new(j, node_json(c));
		else
			json_object_set_new(j, (const char *)c->name, node_json(c));
	}
	return j;
}

static json_t *
node_json(xmlNodePtr n)
{
	xmlChar	*text;
	json_t	*j;

	if (has_type(n, "list"))
		return children_json(n, 1);
	if (has_type(n, "obj"))
		return children_json(n, 0);
	if (has_type(n, "null"))
		return json_null();
	text = xmlNodeGetContent(n);
	if (has_type(n, "int"))
		j = json_integer(strtoll((const char *)text, NULL, 10));
	else if (has_type(n, "bool"))
		j = json_boolean(xmlStrEqual(text, BAD_CAST "true"));
	else
		j = json_string(text ? (const char *)text : "");
	xmlFree(text);
	return j;
}

json_t *
model_to_json(const struct model *m)
{
	return children_json(m->root, 0);
}

static void
strip_omitted(xmlNodePtr n)
{
	xmlNodePtr c = n->children, next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_omitted(c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else
			strip_omitted(c);
	}
}

char *
model_to_xml(const struct model *m, size_t *len)
{
	xmlDocPtr	 copy;
	xmlChar		*mem = NULL;
	int		 size = 0;
	char		*out = NULL;

	if ((copy = xmlCopyDoc(m->doc, 1)) == NULL)
		return NULL;
	strip_omitted(xmlDocGetRootElement(copy));
	xmlDocDumpFormatMemoryEnc(copy, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(copy);
	if (mem != NULL && (out = malloc((size_t)size + 1)) != NULL) {
		memcpy(out, mem, (size_t)size);
		out[size] = '\0';
		*len = (size_t)size;
	}
	xmlFree(mem);
	return out;
}

void
m_rfc3339(xmlNodePtr p, const char *name, const char *sql)
{
	char	 out[24];

	if (sql == NULL || strlen(sql) < 19) {
		m_null(p, name);
		return;
	}
	snprintf(out, sizeof(out), "%.10sT%.8sZ", sql, sql + 11);
	m_text(p, name, out);
}
