#!/usr/bin/env bash
# The reseller API is a strict twin of Sectigo's documented CaaS API
# (docs/upstream.md), driven with curl through nginx into ca-fcgi and
# MariaDB: per action, the documented fields are accepted, any other field
# is refused with the exact documented text, missing and invalid values get
# the exact texts, and the answers carry the documented names with their
# JSON types. The call log (caasctl-ca calls) records every call by field
# name only. Access: failed logins are throttled per address (atomic count,
# the owner of the login keeps access), keys belong to the login that made
# them, the password file must be private, nginx allows only listed
# addresses and limits the rate.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

for v in CAAS_API_BASE CAAS_LOGIN CAAS_PASSWORD MYSQL_SOCKET CA_CONF CAASCTL_CA; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
done

API="$CAAS_API_BASE/products/!ACMEAdmin"
REVOKE="$CAAS_API_BASE/products/!AutoRevokeSSL"
BODY="$TEST_TMP/api.json"
MALFORMED=urn:sectigo:params:acme:error:malformed

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e "$1"; }
j() { jq -r "$1" "$BODY" 2>/dev/null; }
calls() { "$CAASCTL_CA" -f "$CA_CONF" calls "$@"; }

# post URL CURLARGS...: sets ST and $BODY.
post() {
	local url=$1
	shift
	: >"$BODY"
	ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" --max-time 30 -o "$BODY" -w '%{http_code}' \
		"$@" "$url") || ST=000
}

# api ACTION [FIELD=VALUE...]: !ACMEAdmin with the reseller's login.
api() {
	local a=(--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD"
		--data-urlencode "action=$1") f
	shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	post "$API" "${a[@]}"
}

# problem DESC STATUS DETAIL: the last answer was exactly that documented row.
problem() {
	is "$1: HTTP $2" "$ST" "$2"
	is "$1: type and detail" "$(j '.type + " | " + .detail')" "$([[ $2 == 40[13] ]] &&
		echo "urn:sectigo:params:acme:error:unauthorized" || echo "$MALFORMED") | $3"
}
unrecognized() { problem "$1" 400 "'$2' is an unrecognized argument!"; }
missing() { problem "$1" 400 "The '$2' argument is missing!"; }
invalid() { problem "$1" 400 "The value of the '$2' argument is invalid!"; }

# types DESC JQ: the answer passes the jq type check.
types() {
	if jq -e "$2" "$BODY" >/dev/null 2>&1; then ok "$1"; else not_ok "$1" "$(head -c 400 "$BODY")"; fi
}

# ---- the call log: every call, by field NAME, never values ----
sql "DELETE FROM reseller_login_failures"
L0=$(calls --last-id)
check "caasctl-ca calls --last-id prints a number" test -n "$(printf '%s' "$L0" | grep -E '^[0-9]+$')"
api LISTSERVERS
api LISTSERVERS bogus=1
is "the call log has both calls, fields sorted, names only" "$(calls --since "$L0" | cut -f2-)" \
	"$(printf 'ACMEAdmin\tLISTSERVERS\t200\taction,loginName,loginPassword\nACMEAdmin\tLISTSERVERS\t400\taction,bogus,loginName,loginPassword')"
is "the call log holds no password" "$(sql "SELECT COUNT(*) FROM reseller_calls WHERE fields LIKE '%$CAAS_PASSWORD%' OR kind LIKE '%$CAAS_PASSWORD%'")" 0
is "--last-id moved by two" "$(calls --last-id)" "$((L0 + 2))"

# ---- login, action ----
post "$API" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=${CAAS_PASSWORD}x" \
	--data-urlencode action=LISTSERVERS
problem "a wrong password" 401 "Incorrect login details, account is locked, password has expired, or your source IP is blocked!"
post "$API" --data-urlencode action=LISTSERVERS
problem "no login at all" 401 "Incorrect login details, account is locked, password has expired, or your source IP is blocked!"
api ""
missing "no action" action
api FROBNICATE
invalid "an unknown action" action
api LISTSERVERS "loginName=$CAAS_LOGIN"
check "a repeated loginName is refused ($ST)" test "$ST" = 401

