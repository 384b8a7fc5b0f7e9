/*
 * dns-01 (RFC 8555 §8.4): look up TXT _acme-challenge.<identifier>
 * (a wildcard's identifier without its "*.") and accept when one TXT
 * record holds base64url(SHA-256(key authorization)).
 *
 * Queries go through libresolv with a state of our own (res_ninit), so
 * that dns_server, when configured, replaces the system's name servers
 * for this lookup only and the validation timeout bounds it. The
 * resolver follows CNAMEs; every TXT record of the answer counts, and
 * the character-strings of one record are joined as one value, as a
 * TXT record split in 255-byte strings is one value to its owner.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "crypto.h"
#include "validator/validator.h"

#define DNS01_PREFIX	"_acme-challenge."
#define DNS01_ANSWER_MAX 65535		/* a DNS message, TCP included */
#define DNS01_TXT_MAX	1024		/* one joined TXT value we look at */
#define DNS01_SNIPPET	48		/* bytes of a wrong value quoted */

int
dns01_server_parse(const char *s, struct sockaddr_in *sin, char *err, size_t errsz)
{
	char		 host[INET_ADDRSTRLEN];
	const char	*colon;
	char		*end;
	long		 port = NS_DEFAULTPORT;
	size_t		 hlen;

	memset(sin, 0, sizeof(*sin));
	colon = strchr(s, ':');
	hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
			goto bad;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		goto bad;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	return 0;
bad:
	snprintf(err, errsz, "dns_server: expected IPV4ADDR[:PORT], got \"%.64s\"", s);
	return -1;
}

/* The value a TXT record must hold: base64url(SHA-256(token "." thumbprint)). */
static void
digest_b64(const struct vtask *t, char out[TOKEN_B64_LEN + 1])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 keyauth[V_TOKEN_MAX + V_THUMB_MAX + 2];
	int		 n;

	n = snprintf(keyauth, sizeof(keyauth), "%s.%s", t->token, t->thumbprint);
	SHA256((const unsigned char *)keyauth, (size_t)n, md);
	b64url_encode(md, sizeof(md), out);
}

/*
 * A resolver state of our own: dns_server (if any) as the only name
 * server, one try, the attempt's budget shared by the servers.
 * Returns 0, or -1 with res set.
 */
static int
dns01_init(const struct vctx *vc, res_state rs, struct vresult *res)
{
	struct sockaddr_in	 sin;
	char			 err[128];
	int			 per;

	memset(rs, 0, sizeof(*rs));
	if (res_ninit(rs) == -1) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "res_ninit failed");
		return -1;
	}
	if (vc->conf->dns_server != NULL && vc->conf->dns_server[0] != '\0') {
		if (dns01_server_parse(vc->conf->dns_server, &sin, err, sizeof(err)) == -1) {
			vresult_fail(res, VP_SERVER_INTERNAL, 0, "%s", err);
			return -1;
		}
		rs->nsaddr_list[0] = sin;
		rs->nscount = 1;
	}
	per = (int)vc->conf->validation_timeout / (rs->nscount > 0 ? rs->nscount : 1);
	rs->retrans = per > 0 ? per : 1;
	rs->retry = 1;
	rs->options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	rs->options |= RES_USE_EDNS0;
	return 0;
}

/* Why a query got no answer, as a problem (§8.4: dns; a timeout may pass). */
static void
query_failed(res_state rs, const char *name, struct vresult *res)
{
	switch (rs->res_h_errno) {
	case HOST_NOT_FOUND:
		vresult_fail(res, VP_DNS, 0, "no TXT record at %s (NXDOMAIN)", name);
		break;
	case NO_DATA:
		vresult_fail(res, VP_DNS, 0, "no TXT record at %s", name);
		break;
	case TRY_AGAIN:
		vresult_fail(res, VP_DNS, 1, "looking up TXT %s: no answer (timeout or SERVFAIL)", name);
		break;
	default:
		vresult_fail(res, VP_DNS, 0, "looking up TXT %s: the query was refused or failed", name);
		break;
	}
}

/*
 * Join the character-strings of one TXT RDATA into out (NUL-ended).
 * Returns its length, or -1 when the RDATA is malformed or the value
 * longer than DNS01_TXT_MAX (such a value cannot be ours anyway).
 */
