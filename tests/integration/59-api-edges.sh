#!/usr/bin/env bash
# The JSON API at its edges, as a hostile or clumsy client would use it (issue
# #16 item 8), and the subscription list's filter and sort (item 10): every
# unknown, repeated, empty, malformed or out-of-range value is a 400 naming it,
# never ignored or clamped; a status's title says what it means (429: a limit,
# not "something went wrong"); the same operation sent several times at once
# gives one success and, for the others, the documented answer (a replay of a
# creation: 200 with the same id; a second removal of a domain: 409); a
# replayed idempotency key with another body is a 409.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

R="t59$$$RANDOM"
ACC=$(ctl account-add --name "Edges $R" --type deposit --vat-bp 2000 --balance-cents 500000)
KEY=$(ctl apikey-add --account "$ACC" --label t59)
check "an account and an API key" test -n "$KEY"
# st: "STATUS FIELD" of the last answer.
st() { printf '%s %s' "$HTTP_STATUS" "$(j .error.field)"; }

# ---- unknown, repeated and malformed inputs are named
api "$KEY" POST /api/v1/quote '{"type":"DV","domains":["a.'"$R"'.test"],"domians":["x"]}'
is "an unknown body field is a 400 naming it" "$(st)" "400 domians"
like "saying to remove it" "$(j .error.message)" "not one this request takes"
api "$KEY" POST /api/v1/quote '{"type":"DV","type":"OV","domains":["a.'"$R"'.test"]}'
is "a repeated JSON key is a 400" "$HTTP_STATUS" 400
api "$KEY" POST '/api/v1/quote?debug=1' '{"type":"DV","domains":["a.'"$R"'.test"]}'
is "a query parameter on a POST route is a 400 naming it" "$(st)" "400 debug"
api "$KEY" GET '/api/v1/subscriptions?pgae=2'
is "a misspelt query parameter is a 400 naming it, not page 1" "$(st)" "400 pgae"
api "$KEY" GET '/api/v1/subscriptions?page=1&page=2'
is "a repeated query parameter is a 400 naming it" "$(st)" "400 page"
for bad in 0 -1 abc 1.5 100001 ''; do
	api "$KEY" GET "/api/v1/subscriptions?page=$bad"
	is "page=$bad is a 400 naming page (never clamped to 1)" "$(st)" "400 page"
done
api "$KEY" GET '/api/v1/certificates?page=0'
is "the certificates list too" "$(st)" "400 page"
api "$KEY" GET '/api/v1/account?x=1'
is "even GET /api/v1/account" "$(st)" "400 x"
api "$KEY" POST /api/v1/quote '{"type":"DV","domains":[]}'
is "an empty domain list is a 400 naming domains" "$(st)" "400 domains"
api "$KEY" POST /api/v1/quote '{"type":"DV","domains":["a.'"$R"'.test",7]}'
is "a domain that is not a string is a 400 naming domains" "$(st)" "400 domains"
api "$KEY" POST /api/v1/quote '{"type":"EV","domains":["a.'"$R"'.test"]}'
is "an unknown type is a 400 naming type" "$(st)" "400 type"
api "$KEY" POST /api/v1/quote "{\"type\":\"DV\",\"domains\":[\"$(head -c 300 /dev/zero | tr '\0' a).test\"]}"
is "an oversized domain is a 400 naming domains" "$(st)" "400 domains"

# ---- 429 says what it is
ctl limit-set --account "$ACC" --subscriptions-per-hour 0 >/dev/null
api "$KEY" POST /api/v1/subscriptions '{"type":"DV","name":"Limited","domains":["l.'"$R"'.test"],"idempotency_key":"k-'"$R"'-lim"}'
is "past the creation limit: 429" "$HTTP_STATUS" 429
like "its title says a limit was reached" "$(j .error.title)" "Too many requests"
check "not that something went wrong on our side" bash -c "! jq -r .error.title '$HTTP_BODY' | grep -q 'went wrong'"
ctl limit-set --account "$ACC" --subscriptions-per-hour default >/dev/null

# ---- the same creation sent four times at once: one 201, three replays of it
body='{"type":"DV","name":"Once '"$R"'","domains":["once.'"$R"'.test"],"idempotency_key":"k-'"$R"'-once"}'
for i in 1 2 3 4; do
	curl -s -o "$TEST_TMP/c$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' --data-binary "$body" "$CENTER_URL/api/v1/subscriptions" >"$TEST_TMP/c$i.status" &
done
wait
is "four concurrent creations with one key: one 201 and three 200" \
	"$(cat "$TEST_TMP"/c?.status | sort | tr '\n' ' ')" "200 200 200 201 "
is "all four answer the same subscription id" "$(jq -r .id "$TEST_TMP"/c?.json | sort -u | wc -l)" 1
is "one subscription, charged once" \
	"$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC AND status <> 'failed'") $(sql "SELECT COUNT(*) FROM ledger WHERE account_id = $ACC AND kind = 'charge'")" "1 1"
