/*
 * /metrics and /healthz of ca-fcgi (ca_metrics.h). Request counters are
 * the shared ones of metrics.c; issuances and the validation queue are
 * read from the database at each scrape; the health check asks the
 * signer over its socket with a request it refuses without side effect.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ca_metrics.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The routes of acme.c's table, the reseller API and these endpoints. */
enum ca_route {
	CR_DIRECTORY, CR_NONCE, CR_NEW_ACCOUNT, CR_ACCOUNT, CR_ACCOUNT_ORDERS, CR_KEY_CHANGE,
	CR_NEW_ORDER, CR_ORDER, CR_AUTHZ, CR_CHALL, CR_FINALIZE, CR_CERT, CR_REVOKE,
	CR_RENEWAL_INFO, CR_ACMEADMIN, CR_AUTOREVOKE, CR_METRICS, CR_HEALTHZ, CR__MAX
};

static const struct metrics_route ca_routes[CR__MAX] = {
	[CR_DIRECTORY] = { "GET", "/v2/{level}" },
	[CR_NONCE] = { "GET", "/v2/{level}/new-nonce" },
	[CR_NEW_ACCOUNT] = { "POST", "/v2/{level}/new-account" },
	[CR_ACCOUNT] = { "POST", "/v2/{level}/acct/#" },
	[CR_ACCOUNT_ORDERS] = { "POST", "/v2/{level}/acct/#/orders" },
	[CR_KEY_CHANGE] = { "POST", "/v2/{level}/key-change" },
	[CR_NEW_ORDER] = { "POST", "/v2/{level}/new-order" },
	[CR_ORDER] = { "POST", "/v2/{level}/order/#" },
	[CR_AUTHZ] = { "POST", "/v2/{level}/authz/#" },
	[CR_CHALL] = { "POST", "/v2/{level}/chall/#" },
	[CR_FINALIZE] = { "POST", "/v2/{level}/finalize/#" },
	[CR_CERT] = { "POST", "/v2/{level}/cert/#" },
	[CR_REVOKE] = { "POST", "/v2/{level}/revoke-cert" },
	[CR_RENEWAL_INFO] = { "GET", "/v2/{level}/renewal-info/{id}" },
	[CR_ACMEADMIN] = { "POST", "/products/!ACMEAdmin" },
	[CR_AUTOREVOKE] = { "POST", "/products/!AutoRevokeSSL" },
	[CR_METRICS] = { "GET", "/metrics" },
	[CR_HEALTHZ] = { "GET", "/healthz" },
};

/* The resource after /v2/LEVEL/, with "#" for an id segment. */
static const struct {
	const char	*res;
	enum ca_route	 route;
} v2_routes[] = {
	{ "", CR_DIRECTORY }, { "new-nonce", CR_NONCE }, { "new-account", CR_NEW_ACCOUNT },
	{ "acct/#", CR_ACCOUNT }, { "acct/#/orders", CR_ACCOUNT_ORDERS },
	{ "key-change", CR_KEY_CHANGE }, { "new-order", CR_NEW_ORDER }, { "order/#", CR_ORDER },
	{ "authz/#", CR_AUTHZ }, { "chall/#", CR_CHALL }, { "finalize/#", CR_FINALIZE },
	{ "cert/#", CR_CERT }, { "revoke-cert", CR_REVOKE }, { "renewal-info/#", CR_RENEWAL_INFO },
};

enum cm_stmt {
	CM_CERTS,
	CM_CHALLENGES,
	CM__MAX
};

static const char *const cm_sql[CM__MAX] = {
	[CM_CERTS] =
	    "SELECT e.level, c.status, COUNT(*) FROM certificates c JOIN eab_keys e "
	    "ON e.id = c.eab_id GROUP BY e.level, c.status ORDER BY e.level, c.status",
	[CM_CHALLENGES] =
	    "SELECT status, COUNT(*) FROM challenges WHERE status IN ('pending', 'processing') "
	    "GROUP BY status",
};

int
ca_metrics_init(void)
{
	return metrics_init("ca", ca_routes, CR__MAX);
}

