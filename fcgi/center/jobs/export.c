/*
 * Accounting exports: the ledger of a date range as CSV or FEC, in
 * keyset chunks (export.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing.h"
#include "clock.h"
#include "jobs/export.h"
#include "log.h"

const char *const export_format_names[EXPORT_FORMAT__MAX] = {
	[EXPORT_CSV] = "csv",
	[EXPORT_FEC] = "fec",
	[EXPORT_CSV_FR] = "csv-fr",
};

const char *const export_encoding_names[EXPORT_ENCODING__MAX] = {
	[EXPORT_UTF8] = "utf-8",
	[EXPORT_LATIN9] = "iso-8859-15",
};

/* A chunk of formatted rows never comes near this; reaching it is an error. */
#define CHUNK_BYTES_MAX	(16u * 1024 * 1024)

/* ---- SQL ---- */

enum xstmt {
	XQ_CHUNK,
	XQ__MAX
};

/* Columns of XQ_CHUNK. */
enum xcol {
	XC_ID, XC_AT, XC_KIND, XC_ACCOUNT, XC_ACCOUNT_NAME, XC_SUB, XC_SUB_NAME,
	XC_DOMAIN, XC_DOMAIN_NAME, XC_PRODUCT, XC_NET, XC_VAT_BP, XC_VAT, XC_GROSS,
	XC_CURRENCY, XC_ORDER, XC_COST, XC_REFERENCE, XC_INVOICE, XC_INVOICE_AT, XC__MAX
};

static const char *const export_sql[XQ__MAX] = {
	/*
	 * The next chunk after the cursor (created_at, id) within
	 * [from, until): a range scan of ledger_created from the cursor on,
	 * in index order, so each chunk reads about EXPORT_CHUNK rows. The
	 * join order and the index are forced: left to itself the optimizer
	 * may start from accounts and sort every remaining row of the range
	 * at each chunk (a year of 200,000 rows then took minutes and hit
	 * the read timeout).
	 * Parameters: cursor time, until, cursor time, cursor id, limit.
	 */
	[XQ_CHUNK] =
	    "SELECT STRAIGHT_JOIN l.id, l.created_at, l.kind, l.account_id, a.name, l.subscription_ref, "
	    "s.name, l.domain_ref, d.name, l.product_code, l.net_cents, l.vat_bp, "
	    "l.vat_cents, l.gross_cents, l.currency, l.upstream_order, "
	    "l.upstream_cost_cents, l.reference, i.number, i.closed_at "
	    "FROM ledger l FORCE INDEX (ledger_created) JOIN accounts a ON a.id = l.account_id "
	    "LEFT JOIN subscriptions s ON s.id = l.subscription_ref "
	    "LEFT JOIN subscription_domains d ON d.id = l.domain_ref "
	    "LEFT JOIN invoices i ON i.id = l.invoice_id "
	    "WHERE l.created_at >= ? AND l.created_at < ? AND (l.created_at > ? OR l.id > ?) "
	    "ORDER BY l.created_at, l.id LIMIT ?",
};

struct db *
export_db_share(struct db *owner)
{
	return db_share(owner, export_sql, XQ__MAX);
}

struct db *
export_db_open(const struct center_conf *c)
{
	return db_open(&(struct db_conf){ .host = c->db_host, .port = (unsigned int)c->db_port,
	    .socket = c->db_socket, .name = c->db_name, .user = c->db_user,
	    .password = c->db_password }, export_sql, XQ__MAX, 0);
}

/* ---- the legal time zone ----
 *
 * The books are kept in the legal time of the seller (Europe/Paris by
 * default), not in UTC: a movement at 00:30 in Paris on 1 January belongs
 * to the new fiscal year. The conversion uses the system's tz database
 * (tzdata) through TZ and localtime_r/mktime, switched for the length of
 * one export and switched back after, in these two functions only. The
 * programs are single-threaded; nothing else reads local time.
 */

struct tz_saved {
	char	 old[256];
	int	 had;
};

