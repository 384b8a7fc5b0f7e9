#!/usr/bin/env bash
# Hand-over of the existing site's login: nginx auth_request asks the site who is
# logged in and passes it to a center-fcgi instance in auth_mode = auth_request.
. "$ROOT/tests/lib.sh"

CENTER_URL=$HANDOVER_URL

http GET /acme
is "without the site's login, nginx sends the visitor to the site's own login page" \
	"$HTTP_STATUS $(header Location)" "302 ${HANDOVER_URL%"$CENTER_BASE_PATH"}/login"

http GET /acme -H "Cookie: site_user=$DEMO_DEPOSIT_USER"
is "with the site's login the list answers 200" "$HTTP_STATUS" 200
like "the handed-over user sees their own account" "$(cat "$HTTP_BODY")" "Demo Deposit SARL"
check "no logout form: the site owns the session" bash -c "! grep -q 'action=\"/logout\"' '$HTTP_BODY'"
csrf=$(csrf_token)
check "pages carry a CSRF token in hand-over mode too" test -n "$csrf"

http GET /login -H "Cookie: site_user=$DEMO_DEPOSIT_USER"
is "our login page does not exist in hand-over mode" "$HTTP_STATUS" 404

http POST /settings/language -H "Cookie: site_user=$DEMO_DEPOSIT_USER" --data-urlencode "lang=en"
is "a POST without the CSRF token is refused" "$HTTP_STATUS" 403
http POST /settings/language -H "Cookie: site_user=$DEMO_DEPOSIT_USER" --data-urlencode "lang=en" \
	--data-urlencode "csrf=$csrf"
is "a POST with the CSRF token goes through" "$HTTP_STATUS" 303
http POST /settings/language -H "Cookie: site_user=$DEMO_MONTHLY_USER" --data-urlencode "lang=fr" \
	--data-urlencode "csrf=$csrf"
is "one user's CSRF token does not work for another" "$HTTP_STATUS" 403

http GET "/organizations/$DEMO_ORG_ID" -H "Cookie: site_user=$DEMO_MONTHLY_USER"
is "another customer's object is still 404" "$HTTP_STATUS" 404

http GET /acme -H "Cookie: site_user=someone-unknown"
is "a site user unknown here gets 401" "$HTTP_STATUS" 401

# The daemon trusts CENTER_AUTH_USER only with the shared secret: speak FastCGI to
# the socket directly, as anything on the host could, without it.
sock="$STACK_DIR/run/center-handover.sock"
out=$(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$CENTER_BASE_PATH/acme" SCRIPT_NAME= QUERY_STRING= \
	CENTER_AUTH_USER="$DEMO_DEPOSIT_USER" CENTER_AUTH_SECRET=guessed-secret-value \
	cgi-fcgi -bind -connect "$sock" 2>&1 | head -n1)
like "a wrong hand-over secret is refused" "$out" "Status: 401"
out=$(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$CENTER_BASE_PATH/acme" SCRIPT_NAME= QUERY_STRING= \
	CENTER_AUTH_USER="$DEMO_DEPOSIT_USER" cgi-fcgi -bind -connect "$sock" 2>&1 | head -n1)
like "a missing hand-over secret is refused" "$out" "Status: 401"

# The handed-over login is matched exactly (issue 13 item 9): under the old
# utf8mb4_unicode_ci collation, the site's "jose" was the center's "José".
acct=$("$CAASCTL" -f "$CENTER_CONF" account-add --name "Handover Exact" --type deposit)
printf 'exact-password-1\n' >"$TEST_TMP/pw"
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$acct" --login "José-handover" \
	--password-file "$TEST_TMP/pw" >/dev/null
secret=$(head -n1 "$STACK_DIR/etc/handover.secret")
as_site_user() {	# LOGIN: first line of the answer to GET /acme handed over as LOGIN
	(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$CENTER_BASE_PATH/acme" SCRIPT_NAME= QUERY_STRING= \
		CENTER_AUTH_USER="$1" CENTER_AUTH_SECRET="$secret" \
		cgi-fcgi -bind -connect "$sock" 2>&1 | head -n1)
}
like "the exact login is handed over" "$(as_site_user "José-handover")" "Status: 200"
like "without the accent it is another user (401)" "$(as_site_user "Jose-handover")" "Status: 401"
like "in another case it is another user (401)" "$(as_site_user "josé-handover")" "Status: 401"
like "with a trailing space it is another user (401)" "$(as_site_user "José-handover ")" "Status: 401"
like "invalid UTF-8 is no user (401)" "$(as_site_user $'Jos\xe9-handover')" "Status: 401"

done_testing
