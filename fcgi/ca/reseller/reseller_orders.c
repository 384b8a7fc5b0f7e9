/*
 * GETLASTORDER (the latest order per domain, docs/upstream.md) and
 * !AutoRevokeSSL (Sectigo's form API numbering) of the reseller API.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "reseller/reseller_int.h"
#include "revoke.h"

#define FILTERS_MAX	20
#define LAST_MAX	5000	/* entries of one answer */

/* ---- filter expressions: "<field> <op> <value>" ---- */

enum fop { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_HAS, OP_HASNT };

struct filter {
	int		 date;		/* validNotAfter (else domainName) */
	enum fop	 op;
	char		 value[256];	/* domainName: lower case */
	time_t		 t;		/* validNotAfter */
};

/* Longest operators first. */
static const struct {
	const char	*text;
	enum fop	 op;
	int		 for_string, for_date;
} fops[] = {
	{ "!=", OP_NE, 1, 1 }, { ">=", OP_GE, 0, 1 }, { "<=", OP_LE, 0, 1 }, { "!?", OP_HASNT, 1, 0 },
	{ "=", OP_EQ, 1, 1 }, { ">", OP_GT, 0, 1 }, { "<", OP_LT, 0, 1 }, { "?", OP_HAS, 1, 0 },
};

/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SSZ". */
static int
filter_time(const char *s, time_t *t)
{
	char	 b[20];
	size_t	 n = strlen(s);

	if (n == 20 && s[10] == 'T' && s[19] == 'Z') {
		memcpy(b, s, 19);
		b[10] = ' ';
		b[19] = '\0';
		s = b;
	} else if (n != 10 && n != 19)
		return -1;
	return clock_parse(s, t);
}