static int
tz_enter(const char *zone, struct tz_saved *sv)
{
	const char	*o = getenv("TZ");

	sv->had = o != NULL;
	if (o != NULL && snprintf(sv->old, sizeof(sv->old), "%s", o) >= (int)sizeof(sv->old))
		return -1;
	if (zone == NULL || setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	return 0;
}

static void
tz_leave(const struct tz_saved *sv)
{
	if (sv->had)
		(void)setenv("TZ", sv->old, 1);
	else
		(void)unsetenv("TZ");
	tzset();
}

/* t as local "YYYYMMDD" (and "YYYY-MM-DD HH:MM:SS" into stamp, if asked), inside tz_enter. */
static int
local_fmt(time_t t, char day[9], char *stamp, size_t stampsz)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL || strftime(day, 9, "%Y%m%d", &tm) != 8)
		return -1;
	if (stamp != NULL && strftime(stamp, stampsz, "%Y-%m-%d %H:%M:%S", &tm) != 19)
		return -1;
	return 0;
}

/* Local midnight starting the day "YYYY-MM-DD" plus add_days, inside tz_enter. */
static int
local_midnight(const char *day, int add_days, time_t *out)
{
	struct tm	 tm;
	time_t		 utc;

	/* clock_parse checks the calendar (2021-02-30 is refused). */
	if (day == NULL || strlen(day) != 10 || clock_parse(day, &utc) == -1 ||
	    gmtime_r(&utc, &tm) == NULL)
		return -1;
	tm.tm_mday += add_days;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;	/* whatever DST says on that day */
	if ((*out = mktime(&tm)) == (time_t)-1)
		return -1;
	return 0;
}

int
export_bounds(const char *zone, const char *from_day, const char *to_day, time_t *from,
    time_t *until)
{
	struct tz_saved	 sv;
	int		 rc = -1;

	if (tz_enter(zone, &sv) == -1)
		return -1;
	if (local_midnight(from_day, 0, from) == 0 && local_midnight(to_day, 1, until) == 0 &&
	    *until > *from)
		rc = 0;
	tz_leave(&sv);
	return rc;
}

int
export_legal_date(const char *zone, time_t t, char out[9])
{
	struct tz_saved	 sv;
	int		 rc;

	if (tz_enter(zone, &sv) == -1)
		return -1;
	rc = local_fmt(t, out, NULL, 0);
	tz_leave(&sv);
	return rc;
}

int
export_file_name(const struct center_conf *c, enum export_format f, const char *from_day,
    const char *to_day, char *out, size_t outsz)
{
	int	 n;

	if (strlen(from_day) != 10 || strlen(to_day) != 10)
		return -1;
	if (f == EXPORT_FEC)
		n = snprintf(out, outsz, "%sFEC%.4s%.2s%.2s.txt", c->siren != NULL ? c->siren : "",
		    to_day, to_day + 5, to_day + 8);
	else
		n = snprintf(out, outsz, "acme-caas-ledger-%s_%s%s.csv", from_day, to_day,
		    f == EXPORT_CSV_FR ? "-excel" : "");
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* ---- ISO-8859-15 ---- */

/* The eight code points where ISO-8859-15 differs from Latin-1. */
static const struct { unsigned int cp; unsigned char b; } latin9_diff[] = {
	{ 0x20AC, 0xA4 }, { 0x0160, 0xA6 }, { 0x0161, 0xA8 }, { 0x017D, 0xB4 },
	{ 0x017E, 0xB8 }, { 0x0152, 0xBC }, { 0x0153, 0xBD }, { 0x0178, 0xBE },
};

/* One UTF-8 sequence at s (n bytes left): its code point and length, or 0 when malformed. */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned int *cp)
{
	size_t		 len, i;
	unsigned int	 c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, c &= 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, c &= 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond Unicode. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* The ISO-8859-15 byte of cp, or -1 when it has none. */
static int
latin9_byte(unsigned int cp)
{
	for (size_t i = 0; i < sizeof(latin9_diff) / sizeof(latin9_diff[0]); i++) {
		if (latin9_diff[i].cp == cp)
			return latin9_diff[i].b;
		if (latin9_diff[i].b == cp)
			return -1;	/* a Latin-1 character replaced in ISO-8859-15 */
	}
	return cp <= 0xFF ? (int)cp : -1;
}

int
export_latin9(struct buf *b, const char *s, size_t len, long long *unmapped)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 cp;
	size_t			 k;
	int			 ch;
	char			 o;

	for (size_t i = 0; i < len; i += k) {
		if ((k = utf8_next(p + i, len - i, &cp)) == 0) {
			k = 1;
			ch = -1;
		} else
			ch = latin9_byte(cp);
		if (ch < 0)
			(*unmapped)++;
		o = ch < 0 ? '?' : (char)ch;
		if (buf_add(b, &o, 1) == -1)
			return -1;
	}
	return 0;
}

