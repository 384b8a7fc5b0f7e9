/*
 * The customer area's configuration keys (docs/config.md is the
 * reference; keep both in step).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "billing.h"
#include "center.h"
#include "conf.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"

/* The installation's directories, from configure (Makefile.am: AM_CPPFLAGS). */
#ifndef CAAS_DATADIR
#define CAAS_DATADIR	"/usr/share/acme-caas"
#endif
#ifndef CAAS_CONFDIR
#define CAAS_CONFDIR	"/etc/acme-caas"
#endif

#define K(n, t, d, lo, hi) { #n, t, offsetof(struct center_conf, n), d, lo, hi }

static const struct conf_key center_keys[] = {
	K(listen, CONF_STR, "unix:/run/acme-caas/center.sock", 0, 0),
	K(workers, CONF_INT, "4", 1, 256),
	K(pidfile, CONF_STR, NULL, 0, 0),
	K(log, CONF_STR, "stderr", 0, 0),
	K(log_level, CONF_STR, "info", 0, 0),
	K(db_host, CONF_STR, NULL, 0, 0),
	K(db_port, CONF_INT, "3306", 1, 65535),
	K(db_socket, CONF_STR, "/run/mysqld/mysqld.sock", 0, 0),
	K(db_name, CONF_STR, "center", 0, 0),
	K(db_user, CONF_STR, "center", 0, 0),
	K(db_password_file, CONF_STR, NULL, 0, 0),
	K(views_dir, CONF_STR, CAAS_DATADIR "/views", 0, 0),
	K(schema_dir, CONF_STR, CAAS_DATADIR "/schema/center", 0, 0),
	K(max_body, CONF_INT, "1048576", 1024, 64L * 1024 * 1024),
	K(max_query, CONF_INT, "8192", 256, 65536),
	K(session_ttl, CONF_INT, "28800", 60, 30L * 86400),
	K(cookie_secure, CONF_BOOL, "true", 0, 0),
	K(default_lang, CONF_STR, "en", 0, 0),
	K(auth_mode, CONF_STR, "local", 0, 0),
	K(auth_header_secret_file, CONF_STR, NULL, 0, 0),
	K(allow_test_domains, CONF_BOOL, "false", 0, 0),
	K(caas_api_base, CONF_STR, NULL, 0, 0),
	K(caas_login, CONF_STR, NULL, 0, 0),
	K(caas_password_file, CONF_STR, NULL, 0, 0),
	K(caas_ca_bundle, CONF_STR, NULL, 0, 0),
	K(caas_timeout, CONF_INT, "30", 1, 300),
	K(caas_currency, CONF_STR, "EUR", 0, 0),
	K(upstream_check_account, CONF_STR, NULL, 0, 0),
	K(upstream_check_domain, CONF_STR, NULL, 0, 0),
	K(revocation_confirm_delay, CONF_INT, "3600", 0, 30 * 86400),
	K(fault_file, CONF_STR, NULL, 0, 0),
	K(subscriptions_per_hour, CONF_INT, "20", 1, 100000),
	K(smtp_url, CONF_STR, NULL, 0, 0),
	K(mail_from, CONF_STR, NULL, 0, 0),
	K(smtp_timeout, CONF_INT, "30", 1, 300),
	K(smtp_user, CONF_STR, NULL, 0, 0),
	K(smtp_password_file, CONF_STR, NULL, 0, 0),
	K(smtp_ca_bundle, CONF_STR, NULL, 0, 0),
	K(public_url, CONF_STR, NULL, 0, 0),
	K(invoice_seller_name, CONF_STR, "ACME CaaS", 0, 0),
	K(invoice_seller_address, CONF_STR, NULL, 0, 0),
	K(invoice_seller_vat_id, CONF_STR, NULL, 0, 0),
	K(fec_journal_code, CONF_STR, "VE", 0, 0),
	K(fec_journal_label, CONF_STR, "Ventes", 0, 0),
	K(fec_customer_account, CONF_STR, "411000", 0, 0),
	K(fec_sales_account, CONF_STR, "706000", 0, 0),
	K(fec_vat_account, CONF_STR, "445710", 0, 0),
	K(fec_bank_account, CONF_STR, "512000", 0, 0),
	K(renewal_watch_fraction, CONF_STR, "0.2", 0, 0),
	K(renewal_never_issued_days, CONF_INT, "7", 1, 365),
	K(webhook_allow_private, CONF_BOOL, "false", 0, 0),
	K(webhook_allow_http, CONF_BOOL, "false", 0, 0),
	K(webhook_timeout, CONF_INT, "10", 1, 60),
	K(webhook_answer_max, CONF_INT, "65536", 256, 1048576),
	K(webhook_retry_hours, CONF_INT, "24", 1, 168),
	K(webhook_endpoints_max, CONF_INT, "20", 1, 1000),
	K(legal_timezone, CONF_STR, "Europe/Paris", 0, 0),
	K(siren, CONF_STR, NULL, 0, 0),
	K(mail_from_name, CONF_STR, NULL, 0, 0),
	K(base_path, CONF_STR, NULL, 0, 0),
	K(metrics_allow, CONF_STR, "127.0.0.0/8, ::1/128", 0, 0),
};
#define NKEYS (sizeof(center_keys) / sizeof(center_keys[0]))

