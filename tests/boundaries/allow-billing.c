/* billing sees common and itself. */
#include "config.h"
#include "billing.h"
#include "db.h"
int	probe(void);
int	probe(void) { return 0; }
