/*
 * Pure formatting of the accounting exports and invoices: integer cents
 * to decimal text without floating point (CSV "12.34", FEC "12,34"),
 * VAT rates, RFC 4180 fields with formula neutralising, FEC fields, and
 * gap-free invoice numbers "YYYY-NNNNNN".
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include <stdint.h>
#include "jobs/export.h"
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
csvfr(const char *s)
{
	return encoded(export_csv_fr_text, s);
}

/* s in ISO-8859-15 as hex bytes, and the count of '?' replacements after a slash. */
static const char *
latin9(const char *s)
{
	static char	 out[256];
	struct buf	 b;
	long long	 unmapped = 0;
	size_t		 n = 0;

	buf_init(&b, 200);
	if (export_latin9(&b, s, strlen(s), &unmapped) != 0)
		snprintf(out, sizeof(out), "(refused)");
	else {
		out[0] = '\0';
		for (size_t i = 0; i < b.len && n + 3 < sizeof(out); i++)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%02x",
			    (unsigned char)b.p[i]);
		snprintf(out + n, sizeof(out) - n, "/%lld", unmapped);
	}
	buf_free(&b);
	return out;
}

/* A UTC "YYYY-MM-DD HH:MM:SS" as the date of zone. */
static const char *
legal(const char *zone, const char *utc)
{
	static char	 out[16];
	time_t		 t;

	if (clock_parse(utc, &t) != 0 || export_legal_date(zone, t, out) != 0)
		return "(refused)";
	return out;
}

/* The bounds of from..to in zone, as UTC SQL times "A..B". */
static const char *
bounds(const char *zone, const char *from, const char *to)
{
	static char	 out[64];
	char		 a[CLOCK_SQL_LEN], b[CLOCK_SQL_LEN];
	time_t		 f, u;

	if (export_bounds(zone, from, to, &f, &u) != 0)
		return "(refused)";
	clock_sql(f, a);
	clock_sql(u, b);
	snprintf(out, sizeof(out), "%s..%s", a, b);
	return out;
}

