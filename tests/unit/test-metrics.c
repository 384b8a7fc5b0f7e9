/*
 * metrics.c: counters shared by forked workers add up exactly (the prefork
 * daemons' case), the exposition lines, and the /metrics allowlist.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "tap.h"

static const struct metrics_route routes[] = { { "GET", "/a" }, { "POST", "/b/#" } };

#define CHILDREN	4
#define PER_CHILD	25000

/* Every child adds PER_CHILD requests and upstream calls at the same time. */
static int
children_add(void)
{
	pid_t	 pids[CHILDREN];
	int	 st, fails = 0;

	for (int i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) == 0) {
			for (int k = 0; k < PER_CHILD; k++) {
				metrics_request(0, 200, 0.001);
				metrics_upstream("ADDDOMAIN", "ok");
			}
			_exit(0);
		}
		if (pids[i] == -1)
			return -1;
	}
	for (int i = 0; i < CHILDREN; i++)
		if (waitpid(pids[i], &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fails++;
	return fails == 0 ? 0 : -1;
}

static int
has_line(const struct buf *b, const char *line)
{
	char	 want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return b->p != NULL && strstr(b->p, want) != NULL;
}

int
main(void)
{
	struct metrics_acl	 acl;
	struct buf		 b;
	char			 err[128], line[256];
	size_t			 a, o;

	ok(metrics_init("center", routes, 2) == 0, "the shared counters are mapped");
	ok(children_add() == 0, "4 forked processes count at once");
	for (a = 0; strcmp(metrics_upstream_action(a), "ADDDOMAIN") != 0; a++)
		continue;
	for (o = 0; strcmp(metrics_upstream_outcome(o), "ok") != 0; o++)
		continue;
	is_int((long long)metrics_upstream_get(a, o), CHILDREN * PER_CHILD,
	    "the parent sees every child's upstream calls, none lost");
	metrics_request(1, 404, 0.3);
	metrics_request(9, 999, 20);		/* no route, an odd status: still counted */
	metrics_upstream("!AutoRevokeSSL", "transport");
	metrics_upstream("NEWACTION", "weird");
	buf_init(&b, 1024 * 1024);
	ok(metrics_render(&b) == 0 && metrics_render_upstream(&b) == 0, "render succeeds");
	snprintf(line, sizeof(line), "center_http_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} %d",
	    CHILDREN * PER_CHILD);
	ok(has_line(&b, line), "requests of every child under their route and status");
	ok(has_line(&b, "center_http_requests_total{method=\"\",route=\"unmatched\",status=\"other\"} 1"),
	    "an unknown route and status go to unmatched / other");
	ok(has_line(&b, "center_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b/#\",le=\"0.25\"} 0"),
	    "0.3 s is above the 0.25 bucket");
	ok(has_line(&b, "center_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b/#\",le=\"0.5\"} 1"),
	    "and inside the 0.5 one (buckets are cumulative)");
	ok(has_line(&b, "center_http_request_duration_seconds_bucket{method=\"\",route=\"unmatched\",le=\"+Inf\"} 1"),
	    "20 s lands in +Inf only");
	ok(has_line(&b, "center_http_request_duration_seconds_count{method=\"POST\",route=\"/b/#\"} 1"),
	    "the count of a route");
	ok(has_line(&b, "center_upstream_calls_total{source=\"web\",action=\"AutoRevokeSSL\",outcome=\"transport\"} 1"),
	    "!AutoRevokeSSL is labelled without its bang");
	ok(has_line(&b, "center_upstream_calls_total{source=\"web\",action=\"other\",outcome=\"error\"} 1"),
	    "an unknown action and outcome are other / error");
	ok(strstr(b.p, "# TYPE center_http_request_duration_seconds histogram\n") != NULL, "histogram TYPE line");
	buf_free(&b);

	ok(metrics_acl_parse(&acl, "127.0.0.0/8, ::1/128,10.1.2.0/23", err, sizeof(err)) == 0,
	    "an allowlist parses");
	ok(metrics_acl_allows(&acl, "127.0.0.1") && metrics_acl_allows(&acl, "127.255.0.9"),
	    "inside 127.0.0.0/8");
	ok(metrics_acl_allows(&acl, "10.1.3.200") && !metrics_acl_allows(&acl, "10.1.4.1"),
	    "a /23 covers two /24s and no more");
	ok(metrics_acl_allows(&acl, "::1") && !metrics_acl_allows(&acl, "::2"), "IPv6 /128");
	ok(metrics_acl_allows(&acl, "::ffff:127.0.0.1"), "IPv4-mapped IPv6 counts as IPv4");
	ok(!metrics_acl_allows(&acl, "192.0.2.1") && !metrics_acl_allows(&acl, NULL) &&
	    !metrics_acl_allows(&acl, "garbage"), "others, none and garbage are refused");
	ok(metrics_acl_parse(&acl, "", err, sizeof(err)) == 0 && !metrics_acl_allows(&acl, "127.0.0.1"),
	    "an empty list allows nobody");
	ok(metrics_acl_parse(&acl, "10.0.0.0/33", err, sizeof(err)) == -1, "a /33 is refused");
	ok(metrics_acl_parse(&acl, "localhost", err, sizeof(err)) == -1, "a name is refused");
	ok(metrics_acl_parse(&acl, "10.0.0.0/", err, sizeof(err)) == -1, "an empty prefix length is refused");
	return tap_done();
}
