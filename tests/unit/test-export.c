/*
 * Pure formatting of the accounting exports and invoices: integer cents
 * to decimal text without floating point (CSV "12.34", FEC "12,34"),
 * VAT rates, RFC 4180 fields with formula neutralising, FEC fields, and
 * gap-free invoice numbers "YYYY-NNNNNN".
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "buf.h"
#include "export.h"
#include "invoices.h"
#include "tap.h"

static const char *
amount(long long cents, char sep)
{
	static char	 out[64];

	if (export_amount(cents, sep, out, sizeof(out)) != 0)
		return "(refused)";
	return out;
}

/* What a text field encoder writes for s, or "(refused)". */
static const char *
encoded(int (*enc)(struct buf *, const char *), const char *s)
{
	static char	 out[256];
	struct buf	 b;

	buf_init(&b, 200);
	if (enc(&b, s) != 0)
		snprintf(out, sizeof(out), "(refused)");
	else
		snprintf(out, sizeof(out), "%s", b.p != NULL ? b.p : "");
	buf_free(&b);
	return out;
}

static const char *
csv(const char *s)
{
	return encoded(export_csv_text, s);
}

static const char *
fec(const char *s)
{
	return encoded(export_fec_text, s);
}

static const char *
number(int year, long long n)
{
	static char	 out[32];

	if (invoice_number_fmt(year, n, out, sizeof(out)) != 0)
		return "(refused)";
	return out;
}

int
main(void)
{
	char	 small[5], rate[16];

	is_str(amount(1234, ','), "12,34", "FEC: 1234 cents are 12,34");
	is_str(amount(1234, '.'), "12.34", "CSV: 1234 cents are 12.34");
	is_str(amount(0, ','), "0,00", "zero keeps two decimals");
	is_str(amount(5, '.'), "0.05", "5 cents are 0.05, not 0.5");
	is_str(amount(100, '.'), "1.00", "a whole euro keeps its decimals");
	is_str(amount(-528, ','), "-5,28", "a credit line is negative");
	is_str(amount(-7, '.'), "-0.07", "a negative amount under one euro keeps its sign");
	is_str(amount(123456789012LL, '.'), "1234567890.12", "no thousands separator");
	is_str(amount(LLONG_MIN, '.'), "-92233720368547758.08", "LLONG_MIN does not overflow");
	ok(export_amount(123456, '.', small, sizeof(small)) == -1, "a short buffer is refused, not truncated");

	ok(export_rate(2000, rate, sizeof(rate)) == 0, "a rate formats");
	is_str(rate, "20.00", "2000 bp are 20.00 %%");
	export_rate(550, rate, sizeof(rate));
	is_str(rate, "5.50", "550 bp are 5.50 %%");
	export_rate(0, rate, sizeof(rate));
	is_str(rate, "0.00", "a top-up has no VAT");

	is_str(csv("plain"), "plain", "CSV: plain text is left alone");
	is_str(csv(""), "", "CSV: empty stays empty");
	is_str(csv("Dupont, Durand"), "\"Dupont, Durand\"", "CSV: a comma is quoted");
	is_str(csv("say \"hi\""), "\"say \"\"hi\"\"\"", "CSV: quotes are doubled");
	is_str(csv("two\nlines"), "\"two\nlines\"", "CSV: a newline is quoted");
	is_str(csv("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"", "CSV: a formula is neutralised");
	is_str(csv("@SUM(A1)"), "\"'@SUM(A1)\"", "CSV: @ is neutralised too");
	is_str(csv("-5"), "\"'-5\"", "CSV: text starting with - is neutralised");
	is_str(csv("Société Générale"), "Société Générale", "CSV: UTF-8 passes through");

	is_str(fec("a|b\tc\r\nd"), "a b c  d", "FEC: separators and line breaks become spaces");
	is_str(fec("TVA collectée"), "TVA collectée", "FEC: UTF-8 passes through");

	is_str(number(2026, 1), "2026-000001", "the first number of 2026");
	is_str(number(2026, 999999), "2026-999999", "six digits");
	is_str(number(2026, 1000000), "2026-1000000", "a seventh digit rather than a wrap");
	is_str(number(2026, 0), "(refused)", "there is no number 0");
	is_str(number(1969, 1), "(refused)", "years before 1970 are refused");
	return tap_done();
}
