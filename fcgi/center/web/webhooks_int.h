/* What the webhooks API and page share (webhooks_api.c, webhooks_pages.c). */
#ifndef CENTER_WEBHOOKS_INT_H
#define CENTER_WEBHOOKS_INT_H

#include "core/webhooks.h"

/* The event of that name (webhook.test excluded), or -1. */
int	wh_event_index(const char *);
/* Add the event named name to *set; -1 if it is not one. */
int	wh_events_add(unsigned int *set, const char *name);

/*
 * Create an endpoint of the caller's account. 0 with *id and secret;
 * else an HTTP status, with *field and *msgkey when it is the caller's
 * mistake (400 url or events, 409 too many endpoints).
 */
int	wh_create(struct ctx *, const char *url, unsigned int events, long long *id,
	    char secret[WH_SECRET_LEN + 1], const char **field, const char **msgkey);
/* 0, 404 (not the caller's, or gone), or 500/503. */
int	wh_delete(struct ctx *, long long id);
int	wh_rotate(struct ctx *, long long id, char secret[WH_SECRET_LEN + 1]);
/* Queue a webhook.test for endpoint id: 0 with delivery_id, 404, 500/503. */
int	wh_test(struct ctx *, long long id, char delivery_id[33]);

#endif
