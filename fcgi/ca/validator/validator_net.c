/*
 * Where the validator may connect (validator.h): the resolve= map for
 * dev/test names, DNS otherwise, and the rule that a CA must not be
 * turned into a probe of its own network (loopback, private, link-local
 * … addresses are refused unless allow_private_addresses).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "log.h"
#include "validator/validator.h"

/* Address blocks that are not globally routable (RFC 6890 and friends). */
struct block {
	int		 family;
	unsigned char	 prefix[16];
	unsigned int	 bits;
};

static const struct block blocks[] = {
	{ AF_INET, { 0 }, 8 },				/* "this network", unspecified */
	{ AF_INET, { 10 }, 8 },				/* private */
	{ AF_INET, { 100, 64 }, 10 },			/* shared address space (CGN) */
	{ AF_INET, { 127 }, 8 },			/* loopback */
	{ AF_INET, { 169, 254 }, 16 },			/* link-local */
	{ AF_INET, { 172, 16 }, 12 },			/* private */
	{ AF_INET, { 192, 0, 0 }, 24 },			/* IETF protocol assignments */
	{ AF_INET, { 192, 0, 2 }, 24 },			/* documentation */
	{ AF_INET, { 192, 168 }, 16 },			/* private */
	{ AF_INET, { 198, 18 }, 15 },			/* benchmarking */
	{ AF_INET, { 198, 51, 100 }, 24 },		/* documentation */
	{ AF_INET, { 203, 0, 113 }, 24 },		/* documentation */
	{ AF_INET, { 224 }, 4 },			/* multicast */
	{ AF_INET, { 240 }, 4 },			/* reserved, broadcast */
	{ AF_INET6, { 0 }, 96 },			/* ::, ::1, IPv4-compatible */
	{ AF_INET6, { [10] = 0xff, [11] = 0xff }, 96 },	/* IPv4-mapped */
	{ AF_INET6, { 0x00, 0x64, 0xff, 0x9b }, 96 },	/* NAT64: embeds any IPv4 */
	{ AF_INET6, { 0x01 }, 64 },			/* discard-only */
	{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* documentation */
	{ AF_INET6, { 0xfc }, 7 },			/* unique local */
	{ AF_INET6, { 0xfe, 0x80 }, 10 },		/* link-local */
	{ AF_INET6, { 0xfe, 0xc0 }, 10 },		/* site-local (deprecated) */
	{ AF_INET6, { 0xff }, 8 },			/* multicast */
};

static int
in_block(const struct block *b, const unsigned char *a)
{
	unsigned int	 full = b->bits / 8, rest = b->bits % 8;
	unsigned char	 mask;

	if (memcmp(a, b->prefix, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b->prefix[full] & mask);
}

int
vnet_public(int family, const void *addr)
{
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (blocks[i].family == family && in_block(&blocks[i], addr))
			return 0;
	return family == AF_INET || family == AF_INET6;
}

int
vnet_name_ok(const char *s)
{
	size_t	 len = strlen(s), label = 0;

	if (len == 0 || len > V_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

/* (validator.h; here with the address policy so that every method's unit,
 * and the fuzz harness of http-01, links it without the daemon.) */
void
vresult_fail(struct vresult *res, enum vproblem p, int retry, const char *fmt, ...)
{
	va_list	 ap;

	res->ok = 0;
	res->problem = p;
	res->retry = retry;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* One "SUFFIX=ADDR" entry of resolve=, of length len. */
static int
map_add(struct vnet *n, const char *s, size_t len, char *err, size_t errsz)
{
	const char	*eq = memchr(s, '=', len);
	size_t		 slen, alen;
	unsigned char	 bin[16];
	struct vmap	*m;

	if (n->nmap == V_MAP_MAX) {
		snprintf(err, errsz, "resolve: more than %d entries", V_MAP_MAX);
		return -1;
	}
	m = &n->map[n->nmap];
	slen = eq != NULL ? (size_t)(eq - s) : 0;
	alen = eq != NULL ? len - slen - 1 : 0;
	if (eq == NULL || slen == 0 || slen > V_NAME_MAX || alen == 0 || alen >= V_ADDR_MAX) {
		snprintf(err, errsz, "resolve: expected SUFFIX=ADDR, got \"%.*s\"", (int)len, s);
		return -1;
	}
	memcpy(m->suffix, s, slen);
	m->suffix[slen] = '\0';
	memcpy(m->addr, eq + 1, alen);
	m->addr[alen] = '\0';
	if (!vnet_name_ok(m->suffix) ||
	    (inet_pton(AF_INET, m->addr, bin) != 1 && inet_pton(AF_INET6, m->addr, bin) != 1)) {
		snprintf(err, errsz, "resolve: \"%.*s\" needs a DNS name and an IP address", (int)len, s);
		return -1;
	}
	n->nmap++;
	return 0;
}

int
vnet_init(struct vnet *n, const char *resolve, int allow_private, char *err, size_t errsz)
{
	const char	*p = resolve, *end;

	memset(n, 0, sizeof(*n));
	n->allow_private = allow_private;
#ifndef CAAS_TEST_HOOKS
	/* A test hook (issue 13 item 6): it bypasses DNS and the address
	 * policy, so a production build has none and refuses the key. */
	if (p != NULL && *p != '\0') {
		snprintf(err, errsz, "resolve is a test hook (it bypasses DNS and the address "
		    "policy) and this build has none (configure --enable-test-hooks is for dev and "
		    "test builds): remove it from the configuration");
		return -1;
	}
#endif
	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (end > p && end[-1] == ' ')
			end--;
		if (map_add(n, p, (size_t)(end - p), err, errsz) == -1)
			return -1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	for (size_t i = 0; i < n->nmap; i++)
		log_warnx("test hook resolve: %s and every name under it are validated at %s, "
		    "without DNS and without the address policy", n->map[i].suffix, n->map[i].addr);
	return 0;
}

/*
 * The resolve= entry covering host (equal to SUFFIX or ending in
 * .SUFFIX), the longest such suffix winning; NULL if none.
 */
static const struct vmap *
map_find(const struct vnet *n, const char *host)
{
	const struct vmap	*best = NULL;
	size_t			 hlen = strlen(host), blen = 0;

	for (size_t i = 0; i < n->nmap; i++) {
		const struct vmap *m = &n->map[i];
		size_t slen = strlen(m->suffix);

		if (slen <= blen || slen > hlen || strcasecmp(host + hlen - slen, m->suffix) != 0)
			continue;
		if (hlen == slen || host[hlen - slen - 1] == '.') {
			best = m;
			blen = slen;
		}
	}
	return best;
}

static const void *
sa_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	return &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
}

/*
 * Resolve host with the system resolver. Every address must pass the
 * policy (one private address among public ones is enough to refuse:
 * we cannot know which one the name's owner meant us to use). The
 * first address is the one we pin.
 */
static int
resolve(const struct vnet *n, const char *host, char addr[V_ADDR_MAX], struct vresult *res)
{
	struct addrinfo	 hints, *ai = NULL, *p;
	char		 text[V_ADDR_MAX];
	int		 rc = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, NULL, &hints, &ai)) != 0) {
		vresult_fail(res, VP_DNS, e == EAI_AGAIN, "cannot resolve %s: %s", host, gai_strerror(e));
		goto out;
	}
	addr[0] = '\0';
	for (p = ai; p != NULL; p = p->ai_next) {
		if (p->ai_family != AF_INET && p->ai_family != AF_INET6)
			continue;
		if (inet_ntop(p->ai_family, sa_addr(p->ai_addr), text, sizeof(text)) == NULL)
			continue;
		if (!n->allow_private && !vnet_public(p->ai_family, sa_addr(p->ai_addr))) {
			vresult_fail(res, VP_CONNECTION, 0,
			    "%s resolves to %s, which is not a public address", host, text);
			goto out;
		}
		if (addr[0] == '\0')
			memcpy(addr, text, sizeof(text));
	}
	if (addr[0] == '\0') {
		vresult_fail(res, VP_DNS, 0, "%s has no IPv4 or IPv6 address", host);
		goto out;
	}
	rc = 0;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

int
vnet_pick(const struct vnet *n, const char *host, char addr[V_ADDR_MAX], int *pin,
    struct vresult *res)
{
	const struct vmap	*m;
	unsigned char		 bin[16];
	int			 family = 0;

	*pin = 0;
	if (inet_pton(AF_INET, host, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, bin) == 1)
		family = AF_INET6;
	if (family != 0) {
		if (!n->allow_private && !vnet_public(family, bin)) {
			vresult_fail(res, VP_CONNECTION, 0, "%s is not a public address", host);
			return -1;
		}
		snprintf(addr, V_ADDR_MAX, "%s", host);
		return 0;
	}
	if (!vnet_name_ok(host)) {
		vresult_fail(res, VP_DNS, 0, "\"%.64s\" is not a valid host name", host);
		return -1;
	}
	*pin = 1;
	if ((m = map_find(n, host)) != NULL) {
		memcpy(addr, m->addr, V_ADDR_MAX);
		return 0;
	}
	return resolve(n, host, addr, res);
}
