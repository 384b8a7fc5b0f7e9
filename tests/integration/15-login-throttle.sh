#!/usr/bin/env bash
# Password guessing is slowed down: after 10 failures for one login within 15
# minutes the form refuses that login, even with the right password, until the
# window has passed; other logins are not affected; a success clears the count.
# Each attempt is charged before its password is checked, so concurrent tries
# cannot get past the limit; an address is limited too (50 failures); a browser
# that logged in before (its device cookie) is counted on its own, so nobody
# else's failures lock its owner out.
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

# Atomic: 9 failures, then 8 concurrent wrong tries: exactly one more reaches
# the password check (the old check-then-insert let several through).
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$acct" --login race-user --password-file "$TEST_TMP/pw" >/dev/null
for i in $(seq 1 9); do try_login race-user "wrong-$i"; done
for i in $(seq 1 8); do
	jar="$TEST_TMP/race-$i"
	curl -sS -c "$jar" -o "$TEST_TMP/race-$i.html" "$CENTER_URL/login"
	tok=$(csrf_token "$TEST_TMP/race-$i.html")
	curl -sS -b "$jar" -o /dev/null -w '%{http_code}\n' --max-time 30 "$CENTER_URL/login" \
		--data-urlencode "login=race-user" --data-urlencode "password=race-$i" \
		--data-urlencode "csrf=$tok" >"$TEST_TMP/race-$i.status" &
done
wait
got=$(cat "$TEST_TMP"/race-*.status | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
is "8 concurrent tries after 9 failures: one 401, seven 429" "$got" "1×401 7×429 "
is "and exactly 10 failures recorded" "$(sql "SELECT COUNT(*) FROM login_failures WHERE login = 'race-user'")" 10

# The owner's known browser: it logged in once, then someone else locks the login.
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$acct" --login owner-user --password-file "$TEST_TMP/pw" >/dev/null
owner="$TEST_TMP/owner-cookies"
attacker=$COOKIES
COOKIES=$owner
check "the owner logs in once from a browser" login owner-user right-password-1
check "which now holds a device cookie for /login" grep -q center_device "$owner"
COOKIES=$attacker
for i in $(seq 1 10); do try_login owner-user "guess-$i"; done
try_login owner-user right-password-1
is "an unknown browser is locked out of that login" "$HTTP_STATUS" 429
COOKIES=$owner
sed -i '/center_session/d' "$owner"	# the session ended; the device cookie stays
http GET /login
http POST /login --data-urlencode "login=owner-user" --data-urlencode "password=right-password-1" \
	--data-urlencode "csrf=$(csrf_token)"
is "the owner's known browser still logs in" "$HTTP_STATUS" 303
statuses=""
for i in $(seq 1 11); do
	sed -i '/center_session/d' "$owner"
	http GET /login
	http POST /login --data-urlencode "login=owner-user" --data-urlencode "password=typo-$i" \
		--data-urlencode "csrf=$(csrf_token)"
	statuses="$statuses$HTTP_STATUS "
done
like "a known device is limited on its own (10 failures, then 429)" "$statuses" "401 401 401 401 401 401 401 401 401 401 429 "
COOKIES=$attacker

# Per address: 50 failures from one address in the window refuse any login
# from it (the rows are dated like the daemon's own, whatever its clock).
when=$(sql "SELECT MAX(failed_at) FROM login_failures")
sql "INSERT INTO login_failures (login, remote_addr, failed_at) SELECT CONCAT('spray-', seq), '127.0.0.1', '$when' FROM seq_1_to_50"
try_login "$DEMO_MONTHLY_USER" "$DEMO_MONTHLY_PASSWORD"
is "50 failures from one address: a login from it is refused" "$HTTP_STATUS" 429
sql "DELETE FROM login_failures WHERE login LIKE 'spray-%'"
try_login "$DEMO_MONTHLY_USER" "$DEMO_MONTHLY_PASSWORD"
is "below the address limit it logs in" "$HTTP_STATUS" 303

# nginx (center-locations.conf, limit_req) turns a burst of login POSTs from
# one address away before the application (here without a CSRF token, so
# the application itself would answer 403 and count nothing).
seq 1 120 | xargs -P 24 -I{} curl -sS -o /dev/null -w '%{http_code}\n' --max-time 20 \
	-d "login=burst-{}&password=x" "$CENTER_URL/login" >"$TEST_TMP/burst"
n429=$(grep -c '^429$' "$TEST_TMP/burst")
n403=$(grep -c '^403$' "$TEST_TMP/burst")
check "a burst of 120 login POSTs: nginx refuses part of it ($n429 × 429, $n403 × 403)" \
	test "$n429" -gt 0 -a "$n403" -gt 0 -a $((n429 + n403)) -eq 120
curl -sS -o "$TEST_TMP/burst.html" -d "login=x&password=x" "$CENTER_URL/login" >/dev/null
sleep 2	# the bucket refills (the dev rate is 20 per second)
clear_cookies
http GET /login
is "GETs of the login page are not limited" "$HTTP_STATUS" 200

done_testing
