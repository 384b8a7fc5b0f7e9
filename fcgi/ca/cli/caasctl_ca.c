/*
 * caasctl-ca: the bundled CA's admin command line.
 *
 *   caasctl-ca [-f ca.conf] migrate [--mark-applied N]
 *   caasctl-ca [-f ca.conf] eab-add --level DV|OV|QWAC
 *                           [--org-name N --org-city C --org-country CC]
 *       prints "KID HMAC" (the HMAC key, base64url, is shown this once)
 *   caasctl-ca [-f ca.conf] domain-add --kid K --domain NAME [--expires YYYY-MM-DD]
 *   caasctl-ca [-f ca.conf] domain-remove --kid K --domain NAME
 *   caasctl-ca [-f ca.conf] domain-expire --kid K --domain NAME
 *   caasctl-ca [-f ca.conf] eab-status --kid K --status valid|suspended|deactivated
 *   caasctl-ca [-f ca.conf] crl | expire [--now DATETIME]   (caasctl_ca_revoke.h)
 *   caasctl-ca [-f ca.conf] preval-add --level OV|QWAC --org N --org-city C --org-country CC
 *   caasctl-ca [-f ca.conf] preval-list
 *   caasctl-ca [-f ca.conf] calls [--since ID] | calls --last-id   (caasctl_ca_reseller.h)
 *
 * The reseller API (products/!ACMEAdmin) does the same over HTTPS.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme/acme.h"
#include "cli/caasctl_ca_reseller.h"
#include "cli/caasctl_ca_revoke.h"
#include "clock.h"
#include "crypto.h"
#include "acme/eab_keys.h"
#include "log.h"
#include "migrate.h"

enum opt_id { O_LEVEL = 1, O_ORGN, O_ORGC, O_ORGK, O_KID, O_DOMAIN, O_EXPIRES, O_STATUS, O__MAX };

static const struct option long_opts[] = {
	{ "level", required_argument, NULL, O_LEVEL },
	{ "org-name", required_argument, NULL, O_ORGN },
	{ "org-city", required_argument, NULL, O_ORGC },
	{ "org-country", required_argument, NULL, O_ORGK },
	{ "kid", required_argument, NULL, O_KID },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "expires", required_argument, NULL, O_EXPIRES },
	{ "status", required_argument, NULL, O_STATUS },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char	*v[O__MAX];
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (ch <= 0 || ch >= O__MAX)
			fatalx("%s: unknown option (see caasctl-ca help)", argv[0]);
		o->v[ch] = optarg;
	}
	if (optind != argc)
		fatalx("%s: unexpected argument \"%s\"", argv[0], argv[optind]);
}

static void
need(const struct opts *o, int id, const char *name)
{
	if (o->v[id] == NULL || *o->v[id] == '\0')
		fatalx("--%s is required", name);
}

/* A_EAB_BY_KID's row (acme_sql.c), of which the commands need the id. */
struct c_eab {
	long long	 id;
	int		 level;		/* enum level */
	int		 status;	/* enum eab_status */
	const char	*hmac_enc;
};
static const struct db_field c_eab_f[] = {
	DBF_I(struct c_eab, id),
	DBF_E(struct c_eab, level, level_names, LEVEL__MAX),
	DBF_E(struct c_eab, status, eab_status_names, EAB__MAX),
	DBF_S(struct c_eab, hmac_enc),
};
static const struct db_rowdef c_eab_d = DB_ROWDEF(struct c_eab, c_eab_f);

/* The id of the EAB key kid; exits when there is none. */
static long long
eab_id(struct db *db, const char *kid)
{
	struct db_res	*keep = NULL;
	struct c_eab	 e;
	int		 rc;

	if (strlen(kid) > 64 ||
	    (rc = db_row(db, A_EAB_BY_KID, (struct db_param[]){ DB_S(kid) }, 1, &c_eab_d, &e, &keep)) < 0)
		fatalx("--kid: lookup failed");
	if (rc == 0 || keep->nrows != 1)
		fatalx("--kid: no EAB key %s", kid);
	db_res_free(keep);
	return e.id;
}