/* One expression into *f. 0, or -1 (the caller answers invalid filter). */
static int
filter_parse(const char *s, struct filter *f)
{
	size_t	 i;
	char	*end;

	memset(f, 0, sizeof(*f));
	while (*s == ' ')
		s++;
	if (strncmp(s, "domainName", 10) == 0)
		s += 10;
	else if (strncmp(s, "validNotAfter", 13) == 0) {
		f->date = 1;
		s += 13;
	} else
		return -1;
	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		if (strncmp(s, fops[i].text, strlen(fops[i].text)) == 0)
			break;
	if (i == sizeof(fops) / sizeof(fops[0]) || !(f->date ? fops[i].for_date : fops[i].for_string))
		return -1;
	f->op = fops[i].op;
	s += strlen(fops[i].text);
	while (*s == ' ')
		s++;
	if (strlen(s) >= sizeof(f->value) || *s == '\0')
		return -1;
	snprintf(f->value, sizeof(f->value), "%s", s);
	/* A value may be quoted: 'x' or "x". */
	if ((end = f->value + strlen(f->value) - 1) > f->value && (*f->value == '\'' || *f->value == '"') &&
	    *end == *f->value) {
		*end = '\0';
		memmove(f->value, f->value + 1, strlen(f->value));
	}
	if (f->date)	/* RFC 3339 keeps its upper-case T and Z */
		return filter_time(f->value, &f->t);
	for (char *c = f->value; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

static int
cmp_ok(enum fop op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_GT: return c > 0;
	case OP_LT: return c < 0;
	case OP_GE: return c >= 0;
	case OP_LE: return c <= 0;
	default: return 0;
	}
}

/* 1 if the entry (domain, notAfter SQL text or NULL) passes every filter.
 * ? is "contains" (case-insensitive), !? its negation; an entry without
 * validNotAfter (a rejected order) fails every validNotAfter filter. */
static int
filters_pass(const struct filter *fs, size_t n, const char *domain, const char *not_after)
{
	time_t	 na = 0;
	int	 have = not_after != NULL && clock_parse(not_after, &na) == 0;

	for (size_t i = 0; i < n; i++) {
		const struct filter *f = &fs[i];
		if (f->date) {
			if (!have || !cmp_ok(f->op, na < f->t ? -1 : na > f->t))
				return 0;
		} else if (f->op == OP_HAS || f->op == OP_HASNT) {
			if ((strcasestr(domain, f->value) != NULL) != (f->op == OP_HAS))
				return 0;
		} else if (!cmp_ok(f->op, strcasecmp(domain, f->value)))
			return 0;
	}
	return 1;
}

/* ---- GETLASTORDER ---- */

/* The names of a row: certificate sans (strings) or order identifiers. */
static json_t *
row_names(const struct r_last *r)
{
	json_t	*a = json_loads(r->names != NULL ? r->names : "", 0, NULL), *out = json_array(), *v;
	size_t	 k;

	json_array_foreach(a, k, v) {
		const char *s = json_is_string(v) ? json_string_value(v) :
		    json_string_value(json_object_get(v, "value"));
		if (s != NULL)
			json_array_append_new(out, json_string(s));
	}
	json_decref(a);
	return out;
}

static json_t *
last_entry(const struct rctx *rc, const struct r_last *r, const char *domain, long long primary)
{
	char	 nb[24], na[24];
	int	 cert = r->cert, revoked = cert && r->revoked;
	const char *acct = r->account_id == primary || r->thumb == NULL ? rc->v[F_ACCOUNT] : r->thumb;
	json_t	*o = json_pack("{s:I, s:I}", "orderNumber", (json_int_t)r->order_id, "acmeOrderID",
		    (json_int_t)r->order_id);

	if (o == NULL)
		return NULL;
	if (cert) {
		rfc3339(r->not_before, 0, nb);
		rfc3339(r->not_after, 0, na);
		json_object_set_new(o, "certificateID", json_integer(r->cert_id));
	}
	json_object_set_new(o, "statusCode", json_integer(!cert ? 7 : revoked ? 8 : 6));
	json_object_set_new(o, "statusDesc", json_string(!cert ? "Rejected" : revoked ? "Revoked" : "Valid"));
	json_object_set_new(o, "domainName", json_string(domain));
	if (cert) {
		json_object_set_new(o, "serialNumber", json_string(r->serial));
		json_object_set_new(o, "validNotBefore", json_string(nb));
		json_object_set_new(o, "validNotAfter", json_string(na));
	}
	json_object_set_new(o, "acmeAccountID", json_string(acct));
	return o;
}

/* 1 if key is in seen (then nothing is added), else added. */
static int
seen_before(json_t *seen, const char *key)
{
	if (json_object_get(seen, key) != NULL)
		return 1;
	json_object_set_new(seen, key, json_true());
	return 0;
}

/*
 * GETLASTORDER: per domain the latest certificate (or rejected order)
 * of the key's primary ACME account (includeAdditionalAccounts N), or of
 * every ACME account of the key (Y); with the breakdown option Y (and Y)
 * the latest per domain and per ACME account. Then the filters.
 */
void
act_getlastorder(struct rctx *rc)
{
	struct filter	 fs[FILTERS_MAX];
	struct db_rows	 r = { 0 };
	json_t		*a = NULL, *seen = NULL;
	long long	 primary = 0, only;
	size_t		 nf = 0, n = 0;
	int		 incl, per_acct, err;

	if ((incl = yn_arg(rc, F_INCL_ADD, 0)) < 0 || (per_acct = yn_arg(rc, F_BREAKDOWN, 0)) < 0)
		goto out;
	for (size_t i = 0; i < rc->req->form.n; i++) {
		if (strcmp(rc->req->form.v[i].key, "filter") != 0)
			continue;
		if (nf == FILTERS_MAX || filter_parse(rc->req->form.v[i].val, &fs[nf]) != 0) {
			problem(rc, RP_INVALID, F_FILTER);
			goto out;
		}
		nf++;
	}
	if (account_get(rc, 0) != 0)
		goto out;
	if ((err = rdb_primary_account(rc->db, rc->eab_id, &primary)) != 0) {
		db_problem(rc, err, "account lookup");
		goto out;
	}
	only = incl ? 0 : (primary > 0 ? primary : -1);
	if ((err = rdb_last_orders(rc->db, rc->eab_id, only, &r)) != 0) {
		db_problem(rc, err, "order list");
		goto out;
	}
	a = json_array();
	seen = json_object();
	for (size_t i = 0; i < r.n && n < LAST_MAX; i++) {
		const struct r_last *row = DB_ROW(&r, struct r_last, i);
		json_t *names = row_names(row), *v;
		size_t k;
		json_array_foreach(names, k, v) {
			char key[ACME_NAME_MAX + 32];
			const char *d = json_string_value(v);
			snprintf(key, sizeof(key), "%s|%lld", d, incl && per_acct ? row->account_id : 0);
			if (seen_before(seen, key) || !filters_pass(fs, nf, d, row->not_after) || n >= LAST_MAX)
				continue;
			json_array_append_new(a, last_entry(rc, row, d, primary));
			n++;
		}
		json_decref(names);
	}
	send_json(rc, 200, json_pack("{s:o}", "Orders", a));
	a = NULL;
out:
	json_decref(a);
	json_decref(seen);
	db_rows_free(&r);
}

/* ---- !AutoRevokeSSL ---- */

#define AUTOREVOKE_FIELDS (FB(F_LOGIN) | FB(F_PASSWORD) | FB(F_ORDER_NUMBER) | FB(F_CERT_ID) | FB(F_SERIAL) | \
	FB(F_REV_REASON) | FB(F_CODE_REASON) | FB(F_TEST) | FB(F_RESP_FORMAT))

