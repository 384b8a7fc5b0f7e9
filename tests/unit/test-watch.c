/*
 * Issue 17, the pure parts: the renewal watch's rule (relative to each
 * certificate's lifetime), the webhook signature (against a value computed
 * with Python's hmac module) and the sender's address and URL policy.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "center.h"
#include "tap.h"
#include "jobs/watch.h"
#include "core/webhooks.h"

#define DAY	86400

static int
refused4(const char *s)
{
	struct in_addr	 a;

	return inet_pton(AF_INET, s, &a) == 1 ? webhook_addr_refused(AF_INET, &a) : -1;
}

static int
refused6(const char *s)
{
	struct in6_addr	 a;

	return inet_pton(AF_INET6, s, &a) == 1 ? webhook_addr_refused(AF_INET6, &a) : -1;
}

static void
rule(void)
{
	time_t	 nb = 1800000000, na90 = nb + 90 * DAY, na47 = nb + 47 * DAY;

	is_int(watch_rule(nb, na90, nb, nb + 71 * DAY, 200, 7), WATCH_OK,
	    "90-day certificate, 19 days left (more than a fifth): ok");
	is_int(watch_rule(nb, na90, nb, nb + 72 * DAY + 1, 200, 7), WATCH_OVERDUE,
	    "90-day certificate, just under 18 days left: overdue");
	is_int(watch_rule(nb, na90, nb, nb + 72 * DAY, 200, 7), WATCH_OK,
	    "exactly a fifth left is not overdue yet");
	is_int(watch_rule(nb, na47, nb, nb + 38 * DAY, 200, 7), WATCH_OVERDUE,
	    "47-day certificate, 9 days left (under a fifth): overdue, relative to its lifetime");
	is_int(watch_rule(nb, na47, nb, nb + 37 * DAY, 200, 7), WATCH_OK,
	    "47-day certificate, 10 days left: ok");
	is_int(watch_rule(nb, na90, nb, na90, 200, 7), WATCH_EXPIRED,
	    "at notAfter the name is expired");
	is_int(watch_rule(0, 0, nb, nb + 6 * DAY, 200, 7), WATCH_PENDING,
	    "no certificate 6 days after enrolment: pending");
	is_int(watch_rule(0, 0, nb, nb + 7 * DAY, 200, 7), WATCH_NEVER_ISSUED,
	    "no certificate 7 days after enrolment: never issued");
	is_int(watch_rule(nb, na90, nb, nb + 60 * DAY + 1, 334, 7), WATCH_OVERDUE,
	    "with a third (0.334) the same certificate is overdue under 30 days before its end");
	is_int(watch_rule(nb, na90, nb, nb + 59 * DAY, 334, 7), WATCH_OK,
	    "and ok 31 days before it");
}

static void
signature(void)
{
	char	 out[160];

	ok(webhook_sign("whsec-test", 1700000000, "{\"a\":1}", 7, out, sizeof(out)) == 0,
	    "a signature is made");
	is_str(out, "t=1700000000,v1=fed7a1a6c799a6367d73724d76bc70c16678908a32a879cd1ded6565ac05cece",
	    "it is HMAC-SHA256 over \"<t>.<body>\" (the value Python's hmac gives)");
	ok(webhook_sign("whsec-test", 1700000000, "{\"a\":1}", 7, out, 40) != 0,
	    "a buffer too small is an error, never a cut signature");
}

static void
addresses(void)
{
	is_int(refused4("127.0.0.1"), 1, "loopback 127.0.0.1 refused");
	is_int(refused4("10.1.2.3"), 1, "private 10/8 refused");
	is_int(refused4("172.16.0.1"), 1, "private 172.16/12 refused");
	is_int(refused4("172.32.0.1"), 0, "172.32.0.1 (outside 172.16/12) allowed");
	is_int(refused4("192.168.1.1"), 1, "private 192.168/16 refused");
	is_int(refused4("169.254.169.254"), 1, "link-local (cloud metadata) refused");
	is_int(refused4("100.64.0.1"), 1, "shared 100.64/10 refused");
	is_int(refused4("0.0.0.0"), 1, "unspecified refused");
	is_int(refused4("224.0.0.1"), 1, "multicast refused");
	is_int(refused4("93.184.216.34"), 0, "a public address is allowed");
	is_int(refused6("::1"), 1, "IPv6 loopback refused");
	is_int(refused6("fe80::1"), 1, "IPv6 link-local refused");
	is_int(refused6("fd00::1"), 1, "IPv6 unique local refused");
	is_int(refused6("::ffff:127.0.0.1"), 1, "IPv4-mapped loopback refused");
	is_int(refused6("::ffff:10.0.0.1"), 1, "IPv4-mapped private refused");
	is_int(refused6("2606:2800:220:1:248:1893:25c8:1946"), 0, "a public IPv6 address is allowed");
}

static void
urls(void)
{
	struct center_conf	 c;

	memset(&c, 0, sizeof(c));
	ok(webhook_url_ok(&c, "https://hooks.example.com/caas"), "an https URL is accepted");
	ok(!webhook_url_ok(&c, "http://hooks.example.com/caas"), "plain http is refused by default");
	ok(!webhook_url_ok(&c, "https://user:pw@hooks.example.com/"), "user info is refused");
	ok(!webhook_url_ok(&c, "https:///path"), "a URL without a host is refused");
	ok(!webhook_url_ok(&c, "https://hooks.example.com/a b"), "a space is refused");
	ok(!webhook_url_ok(&c, "ftp://hooks.example.com/"), "another scheme is refused");
	c.webhook_allow_http = 1;
	ok(webhook_url_ok(&c, "http://127.0.0.1:9/hook"), "plain http when the config allows it");
}

int
main(void)
{
	rule();
	signature();
	addresses();
	urls();
	return tap_done();
}