/* The notification keys: an SMTP URL needs a sender; links need a base URL. */
static void
mail_conf_check(const struct center_conf *c, const char *path)
{
	const char	*u = c->smtp_url, *p = c->public_url;

	if (u != NULL && *u != '\0' && strncmp(u, "smtp://", 7) != 0 && strncmp(u, "smtps://", 8) != 0)
		fatalx("config: %s: smtp_url must start with smtp:// or smtps://", path);
	if (u != NULL && *u != '\0' && (c->mail_from == NULL || !mail_addr_ok(c->mail_from)))
		fatalx("config: %s: smtp_url needs mail_from, a plain address (name@example.net)", path);
	/* Credentials (issue 13 item 11): never in the URL, in a file like every
	 * other secret, and only ever sent over TLS (mail.c requires it). */
	if (u != NULL && !mail_url_has_no_credentials(u))
		fatalx("config: %s: smtp_url must not hold credentials: set smtp_user and "
		    "smtp_password_file", path);
	if ((c->smtp_user != NULL) != (c->smtp_password_file != NULL))
		fatalx("config: %s: smtp_user and smtp_password_file go together", path);
	if (c->smtp_password_file != NULL) {
		struct stat st;
		if (stat(c->smtp_password_file, &st) == 0 && (st.st_mode & S_IROTH))
			fatalx("config: %s: %s is world-readable: chmod o-r it (it holds the SMTP "
			    "password)", path, c->smtp_password_file);
	}
	if (p != NULL && *p != '\0' && ((strncmp(p, "http://", 7) != 0 &&
	    strncmp(p, "https://", 8) != 0) || p[strlen(p) - 1] == '/'))
		fatalx("config: %s: public_url must be http(s)://host[/path] without a trailing slash",
		    path);
}

/*
 * renewal_watch_fraction: a decimal from 0.01 to 0.99 with at most three
 * decimals ("0.2", a fifth), kept as per mille so that no float reaches
 * the comparisons.
 */
static void
watch_conf_check(struct center_conf *c, const char *path)
{
	const char	*s = c->renewal_watch_fraction, *d;
	long		 v = 0, scale = 100;

	if (strncmp(s, "0.", 2) != 0 || strlen(s) < 3 || strlen(s) > 5 ||
	    strspn(s + 2, "0123456789") != strlen(s + 2))
		fatalx("config: %s: renewal_watch_fraction must be a decimal such as 0.2 "
		    "(from 0.01 to 0.99, at most three decimals)", path);
	for (d = s + 2; *d != '\0'; d++, scale /= 10)
		v += (*d - '0') * scale;
	if (v < 10 || v > 990)
		fatalx("config: %s: renewal_watch_fraction must be from 0.01 to 0.99", path);
	c->renewal_watch_permille = v;
}

