/* The customer area cannot see the CA's reseller API twin: it talks to it over HTTPS. */
#include "config.h"
#include "reseller/reseller.h"
int	probe(void);
