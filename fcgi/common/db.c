#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "clock.h"
#include "db.h"
#include "log.h"

struct db {
	MYSQL			*conn;
	struct db_conf		 conf;
	const char *const	*sqls;
	size_t			 nsql;
	MYSQL_STMT		**stmts;
	int			 multi;
	time_t			 last_ok;	/* monotonic seconds of the last success */
	struct db		*owner;		/* db_share: the handle whose connection we use */
	unsigned long		 gen;		/* owner: connections made; sharer: the one
						 * its statements were prepared on */
};

/* Statements of a closed connection are only freed (Connector/C detached them). */
static void
close_stmts(struct db *db)
{
	for (size_t i = 0; i < db->nsql; i++)
		if (db->stmts[i] != NULL) {
			mysql_stmt_close(db->stmts[i]);
			db->stmts[i] = NULL;
		}
}

static MYSQL *
db_conn(struct db *db)
{
	return db->owner != NULL ? db->owner->conn : db->conn;
}

static void
db_disconnect(struct db *db)
{
	close_stmts(db);
	if (db->owner != NULL) {
		db_disconnect(db->owner);
		return;
	}
	if (db->conn != NULL) {
		mysql_close(db->conn);
		db->conn = NULL;
	}
}

static int
db_connect(struct db *db)
{
	unsigned int	 timeout = 5;
	unsigned long	 flags = CLIENT_FOUND_ROWS;
	const char	*host = db->conf.host && *db->conf.host ? db->conf.host : NULL;
	int		 rc;

	if (db->owner != NULL) {
		if ((rc = db_connect(db->owner)) != 0)
			return rc;
		if (db->gen != db->owner->gen) {	/* the owner reconnected */
			close_stmts(db);
			db->gen = db->owner->gen;
		}
		return 0;
	}
	if (db->conn != NULL)
		return 0;
	if ((db->conn = mysql_init(NULL)) == NULL) {
		log_error("mysql_init failed");
		return DB_EDOWN;
	}
	mysql_options(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(db->conn, MYSQL_OPT_READ_TIMEOUT, &(unsigned int){ 30 });
	mysql_options(db->conn, MYSQL_OPT_WRITE_TIMEOUT, &(unsigned int){ 30 });
	mysql_options(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC for every DATETIME we read and write; business time comes from
	 * our clock, never from the server's NOW(). */
	mysql_options(db->conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (db->multi)
		flags |= CLIENT_MULTI_STATEMENTS;
	if (mysql_real_connect(db->conn, host, db->conf.user, db->conf.password,
	    db->conf.name, host ? db->conf.port : 0, host ? NULL : db->conf.socket,
	    flags) == NULL) {
		log_warnx("database connect: %s", mysql_error(db->conn));
		mysql_close(db->conn);
		db->conn = NULL;
		return DB_EDOWN;
	}
	db->gen++;
	return 0;
}

struct db *
db_open(const struct db_conf *conf, const char *const *sqls, size_t n, int multi)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->stmts = calloc(n ? n : 1, sizeof(*db->stmts))) == NULL) {
		free(db);
		return NULL;
	}
	db->conf = *conf;
	db->sqls = sqls;
	db->nsql = n;
	db->multi = multi;
	(void)db_connect(db);
	return db;
}

struct db *
db_share(struct db *owner, const char *const *sqls, size_t n)
{
	struct db	*db;

	if (owner->owner != NULL)
		owner = owner->owner;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->stmts = calloc(n ? n : 1, sizeof(*db->stmts))) == NULL) {
		free(db);
		return NULL;
	}
	db->conf = owner->conf;
	db->sqls = sqls;
	db->nsql = n;
	db->owner = owner;
	db->gen = owner->gen;
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->owner != NULL)
		close_stmts(db);	/* the connection is the owner's */
	else
		db_disconnect(db);
	free(db->stmts);
	free(db);
}

static int
is_gone(unsigned int err)
{
	return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST ||
	    err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR ||
	    err == CR_SERVER_LOST_EXTENDED || err == ER_CONNECTION_KILLED;
}

static int
classify(struct db *db, unsigned int err, const char *what, const char *msg)
{
	if (is_gone(err)) {
		log_warnx("database lost during %s: %s", what, msg);
		db_disconnect(db);
		return DB_EDOWN;
	}
	if (err == ER_DUP_ENTRY)
		return DB_EDUP;
	if (err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT) {
		log_warnx("%s: %s", what, msg);
		return DB_ELOCK;
	}
	log_error("%s: %s (%u)", what, msg, err);
	return DB_ERR;
}