/* ---- pure formatting ---- */

int
export_amount(long long cents, char sep, char *out, size_t outsz)
{
	unsigned long long	 a;
	int			 n;

	/* Negate in unsigned arithmetic: LLONG_MIN has no positive twin. */
	a = cents < 0 ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;
	n = snprintf(out, outsz, "%s%llu%c%02llu", cents < 0 ? "-" : "", a / 100, sep, a % 100);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
export_rate(long long bp, char *out, size_t outsz)
{
	return export_amount(bp, '.', out, outsz);
}

int
export_csv_text(struct buf *b, const char *s)
{
	int	 rc = 0;

	if (s == NULL || *s == '\0')
		return 0;
	if (strpbrk(s, ",\"\r\n") == NULL && strchr("=+-@\t\r", *s) == NULL)
		return buf_adds(b, s);
	rc |= buf_adds(b, "\"");
	if (strchr("=+-@\t\r", *s) != NULL)
		rc |= buf_adds(b, "'");
	for (; rc == 0 && *s != '\0'; s++)
		rc |= *s == '"' ? buf_adds(b, "\"\"") : buf_add(b, s, 1);
	rc |= buf_adds(b, "\"");
	return rc == 0 ? 0 : -1;
}

/* Text Excel would run as a formula. */
static int
formula_like(const char *s)
{
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
}

int
export_csv_fr_text(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 chars = 0;
	int			 rc = 0;

	if (s == NULL || *s == '\0')
		return 0;
	if (!formula_like(s)) {
		if (strpbrk(s, ";\"\r\n") == NULL)
			return buf_adds(b, s);
		rc |= buf_adds(b, "\"");
		for (; rc == 0 && *s != '\0'; s++)
			rc |= *s == '"' ? buf_adds(b, "\"\"") : buf_add(b, s, 1);
		return rc | buf_adds(b, "\"");
	}
	/* ="piece"&"piece": a text constant; quotes doubled twice (formula, then CSV). */
	rc |= buf_adds(b, "\"=\"\"");
	for (; rc == 0 && *p != '\0'; p++) {
		/* A new piece every 255 characters (not bytes: never inside a UTF-8 sequence). */
		if ((*p & 0xC0) != 0x80 && chars++ == 255) {
			rc |= buf_adds(b, "\"\"&\"\"");
			chars = 1;
		}
		rc |= *p == '"' ? buf_adds(b, "\"\"\"\"") : buf_add(b, p, 1);
	}
	return rc | buf_adds(b, "\"\"\"");
}

int
export_fec_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (buf_add(b, strchr("|\t\r\n", *s) != NULL ? " " : s, 1) == -1)
			return -1;
	return 0;
}

/* ---- one movement, as read ---- */

struct mv {
	const struct db_res	*r;
	size_t			 row;
	enum billing_kind	 kind;
	long long		 sign;		/* sales: +1 charge, -1 refund; +1 credit */
	long long		 net, vat, gross, vat_bp, cost;
	int			 cost_known;
	char			 day[9];	/* YYYYMMDD, legal time */
	char			 stamp[20];	/* YYYY-MM-DD HH:MM:SS, legal time */
	char			 piece_day[9];	/* the invoice's issue date, else day */
};