# ---- LISTSERVERS ----
api LISTSERVERS
types "LISTSERVERS: Servers[] of serverUrl, productID (number), productDescription, certValidationType" \
	'.Servers | length == 3 and all(.[]; (.serverUrl|type)=="string" and (.productID|type)=="number" and (.productDescription|type)=="string" and (.certValidationType|type)=="string")'
api LISTSERVERS page=0
unrecognized "LISTSERVERS takes no page" page

# ---- PREREGISTER: serverUrl (32) and years (1-3) | days; nothing else ----
n=$(sql "SELECT COUNT(*) FROM eab_keys")
api PREREGISTER "serverUrl=$ACME_DV_URL" years=3 days=365
is "PREREGISTER with years and days: 200 (years wins)" "$ST" 200
types "PREREGISTER: Accounts[0] has the four documented strings" \
	'.Accounts[0] | (.acmeAccountID|type)=="string" and (.accountStatus=="pending") and (.eabMACKeyb64url|test("^[A-Za-z0-9_-]{43}$")) and (.eabMACIDb64url == .acmeAccountID) and (.acmeAccountID|length) <= 32'
KID=$(j '.Accounts[0].acmeAccountID')
is "years wins over days: the key keeps 3 years" "$(sql "SELECT term_years FROM eab_keys WHERE kid = '$KID'")" 3
api PREREGISTER "serverUrl=$ACME_DV_URL" days=730
is "PREREGISTER with days=730: 2 years" "$(sql "SELECT term_years FROM eab_keys WHERE kid = '$(j '.Accounts[0].acmeAccountID')'")" 2
api PREREGISTER "serverUrl=$ACME_OV_URL" organizationName="Org SARL"
unrecognized "PREREGISTER with organizationName" organizationName
api PREREGISTER "serverUrl=$ACME_OV_URL" locality=Paris
unrecognized "PREREGISTER with locality" locality
api PREREGISTER "serverUrl=$ACME_OV_URL" country=FR
unrecognized "PREREGISTER with country" country
api PREREGISTER "serverURL=$ACME_DV_URL"
unrecognized "PREREGISTER with the sample's spelling serverURL" serverURL
api PREREGISTER
missing "PREREGISTER without serverUrl" serverUrl
api PREREGISTER "serverUrl=$CAAS_API_BASE/v2/EV"
invalid "PREREGISTER with an unknown server" serverUrl
api PREREGISTER "serverUrl=https://a-very-long-host-name.example/v2/DV"
invalid "PREREGISTER with a serverUrl over 32 characters" serverUrl
api PREREGISTER "serverUrl=$ACME_DV_URL" years=4
invalid "PREREGISTER years=4" years
api PREREGISTER "serverUrl=$ACME_DV_URL" days=400
invalid "PREREGISTER days=400" days
is "the refused PREREGISTERs made no key" "$(sql "SELECT COUNT(*) FROM eab_keys")" "$((n + 2))"

# ---- pre-validations and ADDDOMAIN ----
OVA=$("$CAASCTL_CA" -f "$CA_CONF" preval-add --level OV --org "Org SARL" --org-city Paris --org-country FR)
QA=$("$CAASCTL_CA" -f "$CA_CONF" preval-add --level QWAC --org "Q GmbH" --org-city Berlin --org-country DE)
check "preval-add prints only a decimal anchor ($OVA, $QA)" test -n "$(printf '%s\n%s' "$OVA" "$QA" | grep -Ex '[0-9]+' | sed -n 2p)"
like "preval-list lists the OV anchor" "$("$CAASCTL_CA" -f "$CA_CONF" preval-list)" "$OVA	OV	Org SARL	Paris	FR"
out=$("$CAASCTL_CA" -f "$CA_CONF" preval-add --level DV --org X --org-city Y --org-country FR 2>&1) && rc=0 || rc=$?
check "preval-add refuses level DV ($out)" test "$rc" -ne 0

