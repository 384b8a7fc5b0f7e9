#!/usr/bin/env bash
# ACME CaaS subscriptions through the pages (README "Pages"), with curl through
# nginx, as a fresh deposit customer with a negotiated price: the creation form
# (preview at the account's rates, refusals naming the field and the line with
# the typed values kept), subscribe (credentials once, no-store, the HMAC key
# nowhere on disk), double and concurrent submits of one form (one
# subscription, one set of charges), CSRF, the details page and its settings,
# a domain added pro rata and deleted within and after 30 days (money to the
# cent), and another customer who sees none of it. The money paths are the
# core's (55-subscriptions-api.sh); this proves the page handlers use them
# right.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
balance() { sql "SELECT balance_cents FROM accounts WHERE id = $1"; }
# xp XPATH: the string value of XPATH in the last HTML answer.
xp() { xmllint --html --xpath "string($1)" "$HTTP_BODY" 2>/dev/null; }
# xcount XPATH: how many nodes match XPATH in the last HTML answer.
xcount() { xmllint --html --xpath "count($1)" "$HTTP_BODY" 2>/dev/null; }
j() { jq -r "$1" "$HTTP_BODY" 2>/dev/null; }
body() { cat "$HTTP_BODY"; }
form_token() { grep -o 'name="form_token" value="[^"]*"' "$HTTP_BODY" | head -n1 | sed 's/.*value="//; s/"$//'; }
# as WHO: use that user's cookie jar (each user keeps its own session).
as() { COOKIES="$TEST_TMP/cookies-$1"; touch "$COOKIES"; }
# new_form: GET /acme/new, sets TOKEN (the form's idempotency key) and CSRF.
new_form() {
	http GET /acme/new
	TOKEN=$(form_token)
	CSRF=$(csrf_token)
}
# create_post ACTION TYPE NAME DOMAINS [ORG] [curl args...]: the creation form.
create_post() {
	local action=$1 type=$2 name=$3 domains=$4 org=${5:-}
	shift 5 2>/dev/null || shift $#
	http POST /acme/new --data-urlencode "csrf=$CSRF" --data-urlencode "form_token=$TOKEN" \
		--data-urlencode "type=$type" --data-urlencode "organization_id=$org" \
		--data-urlencode "name=$name" --data-urlencode "domains=$domains" \
		--data-urlencode "action=$action" "$@"
}

R="t57$$$RANDOM"
PW="$TEST_TMP/pw"
printf '%s\n' "pw-$R-secret" >"$PW"
ACC=$(ctl account-add --name "Pages test deposit $R" --type deposit --vat-bp 2000 --balance-cents 200000)
USER="t57-$R"
ctl user-add --account "$ACC" --login "$USER" --password-file "$PW" --lang en >/dev/null
ctl price-set --account "$ACC" --product DV_SSL --cents 2500 >/dev/null
OTHER=$(ctl account-add --name "Pages test other $R" --type deposit --vat-bp 2000 --balance-cents 100000)
OUSER="t57o-$R"
ctl user-add --account "$OTHER" --login "$OUSER" --password-file "$PW" --lang en >/dev/null
check "test accounts and users were created" test -n "$ACC" -a -n "$OTHER" -a \
	"$(sql "SELECT COUNT(*) FROM users WHERE login IN ('$USER', '$OUSER')")" = 2

as owner
check "the test customer logs in" login "$USER" "pw-$R-secret"