static const char *
cell(const struct mv *m, enum xcol c)
{
	const char	*v = db_cell(m->r, m->row, c);

	return v != NULL ? v : "";
}

static int
mv_read(const struct db_res *r, size_t row, struct mv *m)
{
	time_t	 at;
	int	 k;

	memset(m, 0, sizeof(*m));
	m->r = r;
	m->row = row;
	for (k = 0; k < BILLING_KIND__MAX; k++)
		if (strcmp(cell(m, XC_KIND), billing_kind_names[k]) == 0)
			break;
	if (k == BILLING_KIND__MAX || strlen(cell(m, XC_AT)) < 10) {
		log_error("export: ledger row %s is unreadable", cell(m, XC_ID));
		return -1;
	}
	m->kind = (enum billing_kind)k;
	m->sign = m->kind == BILLING_REFUND ? -1 : 1;
	m->net = db_cell_int(r, row, XC_NET);
	m->vat = db_cell_int(r, row, XC_VAT);
	m->gross = db_cell_int(r, row, XC_GROSS);
	m->vat_bp = db_cell_int(r, row, XC_VAT_BP);
	m->cost_known = db_cell(r, row, XC_COST) != NULL;
	m->cost = db_cell_int(r, row, XC_COST);
	/* Inside tz_enter (export_run): local dates of the legal time zone. */
	if (clock_parse(cell(m, XC_AT), &at) == -1 ||
	    local_fmt(at, m->day, m->stamp, sizeof(m->stamp)) == -1) {
		log_error("export: ledger row %s has an unreadable date", cell(m, XC_ID));
		return -1;
	}
	memcpy(m->piece_day, m->day, sizeof(m->day));
	/* A voucher that is an invoice number is dated by the invoice's issue. */
	if (*cell(m, XC_INVOICE) != '\0' && (clock_parse(cell(m, XC_INVOICE_AT), &at) == -1 ||
	    local_fmt(at, m->piece_day, NULL, 0) == -1)) {
		log_error("export: invoice %s of ledger row %s has no issue date",
		    cell(m, XC_INVOICE), cell(m, XC_ID));
		return -1;
	}
	return 0;
}

static void
add_totals(struct export_totals *t, const struct mv *m)
{
	t->rows++;
	if (m->kind == BILLING_CREDIT) {
		t->credits += m->net;
		return;
	}
	t->net += m->sign * m->net;
	t->vat += m->sign * m->vat;
	t->gross += m->sign * m->gross;
}

/* ---- CSV: RFC 4180, and the French Excel variant ---- */

static const char csv_columns[][20] = {
	"ledger_id", "date", "kind", "account_id", "account_name", "subscription_id",
	"subscription_name", "domain_id", "domain", "product", "net", "vat_rate", "vat",
	"gross", "currency", "upstream_order", "upstream_cost", "margin", "invoice_number",
	"reference",
};

/* The two dialects: separator, decimal mark, text encoder. */
struct csv_dialect {
	const char	*sep;
	char		 decimal;
	int		(*text)(struct buf *, const char *);
};

static const struct csv_dialect csv_rfc = { ",", '.', export_csv_text };
static const struct csv_dialect csv_fr = { ";", ',', export_csv_fr_text };

static int
csv_header(struct buf *b, const struct csv_dialect *d)
{
	int	 rc = d == &csv_fr ? buf_adds(b, "\xEF\xBB\xBF") : 0;	/* BOM: Excel reads UTF-8 */

	for (size_t i = 0; i < sizeof(csv_columns) / sizeof(csv_columns[0]); i++)
		rc |= buf_adds(b, i > 0 ? d->sep : "") | buf_adds(b, csv_columns[i]);
	return rc | buf_adds(b, "\r\n");
}

