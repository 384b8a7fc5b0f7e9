/*
 * ca-signer: the only process that reads the issuing CA's key.
 *
 *   ca-signer [-f ca.conf] --init   create root and issuing CA in ca_dir
 *   ca-signer [-f ca.conf]          serve signer_socket (protocol: signer.h)
 *
 * The daemon runs in the foreground, writes signer_pidfile (if set)
 * before the socket appears, and on SIGTERM/SIGINT lets its workers
 * finish their request, then removes the socket and the pidfile.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ca.h"
#include "clock.h"
#include "log.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#define SIGNER_WORKERS	2	/* P-256 signing takes well under a millisecond */
#define LISTEN_BACKLOG	64

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ca-signer [-f ca.conf] [--init]\n");
	exit(2);
}

/* --init: 0 created, 0 already there (said so), 1 on error. */
static int
run_init(const struct ca_conf *conf)
{
	switch (signer_ca_create(conf->ca_dir, conf->crl_url, clock_now())) {
	case 0:
		log_info("created root and issuing CA in %s", conf->ca_dir);
		return 0;
	case 1:
		printf("CA already initialised\n");
		log_info("CA already initialised in %s", conf->ca_dir);
		return 0;
	default:
		log_warnx("CA initialisation in %s failed", conf->ca_dir);
		return 1;
	}
}

/*
 * If path is a socket, remove it unless a live signer answers there.
 * 0 when the path is free, -1 (logged) otherwise.
 */
static int
clear_stale(const struct sockaddr_un *sun)
{
	struct stat	 st;
	int		 fd, live;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", sun->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s: exists and is not a socket", sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		log_warnx("%s: another signer is listening", sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1) {
		log_warn("unlink %s", sun->sun_path);
		return -1;
	}
	return 0;
}

/* Listening, non-blocking unix stream socket at path, mode 0660; -1 (logged). */
static int
listen_unix(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd = -1, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("signer_socket %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (clear_stale(&sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(0117);	/* the socket never exists with a wider mode */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || chmod(path, 0660) == -1 || listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("signer_socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * signer_clients ("user,user"): their uids into ca->clients. 0, or -1
 * (logged) for an unknown user or more than SIGNER_CLIENTS_MAX of them.
 */
static int
load_clients(struct signer_ca *ca, const char *list)
{
	char		 name[64];
	const char	*p = list, *end;
	struct passwd	*pw;
	size_t		 len;

	ca->nclients = 0;
	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(name) || ca->nclients == SIGNER_CLIENTS_MAX) {
			log_warnx("signer_clients: want at most %d user names separated by commas",
			    SIGNER_CLIENTS_MAX);
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if ((pw = getpwnam(name)) == NULL) {
			log_warnx("signer_clients: no user %s", name);
			return -1;
		}
		ca->clients[ca->nclients++] = pw->pw_uid;
		p = end != NULL ? end + 1 : NULL;
	}
	return 0;
}

static int
write_pidfile(const char *path)
{
	char	 buf[32];
	int	 fd, n, rc = -1;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1 ||
	    write(fd, buf, (size_t)n) != n) {
		log_warn("signer_pidfile %s", path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* The daemon: key, pidfile, socket, workers; cleans up after a stop. 0 or 1. */
static int
run_daemon(const struct ca_conf *conf)
{
	struct signer_ca	 ca;
	int			 lfd = -1, pid_written = 0, rc = 1;

	if (signer_ca_load(&ca, conf->ca_dir) == -1)
		return 1;
	ca.crl_url = conf->crl_url;
	ca.aia_url = conf->aia_url;
	ca.validity_days = conf->validity_days;
	if (load_clients(&ca, conf->signer_clients) == -1)
		goto out;
	ca.profile_days[0] = conf->validity_days_dv;	/* SIGNER_PROFILE_DV */
	ca.profile_days[1] = conf->validity_days_ov;
	ca.profile_days[2] = conf->validity_days_qwac;
	if (conf->signer_pidfile != NULL) {
		if (write_pidfile(conf->signer_pidfile) == -1)
			goto out;
		pid_written = 1;
	}
	if ((lfd = listen_unix(conf->signer_socket)) == -1)
		goto out;
	log_info("listening on %s, issuing for %ld days", conf->signer_socket, conf->validity_days);
	if (signer_serve(&ca, lfd, SIGNER_WORKERS) == -1)
		goto out;
	rc = 0;
out:
	if (lfd != -1) {
		close(lfd);
		unlink(conf->signer_socket);
	}
	if (pid_written)
		unlink(conf->signer_pidfile);
	signer_ca_free(&ca);
	log_info("stopped");
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "init", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct ca_conf	 conf;
	const char	*path = NULL;
	int		 ch, init = 0, rc;

	while ((ch = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		case 'i':
			init = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* No secret file of ca.conf: the CA key in ca_dir is the signer's only one. */
	ca_conf_load_secrets(&conf, path, "ca-signer", 0);
	rc = init ? run_init(&conf) : run_daemon(&conf);
	ca_conf_free(&conf);
	return rc;
}