api PREREGISTER "serverUrl=$ACME_OV_URL"
OKID=$(j '.Accounts[0].acmeAccountID')
api PREREGISTER "serverUrl=$ACME_QWAC_URL"
QKID=$(j '.Accounts[0].acmeAccountID')
api ADDDOMAIN "acmeAccountID=$KID" domainName=dv.ct.test quoteOnly=Y addAssociatedFQDN=N
is "ADDDOMAIN quote with every documented field of DV: 200" "$ST" 200
types "ADDDOMAIN quote: success true, cost a number, currency a string" \
	'.success == true and (.cost|type)=="number" and (.currency|type)=="string"'
like "ADDDOMAIN: cost has two decimals in the text (3 years of DV: 30.00)" "$(cat "$BODY")" '"cost":30.00,'
api ADDDOMAIN "acmeAccountID=$KID" domainName=dv.ct.test "ovAnchorOrderNumber=$OVA"
problem "an anchor on a DV account" 403 "Not applicable for DV!"
api ADDDOMAIN "acmeAccountID=$OKID" domainName=ov.ct.test
missing "OV ADDDOMAIN without its anchor" ovAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$OKID" domainName=ov.ct.test ovAnchorOrderNumber=999
invalid "OV ADDDOMAIN with an unknown anchor" ovAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$OKID" domainName=ov.ct.test "ovAnchorOrderNumber=$QA"
invalid "OV ADDDOMAIN with a QWAC anchor" ovAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$OKID" domainName=ov.ct.test "evAnchorOrderNumber=$QA"
invalid "OV ADDDOMAIN with evAnchorOrderNumber" evAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$QKID" domainName=q.ct.test "ovAnchorOrderNumber=$OVA"
invalid "QWAC ADDDOMAIN with ovAnchorOrderNumber" ovAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$QKID" domainName=q.ct.test
missing "QWAC ADDDOMAIN without evAnchorOrderNumber" evAnchorOrderNumber
api ADDDOMAIN "acmeAccountID=$QKID" domainName=q.ct.test "evAnchorOrderNumber=$QA" quoteOnly=N
is "QWAC ADDDOMAIN with its evAnchorOrderNumber: 200" "$ST $(j .success)" "200 true"
types "ADDDOMAIN: success, orderNumber (number), cost (number), currency" \
	'.success == true and (.orderNumber|type)=="number" and (.cost == 200) and .currency == "EUR"'
is "the QWAC key now carries the anchor's organization" \
	"$(sql "SELECT CONCAT(org_name, '/', org_city, '/', org_country) FROM eab_keys WHERE kid = '$QKID'")" "Q GmbH/Berlin/DE"
api ADDDOMAIN "acmeAccountID=$OKID" domainName=ov.ct.test "ovAnchorOrderNumber=$OVA" addAssociatedFQDN=Y
is "OV ADDDOMAIN with its anchor and addAssociatedFQDN=Y: 200" "$ST $(j .cost)" "200 30"
is "addAssociatedFQDN=Y also enrolled www.ov.ct.test, under the anchor" \
	"$(sql "SELECT GROUP_CONCAT(CONCAT(domain, ':', anchor) ORDER BY domain) FROM eab_domains d JOIN eab_keys k ON k.id = d.eab_id WHERE k.kid = '$OKID'")" \
	"ov.ct.test:$OVA,www.ov.ct.test:$OVA"