static int
csv_money(struct buf *b, const struct csv_dialect *d, long long cents)
{
	char	 a[32];

	return export_amount(cents, d->decimal, a, sizeof(a)) | buf_adds(b, a) |
	    buf_adds(b, d->sep);
}

/* A field of text, then the separator. */
static int
csv_text(struct buf *b, const struct csv_dialect *d, const char *s)
{
	return d->text(b, s) | buf_adds(b, d->sep);
}

static int
csv_row(struct buf *b, const struct csv_dialect *d, const struct mv *m)
{
	char	 rate[32];
	int	 rc;

	rc = buf_printf(b, "%s%s%s%s%s%s%s%s", cell(m, XC_ID), d->sep, m->stamp, d->sep,
	    billing_kind_names[m->kind], d->sep, cell(m, XC_ACCOUNT), d->sep);
	rc |= csv_text(b, d, cell(m, XC_ACCOUNT_NAME));
	rc |= buf_adds(b, cell(m, XC_SUB)) | buf_adds(b, d->sep);
	rc |= csv_text(b, d, cell(m, XC_SUB_NAME));
	rc |= buf_adds(b, cell(m, XC_DOMAIN)) | buf_adds(b, d->sep);
	rc |= csv_text(b, d, cell(m, XC_DOMAIN_NAME));
	rc |= csv_text(b, d, cell(m, XC_PRODUCT));
	rc |= csv_money(b, d, m->sign * m->net);
	rc |= export_amount(m->vat_bp, d->decimal, rate, sizeof(rate)) | buf_adds(b, rate) |
	    buf_adds(b, d->sep);
	rc |= csv_money(b, d, m->sign * m->vat) | csv_money(b, d, m->sign * m->gross);
	rc |= csv_text(b, d, cell(m, XC_CURRENCY));
	rc |= csv_text(b, d, cell(m, XC_ORDER));
	if (m->cost_known)
		rc |= csv_money(b, d, m->sign * m->cost) |
		    csv_money(b, d, m->sign * (m->net - m->cost));
	else
		rc |= buf_adds(b, d->sep) | buf_adds(b, d->sep);
	rc |= csv_text(b, d, cell(m, XC_INVOICE));
	rc |= d->text(b, cell(m, XC_REFERENCE)) | buf_adds(b, "\r\n");
	return rc == 0 ? 0 : -1;
}

/* ---- FEC ---- */

static const char fec_header[] =
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
    "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|"
    "ValidDate|Montantdevise|Idevise\r\n";

enum fec_acct {
	FEC_CUSTOMER,	/* 411: the customer's account, with the auxiliary account */
	FEC_SALES,	/* 706: services sold */
	FEC_VAT,	/* 44571: VAT collected */
	FEC_BANK,	/* 512: money received */
	FEC_ACCT__MAX
};

static const char *const fec_acct_labels[FEC_ACCT__MAX] = {
	[FEC_CUSTOMER] = "Clients",
	[FEC_SALES] = "Prestations de services",
	[FEC_VAT] = "TVA collectée",
	[FEC_BANK] = "Banque",
};

enum fec_amount { AMT_GROSS, AMT_NET, AMT_VAT };

/* One line of an entry: which account, which amount, which side. */
struct posting {
	enum fec_acct	 acct;
	enum fec_amount	 amount;
	int		 debit;
};

/* The balanced entry of each kind of movement (a refund reverses a charge). */
static const struct posting postings[BILLING_KIND__MAX][3] = {
	[BILLING_CHARGE] = { { FEC_CUSTOMER, AMT_GROSS, 1 }, { FEC_SALES, AMT_NET, 0 },
	    { FEC_VAT, AMT_VAT, 0 } },
	[BILLING_REFUND] = { { FEC_CUSTOMER, AMT_GROSS, 0 }, { FEC_SALES, AMT_NET, 1 },
	    { FEC_VAT, AMT_VAT, 1 } },
	[BILLING_CREDIT] = { { FEC_BANK, AMT_NET, 1 }, { FEC_CUSTOMER, AMT_NET, 0 },
	    { FEC_ACCT__MAX, AMT_NET, 0 } },
};

