/*
 * The ACME server's request context and resource handlers (acme.c
 * dispatches; accounts.c and orders.c implement the resources).
 */
#ifndef CA_ACME_HANDLERS_H
#define CA_ACME_HANDLERS_H

#include "acme/acme.h"
#include "clock.h"
#include "crypto.h"

struct actx {
	const struct ca_conf	*conf;
	struct db		*db;
	struct req		*req;
	enum level		 lvl;
	char			 dir[256];	/* <base_url>/v2/<LEVEL> */
	long long		 id;		/* numeric path segment */
	char			 arg[160];	/* string path segment (renewal-info) */

	/* Set by acme_auth. */
	struct jws		 jws;
	int			 have_jws;
	EVP_PKEY		*key;		/* the request's verified key */
	json_t			*jwk;		/* newAccount only */
	long long		 acct_id, eab_id;	/* kid requests */
	char			 acct_status[16], eab_status[16];
	json_t			*acct_contact;
	json_t			*acct_jwk;	/* the account's stored key */
	char			 org_o[201], org_l[101], org_c[3];

	/*
	 * The request's nonce, verified but not yet recorded as used (§6.5).
	 * The writing handlers (nonce_defer) record it inside their own
	 * transaction (acme_tx_begin), so the nonce and the changes it
	 * authorised commit together; any answer records it first otherwise.
	 */
	int			 nonce_defer;
	int			 nonce_pending, nonce_in_tx;
	char			 nonce[TOKEN_B64_LEN + 1];
	char			 nonce_exp[CLOCK_SQL_LEN];
};

void	acme_handle(struct actx *);
void	actx_free(struct actx *);
#define AUTH_KID	0	/* acme_auth: a kid of a valid account */
#define AUTH_JWK	1	/* a jwk (newAccount) */
#define AUTH_EITHER	2	/* either (revokeCert) */
int	acme_auth(struct actx *, int want_jwk);

/* A handler's transaction, with the pending nonce recorded in it: 0, or
 * -1 after answering (badNonce, database error). Commit with acme_tx_commit;
 * a plain db_rollback leaves the nonce to be recorded with the answer. */
int	acme_tx_begin(struct actx *);
int	acme_tx_commit(struct actx *);

void	acme_reply(struct actx *, int status, json_t *j, const char *location);
void	acme_send_pem(struct actx *, const char *pem);
void	acme_reply_empty(struct actx *, int status);
void	acme_reply_get(struct actx *, int status, json_t *j);
void	acme_problem(struct actx *, enum problem, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	acme_problem_sub(struct actx *, enum problem, const char *detail, json_t *subs);
void	acme_db_problem(struct actx *, int rc);
void	acme_time(const char *sql, char out[32]);
void	acme_url(const struct actx *, char *out, size_t outsz, const char *res, long long id);
void	acme_wake_validator(const struct actx *);

/* accounts.c */
void	h_new_account(struct actx *);
void	h_account(struct actx *);
void	h_account_orders(struct actx *);
void	h_key_change(struct actx *);

/* revoke_acme.c */
void	h_revoke_cert(struct actx *);

/* ari.c */
void	h_renewal_info(struct actx *);

/* orders.c */
void	h_new_order(struct actx *);
void	h_order(struct actx *);
void	h_authz(struct actx *);
void	h_challenge(struct actx *);
void	h_finalize(struct actx *);
void	h_certificate(struct actx *);

#endif
