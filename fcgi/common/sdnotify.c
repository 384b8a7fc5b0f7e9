/*
 * sd_notify(3) for the supervisor (sdnotify.h). Only the master calls
 * these (the units keep NotifyAccess=main), so the environment is left
 * in place for a re-exec and the workers' messages would be ignored anyway.
 */
#include "config.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "sdnotify.h"

static void
notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int	 rc;

	/* 0: no $NOTIFY_SOCKET (not started by systemd); negative: an error worth a line. */
	if ((rc = sd_notify(0, state)) < 0)
		log_warnx("sd_notify %s: error %d", state, -rc);
#else
	(void)state;
#endif
}

void
sdnotify_ready(void)
{
	notify("READY=1");
}

void
sdnotify_stopping(void)
{
	notify("STOPPING=1");
}
