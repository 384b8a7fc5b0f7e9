/*
 * caasctl: the customer area's admin and jobs command line.
 *
 *   caasctl [-f config] migrate [--mark-applied N]
 *   caasctl [-f config] account-add --name N --type deposit|monthly
 *                       [--incompatible] [--vat-bp BP] [--balance-cents C]
 *   caasctl [-f config] user-add --account ID --login L (--password-file F | --no-password)
 *                       [--role customer|accounting|admin] [--lang en|fr]
 *   caasctl [-f config] apikey-add --account ID [--label L]
 *   caasctl [-f config] org-add --account ID --name N --city C --country CC
 *   caasctl [-f config] preval-set --org ID --level DV|OV|QWAC
 *                       --status pending|approved|rejected|expired [--upstream-id ID|none]
 *   caasctl [-f config] price-set --account ID --product CODE --cents C
 *   caasctl [-f config] deposit-credit --account ID --cents N --reference TEXT --key KEY
 *   caasctl [-f config] ledger --account ID
 *   caasctl [-f config] ledger-check
 *   caasctl [-f config] notify [--now T] [--batch N]       (caasctl_notify.c)
 *   caasctl [-f config] user-email --login L (--email ADDRESS | --clear)
 *   caasctl [-f config] close-invoices [--now "YYYY-MM-DD HH:MM:SS"]
 *   caasctl [-f config] export --from YYYY-MM-DD --to YYYY-MM-DD --format csv|csv-fr|fec
 *                       [--encoding utf-8|iso-8859-15] [--output FILE]
 *
 * Creating commands print only the new id (or the new API key, shown
 * this once) on stdout, so scripts can capture it.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "web/metrics_center.h"
#include "core/webhooks.h"
#include "clock.h"
#include "conf.h"
#include "crypto.h"
#include "log.h"
#include "migrate.h"
#include "upstream/caas.h"
#include "cli/caasctl_jobs.h"
#include "billing.h"
#include "jobs/notify.h"
#include "cli/caasctl_money.h"

#include <curl/curl.h>


struct cmd {
	const char	*name;
	int		(*fn)(struct db *, const struct center_conf *, int, char **);
	const char	*usage;
};

static void
now_sql(char out[CLOCK_SQL_LEN])
{
	clock_sql(clock_now(), out);
}

/* Parse a positive id or exit naming the option. */
static long long
parse_id(const char *opt, const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v <= 0)
		fatalx("--%s: \"%s\" is not a positive whole number", opt, s);
	return v;
}

static long long
parse_nonneg(const char *opt, const char *s, long long max)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < 0 || v > max)
		fatalx("--%s: \"%s\" must be a whole number from 0 to %lld", opt, s, max);
	return v;
}

static void
need(const char *opt, const char *v)
{
	if (v == NULL || *v == '\0')
		fatalx("--%s is required", opt);
}

static void
check_len(const char *opt, const char *v, size_t max)
{
	if (strlen(v) > max)
		fatalx("--%s: longer than %zu characters", opt, max);
}

static int
check_db(int rc, const char *what)
{
	if (rc == DB_EDUP)
		fatalx("%s: already exists", what);
	if (rc != 0)
		fatalx("%s: database error (see above)", what);
	return 0;
}

/* ---- migrations (common/migrate.c) ---- */

static int
cmd_migrate(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct db_conf	 dc = {
		.host = conf->db_host, .port = (unsigned int)conf->db_port,
		.socket = conf->db_socket, .name = conf->db_name,
		.user = conf->db_user, .password = conf->db_password,
	};

	return migrate_run(&dc, conf->schema_dir, argc, argv);
}

/* ---- admin commands ---- */

enum opt_id {
	O_NAME = 1, O_TYPE, O_INCOMPAT, O_VAT, O_BALANCE, O_ACCOUNT, O_LOGIN,
	O_PWFILE, O_NOPW, O_ROLE, O_LANG, O_LABEL, O_CITY, O_COUNTRY, O_ORG,
	O_LEVEL, O_STATUS, O_PRODUCT, O_CENTS, O_PERHOUR, O_UPSTREAM_ID, O__MAX
};

