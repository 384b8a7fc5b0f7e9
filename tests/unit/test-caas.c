/*
 * The CaaS client's readings of the upstream's answers (caas.h,
 * docs/upstream.md "How it reads answers"): cost to exact cents, currency,
 * expiresAt as our exclusive end date, and both !AutoRevokeSSL formats.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "upstream/caas.h"
#include "tap.h"

static long long
cents_of(const char *json, int *rc)
{
	json_t		*j = json_loads(json, JSON_DECODE_ANY, NULL);
	long long	 c = -999;

	*rc = caas_cost_cents(j, &c);
	json_decref(j);
	return c;
}

static void
cost(const char *json, long long want)
{
	int		 rc;
	long long	 c = cents_of(json, &rc);

	ok(rc == 0 && c == want, "cost %s is %lld cents (got rc %d, %lld)", json, want, rc, c);
}

static void
cost_refused(const char *json)
{
	int	 rc;

	(void)cents_of(json, &rc);
	is_int(rc, -1, "cost %s is refused", json);
}

static void
end_date(const char *x, const char *want)
{
	char	 out[11] = "";
	int	 rc = caas_end_date(x, out);

	if (want == NULL)
		is_int(rc, -1, "expiresAt \"%s\" is refused", x);
	else
		ok(rc == 0 && strcmp(out, want) == 0, "expiresAt %s ends on %s (got %s)", x, want, out);
}

static void
revoke(const char *answer, int want_rc, int want_code, const char *want_msg)
{
	char	 msg[128];
	int	 code = 99, rc = caas_revoke_answer(answer, strlen(answer), &code, msg, sizeof(msg));

	if (want_rc != 0)
		is_int(rc, -1, "!AutoRevokeSSL answer \"%s\" is not an answer", answer);
	else
		ok(rc == 0 && code == want_code && strcmp(msg, want_msg) == 0,
		    "!AutoRevokeSSL \"%s\": errorCode %d, \"%s\" (got %d, %d, \"%s\")", answer,
		    want_code, want_msg, rc, code, rc == 0 ? msg : "");
}

int
main(void)
{
	json_t	*a;
	char	 cur[4];

	/* The documented form: a JSON number with two decimals. */
	cost("200.00", 20000);
	cost("30.1", 3010);
	cost("0.07", 7);
	cost("-12.34", -1234);
	cost("19.99", 1999);
	cost("1234567890.55", 123456789055);
	cost("39", 3900);
	/* Tolerated: a decimal string, as the old twin answered. */
	cost("\"39.00\"", 3900);
	cost("\"-0.50\"", -50);
	cost_refused("30.001");
	cost_refused("1e13");
	cost_refused("\"39.\"");
	cost_refused("\"abc\"");
	cost_refused("null");
	cost_refused("true");

	a = json_loads("{\"cost\":30.00,\"currency\":\"USD\"}", 0, NULL);
	ok(caas_currency(a, "EUR", cur) == 0 && strcmp(cur, "USD") == 0, "currency read from the answer");
	json_decref(a);
	a = json_loads("{\"cost\":30.00}", 0, NULL);
	ok(caas_currency(a, "EUR", cur) == 0 && strcmp(cur, "EUR") == 0, "no currency: the configured one");
	json_decref(a);
	a = json_loads("{\"currency\":\"euro\"}", 0, NULL);
	is_int(caas_currency(a, "EUR", cur), -1, "a currency that is not ISO 4217 is refused");
	json_decref(a);

	/* expiresAt: the last second of the last day (inclusive). */
	end_date("2025-09-20T23:59:59Z", "2025-09-21");
	end_date("2028-02-28T23:59:59Z", "2028-02-29");
	end_date("2025-12-31T23:59:59Z", "2026-01-01");
	end_date("2025-09-21T00:00:00Z", "2025-09-21");	/* an exclusive reading: its own day */
	end_date("2025-09-20T23:59:59.999Z", "2025-09-21");
	end_date("2025-09-20", NULL);
	end_date("2025-09-20T23:59:59+02:00", NULL);
	end_date("", NULL);

	revoke("errorCode=0&errorMessage=", 0, 0, "");
	revoke("errorCode=-21&errorMessage=The+certificate+is+already+revoked%21", 0, -21,
	    "The certificate is already revoked!");
	revoke("0\n", 0, 0, "");
	revoke("-4\nThe value of the 'orderNumber' argument is invalid!\n", 0, -4,
	    "The value of the 'orderNumber' argument is invalid!");
	revoke("-16\r\nIncorrect login details\r\n", 0, -16, "Incorrect login details");
	revoke("<html>oops</html>", -1, 0, NULL);
	revoke("errorMessage=x", -1, 0, NULL);
	revoke("abc\nx", -1, 0, NULL);
	return tap_done();
}
