/* caasctl's lifecycle job commands (caasctl_jobs.c). */
#ifndef CENTER_CAASCTL_JOBS_H
#define CENTER_CAASCTL_JOBS_H

#include "center.h"

int	cmd_reconcile(struct db *, const struct center_conf *, int, char **);
int	cmd_sync(struct db *, const struct center_conf *, int, char **);
int	cmd_renew(struct db *, const struct center_conf *, int, char **);
int	cmd_expire(struct db *, const struct center_conf *, int, char **);
int	cmd_confirm_revocations(struct db *, const struct center_conf *, int, char **);
int	cmd_upstream_check(struct db *, const struct center_conf *, int, char **);
int	cmd_run_jobs(struct db *, const struct center_conf *, int, char **);

#endif
