#!/usr/bin/env bash
# MariaDB stops: pages answer 503 with a message, /healthz 503; it comes back: the
# same workers recover by themselves, sessions intact.
. "$ROOT/tests/lib.sh"

check "deposit user logs in" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"
http GET /acme
is "list page 200 before the outage" "$HTTP_STATUS" 200

check "database stops" $DEV_DB_STOP
http GET /healthz
is "healthz answers 503 while the database is down" "$HTTP_STATUS" 503
http GET /acme
is "a page answers 503 while the database is down" "$HTTP_STATUS" 503
like "the 503 page says what happened" "$(cat "$HTTP_BODY")" "error-page"
like "503 suggests when to retry" "$(header Retry-After)" "10"
http GET /api/v1/account -H "Authorization: Bearer $DEMO_DEPOSIT_API_KEY"
is "the API answers 503 too" "$HTTP_STATUS" 503
check "API 503 is a JSON error with a message" jq -e '.error.message | type == "string" and length > 0' "$HTTP_BODY"
msg=$(jq -r .error.message "$HTTP_BODY")
known=no
for cat in "$ROOT"/views/i18n/*.xml; do
	[[ "$msg" == "$(xmllint --xpath 'string(//m[@k="err.503"])' "$cat")" ]] && known=yes
done
is "API 503's message is the catalogue's err.503 (database unreachable, nothing changed): '$msg'" "$known" yes
http GET /login
is "the login page still renders without the database" "$HTTP_STATUS" 200

check "database starts again" $DEV_DB_START
recovered=no
for _ in $(seq 1 30); do
	http GET /healthz
	if [[ "$HTTP_STATUS" == 200 ]]; then recovered=yes; break; fi
	sleep 0.5
done
is "healthz recovers by itself" "$recovered" yes
# Every worker must have reconnected: hit more times than there are workers.
all=200
for _ in $(seq 1 12); do
	http GET /acme
	[[ "$HTTP_STATUS" == 200 ]] || all=$HTTP_STATUS
done
is "every worker serves pages again with the same session" "$all" 200

done_testing