/* An accounting code of the FEC: 1..max letters and digits. */
static void
fec_code_or_exit(const char *path, const char *key, const char *v, size_t max)
{
	size_t	 n = strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

	if (n == 0 || n > max || v[n] != '\0')
		fatalx("config: %s: %s must be 1 to %zu letters or digits", path, key, max);
}

/* The FEC settings end up in a '|'-separated file: keep them plain. */
static void
fec_conf_check(const struct center_conf *c, const char *path)
{
	fec_code_or_exit(path, "fec_journal_code", c->fec_journal_code, 10);
	fec_code_or_exit(path, "fec_customer_account", c->fec_customer_account, 20);
	fec_code_or_exit(path, "fec_sales_account", c->fec_sales_account, 20);
	fec_code_or_exit(path, "fec_vat_account", c->fec_vat_account, 20);
	fec_code_or_exit(path, "fec_bank_account", c->fec_bank_account, 20);
	if (strpbrk(c->fec_journal_label, "|\t") != NULL || strlen(c->fec_journal_label) > 100)
		fatalx("config: %s: fec_journal_label: at most 100 characters, no '|' or tab", path);
}

/*
 * The legal time zone names a file of the system tz database (tzdata):
 * glibc silently falls back to UTC for an unknown TZ, which would date
 * the books wrongly, so an unknown or odd name stops the programs.
 */