static const struct option long_opts[] = {
	{ "name", required_argument, NULL, O_NAME },
	{ "type", required_argument, NULL, O_TYPE },
	{ "incompatible", no_argument, NULL, O_INCOMPAT },
	{ "vat-bp", required_argument, NULL, O_VAT },
	{ "balance-cents", required_argument, NULL, O_BALANCE },
	{ "account", required_argument, NULL, O_ACCOUNT },
	{ "login", required_argument, NULL, O_LOGIN },
	{ "password-file", required_argument, NULL, O_PWFILE },
	{ "no-password", no_argument, NULL, O_NOPW },
	{ "role", required_argument, NULL, O_ROLE },
	{ "lang", required_argument, NULL, O_LANG },
	{ "label", required_argument, NULL, O_LABEL },
	{ "city", required_argument, NULL, O_CITY },
	{ "country", required_argument, NULL, O_COUNTRY },
	{ "org", required_argument, NULL, O_ORG },
	{ "level", required_argument, NULL, O_LEVEL },
	{ "status", required_argument, NULL, O_STATUS },
	{ "product", required_argument, NULL, O_PRODUCT },
	{ "cents", required_argument, NULL, O_CENTS },
	{ "subscriptions-per-hour", required_argument, NULL, O_PERHOUR },
	{ "upstream-id", required_argument, NULL, O_UPSTREAM_ID },
	{ NULL, 0, NULL, 0 },
};

/* Parsed options of any admin command; each command checks its own. */
struct opts {
	const char	*v[O__MAX];
	int		 incompatible, no_password;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (ch == O_INCOMPAT)
			o->incompatible = 1;
		else if (ch == O_NOPW)
			o->no_password = 1;
		else if (ch > 0 && ch < O__MAX)
			o->v[ch] = optarg;
		else
			fatalx("%s: unknown option (see caasctl help)", argv[0]);
	}
	if (optind != argc)
		fatalx("%s: unexpected argument \"%s\"", argv[0], argv[optind]);
}

static int
one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(v, set[i]) == 0)
			return 1;
	return 0;
}

static void
require_account(struct db *db, long long id)
{
	struct db_res *r = NULL;

	check_db(db_run(db, Q_ACCOUNT_BY_ID, (struct db_param[]){ DB_I(id) }, 1, &r), "account");
	if (r->nrows != 1)
		fatalx("--account: no account %lld", id);
	db_res_free(r);
}

static struct db	*billing_open(const struct center_conf *);

/*
 * The opening balance of a new deposit account, as its first ledger line
 * (issue #16 item 1): a credit with the key opening-<id>, so the ledger
 * explains the balance from the start. On failure the account exists
 * with a balance of 0 and the message says how to finish.
 */
static void
opening_credit(const struct center_conf *conf, long long id, long long cents)
{
	struct billing_result	 res;
	struct db		*db = billing_open(conf);
	char			 key[64];
	enum billing_rc		 rc;

	snprintf(key, sizeof(key), "opening-%lld", id);
	rc = billing_credit(db, &(struct billing_req){ .account_id = id, .net_cents = cents,
	    .idempotency_key = key, .reference = "opening balance", .upstream_cost_cents = -1 },
	    &res);
	db_close(db);
	if (rc != BILLING_OK)
		fatalx("account %lld created with a balance of 0, its opening credit failed (%s): "
		    "caasctl deposit-credit --account %lld --cents %lld --reference \"opening "
		    "balance\" --key %s", id, billing_strerror(rc), id, cents, key);
}

static int
cmd_account_add(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	static const char *const kinds[] = { "deposit", "monthly", NULL };
	struct opts	 o;
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	long long	 vat, bal, id;

	parse_opts(argc, argv, &o);
	need("name", o.v[O_NAME]);
	check_len("name", o.v[O_NAME], 200);
	need("type", o.v[O_TYPE]);
	if (!one_of(o.v[O_TYPE], kinds))
		fatalx("--type: must be deposit or monthly");
	vat = o.v[O_VAT] ? parse_nonneg("vat-bp", o.v[O_VAT], 10000) : 2000;
	bal = o.v[O_BALANCE] ? parse_nonneg("balance-cents", o.v[O_BALANCE], 1000000000000LL) : 0;
	if (bal != 0 && strcmp(o.v[O_TYPE], "monthly") == 0)
		fatalx("--balance-cents: monthly accounts have no deposit balance");
	now_sql(now);
	/* The balance starts at 0: the opening balance is a ledger line (below). */
	check_db(db_run(db, Q_ACCOUNT_INSERT, (struct db_param[]){ DB_S(o.v[O_NAME]),
	    DB_S(o.v[O_TYPE]), DB_I(!o.incompatible), DB_I(vat), DB_I(0), DB_S(now) }, 6, &r),
	    "account");
	id = (long long)r->insert_id;
	db_res_free(r);
	if (bal > 0)
		opening_credit(conf, id, bal);
	printf("%lld\n", id);
	return 0;
}

