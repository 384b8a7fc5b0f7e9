/*
 * caasctl's notification commands (notify.h):
 *
 *   caasctl notify [--now T] [--batch N]
 *       queue the expiry reminders due at T, then send the due messages;
 *       prints "notify: N sent, N failed, N deferred; N reminders queued"
 *   caasctl user-email --login L (--email ADDRESS | --clear)
 *       where a user's notifications go (else the login, if an address)
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center.h"
#include "clock.h"
#include "i18n.h"
#include "log.h"
#include "jobs/notify.h"
#include "render.h"

#define BATCH_DEFAULT	10

static size_t
parse_batch(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > NOTIFY_BATCH_MAX)
		fatalx("--batch: \"%s\" must be a whole number from 1 to %d", s, NOTIFY_BATCH_MAX);
	return (size_t)v;
}

/* Catalogs and mail templates, compiled once for the run. */
static void
views_load(const struct center_conf *conf)
{
	char	 err[512];

	if (i18n_load(conf->views_dir, err, sizeof(err)) == -1)
		fatalx("views_dir: %s", err);
	if (render_init(conf->views_dir, notify_views, err, sizeof(err)) == -1)
		fatalx("views_dir: %s", err);
}

int
notify_cmd(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "now", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct notify_summary	 sum;
	size_t			 batch = BATCH_DEFAULT;
	time_t			 now;
	int			 ch, queued, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'n') {
			if (clock_parse(optarg, &now) == -1)
				fatalx("--now: \"%s\" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", optarg);
			clock_set(now);
		} else if (ch == 'b')
			batch = parse_batch(optarg);
		else
			fatalx("usage: caasctl notify [--now T] [--batch N]");
	}
	if (optind != argc)
		fatalx("notify: unexpected argument \"%s\"", argv[optind]);
	now = clock_now();
	views_load(conf);
	if ((queued = notify_remind(db, now)) < 0)
		fatalx("notify: the expiry reminders failed (database error, see above)");
	rc = notify_send_due(db, conf, now, batch, &sum);
	printf("notify: %u sent, %u failed, %u deferred; %d reminders queued\n", sum.sent,
	    sum.failed, sum.deferred, queued);
	render_shutdown();
	i18n_unload();
	if (rc != 0)
		fatalx("notify: database error while sending (see above); what was sent is recorded");
	return 0;
}

int
notify_cmd_user_email(struct db *db, const struct center_conf *conf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "login", required_argument, NULL, 'l' },
		{ "email", required_argument, NULL, 'e' },
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*login = NULL, *email = NULL;
	int		 ch, clear = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'l')
			login = optarg;
		else if (ch == 'e')
			email = optarg;
		else if (ch == 'c')
			clear = 1;
		else
			fatalx("usage: caasctl user-email --login L (--email ADDRESS | --clear)");
	}
	if (optind != argc || login == NULL || (email == NULL) == !clear)
		fatalx("usage: caasctl user-email --login L (--email ADDRESS | --clear)");
	rc = notify_set_email(db, login, email);
	if (rc == NOTIFY_EINVAL)
		fatalx("--email: \"%s\" is not a plain address (name@example.net)", email);
	if (rc == 1)
		fatalx("--login: no user %s", login);
	if (rc != 0)
		fatalx("user-email: database error (see above)");
	printf("%s %s\n", login, email != NULL ? email : "-");
	return 0;
}
