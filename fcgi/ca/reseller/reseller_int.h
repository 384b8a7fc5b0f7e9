/*
 * Internals of the reseller API (the twin of Sectigo's CaaS API,
 * docs/upstream.md), shared by its files:
 *
 *   reseller.c           entry, declared inputs, login and its throttle,
 *                        answers (problem documents), the call log
 *   reseller_sql.c       every statement (enum rstmt, reseller.h)
 *   reseller_rows.c      one typed function per statement (rdb_*, reseller.h)
 *   reseller_accounts.c  PREREGISTER, LISTACCOUNTS, LISTBINDINGS,
 *                        SUSPEND/UNSUSPEND/DEACTIVATEACCOUNT, LISTSERVERS
 *   reseller_domains.c   ADDDOMAIN, REMOVEDOMAIN, LISTDOMAINS,
 *                        EXTENDDOMAINS, UPDATEDOMAINS
 *   reseller_orders.c    GETLASTORDER and !AutoRevokeSSL
 *   reseller_days.c      UTC calendar days of the subscription's term
 *   reseller_fault.c     fault injection for the client's saga tests
 */
#ifndef CA_RESELLER_INT_H
#define CA_RESELLER_INT_H

#include <stdint.h>

#include <jansson.h>

#include "clock.h"

#include "acme/acme.h"
#include "reseller/reseller.h"

#define CURRENCY		"EUR"
#define REFUND_WINDOW		(30L * 86400)	/* after the add (subscription overview) */
#define EXTEND_BEFORE_DAYS	100		/* window opens before the expiry */
#define EXTEND_AFTER_DAYS	30		/* and closes after it */
#define DAY			86400L
#define LISTDOMAINS_SIZE	100		/* default page size (docs/upstream.md) */
#define LIST_SIZE_MAX		1000		/* largest size accepted */
#define CALL_FIELDS_MAX		2000		/* bytes of field names logged per call */
#define MONEY_MARK		"\001M"	/* money_json placeholder (reseller.c) */

/* The name of GETLASTORDER's per-account breakdown option (newer page;
 * the stored copy lost the name column: docs/upstream.md, open questions). */
#define BREAKDOWN_FIELD		"breakdownByAccount"

/* Every input field of both endpoints, with its documented maximum length. */
enum rfield {
	F_LOGIN, F_PASSWORD, F_ACTION, F_ACCOUNT, F_DOMAIN, F_QUOTE, F_OV_ANCHOR, F_EV_ANCHOR,
	F_OLD_OV_ANCHOR, F_OLD_EV_ANCHOR, F_ASSOC, F_SERVER_URL, F_YEARS, F_DAYS, F_PAGE, F_SIZE,
	F_FILTER, F_INCL_ADD, F_BREAKDOWN, F_LAST_ACT, F_EAB_KEY_ID, F_INCL_CONTACTS,
	F_ORDER_NUMBER, F_CERT_ID, F_SERIAL, F_REV_REASON, F_CODE_REASON, F_TEST, F_RESP_FORMAT,
	F__MAX
};

struct rfield_def {
	const char	*name;
	size_t		 max;		/* characters (bytes: ASCII only) */
	int		 repeat;	/* may be given more than once (filter) */
};
extern const struct rfield_def rfields[F__MAX];

#define FB(f)	((uint64_t)1 << (f))

/* The documented problem rows (unsuccessful-responses page), plus the
 * twin's own transport failures (5xx, 404, 405, 413). */
enum rproblem {
	RP_UNRECOGNIZED,	/* 400 malformed "'x' is an unrecognized argument!" */
	RP_MISSING,		/* 400 malformed "The 'x' argument is missing!" */
	RP_INVALID,		/* 400 malformed "The value of the 'x' argument is invalid!" */
	RP_LOGIN,		/* 401 unauthorized */
	RP_HTTPS,		/* 403 unauthorized "Use of HTTPS is REQUIRED!" */
	RP_NOT_DEACTIVATED,	/* 403 "Account could not be deactivated!" */
	RP_NOT_REMOVED,		/* 403 "Domain could not be removed!" */
	RP_NOT_DV,		/* 403 "Not applicable for DV!" */
	RP_NOT_FOUND,		/* 404, the twin's routing */
	RP_METHOD,		/* 405 */
	RP_TOO_LARGE,		/* 413 */
	RP_UNAVAILABLE,		/* 503: database away */
	RP_INTERNAL,		/* 500 */
	RP__MAX
};

/* One request: checked inputs, the account once looked up, what was answered. */
struct rctx {
	const struct ca_conf	*conf;
	struct db		*adb;
	struct db		*db;
	struct req		*req;
	int			 revoke_api;	/* !AutoRevokeSSL */
	const char		*v[F__MAX];	/* first value; NULL: absent or empty */
	char			 domain[ACME_NAME_MAX + 1];	/* domainName, lower case */
	/* The account (eab_keys row), after account_get. */
	long long		 eab_id;
	enum level		 level;
	enum eab_status		 status;
	long			 term_start;	/* days since 1970-01-01; -1 when none */
	long			 term_end;	/* exclusive: the day after the last day */
	int			 term_years;	/* PREREGISTER's duration */
	/* The answer, for the call log. */
	int			 answered;
	int			 status_code;
	char			 kind[64];
};

/* ---- reseller_fault.c (tests: reseller_fault_file) ---- */
int	reseller_fault(const struct rctx *, const char *action, const char *when);
json_t	*reseller_fault_answer(int status);

/* ---- reseller.c (days: reseller_days.c) ---- */
enum rfield field_of(const char *key);
void	call_log(struct rctx *, int status, const char *kind);
void	send_json(struct rctx *, int status, json_t *);
void	problem(struct rctx *, enum rproblem, enum rfield);
void	db_problem(struct rctx *, int err, const char *what);
int	begin(struct rctx *);
int	account_get(struct rctx *, int lock);
int	yn_arg(struct rctx *, enum rfield, int dflt);
long long number_arg(struct rctx *, enum rfield, long long lo, long long hi, long long dflt);
int	duration_arg(struct rctx *);
int	domain_arg(struct rctx *);
long	today(void);
long	day_of(const char *);
void	day_date(long day, char out[CLOCK_SQL_LEN]);
void	day_sql(long day, char out[CLOCK_SQL_LEN]);
long	plus_years(long day, int years);
void	rfc3339(const char *sql, long delta, char out[24]);
json_t	*money_json(long long cents);

/* ---- the actions ---- */
void	act_preregister(struct rctx *);
void	act_listaccounts(struct rctx *);
void	act_listbindings(struct rctx *);
void	act_suspend(struct rctx *);
void	act_unsuspend(struct rctx *);
void	act_deactivate(struct rctx *);
void	act_listservers(struct rctx *);
void	act_adddomain(struct rctx *);
void	act_removedomain(struct rctx *);
void	act_listdomains(struct rctx *);
void	act_extenddomains(struct rctx *);
void	act_updatedomains(struct rctx *);
void	act_getlastorder(struct rctx *);
void	auto_revoke(struct rctx *);
/* The request's fields against !AutoRevokeSSL's (-2, -4 answers sent): 0 or -1. */
int	autorevoke_fields(struct rctx *);
/* !AutoRevokeSSL's answer: errorCode and errorMessage in the requested format. */
void	form_answer(struct rctx *, int code, const char *msg);

#endif
