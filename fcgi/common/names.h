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

/* Index of s in tab[0..n), or -1 (s NULL or not there). */
int	names_find(const char *const *tab, size_t n, const char *s);
/* Index of a level name, or -1. */
int	level_parse(const char *);

#endif
