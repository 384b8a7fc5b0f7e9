/*
 * Shared-memory counters and the Prometheus text format (metrics.h).
 * Exposition format: https://prometheus.io/docs/instrumenting/exposition_formats/
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

/* Counters shared by forked processes must not hide a lock in libatomic. */
#if ATOMIC_LLONG_LOCK_FREE != 2
#error "64-bit atomics are not lock-free on this target: shared counters need them"
#endif

static const int statuses[] = {
	200, 201, 204, 301, 302, 303, 304, 400, 401, 402, 403, 404, 405, 409, 413, 414,
	415, 429, 500, 502, 503,
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)	/* + "other" */

/* Upper bounds (seconds) of the latency buckets; one more for +Inf. */
static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]) + 1)

/* The CaaS actions (docs: upstream/SECTIGO-CAAS.md); the last one catches the rest. */
static const char *const actions[] = {
	"PREREGISTER", "ADDDOMAIN", "REMOVEDOMAIN", "LISTDOMAINS", "EXTENDDOMAINS",
	"GETLASTORDER", "LISTACCOUNTS", "SUSPENDACCOUNT", "UNSUSPENDACCOUNT",
	"DEACTIVATEACCOUNT", "LISTSERVERS", "UPDATEDOMAINS", "AutoRevokeSSL", "other",
};
#define NACTIONS	(sizeof(actions) / sizeof(actions[0]))

static const char *const outcomes[] = { "ok", "refused", "error", "transport" };
#define NOUTCOMES	(sizeof(outcomes) / sizeof(outcomes[0]))

static const char *const signer_ops[] = { "connect", "sign", "crl", "other" };
#define NSIGNER		(sizeof(signer_ops) / sizeof(signer_ops[0]))

struct counters {
	atomic_ullong	 req[METRICS_ROUTES_MAX][NSTATUS];
	atomic_ullong	 lat[METRICS_ROUTES_MAX][NBUCKETS];	/* per bucket, not cumulative */
	atomic_ullong	 lat_us[METRICS_ROUTES_MAX];
	atomic_ullong	 up[NACTIONS][NOUTCOMES];
	atomic_ullong	 signer[NSIGNER];
};

static struct counters		 local;		/* the CLIs: this process only */
static struct counters		*ctr = &local;
static const struct metrics_route *routes;
static size_t			 nroutes;
static char			 prefix[32] = "caas";
static long long		 started;

int
metrics_init(const char *pfx, const struct metrics_route *r, size_t n)
{
	void	*p;

	if (n >= METRICS_ROUTES_MAX) {
		log_warnx("metrics: %zu routes, at most %d", n, METRICS_ROUTES_MAX - 1);
		return -1;
	}
	p = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_warn("metrics: mmap");
		return -1;
	}
	/* Fresh anonymous pages are zero, and all-zero bits are a zero atomic_ullong. */
	ctr = p;
	routes = r;
	nroutes = n;
	snprintf(prefix, sizeof(prefix), "%s", pfx);
	started = (long long)time(NULL);
	return 0;
}

double
metrics_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

