/*
 * GET /accounting/export (accounting role only): without parameters the
 * form; with from, to and format the file itself, streamed as it is
 * produced (export.h) with Content-Disposition: attachment.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "jobs/export.h"
#include "log.h"
#include "render.h"

/* The validated query: the days from_s..to_s of the legal time zone. */
struct export_query {
	const char		*from_s, *to_s, *format_s, *encoding_s;
	struct export_spec	 spec;
};

/* The export statements over the worker's connection, so they reconnect with it. */
static struct db *
export_handle(struct ctx *c)
{
	static struct db	*db;

	if (db == NULL)
		db = export_db_share(c->db);
	/* A connection that died while idle (database restart) reconnects. */
	if (db != NULL)
		(void)db_fresh(db);
	return db;
}

/* A "YYYY-MM-DD" date and nothing else. */
static int
day_ok(const char *s, time_t *t)
{
	return s != NULL && strlen(s) == 10 && clock_parse(s, t) == 0;
}

/* NULL when q is valid, else the message key; *field names the culprit. */
static const char *
query_check(const struct center_conf *conf, struct export_query *q, const char **field)
{
	time_t	 from, to;
	int	 f, e;

	for (f = 0; f < EXPORT_FORMAT__MAX; f++)
		if (q->format_s != NULL && strcmp(q->format_s, export_format_names[f]) == 0)
			break;
	*field = "format";
	if (f == EXPORT_FORMAT__MAX)
		return "err.export.format";
	q->spec.format = (enum export_format)f;
	*field = "encoding";
	for (e = 0; e < EXPORT_ENCODING__MAX; e++)
		if (q->encoding_s == NULL || strcmp(q->encoding_s, export_encoding_names[e]) == 0)
			break;
	if (e == EXPORT_ENCODING__MAX || (e != EXPORT_UTF8 && f != EXPORT_FEC))
		return "err.export.encoding";
	q->spec.encoding = (enum export_encoding)e;
	*field = "from";
	if (!day_ok(q->from_s, &from))
		return "err.export.date";
	*field = "to";
	if (!day_ok(q->to_s, &to))
		return "err.export.date";
	if (to < from)
		return "err.export.range";
	/* The whole days in the legal time zone, the last one included. */
	if (export_bounds(conf->legal_timezone, q->from_s, q->to_s, &q->spec.from,
	    &q->spec.until) == -1)
		return "err.export.date";
	return NULL;
}

/* The form, with the values sent back and the refusal when there is one. */
static int
form(struct ctx *c, const struct export_query *q, int status, const char *msgkey,
    const char *field)
{
	struct model	*m;
	xmlNodePtr	 f, e;

	if ((m = page_new(c, "export")) == NULL)
		return 500;
	f = m_obj(m->root, "form");
	m_text(f, "from", q->from_s != NULL ? q->from_s : "");
	m_text(f, "to", q->to_s != NULL ? q->to_s : "");
	m_text(f, "format", q->format_s != NULL ? q->format_s : "csv");
	m_text(f, "encoding", q->encoding_s != NULL ? q->encoding_s : "utf-8");
	m_text(f, "timezone", c->conf->legal_timezone);
	if (msgkey != NULL) {
		e = m_obj(m->root, "error");
		m_text(e, "field", field);
		m_text(e, "message", i18n_get(c->cat, msgkey));
	}
	page_send(c, m, status);
	return 0;
}

/* The response starts with the first chunk, so a failure before it is a clean error page. */
struct web_sink {
	struct ctx			*c;
	const struct export_query	*q;
	int				 started;
};

static int
web_write(void *arg, const char *data, size_t len)
{
	struct web_sink	*w = arg;
	struct req	*r = w->c->req;
	char		 disp[192], name[128];
	int		 csv = w->q->spec.format != EXPORT_FEC;

	if (!w->started) {
		if (export_file_name(w->c->conf, w->q->spec.format, w->q->from_s, w->q->to_s,
		    name, sizeof(name)) == -1)
			return -1;
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
		render_security_headers(r);
		resp_header(r, "Content-Disposition", disp);
		resp_start(r, 200, csv ? "text/csv; charset=utf-8" :
		    w->q->spec.encoding == EXPORT_LATIN9 ? "text/plain; charset=iso-8859-15" :
		    "text/plain; charset=utf-8");
		w->started = 1;
	}
	return resp_write(r, data, len);
}

int
h_export(struct ctx *c)
{
	struct export_query	 q = { 0 };
	struct export_totals	 t;
	struct web_sink		 w = { .c = c, .q = &q };
	struct db		*db;
	const char		*msg, *field;
	int			 rc;

	q.from_s = kv_get(&c->req->qs, "from");
	q.to_s = kv_get(&c->req->qs, "to");
	q.format_s = kv_get(&c->req->qs, "format");
	q.encoding_s = kv_get(&c->req->qs, "encoding");
	if (q.from_s == NULL && q.to_s == NULL && q.format_s == NULL && q.encoding_s == NULL)
		return form(c, &q, 200, NULL, NULL);
	if ((msg = query_check(c->conf, &q, &field)) != NULL)
		return form(c, &q, 400, msg, field);
	if ((db = export_handle(c)) == NULL)
		return 500;
	rc = export_run(db, c->conf, &q.spec, web_write, &w, &t);
	if (rc == 0 || (rc == -2 && w.started))
		return 0;	/* done, or the client left */
	if (!w.started)
		return rc == DB_EDOWN ? 503 : 500;
	/*
	 * Part of the file is out: ending the response normally would hand
	 * the accountant a truncated ledger that looks whole. Leave without
	 * ending the FastCGI request, so nginx aborts the transfer (no last
	 * chunk) and the client sees it failed; the master respawns us.
	 */
	log_error("export %s %s..%s failed after %lld rows; aborting the transfer",
	    export_format_names[q.spec.format], q.from_s, q.to_s, t.rows);
	_exit(1);
}
