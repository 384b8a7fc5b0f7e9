/*
 * Monthly invoices (issue #6 item 3): closing with gap-free numbers,
 * and reading invoices back for the invoice pages. Part of the billing
 * module (no web code); billing.h stays the face of the movements.
 *
 * An invoice is open while its month runs: billing_charge and
 * billing_refund put lines on the open invoice of the clock's month.
 * On the first day of the next month billing_close_invoices() closes it:
 * totals recomputed from its lines and checked against the running
 * totals, a number "YYYY-NNNNNN" (YYYY: year of issue) drawn from a
 * counter row locked in the same transaction, the issue date. A refund
 * after the closing lands, as before, as a negative line on the then
 * open invoice.
 *
 * The functions taking a struct db need a handle from invoices_db_open().
 */
#ifndef CAAS_INVOICES_H
#define CAAS_INVOICES_H

#include <stddef.h>
#include <time.h>

#include "billing.h"
#include "db.h"

/* A handle on the invoices statement table; db_close() frees it. NULL on ENOMEM. */
struct db	*invoices_db_open(const struct db_conf *);
/*
 * The same statements over owner's connection (db_share): a web worker's
 * reads follow its connection, reconnects included. Must not outlive owner.
 */
struct db	*invoices_db_share(struct db *owner);

#define INVOICE_NUMBER_MAX	32

/*
 * "YYYY-NNNNNN" for number n of series year into out (size >= 16).
 * 0, or -1 when year is outside 1970..9999 or n outside 1..999999999.
 */
int	invoice_number_fmt(int year, long long n, char *out, size_t outsz);

/* What one closing run did. */
struct close_summary {
	long long	 closed;		/* invoices closed by this run */
	long long	 refused;		/* open invoices whose lines disagree with their totals */
	char		 first[INVOICE_NUMBER_MAX];	/* first and last number given, "" if none */
	char		 last[INVOICE_NUMBER_MAX];
};

/*
 * Close every open invoice of a month before now's month, oldest period
 * first, one transaction each: the candidates are read in batches
 * without locks, then each invoice row is taken by its id with FOR
 * UPDATE SKIP LOCKED (one held by a concurrent run, or by a movement
 * adding a line, is left to that run or to the next one), its
 * lines are summed and must equal its running totals (else it stays
 * open, is logged and counted in refused), then the series counter row
 * of now's year is locked, bumped and written on the invoice with
 * closed_at = now. Idempotent: a second run finds nothing left.
 * BILLING_OK with *s filled, or a database outcome (what was closed
 * before the failure stays closed, and *s says how much).
 */
enum billing_rc	billing_close_invoices(struct db *, time_t now, struct close_summary *s);

enum invoice_status {
	INVOICE_OPEN,
	INVOICE_CLOSED,
	INVOICE_STATUS__MAX
};
extern const char *const invoice_status_names[INVOICE_STATUS__MAX];

struct invoice {
	long long		 id;
	long long		 account_id;
	char			 account_name[201 * 4];
	char			 period[8];		/* "YYYY-MM" */
	enum invoice_status	 status;
	char			 number[INVOICE_NUMBER_MAX];	/* "" while open */
	long long		 net_cents, vat_cents, gross_cents;
	char			 currency[4];
	char			 created_at[20];
	char			 closed_at[20];		/* "" while open */
};

/*
 * Invoice id; when account_id > 0 it must also belong to that account
 * (someone else's invoice is simply not found). BILLING_OK with *inv
 * filled, or with inv->id = 0 when there is no such invoice (for that
 * account); else a database outcome.
 */
enum billing_rc	billing_invoice(struct db *, long long id, long long account_id,
		    struct invoice *);

#define INVOICE_PAGE_MAX	100

/*
 * Page `page` (0-based) of size max (<= INVOICE_PAGE_MAX) of the
 * account's invoices, newest period first (every account's when
 * account_id is 0), into out[0..*n), and *total, the count of all.
 */
enum billing_rc	billing_invoices(struct db *, long long account_id, long long page,
		    struct invoice *out, size_t max, size_t *n, long long *total);

/* One line of an invoice: signed amounts (a refund is negative). */
struct invoice_line {
	long long	 id;
	long long	 ledger_id;
	char		 description[255 * 4 + 1];	/* UTF-8 */
	long long	 net_cents, vat_bp, vat_cents, gross_cents;
	char		 date[20];			/* the movement's time */
};

#define INVOICE_LINES_PAGE	500

/*
 * Up to max (<= INVOICE_LINES_PAGE) lines of the invoice with an id
 * above after_id, in order, into out[0..*n). Page by passing the last id.
 */
enum billing_rc	billing_invoice_lines(struct db *, long long invoice_id, long long after_id,
		    struct invoice_line *out, size_t max, size_t *n);

#endif
