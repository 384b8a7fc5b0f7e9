/*
 * Schema migrations: files NNNN_name.sql in a directory, applied in
 * order and recorded in schema_migrations with their SHA-256. Each is
 * recorded "applying" before it runs and "applied" after; MySQL DDL is
 * not transactional, so a row left "applying" means a half-applied
 * schema and migrate refuses to run until an operator repairs it and
 * marks it (--mark-applied N). An applied file that changed, or that
 * disappeared, also stops it.
 */
#ifndef CAAS_MIGRATE_H
#define CAAS_MIGRATE_H

#include "db.h"

/* argv: {"migrate"} or {"migrate", "--mark-applied", "N"}. Exits on refusal. */
int	migrate_run(const struct db_conf *, const char *schema_dir, int argc, char **argv);

#endif
