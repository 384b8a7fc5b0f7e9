/*
 * The bundled CA: configuration shared by its programs (ca-fcgi, the
 * ACME server; ca-signer, the only holder of the CA key; ca-validator,
 * which performs challenge validation; caasctl-ca, the admin CLI).
 * Reference: docs/ca-config.md.
 */
#ifndef CA_H
#define CA_H

#include "db.h"

struct ca_conf {
	/* ca-fcgi */
	char	*listen;
	long	 workers;
	char	*pidfile;
	char	*base_url;		/* https://host:port, no trailing slash */
	long	 max_body;
	char	*terms_url;
	char	*website_url;
	char	*caa_identities;	/* comma-separated */
	long	 nonce_ttl;		/* seconds */
	long	 order_ttl;		/* seconds */
	char	*reseller_login;	/* reseller API (/products/): unset disables it */
	char	*reseller_password_file;	/* refused if group or world can read it */
	char	*reseller_fault_file;	/* tests only: one fault rule (reseller_fault.c) */
	int	 reseller_remove_revokes;	/* REMOVEDOMAIN in the refund window revokes (twin choice) */
	long	 reseller_revoke_page;		/* certificates read per page for those revocations */
	long	 reseller_login_max_failures;	/* failed logins per loginName per window */
	long	 reseller_addr_max_failures;	/* failed logins per source address per window */
	long	 reseller_failure_window;	/* seconds */
	char	*metrics_allow;		/* networks that may read /metrics and /healthz (metrics.h) */
	/* shared */
	char	*log;
	char	*log_level;
	char	*db_host;
	long	 db_port;
	char	*db_socket;
	char	*db_name;
	char	*db_user;
	char	*db_password_file;
	char	*schema_dir;
	char	*eab_key_file;		/* 64 hex chars: AES-256-GCM key for EAB HMAC keys */
	/* ca-signer */
	char	*signer_socket;
	char	*signer_pidfile;
	char	*signer_clients;	/* "user,…": who may connect besides root and the signer */
	char	*ca_dir;		/* root.pem, root.key (init only), issuing.pem, issuing.key */
	long	 validity_days;
	/* Per profile (issue 17): 0 takes validity_days. The CA/Browser Forum
	 * shortens TLS lifetimes (under 100 days from March 2027, 47 from 2029). */
	long	 validity_days_dv;
	long	 validity_days_ov;
	long	 validity_days_qwac;
	char	*crl_url;
	char	*aia_url;
	/* ca-validator */
	char	*validator_socket;	/* datagram socket: a byte wakes the validator */
	char	*validator_pidfile;
	long	 validator_workers;
	long	 http01_port;		/* 80 in production */
	long	 tls_alpn01_port;	/* 443 in production */
	char	*dns_server;		/* "IPV4ADDR[:PORT]" for dns-01; NULL or "": the system's */
	char	*resolve;		/* "SUFFIX=ADDR,…" e.g. "test=127.0.0.1"; dev/test only */
	int	 allow_private_addresses;	/* false in production */
	long	 validation_timeout;	/* seconds per attempt */
	long	 validation_max_bytes;	/* response cap */

	/* Derived at load. */
	char	*db_password;
	char	*reseller_password;	/* from reseller_password_file */
	unsigned char eab_key[32];
	unsigned char nonce_key[32];	/* HMAC-SHA256(eab_key, "acme-nonce-v1"): signs nonces */
};

/* The secret files a program reads: each program loads only its own. */
#define CA_SECRET_DB		0x1	/* db_password_file */
#define CA_SECRET_EAB		0x2	/* eab_key_file (and the nonce key derived from it) */
#define CA_SECRET_RESELLER	0x4	/* reseller_password_file */
#define CA_SECRET_ALL		0x7

/* Load path (or $CA_CONFIG, or /etc/acme-caas/ca.conf); exits with the reason on error.
 * prog is the log prefix ("ca", "ca-signer", …). Reads every secret file. */
void		 ca_conf_load(struct ca_conf *, const char *path, const char *prog);
/*
 * The same, reading only the secret files named in secrets (CA_SECRET_*):
 * the others are neither opened nor required, so the signer runs without
 * any access to the database password or the EAB key, and the validator
 * with the database password alone.
 */
void		 ca_conf_load_secrets(struct ca_conf *, const char *path, const char *prog,
		    unsigned int secrets);
void		 ca_conf_free(struct ca_conf *);
struct db	*ca_db_open(const struct ca_conf *, const char *const *sqls, size_t n, int multi);

#endif
