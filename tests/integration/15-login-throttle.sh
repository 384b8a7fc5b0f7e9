#!/usr/bin/env bash
# Password guessing is slowed down: after 10 failures for one login within 15
# minutes the form refuses that login, even with the right password, until the
# window has passed; other logins are not affected; a success clears the count.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
try_login() {	# LOGIN PASSWORD: sets HTTP_STATUS
	clear_cookies
	http GET /login
	http POST /login --data-urlencode "login=$1" --data-urlencode "password=$2" \
		--data-urlencode "csrf=$(csrf_token)"
}

acct=$("$CAASCTL" -f "$CENTER_CONF" account-add --name "Throttle Test" --type deposit)
printf 'right-password-1\n' >"$TEST_TMP/pw"
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$acct" --login throttle-user --password-file "$TEST_TMP/pw" >/dev/null

statuses=""
for i in $(seq 1 10); do
	try_login throttle-user "wrong-$i"
	statuses="$statuses$HTTP_STATUS "
done
is "ten wrong passwords each answer 401" "$statuses" "401 401 401 401 401 401 401 401 401 401 "
try_login throttle-user right-password-1
is "the eleventh try is refused even with the right password" "$HTTP_STATUS" 429
like "the refusal says to wait" "$(cat "$HTTP_BODY")" "15 minutes"
is "it suggests when to retry" "$(header Retry-After)" "900"
try_login "$DEMO_MONTHLY_USER" "$DEMO_MONTHLY_PASSWORD"
is "another login is not affected" "$HTTP_STATUS" 303
is "failures are recorded per login" "$(sql "SELECT COUNT(*) FROM login_failures WHERE login = 'throttle-user'")" 10

# Fifteen minutes later (the rows age; the clock is the daemon's own).
sql "UPDATE login_failures SET failed_at = failed_at - INTERVAL 16 MINUTE WHERE login = 'throttle-user'"
try_login throttle-user right-password-1
is "after the window the right password works again" "$HTTP_STATUS" 303
is "a success clears the failures" "$(sql "SELECT COUNT(*) FROM login_failures WHERE login = 'throttle-user'")" 0

try_login nobody-here "guess"
is "unknown logins are counted too (no way to tell them apart)" \
	"$(sql "SELECT COUNT(*) FROM login_failures WHERE login = 'nobody-here'")" 1

done_testing
