/*
 * Accounting exports (issue #6 item 4): every ledger movement of a date
 * range as CSV (RFC 4180) or as the French FEC ("Fichier des Écritures
 * Comptables", article A47 A-1 of the Livre des procédures fiscales).
 *
 * The ledger is walked in keyset chunks of EXPORT_CHUNK rows ordered by
 * (created_at, id), each chunk formatted and handed to a sink before the
 * next is read: memory stays flat whatever the size of the range.
 * Amounts are integer cents formatted without floating point.
 */
#ifndef CENTER_EXPORT_H
#define CENTER_EXPORT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "center.h"
#include "db.h"

enum export_format {
	EXPORT_CSV,		/* RFC 4180: ',' and '.' */
	EXPORT_FEC,		/* the French FEC, '|'-separated */
	EXPORT_CSV_FR,		/* French Excel: ';', decimal comma, UTF-8 BOM */
	EXPORT_FORMAT__MAX
};
extern const char *const export_format_names[EXPORT_FORMAT__MAX];

enum export_encoding {
	EXPORT_UTF8,
	EXPORT_LATIN9,		/* ISO-8859-15 (FEC only) */
	EXPORT_ENCODING__MAX
};
extern const char *const export_encoding_names[EXPORT_ENCODING__MAX];

/* What to export: from <= created_at < until. */
struct export_spec {
	enum export_format	 format;
	enum export_encoding	 encoding;
	time_t			 from, until;
};

#define EXPORT_CHUNK	500

/* A handle on the export statement table; db_close() frees it. NULL on ENOMEM. */
struct db	*export_db_open(const struct center_conf *);
/* The export statements over owner's connection (a web worker's): must not outlive it. */
struct db	*export_db_share(struct db *owner);

/* Receives the file chunk by chunk; returns 0, or -1 to stop the export. */
typedef int	(*export_sink)(void *arg, const char *data, size_t len);

/*
 * Sums over the exported rows, integer cents. Sales are signed: a
 * charge counts positive, a refund negative; deposit top-ups are money
 * received, not sales, and are summed apart. FEC debit and credit are
 * the totals of those columns (equal when every entry balances).
 */
struct export_totals {
	long long	 rows;
	long long	 net, vat, gross;	/* charges − refunds */
	long long	 credits;		/* deposit top-ups */
	long long	 debit, credit;		/* FEC only */
	long long	 fec_lines;
	long long	 fec_entries;		/* EcritureNum of the last entry */
	long long	 unmapped;		/* characters ISO-8859-15 lacks, written as '?' */
};

/*
 * Export the movements of spec, calling sink with at least one chunk
 * (the header line comes with the first rows). Dates in the file are
 * those of the legal time zone (conf->legal_timezone). 0 with *t filled;
 * DB_EDOWN or DB_ERR when the database failed (logged); -2 when the sink
 * refused a chunk. On failure after a first chunk the output is
 * incomplete, and the caller must not let it pass for a whole file.
 */
int	export_run(struct db *, const struct center_conf *, const struct export_spec *,
	    export_sink, void *arg, struct export_totals *t);

/*
 * The bounds of the whole days from_day .. to_day ("YYYY-MM-DD") in the
 * time zone zone (a tz database name): *from is from_day's midnight
 * there, *until the midnight after to_day. 0, or -1 when a date does not
 * parse or to_day is before from_day.
 */
int	export_bounds(const char *zone, const char *from_day, const char *to_day,
	    time_t *from, time_t *until);

/* t's date in zone as "YYYYMMDD" (out holds 9 bytes). 0, or -1. */
int	export_legal_date(const char *zone, time_t t, char out[9]);

/*
 * The file name an accountant files (FEC: "<SIREN>FEC<YYYYMMDD>.txt",
 * the date being to_day, the end of the period; without a SIREN
 * configured "FEC<YYYYMMDD>.txt"), CSV: "acme-caas-ledger-FROM_TO.csv".
 */
int	export_file_name(const struct center_conf *, enum export_format,
	    const char *from_day, const char *to_day, char *out, size_t outsz);

/*
 * Append UTF-8 text as ISO-8859-15: a character that encoding lacks (or a
 * malformed byte) becomes '?' and is counted in *unmapped. 0, or -1 at
 * the buffer cap.
 */
int	export_latin9(struct buf *, const char *s, size_t len, long long *unmapped);

/* ---- pure formatting (tests/unit/test-export.c) ---- */

/*
 * Cents as a decimal amount with exactly two decimals and the given
 * separator ('.' for CSV, ',' for FEC): -1234 → "-12.34". 0, or -1 when
 * out is too small.
 */
int	export_amount(long long cents, char decimal_sep, char *out, size_t outsz);
/* A VAT rate in basis points as a percentage with two decimals: 550 → "5.50". */
int	export_rate(long long bp, char *out, size_t outsz);
/*
 * Append one CSV field (RFC 4180): quoted when it holds a comma, a quote,
 * CR or LF, quotes doubled. Text that a spreadsheet would run as a
 * formula (starting with = + - @, tab or CR) is prefixed with a single
 * quote. 0, or -1 when the buffer cap is reached.
 */
int	export_csv_text(struct buf *, const char *);
/*
 * Append one field of the French Excel CSV (';'-separated): quoted when
 * it holds ';', a quote, CR or LF. Text Excel would run as a formula
 * (starting with = + - @, tab or CR) is written as the formula of a text
 * constant, ="…" (in pieces of at most 255 characters joined by &), which
 * Excel and LibreOffice display as the very text and never evaluate
 * further. 0, or -1 at the buffer cap.
 */
int	export_csv_fr_text(struct buf *, const char *);
/* Append one FEC text field: '|', tab, CR and LF become spaces. */
int	export_fec_text(struct buf *, const char *);

#endif