static const char *const fec_kind_labels[BILLING_KIND__MAX] = {
	[BILLING_CHARGE] = "Vente",
	[BILLING_REFUND] = "Avoir",
	[BILLING_CREDIT] = "Versement",
};

static const char *
fec_acct_num(const struct center_conf *c, enum fec_acct a)
{
	switch (a) {
	case FEC_CUSTOMER:
		return c->fec_customer_account;
	case FEC_SALES:
		return c->fec_sales_account;
	case FEC_VAT:
		return c->fec_vat_account;
	default:
		return c->fec_bank_account;
	}
}

/*
 * Columns 1–4: journal, entry number, entry date. EcritureNum runs 1, 2,
 * 3… without gaps over the exported period, in date order: there is one
 * journal (fec_journal_code), so one sequence.
 */
static int
fec_entry_cols(struct buf *b, const struct center_conf *c, const struct mv *m, long long num)
{
	int	 rc;

	rc = export_fec_text(b, c->fec_journal_code) | buf_adds(b, "|");
	rc |= export_fec_text(b, c->fec_journal_label);
	return rc | buf_printf(b, "|%lld|%s|", num, m->day);
}

/* Columns 9–11: the voucher (invoice number, else the ledger row) and the text. */
static int
fec_piece_cols(struct buf *b, const struct mv *m)
{
	char	 lib[512];
	int	 rc;

	if (*cell(m, XC_INVOICE) != '\0')
		rc = export_fec_text(b, cell(m, XC_INVOICE));
	else
		rc = buf_printf(b, "L%s", cell(m, XC_ID));
	rc |= buf_printf(b, "|%s|", m->piece_day);
	if (m->kind == BILLING_CREDIT && *cell(m, XC_REFERENCE) == '\0')
		snprintf(lib, sizeof(lib), "%s", fec_kind_labels[m->kind]);
	else if (m->kind == BILLING_CREDIT)
		snprintf(lib, sizeof(lib), "%s %s", fec_kind_labels[m->kind], cell(m, XC_REFERENCE));
	else
		snprintf(lib, sizeof(lib), "%s %s %s", fec_kind_labels[m->kind],
		    cell(m, XC_PRODUCT), cell(m, XC_DOMAIN_NAME));
	return rc | export_fec_text(b, lib);
}

static int
fec_line(struct buf *b, const struct center_conf *c, const struct mv *m,
    const struct posting *p, struct export_totals *t)
{
	long long	 amt = p->amount == AMT_GROSS ? m->gross : p->amount == AMT_NET ? m->net : m->vat;
	char		 d[32], k[32];
	int		 rc;

	rc = fec_entry_cols(b, c, m, t->fec_entries);
	rc |= buf_printf(b, "%s|%s|", fec_acct_num(c, p->acct), fec_acct_labels[p->acct]);
	if (p->acct == FEC_CUSTOMER) {
		rc |= buf_printf(b, "C%s|", cell(m, XC_ACCOUNT));
		rc |= export_fec_text(b, cell(m, XC_ACCOUNT_NAME));
	} else
		rc |= buf_adds(b, "|");
	rc |= buf_adds(b, "|") | fec_piece_cols(b, m);
	rc |= export_amount(p->debit ? amt : 0, ',', d, sizeof(d));
	rc |= export_amount(p->debit ? 0 : amt, ',', k, sizeof(k));
	rc |= buf_printf(b, "|%s|%s|||%s||\r\n", d, k, m->day);
	t->debit += p->debit ? amt : 0;
	t->credit += p->debit ? 0 : amt;
	t->fec_lines++;
	return rc == 0 ? 0 : -1;
}

/* One balanced entry; a VAT line of 0 is left out. */
static int
fec_entry(struct buf *b, const struct center_conf *c, const struct mv *m,
    struct export_totals *t)
{
	t->fec_entries++;
	for (size_t i = 0; i < 3; i++) {
		const struct posting *p = &postings[m->kind][i];

		if (p->acct == FEC_ACCT__MAX || (p->amount == AMT_VAT && m->vat == 0))
			continue;
		if (fec_line(b, c, m, p, t) == -1)
			return -1;
	}
	return 0;
}

