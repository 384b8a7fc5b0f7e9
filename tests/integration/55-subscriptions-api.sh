#!/usr/bin/env bash
# ACME CaaS subscriptions through the JSON API (README "JSON API"), end to end:
# the bundled CA's reseller API over libcurl, the billing module, certbot
# issuing with the credentials, caasctl sync. Money is checked to the cent for
# a deposit and a monthly customer: creation, an addition pro rata, a deletion
# within 30 days (refund + revocation) and one after (no refund). Another
# customer's subscription is 404.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE
. "$ROOT/tests/integration/subs.bash"

R="t55$$$RANDOM"
DEP=$(ctl account-add --name "API test deposit" --type deposit --vat-bp 2000 --balance-cents 100000)
DEPKEY=$(ctl apikey-add --account "$DEP" --label t55)
MON=$(ctl account-add --name "API test monthly" --type monthly --vat-bp 2000)
MONKEY=$(ctl apikey-add --account "$MON" --label t55)
POOR=$(ctl account-add --name "API test poor" --type deposit --vat-bp 2000 --balance-cents 1000)
POORKEY=$(ctl apikey-add --account "$POOR" --label t55)
check "test accounts and API keys were created" test -n "$DEPKEY" -a -n "$MONKEY" -a -n "$POORKEY"
ctl price-set --account "$DEP" --product DV_SSL --cents 2500 >/dev/null

# ---- quote
api "$DEPKEY" POST /api/v1/quote "{\"type\":\"DV\",\"domains\":[\"a.$R.test\",\"*.b.$R.test\"]}"
is "a quote answers 200" "$HTTP_STATUS" 200
is "the quote prices each line at this account's rates (negotiated DV SSL, list WildSSL)" \
	"$(j '[.lines[] | "\(.domain) \(.product) \(.price_cents)"] | join(",")')" \
	"a.$R.test DV_SSL 2500,*.b.$R.test DV_WILDSSL 14900"
is "the quote's total is the sum of its lines" "$(j .total_cents)" 17400
api "$DEPKEY" POST /api/v1/quote '{"type":"EV","domains":["a.test"]}'
is "an unknown type is a 400 naming the field" "$HTTP_STATUS/$(j .error.field)" "400/type"
api "$DEPKEY" POST /api/v1/quote "{\"type\":\"DV\",\"domains\":[\"ok.$R.test\",\"bad..name.test\"]}"
is "a bad domain is a 400 naming the field" "$HTTP_STATUS/$(j .error.field)" "400/domains"
like "the message names the line and the reason" "$(j .error.message)" "Line 2"
api "$DEPKEY" POST /api/v1/quote "{\"type\":\"QWAC\",\"domains\":[\"*.q.$R.test\"]}"
like "QWAC refuses a wildcard" "$HTTP_STATUS $(j .error.message)" "400 Line 1"
api "$DEPKEY" POST /api/v1/quote 'not json'
is "a body that is not JSON is a 400" "$HTTP_STATUS" 400
http GET /api/v1/subscriptions
is "no API key is a 401" "$HTTP_STATUS" 401