static long
txt_join(const unsigned char *p, size_t len, char out[DNS01_TXT_MAX + 1])
{
	size_t	 n = 0, i = 0;

	while (i < len) {
		size_t	 l = p[i++];

		if (l > len - i || n + l > DNS01_TXT_MAX)
			return -1;
		memcpy(out + n, p + i, l);
		n += l;
		i += l;
	}
	out[n] = '\0';
	return (long)n;
}

/*
 * Look through the answer section for a TXT record equal to want.
 * Returns 1 on a match, 0 if none (seen counts TXT records, first
 * holds the start of the first one), -1 if the message is malformed.
 */
static int
match_txt(const unsigned char *ans, int len, const char *want, int *seen,
    char first[DNS01_SNIPPET + 1])
{
	ns_msg	 msg;
	ns_rr	 rr;
	char	 v[DNS01_TXT_MAX + 1];
	long	 n;

	*seen = 0;
	first[0] = '\0';
	if (ns_initparse(ans, len, &msg) == -1)
		return -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return -1;
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
			continue;
		(*seen)++;
		if ((n = txt_join(ns_rr_rdata(rr), ns_rr_rdlen(rr), v)) < 0)
			continue;
		if ((size_t)n == strlen(want) && memcmp(v, want, (size_t)n) == 0)
			return 1;
		if (*seen == 1) {
			size_t	 k = (size_t)n < DNS01_SNIPPET ? (size_t)n : DNS01_SNIPPET;

			for (size_t j = 0; j < k; j++)
				first[j] = (v[j] >= 0x20 && v[j] < 0x7f && v[j] != '"') ? v[j] : '?';
			first[k] = '\0';
		}
	}
	return 0;
}

/*
 * Validate one dns-01 challenge (RFC 8555 §8.4): res->ok, or a dns
 * problem (no such name, no TXT record, no answer in time: retried),
 * or incorrectResponse when TXT records exist but none matches.
 */
void
dns01_validate(const struct vctx *vc, const struct vtask *t, struct vresult *res)
{
	struct __res_state	 rs;
	unsigned char		*ans = NULL;
	const char		*ident = t->identifier;
	char			 name[sizeof(DNS01_PREFIX) + V_NAME_MAX];
	char			 want[TOKEN_B64_LEN + 1], first[DNS01_SNIPPET + 1];
	int			 len, seen, m, inited = 0;

	if (strncmp(ident, "*.", 2) == 0)
		ident += 2;
	if (!vnet_name_ok(ident) || t->token[0] == '\0' || t->thumbprint[0] == '\0') {
		vresult_fail(res, VP_SERVER_INTERNAL, 0, "malformed identifier, token or account key");
		goto out;
	}
	if ((size_t)snprintf(name, sizeof(name), "%s%s", DNS01_PREFIX, ident) >= sizeof(name) ||
	    strlen(name) > V_NAME_MAX) {
		vresult_fail(res, VP_DNS, 0, "%s%s is longer than a DNS name may be", DNS01_PREFIX, ident);
		goto out;
	}
	digest_b64(t, want);
	if (dns01_init(vc, &rs, res) == -1)
		goto out;
	inited = 1;
	if ((ans = malloc(DNS01_ANSWER_MAX)) == NULL) {
		vresult_fail(res, VP_SERVER_INTERNAL, 1, "out of memory");
		goto out;
	}
	if ((len = res_nquery(&rs, name, ns_c_in, ns_t_txt, ans, DNS01_ANSWER_MAX)) < 0) {
		query_failed(&rs, name, res);
		goto out;
	}
	if (len > DNS01_ANSWER_MAX)
		len = DNS01_ANSWER_MAX;	/* truncated: ns_initparse refuses what is cut */
	if ((m = match_txt(ans, len, want, &seen, first)) == 1)
		res->ok = 1;
	else if (m == -1)
		vresult_fail(res, VP_DNS, 1, "the answer for TXT %s is malformed", name);
	else if (seen == 0)
		vresult_fail(res, VP_DNS, 0, "no TXT record at %s", name);
	else
		vresult_fail(res, VP_INCORRECT_RESPONSE, 0,
		    "none of the %d TXT records at %s matches the challenge (got \"%s\")",
		    seen, name, first);
out:
	if (inited)
		res_nclose(&rs);
	free(ans);
}