/* "/v2/DV/order/12/x" → "order/#/x" in out; -1 unless /v2/LEVEL[/res[/id[/tail]]]. */
static int
v2_shape(const char *path, char *out, size_t outsz)
{
	static const char *const levels[] = { "DV/", "OV/", "QWAC/" };
	char		 buf[128], *seg[4] = { 0 }, *save = NULL, *t;
	size_t		 n = 0, l;
	int		 w;

	if (strncmp(path, "/v2/", 4) != 0 || strlen(path) >= sizeof(buf) - 1)
		return -1;
	snprintf(buf, sizeof(buf), "%s/", path + 4);	/* "DV/…/" */
	for (l = 0; l < 3 && strncmp(buf, levels[l], strlen(levels[l])) != 0; l++)
		continue;
	if (l == 3)
		return -1;
	for (t = strtok_r(buf + strlen(levels[l]), "/", &save); t != NULL && n < 4;
	    t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	if (t != NULL || n == 4)
		return -1;
	w = snprintf(out, outsz, "%s%s%s%s", n > 0 ? seg[0] : "", n > 1 ? "/#" : "",
	    n > 2 ? "/" : "", n > 2 ? seg[2] : "");
	return w < 0 || (size_t)w >= outsz ? -1 : 0;
}

size_t
ca_metrics_route(const struct req *r)
{
	char	 shape[96] = "";

	if (r->path == NULL)
		return CR__MAX;
	if (strcmp(r->path, "/metrics") == 0)
		return CR_METRICS;
	if (strcmp(r->path, "/healthz") == 0)
		return CR_HEALTHZ;
	if (strcmp(r->path, "/products/!ACMEAdmin") == 0)
		return CR_ACMEADMIN;
	if (strcmp(r->path, "/products/!AutoRevokeSSL") == 0)
		return CR_AUTOREVOKE;
	if (v2_shape(r->path, shape, sizeof(shape)) != 0)
		return CR__MAX;
	for (size_t i = 0; i < sizeof(v2_routes) / sizeof(v2_routes[0]); i++)
		if (strcmp(v2_routes[i].res, shape) == 0)
			return v2_routes[i].route;
	return CR__MAX;
}

/* The worker's statement handle over its connection, made on the first scrape. */
static struct db *
cmdb(struct db *owner)
{
	static struct db	*m;

	if (m == NULL)
		m = db_share(owner, cm_sql, CM__MAX);
	return m;
}

/* CM_CERTS rows: certificates by level and status. */
struct cm_certs {
	int		 level;		/* enum level */
	int		 status;	/* enum cert_status */
	long long	 n;
};
static const struct db_field cm_certs_f[] = {
	DBF_E(struct cm_certs, level, level_names, LEVEL__MAX),
	DBF_E(struct cm_certs, status, cert_status_names, CERT__MAX),
	DBF_I(struct cm_certs, n),
};
static const struct db_rowdef cm_certs_d = DB_ROWDEF(struct cm_certs, cm_certs_f);

/* CM_CHALLENGES rows: undecided challenges by status. */
struct cm_chall {
	int		 status;	/* enum chall_status */
	long long	 n;
};
static const struct db_field cm_chall_f[] = {
	DBF_E(struct cm_chall, status, chall_status_names, CHALL__MAX),
	DBF_I(struct cm_chall, n),
};
static const struct db_rowdef cm_chall_d = DB_ROWDEF(struct cm_chall, cm_chall_f);

static int
db_lines(struct db *db, struct buf *b)
{
	struct db	*m = cmdb(db);
	struct db_rows	 r = { 0 };
	char		 l[64];
	int		 rc = -1;
	long long	 n[CHALL__MAX] = { 0 };

	if (m == NULL || db_rows(m, CM_CERTS, NULL, 0, &cm_certs_d, &r) != 0)
		goto out;
	metrics_help(b, "certificates_issued", "gauge",
	    "Certificates issued, by level and current status (rows of the CA's database).");
	for (size_t i = 0; i < r.n; i++) {
		const struct cm_certs *c = DB_ROW(&r, struct cm_certs, i);
		if (c->level < 0 || c->status < 0)
			continue;
		snprintf(l, sizeof(l), "level=\"%s\",status=\"%s\"", level_names[c->level],
		    cert_status_names[c->status]);
		metrics_line(b, "certificates_issued", l, (double)c->n);
	}
	db_rows_free(&r);
	if (db_rows(m, CM_CHALLENGES, NULL, 0, &cm_chall_d, &r) != 0)
		goto out;
	for (size_t i = 0; i < r.n; i++) {
		const struct cm_chall *c = DB_ROW(&r, struct cm_chall, i);
		if (c->status >= 0)
			n[c->status] = c->n;
	}
	metrics_help(b, "challenges", "gauge",
	    "Challenges not yet decided: pending (waiting for the client) and processing (queued for the validator).");
	metrics_line(b, "challenges", "status=\"pending\"", (double)n[CHALL_PENDING]);
	metrics_line(b, "challenges", "status=\"processing\"", (double)n[CHALL_PROCESSING]);
	rc = 0;
out:
	db_rows_free(&r);
	return rc;
}

/*
 * Is the signer answering? One request it must refuse ("op" other than
 * sign or crl): an {"error":…} answer proves a signer worker read and
 * parsed it, and nothing is signed or counted. 1 yes, 0 no.
 */
static int
signer_answers(const char *path)
{
	static const char probe[] = "{\"op\":\"health\"}";
	struct sockaddr_un	 sun;
	long long		 deadline = signer_mono_ms() + 3000;
	char			*ans = NULL;
	size_t			 len = 0;
	json_t			*j = NULL;
	int			 fd = -1, ok = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path))
		goto out;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto out;
	if (signer_msg_write(fd, probe, sizeof(probe) - 1, deadline) != 0 ||
	    (ans = signer_msg_read(fd, 4096, deadline, &len)) == NULL)
		goto out;
	j = json_loadb(ans, len, 0, NULL);
	ok = json_is_string(json_object_get(j, "error"));
