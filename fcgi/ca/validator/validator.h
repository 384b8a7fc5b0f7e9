/*
 * ca-validator: challenge validation for the bundled CA (RFC 8555 §8).
 *
 * validator.c         master, workers, the queue and the outcome (SQL)
 * validator_net.c     where a name may be reached: resolve= map, DNS,
 *                     the public-address policy
 * validator_http01.c  http-01 (RFC 8555 §8.3), redirects followed here
 * validator_dns01.c   dns-01 (RFC 8555 §8.4) through libresolv
 * validator_tlsalpn01.c tls-alpn-01 (RFC 8737) with OpenSSL
 *
 * The methods are a table indexed by challenge type (validator.c).
 */
#ifndef CA_VALIDATOR_H
#define CA_VALIDATOR_H

#include <netinet/in.h>
#include <stddef.h>
#include <time.h>

#include "ca.h"

#define V_NAME_MAX	253	/* DNS name, RFC 1035 §2.3.4 */
#define V_TOKEN_MAX	64	/* ours are 43 base64url characters */
#define V_THUMB_MAX	64	/* RFC 7638 SHA-256 base64url: 43 */
#define V_DETAIL_MAX	384	/* problem "detail", bytes including NUL */
#define V_ADDR_MAX	64	/* numeric address text (INET6_ADDRSTRLEN + slack) */
#define V_MAP_MAX	16	/* entries of resolve= */
#define V_REDIRECTS_MAX	10

/* RFC 8555 §6.7 problem types a validation can end with. */
enum vproblem {
	VP_CONNECTION,
	VP_DNS,
	VP_UNAUTHORIZED,
	VP_INCORRECT_RESPONSE,
	VP_SERVER_INTERNAL,
	VP__MAX
};
extern const char *const vproblem_urns[VP__MAX];

/* The outcome of one attempt: ok, or a problem that may be worth retrying. */
struct vresult {
	int		 ok;
	enum vproblem	 problem;
	int		 retry;		/* transient (connection refused, timeout…) */
	char		 detail[V_DETAIL_MAX];
};

/* Set res to a failure; detail is printf-formatted and truncated to fit. */
void	vresult_fail(struct vresult *res, enum vproblem, int retry, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* ---- validator_net.c ---- */

struct vmap {
	char	 suffix[V_NAME_MAX + 1];
	char	 addr[V_ADDR_MAX];
};

struct vnet {
	struct vmap	 map[V_MAP_MAX];
	size_t		 nmap;
	int		 allow_private;
};

/*
 * Parse resolve ("SUFFIX=ADDR,…", NULL for none). Returns 0, or -1
 * with the reason in err (bad entry, too many entries).
 */
int	vnet_init(struct vnet *, const char *resolve, int allow_private, char *err, size_t errsz);
/*
 * Decide the one address host is reached at, into addr (numeric).
 * A name mapped by resolve= gets its mapped address, whatever it is.
 * Otherwise every address the name resolves to must be public unless
 * allow_private; *pin says the caller must pin addr (1 for names, 0
 * for IP literals). Returns 0, or -1 with res set (dns: no such name
 * or a transient failure, retry set; connection: a refused address).
 */
int	vnet_pick(const struct vnet *, const char *host, char addr[V_ADDR_MAX], int *pin,
	    struct vresult *res);
/* 1 if the address (struct in_addr / in6_addr) is globally routable. */
int	vnet_public(int family, const void *addr);
/* 1 if s is a lower- or upper-case LDH DNS name without a trailing dot. */
int	vnet_name_ok(const char *s);

/* ---- the methods ---- */

/* What a method needs to know about one challenge. */
struct vtask {
	long long	 chall_id;
	long long	 authz_id;
	long long	 order_id;
	long		 attempts;	/* including the current one */
	int		 wildcard;
	char		 type[16];
	char		 token[V_TOKEN_MAX + 1];
	char		 identifier[V_NAME_MAX + 1];
	char		 thumbprint[V_THUMB_MAX + 1];
};

struct vctx {
	const struct ca_conf	*conf;
	const struct vnet	*net;
};

/* A validation method fills res (ok or a problem); it never fails otherwise. */
typedef void (*vmethod_fn)(const struct vctx *, const struct vtask *, struct vresult *);

/* validator_http01.c: RFC 8555 §8.3. */
void	http01_validate(const struct vctx *, const struct vtask *, struct vresult *);
/* validator_dns01.c: RFC 8555 §8.4. */
void	dns01_validate(const struct vctx *, const struct vtask *, struct vresult *);
/*
 * Parse dns_server ("IPV4ADDR[:PORT]", port 53 by default) into sin.
 * Returns 0, or -1 with the reason in err.
 */
int	dns01_server_parse(const char *, struct sockaddr_in *sin, char *err, size_t errsz);
/* validator_tlsalpn01.c: RFC 8737. */
void	tlsalpn01_validate(const struct vctx *, const struct vtask *, struct vresult *);

#endif
