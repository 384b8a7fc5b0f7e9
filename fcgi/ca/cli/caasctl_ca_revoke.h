/*
 * caasctl-ca's revocation commands (caasctl_ca_revoke.c):
 *
 *   caasctl-ca crl                      regenerate ca_dir/crl/issuing.crl
 *   caasctl-ca expire [--now DATETIME]  revoke (cessationOfOperation) the
 *                                       certificates their enrollments no longer cover
 *
 * Both return the process exit status.
 */
#ifndef CA_CAASCTL_CA_REVOKE_H
#define CA_CAASCTL_CA_REVOKE_H

#include "ca.h"
#include "db.h"

int	cmd_crl(struct db *, const struct ca_conf *, int argc, char **argv);
int	cmd_expire(struct db *, const struct ca_conf *, int argc, char **argv);

#endif
