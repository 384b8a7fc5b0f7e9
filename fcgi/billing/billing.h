/*
 * Billing module (DESIGN.md §1 "billing module", §4 "Money"), shared by
 * every part of the site that moves money. No web code here.
 *
 * Money is integer cents; time comes from clock_now(). Every movement
 * (charge, refund, credit) is one transaction that locks the account
 * row, writes one append-only ledger row carrying a unique idempotency
 * key, and then either moves the deposit balance or puts a line on the
 * account's open invoice of the month. A retry with the same key, even
 * one that waited on the lock held by the first attempt, answers the
 * first outcome (same ledger id, replay = 1) and moves nothing.
 *
 * The functions taking a struct db need a handle opened by
 * billing_db_open(): the module's statements live in their own table.
 */
#ifndef CAAS_BILLING_H
#define CAAS_BILLING_H

#include <stddef.h>
#include <time.h>

#include "db.h"

/* ---- pure arithmetic (no database) ---- */

/*
 * Whole UTC calendar days from the date of `from` to the date of `to`
 * (times of day ignored); negative when `to` is an earlier date.
 */
long long	billing_days_between(time_t from, time_t to);

/*
 * Pro-rata price, DESIGN.md §4:
 *   round_half_up(yearly × min(days_left, term_days) / term_days)
 * with days_left = billing_days_between(today, term_end). term_days is
 * the length of the current term, 365 or 366.
 * Returns 0 and sets *cents, or -1 (nothing set) when yearly_cents is
 * negative, term_days is not 365 or 366, term_end is a date before
 * today, or the product would overflow 64 bits.
 */
int	billing_prorata(long long yearly_cents, time_t today, time_t term_end,
	    int term_days, long long *cents);

/*
 * VAT of one billed line: round_half_up(net × vat_bp / 10000), rate in
 * basis points (2000 = 20 %, 550 = 5.5 %). Returns 0 and sets *vat, or
 * -1 when net is negative, vat_bp is outside 0..10000, or net + VAT
 * would overflow 64 bits.
 */
int	billing_vat(long long net_cents, long long vat_bp, long long *vat);

/* ---- outcomes ---- */

enum billing_rc {
	BILLING_OK,
	BILLING_EINVAL,		/* malformed request (amount, key, text length) */
	BILLING_ENOACCOUNT,	/* no such account */
	BILLING_ENOPRODUCT,	/* no such product */
	BILLING_EKIND,		/* operation not for this account type */
	BILLING_EFUNDS,		/* deposit balance below the gross amount */
	BILLING_EKEY,		/* key already used for a different movement */
	BILLING_EBUSY,		/* lock wait timeout or deadlock: retry later */
	BILLING_EDOWN,		/* database unreachable */
	BILLING_EDB,		/* other database error (logged) */
	BILLING_RC__MAX
};

/* A sentence a person can act on, for each outcome. */
const char	*billing_strerror(enum billing_rc);

enum billing_kind {
	BILLING_CHARGE,		/* owed by the customer */
	BILLING_REFUND,		/* a charge given back */
	BILLING_CREDIT,		/* money received on a deposit (top-up) */
	BILLING_KIND__MAX
};
extern const char *const billing_kind_names[BILLING_KIND__MAX];

enum billing_type {
	BILLING_DEPOSIT,	/* pays from a prepaid balance */
	BILLING_MONTHLY,	/* pays a monthly invoice */
	BILLING_TYPE__MAX
};
extern const char *const billing_type_names[BILLING_TYPE__MAX];

/* ---- database ---- */

/* A handle on the billing statement table; db_close() frees it. NULL on ENOMEM. */
struct db	*billing_db_open(const struct db_conf *);

struct billing_account {
	long long		 id;
	enum billing_type	 type;
	long long		 vat_bp;
	long long		 balance_cents;	/* deposit accounts; 0 for monthly */
	char			 currency[4];
};

/* Read an account. BILLING_OK, BILLING_ENOACCOUNT or a database outcome. */
enum billing_rc	billing_account(struct db *, long long account_id, struct billing_account *);

/*
 * The yearly net price of product for the account: its negotiated price
 * when it has one, else the list price. BILLING_OK and *cents, or
 * BILLING_ENOPRODUCT, or a database outcome.
 */
enum billing_rc	billing_price(struct db *, long long account_id, const char *product_code,
		    long long *cents);

#define BILLING_KEY_MAX		100
#define BILLING_TEXT_MAX	200

/* One movement to make. Strings are borrowed; NULL (or 0) means none. */
struct billing_req {
	long long	 account_id;
	long long	 net_cents;		/* >= 0; VAT is added at the account's rate */
	const char	*idempotency_key;	/* required, 1..BILLING_KEY_MAX printable ASCII */
	const char	*product_code;
	long long	 subscription_ref;
	long long	 domain_ref;
	const char	*upstream_order;	/* up to 64 characters */
	long long	 upstream_cost_cents;	/* < 0: unknown */
	const char	*description;		/* invoice line text; default: product or kind */
	const char	*reference;		/* free text kept on the ledger row */
	const char	*refund_of;		/* refunds: idempotency key of the charge given back */
};