out:
	if (!ok)
		metrics_signer_error("connect");
	json_decref(j);
	free(ans);
	if (fd != -1)
		close(fd);
	return ok;
}

static void
h_healthz(const struct ca_conf *conf, struct db *db, struct req *req)
{
	char	 body[128];
	int	 dbok = db_ping(db) == 0, sok = signer_answers(conf->signer_socket), n;

	n = snprintf(body, sizeof(body), "database %s\nsigner %s\n", dbok ? "ok" : "unreachable",
	    sok ? "ok" : "unreachable");
	resp_header(req, "Cache-Control", "no-store");
	resp_send(req, dbok && sok ? 200 : 503, "text/plain; charset=utf-8", body, (size_t)n);
}

static void
h_metrics(const struct ca_conf *conf, struct db *db, struct req *req)
{
	static const char refused[] = "not allowed from this address (metrics_allow)\n";
	struct metrics_acl	 acl;
	struct buf		 b;
	char			 err[128];
	int			 up;

	buf_init(&b, 1024 * 1024);
	if (metrics_acl_parse(&acl, conf->metrics_allow, err, sizeof(err)) != 0 ||
	    !metrics_acl_allows(&acl, req->remote_addr)) {
		log_info("/metrics refused to %s (metrics_allow)", req->remote_addr ? req->remote_addr : "?");
		resp_send(req, 403, "text/plain; charset=utf-8", refused, sizeof(refused) - 1);
		goto out;
	}
	if (metrics_render(&b) != 0)
		goto fail;
	up = db_ping(db) == 0 && db_lines(db, &b) == 0;
	metrics_help(&b, "database_up", "gauge", "1 when the database answered this scrape.");
	if (metrics_line(&b, "database_up", NULL, up ? 1 : 0) != 0)
		goto fail;
	resp_header(req, "Cache-Control", "no-store");
	resp_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	goto out;
fail:
	resp_send(req, 500, "text/plain; charset=utf-8", "metrics too large\n", 18);
out:
	buf_free(&b);
}

int
ca_ops_handle(const struct ca_conf *conf, struct db *db, struct req *req)
{
	if (req->path == NULL || (strcmp(req->path, "/metrics") != 0 &&
	    strcmp(req->path, "/healthz") != 0))
		return 0;
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		resp_header(req, "Allow", "GET, HEAD");
		resp_send(req, 405, "text/plain; charset=utf-8", "GET only\n", 9);
	} else if (strcmp(req->path, "/metrics") == 0)
		h_metrics(conf, db, req);
	else
		h_healthz(conf, db, req);
	return 1;
}
