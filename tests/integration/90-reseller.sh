#!/usr/bin/env bash
# The reseller API of the bundled CA (POST $CAAS_API_BASE/products/!ACMEAdmin and
# !AutoRevokeSSL, DESIGN.md §3-4, docs/upstream.md) over HTTPS with libcurl: the
# money (first domain a full year, later ones pro rata, no double charge,
# refunds), the extension window, and a certificate issued by lego with a
# PREREGISTERed key, listed by GETLASTORDER, revoked by !AutoRevokeSSL, and left
# valid by a refunded REMOVEDOMAIN in the stack's default mode
# (reseller_remove_revokes = no; 95-reseller-timetravel.sh runs the other).
# The exact contract texts are 91-reseller-contract.sh's.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

for v in CAAS_API_BASE CAAS_LOGIN CAAS_PASSWORD MYSQL_SOCKET; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
done

API="$CAAS_API_BASE/products/!ACMEAdmin"
REVOKE="$CAAS_API_BASE/products/!AutoRevokeSSL"
BODY="$TEST_TMP/api.json"
export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e "$1"; }
day() { date -u -d "$1" +%F; }
TODAY=$(day today)

# api ACTION [FIELD=VALUE...]: POST to !ACMEAdmin with the reseller's login;
# sets ST (HTTP status), the answer in $BODY.
api() {
	local a=(--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD"
		--data-urlencode "action=$1") f
	shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	raw_post "$API" "${a[@]}"
}

# raw_post URL CURLARGS...: the same without the login fields.
raw_post() {
	local url=$1
	shift
	: >"$BODY"
	ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" --max-time 30 -o "$BODY" -w '%{http_code}' \
		"$@" "$url") || ST=000
}

j() { jq -r "$1" "$BODY" 2>/dev/null; }

# refused DESC STATUS KIND SUBSTRING: the last answer was that problem document.
refused() {
	is "$1: HTTP $2" "$ST" "$2"
	is "$1: type $3" "$(j .type)" "urn:sectigo:params:acme:error:$3"
	like "$1: detail names it" "$(j .detail)" "$4"
}

orders_of() { sql "SELECT COUNT(*) FROM reseller_orders o JOIN eab_keys e ON e.id = o.eab_id WHERE e.kid = '$1'"; }

# ---- LISTSERVERS, PREREGISTER ----
api LISTSERVERS
is "LISTSERVERS answers 200" "$ST" 200
is "LISTSERVERS lists the three directories" "$(j '[.Servers[].serverUrl] | join(" ")')" \
	"$ACME_DV_URL $ACME_OV_URL $ACME_QWAC_URL"
is "LISTSERVERS gives the validation type" "$(j '[.Servers[].certValidationType] | join(" ")')" "DV OV QWAC"

api PREREGISTER "serverUrl=$ACME_DV_URL" years=1
is "PREREGISTER DV answers 200" "$ST" 200
KID=$(j '.Accounts[0].acmeAccountID')
HMAC=$(j '.Accounts[0].eabMACKeyb64url')
is "PREREGISTER: the key is pending" "$(j '.Accounts[0].accountStatus')" pending
is "PREREGISTER: eabMACIDb64url is the account id" "$(j '.Accounts[0].eabMACIDb64url')" "$KID"
check "PREREGISTER: the HMAC key is base64url" test -n "$(printf '%s' "$HMAC" | grep -E '^[A-Za-z0-9_-]{43}$')"
is "PREREGISTER stored a DV key, HMAC sealed (not in clear)" \
	"$(sql "SELECT CONCAT(level, ' ', status, ' ', hmac_enc = '$HMAC') FROM eab_keys WHERE kid = '$KID'")" "DV pending 0"

api PREREGISTER "serverUrl=$ACME_OV_URL"
is "PREREGISTER OV answers 200" "$ST" 200
is "PREREGISTER OV stored an OV key without organization (it comes with the anchor)" \
	"$(sql "SELECT CONCAT(level, '/', IFNULL(org_name, '-')) FROM eab_keys WHERE kid = '$(j '.Accounts[0].acmeAccountID')'")" \
	"OV/-"