/* The AutoRevokeSSL fields check (reseller_int.h). */
int
autorevoke_fields(struct rctx *rc)
{
	for (size_t i = 0; i < rc->req->form.n; i++) {
		const char *key = rc->req->form.v[i].key, *val = rc->req->form.v[i].val;
		enum rfield f = field_of(key);
		char msg[200], safe[65];
		size_t k;
		if (f == F__MAX || !(AUTOREVOKE_FIELDS & FB(f))) {
			for (k = 0; key[k] != '\0' && k < 64; k++)
				safe[k] = isalnum((unsigned char)key[k]) || strchr("_.-", key[k]) ? key[k] : '?';
			safe[k] = '\0';
			snprintf(msg, sizeof(msg), "'%s' is an unrecognised argument!", safe);
			form_answer(rc, -2, msg);
			return -1;
		}
		int ctl = 0;
		for (const char *c = val; *c && !ctl; c++)
			ctl = (unsigned char)*c < 0x20 || *c == 0x7f;
		if (kv_count(&rc->req->form, key) > 1 || strlen(val) > rfields[f].max || ctl) {
			snprintf(msg, sizeof(msg), "The value of the '%s' argument is invalid!", rfields[f].name);
			form_answer(rc, -4, msg);
			return -1;
		}
		if (*val != '\0')
			rc->v[f] = val;
	}
	return 0;
}

/* !AutoRevokeSSL's answer (responseFormat 0: errorCode, then errorMessage,
 * one per line; 1: URL-encoded), logged first as kind "errorCode=N". */
void
form_answer(struct rctx *rc, int code, const char *msg)
{
	char	 body[1200];
	size_t	 o;
	const char *rf = kv_get(&rc->req->form, "responseFormat");
	int	 urlenc = rf != NULL && strcmp(rf, "1") == 0;

	snprintf(rc->kind, sizeof(rc->kind), "errorCode=%d", code);
	if (!rc->answered)
		call_log(rc, 200, rc->kind);
	rc->answered = 1;
	if (!urlenc) {
		snprintf(body, sizeof(body), "%d\n%s%s", code, msg != NULL ? msg : "", msg != NULL ? "\n" : "");
	} else {
		o = (size_t)snprintf(body, sizeof(body), "errorCode=%d", code);
		if (msg != NULL) {
			o += (size_t)snprintf(body + o, sizeof(body) - o, "&errorMessage=");
			for (const char *c = msg; *c && o + 4 < sizeof(body); c++) {
				if (isalnum((unsigned char)*c) || strchr("-._~", *c) != NULL)
					body[o++] = *c;
				else if (*c == ' ')
					body[o++] = '+';
				else
					o += (size_t)snprintf(body + o, sizeof(body) - o, "%%%02X", (unsigned char)*c);
			}
			body[o] = '\0';
		}
	}
	resp_header(rc->req, "Cache-Control", "no-store");
	resp_send(rc->req, 200, urlenc ? "application/x-www-form-urlencoded" : "text/plain", body,
	    strlen(body));
}


static void
invalid(struct rctx *rc, enum rfield f)
{
	char	 msg[128];

	snprintf(msg, sizeof(msg), "The value of the '%s' argument is invalid!", rfields[f].name);
	form_answer(rc, -4, msg);
}

/*
 * The certificate named by orderNumber, certificateID or serialNumber
 * (exactly one) among this login's keys: its id, or -1 with the answer
 * sent (-3 none given, -4 two given or unknown, -20 an order already
 * rejected, -26 an order still being issued, -14 database).
 */
