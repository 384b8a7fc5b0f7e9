/*
 * ACME revokeCert (RFC 8555 §7.6): POST <dir>/revoke-cert with
 * {"certificate": base64url DER, "reason"?: CRLReason}, signed either
 * with the kid of the account that ordered the certificate, with the
 * kid of an account that holds valid authorizations for every name of
 * the certificate (§7.6 MUST, as Boulder), or with a jwk equal to the
 * certificate's own public key (no account needed).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "acme/acme.h"
#include "acme/acme_handlers.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "revoke.h"

#define CERT_B64_MAX	(16 * 1024)	/* a leaf of ours is well under 3 KB */
#define SERIAL_BYTES	16		/* signer.h: 128-bit serials */

enum rastmt {
	RA_CERT_BY_SERIAL,
	RA_AUTHZ_HELD,
	RA__MAX
};

static const char *const revoke_acme_sql[RA__MAX] = {
	[RA_CERT_BY_SERIAL] =
	    "SELECT id, account_id, status, pem, sans FROM certificates WHERE serial = ?",
	/* A valid, unexpired authorization of this account for one name. */
	[RA_AUTHZ_HELD] =
	    "SELECT COUNT(*) FROM authorizations WHERE account_id = ? AND identifier = ? "
	    "AND wildcard = ? AND status = 'valid' AND expires_at > ?",
};

/* This worker's handle on revoke_acme_sql, opened on first use. */
static struct db *
ra_db(const struct ca_conf *conf)
{
	static struct db	*db;

	if (db == NULL)
		db = ca_db_open(conf, revoke_acme_sql, RA__MAX, 0);
	return db;
}

/* The payload's certificate, parsed, with nothing after it; NULL if malformed. */
static X509 *
payload_cert(const json_t *payload, unsigned char **der, size_t *derlen)
{
	const char		*b64 = json_string_value(json_object_get(payload, "certificate"));
	const unsigned char	*p;
	long			 n;
	X509			*x;

	*der = NULL;
	if (b64 == NULL || strlen(b64) == 0 || strlen(b64) > CERT_B64_MAX ||
	    (*der = malloc(strlen(b64))) == NULL ||
	    (n = b64url_decode(b64, strlen(b64), *der, strlen(b64))) <= 0)
		return NULL;
	p = *der;
	if ((x = d2i_X509(NULL, &p, n)) != NULL && p != *der + n) {
		X509_free(x);
		return NULL;
	}
	*derlen = (size_t)n;
	return x;
}

/* Our serial form (32 lower-case hex digits) of x; -1 if it cannot be one of ours. */
static int
cert_serial(X509 *x, char out[2 * SERIAL_BYTES + 1])
{
	BIGNUM		*bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	unsigned char	 b[SERIAL_BYTES];
	int		 rc = -1;

	if (bn == NULL || BN_is_negative(bn) || BN_bn2binpad(bn, b, sizeof(b)) != (int)sizeof(b))
		goto out;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/* 1 if the stored chain's leaf is byte for byte der. */
static int
same_leaf(const char *pem, const unsigned char *der, size_t derlen)
{
	BIO		*bio = BIO_new_mem_buf(pem, -1);
	X509		*x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char	*d = NULL;
	int		 n = x ? i2d_X509(x, &d) : -1, same;

	same = n > 0 && (size_t)n == derlen && memcmp(d, der, derlen) == 0;
	OPENSSL_free(d);
	X509_free(x);
	BIO_free(bio);
	return same;
}

/* The reason member: 0 when absent; -1 when not an allowed integer. */
static int
payload_reason(const json_t *payload)
{
	const json_t	*r = json_object_get(payload, "reason");

	if (r == NULL)
		return 0;
	if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) > 10 ||
	    !revoke_reason_ok((int)json_integer_value(r)))
		return -1;
	return (int)json_integer_value(r);
}

/*
 * 1 if the account holds a valid, unexpired authorization for every name
 * of sans_text (the certificate's stored dNSNames, a JSON array); 0 if
 * not, or if anything cannot be read.
 */
