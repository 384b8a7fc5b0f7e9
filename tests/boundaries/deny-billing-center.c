/* billing cannot see the customer area. */
#include "config.h"
#include "center.h"
int	probe(void);
