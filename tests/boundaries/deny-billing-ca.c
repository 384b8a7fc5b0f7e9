/* billing cannot see the CA. */
#include "config.h"
#include "ca.h"
int	probe(void);
