/*
 * Certificate revocation of the bundled CA, shared by ACME revokeCert
 * (RFC 8555 §7.6), the reseller API (!AutoRevokeSSL, REMOVEDOMAIN within
 * 30 days) and the expiry job. Reasons are RFC 5280 CRLReason codes;
 * the ones accepted are 0 unspecified, 1 keyCompromise,
 * 3 affiliationChanged, 4 superseded, 5 cessationOfOperation.
 */
#ifndef CA_REVOKE_H
#define CA_REVOKE_H

#include "ca.h"
#include "db.h"

#define REVOKE_OK		0
#define REVOKE_ALREADY		1	/* already revoked: nothing changed */
#define REVOKE_NOT_FOUND	2
#define REVOKE_BAD_REASON	3
#define REVOKE_ERR		(-1)	/* database or signer error (logged) */

int	revoke_reason_ok(int reason);

/*
 * Revoke certificate id (certificates.id) with reason at the current
 * clock time, in one transaction on db, then regenerate the CRL (the
 * CRL failure is logged, not returned: the daily job regenerates it).
 * db is a handle of the caller; revoke.c runs its own statements on a
 * handle it opens from conf on first use.
 */
int	revoke_certificate(const struct ca_conf *, long long cert_id, int reason);

/* Regenerate ca_dir/crl/issuing.crl from the database through the signer. 0 or -1. */
int	crl_regenerate(const struct ca_conf *);

#endif
