/*
 * caasctl's money jobs (issue #6 items 3 and 4):
 *
 *   caasctl close-invoices [--now "YYYY-MM-DD HH:MM:SS"]
 *   caasctl export --from YYYY-MM-DD --to YYYY-MM-DD --format csv|csv-fr|fec
 *                  [--encoding utf-8|iso-8859-15] [--output FILE]
 *
 * close-invoices prints one summary line; export writes the file (stdout
 * by default) and its totals on stderr.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/caasctl_money.h"
#include "clock.h"
#include "jobs/export.h"
#include "invoices.h"
#include "log.h"

enum mopt { MO_NOW, MO_FROM, MO_TO, MO_FORMAT, MO_OUTPUT, MO_ENCODING, MO__MAX };

/* Options of the money commands; each command checks which it takes. */
static void
parse_money_opts(int argc, char **argv, const char *v[MO__MAX])
{
	static const struct option mo[] = {
		{ "now", required_argument, NULL, MO_NOW },
		{ "from", required_argument, NULL, MO_FROM },
		{ "to", required_argument, NULL, MO_TO },
		{ "format", required_argument, NULL, MO_FORMAT },
		{ "output", required_argument, NULL, MO_OUTPUT },
		{ "encoding", required_argument, NULL, MO_ENCODING },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	memset(v, 0, MO__MAX * sizeof(*v));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", mo, NULL)) != -1) {
		if (ch < 0 || ch >= MO__MAX)
			fatalx("%s: unknown option (see caasctl help)", argv[0]);
		v[ch] = optarg;
	}
	if (optind != argc)
		fatalx("%s: unexpected argument \"%s\"", argv[0], argv[optind]);
}

static void
only(const char *cmd, const char *v[MO__MAX], const int *allowed)
{
	for (int i = 0; i < MO__MAX; i++)
		if (v[i] != NULL && !allowed[i])
			fatalx("%s: option not accepted here (see caasctl help)", cmd);
}

static struct db_conf
dbconf(const struct center_conf *c)
{
	return (struct db_conf){ .host = c->db_host, .port = (unsigned int)c->db_port,
	    .socket = c->db_socket, .name = c->db_name, .user = c->db_user,
	    .password = c->db_password };
}

/*
 * Close the open invoices of past months (invoices.h). Exit status 0,
 * or 1 when an invoice was refused (its lines disagree with its totals:
 * logged, left open) or the database failed part-way.
 */
int
cmd_close_invoices(struct db *cdb, const struct center_conf *conf, int argc, char **argv)
{
	static const int	 allowed[MO__MAX] = { [MO_NOW] = 1 };
	const char		*v[MO__MAX];
	struct close_summary	 s;
	struct db_conf		 dc = dbconf(conf);
	struct db		*db;
	time_t			 now;
	enum billing_rc		 rc;

	parse_money_opts(argc, argv, v);
	only(argv[0], v, allowed);
	if (v[MO_NOW] != NULL && clock_parse(v[MO_NOW], &now) == -1)
		fatalx("--now: \"%s\" is not a UTC time like \"2026-02-01 00:05:00\"", v[MO_NOW]);
	if (v[MO_NOW] != NULL)
		clock_set(now);
	if ((db = invoices_db_open(&dc)) == NULL)
		fatalx("out of memory");
	rc = billing_close_invoices(db, clock_now(), &s);
	db_close(db);
	printf("close-invoices: %lld closed, first %s, last %s", s.closed,
	    s.first[0] ? s.first : "-", s.last[0] ? s.last : "-");
	if (s.refused > 0)
		printf(", %lld refused (totals disagree with lines, see the log)", s.refused);
	printf("\n");
	if (rc != BILLING_OK)
		log_error("close-invoices: stopped: %s", billing_strerror(rc));
	return rc != BILLING_OK || s.refused > 0;
}

static int
file_write(void *arg, const char *data, size_t len)
{
	return fwrite(data, 1, len, arg) == len ? 0 : -1;
}

static void
day_or_exit(const char *opt, const char *s)
{
	time_t	 t;

	if (s == NULL)
		fatalx("--%s is required", opt);
	if (strlen(s) != 10 || clock_parse(s, &t) == -1)
		fatalx("--%s: \"%s\" is not a date like 2026-01-31", opt, s);
}

static enum export_format
format_or_exit(const char *s)
{
	for (int f = 0; s != NULL && f < EXPORT_FORMAT__MAX; f++)
		if (strcmp(s, export_format_names[f]) == 0)
			return (enum export_format)f;
	fatalx("--format: must be csv, csv-fr or fec");
}