static int
cmd_user_add(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	static const char *const langs[] = { "en", "fr", NULL };
	struct opts	 o;
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], err[256];
	char		*pw = NULL, *hash = NULL;
	const char	*role;

	parse_opts(argc, argv, &o);
	need("account", o.v[O_ACCOUNT]);
	need("login", o.v[O_LOGIN]);
	check_len("login", o.v[O_LOGIN], 100);
	role = o.v[O_ROLE] ? o.v[O_ROLE] : "customer";
	if (!one_of(role, role_names))
		fatalx("--role: must be customer, accounting or admin");
	if (o.v[O_LANG] != NULL && !one_of(o.v[O_LANG], langs))
		fatalx("--lang: must be en or fr");
	if (o.v[O_PWFILE] == NULL && !o.no_password)
		fatalx("--password-file is required (or --no-password for handed-over users)");
	if (o.v[O_PWFILE] != NULL) {
		if ((pw = conf_read_secret(o.v[O_PWFILE], err, sizeof(err))) == NULL)
			fatalx("--password-file: %s", err);
		if (strlen(pw) < 8)
			fatalx("--password-file: the password must have at least 8 characters");
		if ((hash = password_hash(pw)) == NULL)
			fatalx("password hashing failed");
	}
	require_account(db, parse_id("account", o.v[O_ACCOUNT]));
	now_sql(now);
	check_db(db_run(db, Q_USER_INSERT, (struct db_param[]){
	    DB_I(parse_id("account", o.v[O_ACCOUNT])), DB_S(o.v[O_LOGIN]), DB_SN(hash),
	    DB_S(role), DB_SN(o.v[O_LANG]), DB_S(now) }, 6, &r), "user");
	printf("%llu\n", r->insert_id);
	db_res_free(r);
	free(hash);
	free(pw);
	return 0;
}

static int
cmd_apikey_add(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	char		 tok[TOKEN_B64_LEN + 1], key[TOKEN_B64_LEN + 8], prefix[13];
	char		 hash[SHA256_HEX_LEN + 1], now[CLOCK_SQL_LEN];
	long long	 acct;

	parse_opts(argc, argv, &o);
	need("account", o.v[O_ACCOUNT]);
	acct = parse_id("account", o.v[O_ACCOUNT]);
	if (o.v[O_LABEL] != NULL)
		check_len("label", o.v[O_LABEL], 100);
	require_account(db, acct);
	if (crypto_token(tok) == -1)
		fatalx("no randomness");
	snprintf(key, sizeof(key), "caas_%s", tok);
	snprintf(prefix, sizeof(prefix), "%.12s", key);
	sha256_hex(key, strlen(key), hash);
	now_sql(now);
	check_db(db_run(db, Q_APIKEY_INSERT, (struct db_param[]){ DB_I(acct),
	    DB_S(o.v[O_LABEL] ? o.v[O_LABEL] : "api"), DB_S(prefix), DB_S(hash), DB_S(now) },
	    5, NULL), "api key");
	printf("%s\n", key);
	return 0;
}

static int
cmd_org_add(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN];
	const char	*cc;
	long long	 acct;

	parse_opts(argc, argv, &o);
	need("account", o.v[O_ACCOUNT]);
	need("name", o.v[O_NAME]);
	need("city", o.v[O_CITY]);
	need("country", o.v[O_COUNTRY]);
	check_len("name", o.v[O_NAME], 200);
	check_len("city", o.v[O_CITY], 100);
	cc = o.v[O_COUNTRY];
	if (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1]))
		fatalx("--country: an ISO 3166 two-letter code in capitals, like FR");
	acct = parse_id("account", o.v[O_ACCOUNT]);
	require_account(db, acct);
	now_sql(now);
	check_db(db_run(db, Q_ORG_INSERT, (struct db_param[]){ DB_I(acct), DB_S(o.v[O_NAME]),
	    DB_S(o.v[O_CITY]), DB_S(cc), DB_S(now) }, 5, &r), "organization");
	printf("%llu\n", r->insert_id);
	db_res_free(r);
	return 0;
}

