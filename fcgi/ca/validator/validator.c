/*
 * ca-validator -f ca.conf: validates the challenges the ACME server
 * queued (RFC 8555 §7.5.1, §8).
 *
 * A master binds the wake socket, forks validator_workers workers,
 * respawns those that die and, on SIGTERM, lets each finish the
 * validation in hand. Each worker owns one database connection and
 * loops: claim a queued challenge (FOR UPDATE SKIP LOCKED, so workers
 * on any number of hosts never take the same one), take a lease on it
 * and commit (no row lock is held during network I/O), validate, then
 * write the outcome to challenge, authorization and order in a second
 * transaction that only applies if the lease is still ours.
 *
 * Wake protocol: validator_socket is a unix datagram socket. Whoever
 * queues a challenge (status 'processing', next_attempt_at <= now)
 * sends any single byte there; an idle worker wakes at once instead of
 * after its 1 s poll.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ca.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "supervise.h"
#include "validator/validator.h"

#define IDLE_MS		1000	/* poll for work at least this often */
#define LEASE_SLACK	5	/* seconds past validation_timeout */
#define RETRY_BUDGET	30	/* seconds: all attempts and pauses of one challenge */
#define ATTEMPTS_MAX	3
#define STOP_GRACE	10	/* seconds past validation_timeout before SIGKILL */
#define DB_LOCK_TRIES	3

const char *const vproblem_urns[VP__MAX] = {
	[VP_CONNECTION] = "urn:ietf:params:acme:error:connection",
	[VP_DNS] = "urn:ietf:params:acme:error:dns",
	[VP_UNAUTHORIZED] = "urn:ietf:params:acme:error:unauthorized",
	[VP_INCORRECT_RESPONSE] = "urn:ietf:params:acme:error:incorrectResponse",
	[VP_SERVER_INTERNAL] = "urn:ietf:params:acme:error:serverInternal",
};

/* Validation methods by challenge type (challenges.type). */
enum vmethod { VM_HTTP01, VM_DNS01, VM_TLSALPN01, VM__MAX };

static const struct {
	const char	*type;
	vmethod_fn	 fn;		/* NULL: the type cannot be validated (refused) */
} methods[VM__MAX] = {
	[VM_HTTP01] = { "http-01", http01_validate },
	[VM_DNS01] = { "dns-01", dns01_validate },
	[VM_TLSALPN01] = { "tls-alpn-01", tlsalpn01_validate },
};

/* ---- SQL: every statement of the validator ---- */

enum vstmt {
	V_CLAIM,
	V_LEASE,
	V_ORDER_LOCK,
	V_CHALL_VALID,
	V_CHALL_INVALID,
	V_CHALL_RETRY,
	V_AUTHZ_SET,
	V_AUTHZ_STATUSES,
	V_ORDER_READY,
	V_ORDER_INVALID,
	V__MAX
};

static const char *const vsql[V__MAX] = {
	/* now, now, now: the oldest due challenge no other worker holds. */
	[V_CLAIM] =
	"SELECT c.id, c.type, c.token, c.attempts, a.id, a.order_id, a.identifier, a.wildcard,"
	" a.status = 'pending' AND a.expires_at > ? AND acc.status = 'valid', acc.jwk_thumbprint"
	" FROM challenges c JOIN authorizations a ON a.id = c.authz_id"
	" JOIN accounts acc ON acc.id = a.account_id"
	" WHERE c.status = 'processing' AND c.next_attempt_at <= ?"
	" ORDER BY c.id LIMIT 1 FOR UPDATE SKIP LOCKED",
	/* lease_until, id */
	[V_LEASE] =
	"UPDATE challenges SET attempts = attempts + 1, next_attempt_at = ?"
	" WHERE id = ? AND status = 'processing'",
	/* order_id: serialises the outcomes of one order's authorizations. */
	[V_ORDER_LOCK] =
	"SELECT status FROM orders WHERE id = ? FOR UPDATE",
	/* validated_at, id, attempts */
	[V_CHALL_VALID] =
	"UPDATE challenges SET status = 'valid', validated_at = ?, error = NULL"
	" WHERE id = ? AND status = 'processing' AND attempts = ?",
	/* error, id, attempts */
	[V_CHALL_INVALID] =
	"UPDATE challenges SET status = 'invalid', error = ?"
	" WHERE id = ? AND status = 'processing' AND attempts = ?",
	/* next_attempt_at, id, attempts */
	[V_CHALL_RETRY] =
	"UPDATE challenges SET next_attempt_at = ?"
	" WHERE id = ? AND status = 'processing' AND attempts = ?",
	/* status ('valid' or 'invalid'), id */
	[V_AUTHZ_SET] =
	"UPDATE authorizations SET status = ? WHERE id = ? AND status = 'pending'",
	/* order_id */
	[V_AUTHZ_STATUSES] =
	"SELECT status FROM authorizations WHERE order_id = ? FOR UPDATE",
	/* id */
	[V_ORDER_READY] =
	"UPDATE orders SET status = 'ready' WHERE id = ? AND status = 'pending'",
	/* error, id */
	[V_ORDER_INVALID] =
	"UPDATE orders SET status = 'invalid', error = ? WHERE id = ? AND status = 'pending'",
};