static enum export_encoding
encoding_or_exit(const char *s, enum export_format f)
{
	if (s == NULL)
		return EXPORT_UTF8;
	for (int e = 0; e < EXPORT_ENCODING__MAX; e++)
		if (strcmp(s, export_encoding_names[e]) == 0) {
			if (e != EXPORT_UTF8 && f != EXPORT_FEC)
				fatalx("--encoding: %s is for the FEC only (the CSV files are UTF-8)", s);
			return (enum export_encoding)e;
		}
	fatalx("--encoding: must be utf-8 or iso-8859-15");
}

static void
print_totals(enum export_format f, const struct export_totals *t)
{
	char	 net[32], vat[32], gross[32], cr[32], d[32], k[32];

	export_amount(t->net, '.', net, sizeof(net));
	export_amount(t->vat, '.', vat, sizeof(vat));
	export_amount(t->gross, '.', gross, sizeof(gross));
	export_amount(t->credits, '.', cr, sizeof(cr));
	fprintf(stderr, "export: %lld movements; sales (charges - refunds) net %s, VAT %s, "
	    "gross %s; deposit top-ups %s\n", t->rows, net, vat, gross, cr);
	if (f != EXPORT_FEC)
		return;
	export_amount(t->debit, '.', d, sizeof(d));
	export_amount(t->credit, '.', k, sizeof(k));
	fprintf(stderr, "export: FEC %lld entries, %lld lines, debit %s, credit %s\n",
	    t->fec_entries, t->fec_lines, d, k);
	if (t->unmapped > 0)
		fprintf(stderr, "export: warning: %lld characters have no ISO-8859-15 form and "
		    "were written as '?'\n", t->unmapped);
}

/*
 * The ledger of [--from, --to] (whole days of the legal time zone,
 * legal_timezone) as CSV, French Excel CSV or FEC on stdout or in
 * --output (written to FILE.tmp, renamed once complete, so a failed run
 * never leaves a file that looks whole). The name to file a FEC under is
 * printed on stderr.
 */
int
cmd_export(struct db *cdb, const struct center_conf *conf, int argc, char **argv)
{
	static const int	 allowed[MO__MAX] = { [MO_FROM] = 1, [MO_TO] = 1,
	    [MO_FORMAT] = 1, [MO_OUTPUT] = 1, [MO_ENCODING] = 1 };
	const char		*v[MO__MAX];
	struct export_totals	 t;
	struct export_spec	 spec;
	struct db		*db;
	char			 tmp[4096], name[128];
	FILE			*out = stdout;
	int			 rc;

	parse_money_opts(argc, argv, v);
	only(argv[0], v, allowed);
	day_or_exit("from", v[MO_FROM]);
	day_or_exit("to", v[MO_TO]);
	if (strcmp(v[MO_TO], v[MO_FROM]) < 0)
		fatalx("--to: %s is before --from %s", v[MO_TO], v[MO_FROM]);
	memset(&spec, 0, sizeof(spec));
	spec.format = format_or_exit(v[MO_FORMAT]);
	spec.encoding = encoding_or_exit(v[MO_ENCODING], spec.format);
	if (export_bounds(conf->legal_timezone, v[MO_FROM], v[MO_TO], &spec.from, &spec.until) == -1)
		fatalx("--from, --to: no such days in %s", conf->legal_timezone);
	if (v[MO_OUTPUT] != NULL) {
		if (snprintf(tmp, sizeof(tmp), "%s.tmp", v[MO_OUTPUT]) >= (int)sizeof(tmp))
			fatalx("--output: path too long");
		if ((out = fopen(tmp, "w")) == NULL)
			fatalx("--output: cannot write %s", tmp);
	}
	if ((db = export_db_open(conf)) == NULL)
		fatalx("out of memory");
	rc = export_run(db, conf, &spec, file_write, out, &t);
	db_close(db);
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
		rc = -2;
	if (rc != 0) {
		if (v[MO_OUTPUT] != NULL)
			unlink(tmp);
		fatalx("export failed (%s); no file written", rc == -2 ? "write error" :
		    "database error, see above");
	}
	if (v[MO_OUTPUT] != NULL && rename(tmp, v[MO_OUTPUT]) != 0)
		fatalx("--output: cannot rename %s to %s", tmp, v[MO_OUTPUT]);
	print_totals(spec.format, &t);
	if (spec.format == EXPORT_FEC &&
	    export_file_name(conf, spec.format, v[MO_FROM], v[MO_TO], name, sizeof(name)) == 0)
		fprintf(stderr, "export: file it as %s%s\n", name, conf->siren == NULL ?
		    " (set siren in the configuration: the name starts with it)" : "");
	return 0;
}