SUB=$(jq -r .id "$TEST_TMP/c1.json")
api "$KEY" POST /api/v1/subscriptions '{"type":"DV","name":"Once '"$R"'","domains":["other.'"$R"'.test"],"idempotency_key":"k-'"$R"'-once"}'
is "the same key with another body is a 409 naming idempotency_key" "$(st)" "409 idempotency_key"

# ---- a domain removed four times at once: one 200, three 409
api "$KEY" POST "/api/v1/subscriptions/$SUB/domains" '{"domain":"twice.'"$R"'.test"}'
is "a second domain is added" "$HTTP_STATUS" 201
DID=$(j .id)
for i in 1 2 3 4; do
	curl -s -o "$TEST_TMP/d$i.json" -w '%{http_code}\n' -X DELETE -H "Authorization: Bearer $KEY" \
		"$CENTER_URL/api/v1/subscriptions/$SUB/domains/$DID" >"$TEST_TMP/d$i.status" &
done
wait
is "four concurrent removals: one 200, three 409" "$(cat "$TEST_TMP"/d?.status | sort | tr '\n' ' ')" "200 409 409 409 "
is "refunded once" "$(sql "SELECT COUNT(*) FROM ledger WHERE domain_ref = $DID AND kind = 'refund'")" 1
api "$KEY" PATCH "/api/v1/subscriptions/$SUB" '{}'
is "a PATCH with nothing to change is a 400" "$HTTP_STATUS" 400
api "$KEY" PATCH "/api/v1/subscriptions/$SUB" '{"auto_renew":"yes"}'
is "auto_renew must be a boolean: 400 naming it" "$(st)" "400 auto_renew"
api "$KEY" PATCH "/api/v1/subscriptions/$SUB" '{"autorenew":true}'
is "a misspelt PATCH field is a 400 naming it, not a silent no-op" "$(st)" "400 autorenew"

# ---- the list: filter by status, type, name; sort by any column
add_row() {
	sql "INSERT INTO subscriptions (account_id, level, name, status, acme_server, start_date,
		end_date, auto_renew, idempotency_key, created_by, created_at, updated_at)
		VALUES ($ACC, '$1', '$2', '$3', 'https://ca.test/v2/$1', '2026-01-10', '$4', 0,
		'$R-$RANDOM', 'test', '2026-01-01', '2026-01-01')"
}
add_row OV "Zeta shop" expired 2026-06-01
add_row DV "alpha blog" active 2027-09-01
add_row QWAC "Mid bank" active 2027-03-01
names() { j '[.subscriptions[].name] | join(",")'; }
api "$KEY" GET '/api/v1/subscriptions?sort=name'
is "sorted by name" "$(names)" "alpha blog,Mid bank,Once $R,Zeta shop"
api "$KEY" GET '/api/v1/subscriptions?sort=end&order=desc&status=active'
is "active ones, latest expiry first" "$(names)" "Once $R,alpha blog,Mid bank"
api "$KEY" GET '/api/v1/subscriptions?type=QWAC'
is "by type" "$(names) $(j .pagination.total)" "Mid bank 1"
api "$KEY" GET '/api/v1/subscriptions?q=SHOP'
is "by part of the name, any case" "$(names)" "Zeta shop"
api "$KEY" GET '/api/v1/subscriptions?q=%25'
is "a % in the name filter is a character, not a wildcard" "$(j .pagination.total)" 0
api "$KEY" GET '/api/v1/subscriptions'
is "by default newest first" "$(j '.subscriptions[0].name')" "Mid bank"
api "$KEY" GET '/api/v1/subscriptions?status=failed'
is "an unknown status is a 400 naming status" "$(st)" "400 status"
api "$KEY" GET '/api/v1/subscriptions?sort=price'
is "an unknown sort is a 400 naming sort" "$(st)" "400 sort"
api "$KEY" GET '/api/v1/subscriptions?order=up'
is "an unknown order is a 400 naming order" "$(st)" "400 order"
api "$KEY" GET "/api/v1/subscriptions?q=$(head -c 201 /dev/zero | tr '\0' a)"
is "a name filter over 200 characters is a 400 naming q" "$(st)" "400 q"


