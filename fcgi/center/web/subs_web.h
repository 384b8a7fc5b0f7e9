/*
 * What the subscription pages (subs_pages.c) and the JSON API
 * (subs_api.c) share: one model per resource, so a page and its API
 * twin always show the same fields.
 */
#ifndef CENTER_SUBS_WEB_H
#define CENTER_SUBS_WEB_H

#include "center.h"
#include "core/subs.h"

#define WEB_PAGE_SIZE	50	/* rows per table page */
#define WEB_PAGE_MAX	100000

/* The core's view of the caller. */
struct subs_env	subs_env_of(struct ctx *);
/* Query parameter name as a page number: 1 when absent, -1 when malformed or out of range. */
long	web_page_arg(struct ctx *, const char *name);
/* Answer err through the common error path. */
void	subs_fail(struct ctx *, const struct subs_error *);
/* An HTTP status for a database outcome. */
int	web_dbstatus(int rc);
/*
 * A model function answered the request itself (400 naming the query
 * parameter it refused): its caller frees its model and returns 0.
 */
#define WEB_ANSWERED	(-1)
#define web_handled(rc)	((rc) == WEB_ANSWERED ? 0 : (rc))
/* The query holds only these parameters, once each: 0, or -1 after answering 400 naming one. */
int	web_query_only(struct ctx *, const char *const *allowed);
/* 0 when page (from web_page_arg) is valid, else answers 400 naming name: WEB_ANSWERED. */
int	web_page_ok(struct ctx *, long page, const char *name);

/*
 * <subscriptions> page of the account, filtered and sorted by ?status=
 * ?type= ?q= ?sort= ?order=, with <filter/> and total/page/pages. 0 or a
 * status; 0 too after answering 400 itself for a bad page or filter.
 */
int	model_subs_list(struct ctx *, xmlNodePtr root, long page);
/* The subscription's fields at root, its domains and certificates tables. 0 or a status. */
int	model_sub_detail(struct ctx *, xmlNodePtr root, long long id, long dpage, long cpage);
/* <certificates> of the account matching q (domain substring or reference). */
int	model_certs(struct ctx *, xmlNodePtr root, const char *q, long page);
/* One domain typed for subscription id (404 if not the caller's), checked as on creation. */
int	subs_one_domain(struct ctx *, long long id, const char *text, struct domain_entry *,
	    struct subs_error *);
/* <lines>, total_cents, vat_cents, gross_cents. */
void	model_quote(xmlNodePtr root, const struct quote *);

#endif
