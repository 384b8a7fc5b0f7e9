/*
 * DNS names and the per-key allowlist rule of the bundled CA.
 */
#include "config.h"

#include <string.h>

#include "acme/acme.h"

int
dns_name_ok(const char *s, int allow_wildcard)
{
	size_t	 len = strlen(s), label = 0, labels = 0;

	if (allow_wildcard && strncmp(s, "*.", 2) == 0) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > ACME_NAME_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		label++;
	}
	/* At least two labels, and not an IP address in disguise: the last
	 * label must not be all digits. */
	if (labels < 2)
		return 0;
	{
		const char *last = strrchr(s, '.') + 1;
		if (strspn(last, "0123456789") == strlen(last))
			return 0;
	}
	return 1;
}

/* 1 if name is exactly one label below parent ("www.example.com" under "example.com"). */
static int
one_below(const char *parent, const char *name)
{
	size_t	 pl = strlen(parent), nl = strlen(name);
	const char *dot;

	if (nl <= pl + 1 || strcmp(name + nl - pl, parent) != 0 || name[nl - pl - 1] != '.')
		return 0;
	dot = strchr(name, '.');
	return dot == name + nl - pl - 1;
}

/*
 * The allowlist rule (issue: EAB keys and allowlists):
 *   "example.com"   covers example.com and www.example.com;
 *   "*.example.com" covers *.example.com, example.com and one label
 *                   below it (a.example.com), not two (a.b.example.com).
 */
int
domain_covers(const char *enrolled, const char *ident)
{
	if (strncmp(enrolled, "*.", 2) == 0) {
		const char *base = enrolled + 2;
		if (strcmp(ident, enrolled) == 0 || strcmp(ident, base) == 0)
			return 1;
		return strncmp(ident, "*.", 2) != 0 && one_below(base, ident);
	}
	if (strcmp(ident, enrolled) == 0)
		return 1;
	return strcmp(enrolled + 0, ident) != 0 && strncmp(ident, "www.", 4) == 0 &&
	    strcmp(ident + 4, enrolled) == 0;
}
