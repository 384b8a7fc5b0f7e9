/*
 * The bundled CA's configuration keys (docs/ca-config.md is the
 * reference; keep both in step).
 */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"

/* The installation's directories, from configure (Makefile.am: AM_CPPFLAGS). */
#ifndef CAAS_DATADIR
#define CAAS_DATADIR	"/usr/share/acme-caas"
#endif
#ifndef CAAS_CONFDIR
#define CAAS_CONFDIR	"/etc/acme-caas"
#endif
#ifndef CAAS_STATEDIR
#define CAAS_STATEDIR	"/var/lib/acme-caas"
#endif

#define K(n, t, d, lo, hi) { #n, t, offsetof(struct ca_conf, n), d, lo, hi }

static const struct conf_key ca_keys[] = {
	K(listen, CONF_STR, "unix:/run/acme-caas-ca/ca.sock", 0, 0),
	K(workers, CONF_INT, "4", 1, 256),
	K(pidfile, CONF_STR, NULL, 0, 0),
	K(base_url, CONF_STR, NULL, 0, 0),
	K(max_body, CONF_INT, "65536", 1024, 1048576),
	K(terms_url, CONF_STR, NULL, 0, 0),
	K(website_url, CONF_STR, NULL, 0, 0),
	K(caa_identities, CONF_STR, NULL, 0, 0),
	K(nonce_ttl, CONF_INT, "3600", 10, 86400),
	K(order_ttl, CONF_INT, "604800", 60, 30L * 86400),
	K(reseller_login, CONF_STR, NULL, 0, 0),
	K(reseller_password_file, CONF_STR, NULL, 0, 0),
	K(reseller_remove_revokes, CONF_BOOL, "no", 0, 0),
	K(reseller_fault_file, CONF_STR, NULL, 0, 0),
	K(reseller_revoke_page, CONF_INT, "500", 1, 10000),
	K(reseller_login_max_failures, CONF_INT, "10", 1, 100000),
	K(reseller_addr_max_failures, CONF_INT, "30", 1, 1000000),
	K(reseller_failure_window, CONF_INT, "900", 10, 86400),
	K(metrics_allow, CONF_STR, "127.0.0.0/8, ::1/128", 0, 0),
	K(log, CONF_STR, "stderr", 0, 0),
	K(log_level, CONF_STR, "info", 0, 0),
	K(db_host, CONF_STR, NULL, 0, 0),
	K(db_port, CONF_INT, "3306", 1, 65535),
	K(db_socket, CONF_STR, "/run/mysqld/mysqld.sock", 0, 0),
	K(db_name, CONF_STR, "ca", 0, 0),
	K(db_user, CONF_STR, "ca", 0, 0),
	K(db_password_file, CONF_STR, NULL, 0, 0),
	K(schema_dir, CONF_STR, CAAS_DATADIR "/schema/ca", 0, 0),
	K(eab_key_file, CONF_STR, NULL, 0, 0),
	K(signer_socket, CONF_STR, "/run/acme-caas-signer/signer.sock", 0, 0),
	K(signer_pidfile, CONF_STR, NULL, 0, 0),
	K(signer_clients, CONF_STR, NULL, 0, 0),
	K(ca_dir, CONF_STR, CAAS_STATEDIR "/ca", 0, 0),
	K(validity_days, CONF_INT, "90", 1, 398),
	K(validity_days_dv, CONF_INT, "0", 0, 398),
	K(validity_days_ov, CONF_INT, "0", 0, 398),
	K(validity_days_qwac, CONF_INT, "0", 0, 398),
	K(crl_url, CONF_STR, NULL, 0, 0),
	K(aia_url, CONF_STR, NULL, 0, 0),
	K(validator_socket, CONF_STR, "/run/acme-caas-validator/validator.sock", 0, 0),
	K(validator_pidfile, CONF_STR, NULL, 0, 0),
	K(validator_workers, CONF_INT, "2", 1, 64),
	K(http01_port, CONF_INT, "80", 1, 65535),
	K(tls_alpn01_port, CONF_INT, "443", 1, 65535),
	K(dns_server, CONF_STR, NULL, 0, 0),
	K(resolve, CONF_STR, NULL, 0, 0),
	K(allow_private_addresses, CONF_BOOL, "false", 0, 0),
	K(validation_timeout, CONF_INT, "10", 1, 120),
	K(validation_max_bytes, CONF_INT, "4096", 256, 65536),
};
#define NKEYS (sizeof(ca_keys) / sizeof(ca_keys[0]))

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The reseller password file must be readable by its owner only (issue 13
 * item 8): a group- or world-readable one is refused, naming the mode. */
