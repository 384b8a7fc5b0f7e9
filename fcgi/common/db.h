/*
 * MariaDB/MySQL access through prepared statements only.
 *
 * A module declares all its SQL once, as an array indexed by its own
 * statement enum; each statement is prepared on first use and kept for
 * the life of the connection. Parameters are typed values, never text
 * spliced into SQL. A lost connection is reopened on the next call, so
 * a worker recovers by itself when the server comes back.
 */
#ifndef CAAS_DB_H
#define CAAS_DB_H

#include <stddef.h>

struct db;

struct db_conf {
	const char	*host;		/* NULL or "": unix socket */
	unsigned int	 port;
	const char	*socket;
	const char	*name;
	const char	*user;
	const char	*password;
};

enum db_ptype { DBP_NULL, DBP_STR, DBP_INT };

struct db_param {
	enum db_ptype	 t;
	const char	*s;
	long long	 i;
};

#define DB_S(x)		((struct db_param){ DBP_STR, (x), 0 })
#define DB_I(x)		((struct db_param){ DBP_INT, NULL, (long long)(x) })
#define DB_NUL		((struct db_param){ DBP_NULL, NULL, 0 })
/* A string, or SQL NULL when x is NULL. */
#define DB_SN(x)	((x) != NULL ? DB_S(x) : DB_NUL)

/* Rows are fetched as text; NULL cells are NULL pointers. */
struct db_res {
	size_t			 nrows, ncols;
	char			**cells;	/* nrows * ncols */
	unsigned long long	 affected;
	unsigned long long	 insert_id;
};

/* Outcome of db_run, beyond 0 for success. */
#define DB_ERR		(-1)	/* any other error; logged */
#define DB_EDUP		(-2)	/* duplicate key (unique constraint) */
#define DB_EDOWN	(-3)	/* server unreachable: answer 503 */
#define DB_ELOCK	(-4)	/* deadlock or lock wait timeout: retry */

/*
 * Allocate a handle for the statement table sqls[0..n). Connects at
 * once but returns the handle even if the server is down (the next
 * call retries). NULL only on allocation failure. multi enables
 * multi-statement text for db_exec_script (migrations).
 */
struct db	*db_open(const struct db_conf *, const char *const *sqls, size_t n, int multi);
/*
 * A handle for another statement table over owner's connection: the
 * same session, so statements run inside the owner's transaction when
 * one is open. Lets a module with its own table (notify.c) join any
 * caller's transaction. It must not outlive owner; db_close frees only
 * its statements. NULL on allocation failure.
 */
struct db	*db_share(struct db *owner, const char *const *sqls, size_t n);
void		 db_close(struct db *);
/* 0 if the server answers (reconnecting if needed), DB_EDOWN if not. */
int		 db_ping(struct db *);
/*
 * Before serving a request: ping only if the connection has been idle
 * longer than DB_IDLE_PING seconds, so that a worker whose connection
 * died while idle (server restart) reconnects instead of failing the
 * first request. Same return values as db_ping.
 */
int		 db_fresh(struct db *);
#define DB_IDLE_PING	2

/*
 * Run statement id with np parameters. If res is non-NULL the result
 * rows are stored there (caller frees with db_res_free). The number of
 * rows kept is capped (DB_MAX_ROWS); more is an error.
 */
int	db_run(struct db *, int id, const struct db_param *p, size_t np, struct db_res **res);
void	db_res_free(struct db_res *);
const char *db_cell(const struct db_res *, size_t row, size_t col);
long long db_cell_int(const struct db_res *, size_t row, size_t col);

int	db_begin(struct db *);
int	db_commit(struct db *);
int	db_rollback(struct db *);

/* Multi-statement text from a trusted file (migrations only). */
int	db_exec_script(struct db *, const char *sql, char *err, size_t errsz);

/*
 * Typed rows (openradtool's idea): a statement's result columns are
 * described once, in order, by the row struct they fill; callers get
 * structs, never positions. Strings point into the result kept by the
 * db_rows (NULL for SQL NULL); an enum column holds the index of its
 * text in the field's name table, -1 for NULL or a name not there.
 * The column count must match the description, or the call fails.
 */
enum db_ftype { DBF_INT, DBF_STR, DBF_BOOL, DBF_ENUM };

struct db_field {
	enum db_ftype		 t;
	size_t			 off;	/* offsetof(row, member) */
	const char *const	*names;	/* DBF_ENUM */
	size_t			 nnames;
};

/* long long, const char *, int (0/1), int (enum index) members. */
#define DBF_I(st, m)		{ DBF_INT, offsetof(st, m), NULL, 0 }
#define DBF_S(st, m)		{ DBF_STR, offsetof(st, m), NULL, 0 }
#define DBF_B(st, m)		{ DBF_BOOL, offsetof(st, m), NULL, 0 }
#define DBF_E(st, m, tab, n)	{ DBF_ENUM, offsetof(st, m), (tab), (n) }

struct db_rowdef {
	const struct db_field	*f;
	size_t			 nf;
	size_t			 rowsz;
};
#define DB_ROWDEF(st, fields) \
	{ (fields), sizeof(fields) / sizeof((fields)[0]), sizeof(st) }

struct db_rows {
	size_t			 n;
	void			*v;	/* n row structs */
	struct db_res		*res;	/* owns the strings */
	unsigned long long	 affected;
	unsigned long long	 insert_id;
};

/* Run and read every row into out (free with db_rows_free). */
int	db_rows(struct db *, int id, const struct db_param *, size_t np,
	    const struct db_rowdef *, struct db_rows *out);
void	db_rows_free(struct db_rows *);
/* Row i of rows as a typed pointer. */
#define DB_ROW(rows, st, i)	(&((st *)(rows)->v)[(i)])
/*
 * Run and read the first row into row (zeroed first). 1 if there was a
 * row, 0 if none, a DB_E* code on error. The strings live in *keep
 * (free with db_res_free, also on 0 and errors).
 */
int	db_row(struct db *, int id, const struct db_param *, size_t np,
	    const struct db_rowdef *, void *row, struct db_res **keep);
/* Fill row from row i of an untyped result (used by db_rows, db_row). */
int	db_res_fill(const struct db_res *, size_t i, const struct db_rowdef *, void *row);

#define DB_MAX_ROWS	10000

#endif
