/*
 * caasctl-ca's reseller API commands: pre-validations and the call log
 * (caasctl_ca_reseller.c). Each opens its own handle on reseller_sql.
 */
#ifndef CA_CAASCTL_CA_RESELLER_H
#define CA_CAASCTL_CA_RESELLER_H

#include "ca.h"
#include "db.h"

int	cmd_preval_add(struct db *, const struct ca_conf *, int, char **);
int	cmd_preval_list(struct db *, const struct ca_conf *, int, char **);
int	cmd_calls(struct db *, const struct ca_conf *, int, char **);

#endif
