/*
 * Name tables shared by the customer area and the CA: a value stored
 * as text in the database (or sent on the wire) is an enum in C, and
 * each enum has exactly one table of its names.
 */
#ifndef CAAS_NAMES_H
#define CAAS_NAMES_H

#include <stddef.h>

/* Validation level of a subscription, an ACME account or a product. */
enum level { LEVEL_DV, LEVEL_OV, LEVEL_QWAC, LEVEL__MAX };
extern const char *const level_names[LEVEL__MAX];

/*
 * The status of an EAB key, which is the reseller API's account
 * (eab_keys.status, LISTACCOUNTS accountStatus).
 */
enum eab_status { EAB_PENDING, EAB_VALID, EAB_SUSPENDED, EAB_DEACTIVATED, EAB__MAX };
extern const char *const eab_status_names[EAB__MAX];

/* certificates.status of the CA. */
enum cert_status { CERT_VALID, CERT_REVOKED, CERT__MAX };
extern const char *const cert_status_names[CERT__MAX];

/* orders.status of the CA (RFC 8555 §7.1.6). */
enum order_status { ORDER_PENDING, ORDER_READY, ORDER_PROCESSING, ORDER_VALID, ORDER_INVALID,
	ORDER__MAX };
extern const char *const order_status_names[ORDER__MAX];

/* challenges.status of the CA (processing: queued for the validator). */
enum chall_status { CHALL_PENDING, CHALL_PROCESSING, CHALL_VALID, CHALL_INVALID, CHALL__MAX };
extern const char *const chall_status_names[CHALL__MAX];

/* Index of s in tab[0..n), or -1 (s NULL or not there). */
int	names_find(const char *const *tab, size_t n, const char *s);
/* Index of a level name, or -1. */
int	level_parse(const char *);

#endif
