/*
 * Inside the signer (signer.h is the face the ACME server sees): the
 * CA files, the request validator, the certificate builder, the
 * connection loop, and the message framing shared with signer_client.c.
 * Only ca-signer and tests/unit/test-signer link the key-handling parts.
 */
#ifndef CA_SIGNER_CORE_H
#define CA_SIGNER_CORE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define SIGNER_ERR_LEN		256
#define SIGNER_SPKI_MAX		2048	/* DER; an RSA-8192 SPKI is ~1.1 KB */
#define SIGNER_ORG_O_MAX	64	/* characters, X.520 ub-organization-name */
#define SIGNER_ORG_L_MAX	128	/* characters, X.520 ub-locality-name */
#define SIGNER_BACKDATE		60	/* seconds notBefore lies in the past (client clock skew) */
#define SIGNER_IO_TIMEOUT	5	/* seconds a whole request or answer may take */
#define SIGNER_CLIENTS_MAX	8	/* users of signer_clients (ca.conf) */

/* ---- signer_ca.c: the CA directory ---- */

/* The issuing CA as the daemon holds it. Config strings are borrowed. */
struct signer_ca {
	EVP_PKEY	*key;		/* issuing.key: never logged, never sent */
	X509		*cert;		/* issuing.pem */
	char		*chain_pem;	/* issuing.pem re-encoded, sent with each leaf */
	const char	*crl_url;	/* may be NULL */
	const char	*aia_url;	/* may be NULL */
	long		 validity_days;
	long		 profile_days[3];	/* DV, OV, QWAC (enum signer_profile); 0: validity_days */
	const char	*dir;		/* ca_dir as given to signer_ca_load (borrowed) */
	/* Peers allowed on the socket besides root and the signer's own uid. */
	uid_t		 clients[SIGNER_CLIENTS_MAX];
	size_t		 nclients;
};

/*
 * Create root and issuing CA in dir (made 0700 if missing) unless
 * issuing.pem and issuing.key already exist. Returns 0 when created,
 * 1 when the CA already existed, -1 on error (logged). crl_url may be
 * NULL; now is the clock for the validity periods.
 */
int	signer_ca_create(const char *dir, const char *crl_url, time_t now);
/*
 * Load issuing.key and issuing.pem from dir into ca and check they
 * match. 0 or -1 (logged); on success free with signer_ca_free.
 */
int	signer_ca_load(struct signer_ca *ca, const char *dir);
void	signer_ca_free(struct signer_ca *ca);

/* ---- signer_req.c: the request validator ---- */

enum signer_profile {
	SIGNER_PROFILE_DV,
	SIGNER_PROFILE_OV,
	SIGNER_PROFILE_QWAC,
	SIGNER_PROFILE__MAX
};

extern const char *const signer_profile_names[SIGNER_PROFILE__MAX];

/* A request that passed every check: the builder trusts these fields. */
struct signer_req {
	enum signer_profile	 profile;
	EVP_PKEY		*pkey;		/* owned */
	char			**sans;		/* owned, nsans entries */
	size_t			 nsans;
	char			*o, *l, *c;	/* owned; NULL for DV */
};

/*
 * Parse and check one request message of len bytes (signer.h lists
 * the fields). Returns 0 with out filled (free with signer_req_free),
 * or -1 with a reason naming the field in err[SIGNER_ERR_LEN].
 */
int	signer_req_parse(const char *msg, size_t len, struct signer_req *out, char *err);
void	signer_req_free(struct signer_req *);
/*
 * NULL if name is a lower-case LDH host name of at least two labels,
 * optionally preceded by one "*." wildcard label; else the reason.
 */
const char *signer_name_problem(const char *name);

/* ---- signer_cert.c: the certificate builder ---- */

/*
 * A new v3 certificate for pub with a random positive 128-bit serial
 * (hex in serial[33]), validity nb..na, the given subject, issued by
 * issuer (NULL: self-issued, issuer name = subject). Not yet signed,
 * no extensions. Returns the certificate or NULL (logged).
 */
X509	*signer_x509_new(const X509_NAME *subject, X509 *issuer, EVP_PKEY *pub,
	    time_t nb, time_t na, char serial[33]);
/*
 * Add the extension nid given in openssl x509v3_config(5) syntax
 * (constant strings only: never pass request data). issuer NULL means
 * self-issued. 0 or -1 (logged).
 */
int	signer_x509_ext(X509 *x, X509 *issuer, int nid, const char *value);
/* Add a CRL distribution point with the one URI url. 0 or -1 (logged). */
int	signer_x509_crldp(X509 *x, const char *url);

struct signer_issued {
	X509	*cert;
	char	 serial[33];	/* lower-case hex of the 16 serial bytes */
	time_t	 not_before, not_after;
};

/*
 * Build and sign the leaf for a checked request at time now
 * (notBefore = now - SIGNER_BACKDATE). 0 with out->cert owned by the
 * caller, or -1 (logged).
 */
int	signer_cert_issue(const struct signer_ca *, const struct signer_req *, time_t now,
	    struct signer_issued *out);
/*
 * One request message in, one answer out: the certificate or
 * {"error": reason}. Returns a malloc'd JSON text (length in *outlen),
 * NULL only when memory runs out.
 */
char	*signer_handle(const struct signer_ca *, const char *msg, size_t len, size_t *outlen);

/* ---- signer_crl.c: the CRL builder ---- */

/* 1 if msg is a crl request by its prefix (signer.h); it may then be large. */
int	signer_is_crl(const char *msg, size_t len);
/*
 * Check a crl request and answer it (signer.h): a malloc'd JSON text
 * with its length in *outlen, the CRL or {"error": reason}; NULL only
 * when memory runs out. now is thisUpdate.
 */
char	*signer_crl_handle(const struct signer_ca *, const char *msg, size_t len, time_t now,
	    size_t *outlen);

/* ---- signer_serve.c: connections ---- */

/*
 * Serve the connection fd: read one request within SIGNER_IO_TIMEOUT,
 * answer it, close fd. Failures are logged; nothing is returned.
 */
void	signer_serve_conn(const struct signer_ca *, int fd);
/*
 * Run nworkers processes accepting on the listening socket lfd until
 * SIGTERM or SIGINT; each finishes its current request. Returns 0
 * when all workers are gone, -1 on a setup error (logged). The caller
 * removes the socket and pidfile.
 */
int	signer_serve(const struct signer_ca *, int lfd, int nworkers);
/*
 * The peer of the connected unix socket fd, from SO_PEERCRED (unix(7)):
 * 1 when its uid is root, the signer's own or one of ca->clients, 0 when
 * it is someone else (logged with uid and pid), -1 when the kernel does
 * not say (logged). Only 1 may be served.
 */
int	signer_peer_allowed(const struct signer_ca *, int fd);

/* ---- signer_client.c: framing (4-byte big-endian length, then JSON) ---- */

/*
 * Read one message of 1..max bytes from fd before deadline (a
 * signer_mono_ms() value). Returns the malloc'd, NUL-terminated body
 * with its length in *len, or NULL on timeout, early EOF, a length of
 * 0 or over max, or an I/O error (logged with why).
 */
char	*signer_msg_read(int fd, size_t max, long long deadline, size_t *len);
/* Write one message before deadline; 0, or -1 (logged). Never raises SIGPIPE. */
int	signer_msg_write(int fd, const char *msg, size_t len, long long deadline);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long signer_mono_ms(void);

#endif
