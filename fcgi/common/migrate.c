/*
 * Numbered schema migrations (schema/<db>/NNNN_name.sql), shared by
 * caasctl and caasctl-ca. See migrate.h.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define MAX_MIGRATIONS	1000
#define MIGRATION_MAX	(1024 * 1024)

enum mstmt { M_CREATE, M_LIST, M_START, M_DONE, M__MAX };

static const char *const migrate_sql[M__MAX] = {
	[M_CREATE] =
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,"
	    " checksum CHAR(64) CHARACTER SET ascii NOT NULL,"
	    " state ENUM('applying','applied') NOT NULL,"
	    " started_at DATETIME NOT NULL, finished_at DATETIME NULL"
	    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	[M_LIST] =
	    "SELECT version, name, checksum, state FROM schema_migrations ORDER BY version",
	[M_START] =
	    "INSERT INTO schema_migrations (version, name, checksum, state, started_at) "
	    "VALUES (?, ?, ?, 'applying', ?)",
	[M_DONE] =
	    "UPDATE schema_migrations SET state = 'applied', finished_at = ? WHERE version = ?",
};

static void
now_sql(char out[CLOCK_SQL_LEN])
{
	clock_sql(clock_now(), out);
}

static long long
parse_version(const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v <= 0)
		fatalx("--mark-applied: \"%s\" is not a migration number", s);
	return v;
}

static void
check_db(int rc, const char *what)
{
	if (rc != 0)
		fatalx("%s: database error (see above)", what);
}

struct migration {
	unsigned int	 version;
	char		 name[200];
	char		 path[1024];
};

static int
mig_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* Files NNNN_name.sql in dir, sorted; exits on a malformed or duplicate name. */
static size_t
mig_scan(const char *dir, struct migration *out)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n = 0;

	if ((d = opendir(dir)) == NULL)
		fatalx("schema_dir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (len < 10 || !isdigit((unsigned char)e->d_name[0]) ||
		    !isdigit((unsigned char)e->d_name[1]) || !isdigit((unsigned char)e->d_name[2]) ||
		    !isdigit((unsigned char)e->d_name[3]) || e->d_name[4] != '_' ||
		    strcmp(e->d_name + len - 4, ".sql") != 0)
			fatalx("%s/%s: migrations are named NNNN_name.sql", dir, e->d_name);
		if (n == MAX_MIGRATIONS)
			fatalx("%s: too many migrations", dir);
		out[n].version = (unsigned int)atoi(e->d_name);
		snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)(len - 9), e->d_name + 5);
		snprintf(out[n].path, sizeof(out[n].path), "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), mig_cmp);
	for (size_t i = 1; i < n; i++)
		if (out[i].version == out[i - 1].version)
			fatalx("%s: two migrations numbered %04u", dir, out[i].version);
	return n;
}

static char *
slurp(const char *path, size_t max)
{
	FILE	*f;
	char	*s;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	if ((s = malloc(max + 1)) == NULL)
		fatalx("out of memory");
	n = fread(s, 1, max + 1, f);
	fclose(f);
	if (n > max)
		fatalx("%s: larger than %zu bytes", path, max);
	s[n] = '\0';
	return s;
}

/*
 * Apply pending migrations in order. Each is recorded as "applying"
 * before it runs and "applied" after; DDL is not transactional in
 * MySQL, so a row left "applying" means a half-applied schema and
 * everything stops until an operator repairs it and marks it.
 */
int
migrate_run(const struct db_conf *dc, const char *schema_dir, int argc, char **argv)
{
	static struct migration	 mig[MAX_MIGRATIONS];
	struct db		*db;
	struct db_res		*r = NULL;
	char			 now[CLOCK_SQL_LEN], sum[SHA256_HEX_LEN + 1], err[512];
	long long		 mark = 0;
	size_t			 n, applied = 0;

	if (argc == 3 && strcmp(argv[1], "--mark-applied") == 0)
		mark = parse_version(argv[2]);
	else if (argc != 1)
		fatalx("usage: migrate [--mark-applied N]");
	if ((db = db_open(dc, migrate_sql, M__MAX, 1)) == NULL)
		fatalx("out of memory");
	n = mig_scan(schema_dir, mig);
	check_db(db_run(db, M_CREATE, NULL, 0, NULL), "schema_migrations");
	if (mark) {
		now_sql(now);
		check_db(db_run(db, M_DONE, (struct db_param[]){ DB_S(now), DB_I(mark) }, 2, &r),
		    "mark applied");
		if (r->affected != 1)
			fatalx("migration %04lld is not recorded", mark);
		db_res_free(r);
		printf("migration %04lld marked applied\n", mark);
		db_close(db);
		return 0;
	}
	check_db(db_run(db, M_LIST, NULL, 0, &r), "schema_migrations");
	for (size_t i = 0; i < r->nrows; i++) {
		long long v = db_cell_int(r, i, 0);
		size_t j;
		if (strcmp(db_cell(r, i, 3), "applying") == 0)
			fatalx("migration %04lld (%s) was interrupted and is half-applied: repair the "
			    "schema by hand, then run `caasctl migrate --mark-applied %lld`",
			    v, db_cell(r, i, 1), v);
		for (j = 0; j < n && mig[j].version != (unsigned int)v; j++)
			;
		if (j == n)
			fatalx("migration %04lld (%s) is applied but its file is gone from %s",
			    v, db_cell(r, i, 1), schema_dir);
		{
			char *sql = slurp(mig[j].path, MIGRATION_MAX);
			sha256_hex(sql, strlen(sql), sum);
			free(sql);
		}
		if (strcmp(sum, db_cell(r, i, 2)) != 0)
			fatalx("%s changed after it was applied; add a new migration instead", mig[j].path);
		mig[j].version |= 0x80000000u;	/* mark as done */
	}
	db_res_free(r);
	for (size_t i = 0; i < n; i++) {
		char *sql;
		if (mig[i].version & 0x80000000u)
			continue;
		sql = slurp(mig[i].path, MIGRATION_MAX);
		sha256_hex(sql, strlen(sql), sum);
		now_sql(now);
		check_db(db_run(db, M_START, (struct db_param[]){ DB_I(mig[i].version),
		    DB_S(mig[i].name), DB_S(sum), DB_S(now) }, 4, NULL), "record migration");
		if (db_exec_script(db, sql, err, sizeof(err)) != 0)
			fatalx("%s failed: %s — the schema may be half-applied; repair it, then "
			    "`caasctl migrate --mark-applied %u`", mig[i].path, err, mig[i].version);
		free(sql);
		now_sql(now);
		check_db(db_run(db, M_DONE, (struct db_param[]){ DB_S(now),
		    DB_I(mig[i].version) }, 2, NULL), "record migration");
		log_info("applied migration %04u %s", mig[i].version, mig[i].name);
		applied++;
	}
	printf("migrate: %zu applied, %zu already in place\n", applied, n - applied);
	db_close(db);
	return 0;
}

