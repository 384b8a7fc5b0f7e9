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
check "401 carries a message" test -n "$(jq -r .error.message "$HTTP_BODY")"
like "401 asks for a bearer token" "$(header WWW-Authenticate)" "Bearer"
http GET /api/v1/account -H "Authorization: Bearer caas_not-a-real-key"
is "API with a wrong key answers 401" "$HTTP_STATUS" 401
http GET /api/v1/account -H "Authorization: Bearer $DEMO_NONCOMPAT_API_KEY"
is "a non-compatible account's key gets 403" "$HTTP_STATUS" 403
check "403 explains the account is not compatible" test -n "$(jq -r .error.message "$HTTP_BODY")"
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