int
db_fresh(struct db *db)
{
	if (db->owner != NULL)
		return db_fresh(db->owner);
	if (db->conn != NULL && (time_t)(clock_mono_ms() / 1000) - db->last_ok <= DB_IDLE_PING)
		return 0;
	return db_ping(db);
}

int
db_ping(struct db *db)
{
	if (db->owner != NULL)
		return db_ping(db->owner);
	if (db_connect(db) != 0)
		return DB_EDOWN;
	if (mysql_ping(db->conn) != 0) {
		db_disconnect(db);
		/* One fresh attempt: the server may have restarted. */
		if (db_connect(db) != 0 || mysql_ping(db->conn) != 0) {
			db_disconnect(db);
			return DB_EDOWN;
		}
	}
	db->last_ok = (time_t)(clock_mono_ms() / 1000);
	return 0;
}

static MYSQL_STMT *
db_stmt(struct db *db, int id, int *rc)
{
	MYSQL_STMT	*st;

	*rc = DB_ERR;
	if (id < 0 || (size_t)id >= db->nsql) {
		log_error("db: statement %d out of range", id);
		return NULL;
	}
	if ((*rc = db_connect(db)) != 0)
		return NULL;
	if (db->stmts[id] != NULL)
		return db->stmts[id];
	if ((st = mysql_stmt_init(db_conn(db))) == NULL) {
		*rc = DB_ERR;
		return NULL;
	}
	if (mysql_stmt_prepare(st, db->sqls[id], strlen(db->sqls[id])) != 0) {
		*rc = classify(db, mysql_stmt_errno(st), "prepare", mysql_stmt_error(st));
		log_error("db: statement %d failed to prepare", id);
		mysql_stmt_close(st);
		return NULL;
	}
	db->stmts[id] = st;
	return st;
}

void
db_res_free(struct db_res *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r);
}