/* What happened (or, on a replay, what happened the first time). */
struct billing_result {
	long long		 ledger_id;
	int			 replay;	/* 1: the key was already used; nothing moved now */
	enum billing_kind	 kind;
	long long		 net_cents, vat_bp, vat_cents, gross_cents;
	long long		 invoice_id;	/* monthly accounts, else 0 */
	long long		 balance_cents;	/* deposit balance after the movement (now, on a replay) */
	long long		 refund_of;	/* refunds: ledger id of the charge given back, else 0 */
};

/*
 * Charge net_cents (+ VAT) to the account. Deposit: debit the gross
 * amount, or BILLING_EFUNDS if the balance does not hold it (nothing
 * written). Monthly: a line on the open invoice of the clock's current
 * month, created on demand. BILLING_OK with *res filled (res->replay set
 * when the key was used before by the same account for the same kind and
 * amount), BILLING_EKEY when it was used for something else, else a
 * refusal or database outcome and nothing moved. A refusal is not
 * recorded: the same key may be retried once the cause is fixed.
 */
enum billing_rc	billing_charge(struct db *, const struct billing_req *, struct billing_result *);

/*
 * Give net_cents (+ VAT) back: a credit to the deposit balance, or a
 * negative line on the open invoice of the month. The refund mirrors the
 * charge it gives back (issue #16 item 5): that charge's VAT rate, and its
 * very VAT amount when the whole net is refunded, whatever the account's
 * rate is today. The charge is q->refund_of (its idempotency key; unknown,
 * another account's or not a charge: BILLING_EINVAL); without it, the
 * latest charge of the same account, subscription_ref and domain_ref
 * (both > 0) with the same net, else the latest with a larger net; with
 * no such charge, the account's current rate. The refunds of one charge
 * never sum above its net (BILLING_EINVAL). The ledger row records the
 * charge (refund_of). Same idempotency and outcomes as billing_charge
 * (never EFUNDS).
 */
enum billing_rc	billing_refund(struct db *, const struct billing_req *, struct billing_result *);

/*
 * Record money received on a deposit account (an accountant's top-up):
 * a `credit` row of net_cents with no VAT, balance += net_cents.
 * BILLING_EKIND for a monthly account; otherwise as billing_charge.
 */
enum billing_rc	billing_credit(struct db *, const struct billing_req *, struct billing_result *);

/*
 * Charge n movements (n <= BILLING_BATCH_MAX, all on one account) in one
 * transaction: all of them or none (DESIGN.md §4, "never half-moves").
 * A deposit must hold the gross sum. res[i] answers q[i]; a replay of a
 * whole batch answers the first outcome. Outcomes as billing_charge.
 */
#define BILLING_BATCH_MAX	1000
enum billing_rc	billing_charge_batch(struct db *, const struct billing_req *q, size_t n,
		    struct billing_result *res);

/* One ledger row, as read back. */
struct billing_entry {
	long long		 id;
	enum billing_kind	 kind;
	long long		 net_cents, vat_bp, vat_cents, gross_cents;
	char			 currency[4];
	char			 product_code[33];
	long long		 subscription_ref, domain_ref, invoice_id;	/* 0: none */
	char			 upstream_order[65];
	char			 idempotency_key[BILLING_KEY_MAX + 1];
	char			 reference[BILLING_TEXT_MAX * 4 + 1];	/* UTF-8 */
	char			 created_at[20];	/* "YYYY-MM-DD HH:MM:SS" UTC */
};

#define BILLING_PAGE_MAX	500

/*
 * Up to max (<= BILLING_PAGE_MAX) ledger rows of the account with an id
 * above after_id, oldest first, into out[0..*n). Page by passing the
 * last id seen. BILLING_OK, BILLING_EINVAL, or a database outcome.
 */
enum billing_rc	billing_ledger(struct db *, long long account_id, long long after_id,
		    struct billing_entry *out, size_t max, size_t *n);

/* ---- ledger-check (issue #16 item 1) ---- */

enum billing_check_kind {
	BILLING_CHECK_BALANCE,	/* deposit: balance <> signed sum of the ledger; monthly: balance <> 0 */
	BILLING_CHECK_INVOICE,	/* invoice totals <> sums of its lines */
	BILLING_CHECK_LINE,	/* monthly ledger row without its line, or a line that disagrees */
	BILLING_CHECK_REFUND,	/* refunds of a charge above its net, or refund_of not a charge */
	BILLING_CHECK__MAX
};

/* Called once per discrepancy: id is the account, invoice or ledger row. */
typedef void	(*billing_check_cb)(void *arg, enum billing_check_kind, long long id,
		    long long expected_cents, long long found_cents);

struct billing_check_summary {
	long long	 accounts, invoices, ledger_rows;
	long long	 problems;
};

/*
 * Proves the books (read only, one consistent snapshot): per deposit
 * account balance = credits + refunds − charges (gross) of its ledger, a
 * monthly account's balance is 0, every invoice's totals equal the sums
 * of its lines, every monthly ledger row has exactly its signed line on
 * its invoice, and no charge is refunded above its net. BILLING_OK with
 * *s filled (s->problems discrepancies reported through cb), or a
 * database outcome.
 */
enum billing_rc	billing_check(struct db *, billing_check_cb, void *arg,
		    struct billing_check_summary *s);

/*
 * The ledger row holding idempotency key, for a job that must know
 * whether a movement happened. BILLING_OK with *e, BILLING_ENOACCOUNT
 * when no row has that key (nothing moved), or a database outcome.
 */
enum billing_rc	billing_find(struct db *, const char *key, struct billing_entry *e);

#endif