# ---- the creation form and its preview
new_form
is "/acme/new answers 200" "$HTTP_STATUS" 200
check "the form carries a form_token (the double-submit key)" test ${#TOKEN} -ge 20
D1="a.$R.test" D2="*.b.$R.test"
create_post preview DV "Shop $R" "$D1"$'\n'"$D2"
is "a preview answers 200" "$HTTP_STATUS" 200
is "the preview shows each line's domain, product and price at the account's rates" \
	"$(for i in 1 2; do printf '%s %s %s,' "$(xp "//table[@id='quote']/tbody/tr[$i]/td[1]")" \
		"$(xp "//table[@id='quote']/tbody/tr[$i]/td[2]")" "$(xp "//table[@id='quote']/tbody/tr[$i]/td[3]")"; done)" \
	"$D1 DV SSL €25.00,$D2 DV WildSSL €149.00,"
is "and the yearly total (negotiated DV SSL 25.00 + list DV WildSSL 149.00)" \
	"$(xp "//td[@id='quote-total']") $(xp "//td[@id='quote-vat']") $(xp "//td[@id='quote-gross']")" \
	"€174.00 €34.80 €208.80"
is "the subscribe form posts the same form_token back" \
	"$(xp "//form[@id='subscribe-form']//input[@name='form_token']/@value")" "$TOKEN"
is "a preview creates nothing" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC")" 0

# ---- refusals: status 400, the field and the line named, the typed values kept
create_post preview DV "Typed $R" "ok.$R.test"$'\n'"bad..name.$R.test"
is "a bad domain on line 2 is a 400" "$HTTP_STATUS" 400
like "the message names line 2 and the reason" "$(xp "//*[@id='form-error-message']")" "Line 2: “bad..name.$R.test” — a label is empty"
is "the domains field is marked invalid" "$(xp "//textarea[@name='domains']/@aria-invalid")" true
is "the form is re-rendered with the typed domains" "$(xp "//textarea[@name='domains']")" "ok.$R.test"$'\n'"bad..name.$R.test"
is "and the typed name" "$(xp "//input[@name='name']/@value")" "Typed $R"
is "and the same form_token" "$(xp "//form[@id='create-form']//input[@name='form_token']/@value")" "$TOKEN"
create_post preview DV "Typed $R" "ok.$R.test"$'\n'"bad..name.$R.test" '' -H 'Accept: application/json'
is "its page model names the field" "$HTTP_STATUS $(j .error.field)" "400 domains"

create_post preview OV "Org $R" "ov.$R.test"
is "OV without an organization is a 400" "$HTTP_STATUS" 400
is "the organization field is marked invalid" "$(xp "//select[@name='organization_id']/@aria-invalid")" true
like "the message says an organization is needed" "$(xp "//*[@id='form-error-message']")" "need an organization"
is "the OV choice and the domains are kept" \
	"$(xp "//input[@name='type' and @checked]/@value") $(xp "//textarea[@name='domains']")" "OV ov.$R.test"
check "no quote is shown" test "$(xcount "//section[@id='quote-section']")" = 0

create_post preview QWAC "Q $R" "*.q.$R.test"
is "QWAC with a wildcard is a 400" "$HTTP_STATUS" 400
like "the message names line 1 and says QWAC takes no wildcard" "$(xp "//*[@id='form-error-message']")" "Line 1: “*.q.$R.test” — QWAC certificates take no wildcard"
is "the domains field is marked invalid" "$(xp "//textarea[@name='domains']/@aria-invalid")" true

# ---- subscribe: the credentials once
create_post subscribe DV "Shop $R" "$D1"$'\n'"$D2"
is "subscribe answers 201" "$HTTP_STATUS" 201
is "the answer is not stored by caches" "$(header Cache-Control)" no-store
KID=$(xp "//*[@id='eab-kid']") HMAC=$(xp "//*[@id='eab-hmac']") SERVER=$(xp "//*[@id='acme-server']")
check "it shows the EAB key id and HMAC key" test -n "$KID" -a ${#HMAC} -ge 32
is "and the ACME server (the DV directory)" "$SERVER" "$ACME_DV_URL"
like "with a certbot example using them" "$(xp "//*[@id='example-certbot']")" "--eab-kid $KID --eab-hmac-key $HMAC"
SUB=$(sql "SELECT id FROM subscriptions WHERE account_id = $ACC AND idempotency_key = '$TOKEN'")
check "the subscription exists, keyed by the form_token" test -n "$SUB"
is "its key id is the one shown" "$(sql "SELECT CONCAT(status, ' ', eab_kid) FROM subscriptions WHERE id = '$SUB'")" "active $KID"
is "the deposit was debited (2500 + 14900) + 20% VAT" "$(balance "$ACC")" $((200000 - 20880))
dump=$(mariadb-dump --no-defaults -S "$MYSQL_SOCKET" --skip-comments center 2>/dev/null)
check "the customer-area database does not hold the HMAC key" test ${#dump} -gt 1000 -a "${dump/"$HMAC"/}" == "$dump"
check "no log of the stack holds the HMAC key" bash -c "! grep -rqF -- '$HMAC' '$STACK_DIR/log'"

# ---- the same form submitted again: one subscription, one set of charges
create_post subscribe DV "Shop $R" "$D1"$'\n'"$D2"
is "a double submit (same form_token) answers 200" "$HTTP_STATUS" 200
check "it says the credentials were already displayed" test "$(xcount "//*[@id='already-shown']")" = 1
check "and does not contain the HMAC key" bash -c "! grep -qF -- '$HMAC' '$HTTP_BODY'"
is "it links to the same subscription" "$(xp "//a[@id='open-subscription']/@href")" "${CENTER_BASE_PATH:-}/acme/$SUB"
is "one subscription for the form" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC")" 1
is "one set of charges" "$(sql "SELECT COUNT(*), SUM(gross_cents) FROM ledger WHERE account_id = $ACC AND kind = 'charge'" | tr '\t' ' ')" "2 20880"
is "the balance moved once" "$(balance "$ACC")" $((200000 - 20880))

# ---- two submits of one form at the same time
new_form
T2=$TOKEN
args=(-sS -o /dev/null -w '%{http_code}' --max-time 90 -b "$COOKIES" --data-urlencode "csrf=$CSRF"
	--data-urlencode "form_token=$T2" -d type=DV --data-urlencode "name=Twice $R"
	--data-urlencode "domains=p.$R.test" -d action=subscribe "$CENTER_URL/acme/new")
curl "${args[@]}" >"$TEST_TMP/c1" &
p1=$!
curl "${args[@]}" >"$TEST_TMP/c2" &
p2=$!
wait "$p1" "$p2"
is "two simultaneous submits: one 201 (credentials) and one 200 (already displayed)" \
	"$(printf '%s\n%s\n' "$(cat "$TEST_TMP/c1")" "$(cat "$TEST_TMP/c2")" | sort | tr '\n' ' ')" "200 201 "
is "they made one subscription" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC AND idempotency_key = '$T2'")" 1
SUB2=$(sql "SELECT id FROM subscriptions WHERE account_id = $ACC AND idempotency_key = '$T2'")
is "and one charge (2500 + 500 VAT)" "$(sql "SELECT COUNT(*), SUM(gross_cents) FROM ledger WHERE subscription_ref = '$SUB2' AND kind = 'charge'" | tr '\t' ' ')" "1 3000"
is "the balance moved once" "$(balance "$ACC")" $((200000 - 20880 - 3000))

# ---- CSRF: refused, nothing changes
BAL=$(balance "$ACC")
NSUBS=$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC")
new_form
http POST /acme/new --data-urlencode "form_token=$TOKEN" -d type=DV --data-urlencode "name=NoCsrf $R" \
	--data-urlencode "domains=n.$R.test" -d action=subscribe
is "subscribe without the csrf field is 403" "$HTTP_STATUS" 403
http POST /acme/new --data-urlencode "csrf=${CSRF}x" --data-urlencode "form_token=$TOKEN" -d type=DV \
	--data-urlencode "name=BadCsrf $R" --data-urlencode "domains=n.$R.test" -d action=subscribe
is "subscribe with a wrong csrf is 403" "$HTTP_STATUS" 403
like "the refusal says what to do" "$(body)" "reload the page"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=${CSRF}x" -d auto_renew=on
is "settings with a wrong csrf are 403" "$HTTP_STATUS" 403
D1ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D1'")
D2ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D2'")
http POST "/acme/$SUB/domains/$D1ID/delete"
is "a delete without the csrf field is 403" "$HTTP_STATUS" 403
is "nothing changed: subscriptions, balance, auto-renewal, domain" \
	"$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC") $(balance "$ACC") $(sql "SELECT auto_renew FROM subscriptions WHERE id = $SUB") $(sql "SELECT status FROM subscription_domains WHERE id = $D1ID")" \
	"$NSUBS $BAL 0 active"

# ---- the details page
http GET "/acme/$SUB"
is "the details page answers 200" "$HTTP_STATUS" 200
is "it shows the name and the status" "$(xp "//h1") / $(xp "//*[@id='sub-status']" | xargs)" "Shop $R / Active"
REF1=$(sql "SELECT upstream_order FROM subscription_domains WHERE id = $D1ID")
check "the domain has an upstream reference" test -n "$REF1"
is "the domains table lists each domain with its reference" \
	"$(xp "//table[@id='domains']//tr[td[1]='$D1']/td[2]") $(xcount "//table[@id='domains']//tr[td[1]='$D2']")" "$REF1 1"
is "the ACME server and key id" "$(xp "//*[@id='acme-server']") $(xp "//*[@id='eab-kid']")" "$ACME_DV_URL $KID"
check "never the HMAC key" bash -c "! grep -qF -- '$HMAC' '$HTTP_BODY'"
is "auto-renewal is off" "$(xp "//*[@id='auto-renew-state']")" "Off"

CSRF=$(csrf_token)
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" -d auto_renew=on
is "switching auto-renewal on redirects to the page" "$HTTP_STATUS $(header Location)" "303 ${CENTER_BASE_PATH:-}/acme/$SUB"
is "it is on in the database" "$(sql "SELECT auto_renew FROM subscriptions WHERE id = $SUB")" 1
is "the switch is recorded with the user's login" \
	"$(sql "SELECT event, actor FROM subscription_events WHERE subscription_id = $SUB ORDER BY id" | tr '\t' ' ')" "auto_renew_on $USER"
http GET "/acme/$SUB"
is "the page shows it on" "$(xp "//*[@id='auto-renew-state']") $(xcount "//button[@id='auto-renew-off']")" "On 1"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" -d auto_renew=off
is "and off again" "$HTTP_STATUS $(sql "SELECT auto_renew FROM subscriptions WHERE id = $SUB")" "303 0"
is "recorded too" "$(sql "SELECT event, actor FROM subscription_events WHERE subscription_id = $SUB ORDER BY id DESC LIMIT 1" | tr '\t' ' ')" "auto_renew_off $USER"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" --data-urlencode "name=Renamed $R"
is "renaming redirects to the page" "$HTTP_STATUS" 303
is "the new name is stored" "$(sql "SELECT name FROM subscriptions WHERE id = $SUB")" "Renamed $R"
http GET "/acme/$SUB"
is "and shown" "$(xp "//h1")" "Renamed $R"
is "renaming left auto-renewal alone" "$(sql "SELECT auto_renew FROM subscriptions WHERE id = $SUB")" 0

# ---- add a domain, pro rata: the term is moved to end in 100 days
END=$(date -u -d '+100 days' +%F)
sql "UPDATE subscriptions SET start_date = DATE_SUB('$END', INTERVAL 365 DAY), end_date = '$END' WHERE id = $SUB"
D3="c.$R.test"
BAL=$(balance "$ACC")
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" --data-urlencode "domain=$D3" -d action=preview
is "the preview of an addition answers 200" "$HTTP_STATUS" 200
# round_half_up(2500 × 100 / 365) = round_half_up(684.93) = 685
like "it states the pro-rata price: 2500 × 100/365 → €6.85" "$(xp "//*[@id='add-cost']")" "Adding $D3 costs €6.85"
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" --data-urlencode "domain=$D3" -d action=preview \
	-H 'Accept: application/json'
is "its page model: 685 cents" "$(j .price_cents)" 685
is "a preview moves no money, adds no row" \
	"$(balance "$ACC") $(sql "SELECT COUNT(*) FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D3'")" "$BAL 0"
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" --data-urlencode "domain=$D3" -d action=add
is "confirming adds it and redirects to the page" "$HTTP_STATUS $(header Location)" "303 ${CENTER_BASE_PATH:-}/acme/$SUB"
is "the domain is active, priced 685" \
	"$(sql "SELECT status, price_cents FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D3'" | tr '\t' ' ')" "active 685"
is "the deposit was debited 685 + 137 VAT" "$(balance "$ACC")" $((BAL - 822))
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" --data-urlencode "domain=$D3" -d action=add
is "adding an enrolled name again is a 400" "$HTTP_STATUS" 400
like "the page says why" "$(xp "//*[@id='add-error']")" "already enrolled"
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" --data-urlencode "domain=$D1" -d action=preview \
	-H 'Accept: application/json'
is "the refusal names the field" "$HTTP_STATUS $(j .error.field)" "400 domain"
is "and nothing was charged" "$(balance "$ACC")" $((BAL - 822))

# ---- delete within 30 days: refund, certificates revoked
BAL=$(balance "$ACC")
http GET "/acme/$SUB/domains/$D1ID/delete"
is "the delete confirmation answers 200" "$HTTP_STATUS" 200
like "it states the refund" "$(xp "//*[@id='delete-terms']")" "refunds €25.00 (excl. VAT) in full"
like "and that all its certificates will be revoked" "$(xp "//*[@id='delete-terms']")" "ALL its certificates will be revoked"
is "the confirmation changes nothing" "$(balance "$ACC") $(sql "SELECT status FROM subscription_domains WHERE id = $D1ID")" "$BAL active"
http POST "/acme/$SUB/domains/$D1ID/delete" --data-urlencode "csrf=$CSRF"
is "confirming answers 200" "$HTTP_STATUS" 200
like "the result page states the refund" "$(xp "//*[@id='removed-refund']")" "€25.00"
is "the deposit got 2500 + 500 VAT back" "$(balance "$ACC")" $((BAL + 3000))
is "the domain is removed, refund recorded" \
	"$(sql "SELECT status, refund_cents FROM subscription_domains WHERE id = $D1ID" | tr '\t' ' ')" "removed 2500"
http GET "/acme/$SUB"
is "the details page shows it removed" "$(xp "//table[@id='domains']//tr[td[1]='$D1']/td[4]" | xargs)" Removed
http POST "/acme/$SUB/domains/$D1ID/delete" --data-urlencode "csrf=$CSRF"
is "deleting it again is a 409" "$HTTP_STATUS" 409
is "and refunds nothing more" "$(balance "$ACC")" $((BAL + 3000))

# ---- delete after 30 days: no refund
sql "UPDATE subscription_domains SET added_at = DATE_SUB(added_at, INTERVAL 31 DAY) WHERE id = $D2ID"
BAL=$(balance "$ACC")
http GET "/acme/$SUB/domains/$D2ID/delete"
like "after 30 days the confirmation says no refund" "$(xp "//*[@id='delete-terms']")" "refunds nothing"
http POST "/acme/$SUB/domains/$D2ID/delete" --data-urlencode "csrf=$CSRF"
is "confirming answers 200" "$HTTP_STATUS" 200
like "the result page says no refund" "$(xp "//*[@id='removed-refund']")" "No refund"
is "the balance did not move" "$(balance "$ACC")" "$BAL"
is "the domain is removed, no refund row" \
	"$(sql "SELECT status FROM subscription_domains WHERE id = $D2ID") $(sql "SELECT COUNT(*) FROM ledger WHERE domain_ref = $D2ID AND kind = 'refund'")" "removed 0"

# ---- another customer
REF="SGACME-57$SUB$RANDOM"
sql "INSERT INTO certificates (account_id, subscription_id, domain_id, order_number, reference, certificate_id,
	domain, serial, not_before, not_after, status, status_code, upstream_page, first_seen_at, updated_at)
	VALUES ($ACC, $SUB, $D1ID, ${REF#SGACME-}, '$REF', 1, '$D3', 'ab57', NOW(), NOW() + INTERVAL 90 DAY,
	'valid', 6, 1, NOW(), NOW())"
ctl sync --subscription "$SUB" >/dev/null
http GET "/acme/$SUB"
is "after a sync the details page counts the certificate and lists it" \
	"$(xp "//*[@id='certificates-delivered']") $(xp "//*[@id='certificates-section']//tbody/tr[1]/td[1]")" "1 $REF"
http GET "/certificates?q=c.$R"
is "the owner's certificate search finds the certificate" \
	"$(xp "//table[@id='cert-table']/tbody/tr[1]/td[1]") $(xcount "//table[@id='cert-table']/tbody/tr")" "$REF 1"
as other
check "another customer logs in" login "$OUSER" "pw-$R-secret"
http GET "/certificates?q=c.$R"
is "another customer's search by domain finds nothing" "$HTTP_STATUS $(xcount "//table[@id='cert-table']/tbody/tr") $(xcount "//*[@id='certificates-empty']")" "200 0 1"
http GET "/certificates?q=$REF"
is "nor by reference" "$(xcount "//table[@id='cert-table']/tbody/tr")" 0
http GET "/acme/$SUB"
is "another customer's subscription is 404" "$HTTP_STATUS" 404
check "and does not leak its name" bash -c "! grep -qF -- 'Renamed $R' '$HTTP_BODY'"
D3ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D3'")
http GET "/acme/$SUB/domains/$D3ID/delete"
is "its delete confirmation is 404" "$HTTP_STATUS" 404
http GET /acme
OCSRF=$(csrf_token)
check "the other customer has a csrf token of its own" test -n "$OCSRF"
BAL=$(balance "$ACC")
http POST "/acme/$SUB/domains/$D3ID/delete" --data-urlencode "csrf=$OCSRF"
is "deleting its domain is 404" "$HTTP_STATUS" 404
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$OCSRF" -d auto_renew=on --data-urlencode "name=Mine"
is "changing its settings is 404, not 403" "$HTTP_STATUS" 404
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$OCSRF" --data-urlencode "domain=o.$R.test" -d action=add
is "adding a domain to it is 404" "$HTTP_STATUS" 404
is "nothing changed: name, auto-renewal, domain, balance" \
	"$(sql "SELECT name, auto_renew FROM subscriptions WHERE id = $SUB" | tr '\t' ' ') $(sql "SELECT status FROM subscription_domains WHERE id = $D3ID") $(balance "$ACC")" \
	"Renamed $R 0 active $BAL"

# ---- the creation limit (test 58 drives it through the API): the form shows it
ctl limit-set --account "$OTHER" --subscriptions-per-hour 0 >/dev/null
new_form
create_post subscribe DV "Limited $R" "l.$R.test"
is "past the creation limit the form answers 429" "$HTTP_STATUS" 429
check "with the reason on the page" grep -qF "This account may not create subscriptions" "$HTTP_BODY"
is "and no subscription for that account" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $OTHER")" 0
ctl limit-set --account "$OTHER" --subscriptions-per-hour default >/dev/null

# ---- an account that is not ACME-compatible
as legacy
check "the legacy (not compatible) user logs in" login "$DEMO_NONCOMPAT_USER" "$DEMO_NONCOMPAT_PASSWORD"
http GET /acme/new
is "it gets 403 on /acme/new" "$HTTP_STATUS" 403

done_testing