api ADDDOMAIN "acmeAccountID=$KID" domainName=dv.ct.test quoteOnly=maybe
invalid "quoteOnly=maybe" quoteOnly
api ADDDOMAIN "acmeAccountID=$KID" domainName=dv.ct.test addAssociatedFQDN=yes
invalid "addAssociatedFQDN=yes" addAssociatedFQDN
api ADDDOMAIN "acmeAccountID=$KID" "domainName=not a name"
invalid "a malformed domainName" domainName
api ADDDOMAIN "acmeAccountID=$QKID" "domainName=*.q.ct.test" "evAnchorOrderNumber=$QA"
invalid "a wildcard on QWAC" domainName
api ADDDOMAIN "acmeAccountID=$KID" "domainName=$(printf 'a%.0s' {1..250}).test"
invalid "a domainName over 255 characters" domainName
api ADDDOMAIN "acmeAccountID=$KID"
missing "ADDDOMAIN without domainName" domainName
api ADDDOMAIN domainName=x.ct.test
missing "ADDDOMAIN without acmeAccountID" acmeAccountID
api ADDDOMAIN "acmeAccountID=nosuchaccount" domainName=x.ct.test
invalid "an unknown acmeAccountID" acmeAccountID
api ADDDOMAIN "acmeAccountID=$(printf 'A%.0s' {1..33})" domainName=x.ct.test
invalid "an acmeAccountID over 32 characters" acmeAccountID
api ADDDOMAIN "acmeAccountID=$KID" domainName=x.ct.test years=1
unrecognized "ADDDOMAIN with years" years
api ADDDOMAIN "acmeAccountID=$KID" domainName=x.ct.test domainName=y.ct.test
invalid "ADDDOMAIN with domainName twice" domainName

# ---- LISTDOMAINS: page from 0, size ----
for d in b a c; do api ADDDOMAIN "acmeAccountID=$KID" "domainName=$d.page.test"; done
api LISTDOMAINS "acmeAccountID=$KID" page=0 size=2
types "LISTDOMAINS: Domains[] of domainName and expiresAt strings" \
	'(.Domains|length) == 2 and all(.Domains[]; (.domainName|type)=="string" and (.expiresAt|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T23:59:59Z$")))'
is "LISTDOMAINS page 0 size 2: the first two by name" "$(j '[.Domains[].domainName] | join(",")')" "a.page.test,b.page.test"
api LISTDOMAINS "acmeAccountID=$KID" page=1 size=2
is "LISTDOMAINS page 1 size 2: the next" "$(j '[.Domains[].domainName] | join(",")')" "c.page.test"
END=$(sql "SELECT DATE_SUB(term_end, INTERVAL 1 DAY) FROM eab_keys WHERE kid = '$KID'")
is "expiresAt is the last second of the term's last day (3 years from tomorrow)" "$(j '.Domains[0].expiresAt')" "${END}T23:59:59Z"
is "a 3-year term: term_end is tomorrow + 3 years" "$(sql "SELECT term_end FROM eab_keys WHERE kid = '$KID'")" \
	"$(date -u -d "$(date -u -d tomorrow +%F) +3 years" +%F)"
api LISTDOMAINS "acmeAccountID=$KID" size=0
invalid "LISTDOMAINS size=0" size
api LISTDOMAINS "acmeAccountID=$KID" page=-1
invalid "LISTDOMAINS page=-1" page
api LISTDOMAINS "acmeAccountID=$KID" filter=x
unrecognized "LISTDOMAINS with filter" filter

# ---- EXTENDDOMAINS ----
sql "UPDATE eab_keys SET term_end = UTC_DATE() + INTERVAL 50 DAY WHERE kid = '$KID'"
api EXTENDDOMAINS "acmeAccountID=$KID" quoteOnly=Y years=2
types "EXTENDDOMAINS quote: success, cost (number), currency" '.success == true and (.cost|type)=="number" and .currency == "EUR"'
is "EXTENDDOMAINS 2 years of 3 DV domains: 60.00" "$(j .cost)" 60
api EXTENDDOMAINS "acmeAccountID=$KID" quoteOnly=Y days=1095
is "EXTENDDOMAINS days=1095: 90.00" "$(j .cost)" 90
api EXTENDDOMAINS "acmeAccountID=$KID" days=366
invalid "EXTENDDOMAINS days=366" days
api EXTENDDOMAINS "acmeAccountID=$KID" domainName=a.page.test
unrecognized "EXTENDDOMAINS with domainName" domainName
sql "UPDATE eab_keys SET term_end = UTC_DATE() + INTERVAL 101 DAY WHERE kid = '$KID'"
api EXTENDDOMAINS "acmeAccountID=$KID" quoteOnly=Y
invalid "EXTENDDOMAINS 101 days before the end (outside the window)" acmeAccountID