/* Lower-case copy of a domain that dns_name_ok accepts; exits otherwise. */
static char *
domain_arg(const char *s)
{
	char	*d = strdup(s);

	if (d == NULL)
		fatalx("out of memory");
	for (char *c = d; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!dns_name_ok(d, 1))
		fatalx("--domain: \"%s\" is not a DNS name (or *.name)", s);
	return d;
}

static int
cmd_eab_add(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	static const char *const flags[] = { [EABF_LEVEL] = "--level", [EABF_ORG] = "--org-*",
	    [EABF_ORG_NAME] = "--org-name", [EABF_ORG_CITY] = "--org-city",
	    [EABF_ORG_COUNTRY] = "--org-country" };
	struct opts	 o;
	char		 kid[EAB_KID_B64_LEN + 1], hmac_b64[EAB_HMAC_B64_LEN + 1];
	const char	*why = NULL;
	enum eab_field	 f;

	parse_opts(argc, argv, &o);
	need(&o, O_LEVEL, "level");
	if ((f = eab_key_check(o.v[O_LEVEL], o.v[O_ORGN], o.v[O_ORGC], o.v[O_ORGK], 1, &why)) != EABF_OK)
		fatalx("%s: %s", flags[f], why);
	if (eab_key_create(db, conf, o.v[O_LEVEL], o.v[O_ORGN], o.v[O_ORGC], o.v[O_ORGK],
	    kid, hmac_b64) != 0)
		fatalx("cannot create the key (see the log above)");
	printf("%s %s\n", kid, hmac_b64);
	OPENSSL_cleanse(hmac_b64, sizeof(hmac_b64));
	return 0;
}

/* One year from the next calendar day (UTC), the upstream's term rule. */
static time_t
default_expiry(void)
{
	time_t	 t = clock_now();
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += 1;
	tm.tm_year += 1;
	return timegm(&tm);
}

static int
cmd_domain_add(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	char		 now[CLOCK_SQL_LEN], exp[CLOCK_SQL_LEN], *d;
	time_t		 e;

	parse_opts(argc, argv, &o);
	need(&o, O_KID, "kid");
	need(&o, O_DOMAIN, "domain");
	d = domain_arg(o.v[O_DOMAIN]);
	if (o.v[O_EXPIRES] != NULL) {
		if (clock_parse(o.v[O_EXPIRES], &e) != 0)
			fatalx("--expires: expected YYYY-MM-DD");
	} else
		e = default_expiry();
	clock_sql(clock_now(), now);
	clock_sql(e, exp);
	if (db_run(db, A_DOMAIN_UPSERT, (struct db_param[]){ DB_I(eab_id(db, o.v[O_KID])), DB_S(d),
	    DB_S(now), DB_S(exp) }, 4, NULL) != 0)
		fatalx("cannot enroll %s", d);
	printf("%s %s\n", d, exp);
	free(d);
	return 0;
}

static int
cmd_domain_change(struct db *db, int argc, char **argv, int expire)
{
	struct opts	 o;
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], *d;
	long long	 id;

	parse_opts(argc, argv, &o);
	need(&o, O_KID, "kid");
	need(&o, O_DOMAIN, "domain");
	d = domain_arg(o.v[O_DOMAIN]);
	id = eab_id(db, o.v[O_KID]);
	clock_sql(clock_now() - (expire ? 1 : 0), now);
	if (db_run(db, expire ? A_DOMAIN_EXPIRE : A_DOMAIN_REMOVE, expire ?
	    (struct db_param[]){ DB_S(now), DB_I(id), DB_S(d) } :
	    (struct db_param[]){ DB_S(now), DB_I(id), DB_S(d) }, 3, &r) != 0)
		fatalx("cannot change %s", d);
	if (r->affected != 1)
		fatalx("--domain: %s is not enrolled on that key", d);
	printf("%s %s\n", d, expire ? "expired" : "removed");
	db_res_free(r);
	free(d);
	return 0;
}

static int
cmd_domain_remove(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	return cmd_domain_change(db, argc, argv, 0);
}