n=$(sql "SELECT COUNT(*) FROM eab_keys")
api PREREGISTER "serverUrl=$CAAS_API_BASE/v2/EV"
refused "PREREGISTER with an unknown serverUrl" 400 malformed "'serverUrl' argument is invalid"
api PREREGISTER "serverUrl=$ACME_DV_URL" years=4
refused "PREREGISTER for 4 years" 400 malformed "'years' argument is invalid"
api PREREGISTER "serverUrl=$ACME_OV_URL" organizationName="Org SARL" locality=Paris country=FR
refused "PREREGISTER with an organization" 400 malformed "'organizationName' is an unrecognized argument"
api PREREGISTER
refused "PREREGISTER without serverUrl" 400 malformed "The 'serverUrl' argument is missing!"
is "refused PREREGISTERs created no key" "$(sql "SELECT COUNT(*) FROM eab_keys")" "$n"

# ---- login, routing ----
raw_post "$API" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=${CAAS_PASSWORD}x" \
	--data-urlencode action=LISTSERVERS
refused "a wrong password" 401 unauthorized "Incorrect login details"
raw_post "$API" --data-urlencode "loginName=other" --data-urlencode "loginPassword=$CAAS_PASSWORD" \
	--data-urlencode action=LISTSERVERS
refused "a wrong loginName" 401 unauthorized "Incorrect login details"
raw_post "$API" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode action=LISTSERVERS
refused "no loginPassword" 401 unauthorized "Incorrect login details"
api ""
refused "no action" 400 malformed "The 'action' argument is missing!"
api FROBNICATE
refused "an unknown action" 400 malformed "The value of the 'action' argument is invalid!"
api LISTDOMAINS
refused "LISTDOMAINS without acmeAccountID" 400 malformed "The 'acmeAccountID' argument is missing!"
api LISTDOMAINS acmeAccountID=nosuchkid
refused "an unknown acmeAccountID" 400 malformed "The value of the 'acmeAccountID' argument is invalid!"
ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" -o "$BODY" -w '%{http_code}' "$API") || ST=000
is "GET on !ACMEAdmin is refused" "$ST" 405
ST=$(curl -sS -o /dev/null -w '%{http_code}' --data action=LISTSERVERS \
	"http://${CAAS_API_BASE#https://}/products/!ACMEAdmin") || ST=000
check "plain HTTP to the API port gets no answer from the API ($ST)" test "$ST" != 200

# ---- ADDDOMAIN: first domain, a full year from tomorrow ----
D1=one.rsl-a.test
n=$(orders_of "$KID")
api ADDDOMAIN "acmeAccountID=$KID" "domainName=$D1" quoteOnly=Y
is "ADDDOMAIN quote of the first domain: a full year of DV" "$(j '[.success, .cost, .currency] | join(" ")')" "true 10 EUR"
is "a quote changes nothing" "$(orders_of "$KID")/$(sql "SELECT COUNT(*) FROM eab_domains e JOIN eab_keys k ON k.id = e.eab_id WHERE k.kid = '$KID'")" "$n/0"
api ADDDOMAIN "acmeAccountID=$KID" "domainName=${D1^^}" quoteOnly=N
is "ADDDOMAIN of the first domain answers 200" "$ST" 200
is "ADDDOMAIN: cost of a year, in EUR" "$(j '[.success, .cost, .currency] | join(" ")')" "true 10 EUR"
like "ADDDOMAIN: the cost is a JSON number with two decimals" "$(cat "$BODY")" '"cost":10.00,'

O1=$(j .orderNumber)
check "ADDDOMAIN gives an order number" test "$O1" -gt 0
is "the term starts tomorrow and lasts a year" \
	"$(sql "SELECT CONCAT(term_start, ' ', term_end) FROM eab_keys WHERE kid = '$KID'")" \
	"$(day tomorrow) $(day "$(day tomorrow) +1 year")"