# ---- UPDATEDOMAINS ----
OVB=$("$CAASCTL_CA" -f "$CA_CONF" preval-add --level OV --org "Org Two" --org-city Lyon --org-country FR)
api UPDATEDOMAINS "acmeAccountID=$OKID" "ovAnchorOrderNumber=$OVB" "oldOVAnchorOrderNumber=$OVA"
types "UPDATEDOMAINS: nRecordsUpdated (number) and success" '.nRecordsUpdated == 2 and .success == true'
is "UPDATEDOMAINS moved the subject to the new organization" \
	"$(sql "SELECT org_name FROM eab_keys WHERE kid = '$OKID'")" "Org Two"
api UPDATEDOMAINS "acmeAccountID=$OKID" "ovAnchorOrderNumber=$OVB"
missing "UPDATEDOMAINS without the old anchor" oldOVAnchorOrderNumber
api UPDATEDOMAINS "acmeAccountID=$KID" "ovAnchorOrderNumber=$OVB" "oldOVAnchorOrderNumber=$OVA"
problem "UPDATEDOMAINS on DV" 403 "Not applicable for DV!"
api UPDATEDOMAINS "acmeAccountID=$QKID" "evAnchorOrderNumber=$QA" "oldEVAnchorOrderNumber=$QA"
is "UPDATEDOMAINS on QWAC with the EV pair" "$ST $(j .nRecordsUpdated)" "200 1"

# ---- REMOVEDOMAIN ----
api REMOVEDOMAIN "acmeAccountID=$KID" domainName=c.page.test
types "REMOVEDOMAIN: success and Domains[0].domainName" '.success == true and .Domains[0].domainName == "c.page.test"'
api REMOVEDOMAIN "acmeAccountID=$KID" domainName=c.page.test
problem "REMOVEDOMAIN of a domain no longer there" 403 "Domain could not be removed!"
api REMOVEDOMAIN "acmeAccountID=$KID" domainName=a.page.test quoteOnly=N
unrecognized "REMOVEDOMAIN with quoteOnly" quoteOnly

# ---- GETLASTORDER ----
api GETLASTORDER "acmeAccountID=$KID" includeAdditionalAccounts=Y breakdownByAccount=Y \
	"filter=domainName ? page" "filter=validNotAfter >= 2000-01-01"
is "GETLASTORDER with every documented field: 200, Orders[]" "$ST $(j '.Orders|type')" "200 array"
api GETLASTORDER "acmeAccountID=$KID" page=1
unrecognized "GETLASTORDER with page" page
api GETLASTORDER "acmeAccountID=$KID" domainName=a.page.test
unrecognized "GETLASTORDER with domainName" domainName
api GETLASTORDER "acmeAccountID=$KID" "filter=serialNumber = 1"
invalid "a filter on an undocumented field" filter
api GETLASTORDER "acmeAccountID=$KID" "filter=validNotAfter ? 2020"
invalid "? on a date" filter
api GETLASTORDER "acmeAccountID=$KID" includeAdditionalAccounts=X
invalid "includeAdditionalAccounts=X" includeAdditionalAccounts

# ---- accounts ----
api LISTACCOUNTS "acmeAccountID=$KID" includeAdditionalAccounts=N lastActivityOf=eab includeContacts=Y page=0 size=1
types "LISTACCOUNTS with every documented field: Accounts[0] of the key, contacts an array" \
	'(.Accounts|length) == 1 and .Accounts[0].acmeAccountID == "'"$KID"'" and (.Accounts[0].contacts|type)=="array" and (.Accounts[0].accountStatus|type)=="string"'
api LISTACCOUNTS "eabKeyID=$QKID"
is "LISTACCOUNTS eabKeyID names one key" "$(j '[.Accounts[].acmeAccountID] | join(",")')" "$QKID"
api LISTACCOUNTS includeAdditionalAccounts=Y
missing "LISTACCOUNTS includeAdditionalAccounts without acmeAccountID" acmeAccountID
api LISTACCOUNTS lastActivityOf=domain
invalid "LISTACCOUNTS lastActivityOf=domain" lastActivityOf
api LISTBINDINGS
types "LISTBINDINGS: Bindings[] with reusable (boolean) and eabMACIDb64url, never the HMAC key" \
	'(.Bindings|length) > 0 and all(.Bindings[]; (.reusable|type)=="boolean" and (.eabMACIDb64url|type)=="string" and (has("eabMACKeyb64url")|not))'
