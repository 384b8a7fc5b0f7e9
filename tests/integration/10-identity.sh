#!/usr/bin/env bash
# Identity through real nginx + daemon + MariaDB: login, sessions, CSRF, API keys,
# security headers, language choice.
. "$ROOT/tests/lib.sh"

http GET /healthz
is "healthz answers 200 while the database answers" "$HTTP_STATUS" 200

http GET /acme
is "a page without a session redirects" "$HTTP_STATUS" 303
like "redirect goes to the login page with the way back" "$(header Location)" "/login?next=/acme"

http GET /login
is "login page answers 200" "$HTTP_STATUS" 200
like "CSP forbids framing and foreign sources" "$(header Content-Security-Policy)" "frame-ancestors 'none'"
is "nosniff header" "$(header X-Content-Type-Options)" "nosniff"
is "pages are not cached" "$(header Cache-Control)" "no-store"
csrf=$(csrf_token)
check "login form carries a CSRF token" test -n "$csrf"

http POST /login --data-urlencode "login=$DEMO_DEPOSIT_USER" --data-urlencode "password=$DEMO_DEPOSIT_PASSWORD"
is "login without the CSRF token is refused" "$HTTP_STATUS" 403

http GET /login
http POST /login --data-urlencode "login=$DEMO_DEPOSIT_USER" --data-urlencode "password=wrong-password" \
	--data-urlencode "csrf=$(csrf_token)"
is "wrong password answers 401" "$HTTP_STATUS" 401
like "wrong password says so" "$(cat "$HTTP_BODY")" "role=\"alert\""
check "no session cookie after a wrong password" bash -c "! grep -q center_session '$COOKIES'"

http GET /login
http POST /login --data-urlencode "login=nobody-at-all" --data-urlencode "password=whatever1" \
	--data-urlencode "csrf=$(csrf_token)"
is "unknown login answers like a wrong password" "$HTTP_STATUS" 401

check "demo deposit user logs in" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"
is "login redirects to the ACME list" "$(header Location)" "${CENTER_BASE_PATH:-}/acme"
setcookie=$(grep -i '^set-cookie: center_session=' "$HTTP_HEADERS" | head -1)
like "session cookie is HttpOnly" "$setcookie" "HttpOnly"
like "session cookie is SameSite" "$setcookie" "SameSite=Lax"
token=$(awk '$6 == "center_session" { print $7 }' "$COOKIES")
is "session token is 256 bits of base64url" "${#token}" 43
stored=$(mariadb --no-defaults -S "$MYSQL_SOCKET" -N -e "SELECT COUNT(*) FROM center.sessions WHERE token_hash = SHA2('$token', 256)")
is "the session is stored as a hash of the token" "$stored" 1
plain=$(mariadb --no-defaults -S "$MYSQL_SOCKET" -N -e "SELECT COUNT(*) FROM center.sessions WHERE token_hash = '$token'")
is "the token itself is not stored" "$plain" 0

http GET /acme
is "list page answers 200 when logged in" "$HTTP_STATUS" 200
like "list page names the account" "$(cat "$HTTP_BODY")" "Demo Deposit SARL"
page_csrf=$(csrf_token)

http POST /settings/language --data-urlencode "lang=fr" --data-urlencode "back=/acme"
is "language change without the CSRF token is refused" "$HTTP_STATUS" 403
http POST /settings/language --data-urlencode "lang=fr" --data-urlencode "back=/acme" \
	--data-urlencode "csrf=$page_csrf"
is "language change redirects back" "$HTTP_STATUS" 303
http GET /acme
like "the user's setting selects French" "$(cat "$HTTP_BODY")" '<html lang="fr"'
is "Content-Language follows the setting" "$(header Content-Language)" "fr"
http GET /acme -H "Accept-Language: en"
like "the user's setting wins over Accept-Language" "$(cat "$HTTP_BODY")" '<html lang="fr"'
http POST /settings/language --data-urlencode "lang=en" --data-urlencode "csrf=$page_csrf"
http POST /settings/language --data-urlencode "lang=de" --data-urlencode "csrf=$page_csrf"
is "an unshipped language is refused" "$HTTP_STATUS" 400