is "the order is recorded in cents" "$(sql "SELECT CONCAT(kind, ' ', domain, ' ', cost_cents) FROM reseller_orders WHERE order_number = $O1")" \
	"ADD $D1 1000"

api ADDDOMAIN "acmeAccountID=$KID" "domainName=$D1"
is "a repeated ADDDOMAIN answers the original order" "$(j '[.orderNumber, .cost] | join(" ")')" "$O1 10"
is "a repeated ADDDOMAIN charges nothing more" "$(orders_of "$KID")" "$((n + 1))"

api LISTDOMAINS "acmeAccountID=$KID"
is "LISTDOMAINS lists the domain with the last second of the term's last day" "$(j '.Domains | map(.domainName + " " + .expiresAt) | join(",")')" \
	"$D1 $(day "$(day tomorrow) +1 year -1 day")T23:59:59Z"

# ---- ADDDOMAIN: a later domain pays pro rata (DESIGN.md §4) ----
START=$(day "-65 days")
END=$(day "+300 days")
sql "UPDATE eab_keys SET term_start = '$START', term_end = '$END' WHERE kid = '$KID'"
IN=$((($(date -u -d "$END" +%s) - $(date -u -d "$START" +%s)) / 86400))
LEFT=$((($(date -u -d "$END" +%s) - $(date -u -d "$TODAY" +%s)) / 86400))
cents() { jq -n "$1 / 100"; }	# as jq prints the JSON number
want=$(cents $(((2 * 5000 * LEFT + IN) / (2 * IN))))
api ADDDOMAIN "acmeAccountID=$KID" "domainName=*.rsl-b.test" quoteOnly=Y
is "a wildcard added $LEFT days before the end of a $IN-day term costs $want" "$(j .cost)" "$want"
want=$(cents $(((2 * 1000 * LEFT + IN) / (2 * IN))))
api ADDDOMAIN "acmeAccountID=$KID" "domainName=two.rsl-a.test"
is "a second domain is charged pro rata: $want" "$(j .cost)" "$want"
is "it shares the term's end" "$(sql "SELECT DATE(expires_at) FROM eab_domains WHERE domain = 'two.rsl-a.test'")" "$END"

# ---- EXTENDDOMAINS: only from 100 days before to 30 days after the end ----
setend() { sql "UPDATE eab_keys SET term_start = '$(day "$1 -1 year")', term_end = '$1' WHERE kid = '$KID'"; }
setend "$(day "+101 days")"
api EXTENDDOMAINS "acmeAccountID=$KID" years=1 quoteOnly=Y
refused "EXTENDDOMAINS 101 days before the end" 400 malformed "'acmeAccountID' argument is invalid"
setend "$(day "-31 days")"
api EXTENDDOMAINS "acmeAccountID=$KID" years=1 quoteOnly=Y
refused "EXTENDDOMAINS 31 days after the end" 400 malformed "'acmeAccountID' argument is invalid"
setend "$(day "-30 days")"
api EXTENDDOMAINS "acmeAccountID=$KID" years=1 quoteOnly=Y
is "EXTENDDOMAINS 30 days after the end: a year for each of the 2 domains" "$ST $(j .cost)" "200 20"
END=$(day "+100 days")
setend "$END"
n=$(orders_of "$KID")
api EXTENDDOMAINS "acmeAccountID=$KID" years=1 quoteOnly=N
is "EXTENDDOMAINS 100 days before the end charges a year per domain" "$ST $(j .cost) $(j .currency)" "200 20 EUR"
is "the extension is one EXTEND order" "$(orders_of "$KID")/$(sql "SELECT cost_cents FROM reseller_orders WHERE order_number = $(j .orderNumber) AND kind = 'EXTEND'")" \
	"$((n + 1))/2000"
api LISTDOMAINS "acmeAccountID=$KID"
is "every domain now ends a year later" "$(j '[.Domains[].expiresAt] | unique | join(",")')" \
	"$(day "$END +1 year -1 day")T23:59:59Z"