static void
legal_conf_check(const struct center_conf *c, const char *path)
{
	const char	*z = c->legal_timezone, *dir = getenv("TZDIR");
	char		 file[512];
	size_t		 n = strspn(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-");

	if (n == 0 || z[n] != '\0' || n > 100 || z[0] == '/' || strstr(z, "..") != NULL)
		fatalx("config: %s: legal_timezone: a tz database name like Europe/Paris", path);
	snprintf(file, sizeof(file), "%s/%s", dir != NULL && *dir != '\0' ? dir :
	    "/usr/share/zoneinfo", z);
	if (access(file, R_OK) != 0)
		fatalx("config: %s: legal_timezone: %s is not in the tz database (%s; "
		    "is tzdata installed?)", path, z, file);
	if (c->siren != NULL && (strlen(c->siren) != 9 || strspn(c->siren, "0123456789") != 9))
		fatalx("config: %s: siren: the 9 digits of the SIREN", path);
	if (c->mail_from_name != NULL && (strlen(c->mail_from_name) > 64 ||
	    strpbrk(c->mail_from_name, "\r\n\"<>\\") != NULL))
		fatalx("config: %s: mail_from_name: at most 64 characters, no line break, "
		    "quote, backslash or angle bracket", path);
}

/*
 * base_path: empty (mounted at the root) or "/seg[/seg…]" without a
 * trailing slash, each segment of unreserved URL characters, so that it
 * goes into Location headers, cookie paths and hrefs unescaped.
 */
static void
base_path_check(const char *b, const char *path)
{
	const char	*ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/";
	size_t		 n = strlen(b);

	if (n == 0)
		return;
	if (b[0] != '/' || b[n - 1] == '/' || n > 100 || b[strspn(b, ok)] != '\0' ||
	    strstr(b, "//") != NULL || strstr(b, "/./") != NULL || strstr(b, "/../") != NULL ||
	    (n >= 2 && strcmp(b + n - 2, "/.") == 0) || (n >= 3 && strcmp(b + n - 3, "/..") == 0))
		fatalx("config: %s: base_path must be empty or /segment[/segment…] (letters, digits, "
		    "-._~) without a trailing slash, at most 100 characters", path);
}

void
center_conf_load(struct center_conf *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	path = conf_load_or_exit(path, "CAAS_CONFIG", CAAS_CONFDIR "/center.conf", center_keys,
	    NKEYS, c);
	if (strcmp(c->default_lang, "en") != 0 && strcmp(c->default_lang, "fr") != 0)
		fatalx("config: %s: default_lang must be en or fr", path);
	if (strcmp(c->auth_mode, "local") == 0)
		c->auth_request = 0;
	else if (strcmp(c->auth_mode, "auth_request") == 0)
		c->auth_request = 1;
	else
		fatalx("config: %s: auth_mode must be local or auth_request", path);
	if (c->auth_request && c->auth_header_secret_file == NULL)
		fatalx("config: %s: auth_mode = auth_request needs auth_header_secret_file", path);
	c->auth_secret = conf_secret_or_exit(c->auth_header_secret_file);
	if (c->auth_secret != NULL && strlen(c->auth_secret) < 16)
		fatalx("config: %s: the auth header secret must be at least 16 characters",
		    c->auth_header_secret_file);
	c->db_password = conf_secret_or_exit(c->db_password_file);
	if (c->caas_api_base != NULL && (strncmp(c->caas_api_base, "https://", 8) != 0 ||
	    c->caas_api_base[strlen(c->caas_api_base) - 1] == '/' || strstr(c->caas_api_base, "/products") != NULL))
		fatalx("config: %s: caas_api_base must be https://host[/path] without /products and "
		    "without a trailing slash", path);
	if ((c->caas_api_base != NULL) != (c->caas_login != NULL) ||
	    (c->caas_api_base != NULL) != (c->caas_password_file != NULL))
		fatalx("config: %s: caas_api_base, caas_login and caas_password_file go together", path);
	c->caas_password = conf_secret_or_exit(c->caas_password_file);
	if (strlen(c->caas_currency) != 3 || strspn(c->caas_currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		fatalx("config: %s: caas_currency must be an ISO 4217 code such as EUR", path);
	if ((c->upstream_check_account != NULL) != (c->upstream_check_domain != NULL))
		fatalx("config: %s: upstream_check_account and upstream_check_domain go together",
		    path);
#ifndef CAAS_TEST_HOOKS
	if (c->fault_file != NULL)
		fatalx("config: %s: fault_file is a test hook, but this build has no test hooks "
		    "(configure --enable-test-hooks)", path);
#endif
	mail_conf_check(c, path);
	c->smtp_password = conf_secret_or_exit(c->smtp_password_file);
	fec_conf_check(c, path);
	watch_conf_check(c, path);
	legal_conf_check(c, path);
	if (c->base_path == NULL && (c->base_path = strdup("")) == NULL)
		fatalx("config: out of memory");
	base_path_check(c->base_path, path);
	metrics_allow_check(c->metrics_allow, path);
	conf_log_setup(path, "center", c->log, c->log_level);
}

void
center_conf_free(struct center_conf *c)
{
	conf_free(center_keys, NKEYS, c);
	free(c->db_password);
	if (c->caas_password != NULL)
		memset(c->caas_password, 0, strlen(c->caas_password));
	free(c->caas_password);
	free(c->auth_secret);
	if (c->smtp_password != NULL)
		memset(c->smtp_password, 0, strlen(c->smtp_password));
	free(c->smtp_password);
	memset(c, 0, sizeof(*c));
}

struct db *
center_db_open(const struct center_conf *c, int multi)
{
	struct db_conf	 dc = {
		.host = c->db_host,
		.port = (unsigned int)c->db_port,
		.socket = c->db_socket,
		.name = c->db_name,
		.user = c->db_user,
		.password = c->db_password,
	};

	return db_open(&dc, center_sql, Q__MAX, multi);
}

struct db *
center_billing_open(const struct center_conf *c)
{
	return billing_db_open(&(struct db_conf){ .host = c->db_host,
	    .port = (unsigned int)c->db_port, .socket = c->db_socket, .name = c->db_name,
	    .user = c->db_user, .password = c->db_password });
}
