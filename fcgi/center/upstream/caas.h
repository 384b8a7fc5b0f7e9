/*
 * The customer area's client of the upstream CA's CaaS reseller API
 * (DESIGN.md §3, docs/upstream.md): POST <caas_api_base>/products/!ACMEAdmin,
 * form-encoded, JSON answers; !AutoRevokeSSL with form answers. The bundled
 * CA serves the same API, so tests exercise the production code path;
 * pointing caas_api_base at Sectigo is the production deployment. The
 * password never reaches a log.
 *
 * Outcomes are three, and only three (docs/upstream.md, "the client"):
 *   CAAS_OK       a 2xx answer that parsed: the call happened;
 *   CAAS_REFUSED  a 4xx problem document: the upstream refused, nothing
 *                 happened (which refusal is information for a person, never
 *                 a decision: the client checks the upstream's state instead);
 *   CAAS_UNKNOWN  anything else (timeout, TLS, 5xx, an answer that does not
 *                 parse): the call may or may not have happened, and only the
 *                 upstream's state (LISTDOMAINS, LISTACCOUNTS, GETLASTORDER)
 *                 settles it.
 */
#ifndef CENTER_CAAS_H
#define CENTER_CAAS_H

#include <jansson.h>

struct center_conf;

#define CAAS_ANSWER_MAX		(1024 * 1024)
#define CAAS_FIELDS_MAX		16

struct caas_result {
	long	 http_status;
	json_t	*json;		/* the answer, when it is JSON */
	char	 type[64];	/* error kind, the last part of the problem type */
	char	 detail[512];	/* upstream's detail, or our transport error */
	int	 error_code;	/* !AutoRevokeSSL: errorCode (0 done, CAAS_REVOKE_*) */
	/* Contract drift: the answer did not parse, or used a kind or an
	 * errorCode the documentation does not have (what, for the log). */
	char	 drift[128];
};

#define CAAS_OK		0
#define CAAS_REFUSED	1
#define CAAS_UNKNOWN	(-1)
#define CAAS_TRANSPORT	CAAS_UNKNOWN	/* the older name */

/* !AutoRevokeSSL errorCode values we act on (Sectigo's form API numbering). */
#define CAAS_REVOKE_INVALID		(-4)	/* an argument's value is invalid */
#define CAAS_REVOKE_REJECTED		(-20)	/* the order was rejected: nothing to revoke */
#define CAAS_REVOKE_ALREADY		(-21)	/* already revoked */
#define CAAS_REVOKE_ISSUING_A		(-23)	/* still being issued: try again later */
#define CAAS_REVOKE_ISSUING_B		(-26)

/*
 * Call action with fields: pairs of name, value, then NULL (at most
 * CAAS_FIELDS_MAX pairs). loginName and loginPassword are added.
 * CAAS_OK, CAAS_REFUSED or CAAS_UNKNOWN; res is always filled and must be
 * freed with caas_result_free.
 */
int	caas_call(const struct center_conf *, const char *action, const char *const *fields,
	    struct caas_result *);
void	caas_result_free(struct caas_result *);

/*
 * POST <base>/products/!AutoRevokeSSL for the certificate of upstream
 * order_number, with codeReason (RFC 5280 reason: 0, 1, 3, 4, 5), a free
 * text reason and responseFormat=1. CAAS_OK when revoked (errorCode 0),
 * CAAS_REFUSED with res->error_code, or CAAS_UNKNOWN. Both documented answer
 * formats are parsed (URL-encoded, and newline-separated text).
 */
int	caas_revoke(const struct center_conf *, const char *order_number, int code_reason,
	    const char *reason, struct caas_result *);

/*
 * An !AutoRevokeSSL answer of len bytes in either documented format: URL-encoded
 * ("errorCode=0&errorMessage=…"), or newline-separated text (errorCode on the
 * first line, errorMessage on the next). 0 with *code and msg, -1 otherwise.
 */
int	caas_revoke_answer(const char *p, size_t len, int *code, char *msg, size_t msgsz);

/*
 * A money amount of an answer (ADDDOMAIN, EXTENDDOMAINS "cost"): a JSON
 * number with at most two decimals (documented: 200.00), or, tolerated, a
 * decimal string. 0 with *cents, -1 when absent or not such an amount.
 */
int	caas_cost_cents(json_t *, long long *cents);

/*
 * The currency of an answer ("currency", ISO 4217: three upper-case letters),
 * copied to out[4]; dflt when the answer has none. 0, or -1 when the answer
 * has one that is not a currency code.
 */
int	caas_currency(json_t *answer, const char *dflt, char out[4]);

/*
 * An expiresAt of LISTDOMAINS ("2025-09-20T23:59:59Z", the last second of
 * the last day) as our exclusive end date "YYYY-MM-DD" (the first day not
 * covered: 2025-09-21). A midnight value (an exclusive reading) gives its own
 * day. 0, or -1 when it is not an RFC 3339 UTC time.
 */
int	caas_end_date(const char *expires_at, char out[11]);

#endif