# ---- subscription expired, refusals that change nothing ----
api PREREGISTER "serverUrl=$ACME_QWAC_URL"
QKID=$(j '.Accounts[0].acmeAccountID')
QA=$("$CAASCTL_CA" -f "$CA_CONF" preval-add --level QWAC --org "Q AG" --org-city Wien --org-country AT)
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=*.rsl-q.test" "evAnchorOrderNumber=$QA"
refused "a wildcard on a QWAC account" 400 malformed "'domainName' argument is invalid"
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=not a name" "evAnchorOrderNumber=$QA"
refused "a malformed domainName" 400 malformed "'domainName' argument is invalid"
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=q.rsl-q.test" quoteOnly=maybe "evAnchorOrderNumber=$QA"
refused "a bad quoteOnly" 400 malformed "'quoteOnly' argument is invalid"
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=q.rsl-q.test" "evAnchorOrderNumber=$QA"
is "a QWAC domain costs 200.00" "$(j .cost)" "200"
sql "UPDATE eab_keys SET term_start = '$(day "-1 year")', term_end = '$TODAY' WHERE kid = '$QKID'"
n=$(orders_of "$QKID")
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=r.rsl-q.test" "evAnchorOrderNumber=$QA"
refused "ADDDOMAIN after the subscription ended" 400 malformed "'acmeAccountID' argument is invalid"
api REMOVEDOMAIN "acmeAccountID=$QKID" "domainName=zzz.rsl-q.test"
refused "REMOVEDOMAIN of a domain not on the account" 403 unauthorized "Domain could not be removed!"
is "the refusals changed nothing" "$(orders_of "$QKID")/$(sql "SELECT COUNT(*) FROM eab_domains WHERE domain LIKE '%rsl-q.test'")" "$n/1"

# ---- REMOVEDOMAIN after 30 days: no refund ----
sql "UPDATE eab_domains SET added_at = UTC_TIMESTAMP() - INTERVAL 31 DAY WHERE domain = 'two.rsl-a.test'"
n=$(orders_of "$KID")
api REMOVEDOMAIN "acmeAccountID=$KID" "domainName=two.rsl-a.test"
is "REMOVEDOMAIN answers the domain" "$ST $(j '[.success, .Domains[0].domainName] | join(" ")')" "200 true two.rsl-a.test"
is "after 30 days: no refund" "$(orders_of "$KID")" "$n"
api LISTDOMAINS "acmeAccountID=$KID"
is "the removed domain is no longer listed" "$(j '[.Domains[].domainName] | join(",")')" "$D1"
api ADDDOMAIN "acmeAccountID=$KID" "domainName=two.rsl-a.test" quoteOnly=Y
check "re-adding a removed domain is a new, charged add" test "$(j .cost)" != "0"

# ---- accounts: list, suspend, deactivate ----
api LISTACCOUNTS page=0 size=1000
is "LISTACCOUNTS lists the key with its directory" \
	"$(j '.Accounts[] | select(.acmeAccountID == "'"$KID"'") | .accountStatus + " " + .serverUrl')" \
	"pending $ACME_DV_URL"
api LISTACCOUNTS page=-1
refused "LISTACCOUNTS page -1" 400 malformed "'page' argument is invalid"
api SUSPENDACCOUNT "acmeAccountID=$QKID"
is "SUSPENDACCOUNT answers success" "$ST $(j .success)" "200 true"
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=s.rsl-q.test" "evAnchorOrderNumber=$QA"
refused "ADDDOMAIN on a suspended account" 400 malformed "'acmeAccountID' argument is invalid"
api UNSUSPENDACCOUNT "acmeAccountID=$QKID"
is "UNSUSPENDACCOUNT: back to pending (no ACME account bound it yet)" \
	"$ST $(sql "SELECT status FROM eab_keys WHERE kid = '$QKID'")" "200 pending"
api DEACTIVATEACCOUNT "acmeAccountID=$QKID"
is "DEACTIVATEACCOUNT answers success" "$ST $(sql "SELECT status FROM eab_keys WHERE kid = '$QKID'")" "200 deactivated"
api UNSUSPENDACCOUNT "acmeAccountID=$QKID"
refused "deactivation is final" 400 malformed "'acmeAccountID' argument is invalid"

