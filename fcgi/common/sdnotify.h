/*
 * Readiness and stop notifications to the service manager (sd_notify(3)),
 * for the units' Type=notify. Without $NOTIFY_SOCKET, or in a build without
 * libsystemd, both are no-ops: the daemons run the same under ./dev.
 */
#ifndef CAAS_SDNOTIFY_H
#define CAAS_SDNOTIFY_H

/* The master's sockets are bound and its workers forked: READY=1. */
void	sdnotify_ready(void);
/* The master begins a graceful stop: STOPPING=1. */
void	sdnotify_stopping(void);

#endif