static void
secret_mode_or_exit(const char *path)
{
	struct stat	 st;

	if (path == NULL)
		return;
	if (stat(path, &st) != 0)
		fatalx("config: %s: %s", path, strerror(errno));
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		fatalx("config: %s: mode %04o: group or others can read it; chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
}

/* The EAB key and the nonce key derived from it; exits on error. */
static void
load_eab_key(struct ca_conf *c, const char *path)
{
	char		*hex = NULL;

	if (c->eab_key_file == NULL)
		fatalx("config: %s: eab_key_file is required (64 hex characters)", path);
	hex = conf_secret_or_exit(c->eab_key_file);
	if (strlen(hex) != 64)
		fatalx("config: %s: expected 64 hex characters", c->eab_key_file);
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fatalx("config: %s: expected 64 hex characters", c->eab_key_file);
		c->eab_key[i] = (unsigned char)(hi * 16 + lo);
	}
	OPENSSL_cleanse(hex, strlen(hex));
	free(hex);
	/* Every worker on every host derives the same nonce key (acme.c). */
	if (HMAC(EVP_sha256(), c->eab_key, sizeof(c->eab_key), (const unsigned char *)"acme-nonce-v1",
	    13, c->nonce_key, NULL) == NULL)
		fatalx("config: cannot derive the nonce key");
}

void
ca_conf_load_secrets(struct ca_conf *c, const char *path, const char *prog, unsigned int secrets)
{
	memset(c, 0, sizeof(*c));
	path = conf_load_or_exit(path, "CA_CONFIG", CAAS_CONFDIR "/ca.conf", ca_keys, NKEYS, c);
	if (c->base_url == NULL || strncmp(c->base_url, "https://", 8) != 0 ||
	    c->base_url[strlen(c->base_url) - 1] == '/')
		fatalx("config: %s: base_url must be https://host[:port] without a trailing slash", path);
	if ((c->reseller_login == NULL) != (c->reseller_password_file == NULL))
		fatalx("config: %s: set both reseller_login and reseller_password_file, or neither", path);
	if (secrets & CA_SECRET_DB)
		c->db_password = conf_secret_or_exit(c->db_password_file);
	/* Every program checks the mode (a stat, not a read), even those that never read it. */
	secret_mode_or_exit(c->reseller_password_file);
	if (secrets & CA_SECRET_RESELLER) {
		c->reseller_password = conf_secret_or_exit(c->reseller_password_file);
		if (c->reseller_password != NULL && strlen(c->reseller_password) < 16)
			fatalx("config: %s: at least 16 characters", c->reseller_password_file);
	}
	metrics_allow_check(c->metrics_allow, path);
#ifndef CAAS_TEST_HOOKS
	if (c->reseller_fault_file != NULL)
		fatalx("config: %s: reseller_fault_file is a test hook, but this build has no test "
		    "hooks (configure --enable-test-hooks)", path);
#endif
	if (secrets & CA_SECRET_EAB)
		load_eab_key(c, path);
	conf_log_setup(path, prog, c->log, c->log_level);
}

void
ca_conf_load(struct ca_conf *c, const char *path, const char *prog)
{
	ca_conf_load_secrets(c, path, prog, CA_SECRET_ALL);
}

void
ca_conf_free(struct ca_conf *c)
{
	conf_free(ca_keys, NKEYS, c);
	free(c->db_password);
	if (c->reseller_password != NULL)
		OPENSSL_cleanse(c->reseller_password, strlen(c->reseller_password));
	free(c->reseller_password);
	OPENSSL_cleanse(c->eab_key, sizeof(c->eab_key));
	OPENSSL_cleanse(c->nonce_key, sizeof(c->nonce_key));
	memset(c, 0, sizeof(*c));
}

struct db *
ca_db_open(const struct ca_conf *c, const char *const *sqls, size_t n, int multi)
{
	struct db_conf	 dc = {
		.host = c->db_host,
		.port = (unsigned int)c->db_port,
		.socket = c->db_socket,
		.name = c->db_name,
		.user = c->db_user,
		.password = c->db_password,
	};

	return db_open(&dc, sqls, n, multi);
}