# ---- issuance with the PREREGISTERed key, GETLASTORDER, revocation ----
# shellcheck disable=SC2317 # run through run_client
lego_run() {
	local d=$1
	shift
	lego --server "$ACME_DV_URL" --accept-tos --email "admin@rsl.test" --path "$d" \
		--http --http.port "127.0.0.1:$ACME_HTTP01_PORT" "$@"
}
api PREREGISTER "serverUrl=$ACME_DV_URL"
IKID=$(j '.Accounts[0].acmeAccountID')
IHMAC=$(j '.Accounts[0].eabMACKeyb64url')
api ADDDOMAIN "acmeAccountID=$IKID" "domainName=*.rsl-i.test"
api ADDDOMAIN "acmeAccountID=$IKID" "domainName=rvk.rsl-r.test"
is "two domains on the issuing key" "$ST $(j .success)" "200 true"
check "http-01 port $ACME_HTTP01_PORT is free" port_free
D="$TEST_TMP/lego"
client_ok "lego registers with the PREREGISTERed key and gets www.rsl-i.test" "$TEST_TMP/lego1.log" \
	lego_run "$D" --eab --kid "$IKID" --hmac "$IHMAC" -d www.rsl-i.test run
client_ok "lego gets rvk.rsl-r.test" "$TEST_TMP/lego2.log" \
	lego_run "$D" --eab --kid "$IKID" --hmac "$IHMAC" -d rvk.rsl-r.test run
serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | sed 's/^serial=0*//' | tr '[:upper:]' '[:lower:]'; }
split_chain "$D/certificates/www.rsl-i.test.crt" "$TEST_TMP/c1" || diag "no certificate for www.rsl-i.test"
split_chain "$D/certificates/rvk.rsl-r.test.crt" "$TEST_TMP/c2" || diag "no certificate for rvk.rsl-r.test"
S1=$(sql "SELECT serial FROM certificates WHERE sans LIKE '%\"www.rsl-i.test\"%'")
S2=$(sql "SELECT serial FROM certificates WHERE sans LIKE '%\"rvk.rsl-r.test\"%'")
is "the serial the CA stored is the leaf's" "${S1#"${S1%%[!0]*}"}" "$(serial_of "$TEST_TMP/c1/leaf.pem")"
is "the key is valid once an ACME account bound it" "$(sql "SELECT status FROM eab_keys WHERE kid = '$IKID'")" valid

api GETLASTORDER "acmeAccountID=$IKID"
is "GETLASTORDER lists the latest order of each domain, newest first" \
	"$(j '[.Orders[] | .domainName + ":" + (.statusCode|tostring)] | join(" ")')" \
	"rvk.rsl-r.test:6 www.rsl-i.test:6"
is "GETLASTORDER gives the serial" "$(j '.Orders[] | select(.domainName == "www.rsl-i.test") | .serialNumber')" "$S1"
is "GETLASTORDER: status, account, dates, order ids" \
	"$(j '.Orders[0] | [.statusDesc, .acmeAccountID, (.validNotBefore|test("^[0-9-]{10}T[0-9:]{8}Z$")|tostring), (.acmeOrderID == .orderNumber|tostring), (.certificateID|type)] | join(" ")')" \
	"Valid $IKID true true number"
# A second ACME client on the same EAB key (another server of the customer)
# renews www.rsl-i.test: the primary account's view, the subscription's, and
# the per-account breakdown.
D2="$TEST_TMP/lego-b"
client_ok "a second lego account on the same EAB key gets www.rsl-i.test" "$TEST_TMP/lego3.log" \
	lego_run "$D2" --eab --kid "$IKID" --hmac "$IHMAC" -d www.rsl-i.test run