# ---- create (deposit)
D1="x1.$R.test" D2="x2.$R.test"
BODY="{\"type\":\"DV\",\"name\":\"Shop $R\",\"domains\":[\"$D1\",\"$D2\"],\"idempotency_key\":\"k-$R-1\"}"
api "$DEPKEY" POST /api/v1/subscriptions "$BODY"
is "creating a subscription answers 201" "$HTTP_STATUS" 201
SUB=$(j .id) KID=$(j .acme.kid) HMAC=$(j .acme.hmac_key) SERVER=$(j .acme.server)
is "it is active" "$(j .status)" active
check "the answer carries the EAB key id and HMAC key" test -n "$KID" -a ${#HMAC} -ge 32
is "the ACME server is the DV directory" "$SERVER" "$ACME_DV_URL"
is "the deposit was debited 2 × 2500 + 20% VAT" "$(balance "$DEP")" 94000
is "one charge per domain, each with its upstream order" \
	"$(sql "SELECT COUNT(*), SUM(net_cents), SUM(vat_cents), SUM(upstream_order IS NOT NULL) FROM ledger WHERE subscription_ref = $SUB AND kind = 'charge'" | tr '\t' ' ')" \
	"2 5000 1000 2"
is "the upstream has both domains on the key" "$(up_domains "$KID")" "$D1,$D2"
dump=$(mariadb-dump --no-defaults -S "$MYSQL_SOCKET" --skip-comments center 2>/dev/null)
check "the customer-area database does not hold the HMAC key" test -n "$dump" -a "${dump/$HMAC/}" == "$dump"
check "no log of the stack holds the HMAC key" bash -c "! grep -rqF -- '$HMAC' '$STACK_DIR/log' '$STACK_DIR'/*.log 2>/dev/null"

api "$DEPKEY" POST /api/v1/subscriptions "$BODY"
is "the same idempotency key again answers 200" "$HTTP_STATUS" 200
is "with the same id" "$(j .id)" "$SUB"
is "and no HMAC key" "$(j '.acme.hmac_key // "none"')" none
is "and no new charge" "$(balance "$DEP")" 94000
api "$DEPKEY" POST /api/v1/subscriptions "${BODY/Shop $R/Other $R}"
is "the same key for another subscription is a 409" "$HTTP_STATUS/$(j .error.field)" "409/idempotency_key"
api "$DEPKEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"Dup $R\",\"domains\":[\"$D1\"],\"idempotency_key\":\"k-$R-dup\"}"
like "a domain live in another DV subscription is refused" "$HTTP_STATUS $(j .error.message)" "400 Line 1"

# ---- not enough funds: a clear refusal, nothing anywhere
api "$POORKEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"Poor\",\"domains\":[\"p.$R.test\"],\"idempotency_key\":\"k-$R-poor\"}"
is "a deposit that cannot pay is a 402" "$HTTP_STATUS" 402
like "the message says so" "$(j .error.message)" "nsufficient funds"
is "no subscription row, no ledger row but the opening credit" \
	"$(sql "SELECT (SELECT COUNT(*) FROM subscriptions WHERE account_id = $POOR) + (SELECT COUNT(*) FROM ledger WHERE account_id = $POOR AND kind <> 'credit')")" 0

# ---- read it back
api "$DEPKEY" GET /api/v1/subscriptions
is "the list holds the subscription" "$(j "[.subscriptions[] | select(.id == $SUB) | .active_domains] | .[0]")" 2
api "$DEPKEY" GET "/api/v1/subscriptions/$SUB"
is "details: name, type, status, auto_renew" "$(j '"\(.name)|\(.type)|\(.status)|\(.auto_renew)"')" "Shop $R|DV|active|false"
is "details: the term starts tomorrow (UTC)" "$(j .start)" "$(date -u -d tomorrow +%F)"
check "details: the term ends about a year later" test "$(j .end)" \> "$(date -u -d '+364 days' +%F)"
is "details: the domains with their upstream order as reference" \
	"$(j '[.domains[] | "\(.name) \(.status) \(.reference != null)"] | join(",")')" "$D1 active true,$D2 active true"
api "$DEPKEY" PATCH "/api/v1/subscriptions/$SUB" '{"auto_renew":true,"name":"Shop renamed"}'
is "PATCH switches auto-renewal and renames" "$HTTP_STATUS $(j .auto_renew) $(j .name)" "200 true Shop renamed"
is "the switch is recorded with who did it" \
	"$(sql "SELECT event, actor LIKE 'api-key-%' FROM subscription_events WHERE subscription_id = $SUB" | tr '\t' ' ')" "auto_renew_on 1"
api "$DEPKEY" PATCH "/api/v1/subscriptions/$SUB" '{"auto_renew":"yes"}'
is "a non-boolean auto_renew is a 400" "$HTTP_STATUS/$(j .error.field)" "400/auto_renew"

# ---- another customer sees nothing
api "$MONKEY" GET "/api/v1/subscriptions/$SUB"
is "another customer's subscription is 404 in the API" "$HTTP_STATUS" 404
api "$MONKEY" PATCH "/api/v1/subscriptions/$SUB" '{"name":"mine"}'
is "and cannot be changed" "$HTTP_STATUS" 404
D1ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D1'")
api "$MONKEY" DELETE "/api/v1/subscriptions/$SUB/domains/$D1ID"
is "nor can its domains be deleted" "$HTTP_STATUS" 404
check "login as the monthly demo user" login "$DEMO_MONTHLY_USER" "$DEMO_MONTHLY_PASSWORD"
http GET "/acme/$SUB"
is "another customer's subscription is 404 as a page" "$HTTP_STATUS" 404
clear_cookies

# ---- certbot with the credentials, then sync
CB="$TEST_TMP/certbot"
client_ok "certbot obtains a certificate for $D1 with the subscription's credentials" "$TEST_TMP/cb.log" \
	certbot_run "$CB" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin@$D1" \
	--eab-kid "$KID" --eab-hmac-key "$HMAC" -d "$D1"
out=$(ctl sync --subscription "$SUB")
like "caasctl sync records the new certificate" "$out" "1 new certificates"
api "$DEPKEY" GET "/api/v1/subscriptions/$SUB"
REF=$(j '.certificates[0].reference')
check "the certificate has a SGACME- reference" grep -qE '^SGACME-[0-9]+$' <<<"$REF"
serial=$(openssl x509 -noout -serial -in "$CB/config/live/$D1/cert.pem" | cut -d= -f2 | tr 'A-F' 'a-f')
is "its serial is the one certbot got" "$(j '.certificates[0].serial' | tr 'A-F' 'a-f' | sed 's/^0*//')" "${serial##0}"
is "it is valid, for $D1" "$(j '.certificates[0] | "\(.status) \(.domain)"')" "valid $D1"
out=$(ctl sync --subscription "$SUB")
like "a second sync finds nothing new" "$out" "0 new certificates, 0 updated"
api "$DEPKEY" GET "/api/v1/certificates?q=x1.$R"
is "the certificates search finds it by domain" "$(j '.certificates | length') $(j '.certificates[0].reference')" "1 $REF"
api "$DEPKEY" GET "/api/v1/certificates?q=$REF"
is "and by reference" "$(j '.certificates[0].domain')" "$D1"
api "$MONKEY" GET "/api/v1/certificates?q=$REF"
is "another customer's search does not see it" "$(j '.certificates | length')" 0

# ---- add a domain, pro rata: our term is moved to end in 100 days
END=$(date -u -d '+100 days' +%F)
sql "UPDATE subscriptions SET start_date = DATE_SUB('$END', INTERVAL 365 DAY), end_date = '$END' WHERE id = $SUB"
D3="x3.$R.test"
api "$DEPKEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"$D3\",\"quote_only\":true}"
# round_half_up(2500 × 100 / 365) = round_half_up(684.93) = 685
is "the quote of an addition is pro rata: 2500 × 100/365 → 685" "$HTTP_STATUS $(j .price_cents)" "200 685"
is "a quote moves no money" "$(balance "$DEP")" 94000
api "$DEPKEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"$D3\"}"
is "adding answers 201 with the domain id and price" "$HTTP_STATUS $(j .price_cents)" "201 685"
is "the deposit was debited 685 + 137 VAT" "$(balance "$DEP")" $((94000 - 822))
like "the upstream has the new domain" "$(up_domains "$KID")" "$D3"
api "$DEPKEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"$D3\"}"
is "adding it twice is refused" "$HTTP_STATUS/$(j .error.field)" "400/domain"
is "and charged once" "$(balance "$DEP")" $((94000 - 822))

# ---- delete within 30 days: full refund, the certificate's revocation asked, then confirmed
# The account's VAT rate changes between the charge and the refund: the
# refund mirrors its charge (20 %), not today's rate (issue #16 item 5).
sql "UPDATE accounts SET vat_bp = 550 WHERE id = $DEP"
api "$DEPKEY" DELETE "/api/v1/subscriptions/$SUB/domains/$D1ID"
sql "UPDATE accounts SET vat_bp = 2000 WHERE id = $DEP"
is "deleting within 30 days refunds the net price" "$HTTP_STATUS $(j .refund_cents)" "200 2500"
is "and says one certificate's revocation was requested" "$(j .revoked_certificates)" 1
is "the deposit got 2500 + 500 VAT back" "$(balance "$DEP")" $((94000 - 822 + 3000))
is "the refund is in the ledger against the domain" \
	"$(sql "SELECT kind, net_cents, vat_cents FROM ledger WHERE domain_ref = $D1ID AND kind = 'refund'" | tr '\t' ' ')" "refund 2500 500"
is "the refund names its charge and keeps its rate, not the account's new 5.5 %" \
	"$(sql "SELECT r.vat_bp, r.refund_of = c.id FROM ledger r JOIN ledger c ON c.domain_ref = r.domain_ref AND c.kind = 'charge' WHERE r.domain_ref = $D1ID AND r.kind = 'refund'" | tr '\t' ' ')" "2000 1"
api "$DEPKEY" GET "/api/v1/subscriptions/$SUB"
is "the domain shows removed" "$(j ".domains[] | select(.id == $D1ID) | .status")" removed
is "its certificate shows valid, revocation requested (not assumed revoked)" \
	"$(j ".certificates[] | select(.reference == \"$REF\") | \"\(.status) \(.revocation_requested)\"")" "valid true"
ctl sync --subscription "$SUB" >/dev/null
is "the upstream did not revoke on removal (reseller_remove_revokes = no): still valid after sync" \
	"$(sql "SELECT status_code FROM certificates WHERE reference = '$REF'")" 6
out=$(ctl confirm-revocations)
like "confirm-revocations waits for revocation_confirm_delay" "$out" "confirm-revocations: 0 due"
mark=$(last_call)
out=$(ctl confirm-revocations --now "$(date -u -d '+2 hours' '+%F %T')")
is "!AutoRevokeSSL carries orderNumber, codeReason, revocationReason, responseFormat" \
	"$(calls_since "$mark" | awk -F'\t' '$2 == "AutoRevokeSSL" { print $4 " " $5 }')" \
	"200 codeReason,loginName,loginPassword,orderNumber,responseFormat,revocationReason"
like "an hour later confirm-revocations asks !AutoRevokeSSL, which accepts" "$out" \
	"1 due, 0 confirmed revoked, 1 still requested"
is "accepted is not confirmed: still valid, revocation requested, the upstream's answer noted" \
	"$(sql "SELECT CONCAT(status, ' ', revocation_requested_at IS NOT NULL, ' ', revocation_note) FROM certificates WHERE reference = '$REF'")" \
	"valid 1 revocation accepted by the certificate authority"
out=$(ctl confirm-revocations --now "$(date -u -d '+4 hours' '+%F %T')")
like "asked again later, the upstream answers already revoked: confirmed" "$out" "1 due, 1 confirmed revoked"
is "the certificate is revoked, confirmed by the upstream (8)" \
	"$(sql "SELECT CONCAT(status, ' ', status_code) FROM certificates WHERE reference = '$REF'")" "revoked 8"
is "and its note says the upstream confirms" \
	"$(sql "SELECT revocation_note FROM certificates WHERE reference = '$REF'")" "revoked (the certificate authority confirms)"
ctl sync --subscription "$SUB" >/dev/null
is "the upstream says revoked too (after sync)" "$(sql "SELECT status_code FROM certificates WHERE reference = '$REF'")" 8
check "the CA revoked it: openssl verify with the CRL fails" bash -c \
	"curl -sS '$CENTER_URL/crl/issuing.crl' -o '$TEST_TMP/crl.der' && openssl crl -inform DER -in '$TEST_TMP/crl.der' -noout -text | grep -qi '$(tr 'a-f' 'A-F' <<<"$serial")'"
api "$DEPKEY" DELETE "/api/v1/subscriptions/$SUB/domains/$D1ID"
is "deleting it again is a 409" "$HTTP_STATUS" 409

# ---- delete after 30 days: no refund
D2ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D2'")
sql "UPDATE subscription_domains SET added_at = DATE_SUB(added_at, INTERVAL 31 DAY) WHERE id = $D2ID"
before=$(balance "$DEP")
api "$DEPKEY" DELETE "/api/v1/subscriptions/$SUB/domains/$D2ID"
is "deleting after 30 days refunds nothing" "$HTTP_STATUS $(j .refund_cents) $(j .within_refund_window)" "200 0 false"
is "the balance did not move" "$(balance "$DEP")" "$before"
is "no refund row for it" "$(sql "SELECT COUNT(*) FROM ledger WHERE domain_ref = $D2ID AND kind = 'refund'")" 0

# ---- the monthly customer: invoice lines
api "$MONKEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"Monthly $R\",\"domains\":[\"m1.$R.test\",\"*.m2.$R.test\"],\"idempotency_key\":\"k-$R-m\"}"
is "the monthly customer creates a subscription" "$HTTP_STATUS" 201
MSUB=$(j .id)
INV=$(sql "SELECT id FROM invoices WHERE account_id = $MON AND status = 'open'")
is "the lines are on the open invoice of the month" \
	"$(sql "SELECT GROUP_CONCAT(CONCAT(l.net_cents, '/', l.vat_cents) ORDER BY l.id) FROM invoice_lines l WHERE l.invoice_id = '$INV'")" "3900/780,14900/2980"
like "each line names the product and the domain" \
	"$(sql "SELECT GROUP_CONCAT(description ORDER BY id SEPARATOR ' | ') FROM invoice_lines WHERE invoice_id = '$INV'")" "DV SSL m1.$R.test (Monthly $R) | DV WildSSL *.m2.$R.test"
is "the invoice totals follow" "$(sql "SELECT CONCAT(net_cents, '/', vat_cents, '/', gross_cents) FROM invoices WHERE id = '$INV'")" "18800/3760/22560"
M1ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $MSUB AND name = 'm1.$R.test'")
api "$MONKEY" DELETE "/api/v1/subscriptions/$MSUB/domains/$M1ID"
is "a monthly deletion within 30 days refunds" "$(j .refund_cents)" 3900
is "as a credit line on the invoice" "$(sql "SELECT CONCAT(net_cents, '/', vat_cents) FROM invoice_lines WHERE invoice_id = '$INV' ORDER BY id DESC LIMIT 1")" "-3900/-780"
is "and the invoice total goes down" "$(sql "SELECT gross_cents FROM invoices WHERE id = '$INV'")" $((22560 - 4680))
api "$MONKEY" GET /api/v1/account
is "GET /api/v1/account for the monthly customer" "$(j '"\(.type) \(.currency)"')" "monthly EUR"

# ---- OV: an organization with an approved pre-validation for OV only
ORG=$(ctl org-add --account "$DEP" --name "Shop $R SAS" --city Lyon --country FR)
preval_approve "$ORG" OV >/dev/null
api "$DEPKEY" POST /api/v1/subscriptions "{\"type\":\"OV\",\"name\":\"OV $R\",\"domains\":[\"ov.$R.test\"],\"idempotency_key\":\"k-$R-ov\"}"
is "OV without an organization is a 400 naming it" "$HTTP_STATUS/$(j .error.field)" "400/organization_id"
api "$DEPKEY" POST /api/v1/subscriptions "{\"type\":\"OV\",\"organization_id\":$ORG,\"name\":\"OV $R\",\"domains\":[\"ov.$R.test\"],\"idempotency_key\":\"k-$R-ov\"}"
is "OV with its approved organization is created" "$HTTP_STATUS $(j .acme.server)" "201 $ACME_OV_URL"
OVSUB=$(j .id)
api "$DEPKEY" GET "/api/v1/subscriptions/$OVSUB"
is "the details name the organization" "$(j .organization)" "Shop $R SAS"
is "it was billed at the OV SSL price" "$(sql "SELECT product_code, net_cents FROM ledger WHERE subscription_ref = $OVSUB" | tr '\t' ' ')" "OV_SSL 8900"
api "$DEPKEY" POST /api/v1/subscriptions "{\"type\":\"QWAC\",\"organization_id\":$ORG,\"name\":\"Q $R\",\"domains\":[\"q.$R.test\"],\"idempotency_key\":\"k-$R-q\"}"
is "QWAC with an organization approved only for OV is refused" "$HTTP_STATUS/$(j .error.field)" "400/organization_id"
api "$MONKEY" POST /api/v1/subscriptions "{\"type\":\"OV\",\"organization_id\":$ORG,\"name\":\"Not mine\",\"domains\":[\"nm.$R.test\"],\"idempotency_key\":\"k-$R-nm\"}"
is "another customer cannot use this organization" "$HTTP_STATUS/$(j .error.field)" "400/organization_id"

rc=0; out=$(ctl ledger-check) || rc=$?
is "caasctl ledger-check finds no discrepancy after the API's money movements" "$rc $(tail -n1 <<<"$out" | sed 's/.*; //')" "0 0 discrepancies"

done_testing
