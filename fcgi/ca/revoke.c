/*
 * Certificate revocation and the CRL (revoke.h). The certificates row
 * is the truth; ca_dir/crl/issuing.crl is derived from it through the
 * signer, and regenerated after each revocation and by the daily job
 * (caasctl-ca crl), so a failed regeneration heals by itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "names.h"
#include "revoke.h"
#include "signer/signer.h"

#define CRL_PAGE	5000	/* rows per query, below DB_MAX_ROWS */
#define CRL_SUBDIR	"crl"
#define CRL_FILE	"issuing.crl"
#define CRL_LOCK	".lock"

enum rstmt {
	R_CERT_LOCK,
	R_CERT_REVOKE,
	R_REVOKED_PAGE,
	R__MAX
};

static const char *const revoke_sql[R__MAX] = {
	[R_CERT_LOCK] =
	    "SELECT status FROM certificates WHERE id = ? FOR UPDATE",
	[R_CERT_REVOKE] =
	    "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ? "
	    "WHERE id = ? AND status = 'valid'",
	/* Expired certificates may leave the CRL (RFC 5280 §3.3). The index
	 * keeps a page's cost to the CRL's size: ORDER BY id … LIMIT would
	 * otherwise tempt the optimizer into walking every certificate by id
	 * (schema/ca/0003_crl_index.sql). */
	[R_REVOKED_PAGE] =
	    "SELECT id, serial, revoked_at, revocation_reason FROM certificates "
	    "FORCE INDEX (certificates_revoked) "
	    "WHERE status = 'revoked' AND not_after > ? AND id > ? ORDER BY id LIMIT 5000",
};

/* R_REVOKED_PAGE rows. */
struct rv_row {
	long long	 id;
	const char	*serial;
	const char	*revoked_at;
	long long	 reason;	/* NULL: 0 unspecified */
};
static const struct db_field rv_f[] = {
	DBF_I(struct rv_row, id),
	DBF_S(struct rv_row, serial),
	DBF_S(struct rv_row, revoked_at),
	DBF_I(struct rv_row, reason),
};
static const struct db_rowdef rv_d = DB_ROWDEF(struct rv_row, rv_f);

/* R_CERT_LOCK's row. */
struct lock_row {
	int		 status;	/* enum cert_status */
};
static const struct db_field lock_f[] = {
	DBF_E(struct lock_row, status, cert_status_names, CERT__MAX),
};
static const struct db_rowdef lock_d = DB_ROWDEF(struct lock_row, lock_f);

/* The certificate's status, locked: 1 (*status), 0 (no such certificate) or DB_E*. */
static int
vdb_cert_lock(struct db *db, long long id, int *status)
{
	struct db_res	*keep = NULL;
	struct lock_row	 row;
	int		 rc;

	if ((rc = db_row(db, R_CERT_LOCK, (struct db_param[]){ DB_I(id) }, 1, &lock_d, &row, &keep)) == 1)
		*status = row.status;
	db_res_free(keep);
	return rc;
}

/* Mark a valid certificate revoked; *affected 1 if it was. */
static int
vdb_cert_revoke(struct db *db, long long id, const char *now, int reason, unsigned long long *affected)
{
	struct db_res	*r = NULL;
	int		 rc;

	if ((rc = db_run(db, R_CERT_REVOKE, (struct db_param[]){ DB_S(now), DB_I(reason), DB_I(id) }, 3,
	    &r)) == 0)
		*affected = r->affected;
	db_res_free(r);
	return rc;
}

/* This process's handle on revoke_sql, opened on first use; NULL when out of memory. */
static struct db *
revoke_db(const struct ca_conf *conf)
{
	static struct db	*db;

	if (db == NULL && (db = ca_db_open(conf, revoke_sql, R__MAX, 0)) == NULL)
		log_warnx("revoke: out of memory");
	return db;
}

int
revoke_reason_ok(int reason)
{
	return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5;
}

/* The transaction of revoke_certificate: REVOKE_OK, _ALREADY, _NOT_FOUND or _ERR. */
static int
revoke_tx(struct db *db, long long id, int reason)
{
	char			 now[CLOCK_SQL_LEN];
	unsigned long long	 n = 0;
	int			 rc = REVOKE_ERR, st = -1, found;

	clock_sql(clock_now(), now);
	if (db_begin(db) != 0 || (found = vdb_cert_lock(db, id, &st)) < 0)
		goto out;
	if (found == 0) {
		rc = REVOKE_NOT_FOUND;
		goto out;
	}
	if (st != CERT_VALID) {
		rc = REVOKE_ALREADY;
		goto out;
	}
	if (vdb_cert_revoke(db, id, now, reason, &n) != 0 || n != 1 || db_commit(db) != 0)
		goto out;
	rc = REVOKE_OK;
out:
	if (rc != REVOKE_OK)
		(void)db_rollback(db);
	return rc;
}

