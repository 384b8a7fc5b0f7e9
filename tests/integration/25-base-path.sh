#!/usr/bin/env bash
# The customer area mounted under a path of an existing site (base_path =
# $CENTER_BASE_PATH, nginx/center-locations.conf included in the site's server):
# every link, form action, redirect, cookie path and static URL stays under it,
# and the rest of the site is not the application's.
. "$ROOT/tests/lib.sh"

B=${CENTER_BASE_PATH:-}
if [[ -z "$B" ]]; then
	not_ok "the test stack runs under a base path" "CENTER_BASE_PATH is empty in demo.env"
	done_testing
fi
SITE=${CENTER_URL%"$B"}		# the existing site's root, e.g. http://127.0.0.1:18480

# local_urls FILE: every href, action and src of the HTML page that starts with "/".
local_urls() {
	grep -o -E '(href|action|src)="/[^"]*"' "$1" | sed -E 's/^[a-z]+="//; s/"$//'
}

# all_under_base FILE: every local URL of the page starts with "$B/" (and there are some).
all_under_base() {
	local n bad
	n=$(local_urls "$1" | wc -l)
	bad=$(local_urls "$1" | grep -v -E "^$B/" || true)
	if [[ $n -eq 0 || -n "$bad" ]]; then
		diag "local URLs: $n; outside $B/: ${bad:-none}"
		return 1
	fi
}

# ---- the rest of the site is not ours
code=$(curl -s -o "$TEST_TMP/root" -w '%{http_code}' "$SITE/acme")
is "outside the base path, /acme is the existing site's (404 from nginx)" "$code" 404
like "with the site's own answer" "$(cat "$TEST_TMP/root")" "existing site"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SITE/static/center.css")
is "no stylesheet at the site's /static/ either" "$code" 404

# ---- the mount point itself
code=$(curl -s -o /dev/null -D "$TEST_TMP/h" -w '%{http_code}' "$SITE$B")
is "$B without a slash redirects to $B/" "$code $(awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$TEST_TMP/h")" "301 $SITE$B/"
http GET /
is "$B/ redirects to the ACME list under the base path" "$HTTP_STATUS $(header Location)" "303 $B/acme"

# ---- redirects and the login page
clear_cookies
http GET /acme
is "without a session, /acme goes to the login page under the base path" "$(header Location)" "$B/login?next=/acme"
http GET /login
is "the login page answers 200" "$HTTP_STATUS" 200
check "every link, form and stylesheet of the login page is under $B/" all_under_base "$HTTP_BODY"
like "the stylesheet is linked under the base path" "$(cat "$HTTP_BODY")" "href=\"$B/static/center.css\""
like "the login form posts under the base path" "$(cat "$HTTP_BODY")" "action=\"$B/login\""
like "the login cookie is scoped to the base path" "$(header Set-Cookie)" "Path=$B;"
code=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$CENTER_URL/static/center.css")
is "the stylesheet is served under the base path" "$code" "200 text/css"

check "login through the form" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"
is "login redirects to the list under the base path" "$(header Location)" "$B/acme"
like "the session cookie is scoped to the base path" "$(grep -i '^set-cookie: center_session=' "$HTTP_HEADERS")" "Path=$B;"
is "the cookie jar holds the session for $B only" \
	"$(awk '$6 == "center_session" { print $3 }' "$COOKIES")" "$B"

for page in /acme /acme/new /certificates /prevalidations /invoices; do
	http GET "$page"
	if [[ "$HTTP_STATUS" == 200 ]] && all_under_base "$HTTP_BODY"; then
		ok "$page: every link, form action and stylesheet is under $B/"
	else
		not_ok "$page: every link, form action and stylesheet is under $B/" "status $HTTP_STATUS"
	fi
done

# The language form sends back the application's path; the redirect adds the base.
http GET /acme/new
csrf=$(csrf_token)
back=$(grep -o '<input[^>]*name="back"[^>]*>' "$HTTP_BODY" | sed -n 's/.*value="\([^"]*\)".*/\1/p')
is "the language form carries the path inside the application" "$back" "/acme/new"
http POST /settings/language --data-urlencode "csrf=$csrf" -d lang=en --data-urlencode "back=$back"
is "switching the language returns to the page under the base path" "$HTTP_STATUS $(header Location)" "303 $B/acme/new"

