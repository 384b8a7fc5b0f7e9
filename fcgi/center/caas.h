/*
 * The customer area's client of the upstream CA's CaaS reseller API
 * (DESIGN.md §3): POST <caas_api_base>/products/!ACMEAdmin, form-encoded,
 * JSON answers. The bundled CA serves the same API, so tests exercise
 * the production code path; pointing caas_api_base at Sectigo is the
 * production deployment. The password never reaches a log.
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
	int	 error_code;	/* !AutoRevokeSSL: errorCode (0 revoked, -4 already revoked…) */
};

#define CAAS_OK		0	/* 2xx with a JSON answer */
#define CAAS_REFUSED	1	/* the upstream answered with an error (type, detail) */
#define CAAS_TRANSPORT	(-1)	/* no usable answer: timeout, TLS, too large… — the call
				 * may or may not have happened; check state before retrying */

/*
 * Call action with fields: pairs of name, value, then NULL (at most
 * CAAS_FIELDS_MAX pairs). loginName and loginPassword are added.
 */
int	caas_call(const struct center_conf *, const char *action, const char *const *fields,
	    struct caas_result *);
void	caas_result_free(struct caas_result *);

/*
 * POST <base>/products/!AutoRevokeSSL for the certificate of upstream
 * order_number, with codeReason (RFC 5280 reason: 0, 1, 3, 4, 5) and a
 * free text reason. CAAS_OK when revoked, CAAS_REFUSED with
 * res->error_code (-4: already revoked), or CAAS_TRANSPORT.
 */
int	caas_revoke(const struct center_conf *, const char *order_number, int code_reason,
	    const char *reason, struct caas_result *);

#endif