S3=$(sql "SELECT serial FROM certificates WHERE sans LIKE '%\"www.rsl-i.test\"%' ORDER BY id DESC LIMIT 1")
is "two ACME accounts are bound to the key" "$(sql "SELECT COUNT(*) FROM accounts a JOIN eab_keys e ON e.id = a.eab_id WHERE e.kid = '$IKID'")" 2
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = www.rsl-i.test"
is "includeAdditionalAccounts=N (default): the primary account's latest" "$(j '[.Orders[] | .serialNumber] | join(",")')" "$S1"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = www.rsl-i.test" includeAdditionalAccounts=Y
is "includeAdditionalAccounts=Y: the subscription's latest (the second account's)" \
	"$(j '[.Orders[] | .serialNumber] | join(",")')" "$S3"
check "... attributed to another acmeAccountID than the key's" test "$(j '.Orders[0].acmeAccountID')" != "$IKID"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = www.rsl-i.test" includeAdditionalAccounts=Y breakdownByAccount=Y
is "with the per-account breakdown: one entry per ACME account" "$(j '[.Orders[] | .serialNumber] | join(",")')" "$S3,$S1"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = www.rsl-i.test" breakdownByAccount=Y
is "the breakdown is evaluated only with includeAdditionalAccounts=Y" "$(j '[.Orders[] | .serialNumber] | join(",")')" "$S1"
# A rejected ACME order (invalid, no certificate) is the latest for its name: 7.
PRIM=$(sql "SELECT MIN(a.id) FROM accounts a JOIN eab_keys e ON e.id = a.eab_id WHERE e.kid = '$IKID'")
sql "INSERT INTO orders (account_id, status, identifiers, expires_at, created_at) VALUES ($PRIM, 'invalid',
	'[{\"type\":\"dns\",\"value\":\"rej.rsl-i.test\"}]', UTC_TIMESTAMP() + INTERVAL 1 DAY, UTC_TIMESTAMP())"
REJ=$(sql "SELECT MAX(id) FROM orders WHERE account_id = $PRIM")
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = rej.rsl-i.test"
is "a rejected order: statusCode 7 Rejected, its order number, no certificate" \
	"$(j '.Orders[0] | [(.statusCode|tostring), .statusDesc, (.orderNumber|tostring), (has("certificateID")|tostring), (has("serialNumber")|tostring)] | join(" ")')" \
	"7 Rejected $REJ false false"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = rej.rsl-i.test" "filter=validNotAfter > 2000-01-01"
is "a rejected order has no validNotAfter: a filter on it drops the order" "$(j '.Orders | length')" 0
raw_post "$REVOKE" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD" \
	--data-urlencode "orderNumber=$REJ" --data-urlencode revocationReason=x --data-urlencode responseFormat=1
like "!AutoRevokeSSL of a rejected order: -20" "$(cat "$BODY")" "errorCode=-20&"

api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = rvk.rsl-r.test"
is "GETLASTORDER filtered by domainName =" "$(j '[.Orders[].domainName] | join(" ")')" "rvk.rsl-r.test"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName !? rsl-r"
is "GETLASTORDER filtered by domainName !?" "$(j '[.Orders[].domainName] | join(" ")')" "rej.rsl-i.test www.rsl-i.test"
api GETLASTORDER "acmeAccountID=$IKID" "filter=validNotAfter < $TODAY"
is "GETLASTORDER filtered by validNotAfter <" "$ST $(j '.Orders | length')" "200 0"
api GETLASTORDER "acmeAccountID=$IKID" "filter=validNotAfter > $TODAY" "filter=domainName ? rsl"
is "GETLASTORDER with two filters" "$(j '.Orders | length')" 2
api GETLASTORDER "acmeAccountID=$IKID" "filter=validNotAfter > 2026-13-01"
refused "GETLASTORDER with a bad date" 400 malformed "'filter' argument is invalid"
api GETLASTORDER "acmeAccountID=$IKID" page=1
refused "GETLASTORDER takes no page" 400 malformed "'page' is an unrecognized argument!"

rv() { raw_post "$REVOKE" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode responseFormat=1 \
	--data-urlencode "revocationReason=test" "$@"; }