static const char *
file_name(const char *siren, enum export_format f)
{
	static char		 out[128];
	struct center_conf	 c;

	memset(&c, 0, sizeof(c));
	c.siren = (char *)(uintptr_t)siren;
	if (export_file_name(&c, f, "2026-01-01", "2026-12-31", out, sizeof(out)) != 0)
		return "(refused)";
	return out;
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
	char		 small[5], rate[16];
	const char	*tz_before = getenv("TZ");

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

	is_str(csvfr("plain"), "plain", "Excel CSV: plain text is left alone");
	is_str(csvfr("Dupont, Durand"), "Dupont, Durand", "Excel CSV: a comma needs no quotes");
	is_str(csvfr("a;b"), "\"a;b\"", "Excel CSV: a semicolon is quoted");
	is_str(csvfr("say \"hi\""), "\"say \"\"hi\"\"\"", "Excel CSV: quotes are doubled");
	is_str(csvfr("=HYPERLINK(1)"), "\"=\"\"=HYPERLINK(1)\"\"\"",
	    "Excel CSV: a formula becomes the text constant =\"=HYPERLINK(1)\", shown as is");
	is_str(csvfr("-5"), "\"=\"\"-5\"\"\"", "Excel CSV: text starting with - too");
	is_str(csvfr("@\"x\""), "\"=\"\"@\"\"\"\"x\"\"\"\"\"\"\"",
	    "Excel CSV: a quote inside the constant is doubled twice (formula, then CSV)");
	{
		char		 long_name[400];
		const char	*p, *sep = "\"\"&\"\"";
		struct buf	 b;
		int		 pieces = 0;
		size_t		 n;

		long_name[0] = '=';
		for (n = 1; n < 300; n++)
			long_name[n] = 'a';
		long_name[n] = '\0';
		buf_init(&b, 4096);
		ok(export_csv_fr_text(&b, long_name) == 0 && buf_add(&b, "", 1) == 0,
		    "Excel CSV: a 300-character formula-like text encodes");
		for (p = b.p; p != NULL && (p = strstr(p, sep)) != NULL; p += strlen(sep))
			pieces++;
		is_int(pieces, 1, "Excel CSV: over 255 characters, the constant is cut once, joined by &");
		ok(b.p != NULL && strstr(b.p, sep) - b.p == 4 + 255,
		    "Excel CSV: the first piece holds exactly 255 characters");
		buf_free(&b);
	}
	is_str(csvfr("é=1"), "é=1", "Excel CSV: UTF-8 passes through");

	is_str(latin9("abc"), "616263/0", "ISO-8859-15: ASCII is unchanged");
	is_str(latin9("é€Œœ"), "e9a4bcbd/0", "ISO-8859-15: é, € (A4), Œ (BC), œ (BD)");
	is_str(latin9("Šž"), "a6b8/0", "ISO-8859-15: Š and ž");
	is_str(latin9("¤"), "3f/1", "ISO-8859-15: ¤ (Latin-1 A4) has no place: '?' and counted");
	is_str(latin9("日"), "3f/1", "ISO-8859-15: a character outside it is one '?'");
	is_str(latin9("\xc3"), "3f/1", "ISO-8859-15: a cut UTF-8 sequence is one '?'");
	is_str(latin9("\xc0\xaf"), "3f3f/2", "ISO-8859-15: an overlong form is refused byte by byte");

	is_str(legal("Europe/Paris", "2025-12-31 23:30:00"), "20260101",
	    "legal date: 23:30 UTC on 31 December is 1 January in Paris (winter, UTC+1)");
	is_str(legal("Europe/Paris", "2026-06-30 22:30:00"), "20260701",
	    "legal date: 22:30 UTC on 30 June is 1 July in Paris (summer, UTC+2)");
	is_str(legal("Europe/Paris", "2026-06-30 21:59:59"), "20260630", "legal date: and 21:59:59 is still 30 June");
	is_str(legal("UTC", "2025-12-31 23:30:00"), "20251231", "legal date: in UTC it stays 31 December");
	is_str(bounds("Europe/Paris", "2026-01-01", "2026-12-31"),
	    "2025-12-31 23:00:00..2026-12-31 23:00:00", "bounds: a Paris fiscal year in UTC");
	is_str(bounds("Europe/Paris", "2026-03-29", "2026-03-29"),
	    "2026-03-28 23:00:00..2026-03-29 22:00:00", "bounds: the spring DST day lasts 23 hours");
	is_str(bounds("Europe/Paris", "2026-10-25", "2026-10-25"),
	    "2026-10-24 22:00:00..2026-10-25 23:00:00", "bounds: the autumn DST day lasts 25 hours");
	is_str(bounds("Europe/Paris", "2026-02-30", "2026-03-01"), "(refused)", "bounds: 30 February is refused");
	is_str(bounds("Europe/Paris", "2026-03-02", "2026-03-01"), "(refused)", "bounds: an inverted range is refused");
	ok((tz_before == NULL && getenv("TZ") == NULL) || (tz_before != NULL &&
	    getenv("TZ") != NULL && strcmp(tz_before, getenv("TZ")) == 0),
	    "the process time zone is left as it was");
	is_str(file_name("123456789", EXPORT_FEC), "123456789FEC20261231.txt",
	    "FEC file name: SIREN, FEC, the closing date of the period");
	is_str(file_name(NULL, EXPORT_FEC), "FEC20261231.txt", "FEC file name without a SIREN configured");
	is_str(file_name(NULL, EXPORT_CSV_FR), "acme-caas-ledger-2026-01-01_2026-12-31-excel.csv",
	    "the Excel CSV's name");

	is_str(fec("a|b\tc\r\nd"), "a b c  d", "FEC: separators and line breaks become spaces");
	is_str(fec("TVA collectée"), "TVA collectée", "FEC: UTF-8 passes through");

	is_str(number(2026, 1), "2026-000001", "the first number of 2026");
	is_str(number(2026, 999999), "2026-999999", "six digits");
	is_str(number(2026, 1000000), "2026-1000000", "a seventh digit rather than a wrap");
	is_str(number(2026, 0), "(refused)", "there is no number 0");
	is_str(number(1969, 1), "(refused)", "years before 1970 are refused");
	return tap_done();
}