static int
cmd_preval_set(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	static const char *const lv[] = { "DV", "OV", "QWAC", NULL };
	static const char *const st[] = { "pending", "approved", "rejected", "expired", NULL };
	struct opts	 o;
	const char	*up;
	char		 now[CLOCK_SQL_LEN];
	int		 rc;

	parse_opts(argc, argv, &o);
	need("org", o.v[O_ORG]);
	need("level", o.v[O_LEVEL]);
	need("status", o.v[O_STATUS]);
	if (!one_of(o.v[O_LEVEL], lv))
		fatalx("--level: must be DV, OV or QWAC");
	if (!one_of(o.v[O_STATUS], st))
		fatalx("--status: must be pending, approved, rejected or expired");
	/* The upstream's pre-validation: the anchor order number ADDDOMAIN
	 * sends for OV (ovAnchorOrderNumber) and QWAC (evAnchorOrderNumber). */
	up = o.v[O_UPSTREAM_ID];
	if (up != NULL && strcmp(up, "none") != 0 && (up[0] == '\0' || strlen(up) > 128 ||
	    strspn(up, "0123456789") != strlen(up)))
		fatalx("--upstream-id: the upstream's anchor order number (1 to 128 digits), or none");
	if (up != NULL && strcmp(o.v[O_LEVEL], "DV") == 0)
		fatalx("--upstream-id: DV has no pre-validation upstream");
	now_sql(now);
	rc = db_run(db, Q_PREVAL_UPSERT, (struct db_param[]){ DB_I(parse_id("org", o.v[O_ORG])),
	    DB_S(o.v[O_LEVEL]), DB_S(o.v[O_STATUS]), DB_S(now) }, 4, NULL);
	if (rc != 0)
		fatalx("--org: no organization %s (or database error)", o.v[O_ORG]);
	if (up != NULL)
		check_db(db_run(db, Q_PREVAL_SET_UPSTREAM, (struct db_param[]){
		    strcmp(up, "none") == 0 ? DB_NUL : DB_S(up), DB_I(parse_id("org", o.v[O_ORG])),
		    DB_S(o.v[O_LEVEL]) }, 3, NULL), "pre-validation");
	printf("%s %s %s%s%s\n", o.v[O_ORG], o.v[O_LEVEL], o.v[O_STATUS], up ? " " : "", up ? up : "");
	return 0;
}

static int
cmd_price_set(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	struct db_res	*r = NULL;
	long long	 acct, cents;

	parse_opts(argc, argv, &o);
	need("account", o.v[O_ACCOUNT]);
	need("product", o.v[O_PRODUCT]);
	need("cents", o.v[O_CENTS]);
	acct = parse_id("account", o.v[O_ACCOUNT]);
	cents = parse_nonneg("cents", o.v[O_CENTS], 100000000);
	require_account(db, acct);
	check_db(db_run(db, Q_PRODUCT_EXISTS, (struct db_param[]){ DB_S(o.v[O_PRODUCT]) }, 1, &r),
	    "product");
	if (r->nrows != 1)
		fatalx("--product: no product %s (DV_SSL, DV_WILDSSL, OV_SSL, OV_WILDSSL, QWAC_SSL)",
		    o.v[O_PRODUCT]);
	db_res_free(r);
	check_db(db_run(db, Q_PRICE_UPSERT, (struct db_param[]){ DB_I(acct),
	    DB_S(o.v[O_PRODUCT]), DB_I(cents) }, 3, NULL), "price");
	printf("%lld %s %lld\n", acct, o.v[O_PRODUCT], cents);
	return 0;
}

/*
 * An account's own subscription creation limit (docs/config.md,
 * subscriptions_per_hour), or "default" to follow the configured one.
 */