api LISTBINDINGS page=0
unrecognized "LISTBINDINGS with page" page
for act in SUSPENDACCOUNT UNSUSPENDACCOUNT; do
	api $act "acmeAccountID=$QKID" "includeAdditionalAccounts=*"
	types "$act with includeAdditionalAccounts=*: success, nRecordsUpdated (number)" '.success == true and (.nRecordsUpdated|type)=="number"'
done
api SUSPENDACCOUNT "acmeAccountID=$QKID" includeAdditionalAccounts=X
invalid "SUSPENDACCOUNT includeAdditionalAccounts=X" includeAdditionalAccounts
api SUSPENDACCOUNT "acmeAccountID=$QKID" domainName=q.ct.test
unrecognized "SUSPENDACCOUNT with domainName" domainName
api DEACTIVATEACCOUNT "acmeAccountID=$QKID" includeAdditionalAccounts=Y
is "DEACTIVATEACCOUNT: deactivated" "$ST $(sql "SELECT status FROM eab_keys WHERE kid = '$QKID'")" "200 deactivated"
api UNSUSPENDACCOUNT "acmeAccountID=$QKID"
invalid "UNSUSPENDACCOUNT after deactivation (final)" acmeAccountID

# ---- keys belong to the login that made them ----
sql "UPDATE eab_keys SET owner_login = 'another-reseller' WHERE kid = '$OKID'"
api LISTDOMAINS "acmeAccountID=$OKID"
invalid "another login's key is not there" acmeAccountID
api LISTACCOUNTS size=1000
is "LISTACCOUNTS does not show another login's key" "$(j '[.Accounts[] | select(.acmeAccountID == "'"$OKID"'")] | length')" 0
sql "UPDATE eab_keys SET owner_login = '$CAAS_LOGIN' WHERE kid = '$OKID'"
api LISTDOMAINS "acmeAccountID=$OKID"
is "the owner reaches it" "$ST" 200

