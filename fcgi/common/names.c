#include "config.h"

#include <string.h>

#include "names.h"

const char *const level_names[LEVEL__MAX] = { "DV", "OV", "QWAC" };
const char *const eab_status_names[EAB__MAX] = { "pending", "valid", "suspended", "deactivated" };
const char *const cert_status_names[CERT__MAX] = { "valid", "revoked" };
const char *const order_status_names[ORDER__MAX] = { "pending", "ready", "processing", "valid",
	"invalid" };
const char *const chall_status_names[CHALL__MAX] = { "pending", "processing", "valid", "invalid" };

int
names_find(const char *const *tab, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (tab[i] != NULL && strcmp(tab[i], s) == 0)
			return (int)i;
	return -1;
}

int
level_parse(const char *s)
{
	return names_find(level_names, LEVEL__MAX, s);
}