rv --data-urlencode "loginPassword=nope" --data-urlencode "serialNumber=$S2" --data-urlencode codeReason=4
like "!AutoRevokeSSL with a wrong password: errorCode=-16" "$(cat "$BODY")" "errorCode=-16&errorMessage="
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode "serialNumber=$S2" --data-urlencode codeReason=2
like "!AutoRevokeSSL with reason 2 is refused" "$(cat "$BODY")" "errorCode=-4"
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode serialNumber=00ff --data-urlencode codeReason=4
like "!AutoRevokeSSL of an unknown serial" "$(cat "$BODY")" "errorCode=-4"
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode codeReason=4
like "!AutoRevokeSSL without a certificate" "$(cat "$BODY")" "errorCode=-3"
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode "serialNumber=$S2" --data-urlencode codeReason=4 \
	--data-urlencode test=Y
is "!AutoRevokeSSL test=Y answers 0" "$ST $(cat "$BODY")" "200 errorCode=0"
is "... and changes nothing" "$(sql "SELECT status FROM certificates WHERE serial = '$S2'")" valid
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode "serialNumber=$S2" \
	--data-urlencode codeReason=4
is "!AutoRevokeSSL revokes by serialNumber" "$ST $(cat "$BODY")" "200 errorCode=0"
is "it is revoked with reason 4" "$(sql "SELECT CONCAT(status, ' ', revocation_reason) FROM certificates WHERE serial = '$S2'")" "revoked 4"
rv --data-urlencode "loginPassword=$CAAS_PASSWORD" --data-urlencode "serialNumber=$S2" --data-urlencode codeReason=4
like "a second !AutoRevokeSSL: already revoked (-21)" "$(cat "$BODY")" "errorCode=-21"

n=$(orders_of "$IKID")
api REMOVEDOMAIN "acmeAccountID=$IKID" "domainName=*.rsl-i.test"
is "REMOVEDOMAIN within 30 days answers 200" "$ST $(j '.Domains[0].domainName')" "200 *.rsl-i.test"
is "within 30 days: a REFUND order of the add's cost" \
	"$(orders_of "$IKID") $(sql "SELECT cost_cents FROM reseller_orders o JOIN eab_keys e ON e.id = o.eab_id WHERE e.kid = '$IKID' AND kind = 'REFUND'")" \
	"$((n + 1)) -5000"
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = www.rsl-i.test"
is "reseller_remove_revokes = no: the removed name's certificate stays valid (6)" \
	"$(j '.Orders[0] | (.statusCode|tostring) + " " + .statusDesc')" "6 Valid"
is "... in the database too" "$(sql "SELECT status FROM certificates WHERE serial = '$S1'")" valid
api GETLASTORDER "acmeAccountID=$IKID" "filter=domainName = rvk.rsl-r.test"
is "GETLASTORDER shows the !AutoRevokeSSL'd certificate revoked (8)" "$(j '.Orders[0] | (.statusCode|tostring) + " " + .statusDesc')" "8 Revoked"
api REMOVEDOMAIN "acmeAccountID=$IKID" "domainName=*.rsl-i.test"
refused "a second REMOVEDOMAIN" 403 unauthorized "Domain could not be removed!"

crl="$TEST_TMP/issuing.crl"
if curl -sS -f -o "$crl" "$CENTER_URL/crl/issuing.crl" 2>/dev/null && [[ -s "$crl" ]]; then
	openssl crl -inform DER -in "$crl" -out "$crl.pem" 2>/dev/null || cp "$crl" "$crl.pem"
	out=$(openssl verify -crl_check -CAfile "$CA_ROOT_PEM" -untrusted "$CA_ISSUING_PEM" \
		-CRLfile "$crl.pem" "$TEST_TMP/c2/leaf.pem" 2>&1) || true
	like "the !AutoRevokeSSL'd certificate is in the CRL" "$out" "certificate revoked"
else
	diag "no CRL at $CENTER_URL/crl/issuing.crl yet: the CRL check is skipped"
fi

done_testing
