/*
 * caasctl's money jobs: closing the monthly invoices and the accounting
 * exports (caasctl_money.c). Same signature as every caasctl command.
 */
#ifndef CAASCTL_MONEY_H
#define CAASCTL_MONEY_H

#include "center.h"

int	cmd_close_invoices(struct db *, const struct center_conf *, int, char **);
int	cmd_export(struct db *, const struct center_conf *, int, char **);

#endif