# Redirect targets are paths on this site only (issue 13 item 13).
for back in "//evil.test/x" "/\\evil.test" $'/\t/evil.test' $'/x\r\nSet-Cookie: a=b' "https://evil.test/" "/é"; do
	http POST /settings/language --data-urlencode "lang=en" --data-urlencode "back=$back" \
		--data-urlencode "csrf=$page_csrf"
	is "back=$(printf '%q' "$back") is not followed (back to /acme)" "$HTTP_STATUS $(header Location)" "303 $CENTER_BASE_PATH/acme"
done
http POST /settings/language --data-urlencode "lang=en" --data-urlencode "back=/invoices?page=2" \
	--data-urlencode "csrf=$page_csrf"
is "a local path with a query is followed" "$(header Location)" "$CENTER_BASE_PATH/invoices?page=2"
# Form fields that are not UTF-8 are refused at the edge (issue 13 item 14),
# not a 500 from the database: here a subscription's new name.
http POST /settings/language --data "lang=en&back=/acme&csrf=$page_csrf&x%FF=1"
is "a form field name that is not UTF-8: 400" "$HTTP_STATUS" 400
# (On an account of this test's own: later tests expect the demo accounts'
# lists and balances as ./dev left them.)
IA=$("$CAASCTL" -f "$CENTER_CONF" account-add --name "Identity Checks" --type deposit --balance-cents 500000)
IKEY=$("$CAASCTL" -f "$CENTER_CONF" apikey-add --account "$IA" | tail -n1 | awk '{ print $NF }')
printf 'identity-password-1\n' >"$TEST_TMP/ipw"
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$IA" --login identity-user --password-file "$TEST_TMP/ipw" >/dev/null
sub=$(curl -sS -H "Authorization: Bearer $IKEY" -H 'Content-Type: application/json' \
	"$CENTER_URL/api/v1/subscriptions" \
	-d '{"type":"DV","name":"Identity UTF-8","domains":["www.utf8-identity.test"],"idempotency_key":"identity-utf8-1"}' |
	jq -r .id)
saved_cookies=$COOKIES
COOKIES="$TEST_TMP/identity-cookies"
: >"$COOKIES"
login identity-user identity-password-1
http GET "/acme/$sub"
page_csrf=$(csrf_token)
http POST "/acme/$sub/settings" --data "name=Caf%C3%A9%20ok&csrf=$page_csrf"
is "a UTF-8 name is taken" "$HTTP_STATUS" 303
http POST "/acme/$sub/settings" --data "name=Caf%E9&csrf=$page_csrf"
is "a Latin-1 name (invalid UTF-8) is a 400, not a 500" "$HTTP_STATUS" 400
http POST "/acme/$sub/settings" --data "name=%C0%AFoverlong&csrf=$page_csrf"
is "an overlong UTF-8 sequence is a 400" "$HTTP_STATUS" 400

COOKIES=$saved_cookies
sql_c() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }

# Idempotency keys are exact (issue 13 item 12): "Idem-A" and "idem-a" are two
# keys (the old case-insensitive unique index made them one), on an account of
# this test's own.
idem() {	# KEY DOMAIN: the id the creation answers (or its error)
	curl -sS -H "Authorization: Bearer $IKEY" -H 'Content-Type: application/json' \
		"$CENTER_URL/api/v1/subscriptions" \
		-d "{\"type\":\"DV\",\"name\":\"Idem\",\"domains\":[\"$2\"],\"idempotency_key\":\"$1\"}" |
		jq -r '.id // .error.message'
}
first=$(idem "Idem-Case-A" www.idem-case-1.test)
again=$(idem "Idem-Case-A" www.idem-case-1.test)
other=$(idem "idem-case-a" www.idem-case-2.test)
upper=$(idem "IDEM-CASE-A" www.idem-case-3.test)
check "a first creation ($first)" test "$first" -gt 0
is "the same key replays the same subscription" "$again" "$first"
check "a key differing in case is another key: another subscription ($other)" \
	test "$other" -gt 0 -a "$other" != "$first"
