#!/usr/bin/env bash
# The first pages through nginx: list, creation form, pre-validations, organization;
# JSON and XML twins; error pages 404/405/413; escaping; objects scoped per customer.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }

check "deposit user logs in" login "$DEMO_DEPOSIT_USER" "$DEMO_DEPOSIT_PASSWORD"

http GET /acme
is "list page 200" "$HTTP_STATUS" 200
like "list page shows the empty state" "$(cat "$HTTP_BODY")" 'id="empty-state"'
like "list page is HTML" "$(header Content-Type)" "text/html"

http GET /acme -H "Accept: application/json"
is "JSON twin of the list answers 200" "$HTTP_STATUS" 200
like "JSON twin has the JSON type" "$(header Content-Type)" "application/json"
is "JSON twin lists no subscriptions yet" "$(jq -c .subscriptions "$HTTP_BODY")" "[]"
is "JSON twin carries the account type" "$(jq -r .account.type "$HTTP_BODY")" "deposit"
check "JSON twin leaves out the session chrome" test "$(jq 'has("chrome")' "$HTTP_BODY")" = false

http GET /acme/new
is "creation form 200" "$HTTP_STATUS" 200
body=$(cat "$HTTP_BODY")
like "creation form offers DV" "$body" 'value="DV"'
like "creation form offers QWAC" "$body" 'value="QWAC"'
like "creation form offers the organization with approved pre-validations" "$body" "Demo Org SARL"
like "creation form has a CSRF token" "$body" 'name="csrf"'

http GET /acme/new -H "Accept: application/json"
is "JSON twin of the form 200" "$HTTP_STATUS" 200
is "three validation levels" "$(jq '.types | length' "$HTTP_BODY")" 3
is "DV has the SSL and WildSSL products" "$(jq -c '[.types[] | select(.level=="DV") | .products[].code]' "$HTTP_BODY")" '["DV_SSL","DV_WILDSSL"]'
is "QWAC has no wildcard product" "$(jq -c '[.types[] | select(.level=="QWAC") | .products[].wildcard]' "$HTTP_BODY")" '[false]'
is "DV needs no organization" "$(jq '.types[] | select(.level=="DV") | .needs_organization' "$HTTP_BODY")" false
is "no organization offered for DV" "$(jq '.types[] | select(.level=="DV") | .organizations | length' "$HTTP_BODY")" 0
is "the approved organization is offered for OV" "$(jq -r '.types[] | select(.level=="OV") | .organizations[0].id' "$HTTP_BODY")" "$DEMO_ORG_ID"
is "list price shown when no negotiated price" "$(jq '.types[] | select(.level=="DV") | .products[0].price_cents' "$HTTP_BODY")" 3900

# A negotiated price shows up in this account's price list only.
"$CAASCTL" -f "$CENTER_CONF" price-set --account "$DEMO_DEPOSIT_ACCOUNT_ID" --product DV_SSL --cents 2500 >/dev/null
http GET /acme/new -H "Accept: application/json"
is "negotiated price replaces the list price" "$(jq '.types[] | select(.level=="DV") | .products[0].price_cents' "$HTTP_BODY")" 2500
is "list price still reported" "$(jq '.types[] | select(.level=="DV") | .products[0].list_price_cents' "$HTTP_BODY")" 3900

# A pending pre-validation does not offer the organization.
"$CAASCTL" -f "$CENTER_CONF" preval-set --org "$DEMO_ORG_ID" --level QWAC --status pending >/dev/null
http GET /acme/new -H "Accept: application/json"
is "a pending pre-validation does not offer the organization" "$(jq '.types[] | select(.level=="QWAC") | .organizations | length' "$HTTP_BODY")" 0
"$CAASCTL" -f "$CENTER_CONF" preval-set --org "$DEMO_ORG_ID" --level QWAC --status approved >/dev/null

http GET /acme/new -H "Accept: application/xml"
is "XML twin answers 200" "$HTTP_STATUS" 200
like "XML twin has the XML type" "$(header Content-Type)" "application/xml"
like "XML twin is the page model" "$(cat "$HTTP_BODY")" '<page view="acme_new"'
check "XML twin is well-formed" xmllint --noout "$HTTP_BODY"
check "XML twin leaves out the CSRF token" bash -c "! grep -q '<csrf>' '$HTTP_BODY'"