static int
holds_authorizations(struct actx *ax, struct db *db, const char *sans_text)
{
	json_t		*sans = sans_text ? json_loads(sans_text, 0, NULL) : NULL, *v;
	char		 now[CLOCK_SQL_LEN];
	struct db_res	*r = NULL;
	size_t		 i;
	int		 all = json_is_array(sans) && json_array_size(sans) > 0;

	clock_sql(clock_now(), now);
	json_array_foreach(sans, i, v) {
		const char	*n = json_string_value(v);
		int		 wild = n != NULL && strncmp(n, "*.", 2) == 0;

		if (!all || n == NULL || db_run(db, RA_AUTHZ_HELD, (struct db_param[]){
		    DB_I(ax->acct_id), DB_S(n + (wild ? 2 : 0)), DB_I(wild), DB_S(now) }, 4, &r) != 0 ||
		    db_cell_int(r, 0, 0) == 0)
			all = 0;
		db_res_free(r);
		r = NULL;
	}
	json_decref(sans);
	return all;
}

/*
 * §7.6: who may revoke. kid: the account that ordered it, or one that
 * holds authorizations for all its names; jwk: the certificate's key.
 * 0 when allowed, -1 after answering unauthorized.
 */
static int
revoke_allowed(struct actx *ax, struct db *db, X509 *x, long long owner, const char *sans)
{
	if (ax->jwk == NULL && ax->acct_id == owner)
		return 0;
	if (ax->jwk == NULL && holds_authorizations(ax, db, sans))
		return 0;
	if (ax->jwk != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), ax->key) == 1)
		return 0;
	acme_problem(ax, PB_UNAUTHORIZED, ax->jwk == NULL ?
	    "this account neither ordered that certificate nor holds authorizations for all "
	    "its names" :
	    "the JWS key is not the certificate's public key");
	return -1;
}

void
h_revoke_cert(struct actx *ax)
{
	struct db_res	*r = NULL;
	struct db	*db;
	unsigned char	*der = NULL;
	size_t		 derlen = 0;
	char		 serial[2 * SERIAL_BYTES + 1];
	X509		*x = NULL;
	int		 reason, rc;

	if (!json_is_object(ax->jws.payload) ||
	    (x = payload_cert(ax->jws.payload, &der, &derlen)) == NULL) {
		acme_problem(ax, PB_MALFORMED, "certificate: required, a base64url DER certificate");
		goto out;
	}
	if ((reason = payload_reason(ax->jws.payload)) == -1) {
		acme_problem(ax, PB_BAD_REVOCATION_REASON,
		    "reason: one of 0 unspecified, 1 keyCompromise, 3 affiliationChanged, "
		    "4 superseded, 5 cessationOfOperation");
		goto out;
	}
	if (cert_serial(x, serial) == -1) {
		acme_problem(ax, PB_NOT_FOUND, "certificate: not issued by this CA");
		goto out;
	}
	if ((db = ra_db(ax->conf)) == NULL ||
	    (rc = db_run(db, RA_CERT_BY_SERIAL, (struct db_param[]){ DB_S(serial) }, 1, &r)) != 0) {
		acme_db_problem(ax, db == NULL ? DB_ERR : rc);
		goto out;
	}
	if (r->nrows != 1 || !same_leaf(db_cell(r, 0, 3), der, derlen)) {
		acme_problem(ax, PB_NOT_FOUND, "certificate: not issued by this CA");
		goto out;
	}
	if (revoke_allowed(ax, db, x, db_cell_int(r, 0, 1), db_cell(r, 0, 4)) != 0)
		goto out;
	switch (revoke_certificate(ax->conf, db_cell_int(r, 0, 0), reason)) {
	case REVOKE_OK:
		acme_reply_empty(ax, 200);
		break;
	case REVOKE_ALREADY:
		acme_problem(ax, PB_ALREADY_REVOKED, "certificate: already revoked");
		break;
	case REVOKE_NOT_FOUND:
		acme_problem(ax, PB_NOT_FOUND, "certificate: not issued by this CA");
		break;
	case REVOKE_BAD_REASON:
		acme_problem(ax, PB_BAD_REVOCATION_REASON, "reason: not allowed");
		break;
	default:
		acme_problem(ax, PB_SERVER_INTERNAL, "the certificate could not be revoked; retry later");
		break;
	}
out:
	db_res_free(r);
	X509_free(x);
	free(der);
}