# An error page links home under the base path too.
http GET /acme/999999999
is "another account's or no subscription: 404" "$HTTP_STATUS" 404
check "the 404 page's links are under $B/" all_under_base "$HTTP_BODY"

# ---- the JSON API under the base path
A="Authorization: Bearer $DEMO_DEPOSIT_API_KEY"
http GET /api/v1/account -H "$A"
is "the API answers under the base path" "$HTTP_STATUS" 200
like "with the account" "$(cat "$HTTP_BODY")" '"type":"deposit"'
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$A" "$SITE/api/v1/account")
is "and not at the site's root" "$code" 404

# ---- the application itself refuses paths outside its mount (whatever nginx sends)
sock="$STACK_DIR/run/center.sock"
fcgi() {
	(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$1" SCRIPT_NAME= QUERY_STRING= \
		REMOTE_ADDR=127.0.0.1 cgi-fcgi -bind -connect "$sock" 2>&1 | head -n1)
}
like "PATH_INFO outside base_path: 404 from the application" "$(fcgi /acme)" "Status: 404"
like "a path that only starts like the base path: 404" "$(fcgi "${B}x/acme")" "Status: 404"
like "PATH_INFO under base_path reaches the route" "$(fcgi "$B/healthz")" "Status: 200"

# ---- the hand-over example inside a site with its own home and login page
code=$(curl -s -o "$TEST_TMP/home" -w '%{http_code}' "${HANDOVER_URL%"$B"}/")
is "the hand-over site keeps its own home page" "$code $(cat "$TEST_TMP/home")" \
	"200 The existing site's home page."
code=$(curl -s -o "$TEST_TMP/hl" -w '%{http_code}' "${HANDOVER_URL%"$B"}/login")
is "and its own login page" "$code $(cat "$TEST_TMP/hl")" "200 The existing site's own login page."
code=$(curl -s -o "$TEST_TMP/ho" -w '%{http_code}' -H "Cookie: site_user=$DEMO_DEPOSIT_USER" "$HANDOVER_URL/acme")
is "the site's logged-in user reaches the customer area under $B" "$code" 200
check "whose links are under $B/ too" all_under_base "$TEST_TMP/ho"

# ---- over TLS (cookie_secure = true) a base path needs __Secure- cookies: __Host- requires Path=/
sed -e "s|^listen = .*|listen = unix:$TEST_TMP/secure.sock|" -e "s|^pidfile = .*|pidfile = $TEST_TMP/secure.pid|" \
	-e "s|^workers = .*|workers = 1|" -e "s|^cookie_secure = .*|cookie_secure = true|" \
	"$CENTER_CONF" >"$TEST_TMP/secure.conf"
"$BUILD_DIR/fcgi/center/center-fcgi" -f "$TEST_TMP/secure.conf" </dev/null >"$TEST_TMP/secure.log" 2>&1 &
spid=$!
for _ in $(seq 1 100); do [[ -S "$TEST_TMP/secure.sock" ]] && break; sleep 0.1; done
out=$(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$B/login" SCRIPT_NAME= QUERY_STRING= \
	REMOTE_ADDR=127.0.0.1 HTTPS=on cgi-fcgi -bind -connect "$TEST_TMP/secure.sock" 2>&1 | tr -d '\r' |
	grep -i '^set-cookie:')
like "with cookie_secure the login cookie is __Secure-, scoped to the base path" "$out" "Set-Cookie: __Secure-center_login="
like "and carries Path=$B and Secure" "$out" "Path=$B;"
like "and Secure" "$out" "; Secure"
check "no __Host- cookie under a base path" bash -c "! grep -q '__Host-' <<<'$out'"
kill -TERM "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# ---- base_path values the configuration refuses
bad_conf() {
	grep -v '^base_path' "$CENTER_CONF" >"$TEST_TMP/bad.conf"
	printf 'base_path = %s\n' "$1" >>"$TEST_TMP/bad.conf"
	"$CAASCTL" -f "$TEST_TMP/bad.conf" ledger --account 1 >"$TEST_TMP/bad.out" 2>&1
}
for v in /acme-caas/ acme-caas /a//b /a/../b '/a b' '/a?b'; do
	if bad_conf "$v"; then
		not_ok "base_path = '$v' is refused at start" "the program ran"
	else
		like "base_path = '$v' is refused at start, naming the key" "$(cat "$TEST_TMP/bad.out")" "base_path"
	fi
done

done_testing
