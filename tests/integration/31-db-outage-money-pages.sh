#!/usr/bin/env bash
# MariaDB restarts: the invoice list, the invoice API, the accounting export and
# the filtered subscription list, whose statements have their own tables, come
# back on every worker once its own connection is back (they share the worker's
# connection and reconnect with it), never a 503 left over from a connection of
# their own that the restart killed.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
R="t31-$$-$RANDOM"
printf '%s\n' "pw-$R-secret" >"$TEST_TMP/pw"
ctl user-add --account "$DEMO_MONTHLY_ACCOUNT_ID" --login "$R-acc" --password-file "$TEST_TMP/pw" --role accounting --lang en >/dev/null
check "an accounting user logs in" login "$R-acc" "pw-$R-secret"
API="Authorization: Bearer $DEMO_MONTHLY_API_KEY"
# every_worker PATH [curl args]: PATH answers 200 more times than there are workers.
every_worker() {
	local all=200 path=$1
	shift
	for _ in $(seq 1 12); do
		http GET "$path" "$@"
		[[ "$HTTP_STATUS" == 200 ]] || all=$HTTP_STATUS
	done
	printf '%s\n' "$all"
}
is "before: the pages answer" "$(every_worker /invoices) $(every_worker '/accounting/export?from=2026-01-01&to=2026-01-31&format=fec')" "200 200"
is "before: the invoice API and the list answer" \
	"$(every_worker /api/v1/invoices -H "$API") $(every_worker '/api/v1/subscriptions?sort=name' -H "$API")" "200 200"

check "database stops" $DEV_DB_STOP
# Every worker notices the outage on its own connection (as in 30-db-outage.sh):
# what is tested next is that the invoice, export and list statements follow it.
down=0
for _ in $(seq 1 12); do
	http GET /healthz
	[[ "$HTTP_STATUS" == 503 ]] && down=$((down + 1))
done
is "while it is down every request is a 503" "$down" 12
check "database starts again" $DEV_DB_START
recovered=no
for _ in $(seq 1 30); do
	http GET /healthz
	if [[ "$HTTP_STATUS" == 200 ]]; then recovered=yes; break; fi
	sleep 0.5
done
is "healthz recovers" "$recovered" yes
is "the invoice list answers 200 on every worker" "$(every_worker /invoices)" 200
is "the export answers 200 on every worker" "$(every_worker '/accounting/export?from=2026-01-01&to=2026-01-31&format=csv')" 200
is "the invoice API answers 200 on every worker" "$(every_worker /api/v1/invoices -H "$API")" 200
is "the sorted subscription list answers 200 on every worker" "$(every_worker '/api/v1/subscriptions?sort=name' -H "$API")" 200

done_testing