int
revoke_certificate(const struct ca_conf *conf, long long cert_id, int reason)
{
	struct db	*db;
	int		 rc;

	if (!revoke_reason_ok(reason))
		return REVOKE_BAD_REASON;
	if ((db = revoke_db(conf)) == NULL)
		return REVOKE_ERR;
	if ((rc = revoke_tx(db, cert_id, reason)) == REVOKE_ERR)
		log_warnx("revoke certificate %lld: database error", cert_id);
	if (rc != REVOKE_OK)
		return rc;
	log_info("revoked certificate %lld (reason %d)", cert_id, reason);
	if (crl_regenerate(conf) != 0)
		log_warnx("revoke certificate %lld: CRL not regenerated (the daily job will)", cert_id);
	return REVOKE_OK;
}

/* Append one page of revoked rows to *e; sets *last to the last id. 0, 1 at the end, -1. */
static int
crl_page(struct db *db, const char *now, long long *last, struct crl_entry **e, size_t *n)
{
	struct db_rows		 r = { 0 };
	struct crl_entry	*ne;
	int			 rc = -1;

	if (db_rows(db, R_REVOKED_PAGE, (struct db_param[]){ DB_S(now), DB_I(*last) }, 2, &rv_d, &r) != 0)
		goto out;
	if (*n + r.n > SIGNER_CRL_ENTRIES_MAX) {
		log_warnx("CRL: more than %d revoked certificates", SIGNER_CRL_ENTRIES_MAX);
		goto out;
	}
	if (r.n > 0) {
		if ((ne = realloc(*e, (*n + r.n) * sizeof(**e))) == NULL)
			goto out;
		*e = ne;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct rv_row *v = DB_ROW(&r, struct rv_row, i);
		struct crl_entry *x = &(*e)[*n + i];
		if (v->serial == NULL || strlen(v->serial) > SIGNER_CRL_SERIAL_MAX ||
		    clock_parse(v->revoked_at, &x->time) != 0) {
			log_warnx("CRL: certificate %lld: bad serial or revoked_at", v->id);
			goto out;
		}
		memcpy(x->serial, v->serial, strlen(v->serial) + 1);
		x->reason = (int)v->reason;
		*last = v->id;
	}
	*n += r.n;
	rc = r.n < CRL_PAGE ? 1 : 0;
out:
	db_rows_free(&r);
	return rc;
}

/* Write der to ca_dir/crl/issuing.crl through a temporary file and rename(2). 0 or -1. */
static int
crl_write(const char *ca_dir, const unsigned char *der, size_t len)
{
	char	 dir[1024], tmp[1100], path[1100];
	int	 fd = -1, rc = -1;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", ca_dir, CRL_SUBDIR) >= sizeof(dir)) {
		log_warnx("CRL: ca_dir too long");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, CRL_FILE);
	snprintf(path, sizeof(path), "%s/%s", dir, CRL_FILE);
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("mkstemp %s", tmp);
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || write(fd, der, len) != (ssize_t)len || fsync(fd) == -1) {
		log_warn("write %s", tmp);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("close %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("rename %s", path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/*
 * ca_dir/crl (made 0755 if missing) locked exclusively: the returned
 * descriptor holds the lock until closed, so that concurrent
 * regenerations run one after the other and the last file written is
 * from the latest snapshot. -1 (logged) on error.
 */
static int
crl_lock(const char *ca_dir)
{
	char	 dir[1024], path[1100];
	int	 fd;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", ca_dir, CRL_SUBDIR) >= sizeof(dir)) {
		log_warnx("CRL: ca_dir too long");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CRL_LOCK);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1) {
		log_warn("flock %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
crl_regenerate(const struct ca_conf *conf)
{
	struct db		*db;
	struct crl_entry	*e = NULL;
	unsigned char		*der = NULL;
	size_t			 n = 0, derlen = 0;
	char			 now[CLOCK_SQL_LEN], err[256];
	long long		 last = 0;
	int			 step, lock = -1, rc = -1;

	if ((db = revoke_db(conf)) == NULL || (lock = crl_lock(conf->ca_dir)) == -1)
		return -1;
	clock_sql(clock_now(), now);
	while ((step = crl_page(db, now, &last, &e, &n)) == 0)
		continue;
	if (step == -1) {
		log_warnx("CRL: cannot read the revoked certificates");
		goto out;
	}
	switch (signer_crl(conf->signer_socket, e, n, &der, &derlen, err)) {
	case 0:
		break;
	case 1:
		log_warnx("CRL: the signer refused: %s", err);
		goto out;
	default:
		goto out;
	}
	if (crl_write(conf->ca_dir, der, derlen) == -1)
		goto out;
	log_info("CRL written with %zu entr%s", n, n == 1 ? "y" : "ies");
	rc = 0;
out:
	close(lock);
	free(e);
	free(der);
	return rc;
}
