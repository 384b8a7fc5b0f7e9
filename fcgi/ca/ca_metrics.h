/*
 * The bundled CA's operational endpoints (docs/ca-config.md
 * "Monitoring"): GET /metrics (Prometheus text format, from the networks
 * of metrics_allow) and GET /healthz (database and signer reachable).
 */
#ifndef CA_METRICS_H
#define CA_METRICS_H

#include <stddef.h>

#include "ca.h"
#include "db.h"
#include "req.h"

/* In the master, before fork: the shared counters (metrics.h). 0 or -1. */
int	ca_metrics_init(void);
/* The route slot of a parsed request, for metrics_request. */
size_t	ca_metrics_route(const struct req *);
/* /metrics or /healthz: answer and return 1; any other path: 0, nothing sent. */
int	ca_ops_handle(const struct ca_conf *, struct db *, struct req *);

#endif
