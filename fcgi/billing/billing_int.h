/* Internals of the billing module shared by billing.c and invoices.c. */
#ifndef CAAS_BILLING_INT_H
#define CAAS_BILLING_INT_H

#include "billing.h"

/* A db.h outcome as a billing outcome: 0 → OK, down → EDOWN, lock → EBUSY, else EDB. */
enum billing_rc	billing_from_db(int db_rc);

#endif
