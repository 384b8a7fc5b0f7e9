/* The CA cannot see the customer area. */
#include "config.h"
#include "core/subs.h"
int	probe(void);