static int
cmd_limit_set(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct opts	 o;
	long long	 acct, n = -1;

	parse_opts(argc, argv, &o);
	need("account", o.v[O_ACCOUNT]);
	need("subscriptions-per-hour", o.v[O_PERHOUR]);
	acct = parse_id("account", o.v[O_ACCOUNT]);
	if (strcmp(o.v[O_PERHOUR], "default") != 0)
		n = parse_nonneg("subscriptions-per-hour", o.v[O_PERHOUR], 100000);
	require_account(db, acct);
	check_db(db_run(db, Q_ACCOUNT_SET_SUB_LIMIT, (struct db_param[]){
	    n < 0 ? DB_NUL : DB_I(n), DB_I(acct) }, 2, NULL), "account");
	if (n < 0)
		printf("%lld default (%ld)\n", acct, conf->subscriptions_per_hour);
	else
		printf("%lld %lld\n", acct, n);
	return 0;
}

/*
 * The upstream's ACME servers (LISTSERVERS): checks the caas_* settings
 * end to end — URL, TLS trust, login — and shows what the upstream offers.
 */
static int
cmd_upstream_servers(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	struct caas_result	 res;
	json_t			*servers, *s;
	size_t			 i;
	int			 rc;

	if (argc != 1)
		fatalx("usage: caasctl upstream-servers");
	if ((rc = caas_call(conf, "LISTSERVERS", NULL, &res)) != CAAS_OK) {
		fprintf(stderr, "caasctl: upstream %s: %s\n", res.type, res.detail);
		caas_result_free(&res);
		return 1;
	}
	servers = json_object_get(res.json, "Servers");
	json_array_foreach(servers, i, s) {
		const char *t = json_string_value(json_object_get(s, "certValidationType"));
		const char *u = json_string_value(json_object_get(s, "serverUrl"));
		const char *d = json_string_value(json_object_get(s, "productDescription"));
		printf("%s %s %s\n", t ? t : "?", u ? u : "?", d ? d : "");
	}
	caas_result_free(&res);
	return 0;
}

/* ---- billing (fcgi/billing/billing.h) ---- */

static struct db *
billing_open(const struct center_conf *conf)
{
	struct db	*db;

	if ((db = center_billing_open(conf)) == NULL)
		fatalx("out of memory");
	return db;
}

/* Options of the billing commands, apart from the shared admin set. */
static void
parse_billing_opts(int argc, char **argv, const char *v[4])
{
	static const struct option bo[] = {
		{ "account", required_argument, NULL, 0 },
		{ "cents", required_argument, NULL, 1 },
		{ "reference", required_argument, NULL, 2 },
		{ "key", required_argument, NULL, 3 },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	v[0] = v[1] = v[2] = v[3] = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", bo, NULL)) != -1) {
		if (ch < 0 || ch > 3)
			fatalx("%s: unknown option (see caasctl help)", argv[0]);
		v[ch] = optarg;
	}
	if (optind != argc)
		fatalx("%s: unexpected argument \"%s\"", argv[0], argv[optind]);
}

static void
billing_fatal(enum billing_rc rc, const char *acct)
{
	if (rc == BILLING_ENOACCOUNT)
		fatalx("--account: no account %s", acct);
	if (rc == BILLING_EKIND)
		fatalx("--account: account %s is not a deposit account", acct);
	if (rc == BILLING_EKEY)
		fatalx("--key: %s", billing_strerror(rc));
	if (rc == BILLING_EINVAL)
		fatalx("--reference, --key: %s", billing_strerror(rc));
	fatalx("%s", billing_strerror(rc));
}

/*
 * An accountant records money received on a deposit account: a credit
 * ledger row and balance += N, once per --key (a replay says so and
 * moves nothing). Prints the ledger id and the balance after.
 */
static int
cmd_deposit_credit(struct db *cdb, const struct center_conf *conf, int argc, char **argv)
{
	struct billing_req	 q;
	struct billing_result	 res;
	struct db		*db;
	const char		*v[4];
	enum billing_rc		 rc;

	parse_billing_opts(argc, argv, v);
	need("account", v[0]);
	need("cents", v[1]);
	need("reference", v[2]);
	need("key", v[3]);
	check_len("reference", v[2], BILLING_TEXT_MAX);
	check_len("key", v[3], BILLING_KEY_MAX);
	memset(&q, 0, sizeof(q));
	q.account_id = parse_id("account", v[0]);
	if ((q.net_cents = parse_id("cents", v[1])) > 1000000000000LL)
		fatalx("--cents: at most 1000000000000 (ten billion euros) at once");
	q.reference = v[2];
	q.idempotency_key = v[3];
	q.upstream_cost_cents = -1;
	db = billing_open(conf);
	rc = billing_credit(db, &q, &res);
	db_close(db);
	if (rc != BILLING_OK)
		billing_fatal(rc, v[0]);
	printf("%lld %s balance %lld\n", res.ledger_id, res.replay ? "replayed" : "credited",
	    res.balance_cents);
	return 0;
}

