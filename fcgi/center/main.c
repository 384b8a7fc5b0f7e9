/*
 * center-fcgi: the customer area's FastCGI daemon.
 *
 * The master binds the socket nginx talks to, compiles the views, then
 * forks the configured number of workers, respawning any that die, and
 * on SIGTERM/SIGINT stops them gracefully (each finishes the request
 * it is serving). Workers each own one database connection.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libxml/parser.h>

#include "center.h"
#include "log.h"
#include "render.h"

#define MAX_WORKERS	256
#define STOP_GRACE	10	/* seconds before SIGKILL */

static volatile sig_atomic_t	 got_term, got_chld;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

static void
on_worker_term(int sig)
{
	(void)sig;
	got_term = 1;
	/* Makes libfcgi's accept loop give up instead of retrying on EINTR. */
	FCGX_ShutdownPending();
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocking accept must return */
	sigaction(sig, &sa, NULL);
}

static void
serve_one(const struct center_conf *conf, struct db *db, FCGX_Request *fr,
    const struct req_limits *lim)
{
	struct req	 req;
	struct ctx	 c;

	(void)db_fresh(db);	/* an outage shows as 503 from the handler */
	req_parse(&req, fr, lim);
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.db = db;
	c.req = &req;
	app_handle(&c);
	/* A handler that failed half-way must not leave a transaction open. */
	(void)db_rollback(db);
	req_free(&req);
}

static void __attribute__((noreturn))
worker(const struct center_conf *conf, int sock)
{
	FCGX_Request		 fr;
	struct db		*db;
	struct req_limits	 lim = {
		.max_body = (size_t)conf->max_body,
		.max_query = (size_t)conf->max_query,
		.max_fields = 256,
	};

	sigset_t		 none;

	install(SIGTERM, on_worker_term);
	install(SIGINT, on_worker_term);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The master forks with signals blocked; a worker takes them. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((db = center_db_open(conf, 0)) == NULL)
		fatalx("worker: out of memory");
	if (FCGX_InitRequest(&fr, sock, 0) != 0)
		fatalx("worker: FCGX_InitRequest failed");
	while (!got_term && FCGX_Accept_r(&fr) >= 0) {
		serve_one(conf, db, &fr, &lim);
		FCGX_Finish_r(&fr);
	}
	db_close(db);
	_exit(0);
}

static pid_t
spawn(const struct center_conf *conf, int sock)
{
	pid_t	 pid = fork();

	if (pid == -1)
		log_warn("fork");
	else if (pid == 0)
		worker(conf, sock);
	return pid;
}

static int
open_socket(const char *listen)
{
	const char	*path;
	int		 sock;

	if (strncmp(listen, "unix:", 5) == 0) {
		path = listen + 5;
		(void)unlink(path);	/* stale socket from a crash */
		if ((sock = FCGX_OpenSocket(path, 128)) < 0)
			fatalx("cannot listen on %s", listen);
		/* nginx's workers reach it through the socket's group (docs/nginx.md §1). */
		if (chmod(path, 0660) == -1)
			log_warn("chmod %s", path);
	} else if ((sock = FCGX_OpenSocket(listen, 128)) < 0)
		fatalx("cannot listen on %s", listen);
	return sock;
}

static void
write_pidfile(const char *path)
{
	FILE	*f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatalx("cannot write pidfile %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

static void
stop_workers(pid_t *pids, long n)
{
	time_t	 deadline = time(NULL) + STOP_GRACE;
	long	 alive;
	int	 status;

	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		alive = 0;
		for (long i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				alive++;
		}
		if (alive && time(NULL) >= deadline) {
			log_warnx("%ld workers did not stop in %d s; killing", alive, STOP_GRACE);
			for (long i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = time(NULL) + 60;
		}
		if (alive)
			usleep(50 * 1000);
	} while (alive);
}

/* Reap dead workers and start new ones, slowing down if they die at once. */
static void
respawn(const struct center_conf *conf, int sock, pid_t *pids, time_t *born)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (long i = 0; i < conf->workers; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(status))
				log_warnx("worker %ld killed by signal %d; respawning", (long)pid, WTERMSIG(status));
			else
				log_warnx("worker %ld exited with %d; respawning", (long)pid, WEXITSTATUS(status));
			if (time(NULL) - born[i] < 1)
				sleep(1);	/* crash loop: don't spin */
			pids[i] = spawn(conf, sock);
			born[i] = time(NULL);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: center-fcgi [-f config]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct center_conf	 conf;
	const char		*path = NULL;
	char			 err[512];
	pid_t			 pids[MAX_WORKERS] = { 0 };
	time_t			 born[MAX_WORKERS] = { 0 };
	sigset_t		 block, old;
	int			 ch, sock;

	while ((ch = getopt(argc, argv, "f:")) != -1)
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		default:
			usage();
		}
	center_conf_load(&conf, path);
	xmlInitParser();
	if (i18n_load(conf.views_dir, err, sizeof(err)) == -1)
		fatalx("views: %s", err);
	if (render_init(conf.views_dir, center_views, err, sizeof(err)) == -1)
		fatalx("views: %s", err);
	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	sock = open_socket(conf.listen);
	write_pidfile(conf.pidfile);
	install(SIGTERM, on_signal);
	install(SIGINT, on_signal);
	install(SIGCHLD, on_signal);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (long i = 0; i < conf.workers; i++) {
		pids[i] = spawn(&conf, sock);
		born[i] = time(NULL);
	}
	log_info("listening on %s with %ld workers", conf.listen, conf.workers);
	while (!got_term) {
		sigsuspend(&old);
		if (got_chld && !got_term) {
			got_chld = 0;
			respawn(&conf, sock, pids, born);
		}
	}
	log_info("stopping");
	stop_workers(pids, conf.workers);
	if (strncmp(conf.listen, "unix:", 5) == 0)
		(void)unlink(conf.listen + 5);
	if (conf.pidfile != NULL)
		(void)unlink(conf.pidfile);
	render_shutdown();
	i18n_unload();
	center_conf_free(&conf);
	log_info("stopped");
	return 0;
}