http GET /prevalidations
is "pre-validations page 200" "$HTTP_STATUS" 200
http GET /prevalidations -H "Accept: application/json"
is "pre-validations list the demo organization" "$(jq -r '.organizations[0].name' "$HTTP_BODY")" "Demo Org SARL"
is "OV approved, DV none" "$(jq -c '[.organizations[0].prevalidations[] | .status]' "$HTTP_BODY")" '["none","approved","approved"]'
OV_ANCHOR=$(jq -r '.organizations[0].prevalidations[] | select(.level == "OV") | .upstream_id' "$HTTP_BODY")
check "the OV pre-validation has the upstream's reference (an anchor order number)" grep -qE '^[0-9]+$' <<<"$OV_ANCHOR"
is "DV has none" "$(jq -r '.organizations[0].prevalidations[] | select(.level == "DV") | .upstream_id' "$HTTP_BODY")" null
http GET /prevalidations
like "the page shows it as the CA reference" "$(cat "$HTTP_BODY")" "CA reference $OV_ANCHOR"

http GET "/organizations/$DEMO_ORG_ID"
is "own organization page 200" "$HTTP_STATUS" 200
like "organization page names it" "$(cat "$HTTP_BODY")" "Demo Org SARL"
http GET /organizations/99999999
is "unknown organization 404" "$HTTP_STATUS" 404
like "404 page explains" "$(cat "$HTTP_BODY")" "error-page"
http GET /organizations/0
is "id 0 is not a route" "$HTTP_STATUS" 404
http GET /organizations/abc
is "non-numeric id is not a route" "$HTTP_STATUS" 404

http GET /no/such/page
is "unknown path 404" "$HTTP_STATUS" 404
http GET /no/such/page -H "Accept: application/json"
is "404 JSON twin has the error object" "$(jq -r '.error.status' "$HTTP_BODY")" 404
http DELETE /acme
is "wrong method 405" "$HTTP_STATUS" 405
like "405 lists allowed methods" "$(header Allow)" "GET"
http HEAD /acme --head
is "HEAD is served like GET" "$HTTP_STATUS" 200

# Request size caps: 2 MiB is over the daemon's 1 MiB and under nginx's 4 MiB.
head -c 2097152 /dev/zero | tr '\0' 'a' >"$TEST_TMP/big"
http POST /login -H "Content-Type: application/x-www-form-urlencoded" --data-binary "@$TEST_TMP/big"
is "a huge body gets 413" "$HTTP_STATUS" 413
like "413 is the daemon's page with its message" "$(cat "$HTTP_BODY")" "error-page"
http GET "/acme?q=$(head -c 9000 /dev/zero | tr '\0' 'b')"
is "a huge query string gets 414" "$HTTP_STATUS" 414

# Another customer's object is 404, never 403 (no existence oracle).
clear_cookies
check "monthly user logs in" login "$DEMO_MONTHLY_USER" "$DEMO_MONTHLY_PASSWORD"
http GET "/organizations/$DEMO_ORG_ID"
is "another customer's organization is 404" "$HTTP_STATUS" 404
http GET /acme/new -H "Accept: application/json"
is "another customer's organizations are not offered" "$(jq '[.types[].organizations[]] | length' "$HTTP_BODY")" 0
is "another customer's negotiated price does not apply" "$(jq '.types[] | select(.level=="DV") | .products[0].price_cents' "$HTTP_BODY")" 3900
http GET /acme
like "monthly user's page is in French (user setting)" "$(cat "$HTTP_BODY")" '<html lang="fr"'

# Names are escaped by the page model and the stylesheet, never interpreted.
acct=$("$CAASCTL" -f "$CENTER_CONF" account-add --name '<script>alert("x")</script> & Co' --type deposit)
printf 'xss-password-1\n' >"$TEST_TMP/pw"
"$CAASCTL" -f "$CENTER_CONF" user-add --account "$acct" --login xss-user --password-file "$TEST_TMP/pw" >/dev/null
clear_cookies
check "user of a hostile-named account logs in" login xss-user xss-password-1
http GET /acme
check "account name is not emitted as markup" bash -c "! grep -q '<script>alert' '$HTTP_BODY'"
like "account name is shown escaped" "$(cat "$HTTP_BODY")" "&lt;script&gt;"

done_testing
