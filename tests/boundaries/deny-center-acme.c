/* The customer area cannot see the CA's ACME server. */
#include "config.h"
#include "acme/acme.h"
int	probe(void);