/* The account's ledger, oldest first, one tab-separated line per row. */
static int
cmd_ledger(struct db *cdb, const struct center_conf *conf, int argc, char **argv)
{
	struct billing_entry	*e = NULL;
	struct billing_account	 a;
	struct db		*db;
	const char		*v[4];
	long long		 acct, after = 0;
	size_t			 n;
	enum billing_rc		 rc;

	parse_billing_opts(argc, argv, v);
	need("account", v[0]);
	if (v[1] != NULL || v[2] != NULL || v[3] != NULL)
		fatalx("ledger: only --account is accepted");
	acct = parse_id("account", v[0]);
	if ((e = calloc(BILLING_PAGE_MAX, sizeof(*e))) == NULL)
		fatalx("out of memory");
	db = billing_open(conf);
	if ((rc = billing_account(db, acct, &a)) != BILLING_OK)
		billing_fatal(rc, v[0]);
	printf("id\tcreated_at\tkind\tnet\tvat_bp\tvat\tgross\tcurrency\tproduct\t"
	    "invoice\tkey\treference\n");
	do {
		if ((rc = billing_ledger(db, acct, after, e, BILLING_PAGE_MAX, &n)) != BILLING_OK)
			billing_fatal(rc, v[0]);
		for (size_t i = 0; i < n; i++) {
			printf("%lld\t%s\t%s\t%lld\t%lld\t%lld\t%lld\t%s\t%s\t%lld\t%s\t%s\n",
			    e[i].id, e[i].created_at, billing_kind_names[e[i].kind],
			    e[i].net_cents, e[i].vat_bp, e[i].vat_cents, e[i].gross_cents,
			    e[i].currency, *e[i].product_code ? e[i].product_code : "-",
			    e[i].invoice_id, e[i].idempotency_key,
			    *e[i].reference ? e[i].reference : "-");
			after = e[i].id;
		}
	} while (n == BILLING_PAGE_MAX);
	if (a.type == BILLING_DEPOSIT)
		printf("# balance %lld %s\n", a.balance_cents, a.currency);
	db_close(db);
	free(e);
	return 0;
}

/* How each discrepancy reads: "<what> <id>: <found> F, <expected> E (cents)". */
static const char *const check_texts[BILLING_CHECK__MAX][3] = {
	[BILLING_CHECK_BALANCE] = { "account", "balance", "the ledger explains" },
	[BILLING_CHECK_INVOICE] = { "invoice", "total", "its lines sum to" },
	[BILLING_CHECK_LINE] = { "ledger row", "invoice line", "the row says" },
	[BILLING_CHECK_REFUND] = { "charge", "refunded", "its net is" },
};

static void
check_report(void *arg, enum billing_check_kind k, long long id, long long expected,
    long long found)
{
	(void)arg;
	printf("%s %lld: %s %lld, %s %lld (cents)\n", check_texts[k][0], id, check_texts[k][1],
	    found, check_texts[k][2], expected);
}

/*
 * Proves the books (billing_check): one line per discrepancy, then a
 * summary. Exit 0 only when there is none.
 */
static int
cmd_ledger_check(struct db *cdb, const struct center_conf *conf, int argc, char **argv)
{
	struct billing_check_summary	 s;
	struct db			*db;
	enum billing_rc			 rc;

	if (argc != 1)
		fatalx("usage: caasctl ledger-check");
	db = billing_open(conf);
	rc = billing_check(db, check_report, NULL, &s);
	db_close(db);
	if (rc != BILLING_OK)
		fatalx("ledger-check: %s", billing_strerror(rc));
	printf("ledger-check: %lld accounts, %lld invoices, %lld ledger rows; %lld %s\n",
	    s.accounts, s.invoices, s.ledger_rows, s.problems,
	    s.problems == 1 ? "discrepancy" : "discrepancies");
	return s.problems != 0;
}