# ---- !AutoRevokeSSL: fields, numbering, both answer formats ----
rv() { post "$REVOKE" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD" "$@"; }
rv --data-urlencode serialNumber=00ff --data-urlencode revocationReason=x --data-urlencode responseFormat=1 \
	--data-urlencode bogus=1
is "!AutoRevokeSSL unknown field: -2, URL-encoded" "$(cat "$BODY")" "errorCode=-2&errorMessage=%27bogus%27+is+an+unrecognised+argument%21"
rv --data-urlencode serialNumber=00ff --data-urlencode revocationReason=x
is "!AutoRevokeSSL unknown serial, default format: two lines" "$(cat "$BODY")" \
	"$(printf -- "-4\nThe value of the 'serialNumber' argument is invalid!")"
rv --data-urlencode revocationReason=x --data-urlencode responseFormat=1
is "!AutoRevokeSSL without a certificate: -3" "$(cat "$BODY")" "errorCode=-3&errorMessage=The+%27orderNumber%27+argument+is+missing%21"
rv --data-urlencode serialNumber=00ff --data-urlencode responseFormat=1
like "!AutoRevokeSSL without revocationReason: -3" "$(cat "$BODY")" "errorCode=-3&errorMessage=The+%27revocationReason%27"
rv --data-urlencode serialNumber=00ff --data-urlencode revocationReason=x --data-urlencode codeReason=2 --data-urlencode responseFormat=1
like "!AutoRevokeSSL codeReason=2: -4" "$(cat "$BODY")" "errorCode=-4&errorMessage=The+value+of+the+%27codeReason%27"
rv --data-urlencode serialNumber=00ff --data-urlencode certificateID=1 --data-urlencode revocationReason=x --data-urlencode responseFormat=1
like "!AutoRevokeSSL with two targets: -4" "$(cat "$BODY")" "errorCode=-4"
rv --data-urlencode serialNumber=00ff --data-urlencode revocationReason=x --data-urlencode responseFormat=2
like "!AutoRevokeSSL responseFormat=2: -4" "$(cat "$BODY")" "-4"
post "$REVOKE" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=nope" \
	--data-urlencode serialNumber=00ff --data-urlencode responseFormat=1
like "!AutoRevokeSSL with a wrong password: -16" "$(cat "$BODY")" "errorCode=-16&errorMessage=Incorrect+login+details"
L1=$(calls --last-id)
rv --data-urlencode serialNumber=00ff --data-urlencode revocationReason=x --data-urlencode test=Y --data-urlencode responseFormat=1
is "the call log names the AutoRevokeSSL fields" "$(calls --since "$L1" | cut -f2-)" \
	"$(printf 'AutoRevokeSSL\t\t200\tloginName,loginPassword,responseFormat,revocationReason,serialNumber,test')"
sql "DELETE FROM reseller_login_failures"

# ---- failed logins: counted atomically, throttled per address ----
for i in 1 2 3; do
	post "$API" --data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=wrong$i" --data-urlencode action=LISTSERVERS &
done
wait
is "three parallel failures count three, per address and per login" \
	"$(sql "SELECT GROUP_CONCAT(CONCAT(scope, ':', failures) ORDER BY scope) FROM reseller_login_failures")" "login:3,addr:3"
sql "UPDATE reseller_login_failures SET failures = 30 WHERE scope = 'addr'"
api LISTSERVERS
problem "30 failures from this address: even the right password is refused" 401 \
	"Incorrect login details, account is locked, password has expired, or your source IP is blocked!"
sql "UPDATE reseller_login_failures SET failures = 0 WHERE scope = 'addr'; UPDATE reseller_login_failures SET failures = 50 WHERE scope = 'login'"
api LISTSERVERS
is "a login locked by failures elsewhere still works from an address without failures" "$ST" 200
sql "UPDATE reseller_login_failures SET failures = 1 WHERE scope = 'addr'"
api LISTSERVERS
is "... but not from an address that failed" "$ST" 401
sql "UPDATE reseller_login_failures SET window_start = UTC_TIMESTAMP() - INTERVAL 1 HOUR"
api LISTSERVERS
is "an old window does not count" "$ST" 200
sql "DELETE FROM reseller_login_failures"

# ---- the password file must be private ----
PD=$(mktemp -d "$TEST_TMP/pw.XXXXXX")
cp "$(sed -n 's/^reseller_password_file = //p' "$CA_CONF")" "$PD/pass"
chmod 644 "$PD/pass"
sed "s|^reseller_password_file = .*|reseller_password_file = $PD/pass|" "$CA_CONF" >"$PD/ca.conf"
out=$("$CAASCTL_CA" -f "$PD/ca.conf" calls --last-id 2>&1) && rc=0 || rc=$?
check "a world-readable reseller password file is refused (rc $rc)" test "$rc" -ne 0
like "the refusal names the mode" "$out" "mode 0644"
chmod 600 "$PD/pass"
out=$("$CAASCTL_CA" -f "$PD/ca.conf" calls --last-id 2>&1) && rc=0 || rc=$?
is "mode 600 is accepted" "$rc" 0

# ---- nginx: allowlist and rate ----
ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
	--data action=LISTSERVERS "$API" 2>/dev/null) || ST=000
is "an address outside the allowlist gets 403 from nginx" "$ST" 403
CFG="$TEST_TMP/burst.cfg"
for i in $(seq 1 320); do printf 'url = "%s"\noutput = /dev/null\n' "$API"; done >"$CFG"
codes=$(curl -sS --cacert "$ACME_CA_BUNDLE" --interface 127.0.0.3 -Z --parallel-max 64 -K "$CFG" \
	-w '%{http_code}\n' 2>/dev/null | sort | uniq -c)
like "a burst of 320 requests from a rate-limited address meets the limit (429)" "$codes" " 429"
like "... after the burst was served" "$codes" " 405"

done_testing
