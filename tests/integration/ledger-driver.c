/*
 * ledger-driver: plays a script of billing movements against the real
 * database with the clock pinned to each movement's time, for
 * tests/integration/48-invoices-export.sh (a year of activity in one
 * process). One movement per line of standard input:
 *
 *   KIND ACCOUNT NET PRODUCT KEY WHEN SUB DOMAIN ORDER COST [DESCRIPTION...]
 *
 * KIND charge, refund, refund=CHARGE_KEY (a refund naming the charge it gives
 * back, billing_req.refund_of) or credit; WHEN "YYYY-MM-DDTHH:MM:SSZ"; PRODUCT,
 * SUB, DOMAIN, ORDER and COST "-" for none. Prints for each line
 *   ledger=ID replay=0|1 kind=K net=N vat=V gross=G invoice=I
 * and exits 0; the first refusal prints "refused: LINE: REASON" and
 * exits 3; a malformed line exits 2.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "center.h"
#include "clock.h"
#include "log.h"

#define FIELDS	10

static long long
num(const char *s, long long none, long lineno)
{
	char		*end;
	long long	 v;

	if (strcmp(s, "-") == 0)
		return none;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "ledger-driver: line %ld: \"%s\" is not a number\n", lineno, s);
		exit(2);
	}
	return v;
}

static const char *
opt(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

/* Split line into f[0..FIELDS) and the free description after them. */
static int
split(char *line, char *f[FIELDS], char **desc)
{
	char	*save = NULL, *p = line;
	int	 n;

	line[strcspn(line, "\n")] = '\0';
	for (n = 0; n < FIELDS; n++, p = NULL)
		if ((f[n] = strtok_r(p, " ", &save)) == NULL)
			return -1;
	*desc = save != NULL && *save != '\0' ? save : NULL;
	return 0;
}

static int
play(struct db *db, char *line, long lineno)
{
	struct billing_req	 q = { 0 };
	struct billing_result	 res;
	enum billing_rc		 rc;
	char			*f[FIELDS], *desc;
	time_t			 when;

	if (split(line, f, &desc) == -1 || clock_parse(f[5], &when) == -1) {
		fprintf(stderr, "ledger-driver: line %ld is malformed\n", lineno);
		exit(2);
	}
	clock_set(when);
	q.account_id = num(f[1], 0, lineno);
	q.net_cents = num(f[2], 0, lineno);
	q.product_code = opt(f[3]);
	q.idempotency_key = f[4];
	q.subscription_ref = num(f[6], 0, lineno);
	q.domain_ref = num(f[7], 0, lineno);
	q.upstream_order = opt(f[8]);
	q.upstream_cost_cents = num(f[9], -1, lineno);
	q.description = desc;
	q.reference = desc;
	if (strcmp(f[0], "charge") == 0)
		rc = billing_charge(db, &q, &res);
	else if (strcmp(f[0], "refund") == 0)
		rc = billing_refund(db, &q, &res);
	else if (strncmp(f[0], "refund=", 7) == 0) {
		q.refund_of = f[0] + 7;
		rc = billing_refund(db, &q, &res);
	}
	else
		rc = billing_credit(db, &q, &res);
	if (rc != BILLING_OK) {
		printf("refused: %ld: %s\n", lineno, billing_strerror(rc));
		return 3;
	}
	printf("ledger=%lld replay=%d kind=%s net=%lld vat=%lld gross=%lld invoice=%lld "
	    "vat_bp=%lld\n", res.ledger_id, res.replay, billing_kind_names[res.kind],
	    res.net_cents, res.vat_cents, res.gross_cents, res.invoice_id, res.vat_bp);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	struct db		*db;
	char			 line[1024];
	long			 lineno = 0;
	int			 rc = 0;

	if (argc != 3 || strcmp(argv[1], "-f") != 0) {
		fprintf(stderr, "usage: ledger-driver -f CONF < script\n");
		return 2;
	}
	center_conf_load(&conf, argv[2]);
	log_init("ledger-driver", 0, LOG_LVL_INFO);
	if ((db = billing_db_open(&(struct db_conf){ .host = conf.db_host,
	    .port = (unsigned int)conf.db_port, .socket = conf.db_socket,
	    .name = conf.db_name, .user = conf.db_user, .password = conf.db_password })) == NULL) {
		fprintf(stderr, "ledger-driver: out of memory\n");
		return 1;
	}
	while (rc == 0 && fgets(line, sizeof(line), stdin) != NULL)
		if (line[0] != '#' && line[0] != '\n')
			rc = play(db, line, ++lineno);
	db_close(db);
	center_conf_free(&conf);
	return rc;
}