# ---- the details page for real accounts: trash can, dates on one line, expiries highlighted
sql "INSERT INTO certificates (account_id, subscription_id, order_number, reference, domain, serial,
	not_before, not_after, status, status_code, upstream_page, first_seen_at, updated_at) VALUES
	($ACC, $SUB, 59000001$RANDOM, 'SGACME-59a$R', 'once.$R.test', '0A1B', UTC_TIMESTAMP() - INTERVAL 80 DAY,
	 UTC_TIMESTAMP() + INTERVAL 10 DAY, 'valid', 6, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP()),
	($ACC, $SUB, 59000002$RANDOM, 'SGACME-59b$R', 'once.$R.test', '0A1C', UTC_TIMESTAMP() - INTERVAL 20 DAY,
	 UTC_TIMESTAMP() + INTERVAL 70 DAY, 'valid', 6, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP()),
	($ACC, $SUB, 59000003$RANDOM, 'SGACME-59c$R', 'once.$R.test', '0A1D', UTC_TIMESTAMP() - INTERVAL 85 DAY,
	 UTC_TIMESTAMP() + INTERVAL 5 DAY, 'revoked', 8, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP());
	UPDATE subscriptions SET certificates_count = 3 WHERE id = $SUB"
api "$KEY" GET "/api/v1/subscriptions/$SUB"
is "expires_soon: the valid one ending in 10 days only (not in 70, not a revoked one)" \
	"$(j '[.certificates[] | select(.reference | startswith("SGACME-59")) | "\(.reference | .[7:10]) \(.expires_soon)"] | sort | join(",")')" \
	"59a true,59b false,59c false"
printf '%s\n' "pw-$R-secret" >"$TEST_TMP/pw"
ctl user-add --account "$ACC" --login "t59-$R" --password-file "$TEST_TMP/pw" --lang en >/dev/null
check "the customer logs in" login "t59-$R" "pw-$R-secret"
http GET "/acme/$SUB"
xp() { xmllint --html --xpath "$1" "$HTTP_BODY" 2>/dev/null; }
is "one expiry cell is highlighted, with its words" \
	"$(xp "count(//table[@id='certificates']//td[contains(@class, 'expires-soon')])") $(xp "string(//td[contains(@class, 'expires-soon')]/span)")" \
	"1 expires within 30 days"
is "the delete action of the active domain is the trash can, named for screen readers" \
	"$(xp "string(//table[@id='domains']//a[contains(@class, 'delete')]/@aria-label)") $(xp "count(//table[@id='domains']//a[contains(@class, 'delete')]/*[local-name() = 'svg'])")" \
	"Delete once.$R.test 1"
is "every date cell of both tables is marked not to wrap" \
	"$(xp "count(//table[@id='certificates']/tbody/tr/td[position() = 4 or position() = 5][not(contains(@class, 'date'))])")" 0
check "and the stylesheet keeps them on one line" grep -q 'td.date' "$ROOT/static/center.css"

# ---- the list page: the filter form echoes the query
http GET '/acme?status=active&sort=name&order=asc&q=mid'
is "the filtered list page answers 200 with only the matching row" \
	"$HTTP_STATUS $(xp "count(//table[@id='subscriptions']/tbody/tr)") $(xp "string(//table[@id='subscriptions']/tbody/tr[1]/td[1])")" "200 1 Mid bank"
is "the form keeps the filter" \
	"$(xp "string(//select[@id='filter-status']/option[@selected]/@value)") $(xp "string(//input[@id='filter-q']/@value)") $(xp "string(//select[@id='filter-sort']/option[@selected]/@value)")" \
	"active mid name"
http GET '/acme?status=nope'
is "a bad filter value on the page is a 400 too" "$HTTP_STATUS" 400
http GET '/acme?page=x'
is "and a bad page number" "$HTTP_STATUS" 400


# ---- page forms: the same rules (unknown or repeated fields, bad choices are 400s naming them)
http GET "/acme/$SUB"
CSRF=$(csrf_token)
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" -d auto_renew=maybe -H 'Accept: application/json'
is "settings: auto_renew other than on/off is a 400 naming it (it used to mean off)" "$(st)" "400 auto_renew"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" -d auto_renew=on -d auto_renew=off -H 'Accept: application/json'
is "settings: auto_renew twice is a 400 naming it" "$(st)" "400 auto_renew"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" -d autorenew=on -H 'Accept: application/json'
is "settings: an unknown field is a 400 naming it" "$(st)" "400 autorenew"
http POST "/acme/$SUB/settings" --data-urlencode "csrf=$CSRF" --data-urlencode "name=" -H 'Accept: application/json'
is "settings: an empty name is a 400 naming name, not ignored" "$(st)" "400 name"
http POST "/acme/$SUB/domains" --data-urlencode "csrf=$CSRF" -d domain=x.$R.test -d action=buy -H 'Accept: application/json'
is "domain add: an unknown action is a 400 naming action" "$(st)" "400 action"
http POST /acme/new --data-urlencode "csrf=$CSRF" -d type=DV -d type=OV -d name=x -d domains=y.$R.test -d action=preview -H 'Accept: application/json'
is "creation form: type twice is a 400 naming type" "$(st)" "400 type"

rc=0; out=$(ctl ledger-check) || rc=$?
is "caasctl ledger-check finds no discrepancy after these money movements" "$rc $(tail -n1 <<<"$out" | sed 's/.*; //')" "0 0 discrepancies"

done_testing
