/*
 * EAB key creation, shared by caasctl-ca and the reseller API.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme/acme.h"
#include "clock.h"
#include "crypto.h"
#include "acme/eab_keys.h"
#include "log.h"

enum eab_field
eab_key_check(const char *level, const char *name, const char *city, const char *country,
    int require_org, const char **why)
{
	int	 any = name != NULL || city != NULL || country != NULL;
	int	 all = name != NULL && city != NULL && country != NULL;

	if (level == NULL || (strcmp(level, "DV") != 0 && strcmp(level, "OV") != 0 &&
	    strcmp(level, "QWAC") != 0)) {
		*why = "must be DV, OV or QWAC";
		return EABF_LEVEL;
	}
	if (strcmp(level, "DV") == 0) {
		*why = "DV keys carry no organization";
		return any ? EABF_ORG : EABF_OK;
	}
	if (!all && (require_org || any)) {
		*why = "OV and QWAC keys need the organization's name, city and country";
		return name == NULL ? EABF_ORG_NAME : city == NULL ? EABF_ORG_CITY : EABF_ORG_COUNTRY;
	}
	if (!all)
		return EABF_OK;
	if (*name == '\0' || strlen(name) > 64) {
		*why = "1 to 64 characters";
		return EABF_ORG_NAME;
	}
	if (*city == '\0' || strlen(city) > 128) {
		*why = "1 to 128 characters";
		return EABF_ORG_CITY;
	}
	if (strlen(country) != 2 || !isupper((unsigned char)country[0]) ||
	    !isupper((unsigned char)country[1])) {
		*why = "an ISO 3166 two-letter code in capitals, like FR";
		return EABF_ORG_COUNTRY;
	}
	return EABF_OK;
}

/*
 * Random bytes as base64url whose first character is a letter or digit:
 * a kid or HMAC key starting with "-" would be taken for an option by
 * the customer's ACME client (certbot --eab-kid -abc…). Costs at most a
 * few redraws and under one bit of the key's entropy.
 */
static int
random_b64(unsigned char *raw, size_t n, char *out)
{
	do {
		if (crypto_random(raw, n) == -1)
			return -1;
		b64url_encode(raw, n, out);
	} while (out[0] == '-' || out[0] == '_');
	return 0;
}

int
eab_key_create(struct db *db, const struct ca_conf *conf, const char *level,
    const char *name, const char *city, const char *country,
    char kid[EAB_KID_B64_LEN + 1], char hmac_b64[EAB_HMAC_B64_LEN + 1])
{
	unsigned char	 raw_kid[24], hmac[EAB_HMAC_LEN], sealed[EAB_SEALED_LEN];
	char		 sealed_b64[96], now[CLOCK_SQL_LEN];
	int		 rc = -1;

	if (random_b64(raw_kid, sizeof(raw_kid), kid) == -1 ||
	    random_b64(hmac, sizeof(hmac), hmac_b64) == -1) {
		log_warnx("eab_key_create: crypto_random failed");
		goto out;
	}
	if (eab_seal(conf->eab_key, kid, hmac, sealed) != 0) {
		log_warnx("eab_key_create: eab_seal failed");
		goto out;
	}
	b64url_encode(sealed, sizeof(sealed), sealed_b64);
	clock_sql(clock_now(), now);
	if (db_run(db, A_EAB_INSERT, (struct db_param[]){ DB_S(kid), DB_S(level), DB_S(sealed_b64),
	    DB_SN(name), DB_SN(city), DB_SN(country), DB_S(now) }, 7, NULL) != 0) {
		log_warnx("eab_key_create: A_EAB_INSERT failed");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(hmac, sizeof(hmac));
	if (rc != 0)
		OPENSSL_cleanse(hmac_b64, EAB_HMAC_B64_LEN + 1);
	return rc;
}
