/*
 * Fault injection of the reseller API twin, for the customer area's saga
 * tests (tests/integration/54-upstream-faults.sh): the file named by
 * reseller_fault_file holds one rule, "ACTION WHEN STATUS", e.g.
 *
 *   REMOVEDOMAIN after 502     do it, commit, then answer 502 (a JSON problem)
 *   LISTDOMAINS before 503     answer 503 without doing anything
 *   EXTENDDOMAINS before 403   a refusal (documented kind: unauthorized)
 *   GETLASTORDER before 409    a refusal of a kind the documentation lacks
 *
 * The rule fires once (the file is removed), so the retry goes through.
 * Compiled in only with configure --enable-test-hooks; a production build
 * refuses reseller_fault_file at start.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reseller/reseller_int.h"

/*
 * The status the rule for (action, when) orders, consuming the rule; 0 when
 * there is none.
 */
int
reseller_fault(const struct rctx *rc, const char *action, const char *when)
{
#ifdef CAAS_TEST_HOOKS
	char	 line[128], act[40], w[16];
	FILE	*f;
	int	 status = 0;

	if (rc->conf->reseller_fault_file == NULL || action == NULL ||
	    (f = fopen(rc->conf->reseller_fault_file, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL &&
	    sscanf(line, "%39s %15s %d", act, w, &status) == 3 &&
	    strcmp(act, action) == 0 && strcmp(w, when) == 0 && status >= 400 && status <= 599) {
		(void)remove(rc->conf->reseller_fault_file);	/* not unlink: unistd.h has an F_TEST */
		log_warnx("fault injection: %s %s answers %d", action, when, status);
	} else
		status = 0;
	fclose(f);
	return status;
#else
	(void)rc;
	(void)action;
	(void)when;
	return 0;	/* a production build refuses reseller_fault_file (caconf.c) */
#endif
}

/*
 * The answer a rule orders: a problem document, of a documented kind for
 * 400, 401 and 403 (malformed, unauthorized), and of a kind the
 * documentation does not have for any other 4xx, so that tests can watch
 * the client count contract drift.
 */
json_t *
reseller_fault_answer(int status)
{
	const char	*type = "urn:sectigo:params:acme:error:serverInternal";

	if (status == 400)
		type = "urn:sectigo:params:acme:error:malformed";
	else if (status == 401 || status == 403)
		type = "urn:sectigo:params:acme:error:unauthorized";
	else if (status < 500)
		type = "urn:sectigo:params:acme:error:undocumentedKind";
	return json_pack("{s:s, s:s}", "type", type, "detail", "fault injection");
}
