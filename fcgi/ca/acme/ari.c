/*
 * ACME Renewal Information (RFC 9773): GET <dir>/renewal-info/<certID>
 * with certID = base64url(AKI keyIdentifier) "." base64url(serial).
 *
 * The suggested window is normally the last third of the lifetime's
 * first two thirds (days 60–70 of 90). It moves earlier when the
 * certificate will not live to its notAfter: when an enrollment that
 * covers it (its subscription's domain) ends before, the window closes
 * a day before that; a revoked certificate, or one no enrollment covers
 * any more, gets a window in the past so that clients renew at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "acme/acme_handlers.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"

#define DAY		86400
#define RETRY_NORMAL	"21600"	/* RFC 9773 §4.2's example: six hours */
#define RETRY_URGENT	"60"	/* §4.3.2: the floor */

/* SKI of the issuing CA (public certificate, read once per worker). */
static int
issuer_ski(const struct ca_conf *conf, unsigned char *out, size_t *len)
{
	static unsigned char	 ski[64];
	static size_t		 skilen;
	char			 path[1024];
	FILE			*f;
	X509			*x = NULL;
	const ASN1_OCTET_STRING	*id;

	if (skilen == 0) {
		snprintf(path, sizeof(path), "%s/issuing.pem", conf->ca_dir);
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (x == NULL || (id = X509_get0_subject_key_id(x)) == NULL ||
		    (size_t)ASN1_STRING_length(id) > sizeof(ski)) {
			X509_free(x);
			return -1;
		}
		skilen = (size_t)ASN1_STRING_length(id);
		memcpy(ski, ASN1_STRING_get0_data(id), skilen);
		X509_free(x);
	}
	memcpy(out, ski, skilen);
	*len = skilen;
	return 0;
}

/* certID → serial as our lower-case hex; -1 if malformed or not our issuer. */
static int
parse_certid(const struct actx *ax, char serial[41])
{
	const char	*dot = strchr(ax->arg, '.');
	unsigned char	 aki[64], ski[64], ser[32];
	long		 akilen, serlen;
	size_t		 skilen, o = 0, i = 0;

	if (dot == NULL)
		return -1;
	akilen = b64url_decode(ax->arg, (size_t)(dot - ax->arg), aki, sizeof(aki));
	serlen = b64url_decode(dot + 1, strlen(dot + 1), ser, sizeof(ser));
	if (akilen <= 0 || serlen <= 0 || serlen > 20)
		return -1;
	if (issuer_ski(ax->conf, ski, &skilen) != 0 || (size_t)akilen != skilen ||
	    memcmp(aki, ski, skilen) != 0)
		return -1;
	while (i < (size_t)serlen - 1 && ser[i] == 0)	/* DER sign byte */
		i++;
	for (; i < (size_t)serlen; i++)
		o += (size_t)snprintf(serial + o, 41 - o, "%02x", ser[i]);
	return 0;
}

/*
 * When the enrollments of the certificate's key stop covering it:
 * for each SAN the latest expiry among the enrollments covering it,
 * then the earliest of those. now when a SAN has no enrollment at all.
 */
static time_t
coverage_end(const struct db_res *doms, const char *sans_text, time_t now)
{
	json_t	*sans = json_loads(sans_text, 0, NULL), *v;
	time_t	 end = 0, t;
	size_t	 i;

	json_array_foreach(sans, i, v) {
		time_t best = 0;
		for (size_t k = 0; k < doms->nrows; k++)
			if (domain_covers(db_cell(doms, k, 0), json_string_value(v)) &&
			    clock_parse(db_cell(doms, k, 1), &t) == 0 && t > best)
				best = t;
		if (best == 0)
			best = now;
		if (end == 0 || best < end)
			end = best;
	}
	json_decref(sans);
	return end ? end : now;
}

void
h_renewal_info(struct actx *ax)
{
	struct db_res	*c = NULL, *d = NULL;
	char		 serial[41], s1[CLOCK_SQL_LEN], s2[CLOCK_SQL_LEN], a[32], b[32];
	time_t		 now = clock_now(), nb, na, start, end, cut;
	const char	*retry = RETRY_NORMAL;
	json_t		*j;
	int		 rc;

	if (parse_certid(ax, serial) != 0) {
		acme_problem(ax, PB_MALFORMED, "certID must be base64url(AKI).base64url(serial) of "
		    "a certificate of this CA");
		return;
	}
	rc = db_run(ax->db, A_CERT_BY_SERIAL, (struct db_param[]){ DB_S(serial) }, 1, &c);
	if (rc == 0 && c->nrows == 1)
		rc = db_run(ax->db, A_KEY_DOMAINS_ALL, (struct db_param[]){ DB_I(db_cell_int(c, 0, 1)) }, 1, &d);
	if (rc != 0) {
		acme_db_problem(ax, rc);
		goto out;
	}
	if (c->nrows != 1 || clock_parse(db_cell(c, 0, 3), &nb) != 0 ||
	    clock_parse(db_cell(c, 0, 4), &na) != 0) {
		acme_problem(ax, PB_NOT_FOUND, "no certificate of this CA has that certID");
		goto out;
	}
	start = nb + (na - nb) * 2 / 3;
	end = start + (na - nb) / 9;
	cut = strcmp(db_cell(c, 0, 5), "revoked") == 0 ? now : coverage_end(d, db_cell(c, 0, 2), now);
	if (cut < na) {
		/* It will be revoked at cut (or is already): close the window a day before. */
		end = cut - DAY;
		start = end - 2 * DAY;
		if (start < nb)
			start = nb;
		if (end <= now) {
			start = now - 2 * DAY;
			end = now - DAY;
			retry = RETRY_URGENT;
		} else if (end <= start)
			start = end - 3600;
	}
	clock_sql(start, s1);
	clock_sql(end, s2);
	acme_time(s1, a);
	acme_time(s2, b);
	j = json_pack("{s:{s:s, s:s}}", "suggestedWindow", "start", a, "end", b);
	if (ax->conf->website_url != NULL)
		json_object_set_new(j, "explanationURL", json_string(ax->conf->website_url));
	resp_header(ax->req, "Retry-After", retry);
	acme_reply_get(ax, 200, j);
out:
	db_res_free(c);
	db_res_free(d);
}
