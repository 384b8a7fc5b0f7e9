/*
 * Creation of EAB keys (RFC 8555 §7.3.4), shared by caasctl-ca eab-add
 * and the reseller API's PREREGISTER so both make keys the same way.
 */
#ifndef CA_EAB_KEYS_H
#define CA_EAB_KEYS_H

#include "ca.h"
#include "db.h"

#define EAB_KID_B64_LEN		32	/* 24 random bytes, base64url */
#define EAB_HMAC_B64_LEN	43	/* 32 random bytes, base64url */

/* Which input eab_key_check refused. */
enum eab_field { EABF_OK, EABF_LEVEL, EABF_ORG, EABF_ORG_NAME, EABF_ORG_CITY, EABF_ORG_COUNTRY };

/*
 * Check a key's level ("DV", "OV", "QWAC") and organization (NULL
 * members mean absent). DV carries no organization; OV and QWAC need
 * all three members when require_org is set, else all or none.
 * Returns EABF_OK or the refused field with *why a static reason.
 */
enum eab_field	eab_key_check(const char *level, const char *org_name, const char *org_city,
		    const char *org_country, int require_org, const char **why);

/*
 * Create a pending EAB key with fresh random kid and HMAC key, the HMAC
 * key sealed with conf->eab_key (eab.c); db is a handle on acme_sql.
 * Inputs must have passed eab_key_check. On 0, kid and hmac_b64 hold
 * the key's id and its HMAC key in base64url (shown once, never
 * stored in clear: the caller cleanses hmac_b64 after use). -1 on
 * randomness, sealing or database failure (logged).
 */
int	eab_key_create(struct db *db, const struct ca_conf *conf, const char *level,
	    const char *org_name, const char *org_city, const char *org_country,
	    char kid[EAB_KID_B64_LEN + 1], char hmac_b64[EAB_HMAC_B64_LEN + 1]);

#endif
