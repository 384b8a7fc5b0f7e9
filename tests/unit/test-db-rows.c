/*
 * Typed rows (fcgi/common/db.h): a result's text cells read into row
 * structs by description, enums through the shared name tables, and a
 * description that does not match the statement refused.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "db.h"
#include "names.h"
#include "tap.h"

struct row {
	long long	 id;
	const char	*name;
	int		 level;
	int		 auto_renew;
};

static const struct db_field row_fields[] = {
	DBF_I(struct row, id),
	DBF_S(struct row, name),
	DBF_E(struct row, level, level_names, LEVEL__MAX),
	DBF_B(struct row, auto_renew),
};
static const struct db_rowdef row_def = DB_ROWDEF(struct row, row_fields);

int
main(void)
{
	char		 c_id[] = "42", c_name[] = "web", c_level[] = "OV", c_renew[] = "1", c_gold[] = "GOLD";
	char		*cells[] = { c_id, c_name, c_level, c_renew, NULL, NULL, c_gold, NULL };
	struct db_res	 r = { .nrows = 2, .ncols = 4, .cells = cells };
	struct row	 a;
	static const struct db_field short_fields[] = { DBF_I(struct row, id) };
	static const struct db_rowdef short_def = DB_ROWDEF(struct row, short_fields);

	is_int(db_res_fill(&r, 0, &row_def, &a), 0, "a matching row is read");
	is_int(a.id, 42, "integer column");
	is_str(a.name, "web", "text column points into the result");
	is_int(a.level, LEVEL_OV, "enum column through level_names");
	is_int(a.auto_renew, 1, "boolean column");

	is_int(db_res_fill(&r, 1, &row_def, &a), 0, "a row of NULLs is read");
	is_int(a.id, 0, "NULL integer is 0");
	ok(a.name == NULL, "NULL text is a NULL pointer");
	is_int(a.level, -1, "a name not in the table is -1");
	is_int(a.auto_renew, 0, "NULL boolean is false");

	a.id = 7;
	is_int(db_res_fill(&r, 0, &short_def, &a), DB_ERR, "a description with fewer columns is refused");
	is_int(a.id, 7, "and the row is left alone");

	is_int(level_parse("QWAC"), LEVEL_QWAC, "level_parse finds a level");
	is_int(level_parse("qwac"), -1, "level names are case-sensitive");
	is_int(level_parse(NULL), -1, "no name is no level");
	return tap_done();
}
