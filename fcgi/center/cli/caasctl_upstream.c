/*
 * caasctl upstream-check: the preflight an administrator runs against the
 * upstream before going live, and from monitoring (docs/upstream.md,
 * README "Production"). One line per check, "ok" or "FAIL", exit 1 on any
 * failure; nothing is bought (the ADDDOMAIN is a quote):
 *
 *   login        the credentials work (LISTSERVERS answers)
 *   servers      a server URL for every level we sell (DV, OV, QWAC)
 *   accounts     LISTACCOUNTS page 0 size 1 answers an Accounts array
 *   quote        ADDDOMAIN quoteOnly=Y for upstream_check_account and
 *                upstream_check_domain (when configured): a cost and currency
 *   drift        the answers off the documented contract counted so far
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/caas.h"
#include "cli/caasctl_jobs.h"
#include "center.h"
#include "log.h"
#include "core/subs.h"

static int __attribute__((format(printf, 3, 4)))
line(int ok, const char *check, const char *fmt, ...)
{
	va_list	 ap;

	printf("%-4s %-9s ", ok ? "ok" : "FAIL", check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok ? 0 : 1;
}

/* login and servers, from one LISTSERVERS. */
static int
check_servers(const struct center_conf *conf)
{
	struct caas_result	 res;
	json_t			*s;
	size_t			 i;
	char			 have[LEVEL__MAX][256] = { { 0 } }, missing[64] = "";
	int			 fails = 0, l;

	if (caas_call(conf, "LISTSERVERS", NULL, &res) != CAAS_OK) {
		fails += line(0, "login", "%s", res.detail);
		caas_result_free(&res);
		return fails + line(0, "servers", "not checked (no login)");
	}
	fails += line(1, "login", "%s as %s", conf->caas_api_base, conf->caas_login);
	json_array_foreach(json_object_get(res.json, "Servers"), i, s) {
		l = level_parse(json_string_value(json_object_get(s, "certValidationType")));
		if (l >= 0 && json_string_value(json_object_get(s, "serverUrl")) != NULL)
			snprintf(have[l], sizeof(have[l]), "%s",
			    json_string_value(json_object_get(s, "serverUrl")));
	}
	for (l = 0; l < LEVEL__MAX; l++)
		if (have[l][0] == '\0')
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			    missing[0] ? ", " : "", level_names[l]);
	if (missing[0] != '\0')
		fails += line(0, "servers", "no ACME server for %s", missing);
	else
		fails += line(1, "servers", "DV %s, OV %s, QWAC %s", have[LEVEL_DV], have[LEVEL_OV],
		    have[LEVEL_QWAC]);
	if (res.drift[0] != '\0')
		fails += line(0, "servers", "%s", res.drift);
	caas_result_free(&res);
	return fails;
}

static int
check_accounts(const struct center_conf *conf)
{
	struct caas_result	 res;
	const char		*f[] = { "page", "0", "size", "1", NULL };
	size_t			 n;
	int			 rc;

	if ((rc = caas_call(conf, "LISTACCOUNTS", f, &res)) != CAAS_OK ||
	    !json_is_array(json_object_get(res.json, "Accounts"))) {
		rc = line(0, "accounts", "LISTACCOUNTS: %s", rc == CAAS_OK ?
		    "no Accounts array in the answer" : res.detail);
		caas_result_free(&res);
		return rc;
	}
	n = json_array_size(json_object_get(res.json, "Accounts"));
	caas_result_free(&res);
	return line(1, "accounts", "LISTACCOUNTS page 0 size 1: %zu account(s)", n);
}

static int
check_quote(const struct center_conf *conf)
{
	struct caas_result	 res;
	const char		*f[] = { "acmeAccountID", conf->upstream_check_account,
	    "domainName", conf->upstream_check_domain, "quoteOnly", "Y", NULL };
	long long		 cents;
	char			 cur[4];
	int			 rc;

	if (conf->upstream_check_account == NULL)
		return line(1, "quote", "skipped (no upstream_check_account configured)");
	if ((rc = caas_call(conf, "ADDDOMAIN", f, &res)) != CAAS_OK) {
		rc = line(0, "quote", "ADDDOMAIN quoteOnly=Y: %s", res.detail);
		caas_result_free(&res);
		return rc;
	}
	if (caas_cost_cents(json_object_get(res.json, "cost"), &cents) != 0 ||
	    caas_currency(res.json, conf->caas_currency, cur) != 0) {
		caas_result_free(&res);
		return line(0, "quote", "ADDDOMAIN quoteOnly=Y: no usable cost and currency");
	}
	caas_result_free(&res);
	return line(1, "quote", "ADDDOMAIN quoteOnly=Y for %s: %lld.%02lld %s (nothing bought)",
	    conf->upstream_check_domain, cents / 100, llabs(cents % 100), cur);
}

/* The drift counted by the jobs and requests (upstream_drift). */
static int
check_drift(struct db *db)
{
	struct db_res	*r = NULL;

	if (db_run(db, Q_DRIFT_LIST, NULL, 0, &r) != 0) {
		db_res_free(r);
		return line(0, "drift", "cannot read upstream_drift");
	}
	if (r->nrows == 0)
		line(1, "drift", "no answer off the documented contract so far");
	for (size_t i = 0; i < r->nrows; i++)
		printf("warn drift     %s: %s answer(s) off contract, last at %s: %s\n",
		    db_cell(r, i, 0), db_cell(r, i, 1), db_cell(r, i, 3), db_cell(r, i, 2));
	db_res_free(r);
	return 0;	/* reported, not a failure of the preflight */
}

int
cmd_upstream_check(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	int	 fails = 0;

	(void)argv;
	if (argc != 1)
		fatalx("usage: caasctl upstream-check");
	if (conf->caas_api_base == NULL) {
		line(0, "config", "caas_api_base, caas_login and caas_password_file are not set");
		return 1;
	}
	fails += check_servers(conf);
	fails += check_accounts(conf);
	fails += check_quote(conf);
	fails += check_drift(db);
	printf("upstream-check: %d check%s failed\n", fails, fails == 1 ? "" : "s");
	return fails > 0;
}