check "and in upper case a third ($upper)" \
	test "$upper" -gt 0 -a "$upper" != "$first" -a "$upper" != "$other"
is "three subscriptions, three exact keys" \
	"$(sql_c "SELECT COUNT(DISTINCT idempotency_key) FROM subscriptions WHERE account_id = $IA AND name = 'Idem'")" 3

clear_cookies
http GET /login -H "Accept-Language: fr-FR,fr;q=0.9,en;q=0.5"
like "Accept-Language picks French for anonymous visitors" "$(cat "$HTTP_BODY")" '<html lang="fr"'
http GET /login -H "Accept-Language: de"
like "an unshipped Accept-Language falls back to English" "$(cat "$HTTP_BODY")" '<html lang="en"'

check "logs in again" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"
token=$(awk '$6 == "center_session" { print $7 }' "$COOKIES")
http GET /acme
page_csrf=$(csrf_token)
http POST /logout
is "logout without the CSRF token is refused" "$HTTP_STATUS" 403
http POST /logout --data-urlencode "csrf=$page_csrf"
is "logout redirects" "$HTTP_STATUS" 303
is "logout goes to the login page" "$(header Location)" "${CENTER_BASE_PATH:-}/login"
http GET /acme
is "after logout the list needs a login again" "$HTTP_STATUS" 303
http GET /acme -H "Cookie: center_session=$token"
is "the old token no longer works after logout" "$HTTP_STATUS" 303

# API keys
http GET /api/v1/account -H "Authorization: Bearer $DEMO_DEPOSIT_API_KEY"
is "API account answers 200 with a key" "$HTTP_STATUS" 200
body=$(cat "$HTTP_BODY")
is "API account type" "$(jq -r .type <<<"$body")" "deposit"
is "API account balance in cents" "$(jq -r .balance_cents <<<"$body")" "100000"
is "API account currency" "$(jq -r .currency <<<"$body")" "EUR"
http GET /api/v1/account -H "Authorization: Bearer $DEMO_MONTHLY_API_KEY"
is "monthly key sees its own account" "$(jq -r .type "$HTTP_BODY")" "monthly"
http GET /api/v1/account
is "API without a key answers 401" "$HTTP_STATUS" 401
is "401 names the Authorization field" "$(jq -r .error.field "$HTTP_BODY")" "Authorization"
check "401 carries a message" jq -e '.error.message | type == "string" and length > 0' "$HTTP_BODY"
like "401's message says how to send the key" "$(jq -r .error.message "$HTTP_BODY")" "Authorization: Bearer"
like "401 asks for a bearer token" "$(header WWW-Authenticate)" "Bearer"
http GET /api/v1/account -H "Authorization: Bearer caas_not-a-real-key"
is "API with a wrong key answers 401" "$HTTP_STATUS" 401
http GET /api/v1/account -H "Authorization: Bearer $DEMO_NONCOMPAT_API_KEY"
is "a non-compatible account's key gets 403" "$HTTP_STATUS" 403
check "403 carries a message" jq -e '.error.message | type == "string" and length > 0' "$HTTP_BODY"
like "403 explains the account is not compatible" "$(jq -r .error.message "$HTTP_BODY")" "ACME CaaS"
clear_cookies
check "deposit user logs in for the API check" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"
http GET /api/v1/account
is "a session cookie is not an API credential" "$HTTP_STATUS" 401
stored=$(mariadb --no-defaults -S "$MYSQL_SOCKET" -N -e "SELECT COUNT(*) FROM center.api_keys WHERE key_hash = SHA2('$DEMO_DEPOSIT_API_KEY', 256)")
is "API keys are stored hashed" "$stored" 1

# A non-compatible account gets a clear 403 page.
clear_cookies
check "non-compatible user logs in" login "$DEMO_NONCOMPAT_USER" "$DEMO_NONCOMPAT_PASSWORD"
http GET /acme
is "non-compatible account gets 403 on the ACME list" "$HTTP_STATUS" 403
like "the 403 page is the error page" "$(cat "$HTTP_BODY")" "error-page"
http GET /acme/new
is "non-compatible account gets 403 on the creation form" "$HTTP_STATUS" 403

done_testing
