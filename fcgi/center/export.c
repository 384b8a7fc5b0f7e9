/*
 * Accounting exports: the ledger of a date range as CSV or FEC, in
 * keyset chunks (export.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "clock.h"
#include "export.h"
#include "log.h"

const char *const export_format_names[EXPORT_FORMAT__MAX] = {
	[EXPORT_CSV] = "csv",
	[EXPORT_FEC] = "fec",
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
	XC_CURRENCY, XC_ORDER, XC_COST, XC_REFERENCE, XC_INVOICE, XC__MAX
};

static const char *const export_sql[XQ__MAX] = {
	/*
	 * The next chunk after the cursor (created_at, id) within
	 * [from, until): a range scan of ledger_created from the cursor on.
	 * Parameters: cursor time, until, cursor time, cursor id, limit.
	 */
	[XQ_CHUNK] =
	    "SELECT l.id, l.created_at, l.kind, l.account_id, a.name, l.subscription_ref, "
	    "s.name, l.domain_ref, d.name, l.product_code, l.net_cents, l.vat_bp, "
	    "l.vat_cents, l.gross_cents, l.currency, l.upstream_order, "
	    "l.upstream_cost_cents, l.reference, i.number "
	    "FROM ledger l JOIN accounts a ON a.id = l.account_id "
	    "LEFT JOIN subscriptions s ON s.id = l.subscription_ref "
	    "LEFT JOIN subscription_domains d ON d.id = l.domain_ref "
	    "LEFT JOIN invoices i ON i.id = l.invoice_id "
	    "WHERE l.created_at >= ? AND l.created_at < ? AND (l.created_at > ? OR l.id > ?) "
	    "ORDER BY l.created_at, l.id LIMIT ?",
};

struct db *
export_db_open(const struct center_conf *c)
{
	return db_open(&(struct db_conf){ .host = c->db_host, .port = (unsigned int)c->db_port,
	    .socket = c->db_socket, .name = c->db_name, .user = c->db_user,
	    .password = c->db_password }, export_sql, XQ__MAX, 0);
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
	char			 day[9];	/* YYYYMMDD */
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
	snprintf(m->day, sizeof(m->day), "%.4s%.2s%.2s", cell(m, XC_AT),
	    cell(m, XC_AT) + 5, cell(m, XC_AT) + 8);
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

/* ---- CSV (RFC 4180) ---- */

static const char csv_header[] =
    "ledger_id,date,kind,account_id,account_name,subscription_id,subscription_name,"
    "domain_id,domain,product,net,vat_rate,vat,gross,currency,upstream_order,"
    "upstream_cost,margin,invoice_number,reference\r\n";

static int
csv_money(struct buf *b, long long cents)
{
	char	 a[32];

	return export_amount(cents, '.', a, sizeof(a)) | buf_adds(b, a) | buf_adds(b, ",");
}

/* An id column, empty when the ledger row has none. */
static int
csv_id(struct buf *b, const char *id)
{
	return buf_adds(b, id) | buf_adds(b, ",");
}

static int
csv_row(struct buf *b, const struct mv *m)
{
	char	 rate[32];
	int	 rc;

	rc = buf_printf(b, "%s,%s,%s,%s,", cell(m, XC_ID), cell(m, XC_AT),
	    billing_kind_names[m->kind], cell(m, XC_ACCOUNT));
	rc |= export_csv_text(b, cell(m, XC_ACCOUNT_NAME)) | buf_adds(b, ",");
	rc |= csv_id(b, cell(m, XC_SUB));
	rc |= export_csv_text(b, cell(m, XC_SUB_NAME)) | buf_adds(b, ",");
	rc |= csv_id(b, cell(m, XC_DOMAIN));
	rc |= export_csv_text(b, cell(m, XC_DOMAIN_NAME)) | buf_adds(b, ",");
	rc |= export_csv_text(b, cell(m, XC_PRODUCT)) | buf_adds(b, ",");
	rc |= csv_money(b, m->sign * m->net);
	rc |= export_rate(m->vat_bp, rate, sizeof(rate)) | buf_adds(b, rate) | buf_adds(b, ",");
	rc |= csv_money(b, m->sign * m->vat) | csv_money(b, m->sign * m->gross);
	rc |= export_csv_text(b, cell(m, XC_CURRENCY)) | buf_adds(b, ",");
	rc |= export_csv_text(b, cell(m, XC_ORDER)) | buf_adds(b, ",");
	if (m->cost_known)
		rc |= csv_money(b, m->sign * m->cost) | csv_money(b, m->sign * (m->net - m->cost));
	else
		rc |= buf_adds(b, ",,");
	rc |= export_csv_text(b, cell(m, XC_INVOICE)) | buf_adds(b, ",");
	rc |= export_csv_text(b, cell(m, XC_REFERENCE)) | buf_adds(b, "\r\n");
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

/* Columns 1–4: journal, entry number (the ledger id), entry date. */
static int
fec_entry_cols(struct buf *b, const struct center_conf *c, const struct mv *m)
{
	int	 rc;

	rc = export_fec_text(b, c->fec_journal_code) | buf_adds(b, "|");
	rc |= export_fec_text(b, c->fec_journal_label);
	return rc | buf_printf(b, "|%s|%s|", cell(m, XC_ID), m->day);
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
	rc |= buf_printf(b, "|%s|", m->day);
	if (m->kind == BILLING_CREDIT)
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

	rc = fec_entry_cols(b, c, m);
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

	for (size_t i = 0; i < r->nrows; i++) {
		if (mv_read(r, i, &m) == -1)
			return DB_ERR;
		if ((f == EXPORT_CSV ? csv_row(b, &m) : fec_entry(b, c, &m, t)) == -1) {
			log_error("export: chunk larger than %u bytes", CHUNK_BYTES_MAX);
			return DB_ERR;
		}
		add_totals(t, &m);
		snprintf(cur->at, sizeof(cur->at), "%s", cell(&m, XC_AT));
		cur->id = db_cell_int(r, i, XC_ID);
	}
	return 0;
}

int
export_run(struct db *db, const struct center_conf *c, enum export_format f,
    time_t from, time_t until, export_sink sink, void *arg, struct export_totals *t)
{
	struct db_res	*r = NULL;
	struct buf	 b;
	struct cursor	 cur = { .id = 0 };
	char		 end[CLOCK_SQL_LEN];
	size_t		 got;
	int		 rc;

	memset(t, 0, sizeof(*t));
	buf_init(&b, CHUNK_BYTES_MAX);
	clock_sql(from, cur.at);
	clock_sql(until, end);
	rc = buf_adds(&b, f == EXPORT_CSV ? csv_header : fec_header) == 0 ? 0 : DB_ERR;
	do {
		if (rc == 0)
			rc = db_run(db, XQ_CHUNK, (struct db_param[]){ DB_S(cur.at), DB_S(end),
			    DB_S(cur.at), DB_I(cur.id), DB_I(EXPORT_CHUNK) }, 5, &r);
		got = rc == 0 ? r->nrows : 0;
		if (rc == 0)
			rc = format_chunk(&b, c, f, r, &cur, t);
		db_res_free(r);
		r = NULL;
		if (rc == 0 && sink(arg, b.p, b.len) == -1)
			rc = -2;
		b.len = 0;
	} while (rc == 0 && got == EXPORT_CHUNK);
	buf_free(&b);
	return rc;
}