static int
cmd_domain_expire(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	return cmd_domain_change(db, argc, argv, 1);
}

static int
cmd_eab_status(struct db *db, const struct ca_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	int		 s;

	parse_opts(argc, argv, &o);
	need(&o, O_KID, "kid");
	need(&o, O_STATUS, "status");
	/* pending is the state of a key never bound: not one to set. */
	if ((s = names_find(eab_status_names, EAB__MAX, o.v[O_STATUS])) < 0 || s == EAB_PENDING)
		fatalx("--status: must be valid, suspended or deactivated");
	(void)eab_id(db, o.v[O_KID]);
	if (db_run(db, A_EAB_SET_STATUS, (struct db_param[]){ DB_S(eab_status_names[s]),
	    DB_S(o.v[O_KID]) }, 2, NULL) != 0)
		fatalx("cannot set the status");
	printf("%s %s\n", o.v[O_KID], eab_status_names[s]);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct db *, const struct ca_conf *, int, char **);
	const char	*usage;
} cmds[] = {
	{ "eab-add", cmd_eab_add, "eab-add --level DV|OV|QWAC [--org-name N --org-city C --org-country CC]" },
	{ "domain-add", cmd_domain_add, "domain-add --kid K --domain NAME [--expires YYYY-MM-DD]" },
	{ "domain-remove", cmd_domain_remove, "domain-remove --kid K --domain NAME" },
	{ "domain-expire", cmd_domain_expire, "domain-expire --kid K --domain NAME" },
	{ "eab-status", cmd_eab_status, "eab-status --kid K --status valid|suspended|deactivated" },
	{ "crl", cmd_crl, "crl" },
	{ "expire", cmd_expire, "expire [--now YYYY-MM-DD[ HH:MM:SS]]" },
	{ "preval-add", cmd_preval_add, "preval-add --level OV|QWAC --org NAME --org-city C --org-country CC\n"
	    "      prints only the new anchor order number (ADDDOMAIN's ovAnchorOrderNumber or evAnchorOrderNumber)" },
	{ "preval-list", cmd_preval_list, "preval-list      ANCHOR LEVEL ORG CITY COUNTRY CREATED, tab-separated" },
	{ "calls", cmd_calls, "calls [--since ID] | calls --last-id\n"
	    "      the reseller API's call log: ID ENDPOINT ACTION STATUS field,names (tab-separated, names only)" },
};

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: caasctl-ca [-f config] command [options]\n  caasctl-ca migrate [--mark-applied N]\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  caasctl-ca %s\n", cmds[i].usage);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct ca_conf	 conf;
	struct db	*db;
	const char	*path = NULL;
	int		 i = 1, rc;

	if (argc >= 3 && strcmp(argv[1], "-f") == 0) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage(2);
	if (strcmp(argv[i], "help") == 0 || strcmp(argv[i], "--help") == 0)
		usage(0);
	/* The reseller password is ca-fcgi's alone. */
	ca_conf_load_secrets(&conf, path, "caasctl-ca", CA_SECRET_DB | CA_SECRET_EAB);
	log_init("caasctl-ca", 0, LOG_LVL_INFO);
	if (strcmp(argv[i], "migrate") == 0) {
		struct db_conf dc = { .host = conf.db_host, .port = (unsigned int)conf.db_port,
		    .socket = conf.db_socket, .name = conf.db_name, .user = conf.db_user,
		    .password = conf.db_password };
		rc = migrate_run(&dc, conf.schema_dir, argc - i, argv + i);
		ca_conf_free(&conf);
		return rc;
	}
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].name) != 0)
			continue;
		if ((db = ca_db_open(&conf, acme_sql, A__MAX, 0)) == NULL)
			fatalx("out of memory");
		if (db_ping(db) != 0)
			fatalx("database unreachable");
		rc = cmds[k].fn(db, &conf, argc - i, argv + i);
		db_close(db);
		ca_conf_free(&conf);
		return rc;
	}
	fprintf(stderr, "caasctl-ca: unknown command \"%s\"\n", argv[i]);
	usage(2);
}