/*
 * How many attempts a challenge gets: up to ATTEMPTS_MAX, fewer when
 * long timeouts would push all attempts and pauses past RETRY_BUDGET.
 * Pause after attempt k is k seconds.
 */
static long
attempts_allowed(const struct ca_conf *conf)
{
	long	 n;

	for (n = ATTEMPTS_MAX; n > 1; n--)
		if (n * conf->validation_timeout + n * (n - 1) / 2 <= RETRY_BUDGET)
			break;
	return n;
}

/* ---- problem documents (RFC 8555 §6.7) ---- */

/* The challenge's error: new string, caller frees; NULL on allocation failure. */
static char *
problem_json(const struct vresult *res)
{
	json_t	*j;
	char	*s;

	if ((j = json_pack("{s:s, s:s}", "type", vproblem_urns[res->problem],
	    "detail", res->detail)) == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* The order's error: the same type, with the failed identifier as a subproblem (§6.7.1). */
static char *
order_problem_json(const struct vtask *t, const struct vresult *res)
{
	json_t	*j;
	char	*s, detail[V_DETAIL_MAX + V_NAME_MAX + 64];

	snprintf(detail, sizeof(detail), "validation of %s failed: %s", t->identifier, res->detail);
	if ((j = json_pack("{s:s, s:s, s:[{s:s, s:s, s:{s:s, s:s}}]}",
	    "type", vproblem_urns[res->problem], "detail", detail,
	    "subproblems", "type", vproblem_urns[res->problem], "detail", res->detail,
	    "identifier", "type", "dns", "value", t->identifier)) == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* ---- the queue ---- */

static void
copy_cell(char *dst, size_t dstsz, const struct db_res *r, size_t col)
{
	const char	*s = db_cell(r, 0, col);

	snprintf(dst, dstsz, "%s", s != NULL ? s : "");
}

/*
 * Claim the oldest due challenge and lease it (attempts + 1,
 * next_attempt_at = now + validation_timeout + LEASE_SLACK): should
 * this worker die, another one takes it again when the lease ends.
 * A challenge whose authorization or account is no longer live is
 * made invalid on the spot. Returns 1 with t filled (t->attempts is
 * the leased attempt), 0 if there is nothing to do, -1 on a database
 * error (logged).
 */
static int
claim(struct db *db, const struct ca_conf *conf, struct vtask *t)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], until[CLOCK_SQL_LEN];
	time_t		 t0 = clock_now();
	int		 rc = -1, live;

	clock_sql(t0, now);
	clock_sql(t0 + conf->validation_timeout + LEASE_SLACK, until);
	if (db_begin(db) != 0 ||
	    db_run(db, V_CLAIM, (struct db_param[]){ DB_S(now), DB_S(now) }, 2, &r) != 0)
		goto out;
	if (r->nrows == 0) {
		rc = 0;
		goto out;
	}
	memset(t, 0, sizeof(*t));
	t->chall_id = db_cell_int(r, 0, 0);
	copy_cell(t->type, sizeof(t->type), r, 1);
	copy_cell(t->token, sizeof(t->token), r, 2);
	t->attempts = (long)db_cell_int(r, 0, 3);
	t->authz_id = db_cell_int(r, 0, 4);
	t->order_id = db_cell_int(r, 0, 5);
	copy_cell(t->identifier, sizeof(t->identifier), r, 6);
	t->wildcard = db_cell_int(r, 0, 7) != 0;
	live = db_cell_int(r, 0, 8) != 0;
	copy_cell(t->thumbprint, sizeof(t->thumbprint), r, 9);
	if (!live) {
		struct vresult	 res;
		char		*err;

		vresult_fail(&res, VP_UNAUTHORIZED, 0, "the authorization or account is no longer valid");
		if ((err = problem_json(&res)) == NULL ||
		    db_run(db, V_CHALL_INVALID, (struct db_param[]){ DB_S(err), DB_I(t->chall_id),
		    DB_I(t->attempts) }, 3, NULL) != 0) {
			free(err);
			goto out;
		}
		free(err);
		log_info("challenge %lld %s %s: invalid (authorization or account not live)",
		    t->chall_id, t->type, t->identifier);
		rc = db_commit(db) == 0 ? 1 : -1;
		t->chall_id = 0;	/* nothing left to validate */
		goto out;
	}
	t->attempts++;
	if (db_run(db, V_LEASE, (struct db_param[]){ DB_S(until), DB_I(t->chall_id) }, 2, NULL) != 0 ||
	    db_commit(db) != 0)
		goto out;
	rc = 1;
out:
	if (rc != 1)
		(void)db_rollback(db);
	db_res_free(r);
	return rc;
}

/*
 * Settle the order once this authorization is final (RFC 8555 §7.1.6):
 * every authorization valid makes it ready, any invalid one makes it
 * invalid. Runs inside the outcome transaction, with the order locked.
 */
static int
settle_order(struct db *db, const struct vtask *t, const struct vresult *res)
{
	struct db_res	*r = NULL;
	size_t		 valid = 0;
	char		*err = NULL;
	int		 rc = -1;

	if (!res->ok) {
		if ((err = order_problem_json(t, res)) == NULL)
			goto out;
		rc = db_run(db, V_ORDER_INVALID, (struct db_param[]){ DB_S(err), DB_I(t->order_id) },
		    2, NULL);
		goto out;
	}
	if (db_run(db, V_AUTHZ_STATUSES, (struct db_param[]){ DB_I(t->order_id) }, 1, &r) != 0)
		goto out;
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(db_cell(r, i, 0), "valid") == 0)
			valid++;
	rc = 0;
	if (r->nrows > 0 && valid == r->nrows)
		rc = db_run(db, V_ORDER_READY, (struct db_param[]){ DB_I(t->order_id) }, 1, NULL);
out:
	free(err);
	db_res_free(r);
	return rc;
}

/*
 * Write a final outcome: challenge, then authorization, then order, in
 * one transaction that applies only if the challenge is still ours
 * (processing, same attempt). Returns 0 when applied, 1 when the lease
 * was lost (nothing written), a DB_* error otherwise.
 */
static int
write_final(struct db *db, const struct vtask *t, const struct vresult *res)
{
	struct db_res	*r = NULL;
	char		 now[CLOCK_SQL_LEN], *err = NULL;
	int		 rc;

	clock_sql(clock_now(), now);
	if ((rc = db_begin(db)) != 0 ||
	    (rc = db_run(db, V_ORDER_LOCK, (struct db_param[]){ DB_I(t->order_id) }, 1, NULL)) != 0)
		goto out;
	if (res->ok)
		rc = db_run(db, V_CHALL_VALID, (struct db_param[]){ DB_S(now), DB_I(t->chall_id),
		    DB_I(t->attempts) }, 3, &r);
	else if ((err = problem_json(res)) == NULL)
		rc = DB_ERR;
	else
		rc = db_run(db, V_CHALL_INVALID, (struct db_param[]){ DB_S(err), DB_I(t->chall_id),
		    DB_I(t->attempts) }, 3, &r);
	if (rc != 0)
		goto out;
	if (r->affected != 1) {
		rc = 1;
		goto out;
	}
	if ((rc = db_run(db, V_AUTHZ_SET, (struct db_param[]){ DB_S(res->ok ? "valid" : "invalid"),
	    DB_I(t->authz_id) }, 2, NULL)) != 0 ||
	    (rc = settle_order(db, t, res)) != 0 ||
	    (rc = db_commit(db)) != 0)
		goto out;
out:
	if (rc != 0)
		(void)db_rollback(db);
	free(err);
	db_res_free(r);
	return rc;
}

/* Put a transiently failed challenge back in the queue after a pause of attempts seconds. */
static int
write_retry(struct db *db, const struct vtask *t)
{
	struct db_res	*r = NULL;
	char		 when[CLOCK_SQL_LEN];
	int		 rc;

	clock_sql(clock_now() + t->attempts, when);
	rc = db_run(db, V_CHALL_RETRY, (struct db_param[]){ DB_S(when), DB_I(t->chall_id),
	    DB_I(t->attempts) }, 3, &r);
	if (rc == 0 && r->affected != 1)
		rc = 1;
	db_res_free(r);
	return rc;
}

/* Validate a leased challenge and record the outcome; one log line per outcome. */
static void
process(struct db *db, const struct vctx *vc, const struct vtask *t)
{
	struct vresult	 res;
	long		 allowed = attempts_allowed(vc->conf);
	int		 rc = DB_ERR, retry;

	memset(&res, 0, sizeof(res));
	vresult_fail(&res, VP_SERVER_INTERNAL, 0, "challenge type %s is not supported", t->type);
	for (int m = 0; m < VM__MAX; m++)
		if (strcmp(methods[m].type, t->type) == 0 && methods[m].fn != NULL)
			methods[m].fn(vc, t, &res);
	if (!res.ok && t->attempts > allowed)
		res.retry = 0;	/* leases expired before: a worker died on it */
	retry = !res.ok && res.retry && t->attempts < allowed;
	for (int i = 0; i < DB_LOCK_TRIES; i++)
		if ((rc = retry ? write_retry(db, t) : write_final(db, t, &res)) != DB_ELOCK)
			break;
	if (rc == 1)
		log_warnx("challenge %lld %s %s: lease lost; result discarded",
		    t->chall_id, t->type, t->identifier);
	else if (rc != 0)
		log_warnx("challenge %lld %s %s: cannot record the outcome; retried when the lease ends",
		    t->chall_id, t->type, t->identifier);
	else if (res.ok)
		log_info("challenge %lld %s %s: valid", t->chall_id, t->type, t->identifier);
	else if (retry)
		log_info("challenge %lld %s %s: attempt %ld of %ld failed (%s: %s); retrying in %ld s",
		    t->chall_id, t->type, t->identifier, t->attempts, allowed,
		    vproblem_urns[res.problem], res.detail, t->attempts);
	else
		log_info("challenge %lld %s %s: invalid (%s: %s)", t->chall_id, t->type,
		    t->identifier, vproblem_urns[res.problem], res.detail);
}

/* ---- processes (supervised by common/supervise.c) ---- */

/*
 * Sleep until a wake byte arrives, a signal comes or IDLE_MS pass.
 * Signals are only let in here (ppoll), so a validation in progress is
 * never interrupted; every queued byte is drained (the socket is
 * non-blocking, shared by all workers).
 */
static void
idle(int wake)
{
	struct pollfd	 pfd = { .fd = wake, .events = POLLIN };
	struct timespec	 ts = { IDLE_MS / 1000, (IDLE_MS % 1000) * 1000000L };
	sigset_t	 none;
	char		 byte[16];

	sigemptyset(&none);
	if (ppoll(&pfd, 1, &ts, &none) > 0)
		while (recv(wake, byte, sizeof(byte), 0) > 0)
			continue;
}

struct vworker {
	const struct ca_conf	*conf;
	const struct vnet	*net;
	int			 wake;
};

/* A worker keeps SIGTERM blocked: it lets it in only while idle. */
static void
worker(void *arg)
{
	const struct vworker	*w = arg;
	struct vctx		 vc = { w->conf, w->net };
	struct vtask		 t;
	struct db		*db;
	int			 rc;

	if ((db = ca_db_open(w->conf, vsql, V__MAX, 0)) == NULL)
		fatalx("worker: out of memory");
	supervise_ready();
	while (!supervise_stopping()) {
		if ((rc = claim(db, w->conf, &t)) == 1 && t.chall_id != 0)
			process(db, &vc, &t);
		else if (rc != 1)
			idle(w->wake);	/* nothing due, or the database is away */
	}
	db_close(db);
}

/* Bind the wake socket: stale file removed, group-writable for the ACME workers. */
static int
open_wake(const char *path)
{
	struct sockaddr_un	 su;
	int			 fd;

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(su.sun_path))
		fatalx("validator_socket %s: path too long", path);
	memcpy(su.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		fatalx("socket: %s", strerror(errno));
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&su, sizeof(su)) == -1)
		fatalx("bind %s: %s", path, strerror(errno));
	if (chmod(path, 0660) == -1)
		log_warn("chmod %s", path);
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ca-validator [-f ca.conf]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct ca_conf	 conf;
	struct vnet	 net;
	struct vworker	 w;
	struct supervise sv;
	const char	*path = NULL;
	char		 err[512];
	int		 ch;

	while ((ch = getopt(argc, argv, "f:")) != -1) {
		if (ch != 'f')
			usage();
		path = optarg;
	}
	if (optind != argc)
		usage();
	/* The database password only: no EAB key, no reseller password. */
	ca_conf_load_secrets(&conf, path, "ca-validator", CA_SECRET_DB);
	if (vnet_init(&net, conf.resolve, conf.allow_private_addresses, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	if (conf.dns_server != NULL && conf.dns_server[0] != '\0' &&
	    dns01_server_parse(conf.dns_server, &(struct sockaddr_in){ 0 }, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	w = (struct vworker){ &conf, &net, open_wake(conf.validator_socket) };
	supervise_pidfile(conf.validator_pidfile);
	log_info("validating with %ld workers; wake socket %s, %ld attempts of %ld s",
	    conf.validator_workers, conf.validator_socket, attempts_allowed(&conf),
	    conf.validation_timeout);
	sv = (struct supervise){ .workers = conf.validator_workers,
	    .grace = conf.validation_timeout + STOP_GRACE, .keep_blocked = 1,
	    .fn = worker, .arg = &w };
	supervise_run(&sv);
	(void)unlink(conf.validator_socket);
	if (conf.validator_pidfile != NULL)
		(void)unlink(conf.validator_pidfile);
	close(w.wake);
	curl_global_cleanup();
	ca_conf_free(&conf);
	return 0;
}
