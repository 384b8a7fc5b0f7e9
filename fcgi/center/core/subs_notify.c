/*
 * The subscription events as notifications (notify.h): each kind gets
 * exactly the parameters its template lists, taken from the
 * subscription row (SUB_COLS) and the event. Never a secret: the row
 * has no HMAC key and the parameters are a closed set.
 */
#include "config.h"

/*
 * subs_notify returns 1 when queued, 0 when nothing was queued (already
 * queued, no recipient with an address, or parameters refused: logged),
 * -1 on a database error: it runs in the caller's transaction (the
 * event's), which must then be rolled back, so that the event and its
 * mail are recorded together or not at all.
 */

#include "log.h"
#include "jobs/notify.h"
#include "core/subs_int.h"

int
subs_notify(const struct subs_env *e, int kind, const struct db_res *s, const char *dedup,
    const char *end, const char *domain, long long cents, long long count)
{
	json_t	*p = json_pack("{s:s, s:s}", "subscription_name", db_cell(s, 0, 4),
	    "level", db_cell(s, 0, 3));
	int	 rc;

	if (p == NULL)
		return -1;
	switch (kind) {
	case NOTIFY_RENEWAL_DONE:
		json_object_set_new(p, "end_date", json_string(end));
		json_object_set_new(p, "amount_cents", json_integer(cents));
		break;
	case NOTIFY_RENEWAL_FAILED:
		json_object_set_new(p, "end_date", json_string(end));
		json_object_set_new(p, "missing_cents", json_integer(cents));
		break;
	case NOTIFY_EXPIRED:
		json_object_set_new(p, "end_date", json_string(end));
		json_object_set_new(p, "revoked_count", json_integer(count));
		break;
	case NOTIFY_DOMAIN_REFUNDED:
		json_object_set_new(p, "domain", json_string(domain));
		json_object_set_new(p, "refund_cents", json_integer(cents));
		json_object_set_new(p, "revoked_count", json_integer(count));
		break;
	default:
		json_object_set_new(p, "end_date", json_string(end));
		break;
	}
	rc = notify_enqueue(e->db, (enum notify_kind)kind, db_cell_int(s, 0, 1), db_cell_int(s, 0, 0),
	    dedup, p);
	json_decref(p);
	if (rc == NOTIFY_EINVAL) {
		/* Refused parameters are a defect to fix, not a reason to undo the event. */
		log_warnx("subscription %lld: notification %s refused (see above)",
		    db_cell_int(s, 0, 0), dedup);
		return 0;
	}
	if (rc < 0) {
		log_warnx("subscription %lld: notification %s not queued (%d)", db_cell_int(s, 0, 0),
		    dedup, rc);
		return -1;
	}
	return rc > 0;
}
