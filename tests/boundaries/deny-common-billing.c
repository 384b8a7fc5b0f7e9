/* Shared code cannot see billing. */
#include "config.h"
#include "billing.h"
int	probe(void);