void
metrics_request(size_t route, int status, double seconds)
{
	size_t	 b;

	if (route > nroutes)
		route = nroutes;
	if (seconds < 0)
		seconds = 0;
	for (b = 0; b < NBUCKETS - 1 && seconds > buckets[b]; b++)
		continue;
	atomic_fetch_add_explicit(&ctr->req[route][status_index(status)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ctr->lat[route][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ctr->lat_us[route], (unsigned long long)(seconds * 1e6),
	    memory_order_relaxed);
}

static size_t
name_index(const char *const *names, size_t n, const char *name)
{
	if (name != NULL && name[0] == '!')
		name++;
	for (size_t i = 0; name != NULL && i < n - 1; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return n - 1;
}

void
metrics_upstream(const char *action, const char *outcome)
{
	size_t	 o = name_index(outcomes, NOUTCOMES, outcome);

	/* An unknown outcome is a programming error: count it as an error. */
	if (outcome == NULL || strcmp(outcomes[o], outcome) != 0)
		o = 2;
	atomic_fetch_add_explicit(&ctr->up[name_index(actions, NACTIONS, action)][o], 1,
	    memory_order_relaxed);
}

void
metrics_signer_error(const char *op)
{
	atomic_fetch_add_explicit(&ctr->signer[name_index(signer_ops, NSIGNER, op)], 1,
	    memory_order_relaxed);
}

size_t	metrics_upstream_nactions(void) { return NACTIONS; }
size_t	metrics_upstream_noutcomes(void) { return NOUTCOMES; }
const char *metrics_upstream_action(size_t i) { return i < NACTIONS ? actions[i] : NULL; }
const char *metrics_upstream_outcome(size_t i) { return i < NOUTCOMES ? outcomes[i] : NULL; }

unsigned long long
metrics_upstream_get(size_t a, size_t o)
{
	if (a >= NACTIONS || o >= NOUTCOMES)
		return 0;
	return atomic_load_explicit(&ctr->up[a][o], memory_order_relaxed);
}

int
metrics_help(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s_%s %s\n# TYPE %s_%s %s\n", prefix, name, help, prefix,
	    name, type);
}

/* Values are integers or seconds; %.17g round-trips a double, and prints integers plainly. */
int
metrics_line(struct buf *b, const char *name, const char *labels, double value)
{
	if (labels != NULL && labels[0] != '\0')
		return buf_printf(b, "%s_%s{%s} %.17g\n", prefix, name, labels, value);
	return buf_printf(b, "%s_%s %.17g\n", prefix, name, value);
}

/* method="GET",route="/acme/#" of route i (the last slot: no route matched). */
static void
route_labels(size_t i, char *out, size_t outsz)
{
	if (i < nroutes)
		snprintf(out, outsz, "method=\"%s\",route=\"%s\"", routes[i].method, routes[i].pattern);
	else
		snprintf(out, outsz, "method=\"\",route=\"unmatched\"");
}

static int
render_requests(struct buf *b)
{
	char	 rl[160], l[200];
	int	 rc = 0;

	rc |= metrics_help(b, "http_requests_total", "counter",
	    "Requests answered, by route of the route table and status.");
	for (size_t r = 0; r <= nroutes; r++) {
		route_labels(r, rl, sizeof(rl));
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long long v = atomic_load_explicit(&ctr->req[r][s],
			    memory_order_relaxed);
			if (v == 0)
				continue;
			if (s < NSTATUS - 1)
				snprintf(l, sizeof(l), "%s,status=\"%d\"", rl, statuses[s]);
			else
				snprintf(l, sizeof(l), "%s,status=\"other\"", rl);
			rc |= metrics_line(b, "http_requests_total", l, (double)v);
		}
	}
	return rc;
}

static int
render_latency(struct buf *b)
{
	char	 rl[160], l[200];
	int	 rc = 0;

	rc |= metrics_help(b, "http_request_duration_seconds", "histogram",
	    "Time the worker spent answering the request, by route.");
	for (size_t r = 0; r <= nroutes; r++) {
		unsigned long long cum = 0, v[NBUCKETS];

		for (size_t k = 0; k < NBUCKETS; k++) {
			v[k] = atomic_load_explicit(&ctr->lat[r][k], memory_order_relaxed);
			cum += v[k];
		}
		if (cum == 0)
			continue;
		route_labels(r, rl, sizeof(rl));
		cum = 0;
		for (size_t k = 0; k < NBUCKETS; k++) {
			cum += v[k];
			if (k < NBUCKETS - 1)
				snprintf(l, sizeof(l), "%s,le=\"%g\"", rl, buckets[k]);
			else
				snprintf(l, sizeof(l), "%s,le=\"+Inf\"", rl);
			rc |= metrics_line(b, "http_request_duration_seconds_bucket", l, (double)cum);
		}
		rc |= metrics_line(b, "http_request_duration_seconds_sum", rl,
		    (double)atomic_load_explicit(&ctr->lat_us[r], memory_order_relaxed) / 1e6);
		rc |= metrics_line(b, "http_request_duration_seconds_count", rl, (double)cum);
	}
	return rc;
}

int
metrics_render(struct buf *b)
{
	char	 l[128];
	int	 rc = 0;

	rc |= metrics_help(b, "start_time_seconds", "gauge",
	    "When the daemon's master started (Unix time): the counters count from there.");
	rc |= metrics_line(b, "start_time_seconds", NULL, (double)started);
	rc |= render_requests(b);
	rc |= render_latency(b);
	if (strcmp(prefix, "ca") == 0) {
		rc |= metrics_help(b, "signer_errors_total", "counter",
		    "Signer operations that failed (connect: the socket did not answer).");
		for (size_t s = 0; s < NSIGNER; s++) {
			snprintf(l, sizeof(l), "op=\"%s\"", signer_ops[s]);
			rc |= metrics_line(b, "signer_errors_total", l,
			    (double)atomic_load_explicit(&ctr->signer[s], memory_order_relaxed));
		}
	}
	return rc ? -1 : 0;
}

int
metrics_render_upstream(struct buf *b)
{
	char	 l[128];
	int	 rc = 0;

	rc |= metrics_help(b, "upstream_calls_total", "counter",
	    "CaaS API calls by action and outcome (ok: 2xx; refused: 4xx; error: other status; "
	    "transport: no answer), made by the web workers (source web, since the start) or "
	    "the caasctl jobs (source jobs, since the installation).");
	for (size_t a = 0; a < NACTIONS; a++)
		for (size_t o = 0; o < NOUTCOMES; o++) {
			snprintf(l, sizeof(l), "source=\"web\",action=\"%s\",outcome=\"%s\"",
			    actions[a], outcomes[o]);
			rc |= metrics_line(b, "upstream_calls_total", l,
			    (double)metrics_upstream_get(a, o));
		}
	return rc ? -1 : 0;
}

/* ---- allowlist ---- */

static int
parse_net(const char *s, size_t len, int *family, unsigned char *addr, unsigned int *bits)
{
	char		 t[64], *slash, *end;
	unsigned long	 b;

	if (len == 0 || len >= sizeof(t))
		return -1;
	memcpy(t, s, len);
	t[len] = '\0';
	if ((slash = strchr(t, '/')) != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, t, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, t, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	b = *family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		unsigned long max = b;
		if (*slash < '0' || *slash > '9')
			return -1;
		b = strtoul(slash, &end, 10);
		if (*end != '\0' || b > max)
			return -1;
	}
	*bits = (unsigned int)b;
	return 0;
}

int
metrics_acl_parse(struct metrics_acl *acl, const char *spec, char *err, size_t errsz)
{
	const char	*p = spec, *e;

	memset(acl, 0, sizeof(*acl));
	while (p != NULL && *p != '\0') {
		size_t len;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		e = p + strcspn(p, " \t,");
		len = (size_t)(e - p);
		if (acl->n == METRICS_ACL_MAX) {
			snprintf(err, errsz, "more than %d networks", METRICS_ACL_MAX);
			return -1;
		}
		if (parse_net(p, len, &acl->net[acl->n].family, acl->net[acl->n].addr,
		    &acl->net[acl->n].bits) != 0) {
			snprintf(err, errsz, "\"%.*s\" is not ADDR or ADDR/BITS", (int)(len > 60 ? 60 : len), p);
			return -1;
		}
		acl->n++;
		p = e;
	}
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *net, unsigned int bits)
{
	unsigned int	 whole = bits / 8, rest = bits % 8;
	unsigned char	 mask;

	if (memcmp(a, net, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xffu << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

int
metrics_acl_allows(const struct metrics_acl *acl, const char *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char	 a4[4], a6[16];
	int		 v4 = 0, v6 = 0;

	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, a4) == 1)
		v4 = 1;
	else if (inet_pton(AF_INET6, addr, a6) == 1) {
		v6 = 1;
		if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
			memcpy(a4, a6 + 12, 4);
			v4 = 1;
		}
	}
	for (size_t i = 0; i < acl->n; i++) {
		if (acl->net[i].family == AF_INET && v4 && prefix_match(a4, acl->net[i].addr,
		    acl->net[i].bits))
			return 1;
		if (acl->net[i].family == AF_INET6 && v6 && prefix_match(a6, acl->net[i].addr,
		    acl->net[i].bits))
			return 1;
	}
	return 0;
}

void
metrics_allow_check(const char *spec, const char *path)
{
	struct metrics_acl	 acl;
	char			 err[128];

	if (metrics_acl_parse(&acl, spec, err, sizeof(err)) != 0)
		fatalx("config: %s: metrics_allow: %s", path, err);
}