/* ---- the walk ---- */

struct cursor {
	char		 at[CLOCK_SQL_LEN];
	long long	 id;
};

/* Format rows of r into b; the cursor moves to the last one. */
static int
format_chunk(struct buf *b, const struct center_conf *c, enum export_format f,
    const struct db_res *r, struct cursor *cur, struct export_totals *t)
{
	struct mv	 m;
	int		 rc;

	for (size_t i = 0; i < r->nrows; i++) {
		if (mv_read(r, i, &m) == -1)
			return DB_ERR;
		if (f == EXPORT_FEC)
			rc = fec_entry(b, c, &m, t);
		else
			rc = csv_row(b, f == EXPORT_CSV ? &csv_rfc : &csv_fr, &m);
		if (rc == -1) {
			log_error("export: chunk larger than %u bytes", CHUNK_BYTES_MAX);
			return DB_ERR;
		}
		add_totals(t, &m);
		snprintf(cur->at, sizeof(cur->at), "%s", cell(&m, XC_AT));
		cur->id = db_cell_int(r, i, XC_ID);
	}
	return 0;
}

/* Hand b to the sink, re-encoded when asked (into conv, reused). */
static int
flush_chunk(const struct export_spec *spec, struct buf *b, struct buf *conv, export_sink sink,
    void *arg, struct export_totals *t)
{
	int	 rc;

	if (spec->encoding == EXPORT_UTF8)
		rc = sink(arg, b->p, b->len) == -1 ? -2 : 0;
	else {
		conv->len = 0;
		if (export_latin9(conv, b->p, b->len, &t->unmapped) == -1)
			return DB_ERR;
		rc = sink(arg, conv->p, conv->len) == -1 ? -2 : 0;
	}
	b->len = 0;
	return rc;
}

int
export_run(struct db *db, const struct center_conf *c, const struct export_spec *spec,
    export_sink sink, void *arg, struct export_totals *t)
{
	struct db_res	*r = NULL;
	struct buf	 b, conv;
	struct cursor	 cur = { .id = 0 };
	struct tz_saved	 sv;
	char		 end[CLOCK_SQL_LEN];
	size_t		 got;
	int		 rc, tz = 0;

	memset(t, 0, sizeof(*t));
	buf_init(&b, CHUNK_BYTES_MAX);
	buf_init(&conv, CHUNK_BYTES_MAX);
	clock_sql(spec->from, cur.at);
	clock_sql(spec->until, end);
	if ((rc = tz_enter(c->legal_timezone, &sv)) == -1) {
		log_error("export: cannot switch to the legal time zone %s", c->legal_timezone);
		rc = DB_ERR;
		goto out;
	}
	tz = 1;
	if (spec->format == EXPORT_FEC)
		rc = buf_adds(&b, fec_header) == 0 ? 0 : DB_ERR;
	else
		rc = csv_header(&b, spec->format == EXPORT_CSV ? &csv_rfc : &csv_fr) == 0 ?
		    0 : DB_ERR;
	do {
		if (rc == 0)
			rc = db_run(db, XQ_CHUNK, (struct db_param[]){ DB_S(cur.at), DB_S(end),
			    DB_S(cur.at), DB_I(cur.id), DB_I(EXPORT_CHUNK) }, 5, &r);
		got = rc == 0 ? r->nrows : 0;
		if (rc == 0)
			rc = format_chunk(&b, c, spec->format, r, &cur, t);
		db_res_free(r);
		r = NULL;
		if (rc == 0)
			rc = flush_chunk(spec, &b, &conv, sink, arg, t);
	} while (rc == 0 && got == EXPORT_CHUNK);
out:
	if (tz)
		tz_leave(&sv);
	buf_free(&conv);
	buf_free(&b);
	return rc;
}
