/*
 * billing-driver: runs one billing-module call against the real
 * database, for tests/integration/47-billing.sh.
 *
 *   billing-driver -f CONF charge ACCOUNT NET_CENTS PRODUCT KEY
 *   billing-driver -f CONF refund ACCOUNT NET_CENTS PRODUCT KEY
 *   billing-driver -f CONF price ACCOUNT PRODUCT
 *   billing-driver -f CONF account ACCOUNT
 *
 * PRODUCT "-" means none. A movement prints one line
 *   ledger=ID replay=0|1 kind=K net=N vat=V gross=G invoice=I balance=B
 * and exits 0; a refusal prints "refused: REASON" and exits 3; a
 * usage error exits 2.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "center.h"
#include "log.h"

static long long
num(const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "billing-driver: \"%s\" is not a number\n", s);
		exit(2);
	}
	return v;
}

static int
refused(enum billing_rc rc)
{
	printf("refused: %s\n", billing_strerror(rc));
	return 3;
}

static int
movement(struct db *db, char **argv)
{
	struct billing_req	 q;
	struct billing_result	 res;
	enum billing_rc		 rc;

	memset(&q, 0, sizeof(q));
	q.account_id = num(argv[1]);
	q.net_cents = num(argv[2]);
	q.product_code = strcmp(argv[3], "-") == 0 ? NULL : argv[3];
	q.idempotency_key = argv[4];
	q.upstream_cost_cents = -1;
	if (strcmp(argv[0], "charge") == 0)
		rc = billing_charge(db, &q, &res);
	else
		rc = billing_refund(db, &q, &res);
	if (rc != BILLING_OK)
		return refused(rc);
	printf("ledger=%lld replay=%d kind=%s net=%lld vat=%lld gross=%lld invoice=%lld "
	    "balance=%lld\n", res.ledger_id, res.replay, billing_kind_names[res.kind],
	    res.net_cents, res.vat_cents, res.gross_cents, res.invoice_id, res.balance_cents);
	return 0;
}

static int
run(struct db *db, int argc, char **argv)
{
	struct billing_account	 a;
	long long		 cents;
	enum billing_rc		 rc;

	if ((strcmp(argv[0], "charge") == 0 || strcmp(argv[0], "refund") == 0) && argc == 5)
		return movement(db, argv);
	if (strcmp(argv[0], "price") == 0 && argc == 3) {
		if ((rc = billing_price(db, num(argv[1]), argv[2], &cents)) != BILLING_OK)
			return refused(rc);
		printf("%lld\n", cents);
		return 0;
	}
	if (strcmp(argv[0], "account") == 0 && argc == 2) {
		if ((rc = billing_account(db, num(argv[1]), &a)) != BILLING_OK)
			return refused(rc);
		printf("type=%s balance=%lld vat_bp=%lld currency=%s\n",
		    billing_type_names[a.type], a.balance_cents, a.vat_bp, a.currency);
		return 0;
	}
	fprintf(stderr, "billing-driver: bad command (see the comment at the top)\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	struct db		*db;
	int			 rc;

	if (argc < 4 || strcmp(argv[1], "-f") != 0) {
		fprintf(stderr, "usage: billing-driver -f CONF command args...\n");
		return 2;
	}
	center_conf_load(&conf, argv[2]);
	log_init("billing-driver", 0, LOG_LVL_INFO);
	if ((db = billing_db_open(&(struct db_conf){ .host = conf.db_host,
	    .port = (unsigned int)conf.db_port, .socket = conf.db_socket,
	    .name = conf.db_name, .user = conf.db_user, .password = conf.db_password })) == NULL) {
		fprintf(stderr, "billing-driver: out of memory\n");
		return 1;
	}
	rc = run(db, argc - 3, argv + 3);
	db_close(db);
	center_conf_free(&conf);
	return rc;
}