const char *
db_cell(const struct db_res *r, size_t row, size_t col)
{
	if (r == NULL || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

long long
db_cell_int(const struct db_res *r, size_t row, size_t col)
{
	const char *s = db_cell(r, row, col);
	return s ? strtoll(s, NULL, 10) : 0;
}

/* Fetch every row as text into a fresh db_res. */
static int
fetch_rows(struct db *db, MYSQL_STMT *st, struct db_res *r)
{
	MYSQL_RES	*meta = NULL;
	MYSQL_BIND	*bind = NULL;
	unsigned long	*lens = NULL;
	my_bool		*nulls = NULL;
	size_t		 cap = 0, c;
	int		 rc = DB_ERR, f;

	if ((meta = mysql_stmt_result_metadata(st)) == NULL)
		return 0;	/* statement has no result set */
	r->ncols = mysql_num_fields(meta);
	if ((bind = calloc(r->ncols, sizeof(*bind))) == NULL ||
	    (lens = calloc(r->ncols, sizeof(*lens))) == NULL ||
	    (nulls = calloc(r->ncols, sizeof(*nulls))) == NULL)
		goto out;
	for (c = 0; c < r->ncols; c++) {
		bind[c].buffer_type = MYSQL_TYPE_STRING;
		bind[c].length = &lens[c];
		bind[c].is_null = &nulls[c];
	}
	if (mysql_stmt_bind_result(st, bind) != 0)
		goto out;
	while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
		if (r->nrows == DB_MAX_ROWS) {
			log_error("db: more than %d rows", DB_MAX_ROWS);
			goto out;
		}
		if ((r->nrows + 1) * r->ncols > cap) {
			size_t	 ncap = cap ? cap * 2 : r->ncols * 16;
			char	**nc = realloc(r->cells, ncap * sizeof(*nc));
			if (nc == NULL)
				goto out;
			r->cells = nc;
			cap = ncap;
		}
		for (c = 0; c < r->ncols; c++) {
			char	**cell = &r->cells[r->nrows * r->ncols + c];
			MYSQL_BIND b;

			*cell = NULL;
			if (nulls[c])
				continue;
			if ((*cell = calloc(1, lens[c] + 1)) == NULL) {
				r->nrows++;
				goto out;
			}
			memset(&b, 0, sizeof(b));
			b.buffer_type = MYSQL_TYPE_STRING;
			b.buffer = *cell;
			b.buffer_length = lens[c] + 1;
			if (lens[c] > 0 && mysql_stmt_fetch_column(st, &b, (unsigned int)c, 0) != 0) {
				r->nrows++;
				goto out;
			}
		}
		r->nrows++;
	}
	if (f != MYSQL_NO_DATA) {
		rc = classify(db, mysql_stmt_errno(st), "fetch", mysql_stmt_error(st));
		goto out;
	}
	rc = 0;
out:
	if (meta != NULL)
		mysql_free_result(meta);
	free(bind);
	free(lens);
	free(nulls);
	return rc;
}

int
db_run(struct db *db, int id, const struct db_param *p, size_t np, struct db_res **res)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	*bind = NULL;
	struct db_res	*r = NULL;
	unsigned long	*lens = NULL;
	int		 rc;

	if (res != NULL)
		*res = NULL;
	if ((st = db_stmt(db, id, &rc)) == NULL)
		return rc;
	rc = DB_ERR;
	if (mysql_stmt_param_count(st) != np) {
		log_error("db: statement %d takes %lu parameters, given %zu",
		    id, mysql_stmt_param_count(st), np);
		goto out;
	}
	if (np > 0) {
		if ((bind = calloc(np, sizeof(*bind))) == NULL ||
		    (lens = calloc(np, sizeof(*lens))) == NULL)
			goto out;
		for (size_t i = 0; i < np; i++) {
			switch (p[i].t) {
			case DBP_STR:
				lens[i] = strlen(p[i].s);
				bind[i].buffer_type = MYSQL_TYPE_STRING;
				bind[i].buffer = (void *)(uintptr_t)p[i].s;
				bind[i].buffer_length = lens[i];
				bind[i].length = &lens[i];
				break;
			case DBP_INT:
				bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
				bind[i].buffer = (void *)(uintptr_t)&p[i].i;
				break;
			default:
				bind[i].buffer_type = MYSQL_TYPE_NULL;
				break;
			}
		}
		if (mysql_stmt_bind_param(st, bind) != 0) {
			rc = classify(db, mysql_stmt_errno(st), "bind", mysql_stmt_error(st));
			goto out;
		}
	}
	if (mysql_stmt_execute(st) != 0) {
		unsigned int err = mysql_stmt_errno(st);
		rc = classify(db, err, "execute", mysql_stmt_error(st));
		if (rc != DB_EDUP)
			log_warnx("db: statement %d failed", id);
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto out;
	if ((rc = fetch_rows(db, st, r)) != 0)
		goto out;
	db->last_ok = (time_t)(clock_mono_ms() / 1000);
	r->affected = mysql_stmt_affected_rows(st);
	r->insert_id = mysql_stmt_insert_id(st);
	if (res != NULL) {
		*res = r;
		r = NULL;
	}
	rc = 0;
out:
	if (db->stmts[id] == st)
		mysql_stmt_free_result(st);
	db_res_free(r);
	free(bind);
	free(lens);
	return rc;
}

static int
db_simple(struct db *db, const char *sql)
{
	int	 rc;

	if (db->owner != NULL)
		return db_simple(db->owner, sql);
	if ((rc = db_connect(db)) != 0)
		return rc;
	if (mysql_query(db->conn, sql) != 0)
		return classify(db, mysql_errno(db->conn), sql, mysql_error(db->conn));
	return 0;
}

int
db_begin(struct db *db)
{
	return db_simple(db, "START TRANSACTION");
}

int
db_commit(struct db *db)
{
	return db_simple(db, "COMMIT");
}

int
db_rollback(struct db *db)
{
	if (db->owner != NULL)
		db = db->owner;
	if (db->conn == NULL)
		return 0;	/* nothing to undo on a lost connection */
	/* The server says after every statement whether a transaction is
	 * open: the daemons roll back after each request, and most requests
	 * opened none, so this saves a round trip per request. */
	{
		unsigned int status = 0;
		if (mariadb_get_infov(db->conn, MARIADB_CONNECTION_SERVER_STATUS, &status) == 0 &&
		    !(status & SERVER_STATUS_IN_TRANS))
			return 0;
	}
	return db_simple(db, "ROLLBACK");
}

int
db_exec_script(struct db *db, const char *sql, char *err, size_t errsz)
{
	int	 rc, status;

	if (db->owner != NULL)
		db = db->owner;
	if ((rc = db_connect(db)) != 0) {
		snprintf(err, errsz, "database unreachable");
		return rc;
	}
	if (mysql_real_query(db->conn, sql, strlen(sql)) != 0) {
		snprintf(err, errsz, "%s", mysql_error(db->conn));
		return DB_ERR;
	}
	do {
		MYSQL_RES *r = mysql_store_result(db->conn);
		if (r != NULL)
			mysql_free_result(r);
		if ((status = mysql_next_result(db->conn)) > 0) {
			snprintf(err, errsz, "%s", mysql_error(db->conn));
			return DB_ERR;
		}
	} while (status == 0);
	return 0;
}