static long long
revoke_target(struct rctx *rc)
{
	static const enum rfield which[] = { F_ORDER_NUMBER, F_CERT_ID, F_SERIAL };
	static const enum rcert_by by[] = { RC_BY_ORDER, RC_BY_ID, RC_BY_SERIAL };
	char		 serial[40] = "", *end;
	long long	 id = -1, found = -1, num = 0;
	int		 k = -1, err, st = -1;

	for (int i = 0; i < 3; i++)
		if (rc->v[which[i]] != NULL) {
			if (k >= 0) {
				invalid(rc, which[i]);
				return -1;
			}
			k = i;
		}
	if (k < 0) {
		form_answer(rc, -3, "The 'orderNumber' argument is missing!");
		return -1;
	}
	if (which[k] == F_SERIAL) {
		size_t i, o = 0;
		const char *s = rc->v[F_SERIAL];
		for (i = 0; s[i] != '\0'; i++)
			if (!isxdigit((unsigned char)s[i]))
				break;
		if (s[i] != '\0') {
			invalid(rc, F_SERIAL);
			return -1;
		}
		/* Leading zeros are not part of the 128-bit serial's 32 digits. */
		for (s += i > 32 ? i - 32 : 0; *s; s++)
			serial[o++] = (char)tolower((unsigned char)*s);
		serial[o] = '\0';
	} else {
		errno = 0;
		num = strtoll(rc->v[which[k]], &end, 10);
		if (!isdigit((unsigned char)*rc->v[which[k]]) || *end != '\0' || errno != 0 || num <= 0) {
			invalid(rc, which[k]);
			return -1;
		}
	}
	if ((err = rdb_cert_find(rc->db, by[k], num, serial, rc->conf->reseller_login, &found)) < 0)
		goto dberr;
	if (err == 1) {
		id = found;
		goto out;
	}
	if (which[k] == F_ORDER_NUMBER) {
		if ((err = rdb_order_state(rc->db, num, rc->conf->reseller_login, &st)) < 0)
			goto dberr;
		if (err == 1) {
			if (st == ORDER_INVALID)
				form_answer(rc, -20, "The order has already been rejected!");
			else
				form_answer(rc, -26, "The certificate is still being issued!");
			goto out;
		}
	}
	invalid(rc, which[k]);
	goto out;
dberr:
	form_answer(rc, -14, "An unknown error occurred!");
out:
	return id;
}

/* The certificate's status is revoked: 1, 0, or -1 (database). */
static int
is_revoked(struct rctx *rc, long long id)
{
	int	 st = -1;

	if (rdb_cert_status(rc->db, id, &st) != 1)
		return -1;
	return st == CERT_REVOKED;
}

/*
 * !AutoRevokeSSL: errorCode 0 revoked (test=Y: would be, nothing
 * changes); -2 unrecognised argument; -3 missing; -4 invalid value;
 * -14 unknown error; -16 bad login (reseller.c); -20 already rejected;
 * -21 already revoked; -26 still being issued.
 */
void
auto_revoke(struct rctx *rc)
{
	long long	 id, reason;
	int		 test, rv;

	if (autorevoke_fields(rc) != 0)
		return;
	if (rc->v[F_RESP_FORMAT] != NULL && strcmp(rc->v[F_RESP_FORMAT], "0") != 0 &&
	    strcmp(rc->v[F_RESP_FORMAT], "1") != 0) {
		invalid(rc, F_RESP_FORMAT);
		return;
	}
	if ((test = rc->v[F_TEST] == NULL ? 0 : strcmp(rc->v[F_TEST], "Y") == 0 ? 1 :
	    strcmp(rc->v[F_TEST], "N") == 0 ? 0 : -1) < 0) {
		invalid(rc, F_TEST);
		return;
	}
	reason = rc->v[F_CODE_REASON] == NULL ? 0 : rc->v[F_CODE_REASON][0] - '0';
	if (!revoke_reason_ok((int)reason) || reason == 2) {
		invalid(rc, F_CODE_REASON);
		return;
	}
	if (rc->v[F_REV_REASON] == NULL) {
		form_answer(rc, -3, "The 'revocationReason' argument is missing!");
		return;
	}
	if ((id = revoke_target(rc)) < 0)
		return;
	if (test) {
		rv = is_revoked(rc, id);
		form_answer(rc, rv < 0 ? -14 : rv ? -21 : 0, rv < 0 ? "An unknown error occurred!" :
		    rv ? "The certificate has already been revoked!" : NULL);
		return;
	}
	rv = revoke_certificate(rc->conf, id, (int)reason);
	log_info("reseller: AutoRevokeSSL certificate %lld reason %lld: %d", id, reason, rv);
	switch (rv) {
	case REVOKE_OK:
		form_answer(rc, 0, NULL);
		break;
	case REVOKE_ALREADY:
		form_answer(rc, -21, "The certificate has already been revoked!");
		break;
	case REVOKE_BAD_REASON:
		invalid(rc, F_CODE_REASON);
		break;
	default:
		form_answer(rc, -14, "An unknown error occurred!");
		break;
	}
}