static const struct cmd cmds[] = {
	{ "migrate", cmd_migrate, "migrate [--mark-applied N]" },
	{ "account-add", cmd_account_add, "account-add --name N --type deposit|monthly "
	    "[--incompatible] [--vat-bp BP] [--balance-cents C]" },
	{ "user-add", cmd_user_add, "user-add --account ID --login L (--password-file F | "
	    "--no-password) [--role customer|accounting|admin] [--lang en|fr]" },
	{ "apikey-add", cmd_apikey_add, "apikey-add --account ID [--label L]" },
	{ "org-add", cmd_org_add, "org-add --account ID --name N --city C --country CC" },
	{ "preval-set", cmd_preval_set, "preval-set --org ID --level DV|OV|QWAC "
	    "--status pending|approved|rejected|expired [--upstream-id ID|none]" },
	{ "price-set", cmd_price_set, "price-set --account ID --product CODE --cents C" },
	{ "limit-set", cmd_limit_set, "limit-set --account ID --subscriptions-per-hour N|default" },
	{ "upstream-servers", cmd_upstream_servers, "upstream-servers" },
	{ "upstream-check", cmd_upstream_check, "upstream-check" },
	{ "confirm-revocations", cmd_confirm_revocations, "confirm-revocations [--now T]" },
	{ "deposit-credit", cmd_deposit_credit, "deposit-credit --account ID --cents N "
	    "--reference TEXT --key IDEMPOTENCY-KEY" },
	{ "ledger", cmd_ledger, "ledger --account ID" },
	{ "ledger-check", cmd_ledger_check, "ledger-check" },
	{ "reconcile", cmd_reconcile, "reconcile [--min-age SECONDS] [--now T]" },
	{ "sync", cmd_sync, "sync [--subscription ID] [--now T]" },
	{ "renew", cmd_renew, "renew [--now T]" },
	{ "expire", cmd_expire, "expire [--now T]" },
	{ "run-jobs", cmd_run_jobs, "run-jobs [--now T]" },
	{ "watch", cmd_watch, "watch [--now T]" },
	{ "webhooks", cmd_webhooks, "webhooks [--now T]" },
	{ "notify", notify_cmd, "notify [--now T] [--batch N]" },
	{ "user-email", notify_cmd_user_email, "user-email --login L (--email ADDRESS | --clear)" },
	{ "close-invoices", cmd_close_invoices, "close-invoices [--now \"YYYY-MM-DD HH:MM:SS\"]" },
	{ "export", cmd_export, "export --from YYYY-MM-DD --to YYYY-MM-DD --format csv|csv-fr|fec "
	    "[--encoding utf-8|iso-8859-15] [--output FILE]" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: caasctl [-f config] command [options]\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(status ? stderr : stdout, "  caasctl %s\n", cmds[i].usage);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	struct db		*db;
	const char		*path = NULL;
	int			 i = 1, rc;

	if (argc >= 3 && strcmp(argv[1], "-f") == 0) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage(2);
	if (strcmp(argv[i], "help") == 0 || strcmp(argv[i], "--help") == 0)
		usage(0);
	for (size_t k = 0; k < NCMDS; k++) {
		if (strcmp(argv[i], cmds[k].name) != 0)
			continue;
		center_conf_load(&conf, path);
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			fatalx("curl_global_init failed");
		/* The CLI reports to the terminal whatever the daemon's log setting. */
		log_init("caasctl", 0, LOG_LVL_INFO);
		if ((db = center_db_open(&conf, 0)) == NULL)
			fatalx("out of memory");
		if (db_ping(db) != 0)
			fatalx("database unreachable (%s)", conf.db_host ? conf.db_host : conf.db_socket);
		rc = cmds[k].fn(db, &conf, argc - i, argv + i);
		metrics_job_done(db, cmds[k].name, rc);	/* job_runs, upstream_calls (/metrics) */
		db_close(db);
		center_conf_free(&conf);
		return rc;
	}
	fprintf(stderr, "caasctl: unknown command \"%s\"\n", argv[i]);
	usage(2);
}
