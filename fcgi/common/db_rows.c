/*
 * Typed rows over db_run (db.h): the text cells of a result are read
 * once into the caller's row structs, by description.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "names.h"

int
db_res_fill(const struct db_res *r, size_t i, const struct db_rowdef *d, void *row)
{
	unsigned char	*base = row;

	if (r->ncols != d->nf) {
		log_error("db: result has %zu columns, its row struct %zu", r->ncols, d->nf);
		return DB_ERR;
	}
	memset(row, 0, d->rowsz);
	for (size_t c = 0; c < d->nf; c++) {
		const struct db_field	*f = &d->f[c];
		const char		*s = db_cell(r, i, c);
		void			*m = base + f->off;

		switch (f->t) {
		case DBF_INT:
			*(long long *)m = s != NULL ? strtoll(s, NULL, 10) : 0;
			break;
		case DBF_STR:
			*(const char **)m = s;
			break;
		case DBF_BOOL:
			*(int *)m = s != NULL && strtoll(s, NULL, 10) != 0;
			break;
		case DBF_ENUM:
			*(int *)m = names_find(f->names, f->nnames, s);
			if (s != NULL && *(int *)m < 0)
				log_warnx("db: column %zu: unknown name", c);
			break;
		}
	}
	return 0;
}

int
db_rows(struct db *db, int id, const struct db_param *p, size_t np,
    const struct db_rowdef *d, struct db_rows *out)
{
	int	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_run(db, id, p, np, &out->res)) != 0)
		return rc;
	out->affected = out->res->affected;
	out->insert_id = out->res->insert_id;
	if (out->res->nrows == 0)
		return 0;
	if ((out->v = calloc(out->res->nrows, d->rowsz)) == NULL) {
		db_rows_free(out);
		return DB_ERR;
	}
	for (size_t i = 0; i < out->res->nrows; i++)
		if ((rc = db_res_fill(out->res, i, d, (unsigned char *)out->v + i * d->rowsz)) != 0) {
			db_rows_free(out);
			return rc;
		}
	out->n = out->res->nrows;
	return 0;
}

void
db_rows_free(struct db_rows *rows)
{
	if (rows == NULL)
		return;
	free(rows->v);
	db_res_free(rows->res);
	memset(rows, 0, sizeof(*rows));
}

int
db_row(struct db *db, int id, const struct db_param *p, size_t np,
    const struct db_rowdef *d, void *row, struct db_res **keep)
{
	int	 rc;

	memset(row, 0, d->rowsz);
	*keep = NULL;
	if ((rc = db_run(db, id, p, np, keep)) != 0)
		return rc;
	if ((*keep)->nrows == 0)
		return 0;
	if ((rc = db_res_fill(*keep, 0, d, row)) != 0)
		return rc;
	return 1;
}
